"""The rule for one exported value, on its own (tests/meetings/test_export.py shows it in files)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tablib import Dataset

from tracker.spreadsheets import dataset_guarded, spreadsheet_cell, spreadsheet_text


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
        (date(2025, 12, 1), "2025-12-01"),
        (datetime(2025, 12, 1, 13, 0, tzinfo=UTC), "2025-12-01T13:00:00+00:00"),
    ],
)
def test_spreadsheet_cell(value, written):
    assert spreadsheet_cell(value) == written


def test_dataset_guarded_guards_headers_and_rows_and_leaves_the_original():
    dataset = Dataset(["=a", 1, None], headers=["title", "-n", "x"], title="t")
    guarded = dataset_guarded(dataset)
    assert (guarded.title, guarded.headers, list(guarded)) == ("t", ["title", "'-n", "x"], [("'=a", 1, None)])
    assert list(dataset) == [("=a", 1, None)]
