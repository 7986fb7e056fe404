"""The record of a held session and the commitments register.

A record is written as a draft by either secretariat, proposed (frozen), and approved once each
delegation has approved the revision it read. Every approved version is kept as a snapshot that
the database refuses to change or delete (see migration 0008); the pages, the API and the PDF show
only snapshots. A correction opens the next version as a draft."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from committees.models import TEXT_LIMIT, Committee, Person
from meetings.records.choices import CommitmentStatus, EntryKind, RecordState
from tracker.bilingual import text_for_reader
from tracker.models import TimeStampedModel
from tracker.validators import validate_no_control_characters, validate_single_line

REASON_LIMIT = 1000


class Record(TimeStampedModel):
    session = models.OneToOneField(
        "meetings.Session", on_delete=models.PROTECT, related_name="record", verbose_name=_("session")
    )
    state = models.CharField(_("state"), max_length=20, choices=RecordState.choices, default=RecordState.DRAFT)
    # The version being written or approved: 1 for the first record, 2 for its first correction ...
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Rises with every change to the text; an approval is bound to the revision its approver read.
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    closing_remarks = models.TextField(
        _("closing remarks"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    closing_remarks_en = models.TextField(
        _("closing remarks in English"),
        blank=True,
        max_length=TEXT_LIMIT,
        validators=[validate_no_control_characters],
    )
    # The SHA-256 of what the record showed when it was proposed (or last found changed by a write
    # elsewhere, such as a session's title or a person's name): approvals are for that text.
    digest = models.CharField(_("SHA-256 of the text proposed"), max_length=64, blank=True, editable=False)
    # Why the version being written corrects the one approved before it (empty for version 1).
    correction_reason = models.TextField(
        _("reason for the correction"), blank=True, max_length=REASON_LIMIT, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        ordering = ["session__starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RecordState.values), name="record_state_known"),
            models.CheckConstraint(condition=Q(version__gte=1, revision__gte=1), name="record_counters_positive"),
        ]

    def __str__(self) -> str:
        return str(
            _("Record of session %(number)d (version %(version)d)")
            % {
                "number": self.session.number,
                "version": self.version,
            }
        )

    @property
    def display_closing_remarks(self) -> str:
        return text_for_reader(self.closing_remarks, self.closing_remarks_en)


class RecordEntry(models.Model):
    """One agreed row of the record: a decision, a commitment or a note, on an agenda item (or on
    the session as a whole). A commitment names who is responsible and by when; it enters the
    commitments register when the record is approved."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="entries", verbose_name=_("record"))
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="record_entries",
        verbose_name=_("agenda item"),
        help_text=_("Empty: the session as a whole."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices, default=EntryKind.DECISION)
    text = models.TextField(
        _("text"), max_length=TEXT_LIMIT, validators=[validate_no_control_characters], help_text=_("In Spanish.")
    )
    text_en = models.TextField(
        _("text in English"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    responsible = models.CharField(
        _("responsible delegation"),
        max_length=4,
        blank=True,
        help_text=_("For a commitment: the country code of one delegation, or “both”."),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="record_entries",
        verbose_name=_("responsible person"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    # The same commitment across versions of the record, so a correction updates its register row.
    key = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("record entry")
        verbose_name_plural = _("record entries")
        ordering = ["record", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="record_entry_kind_known"),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.COMMITMENT) | (Q(due_on__isnull=False) & ~Q(responsible="")),
                name="record_commitment_has_due_and_responsible",
            ),
            models.UniqueConstraint(fields=["record", "key"], name="record_entry_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @property
    def display_text(self) -> str:
        return text_for_reader(self.text, self.text_en)


class RecordAttendance(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("record"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attended", verbose_name=_("person"))
    delegation = CountryField(_("delegation"))
    capacity = models.CharField(
        _("capacity"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("As what they attended, e.g. co-chair; empty: their position."),
    )
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["record", "delegation", "person__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["record", "person"], name="record_attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.delegation})"


class RecordApproval(models.Model):
    """One delegation's approval of one revision. Voided when the text changes after it."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("record"))
    version = models.PositiveIntegerField(_("version"))
    revision = models.PositiveIntegerField(_("revision"))
    digest = models.CharField(_("SHA-256 of the text approved"), max_length=64)
    delegation = CountryField(_("delegation"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("approved by")
    )
    approver_name = models.CharField(_("approver"), max_length=300)
    approved_at = models.DateTimeField(_("approved"))
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["record", "approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "revision", "delegation"], name="record_approval_once_per_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} v{self.version}.{self.revision} ({self.approver_name})"


class RecordVersion(models.Model):
    """An approved version, as both delegations approved it. Never changed, never deleted."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="versions", verbose_name=_("record"))
    number = models.PositiveIntegerField(_("version"))
    revision = models.PositiveIntegerField(_("revision"))
    content = models.JSONField(_("content"))
    digest = models.CharField(_("SHA-256"), max_length=64)
    approved_at = models.DateTimeField(_("approved"))
    reason = models.TextField(_("reason for the correction"), blank=True, max_length=REASON_LIMIT)

    class Meta:
        verbose_name = _("approved version")
        verbose_name_plural = _("approved versions")
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="record_version_unique")]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.number}"


class Commitment(TimeStampedModel):
    """A commitment agreed in an approved record, followed until it is done or dropped."""

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("committee")
    )
    session = models.ForeignKey(
        "meetings.Session", on_delete=models.PROTECT, related_name="commitments", verbose_name=_("agreed at session")
    )
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("agreed on agenda item"),
    )
    key = models.UUIDField(_("record entry"), unique=True, editable=False)
    text = models.TextField(_("text"), max_length=TEXT_LIMIT)
    text_en = models.TextField(_("text in English"), blank=True, max_length=TEXT_LIMIT)
    responsible = models.CharField(_("responsible delegation"), max_length=4)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("responsible person"),
    )
    due_on = models.DateField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CommitmentStatus.values), name="commitment_status_known"),
        ]
        indexes = [models.Index(fields=["committee", "status", "due_on"])]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def display_text(self) -> str:
        return text_for_reader(self.text, self.text_en)


class CommitmentUpdate(models.Model):
    """A dated note for each change of a commitment's status (or its registration)."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="updates", verbose_name=_("commitment")
    )
    status = models.CharField(_("status"), max_length=20, choices=CommitmentStatus.choices)
    note = models.TextField(_("note"), max_length=REASON_LIMIT, validators=[validate_no_control_characters])
    changed_at = models.DateTimeField(_("changed"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    changed_by_name = models.CharField(_("by"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("commitment update")
        verbose_name_plural = _("commitment updates")
        ordering = ["commitment", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d} {self.get_status_display()}"


class Change(models.Model):
    """Who changed a session or a proposed or approved record, what changed (old → new) and why.
    The other delegation's secretariat is mailed it (a reminder row of kind "change")."""

    session = models.ForeignKey(
        "meetings.Session", on_delete=models.CASCADE, related_name="changes", verbose_name=_("session")
    )
    subject = models.CharField(_("what"), max_length=20)  # "session" or "record"
    changes = models.JSONField(_("changes"))  # [{"field": label, "old": text, "new": text}, ...]
    reason = models.TextField(_("reason"), max_length=REASON_LIMIT, validators=[validate_no_control_characters])
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    made_by_name = models.CharField(_("by"), max_length=300)
    # The delegation whose secretariat made it ("" for an administrator): the other one is told.
    delegation = models.CharField(_("delegation"), max_length=2, blank=True)
    made_at = models.DateTimeField(_("changed"), db_index=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-made_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.made_at:%Y-%m-%d %H:%M} {self.made_by_name}: {self.reason[:60]}"
