"""What a worker reads for a chunk: its rows, taken at once under the claim token, then each
session's data once, just before that session's rows are sent, in a fixed number of queries
however many rows it has; the re-check of each row against that read (`why_not_sent`); and the
chunk's time, after which the rows left go back to the queue.

Taking every row of the chunk at once marks them all as touched now, so the reaper leaves them
alone for REMINDER_STUCK_MINUTES from here. The task cannot run longer than its hard time limit,
so that must be shorter (a system check below says so): no row is returned to the queue, and
sent by another worker, while this one may still send it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import checks
from django.db.models import F, Prefetch

from meetings.choices import RECORD_KINDS, ReminderKind, ReminderState, SessionStatus
from meetings.mail import CHANGES_SHOWN_KINDS, last_shown_to
from meetings.models import AgendaItem, Commitment, Reminder, Session
from meetings.records.choices import CLOSED_COMMITMENT_STATUSES
from meetings.reminders.planning import reminder_recipients

# Kinds sent only to people who should know of the session now (members, invitees).
TO_RECIPIENTS_ONLY = frozenset({ReminderKind.INVITATION, ReminderKind.REMINDER, ReminderKind.EXTRA})


def chunk_take(*, reminder_ids: list[int], claim_token: str, now: datetime) -> list[Reminder]:
    """The chunk's rows still in flight under its claim, with their people and what they are
    about, marked as touched `now`: one UPDATE, then one SELECT of the rows it took. A row reaped
    and claimed again meanwhile holds another token, and is left to that claim; a row whose mail
    went out (a chunk delivered again after its worker died) is left for the reaper to record."""
    held = Reminder.objects.filter(
        pk__in=reminder_ids, state=ReminderState.SENDING, claim_token=claim_token, sent_at__isnull=True
    )
    held.update(claimed_at=now)
    return list(held.select_related("person", "commitment__person", "change").order_by("pk"))


def chunk_release(*, reminder_ids: list[int], claim_token: str, now: datetime) -> int:
    """Rows the chunk had no time left for: back in the queue at once, the claim that could not
    try them not counted as an attempt. A row whose mail went out stays (see recording)."""
    unsent = Reminder.objects.filter(
        pk__in=reminder_ids, state=ReminderState.SENDING, claim_token=claim_token, sent_at__isnull=True
    )
    return unsent.update(
        state=ReminderState.PENDING, next_attempt_at=now, claimed_at=None, claim_token="", attempts=F("attempts") - 1
    )


@dataclass
class SessionRead:
    """A session as read for its rows of a chunk."""

    session: Session  # with its committee, and its agenda (with presenters) when a mail shows it
    agenda: list[AgendaItem]
    # Who should know of it now: read when a row's kind goes to them alone.
    recipients: set[int] = field(default_factory=set)
    # Per person whose row lists changes: what their last mail about the session showed. The
    # worker adds each mail it sends, as a second row of theirs would have read it.
    before: dict[int, dict] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # rows deleted with their commitment since taken


def session_read(*, session_id: int, rows: list[Reminder]) -> SessionRead | None:
    """The session of `rows` (all of one session) as it is now, in one query for the session,
    one for its agenda, one for its recipients, one for what its readers' last mails showed and
    one for the commitments the rows are about, each only when a row needs it; None if the
    session was deleted (its rows with it). Overdue rows get their commitment as it is now."""
    kinds = {row.kind for row in rows}
    sessions = Session.objects.select_related("committee")
    if kinds - RECORD_KINDS:
        agenda_items = AgendaItem.objects.select_related("presenter")
        sessions = sessions.prefetch_related(Prefetch("agenda_items", queryset=agenda_items))
    session = sessions.filter(pk=session_id).first()
    if session is None:
        return None
    read = SessionRead(session=session, agenda=list(session.agenda_items.all()) if kinds - RECORD_KINDS else [])
    if kinds & TO_RECIPIENTS_ONLY:
        read.recipients = {person.pk for person in reminder_recipients(session=session)}
    asking = [row for row in rows if row.kind in CHANGES_SHOWN_KINDS]
    if asking:
        read.before = last_shown_to(
            session_id=session_id, person_ids={row.person_id for row in asking}, rows=[row.pk for row in asking]
        )
    if ReminderKind.OVERDUE in kinds:
        ids = {row.commitment_id for row in rows if row.kind == ReminderKind.OVERDUE}
        current = Commitment.objects.select_related("person").in_bulk(ids)
        for row in rows:
            if row.kind != ReminderKind.OVERDUE:
                continue
            if row.commitment_id in current:
                row.commitment = current[row.commitment_id]
            else:
                read.gone.add(row.pk)
    for row in rows:
        row.session = session
    return read


# The session status a postponement or cancellation notice is about.
_OFF_STATUS = {ReminderKind.POSTPONEMENT: SessionStatus.POSTPONED, ReminderKind.CANCELLATION: SessionStatus.CANCELLED}


def why_not_sent(row: Reminder, *, read: SessionRead, now: datetime) -> str | None:
    """Why the row must not be sent now (its session as read just now): the state to give it
    (pending: the session moved, follow it), or None to send it."""
    session = read.session
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
    if row.kind in TO_RECIPIENTS_ONLY and row.person_id not in read.recipients:
        return ReminderState.CANCELLED  # left the committee or the invitation since planning
    return None


@checks.register()
def chunk_fits_its_time_limits(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A send task must end before the reaper could return its rows, and stop taking rows in time
    to finish the mail in hand and record it within its soft time limit."""
    errors = []
    hard, soft = settings.CELERY_TASK_TIME_LIMIT, settings.CELERY_TASK_SOFT_TIME_LIMIT
    stuck = settings.REMINDER_STUCK_MINUTES * 60
    if hard is None or hard >= stuck:
        errors.append(
            checks.Error(
                f"CELERY_TASK_TIME_LIMIT ({hard} s) must be below REMINDER_STUCK_MINUTES ({stuck} s): "
                "otherwise the reaper can return rows a send task is still sending, and they go out twice.",
                id="meetings.E001",
            )
        )
    needed = settings.REMINDER_CHUNK_SECONDS + settings.EMAIL_TIMEOUT + settings.REMINDER_DB_RETRY_SECONDS
    limit = soft or hard
    if limit is not None and needed >= limit:
        errors.append(
            checks.Error(
                f"REMINDER_CHUNK_SECONDS + EMAIL_TIMEOUT + REMINDER_DB_RETRY_SECONDS ({needed} s) must be below "
                f"the send task's soft time limit ({limit} s): a chunk must stop taking rows in time to send and "
                "record the mail in hand.",
                id="meetings.E002",
            )
        )
    return errors
