import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from meetings.choices import SessionStatus
from meetings.models import AgendaItem, Session, SessionTombstone
from meetings.services import (
    session_cancel,
    session_create,
    session_delete,
    session_mark_held,
    session_postpone,
    session_update,
)
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 10:00 in Santiago (summer time), 08:00 in Lima


def _create(committee, **overrides) -> Session:
    fields = {
        "committee": committee,
        "title": "Second session",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "timezone": "America/Santiago",
        "venue": "Ministry of Foreign Affairs, Santiago",
        "host_country": "CL",
        **overrides,
    }
    return session_create(**fields)


def _errors(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_create_numbers_sessions_and_agenda():
    committee, presenter = CommitteeFactory(), PersonFactory()
    first = _create(
        committee,
        agenda=[
            AgendaItem(title="Water and food", duration_minutes=30, presenter=presenter),
            AgendaItem(title="Documents and visas", duration_minutes=45),
        ],
    )
    second = _create(committee, starts_at=START + timedelta(days=7), ends_at=START + timedelta(days=7, hours=1))
    assert (first.number, second.number, first.sequence, first.status) == (1, 2, 0, "scheduled")
    assert list(first.agenda_items.values_list("position", "title", "duration_minutes", "presenter")) == [
        (1, "Water and food", 30, presenter.pk),
        (2, "Documents and visas", 45, None),
    ]


def test_naive_times_are_refused():
    assert _errors(
        lambda: _create(
            CommitteeFactory(), starts_at=datetime(2026, 12, 7, 10, 0), ends_at=datetime(2026, 12, 7, 12, 0)
        )
    ) == {
        "starts_at": ["Give the time with its UTC offset or time zone; a time without one is ambiguous."],
        "ends_at": ["Give the time with its UTC offset or time zone; a time without one is ambiguous."],
    }
    assert Session.objects.count() == 0


def test_end_must_follow_start_and_session_be_at_most_a_week():
    committee = CommitteeFactory()
    assert _errors(lambda: _create(committee, ends_at=START)) == {"ends_at": ["The session must end after it starts."]}
    assert _errors(lambda: _create(committee, ends_at=START + timedelta(days=7, minutes=1))) == {
        "ends_at": ["A session may last at most 7 days."]
    }


def test_overlap_is_refused_with_the_other_session_named():
    committee = CommitteeFactory()
    _create(committee, title="Border measures")
    assert _errors(
        lambda: _create(committee, starts_at=START + timedelta(hours=1), ends_at=START + timedelta(hours=3))
    ) == {
        "starts_at": [
            "Overlaps session 1 “Border measures” (2026-12-07 10:00 UTC-03:00 (America/Santiago) to "
            "2026-12-07 12:00 UTC-03:00 (America/Santiago))."
        ]
    }
    other_committee = _create(CommitteeFactory())  # another committee may meet at the same time
    back_to_back = _create(committee, starts_at=START + timedelta(hours=2), ends_at=START + timedelta(hours=3))
    assert (other_committee.number, back_to_back.number) == (1, 2)


def test_cancelled_session_frees_its_slot_and_cannot_be_reinstated_over_another():
    committee = CommitteeFactory()
    cancelled = session_cancel(session=_create(committee))
    replacement = _create(committee, title="Replacement")
    assert replacement.number == 2
    assert _errors(lambda: session_update(session=cancelled, data={"status": SessionStatus.SCHEDULED})) == {
        "starts_at": [
            "Overlaps session 2 “Replacement” (2026-12-07 10:00 UTC-03:00 (America/Santiago) to "
            "2026-12-07 12:00 UTC-03:00 (America/Santiago))."
        ]
    }


def test_agenda_longer_than_session_saves_nothing():
    committee = CommitteeFactory()
    assert _errors(
        lambda: _create(
            committee,
            agenda=[
                AgendaItem(title="One", duration_minutes=90),
                AgendaItem(title="Two", duration_minutes=40),
            ],
        )
    ) == {"agenda": ["The agenda lasts 130 minutes but the session only 120."]}
    assert (Session.objects.count(), AgendaItem.objects.count()) == (0, 0)


def test_shortening_a_session_below_its_agenda_is_refused():
    session = _create(CommitteeFactory(), agenda=[AgendaItem(title="One", duration_minutes=90)])
    assert _errors(lambda: session_update(session=session, data={"ends_at": START + timedelta(hours=1)})) == {
        "agenda": ["The agenda lasts 90 minutes but the session only 60."]
    }
    session.refresh_from_db()
    assert session.ends_at == START + timedelta(hours=2)


def test_bad_agenda_items_are_named():
    assert _errors(
        lambda: _create(
            CommitteeFactory(),
            agenda=[
                AgendaItem(title="Fine", duration_minutes=10),
                AgendaItem(title="Bad\r\nBcc: x@example.org", duration_minutes=0),
            ],
        )
    ) == {
        "agenda": [
            "Item 2, title: Must be a single line without control characters (found '\\n', '\\r').",
            "Item 2, duration (minutes): Ensure this value is greater than or equal to 1.",
        ]
    }
    assert Session.objects.count() == 0


def test_oversized_and_hostile_text_is_refused():
    assert _errors(lambda: _create(CommitteeFactory(), title="x" * 301, venue="Lima\nSantiago")) == {
        "title": ["Ensure this value has at most 300 characters (it has 301)."],
        "venue": ["Must be a single line without control characters (found '\\n')."],
    }


def test_sequence_rises_on_time_place_and_status_only():
    session = _create(CommitteeFactory())
    assert session_update(session=session, data={"title": "Renamed", "description": "More"}).sequence == 0
    assert session_update(session=session, data={"venue": "Lima"}).sequence == 1
    assert session_update(session=session, data={"starts_at": START - timedelta(hours=1)}).sequence == 2
    assert session_update(session=session, data={"timezone": "America/Lima"}).sequence == 3
    assert session_cancel(session=session).sequence == 4
    session.refresh_from_db()
    assert (session.sequence, session.status, session.title) == (4, "cancelled", "Renamed")


def test_status_transitions():
    committee = CommitteeFactory()
    future = _create(committee)
    assert _errors(lambda: session_mark_held(session=future, now=START - timedelta(days=1))) == {
        "status": ["A session can only be marked held once it has started."]
    }
    held = session_mark_held(session=future, now=START + timedelta(hours=1))
    assert held.status == "held"
    assert _errors(lambda: session_cancel(session=held)) == {"status": ["A held session cannot become cancelled."]}
    assert _errors(
        lambda: _create(
            committee,
            status=SessionStatus.POSTPONED,
            starts_at=START + timedelta(days=1),
            ends_at=START + timedelta(days=1, hours=1),
        )
    ) == {"status": ["A new session is either scheduled or, for one already past, held."]}


def test_postponed_session_given_a_new_time_is_scheduled_again():
    session = session_postpone(session=_create(CommitteeFactory()))
    assert (session.status, session.sequence) == ("postponed", 1)
    moved = session_update(
        session=session, data={"starts_at": START + timedelta(days=14), "ends_at": START + timedelta(days=14, hours=2)}
    )
    assert (moved.status, moved.sequence) == ("scheduled", 2)


def test_agenda_reorder_keeps_rows_and_deletes_the_left_out():
    session = _create(
        CommitteeFactory(),
        agenda=[
            AgendaItem(title="A", duration_minutes=10),
            AgendaItem(title="B", duration_minutes=10),
            AgendaItem(title="C", duration_minutes=10),
        ],
    )
    a, b, c = session.agenda_items.order_by("position")
    session_update(session=session, data={}, agenda=[c, a])
    assert list(session.agenda_items.order_by("position").values_list("pk", "position", "title")) == [
        (c.pk, 1, "C"),
        (a.pk, 2, "A"),
    ]
    assert not AgendaItem.objects.filter(pk=b.pk).exists()
    assert Session.objects.get().sequence == 0


def test_agenda_items_of_another_session_are_refused():
    foreign = AgendaItemFactory()
    session = _create(CommitteeFactory())
    assert _errors(lambda: session_update(session=session, data={}, agenda=[foreign])) == {
        "agenda": ["Item 1 belongs to another session."]
    }


def test_server_set_and_committee_fields_cannot_be_updated():
    session = _create(CommitteeFactory())
    assert _errors(lambda: session_update(session=session, data={"sequence": 9, "committee": CommitteeFactory()})) == {
        "committee": ["This field cannot be changed."],
        "sequence": ["This field cannot be changed."],
    }


def test_duplicate_number_is_a_field_error():
    committee = CommitteeFactory()
    _create(committee)
    assert _errors(
        lambda: _create(
            committee, number=1, starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=1)
        )
    ) == {"number": ["This committee already has a session with this number."]}


def test_existing_factory_sessions_validate_on_update():
    session = SessionFactory()
    assert session_update(session=session, data={"venue": "Arica"}).sequence == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_creates_exactly_one_wins():
    """PostgreSQL: the committee's row lock (and the exclusion constraint behind it);
    SQLite: the IMMEDIATE transaction's write lock."""
    committee = CommitteeFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(title: str) -> None:
        try:
            barrier.wait()
            _create(committee, title=title)
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(str(list(exc.message_dict)))
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(title,)) for title in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["['starts_at']", "created"]
    assert Session.objects.count() == 1


def test_delete_leaves_a_tombstone_and_refuses_held_sessions():
    committee = CommitteeFactory()
    doomed = _create(committee)
    held = session_mark_held(
        session=_create(
            committee, starts_at=START - timedelta(days=7), ends_at=START - timedelta(days=7) - timedelta(hours=-1)
        ),
        now=START,
    )
    uid, pk = doomed.uid, doomed.pk
    session_delete(session=doomed)
    assert list(SessionTombstone.objects.values_list("session_id", "uid", "committee", "number")) == [
        (pk, uid, committee.slug, 1)
    ]
    assert _errors(lambda: session_delete(session=held)) == {
        "status": ["A held session is part of the record and cannot be deleted."]
    }
    assert list(Session.objects.all()) == [held]
