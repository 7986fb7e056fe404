from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CO_CHAIR = "co_chair", _("Co-chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretary")
    ADVISER = "adviser", _("Adviser")
    OBSERVER = "observer", _("Observer")


class Language(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")


DEFAULT_REMINDER_OFFSETS = [7 * 24 * 60, 24 * 60, 60]


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)
