from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries


class RecordState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")


class EntryKind(models.TextChoices):
    DECISION = "decision", _("Decision")
    COMMITMENT = "commitment", _("Commitment")
    NOTE = "note", _("Note")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


# A commitment in one of these states is closed: it is not carried forward nor reminded of.
CLOSED_COMMITMENT_STATUSES = (CommitmentStatus.DONE, CommitmentStatus.DROPPED)
OPEN_COMMITMENT_STATUSES = (CommitmentStatus.OPEN, CommitmentStatus.IN_PROGRESS)

# The responsible delegation of a commitment: one of the committee's two countries, or both.
BOTH_DELEGATIONS = "both"


# The languages a record is written and printed in.
RECORD_LANGUAGES = ("es", "en")


def delegation_name(code: str) -> str:
    """A delegation as a reader says it, in the active language: the country, or both delegations."""
    return gettext("Both delegations") if code == BOTH_DELEGATIONS else str(countries.name(code) or code)
