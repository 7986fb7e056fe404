"""What every record shares."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True, db_index=True)

    # Constraints whose rule a service checks with messages by field (and across the rows of one
    # save), named here so that model validation leaves them to it; the database still holds them.
    rule_constraints: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None) -> None:
        using = router.db_for_write(type(self), instance=self)
        errors: dict = {}
        for model, constraints in self.get_constraints():
            for constraint in constraints:
                if constraint.name in self.rule_constraints:
                    continue
                try:
                    constraint.validate(model, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    if exc.code == "unique" and len(getattr(constraint, "fields", ())) == 1:
                        errors.setdefault(constraint.fields[0], []).append(exc)
                    else:
                        errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class ScheduleVersion(models.Model):
    """One row whose number rises with every change to what the schedule shows.

    Cached API bodies and feeds are keyed by it, and ETags are made from it, so a change made
    anywhere (admin, API, a service) makes every cached copy unreachable at once, in every
    process. It is raised in the same transaction as the change."""

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("schedule version")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="schedule_version_single_row")]

    def __str__(self) -> str:
        return f"v{self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S} UTC)"


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    READ_WRITE = "read_write", _("Read and write")


def default_token_expiry():
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A key for the API. Only its SHA-256 is kept; the token is shown once, when made. It acts
    with its user's permissions, narrowed by its scope, until it expires or is revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("What or who uses this token."))
    scope = models.CharField(
        _("scope"),
        max_length=10,
        choices=TokenScope.choices,
        default=TokenScope.READ,
        help_text=_("Read: only GET. Read and write: also what the user may change."),
    )
    expires_at = models.DateTimeField(_("expires"), default=default_token_expiry)
    key_id = models.CharField(_("key id"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    # Who made, changed or revoked it, and when; the hash is not worth copying into the trail.
    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(scope__in=TokenScope.values), name="api_token_scope_known"),
        ]

    def __str__(self) -> str:
        return f"{self.key_id}… ({self.name or self.user})"

    def clean(self) -> None:
        super().clean()
        if self.pk is None and self.expires_at is not None and self.expires_at <= timezone.now():
            raise ValidationError({"expires_at": _("Choose a time in the future.")})


class CalendarFeed(models.Model):
    """A personal calendar subscription address, for calendar apps that cannot send a token."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name=_("user")
    )
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("calendar feed")

        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.key_id}…)"

    @property
    def token(self) -> str:
        return f"{self.key_id}.{self.secret}"


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, returned again for a repeat."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


class UserPreferences(models.Model):
    """What a signed-in person chose for themselves: the language of the pages and the staff site
    (empty: their browser's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return str(self.user)
