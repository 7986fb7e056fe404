from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from committees.models import TEXT_LIMIT, Committee, Person
from meetings.choices import MAX_AGENDA_POSITION, SESSION_NOTICE_KINDS, ReminderKind, ReminderState, SessionStatus
from tracker.bilingual import text_for_reader
from tracker.durations import offsets_validate
from tracker.models import TimeStampedModel
from tracker.validators import validate_no_control_characters, validate_single_line, validate_timezone_name


class Session(TimeStampedModel):
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("committee")
    )
    number = models.PositiveIntegerField(
        _("number"), validators=[MinValueValidator(1)], help_text=_("1 for the first session, 2 for the second ...")
    )
    title = models.CharField(_("title"), max_length=300, validators=[validate_single_line], help_text=_("In Spanish."))
    title_en = models.CharField(
        _("title in English"),
        max_length=300,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Shown to English readers; empty: the Spanish title."),
    )
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    description_en = models.TextField(
        _("description in English"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    timezone = models.CharField(
        _("venue time zone"),
        max_length=64,
        validators=[validate_timezone_name],
        help_text=_("IANA zone of the venue; start and end are entered on its clock."),
    )
    venue = models.CharField(_("venue"), max_length=300, validators=[validate_single_line])
    host_country = CountryField(_("host country"))
    reminder_offsets = models.JSONField(
        _("reminder offsets"),
        null=True,
        blank=True,
        validators=[offsets_validate],
        help_text=_("Leave empty for the committee's; otherwise minutes before the session, e.g. 10080, 1440, 60."),
    )
    sequence = models.PositiveIntegerField(
        _("calendar sequence"),
        default=0,
        editable=False,
        help_text=_("Rises whenever the time, place or status changes, so calendars replace the old entry."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("The session must end after it starts."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="session_number_positive"),
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="session_status_known"),
            models.UniqueConstraint(
                fields=["committee", "number"],
                name="session_number_unique_per_committee",
                violation_error_message=_("This committee already has a session with this number."),
            ),
        ]
        indexes = [models.Index(fields=["committee", "starts_at"]), models.Index(fields=["starts_at"])]

    # Judged by meetings.services.session_validate, which names the field to fix (and, in a form,
    # runs only once the times are instants: a wall-clock time without its zone is never compared).
    rule_constraints = frozenset({"session_ends_after_start", "session_number_unique_per_committee"})

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def display_title(self) -> str:
        return text_for_reader(self.title, self.title_en)

    @property
    def display_description(self) -> str:
        return text_for_reader(self.description, self.description_en)

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def uid(self) -> str:
        """The calendar UID: stable for the session's whole life, whatever else changes."""
        return f"session-{self.pk}@{settings.CALENDAR_UID_DOMAIN}"


# What a write may set on a session; its committee is chosen once, when it is planned.
SESSION_CHANGEABLE_FIELDS = (
    "number",
    "title",
    "title_en",
    "description",
    "description_en",
    "status",
    "starts_at",
    "ends_at",
    "timezone",
    "venue",
    "host_country",
    "reminder_offsets",
)


class AgendaItem(TimeStampedModel):
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("session")
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in the agenda", "position"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_AGENDA_POSITION)],
    )
    title = models.CharField(_("title"), max_length=300, validators=[validate_single_line])
    title_en = models.CharField(_("title in English"), max_length=300, blank=True, validators=[validate_single_line])
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    description_en = models.TextField(
        _("description in English"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    presenter = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presented_items",
        verbose_name=_("presenter"),
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "position"],
                name="agenda_position_unique_per_session",
                violation_error_message=_("Another item of this agenda has this position."),
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="agenda_position_positive"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="agenda_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def display_title(self) -> str:
        return text_for_reader(self.title, self.title_en)

    @property
    def display_description(self) -> str:
        return text_for_reader(self.description, self.description_en)


class Invitee(TimeStampedModel):
    """Someone invited to one session beyond the committee's members."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invitees", verbose_name=_("session"))
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("person"))
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Why this person is invited, e.g. to present item 2."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        ordering = ["session", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="invitee_once_per_session",
                violation_error_message=_("This person is already invited to this session."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class SessionTombstone(models.Model):
    """What remains of a deleted session, so clients that mirror the schedule learn of the deletion."""

    session_id = models.BigIntegerField(_("session id"), unique=True)
    # The slug, not a key: the record of a deletion outlives even its committee.
    committee = models.CharField(_("committee"), max_length=60, db_index=True)
    number = models.PositiveIntegerField(_("number"))
    uid = models.CharField(_("calendar UID"), max_length=255)
    deleted_at = models.DateTimeField(_("deleted"), db_index=True)

    class Meta:
        verbose_name = _("deleted session")
        verbose_name_plural = _("deleted sessions")
        ordering = ["deleted_at", "session_id"]

    def __str__(self) -> str:
        return f"{self.session_id} ({self.deleted_at:%Y-%m-%d %H:%M} UTC)"


class Reminder(TimeStampedModel):
    """One e-mail to one person about one session: an invitation, a reminder at an offset before
    it (or an extra copy sent on request), or a notice that it changed, was postponed or was
    cancelled. The row is the truth; the broker only carries its id."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("session"))
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices, default=ReminderKind.REMINDER)
    # What an overdue notice or a change notice is about (the session is the one it came from).
    commitment = models.ForeignKey(
        "meetings.Commitment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("commitment"),
    )
    change = models.ForeignKey(
        "meetings.Change",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("change"),
    )
    # For an overdue notice: the due date it is about (a correction may move it, and the notice with it).
    commitment_due_on = models.DateField(_("commitment due"), null=True, blank=True, editable=False)
    offset_minutes = models.PositiveIntegerField(_("minutes before"), default=0)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(_("state"), max_length=20, choices=ReminderState.choices, default=ReminderState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    # Which claim holds the row in flight: only that claim's worker may send it or record its outcome.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_sequence = models.PositiveIntegerField(_("calendar sequence sent"), null=True, blank=True)
    # The session as this mail showed it (times, zone, venue, agenda), recorded when the SMTP server
    # accepted it: the "before" of the next change notice to the same person.
    shown = models.JSONField(_("session as mailed"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person", "offset_minutes"],
                condition=Q(kind=ReminderKind.REMINDER),
                name="reminder_once_per_offset",
            ),
            models.UniqueConstraint(
                fields=["session", "person", "kind"],
                condition=Q(state=ReminderState.PENDING, kind__in=sorted(SESSION_NOTICE_KINDS)),
                name="reminder_one_pending_notice",
            ),
            models.UniqueConstraint(
                fields=["commitment", "person", "commitment_due_on"],
                condition=Q(kind=ReminderKind.OVERDUE) & ~Q(state=ReminderState.CANCELLED),
                name="reminder_overdue_once",
            ),
            models.UniqueConstraint(
                fields=["change", "person"], condition=Q(kind=ReminderKind.CHANGE), name="reminder_change_once"
            ),
            models.CheckConstraint(condition=Q(state__in=ReminderState.values), name="reminder_state_known"),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_known"),
        ]
        indexes = [
            # The scanner's question, answered from an index that holds only the pending rows.
            models.Index(fields=["next_attempt_at"], condition=Q(state=ReminderState.PENDING), name="reminder_due"),
            models.Index(fields=["claimed_at"], condition=Q(state=ReminderState.SENDING), name="reminder_in_flight"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person} / {self.session} ({self.get_state_display()})"


# The record and commitments are models of this app, kept in their own package.
from meetings.records.models import (  # noqa: E402
    Change,
    Commitment,
    CommitmentUpdate,
    Record,
    RecordApproval,
    RecordAttendance,
    RecordEntry,
    RecordVersion,
)

__all__ = [
    "AgendaItem",
    "Change",
    "Commitment",
    "CommitmentUpdate",
    "Invitee",
    "Record",
    "RecordApproval",
    "RecordAttendance",
    "RecordEntry",
    "RecordVersion",
    "Reminder",
    "Session",
    "SessionTombstone",
]
