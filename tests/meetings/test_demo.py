from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from committees.models import Committee, Membership, Person
from meetings.demo import SeedReport, seed_demo
from meetings.demo_data import FIRST_AGENDA, FIRST_AGREED, FIRST_CLOSING, FIRST_DONE, SECOND_AGENDA
from meetings.models import (
    AgendaItem,
    Commitment,
    CommitmentUpdate,
    Record,
    RecordApproval,
    RecordAttendance,
    RecordEntry,
    RecordVersion,
    Reminder,
    Session,
)
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
OPENED = "Acordado en la sesión 1."  # the register's note, in the committee's working language


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
    assert _seed() == (
        "Demo committee “chile-peru-migration”: 8 people, 8 memberships, 5 sessions and 2 records added.\n"
    )
    assert (
        _seed() == "Demo committee “chile-peru-migration”: 0 people, 0 memberships, 0 sessions and 0 records added.\n"
    )

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
        ("Carolina Fuentes", "Secretary of the Chilean delegation", "secretary", "CL"),
        ("Martín Quispe", "Secretary of the Peruvian delegation", "secretary", "PE"),
    }
    emails = [*Person.objects.values_list("email", flat=True), committee.secretariat_email]
    assert all(email.endswith(".example") for email in emails), emails

    lima, santiago = "Ministry of Foreign Affairs of Peru, Lima", "Ministry of Foreign Affairs of Chile, Santiago"
    assert _sessions() == [
        # Monday 1 December 2025, 10:00 in Santiago (UTC-3)
        (1, "held", datetime(2025, 12, 1, 13, 0, tzinfo=UTC), "America/Santiago", "CL", santiago),
        # the follow-up two weeks later, 10:00 in Lima (UTC-5)
        (2, "held", datetime(2025, 12, 15, 15, 0, tzinfo=UTC), "America/Lima", "PE", lima),
        # the next Mondays, 10:00 at the host's capital, the host alternating
        (3, "scheduled", datetime(2026, 11, 30, 13, 0, tzinfo=UTC), "America/Santiago", "CL", santiago),
        (4, "scheduled", datetime(2026, 12, 7, 15, 0, tzinfo=UTC), "America/Lima", "PE", lima),
        (5, "scheduled", datetime(2026, 12, 14, 13, 0, tzinfo=UTC), "America/Santiago", "CL", santiago),
    ]
    first = Session.objects.get(number=1)
    assert (first.title, first.title_en) == (
        "Los migrantes varados en la frontera Chacalluta–Santa Rosa",
        "The migrants stranded at the Chacalluta–Santa Rosa border",
    )
    assert [
        (i.position, i.title_en, i.presenter.full_name, i.duration_minutes)
        for i in first.agenda_items.select_related("presenter")
    ] == [
        (1, "Water and food for the migrants stranded at the border", "Luis Cordero", 30),
        (2, "An ordered and safe exit through Chacalluta", "Víctor Ramos", 30),
        (3, "Documents and visas", "Hugo de Zela", 30),
        (4, "Police and armed forces under Peru's state of emergency in Tacna", "Rafael Collado", 30),
    ]
    assert [i.title for i in first.agenda_items.all()][:1] == [
        "Agua y alimentos para los migrantes varados en la frontera"
    ]
    assert AgendaItem.objects.filter(session__number__gt=1).count() == 12


def test_seed_demo_keeps_three_sessions_ahead():
    with time_machine.travel(TODAY, tick=False):
        _seed()
    with time_machine.travel(TODAY + timedelta(days=8), tick=False):  # session 2 is past
        assert _seed().endswith("0 people, 0 memberships, 1 sessions and 0 records added.\n")
    assert _sessions()[-1] == (
        6,
        "scheduled",
        datetime(2026, 12, 21, 15, 0, tzinfo=UTC),
        "America/Lima",
        "PE",
        "Ministry of Foreign Affairs of Peru, Lima",
    )


def test_seed_demo_keeps_staff_edits_and_never_fails():
    with time_machine.travel(TODAY, tick=False):
        _seed()
    committee = Committee.objects.get()
    Person.objects.filter(full_name="Luis Cordero").update(email="l.cordero@seguridad.cl.example")
    Person.objects.filter(full_name="Hugo de Zela").update(full_name="Hugo de Zela Llosa", email="")
    Session.objects.filter(number=5).delete()
    Session.objects.filter(number=4).update(status="cancelled")
    SessionFactory(
        committee=committee, number=9, title="Staff session", starts_at=datetime(2026, 12, 14, 14, 0, tzinfo=UTC)
    )
    with time_machine.travel(TODAY, tick=False):
        out = _seed()
    assert out.splitlines() == [
        "Demo committee “chile-peru-migration”: 1 people, 0 memberships, 1 sessions and 0 records added.",
        "Left as it is: Hugo de Zela: Peru already has a co-chair in that period: Hugo de Zela Llosa.",
    ]
    assert Person.objects.filter(full_name="Luis Cordero").count() == 1
    assert [
        (s.number, s.status, s.starts_at, s.host_country.code)
        for s in Session.objects.filter(starts_at__gt=TODAY).order_by("starts_at")
    ] == [
        (3, "scheduled", datetime(2026, 11, 30, 13, 0, tzinfo=UTC), "CL"),
        (4, "cancelled", datetime(2026, 12, 7, 15, 0, tzinfo=UTC), "PE"),
        (9, "scheduled", datetime(2026, 12, 14, 14, 0, tzinfo=UTC), "CL"),
        (10, "scheduled", datetime(2026, 12, 21, 15, 0, tzinfo=UTC), "PE"),
    ]


def _tables() -> dict[str, list]:
    """Every row the demo writes, to tell that a second run changes nothing."""
    models = (
        Committee,
        Person,
        Membership,
        Session,
        AgendaItem,
        Record,
        RecordEntry,
        RecordAttendance,
        RecordApproval,
        RecordVersion,
        Commitment,
        CommitmentUpdate,
        Reminder,
        User,
    )
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@time_machine.travel(TODAY, tick=False)
def test_seed_demo_records_the_held_sessions_and_follows_three_commitments():
    _seed()
    first, second = Session.objects.filter(number__in=(1, 2)).order_by("number")
    assert [
        (r.session.number, r.state, r.version, sorted(r.approvals.values_list("delegation", "approver_name")))
        for r in Record.objects.order_by("session__number")
    ] == [
        (1, "approved", 1, [("CL", "Demo data"), ("PE", "Demo data")]),
        (2, "proposed", 1, [("CL", "Demo data")]),
    ]
    (version,) = RecordVersion.objects.all()
    content = version.content
    assert (version.record.session, version.number, version.approved_at) == (first, 1, TODAY)
    assert [
        [
            (entry["kind"], entry["text_en"], entry["responsible"], entry["person"], entry["due_on"])
            for entry in item["entries"]
        ]
        for item in content["items"]
    ] == [
        [
            ("decision", FIRST_AGENDA[0].agreed_en, "", "", None),
            ("commitment", FIRST_AGREED[0].text_en, "both", "", "2025-12-03"),
        ],
        [("decision", FIRST_AGENDA[1].agreed_en, "", "", None)],
        [
            ("decision", FIRST_AGENDA[2].agreed_en, "", "", None),
            ("commitment", FIRST_AGREED[1].text_en, "PE", "", "2025-12-12"),
        ],
        [
            ("decision", FIRST_AGENDA[3].agreed_en, "", "", None),
            ("commitment", FIRST_AGREED[2].text_en, "CL", "Rafael Collado", "2027-01-25"),
        ],
        [("note", "The co-chairs agreed to meet again on Monday 15 December 2025 in Lima.", "", "", None)],
    ]
    assert [item["entries"][0]["text"] for item in content["items"][:4]] == [item.agreed for item in FIRST_AGENDA]
    assert (content["closing_remarks"], content["closing_remarks_en"]) == FIRST_CLOSING
    assert len(content["attendance"]) == 8 and all(row["present"] for row in content["attendance"])
    assert [
        (entry.agenda_item.position, entry.kind, entry.text_en)
        for entry in second.record.entries.select_related("agenda_item")
    ] == [
        (1, "decision", SECOND_AGENDA[0].agreed_en),
        (2, "decision", SECOND_AGENDA[1].agreed_en),
        (3, "decision", SECOND_AGENDA[2].agreed_en),
    ]
    # One overdue (due before today, open), one done with its note, one due ahead.
    assert [
        (c.session.number, c.text, c.responsible, c.due_on, c.status, list(c.updates.values_list("status", "note")))
        for c in Commitment.objects.order_by("due_on")
    ] == [
        (1, FIRST_AGREED[0].text, "both", date(2025, 12, 3), "done", [("open", OPENED), ("done", FIRST_DONE)]),
        (1, FIRST_AGREED[1].text, "PE", date(2025, 12, 12), "open", [("open", OPENED)]),
        (1, FIRST_AGREED[2].text, "CL", date(2027, 1, 25), "open", [("open", OPENED)]),
    ]
    secretaries = Membership.objects.filter(role="secretary").order_by("delegation")
    assert [(m.delegation.code, m.person.full_name, m.person.email) for m in secretaries] == [
        ("CL", "Carolina Fuentes", "carolina.fuentes@minrel.cl.example"),
        ("PE", "Martín Quispe", "martin.quispe@rree.pe.example"),
    ]
    system = User.objects.get(username="demo-data")
    assert (system.is_active, system.is_staff, system.has_usable_password()) == (False, False, False)
    before = _tables()
    assert seed_demo() == SeedReport()
    assert _tables() == before


@time_machine.travel(TODAY, tick=False)
def test_seed_demo_shows_the_record_and_the_commitments_on_the_pages(client):
    _seed()
    first = Session.objects.get(number=1)
    page = client.get(f"/schedule/sessions/{first.pk}/").content.decode()
    assert "Approved version 1 on 2026-11-26." in page
    assert f"<strong>Decision:</strong> {FIRST_AGENDA[0].agreed_en}</li>" in page
    assert "record-pending" not in page  # an anonymous reader is told nothing of the second record
    register = client.get("/schedule/chile-peru-migration/commitments/")
    assert [(row.commitment.due_on, row.overdue) for row in register.context["rows"]] == [
        (date(2025, 12, 3), False),
        (date(2025, 12, 12), True),
        (date(2027, 1, 25), False),
    ]
