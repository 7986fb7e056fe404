from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from committees.access import access_for, committees_visible
from committees.api.serializers import CommitteeSerializer
from committees.models import Committee, Membership
from tracker.api.schema import READ_LIST, READ_ONE, conditional_parameters, errors
from tracker.api.views import CachedReadMixin


@extend_schema_view(
    list=extend_schema(
        summary="List committees",
        parameters=conditional_parameters(),
        responses={200: CommitteeSerializer(many=True), **errors(READ_LIST)},
    ),
    retrieve=extend_schema(
        summary="One committee, with its members and co-chairs",
        parameters=conditional_parameters(),
        responses={200: CommitteeSerializer, **errors(READ_ONE)},
    ),
)
class CommitteeViewSet(CachedReadMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CommitteeSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    queryset = Committee.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("person").order_by("role", "delegation", "person__full_name"),
        )
    ).order_by("name_en")

    def get_queryset(self):
        return committees_visible(access=access_for(self.request.user), queryset=super().get_queryset())

    def cache_variant(self, request) -> str:
        # The current co-chairs are today's; the committees listed are the reader's.
        return f"{timezone.localdate().isoformat()}|{access_for(request.user).key}"
