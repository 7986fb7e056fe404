"""Reminders when the database fails under them: a dropped connection after the SMTP server
accepted a mail, statements cancelled while mails are written, and a session moved while its
reminders are in flight. Fast cases run in this process on either database; the fault cases
run a real Celery worker against PostgreSQL and a real SMTP server (aiosmtpd)."""

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from icalendar import Calendar

from committees.models import Person
from config.celery import app
from meetings.choices import ReminderKind, ReminderState
from meetings.models import Reminder, Session
from meetings.reminders import reminders_claim, reminders_reap, reminders_send
from meetings.services import session_create, session_update
from meetings.tasks import scan_due_reminders
from tests.conftest import postgresql_only
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory
from tests.smtp import Inbox, smtp_server

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
DAY_BEFORE = START - timedelta(days=1)


@dataclass
class HookedInbox(Inbox):
    """An SMTP server that calls `on_accept(n)` when it has taken the n-th message, before its
    250 reply reaches the sender."""

    on_accept: Callable[[int], None] | None = None

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if self.on_accept is not None and reply.startswith("250"):
            self.on_accept(len(self.messages))
        return reply


@pytest.fixture
def smtp(settings):
    with smtp_server(HookedInbox(), settings) as inbox:
        yield inbox


class Outage:
    """Makes statements of this process's connection that match fail as a database in trouble
    would, `times` times (None: until further notice)."""

    def __init__(self, matches: Callable[[str, tuple], bool], *, times: int | None, error: str) -> None:
        self.matches, self.times, self.error, self.hits = matches, times, error, 0

    def __call__(self, execute, sql, params, many, context):
        if (self.times is None or self.hits < self.times) and self.matches(sql, tuple(params or ())):
            self.hits += 1
            raise OperationalError(self.error)
        return execute(sql, params, many, context)


def _recording_accepted(sql: str, params: tuple) -> bool:
    """The write, just after the SMTP server accepted a mail, that it went out."""
    return sql.startswith('UPDATE "meetings_reminder" SET "sent_at"')


def _recording_sent(sql: str, params: tuple) -> bool:
    """The write, after a session's mails went out, that they are sent."""
    return sql.startswith('UPDATE "meetings_reminder"') and ReminderState.SENT in params


def _reading_agenda(sql: str, params: tuple) -> bool:
    return sql.startswith("SELECT") and 'FROM "meetings_agendaitem"' in sql


def _committee(size: int, *, offsets: list[int]):
    committee = CommitteeFactory(reminder_offsets=offsets, secretariat_email="secretariat@committee.example")
    for n in range(size):
        person = PersonFactory(email=f"member{n:03}@example.org", preferred_language="en", timezone="America/Lima")
        MembershipFactory(committee=committee, person=person)
    return committee


def _session(
    committee, *, starts_at: datetime = START, now: datetime = NOW, invitations: str = ReminderState.SENT
) -> Session:
    """A session planned at `now` whose invitations were then sent (or, `invitations` failed, were
    refused): these tests are about the reminders that follow."""
    session = session_create(
        committee=committee,
        title="Border coordination",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        timezone="America/Lima",
        venue="Lima",
        host_country="PE",
        now=now,
    )
    sent_at = now + timedelta(minutes=1) if invitations == ReminderState.SENT else None
    session.reminders.filter(kind=ReminderKind.INVITATION).update(
        state=invitations, sent_at=sent_at, sent_sequence=session.sequence if sent_at else None
    )
    return session


def _rows_under_test():
    return Reminder.objects.exclude(kind=ReminderKind.INVITATION)


def _send_due(at: datetime) -> dict[str, int]:
    with time_machine.travel(at, tick=False):
        ids, token = reminders_claim(now=at)
        return reminders_send(reminder_ids=ids, claim_token=token, now=at)


def _moved(session: Session, *, by: timedelta, now: datetime) -> Session:
    later = session.starts_at + by
    return session_update(session=session, data={"starts_at": later, "ends_at": later + timedelta(hours=2)}, now=now)


def _recipient(message) -> str:
    return message["To"].addresses[0].addr_spec


def _kind_of(message) -> str:
    return message["Subject"].strip().split(":")[0]


def _rows() -> set[tuple]:
    return set(_rows_under_test().values_list("person__email", "kind", "state", "due_at", "attempts"))


# --- In this process, on either database ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sent_record_lost_with_its_connection_is_written_again_and_nothing_is_sent_twice(smtp, settings):
    committee = _committee(3, offsets=[1440])
    _session(committee)
    outage = Outage(_recording_accepted, times=1, error="server closed the connection unexpectedly")
    with connection.execute_wrapper(outage):
        assert _send_due(DAY_BEFORE) == {"sent": 3, "retry": 0, "failed": 0, "skipped": 0}
    assert outage.hits == 1
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(
        _rows_under_test().values_list("message_id", flat=True)
    )
    assert _rows() == {(f"member{n:03}@example.org", "reminder", "sent", DAY_BEFORE, 1) for n in range(3)}
    later = DAY_BEFORE + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)
    assert (reminders_reap(now=later), reminders_claim(now=later)[0]) == (0, [])  # nothing left to send again


@pytest.mark.django_db(transaction=True)
def test_database_away_longer_than_the_allowance_leaves_the_chunk_to_the_reaper(smtp, settings):
    """At least once: the accepted mail could not be recorded, so it goes out again, with the
    same Message-ID; the row never tried goes out once."""
    settings.REMINDER_DB_RETRY_SECONDS = 1
    committee = _committee(2, offsets=[1440])
    _session(committee)
    first, second = _rows_under_test().order_by("pk")
    ids, token = reminders_claim(now=DAY_BEFORE)
    outage = Outage(_recording_accepted, times=None, error="could not connect to server: Connection refused")
    with connection.execute_wrapper(outage), pytest.raises(OperationalError):
        reminders_send(reminder_ids=ids, claim_token=token, now=DAY_BEFORE)
    assert outage.hits > 1  # tried again on new connections before giving up
    assert [m["Message-ID"] for m in smtp.messages] == [first.message_id]
    in_flight = set(_rows_under_test().values_list("pk", "state", "claim_token", "claimed_at"))
    assert in_flight == {(first.pk, "sending", token, DAY_BEFORE), (second.pk, "sending", token, DAY_BEFORE)}
    later = DAY_BEFORE + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert reminders_reap(now=later) == 2
    assert _send_due(later) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    assert Counter(m["Message-ID"] for m in smtp.messages) == {first.message_id: 2, second.message_id: 1}
    assert set(_rows_under_test().values_list("state", "attempts")) == {("sent", 2)}


@pytest.mark.django_db(transaction=True)
def test_database_away_after_the_mails_went_out_leaves_them_to_the_reaper_to_record(smtp, settings):
    """The mails went out and each was written down at once; recording the session's rows as sent
    then failed for longer than the allowance: the reaper records them, and sends nothing again."""
    settings.REMINDER_DB_RETRY_SECONDS = 1
    committee = _committee(2, offsets=[1440])
    _session(committee)
    ids, token = reminders_claim(now=DAY_BEFORE)
    outage = Outage(_recording_sent, times=None, error="could not connect to server: Connection refused")
    with (
        connection.execute_wrapper(outage),
        pytest.raises(OperationalError),
        time_machine.travel(DAY_BEFORE, tick=False),
    ):
        reminders_send(reminder_ids=ids, claim_token=token, now=DAY_BEFORE)
    assert outage.hits > 1
    assert set(_rows_under_test().values_list("state", "sent_at", "claim_token")) == {("sending", DAY_BEFORE, token)}
    later = DAY_BEFORE + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)
    assert reminders_reap(now=later) == 2
    assert _send_due(later) == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    _assert_each_sent_once(smtp)
    assert _rows() == {(f"member{n:03}@example.org", "reminder", "sent", DAY_BEFORE, 1) for n in range(2)}


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_statement_while_reading_the_session_is_tried_again_at_once(smtp):
    committee = _committee(2, offsets=[1440])
    _session(committee)
    outage = Outage(_reading_agenda, times=1, error="canceling statement due to user request")
    with connection.execute_wrapper(outage):
        assert _send_due(DAY_BEFORE) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    assert outage.hits == 1
    _assert_each_sent_once(smtp)
    assert set(_rows_under_test().values_list("state", "attempts", "last_error")) == {("sent", 1, "")}


@pytest.mark.django_db
def test_a_session_that_cannot_be_read_puts_its_rows_back(smtp, settings):
    """Inside a transaction (as here) a failed statement cannot be tried again: the session's
    rows wait a moment and go out on a later pass."""
    committee = _committee(2, offsets=[1440])
    _session(committee)
    outage = Outage(_reading_agenda, times=1, error="canceling statement due to user request")
    with connection.execute_wrapper(outage):
        assert _send_due(DAY_BEFORE) == {"sent": 0, "retry": 2, "failed": 0, "skipped": 0}
    assert smtp.messages == []
    base = timedelta(seconds=settings.REMINDER_DB_BACKOFF_SECONDS)
    for row in _rows_under_test():
        assert (row.state, row.attempts, row.last_error) == (
            "pending",
            1,
            "OperationalError: canceling statement due to user request",
        )
        assert base / 2 <= row.next_attempt_at - DAY_BEFORE <= base * 3 / 2
    assert _send_due(DAY_BEFORE + timedelta(minutes=1)) == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    _assert_each_sent_once(smtp)
    assert set(_rows_under_test().values_list("state", "attempts", "last_error")) == {("sent", 2, "")}


@pytest.mark.django_db
def test_a_mail_that_cannot_be_written_still_fails(smtp):
    committee = _committee(2, offsets=[1440])
    _session(committee)
    first, second = _rows_under_test().order_by("pk")
    Person.objects.filter(pk=first.person_id).update(timezone="Mars/Olympus_Mons")  # not a zone any clock has
    assert _send_due(DAY_BEFORE) == {"sent": 1, "retry": 0, "failed": 1, "skipped": 0}
    assert set(_rows_under_test().values_list("pk", "state", "last_error")) == {
        (
            first.pk,
            "failed",
            "Could not write the mail: ZoneInfoNotFoundError: 'No time zone found with key Mars/Olympus_Mons'",
        ),
        (second.pk, "sent", ""),
    }


@pytest.mark.django_db
def test_a_move_tells_only_people_whose_mail_was_accepted(smtp, settings):
    settings.REMINDER_DEBOUNCE_SECONDS = 0
    committee = _committee(3, offsets=[1440])
    # their invitations were refused: the reminders are the first mails anyone accepts
    session = _session(committee, invitations=ReminderState.FAILED)
    ids, token = reminders_claim(now=DAY_BEFORE)
    reminded, *in_flight = sorted(ids)
    with time_machine.travel(DAY_BEFORE, tick=False):
        assert reminders_send(reminder_ids=[reminded], claim_token=token, now=DAY_BEFORE)["sent"] == 1
    session = _moved(session, by=timedelta(days=2), now=DAY_BEFORE)
    # the rest of the claim reaches a worker after the move: re-dated, not sent, nobody told
    with time_machine.travel(DAY_BEFORE, tick=False):
        assert reminders_send(reminder_ids=in_flight, claim_token=token, now=DAY_BEFORE)["skipped"] == 2
    assert _send_due(DAY_BEFORE + timedelta(seconds=1)) == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}
    assert [(_recipient(m), _kind_of(m)) for m in smtp.messages] == [
        ("member000@example.org", "Reminder"),
        ("member000@example.org", "Changed"),
    ]
    new_due = START + timedelta(days=1)
    assert _rows() == {
        ("member000@example.org", "reminder", "sent", DAY_BEFORE, 1),
        ("member000@example.org", "update", "sent", DAY_BEFORE, 1),
        ("member001@example.org", "reminder", "pending", new_due, 1),
        ("member002@example.org", "reminder", "pending", new_due, 1),
    }


def _in_another_thread(work: Callable[[], None]) -> None:
    """Database work from the SMTP server's event loop, where Django refuses it: in a plain thread."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


@pytest.mark.django_db(transaction=True)
def test_mails_accepted_after_a_move_committed_are_followed_by_the_notice(smtp, settings):
    """The worker read the session for its rows, then the move committed, then the server
    accepted the mails with the old time: the rows are recorded as sent and those people are told
    of the move."""
    settings.REMINDER_DEBOUNCE_SECONDS = 0
    committee = _committee(3, offsets=[1440])
    session = _session(committee, invitations=ReminderState.FAILED)  # the reminders are the first mails accepted
    ids, token = reminders_claim(now=DAY_BEFORE)
    first, *rest = sorted(ids)
    # A first chunk of one row: the move commits when its mail is accepted.
    smtp.on_accept = lambda n: (
        n == 1 and _in_another_thread(lambda: _moved(session, by=timedelta(days=2), now=DAY_BEFORE))
    )
    with time_machine.travel(DAY_BEFORE, tick=False):
        assert reminders_send(reminder_ids=[first], claim_token=token, now=DAY_BEFORE)["sent"] == 1
    smtp.on_accept = None
    # The rest of the claim, read after the move: re-dated, not sent.
    with time_machine.travel(DAY_BEFORE, tick=False):
        assert reminders_send(reminder_ids=rest, claim_token=token, now=DAY_BEFORE)["skipped"] == 2
    assert _send_due(DAY_BEFORE + timedelta(seconds=1)) == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}
    assert [(_recipient(m), _kind_of(m)) for m in smtp.messages] == [
        ("member000@example.org", "Reminder"),
        ("member000@example.org", "Changed"),
    ]
    calendars = [
        Calendar.from_ical(p.get_content()).walk("VEVENT")[0]
        for m in smtp.messages
        for p in m.iter_attachments()
        if p.get_content_type() == "text/calendar"
    ]
    assert [(e["SEQUENCE"], e.decoded("DTSTART").astimezone(UTC)) for e in calendars] == [
        (0, START),
        (1, START + timedelta(days=2)),
    ]
    assert _rows() == {
        ("member000@example.org", "reminder", "sent", DAY_BEFORE, 1),
        ("member000@example.org", "update", "sent", DAY_BEFORE, 1),
        ("member001@example.org", "reminder", "pending", START + timedelta(days=1), 1),
        ("member002@example.org", "reminder", "pending", START + timedelta(days=1), 1),
    }


@pytest.mark.django_db(transaction=True)
def test_a_move_committed_while_a_sessions_mails_go_out_is_told_to_all_of_them(smtp, settings):
    """A session is read once for its rows of a chunk: those sent after a move committed showed
    the old time too, and each of them is told of the move, once."""
    settings.REMINDER_DEBOUNCE_SECONDS = 0
    committee = _committee(3, offsets=[1440])
    session = _session(committee, invitations=ReminderState.FAILED)
    smtp.on_accept = lambda n: (
        n == 1 and _in_another_thread(lambda: _moved(session, by=timedelta(days=2), now=DAY_BEFORE))
    )
    assert _send_due(DAY_BEFORE) == {"sent": 3, "retry": 0, "failed": 0, "skipped": 0}
    smtp.on_accept = None
    assert _send_due(DAY_BEFORE + timedelta(seconds=1)) == {"sent": 3, "retry": 0, "failed": 0, "skipped": 0}
    people = [f"member{n:03}@example.org" for n in range(3)]
    assert sorted((_recipient(m), _kind_of(m)) for m in smtp.messages) == sorted(
        [(email, "Reminder") for email in people] + [(email, "Changed") for email in people]
    )
    assert _rows() == {(email, kind, "sent", DAY_BEFORE, 1) for email in people for kind in ("reminder", "update")}


def _started(work: Callable[[], None]) -> threading.Thread:
    """`work` under way in a thread of its own (with its own database connection)."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


WAITING_TO_LOCK_A_SESSION = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    " AND query LIKE '%meetings_session%FOR UPDATE%'"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_move_that_found_the_mails_in_flight_is_told_by_the_worker_once_it_commits(smtp, settings, monkeypatch):
    """The interleaving the worker's locked read is for: a session write has locked the session
    and found the rows in flight, so it tells no one; meanwhile the worker, which read the session
    before the write, sends the old time and waits on the lock to record the rows as sent. Once the
    write commits, the worker sees its new sequence and tells each person, once."""
    import meetings.reminders.planning as planning

    settings.REMINDER_DEBOUNCE_SECONDS = 0
    committee = _committee(3, offsets=[1440])
    session = _session(committee, invitations=ReminderState.FAILED)  # the reminders are the first mails accepted
    ids, token = reminders_claim(now=DAY_BEFORE)
    found_in_flight, go_on = threading.Event(), threading.Event()
    last_told = planning._last_told

    def told_then_wait(session):
        told = last_told(session)
        found_in_flight.set()
        assert go_on.wait(60)
        return told

    monkeypatch.setattr(planning, "_last_told", told_then_wait)
    outcome: dict[str, int] = {}
    writer = _started(lambda: _moved(session, by=timedelta(days=2), now=DAY_BEFORE))
    assert found_in_flight.wait(60)
    worker = _started(lambda: outcome.update(reminders_send(reminder_ids=ids, claim_token=token, now=DAY_BEFORE)))

    def waiting_for_the_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(WAITING_TO_LOCK_A_SESSION)
            return cursor.fetchone()[0] == 1

    _wait_for(waiting_for_the_lock, seconds=60)
    assert len(smtp.messages) == 3  # gone out with the old time; not yet recorded as sent
    go_on.set()
    writer.join()
    worker.join()
    assert outcome == {"sent": 3, "retry": 0, "failed": 0, "skipped": 0}
    people = [f"member{n:03}@example.org" for n in range(3)]
    assert _rows() == {(email, "reminder", "sent", DAY_BEFORE, 1) for email in people} | {
        (email, "update", "pending", DAY_BEFORE, 0) for email in people
    }
    assert set(Reminder.objects.filter(kind=ReminderKind.REMINDER).values_list("sent_sequence", flat=True)) == {0}
    assert Session.objects.get(pk=session.pk).sequence == 1
    assert _send_due(DAY_BEFORE + timedelta(seconds=1)) == {"sent": 3, "retry": 0, "failed": 0, "skipped": 0}
    assert sorted((_recipient(m), _kind_of(m)) for m in smtp.messages) == sorted(
        [(email, "Reminder") for email in people] + [(email, "Changed") for email in people]
    )


@pytest.mark.django_db
def test_mails_their_worker_did_not_record_as_sent_are_recorded_by_the_reaper_and_followed_up(smtp, settings):
    """The worker wrote down that the mails went out, then died before recording its session's
    rows as sent; the session moved meanwhile. The reaper records them as sent, and tells those
    people of the move."""
    settings.REMINDER_DEBOUNCE_SECONDS = 0
    committee = _committee(2, offsets=[1440])
    session = _session(committee, invitations=ReminderState.FAILED)
    ids, _token = reminders_claim(now=DAY_BEFORE)
    Reminder.objects.filter(pk__in=ids).update(sent_at=DAY_BEFORE, sent_sequence=session.sequence, shown={})
    session = _moved(session, by=timedelta(days=2), now=DAY_BEFORE)  # finds them in flight: tells no one
    assert not Reminder.objects.filter(kind=ReminderKind.UPDATE).exists()
    later = DAY_BEFORE + timedelta(minutes=settings.REMINDER_STUCK_MINUTES + 1)
    assert reminders_reap(now=later) == 2
    assert _rows() == {
        (f"member{n:03}@example.org", kind, state, due, attempts)
        for n in range(2)
        for kind, state, due, attempts in (("reminder", "sent", DAY_BEFORE, 1), ("update", "pending", later, 0))
    }
    assert smtp.messages == []  # nothing was sent again


# --- A real worker on PostgreSQL, faults injected from another connection ---------------------


@pytest.fixture
def worker():
    app.control.purge()  # nothing left over from another run
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as running:
        yield running


def _wait_for(predicate: Callable[[], bool], seconds: float = 120, every: float = 0.1) -> float:
    """Seconds until `predicate` held (well under REMINDER_STUCK_MINUTES: no reaper helped)."""
    started = time.monotonic()
    while time.monotonic() < started + seconds:
        close_old_connections()
        if predicate():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError("timed out")


def _raw_connection(*, autocommit: bool = True) -> psycopg.Connection:
    """A connection Django does not know, to inject faults from."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=autocommit,
    )


def _test_backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _due_now(committee, *, invitations: str = ReminderState.SENT) -> Session:
    """Planned yesterday, its 1 h reminders due now."""
    now = timezone.now()
    starts_at = now + timedelta(minutes=60, seconds=-5)
    return _session(committee, starts_at=starts_at, now=now - timedelta(days=1), invitations=invitations)


def _delivered_once(smtp, count: int) -> bool:
    return len(smtp.messages) >= count and not _rows_under_test().exclude(state=ReminderState.SENT).exists()


def _assert_each_sent_once(smtp) -> None:
    assert Counter(m["Message-ID"] for m in smtp.messages) == Counter(
        _rows_under_test().values_list("message_id", flat=True)
    )
    assert Counter(_recipient(m) for m in smtp.messages) == Counter(
        _rows_under_test().values_list("person__email", flat=True)
    )
    assert set(Counter(m["Message-ID"] for m in smtp.messages).values()) == {1}


@pytest.mark.slow
@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker")
def test_connection_dropped_right_after_the_smtp_server_accepts_sends_nothing_twice(smtp, settings):
    assert settings.REMINDER_STUCK_MINUTES == 10  # the reaper cannot be what delivers the rest
    committee = _committee(100, offsets=[60])
    spared = {_test_backend()}
    terminated: list[int] = []
    with _raw_connection() as killer:

        def drop_the_workers_connection(accepted: int) -> None:
            if accepted in (7, 33, 61):
                backends = killer.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                ended = [
                    killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
                    for (pid,) in backends
                    if pid not in spared
                ]
                terminated.append(ended.count(True))

        smtp.on_accept = drop_the_workers_connection
        _due_now(committee)
        scan_due_reminders.delay()
        seconds = _wait_for(lambda: _delivered_once(smtp, 100))
    assert terminated == [1, 1, 1]  # each time, the worker's one connection
    _assert_each_sent_once(smtp)
    assert len(smtp.messages) == 100
    assert set(_rows_under_test().values_list("state", "attempts")) == {("sent", 1)}  # none claimed twice
    print(f"\n[faults] 3 terminations, 100 due: 100 delivered, 0 duplicates, 0 failed, {seconds:.1f} s")


WAITING_ON_THE_AGENDA = (
    "SELECT pid, query_start FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    " AND query LIKE '%meetings_agendaitem%'"
)


@pytest.mark.slow
@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker")
def test_statements_cancelled_while_mails_are_written_fail_no_row(smtp, settings):
    """The agenda is locked, so the worker waits while reading the session; each wait is cancelled,
    five times, then the lock goes: the read is tried again each time, and every row goes out
    once, none fails."""
    settings.REMINDER_DB_BACKOFF_SECONDS = 1
    _due_now(_committee(40, offsets=[60]))
    cancelled: list[int] = []
    with _raw_connection(autocommit=False) as locker, _raw_connection() as saboteur:
        locker.execute("LOCK TABLE meetings_agendaitem IN ACCESS EXCLUSIVE MODE")

        def cancel_five_then_unlock() -> None:
            deadline = time.monotonic() + 60
            while len(cancelled) < 5 and time.monotonic() < deadline:
                for wait in saboteur.execute(WAITING_ON_THE_AGENDA).fetchall():
                    if saboteur.execute("SELECT pg_cancel_backend(%s)", [wait[0]]).fetchone()[0]:
                        cancelled.append(wait[0])
                    while wait in saboteur.execute(WAITING_ON_THE_AGENDA).fetchall() and time.monotonic() < deadline:
                        time.sleep(0.005)  # until that statement has ended (the next one starts later)
                time.sleep(0.01)
            locker.commit()

        sabotage = threading.Thread(target=cancel_five_then_unlock)
        sabotage.start()

        def scanned_and_delivered() -> bool:
            scan_due_reminders.delay()  # as beat would, for the rows put back
            return _delivered_once(smtp, 40)

        seconds = _wait_for(scanned_and_delivered, every=0.5)
        sabotage.join()
    assert len(cancelled) == 5
    _assert_each_sent_once(smtp)
    assert sorted(_rows_under_test().values_list("state", "attempts")) == [("sent", 1)] * 40
    print(f"\n[faults] 5 cancelled session reads, 40 due: 40 delivered, 0 duplicates, 0 failed, {seconds:.1f} s")


@pytest.mark.slow
@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker")
def test_a_two_second_storm_of_cancelled_statements_loses_and_doubles_nothing(smtp, settings):
    settings.REMINDER_DB_BACKOFF_SECONDS = 1
    committee = _committee(300, offsets=[60])
    spared = {_test_backend()}
    hits: list[int] = []

    def storm() -> None:
        with _raw_connection() as saboteur:
            until = time.monotonic() + 2
            while time.monotonic() < until:
                active = saboteur.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
                    " AND pid <> pg_backend_pid()"
                ).fetchall()
                for (pid,) in active:
                    if pid not in spared and saboteur.execute("SELECT pg_cancel_backend(%s)", [pid]).fetchone()[0]:
                        hits.append(pid)

    storming = threading.Thread(target=storm)
    smtp.on_accept = lambda accepted: accepted == 1 and storming.start()
    _due_now(committee)

    def scanned_and_delivered() -> bool:
        scan_due_reminders.delay()
        return _delivered_once(smtp, 300)

    seconds = _wait_for(scanned_and_delivered, every=0.5)
    storming.join()
    _assert_each_sent_once(smtp)
    assert len(smtp.messages) == 300
    put_back = _rows_under_test().filter(attempts__gt=1).count()
    print(f"\n[faults] storm: {len(hits)} cancels, {put_back} rows put back; 300 delivered, 0 failed, {seconds:.1f} s")


@pytest.mark.slow
@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker")
def test_a_session_moved_while_its_reminders_are_in_flight_notifies_only_those_reminded(smtp, settings):
    settings.REMINDER_CHUNK, settings.REMINDER_DEBOUNCE_SECONDS = 10, 0
    committee = _committee(30, offsets=[60])
    session = _due_now(committee, invitations=ReminderState.FAILED)  # the reminders are the first mails accepted
    old_due = session.starts_at - timedelta(minutes=60)
    smtp.on_accept = lambda accepted: (
        accepted == 4 and _in_another_thread(lambda: _moved(session, by=timedelta(days=1), now=timezone.now()))
    )

    def scanned_and_settled() -> bool:
        scan_due_reminders.delay()  # sends the notices once they are planned
        settled = not _rows_under_test().filter(state=ReminderState.SENDING).exists()
        notices = _rows_under_test().filter(kind=ReminderKind.UPDATE)
        return settled and notices.exists() and not notices.exclude(state=ReminderState.SENT).exists()

    _wait_for(scanned_and_settled, every=0.5)
    # The first chunk's rows were read before the move: all went out with the old time (the fourth
    # accepted after the move committed), and are followed by the notice. The rest were re-dated.
    reminded = {f"member{n:03}@example.org" for n in range(10)}
    assert Counter((_kind_of(m), _recipient(m)) for m in smtp.messages) == Counter(
        [("Reminder", email) for email in reminded] + [("Changed", email) for email in reminded]
    )
    new_due = old_due + timedelta(days=1)
    rows = _rows_under_test().values_list("person__email", "kind", "state", "due_at")
    assert sorted(
        (email, kind, state, due if kind == "reminder" else None) for email, kind, state, due in rows
    ) == sorted(
        [(email, "reminder", "sent", old_due) for email in reminded]
        + [(f"member{n:03}@example.org", "reminder", "pending", new_due) for n in range(10, 30)]
        + [(email, "update", "sent", None) for email in reminded]
    )
