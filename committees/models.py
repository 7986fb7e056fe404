from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from committees.choices import Language, Role, default_reminder_offsets
from tracker.bilingual import text_for_reader
from tracker.durations import offsets_validate
from tracker.models import TimeStampedModel
from tracker.validators import validate_no_control_characters, validate_single_line, validate_timezone_name

TEXT_LIMIT = 10_000


class Committee(TimeStampedModel):
    slug = models.SlugField(
        _("short name"), max_length=60, unique=True, help_text=_("Used in addresses, e.g. chile-peru-migration.")
    )
    name_es = models.CharField(_("name (Spanish)"), max_length=200, validators=[validate_single_line])
    name_en = models.CharField(_("name (English)"), max_length=200, validators=[validate_single_line])
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    description_en = models.TextField(
        _("description in English"), blank=True, max_length=TEXT_LIMIT, validators=[validate_no_control_characters]
    )
    country_a = CountryField(_("first member country"))
    country_b = CountryField(_("second member country"))
    default_timezone = models.CharField(
        _("default time zone"),
        max_length=64,
        validators=[validate_timezone_name],
        help_text=_("IANA zone proposed for new sessions, e.g. America/Lima."),
    )
    reminder_offsets = models.JSONField(
        _("reminder offsets"),
        default=default_reminder_offsets,
        validators=[offsets_validate],
        help_text=_("How long before each session members are reminded."),
    )
    secretariat_email = models.EmailField(
        _("secretariat e-mail"), blank=True, help_text=_("Sender and organiser of the committee's invitations.")
    )
    schedule_published = models.BooleanField(
        _("schedule published"),
        default=False,
        help_text=_("Anyone may read its sessions and agendas under /schedule/, without signing in."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(country_a=F("country_b")),
                name="committee_two_distinct_countries",
                violation_error_message=_("The two member countries must differ."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_en

    @property
    def display_name(self) -> str:
        return text_for_reader(self.name_es, self.name_en)

    @property
    def display_description(self) -> str:
        return text_for_reader(self.description, self.description_en)

    @property
    def countries(self) -> tuple[str, str]:
        return (self.country_a.code, self.country_b.code)


class Person(TimeStampedModel):
    full_name = models.CharField(_("full name"), max_length=200, validators=[validate_single_line])
    position = models.CharField(
        pgettext_lazy("a person's post", "position"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("e.g. Minister of Foreign Affairs"),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True, validators=[validate_single_line])
    country = CountryField(_("country"))
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("Reminders and invitations go here."))
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.SPANISH
    )
    receives_reminders = models.BooleanField(
        _("receives reminders"), default=True, help_text=_("Untick to stop reminder e-mails to this person.")
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_timezone_name],
        help_text=_("IANA zone in which this person reads times, e.g. America/Santiago."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(condition=Q(preferred_language__in=Language.values), name="person_language_known"),
        ]

    def __str__(self) -> str:
        return self.full_name


def active_on_q(day: date, prefix: str = "") -> Q:
    """Memberships active on `day`: begun on or before it, and open or ending on or after it (both
    ends of the period count). `prefix` reaches memberships through a relation, e.g.
    `"memberships__"` from a committee or a person; there, put every condition on the same
    membership in one `filter()` call (or one `Count(filter=...)`), or each may match a different one."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def membership_active_on(membership: "Membership", day: date) -> bool:
    """`active_on_q` for a membership already read (e.g. prefetched), without a query."""
    return membership.start_date <= day and (membership.end_date is None or day <= membership.end_date)


class MembershipQuerySet(models.QuerySet):
    def active_on(self, day: date) -> "MembershipQuerySet":
        """Memberships active on `day` (`active_on_q`; for rows already read, `membership_active_on`)."""
        return self.filter(active_on_q(day))


# What a person's record holds that staff type or import.
PERSON_FIELDS = (
    "full_name",
    "position",
    "organisation",
    "country",
    "email",
    "preferred_language",
    "timezone",
    "receives_reminders",
)


class Membership(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person"))
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("committee")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    delegation = CountryField(_("delegation"), help_text=_("The country this person sits for."))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while the membership lasts."))

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["committee", "role", "person__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="membership_ends_after_start",
                violation_error_message=_("A membership cannot end before it starts."),
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_known"),
            models.UniqueConstraint(
                fields=["committee", "delegation"],
                condition=Q(role=Role.CO_CHAIR, end_date__isnull=True),
                name="membership_one_open_co_chair_per_delegation",
                violation_error_message=_("This delegation already has a co-chair."),
            ),
            models.UniqueConstraint(
                fields=["committee", "person"],
                condition=Q(end_date__isnull=True),
                name="membership_one_open_per_person",
                violation_error_message=_("This person already has an open membership of this committee."),
            ),
        ]
        indexes = [models.Index(fields=["committee", "role"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} ({self.delegation.code})"

    # Judged across every row of a save by committees.services.membership_conflicts, which names
    # the conflicting member; one row alone cannot judge them (a co-chair handed over on one page
    # ends the old term in the same save).
    rule_constraints = frozenset({"membership_one_open_co_chair_per_delegation", "membership_one_open_per_person"})


class StaffAssignment(TimeStampedModel):
    """Gives a staff user or API client access to one committee: as the secretariat of one of
    its delegations (editing that delegation's people and memberships, and the sessions the
    committee shares), or, with no delegation, to read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_assignments",
        verbose_name=_("user"),
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="staff_assignments", verbose_name=_("committee")
    )
    delegation = CountryField(
        _("secretariat of"),
        blank=True,
        help_text=_("The delegation whose secretariat this user works for; empty to read only."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        ordering = ["committee", "delegation", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "committee"], name="staff_assignment_one_per_committee"),
        ]

    def __str__(self) -> str:
        side = self.delegation.code if self.delegation else _("read only")
        return f"{self.user} — {self.committee.slug} ({side})"

    def clean(self) -> None:
        super().clean()
        if self.delegation and self.committee_id and self.delegation.code not in self.committee.countries:
            raise ValidationError({"delegation": _("Choose one of the committee's two countries.")})
