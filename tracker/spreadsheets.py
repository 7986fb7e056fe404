"""CSV and XLSX exports that a spreadsheet cannot run, and that it reads as the types they are.

A spreadsheet takes a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (OWASP, "CSV Injection"). Text that starts so is written with an apostrophe in front:
it shows as text, and every character of it is still there after the apostrophe. XLSX cells of
text are stored as text, never as a formula or an error value. Numbers (from the tracker's own
number fields, never from what someone typed) stay numbers, negative ones included.

A spreadsheet has no time zones. A naive datetime (a wall-clock reading, whose zone the export
names in another column) becomes a date cell in XLSX; an aware one is an instant and is written as
RFC 3339 text, offset included, so it can never be read on the wrong clock.

A CSV starts with a UTF-8 byte-order mark: without it Excel on Windows reads "Perú" as "PerÃº".

Every export uses `SpreadsheetCSV` and `SpreadsheetXLSX` in place of django-import-export's
`CSV` and `XLSX`; `spreadsheet_cell` is the rule for one value."""

import io
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal

from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from tablib import Dataset

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
BYTE_ORDER_MARK = "\N{BYTE ORDER MARK}"
# Wide enough for a title, narrow enough that an agenda column wraps instead of running off.
_MAX_COLUMN_WIDTH = 60
_NUMBER_FORMATS = {datetime: "yyyy-mm-dd hh:mm", date: "yyyy-mm-dd", time: "hh:mm"}

Cell = str | int | float | Decimal | datetime | date | time | None


def spreadsheet_text(value: str) -> str:
    """`value` as a spreadsheet will show it and never run it."""
    return GUARD + value if value.startswith(FORMULA_TRIGGERS) else value


def spreadsheet_cell(value: object) -> Cell:
    """Numbers, wall-clock dates and times, and empty cells as they are; an instant as RFC 3339
    text; everything else as guarded text."""
    if value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool)):
        return value
    if isinstance(value, datetime | time) and value.tzinfo is not None:
        return spreadsheet_text(value.isoformat())
    if isinstance(value, datetime | date | time):
        return value
    return spreadsheet_text(str(value))


def dataset_guarded(dataset: Dataset) -> Dataset:
    """A copy of `dataset` with every cell, headers included, passed through `spreadsheet_cell`."""
    guarded = Dataset(title=dataset.title)
    if dataset.headers:
        guarded.headers = [spreadsheet_cell(header) for header in dataset.headers]
    for row in dataset:
        guarded.append([spreadsheet_cell(value) for value in row])
    return guarded


class SpreadsheetCSV(CSV):
    """UTF-8 with a byte-order mark; dates and times (no zone) in ISO 8601."""

    CONTENT_TYPE = "text/csv; charset=utf-8"

    def export_data(self, dataset: Dataset, **kwargs) -> str:
        rows = dataset_guarded(dataset)
        as_text = Dataset(title=rows.title, headers=rows.headers)
        for row in rows:
            as_text.append([value.isoformat() if isinstance(value, date | time) else value for value in row])
        return BYTE_ORDER_MARK + as_text.export(self.get_title(), **kwargs)


class SpreadsheetXLSX(XLSX):
    """A sheet a table, named by the table's title: the headers in bold, frozen and filtered; text
    wrapped where it has lines and typed as text whatever it looks like (a leading `=`, `#N/A`);
    numbers as numbers and wall-clock times as date cells."""

    def export_data(self, dataset: Dataset, **kwargs) -> bytes:
        return self.export_book([dataset])

    def export_book(self, datasets: Sequence[Dataset]) -> bytes:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for dataset in datasets:
            _write_sheet(workbook.create_sheet(title=dataset.title or "Export"), dataset_guarded(dataset))
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()


def _write_sheet(sheet: Worksheet, rows: Dataset) -> None:
    table = ([rows.headers] if rows.headers else []) + [list(row) for row in rows]
    widths: dict[int, int] = {}
    for row_number, row in enumerate(table, start=1):
        for column, value in enumerate(row, start=1):
            if value is None or value == "":
                continue  # an empty cell, not an empty text
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, str):
                # Characters XLSX cannot hold at all (C0 controls) are shown as U+FFFD.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
                cell.data_type = "s"
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                longest = max(len(line) for line in value.splitlines() or [""])
            else:
                cell.value = value
                number_format = next((f for kind, f in _NUMBER_FORMATS.items() if isinstance(value, kind)), None)
                if number_format:
                    cell.number_format = number_format
                longest = len(number_format or str(value))
            widths[column] = max(widths.get(column, 0), longest)
    if rows.headers:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_COLUMN_WIDTH)
