"""The record and the commitments on the schedule pages: what each role reads of an approved
record with a newer version being written, its PDF, earlier approved versions, and the
commitments register with its filters, on both committees of the world."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from committees.access import access_for
from meetings.choices import SessionStatus
from meetings.models import Commitment, CommitmentUpdate, Record, RecordEntry, Session
from meetings.records.commitments import commitment_status_set
from meetings.records.services import record_approve, record_correct, record_propose, record_save, record_start
from meetings.services import session_mark_held
from tests.api import secretariat_of
from tests.world import ROLES, World, admin_client

pytestmark = pytest.mark.django_db

APPROVED_AT = datetime(2030, 1, 9, 15, 0, tzinfo=UTC)
TODAY = datetime(2030, 3, 1, 15, 0, tzinfo=UTC)


def record_approved(session: Session, entries: list[RecordEntry], *, closing: tuple[str, str] = ("", "")) -> Record:
    """The session, marked held, with its record written by the first country's secretariat and
    approved by both delegations' (new users of the committee, one per delegation)."""
    if session.status != SessionStatus.HELD:
        session = session_mark_held(session=session, now=session.ends_at)
    users = [secretariat_of(session.committee, country) for country in session.committee.countries]
    writer = access_for(users[0])
    record = record_start(session=session, access=writer)
    record.closing_remarks, record.closing_remarks_en = closing
    record = record_save(record=record, access=writer, user=users[0], entries=entries)
    record = record_propose(record=record, access=writer, user=users[0])
    for user in users:
        record = record_approve(record=record, revision=record.revision, access=access_for(user), user=user)
    return record


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def record_outline(response) -> dict:
    """What a session page says of the record: the version line, each agreed row, the line on a
    version being written, attendance and closing remarks."""
    html = response.content.decode()

    def found(pattern: str) -> list[str]:
        return [_text(part) for part in re.findall(pattern, html, re.S)]

    return {
        "approved": found(r'<p class="record-approved">(.*?)</p>'),
        "entries": found(r'<li class="entry entry-\w+">(.*?)</li>'),
        "pending": found(r'<p class="record-pending">(.*?)</p>'),
        "attendance": [
            (_text(delegation), [_text(li) for li in re.findall(r"<li>(.*?)</li>", rows, re.S)])
            for delegation, rows in re.findall(r'<h3>(.*?)</h3>\s*<ul class="attendance">(.*?)</ul>', html, re.S)
        ],
    }


@pytest.fixture
def recorded(world: World) -> World:
    """A's session: version 1 approved, version 2 a draft with new text. B's session: approved."""
    w = world
    with time_machine.travel(APPROVED_AT, tick=False):
        record = record_approved(
            w.a_session,
            [
                RecordEntry(agenda_item=w.a_item, kind="decision", text="Abrir el corredor.", text_en="Open it."),
                RecordEntry(
                    agenda_item=w.a_item,
                    kind="commitment",
                    text="Informe diario.",
                    responsible="PE",
                    person=w.peruvian,
                    due_on=date(2030, 2, 1),
                ),
                RecordEntry(kind="note", text="Sesión cordial.", text_en="A cordial session."),
            ],
            closing=("Se levanta la sesión.", "The session is closed."),
        )
        own = w.users["own"]
        record = record_correct(record=record, reason="Una errata.", access=access_for(own), user=own)
        entry = record.entries.get(kind="decision")
        entry.text, entry.text_en = "Texto del borrador.", "Draft text."
        record_save(
            record=record, access=access_for(own), user=own, entries=[entry, *record.entries.exclude(pk=entry.pk)]
        )
        record_approved(w.b_session, [RecordEntry(agenda_item=w.b_item, kind="decision", text="Aranceles.")])
    return w


A_APPROVED = {
    "approved": ["Approved version 1 on 2030-01-09."],
    "entries": [
        "Decision: Open it.",
        "Commitment: Informe diario. Responsible: Peru ({peruvian}). Due: 2030-02-01.",
        "Note: A cordial session.",
    ],
}
DRAFT_LINE = ["Version 2 of the record is a draft, not yet proposed for approval."]


def _expected(world: World, outline: dict) -> dict:
    names = {"chilean": world.chilean.full_name, "peruvian": world.peruvian.full_name}
    return {key: [line.format(**names) for line in lines] for key, lines in outline.items()}


@pytest.mark.parametrize("role", ROLES)
def test_session_page_shows_the_approved_record_and_a_draft_only_to_the_committee(recorded, role):
    w = recorded
    response = admin_client(w, role).get(f"/schedule/sessions/{w.a_session.pk}/")
    outline = record_outline(response)
    of_a = role in ("reader", "own", "other", "administrator")
    attendance = [
        ("Chile", sorted([f"{w.chilean.full_name}, Adviser", f"{w.shared.full_name}, Adviser"])),
        ("Peru", [f"{w.peruvian.full_name}, Adviser"]),
    ]
    assert (response.status_code, outline) == (
        200,
        {
            "approved": A_APPROVED["approved"],
            "entries": _expected(w, A_APPROVED)["entries"],
            "pending": DRAFT_LINE if of_a else [],
            "attendance": attendance,
        },
    )
    html = response.content.decode()
    assert ("Texto del borrador" in html, "Draft text" in html, "Una errata" in html) == (False, False, False)
    assert '<span lang="es">Informe diario.</span>' in html
    assert "<h2>The session as a whole</h2>" in html
    assert "<p>The session is closed.</p>" in html
    assert f'href="/schedule/sessions/{w.a_session.pk}/record-es.pdf" hreflang="es"' in html
    assert f'href="/schedule/sessions/{w.a_session.pk}/record-en.pdf" hreflang="en"' in html


# For each role of ROLES: the status of B's (unpublished) session page and its record's PDF.
B_STATUS = (302, 404, 404, 404, 200, 200)


@pytest.mark.parametrize(("role", "status"), list(zip(ROLES, B_STATUS, strict=True)))
def test_another_committees_unpublished_record_is_not_found(recorded, role, status):
    w = recorded
    client = admin_client(w, role)
    page = client.get(f"/schedule/sessions/{w.b_session.pk}/")
    pdf = client.get(f"/schedule/sessions/{w.b_session.pk}/record-es.pdf")
    assert (page.status_code, pdf.status_code) == (status, status)
    if status == 302:
        assert pdf["Location"] == f"/schedule/sign-in/?next=/schedule/sessions/{w.b_session.pk}/record-es.pdf"
    if status == 200:
        assert record_outline(page)["entries"] == ["Decision: Aranceles."]
        assert pdf["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("role", ROLES)
def test_the_pdf_of_a_published_committee_is_for_whoever_reads_its_page(recorded, role):
    w = recorded
    client = admin_client(w, role)
    slug = w.a.slug
    for language in ("es", "en"):
        response = client.get(f"/schedule/sessions/{w.a_session.pk}/record-{language}.pdf")
        assert (response.status_code, response["Content-Type"], response["Content-Disposition"]) == (
            200,
            "application/pdf",
            f'attachment; filename="{slug}-session-1-record-v1-{language}.pdf"',
        )
        assert response.content.startswith(b"%PDF-")
    assert client.get(f"/schedule/sessions/{w.a_session.pk}/record-fr.pdf").status_code == 404
    assert client.get(f"/schedule/sessions/{w.a_session.pk}/record-es.pdf?version=2").status_code == 404


def test_no_approved_record_means_no_pdf_and_nothing_about_the_draft_for_anonymous_readers(world):
    w = world
    session = session_mark_held(session=w.a_session, now=w.a_session.ends_at)
    own = w.users["own"]
    record = record_start(session=session, access=access_for(own))
    record_save(
        record=record,
        access=access_for(own),
        user=own,
        entries=[RecordEntry(agenda_item=w.a_item, kind="decision", text="Secreto.")],
    )
    record_propose(record=record, access=access_for(own), user=own)
    anonymous, reader = admin_client(w, "anonymous"), admin_client(w, "reader")
    assert record_outline(anonymous.get(f"/schedule/sessions/{session.pk}/")) == {
        "approved": [],
        "entries": [],
        "pending": [],
        "attendance": [],
    }
    page = reader.get(f"/schedule/sessions/{session.pk}/")
    assert record_outline(page)["pending"] == [
        "Version 1 of the record is proposed and awaits both delegations' approval."
    ]
    assert "No record of this session has been approved yet." in page.content.decode()
    assert "Secreto" not in page.content.decode()
    for client in (anonymous, reader):
        assert client.get(f"/schedule/sessions/{session.pk}/record-es.pdf").status_code == 404


def test_an_earlier_approved_version_stays_readable(recorded):
    w = recorded
    record = Record.objects.get(session=w.a_session)
    record = record_propose(record=record, access=access_for(w.users["own"]), user=w.users["own"])
    with time_machine.travel(datetime(2030, 1, 20, 15, 0, tzinfo=UTC), tick=False):
        for role in ("own", "other"):
            user = w.users[role]
            record = record_approve(record=record, revision=record.revision, access=access_for(user), user=user)
    client = admin_client(w, "anonymous")
    url = f"/schedule/sessions/{w.a_session.pk}/"
    latest, earlier = record_outline(client.get(url)), record_outline(client.get(f"{url}?version=1"))
    assert (latest["approved"], latest["entries"][0], latest["pending"]) == (
        ["Approved version 2 on 2030-01-20."],
        "Decision: Draft text.",
        [],
    )
    assert (earlier["approved"], earlier["entries"][0]) == (
        ["Approved version 1 on 2030-01-09. An earlier version: version 2 replaces it. Read the latest version"],
        "Decision: Open it.",
    )
    html = client.get(f"{url}?version=1").content.decode()
    assert f'href="{url}record-es.pdf?version=1"' in html
    assert f'<a href="{url}?version=2">Version 2 of 2030-01-20</a>' in html
    assert '<strong aria-current="page">Version 1 of 2030-01-09</strong>' in html
    for wrong in ("3", "0", "x", ""):
        assert client.get(url, {"version": wrong}).status_code == 404, wrong
    pdf = client.get(f"{url}record-en.pdf?version=1")
    assert pdf["Content-Disposition"] == f'attachment; filename="{w.a.slug}-session-1-record-v1-en.pdf"'


def test_session_page_in_spanish_shows_the_spanish_text(recorded):
    w = recorded
    page = admin_client(w, "anonymous").get(f"/schedule/sessions/{w.a_session.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    shown = ("Abrir el corredor.", "Sesión cordial.", "<p>Se levanta la sesión.</p>", "Perú (Person")
    hidden = ("Open it.", "A cordial session.", "The session is closed.", '<span lang="es">')
    assert ([text in html for text in shown], [text in html for text in hidden]) == ([True] * 4, [False] * 4)


# --- The commitments register --------------------------------------------------------------


@pytest.fixture
def register(world: World) -> dict[str, Commitment]:
    """Committee A's approved record with three commitments: Chile's, overdue by TODAY; Peru's,
    done; both delegations', due after TODAY. B's has one of its own."""
    w = world
    with time_machine.travel(APPROVED_AT, tick=False):
        record_approved(
            w.a_session,
            [
                RecordEntry(kind="commitment", text="Uno.", text_en="One.", responsible="CL", due_on=date(2030, 1, 20)),
                RecordEntry(
                    agenda_item=w.a_item,
                    kind="commitment",
                    text="Dos.",
                    responsible="PE",
                    person=w.peruvian,
                    due_on=date(2030, 2, 1),
                ),
                RecordEntry(kind="commitment", text="Tres.", responsible="both", due_on=date(2030, 6, 1)),
            ],
        )
        record_approved(
            w.b_session, [RecordEntry(kind="commitment", text="De B.", responsible="AR", due_on=date(2030, 2, 1))]
        )
    by_text = {c.text: c for c in Commitment.objects.all()}
    with time_machine.travel(datetime(2030, 2, 2, 15, 0, tzinfo=UTC), tick=False):
        other = w.users["other"]
        commitment_status_set(
            commitment=by_text["Dos."], status="done", note="Entregado.", access=access_for(other), user=other
        )
    return by_text


def _register(response) -> list[tuple]:
    return [
        (row.commitment.text, row.commitment.status, row.overdue, row.responsible) for row in response.context["rows"]
    ]


@pytest.mark.parametrize(("role", "b_status"), list(zip(ROLES, B_STATUS, strict=True)))
def test_commitments_page_is_read_as_the_committees_schedule(register, world, role, b_status):
    with time_machine.travel(TODAY, tick=False):
        client = admin_client(world, role)  # signed in on the day: a session does not last years
        a = client.get(f"/schedule/{world.a.slug}/commitments/")
        b = client.get(f"/schedule/{world.b.slug}/commitments/")
    assert (a.status_code, _register(a)) == (
        200,
        [
            ("Uno.", "open", True, "Chile"),
            ("Dos.", "done", False, f"Peru ({world.peruvian.full_name})"),
            ("Tres.", "open", False, "Both delegations"),
        ],
    )
    assert b.status_code == b_status
    if b_status == 200:
        assert _register(b) == [("De B.", "open", True, "Argentina")]
    if b_status == 302:
        assert b["Location"] == f"/schedule/sign-in/?next=/schedule/{world.b.slug}/commitments/"


def test_commitments_page_shows_dated_notes_and_marks_overdue(register, world):
    with time_machine.travel(TODAY, tick=False):
        response = admin_client(world, "anonymous").get(f"/schedule/{world.a.slug}/commitments/")
    done = register["Dos."]
    agreed, _delivered = CommitmentUpdate.objects.filter(commitment=done).order_by("changed_at")
    notes = {row.commitment.text: row.notes for row in response.context["rows"]}
    assert notes["Dos."] == [("2030-01-09", "Open", agreed.note), ("2030-02-02", "Done", "Entregado.")]
    html = response.content.decode()
    assert html.count('<strong class="overdue-mark">Overdue</strong>') == 1
    assert '<time datetime="2030-01-20">2030-01-20</time>' in html
    assert f'<a href="/schedule/sessions/{world.a_session.pk}/">Session 1:' in html
    committee_page = admin_client(world, "anonymous").get(f"/schedule/{world.a.slug}/").content.decode()
    assert f'<a href="/schedule/{world.a.slug}/commitments/">Commitments</a>' in committee_page


@pytest.mark.parametrize(
    ("query", "texts"),
    [
        ({"status": "open"}, ["Uno.", "Tres."]),
        ({"status": "done"}, ["Dos."]),
        ({"status": "dropped"}, []),
        ({"delegation": "CL"}, ["Uno.", "Tres."]),
        ({"delegation": "PE"}, ["Dos.", "Tres."]),
        ({"delegation": "both"}, ["Tres."]),
        ({"status": "done", "delegation": "PE"}, ["Dos."]),
        ({"status": "open", "delegation": "PE"}, ["Tres."]),
        ({"status": "", "delegation": ""}, ["Uno.", "Dos.", "Tres."]),
    ],
)
def test_commitments_page_filters(register, world, query, texts):
    with time_machine.travel(TODAY, tick=False):
        response = admin_client(world, "anonymous").get(f"/schedule/{world.a.slug}/commitments/", query)
    assert (response.status_code, [row[0] for row in _register(response)]) == (200, texts)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"status": "late"}, {"status": ["Select a valid choice. late is not one of the available choices."]}),
        ({"delegation": "AR"}, {"delegation": ["Select a valid choice. AR is not one of the available choices."]}),
    ],
)
def test_commitments_page_refuses_unknown_filters(register, world, query, errors):
    response = admin_client(world, "anonymous").get(f"/schedule/{world.a.slug}/commitments/", query)
    assert (response.status_code, response.context["form"].errors, response.context["rows"]) == (400, errors, [])


def test_commitments_page_queries_do_not_grow_with_commitments(register, world):
    client = admin_client(world, "reader")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/schedule/{world.a.slug}/commitments/")
        assert response.status_code == 200
        return len(captured), len(response.context["rows"])

    few, shown = queries()
    for number in range(10):
        commitment = Commitment.objects.create(
            committee=world.a,
            session=world.a_session,
            agenda_item=world.a_item,
            key=f"00000000-0000-0000-0000-{number:012d}",
            text=f"Más {number}.",
            responsible="PE",
            person=world.peruvian,
            due_on=date(2030, 5, 1),
        )
        CommitmentUpdate.objects.create(commitment=commitment, status="open", note="Anotado.", changed_at=APPROVED_AT)
    assert (shown, queries()) == (3, (few, 13))
