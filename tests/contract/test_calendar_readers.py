"""Every calendar reader puts every session at the instant the API gives.

The feed holds sessions on the clocks of America/Santiago (whose rules changed several times),
America/Lima (no summer time), Europe/Madrid and America/New_York, a week apart and an hour apart
around each of their clock changes from 2020 to 2035, and one across each change. ical.js
(Mozilla's parser), `icalendar` and `vobject` read it with the VTIMEZONEs it embeds only."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, Timezone

from committees.models import Committee
from meetings.calendars import PRODID
from meetings.mail import invitation
from meetings.models import Reminder, Session
from tests.api import reader
from tests.contract.readers import Instants, ical_js, python_icalendar, python_vobject
from tests.factories import CommitteeFactory, PersonFactory, SessionFactory
from tracker.ical_zones import vtimezone
from tracker.schedule import schedule_changed

pytestmark = pytest.mark.django_db

ZONES = ("America/Lima", "America/New_York", "America/Santiago", "Europe/Madrid")
YEARS = (2020, 2035)
HOUR = timedelta(hours=1)
# Starts around each clock change: a week and two before and after, and each hour from two
# before to two after (the change itself included).
AROUND = (*(timedelta(weeks=n) for n in (-2, -1, 1, 2)), *(HOUR * n for n in (-2, -1, 0, 1, 2)))


def clock_changes(name: str) -> list[datetime]:
    """The instants the zone's UTC offset changed in YEARS, found hour by hour in each day whose
    offset at midnight UTC differs from the next day's."""
    tz = ZoneInfo(name)
    changes = []
    day = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    while day.year <= YEARS[1]:
        if day.astimezone(tz).utcoffset() != (day + timedelta(days=1)).astimezone(tz).utcoffset():
            changes += [
                day + HOUR * hour
                for hour in range(1, 25)
                if (day + HOUR * hour).astimezone(tz).utcoffset() != day.astimezone(tz).utcoffset()
            ][:1]
        day += timedelta(days=1)
    return changes


def _sessions(committee: Committee, zone: str, starts: list[datetime], length: timedelta) -> list[Session]:
    return [
        SessionFactory.build(committee=committee, number=number, starts_at=start, ends_at=start + length, timezone=zone)
        for number, start in enumerate(sorted(starts), start=1)
    ]


@pytest.fixture
def sessions_around_clock_changes() -> list[Session]:
    santiago = clock_changes("America/Santiago")
    sessions = []
    for zone in ZONES:
        # Lima's clock never changes: its sessions are around Santiago's changes.
        changes = clock_changes(zone) if zone != "America/Lima" else santiago
        hourly = CommitteeFactory(slug=f"hourly-{zone.lower().replace('/', '-')}")
        across = CommitteeFactory(slug=f"across-{zone.lower().replace('/', '-')}")
        sessions += _sessions(hourly, zone, [change + step for change in changes for step in AROUND], HOUR)
        sessions += _sessions(across, zone, [change - 90 * timedelta(minutes=1) for change in changes], 3 * HOUR)
    sessions = Session.objects.bulk_create(sessions)
    schedule_changed()
    return sessions


def api_instants() -> Instants:
    """Every session's UID and times as the API lists them."""
    client, answer, page = reader(), {}, "/api/v1/sessions/?page_size=500"
    while page:
        body = client.get(page).json()
        for row in body["results"]:
            answer[row["uid"]] = tuple(
                int(datetime.fromisoformat(row[field]).timestamp()) for field in ("starts_at", "ends_at")
            )
        page = body["next"]
    return answer


def test_clock_changes_of_the_fixture():
    assert {zone: len(clock_changes(zone)) for zone in ZONES} == {
        "America/Lima": 0,
        "America/New_York": 32,
        "America/Santiago": 32,
        "Europe/Madrid": 32,
    }
    # Santiago's rules changed within the span: September 2022 moved a week later.
    assert [change for change in clock_changes("America/Santiago") if change.year == 2022] == [
        datetime(2022, 4, 3, 3, tzinfo=UTC),
        datetime(2022, 9, 11, 4, tzinfo=UTC),
    ]


def test_feed_reads_the_same_in_every_reader(sessions_around_clock_changes):
    expected = api_instants()
    assert expected == {
        session.uid: (int(session.starts_at.timestamp()), int(session.ends_at.timestamp()))
        for session in sessions_around_clock_changes
    }
    assert len(expected) == 3 * 32 * 10 + 32 * 10  # three zones that change, and Lima
    content = reader().get("/api/v1/sessions.ics").content
    assert [str(zone["TZID"]) for zone in Calendar.from_ical(content).walk("VTIMEZONE")] == list(ZONES)
    assert ical_js(content) == [expected]
    assert python_icalendar(content) == expected
    assert python_vobject(content) == expected


def test_invitations_read_the_same_in_every_reader(sessions_around_clock_changes):
    person = PersonFactory()
    rows = [
        Reminder(
            session=session,
            person=person,
            due_at=session.starts_at,
            next_attempt_at=session.starts_at,
            message_id=f"<{session.pk}@contract>",
        )
        for session in sessions_around_clock_changes
        if session.timezone in ("America/Santiago", "Europe/Madrid")
    ]
    invitations = [invitation(row) for row in rows]
    expected = [
        {row.session.uid: (int(row.session.starts_at.timestamp()), int(row.session.ends_at.timestamp()))}
        for row in rows
    ]
    assert len(expected) == 2 * 32 * 10
    assert ical_js(*invitations) == expected
    assert [python_icalendar(content) for content in invitations] == expected
    assert [python_vobject(content) for content in invitations] == expected


def _calendar_in_santiago(start: datetime, zone_component) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(zone_component)
    event = Event()
    event.add("uid", "winter")
    event.add("dtstart", start.astimezone(ZoneInfo("America/Santiago")))
    event.add("dtend", (start + HOUR).astimezone(ZoneInfo("America/Santiago")))
    calendar.add_component(event)
    return calendar.to_ical()


def test_readers_take_the_rules_in_the_file_literally():
    """A VTIMEZONE whose RDATEs share one line (as `icalendar` writes them) puts a session of a
    later Santiago winter an hour off in ical.js, which takes only the first; and a VTIMEZONE
    with a wrong offset moves the session in every reader: none of them looks the TZID up."""
    winter = datetime(2027, 7, 5, 14, tzinfo=UTC)  # 10:00 -04 on the venue's clock
    right = {"winter": (int(winter.timestamp()), int((winter + HOUR).timestamp()))}
    one_hour_early = {"winter": (right["winter"][0] - 3600, right["winter"][1] - 3600)}

    listed = _calendar_in_santiago(
        winter, Timezone.from_tzid("America/Santiago", first_date=date(2019, 1, 1), last_date=date(2036, 12, 31))
    )
    assert b"RDATE:20200405T000000,20210404T000000," in listed
    assert ical_js(listed) == [one_hour_early]
    ours = _calendar_in_santiago(winter, vtimezone("America/Santiago", first=date(2019, 1, 1), last=date(2036, 12, 31)))
    assert ical_js(ours) == [right]
    assert (python_icalendar(ours), python_vobject(ours)) == (right, right)
    wrong = ours.replace(b"TZOFFSETTO:-0400", b"TZOFFSETTO:-0300")
    assert ical_js(wrong) == [one_hour_early]
    assert (python_icalendar(wrong), python_vobject(wrong)) == (one_hour_early, one_hour_early)
