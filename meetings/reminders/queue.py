"""The queue: due rows claimed in batches (FOR UPDATE SKIP LOCKED, so any number of scanners can
run) under a claim token, handed to workers in chunks after the claim commits; rows whose worker
stopped are returned."""

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from meetings.choices import ReminderKind, ReminderState
from meetings.models import Reminder
from meetings.reminders.planning import message_id_new
from meetings.reminders.recording import reminders_record_sent


def reminders_reap(*, now: datetime | None = None) -> int:
    """Deal with rows whose worker stopped touching them (it died, or its chunk waited too long in
    the queue); their claim token no longer matches, so that worker can neither send nor record
    them. A row whose mail the SMTP server accepted is recorded as sent, as its worker would have
    (meetings.reminders.recording); the others are returned to the queue, or end as failed when
    they were tried the maximum number of times."""
    now = now or timezone.now()
    stuck = Reminder.objects.filter(
        state=ReminderState.SENDING, claimed_at__lt=now - timedelta(minutes=settings.REMINDER_STUCK_MINUTES)
    )
    sessions = stuck.filter(sent_at__isnull=False).order_by("session_id").values_list("session_id", flat=True)
    recorded = sum(reminders_record_sent(session_id=pk, accepted=stuck, now=now) for pk in sessions.distinct())
    unsent = stuck.filter(sent_at__isnull=True)
    given_up = unsent.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        state=ReminderState.FAILED,
        claimed_at=None,
        claim_token="",
        last_error="Left in flight at the last attempt (its worker stopped or its chunk waited too long).",
    )
    returned = unsent.update(state=ReminderState.PENDING, next_attempt_at=now, claimed_at=None, claim_token="")
    return recorded + given_up + returned


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
    """One scanner pass: reap stuck rows, plan the notices of commitments gone overdue, claim what
    is due, hand it to workers in chunks after the claim has committed. `enqueue(ids, token)`
    sends one chunk (default: the Celery task)."""
    from meetings.records.commitments import commitments_overdue_plan
    from meetings.tasks import send_reminders

    enqueue = enqueue or (lambda chunk, token: send_reminders.delay(reminder_ids=chunk, claim_token=token))
    reminders_reap(now=now)
    commitments_overdue_plan(now=now)
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


def reminders_retry_failed(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Put failed rows back in the queue, now."""
    now = now or timezone.now()
    return Reminder.objects.filter(pk__in=list(ids), state=ReminderState.FAILED).update(
        state=ReminderState.PENDING, next_attempt_at=now, attempts=0
    )


def reminders_send_now(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Send the selected pending rows' mail on the scanner's next pass. A scheduled reminder keeps
    its time: an extra copy goes out now (one waiting copy per person and session) and the
    reminder still goes out when it is due. A notice is simply made due now."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        rows = Reminder.objects.select_for_update().filter(pk__in=list(ids), state=ReminderState.PENDING)
        for row in rows.order_by("pk"):
            count += 1
            if row.kind != ReminderKind.REMINDER:
                Reminder.objects.filter(pk=row.pk).update(next_attempt_at=now)
                continue
            waiting = Reminder.objects.filter(
                session_id=row.session_id, person_id=row.person_id, kind=ReminderKind.EXTRA, state=ReminderState.PENDING
            )
            if not waiting.update(next_attempt_at=now):
                Reminder.objects.create(
                    session_id=row.session_id,
                    person_id=row.person_id,
                    kind=ReminderKind.EXTRA,
                    offset_minutes=row.offset_minutes,
                    due_at=now,
                    next_attempt_at=now,
                    message_id=message_id_new(),
                )
    return count
