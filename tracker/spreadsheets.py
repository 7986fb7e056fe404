"""CSV and XLSX exports that a spreadsheet cannot run.

A spreadsheet takes a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (OWASP, "CSV Injection"). Text that starts so is written with an apostrophe in front:
it shows as text, and every character of it is still there after the apostrophe. XLSX cells of
text are stored as text, never as a formula or an error value. Numbers (from the tracker's own
number fields, never from what someone typed) stay numbers, negative ones included.

Every export uses `SpreadsheetCSV` and `SpreadsheetXLSX` in place of django-import-export's
`CSV` and `XLSX`; `spreadsheet_text` is the rule for one value."""

import io
from datetime import date, datetime, time
from decimal import Decimal

from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from tablib import Dataset

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
# Wide enough for a title, narrow enough that an agenda column wraps instead of running off.
_MAX_COLUMN_WIDTH = 60

Cell = str | int | float | Decimal | None


def spreadsheet_text(value: str) -> str:
    """`value` as a spreadsheet will show it and never run it."""
    return GUARD + value if value.startswith(FORMULA_TRIGGERS) else value


def spreadsheet_cell(value: object) -> Cell:
    """Numbers and empty cells as they are; everything else as guarded text."""
    if value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool)):
        return value
    if isinstance(value, datetime | date | time):
        return spreadsheet_text(value.isoformat())
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
    def export_data(self, dataset: Dataset, **kwargs) -> str:
        return dataset_guarded(dataset).export(self.get_title(), **kwargs)


class SpreadsheetXLSX(XLSX):
    """One sheet: the headers in bold and frozen, text wrapped where it has lines, and each text
    cell typed as text whatever it looks like (a leading `=`, `#N/A`)."""

    def export_data(self, dataset: Dataset, **kwargs) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Export"
        rows = dataset_guarded(dataset)
        table = ([rows.headers] if rows.headers else []) + [list(row) for row in rows]
        widths: dict[int, int] = {}
        for row_number, row in enumerate(table, start=1):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_number, column=column)
                if isinstance(value, str):
                    # Characters XLSX cannot hold at all (C0 controls) are shown as U+FFFD.
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
                    cell.data_type = "s"
                    if "\n" in value:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                else:
                    cell.value = value
                longest = max((len(line) for line in str(value or "").splitlines()), default=0)
                widths[column] = max(widths.get(column, 0), longest)
        if rows.headers:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        for column, width in widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_COLUMN_WIDTH)
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()
