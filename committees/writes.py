"""One write to the schedule, whichever way it arrives (admin, API, import, demo data).

Every service that writes a record the schedule shows runs inside `schedule_write`. It opens
the transaction and locks the committees the write checks rules across. When the outermost
write ends without an error, and still inside its transaction:

1. the schedule version rises once (`tracker.schedule.schedule_changed`), however many rows,
   inlines or services the write went through, so every cached schedule and feed is dropped
   together with the change and Last-Modified is the write's own time;
2. each function named in the SCHEDULE_WRITE_EFFECTS setting runs once with the write, which
   lists the sessions it touched and the committees whose members (or reminder settings) it
   changed: the meetings app re-plans the reminders of those sessions, and of the committees'
   upcoming ones, there.

Writes nest: a service called inside another write joins it (in a savepoint, so that a refused
inner write can be caught and the rest kept)."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from committees.models import Committee
from tracker.schedule import schedule_changed


@dataclass
class ScheduleWrite:
    """What one write has done so far."""

    now: datetime
    locked: set[int] = field(default_factory=set)
    # Each session the write changed or whose invitees it changed → whether its time or place moved.
    sessions: dict[int, bool] = field(default_factory=dict)
    # Committees whose members, or their contact and reminder settings, the write changed.
    committees: set[int] = field(default_factory=set)
    written: bool = False
    discarded: bool = False

    def lock(self, committee_ids: Iterable[int | None]) -> None:
        """Serialise writes that check rules across a committee's rows. On PostgreSQL a row lock
        held to the end of the write; on SQLite the transaction already holds the write lock."""
        wanted = {pk for pk in committee_ids if pk is not None} - self.locked
        if wanted:
            committees_lock(committee_ids=wanted)
            self.locked.update(wanted)

    def session_touched(self, *, session_id: int, moved: bool = False) -> None:
        self.sessions[session_id] = self.sessions.get(session_id, False) or moved

    def committees_touched(self, committee_ids: Iterable[int | None]) -> None:
        """Who is reminded of these committees' upcoming sessions, or when, may have changed."""
        self.committees.update(pk for pk in committee_ids if pk is not None)

    def discard(self) -> None:
        """Keep nothing of this write (an import's trial run): it is rolled back, and neither the
        version rises nor effects run."""
        self.discarded = True


_current: ContextVar[ScheduleWrite | None] = ContextVar("schedule_write", default=None)


@cache
def _effects() -> tuple:
    return tuple(import_string(path) for path in settings.SCHEDULE_WRITE_EFFECTS)


@contextmanager
def schedule_write(*, committee_ids: Iterable[int | None] = (), now: datetime | None = None) -> Iterator[ScheduleWrite]:
    """A service's write to the schedule, with `committee_ids` locked (see the module's docstring);
    `now` is the write's time for its rules and the reminders it plans (the outermost one's counts)."""
    with _write(now=now) as write:
        write.lock(committee_ids)
        yield write
        write.written = True


@contextmanager
def schedule_writes_together(*, now: datetime | None = None) -> Iterator[ScheduleWrite]:
    """Whatever services run inside as one write (an admin page with its inlines, an imported
    file, the demo data): one transaction, and at its end one version raise if any of them wrote."""
    with _write(now=now) as write:
        yield write


@contextmanager
def _write(*, now: datetime | None) -> Iterator[ScheduleWrite]:
    outer = _current.get()
    if outer is not None:
        # A refused inner write is rolled back to its savepoint, which on PostgreSQL also releases
        # the locks it took: forget them, with what it touched and whether it wrote.
        kept = (set(outer.locked), dict(outer.sessions), set(outer.committees), outer.written)
        try:
            with transaction.atomic():
                yield outer
        except BaseException:
            outer.locked, outer.sessions, outer.committees, outer.written = kept
            raise
        return
    write = ScheduleWrite(now=now or timezone.now())
    token = _current.set(write)
    try:
        with transaction.atomic():
            yield write
            if write.discarded:
                transaction.set_rollback(True)
            elif write.written:
                schedule_changed()
                for effect in _effects():
                    effect(write)
    finally:
        _current.reset(token)


def committees_lock(*, committee_ids: Iterable[int]) -> None:
    """Lock committees' rows, in the order of their ids, for the transaction in progress, as every
    schedule write does (also for work that checks a committee's rows without writing the
    schedule, e.g. planning)."""
    list(Committee.objects.select_for_update().filter(pk__in=committee_ids).order_by("pk").values_list("pk"))
