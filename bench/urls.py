"""The project's URLs plus the baseline the API is measured against."""

from django.http import HttpResponse
from django.urls import path
from rest_framework import generics

from config.urls import urlpatterns as project_urlpatterns
from meetings.api.serializers import SessionSerializer
from meetings.selectors import sessions_with_agenda


class IdiomaticSessionList(generics.ListAPIView):
    """A plain DRF list: nested serializer, prefetched agenda, paginated, built on every request."""

    queryset = sessions_with_agenda()
    serializer_class = SessionSerializer


def precomputed(request):
    """The floor: the same bytes, kept in memory, with no authentication or lookup at all."""
    return HttpResponse(PRECOMPUTED["body"], content_type="application/json")


PRECOMPUTED = {"body": b""}

urlpatterns = [
    path("bench/idiomatic/", IdiomaticSessionList.as_view()),
    path("bench/precomputed/", precomputed),
    *project_urlpatterns,
]
