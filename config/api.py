"""API v1: one router for every app's viewsets."""

from rest_framework.routers import DefaultRouter

from committees.api.views import CommitteeViewSet
from meetings.api.views import AgendaItemViewSet, SessionTombstoneViewSet, SessionViewSet


class Router(DefaultRouter):
    # Ids are whole numbers a database column can hold; anything else is not found.
    def get_lookup_regex(self, viewset, lookup_prefix="") -> str:
        if getattr(viewset, "lookup_field", "pk") == "pk":
            return rf"(?P<{lookup_prefix}pk>[0-9]{{1,18}})"
        return super().get_lookup_regex(viewset, lookup_prefix)


router = Router()
router.register("committees", CommitteeViewSet, basename="committee")
# Before "sessions", whose detail route would otherwise take "deleted" for an id.
router.register("sessions/deleted", SessionTombstoneViewSet, basename="session-tombstone")
router.register("sessions", SessionViewSet, basename="session")
router.register("agenda-items", AgendaItemViewSet, basename="agenda-item")
