from django.db.models import Prefetch, QuerySet

from meetings.models import AgendaItem, Session, SessionTombstone


def sessions_with_agenda() -> QuerySet[Session]:
    """Sessions with committee, agenda and presenters in three queries however many there are."""
    agenda = AgendaItem.objects.select_related("presenter").order_by("position")
    return (
        Session.objects.select_related("committee")
        .prefetch_related(Prefetch("agenda_items", queryset=agenda))
        .order_by("starts_at", "pk")
    )


def session_tombstones() -> QuerySet[SessionTombstone]:
    return SessionTombstone.objects.order_by("deleted_at", "session_id")
