"""Recording mail the SMTP server accepted, in two steps.

At once, one conditional UPDATE per row writes when it went out and what it showed (`sent_at`,
`sent_sequence`, `shown`): from then on the row is never sent again, whatever happens to its
worker, so a duplicate can only come from a worker that dies between the server's acceptance and
that UPDATE. The row stays in flight until the second step, once per session: with the session
locked, the session's accepted rows become sent, and anyone whose mail showed an older version of
the session than the one now committed is told how it stands.

Why this is race-free with session writes, which lock the session and then ask who was told
(rows in state sent) to plan the notices of a change: a write that found our rows in flight
holds the session lock until it commits, so our locked read waits for it and sees its new
sequence, and we tell those people; a write that locks the session after us finds our rows sent,
and tells them itself. Either way each person is told once (a notice already waiting takes in
the next). The worker does the second step at the end of each session's rows; if it dies before,
the reaper does it (meetings.reminders.queue.reminders_reap)."""

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from meetings.choices import RECORD_KINDS, ReminderState
from meetings.models import Reminder, Session
from meetings.reminders.planning import notice_follow_up


def reminder_accepted(*, mine: QuerySet, sent_at: datetime, sequence: int, shown: dict | None) -> int:
    """The first step, for one row (`mine`: the row under its claim token). Writing it again, after
    a lost answer, writes the same."""
    return mine.update(sent_at=sent_at, sent_sequence=sequence, shown=shown, last_error="")


def reminders_record_sent(*, session_id: int, accepted: QuerySet, now: datetime) -> int:
    """The second step, for the session's rows among `accepted` whose mail went out: recorded as
    sent, with a notice planned for whoever missed a change; returns how many."""
    with transaction.atomic():
        session = Session.objects.select_for_update().filter(pk=session_id).first()  # as session writes lock it
        if session is None:
            return 0  # deleted, and its rows with it
        rows = accepted.filter(session_id=session_id, state=ReminderState.SENDING, sent_at__isnull=False)
        gone_out = list(rows.values_list("pk", "person_id", "kind", "sent_sequence"))
        Reminder.objects.filter(pk__in=[pk for pk, *_rest in gone_out]).update(
            state=ReminderState.SENT, claimed_at=None, claim_token=""
        )
        for _pk, person_id, kind, sequence in gone_out:
            if kind not in RECORD_KINDS and sequence != session.sequence:
                notice_follow_up(session=session, person_id=person_id, told=kind, now=now)
    return len(gone_out)
