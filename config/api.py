"""API v1: one router for every app's viewsets."""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from committees.api.views import CommitteeViewSet
from meetings.api.commitments import CommitmentViewSet
from meetings.api.records import RecordPdfView, RecordViewSet
from meetings.api.views import AgendaItemViewSet, SessionTombstoneViewSet, SessionViewSet


class Router(DefaultRouter):
    # Ids are whole numbers a database column can hold; anything else is not found.
    def get_lookup_regex(self, viewset, lookup_prefix="") -> str:
        if getattr(viewset, "lookup_field", "pk") == "pk":
            return rf"(?P<{lookup_prefix}pk>[0-9]{{1,18}})"
        return super().get_lookup_regex(viewset, lookup_prefix)

    def get_urls(self) -> list:
        # A file, which no viewset route can name: those end in a slash.
        pdf = re_path(r"^sessions/(?P<pk>[0-9]{1,18})/record\.pdf$", RecordPdfView.as_view(), name="session-record-pdf")
        return [pdf, *super().get_urls()]


router = Router()
router.register("committees", CommitteeViewSet, basename="committee")
# Before "sessions", whose detail route would otherwise take "deleted" for an id.
router.register("sessions/deleted", SessionTombstoneViewSet, basename="session-tombstone")
# A session's record (/sessions/{id}/record/...): before "sessions", which then names that entry of the API root.
router.register("sessions", RecordViewSet, basename="session-record")
router.register("sessions", SessionViewSet, basename="session")
router.register("agenda-items", AgendaItemViewSet, basename="agenda-item")
router.register("commitments", CommitmentViewSet, basename="commitment")
