"""The meetings app's admins, one module each; importing them registers them."""

from meetings.admin import agenda, reminders, sessions  # noqa: F401 - registers the admins
