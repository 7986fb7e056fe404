"""The schedule version: raised by every change, read by every cached or conditional response."""

from datetime import UTC, datetime

from django.db import connection
from django.db.models import F
from django.utils import timezone

from tracker.models import ScheduleVersion
from tracker.request_cache import per_user

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def schedule_changed(*, now: datetime | None = None) -> None:
    """Raise the version; call inside the transaction that changes the schedule.

    The change time is the clock's, read once the version row is locked, so a change that waited
    for another is never dated before it; it never moves back (a clock set back, or `now` given
    for an earlier time, keeps the stored time). Two changes within one second share the second
    Last-Modified counts; tracker.conditional holds that date back until the second is over."""
    current = ScheduleVersion.objects.select_for_update().filter(pk=1).first()
    if now is None:
        now = timezone.now()
    if current is None:
        ScheduleVersion.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
        return
    ScheduleVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=max(now, current.changed_at))


# The version as read for the request of a user object, under this key of `tracker.request_cache`:
# the API reads it with the token that authenticates the request (committees.readers).
SCHEDULE_VERSION_KEY = "schedule_version"
# The columns to select (after `FROM {TABLE} AS version`, with `WHERE version.id = 1`) to read it
# with other rows; `schedule_version_from` turns them into the version.
TABLE = ScheduleVersion._meta.db_table
COLUMNS = "version.version, version.changed_at"
_READ = f"SELECT {COLUMNS} FROM {TABLE} AS version WHERE version.id = 1"  # noqa: S608 - names from the model, no input


def schedule_version_from(version: int | None, changed_at: datetime | str | None) -> tuple[int, datetime]:
    """The version from the raw columns (None when the row is not there yet)."""
    if version is None or changed_at is None:
        return 0, EPOCH
    if isinstance(changed_at, str):  # SQLite hands back the stored text
        changed_at = datetime.fromisoformat(changed_at)
    return version, changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=UTC)


def schedule_version() -> tuple[int, datetime]:
    """The current version and when it was raised. Read on every schedule request, so in plain
    SQL: the ORM would spend longer building the query than the database answering it."""
    with connection.cursor() as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    return schedule_version_from(*row) if row else (0, EPOCH)


def schedule_version_for(user: object) -> tuple[int, datetime]:
    """The version as read for this user's request: once, with their credential where the API read
    one, or now. A change committed later is seen by the next request."""
    return per_user(user, SCHEDULE_VERSION_KEY, schedule_version)
