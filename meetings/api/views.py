from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from committees.access import access_for, by_committee, committees_visible
from committees.readers import calendar_feed_read
from meetings.api.filters import AgendaItemFilter, SessionFilter, TombstoneFilter
from meetings.api.serializers import (
    AgendaItemListSerializer,
    SessionPatchSerializer,
    SessionSerializer,
    SessionWriteSerializer,
    TombstoneSerializer,
)
from meetings.calendars import ICS, feed_name, sessions_calendar
from meetings.models import AgendaItem, Session
from meetings.records.changes import ChangeBy
from meetings.rules import session_committee_check
from meetings.selectors import session_tombstones, sessions_visible, sessions_with_agenda
from meetings.services import session_create, session_delete, session_update
from tracker.api.idempotency import IdempotentCreateMixin
from tracker.api.schema import (
    CHANGE,
    CREATE,
    IDEMPOTENCY_KEY,
    READ_LIST,
    READ_ONE,
    conditional_parameters,
    errors,
    filter_parameters,
)
from tracker.api.views import CachedListMixin, CachedReadMixin, ICalendarViewMixin
from tracker.conditional import kept_response, schedule_response
from tracker.language import translation_for
from tracker.schedule import schedule_version_for


def _agenda_items(session: Session | None, items: list[dict]) -> list[AgendaItem]:
    existing = {item.pk: item for item in AgendaItem.objects.filter(session=session)} if session else {}
    agenda, unknown = [], []
    for position, data in enumerate(items, start=1):
        data = dict(data)
        item_id = data.pop("id", None)
        if item_id is None:
            agenda.append(AgendaItem(**data))
        elif item_id in existing:
            item = existing.pop(item_id)
            for field, value in data.items():
                setattr(item, field, value)
            agenda.append(item)
        else:
            unknown.append(_("Item %(n)d: no item %(id)d on this session's agenda.") % {"n": position, "id": item_id})
    if unknown:
        raise ValidationError({"agenda": unknown})
    return agenda


class _SessionWrites(viewsets.ModelViewSet):
    def get_queryset(self):
        return sessions_visible(access=access_for(self.request.user))

    def can_edit(self, request, session: Session) -> bool:
        return access_for(request.user).edits_committee(session.committee_id)

    def _read(self, session: Session, code: int = status.HTTP_200_OK) -> Response:
        fresh = sessions_with_agenda().get(pk=session.pk)
        return Response(SessionSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        access = access_for(request.user)
        serializer = SessionWriteSerializer(data=request.data, access=access)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not access.edits_committee(data["committee"].pk):
            raise PermissionDenied(_("Only the committee's secretariats may add its sessions."))
        agenda = _agenda_items(None, data.pop("agenda", []))
        session = session_create(**data, agenda=agenda)
        response = self._read(session, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/sessions/{session.pk}/")
        return response

    def partial_update(self, request, *args, **kwargs):
        session = self.get_object()
        if isinstance(request.data, dict) and (committee := request.data.get("committee")) is not None:
            session_committee_check(session=session, committee_slug=str(committee))
        access = access_for(request.user)
        serializer = SessionPatchSerializer(data=request.data, partial=True, access=access)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        agenda_data = data.pop("agenda", None)
        reason = data.pop("reason", "")
        agenda = _agenda_items(session, agenda_data) if agenda_data is not None else None
        by = ChangeBy(user=request.user, access=access)
        session_update(session=session, data=data, agenda=agenda, by=by, reason=reason)
        return self._read(session)

    def destroy(self, request, *args, **kwargs):
        session_delete(session=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


AGENDA_RULES = (
    "an agenda holds at most `AGENDA_MAX_ITEMS` items (60 unless the deployment sets another number). "
    "Fields the server sets are refused with a 400 naming them: `id`, `uid`, `sequence` and the timestamps "
    "of the session, and `position`, `session` and the timestamps of an item."
)


@extend_schema_view(
    list=extend_schema(
        summary="List sessions",
        description="Sessions ordered by start, with their agendas. Paginated.",
        parameters=conditional_parameters(),
        responses={200: SessionSerializer(many=True), **errors(READ_LIST)},
    ),
    retrieve=extend_schema(
        summary="One session",
        parameters=conditional_parameters(),
        responses={200: SessionSerializer, **errors(READ_ONE)},
    ),
    create=extend_schema(
        summary="Create a session",
        description="Times need a UTC offset. The agenda's items take positions 1, 2, 3 ... in the order sent; "
        + AGENDA_RULES,
        parameters=[IDEMPOTENCY_KEY],
        request=SessionWriteSerializer,
        responses={201: SessionSerializer, **errors(CREATE)},
    ),
    partial_update=extend_schema(
        summary="Change a session",
        description="Send only what changes. An `agenda`, when sent, replaces the whole agenda: items with "
        "an `id` are kept (and changed), the others are new, and items left out are deleted; " + AGENDA_RULES,
        request=SessionPatchSerializer,
        responses={200: SessionSerializer, **errors(CHANGE)},
    ),
    destroy=extend_schema(summary="Delete a session", responses={204: None, **errors(CHANGE)}),
)
class SessionViewSet(IdempotentCreateMixin, CachedReadMixin, _SessionWrites):
    serializer_class = SessionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = SessionFilter

    def cache_variant(self, request) -> str:
        return access_for(request.user).key


@extend_schema_view(
    list=extend_schema(
        summary="Deleted sessions",
        description="Sessions deleted at or after `since`, so that a client mirroring the schedule can drop them.",
        parameters=conditional_parameters(),
        responses={200: TombstoneSerializer(many=True), **errors(READ_LIST)},
    ),
)
class SessionTombstoneViewSet(CachedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TombstoneSerializer
    filterset_class = TombstoneFilter

    def get_queryset(self):
        access = access_for(self.request.user)
        if access.everything:
            return session_tombstones()
        return session_tombstones().filter(committee__in=committees_visible(access=access).values("slug"))

    def cache_variant(self, request) -> str:
        return access_for(request.user).key


@extend_schema_view(
    list=extend_schema(
        summary="List agenda items",
        parameters=conditional_parameters(),
        responses={200: AgendaItemListSerializer(many=True), **errors(READ_LIST)},
    ),
    retrieve=extend_schema(
        summary="One agenda item",
        parameters=conditional_parameters(),
        responses={200: AgendaItemListSerializer, **errors(READ_ONE)},
    ),
)
class AgendaItemViewSet(CachedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Agenda items across sessions, read-only: they are written through their session's `agenda`."""

    serializer_class = AgendaItemListSerializer
    filterset_class = AgendaItemFilter

    def get_queryset(self):
        items = AgendaItem.objects.select_related("presenter").order_by("session_id", "position")
        return by_committee(access=access_for(self.request.user), queryset=items, path="session__committee")

    def cache_variant(self, request) -> str:
        return access_for(request.user).key


def _calendar_variant(user) -> str:
    """What a calendar's body depends on besides its address: the reader's committees and language
    (titles and labels are in it). Called with the reader's language active."""
    return f"{access_for(user).key}|{get_language()}"


def sessions_calendar_response(request, *, user):
    """The sessions `user` may see that the request's filters select, as iCalendar, through the
    schedule cache."""
    access = access_for(user)

    def filtered() -> tuple[QuerySet, QuerySet]:
        sessions = sessions_visible(access=access)
        committees = committees_visible(access=access)  # the feed is named after them
        if request.query_params:  # most subscriptions send none: no form to build then
            filterset = SessionFilter(request.query_params, queryset=sessions)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            sessions = filterset.qs
            if filterset.form.cleaned_data.get("committee"):
                committees = committees.filter(slug=filterset.form.cleaned_data["committee"])
        return sessions, committees

    def build() -> bytes:
        sessions, committees = filtered()
        return sessions_calendar(sessions, name=feed_name(committees))

    with translation_for(user):
        return _in_language(
            schedule_response(
                request,
                build=build,
                content_type=ICS,
                variant=_calendar_variant(user),
                check=filtered if request.query_params else None,
                version=schedule_version_for(user),
            )
        )


def kept_calendar_response(request, *, user):
    """The answer `sessions_calendar_response` gave to the same request for this version, or None."""
    with translation_for(user):
        response = kept_response(
            request, content_type=ICS, variant=_calendar_variant(user), version=schedule_version_for(user)
        )
        return _in_language(response) if response is not None else None


def _in_language(response):
    """Names the language the calendar is written in (the reader's, which may not be the request's)."""
    response["Content-Language"] = get_language()
    return response


# The calendar address read for this request, kept on the request.
FEED_READ_ATTRIBUTE = "calendar_feed_read"

CALENDAR_RESPONSES = {
    (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="An iCalendar (RFC 5545) file."),
    **errors(READ_LIST),
}


class SessionsCalendarView(ICalendarViewMixin, APIView):
    @extend_schema(
        summary="Sessions as iCalendar",
        operation_id="sessions_ics_list",
        tags=["sessions"],
        description="The same filters as the session list; one VEVENT per session.",
        parameters=[*conditional_parameters(), *filter_parameters(SessionFilter)],
        responses=CALENDAR_RESPONSES,
    )
    def get(self, request):
        return sessions_calendar_response(request, user=request.user)

    def kept_answer(self, request, *args, **kwargs):
        token = self.kept_token(request)
        if token is None:
            return None
        response = kept_calendar_response(request, user=token.user)
        return response if response is not None and self.kept_within_rate(request, token) else None


class SessionCalendarView(ICalendarViewMixin, APIView):
    @extend_schema(
        summary="One session as iCalendar",
        operation_id="sessions_ics_retrieve",
        parameters=conditional_parameters(),
        responses={(200, "text/calendar"): CALENDAR_RESPONSES[(200, "text/calendar")], **errors(READ_ONE)},
    )
    def get(self, request, pk: int):
        access = access_for(request.user)
        if not sessions_visible(access=access).filter(pk=pk).exists():
            raise NotFound(_("No Session matches the given query."))

        def build() -> bytes:
            session = get_object_or_404(sessions_visible(access=access), pk=pk)
            return sessions_calendar([session], name=session.committee.display_name)

        with translation_for(request.user):
            return schedule_response(request, build=build, content_type=ICS, variant=f"{access.key}|{get_language()}")


class CalendarFeedView(ICalendarViewMixin, APIView):
    """A person's subscription address: the secret in the path stands in for a token, for
    calendar apps that cannot send headers."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        summary="A personal calendar subscription",
        operation_id="calendar_ics_retrieve",
        description="The sessions as iCalendar, for calendar apps that cannot send a token: the secret "
        "address (from the admin, revocable) is the credential. Takes the session list's filters.",
        auth=[],
        parameters=[
            OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH, description="The secret address."),
            *conditional_parameters(),
            *filter_parameters(SessionFilter),
        ],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="An iCalendar (RFC 5545) file."),
            **errors((304, 400, 404, 429)),
        },
    )
    def get(self, request, token: str):
        feed = getattr(request, FEED_READ_ATTRIBUTE, None) or calendar_feed_read(token)
        if feed is None:
            raise NotFound(_("No such calendar address (it may have been revoked)."))
        return sessions_calendar_response(request, user=feed.user)

    def kept_answer(self, request, *args, token: str, **kwargs):
        feed = calendar_feed_read(token)
        if feed is None:
            return None
        setattr(request, FEED_READ_ATTRIBUTE, feed)  # for the full way
        response = kept_calendar_response(request, user=feed.user)
        return response if response is not None and self.kept_within_rate(request, None) else None
