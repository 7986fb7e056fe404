"""Thin Celery tasks: each calls one service. No task carries a time (no ETA, no countdown):
the rows in the database say what is due."""

from celery import shared_task

from meetings.reminders import reminders_plan_upcoming, reminders_scan, reminders_send


@shared_task(name="meetings.scan_due_reminders", ignore_result=True)
def scan_due_reminders() -> int:
    return reminders_scan()


@shared_task(name="meetings.plan_upcoming_reminders", ignore_result=True)
def plan_upcoming_reminders() -> int:
    return reminders_plan_upcoming()


@shared_task(
    name="meetings.send_reminders",
    ignore_result=True,
    acks_late=True,  # a worker that dies mid-chunk leaves the message to be delivered again
    reject_on_worker_lost=True,
)
def send_reminders(*, reminder_ids: list[int], claim_token: str) -> dict[str, int]:
    return reminders_send(reminder_ids=reminder_ids, claim_token=claim_token)
