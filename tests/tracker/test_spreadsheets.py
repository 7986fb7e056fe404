"""The rule for one exported value, and the two file formats, on their own
(tests/meetings/test_export.py shows them in the session export)."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest
from tablib import Dataset

from tracker.spreadsheets import SpreadsheetCSV, SpreadsheetXLSX, dataset_guarded, spreadsheet_cell, spreadsheet_text

LIMA_OFFSET = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("==1", "'==1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "'=1"),  # already text to a spreadsheet
        ("Session 1 = agreed", "Session 1 = agreed"),
        (" =1", " =1"),
        ("", ""),
        ("Cancillería", "Cancillería"),
    ],
)
def test_spreadsheet_text(text, written):
    assert spreadsheet_text(text) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (3, 3),
        (-5, -5),  # a number of ours, negative or not, stays a number
        (Decimal("-1.5"), Decimal("-1.5")),
        (2.5, 2.5),
        (None, None),
        (True, "True"),
        ("-5", "'-5"),  # text that looks like a number is text
        (date(2025, 12, 1), date(2025, 12, 1)),
        (datetime(2025, 12, 1, 10, 0), datetime(2025, 12, 1, 10, 0)),  # a wall-clock reading
        (time(10, 0), time(10, 0)),
        # An instant keeps its offset, as text: a spreadsheet cell cannot hold one.
        (datetime(2025, 12, 1, 13, 0, tzinfo=UTC), "2025-12-01T13:00:00+00:00"),
        (datetime(2025, 12, 1, 8, 0, tzinfo=LIMA_OFFSET), "2025-12-01T08:00:00-05:00"),
        (time(8, 0, tzinfo=LIMA_OFFSET), "08:00:00-05:00"),
    ],
)
def test_spreadsheet_cell(value, written):
    assert spreadsheet_cell(value) == written


def test_dataset_guarded_guards_headers_and_rows_and_leaves_the_original():
    dataset = Dataset(["=a", 1, None], headers=["title", "-n", "x"], title="t")
    guarded = dataset_guarded(dataset)
    assert (guarded.title, guarded.headers, list(guarded)) == ("t", ["title", "'-n", "x"], [("'=a", 1, None)])
    assert list(dataset) == [("=a", 1, None)]


def _mixed() -> Dataset:
    return Dataset(
        ["Perú", -5, datetime(2025, 12, 1, 8, 0), datetime(2025, 12, 1, 8, 0, tzinfo=LIMA_OFFSET), "=1", ""],
        headers=["text", "number", "wall clock", "instant", "formula", "empty"],
        title="Mixed",
    )


def test_csv_starts_with_a_byte_order_mark_and_writes_every_value_as_text():
    data = SpreadsheetCSV().export_data(_mixed())
    assert (data[0], SpreadsheetCSV().get_content_type()) == ("\ufeff", "text/csv; charset=utf-8")
    assert data.encode().startswith(b"\xef\xbb\xbftext,")
    assert list(csv.reader(io.StringIO(data.encode().decode("utf-8-sig"), newline=""))) == [
        ["text", "number", "wall clock", "instant", "formula", "empty"],
        ["Perú", "-5", "2025-12-01T08:00:00", "2025-12-01T08:00:00-05:00", "'=1", ""],
    ]


def test_xlsx_writes_a_named_sheet_a_table_with_typed_cells():
    second = Dataset([1, "x"], headers=["n", "=t"], title="Second")
    workbook = openpyxl.load_workbook(io.BytesIO(SpreadsheetXLSX().export_book([_mixed(), second])))
    assert workbook.sheetnames == ["Mixed", "Second"]
    assert [[(cell.value, cell.data_type) for cell in row] for row in workbook["Mixed"].iter_rows()] == [
        [("text", "s"), ("number", "s"), ("wall clock", "s"), ("instant", "s"), ("formula", "s"), ("empty", "s")],
        [
            ("Perú", "s"),
            (-5, "n"),
            (datetime(2025, 12, 1, 8, 0), "d"),
            ("2025-12-01T08:00:00-05:00", "s"),
            ("'=1", "s"),
            (None, "n"),  # no cell at all, rather than an empty text
        ],
    ]
    assert list(workbook["Second"].iter_rows(values_only=True)) == [("n", "'=t"), (1, "x")]
    assert workbook["Mixed"]["C2"].number_format == "yyyy-mm-dd hh:mm"


def test_xlsx_of_one_dataset_is_one_sheet():
    workbook = openpyxl.load_workbook(io.BytesIO(SpreadsheetXLSX().export_data(Dataset([1], headers=["n"]))))
    assert (workbook.sheetnames, list(workbook.active.iter_rows(values_only=True))) == (["Export"], [("n",), (1,)])
