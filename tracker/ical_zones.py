"""VTIMEZONE components (RFC 5545) written from the time-zone database, so that a calendar reader
that takes the embedded rules literally, and never looks the TZID up, turns every local time of
our events into the instant we store.

The zone's clock changes within the span the events need are read from zoneinfo and grouped into
observances. A run of changes in consecutive years that follows one yearly rule (the last Sunday
of October, the first Sunday on or after 2 April ...) becomes an RRULE, derived from the changes
themselves; a change that fits no run is an RDATE on a line of its own (some readers take only the
first value of a list, and only the RDATEs when there are any). DTSTART and RDATE are the local
time of the change on the clock being left, and an RRULE's UNTIL is in UTC. A zone without
changes in the span (America/Lima) is one observance whose offset goes from itself to itself."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from tracker.timezones import zone

# Since 1970 no zone of the database has changed its clock twice within a day: a daily scan
# finds every change.
_SCAN_STEP = timedelta(days=1)
# BYMONTHDAY=d..d+6 names the first given weekday on or after day d; from day 23 it could leave the month.
_LAST_FIRST_DAY = 22
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class ZoneState:
    """What a zone's clock shows over a stretch of time."""

    offset: timedelta
    dst: bool
    name: str


@dataclass(frozen=True)
class ZoneChange:
    at: datetime  # UTC
    before: ZoneState
    after: ZoneState

    @property
    def local(self) -> datetime:
        """The naive wall-clock time of the change on the clock being left (DTSTART, RDATE)."""
        return (self.at + self.before.offset).replace(tzinfo=None)


def _state(at: datetime, tz: ZoneInfo) -> ZoneState:
    local = at.astimezone(tz)
    # Summer time is a clock ahead of the zone's standard one; Ireland's winter time, which the
    # database writes as a negative saving, is read as standard like its summer time.
    return ZoneState(offset=local.utcoffset(), dst=local.dst() > timedelta(0), name=local.tzname() or "")


def _first_change(tz: ZoneInfo, low: datetime, high: datetime, state: ZoneState) -> datetime:
    """The first second in (low, high] whose state differs from `state`, the state at `low`."""
    low_s, high_s = int(low.timestamp()), int(high.timestamp())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if _state(datetime.fromtimestamp(middle, UTC), tz) == state:
            low_s = middle
        else:
            high_s = middle
    return datetime.fromtimestamp(high_s, UTC)


@lru_cache(maxsize=256)
def zone_changes(name: str, *, start: datetime, end: datetime) -> tuple[ZoneState, tuple[ZoneChange, ...]]:
    """The state of zone `name` at `start` and each change of its clock in [start, end)."""
    tz = zone(name)
    initial = state = _state(start, tz)
    changes: list[ZoneChange] = []
    at = start
    while at < end:
        following = min(at + _SCAN_STEP, end)
        if _state(following, tz) == state:
            at = following
            continue
        at = _first_change(tz, at, following, state)
        after = _state(at, tz)
        changes.append(ZoneChange(at=at, before=state, after=after))
        state = after
    return initial, tuple(changes)


@dataclass(frozen=True)
class YearlyRule:
    """One change a year, in `month`, at the same wall-clock time: on a fixed day, on the nth
    (-1: last) `weekday`, or on the first `weekday` on or after `first_day`."""

    month: int
    weekday: int | None = None  # 0 = Monday
    nth: int | None = None
    first_day: int | None = None

    def day_in(self, year: int) -> date:
        days = calendar.monthrange(year, self.month)[1]
        if self.weekday is None:
            return date(year, self.month, self.first_day)
        if self.nth == -1:
            last = date(year, self.month, days)
            return last - timedelta(days=(last.weekday() - self.weekday) % 7)
        start = date(year, self.month, self.first_day or 1)
        first = start + timedelta(days=(self.weekday - start.weekday()) % 7)
        return first + timedelta(weeks=(self.nth or 1) - 1)

    def recur(self) -> dict:
        if self.weekday is None:
            return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYMONTHDAY": self.first_day}
        if self.nth is not None:
            return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": f"{self.nth}{_WEEKDAYS[self.weekday]}"}
        return {
            "FREQ": "YEARLY",
            "BYMONTH": self.month,
            "BYMONTHDAY": list(range(self.first_day, self.first_day + 7)),
            "BYDAY": _WEEKDAYS[self.weekday],
        }


def _candidate_rules(day: date) -> list[YearlyRule]:
    """The rules `day` could follow, the most widely understood first."""
    weekday, days = day.weekday(), calendar.monthrange(day.year, day.month)[1]
    rules = []
    if day.day <= 28:
        rules.append(YearlyRule(month=day.month, weekday=weekday, nth=(day.day - 1) // 7 + 1))
    if day.day + 7 > days:
        rules.append(YearlyRule(month=day.month, weekday=weekday, nth=-1))
    rules += [
        YearlyRule(month=day.month, weekday=weekday, first_day=first)
        for first in range(max(1, day.day - 6), min(day.day, _LAST_FIRST_DAY) + 1)
    ]
    if day.day <= 28:  # 29 February is not in every year
        rules.append(YearlyRule(month=day.month, first_day=day.day))
    return rules


def _follows(rule: YearlyRule, changes: list[ZoneChange]) -> bool:
    first = changes[0].local
    return all(
        change.local.year == first.year + index
        and change.local.time() == first.time()
        and change.local.date() == rule.day_in(change.local.year)
        for index, change in enumerate(changes)
    )


def _longest_run(changes: list[ZoneChange]) -> tuple[YearlyRule | None, int]:
    """The rule that the most leading `changes` follow, and how many (one: no rule)."""
    for length in range(len(changes), 1, -1):
        for rule in _candidate_rules(changes[0].local.date()):
            if _follows(rule, changes[:length]):
                return rule, length
    return None, 1


def _observance(change: ZoneChange) -> TimezoneStandard | TimezoneDaylight:
    component = TimezoneDaylight() if change.after.dst else TimezoneStandard()
    component.add("tzname", change.after.name)
    component.add("tzoffsetfrom", change.before.offset)
    component.add("tzoffsetto", change.after.offset)
    component.add("dtstart", change.local)
    return component


def _until(change: ZoneChange) -> datetime:
    """An RRULE's UNTIL for a rule whose last change is `change`: in UTC (RFC 5545), and not
    before the change whether read as UTC or, as dateutil reads it, as a local time. The next
    change of the rule would be a year later."""
    return max(change.at, change.local.replace(tzinfo=UTC))


def _observances(changes: list[ZoneChange], *, end: datetime) -> list[TimezoneStandard | TimezoneDaylight]:
    """The observances of `changes`, which all go between the same two clocks: one per run that
    follows a rule, and one with an RDATE for each change that does not."""
    ruled, lone = [], []
    index = 0
    while index < len(changes):
        rule, length = _longest_run(changes[index:])
        run = changes[index : index + length]
        index += length
        if rule is None:
            lone.append(run[0])
            continue
        component = _observance(run[0])
        recur = rule.recur()
        following = datetime.combine(rule.day_in(run[-1].local.year + 1), run[-1].local.time(), UTC)
        if following - run[-1].before.offset < end:
            # The rule ends within the span: say so, or the reader would carry it on.
            recur["UNTIL"] = _until(run[-1])
        component.add("rrule", recur)
        ruled.append(component)
    if lone:
        component = _observance(lone[0])
        if len(lone) > 1:
            for change in lone:  # DTSTART again: a reader may take only the RDATEs
                component.add("rdate", change.local)
        ruled.append(component)
    return ruled


def vtimezone(name: str, *, first: date, last: date) -> Timezone:
    """The VTIMEZONE of zone `name` that resolves every local time from `first` to `last` (dates,
    inclusive) as zoneinfo does, except the hour a clock repeats, which no TZID can tell apart."""
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    initial, changes = zone_changes(name, start=start, end=end)
    timezone = Timezone()
    timezone.add("tzid", name)
    # The clock at the start of the span, for local times before its first change.
    timezone.add_component(_observance(ZoneChange(at=start, before=initial, after=initial)))
    groups: dict[tuple[ZoneState, ZoneState], list[ZoneChange]] = {}
    for change in changes:
        groups.setdefault((change.before, change.after), []).append(change)
    observances = [component for group in groups.values() for component in _observances(group, end=end)]
    for component in sorted(observances, key=lambda component: component["DTSTART"].dt):
        timezone.add_component(component)
    return timezone


@lru_cache(maxsize=64)
def vtimezone_ical(name: str, *, first: date, last: date) -> bytes:
    """`vtimezone(name, first=first, last=last)` written out, once per zone and span in a process.
    Writing it costs more than building it, and a shared component could be changed by whoever
    holds it: the cache keeps bytes."""
    return vtimezone(name, first=first, last=last).to_ical()
