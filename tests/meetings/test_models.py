from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from meetings.choices import SessionStatus
from tests.conftest import postgresql_only
from tests.factories import AgendaItemFactory, SessionFactory
from tracker.constraints import violated_constraint

pytestmark = pytest.mark.django_db


def _violation(create) -> str:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    return violated_constraint(caught.value)


def test_session_must_end_after_start():
    session = SessionFactory.build()
    assert _violation(lambda: SessionFactory(starts_at=session.starts_at, ends_at=session.starts_at)) == (
        "session_ends_after_start"
    )


def test_session_number_unique_per_committee():
    first = SessionFactory(number=1)
    assert _violation(lambda: SessionFactory(committee=first.committee, number=1)) in {
        "session_number_unique_per_committee",
        "meetings_session.committee_id, meetings_session.number",
    }
    assert SessionFactory(number=1).number == 1  # another committee may have its own first session


def test_session_status_must_be_known():
    assert _violation(lambda: SessionFactory(status="tentative")) == "session_status_known"


def test_agenda_positions_unique_and_positive_durations():
    item = AgendaItemFactory(position=1)
    assert _violation(lambda: AgendaItemFactory(session=item.session, position=1)) in {
        "agenda_position_unique_per_session",
        "meetings_agendaitem.session_id, meetings_agendaitem.position",
    }
    assert _violation(lambda: AgendaItemFactory(session=item.session, duration_minutes=0)) == (
        "agenda_duration_positive"
    )
    assert _violation(lambda: AgendaItemFactory(session=item.session, position=0)) == "agenda_position_positive"


@postgresql_only
def test_overlapping_sessions_refused_by_postgresql():
    first = SessionFactory()
    assert (
        _violation(
            lambda: SessionFactory(
                committee=first.committee,
                starts_at=first.ends_at - timedelta(minutes=1),
                ends_at=first.ends_at + timedelta(hours=1),
            )
        )
        == "session_no_overlap"
    )


@postgresql_only
def test_cancelled_and_back_to_back_sessions_do_not_overlap():
    first = SessionFactory()
    SessionFactory(committee=first.committee, starts_at=first.ends_at, ends_at=first.ends_at + timedelta(hours=1))
    cancelled = SessionFactory(
        committee=first.committee, status=SessionStatus.CANCELLED, starts_at=first.starts_at, ends_at=first.ends_at
    )
    reinstate = type(cancelled).objects.filter(pk=cancelled.pk).update
    assert _violation(lambda: reinstate(status=SessionStatus.SCHEDULED)) == "session_no_overlap"
