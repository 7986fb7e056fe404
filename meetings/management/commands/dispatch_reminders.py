from django.core.management.base import BaseCommand

from meetings.records.commitments import commitments_overdue_plan
from meetings.reminders import reminders_claim, reminders_reap, reminders_send


class Command(BaseCommand):
    help = "One scan-and-send pass in this process (for deployments driven by cron instead of Celery beat)."

    def handle(self, *args, **options) -> None:
        reaped = reminders_reap()
        commitments_overdue_plan()  # as the scanner does: commitments gone overdue are told of
        totals = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
        while True:
            ids, token = reminders_claim()
            if not ids:
                break
            for key, value in reminders_send(reminder_ids=ids, claim_token=token).items():
                totals[key] += value
        self.stdout.write(
            f"Reminders: {totals['sent']} sent, {totals['retry']} to retry, {totals['failed']} failed, "
            f"{totals['skipped']} no longer due, {reaped} returned from a stopped worker."
        )
