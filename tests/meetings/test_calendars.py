from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from icalendar import Calendar

from meetings.mail import invitation
from meetings.models import Reminder, Session
from meetings.services import session_cancel, session_update
from tests.api import administrator, reader, reader_of, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory
from tracker.ical_zones import vtimezone
from tracker.models import UserPreferences
from tracker.schedule import schedule_changed
from tracker.tokens import calendar_feed_create, calendar_feed_revoke

pytestmark = pytest.mark.django_db


def _events(content: bytes) -> list:
    calendar = Calendar.from_ical(content)
    return [component for component in calendar.walk() if component.name == "VEVENT"]


def test_feed_has_one_event_per_session_on_both_sides_of_a_dst_change():
    committee = CommitteeFactory(name_en="Migration Committee")
    # Santiago leaves summer time on 5 April 2026 (00:00 -03 becomes 23:00 -04 on the 4th).
    before = SessionFactory(committee=committee, number=1, starts_at=datetime(2026, 4, 3, 13, 0, tzinfo=UTC))
    after = SessionFactory(committee=committee, number=2, starts_at=datetime(2026, 4, 6, 14, 0, tzinfo=UTC))
    AgendaItemFactory(session=after, position=1, title="Documents and visas", duration_minutes=30)
    schedule_changed()
    response = reader().get("/api/v1/sessions.ics")
    assert (response.status_code, response["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    calendar = Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Santiago"]
    # The zone's rules for the events' dates and a year on either side, ahead of the events.
    assert calendar.subcomponents[0].to_ical() == (
        vtimezone("America/Santiago", first=date(2025, 4, 2), last=date(2027, 4, 6)).to_ical()
    )
    events = _events(response.content)
    assert [str(event["UID"]) for event in events] == [before.uid, after.uid]
    starts = [event.decoded("DTSTART") for event in events]
    assert [start.astimezone(UTC) for start in starts] == [before.starts_at, after.starts_at]
    assert [(start.hour, start.utcoffset()) for start in starts] == [
        (10, timedelta(hours=-3)),
        (10, timedelta(hours=-4)),
    ]
    assert [str(event.get("TZID", "")) or event["DTSTART"].params["TZID"] for event in events] == [
        "America/Santiago",
        "America/Santiago",
    ]
    assert events[1]["SUMMARY"] == f"Migration Committee: {after.title}"
    assert events[1]["LOCATION"] == "Ministry of Foreign Affairs, Santiago, Chile"
    assert (events[1]["STATUS"], events[1]["SEQUENCE"]) == ("CONFIRMED", 0)
    assert str(events[1]["DESCRIPTION"]).splitlines() == [
        "Session 2 of Migration Committee",
        "At the venue: 2026-04-06 10:00 UTC-04:00 (America/Santiago)",
        "Lima: 2026-04-06 09:00 UTC-05:00 (America/Lima)",
        "Santiago: 2026-04-06 10:00 UTC-04:00 (America/Santiago)",
        "",
        "Agenda:",
        "1. Documents and visas (30 min)",
    ]


def test_moved_and_cancelled_sessions_keep_uid_and_raise_sequence():
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    url = f"/api/v1/sessions/{session.pk}.ics"
    client = reader()
    first = _events(client.get(url).content)[0]
    session_update(
        session=session,
        data={"starts_at": session.starts_at + timedelta(days=1), "ends_at": session.ends_at + timedelta(days=1)},
    )
    moved = _events(client.get(url).content)[0]
    session_cancel(session=session)
    cancelled = _events(client.get(url).content)[0]
    assert [str(e["UID"]) for e in (first, moved, cancelled)] == [session.uid] * 3
    assert [(e["SEQUENCE"], str(e["STATUS"])) for e in (first, moved, cancelled)] == [
        (0, "CONFIRMED"),
        (1, "CONFIRMED"),
        (2, "CANCELLED"),
    ]
    assert moved.decoded("DTSTART").astimezone(UTC) == datetime(2030, 1, 8, 13, 0, tzinfo=UTC)


def test_unchanged_feed_is_byte_identical_and_dtstamp_is_the_last_change():
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    Session.objects.filter(pk=session.pk).update(updated_at=datetime(2029, 12, 1, 8, 30, tzinfo=UTC))
    schedule_changed()
    first = reader().get("/api/v1/sessions.ics").content
    schedule_changed()  # a new version: the body is built again, from the same data
    second = reader().get("/api/v1/sessions.ics").content
    assert first == second
    assert _events(first)[0].decoded("DTSTAMP") == datetime(2029, 12, 1, 8, 30, tzinfo=UTC)


HOSTILE = "Title\r\nBEGIN:VALARM\r\nTRIGGER:-PT5M\r\nEND:VALARM\rX-INJECTED:1\nATTENDEE:mailto:evil@example.org"


def test_hostile_text_cannot_add_a_property_or_an_event():
    # Written straight to the table, past the validators, as an old or imported row might be.
    session = SessionFactory(
        title=HOSTILE, venue=HOSTILE, description=HOSTILE, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC)
    )
    AgendaItemFactory(session=session, position=1, title=HOSTILE)
    SessionFactory(committee=session.committee, starts_at=datetime(2030, 1, 14, 13, 0, tzinfo=UTC))
    schedule_changed()
    content = reader().get("/api/v1/sessions.ics").content
    assert b"\nBEGIN:VALARM" not in content and b"\rBEGIN:VALARM" not in content
    calendar = Calendar.from_ical(content)
    names = [component.name for component in calendar.walk()]
    assert [name for name in names if name not in {"STANDARD", "DAYLIGHT"}] == [
        "VCALENDAR",
        "VTIMEZONE",
        "VEVENT",
        "VEVENT",
    ]
    for event in _events(content):
        assert set(event.keys()) == {
            "UID",
            "SEQUENCE",
            "DTSTAMP",
            "CREATED",
            "LAST-MODIFIED",
            "DTSTART",
            "DTEND",
            "SUMMARY",
            "LOCATION",
            "STATUS",
            "DESCRIPTION",
            "URL",
        }
    hostile = _events(content)[0]
    assert str(hostile["SUMMARY"]) == (
        f"{session.committee.name_en}: Title\nBEGIN:VALARM\nTRIGGER:-PT5M\nEND:VALARM\nX-INJECTED:1\n"
        "ATTENDEE:mailto:evil@example.org"
    )


def test_feed_filters_and_errors():
    committee = CommitteeFactory(slug="chile")
    kept = SessionFactory(committee=committee, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    schedule_changed()
    client = reader()
    assert [str(e["UID"]) for e in _events(client.get("/api/v1/sessions.ics", {"committee": "chile"}).content)] == [
        kept.uid
    ]
    bad = client.get("/api/v1/sessions.ics", {"starts_after": "2030-01-01"}, HTTP_ACCEPT="text/calendar")
    assert (bad.status_code, bad["Content-Type"], bad.json()) == (
        400,
        "application/json",
        {"starts_after": ["Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00."]},
    )
    missing = client.get("/api/v1/sessions/999999.ics")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No Session matches the given query."})
    first = client.get("/api/v1/sessions.ics")
    assert client.get("/api/v1/sessions.ics", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_personal_feed_by_secret_and_revocation(client):
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    schedule_changed()
    feed = calendar_feed_create(user=administrator())
    assert len(feed.secret) >= 43  # 256 random bits, URL-safe
    url = f"/calendar/{feed.token}.ics"
    response = client.get(url)  # no header, no cookie: the address is the credential
    assert (response.status_code, response["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    assert [str(e["UID"]) for e in _events(response.content)] == [session.uid]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(f"/calendar/{feed.key_id}.{'x' * 43}.ics").status_code == 404
    assert client.get("/calendar/garbage.ics").status_code == 404
    bad = client.get(url, {"starts_before": "soon"})
    assert (bad.status_code, bad.json()) == (400, {"starts_before": ["Enter a valid date/time."]})
    calendar_feed_revoke(feed=feed)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 405


def test_feed_of_an_inactive_user_stops():
    user = administrator()
    feed = calendar_feed_create(user=user)
    user.is_active = False
    user.save()
    assert token_client().get(f"/calendar/{feed.token}.ics").status_code == 404


def test_empty_feed_is_still_a_valid_calendar():
    content = reader().get("/api/v1/sessions.ics").content
    calendar = Calendar.from_ical(content)
    assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]
    assert calendar.subcomponents[0]["TZID"] == "America/Lima"
    assert reader().get("/api/v1/sessions.ics").content == content


def test_postponed_session_is_cancelled_at_its_old_time():
    from meetings.services import session_postpone

    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    session_postpone(session=session)
    event = _events(reader().get(f"/api/v1/sessions/{session.pk}.ics").content)[0]
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)
    assert "Postponed: a new date will be announced." in str(event["DESCRIPTION"]).splitlines()


def _reminder(session: Session) -> Reminder:
    return Reminder(
        session=session,
        person=PersonFactory(),
        due_at=session.starts_at,
        next_attempt_at=session.starts_at,
        message_id=f"<{session.pk}@calendars>",
    )


def test_every_event_links_to_its_session_page(settings, admin_client):
    settings.SITE_URL = "https://committee.example/"
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    schedule_changed()
    page = f"https://committee.example/schedule/sessions/{session.pk}/"
    sources = {
        "feed": reader().get("/api/v1/sessions.ics").content,
        "one": reader().get(f"/api/v1/sessions/{session.pk}.ics").content,
        "page": admin_client.get(f"/schedule/sessions/{session.pk}.ics").content,
        "invitation": invitation(_reminder(session)),
    }
    assert {source: [str(e["URL"]) for e in _events(content)] for source, content in sources.items()} == {
        "feed": [page],
        "one": [page],
        "page": [page],
        "invitation": [page],
    }


def _names(content: bytes) -> tuple[str, str]:
    calendar = Calendar.from_ical(content)
    return str(calendar["NAME"]), str(calendar["X-WR-CALNAME"])


def test_feeds_are_named_after_their_committees_in_the_readers_language(admin_client):
    migration = CommitteeFactory(
        slug="migration", name_en="Migration Committee", name_es="Comité de Migración", schedule_published=True
    )
    trade = CommitteeFactory(slug="trade", name_en="Border Trade Committee", name_es="Comité de Comercio Fronterizo")
    session = SessionFactory(committee=migration, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    SessionFactory(committee=trade, starts_at=datetime(2030, 1, 8, 13, 0, tzinfo=UTC))
    schedule_changed()
    both = "Border Trade Committee — Migration Committee"
    assert _names(reader().get("/api/v1/sessions.ics").content) == (both, both)
    assert _names(reader().get("/api/v1/sessions.ics", {"committee": "migration"}).content) == (
        "Migration Committee",
        "Migration Committee",
    )
    assert _names(reader().get(f"/api/v1/sessions/{session.pk}.ics").content) == (
        "Migration Committee",
        "Migration Committee",
    )
    page = admin_client.get(f"/schedule/sessions/{session.pk}.ics", HTTP_ACCEPT_LANGUAGE="es")
    assert _names(page.content) == ("Comité de Migración", "Comité de Migración")
    public = Client().get("/schedule/migration.ics", HTTP_ACCEPT_LANGUAGE="es")
    assert _names(public.content) == ("Comité de Migración", "Comité de Migración")
    # A personal address: the committees its owner reads, in the language they chose.
    spanish = reader_of(migration, trade)
    UserPreferences.objects.create(user=spanish, language="es")
    feed = calendar_feed_create(user=spanish)
    assert _names(Client().get(f"/calendar/{feed.token}.ics", HTTP_ACCEPT_LANGUAGE="en").content) == (
        "Comité de Comercio Fronterizo — Comité de Migración",
        "Comité de Comercio Fronterizo — Comité de Migración",
    )
    only_trade = calendar_feed_create(user=reader_of(trade))
    assert _names(Client().get(f"/calendar/{only_trade.token}.ics").content) == (
        "Border Trade Committee",
        "Border Trade Committee",
    )
    nothing = calendar_feed_create(user=reader_of())
    assert _names(Client().get(f"/calendar/{nothing.token}.ics").content) == (
        "Committee sessions",
        "Committee sessions",
    )


def _event_times(content: bytes) -> list[str]:
    """The DTSTART and DTEND lines of the events, as written."""
    lines = content.decode().split("BEGIN:VEVENT", 1)[1].splitlines()
    return [line for line in lines if line.startswith(("DTSTART", "DTEND"))]


def test_a_time_the_venues_clock_shows_twice_is_written_in_utc():
    """Santiago goes back from 00:00 to 23:00 on 4 April 2026: 23:30 happens at 02:30 and at
    03:30 UTC, and readers would pick different ones."""
    committee = CommitteeFactory()
    before = SessionFactory(
        committee=committee,
        starts_at=datetime(2026, 4, 5, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 4, 5, 2, 30, tzinfo=UTC),
    )
    across = SessionFactory(
        committee=committee,
        starts_at=datetime(2026, 4, 5, 2, 30, tzinfo=UTC),
        ends_at=datetime(2026, 4, 5, 4, 30, tzinfo=UTC),
    )
    schedule_changed()
    content = reader().get("/api/v1/sessions.ics").content
    assert _event_times(content) == [
        "DTSTART;TZID=America/Santiago:20260404T220000",
        "DTEND:20260405T023000Z",
        "DTSTART:20260405T023000Z",
        "DTEND;TZID=America/Santiago:20260405T003000",
    ]
    assert [str(e["UID"]) for e in _events(content)] == [before.uid, across.uid]
    assert _event_times(invitation(_reminder(across))) == [
        "DTSTART:20260405T023000Z",
        "DTEND;TZID=America/Santiago:20260405T003000",
    ]


def test_a_session_in_utc_needs_no_zone():
    SessionFactory(timezone="UTC", starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    schedule_changed()
    calendar = Calendar.from_ical(reader().get("/api/v1/sessions.ics").content)
    assert [component.name for component in calendar.subcomponents] == ["VEVENT"]
    assert calendar.subcomponents[0]["DTSTART"].to_ical() == b"20300107T130000Z"
