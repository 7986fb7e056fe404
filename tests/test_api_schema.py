"""The OpenAPI document: served, valid, complete, and true of the API (checked by schemathesis)."""

import json
import os
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_python_client.parser.properties.enum_property import EnumProperty
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from committees.access import EVERYTHING, access_for
from config.wsgi import application
from meetings.models import Record, RecordEntry, Session
from meetings.records.services import record_approve, record_propose, record_save, record_start
from tests.api import secretariat_of, user_in
from tests.factories import AgendaItemFactory, CommitteeFactory, SessionFactory
from tracker.api.fields import TIMEZONE_NAME_PATTERN
from tracker.api.throttling import TokenRateThrottle
from tracker.schedule import schedule_changed
from tracker.tokens import api_token_create

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
# Only data that breaks the schema: wrong types, missing and extra fields, out-of-range numbers,
# malformed headers and paths. The API must refuse every such request, never fail on it.
negative_schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
negative_schema.config.generation.update(modes=[GenerationMode.NEGATIVE])
# The same examples on every run, so CI is repeatable; SCHEMATHESIS_EXPLORE=1 draws new ones.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))
DERANDOMIZE = not os.environ.get("SCHEMATHESIS_EXPLORE")


@pytest.fixture
def _keep_test_connection():
    # Called as a WSGI app, Django closes the database connection after each request, which would
    # end the test's transaction; Django's own test client does the same as this.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db, monkeypatch, _keep_test_connection) -> dict:
    monkeypatch.setattr(TokenRateThrottle, "rate", "100000/minute", raising=False)
    user = user_in(None)
    user.is_superuser = True
    user.save()
    committee = CommitteeFactory(slug="chile-peru")
    AgendaItemFactory(session=SessionFactory(committee=committee, number=1), position=1)
    held = datetime(2025, 12, 1, 13, 0, tzinfo=UTC)
    _approved_record(SessionFactory(committee=committee, number=2, status="held", starts_at=held))
    schedule_changed()
    _row, token = api_token_create(user=user, scope="read_write")
    # The WSGI transport hands the body over as sent, without undoing a Content-Encoding as HTTP
    # clients do: ask for it plain (tests/test_served.py reads gzip through a real HTTP client).
    return {"Authorization": f"Token {token}", "Accept-Encoding": "identity"}


def _approved_record(session: Session) -> None:
    """A record both delegations approved, with a commitment in the register."""
    record = record_start(session=session, access=EVERYTHING)
    commitment = RecordEntry(kind="commitment", text="Informe.", responsible="both", due_on=date(2031, 1, 1))
    record_save(record=record, access=EVERYTHING, user=None, entries=[commitment])
    record_propose(record=record, access=EVERYTHING)
    for country in session.committee.countries:
        user = secretariat_of(session.committee, country)
        record = Record.objects.get(pk=record.pk)
        record_approve(record=record, revision=record.revision, access=access_for(user), user=user)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
def test_api_keeps_its_schema(case, auth_headers):
    """No server error, every status, header, content type and body as documented, and data
    that breaks the schema refused. (Data that fits the schema may still break a rule the schema
    cannot state, such as an unknown committee or an overlap, so a 400 there is no failure.)"""
    case.call_and_validate(headers=auth_headers, excluded_checks=[positive_data_acceptance])


@negative_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
def test_api_refuses_data_that_breaks_its_schema_without_a_server_error(case, auth_headers):
    """Every operation, only schema-breaking data: never a 5xx (a failure names the request as curl)."""
    case.call_and_validate(headers=auth_headers, checks=[not_a_server_error])


TOO_DEEP = {"detail": "The body nests deeper than 32 levels."}
LONE_SURROGATE = {"detail": "The body holds an unpaired UTF-16 surrogate (\\ud800 to \\udfff), which is not text."}
SESSION = {
    "committee": "chile-peru",
    "title": "Second session",
    "starts_at": "2030-12-07T10:00:00-03:00",
    "ends_at": "2030-12-07T12:00:00-03:00",
    "timezone": "America/Santiago",
    "venue": "Santiago",
    "host_country": "CL",
}


def _with_lone_surrogate(field: str) -> bytes:
    return json.dumps({**SESSION, field: "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800").encode()


# Bodies that once answered 500, sent through the same checks as the generated examples.
EXPLICIT_EXAMPLES = [
    *((method, b"[" * 50_000 + b"]" * 50_000, TOO_DEEP) for method in ("POST", "PATCH")),
    *(
        (method, _with_lone_surrogate(field), LONE_SURROGATE)
        for method in ("POST", "PATCH")
        for field in ("timezone", "status", "host_country")
    ),
    (
        "POST",
        json.dumps({**SESSION, "agenda": [{"title": "x", "duration_minutes": 1}] * 61}).encode(),
        {"agenda": ["An agenda may hold at most 60 items."]},
    ),
    (
        "PATCH",
        json.dumps({"agenda": [{"title": "x", "duration_minutes": 1, "created_at": "2030-01-01T00:00:00Z"}]}).encode(),
        {"agenda": {"0": {"created_at": ["This field is set by the server."]}}},
    ),
]


@pytest.mark.parametrize(("method", "body", "answer"), EXPLICIT_EXAMPLES)
def test_api_refuses_these_bodies_as_documented(auth_headers, method, body, answer):
    if method == "POST":
        case = schema["/api/v1/sessions/"]["POST"].Case(body=body, media_type="application/json")
    else:
        session = Session.objects.get(number=1)
        case = schema["/api/v1/sessions/{id}/"]["PATCH"].Case(
            body=body, media_type="application/json", path_parameters={"id": session.pk}
        )
    response = case.call_and_validate(headers=auth_headers, excluded_checks=[positive_data_acceptance])
    assert (response.status_code, response.json()) == (400, answer)


@pytest.mark.django_db
def test_schema_describes_every_operation_and_the_token(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    assert operations == {
        ("/api/v1/agenda-items/", "get"),
        ("/api/v1/agenda-items/{id}/", "get"),
        ("/api/v1/committees/", "get"),
        ("/api/v1/committees/{slug}/", "get"),
        ("/api/v1/commitments/", "get"),
        ("/api/v1/commitments/{id}/", "get"),
        ("/api/v1/commitments/{id}/status/", "post"),
        ("/api/v1/sessions/", "get"),
        ("/api/v1/sessions/", "post"),
        ("/api/v1/sessions/{id}/", "get"),
        ("/api/v1/sessions/{id}/", "patch"),
        ("/api/v1/sessions/{id}/", "delete"),
        ("/api/v1/sessions/deleted/", "get"),
        ("/api/v1/sessions.ics", "get"),
        ("/api/v1/sessions/{id}.ics", "get"),
        ("/api/v1/sessions/{id}/record/", "get"),
        ("/api/v1/sessions/{id}/record/", "put"),
        ("/api/v1/sessions/{id}/record/start/", "post"),
        ("/api/v1/sessions/{id}/record/propose/", "post"),
        ("/api/v1/sessions/{id}/record/approve/", "post"),
        ("/api/v1/sessions/{id}/record/correct/", "post"),
        ("/api/v1/sessions/{id}/record/versions/{number}/", "get"),
        ("/api/v1/sessions/{id}/record.pdf", "get"),
        ("/calendar/{token}.ics", "get"),
    }
    assert document["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Token <token>`. Make one with `manage.py create_api_token USERNAME` or in the admin.",
    }
    listing = document["paths"]["/api/v1/sessions/"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "committee",
        "status",
        "starts_after",
        "starts_before",
        "updated_since",
        "page",
        "page_size",
        "If-None-Match",
        "If-Modified-Since",
    }
    assert set(listing["responses"]) == {"200", "304", "400", "401", "404", "429"}
    assert set(listing["responses"]["200"]["headers"]) == {"ETag", "Last-Modified"}
    assert set(listing["responses"]["401"]["headers"]) == {"WWW-Authenticate"}
    create = document["paths"]["/api/v1/sessions/"]["post"]
    assert set(create["responses"]) == {"201", "400", "401", "403", "409", "422", "429"}
    assert set(create["responses"]["201"]["headers"]) == {"Location", "Idempotent-Replayed"}
    feed = document["paths"]["/calendar/{token}.ics"]["get"]
    assert ("security" not in feed, set(feed["responses"])) == (True, {"200", "304", "400", "404", "429"})
    session_fields = document["components"]["schemas"]["Session"]["properties"]
    assert set(session_fields) == {
        "id",
        "uid",
        "committee",
        "number",
        "title",
        "title_en",
        "description",
        "description_en",
        "status",
        "starts_at",
        "ends_at",
        "timezone",
        "venue",
        "host_country",
        "sequence",
        "agenda",
        "created_at",
        "updated_at",
    }


@pytest.mark.django_db
def test_swagger_ui_works_offline(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "https://" not in page and "http://cdn" not in page


def _schema_document(client) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _enums(node, where: str = "") -> dict[str, list]:
    """Every enum in the document, by where it is."""
    found = {}
    if isinstance(node, dict):
        if "enum" in node:
            found[where] = node["enum"]
        for key, value in node.items():
            found.update(_enums(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.update(_enums(value, f"{where}/{index}"))
    return found


def _enum_identifiers_collide(values: list) -> bool:
    """Whether openapi-python-client would give two of these values one Python identifier."""
    info = SimpleNamespace(module_name="enum", name="Enum")
    try:
        return len(EnumProperty.values_from_list(values, info, [])) != len(values)
    except ValueError:  # the generator's own refusal: "Duplicate key ... in enum"
        return True


def test_enum_identifier_check_catches_aliases_of_one_zone():
    assert (_enum_identifiers_collide(["GMT0", "GMT+0", "GMT-0"]), _enum_identifiers_collide(["a-b", "a_b"])) == (
        True,
        True,
    )
    assert _enum_identifiers_collide(["America/Lima", "America/Santiago", "UTC"]) is False


@pytest.mark.django_db
def test_every_enum_has_distinct_identifiers_and_zones_are_strings(client):
    document = _schema_document(client)
    enums = _enums(document)
    assert {where for where, values in enums.items() if _enum_identifiers_collide(values)} == set()
    assert set(document["components"]["schemas"]) >= {
        "CountryEnum",
        "RoleEnum",
        "SessionStatusEnum",
        "CommitmentStatusEnum",
        "KindEnum",
        "StateEnum",
    }
    assert "TimezoneEnum" not in document["components"]["schemas"]
    zone = document["components"]["schemas"]["SessionWriteRequest"]["properties"]["timezone"]
    assert zone == {
        "type": "string",
        "maxLength": 64,
        "minLength": 1,
        "pattern": TIMEZONE_NAME_PATTERN,
        "example": "America/Santiago",
        "description": "IANA zone of the venue by its region's name, e.g. America/Santiago, or UTC; old aliases "
        "such as US/Eastern are refused.",
    }
    assert document["components"]["schemas"]["PatchedSessionPatchRequest"]["properties"]["timezone"] == zone


@pytest.mark.django_db
def test_every_operation_documents_its_success_and_its_errors(client):
    document = _schema_document(client)
    operations = {op["operationId"]: op for item in document["paths"].values() for op in item.values()}
    assert {name: sorted(op["responses"]) for name, op in operations.items()} == {
        "agenda_items_list": ["200", "304", "400", "401", "404", "429"],
        "agenda_items_retrieve": ["200", "304", "401", "404", "429"],
        "committees_list": ["200", "304", "400", "401", "404", "429"],
        "committees_retrieve": ["200", "304", "401", "404", "429"],
        "sessions_list": ["200", "304", "400", "401", "404", "429"],
        "sessions_create": ["201", "400", "401", "403", "409", "422", "429"],
        "sessions_ics_list": ["200", "304", "400", "401", "404", "429"],
        "sessions_retrieve": ["200", "304", "401", "404", "429"],
        "sessions_partial_update": ["200", "400", "401", "403", "404", "409", "429"],
        "sessions_destroy": ["204", "400", "401", "403", "404", "409", "429"],
        "sessions_ics_retrieve": ["200", "304", "401", "404", "429"],
        "sessions_deleted_list": ["200", "304", "400", "401", "404", "429"],
        "calendar_ics_retrieve": ["200", "304", "400", "404", "429"],
        "commitments_list": ["200", "304", "400", "401", "404", "429"],
        "commitments_retrieve": ["200", "304", "401", "404", "429"],
        "commitments_status_create": ["200", "400", "401", "403", "404", "409", "429"],
        "sessions_record_retrieve": ["200", "304", "401", "404", "429"],
        "sessions_record_update": ["200", "400", "401", "403", "404", "409", "429"],
        "sessions_record_start_create": ["200", "201", "400", "401", "403", "404", "409", "429"],
        "sessions_record_propose_create": ["200", "400", "401", "403", "404", "409", "429"],
        "sessions_record_approve_create": ["200", "400", "401", "403", "404", "409", "429"],
        "sessions_record_correct_create": ["200", "400", "401", "403", "404", "409", "429"],
        "sessions_record_versions_retrieve": ["200", "304", "401", "404", "429"],
        "sessions_record_pdf_retrieve": ["200", "400", "401", "404", "429"],
    }
    # Each answer says what it means; each error body is one of the two shared shapes.
    undescribed = {
        (name, code)
        for name, op in operations.items()
        for code, answer in op["responses"].items()
        if not answer.get("description")
    }
    error_bodies = {
        (code, media, body["schema"].get("$ref"))
        for op in operations.values()
        for code, answer in op["responses"].items()
        if code >= "400"
        for media, body in answer["content"].items()
    }
    assert (undescribed, error_bodies) == (
        set(),
        {("400", "application/json", "#/components/schemas/FieldErrors")}
        | {
            (code, "application/json", "#/components/schemas/ErrorDetail")
            for code in ("401", "403", "404", "409", "422", "429")
        },
    )
    assert {name: op["tags"] for name, op in operations.items() if name.startswith("sessions")} == {
        name: ["sessions"] for name in operations if name.startswith("sessions")
    }
