import django_filters
from django.db.models import Exists, OuterRef, Q
from django_countries import countries

from meetings.choices import SessionStatus
from meetings.models import AgendaItem, Commitment, Session, SessionTombstone
from meetings.records.choices import BOTH_DELEGATIONS, CommitmentStatus
from tracker.api.filters import AwareIsoDateTimeFilter, IdFilter, StrictFilterSet


class SessionFilter(StrictFilterSet):
    committee = django_filters.CharFilter(field_name="committee__slug", help_text="The committee's slug.")
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    starts_after = AwareIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", help_text="Sessions starting at or after this instant."
    )
    starts_before = AwareIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", help_text="Sessions starting before this instant."
    )
    updated_since = AwareIsoDateTimeFilter(
        method="filter_updated_since",
        help_text="Sessions whose answer changed at or after this instant (the session, its agenda, its "
        "committee or a presenter), cancelled ones included; deleted ones are listed at "
        "/api/v1/sessions/deleted/.",
    )

    class Meta:
        model = Session
        fields = ("committee", "status", "starts_after", "starts_before", "updated_since")

    def filter_updated_since(self, queryset, name, value):
        presenter_changed = AgendaItem.objects.filter(session=OuterRef("pk"), presenter__updated_at__gte=value)
        return queryset.filter(
            Q(updated_at__gte=value) | Q(committee__updated_at__gte=value) | Exists(presenter_changed)
        )


class TombstoneFilter(StrictFilterSet):
    committee = django_filters.CharFilter(field_name="committee", help_text="The committee's slug.")
    since = AwareIsoDateTimeFilter(
        field_name="deleted_at", lookup_expr="gte", help_text="Sessions deleted at or after this instant."
    )

    class Meta:
        model = SessionTombstone
        fields = ("committee", "since")


class AgendaItemFilter(StrictFilterSet):
    session = IdFilter(field_name="session_id", help_text="The session's id.")
    committee = django_filters.CharFilter(field_name="session__committee__slug", help_text="The committee's slug.")

    class Meta:
        model = AgendaItem
        fields = ("session", "committee")


def _responsible_choices() -> list[tuple[str, str]]:
    return [*((country.code, country.code) for country in countries), (BOTH_DELEGATIONS, BOTH_DELEGATIONS)]


class CommitmentFilter(StrictFilterSet):
    committee = django_filters.CharFilter(field_name="committee__slug", help_text="The committee's slug.")
    delegation = django_filters.ChoiceFilter(
        field_name="responsible",
        choices=_responsible_choices,
        help_text="The responsible delegation's country code (e.g. CL), or `both` for the commitments of both; "
        "a delegation's filter leaves out those of both.",
    )
    status = django_filters.ChoiceFilter(choices=CommitmentStatus.choices)
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lt", help_text="Commitments due before this day (YYYY-MM-DD)."
    )
    updated_since = AwareIsoDateTimeFilter(
        method="filter_updated_since",
        help_text="Commitments whose answer changed at or after this instant: a new status or note, a "
        "correction of the record, the committee or the responsible person.",
    )

    class Meta:
        model = Commitment
        fields = ("committee", "delegation", "status", "due_before", "updated_since")

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(
            Q(updated_at__gte=value) | Q(committee__updated_at__gte=value) | Q(person__updated_at__gte=value)
        )
