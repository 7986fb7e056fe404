from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer

from tracker.conditional import schedule_response

JSON = "application/json"


class CachedListMixin:
    """JSON list answers (and, with CachedReadMixin, detail answers) go through
    `schedule_response`: 304 to a client holding the current version, stored bytes to everyone
    else until the schedule changes."""

    def _check_query(self, request) -> None:
        """Refuse a bad filter or page before answering from a cache or with a 304."""
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            filterset = filterset_class(request.query_params, queryset=self.get_queryset(), request=request)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
        if self.paginator is not None:
            self.paginator.check(request)

    def _cached(self, request, handler, *args, **kwargs):
        if not isinstance(request.accepted_renderer, JSONRenderer):
            return handler(request, *args, **kwargs)  # another renderer's answer is built afresh
        check = None
        if getattr(self, "action", None) == "list" and request.query_params:
            check = lambda: self._check_query(request)  # noqa: E731 - run only when no answer is kept
        return schedule_response(
            request,
            build=lambda: JSONRenderer().render(handler(request, *args, **kwargs).data),
            content_type=JSON,
            variant=self.cache_variant(request),
            check=check,
        )

    def cache_variant(self, request) -> str:
        """What, besides the schedule version and the address, the body depends on."""
        return ""

    def list(self, request, *args, **kwargs):
        return self._cached(request, super().list, *args, **kwargs)


class CachedReadMixin(CachedListMixin):
    def retrieve(self, request, *args, **kwargs):
        # A 304 only for what exists: a missing object is a 404 whatever the client holds.
        lookup = self.lookup_url_kwarg or self.lookup_field
        queryset = self.get_queryset()
        if not queryset.filter(**{self.lookup_field: kwargs[lookup]}).exists():
            raise NotFound(_("No %(model)s matches the given query.") % {"model": queryset.model._meta.object_name})
        return self._cached(request, super().retrieve, *args, **kwargs)


class ICalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class ICalendarViewMixin:
    """Calendars answer with text/calendar; their errors stay JSON whatever the client accepts."""

    renderer_classes = (JSONRenderer, ICalendarRenderer)
    permission_classes = (IsAuthenticated,)  # calendars are read-only

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and hasattr(response, "accepted_renderer"):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSON
        return response
