"""Sending: a worker takes each row of its chunk under the claim token, reads the session again,
sends over one SMTP connection and records the outcome, riding out database trouble."""

import logging
import random
import smtplib
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from meetings.choices import RECORD_KINDS, ReminderKind, ReminderState, SessionStatus
from meetings.models import Commitment, Reminder, Session
from meetings.records.choices import CLOSED_COMMITMENT_STATUSES
from meetings.reminders.planning import notice_follow_up, reminder_recipients

log = logging.getLogger(__name__)
T = TypeVar("T")

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# A dropped connection, a cancelled statement, a lock or statement timeout: worth another try.
DATABASE_TROUBLE = (OperationalError, InterfaceError)


# The session status a postponement or cancellation notice is about.
_OFF_STATUS = {ReminderKind.POSTPONEMENT: SessionStatus.POSTPONED, ReminderKind.CANCELLATION: SessionStatus.CANCELLED}
# Kinds sent only to people who should know of the session now (members, invitees).
_TO_RECIPIENTS_ONLY = (ReminderKind.INVITATION, ReminderKind.REMINDER, ReminderKind.EXTRA)


def _backoff(attempts: int, *, base: timedelta = BACKOFF_BASE) -> timedelta:
    delay = min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not secrecy


def _still_wanted(row: Reminder, session: Session, now: datetime, recipients: set[int]) -> str | None:
    """Why the row must not be sent now (the session as read just now), or None to send it."""
    if row.kind in (ReminderKind.REMINDER, ReminderKind.EXTRA):
        if session.status != SessionStatus.SCHEDULED:
            return ReminderState.CANCELLED
        if row.kind == ReminderKind.REMINDER:
            if row.due_at != session.starts_at - timedelta(minutes=row.offset_minutes):
                return ReminderState.PENDING  # the session moved while this row was in flight
            if row.attempts <= 1 and now > row.due_at + timedelta(minutes=settings.REMINDER_GRACE_MINUTES):
                return ReminderState.MISSED  # found too late (retries go on until the session starts)
        if now > session.starts_at:
            return ReminderState.MISSED
    elif row.kind in (ReminderKind.INVITATION, ReminderKind.UPDATE):
        if session.status != SessionStatus.SCHEDULED:
            return ReminderState.CANCELLED  # a notice for a session no longer on
        if row.kind == ReminderKind.INVITATION and now >= session.ends_at:
            return ReminderState.MISSED
    elif row.kind == ReminderKind.OVERDUE:
        if row.commitment.status in CLOSED_COMMITMENT_STATUSES or row.commitment_due_on != row.commitment.due_on:
            return ReminderState.CANCELLED  # done, dropped or given a new date since it was planned
    elif row.kind == ReminderKind.CHANGE:
        pass  # what was changed, and why, stays true whatever happens next
    elif session.status != _OFF_STATUS[ReminderKind(row.kind)]:
        # a postponement or cancellation for a session on again, or since cancelled or postponed
        return ReminderState.CANCELLED
    if not row.person.email or not row.person.receives_reminders:
        return ReminderState.CANCELLED
    if row.kind in _TO_RECIPIENTS_ONLY and row.person_id not in recipients:
        return ReminderState.CANCELLED  # left the committee or the invitation since planning
    return None


def _temporary(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPException | OSError | socket.timeout)


class _DatabasePatience:
    """Runs a database step again on a fresh connection when the connection drops or a statement
    is cancelled or times out, with a short backoff, for at most REMINDER_DB_RETRY_SECONDS in
    all per chunk (so a chunk stays within the task's time limit)."""

    def __init__(self) -> None:
        self.left = float(settings.REMINDER_DB_RETRY_SECONDS)

    def run(self, step: Callable[[], T]) -> T:
        delay = 0.05
        while True:
            started = time.monotonic()
            try:
                return step()
            except DATABASE_TROUBLE as exc:
                if connection.in_atomic_block or self.left <= 0:
                    raise  # inside a caller's transaction nothing can be retried
                log.warning("database step failed, trying again on a new connection: %s", exc)
                with suppress(DatabaseError):
                    connection.close()  # the next query connects afresh
                time.sleep(min(delay, self.left))
                delay = min(delay * 2, 2.0)
                self.left -= time.monotonic() - started


def _session_locked(session_id: int) -> Session:
    """The session as committed, locked as session writes lock it: a change either committed
    before (and is seen here) or waits until this transaction ends (and sees what it wrote)."""
    return Session.objects.select_for_update().get(pk=session_id)


def _redate(*, row: Reminder, mine: QuerySet) -> None:
    """Back to pending at the time the session has now (it may have moved more than once)."""
    with transaction.atomic():
        session = _session_locked(row.session_id)
        due = session.starts_at - timedelta(minutes=row.offset_minutes)
        mine.update(state=ReminderState.PENDING, claimed_at=None, claim_token="", due_at=due, next_attempt_at=due)


def _record_sent(*, row: Reminder, mine: QuerySet, sequence: int, shown: dict, now: datetime) -> None:
    """Record the SMTP server's acceptance and what the mail showed. A change committed after the
    session was read for this mail found the row still in flight and told no one: the person is
    told here."""
    with transaction.atomic():
        session = _session_locked(row.session_id)
        recorded = mine.update(
            state=ReminderState.SENT,
            sent_at=timezone.now(),
            sent_sequence=sequence,
            shown=shown,
            claimed_at=None,
            claim_token="",
            last_error="",
        )
        if not recorded or session.sequence == sequence or row.kind in RECORD_KINDS:
            return  # recorded by an earlier try whose answer was lost, or the mail is up to date
        notice_follow_up(session=session, person_id=row.person_id, told=row.kind, now=now)


def _error(exc: Exception, prefix: str = "") -> str:
    return f"{prefix}{type(exc).__name__}: {exc}"[:2000]


def _prepare(
    *, row: Reminder, mine: QuerySet, now: datetime, recipients: dict[int, set[int]], smtp: BaseEmailBackend
) -> tuple[EmailMessage, int, dict] | str:
    """The mail for the row, the session sequence it shows and what it shows, or the outcome key
    when it is not to be sent. Database trouble propagates: nothing has gone out yet."""
    from meetings.mail import reminder_mail
    from meetings.records.mail import record_mail

    if not mine.update(claimed_at=now):
        return "skipped"  # reaped meanwhile: another claim has it now
    session = Session.objects.select_related("committee").get(pk=row.session_id)
    row.session = session
    if row.commitment_id:
        row.commitment = Commitment.objects.select_related("person").get(pk=row.commitment_id)  # as it is now
    # Who should know of the session now: asked only for the kinds that go to them alone.
    if row.kind in _TO_RECIPIENTS_ONLY and session.pk not in recipients:
        recipients[session.pk] = {person.pk for person in reminder_recipients(session=session)}
    if reason := _still_wanted(row, session, now, recipients.get(session.pk, set())):
        if reason == ReminderState.PENDING:
            _redate(row=row, mine=mine)  # the session moved: follow it
        else:
            mine.update(state=reason, claimed_at=None, claim_token="")
        return "skipped"
    try:
        if row.kind in RECORD_KINDS:
            return record_mail(row, connection=smtp), session.sequence, None
        mail = reminder_mail(row, connection=smtp)
    except DATABASE_TROUBLE:
        raise
    except Exception as exc:  # a row that cannot be written must not stop the chunk
        log.exception("reminder %s could not be written", row.pk)
        error = _error(exc, "Could not write the mail: ")
        mine.update(state=ReminderState.FAILED, claimed_at=None, claim_token="", last_error=error)
        return "failed"
    if row.kind == ReminderKind.UPDATE and mail.before == mail.shown:
        # changed and changed back before the notice went out: nothing to tell
        mine.update(state=ReminderState.CANCELLED, claimed_at=None, claim_token="")
        return "skipped"
    return mail.message, session.sequence, mail.shown


def _finish(*, patience: _DatabasePatience, mine: QuerySet, **fields) -> None:
    patience.run(lambda: mine.update(claimed_at=None, claim_token="", **fields))


def _send_one(
    *,
    row: Reminder,
    claim_token: str,
    now: datetime,
    recipients: dict[int, set[int]],
    smtp: BaseEmailBackend,
    patience: _DatabasePatience,
) -> str:
    """Send one row of the chunk and record the outcome; returns its key in the chunk's tally."""
    mine = Reminder.objects.filter(pk=row.pk, state=ReminderState.SENDING, claim_token=claim_token)
    try:
        prepared = _prepare(row=row, mine=mine, now=now, recipients=recipients, smtp=smtp)
    except DATABASE_TROUBLE as exc:  # a cancelled statement, a lock timeout, a dropped connection
        log.warning("reminder %s put back after database trouble: %s", row.pk, exc)
        delay = _backoff(row.attempts, base=timedelta(seconds=settings.REMINDER_DB_BACKOFF_SECONDS))
        _finish(
            patience=patience,
            mine=mine,
            state=ReminderState.PENDING,
            next_attempt_at=now + delay,
            last_error=_error(exc),
        )
        return "retry"
    if isinstance(prepared, str):
        return prepared
    message, sequence, shown = prepared
    try:
        smtp.open()  # once per chunk: send() then leaves it open for the next row
        message.send()
    except SoftTimeLimitExceeded:
        raise  # the row stays in flight; the reaper returns it
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        smtp.close()  # a broken connection is not reused
        log.warning("reminder %s not sent: %s", row.pk, _error(exc))
        if _temporary(exc) and row.attempts < settings.REMINDER_MAX_ATTEMPTS:
            retry_at = now + _backoff(row.attempts)
            _finish(
                patience=patience,
                mine=mine,
                state=ReminderState.PENDING,
                next_attempt_at=retry_at,
                last_error=_error(exc),
            )
            return "retry"
        _finish(patience=patience, mine=mine, state=ReminderState.FAILED, last_error=_error(exc))
        return "failed"
    try:
        patience.run(lambda: _record_sent(row=row, mine=mine, sequence=sequence, shown=shown, now=now))
    except DATABASE_TROUBLE:
        log.error(
            "reminder %s was accepted by the SMTP server as %s but could not be recorded; its chunk stops "
            "and the reaper returns its rows",
            row.pk,
            row.message_id,
        )
        raise
    return "sent"


def reminders_send(*, reminder_ids: list[int], claim_token: str, now: datetime | None = None) -> dict[str, int]:
    """Send the rows of one claim over one SMTP connection and record each outcome.

    Each row is taken just before it is sent (a conditional update on its claim token), so a
    row reaped and claimed again elsewhere is left to that claim; the session is read again for
    each row, so a change committed meanwhile is honoured. Database trouble before a row is sent
    puts it back to pending; the record of an accepted mail is retried on a fresh connection, and
    if the database stays away longer than REMINDER_DB_RETRY_SECONDS the chunk stops with its
    rows in flight, for the reaper: the accepted one is then sent again, with its Message-ID."""
    outcome = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    patience = _DatabasePatience()
    recipients: dict[int, set[int]] = {}  # per session, read once per chunk
    mine = Reminder.objects.filter(pk__in=reminder_ids, claim_token=claim_token)
    rows = patience.run(lambda: list(mine.select_related("person", "commitment", "change").order_by("pk")))
    smtp = get_connection(fail_silently=False)
    try:
        for row in rows:
            moment = now or timezone.now()
            kept = _send_one(
                row=row, claim_token=claim_token, now=moment, recipients=recipients, smtp=smtp, patience=patience
            )
            outcome[kept] += 1
    finally:
        smtp.close()
    return outcome
