"""The VTIMEZONE writer against independent readers, for zones of every shape: rules that
changed (Santiago, Tehran), none (Lima), changes that follow no rule (Casablanca, after
Ramadan), the southern hemisphere (Sydney), half-hour summer time (Lord Howe), 45-minute offsets
(Chatham), Ireland's winter time written as a negative saving (Dublin)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from tests.contract.readers import ical_js, python_icalendar, python_vobject
from tracker.ical_zones import vtimezone, zone_changes
from tracker.timezones import local_time_problem

ZONES = (
    "Africa/Casablanca",
    "America/Lima",
    "America/Santiago",
    "Asia/Tehran",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Europe/Dublin",
    "Pacific/Chatham",
)
FIRST, LAST = date(2019, 1, 1), date(2027, 12, 31)


def _instants(name: str) -> list[datetime]:
    """Every half hour from three hours before to three after each change, and noon UTC every
    ten days, within the span's inner years, where the zone's clock shows the time once."""
    tz = ZoneInfo(name)
    start = datetime(FIRST.year + 1, 1, 1, tzinfo=UTC)
    end = datetime(LAST.year, 1, 1, tzinfo=UTC)
    _initial, changes = zone_changes(
        name, start=datetime.combine(FIRST, datetime.min.time(), UTC), end=datetime(LAST.year + 1, 1, 1, tzinfo=UTC)
    )
    near = {change.at + timedelta(minutes=30 * step) for change in changes for step in range(-6, 7)}
    daily = {start + timedelta(days=10 * step) + timedelta(hours=12) for step in range((end - start).days // 10)}
    return sorted(
        at
        for at in near | daily
        if start <= at < end and local_time_problem(at.astimezone(tz).replace(tzinfo=None), tz) is None
    )


def test_every_reader_resolves_every_local_time_as_zoneinfo():
    calendar = Calendar()
    calendar.add("prodid", "-//tests//zones//EN")
    calendar.add("version", "2.0")
    expected = {}
    for name in ZONES:
        calendar.add_component(vtimezone(name, first=FIRST, last=LAST))
        for at in _instants(name):
            event = Event()
            uid = f"{name}/{at:%Y%m%dT%H%M}"
            event.add("uid", uid)
            event.add("dtstart", at.astimezone(ZoneInfo(name)))
            event.add("dtend", (at + timedelta(minutes=30)).astimezone(UTC))
            calendar.add_component(event)
            expected[uid] = (int(at.timestamp()), int(at.timestamp()) + 1800)
    content = calendar.to_ical()
    assert len(expected) > 2000
    assert ical_js(content) == [expected]
    assert python_icalendar(content) == expected
    assert python_vobject(content) == expected
