from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from meetings.models import Session
from meetings.services import session_cancel, session_update
from tests.api import administrator, reader, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, SessionFactory
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
