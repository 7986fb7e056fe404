"""Each kind of mail says what happened, in the reader's language: an invitation when a session is
planned, reminders at their offsets, a change listing what changed since the reader's last mail,
a postponement, a cancellation; "send now" sends an extra copy. Sent to a real SMTP server."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar

from committees.choices import Role
from meetings.choices import ReminderKind, ReminderState
from meetings.models import AgendaItem, Reminder
from meetings.reminders import reminders_claim, reminders_send, reminders_send_now
from meetings.services import session_create, session_postpone, session_update
from tests.factories import CommitteeFactory, InviteeFactory, MembershipFactory, PersonFactory
from tests.smtp import smtp  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 10:00 in Santiago (UTC-3), 08:00 in Lima
SECRETARIAT = "secretariat@committee.example"


@pytest.fixture
def committee():
    committee = CommitteeFactory(
        name_en="Migration Committee",
        name_es="Comité de Migración",
        reminder_offsets=[1440, 60],
        secretariat_email=SECRETARIAT,
    )
    chair = PersonFactory(
        full_name="Alberto van Klaveren", email="chair@cl.example", preferred_language="es", timezone="America/Santiago"
    )
    member = PersonFactory(
        full_name="Hugo de Zela", email="member@pe.example", preferred_language="en", timezone="America/Lima"
    )
    MembershipFactory(committee=committee, person=chair, role=Role.CO_CHAIR, delegation="CL")
    MembershipFactory(committee=committee, person=member, role=Role.CO_CHAIR, delegation="PE")
    committee.chair, committee.member = chair, member
    return committee


def _session(committee, *, now: datetime = NOW, starts_at: datetime = START, **fields):
    return session_create(
        committee=committee,
        title=fields.pop("title", "Segunda sesión"),
        title_en=fields.pop("title_en", "Second session"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        timezone="America/Santiago",
        venue=fields.pop("venue", "Ministry of Foreign Affairs, Santiago"),
        host_country=fields.pop("host_country", "CL"),
        now=now,
        **fields,
    )


def _send_due(at: datetime) -> dict:
    with time_machine.travel(at, tick=False):
        ids, token = reminders_claim(now=at)
        return reminders_send(reminder_ids=ids, claim_token=token, now=at)


def _by_reader(smtp) -> dict:  # noqa: F811
    return {message["To"].addresses[0].addr_spec: message for message in smtp.messages}


def _subject(message) -> str:
    return message["Subject"].strip()


def _lines(message) -> list[str]:
    return message.get_body(("plain",)).get_content().splitlines()


def _calendar(message) -> tuple[str, Calendar]:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), Calendar.from_ical(part.get_content())


def _rows(session) -> set[tuple]:
    return set(session.reminders.values_list("person__email", "kind", "offset_minutes", "state"))


def test_invitation_when_a_session_is_planned(committee, smtp):  # noqa: F811
    session = _session(committee)
    assert _send_due(NOW + timedelta(seconds=59)) == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}  # debounce
    assert _send_due(NOW + timedelta(minutes=1)) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    mails = _by_reader(smtp)
    english, spanish = mails["member@pe.example"], mails["chair@cl.example"]
    assert (_subject(english), _subject(spanish)) == (
        "Invitation: Migration Committee, session 1 — Second session",
        "Invitación: Comité de Migración, sesión 1 — Segunda sesión",
    )
    assert _lines(english)[:9] == [
        "You are invited to session 1 of the Migration Committee.",
        "",
        "Second session",
        "",
        "Your time: 2026-12-07 08:00 UTC-05:00 (America/Lima)",
        "At the venue: 2026-12-07 10:00 UTC-03:00 (America/Santiago)",
        "Ends: 2026-12-07 10:00 UTC-05:00 (America/Lima)",
        "Venue: Ministry of Foreign Affairs, Santiago, Chile",
        "",
    ]
    assert _lines(spanish)[0] == "Se le invita a la sesión 1 del Comité de Migración."
    method, calendar = _calendar(english)
    (event,) = calendar.walk("VEVENT")
    assert (method, str(calendar["METHOD"]), str(event["STATUS"]), event["SEQUENCE"]) == (
        "REQUEST",
        "REQUEST",
        "CONFIRMED",
        0,
    )
    # the reminders still go out at their times
    assert _rows(session) == {
        (email, kind, offset, state)
        for email in ("chair@cl.example", "member@pe.example")
        for kind, offset, state in (
            ("invitation", 0, "sent"),
            ("reminder", 1440, "pending"),
            ("reminder", 60, "pending"),
        )
    }
    # someone invited later gets an invitation of their own, and only they
    smtp.messages.clear()
    guest = PersonFactory(email="guest@example.org", preferred_language="en", timezone="America/Lima")
    InviteeFactory(session=session, person=guest)
    session_update(session=session, data={}, now=NOW + timedelta(hours=1))
    assert _send_due(NOW + timedelta(hours=1, minutes=1))["sent"] == 1
    assert [(m["To"].addresses[0].addr_spec, _subject(m)) for m in smtp.messages] == [
        ("guest@example.org", "Invitation: Migration Committee, session 1 — Second session")
    ]


def test_a_session_planned_at_short_notice_brings_one_mail(committee, smtp, settings):  # noqa: F811
    """Planned 45 minutes ahead with reminders 24 h and 1 h before: the invitation is the one mail.
    The 24 h reminder is past; the 1 h one, due a quarter of an hour ago, would repeat it."""
    committee.reminder_offsets = [10080, 1440, 60]
    committee.save()
    planned = START - timedelta(minutes=45)
    session = _session(committee, now=planned)
    assert _rows(session) == {
        (email, kind, offset, state)
        for email in ("chair@cl.example", "member@pe.example")
        for kind, offset, state in (
            ("invitation", 0, "pending"),
            ("reminder", 10080, "missed"),
            ("reminder", 1440, "missed"),
            ("reminder", 60, "missed"),
        )
    }
    for minutes in range(0, 46, 5):  # every scan until the session starts
        _send_due(planned + timedelta(minutes=minutes))
    assert sorted((m["To"].addresses[0].addr_spec, _subject(m)) for m in smtp.messages) == [
        ("chair@cl.example", "Invitación: Comité de Migración, sesión 1 — Segunda sesión"),
        ("member@pe.example", "Invitation: Migration Committee, session 1 — Second session"),
    ]
    # re-planning (a save, the periodic pass) does not bring the reminder back
    session_update(session=session, data={"description": "Orden del día"}, now=planned + timedelta(minutes=2))
    assert session.reminders.filter(kind=ReminderKind.REMINDER, state=ReminderState.PENDING).count() == 0
    # planned two hours ahead: the invitation now, the 1 h reminder still at its time
    smtp.messages.clear()
    later = START + timedelta(days=1)
    other = _session(committee, now=later - timedelta(hours=2), starts_at=later, title="Tercera", title_en="Third")
    assert {(kind, offset, state) for _email, kind, offset, state in _rows(other)} == {
        ("invitation", 0, "pending"),
        ("reminder", 10080, "missed"),
        ("reminder", 1440, "missed"),
        ("reminder", 60, "pending"),
    }


def test_change_lists_what_changed_since_the_readers_last_mail(committee, smtp):  # noqa: F811
    session = _session(committee, agenda=[AgendaItem(title="Visados", title_en="Visas", duration_minutes=30)])
    _send_due(NOW + timedelta(minutes=1))  # the invitations, showing the session as planned
    smtp.messages.clear()
    later = START + timedelta(hours=3)
    moment = NOW + timedelta(days=2)
    session_update(
        session=session,
        data={"starts_at": later, "ends_at": later + timedelta(hours=2), "venue": "Arica"},
        agenda=[AgendaItem(title="Comercio", title_en="Trade", duration_minutes=45)],
        now=moment,
    )
    assert _send_due(moment + timedelta(minutes=1)) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    mails = _by_reader(smtp)
    english, spanish = mails["member@pe.example"], mails["chair@cl.example"]
    assert _subject(english) == "Changed: Migration Committee, session 1 — Second session"
    assert _lines(english)[:16] == [
        "Session 1 of the Migration Committee has changed. Here it is as it stands now.",
        "",
        "Second session",
        "",
        "What changed:",
        "Starts, your time: 2026-12-07 08:00 UTC-05:00 (America/Lima) → 2026-12-07 11:00 UTC-05:00 (America/Lima)",
        "Starts, Santiago: 2026-12-07 10:00 UTC-03:00 → 2026-12-07 13:00 UTC-03:00",
        "Venue: Ministry of Foreign Affairs, Santiago, Chile → Arica, Chile",
        "Agenda: added “Trade”",
        "Agenda: removed “Visas”",
        "",
        "Your time: 2026-12-07 11:00 UTC-05:00 (America/Lima)",
        "At the venue: 2026-12-07 13:00 UTC-03:00 (America/Santiago)",
        "Ends: 2026-12-07 13:00 UTC-05:00 (America/Lima)",
        "Venue: Arica, Chile",
        "",
    ]
    assert _lines(spanish)[:10] == [
        "La sesión 1 del Comité de Migración ha cambiado. Así queda ahora.",
        "",
        "Segunda sesión",
        "",
        "Qué cambió:",
        "Comienzo, su hora: 2026-12-07 10:00 UTC-03:00 (America/Santiago) → 2026-12-07 13:00 UTC-03:00 "
        "(America/Santiago)",
        "Comienzo, Lima: 2026-12-07 08:00 UTC-05:00 → 2026-12-07 11:00 UTC-05:00",
        "Sede: Ministry of Foreign Affairs, Santiago, Chile → Arica, Chile",
        "Agenda: se agregó “Comercio”",
        "Agenda: se retiró “Visados”",
    ]
    html = english.get_body(("html",)).get_content()
    assert "<li>Venue: Ministry of Foreign Affairs, Santiago, Chile → Arica, Chile</li>" in html
    # a later change is measured from this mail, not from the invitation; a longer session says so
    smtp.messages.clear()
    session_update(session=session, data={"ends_at": later + timedelta(hours=3)}, now=moment + timedelta(hours=1))
    _send_due(moment + timedelta(hours=1, minutes=1))
    assert _lines(_by_reader(smtp)["member@pe.example"])[4:7] == [
        "What changed:",
        "Ends, your time: 2026-12-07 13:00 UTC-05:00 (America/Lima) → 2026-12-07 14:00 UTC-05:00 (America/Lima)",
        "",
    ]


def test_a_change_undone_before_its_notice_goes_out_sends_nothing(committee, smtp):  # noqa: F811
    session = _session(committee)
    _send_due(NOW + timedelta(minutes=1))
    smtp.messages.clear()
    moment = NOW + timedelta(days=1)
    session_update(session=session, data={"venue": "Arica"}, now=moment)
    session_update(session=session, data={"venue": "Ministry of Foreign Affairs, Santiago"}, now=moment)
    assert _send_due(moment + timedelta(minutes=1)) == {"sent": 0, "retry": 0, "failed": 0, "skipped": 2}
    assert smtp.messages == []
    assert set(session.reminders.filter(kind=ReminderKind.UPDATE).values_list("state", flat=True)) == {"cancelled"}


def test_postponement_is_its_own_mail_and_takes_the_time_out_of_calendars(committee, smtp):  # noqa: F811
    session = _session(committee)
    _send_due(NOW + timedelta(minutes=1))  # invited
    smtp.messages.clear()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        session_postpone(session=session)
    assert _send_due(NOW + timedelta(days=1, minutes=1)) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    mails = _by_reader(smtp)
    english, spanish = mails["member@pe.example"], mails["chair@cl.example"]
    assert (_subject(english), _subject(spanish)) == (
        "Postponed: Migration Committee, session 1 — Second session",
        "Aplazada: Comité de Migración, sesión 1 — Segunda sesión",
    )
    assert _lines(english)[:5] == [
        "Session 1 of the Migration Committee has been postponed: it will not take place at the time below. "
        "A new date will follow.",
        "",
        "Second session",
        "",
        "Your time: 2026-12-07 08:00 UTC-05:00 (America/Lima)",
    ]
    assert _lines(spanish)[0] == (
        "La sesión 1 del Comité de Migración ha sido aplazada: no se celebrará en la fecha indicada abajo. "
        "Se comunicará una nueva fecha."
    )
    assert "cancel" not in english.get_body(("plain",)).get_content().lower()
    method, calendar = _calendar(english)
    (event,) = calendar.walk("VEVENT")
    assert (method, str(calendar["METHOD"]), str(event["STATUS"]), event["SEQUENCE"], str(event["UID"])) == (
        "CANCEL",
        "CANCEL",
        "CANCELLED",
        1,
        session.uid,
    )
    assert "Postponed: a new date will be announced." in str(event["DESCRIPTION"]).splitlines()
    assert set(session.reminders.filter(kind=ReminderKind.POSTPONEMENT).values_list("person__email", "state")) == {
        ("chair@cl.example", "sent"),
        ("member@pe.example", "sent"),
    }
    # the new date: an invitation again, saying it was on another date before
    smtp.messages.clear()
    new_start = START + timedelta(days=7)
    moment = NOW + timedelta(days=2)
    session_update(
        session=session, data={"starts_at": new_start, "ends_at": new_start + timedelta(hours=2)}, now=moment
    )
    assert _send_due(moment + timedelta(minutes=1))["sent"] == 2
    english = _by_reader(smtp)["member@pe.example"]
    assert _subject(english) == "Invitation: Migration Committee, session 1 — Second session"
    assert _lines(english)[:8] == [
        "Session 1 of the Migration Committee will take place after all, at the time below. You are invited.",
        "",
        "Second session",
        "",
        "What changed:",
        "Starts, your time: 2026-12-07 08:00 UTC-05:00 (America/Lima) → 2026-12-14 08:00 UTC-05:00 (America/Lima)",
        "Starts, Santiago: 2026-12-07 10:00 UTC-03:00 → 2026-12-14 10:00 UTC-03:00",
        "",
    ]
    method, calendar = _calendar(english)
    (event,) = calendar.walk("VEVENT")
    assert (method, str(event["STATUS"]), event["SEQUENCE"]) == ("REQUEST", "CONFIRMED", 2)


def test_invitation_in_the_readers_language(committee, smtp):  # noqa: F811
    _session(committee, venue="Torre Tagle, Lima", host_country="PE")
    _send_due(NOW + timedelta(minutes=1))
    mails = _by_reader(smtp)
    english, spanish = mails["member@pe.example"], mails["chair@cl.example"]
    assert (spanish["From"].addresses[0].display_name, spanish["From"].addresses[0].addr_spec) == (
        "Comité de Migración",
        SECRETARIAT,
    )
    assert english["From"] == f"Migration Committee <{SECRETARIAT}>"
    events = {}
    for language, message in (("es", spanish), ("en", english)):
        (event,) = _calendar(message)[1].walk("VEVENT")
        events[language] = (
            str(event["SUMMARY"]),
            str(event["LOCATION"]),
            str(event["DESCRIPTION"]).splitlines()[:2],
            event["ORGANIZER"].params["CN"],
        )
    assert events == {
        "es": (
            "Comité de Migración: Segunda sesión",
            "Torre Tagle, Lima, Perú",
            ["Sesión 1 de Comité de Migración", "En la sede: 2026-12-07 10:00 UTC-03:00 (America/Santiago)"],
            "Comité de Migración",
        ),
        "en": (
            "Migration Committee: Second session",
            "Torre Tagle, Lima, Peru",
            ["Session 1 of Migration Committee", "At the venue: 2026-12-07 10:00 UTC-03:00 (America/Santiago)"],
            "Migration Committee",
        ),
    }


def test_send_now_sends_a_copy_and_keeps_the_scheduled_reminder(committee, smtp):  # noqa: F811
    session = _session(committee)
    _send_due(NOW + timedelta(minutes=1))
    smtp.messages.clear()
    scheduled = session.reminders.get(person=committee.member, offset_minutes=60, kind=ReminderKind.REMINDER)
    asked = NOW + timedelta(days=3)
    assert reminders_send_now(ids=[scheduled.pk], now=asked) == 1
    assert reminders_send_now(ids=[scheduled.pk], now=asked) == 1  # asked twice: still one copy
    assert _send_due(asked) == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}
    assert [(m["To"].addresses[0].addr_spec, _subject(m)) for m in smtp.messages] == [
        ("member@pe.example", "Reminder: Migration Committee, session 1 — Second session")
    ]
    copy = session.reminders.get(kind=ReminderKind.EXTRA)
    assert smtp.messages[0]["Message-ID"] == copy.message_id != scheduled.message_id
    scheduled.refresh_from_db()
    assert (scheduled.state, scheduled.due_at, scheduled.next_attempt_at) == (
        "pending",
        START - timedelta(hours=1),
        START - timedelta(hours=1),
    )
    # the scheduled one still goes out at its time, with the other 1 h reminder
    smtp.messages.clear()
    _send_due(START - timedelta(days=1))
    smtp.messages.clear()
    assert _send_due(START - timedelta(hours=1)) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(
        session.reminders.filter(kind=ReminderKind.REMINDER, offset_minutes=60).values_list("message_id", flat=True)
    )
    assert set(session.reminders.filter(person=committee.member).values_list("kind", "offset_minutes", "state")) == {
        ("invitation", 0, "sent"),
        ("extra", 60, "sent"),
        ("reminder", 1440, "sent"),
        ("reminder", 60, "sent"),
    }


def test_a_copy_asked_for_is_not_sent_once_the_session_is_postponed(committee, smtp):  # noqa: F811
    session = _session(committee)
    scheduled = session.reminders.get(person=committee.member, offset_minutes=1440)
    reminders_send_now(ids=[scheduled.pk], now=NOW)
    session_postpone(session=session)
    assert Reminder.objects.get(kind=ReminderKind.EXTRA).state == "cancelled"
    assert _send_due(NOW + timedelta(minutes=1)) == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    assert smtp.messages == []  # nobody had been told of it, so nobody is told of the postponement


def test_links_use_site_url(committee, smtp, settings):  # noqa: F811
    settings.SITE_URL = "http://127.0.0.1:8123/"
    session = _session(committee)
    _send_due(NOW + timedelta(minutes=1))
    english = _by_reader(smtp)["member@pe.example"]
    assert [line for line in _lines(english) if line.startswith("Session page")] == [
        f"Session page: http://127.0.0.1:8123/schedule/sessions/{session.pk}/"
    ]
    assert (
        f'<a href="http://127.0.0.1:8123/schedule/sessions/{session.pk}/">' in english.get_body(("html",)).get_content()
    )
