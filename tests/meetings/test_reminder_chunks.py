"""A worker's chunk: read in a fixed number of queries per session however many rows it has, each
text written once per kind, language and clock, and each reader's copy byte for byte the mail
written for them alone; a chunk that runs out of time hands its rows back."""

import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.checks import run_checks
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from icalendar import Calendar

import meetings.mail
import meetings.records.mail
import meetings.reminders.letters
from committees.models import Person
from meetings.calendars import calendar_ical, timezones_add
from meetings.choices import ReminderKind, ReminderState
from meetings.mail import invitation, reminder_mail, session_shown
from meetings.models import AgendaItem, Reminder
from meetings.records.commitments import commitments_overdue_plan
from meetings.records.mail import record_mail
from meetings.reminders import reminders_claim, reminders_reap, reminders_send
from meetings.reminders.chunk import chunk_fits_its_time_limits
from meetings.reminders.planning import message_id_new
from meetings.services import session_create, session_update
from tests.conftest import postgresql_only
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory
from tests.meetings.records_helpers import approved, seat_officers
from tests.meetings.test_commitments import OVERDUE_AT
from tests.meetings.test_reminder_faults import HookedInbox
from tests.smtp import smtp_server
from tracker.ical_zones import vtimezone_ical

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 10:00 in Santiago (UTC-3), 08:00 in Lima
DAY_BEFORE = START - timedelta(days=1)
# Each reader's language and clock, in turn.
READERS = [("es", "America/Santiago"), ("en", "America/Lima"), ("en", "America/Santiago"), ("es", "America/Lima")]


def _committee(size: int, *, names: list[str] | None = None):
    committee = CommitteeFactory(
        name_en="Migration Committee",
        name_es="Comité de Migración",
        reminder_offsets=[1440],
        secretariat_email="secretariat@committee.example",
    )
    for n in range(size):
        language, zone = READERS[n % len(READERS)]
        name = names[n] if names else f"Member {n:03}"
        person = PersonFactory(
            full_name=name, email=f"member{n:03}@example.org", preferred_language=language, timezone=zone
        )
        MembershipFactory(committee=committee, person=person)
    return committee


def _session(committee, *, agenda=(), **fields):
    """Planned at NOW with its invitations sent a minute later: what is due next is the reminders."""
    session = session_create(
        committee=committee,
        title=fields.pop("title", "Segunda sesión"),
        title_en="Second session",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        timezone="America/Santiago",
        venue="Ministry of Foreign Affairs, Santiago",
        host_country="CL",
        agenda=list(agenda),
        now=NOW,
        **fields,
    )
    shown = session_shown(session=session, agenda=list(session.agenda_items.all()))
    session.reminders.filter(kind=ReminderKind.INVITATION).update(
        state=ReminderState.SENT, sent_at=NOW + timedelta(minutes=1), sent_sequence=session.sequence, shown=shown
    )
    return session


def _agenda(presenter=None) -> list[AgendaItem]:
    return [
        AgendaItem(title="Visados", title_en="Visas", duration_minutes=30, presenter=presenter),
        AgendaItem(title="Comercio", title_en="Trade", duration_minutes=45),
    ]


def _send(ids: list[int], token: str, at: datetime = DAY_BEFORE) -> dict[str, int]:
    with time_machine.travel(at, tick=False):
        return reminders_send(reminder_ids=ids, claim_token=token, now=at)


def _claim(at: datetime = DAY_BEFORE) -> tuple[list[int], str]:
    with time_machine.travel(at, tick=False):
        return reminders_claim(now=at)


def _queries_to_send(ids: list[int], token: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert _send(ids, token)["sent"] == len(ids)
    return [query["sql"] for query in captured.captured_queries]


def _statements(queries: list[str]) -> list[str]:
    """What each query does, to which table (savepoints, which only the test's transaction adds, left out)."""
    return [
        re.match(r'UPDATE "\w+" SET "\w+"|SELECT (DISTINCT )?"\w+"', sql).group(0)
        for sql in queries
        if "SAVEPOINT" not in sql
    ]


def _reads_and_writes(rows: int) -> list[str]:
    return [
        'UPDATE "meetings_reminder" SET "claimed_at"',  # take the chunk's rows
        'SELECT "meetings_reminder"',  # ... with their people
        'SELECT "meetings_session"',  # the session and its committee
        'SELECT "meetings_agendaitem"',  # its agenda and presenters
        'SELECT DISTINCT "committees_person"',  # who should know of it now
        *['UPDATE "meetings_reminder" SET "sent_at"'] * rows,  # each row's mail went out
        'SELECT "meetings_session"',  # locked, to record the rows as sent
        'SELECT "meetings_reminder"',  # ... those whose mail went out
        'UPDATE "meetings_reminder" SET "state"',  # ... sent
    ]


def test_a_chunk_reads_its_session_once_however_many_rows_it_has():
    """A chunk of 1 row and a chunk of 30 of the same session read the same: each row adds one
    UPDATE, which writes down that its mail went out."""
    committee = _committee(31)
    _session(committee, agenda=_agenda())
    ids, token = _claim()
    assert _statements(_queries_to_send(ids[:1], token)) == _reads_and_writes(1)
    assert _statements(_queries_to_send(ids[1:], token)) == _reads_and_writes(30)
    assert set(Reminder.objects.filter(pk__in=ids).values_list("state", "attempts", "claim_token")) == {("sent", 1, "")}


def test_reads_grow_with_the_sessions_of_a_chunk_not_its_rows():
    def chunk_of(sessions: int, rows_each: int) -> int:
        Reminder.objects.all().delete()
        for _number in range(sessions):
            _session(_committee(rows_each), agenda=_agenda())
        ids, token = _claim()
        assert len(ids) == sessions * rows_each
        return len(_statements(_queries_to_send(ids, token)))

    per_session = len(_reads_and_writes(0)) - 2  # the take is once per chunk
    assert chunk_of(1, 4) == 2 + per_session + 4
    assert chunk_of(3, 4) == 2 + 3 * per_session + 12
    assert chunk_of(3, 10) == 2 + 3 * per_session + 30


def _comparable(message) -> bytes:
    """The bytes of a sent message but for what differs every time a mail is written: its Date
    and its MIME boundaries."""
    written = message.message().as_bytes(linesep="\r\n")
    written = re.sub(rb"\r\nDate: [^\r]*", b"", written)
    for number, boundary in enumerate(dict.fromkeys(re.findall(rb'boundary="([^"]+)"', written))):
        written = written.replace(boundary, b"BOUNDARY-%d" % number)
    return written


def _ics(message) -> bytes:
    (content,) = [content for _name, content, mimetype in message.attachments if mimetype.startswith("text/calendar")]
    return content.encode() if isinstance(content, str) else content


def _alone(row_id: int):
    """The mail of the row written for it alone, as an admin preview or a test would."""
    row = Reminder.objects.select_related("session__committee", "person").get(pk=row_id)
    return row, reminder_mail(row).message


def test_each_reader_of_a_chunk_gets_the_mail_written_for_them_alone():
    committee = _committee(8)
    chair = committee.memberships.order_by("pk").first().person
    _session(committee, agenda=_agenda(presenter=chair), title="Documentos y visados")
    ids, token = _claim()
    assert _send(ids, token) == {"sent": 8, "retry": 0, "failed": 0, "skipped": 0}
    sent = {message.extra_headers["Message-ID"]: message for message in mail.outbox}
    for pk in ids:
        row, alone = _alone(pk)
        chunked = sent[row.message_id]
        assert _comparable(chunked) == _comparable(alone)
        with translation.override(row.person.preferred_language):
            assert _ics(chunked) == invitation(row)  # the calendar written whole, its attendee in it
        (event,) = Calendar.from_ical(_ics(chunked)).walk("VEVENT")
        assert (str(event["ATTENDEE"]), event["ATTENDEE"].params["CN"]) == (
            f"mailto:{row.person.email}",
            row.person.full_name,
        )
        assert chunked.to == [f"{row.person.full_name} <{row.person.email}>"]
    # Each reader's own language and clock.
    first_lines = {message.to[0]: message.body.splitlines()[4] for message in mail.outbox}
    assert [first_lines[f"Member {n:03} <member{n:03}@example.org>"] for n in range(4)] == [
        "Su hora: 2026-12-07 10:00 UTC-03:00 (America/Santiago)",
        "Your time: 2026-12-07 08:00 UTC-05:00 (America/Lima)",
        "Your time: 2026-12-07 10:00 UTC-03:00 (America/Santiago)",
        "Su hora: 2026-12-07 08:00 UTC-05:00 (America/Lima)",
    ]


def test_a_chunk_writes_each_text_once_per_language_and_clock(monkeypatch):
    written: list[str] = []
    invitations: list[str] = []
    render, invite = meetings.mail.render_to_string, meetings.reminders.letters.session_invitation

    def counting_render(name, context):
        written.append(name)
        return render(name, context)

    def counting_invitation(*, session, kind):
        invitations.append(kind)
        return invite(session=session, kind=kind)

    monkeypatch.setattr(meetings.mail, "render_to_string", counting_render)
    monkeypatch.setattr(meetings.reminders.letters, "session_invitation", counting_invitation)
    _session(_committee(40), agenda=_agenda())
    ids, token = _claim()
    assert _send(ids, token)["sent"] == 40
    # Four pairs of language and clock, each a text and an HTML part; an invitation per language.
    assert sorted(written) == ["meetings/email/reminder.html"] * 4 + ["meetings/email/reminder.txt"] * 4
    assert invitations == ["reminder", "reminder"]
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 40


def test_readers_told_different_things_before_each_get_their_own_changes():
    committee = _committee(2)
    session = _session(committee)
    first, second = (membership.person for membership in committee.memberships.order_by("pk"))
    later = START + timedelta(hours=3)
    session = session_update(
        session=session, data={"starts_at": later, "ends_at": later + timedelta(hours=2)}, now=NOW + timedelta(days=1)
    )
    notices = session.reminders.filter(kind=ReminderKind.UPDATE)
    ids, token = _claim(NOW + timedelta(days=1, minutes=1))
    # Only the first reader's notice of the move goes out now; the second's waits.
    first_notice = notices.get(person=first).pk
    Reminder.objects.filter(pk__in=ids).exclude(pk=first_notice).update(
        state=ReminderState.PENDING, claim_token="", attempts=0
    )
    assert _send([first_notice], token, at=NOW + timedelta(days=1, minutes=1))["sent"] == 1
    session_update(session=session, data={"venue": "Arica"}, now=NOW + timedelta(days=2))
    mail.outbox.clear()
    ids, token = _claim(NOW + timedelta(days=2, minutes=1))
    assert sorted(Reminder.objects.filter(pk__in=ids).values_list("person", "kind")) == [
        (first.pk, "update"),
        (second.pk, "update"),
    ]
    assert _send(ids, token, at=NOW + timedelta(days=2, minutes=1))["sent"] == 2
    changes = {message.to[0]: message.body.split("\n\n")[2] for message in mail.outbox}
    assert changes == {
        "Member 000 <member000@example.org>": (
            "Qué cambió:\nSede: Ministry of Foreign Affairs, Santiago, Chile → Arica, Chile"
        ),
        "Member 001 <member001@example.org>": (
            "What changed:\n"
            "Starts, your time: 2026-12-07 08:00 UTC-05:00 (America/Lima) → 2026-12-07 11:00 UTC-05:00 "
            "(America/Lima)\n"
            "Starts, Santiago: 2026-12-07 10:00 UTC-03:00 → 2026-12-07 13:00 UTC-03:00\n"
            "Venue: Ministry of Foreign Affairs, Santiago, Chile → Arica, Chile"
        ),
    }
    for message in mail.outbox:
        row = Reminder.objects.get(message_id=message.extra_headers["Message-ID"])
        assert _comparable(message) == _comparable(_alone(row.pk)[1])


HOSTILE = '<script>alert("x")</script> {{ person.full_name }} & Co'


def test_names_with_markup_are_escaped_in_the_html_and_each_reader_keeps_their_own():
    committee = _committee(2, names=[HOSTILE, "{{ language }} </html>"])
    presenter = PersonFactory(full_name='<img src=x onerror="alert(1)">')
    # Readers of one language and clock, who share a letter.
    Person.objects.filter(memberships__committee=committee).update(preferred_language="en", timezone="America/Lima")
    _session(committee, agenda=_agenda(presenter=presenter))
    ids, token = _claim()
    assert _send(ids, token)["sent"] == 2
    by_reader = {message.extra_headers["Message-ID"]: message for message in mail.outbox}
    htmls = set()
    for pk in ids:
        row, alone = _alone(pk)
        chunked = by_reader[row.message_id]
        assert _comparable(chunked) == _comparable(alone)
        (html, _mimetype) = chunked.alternatives[0]
        htmls.add(html)
        assert '<html lang="en">' in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
        assert "<img" not in html and "<script" not in html and "{{" not in html
        assert '<img src=x onerror="alert(1)">' in chunked.body  # the text part says it as it is
        assert row.person.full_name not in chunked.body
        with translation.override("en"):
            assert _ics(chunked) == invitation(row)  # its long ATTENDEE line folded as the library folds it
        (event,) = Calendar.from_ical(_ics(chunked)).walk("VEVENT")
        assert event["ATTENDEE"].params["CN"] == row.person.full_name
    assert len(htmls) == 1  # nothing of the reader in it
    assert {message.to[0] for message in mail.outbox} == {
        '"<script>alert(\\"x\\")</script> {{ person.full_name }} & Co" <member000@example.org>',
        '"{{ language }} </html>" <member001@example.org>',
    }


def test_overdue_notices_of_one_commitment_are_written_once_per_language_and_clock(world, monkeypatch):
    seat_officers(world)
    approved(world)
    commitments_overdue_plan(now=OVERDUE_AT)
    planned = Reminder.objects.get(kind=ReminderKind.OVERDUE)
    for n, zone in enumerate(["America/Lima", "America/Lima", "America/Santiago"]):
        reader = PersonFactory(email=f"reader{n}@example.org", preferred_language="es", timezone=zone)
        Reminder.objects.create(
            session_id=planned.session_id,
            person=reader,
            kind=ReminderKind.OVERDUE,
            commitment_id=planned.commitment_id,
            commitment_due_on=planned.commitment_due_on,
            due_at=planned.due_at,
            next_attempt_at=planned.next_attempt_at,
            message_id=message_id_new(),
        )
    Person.objects.filter(pk=planned.person_id).update(preferred_language="es", timezone="America/Lima")
    written: list[str] = []
    render = meetings.records.mail.render_to_string
    monkeypatch.setattr(
        meetings.records.mail, "render_to_string", lambda name, context: written.append(name) or render(name, context)
    )
    ids, token = _claim(OVERDUE_AT)
    assert _send(ids, token, at=OVERDUE_AT) == {"sent": 4, "retry": 0, "failed": 0, "skipped": 0}
    assert sorted(written) == ["meetings/email/record.html"] * 2 + ["meetings/email/record.txt"] * 2  # two clocks
    for message in mail.outbox:
        row = Reminder.objects.select_related("session__committee", "person", "commitment__person").get(
            message_id=message.extra_headers["Message-ID"]
        )
        assert _comparable(message) == _comparable(record_mail(row))


def test_a_chunk_out_of_time_hands_the_rest_back_at_once(settings):
    """A slow SMTP server: after the first mail the chunk's time is up, and the other rows go back
    to the queue, due at once, the claim not counted as one of their attempts."""
    settings.REMINDER_CHUNK_SECONDS = 0.2
    with smtp_server(HookedInbox(), settings) as inbox:
        inbox.on_accept = lambda accepted: time.sleep(0.3)
        _session(_committee(5))
        ids, token = _claim()
        assert _send(ids, token) == {"sent": 1, "retry": 4, "failed": 0, "skipped": 0}
        rows = Reminder.objects.filter(pk__in=ids)
        assert sorted(rows.values_list("state", "attempts", "next_attempt_at", "claim_token", "claimed_at")) == [
            ("pending", 0, DAY_BEFORE, "", None)
        ] * 4 + [("sent", 1, DAY_BEFORE, "", None)]
        settings.REMINDER_CHUNK_SECONDS = 180
        inbox.on_accept = None
        ids, token = _claim(DAY_BEFORE + timedelta(seconds=15))
        assert _send(ids, token, at=DAY_BEFORE + timedelta(seconds=15)) == {
            "sent": 4,
            "retry": 0,
            "failed": 0,
            "skipped": 0,
        }
        assert set(rows.values_list("state", "attempts")) == {("sent", 1)}
        assert sorted(message["Message-ID"] for message in inbox.messages) == sorted(
            rows.values_list("message_id", flat=True)
        )


def test_a_chunk_stopped_by_its_time_limit_records_what_went_out(monkeypatch, settings):
    """The task's soft time limit strikes while the third mail is being sent: the two that went
    out are recorded as sent, the others stay in flight for the reaper, as before."""
    _session(_committee(4))
    ids, token = _claim()
    send, tried = EmailMessage.send, []

    def send_until_the_limit(message, *args, **kwargs):
        tried.append(message)
        if len(tried) == 3:
            raise SoftTimeLimitExceeded()
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send_until_the_limit)
    with pytest.raises(SoftTimeLimitExceeded):
        _send(ids, token)
    rows = Reminder.objects.filter(pk__in=ids).order_by("pk")
    assert list(rows.values_list("state", "claim_token", "sent_at")) == [
        ("sent", "", DAY_BEFORE),
        ("sent", "", DAY_BEFORE),
        ("sending", token, None),
        ("sending", token, None),
    ]
    later = DAY_BEFORE + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)
    assert reminders_reap(now=later) == 2
    assert list(rows.values_list("state", flat=True)) == ["sent", "sent", "pending", "pending"]


def test_a_chunk_delivered_again_after_its_worker_died_sends_nothing_twice(settings):
    """The worker wrote down that two mails went out, then died before recording its session's
    rows as sent; the broker hands the chunk to another worker, which sends only the others."""
    _session(_committee(4))
    ids, token = _claim()
    gone_out = sorted(ids)[:2]
    Reminder.objects.filter(pk__in=gone_out).update(sent_at=DAY_BEFORE, sent_sequence=0, shown={})
    assert _send(ids, token) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    assert sorted(message.extra_headers["Message-ID"] for message in mail.outbox) == sorted(
        Reminder.objects.filter(pk__in=ids).exclude(pk__in=gone_out).values_list("message_id", flat=True)
    )
    rows = Reminder.objects.filter(pk__in=ids).order_by("pk")
    assert list(rows.values_list("state", flat=True)) == ["sending", "sending", "sent", "sent"]
    later = DAY_BEFORE + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)
    assert reminders_reap(now=later) == 2
    assert list(rows.values_list("state", "claim_token")) == [("sent", "")] * 4
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({}, []),
        ({"CELERY_TASK_TIME_LIMIT": 600}, ["meetings.E001"]),
        ({"REMINDER_STUCK_MINUTES": 4}, ["meetings.E001"]),
        ({"REMINDER_CHUNK_SECONDS": 200}, ["meetings.E002"]),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": 200}, ["meetings.E002"]),
    ],
)
def test_a_chunk_must_end_before_the_reaper_could_take_its_rows(settings, changes, errors):
    settings.REMINDER_CHUNK_SECONDS = 180
    for name, value in changes.items():
        setattr(settings, name, value)
    assert [error.id for error in chunk_fits_its_time_limits()] == errors
    assert [message.id for message in run_checks() if message.id.startswith("meetings.")] == errors


@pytest.mark.parametrize(
    ("starts_at", "zone"),
    [
        (datetime(2026, 4, 5, 2, 30, tzinfo=UTC), "America/Santiago"),  # the night summer time ends
        (datetime(2026, 12, 7, 13, 0, tzinfo=UTC), "America/Lima"),
        (datetime(2026, 4, 5, 3, 30, tzinfo=UTC), "America/Santiago"),  # an hour the clock repeats: UTC
    ],
)
def test_a_calendar_written_with_cached_zones_is_the_one_written_whole(starts_at, zone):
    committee = _committee(1)
    session = session_create(
        committee=committee,
        title="Sesión",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        timezone=zone,
        venue="Lima",
        host_country="PE",
        now=starts_at - timedelta(days=3),
    )
    row = Reminder.objects.select_related("session__committee", "person").filter(session=session).first()
    translation.activate("es")
    calendar = meetings.mail._invitation_calendar(session, ReminderKind.INVITATION, meetings.mail._attendee(row.person))
    whole = Calendar.from_ical(calendar.to_ical())
    timezones_add(whole)
    assert calendar_ical(calendar) == whole.to_ical() == invitation(row)


def test_a_zone_is_written_once_per_span():
    vtimezone_ical.cache_clear()
    first, last = date(2025, 12, 1), date(2027, 12, 8)
    written = vtimezone_ical("America/Santiago", first=first, last=last)
    assert vtimezone_ical("America/Santiago", first=first, last=last) is written
    assert vtimezone_ical.cache_info().hits == 1
    assert written.startswith(b"BEGIN:VTIMEZONE\r\nTZID:America/Santiago\r\n")


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("durable", [False, True])
def test_a_chunk_does_not_wait_for_the_disk_unless_asked(settings, durable):
    """The records of a chunk sent outside any transaction are not awaited on the disk (unless
    REMINDER_RECORD_DURABLE), and the connection waits again afterwards."""
    settings.REMINDER_RECORD_DURABLE = durable
    session = _session(_committee(3))
    ids, token = _claim()
    with CaptureQueriesContext(connection) as captured:
        assert _send(ids, token)["sent"] == 3
    asked = [query["sql"] for query in captured.captured_queries if "synchronous_commit" in query["sql"]]
    assert asked == ([] if durable else ["SET synchronous_commit TO off", "RESET synchronous_commit"])
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
    assert sorted(session.reminders.filter(kind=ReminderKind.REMINDER).values_list("state", flat=True)) == ["sent"] * 3
