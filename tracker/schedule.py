"""The schedule version: raised by every change, read by every cached or conditional response."""

from datetime import UTC, datetime

from django.db.models import F
from django.utils import timezone

from tracker.models import ScheduleVersion

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def schedule_changed() -> None:
    """Raise the version; call inside the transaction that changes the schedule."""
    updated = ScheduleVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    if not updated:
        ScheduleVersion.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": timezone.now()})


def schedule_version() -> tuple[int, datetime]:
    row = ScheduleVersion.objects.filter(pk=1).values_list("version", "changed_at").first()
    return row or (0, EPOCH)
