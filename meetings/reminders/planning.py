"""Planning: which reminder rows a session needs, written in the transaction that saved it."""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from committees.models import Person, active_on_q
from committees.writes import committees_lock
from meetings.choices import (
    FULL_NOTICE_KINDS,
    RECORD_KINDS,
    SESSION_NOTICE_KINDS,
    SESSION_OFF_KINDS,
    SESSION_ON_KINDS,
    ReminderKind,
    ReminderState,
    SessionStatus,
)
from meetings.models import Reminder, Session
from tracker.timezones import to_zone


def message_id_new() -> str:
    return f"<reminder.{secrets.token_hex(12)}@{settings.CALENDAR_UID_DOMAIN}>"


def reminder_recipients(*, session: Session) -> list[Person]:
    """Members active on the session's day and the session's invitees, with an e-mail address
    and reminders on; each person once."""
    day: date = to_zone(session.starts_at, session.timezone).date()  # the day at the venue
    members = Person.objects.filter(
        Q(memberships__committee_id=session.committee_id) & active_on_q(day, prefix="memberships__")
    )
    invited = Person.objects.filter(invitations__session_id=session.pk)
    return list((members | invited).filter(receives_reminders=True).exclude(email="").distinct().order_by("pk"))


def _offsets(session: Session) -> list[int]:
    return session.reminder_offsets if session.reminder_offsets is not None else session.committee.reminder_offsets


def notice_plan(*, session: Session, person_id: int, kind: str, now: datetime) -> None:
    """One pending notice per person and kind: further changes within the debounce join it."""
    due = now + timedelta(seconds=settings.REMINDER_DEBOUNCE_SECONDS)
    if Reminder.objects.filter(session=session, person_id=person_id, kind=kind, state=ReminderState.PENDING).exists():
        return  # the pending notice goes out at its first time, showing the session as it is then
    Reminder.objects.create(
        session=session, person_id=person_id, kind=kind, due_at=due, next_attempt_at=due, message_id=message_id_new()
    )


def notice_kind(*, status: str, told: str | None, moved: bool = True) -> str | None:
    """The notice someone needs whose last mail about the session was of kind `told` (None: no mail
    yet), the session now having `status`; `moved`: its time or place changed since."""
    told_on = told in SESSION_ON_KINDS
    if status == SessionStatus.SCHEDULED:
        if not told_on:
            return ReminderKind.INVITATION  # never told, or told it would not take place
        return ReminderKind.UPDATE if moved else None
    if status == SessionStatus.POSTPONED:
        return ReminderKind.POSTPONEMENT if told_on else None
    if status == SessionStatus.CANCELLED:
        return ReminderKind.CANCELLATION if told is not None and told != ReminderKind.CANCELLATION else None
    return None  # held: nothing to tell


def notice_follow_up(*, session: Session, person_id: int, told: str, now: datetime) -> None:
    """After a mail of kind `told` showing an older version of the session: tell the person how it
    stands now (called with the session locked)."""
    kind = notice_kind(status=session.status, told=told)
    if kind == ReminderKind.INVITATION and _invitation_waiting(session=session, person_id=person_id, since=None):
        return
    if kind is not None:
        notice_plan(session=session, person_id=person_id, kind=kind, now=now)


def _last_told(session: Session) -> dict[int, tuple[str, datetime]]:
    """Per person, the kind and time of the last mail about the session recorded as sent (one the
    SMTP server accepted that is still in flight is followed up by whoever records it)."""
    sent = session.reminders.filter(state=ReminderState.SENT).exclude(kind__in=RECORD_KINDS).order_by("sent_at", "pk")
    return {person_id: (kind, sent_at) for person_id, kind, sent_at in sent.values_list("person_id", "kind", "sent_at")}


def _invitations_waiting(session: Session) -> dict[int, list[datetime]]:
    """Per person, when each invitation was planned that is going out, or that went wrong in a way
    staff see in the log (failed, missed): no second one is planned beside it. One query."""
    waiting: dict[int, list[datetime]] = {}
    rows = session.reminders.filter(
        kind=ReminderKind.INVITATION,
        state__in=(ReminderState.PENDING, ReminderState.SENDING, ReminderState.FAILED, ReminderState.MISSED),
    )
    for person_id, created_at in rows.values_list("person_id", "created_at"):
        waiting.setdefault(person_id, []).append(created_at)
    return waiting


def _invitation_waiting(*, session: Session, person_id: int, since: datetime | None, waiting=None) -> bool:
    """Whether an invitation planned after the person's last mail (`since`) is waiting (see
    `_invitations_waiting`, which the planner reads once for all the session's people)."""
    planned = (waiting if waiting is not None else _invitations_waiting(session)).get(person_id, [])
    return any(since is None or created_at > since for created_at in planned)


def _covered_until(session: Session) -> dict[int, datetime]:
    """Per person, until when a mail showing the whole session stands in for reminders: one due
    before it would repeat what it says. An invitation counts once planned (it is only dropped
    when the reminders are too); a change notice once sent (one undone before it goes out is not)."""
    covered: dict[int, datetime] = {}
    notices = session.reminders.filter(
        Q(kind=ReminderKind.INVITATION, state__in=(ReminderState.PENDING, ReminderState.SENDING, ReminderState.SENT))
        | Q(kind__in=FULL_NOTICE_KINDS, state=ReminderState.SENT)
    )
    for person_id, due_at, sent_at in notices.values_list("person_id", "due_at", "sent_at"):
        until = sent_at or due_at
        covered[person_id] = max(covered.get(person_id, until), until)
    return covered


def _row_update(row: Reminder, **fields) -> None:
    """Write `fields` to the row only if it is still in the state it was read in: a scanner may have
    claimed it since (it is then in flight, and its worker follows the session as it is now)."""
    Reminder.objects.filter(pk=row.pk, state=row.state).update(**fields, updated_at=timezone.now())


def reminders_plan(*, session: Session, moved: bool = False, now: datetime | None = None) -> None:
    """Bring the session's reminder rows in line with the session as saved; call inside the
    transaction that saved it. Whoever should know of the session and has not been told (or was
    told it would not take place) gets an invitation; `moved`: its time or place changed, so people
    already told are sent one notice, however many changes follow within the debounce. A reminder
    due before the person's invitation goes out (or before a change notice sent to them) is left
    out (missed): that mail already says everything, so a session planned at short notice brings
    one mail, the invitation."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.REMINDER_GRACE_MINUTES)
    rows = {(r.person_id, r.offset_minutes): r for r in session.reminders.filter(kind=ReminderKind.REMINDER)}
    # Only mail recorded as sent counts. A row in flight is not told: its worker reads the
    # session before sending, and re-dates the row if it finds it moved; one that read it before
    # this change and sends the old time tells the person itself (meetings.reminders.recording).
    told = _last_told(session)
    pending_notices = session.reminders.filter(state=ReminderState.PENDING, kind__in=SESSION_NOTICE_KINDS)

    if session.status != SessionStatus.SCHEDULED:
        # (mail about the record and its commitments is not about the session's time: it stays)
        session.reminders.filter(state=ReminderState.PENDING).exclude(kind__in=RECORD_KINDS).update(
            state=ReminderState.CANCELLED
        )
        for person_id, (kind, _sent_at) in told.items():
            if notice := notice_kind(status=session.status, told=kind):
                notice_plan(session=session, person_id=person_id, kind=notice, now=now)
        return

    pending_notices.filter(kind__in=SESSION_OFF_KINDS).update(state=ReminderState.CANCELLED)
    recipients = {person.pk for person in reminder_recipients(session=session)}
    waiting = _invitations_waiting(session)
    for person_id in sorted(recipients):
        kind, sent_at = told.get(person_id, (None, None))
        notice = notice_kind(status=session.status, told=kind, moved=moved)
        if notice == ReminderKind.INVITATION and _invitation_waiting(
            session=session, person_id=person_id, since=sent_at, waiting=waiting
        ):
            continue
        if notice is not None:
            notice_plan(session=session, person_id=person_id, kind=notice, now=now)
    # Someone no longer invited is not sent an invitation still waiting.
    pending_notices.filter(kind=ReminderKind.INVITATION).exclude(person_id__in=recipients).update(
        state=ReminderState.CANCELLED
    )

    covered = _covered_until(session)
    wanted = {(person_id, offset) for person_id in recipients for offset in _offsets(session)}
    for key, row in rows.items():
        if key not in wanted and row.state == ReminderState.PENDING:
            _row_update(row, state=ReminderState.CANCELLED)
    for person_id, offset in sorted(wanted):
        due = session.starts_at - timedelta(minutes=offset)
        # past its time, or said already by a mail showing the whole session
        left_out = due < now - grace or (person_id in covered and due <= covered[person_id])
        row = rows.get((person_id, offset))
        if row is None:
            Reminder.objects.create(
                session=session,
                person_id=person_id,
                offset_minutes=offset,
                due_at=due,
                next_attempt_at=due,
                state=ReminderState.MISSED if left_out else ReminderState.PENDING,
                message_id=message_id_new(),
            )
        elif row.state in (ReminderState.PENDING, ReminderState.CANCELLED, ReminderState.MISSED) and (
            row.due_at != due or row.state != (ReminderState.MISSED if left_out else ReminderState.PENDING)
        ):
            # Follow the session's time; a cancelled or missed one comes back if its time is ahead again.
            state = ReminderState.MISSED if left_out else ReminderState.PENDING
            _row_update(row, state=state, due_at=due, next_attempt_at=due)


def reminders_plan_upcoming(*, now: datetime | None = None) -> int:
    """Re-plan every scheduled session still ahead (for members who joined or left since)."""
    now = now or timezone.now()
    count = 0
    upcoming = Session.objects.filter(status=SessionStatus.SCHEDULED, starts_at__gt=now)
    for session_id, committee_id in list(upcoming.values_list("pk", "committee_id")):
        with transaction.atomic():
            committees_lock(committee_ids=[committee_id])  # as every session write does
            fresh = Session.objects.select_related("committee").filter(pk=session_id, status=SessionStatus.SCHEDULED)
            session = fresh.first()  # it may have changed since the list was read
            if session is not None:
                reminders_plan(session=session, now=now)
                count += 1
    return count
