from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer

from tracker.api.authentication import READ_ATTRIBUTE, TokenAuthentication
from tracker.api.throttling import TokenRateThrottle
from tracker.conditional import kept_response, schedule_response
from tracker.models import ApiToken
from tracker.schedule import schedule_version_for

JSON = "application/json"
_JSON_RANGES = frozenset({"*/*", "application/*", "application/json"})


def _accepts(request: HttpRequest, media_types: frozenset[str]) -> bool:
    """Whether the Accept header is absent or plainly names one of `media_types`, so that DRF's
    negotiation would pick the same renderer (a weighted header takes the full way)."""
    accept = request.headers.get("Accept")
    if accept is None:  # absent; a blank one DRF refuses (406) on the full way
        return True
    if "q=" in accept:
        return False
    return any(part.split(";", 1)[0].strip().lower() in media_types for part in accept.split(","))


class KeptAnswerMixin:
    """A GET whose answer this process already gave for the current schedule version is answered
    before DRF builds its request, negotiates, authenticates, checks and throttles in full: the
    same steps are taken here in short (the token with its user's access and the version in one
    query, the view's permissions, the rate), and any request they do not clear plainly (no token,
    a bad one, a refused permission, an exhausted rate, an unusual Accept header) goes the full
    way, which answers it as always. The answer carries the headers DRF would add."""

    kept_media_types = _JSON_RANGES

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD") and "format" not in kwargs and _accepts(request, self.kept_media_types):
            response = self.kept_answer(request, *args, **kwargs)
            if response is not None:
                return self._kept_finalize(response)
        return super().dispatch(request, *args, **kwargs)

    def kept_answer(self, request: HttpRequest, *args, **kwargs) -> HttpResponse | None:
        """The kept answer to `request`, or None to take the full way."""
        return None

    def kept_token(self, request: HttpRequest) -> ApiToken | None:
        """The request's API token, with its user, when it counts and the view's permissions let
        its user read; the token read is kept on the request for the full way."""
        authenticator = next((one for one in self.get_authenticators() if isinstance(one, TokenAuthentication)), None)
        if authenticator is None:
            return None
        try:
            token = authenticator.token_of(request)
        except AuthenticationFailed:
            return None
        if token is None:
            return None
        found = authenticator.find(token)
        setattr(request, READ_ATTRIBUTE, (token, found))
        if found is None:
            return None
        request.user = found.user  # as DRF sets it, for what runs after the view
        if not all(permission.has_permission(request, self) for permission in self.get_permissions()):
            return None
        return found

    def kept_within_rate(self, request: HttpRequest, token: ApiToken | None) -> bool:
        """Count the request (of the token, or of the address without one); False when it must wait."""
        throttles = self.get_throttles()
        if not all(isinstance(throttle, TokenRateThrottle) for throttle in throttles):
            return False
        return all(
            throttle.allow(throttle.ident_of_token(token) if token else throttle.ident_of_address(request))
            for throttle in throttles
        )

    def _kept_finalize(self, response: HttpResponse) -> HttpResponse:
        headers = dict(self.default_response_headers)
        if vary := headers.pop("Vary", None):
            patch_vary_headers(response, [name.strip() for name in vary.split(",")])
        for key, value in headers.items():
            response[key] = value
        return response


class CachedListMixin(KeptAnswerMixin):
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

    def kept_answer(self, request, *args, **kwargs):
        # DRF names the action once it builds its request; the route's map says it already.
        if getattr(self, "action_map", {}).get(request.method.lower()) not in ("list", "retrieve"):
            return None
        token = self.kept_token(request)
        if token is None:
            return None
        response = kept_response(
            request,
            content_type=JSON,
            variant=self.cache_variant(request),
            version=schedule_version_for(token.user),
        )
        # Counted only when answered here: the full way counts the request itself.
        return response if response is not None and self.kept_within_rate(request, token) else None

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


class ICalendarViewMixin(KeptAnswerMixin):
    """Calendars answer with text/calendar; their errors stay JSON whatever the client accepts."""

    renderer_classes = (JSONRenderer, ICalendarRenderer)
    kept_media_types = _JSON_RANGES | {"text/*", "text/calendar"}
    permission_classes = (IsAuthenticated,)  # calendars are read-only

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and hasattr(response, "accepted_renderer"):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSON
        return response
