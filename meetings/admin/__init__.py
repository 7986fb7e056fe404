"""The meetings app's admins, one module each; importing them registers them."""

from meetings.admin import agenda, changes, commitments, records, reminders, sessions  # noqa: F401 - registers the admins
