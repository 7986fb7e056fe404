"""A session's record and the commitments register through the API: who reads and writes what,
every state of a record, bad input, filters and the queries a page costs."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from committees.access import access_for
from meetings.choices import SessionStatus
from meetings.models import Commitment, Record, RecordApproval, RecordEntry, Session
from meetings.records.choices import EntryKind, RecordState
from meetings.records.commitments import commitment_status_set
from meetings.records.services import record_approve, record_correct, record_propose, record_save, record_start
from tests.api import cached_bodies_forget, secretariat_of, token_client
from tests.world import ROLES, api_client

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 1, 8, 15, 0, tzinfo=UTC)
LATER = datetime(2030, 1, 9, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _held(world) -> None:
    Session.objects.filter(pk__in=[world.a_session.pk, world.b_session.pk]).update(status=SessionStatus.HELD)


def _approvers(world, committee) -> dict:
    if committee == world.a:
        return {"CL": world.users["own"], "PE": world.users["other"]}
    return {"CL": world.users["b"], "AR": secretariat_of(world.b, "AR")}


def _default_entries(world, session: Session) -> list[RecordEntry]:
    a = session.committee == world.a
    return [
        RecordEntry(
            agenda_item=world.a_item if a else world.b_item,
            kind=EntryKind.DECISION,
            text="Se abre un corredor.",
            text_en="A corridor is opened.",
        ),
        RecordEntry(
            kind=EntryKind.COMMITMENT,
            text="Informe de la frontera.",
            responsible="CL" if a else "AR",
            person=world.chilean if a else world.argentine,
            due_on=date(2030, 2, 1),
        ),
    ]


def _record(world, session: Session, state: str, entries: list[RecordEntry] | None = None) -> Record:
    """The session's record written through the services up to `state`: "started", "draft",
    "proposed", "approved", or "correcting" (approved, then its correction opened)."""
    administrator = world.users["administrator"]
    editor = access_for(administrator)
    record = record_start(session=session, access=editor)
    if state == "started":
        return record
    record_save(record=record, access=editor, user=administrator, entries=entries or _default_entries(world, session))
    if state == "draft":
        return Record.objects.get(pk=record.pk)
    record_propose(record=record, access=editor, user=administrator)
    if state == "proposed":
        return Record.objects.get(pk=record.pk)
    for user in _approvers(world, session.committee).values():
        fresh = Record.objects.get(pk=record.pk)
        record_approve(record=fresh, revision=fresh.revision, access=access_for(user), user=user)
    if state == "correcting":
        record_correct(record=record, reason="Falta un nombre.", access=editor, user=administrator)
    return Record.objects.get(pk=record.pk)


def _url(session: Session, rest: str = "") -> str:
    return f"/api/v1/sessions/{session.pk}/record/{rest}"


def _text(world, session: Session) -> dict:
    """The text of `_default_entries`, as the API reads it."""
    a = session.committee == world.a
    item = world.a_item if a else world.b_item
    people = (
        [(world.chilean, "CL"), (world.shared, "CL"), (world.peruvian, "PE")]
        if a
        else [(world.argentine, "AR"), (world.chilean_on_b, "CL"), (world.shared, "CL")]
    )
    entries = list(Record.objects.get(session=session).entries.order_by("position"))
    responsible = world.chilean if a else world.argentine
    return {
        "attendance": sorted(
            (
                {
                    "person_id": person.pk,
                    "name": person.full_name,
                    "position": person.position,
                    "capacity": "",
                    "delegation": country,
                    "present": True,
                }
                for person, country in people
            ),
            key=lambda row: (row["delegation"], row["name"]),
        ),
        "items": [
            {
                "agenda_item_id": item.pk,
                "position": 1,
                "title": item.title,
                "title_en": "",
                "entries": [
                    {
                        "key": str(entries[0].key),
                        "kind": "decision",
                        "text": "Se abre un corredor.",
                        "text_en": "A corridor is opened.",
                        "responsible": "",
                        "person": "",
                        "person_id": None,
                        "due_on": None,
                    }
                ],
            },
            {
                "agenda_item_id": None,
                "position": None,
                "title": "",
                "title_en": "",
                "entries": [
                    {
                        "key": str(entries[1].key),
                        "kind": "commitment",
                        "text": "Informe de la frontera.",
                        "text_en": "",
                        "responsible": "CL" if a else "AR",
                        "person": responsible.full_name,
                        "person_id": responsible.pk,
                        "due_on": "2030-02-01",
                    }
                ],
            },
        ],
        "closing_remarks": "",
        "closing_remarks_en": "",
        "co_chairs": [],
    }


# --- Who may do what ---------------------------------------------------------------------


def _paths(world) -> dict:
    a, b = world.a_session.pk, world.b_session.pk
    commitments = {c.committee_id: c.pk for c in Commitment.objects.all()}
    return {"a": a, "b": b, "a_commitment": commitments.get(world.a.pk), "b_commitment": commitments.get(world.b.pk)}


# (name, path) -> status for each of ROLES; A's record is approved and being corrected, B's a draft.
READS = [
    ("own record", "/api/v1/sessions/{a}/record/", (401, 200, 200, 200, 404, 200)),
    ("other record", "/api/v1/sessions/{b}/record/", (401, 404, 404, 404, 200, 200)),
    ("own version", "/api/v1/sessions/{a}/record/versions/1/", (401, 200, 200, 200, 404, 200)),
    ("own version to come", "/api/v1/sessions/{a}/record/versions/2/", (401, 404, 404, 404, 404, 404)),
    ("other version", "/api/v1/sessions/{b}/record/versions/1/", (401, 404, 404, 404, 404, 404)),
    ("other PDF", "/api/v1/sessions/{b}/record.pdf", (401, 404, 404, 404, 404, 404)),
    ("commitments", "/api/v1/commitments/", (401, 200, 200, 200, 200, 200)),
    ("own commitment", "/api/v1/commitments/{a_commitment}/", (401, 200, 200, 200, 404, 200)),
]


@pytest.mark.parametrize(("name", "path", "expected"), READS, ids=[row[0] for row in READS])
@pytest.mark.parametrize("role", ROLES)
def test_record_reads_matrix(world, role, name, path, expected):
    _held(world)
    _record(world, world.a_session, "correcting")
    _record(world, world.b_session, "draft")
    response = api_client(world, role).get(path.format(**_paths(world)))
    assert response.status_code == expected[ROLES.index(role)]


def _state() -> tuple:
    records = Record.objects.order_by("pk").values_list("session_id", "state", "version", "revision")
    approvals = RecordApproval.objects.filter(voided_at__isnull=True).count()
    statuses = Commitment.objects.order_by("pk").values_list("pk", "status")
    return list(records), approvals, list(statuses)


TEXT = {"closing_remarks": "Cierre.", "entries": [{"kind": "note", "text": "Nota."}], "attendance": []}

# (name, method, path, body, {session: state it is brought to first}) -> status for each of ROLES
WRITES = [
    ("start own", "post", "/api/v1/sessions/{a}/record/start/", None, {}, (401, 403, 201, 201, 404, 201)),
    ("start other", "post", "/api/v1/sessions/{b}/record/start/", None, {}, (401, 403, 404, 404, 201, 201)),
    ("write own", "put", "/api/v1/sessions/{a}/record/", TEXT, {"a": "draft"}, (401, 403, 200, 200, 404, 200)),
    ("write other", "put", "/api/v1/sessions/{b}/record/", TEXT, {"b": "draft"}, (401, 403, 404, 404, 200, 200)),
    (
        "propose own",
        "post",
        "/api/v1/sessions/{a}/record/propose/",
        None,
        {"a": "draft"},
        (401, 403, 200, 200, 404, 200),
    ),
    (
        "approve own",
        "post",
        "/api/v1/sessions/{a}/record/approve/",
        {"revision": 2},
        {"a": "proposed"},
        (401, 403, 200, 200, 404, 400),
    ),
    (
        "approve other",
        "post",
        "/api/v1/sessions/{b}/record/approve/",
        {"revision": 2},
        {"b": "proposed"},
        (401, 403, 404, 404, 200, 400),
    ),
    (
        "correct own",
        "post",
        "/api/v1/sessions/{a}/record/correct/",
        {"reason": "Una errata."},
        {"a": "approved"},
        (401, 403, 200, 200, 404, 200),
    ),
    (
        "own commitment's status",
        "post",
        "/api/v1/commitments/{a_commitment}/status/",
        {"status": "done", "note": "Entregado."},
        {"a": "approved"},
        (401, 403, 200, 400, 404, 200),
    ),
    (
        "other commitment's status",
        "post",
        "/api/v1/commitments/{b_commitment}/status/",
        {"status": "done", "note": "Entregado."},
        {"b": "approved"},
        (401, 403, 404, 404, 400, 200),
    ),
]


@pytest.mark.parametrize(("name", "method", "path", "body", "states", "expected"), WRITES, ids=[r[0] for r in WRITES])
@pytest.mark.parametrize("role", ROLES)
def test_record_writes_matrix(world, role, name, method, path, body, states, expected):
    """Exactly the answers expected, and a change only with a success."""
    _held(world)
    for session, state in states.items():
        _record(world, world.a_session if session == "a" else world.b_session, state)
    before = _state()
    response = getattr(api_client(world, role), method)(path.format(**_paths(world)), body)
    assert response.status_code == expected[ROLES.index(role)]
    assert (_state() != before) == (200 <= response.status_code < 300)


def test_read_write_token_of_a_reader_cannot_write(world):
    _held(world)
    _record(world, world.a_session, "proposed")
    client = token_client(world.users["reader"])
    for path, body in (("approve/", {"revision": 2}), ("start/", None), ("correct/", {})):
        response = client.post(_url(world.a_session, path), body)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "You do not have permission to perform this action."},
        )
    response = api_client(world, "reader").put(_url(world.a_session), TEXT)
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This token may only read: make a read-write token to change the schedule."},
    )
    assert Record.objects.get().state == RecordState.PROPOSED


# --- What a record reads as ----------------------------------------------------------------


def test_record_reads_as_approved_for_readers_and_with_the_draft_for_secretariats(world, clock):
    _held(world)
    _record(world, world.a_session, "correcting")
    approved = {**_text(world, world.a_session), "version": 1, "approved_at": "2030-01-08T15:00:00Z", "reason": ""}
    expected = {
        "session": world.a_session.pk,
        "state": "draft",
        "version": 2,
        "approved": approved,
        "approvals": [],  # those of version 1 bound its revision; none yet of the correction's
        "draft": None,
    }
    assert api_client(world, "reader").get(_url(world.a_session)).json() == expected
    draft = {**_text(world, world.a_session), "revision": 3, "correction_reason": "Falta un nombre."}
    for role in ("own", "other", "administrator"):
        assert api_client(world, role).get(_url(world.a_session)).json() == {**expected, "draft": draft}
    version = api_client(world, "reader").get(_url(world.a_session, "versions/1/"))
    assert (version.status_code, version.json()) == (200, approved)


def test_record_of_a_session_without_one_is_not_found(world):
    _held(world)
    for path in ("", "versions/1/", "propose/", "approve/", "correct/"):
        method = "get" if path in ("", "versions/1/") else "post"
        response = getattr(api_client(world, "own"), method)(_url(world.a_session, path), {"revision": 1})
        assert (response.status_code, response.json()) == (404, {"detail": "No Record matches the given query."})
    response = api_client(world, "own").get(f"/api/v1/sessions/{world.a_session.pk}/record.pdf")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No version of this session's record is approved yet."},
    )


def test_record_answers_are_conditional_and_apart_for_readers_of_drafts(world):
    _held(world)
    _record(world, world.a_session, "proposed")
    own, reader = api_client(world, "own"), api_client(world, "reader")
    first = own.get(_url(world.a_session))
    assert (first["Cache-Control"], first.json()["draft"]["revision"]) == ("private, no-cache", 2)
    assert own.get(_url(world.a_session), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # A reader of the same committee gets its own body (no draft), under another ETag.
    theirs = reader.get(_url(world.a_session), HTTP_IF_NONE_MATCH=first["ETag"])
    assert (theirs.status_code, theirs.json()["draft"]) == (200, None)
    approved = own.post(_url(world.a_session, "approve/"), {"revision": 2})
    assert approved.json()["approvals"][0]["delegation"] == "CL"
    again = own.get(_url(world.a_session), HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, [a["delegation"] for a in again.json()["approvals"]]) == (200, ["CL"])
    assert again["ETag"] != first["ETag"]


# --- Every state, through the API --------------------------------------------------------------


def test_record_from_start_to_a_corrected_second_version(world, clock):
    _held(world)
    own, other, reader = api_client(world, "own"), api_client(world, "other"), api_client(world, "reader")
    started = own.post(_url(world.a_session, "start/"))
    assert (started.status_code, started.json()["state"], started.json()["draft"]["revision"]) == (201, "draft", 1)
    assert own.post(_url(world.a_session, "start/")).status_code == 200  # opened already: answered as it is
    attendance = started.json()["draft"]["attendance"]
    assert [(row["person_id"], row["delegation"]) for row in attendance] == [
        (world.chilean.pk, "CL"),
        (world.shared.pk, "CL"),
        (world.peruvian.pk, "PE"),
    ]
    attendance[1]["present"] = False
    text = {
        "closing_remarks": "Se levanta la sesión.",
        "closing_remarks_en": "The session is closed.",
        "entries": [
            {"agenda_item_id": world.a_item.pk, "kind": "decision", "text": "Se abre un corredor."},
            {
                "kind": "commitment",
                "text": "Informe de la frontera.",
                "responsible": "both",
                "person_id": world.peruvian.pk,
                "due_on": "2030-02-01",
            },
        ],
        "attendance": attendance,
    }
    written = own.put(_url(world.a_session), text)
    assert written.status_code == 200, written.json()
    draft = written.json()["draft"]
    assert (draft["revision"], draft["closing_remarks_en"], [r["present"] for r in draft["attendance"]]) == (
        2,
        "The session is closed.",
        [True, False, True],
    )
    assert [[(e["kind"], e["responsible"], e["due_on"]) for e in i["entries"]] for i in draft["items"]] == [
        [("decision", "", None)],
        [("commitment", "both", "2030-02-01")],
    ]
    assert own.post(_url(world.a_session, "propose/")).json()["state"] == "proposed"
    first = own.post(_url(world.a_session, "approve/"), {"revision": 2}).json()
    assert (first["state"], first["approvals"]) == (
        "proposed",
        [
            {
                "delegation": "CL",
                "approver": world.users["own"].username,
                "approved_at": "2030-01-08T15:00:00Z",
                "version": 1,
                "revision": 2,
            }
        ],
    )
    assert reader.get("/api/v1/commitments/").json()["count"] == 0  # nothing is agreed before both approve
    both = other.post(_url(world.a_session, "approve/"), {"revision": 2}).json()
    assert (both["state"], both["version"], both["approved"]["version"], len(both["approvals"])) == (
        "approved",
        1,
        1,
        2,
    )
    assert both["approved"]["items"] == draft["items"]
    commitments = reader.get("/api/v1/commitments/").json()["results"]
    assert [(c["text"], c["responsible"], c["status"], c["session"]) for c in commitments] == [
        ("Informe de la frontera.", "both", "open", world.a_session.pk)
    ]

    corrected = own.post(_url(world.a_session, "correct/"), {"reason": "Una errata."}).json()
    assert (corrected["state"], corrected["version"], corrected["approved"]["version"]) == ("draft", 2, 1)
    assert (corrected["draft"]["revision"], corrected["draft"]["correction_reason"]) == (3, "Una errata.")
    keys = [entry["key"] for item in draft["items"] for entry in item["entries"]]
    text["entries"] = [
        {**text["entries"][0], "key": keys[0], "text": "Se abre un corredor humanitario."},
        {**text["entries"][1], "key": keys[1]},
    ]
    assert own.put(_url(world.a_session), text).json()["draft"]["revision"] == 4
    own.post(_url(world.a_session, "propose/"))
    own.post(_url(world.a_session, "approve/"), {"revision": 4})
    second = other.post(_url(world.a_session, "approve/"), {"revision": 4}).json()
    assert (second["state"], second["version"], second["approved"]["version"], second["approved"]["reason"]) == (
        "approved",
        2,
        2,
        "Una errata.",
    )
    texts = {
        number: reader.get(_url(world.a_session, f"versions/{number}/")).json()["items"][0]["entries"][0]["text"]
        for number in (1, 2)
    }
    assert texts == {1: "Se abre un corredor.", 2: "Se abre un corredor humanitario."}
    # The same entry keeps its key, so the register keeps its one commitment.
    assert reader.get("/api/v1/commitments/").json()["count"] == 1


def test_changing_a_proposed_record_needs_a_reason_and_voids_its_approvals(world):
    _held(world)
    record = _record(world, world.a_session, "proposed")
    own, other = api_client(world, "own"), api_client(world, "other")
    own.post(_url(world.a_session, "approve/"), {"revision": 2})
    refused = other.put(_url(world.a_session), TEXT)
    assert (refused.status_code, refused.json()) == (
        400,
        {"reason": ["Say why a proposed record is changed: the other delegation is told."]},
    )
    changed = other.put(_url(world.a_session), {**TEXT, "reason": "Faltaba una nota."}).json()
    assert (changed["state"], changed["approvals"], changed["draft"]["revision"]) == ("draft", [], 3)
    assert RecordApproval.objects.get(record=record).voided_at is not None


@pytest.mark.parametrize(
    ("state", "path", "body", "errors"),
    [
        ("started", "propose/", None, {"entries": ["Write at least one decision, commitment or note first."]}),
        ("proposed", "propose/", None, {"state": ["Only a draft can be proposed."]}),
        ("draft", "approve/", {"revision": 2}, {"state": ["Only a proposed record can be approved."]}),
        (
            "proposed",
            "approve/",
            {"revision": 1},
            {"revision": ["The record has changed since you read it: read it again."]},
        ),
        ("proposed", "approve/", {}, {"revision": ["This field is required."]}),
        ("proposed", "approve/", {"revision": 0}, {"revision": ["Ensure this value is greater than or equal to 1."]}),
        (
            "draft",
            "correct/",
            {"reason": "x"},
            {"state": ["Only an approved record is corrected; a draft is simply edited."]},
        ),
        ("approved", "correct/", {"reason": " "}, {"reason": ["Say why the approved record needs a correction."]}),
        (
            "approved",
            "",
            TEXT,
            {"record": ["An approved record is not changed in place: open a correction, which is a new version."]},
        ),
    ],
)
def test_record_steps_out_of_turn_are_400_naming_the_field(world, state, path, body, errors):
    _held(world)
    _record(world, world.a_session, state)
    before = _state()
    client = api_client(world, "own")
    response = client.put(_url(world.a_session), body) if path == "" else client.post(_url(world.a_session, path), body)
    assert (response.status_code, response.json()) == (400, errors)
    assert _state() == before


def test_approving_twice_or_as_an_administrator_is_400_naming_the_field(world):
    _held(world)
    _record(world, world.a_session, "proposed")
    own = api_client(world, "own")
    assert own.post(_url(world.a_session, "approve/"), {"revision": 2}).status_code == 200
    twice = own.post(_url(world.a_session, "approve/"), {"revision": 2})
    assert (twice.status_code, twice.json()) == (400, {"record": ["Your delegation has already approved this text."]})
    administrator = api_client(world, "administrator").post(_url(world.a_session, "approve/"), {"revision": 2})
    assert (administrator.status_code, administrator.json()) == (
        400,
        {"record": ["Only a delegation's secretariat approves a record, for its own delegation."]},
    )
    assert list(RecordApproval.objects.values_list("delegation", flat=True)) == ["CL"]


def test_a_record_is_kept_only_for_a_held_session(world):
    response = api_client(world, "own").post(_url(world.a_session, "start/"))
    assert (response.status_code, response.json()) == (
        400,
        {"session": ["A record is kept only for a session that was held."]},
    )
    assert Record.objects.count() == 0


def _entry(**fields) -> dict:
    return {"kind": "commitment", "text": "Informe.", "responsible": "CL", "due_on": "2030-01-07", **fields}


@pytest.mark.parametrize(
    ("entry", "errors"),
    [
        (
            _entry(due_on="2030-01-06"),
            {"due_on": ["A commitment cannot be due before the session that agreed it (2030-01-07)."]},
        ),
        (_entry(responsible="AR"), {"responsible": ["Choose the responsible delegation: CL, PE, both."]}),
        (
            _entry(responsible="", due_on=None),
            {
                "responsible": ["Choose the responsible delegation: CL, PE, both."],
                "due_on": ["A commitment needs a due date."],
            },
        ),
        (_entry(kind="promise"), {"kind": ['"promise" is not a valid choice.']}),
        (_entry(text=""), {"text": ["This field may not be blank."]}),
        (_entry(text="Uno\x07dos"), {"text": ["Must not contain control characters (found '\\x07')."]}),
        (
            _entry(due_on="2030-02-30"),
            {"due_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (_entry(agenda_item_id="{b_item}"), {"agenda_item_id": ['Invalid pk "{b_item}" - object does not exist.']}),
        (_entry(person_id="{argentine}"), {"person_id": ['Invalid pk "{argentine}" - object does not exist.']}),
    ],
)
def test_record_entries_are_refused_naming_the_field(world, entry, errors):
    """Another session's agenda item and a person of another committee do not exist for the writer."""
    _held(world)
    _record(world, world.a_session, "draft")
    names = {"b_item": world.b_item.pk, "argentine": world.argentine.pk}
    entry = {name: value.format(**names) if isinstance(value, str) else value for name, value in entry.items()}
    errors = {name: [text.format(**names) for text in texts] for name, texts in errors.items()}
    before = _state()
    response = api_client(world, "own").put(_url(world.a_session), {**TEXT, "entries": [TEXT["entries"][0], entry]})
    assert (response.status_code, response.json()) == (400, {"entries": {"1": errors}})
    assert _state() == before


def test_record_rows_are_refused_when_they_name_no_row_of_the_record(world):
    _held(world)
    _record(world, world.a_session, "draft")
    own = api_client(world, "own")
    unknown = own.put(
        _url(world.a_session), {**TEXT, "entries": [{**TEXT["entries"][0], "key": str(world.a.pk).zfill(32)}]}
    )
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"entries": [f"Row 1: this record has no entry 00000000-0000-0000-0000-{str(world.a.pk).zfill(12)}."]},
    )
    twice = own.put(
        _url(world.a_session),
        {**TEXT, "attendance": [{"person_id": world.chilean.pk, "delegation": "CL"}] * 2},
    )
    assert (twice.status_code, twice.json()) == (400, {"attendance": [f"{world.chilean} is listed twice."]})
    abroad = own.put(
        _url(world.a_session), {**TEXT, "attendance": [{"person_id": world.chilean.pk, "delegation": "AR"}]}
    )
    assert (abroad.status_code, abroad.json()) == (
        400,
        {"attendance": [f"{world.chilean}: the delegation must be one of the committee's two countries."]},
    )
    missing = own.put(_url(world.a_session), {"closing_remarks": ""})
    assert (missing.status_code, missing.json()) == (
        400,
        {"entries": ["This field is required."], "attendance": ["This field is required."]},
    )
    assert Record.objects.get().revision == 2


# --- The PDF ---------------------------------------------------------------------------------


def test_record_pdf_is_refused_before_approval_and_in_an_unknown_language(world):
    _held(world)
    _record(world, world.a_session, "proposed")
    own = api_client(world, "own")
    pdf = f"/api/v1/sessions/{world.a_session.pk}/record.pdf"
    response = own.get(pdf, HTTP_ACCEPT="application/pdf")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/json",
        {"detail": "No version of this session's record is approved yet."},
    )
    for language in ("fr", ""):
        response = own.get(pdf, {"language": language})
        assert (response.status_code, response.json()) == (400, {"language": ["Choose es or en."]})


@pytest.mark.parametrize("language", ["es", "en"])
def test_record_pdf_is_the_latest_approved_version(world, language):
    downloads = pytest.importorskip("meetings.records.downloads")
    _held(world)
    record = _record(world, world.a_session, "correcting")
    response = api_client(world, "reader").get(
        f"/api/v1/sessions/{world.a_session.pk}/record.pdf", {"language": language}, HTTP_ACCEPT="application/pdf"
    )
    expected = downloads.record_pdf_response(version=record.versions.get(), language=language)
    assert (response.status_code, response["Content-Type"], response.content) == (
        200,
        "application/pdf",
        expected.content,
    )


# --- The commitments register ------------------------------------------------------------------


def _commitment(responsible: str, due_on: date, text: str) -> RecordEntry:
    return RecordEntry(kind=EntryKind.COMMITMENT, text=text, responsible=responsible, due_on=due_on)


@pytest.fixture
def register(world, clock) -> dict[str, Commitment]:
    """A's commitments for Chile, Peru and both, B's for Argentina; Peru's done a day later."""
    _held(world)
    a_entries = [
        _commitment("CL", date(2030, 2, 1), "Chile informa."),
        _commitment("PE", date(2030, 3, 1), "Perú informa."),
        _commitment("both", date(2030, 4, 1), "Ambos informan."),
    ]
    _record(world, world.a_session, "approved", entries=a_entries)
    _record(world, world.b_session, "approved", entries=[_commitment("AR", date(2030, 2, 15), "Argentina informa.")])
    found = {c.responsible: c for c in Commitment.objects.all()}
    clock.move_to(LATER)
    user = world.users["other"]
    commitment_status_set(commitment=found["PE"], status="done", note="Entregado.", access=access_for(user), user=user)
    return found


def _texts(client, query: dict | None = None) -> list[str]:
    response = client.get("/api/v1/commitments/", query or {})
    assert response.status_code == 200, response.json()
    return [row["text"] for row in response.json()["results"]]


CL, AR, PE, BOTH = "Chile informa.", "Argentina informa.", "Perú informa.", "Ambos informan."


@pytest.mark.parametrize(
    ("role", "query", "texts"),
    [
        ("administrator", {}, [CL, AR, PE, BOTH]),
        ("administrator", {"committee": "chile-peru"}, [CL, PE, BOTH]),
        ("administrator", {"committee": "chile-argentina"}, [AR]),
        ("administrator", {"delegation": "CL"}, [CL]),
        ("administrator", {"delegation": "both"}, [BOTH]),
        ("administrator", {"delegation": "AR"}, [AR]),
        ("administrator", {"status": "done"}, [PE]),
        ("administrator", {"status": "open"}, [CL, AR, BOTH]),
        ("administrator", {"due_before": "2030-03-01"}, [CL, AR]),
        ("administrator", {"updated_since": "2030-01-09T00:00:00Z"}, [PE]),
        ("administrator", {"updated_since": "2030-01-09T10:00:00-05:00"}, [PE]),
        ("administrator", {"updated_since": "2030-01-09T10:00:01-05:00"}, []),
        ("administrator", {"committee": "chile-peru", "status": "open", "due_before": "2030-04-01"}, [CL]),
        ("reader", {}, [CL, PE, BOTH]),
        ("own", {"committee": "chile-argentina"}, []),
        ("other", {"delegation": "PE"}, [PE]),
        ("b", {}, [AR]),
    ],
)
def test_commitments_filters_select_exactly(world, register, role, query, texts):
    assert _texts(api_client(world, role), query) == texts


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"delegation": "XX"}, {"delegation": ["Select a valid choice. XX is not one of the available choices."]}),
        ({"delegation": "cl"}, {"delegation": ["Select a valid choice. cl is not one of the available choices."]}),
        ({"status": "closed"}, {"status": ["Select a valid choice. closed is not one of the available choices."]}),
        ({"status": ""}, {"status": ["Give a value, or leave the parameter out."]}),
        ({"due_before": "2030-13-01"}, {"due_before": ["Enter a valid date."]}),
        (
            {"updated_since": "2030-01-09T00:00:00"},
            {"updated_since": ["Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00."]},
        ),
    ],
)
def test_commitments_bad_filters_are_400(world, register, query, errors):
    response = api_client(world, "reader").get("/api/v1/commitments/", query)
    assert (response.status_code, response.json()) == (400, errors)


def test_commitment_reads_with_its_dated_updates(world, register):
    done = register["PE"]
    response = api_client(world, "reader").get(f"/api/v1/commitments/{done.pk}/")
    assert (response.status_code, response.json()) == (
        200,
        {
            "id": done.pk,
            "committee": "chile-peru",
            "session": world.a_session.pk,
            "agenda_item": None,
            "text": "Perú informa.",
            "text_en": "",
            "responsible": "PE",
            "person": None,
            "due_on": "2030-03-01",
            "status": "done",
            "updates": [
                {
                    "status": "open",
                    "note": done.updates.first().note,
                    "changed_at": "2030-01-08T15:00:00Z",
                    "changed_by": "",
                },
                {
                    "status": "done",
                    "note": "Entregado.",
                    "changed_at": "2030-01-09T15:00:00Z",
                    "changed_by": world.users["other"].username,
                },
            ],
            "created_at": "2030-01-08T15:00:00Z",
            "updated_at": "2030-01-09T15:00:00Z",
        },
    )


def test_commitment_status_is_set_by_the_responsible_delegation(world, register):
    own, other = api_client(world, "own"), api_client(world, "other")
    chile, both = register["CL"], register["both"]
    set_status = lambda client, commitment, body: client.post(f"/api/v1/commitments/{commitment.pk}/status/", body)  # noqa: E731
    refused = set_status(other, chile, {"status": "done", "note": "Hecho."})
    assert (refused.status_code, refused.json()) == (
        400,
        {"status": ["Only the responsible delegation's secretariat follows this commitment."]},
    )
    started = set_status(own, chile, {"status": "in_progress", "note": "En curso."})
    assert (started.status_code, started.json()["status"], started.json()["updates"][-1]["note"]) == (
        200,
        "in_progress",
        "En curso.",
    )
    # Either secretariat follows a commitment of both.
    assert [
        set_status(client, both, {"status": "in_progress", "note": "Sí."}).status_code for client in (own, other)
    ] == [
        200,
        200,
    ]
    assert list(Commitment.objects.order_by("due_on").values_list("status", flat=True)) == [
        "in_progress",
        "open",
        "done",
        "in_progress",
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"status": "finished", "note": "x"}, {"status": ['"finished" is not a valid choice.']}),
        (
            {"status": "done", "note": "  "},
            {"note": ["Say what happened: every change of a commitment carries a note."]},
        ),
        ({"status": "done"}, {"note": ["This field is required."]}),
        ({"status": "done", "note": "x" * 1001}, {"note": ["Ensure this field has no more than 1000 characters."]}),
    ],
)
def test_commitment_status_bad_input_is_400(world, register, body, errors):
    response = api_client(world, "own").post(f"/api/v1/commitments/{register['CL'].pk}/status/", body)
    assert (response.status_code, response.json()) == (400, errors)
    assert register["CL"].updates.count() == 1


def test_commitments_list_queries_do_not_grow_with_commitments(world, clock):
    _held(world)
    client = api_client(world, "reader")
    client.get("/api/v1/")  # the token's first use is recorded once

    def queries() -> tuple[int, int]:
        cached_bodies_forget()  # measure building the page, not serving it from the cache
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/commitments/", {"page_size": 100})
        assert response.status_code == 200
        return response.json()["count"], len(captured)

    _record(world, world.a_session, "approved", entries=[_commitment("CL", date(2030, 2, 1), "Uno.")])
    one = queries()
    second = Session.objects.create(
        committee=world.a,
        number=2,
        title="Segunda",
        status=SessionStatus.HELD,
        starts_at=NOW + timedelta(days=7),
        ends_at=NOW + timedelta(days=7, hours=2),
        timezone="America/Santiago",
        venue="Lima",
        host_country="PE",
    )
    entries = [
        _commitment(country, date(2030, 3, 1), f"Otro {n}.") for n, country in enumerate(["CL", "PE", "both"] * 3)
    ]
    _record(world, second, "approved", entries=entries)
    user = world.users["own"]
    for commitment in Commitment.objects.filter(responsible="CL"):
        commitment_status_set(commitment=commitment, status="done", note="Hecho.", access=access_for(user), user=user)
    # the token with the role, committees and schedule version; the page with its total; the updates
    assert (one, queries()) == ((1, 3), (10, 3))


def test_a_put_based_on_an_older_revision_is_refused_naming_revision(world):
    from meetings.models import Record
    from tests.meetings.records_helpers import drafted
    from tests.world import api_client as client_for

    record = drafted(world)
    url = f"/api/v1/sessions/{record.session_id}/record/"
    body = client_for(world, "own").get(url).json()["draft"]
    put = {
        "revision": body["revision"] - 1,
        "closing_remarks": "Cierre",
        "entries": [],
        "attendance": [],
    }
    response = client_for(world, "own").put(url, put, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"revision": ["The record has changed since you read it: read it again."]},
    )
    assert Record.objects.get().closing_remarks == "Se levanta la sesión."
