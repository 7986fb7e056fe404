"""The schedule version: raised by every change, read by every cached or conditional response."""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone

from tracker.models import ScheduleVersion

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def schedule_changed() -> None:
    """Raise the version; call inside the transaction that changes the schedule.

    The change time moves on by at least a whole second each time: Last-Modified counts whole
    seconds, and two changes within one second must not share it, or a client holding the
    first would be told (304) that nothing changed since."""
    now = timezone.now()
    current = ScheduleVersion.objects.select_for_update().filter(pk=1).first()
    if current is None:
        ScheduleVersion.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
        return
    next_second = current.changed_at.replace(microsecond=0) + timedelta(seconds=1)
    ScheduleVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=max(now, next_second))


_READ = f"SELECT version, changed_at FROM {ScheduleVersion._meta.db_table} WHERE id = 1"  # noqa: S608 - a table name from the model, no input


def schedule_version() -> tuple[int, datetime]:
    """The current version and when it was raised. Read on every schedule request, so in plain
    SQL: the ORM would spend longer building the query than the database answering it."""
    with connection.cursor() as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    if row is None:
        return 0, EPOCH
    version, changed_at = row
    if isinstance(changed_at, str):  # SQLite hands back the stored text
        changed_at = datetime.fromisoformat(changed_at)
    return version, changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=UTC)
