"""A Python client generated from the OpenAPI document by openapi-python-client builds without a
warning and reads the schedule from a running server exactly as the API serves it."""

import importlib
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from committees.access import EVERYTHING, access_for
from meetings.models import Commitment, Record, RecordEntry, Session
from meetings.records.services import record_approve, record_propose, record_save, record_start
from tests.api import secretariat_of, token_client, user_in
from tests.factories import CommitteeFactory, SessionFactory
from tracker.schedule import schedule_changed
from tracker.tokens import api_token_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "binational_committee_tracker_api_client"


@pytest.fixture
def generated_client(tmp_path, monkeypatch):
    """The client package generated from the schema, importable for the test."""
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(schema), "--validate", "--fail-on-warn")
    config = tmp_path / "generator.yaml"
    # No formatting pass (it would need ruff on PATH); the record's PDF read as the bytes it is, a
    # type the generator knows by its generic name only.
    config.write_text("post_hooks: []\ncontent_type_overrides:\n  application/pdf: application/octet-stream\n")
    output = tmp_path / "client"
    generation = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(schema), "--output-path", str(output), "--config", str(config)),
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "500", "NO_COLOR": "1", "TERM": "dumb"},
        timeout=120,
        check=False,
    )
    # Any warning (an operation or a response left out, a duplicate name) would be printed here.
    assert (generation.returncode, generation.stdout, generation.stderr) == (0, f"Generating {output}\n", "")
    monkeypatch.syspath_prepend(str(output))
    yield importlib.import_module(PACKAGE)
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_generated_client_lists_sessions_as_the_api_does(generated_client, live_server):
    committee = CommitteeFactory(slug="chile-peru")
    first = SessionFactory(
        committee=committee,
        number=1,
        title="First session",
        status="held",
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 1, 15, 0, tzinfo=UTC),
        timezone="America/Santiago",
    )
    second = SessionFactory(
        committee=committee,
        number=2,
        title="Second session",
        starts_at=datetime(2026, 6, 1, 14, 0, tzinfo=UTC),
        ends_at=datetime(2026, 6, 1, 16, 0, tzinfo=UTC),
        timezone="America/Lima",
    )
    third = SessionFactory(
        committee=committee,
        number=3,
        title="Third session, online",
        starts_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
        ends_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
        timezone="UTC",
    )
    commitment = _approved_commitment(first)
    with transaction.atomic():
        schedule_changed()
    user = user_in(None)
    user.is_superuser = True
    user.save()
    _row, token = api_token_create(user=user, scope="read_write")

    from binational_committee_tracker_api_client.api.commitments import commitments_list
    from binational_committee_tracker_api_client.api.sessions import sessions_create, sessions_list
    from binational_committee_tracker_api_client.client import AuthenticatedClient
    from binational_committee_tracker_api_client.models import (
        CommitmentStatusEnum,
        CountryEnum,
        SessionWriteRequest,
    )

    # Closed at the end, so that the server thread holding the connection ends with its database connection.
    with AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token") as client:
        page = sessions_list.sync(client=client)
        commitments = commitments_list.sync(client=client, delegation="both")
        refused = sessions_create.sync_detailed(
            client=client,
            body=SessionWriteRequest(
                committee="chile-peru",
                title="Fourth session",
                starts_at=datetime(2030, 12, 7, 13, 0, tzinfo=UTC),
                ends_at=datetime(2030, 12, 7, 15, 0, tzinfo=UTC),
                timezone="US/Eastern",
                venue="Washington",
                host_country=CountryEnum.US,
            ),
        )
    served = token_client(token=token).get("/api/v1/sessions/").json()

    generated = [(s.id, s.title, s.starts_at, s.starts_at.isoformat(), s.timezone) for s in page.results]
    assert page.count == served["count"] == 3
    assert generated == [
        (s["id"], s["title"], datetime.fromisoformat(s["starts_at"]), s["starts_at"], s["timezone"])
        for s in served["results"]
    ]
    assert generated == [
        (first.pk, "First session", first.starts_at, "2025-12-01T10:00:00-03:00", "America/Santiago"),
        (second.pk, "Second session", second.starts_at, "2026-06-01T09:00:00-05:00", "America/Lima"),
        (third.pk, "Third session, online", third.starts_at, "2026-07-01T09:00:00+00:00", "UTC"),
    ]

    # A write with an old zone alias comes back as field errors the client reads.
    assert (refused.status_code, refused.parsed.additional_properties, Session.objects.count()) == (
        400,
        {"timezone": ["“US/Eastern” is an old name for the time zone America/New_York; enter America/New_York."]},
        3,
    )

    # The commitments register, read with the client's types.
    assert [
        (c.id, c.committee, c.session, c.responsible, c.due_on, c.status, [u.status for u in c.updates])
        for c in commitments.results
    ] == [(commitment.pk, "chile-peru", first.pk, "both", date(2026, 1, 15), CommitmentStatusEnum.OPEN, ["open"])]
    assert commitments.count == token_client(token=token).get("/api/v1/commitments/").json()["count"] == 1


def _approved_commitment(session: Session) -> Commitment:
    """The session's record, approved by both delegations, with one commitment of both."""
    record = record_start(session=session, access=EVERYTHING)
    entry = RecordEntry(kind="commitment", text="Informe.", responsible="both", due_on=date(2026, 1, 15))
    record_save(record=record, access=EVERYTHING, user=None, entries=[entry])
    record_propose(record=record, access=EVERYTHING)
    for country in session.committee.countries:
        user = secretariat_of(session.committee, country)
        record = Record.objects.get(pk=record.pk)
        record_approve(record=record, revision=record.revision, access=access_for(user), user=user)
    return Commitment.objects.get()
