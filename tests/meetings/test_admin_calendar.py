"""The admin's month calendar of sessions."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.api import secretariat_of
from tests.factories import CommitteeFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = "/admin/meetings/session/calendar/"


def _cells(response) -> dict[date, list[tuple[str, list[str]]]]:
    return {
        cell.day: [(f"#{s.number} {s.title}", s.clock_lines) for s in cell.sessions]
        for week in response.context["weeks"]
        for cell in week
        if cell.sessions
    }


def test_month_shows_each_session_on_its_venues_day_with_both_capitals(admin_client):
    committee = CommitteeFactory()
    SessionFactory(
        committee=committee,
        number=1,
        title="Santiago",
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
        timezone="America/Santiago",
    )
    # 22:00 in Lima on Monday is already Tuesday in UTC: it belongs on Monday.
    SessionFactory(
        committee=committee,
        number=2,
        title="Lima",
        starts_at=datetime(2025, 12, 2, 3, 0, tzinfo=UTC),
        timezone="America/Lima",
    )
    SessionFactory(committee=committee, number=3, title="Next year", starts_at=datetime(2026, 1, 5, 13, 0, tzinfo=UTC))
    response = admin_client.get(URL, {"month": "2025-12"})
    assert response.status_code == 200
    assert response.context["title"] == "Sessions in December 2025"
    assert [cell.day for cell in response.context["weeks"][0]][:2] == [date(2025, 12, 1), date(2025, 12, 2)]
    assert _cells(response) == {
        date(2025, 12, 1): [
            ("#1 Santiago", ["2025-12-01 10:00 UTC-03:00 (America/Santiago)", "Lima 08:00 · Santiago 10:00"]),
            ("#2 Lima", ["2025-12-01 22:00 UTC-05:00 (America/Lima)", "Lima 22:00 · Santiago 00:00 (Tue 2)"]),
        ],
    }
    assert (response.context["previous"], response.context["next"]) == ("2025-11", "2026-01")
    html = response.content.decode()
    assert '<th scope="col">Monday</th>' in html
    assert "<caption>Sessions in December 2025</caption>" in html


@time_machine.travel(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize("month", ["2025-13", "december", "0999-01", "2025-12-01"])
def test_a_bad_month_is_said_and_this_month_shown(admin_client, month):
    response = admin_client.get(URL, {"month": month})
    assert response.status_code == 200
    assert response.context["title"] == "Sessions in March 2026"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"“{month}” is not a month: give it as YYYY-MM."]


def test_a_secretariat_sees_only_its_committees_sessions_and_queries_stay_flat():
    mine, other = CommitteeFactory(), CommitteeFactory()
    SessionFactory(committee=mine, number=1, title="Mine", starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC))
    SessionFactory(committee=other, number=1, title="Theirs", starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC))
    client = Client()
    client.force_login(secretariat_of(mine, "CL"))
    with CaptureQueriesContext(connection) as one:
        response = client.get(URL, {"month": "2025-12"})
    assert _cells(response) == {
        date(2025, 12, 1): [
            ("#1 Mine", ["2025-12-01 10:00 UTC-03:00 (America/Santiago)", "Lima 08:00 · Santiago 10:00"])
        ]
    }
    for number in range(2, 12):
        SessionFactory(committee=mine, number=number, starts_at=datetime(2025, 12, number, 13, 0, tzinfo=UTC))
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"month": "2025-12"})
    assert len(many) == len(one)
    assert 'href="/admin/meetings/session/calendar/"' in client.get("/admin/meetings/session/").content.decode()
    assert Client().get(URL).status_code == 302
