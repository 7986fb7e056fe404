"""Records, commitments and changes on the staff site, by every role of the two-committee world:
who sees what (404 otherwise), who may write, propose, approve and correct, and what a refusal
looks like. Every write goes through the records' services."""

import uuid
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from committees.models import StaffAssignment
from meetings.models import Change, Commitment, CommitmentUpdate, Record, RecordApproval, RecordEntry, RecordVersion
from meetings.records.services import record_correct, record_save, record_start
from tests.admin_forms import formset
from tests.meetings.records_helpers import access_of, approved, drafted, held_session, proposed
from tests.world import ROLES, admin_client

pytestmark = pytest.mark.django_db

LIST = "/admin/meetings/record/"
COMMITMENTS = "/admin/meetings/commitment/"
CHANGES = "/admin/meetings/change/"
STAFF = ("own", "other", "b", "administrator")


def _url(record: Record, action: str = "change") -> str:
    return f"{LIST}{record.pk}/{action}/"


def _entry_row(entry: RecordEntry) -> dict:
    return {
        "id": str(entry.pk),
        "record": str(entry.record_id),
        "agenda_item": str(entry.agenda_item_id or ""),
        "kind": entry.kind,
        "text": entry.text,
        "text_en": entry.text_en,
        "responsible": entry.responsible,
        "person": str(entry.person_id or ""),
        "due_on": entry.due_on.isoformat() if entry.due_on else "",
    }


def _page(record: Record, *, new_entries=(), entry_changes=None, drop_attendance=(), **fields) -> dict:
    """The record's change page as a browser posts it: as stored, with the changes given."""
    entries = [_entry_row(entry) for entry in record.entries.order_by("position", "pk")]
    for index, changes in (entry_changes or {}).items():
        entries[index].update(changes)
    attendance = [
        {
            "id": str(row.pk),
            "record": str(record.pk),
            "person": str(row.person_id),
            "delegation": row.delegation.code,
            "capacity": row.capacity,
            "present": "on" if row.present else "",
            **({"DELETE": "on"} if row.person_id in drop_attendance else {}),
        }
        for row in record.attendance.order_by("pk")
    ]
    data = {
        "closing_remarks": record.closing_remarks,
        "closing_remarks_en": record.closing_remarks_en,
        "read_revision": str(record.revision),  # the revision the page showed
        **fields,
    }
    data.update(formset("entries", [*entries, *new_entries], initial=len(entries)))
    data.update(formset("attendance", attendance, initial=len(attendance)))
    return data


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _form_errors(response) -> dict:
    return {field: list(errors) for field, errors in response.context["adminform"].form.errors.items()}


def _stored(record: Record) -> tuple:
    record.refresh_from_db()
    return record.state, record.version, record.revision, record.closing_remarks


# --- Who sees and changes what --------------------------------------------------------------

# What each role gets for a draft record of committee A: the page's status, and whether it may
# change the text and propose. (Readers are API clients, not staff: the sign-in page.)
DRAFT_PAGE = {
    "anonymous": (302, None, None),
    "reader": (302, None, None),
    "own": (200, True, True),
    "other": (200, True, True),
    "b": (404, None, None),
    "administrator": (200, True, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_record_page_by_role(world, role):
    record = drafted(world)
    response = admin_client(world, role).get(_url(record))
    status, changes, proposes = DRAFT_PAGE[role]
    assert response.status_code == status
    if status == 200:
        context = response.context
        assert (context["has_change_permission"], context["record_can_propose"]) == (changes, proposes)
        assert (context["record_approve_as"], context["record_can_correct"]) == (None, False)


def test_a_staff_reader_of_the_committee_sees_that_a_draft_exists_not_its_text(world):
    record = drafted(world)
    StaffAssignment.objects.create(user=world.users["b"], committee=world.a, delegation="")
    client = admin_client(world, "b")
    assert set(client.get(LIST).context["cl"].result_list) == set(Record.objects.all())
    page = client.get(_url(record))
    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    assert (page.context["inline_admin_formsets"], "Se levanta" in page.content.decode()) == ([], False)
    assert (page.context["record_can_propose"], page.context["record_approve_as"]) == (False, None)
    assert set(client.get(CHANGES).context["cl"].result_list) == set()


# The record list of each role: A's record for A's secretariats, B's for B's, both for administrators.
@pytest.mark.parametrize("role", STAFF)
def test_the_record_list_holds_exactly_the_permitted_records(world, role):
    a_record = drafted(world)
    b_record = record_start(session=held_session(world, committee=world.b, number=2), access=access_of(world, "b"))
    response = admin_client(world, role).get(LIST)
    seen = {"own": {a_record}, "other": {a_record}, "b": {b_record}, "administrator": {a_record, b_record}}[role]
    assert set(response.context["cl"].result_list) == seen
    committee = world.a if a_record in seen else world.b
    filtered = admin_client(world, role).get(f"{LIST}?session__committee__id__exact={committee.pk}&state__exact=draft")
    assert set(filtered.context["cl"].result_list) == seen & set(Record.objects.filter(session__committee=committee))


@pytest.mark.parametrize("role", ("own", "other", "administrator"))
def test_a_draft_is_saved_through_the_admin_by_each_writer(world, role):
    record = drafted(world)
    item = record.session.agenda_items.order_by("position").last()
    dropped = record.attendance.order_by("pk").first().person_id
    data = _page(
        record,
        closing_remarks="Se levanta la sesión a las 12:00.",
        new_entries=[
            {
                "record": str(record.pk),
                "agenda_item": str(item.pk),
                "kind": "commitment",
                "text": "Informe",
                "responsible": "both",
                "due_on": "2026-02-02",
            },
        ],
        entry_changes={2: {"DELETE": "on"}},
        drop_attendance=[dropped],
    )
    response = admin_client(world, role).post(_url(record), data)
    assert response.status_code == 302, _form_errors(response)
    assert _stored(record) == ("draft", 1, 3, "Se levanta la sesión a las 12:00.")
    assert list(record.entries.order_by("position").values_list("position", "kind", "text", "responsible")) == [
        (1, "decision", "Se acuerda abrir un corredor", ""),
        (2, "commitment", "Informe diario", "PE"),
        (3, "commitment", "Informe", "both"),
    ]
    assert not record.attendance.filter(person_id=dropped).exists()


def test_another_committees_secretariat_finds_nothing_and_changes_nothing(world):
    record = drafted(world)
    b = admin_client(world, "b")
    before = _stored(record)
    for path in ("change", "propose", "approve", "correct", "versions/1"):
        assert b.get(_url(record, path)).status_code in (404, 405)
        assert b.post(_url(record, path), {**_page(record), "revision": str(record.revision)}).status_code == 404
    assert b.get(f"{LIST}start/{record.session_id}/").status_code == 404
    assert b.post(f"{LIST}start/{world.a_session.pk}/").status_code == 404
    assert (_stored(record), RecordApproval.objects.count(), Record.objects.count()) == (before, 0, 1)


# --- Proposing and approving ----------------------------------------------------------------


def test_propose_then_approve_by_each_delegation(world):
    record = drafted(world)
    own, other = admin_client(world, "own"), admin_client(world, "other")
    response = own.post(_url(record, "propose"), follow=True)
    assert _messages(response) == ["The record is proposed: each delegation's secretariat may now approve it."]
    assert _stored(record)[0] == "proposed"
    page = own.get(_url(record))
    assert (page.context["record_approve_as"], page.context["record_can_propose"]) == ("CL", False)
    assert 'value="Approve for Chile"' in page.content.decode()
    assert f'name="revision" value="{record.revision}"' in page.content.decode()
    assert admin_client(world, "administrator").get(_url(record)).context["record_approve_as"] is None

    response = own.post(_url(record, "approve"), {"revision": str(record.revision)}, follow=True)
    assert _messages(response) == ["Your delegation's approval is recorded."]
    # Approved by one side, a record is not approved.
    assert _stored(record)[0] == "proposed"
    assert not RecordVersion.objects.exists()
    assert own.get(_url(record)).context["record_approve_as"] is None
    assert other.get(_url(record)).context["record_approve_label"] == "Peru"

    response = other.post(_url(record, "approve"), {"revision": str(record.revision)}, follow=True)
    assert _messages(response) == ["Your delegation's approval is recorded."]
    assert _stored(record)[0] == "approved"
    assert list(RecordApproval.objects.order_by("pk").values_list("delegation", "revision", "voided_at")) == [
        ("CL", record.revision, None),
        ("PE", record.revision, None),
    ]
    assert list(RecordVersion.objects.values_list("number", "revision")) == [(1, record.revision)]


@pytest.mark.parametrize(
    ("role", "revision", "message"),
    [
        ("own", "again", "Your delegation has already approved this text."),
        ("administrator", "current", "Only a delegation's secretariat approves a record, for its own delegation."),
        ("other", "", "The record has changed since you read it: read it again."),
        ("other", "x1", "The record has changed since you read it: read it again."),
    ],
)
def test_an_approval_refused_says_why_and_writes_nothing(world, role, revision, message):
    record = proposed(world)
    admin_client(world, "own").post(_url(record, "approve"), {"revision": str(record.revision)})
    posted = str(record.revision) if revision in ("again", "current") else revision
    response = admin_client(world, role).post(_url(record, "approve"), {"revision": posted}, follow=True)
    assert _messages(response) == [message]
    assert (RecordApproval.objects.count(), _stored(record)[0]) == (1, "proposed")


def test_an_approval_of_the_revision_read_before_a_change_is_refused(world):
    record = proposed(world)
    read = record.revision
    other = admin_client(world, "other")
    other.post(_url(record), _page(record, closing_remarks="Otro cierre", reason="Typo"))
    other.post(_url(record, "propose"))
    response = admin_client(world, "own").post(_url(record, "approve"), {"revision": str(read)}, follow=True)
    assert _messages(response) == ["The record has changed since you read it: read it again."]
    assert (RecordApproval.objects.count(), _stored(record)[:3]) == (0, ("proposed", 1, read + 1))


def test_changing_a_proposed_record_needs_a_reason_and_voids_its_approvals(world):
    record = proposed(world)
    own, other = admin_client(world, "own"), admin_client(world, "other")
    own.post(_url(record, "approve"), {"revision": str(record.revision)})
    before = _stored(record)
    assert "reason" in own.get(_url(record)).context["adminform"].form.fields
    response = other.post(_url(record), _page(record, closing_remarks="Cierre corregido"))
    assert response.status_code == 200
    assert _form_errors(response) == {"reason": ["Say why a proposed record is changed: the other delegation is told."]}
    assert response.context["adminform"].form["closing_remarks"].value() == "Cierre corregido"
    assert (_stored(record), RecordApproval.objects.filter(voided_at__isnull=True).count()) == (before, 1)

    response = other.post(_url(record), _page(record, closing_remarks="Cierre corregido", reason="A typo"))
    assert response.status_code == 302
    assert _stored(record) == ("draft", 1, before[2] + 1, "Cierre corregido")
    assert RecordApproval.objects.get().voided_at is not None
    change = Change.objects.get()
    assert (change.subject, change.reason, change.delegation, change.changes) == (
        "record",
        "A typo",
        "PE",
        [{"field": "closing", "old": "Se levanta la sesión. | ", "new": "Cierre corregido | "}],
    )
    page = own.get(_url(record))
    assert [(a.delegation.code, voided is not None) for a, _at, voided in page.context["record_approvals"]] == [
        ("CL", True)
    ]


# --- Approved records: read-only, corrected as a new version ---------------------------------


@pytest.mark.parametrize("role", ("own", "other", "administrator"))
def test_an_approved_record_cannot_be_changed_through_the_admin(world, role):
    record = approved(world)
    client = admin_client(world, role)
    page = client.get(_url(record))
    html = page.content.decode()
    assert (page.context["has_change_permission"], 'name="_save"' in html) == (False, False)
    assert (page.context["record_can_correct"], page.context["record_can_propose"]) == (True, False)
    before = (_stored(record), RecordEntry.objects.count())
    assert client.post(_url(record), _page(record, closing_remarks="Cambiado", reason="x")).status_code == 403
    assert client.post(_url(record, "propose"), follow=True).status_code == 200
    assert (_stored(record), RecordEntry.objects.count()) == before


def test_a_correction_needs_a_reason_and_opens_the_next_version(world):
    record = approved(world)
    own = admin_client(world, "own")
    assert own.get(_url(record, "correct")).status_code == 200
    response = own.post(_url(record, "correct"), {"reason": "  "})
    assert response.context["form"].errors == {"reason": ["Say why the approved record needs a correction."]}
    assert _stored(record)[:2] == ("approved", 1)
    response = own.post(_url(record, "correct"), {"reason": "Wrong date"}, follow=True)
    assert _messages(response) == ["A correction is open as a draft of the next version."]
    assert _stored(record)[:2] == ("draft", 2)
    assert response.context["has_change_permission"] is True
    response = own.post(_url(record, "correct"), {"reason": "Again"}, follow=True)
    assert _messages(response) == ["Only an approved record is corrected; a draft is simply edited."]


def test_approved_versions_are_readable_with_what_changed_and_their_pdfs(world):
    record = approved(world)
    record = record_correct(record=record, reason="Fecha", access=access_of(world, "own"), user=None)
    record.closing_remarks = "Cierre v2"
    record = record_save(record=record, access=access_of(world, "own"), user=None)
    own, other = admin_client(world, "own"), admin_client(world, "other")
    own.post(_url(record, "propose"))
    for client in (own, other):
        client.post(_url(record, "approve"), {"revision": str(Record.objects.get().revision)})
    page = own.get(_url(record))
    assert [(version["number"], version["reason"]) for version, _at, _l in page.context["record_versions"]] == [
        (1, ""),
        (2, "Fecha"),
    ]
    assert page.content.decode().count('class="record-pdf"') == 4
    version = own.get(_url(record, "versions/2"))
    assert [(d.where, d.old, d.new) for d in version.context["differences"]] == [
        ("closing", "Se levanta la sesión. | ", "Cierre v2 | ")
    ]
    assert own.get(_url(record, "versions/1")).context["differences"] == []
    assert own.get(_url(record, "versions/3")).status_code == 404
    pdf = own.get(f"{LIST}{record.pk}/versions/2/es.pdf")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    assert own.get(f"{LIST}{record.pk}/versions/2/fr.pdf").status_code == 404
    assert admin_client(world, "b").get(f"{LIST}{record.pk}/versions/2/es.pdf").status_code == 404


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"responsible": "AR"}, {"responsible": ["Select a valid choice. AR is not one of the available choices."]}),
        (
            {"due_on": "2025-11-30"},
            {"due_on": ["A commitment cannot be due before the session that agreed it (2025-12-01)."]},
        ),
        ({"due_on": ""}, {"due_on": ["A commitment needs a due date."]}),
        (
            {"agenda_item": "b"},
            {"agenda_item": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
    ],
)
def test_a_bad_entry_is_an_error_on_its_field_and_nothing_is_saved(world, changes, errors):
    record = drafted(world)
    if changes.get("agenda_item") == "b":
        changes = {"agenda_item": str(world.b_item.pk)}
    before = (_stored(record), list(record.entries.values_list("pk", "due_on", "responsible", "agenda_item")))
    response = admin_client(world, "own").post(_url(record), _page(record, entry_changes={1: changes}))
    assert response.status_code == 200
    entries = response.context["inline_admin_formsets"][0].formset
    assert [dict(form.errors) for form in entries.forms] == [{}, errors, {}]
    assert (_stored(record), list(record.entries.values_list("pk", "due_on", "responsible", "agenda_item"))) == before


def test_an_unknown_attendance_delegation_is_an_error_on_its_field(world):
    record = drafted(world)
    data = _page(record)
    data["attendance-0-delegation"] = "AR"
    response = admin_client(world, "own").post(_url(record), data)
    attendance = response.context["inline_admin_formsets"][1].formset
    assert attendance.forms[0].errors == {
        "delegation": ["Select a valid choice. AR is not one of the available choices."]
    }
    assert record.attendance.filter(delegation="AR").count() == 0


def test_the_agenda_item_choices_are_this_sessions_items(world):
    record = drafted(world)
    page = admin_client(world, "own").get(_url(record))
    fields = page.context["inline_admin_formsets"][0].formset.forms[0].fields
    assert list(fields["agenda_item"].queryset) == list(record.session.agenda_items.order_by("position"))
    assert fields["responsible"].choices == [
        ("", "---------"),
        ("CL", "Chile"),
        ("PE", "Peru"),
        ("both", "Both delegations"),
    ]


# --- Opening a record from its session ------------------------------------------------------


def test_a_held_sessions_page_opens_its_record(world):
    session = held_session(world)
    own = admin_client(world, "own")
    page = own.get(f"/admin/meetings/session/{session.pk}/change/").content.decode()
    assert f'href="{LIST}start/{session.pk}/"' in page
    assert own.get(f"{LIST}start/{session.pk}/").status_code == 200
    assert not Record.objects.exists()
    response = own.post(f"{LIST}start/{session.pk}/")
    record = Record.objects.get()
    assert (response.status_code, response["Location"], record.state) == (302, _url(record), "draft")
    page = own.get(f"/admin/meetings/session/{session.pk}/change/").content.decode()
    assert f'href="{_url(record)}"' in page
    assert own.get(f"{LIST}start/{session.pk}/")["Location"] == _url(record)


def test_a_session_not_held_has_no_record_to_open(world):
    own = admin_client(world, "own")
    page = own.get(f"/admin/meetings/session/{world.a_session.pk}/change/").content.decode()
    assert "A record is kept once the session is held." in page
    response = own.post(f"{LIST}start/{world.a_session.pk}/", follow=True)
    assert _messages(response) == ["A record is kept only for a session that was held."]
    assert not Record.objects.exists()


def test_records_are_opened_never_added(world):
    assert admin_client(world, "administrator").get(f"{LIST}add/").status_code == 403


# --- Commitments ----------------------------------------------------------------------------


def _commitment(session, *, text: str, responsible: str, due_on: date, status: str = "open") -> Commitment:
    return Commitment.objects.create(
        committee=session.committee,
        session=session,
        key=uuid.uuid4(),
        text=text,
        responsible=responsible,
        due_on=due_on,
        status=status,
    )


@pytest.fixture
def register(world):
    """A's approved record's commitment (PE), and others of A and B by due date and status."""
    today = timezone.localdate()
    approved(world)
    daily = Commitment.objects.get()
    Commitment.objects.filter(pk=daily.pk).update(due_on=today - timedelta(days=1))
    session = Record.objects.get().session
    b_session = held_session(world, committee=world.b, number=2)
    return {
        "daily": daily,
        "soon": _commitment(session, text="Mapa", responsible="CL", due_on=today + timedelta(days=3)),
        "later": _commitment(session, text="Censo", responsible="both", due_on=today + timedelta(days=40)),
        "done": _commitment(session, text="Listo", responsible="CL", due_on=today - timedelta(days=9), status="done"),
        "b": _commitment(b_session, text="Litio", responsible="AR", due_on=today),
    }


def _listed(client, query: str = "") -> set:
    response = client.get(COMMITMENTS + query)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


@pytest.mark.parametrize("role", STAFF)
def test_the_commitments_list_holds_the_permitted_rows(world, register, role):
    a = {register[name] for name in ("daily", "soon", "later", "done")}
    seen = {"own": a, "other": a, "b": {register["b"]}, "administrator": {*a, register["b"]}}[role]
    assert _listed(admin_client(world, role)) == seen


def test_the_commitments_list_filters(world, register):
    client = admin_client(world, "administrator")
    named = {commitment: name for name, commitment in register.items()}

    def names(query: str) -> set:
        return {named[commitment] for commitment in _listed(client, query)}

    assert names(f"?committee__id__exact={world.b.pk}") == {"b"}
    assert names("?responsible=CL") == {"soon", "done"}
    assert names("?responsible=both") == {"later"}
    assert names("?status__exact=done") == {"done"}
    assert names("?due=overdue") == {"daily"}
    assert names("?due=soon") == {"soon", "b"}
    assert names("?due=later") == {"later"}
    response = client.get(COMMITMENTS)
    overdue = {
        named[row]: response.context["cl"].model_admin.overdue(row) for row in response.context["cl"].result_list
    }
    assert overdue == {"daily": True, "soon": False, "later": False, "done": False, "b": False}


# Who may record a new status of each commitment: the responsible delegation's secretariat
# (either for one of both), administrators; B's secretariat does not even see it.
STATUS_FORM = {
    "own": {"daily": 403, "soon": 302, "later": 302},
    "other": {"daily": 302, "soon": 403, "later": 302},
    "b": {"daily": 404, "soon": 404, "later": 404},
    "administrator": {"daily": 302, "soon": 302, "later": 302},
}


@pytest.mark.parametrize("role", STAFF)
def test_the_status_form_by_role(world, register, role):
    client = admin_client(world, role)
    for name, expected in STATUS_FORM[role].items():
        commitment = register[name]
        # The note of its registration (in the committee's working language), for the one agreed in a record.
        agreed = list(commitment.updates.values_list("status", "note"))
        assert len(agreed) == (1 if name == "daily" else 0)
        data = {"status": "in_progress", "note": "En curso", **formset("updates", [], initial=0)}
        response = client.post(f"{COMMITMENTS}{commitment.pk}/change/", data)
        assert response.status_code == expected, name
        commitment.refresh_from_db()
        notes = list(commitment.updates.order_by("pk").values_list("status", "note"))
        if expected == 302:
            assert (commitment.status, notes) == ("in_progress", [*agreed, ("in_progress", "En curso")])
        else:
            assert (commitment.status, notes) == ("open", agreed)


def test_the_status_form_needs_a_note_and_shows_the_updates(world, register):
    other = admin_client(world, "other")
    url = f"{COMMITMENTS}{register['daily'].pk}/change/"
    response = other.post(url, {"status": "done", "note": " ", **formset("updates", [], initial=1)})
    assert _form_errors(response) == {"note": ["Say what happened: every change of a commitment carries a note."]}
    assert (Commitment.objects.get(pk=register["daily"].pk).status, CommitmentUpdate.objects.count()) == ("open", 1)
    page = other.get(url)
    assert [form.instance for form in page.context["inline_admin_formsets"][0].formset.forms] == list(
        CommitmentUpdate.objects.all()
    )
    own_page = admin_client(world, "own").get(url)
    assert (own_page.status_code, own_page.context["has_change_permission"]) == (200, False)
    assert 'name="note"' not in own_page.content.decode()
    assert admin_client(world, "administrator").get(f"{COMMITMENTS}add/").status_code == 403


# --- Changes --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_the_changes_list_is_read_only_and_scoped(world, role):
    record = proposed(world)
    admin_client(world, "other").post(_url(record), _page(record, closing_remarks="Nuevo", reason="Errata"))
    change = Change.objects.get()
    client = admin_client(world, role)
    response = client.get(CHANGES)
    assert set(response.context["cl"].result_list) == ({change} if role != "b" else set())
    assert set(client.get(f"{CHANGES}?subject=session").context["cl"].result_list) == set()
    detail = client.get(f"{CHANGES}{change.pk}/change/")
    assert detail.status_code == (404 if role == "b" else 200)
    assert client.post(f"{CHANGES}{change.pk}/change/", {"reason": "x"}).status_code == (404 if role == "b" else 403)
    assert Change.objects.get().reason == "Errata"


# --- The cost of the lists ------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [LIST, COMMITMENTS, CHANGES])
def test_the_lists_cost_the_same_at_one_and_many_rows(world, url):
    client = admin_client(world, "own")
    record = proposed(world)
    client.post(_url(record), _page(record, closing_remarks="Uno", reason="Uno"))
    client.post(_url(record, "propose"))
    _commitment(record.session, text="Uno", responsible="CL", due_on=date(2026, 1, 20))
    one = _queries(client, url)
    for number in range(3, 9):
        other = proposed(
            world, held_session(world, number=number, starts_at=record.session.starts_at + timedelta(days=number))
        )
        client.post(_url(other), _page(other, closing_remarks="Otro", reason="Otro"))
        _commitment(other.session, text="Otro", responsible="both", due_on=date(2026, 2, number))
    assert Record.objects.count() == 7
    assert _queries(client, url) == one


def test_staff_who_only_read_the_committee_are_not_offered_the_correction_form(world):
    from django.test import Client

    from tests.api import user_in
    from tests.meetings.records_helpers import approved as approved_record
    from tracker.roles import SECRETARIAT

    record = approved_record(world)
    client = Client()
    client.force_login(user_in(SECRETARIAT, (world.a, ""), staff=True))  # assigned to read A only
    page = client.get(f"/admin/meetings/record/{record.pk}/change/")
    assert (page.status_code, page.context["record_can_correct"]) == (200, False)
    assert f"/admin/meetings/record/{record.pk}/correct/" not in page.content.decode()
    assert client.get(f"/admin/meetings/record/{record.pk}/correct/").status_code == 403
    refused = client.post(f"/admin/meetings/record/{record.pk}/correct/", {"reason": "Errata"})
    assert refused.status_code == 403
    assert list(Record.objects.values_list("state", "version")) == [("approved", 1)]
