"""Importing records from a spreadsheet on an admin's list page."""

from django.contrib import messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from committees.access import access_for


class ImportFromFileMixin(ImportMixin):
    """Import from CSV or XLSX: a trial run shows every row, its errors by row and field, and
    saves nothing; only a file without errors can be confirmed, and then all of it is saved."""

    import_formats = (CSV, XLSX)
    import_template_name = "committees/admin/import.html"

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "access": access_for(request.user)}

    def process_result(self, result, request):
        """A row that fails at confirmation (the record changed since the trial run) has rolled the
        whole file back: say so, with the rows' errors, instead of reporting an import."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        self.message_user(
            request, _("Nothing was imported: correct the rows below and upload the file again."), messages.ERROR
        )
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request), initial={}
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "import_error_display": self.import_error_display,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, [self.import_template_name], context, status=409)
