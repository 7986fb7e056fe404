"""The meetings app's part of every schedule write (SCHEDULE_WRITE_EFFECTS): the sessions the
write touched, and the upcoming sessions of the committees whose members it changed, have their
reminders re-planned, once each, in the write's transaction."""

from django.db.models import Q

from committees.writes import ScheduleWrite
from meetings.choices import SessionStatus
from meetings.models import Session
from meetings.reminders.planning import reminders_plan


def reminders_plan_touched(write: ScheduleWrite) -> None:
    """Re-plan the reminders of each session `write` changed (or whose invitees it changed), and
    of the scheduled sessions still ahead of committees whose members it changed; a session
    deleted by the same write has none left to plan."""
    if not write.sessions and not write.committees:
        return
    touched = Q(pk__in=write.sessions) | Q(
        committee_id__in=write.committees, status=SessionStatus.SCHEDULED, starts_at__gt=write.now
    )
    for session in Session.objects.select_related("committee").filter(touched).order_by("pk"):
        reminders_plan(session=session, moved=write.sessions.get(session.pk, False), now=write.now)
