"""The project's URLs plus the baseline the API is measured against."""

from django.urls import path
from rest_framework import generics

from committees.access import access_for
from config.urls import urlpatterns as project_urlpatterns
from meetings.api.serializers import SessionSerializer
from meetings.selectors import sessions_visible


class IdiomaticSessionList(generics.ListAPIView):
    """A plain DRF list of the sessions the caller may see: nested serializer, prefetched agenda,
    paginated, built on every request."""

    serializer_class = SessionSerializer

    def get_queryset(self):
        return sessions_visible(access=access_for(self.request.user))


urlpatterns = [
    path("bench/idiomatic/", IdiomaticSessionList.as_view()),
    *project_urlpatterns,
]
