"""Time-zone helpers used everywhere a time is stored, checked or shown.

Instants are aware datetimes, stored in UTC. People enter and read wall-clock times in a
named zone; a wall-clock time that does not exist in that zone (the hour skipped when
America/Santiago moves its clocks forward) or that exists twice (the hour repeated when it
moves them back) is refused with a message, never shifted silently.
"""

from __future__ import annotations

import enum
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

# Times are accepted within these years; further out, moving between zones can overflow.
ACCEPTED_YEARS = (1900, 2200)


def year_check(value: date) -> None:
    """Refuse a date or time outside ACCEPTED_YEARS (ValidationError, code "year")."""
    first, last = ACCEPTED_YEARS
    if not first <= value.year <= last:
        raise ValidationError(
            _("Give a year from %(first)d to %(last)d."), code="year", params={"first": first, "last": last}
        )


class LocalTimeProblem(enum.Enum):
    NONEXISTENT = "nonexistent"
    AMBIGUOUS = "ambiguous"


class LocalTimeError(ValueError):
    """A wall-clock time that cannot name exactly one instant in its zone."""

    def __init__(self, *, local: datetime, zone: tzinfo, problem: LocalTimeProblem) -> None:
        self.local = local
        self.zone = zone
        self.problem = problem
        super().__init__(self.message)

    @property
    def message(self) -> str:
        params = {"time": self.local.strftime("%Y-%m-%d %H:%M"), "zone": str(self.zone)}
        if self.problem is LocalTimeProblem.NONEXISTENT:
            text = _(
                "%(time)s does not exist in %(zone)s: the clocks skip that hour for daylight "
                "saving time. Choose a time outside the gap."
            )
        else:
            text = _(
                "%(time)s happens twice in %(zone)s: the clocks repeat that hour when daylight "
                "saving time ends. Choose a time outside the repeated hour."
            )
        return str(text) % params


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone for an IANA name; raises zoneinfo.ZoneInfoNotFoundError for an unknown one."""
    return zoneinfo.ZoneInfo(name)


# The one name kept for Coordinated Universal Time (a session with no venue, a server's clock).
UTC_NAME = "UTC"
# Zones that are UTC under another name: Etc/UTC, Etc/GMT and their links (Zulu, GMT0 ...).
_UNIVERSAL_ZONES = frozenset({"Etc/UTC", "Etc/GMT"})


def _tz_database_file(filename: str) -> str:
    """A text file of the time-zone database that zoneinfo reads: from the first directory on
    zoneinfo.TZPATH that has it, else from the tzdata package, as zoneinfo looks zones up."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / filename
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return resources.files("tzdata").joinpath("zoneinfo", filename).read_text(encoding="utf-8")


@cache
def timezone_names() -> tuple[str, ...]:
    """The zones a person may choose, sorted: the regions of the IANA list of zones by country
    (zone.tab, e.g. America/Lima), and UTC. Old aliases (US/Eastern, Europe/Kiev, GMT0),
    fixed offsets (Etc/GMT+5) and the server's own clock (localtime, Factory) are not among them."""
    regions = {
        line.split("\t")[2]
        for line in _tz_database_file("zone.tab").splitlines()
        if line.strip() and not line.startswith("#")
    }
    return tuple(sorted((regions & zoneinfo.available_timezones()) | {UTC_NAME}))


@cache
def _canonical_names() -> frozenset[str]:
    return frozenset(timezone_names())


@cache
def _links() -> dict[str, str]:
    """Every link of the database (`L target name` lines of tzdata.zi): name → the zone it names."""
    links = {}
    for line in _tz_database_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _kind, target, name = line.split()
            links[name] = target
    return links


def timezone_is_canonical(name: str) -> bool:
    return name in _canonical_names()


def timezone_is_legacy(name: str) -> bool:
    """A name zoneinfo knows that is not offered: an alias, a fixed offset or the server's clock."""
    return not timezone_is_canonical(name) and (name in _links() or name in zoneinfo.available_timezones())


def timezone_canonical_name(name: str) -> str | None:
    """The offered name of the clock `name` stands for: itself when offered, the region an old
    alias links to (US/Eastern → America/New_York, GMT0 → UTC), or None (unknown names, fixed
    offsets, localtime)."""
    links = _links()
    target = name
    for _step in range(len(links) + 1):  # a link may name another link; the database has no cycles
        if timezone_is_canonical(target):
            return target
        if target in _UNIVERSAL_ZONES:
            return UTC_NAME
        if target not in links:
            return None
        target = links[target]
    return None


def ensure_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no time zone; an instant needs one.")
    return value


def to_utc(value: datetime) -> datetime:
    return ensure_aware(value).astimezone(UTC)


def to_zone(value: datetime, tz: tzinfo | str) -> datetime:
    return ensure_aware(value).astimezone(zone(tz) if isinstance(tz, str) else tz)


def local_time_problem(local: datetime, tz: tzinfo) -> LocalTimeProblem | None:
    """Whether a naive wall-clock time is skipped, repeated or fine in a zone."""
    if local.tzinfo is not None:
        raise ValueError("local_time_problem() takes a naive wall-clock time.")
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    # In a gap both folds name instants whose wall time, read back, is another time.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        return LocalTimeProblem.NONEXISTENT
    return LocalTimeProblem.AMBIGUOUS


def make_aware_strict(local: datetime, tz: tzinfo | str) -> datetime:
    """The one instant a naive wall-clock time names in a zone, or LocalTimeError."""
    tz = zone(tz) if isinstance(tz, str) else tz
    problem = local_time_problem(local, tz)
    if problem is not None:
        raise LocalTimeError(local=local, zone=tz, problem=problem)
    return local.replace(tzinfo=tz)


def to_wall_clock(value: datetime, tz: tzinfo | str) -> datetime:
    """The naive wall-clock time an instant shows in a zone (for forms that edit local times)."""
    return to_zone(value, tz).replace(tzinfo=None)


def utc_offset_label(value: datetime) -> str:
    """`UTC-03:00` style label of an aware datetime's offset."""
    offset = ensure_aware(value).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def format_in_zone(value: datetime, tz: tzinfo | str) -> str:
    """`2025-12-01 10:00 UTC-03:00 (America/Santiago)`: a time a person reads, with its zone."""
    local = to_zone(value, tz)
    return f"{local:%Y-%m-%d %H:%M} {utc_offset_label(local)} ({local.tzinfo})"


@dataclass(frozen=True)
class Clock:
    """One named clock's reading of an instant."""

    label: str
    local: datetime

    @property
    def zone_name(self) -> str:
        return str(self.local.tzinfo)

    @property
    def reading(self) -> str:
        """`2025-12-01 08:00 UTC-05:00 (America/Lima)`."""
        return format_in_zone(self.local, self.zone_name)

    @property
    def line(self) -> str:
        """`Lima: 2025-12-01 08:00 UTC-05:00 (America/Lima)`."""
        return f"{self.label}: {self.reading}"

    def __str__(self) -> str:
        return f"{self.label} {self.local:%Y-%m-%d %H:%M} {utc_offset_label(self.local)}"


def capital_clocks(value: datetime) -> list[Clock]:
    """The instant on the clocks of the capitals staff always see (settings.CAPITAL_CLOCKS)."""
    return [Clock(label=label, local=to_zone(value, name)) for label, name in settings.CAPITAL_CLOCKS]


def staff_zone() -> tzinfo:
    """The clock staff read the admin on: the zone active for the request (TIME_ZONE; staff have
    no zone of their own)."""
    return django_timezone.get_current_timezone()


def format_for_staff(value: datetime, *, with_capitals: bool = False) -> str:
    """An instant as staff read it, on their clock with its zone named: `2026-11-30 10:00
    UTC-05:00 (America/Lima)`; `with_capitals` adds the capitals' clocks other than that one:
    `... · Santiago 2026-11-30 12:00 UTC-03:00`."""
    clock = staff_zone()
    others = [str(capital) for capital in capital_clocks(value) if capital.zone_name != str(clock)]
    return " · ".join([format_in_zone(value, clock), *(others if with_capitals else [])])


def format_on_session_clocks(value: datetime, venue_zone: tzinfo | str) -> str:
    """A session's time on the venue's clock and on both capitals' clocks: `2025-12-01 10:00
    UTC-03:00 (America/Santiago) · Lima 2025-12-01 08:00 UTC-05:00 · Santiago 2025-12-01 10:00 UTC-03:00`."""
    return " · ".join([format_in_zone(value, venue_zone), *(str(capital) for capital in capital_clocks(value))])
