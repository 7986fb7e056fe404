"""The record and the commitments on the schedule pages.

A session's page shows its agenda and, under each item, what the latest approved version of the
record agreed (an earlier approved version with `?version=N`), with the attendance and the
closing remarks, in the reader's language, and the PDF in Spanish and in English. Only approved
versions are shown; the committee's own signed-in readers are also told that a newer version is
being written (its state, never its text). The commitments register lists what approved records
committed the committee to, each with its dated status notes. Who reads which page is decided as
for the rest of the schedule (`meetings.pages`)."""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from committees.access import Access, access_for
from committees.models import Committee
from meetings.models import Commitment, CommitmentUpdate, Record, RecordVersion, Session
from meetings.pages import (
    committee_or_sign_in,
    second_factor_checked,
    session_or_sign_in,
    session_times,
    subscription_for,
)
from meetings.records.choices import (
    BOTH_DELEGATIONS,
    OPEN_COMMITMENT_STATUSES,
    RECORD_LANGUAGES,
    CommitmentStatus,
    EntryKind,
    RecordState,
    delegation_name,
)
from meetings.records.content import record_prefetch
from meetings.selectors import sessions_with_agenda
from tracker.timezones import to_zone


def _day(moment: datetime, zone_name: str) -> str:
    return to_zone(moment, zone_name).date().isoformat()


@dataclass(frozen=True)
class AgreedRow:
    """A decision, commitment or note of an approved version, as the page shows it."""

    kind: str
    kind_label: str
    text: str
    text_en: str
    responsible: str  # for a commitment: the delegation, and the person if one was named
    due_on: str


@dataclass(frozen=True)
class AgreedItem:
    title: str
    title_en: str
    rows: list[AgreedRow]


@dataclass(frozen=True)
class Attendee:
    name: str
    capacity: str
    present: bool


@dataclass(frozen=True)
class RecordShown:
    number: int
    latest: int
    approved_on: str
    versions: list[tuple[int, str]]  # every approved version with its day, oldest first
    by_item: dict[int, list[AgreedRow]]  # agenda item id -> what was agreed on it
    elsewhere: list[AgreedItem]  # on the session as a whole, or on items since taken off the agenda
    attendance: list[tuple[str, list[Attendee]]]  # by delegation
    closing_remarks: str
    closing_remarks_en: str

    @property
    def query(self) -> str:
        """What a link to this version adds to the address: nothing for the latest."""
        return "" if self.number == self.latest else f"?version={self.number}"


def _row(entry: dict) -> AgreedRow:
    responsible = ""
    if entry["kind"] == EntryKind.COMMITMENT:
        responsible = delegation_name(entry["responsible"])
        if entry["person"]:
            responsible = f"{responsible} ({entry['person']})"
    return AgreedRow(
        kind=entry["kind"],
        kind_label=str(EntryKind(entry["kind"]).label),
        text=entry["text"],
        text_en=entry["text_en"],
        responsible=responsible,
        due_on=entry["due_on"] or "",
    )


def _shown(session: Session, version: RecordVersion, versions: list[RecordVersion]) -> RecordShown:
    content, zone_name = version.content, session.committee.default_timezone
    on_agenda = {item.pk for item in session.agenda_items.all()}
    by_item, elsewhere = {}, []
    for item in content["items"]:
        rows = [_row(entry) for entry in item["entries"]]
        if item["agenda_item_id"] in on_agenda:
            by_item[item["agenda_item_id"]] = rows
        elif rows:
            elsewhere.append(AgreedItem(title=item["title"], title_en=item["title_en"], rows=rows))
    attendance: dict[str, list[Attendee]] = {}
    for row in content["attendance"]:
        attendance.setdefault(row["delegation"], []).append(
            Attendee(name=row["name"], capacity=row["capacity"] or row["position"], present=row["present"])
        )
    return RecordShown(
        number=version.number,
        latest=versions[-1].number,
        approved_on=_day(version.approved_at, zone_name),
        versions=[(each.number, _day(each.approved_at, zone_name)) for each in versions],
        by_item=by_item,
        elsewhere=elsewhere,
        attendance=[(delegation_name(code), rows) for code, rows in attendance.items()],
        closing_remarks=content["closing_remarks"],
        closing_remarks_en=content["closing_remarks_en"],
    )


def _record(session: Session) -> Record | None:
    try:
        return session.record
    except Record.DoesNotExist:
        return None


def _approved(session: Session, wanted: str | None) -> tuple[RecordVersion | None, list[RecordVersion]]:
    """The approved version asked for (the latest when none is), and every approved version."""
    record = _record(session)
    versions = sorted(record.versions.all(), key=lambda version: version.number) if record else []
    if wanted is None:
        return (versions[-1] if versions else None), versions
    chosen = next((version for version in versions if str(version.number) == wanted), None)
    if chosen is None:
        raise Http404(_("This session's record has no such approved version."))
    return chosen, versions


def _pending(session: Session, access: Access) -> Record | None:
    """The record's version being written, which only the committee's own readers are told of."""
    record = _record(session)
    if record is None or record.state == RecordState.APPROVED:
        return None
    return record if access.everything or session.committee_id in access.committees else None


def _sessions() -> QuerySet[Session]:
    return sessions_with_agenda().prefetch_related(*record_prefetch())


@require_safe
@second_factor_checked
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_or_sign_in(request, pk, _sessions())
    if isinstance(session, HttpResponse):
        return session
    version, versions = _approved(session, request.GET.get("version"))
    shown = _shown(session, version, versions) if version else None
    agenda = [(item, shown.by_item.get(item.pk, []) if shown else []) for item in session.agenda_items.all()]
    return render(
        request,
        "meetings/schedule/session.html",
        {
            "session": session,
            "committee": session.committee.display_name,
            "times": session_times(session),
            "agenda": agenda,
            "record": shown,
            "pending": _pending(session, access_for(request.user)),
            "subscription": subscription_for(request, session.committee),
        },
    )


@require_safe
@second_factor_checked
def session_record_pdf(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """An approved version of the record as a PDF, for whoever reads the session's page."""
    if language not in RECORD_LANGUAGES:
        raise Http404(_("The record is written in Spanish and in English only."))
    session = session_or_sign_in(
        request, pk, Session.objects.select_related("committee").prefetch_related(*record_prefetch())
    )
    if isinstance(session, HttpResponse):
        return session
    version, _versions = _approved(session, request.GET.get("version"))
    if version is None:
        raise Http404(_("This session has no approved record."))
    # The PDF renderer and its fonts load with the first download, not with every page.
    from meetings.records.downloads import record_pdf_response

    return record_pdf_response(version=version, language=language)


class CommitmentFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    delegation = forms.ChoiceField(label=_("Responsible delegation"), required=False)

    def __init__(self, *args, committee: Committee, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any")), *CommitmentStatus.choices]
        self.fields["delegation"].choices = [
            ("", _("Any")),
            *((code, delegation_name(code)) for code in committee.countries),
            (BOTH_DELEGATIONS, delegation_name(BOTH_DELEGATIONS)),
        ]

    def filtered(self, commitments: QuerySet[Commitment]) -> QuerySet[Commitment]:
        """A delegation's commitments include those of both delegations: it is responsible for them too."""
        status, delegation = self.cleaned_data["status"], self.cleaned_data["delegation"]
        if status:
            commitments = commitments.filter(status=status)
        if delegation:
            commitments = commitments.filter(Q(responsible=delegation) | Q(responsible=BOTH_DELEGATIONS))
        return commitments


@dataclass(frozen=True)
class CommitmentRow:
    commitment: Commitment
    responsible: str
    overdue: bool
    notes: list[tuple[str, str, str]]  # (day, status, note), oldest first


@require_safe
@second_factor_checked
def committee_commitments(request: HttpRequest, slug: str) -> HttpResponse:
    committee = committee_or_sign_in(request, slug)
    if isinstance(committee, HttpResponse):
        return committee
    form = CommitmentFilter(request.GET, committee=committee)
    rows = []
    if form.is_valid():
        zone_name = committee.default_timezone
        today = to_zone(timezone.now(), zone_name).date()
        updates = Prefetch("updates", queryset=CommitmentUpdate.objects.order_by("changed_at", "pk"))
        commitments = (
            Commitment.objects.filter(committee=committee)
            .select_related("session", "agenda_item", "person")
            .prefetch_related(updates)
            .order_by("due_on", "pk")
        )
        for commitment in form.filtered(commitments):
            responsible = delegation_name(commitment.responsible)
            if commitment.person is not None:
                responsible = f"{responsible} ({commitment.person.full_name})"
            notes = [
                (_day(update.changed_at, zone_name), update.get_status_display(), update.note)
                for update in commitment.updates.all()
            ]
            overdue = commitment.status in OPEN_COMMITMENT_STATUSES and commitment.due_on < today
            rows.append(CommitmentRow(commitment=commitment, responsible=responsible, overdue=overdue, notes=notes))
    return render(
        request,
        "meetings/schedule/commitments.html",
        {"committee": committee, "name": committee.display_name, "form": form, "rows": rows},
        status=200 if form.is_valid() else 400,
    )
