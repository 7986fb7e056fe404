import threading
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from icalendar import Calendar

from committees.choices import Role
from meetings.choices import ReminderKind, ReminderState
from meetings.models import Reminder
from meetings.reminders import reminders_claim, reminders_reap, reminders_scan, reminders_send
from meetings.services import session_cancel, session_create, session_update
from tests.admin_forms import empty_inlines
from tests.factories import CommitteeFactory, InviteeFactory, MembershipFactory, PersonFactory
from tests.smtp import smtp  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 10:00 in Santiago (UTC-3), 08:00 in Lima


@pytest.fixture
def committee():
    committee = CommitteeFactory(
        name_en="Migration Committee",
        name_es="Comité de Migración",
        reminder_offsets=[1440, 60],
        secretariat_email="secretariat@committee.example",
    )
    chair = PersonFactory(
        full_name="Alberto van Klaveren", email="chair@cl.example", preferred_language="es", timezone="America/Santiago"
    )
    member = PersonFactory(
        full_name="Hugo de Zela",
        email="member@pe.example",
        preferred_language="en",
        timezone="America/Lima",
        country="PE",
    )
    MembershipFactory(committee=committee, person=chair, role=Role.CO_CHAIR, delegation="CL")
    MembershipFactory(committee=committee, person=member, role=Role.CO_CHAIR, delegation="PE")
    MembershipFactory(committee=committee, person=PersonFactory(email=""))  # no address
    MembershipFactory(committee=committee, person=PersonFactory(receives_reminders=False))  # opted out
    MembershipFactory(committee=committee, person=PersonFactory(), end_date=date(2026, 11, 30))  # gone by then
    committee.chair, committee.member = chair, member
    return committee


def _session(committee, *, announced: bool = True, **overrides):
    """A session planned at `now`; `announced`: its invitations went out a minute later (the
    tests of reminders start from there)."""
    fields = {
        "committee": committee,
        "title": "Second session",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "timezone": "America/Santiago",
        "venue": "Ministry of Foreign Affairs, Santiago",
        "host_country": "CL",
        "now": NOW,
        **overrides,
    }
    session = session_create(**fields)
    if announced:
        session.reminders.filter(kind=ReminderKind.INVITATION, state=ReminderState.PENDING).update(
            state=ReminderState.SENT, sent_at=fields["now"] + timedelta(minutes=1), sent_sequence=session.sequence
        )
    return session


def _rows(session, *, kinds=tuple(ReminderKind)) -> set[tuple]:
    rows = session.reminders.filter(kind__in=kinds)
    return set(rows.values_list("person__full_name", "kind", "offset_minutes", "due_at", "state"))


def test_planned_for_active_members_with_an_address(committee):
    session = _session(committee, announced=False)
    guest = InviteeFactory(session=session, person=PersonFactory(full_name="Guest", email="guest@example.org"))
    from meetings.reminders import reminders_plan

    reminders_plan(session=session, now=NOW)
    day, hour = START - timedelta(days=1), START - timedelta(hours=1)
    names = ("Alberto van Klaveren", "Hugo de Zela", guest.person.full_name)
    assert _rows(session) == {
        (name, "reminder", offset, due, "pending") for name in names for offset, due in ((1440, day), (60, hour))
    } | {(name, "invitation", 0, NOW + timedelta(minutes=1), "pending") for name in names}
    ids = set(session.reminders.values_list("message_id", flat=True))
    assert len(ids) == 9 and all(m.startswith("<reminder.") and m.endswith("@committee-tracker.example>") for m in ids)


def test_session_override_and_past_offsets_missed(committee):
    # planned 2 h before the start: the 24 h reminder is already past its grace, the 1 h one is ahead
    session = _session(committee, now=START - timedelta(hours=2))
    assert {(r[2], r[4]) for r in _rows(session, kinds=["reminder"])} == {(1440, "missed"), (60, "pending")}
    session_update(session=session, data={"title": "Same"}, now=START - timedelta(hours=2))
    session.reminder_offsets = [30]
    session.save()
    from meetings.reminders import reminders_plan

    reminders_plan(session=session, now=START - timedelta(hours=2))
    assert {(r[2], r[4]) for r in _rows(session, kinds=["reminder"])} == {
        (1440, "missed"),
        (60, "cancelled"),
        (30, "pending"),
    }


def test_moving_a_session_moves_pending_reminders_and_tells_those_reminded(committee):
    session = _session(committee, announced=False)
    session.reminders.filter(person=committee.chair, offset_minutes=1440).update(state=ReminderState.SENT)
    later = START + timedelta(days=7)
    with time_machine.travel(NOW, tick=False):
        session_update(session=session, data={"starts_at": later, "ends_at": later + timedelta(hours=2)}, now=NOW)
        session_update(session=session, data={"venue": "Arica"}, now=NOW + timedelta(seconds=20))  # within a minute
    pending = session.reminders.filter(kind=ReminderKind.REMINDER, state=ReminderState.PENDING)
    assert {r.due_at for r in pending} == {later - timedelta(days=1), later - timedelta(hours=1)}
    notices = list(session.reminders.filter(kind=ReminderKind.UPDATE).values_list("person", "state", "due_at"))
    assert notices == [(committee.chair.pk, "pending", NOW + timedelta(seconds=60))]  # one, at the first time


def test_cancelling_cancels_pending_and_notifies_those_reminded(committee):
    session = _session(committee, announced=False)
    session.reminders.filter(person=committee.member, offset_minutes=1440).update(state=ReminderState.SENT)
    session_cancel(session=session)
    assert set(session.reminders.values_list("person", "kind", "state")) == {
        (committee.chair.pk, "invitation", "cancelled"),  # not sent yet: nobody to tell
        (committee.chair.pk, "reminder", "cancelled"),
        (committee.member.pk, "invitation", "cancelled"),
        (committee.member.pk, "reminder", "sent"),
        (committee.member.pk, "reminder", "cancelled"),
        (committee.member.pk, "cancellation", "pending"),
    }
    session_update(session=session, data={"status": "scheduled"}, now=NOW)  # reinstated
    assert set(session.reminders.values_list("person", "kind", "state")) == {
        (committee.chair.pk, "invitation", "cancelled"),
        (committee.chair.pk, "invitation", "pending"),  # never told of it: invited again
        (committee.chair.pk, "reminder", "pending"),
        (committee.member.pk, "invitation", "cancelled"),
        (committee.member.pk, "reminder", "sent"),
        (committee.member.pk, "reminder", "pending"),
        (committee.member.pk, "cancellation", "cancelled"),
        (committee.member.pk, "update", "pending"),  # told it is on again
    }


def test_claim_marks_in_flight_once(committee, django_capture_on_commit_callbacks):
    _session(committee)
    due = START - timedelta(days=1)
    assert reminders_claim(now=due - timedelta(seconds=1))[0] == []
    ids, token = reminders_claim(now=due)
    assert len(ids) == 2
    assert set(Reminder.objects.filter(pk__in=ids).values_list("state", "attempts", "claimed_at", "claim_token")) == {
        ("sending", 1, due, token)
    }
    assert reminders_claim(now=due)[0] == []
    enqueued: list[list[int]] = []
    Reminder.objects.filter(pk__in=ids).update(state=ReminderState.PENDING)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reminders_scan(now=due, enqueue=lambda chunk, token: enqueued.append(chunk)) == 2
    assert len(callbacks) == 1  # one chunk, sent after the claim commits
    assert sorted(pk for chunk in enqueued for pk in chunk) == sorted(ids)


@pytest.mark.django_db(transaction=True)
def test_concurrent_scanners_claim_disjoint_rows(committee, settings):
    settings.REMINDER_BATCH = 3
    for week in range(4):
        _session(committee, starts_at=START + timedelta(weeks=week), ends_at=START + timedelta(weeks=week, hours=1))
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = []

    def scan() -> None:
        try:
            barrier.wait()
            while ids := reminders_claim(now=START + timedelta(weeks=5))[0]:
                claimed.append(ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [pk for batch in claimed for pk in batch]
    # each reminder exactly once (the invitations went out before)
    assert sorted(every) == sorted(Reminder.objects.filter(kind=ReminderKind.REMINDER).values_list("pk", flat=True))
    assert len(every) == 16


def test_reaper_returns_rows_of_a_dead_worker(committee, settings):
    _session(committee)
    ids, _token = reminders_claim(now=START - timedelta(days=1))
    assert reminders_reap(now=START - timedelta(days=1) + timedelta(minutes=settings.REMINDER_STUCK_MINUTES)) == 0
    assert reminders_reap(now=START - timedelta(days=1) + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)) == 2
    assert set(Reminder.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"pending"}


def _send_due(at: datetime) -> dict:
    with time_machine.travel(at, tick=False):
        ids, token = reminders_claim(now=at)
        return reminders_send(reminder_ids=ids, claim_token=token, now=at)


def test_sent_over_one_connection_with_stable_message_ids(committee, smtp):  # noqa: F811
    session = _session(committee)
    rows = {r.person_id: r for r in session.reminders.filter(offset_minutes=1440)}
    assert _send_due(START - timedelta(days=1)) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    assert smtp.connections == 1
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(r.message_id for r in rows.values())
    assert sorted(rcpts for _sender, rcpts in smtp.envelopes) == [["chair@cl.example"], ["member@pe.example"]]
    sent = Reminder.objects.filter(offset_minutes=1440)
    assert set(sent.values_list("state", "sent_sequence", "attempts", "last_error")) == {("sent", 0, 1, "")}


def test_mail_in_each_language_and_zone(committee, smtp):  # noqa: F811
    session = _session(committee, title="Documents and visas")
    from meetings.models import AgendaItem

    session_update(
        session=session,
        data={},
        agenda=[AgendaItem(title="Visas", duration_minutes=30, presenter=committee.member)],
        now=NOW,
    )
    _send_due(START - timedelta(days=1))
    by_recipient = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    spanish, english = by_recipient["chair@cl.example"], by_recipient["member@pe.example"]
    assert spanish["Subject"].strip() == "Recordatorio: Comité de Migración, sesión 1 — Documents and visas"
    assert english["Subject"].strip() == "Reminder: Migration Committee, session 1 — Documents and visas"
    assert spanish.get_body(("plain",)).get_content().splitlines()[:8] == [
        "Le recordamos la sesión 1 del Comité de Migración.",
        "",
        "Documents and visas",
        "",
        "Su hora: 2026-12-07 10:00 UTC-03:00 (America/Santiago)",
        "Lima: 2026-12-07 08:00 UTC-05:00 (America/Lima)",
        "Termina: 2026-12-07 12:00 UTC-03:00 (America/Santiago)",
        "Sede: Ministry of Foreign Affairs, Santiago, Chile",
    ]
    assert english["From"] == "Migration Committee <secretariat@committee.example>"
    text = english.get_body(("plain",)).get_content()
    assert text.splitlines()[:9] == [
        "A reminder of session 1 of the Migration Committee.",
        "",
        "Documents and visas",
        "",
        "Your time: 2026-12-07 08:00 UTC-05:00 (America/Lima)",
        "At the venue: 2026-12-07 10:00 UTC-03:00 (America/Santiago)",
        "Ends: 2026-12-07 10:00 UTC-05:00 (America/Lima)",
        "Venue: Ministry of Foreign Affairs, Santiago, Chile",
        "",
    ]
    assert "1. Visas — Hugo de Zela (30 minutes)" in text
    assert "<h1>Documents and visas</h1>" in english.get_body(("html",)).get_content()
    (attachment,) = [part for part in english.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"]) == (session.uid, 0)
    assert str(event["ATTENDEE"]) == "mailto:member@pe.example"
    assert str(event["ORGANIZER"]) == "mailto:secretariat@committee.example"
    assert event.decoded("DTSTART").astimezone(UTC) == START


@pytest.mark.parametrize(
    ("starts_at", "venue_line"),
    [
        # Santiago in summer time (UTC-3) and, after 5 April 2026, in winter time (UTC-4)
        (datetime(2026, 4, 3, 13, 0, tzinfo=UTC), "At the venue: 2026-04-03 10:00 UTC-03:00 (America/Santiago)"),
        (datetime(2026, 4, 6, 14, 0, tzinfo=UTC), "At the venue: 2026-04-06 10:00 UTC-04:00 (America/Santiago)"),
    ],
)
def test_times_on_both_sides_of_a_santiago_clock_change(committee, smtp, starts_at, venue_line):  # noqa: F811
    now = starts_at - timedelta(days=3)
    _session(committee, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), now=now)
    _send_due(starts_at - timedelta(days=1))
    english = next(m for m in smtp.messages if m["To"].addresses[0].addr_spec == "member@pe.example")
    lines = english.get_body(("plain",)).get_content().splitlines()
    local = starts_at.astimezone(__import__("zoneinfo").ZoneInfo("America/Lima"))
    assert lines[4] == f"Your time: {local:%Y-%m-%d %H:%M} UTC-05:00 (America/Lima)"
    assert lines[5] == venue_line
    spanish = next(m for m in smtp.messages if m["To"].addresses[0].addr_spec == "chair@cl.example")
    # the Santiago reader sees the venue's clock as their own, with the offset of that day
    assert spanish.get_body(("plain",)).get_content().splitlines()[4] == venue_line.replace("At the venue", "Su hora")


def test_temporary_failure_retries_with_backoff_and_permanent_fails(committee, smtp):  # noqa: F811
    _session(committee)
    at = START - timedelta(days=1)
    smtp.refuse_with = "451 4.3.0 Try again later"
    assert _send_due(at) == {"sent": 0, "retry": 2, "failed": 0, "skipped": 0}
    rows = Reminder.objects.filter(offset_minutes=1440)
    for row in rows:
        assert (row.state, row.attempts) == ("pending", 1)
        assert timedelta(seconds=30) <= row.next_attempt_at - at <= timedelta(seconds=90)
        assert row.last_error.startswith("SMTPDataError: (451")
    message_ids = set(rows.values_list("message_id", flat=True))
    smtp.refuse_with = "550 5.1.1 No such user"
    assert _send_due(at + timedelta(minutes=2)) == {"sent": 0, "retry": 0, "failed": 2, "skipped": 0}
    assert set(rows.values_list("state", "attempts")) == {("failed", 2)}
    assert set(rows.values_list("message_id", flat=True)) == message_ids  # stable across attempts


def test_unreachable_server_is_temporary(committee, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    _session(committee)
    assert _send_due(START - timedelta(days=1))["retry"] == 2
    assert set(Reminder.objects.filter(offset_minutes=1440).values_list("state", flat=True)) == {"pending"}


def test_rechecked_before_sending(committee, smtp):  # noqa: F811
    session = _session(committee)
    at = START - timedelta(days=1)
    ids, token = reminders_claim(now=at)
    later = START + timedelta(days=2)
    session_update(session=session, data={"starts_at": later, "ends_at": later + timedelta(hours=2)}, now=at)
    assert reminders_send(reminder_ids=ids, claim_token=token, now=at) == {
        "sent": 0,
        "retry": 0,
        "failed": 0,
        "skipped": 2,
    }
    assert smtp.messages == []
    assert set(Reminder.objects.filter(pk__in=ids).values_list("state", "due_at")) == {
        ("pending", later - timedelta(days=1))
    }


def test_dispatch_reminders_command(committee, smtp):  # noqa: F811
    _session(committee)
    out = StringIO()
    with time_machine.travel(START - timedelta(minutes=59), tick=False):
        call_command("dispatch_reminders", stdout=out)
    assert out.getvalue() == (
        "Reminders: 2 sent, 0 to retry, 0 failed, 2 no longer due, 0 returned from a stopped worker.\n"
    )
    assert len(smtp.messages) == 2
    assert set(Reminder.objects.filter(kind=ReminderKind.REMINDER).values_list("offset_minutes", "state")) == {
        (1440, "missed"),
        (60, "sent"),
    }


def test_admin_reminder_log_and_actions(committee, admin_client):
    session = _session(committee)
    rows = list(session.reminders.filter(kind=ReminderKind.REMINDER).order_by("pk"))
    Reminder.objects.filter(pk=rows[0].pk).update(state=ReminderState.FAILED, last_error="SMTPDataError: 550")
    response = admin_client.get("/admin/meetings/reminder/", {"state__exact": "failed"})
    assert list(response.context["cl"].result_list) == [rows[0]]
    with time_machine.travel(NOW, tick=False):
        response = admin_client.post(
            "/admin/meetings/reminder/",
            {"action": "retry_failed", "_selected_action": [str(r.pk) for r in rows]},
            follow=True,
        )
    assert [str(m) for m in response.context["messages"]] == ["1 reminder queued again."]
    assert Reminder.objects.get(pk=rows[0].pk).state == "pending"
    with time_machine.travel(NOW, tick=False):
        response = admin_client.post(
            "/admin/meetings/reminder/", {"action": "send_now", "_selected_action": [str(rows[1].pk)]}, follow=True
        )
    assert [str(m) for m in response.context["messages"]] == ["1 reminder will go out with the next scan."]
    # an extra copy goes out now; the scheduled reminder keeps its time
    assert Reminder.objects.get(pk=rows[1].pk).next_attempt_at == rows[1].due_at
    extra = session.reminders.filter(kind=ReminderKind.EXTRA)
    assert list(extra.values_list("person", "offset_minutes", "due_at", "next_attempt_at", "state")) == [
        (rows[1].person_id, rows[1].offset_minutes, NOW, NOW, "pending")
    ]
    # On the same clock as the actions: the session they saved expires SESSION_COOKIE_AGE after it.
    with time_machine.travel(NOW, tick=False):
        page = admin_client.get(f"/admin/meetings/session/{session.pk}/change/").content.decode()
    assert "Reminders (planned and sent)" in page
    # the session's rows, read-only: two invitations, four reminders, the extra copy
    assert page.count('<td class="field-state">') == 7


def test_reminder_log_queries_do_not_grow(committee, admin_client):
    from django.test.utils import CaptureQueriesContext

    _session(committee)
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/meetings/reminder/")
    for week in range(1, 6):
        _session(committee, starts_at=START + timedelta(weeks=week), ends_at=START + timedelta(weeks=week, hours=1))
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/admin/meetings/reminder/")
    assert len(few) == len(many)


def test_update_and_cancellation_notices_are_sent(committee, smtp):  # noqa: F811
    session = _session(committee)
    _send_due(START - timedelta(days=1))  # both co-chairs reminded
    smtp.messages.clear()
    later = START + timedelta(hours=3)
    session_update(
        session=session,
        data={"starts_at": later, "ends_at": later + timedelta(hours=2)},
        now=START - timedelta(hours=20),
    )
    _send_due(START - timedelta(hours=20) + timedelta(minutes=2))
    assert sorted(m["Subject"].strip() for m in smtp.messages) == [
        "Cambio: Comité de Migración, sesión 1 — Second session",
        "Changed: Migration Committee, session 1 — Second session",
    ]
    (ics,) = [p for p in smtp.messages[0].iter_attachments() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert (event["SEQUENCE"], event.decoded("DTSTART").astimezone(UTC)) == (1, later)
    smtp.messages.clear()
    session_cancel(session=session)
    _send_due(START - timedelta(hours=19))
    assert len(smtp.messages) == 2
    calendars = [
        Calendar.from_ical(p.get_content())
        for m in smtp.messages
        for p in m.iter_attachments()
        if p.get_content_type() == "text/calendar"
    ]
    assert [
        (str(c["METHOD"]), str(c.walk("VEVENT")[0]["STATUS"]), c.walk("VEVENT")[0]["SEQUENCE"]) for c in calendars
    ] == [("CANCEL", "CANCELLED", 2)] * 2
    # nothing more for a cancelled session
    assert not Reminder.objects.filter(session=session, state=ReminderState.PENDING).exists()


def test_hostile_title_cannot_add_a_header(committee, smtp):  # noqa: F811
    session = _session(committee)
    type(session).objects.filter(pk=session.pk).update(title="Hi\r\nBcc: spy@example.org\r\nX-Evil: 1")
    _send_due(START - timedelta(days=1))
    for message in smtp.messages:
        assert "Bcc" not in message and "X-Evil" not in message
        assert message["Subject"].strip().endswith("Hi Bcc: spy@example.org X-Evil: 1")
    assert sorted(rcpts for _sender, rcpts in smtp.envelopes) == [["chair@cl.example"], ["member@pe.example"]]


def test_admin_session_reminder_override(committee, admin_client):
    def post(offsets: str):
        data = {
            "committee": str(committee.pk),
            "number": "",
            "title": "T",
            "description": "",
            "status": "scheduled",
            "starts_at": "2030-01-07T10:00",
            "ends_at": "2030-01-07T11:00",
            "timezone": "America/Santiago",
            "venue": "Santiago",
            "host_country": "CL",
            "reminder_offsets": offsets,
        }
        data.update(empty_inlines("agenda_items", "invitees", "reminders"))
        return admin_client.post("/admin/meetings/session/add/", data)

    assert post("3d").status_code == 302
    session = committee.sessions.get()
    assert (
        session.reminder_offsets,
        sorted(set(session.reminders.filter(kind="reminder").values_list("offset_minutes", flat=True))),
    ) == (
        [4320],
        [4320],
    )
    session.delete()
    assert post("").status_code == 302
    session = committee.sessions.get()
    assert (
        session.reminder_offsets,
        sorted(set(session.reminders.filter(kind="reminder").values_list("offset_minutes", flat=True))),
    ) == (
        None,
        [60, 1440],
    )


def test_a_reaped_chunk_cannot_send_twice(committee, smtp, settings):  # noqa: F811
    _session(committee)
    at = START - timedelta(days=1)
    first_ids, first_token = reminders_claim(now=at)  # its chunk waits in a busy queue ...
    later = at + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)
    assert reminders_reap(now=later) == 2  # ... so the rows are returned and claimed again
    second_ids, second_token = reminders_claim(now=later)
    assert sorted(second_ids) == sorted(first_ids)
    # the late chunk finds its rows held by the newer claim, and leaves them alone
    assert reminders_send(reminder_ids=first_ids, claim_token=first_token, now=later) == {
        "sent": 0,
        "retry": 0,
        "failed": 0,
        "skipped": 0,
    }
    assert reminders_send(reminder_ids=second_ids, claim_token=second_token, now=later)["sent"] == 2
    assert len(smtp.messages) == 2


def test_cancelled_while_in_flight_is_not_sent(committee, smtp):  # noqa: F811
    session = _session(committee)
    at = START - timedelta(days=1)
    ids, token = reminders_claim(now=at)
    session_cancel(session=session)  # committed while the chunk waits
    assert reminders_send(reminder_ids=ids, claim_token=token, now=at)["skipped"] == 2
    assert smtp.messages == []
    assert set(Reminder.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"cancelled"}


def test_gives_up_after_the_attempt_limit(committee, smtp, settings):  # noqa: F811
    settings.REMINDER_MAX_ATTEMPTS = 2
    _session(committee)
    smtp.refuse_with = "421 4.3.2 Service not available"
    at = START - timedelta(days=1)
    assert _send_due(at)["retry"] == 2
    assert _send_due(at + timedelta(hours=2))["failed"] == 2  # second attempt: the limit
    rows = Reminder.objects.filter(offset_minutes=1440)
    assert set(rows.values_list("state", "attempts")) == {("failed", 2)}
    assert all(error.startswith("SMTPDataError: (421") for error in rows.values_list("last_error", flat=True))


def test_leap_day_session_and_no_secretariat_address(committee, smtp):  # noqa: F811
    committee.secretariat_email = ""
    committee.save()
    starts = datetime(2028, 2, 29, 13, 0, tzinfo=UTC)
    _session(committee, starts_at=starts, ends_at=starts + timedelta(hours=1), now=starts - timedelta(days=3))
    assert _send_due(starts - timedelta(hours=1))["sent"] == 2
    ics = next(p for p in smtp.messages[0].iter_attachments() if p.get_content_type() == "text/calendar")
    assert ics["Content-Type"] in {
        'text/calendar; method="REQUEST"; charset="utf-8"',
        'text/calendar; method=REQUEST; charset="utf-8"',
    }
    (event,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:tracker@tracker.example"


def test_not_sent_to_someone_who_left_the_committee(committee, smtp):  # noqa: F811
    _session(committee)
    committee.memberships.filter(person=committee.member).update(end_date=date(2026, 12, 1))
    assert _send_due(START - timedelta(days=1)) == {"sent": 1, "retry": 0, "failed": 0, "skipped": 1}
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["chair@cl.example"]


def test_a_row_claimed_while_the_session_is_replanned_stays_with_its_worker(committee, monkeypatch):
    """The planner writes a row only in the state it read it in: a scanner that claimed the row
    meanwhile keeps it in flight (its worker follows the session as it is then), and its claim
    token still records the send."""
    import meetings.reminders.planning as planning

    session = _session(committee)
    due = START - timedelta(days=1)
    claimed = {}
    read_rows = planning._covered_until  # called after the rows are read, before they are written

    def claim_meanwhile(session):
        if not claimed:
            claimed["ids"], claimed["token"] = reminders_claim(now=due)
        return read_rows(session)

    monkeypatch.setattr(planning, "_covered_until", claim_meanwhile)
    later = START + timedelta(hours=1)
    with time_machine.travel(NOW, tick=False):
        session_update(session=session, data={"starts_at": later, "ends_at": later + timedelta(hours=2)}, now=NOW)
    day_before = session.reminders.filter(kind=ReminderKind.REMINDER, offset_minutes=1440)
    assert set(day_before.values_list("pk", flat=True)) <= set(claimed["ids"])  # with the change notices
    assert set(day_before.values_list("person__full_name", "state", "claim_token", "due_at")) == {
        ("Alberto van Klaveren", ReminderState.SENDING, claimed["token"], due),
        ("Hugo de Zela", ReminderState.SENDING, claimed["token"], due),
    }


def test_replanning_an_unchanged_session_costs_the_same_for_few_and_many_people(committee):
    """The periodic re-plan reads a session's rows in a fixed number of queries, however many
    people it has, while their invitations wait."""
    from django.test.utils import CaptureQueriesContext

    from meetings.reminders import reminders_plan

    session = _session(committee, announced=False)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            reminders_plan(session=session, now=NOW)
        return len(captured)

    few = queries()
    for _number in range(12):
        MembershipFactory(committee=committee, person=PersonFactory())
    reminders_plan(session=session, now=NOW)  # the newcomers' invitations and reminders
    assert session.reminders.filter(kind=ReminderKind.INVITATION, state=ReminderState.PENDING).count() == 14
    assert queries() == few
