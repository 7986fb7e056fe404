"""Planning the next session from the last one: next number, the other host, the next free
Monday, the same agenda and a follow-up of the open commitments, reviewed on the add page before
anything is saved."""

import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

from meetings.models import AgendaItem, Commitment, Session
from meetings.selectors import SessionProposal, session_next_proposal
from tests.admin_forms import formset as inline_rows
from tests.api import secretariat_of
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime(2025, 12, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def history():
    """Session 1 in Santiago (Mon 1 Dec 2025, 10:00–12:00 local), session 2 in Lima (Mon 8 Dec,
    09:00–11:30 local) with two agenda items, session 3 already set for Mon 15 Dec."""
    committee = CommitteeFactory(country_a="CL", country_b="PE", default_timezone="America/Lima")
    first = SessionFactory(
        committee=committee,
        number=1,
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 1, 15, 0, tzinfo=UTC),
        timezone="America/Santiago",
        venue="Palacio de La Moneda, Santiago",
        host_country="CL",
    )
    second = SessionFactory(
        committee=committee,
        number=2,
        title="Revisión fronteriza",
        title_en="Border review",
        starts_at=datetime(2025, 12, 8, 14, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 8, 16, 30, tzinfo=UTC),
        timezone="America/Lima",
        venue="Torre Tagle, Lima",
        host_country="PE",
    )
    presenter = PersonFactory()
    AgendaItemFactory(session=second, position=1, title="Opening", duration_minutes=15, presenter=presenter)
    AgendaItemFactory(session=second, position=2, title="Border report", description="Chacalluta", duration_minutes=60)
    SessionFactory(
        committee=committee,
        number=3,
        starts_at=datetime(2025, 12, 15, 12, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 15, 13, 0, tzinfo=UTC),
        timezone="America/Santiago",
        venue="Cancillería, Santiago",  # the venue Chile used last
        host_country="CL",
    )
    return committee, first, second, presenter


def test_proposal_takes_the_other_host_its_last_venue_and_the_next_free_monday(history):
    committee, _first, second, presenter = history
    proposal = session_next_proposal(after=second, today=date(2025, 12, 3))
    assert proposal == SessionProposal(
        committee_id=committee.pk,
        number=4,
        host_country="CL",
        timezone="America/Santiago",
        venue="Cancillería, Santiago",
        title="Revisión fronteriza",
        title_en="Border review",
        # 15 December is taken by session 3; the time of day and length are session 2's.
        starts_local=datetime(2025, 12, 22, 9, 0),
        ends_local=datetime(2025, 12, 22, 11, 30),
        agenda=[
            {
                "title": "Opening",
                "title_en": "",
                "description": "",
                "description_en": "",
                "presenter": presenter.pk,
                "duration_minutes": 15,
            },
            {
                "title": "Border report",
                "title_en": "",
                "description": "Chacalluta",
                "description_en": "",
                "presenter": None,
                "duration_minutes": 60,
            },
        ],
    )


def test_proposal_never_lies_in_the_past_and_uses_the_committees_zone_for_a_first_visit(history):
    _committee, first, _second, _presenter = history
    Session.objects.filter(host_country="PE").delete()
    proposal = session_next_proposal(after=first, today=date(2026, 3, 4))
    assert (proposal.host_country, proposal.timezone, proposal.venue, proposal.starts_local) == (
        "PE",
        "America/Lima",
        "",
        datetime(2026, 3, 9, 10, 0),
    )


@time_machine.travel(TODAY, tick=False)
def test_admin_plans_the_next_session_and_saves_it_after_review(history, admin_client):
    committee, _first, second, presenter = history
    page = admin_client.get(f"/admin/meetings/session/{second.pk}/change/")
    assert f'href="/admin/meetings/session/add/?plan_after={second.pk}"' in page.content.decode()
    planned = admin_client.get(f"/admin/meetings/session/add/?plan_after={second.pk}")
    form = planned.context["adminform"].form
    assert {
        name: form.initial.get(name)
        for name in ("committee", "number", "title", "title_en", "host_country", "timezone", "venue")
    } == {
        "committee": committee.pk,
        "number": 4,
        "title": "Revisión fronteriza",
        "title_en": "Border review",
        "host_country": "CL",
        "timezone": "America/Santiago",
        "venue": "Cancillería, Santiago",
    }
    assert (form.initial["starts_at"], form.initial["ends_at"]) == (
        datetime(2025, 12, 22, 9, 0),
        datetime(2025, 12, 22, 11, 30),
    )
    html = planned.content.decode()
    # Each row's position comes with buttons that move it (the script renumbers the rows).
    assert html.count('class="agenda-move" data-move="up" title="Move up" aria-label="Move this item up"') == 3
    assert html.count('aria-live="polite" data-text="Now at position %(position)s."') == 3
    assert 'src="/static/meetings/agenda-order.js"' in html
    agenda = planned.context["inline_admin_formsets"][0].formset
    assert [(f.initial["position"], f.initial["title"], f.initial["presenter"]) for f in agenda.forms[:2]] == [
        (1, "Opening", presenter.pk),
        (2, "Border report", None),
    ]
    data = {
        "committee": str(committee.pk),
        "number": "4",
        "title": "Revisión fronteriza",
        "description": "",
        "status": "scheduled",
        "starts_at": "2025-12-22T09:00",
        "ends_at": "2025-12-22T11:30",
        "timezone": "America/Santiago",
        "venue": "Cancillería, Santiago",
        "host_country": "CL",
        "reminder_offsets": "",
        **inline_rows(
            "agenda_items",
            [
                {"position": "1", "title": "Opening", "presenter": str(presenter.pk), "duration_minutes": "15"},
                {"position": "2", "title": "Border report", "description": "Chacalluta", "duration_minutes": "60"},
            ],
        ),
        **inline_rows("invitees", []),
        **inline_rows("reminders", []),
    }
    response = admin_client.post(f"/admin/meetings/session/add/?plan_after={second.pk}", data)
    assert response.status_code == 302
    created = Session.objects.get(number=4)
    assert (created.host_country.code, created.starts_at, created.ends_at) == (
        "CL",
        datetime(2025, 12, 22, 12, 0, tzinfo=UTC),
        datetime(2025, 12, 22, 14, 30, tzinfo=UTC),
    )
    assert list(AgendaItem.objects.filter(session=created).values_list("position", "title", "presenter")) == [
        (1, "Opening", presenter.pk),
        (2, "Border report", None),
    ]


@time_machine.travel(TODAY, tick=False)
def test_planning_after_a_session_one_cannot_change_proposes_nothing(history):
    _committee, _first, second, _presenter = history
    stranger = Client()
    stranger.force_login(secretariat_of(CommitteeFactory(), "CL"))
    page = stranger.get(f"/admin/meetings/session/add/?plan_after={second.pk}")
    assert page.status_code == 200
    assert page.context["adminform"].form.initial.get("number") is None
    assert stranger.get("/admin/meetings/session/add/?plan_after=99999999999999999999").status_code == 200


def _commitment(session, *, text: str, text_en: str, responsible: str, due_on: date, status: str) -> Commitment:
    return Commitment.objects.create(
        committee=session.committee,
        session=session,
        key=uuid.uuid4(),
        text=text,
        text_en=text_en,
        responsible=responsible,
        due_on=due_on,
        status=status,
    )


FOLLOW_UP = {
    "title": "Seguimiento de compromisos",
    "title_en": "Follow-up of commitments",
    "description": "- Informe diario (Perú; plazo 2025-12-05)\n- Censo conjunto (ambas delegaciones; plazo 2026-01-10)",
    "description_en": "- Daily report (Peru; due 2025-12-05)\n- Censo conjunto (both delegations; due 2026-01-10)",
    "presenter": None,
    "duration_minutes": 15,
}


@pytest.fixture
def register(history):
    """Commitments of the committee open, in progress, done and dropped, and one of another committee."""
    _committee, first, _second, _presenter = history
    _commitment(first, text="Censo conjunto", text_en="", responsible="both", due_on=date(2026, 1, 10), status="open")
    _commitment(
        first,
        text="Informe diario",
        text_en="Daily report",
        responsible="PE",
        due_on=date(2025, 12, 5),
        status="in_progress",
    )
    _commitment(first, text="Mapa", text_en="Map", responsible="CL", due_on=date(2025, 12, 2), status="done")
    _commitment(first, text="Puente", text_en="Bridge", responsible="CL", due_on=date(2025, 12, 3), status="dropped")
    elsewhere = SessionFactory(committee=CommitteeFactory(country_a="CL", country_b="PE"), number=1)
    _commitment(elsewhere, text="Ajeno", text_en="Other", responsible="CL", due_on=date(2025, 12, 4), status="open")
    return history


def test_proposal_carries_exactly_the_committees_open_commitments(register):
    _committee, _first, second, _presenter = register
    proposal = session_next_proposal(after=second, today=date(2025, 12, 3))
    assert [row["title"] for row in proposal.agenda] == ["Opening", "Border report", "Seguimiento de compromisos"]
    assert proposal.agenda[-1] == FOLLOW_UP


def test_a_copied_follow_up_item_is_brought_up_to_date_not_repeated(register):
    _committee, _first, second, _presenter = register
    AgendaItemFactory(
        session=second,
        position=3,
        title="Seguimiento de compromisos",
        title_en="Follow-up of commitments",
        description="- Mapa (Chile; plazo 2025-12-02)",
        duration_minutes=20,
    )
    AgendaItem.objects.filter(session=second, position=1).update(position=4)  # the follow-up item is not last
    proposal = session_next_proposal(after=second, today=date(2025, 12, 3))
    assert [row["title"] for row in proposal.agenda] == ["Border report", "Opening", "Seguimiento de compromisos"]
    assert proposal.agenda[-1] == {**FOLLOW_UP, "duration_minutes": 20}


def test_nothing_open_is_nothing_to_follow_up(history):
    _committee, first, second, _presenter = history
    _commitment(first, text="Mapa", text_en="Map", responsible="CL", due_on=date(2025, 12, 2), status="done")
    AgendaItemFactory(session=second, position=3, title="Seguimiento de compromisos", duration_minutes=10)
    proposal = session_next_proposal(after=second, today=date(2025, 12, 3))
    assert [row["title"] for row in proposal.agenda] == ["Opening", "Border report"]


@time_machine.travel(TODAY, tick=False)
def test_admin_proposes_the_follow_up_item_with_the_agenda(register, admin_client):
    _committee, _first, second, _presenter = register
    planned = admin_client.get(f"/admin/meetings/session/add/?plan_after={second.pk}")
    agenda = planned.context["inline_admin_formsets"][0].formset
    assert {key: agenda.forms[2].initial[key] for key in FOLLOW_UP} == FOLLOW_UP
    assert agenda.forms[2].initial["position"] == 3
