from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from committees.models import Committee, Membership, Person
from meetings.models import AgendaItem, Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _sessions() -> list[tuple]:
    return list(
        Session.objects.order_by("number").values_list(
            "number", "status", "starts_at", "timezone", "host_country", "venue"
        )
    )


@time_machine.travel(TODAY, tick=False)
def test_seed_demo_creates_the_committee_once():
    assert _seed() == ("Demo committee “chile-peru-migration”: 6 people, 6 memberships and 4 sessions added.\n")
    assert _seed() == "Demo committee “chile-peru-migration”: 0 people, 0 memberships and 0 sessions added.\n"

    committee = Committee.objects.get()
    assert (
        committee.name_en,
        committee.name_es,
        committee.countries,
        committee.reminder_offsets,
        committee.schedule_published,
    ) == (
        "Chile–Peru Binational Migration Cooperation Committee",
        "Comité Binacional de Cooperación Migratoria Chile–Perú",
        ("CL", "PE"),
        [10080, 1440, 60],
        True,
    )
    assert (committee.description.startswith("Creado por"), committee.description_en.startswith("Formed by")) == (
        True,
        True,
    )
    assert set(Membership.objects.values_list("person__full_name", "person__position", "role", "delegation")) == {
        ("Alberto van Klaveren", "Minister of Foreign Affairs", "co_chair", "CL"),
        ("Hugo de Zela", "Minister of Foreign Affairs", "co_chair", "PE"),
        ("Luis Cordero", "Minister of Public Security", "member", "CL"),
        ("Álvaro Elizalde", "Minister of the Interior", "member", "CL"),
        ("Víctor Ramos", "Undersecretary of the Interior", "adviser", "CL"),
        ("Rafael Collado", "Undersecretary of Public Security", "adviser", "CL"),
    }
    emails = [*Person.objects.values_list("email", flat=True), committee.secretariat_email]
    assert all(email.endswith(".example") for email in emails), emails

    lima, santiago = "Ministry of Foreign Affairs of Peru, Lima", "Ministry of Foreign Affairs of Chile, Santiago"
    assert _sessions() == [
        # Monday 1 December 2025, 10:00 in Santiago (UTC-3)
        (1, "held", datetime(2025, 12, 1, 13, 0, tzinfo=UTC), "America/Santiago", "CL", santiago),
        # the next Mondays, 10:00 at the host's capital, the host alternating
        (2, "scheduled", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "America/Lima", "PE", lima),
        (3, "scheduled", datetime(2026, 12, 7, 13, 0, tzinfo=UTC), "America/Santiago", "CL", santiago),
        (4, "scheduled", datetime(2026, 12, 14, 15, 0, tzinfo=UTC), "America/Lima", "PE", lima),
    ]
    first = Session.objects.get(number=1)
    assert (first.title, first.title_en) == (
        "Los migrantes varados en la frontera Chacalluta–Santa Rosa",
        "The migrants stranded at the Chacalluta–Santa Rosa border",
    )
    assert [
        (i.position, i.title_en, i.presenter.full_name, i.duration_minutes, bool(i.outcome), bool(i.outcome_en))
        for i in first.agenda_items.select_related("presenter")
    ] == [
        (1, "Water and food for the migrants stranded at the border", "Luis Cordero", 30, True, True),
        (2, "An ordered and safe exit through Chacalluta", "Víctor Ramos", 30, True, True),
        (3, "Documents and visas", "Hugo de Zela", 30, True, True),
        (4, "Police and armed forces under Peru's state of emergency in Tacna", "Rafael Collado", 30, True, True),
    ]
    assert [i.title for i in first.agenda_items.all()][:1] == [
        "Agua y alimentos para los migrantes varados en la frontera"
    ]
    assert AgendaItem.objects.filter(session__number__gt=1).count() == 9


def test_seed_demo_keeps_three_sessions_ahead():
    with time_machine.travel(TODAY, tick=False):
        _seed()
    with time_machine.travel(TODAY + timedelta(days=8), tick=False):  # session 2 is past
        assert _seed().endswith("0 people, 0 memberships and 1 sessions added.\n")
    assert _sessions()[-1] == (
        5,
        "scheduled",
        datetime(2026, 12, 21, 13, 0, tzinfo=UTC),
        "America/Santiago",
        "CL",
        "Ministry of Foreign Affairs of Chile, Santiago",
    )


def test_seed_demo_keeps_staff_edits_and_never_fails():
    with time_machine.travel(TODAY, tick=False):
        _seed()
    committee = Committee.objects.get()
    Person.objects.filter(full_name="Luis Cordero").update(email="l.cordero@seguridad.cl.example")
    Person.objects.filter(full_name="Hugo de Zela").update(full_name="Hugo de Zela Llosa", email="")
    Session.objects.filter(number=4).delete()
    Session.objects.filter(number=3).update(status="cancelled")
    SessionFactory(
        committee=committee, number=9, title="Staff session", starts_at=datetime(2026, 12, 14, 14, 0, tzinfo=UTC)
    )
    with time_machine.travel(TODAY, tick=False):
        out = _seed()
    assert out.splitlines() == [
        "Demo committee “chile-peru-migration”: 1 people, 0 memberships and 1 sessions added.",
        "Left as it is: Hugo de Zela: Peru already has a co-chair in that period: Hugo de Zela Llosa.",
    ]
    assert Person.objects.filter(full_name="Luis Cordero").count() == 1
    assert [
        (s.number, s.status, s.starts_at, s.host_country.code)
        for s in Session.objects.filter(starts_at__gt=TODAY).order_by("starts_at")
    ] == [
        (2, "scheduled", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "PE"),
        (3, "cancelled", datetime(2026, 12, 7, 13, 0, tzinfo=UTC), "CL"),
        (9, "scheduled", datetime(2026, 12, 14, 14, 0, tzinfo=UTC), "CL"),
        (10, "scheduled", datetime(2026, 12, 21, 15, 0, tzinfo=UTC), "PE"),
    ]
