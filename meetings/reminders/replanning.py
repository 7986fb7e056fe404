"""The meetings app's part of every schedule write (SCHEDULE_WRITE_EFFECTS): the sessions the
write touched have their reminders re-planned, once each, in the write's transaction."""

from committees.writes import ScheduleWrite
from meetings.models import Session
from meetings.reminders.planning import reminders_plan


def reminders_plan_touched(write: ScheduleWrite) -> None:
    """Re-plan the reminders of each session `write` changed (or whose invitees it changed); a
    session deleted by the same write has none left to plan."""
    if not write.sessions:
        return
    sessions = Session.objects.select_related("committee").filter(pk__in=write.sessions).order_by("pk")
    for session in sessions:
        reminders_plan(session=session, moved=write.sessions[session.pk], now=write.now)
