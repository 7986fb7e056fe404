from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")


# Sessions in these states hold their time slot: no other session of the committee may overlap.
SLOT_HOLDING_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.HELD)

# Which status may follow which. Held is final; a cancelled or postponed session may be
# scheduled again (at its old time or a new one).
STATUS_TRANSITIONS = {
    SessionStatus.SCHEDULED: {SessionStatus.POSTPONED, SessionStatus.CANCELLED, SessionStatus.HELD},
    SessionStatus.POSTPONED: {SessionStatus.SCHEDULED, SessionStatus.CANCELLED},
    SessionStatus.CANCELLED: {SessionStatus.SCHEDULED},
    SessionStatus.HELD: set(),
}

# Changes to these fields change what a calendar shows, so they raise the session's sequence.
CALENDAR_FIELDS = ("starts_at", "ends_at", "timezone", "venue", "host_country", "status")
# Changes to these make people already reminded get an update.
MOVE_FIELDS = tuple(field for field in CALENDAR_FIELDS if field != "status")

MAX_SESSION_LENGTH = timedelta(days=7)
MAX_AGENDA_POSITION = 999


class ReminderKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    REMINDER = "reminder", _("Reminder")
    EXTRA = "extra", _("Reminder sent on request")
    UPDATE = "update", _("Update: session moved")
    POSTPONEMENT = "postponement", _("Postponement")
    CANCELLATION = "cancellation", _("Cancellation")
    OVERDUE = "overdue", _("Commitment overdue")
    CHANGE = "change", _("Change by the other delegation")


# Mails about a session's time and status, at most one of each kind pending per person: further
# changes within the debounce join it.
SESSION_NOTICE_KINDS = frozenset(
    {ReminderKind.INVITATION, ReminderKind.UPDATE, ReminderKind.POSTPONEMENT, ReminderKind.CANCELLATION}
)
# Mails about the record and its commitments, to the secretariats and the people responsible.
RECORD_KINDS = frozenset({ReminderKind.OVERDUE, ReminderKind.CHANGE})


# Mails that leave the reader expecting the session at the time they show ...
SESSION_ON_KINDS = frozenset({ReminderKind.INVITATION, ReminderKind.REMINDER, ReminderKind.EXTRA, ReminderKind.UPDATE})
# ... and mails that tell them it will not take place then.
SESSION_OFF_KINDS = frozenset({ReminderKind.POSTPONEMENT, ReminderKind.CANCELLATION})
# Notices that show the whole session as it stands: a reminder due before one goes out adds nothing.
FULL_NOTICE_KINDS = frozenset({ReminderKind.INVITATION, ReminderKind.UPDATE})


class ReminderState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")
