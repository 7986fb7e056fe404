"""Sessions with their agendas exported from the staff site's list, as CSV or XLSX (text a
spreadsheet would run as a formula made inert). The action's queryset is the admin's, so it
holds only sessions the user may see."""

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.resources import sessions_csv_table, sessions_for_export, sessions_workbook_tables
from tracker.spreadsheets import SpreadsheetCSV, SpreadsheetXLSX


def _download(data: str | bytes, file_format) -> HttpResponse:
    response = HttpResponse(data, content_type=file_format.get_content_type())
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="sessions-{stamp}.{file_format.get_extension()}"'
    return response


@admin.action(description=_("Export the selected sessions with their agendas (CSV)"), permissions=["view"])
def export_csv(model_admin, request, queryset) -> HttpResponse:
    table = sessions_csv_table(sessions=sessions_for_export(sessions=queryset))
    file_format = SpreadsheetCSV()
    return _download(file_format.export_data(table), file_format)


@admin.action(description=_("Export the selected sessions with their agendas (XLSX)"), permissions=["view"])
def export_xlsx(model_admin, request, queryset) -> HttpResponse:
    tables = sessions_workbook_tables(sessions=sessions_for_export(sessions=queryset))
    file_format = SpreadsheetXLSX()
    return _download(file_format.export_book(tables), file_format)
