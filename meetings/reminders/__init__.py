"""Reminder rows: planned with their session, claimed by a scanner, sent by workers.

The database is the source of truth. Planning writes rows in the same transaction as the
session change; the scanner claims due rows (FOR UPDATE SKIP LOCKED, so any number of scanners
can run), marks them in flight and enqueues their ids after commit in chunks; a worker reads
each session of its chunk again just before sending its rows, re-checks each row against that
read, writes each text once for all who read it alike, and records the outcomes. No task waits
for a time in the broker, so nothing is lost when a worker dies or the broker restarts, and
nothing goes out for a time that had moved when the worker read the session."""

from meetings.reminders.planning import reminder_recipients, reminders_plan, reminders_plan_upcoming
from meetings.reminders.queue import (
    reminders_claim,
    reminders_reap,
    reminders_retry_failed,
    reminders_scan,
    reminders_send_now,
)
from meetings.reminders.sending import reminders_send

__all__ = [
    "reminder_recipients",
    "reminders_claim",
    "reminders_plan",
    "reminders_plan_upcoming",
    "reminders_reap",
    "reminders_retry_failed",
    "reminders_scan",
    "reminders_send",
    "reminders_send_now",
]
