"""Reminder rows: planned with their session, claimed by a scanner, sent by workers.

The database is the source of truth. Planning writes rows in the same transaction as the
session change; the scanner claims due rows (FOR UPDATE SKIP LOCKED, so any number of scanners
can run), marks them in flight and enqueues their ids after commit; a worker re-checks each row
against the session as it is now before sending, and records the outcome. No task waits for a
time in the broker, so nothing is lost when a worker dies or the broker restarts, and nothing
goes out for a time that has moved."""

import logging
import random
import secrets
import smtplib
import socket
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import date, datetime, timedelta
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from committees.models import Person
from meetings.choices import ReminderKind, ReminderState, SessionStatus
from meetings.models import Reminder, Session
from tracker.timezones import to_zone

log = logging.getLogger(__name__)
T = TypeVar("T")

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# A dropped connection, a cancelled statement, a lock or statement timeout: worth another try.
DATABASE_TROUBLE = (OperationalError, InterfaceError)


def _message_id() -> str:
    return f"<reminder.{secrets.token_hex(12)}@{settings.CALENDAR_UID_DOMAIN}>"


def reminder_recipients(*, session: Session) -> list[Person]:
    """Members active on the session's day and the session's invitees, with an e-mail address
    and reminders on; each person once."""
    day: date = to_zone(session.starts_at, session.timezone).date()  # the day at the venue
    members = Person.objects.filter(
        Q(memberships__committee_id=session.committee_id, memberships__start_date__lte=day)
        & (Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=day))
    )
    invited = Person.objects.filter(invitations__session_id=session.pk)
    return list((members | invited).filter(receives_reminders=True).exclude(email="").distinct().order_by("pk"))


def _offsets(session: Session) -> list[int]:
    return session.reminder_offsets if session.reminder_offsets is not None else session.committee.reminder_offsets


def _notice(*, session: Session, person_id: int, kind: str, now: datetime) -> None:
    """One pending notice per person and kind: further changes within the debounce join it."""
    due = now + timedelta(seconds=settings.REMINDER_DEBOUNCE_SECONDS)
    if Reminder.objects.filter(session=session, person_id=person_id, kind=kind, state=ReminderState.PENDING).exists():
        return  # the pending notice goes out at its first time, showing the session as it is then
    Reminder.objects.create(
        session=session, person_id=person_id, kind=kind, due_at=due, next_attempt_at=due, message_id=_message_id()
    )


def reminders_plan(*, session: Session, moved: bool = False, now: datetime | None = None) -> None:
    """Bring the session's reminder rows in line with the session as saved; call inside the
    transaction that saved it. `moved`: its time or place changed, so people already reminded
    are told (one notice, however many changes follow within the debounce)."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.REMINDER_GRACE_MINUTES)
    rows = {(r.person_id, r.offset_minutes): r for r in session.reminders.filter(kind=ReminderKind.REMINDER)}
    # Only mail the SMTP server accepted counts. A row in flight is not told: its worker reads
    # the session before sending, and re-dates the row if it finds it moved; one that read it
    # before this change and sends the old time tells the person itself (_record_sent).
    reminded = set(session.reminders.filter(state=ReminderState.SENT).values_list("person_id", flat=True))
    pending_notices = session.reminders.filter(state=ReminderState.PENDING).exclude(kind=ReminderKind.REMINDER)

    if session.status != SessionStatus.SCHEDULED:
        session.reminders.filter(state=ReminderState.PENDING).update(state=ReminderState.CANCELLED)
        if session.status in (SessionStatus.CANCELLED, SessionStatus.POSTPONED):
            for person_id in reminded:
                _notice(session=session, person_id=person_id, kind=ReminderKind.CANCELLATION, now=now)
        return

    pending_notices.filter(kind=ReminderKind.CANCELLATION).update(state=ReminderState.CANCELLED)
    wanted = {(person.pk, offset) for person in reminder_recipients(session=session) for offset in _offsets(session)}
    for key, row in rows.items():
        if key not in wanted and row.state == ReminderState.PENDING:
            row.state = ReminderState.CANCELLED
            row.save(update_fields=["state", "updated_at"])
    for person_id, offset in sorted(wanted):
        due = session.starts_at - timedelta(minutes=offset)
        late = due < now - grace
        row = rows.get((person_id, offset))
        if row is None:
            Reminder.objects.create(
                session=session,
                person_id=person_id,
                offset_minutes=offset,
                due_at=due,
                next_attempt_at=due,
                state=ReminderState.MISSED if late else ReminderState.PENDING,
                message_id=_message_id(),
            )
        elif row.state in (ReminderState.PENDING, ReminderState.CANCELLED, ReminderState.MISSED) and (
            row.due_at != due or row.state != ReminderState.PENDING
        ):
            # Follow the session's time; a cancelled or missed one comes back if its time is ahead again.
            row.due_at, row.next_attempt_at = due, due
            row.state = ReminderState.MISSED if late else ReminderState.PENDING
            row.save(update_fields=["due_at", "next_attempt_at", "state", "updated_at"])
    if moved:
        for person_id in reminded & {person_id for person_id, _offset in wanted}:
            _notice(session=session, person_id=person_id, kind=ReminderKind.UPDATE, now=now)


def reminders_plan_upcoming(*, now: datetime | None = None) -> int:
    """Re-plan every scheduled session still ahead (for members who joined or left since)."""
    from committees.services import committee_lock

    now = now or timezone.now()
    count = 0
    upcoming = Session.objects.filter(status=SessionStatus.SCHEDULED, starts_at__gt=now)
    for session_id, committee_id in list(upcoming.values_list("pk", "committee_id")):
        with transaction.atomic():
            committee_lock(committee_id=committee_id)  # as every session write does
            fresh = Session.objects.select_related("committee").filter(pk=session_id, status=SessionStatus.SCHEDULED)
            session = fresh.first()  # it may have changed since the list was read
            if session is not None:
                reminders_plan(session=session, now=now)
                count += 1
    return count


def reminders_reap(*, now: datetime | None = None) -> int:
    """Return rows whose worker stopped touching them (it died, or its chunk waited too long in
    the queue); its claim token no longer matches, so it can neither send nor record them.
    Rows already tried the maximum number of times end as failed."""
    now = now or timezone.now()
    stuck = Reminder.objects.filter(
        state=ReminderState.SENDING, claimed_at__lt=now - timedelta(minutes=settings.REMINDER_STUCK_MINUTES)
    )
    given_up = stuck.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        state=ReminderState.FAILED,
        claimed_at=None,
        claim_token="",
        last_error="Left in flight at the last attempt (its worker stopped or its chunk waited too long).",
    )
    returned = stuck.update(state=ReminderState.PENDING, next_attempt_at=now, claimed_at=None, claim_token="")
    return given_up + returned


def reminders_claim(*, now: datetime | None = None, limit: int | None = None) -> tuple[list[int], str]:
    """Claim due rows (skipping rows another scanner holds) and mark them in flight under a new
    claim token: only a worker holding it may send them or record how it went."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(state=ReminderState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[: limit or settings.REMINDER_BATCH]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                state=ReminderState.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
            )
    return ids, token


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def reminders_scan(*, now: datetime | None = None, enqueue=None) -> int:
    """One scanner pass: reap stuck rows, claim what is due, hand it to workers in chunks after
    the claim has committed. `enqueue(ids, token)` sends one chunk (default: the Celery task)."""
    from meetings.tasks import send_reminders

    enqueue = enqueue or (lambda chunk, token: send_reminders.delay(reminder_ids=chunk, claim_token=token))
    reminders_reap(now=now)
    claimed = 0
    while True:
        ids, token = reminders_claim(now=now)
        if not ids:
            break
        claimed += len(ids)
        for chunk in _chunks(ids, settings.REMINDER_CHUNK):
            # Only once the claim is committed (at once when no transaction is open around us).
            transaction.on_commit(lambda chunk=chunk, token=token: enqueue(chunk, token))
        if len(ids) < settings.REMINDER_BATCH:
            break
    return claimed


def _backoff(attempts: int, *, base: timedelta = BACKOFF_BASE) -> timedelta:
    delay = min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not secrecy


def _still_wanted(row: Reminder, session: Session, now: datetime, recipients: set[int]) -> str | None:
    """Why the row must not be sent now (the session as read just now), or None to send it."""
    if row.kind == ReminderKind.REMINDER:
        if session.status != SessionStatus.SCHEDULED:
            return ReminderState.CANCELLED
        if row.due_at != session.starts_at - timedelta(minutes=row.offset_minutes):
            return ReminderState.PENDING  # the session moved while this row was in flight
        if now > session.starts_at:
            return ReminderState.MISSED
        if row.attempts <= 1 and now > row.due_at + timedelta(minutes=settings.REMINDER_GRACE_MINUTES):
            return ReminderState.MISSED  # found too late (retries go on until the session starts)
    elif (row.kind == ReminderKind.UPDATE) != (session.status == SessionStatus.SCHEDULED):
        # an update for a session no longer on, or a cancellation for one that is on again
        return ReminderState.CANCELLED
    if not row.person.email or not row.person.receives_reminders:
        return ReminderState.CANCELLED
    if row.kind == ReminderKind.REMINDER and row.person_id not in recipients:
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


def _record_sent(*, row: Reminder, mine: QuerySet, sequence: int, now: datetime) -> None:
    """Record the SMTP server's acceptance. A change committed after the session was read for
    this mail found the row still in flight and told no one: the person is told here."""
    with transaction.atomic():
        session = _session_locked(row.session_id)
        recorded = mine.update(
            state=ReminderState.SENT,
            sent_at=timezone.now(),
            sent_sequence=sequence,
            claimed_at=None,
            claim_token="",
            last_error="",
        )
        if not recorded or session.sequence == sequence:
            return  # recorded by an earlier try whose answer was lost, or the mail is up to date
        if session.status == SessionStatus.SCHEDULED:
            _notice(session=session, person_id=row.person_id, kind=ReminderKind.UPDATE, now=now)
        elif session.status in (SessionStatus.CANCELLED, SessionStatus.POSTPONED):
            _notice(session=session, person_id=row.person_id, kind=ReminderKind.CANCELLATION, now=now)


def _error(exc: Exception, prefix: str = "") -> str:
    return f"{prefix}{type(exc).__name__}: {exc}"[:2000]


def _prepare(
    *, row: Reminder, mine: QuerySet, now: datetime, recipients: dict[int, set[int]], smtp: BaseEmailBackend
) -> tuple[EmailMessage, int] | str:
    """The mail for the row and the session sequence it shows, or the outcome key when it is not
    to be sent. Database trouble propagates: nothing has gone out yet."""
    from meetings.mail import reminder_message

    if not mine.update(claimed_at=now):
        return "skipped"  # reaped meanwhile: another claim has it now
    session = Session.objects.select_related("committee").get(pk=row.session_id)
    row.session = session
    if session.pk not in recipients:
        recipients[session.pk] = {person.pk for person in reminder_recipients(session=session)}
    if reason := _still_wanted(row, session, now, recipients[session.pk]):
        if reason == ReminderState.PENDING:
            _redate(row=row, mine=mine)  # the session moved: follow it
        else:
            mine.update(state=reason, claimed_at=None, claim_token="")
        return "skipped"
    try:
        return reminder_message(row, connection=smtp), session.sequence
    except DATABASE_TROUBLE:
        raise
    except Exception as exc:  # a row that cannot be written must not stop the chunk
        log.exception("reminder %s could not be written", row.pk)
        error = _error(exc, "Could not write the mail: ")
        mine.update(state=ReminderState.FAILED, claimed_at=None, claim_token="", last_error=error)
        return "failed"


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
    message, sequence = prepared
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
        patience.run(lambda: _record_sent(row=row, mine=mine, sequence=sequence, now=now))
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
    rows = patience.run(lambda: list(mine.select_related("person").order_by("pk")))
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


def reminders_retry_failed(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Put failed rows back in the queue, now."""
    now = now or timezone.now()
    return Reminder.objects.filter(pk__in=list(ids), state=ReminderState.FAILED).update(
        state=ReminderState.PENDING, next_attempt_at=now, attempts=0
    )


def reminders_send_now(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Make pending rows due now (the scanner sends them on its next pass)."""
    now = now or timezone.now()
    return Reminder.objects.filter(pk__in=list(ids), state=ReminderState.PENDING).update(next_attempt_at=now)
