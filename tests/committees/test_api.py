from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from committees.choices import Role
from tests.api import cached_bodies_forget, reader, reader_of, token_client
from tests.factories import CommitteeFactory, MembershipFactory, PersonFactory
from tracker.models import TokenScope
from tracker.schedule import schedule_changed

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False)
def test_committee_with_members_and_current_co_chairs():
    committee = CommitteeFactory(
        slug="chile-peru",
        name_en="Migration Committee",
        name_es="Comité de Migración",
        description="Binational.",
        reminder_offsets=[10080, 60],
    )
    chile = PersonFactory(
        full_name="Alberto van Klaveren", position="Minister of Foreign Affairs", organisation="MINREL", country="CL"
    )
    peru = PersonFactory(
        full_name="Hugo de Zela", position="Minister of Foreign Affairs", organisation="RREE", country="PE"
    )
    former = PersonFactory(full_name="Former Chair", position="", organisation="", country="PE")
    MembershipFactory(committee=committee, person=chile, role=Role.CO_CHAIR, delegation="CL")
    MembershipFactory(
        committee=committee,
        person=former,
        role=Role.CO_CHAIR,
        delegation="PE",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 11, 27),
    )
    MembershipFactory(committee=committee, person=peru, role=Role.CO_CHAIR, delegation="PE")
    schedule_changed()

    def person(p) -> dict:
        return {
            "id": p.pk,
            "full_name": p.full_name,
            "position": p.position,
            "organisation": p.organisation,
            "country": p.country.code,
        }

    def membership(p, delegation, start, end=None) -> dict:
        return {"person": person(p), "role": "co_chair", "delegation": delegation, "start_date": start, "end_date": end}

    response = reader().get("/api/v1/committees/chile-peru/")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "chile-peru",
        "name_es": "Comité de Migración",
        "name_en": "Migration Committee",
        "description": "Binational.",
        "description_en": "",
        "countries": ["CL", "PE"],
        "default_timezone": "America/Lima",
        "reminder_offsets": [10080, 60],
        "co_chairs": [membership(chile, "CL", "2025-11-28"), membership(peru, "PE", "2025-11-28")],
        "members": [
            membership(chile, "CL", "2025-11-28"),
            membership(former, "PE", "2025-01-01", "2025-11-27"),
            membership(peru, "PE", "2025-11-28"),
        ],
    }
    listing = reader().get("/api/v1/committees/").json()
    assert (listing["count"], listing["results"][0]) == (1, response.json())
    missing = reader().get("/api/v1/committees/nope/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No Committee matches the given query."})


def test_co_chairs_follow_the_date_without_any_change():
    committee = CommitteeFactory(slug="chile-peru")
    MembershipFactory(
        committee=committee,
        role=Role.CO_CHAIR,
        delegation="CL",
        start_date=date(2025, 11, 28),
        end_date=date(2026, 11, 26),
    )
    schedule_changed()
    client = reader()
    with time_machine.travel(datetime(2026, 11, 26, 20, 0, tzinfo=UTC), tick=False):  # 15:00 in Lima
        today = client.get("/api/v1/committees/chile-peru/")
        assert len(today.json()["co_chairs"]) == 1
    with time_machine.travel(datetime(2026, 11, 27, 12, 0, tzinfo=UTC), tick=False):
        tomorrow = client.get("/api/v1/committees/chile-peru/", HTTP_IF_NONE_MATCH=today["ETag"])
        assert (tomorrow.status_code, tomorrow.json()["co_chairs"]) == (200, [])


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False)
def test_list_queries_do_not_grow_with_committees_or_members():
    def make(slug: str):
        committee = CommitteeFactory(slug=slug)
        for delegation in ("CL", "PE"):
            MembershipFactory(committee=committee, role=Role.CO_CHAIR, delegation=delegation)
            MembershipFactory(committee=committee, delegation=delegation, end_date=date(2025, 12, 31))
        schedule_changed()
        return committee

    def queries(*committees) -> tuple[int, int]:
        # A real token and a reader of these committees: their lookups are among the queries.
        client = token_client(reader_of(*committees), scope=TokenScope.READ)
        client.get("/api/v1/")  # its first use is recorded once; later ones within a minute are not
        cached_bodies_forget()  # measure building the page, not serving it from the cache
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/committees/")
        assert response.status_code == 200
        return len(captured), sum(len(committee["co_chairs"]) for committee in response.json()["results"])

    first = make("a-first")
    one = queries(first)
    three = queries(first, make("b-second"), make("c-third"))
    # token, role, committees, language and schedule version in one; the committees; their
    # memberships with their people (the current co-chairs are picked from these, not asked for)
    assert (one, three) == ((3, 2), (3, 6))
