"""Sessions with their agendas, exported from the admin as CSV and XLSX."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.test import Client

from tests.api import secretariat_of
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions():
    committee = CommitteeFactory(slug="chile-peru")
    first = SessionFactory(
        committee=committee,
        number=1,
        title="First session",
        status="held",
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 1, 15, 0, tzinfo=UTC),
        timezone="America/Santiago",
        venue="Cancillería, Santiago",
        host_country="CL",
    )
    chair = PersonFactory(full_name="Alberto van Klaveren")
    AgendaItemFactory(session=first, position=1, title="Opening", presenter=chair, duration_minutes=15)
    AgendaItemFactory(session=first, position=2, title="Humanitarian corridor", duration_minutes=60, outcome="Agreed")
    other = SessionFactory(committee=CommitteeFactory(slug="other"), number=1, title="Not ours")
    return first, other


def _export(client, action, *sessions):
    return client.post(
        "/admin/meetings/session/", {"action": action, "_selected_action": [str(s.pk) for s in sessions]}
    )


def test_csv_export_holds_each_session_with_its_agenda_and_clocks(admin_client, sessions):
    first, _other = sessions
    response = _export(admin_client, "export_csv", first)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="sessions-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "committee",
            "number",
            "title",
            "status",
            "starts (venue)",
            "ends (venue)",
            "starts (capitals)",
            "timezone",
            "venue",
            "host_country",
            "agenda",
            "uid",
        ],
        [
            "chile-peru",
            "1",
            "First session",
            "held",
            "2025-12-01 10:00 UTC-03:00 (America/Santiago)",
            "2025-12-01 12:00 UTC-03:00 (America/Santiago)",
            "Lima: 2025-12-01 08:00 UTC-05:00 (America/Lima); Santiago: 2025-12-01 10:00 UTC-03:00 (America/Santiago)",
            "America/Santiago",
            "Cancillería, Santiago",
            "CL",
            "1. Opening — Alberto van Klaveren (15 min)\n2. Humanitarian corridor (60 min): Agreed",
            first.uid,
        ],
    ]


def test_xlsx_export_and_a_secretariat_exports_only_its_committee(sessions):
    first, other = sessions
    client = Client()
    client.force_login(secretariat_of(first.committee, "CL"))
    response = _export(client, "export_xlsx", first, other)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[:3] for row in sheet.iter_rows(values_only=True)] == [
        ("committee", "number", "title"),
        ("chile-peru", "1", "First session"),
    ]


def test_text_a_spreadsheet_would_run_is_exported_inert(admin_client, sessions):
    first, _other = sessions
    first.title = '=HYPERLINK("http://evil.example","x")'
    first.save()
    rows = list(csv.reader(io.StringIO(_export(admin_client, "export_csv", first).content.decode())))
    assert rows[1][2] == 'HYPERLINK("http://evil.example","x")'  # the leading = is dropped
    sheet = openpyxl.load_workbook(io.BytesIO(_export(admin_client, "export_xlsx", first).content)).active
    cell = sheet.cell(row=2, column=3)
    assert (cell.data_type, str(cell.value).startswith("=")) == ("s", False)
