"""API v1: one router for every app's viewsets."""

from rest_framework.routers import DefaultRouter

from committees.api.views import CommitteeViewSet
from meetings.api.views import AgendaItemViewSet, SessionTombstoneViewSet, SessionViewSet

router = DefaultRouter()
router.register("committees", CommitteeViewSet, basename="committee")
# Before "sessions", whose detail route would otherwise take "deleted" for an id.
router.register("sessions/deleted", SessionTombstoneViewSet, basename="session-tombstone")
router.register("sessions", SessionViewSet, basename="session")
router.register("agenda-items", AgendaItemViewSet, basename="agenda-item")
