"""Sending: a worker takes the rows of its chunk at once under the claim token, and sends them
a session at a time. Just before a session's rows it reads the session again, in a few queries
however many rows it has (meetings.reminders.chunk), so a change committed meanwhile is honoured;
each row is re-checked against that read, its mail written once for all who read it alike
(meetings.reminders.letters), sent over the chunk's one SMTP connection, and its outcome recorded
(meetings.reminders.recording), riding out database trouble."""

import logging
import random
import smtplib
import socket
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from meetings.choices import RECORD_KINDS, ReminderKind, ReminderState
from meetings.mail import CHANGES_SHOWN_KINDS
from meetings.models import Reminder, Session
from meetings.reminders.chunk import SessionRead, chunk_release, chunk_take, session_read, why_not_sent
from meetings.reminders.letters import Letters
from meetings.reminders.recording import reminder_accepted, reminders_record_sent

log = logging.getLogger(__name__)
T = TypeVar("T")

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# A dropped connection, a cancelled statement, a lock or statement timeout: worth another try.
DATABASE_TROUBLE = (OperationalError, InterfaceError)


def _backoff(attempts: int, *, base: timedelta = BACKOFF_BASE) -> timedelta:
    delay = min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not secrecy


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


def _error(exc: Exception, prefix: str = "") -> str:
    return f"{prefix}{type(exc).__name__}: {exc}"[:2000]


def _finish(*, patience: _DatabasePatience, mine: QuerySet, **fields) -> None:
    patience.run(lambda: mine.update(claimed_at=None, claim_token="", **fields))


@dataclass
class _Chunk:
    """What the rows of one chunk share while it is sent."""

    claim_token: str
    now: datetime | None  # the caller's clock, or None for the real one
    smtp: BaseEmailBackend
    patience: _DatabasePatience
    ends: float  # on time.monotonic(): no row is taken after it
    tally: dict[str, int] = field(default_factory=lambda: {"sent": 0, "retry": 0, "failed": 0, "skipped": 0})

    def moment(self) -> datetime:
        return self.now or timezone.now()

    def mine(self, row: Reminder) -> QuerySet:
        """The row, as long as it is in flight under this chunk's claim."""
        return Reminder.objects.filter(pk=row.pk, state=ReminderState.SENDING, claim_token=self.claim_token)


def _put_back(*, chunk: _Chunk, row: Reminder, mine: QuerySet, exc: Exception) -> str:
    """Database trouble before the row's mail went out: it waits a moment and is tried again."""
    log.warning("reminder %s put back after database trouble: %s", row.pk, exc)
    delay = _backoff(row.attempts, base=timedelta(seconds=settings.REMINDER_DB_BACKOFF_SECONDS))
    _finish(
        patience=chunk.patience,
        mine=mine,
        state=ReminderState.PENDING,
        next_attempt_at=chunk.moment() + delay,
        last_error=_error(exc),
    )
    return "retry"


def _prepare(
    *, chunk: _Chunk, row: Reminder, mine: QuerySet, read: SessionRead, letters: Letters, now: datetime
) -> tuple[EmailMessage, dict | None] | str:
    """The row's mail and what it shows of the session, or the outcome key when it is not to be
    sent. Database trouble propagates: nothing has gone out yet."""
    if reason := why_not_sent(row, read=read, now=now):
        if reason == ReminderState.PENDING:
            _redate(row=row, mine=mine)  # the session moved: follow it
        else:
            mine.update(state=reason, claimed_at=None, claim_token="")
        return "skipped"
    before = read.before.get(row.person_id) if row.kind in CHANGES_SHOWN_KINDS else None
    shown = None if row.kind in RECORD_KINDS else letters.shown
    if row.kind == ReminderKind.UPDATE and before == shown:
        # changed and changed back before the notice went out: nothing to tell
        mine.update(state=ReminderState.CANCELLED, claimed_at=None, claim_token="")
        return "skipped"
    try:
        message = letters.letter(row, before=before).to(row, connection=chunk.smtp)
    except DATABASE_TROUBLE:
        raise
    except Exception as exc:  # a row that cannot be written must not stop the chunk
        log.exception("reminder %s could not be written", row.pk)
        error = _error(exc, "Could not write the mail: ")
        mine.update(state=ReminderState.FAILED, claimed_at=None, claim_token="", last_error=error)
        return "failed"
    return message, shown


def _send_row(*, chunk: _Chunk, row: Reminder, read: SessionRead, letters: Letters, accepted: list[int]) -> str:
    """Send one row and record the outcome; returns its key in the chunk's tally. A row whose
    mail went out joins `accepted`, to be recorded as sent with its session's others."""
    now, mine = chunk.moment(), chunk.mine(row)
    try:
        prepared = _prepare(chunk=chunk, row=row, mine=mine, read=read, letters=letters, now=now)
    except DATABASE_TROUBLE as exc:  # a cancelled statement, a lock timeout, a dropped connection
        return _put_back(chunk=chunk, row=row, mine=mine, exc=exc)
    if isinstance(prepared, str):
        return prepared
    message, shown = prepared
    try:
        chunk.smtp.open()  # once per chunk: send() then leaves it open for the next row
        message.send()
    except SoftTimeLimitExceeded:
        raise  # the row stays in flight; the reaper returns it
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        chunk.smtp.close()  # a broken connection is not reused
        log.warning("reminder %s not sent: %s", row.pk, _error(exc))
        if _temporary(exc) and row.attempts < settings.REMINDER_MAX_ATTEMPTS:
            retry_at = now + _backoff(row.attempts)
            _finish(
                patience=chunk.patience,
                mine=mine,
                state=ReminderState.PENDING,
                next_attempt_at=retry_at,
                last_error=_error(exc),
            )
            return "retry"
        _finish(patience=chunk.patience, mine=mine, state=ReminderState.FAILED, last_error=_error(exc))
        return "failed"
    sent_at, sequence = timezone.now(), read.session.sequence
    try:
        taken = chunk.patience.run(
            lambda: reminder_accepted(mine=mine, sent_at=sent_at, sequence=sequence, shown=shown)
        )
    except DATABASE_TROUBLE:
        log.error(
            "reminder %s was accepted by the SMTP server as %s but could not be recorded; its chunk stops "
            "and the reaper returns its rows",
            row.pk,
            row.message_id,
        )
        raise
    if taken:
        accepted.append(row.pk)
        if shown is not None:
            read.before[row.person_id] = shown  # as a later row of theirs would have read it
    return "sent"


def _record_sent(*, chunk: _Chunk, session_id: int, accepted: list[int]) -> None:
    mine = Reminder.objects.filter(pk__in=accepted, claim_token=chunk.claim_token)
    chunk.patience.run(lambda: reminders_record_sent(session_id=session_id, accepted=mine, now=chunk.moment()))


def _send_session(*, chunk: _Chunk, session_id: int, rows: list[Reminder]) -> list[Reminder]:
    """Send the chunk's rows of one session; returns those the chunk had no time left for."""
    if time.monotonic() >= chunk.ends:
        return rows
    try:
        read = chunk.patience.run(lambda: session_read(session_id=session_id, rows=rows))
    except DATABASE_TROUBLE as exc:
        for row in rows:
            chunk.tally[_put_back(chunk=chunk, row=row, mine=chunk.mine(row), exc=exc)] += 1
        return []
    if read is None:  # the session was deleted, and its rows with it
        chunk.tally["skipped"] += len(rows)
        return []
    letters = Letters(session=read.session, agenda=read.agenda)
    accepted: list[int] = []
    left: list[Reminder] = []
    try:
        for index, row in enumerate(rows):
            if time.monotonic() >= chunk.ends:
                left = rows[index:]
                break
            if row.pk in read.gone:
                chunk.tally["skipped"] += 1  # deleted with its commitment
                continue
            chunk.tally[_send_row(chunk=chunk, row=row, read=read, letters=letters, accepted=accepted)] += 1
    except BaseException:
        # The chunk stops (its time limit, the database away): what went out is recorded if the
        # database lets us, and otherwise by the reaper.
        if accepted:
            try:
                _record_sent(chunk=chunk, session_id=session_id, accepted=accepted)
            except DatabaseError as exc:
                log.warning("sent reminders %s left for the reaper to record: %s", accepted, exc)
        raise
    if accepted:
        _record_sent(chunk=chunk, session_id=session_id, accepted=accepted)
    return left


@contextmanager
def _records_not_awaited():
    """While a chunk is sent, PostgreSQL acknowledges its commits before they reach the disk
    (`synchronous_commit` off for this connection), unless REMINDER_RECORD_DURABLE: waiting for
    the disk costs more per mail than sending it. A crash of the database itself (not of a
    worker, not a restart) can then lose the last fraction of a second's records, and those mails
    go out again, with the same Message-ID. A connection made afresh meanwhile, or a caller's
    transaction around the chunk, waits for the disk as usual."""
    if connection.vendor != "postgresql" or settings.REMINDER_RECORD_DURABLE or connection.in_atomic_block:
        yield
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    except DatabaseError:
        pass  # the chunk's first step meets the trouble, and rides it out
    try:
        yield
    finally:
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def reminders_send(*, reminder_ids: list[int], claim_token: str, now: datetime | None = None) -> dict[str, int]:
    """Send the rows of one claim over one SMTP connection and record each outcome.

    The chunk's rows are taken at once (a conditional update on the claim token), so a row reaped
    and claimed again elsewhere is left to that claim; each session is read again just before its
    rows are sent, so a change committed meanwhile is honoured. Rows not reached within
    REMINDER_CHUNK_SECONDS go back to the queue at once. Database trouble before a row is sent puts
    it back to pending; the record of an accepted mail is retried on a fresh connection, and if the
    database stays away longer than REMINDER_DB_RETRY_SECONDS the chunk stops with its rows in
    flight, for the reaper, which records what went out and returns the rest."""
    with _records_not_awaited():
        return _chunk_send(reminder_ids=reminder_ids, claim_token=claim_token, now=now)


def _chunk_send(*, reminder_ids: list[int], claim_token: str, now: datetime | None) -> dict[str, int]:
    patience = _DatabasePatience()
    ends = time.monotonic() + settings.REMINDER_CHUNK_SECONDS
    taken_at = now or timezone.now()
    rows = patience.run(lambda: chunk_take(reminder_ids=reminder_ids, claim_token=claim_token, now=taken_at))
    sessions: dict[int, list[Reminder]] = {}
    for row in rows:
        sessions.setdefault(row.session_id, []).append(row)
    chunk = _Chunk(
        claim_token=claim_token, now=now, smtp=get_connection(fail_silently=False), patience=patience, ends=ends
    )
    left: list[Reminder] = []
    try:
        for session_id, session_rows in sessions.items():
            left += _send_session(chunk=chunk, session_id=session_id, rows=session_rows)
    finally:
        chunk.smtp.close()
    if left:
        ids = [row.pk for row in left]
        chunk.tally["retry"] += patience.run(
            lambda: chunk_release(reminder_ids=ids, claim_token=claim_token, now=chunk.moment())
        )
    return chunk.tally
