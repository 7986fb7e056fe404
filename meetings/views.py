from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from meetings.api.filters import SessionFilter
from meetings.api.views import sessions_calendar_response
from tracker.api.schema import conditional_parameters, errors, filter_parameters
from tracker.api.views import ICalendarViewMixin
from tracker.tokens import calendar_feed_find


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
        feed = calendar_feed_find(token)
        if feed is None:
            raise NotFound(_("No such calendar address (it may have been revoked)."))
        return sessions_calendar_response(request, user=feed.user)
