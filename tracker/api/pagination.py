from django.db.models import Count, Window
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE = 10**9  # far past any real page, and an offset the database can still hold


def _whole_number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() else None


class PageNumberPagination(pagination.PageNumberPagination):
    """`{count, next, previous, results}`; `page_size` from 1 to 500 (50 by default), anything else a 400.

    The total comes with the page's rows (a window count), so a page costs one query, not two."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            message = _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_page_number(self, request, paginator=None) -> int:
        raw = request.query_params.get(self.page_query_param, "1")
        number = _whole_number(raw)
        if number is None or not 1 <= number <= MAX_PAGE:
            raise NotFound(_("Invalid page."))
        return number

    def check(self, request) -> None:
        """Refuse a bad `page` or `page_size` before anything is looked up."""
        self.get_page_size(request)
        self.get_page_number(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = self.get_page_size(request)
        self.number = self.get_page_number(request)
        offset = (self.number - 1) * self.size
        rows = list(queryset.annotate(_total=Window(Count("pk")))[offset : offset + self.size])
        if rows:
            self.count = rows[0]._total
        elif self.number == 1:
            self.count = 0
        else:
            raise NotFound(_("Invalid page."))
        return rows

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def _page_link(self, number: int) -> str:
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_next_link(self) -> str | None:
        return self._page_link(self.number + 1) if self.number * self.size < self.count else None

    def get_previous_link(self) -> str | None:
        return self._page_link(self.number - 1) if self.number > 1 else None

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": MAX_PAGE, "default": 1})
        return parameters
