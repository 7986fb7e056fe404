"""The commitments register through the API: the commitments of the committees one sees, each with
its dated updates; the responsible delegation's secretariat (either one for a commitment of both)
and administrators record a new status."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from committees.access import access_for, by_committee
from committees.api.serializers import PersonSerializer
from meetings.api.filters import CommitmentFilter
from meetings.api.records import ActsOnExisting
from meetings.api.serializers import rfc3339
from meetings.models import Commitment, CommitmentUpdate
from meetings.records.choices import CommitmentStatus
from meetings.records.commitments import commitment_status_set
from tracker.api.schema import CHANGE, READ_LIST, READ_ONE, conditional_parameters, errors
from tracker.api.views import CachedReadMixin
from tracker.validators import validate_no_control_characters


@extend_schema_field({"type": "string", "enum": CommitmentStatus.values}, component_name="CommitmentStatusEnum")
class CommitmentStatusField(serializers.ChoiceField):
    """One enum for every status field, named apart from the session's status."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=CommitmentStatus.choices, **kwargs)


class CommitmentUpdateSerializer(serializers.ModelSerializer):
    status = CommitmentStatusField()
    changed_by = serializers.CharField(source="changed_by_name", help_text=_("Empty when the record made it."))

    class Meta:
        model = CommitmentUpdate
        fields = ("status", "note", "changed_at", "changed_by")
        read_only_fields = fields

    def to_representation(self, instance: CommitmentUpdate) -> dict:
        return {**super().to_representation(instance), "changed_at": rfc3339(instance.changed_at)}


class CommitmentSerializer(serializers.ModelSerializer):
    committee = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    session = serializers.IntegerField(source="session_id", help_text=_("The session that agreed it."))
    agenda_item = serializers.IntegerField(source="agenda_item_id", allow_null=True)
    responsible = serializers.CharField(help_text=_("The responsible delegation's country code, or “both”."))
    person = PersonSerializer(allow_null=True)
    status = CommitmentStatusField()
    updates = CommitmentUpdateSerializer(many=True, help_text=_("Oldest first."))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        model = Commitment
        fields = (
            "id",
            "committee",
            "session",
            "agenda_item",
            "text",
            "text_en",
            "responsible",
            "person",
            "due_on",
            "status",
            "updates",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def to_representation(self, instance: Commitment) -> dict:
        data = super().to_representation(instance)
        data["created_at"], data["updated_at"] = rfc3339(instance.created_at), rfc3339(instance.updated_at)
        return data


class CommitmentStatusSerializer(serializers.Serializer):
    status = CommitmentStatusField()
    note = serializers.CharField(
        max_length=CommitmentUpdate._meta.get_field("note").max_length,
        allow_blank=True,
        validators=[validate_no_control_characters],
        help_text=_("What happened; every change carries one."),
    )


def commitments_with_updates():
    updates = CommitmentUpdate.objects.order_by("changed_at", "pk")
    return (
        Commitment.objects.select_related("committee", "person")
        .prefetch_related(Prefetch("updates", queryset=updates))
        .order_by("due_on", "pk")
    )


@extend_schema_view(
    list=extend_schema(
        summary="List commitments",
        description="The commitments of approved records, by due day. Paginated.",
        parameters=conditional_parameters(),
        responses={200: CommitmentSerializer(many=True), **errors(READ_LIST)},
    ),
    retrieve=extend_schema(
        summary="One commitment",
        parameters=conditional_parameters(),
        responses={200: CommitmentSerializer, **errors(READ_ONE)},
    ),
)
class CommitmentViewSet(CachedReadMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter
    permission_classes = (ActsOnExisting,)

    def get_queryset(self):
        return by_committee(access=access_for(self.request.user), queryset=commitments_with_updates())

    def cache_variant(self, request) -> str:
        return access_for(request.user).key

    @extend_schema(
        summary="Record a commitment's status",
        description="A new status (or the same one) with a note, dated now. Administrators, and the secretariat of "
        "the responsible delegation (either one for a commitment of both), may; for anyone else the answer is "
        "a 400 naming `status`.",
        request=CommitmentStatusSerializer,
        responses={
            200: OpenApiResponse(CommitmentSerializer, description="Recorded; the commitment as it now reads."),
            **errors(CHANGE),
        },
    )
    @action(detail=True, methods=["post"], url_path="status")
    def status_set(self, request, pk):
        commitment = self.get_object()
        body = CommitmentStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        commitment_status_set(
            commitment=commitment, **body.validated_data, access=access_for(request.user), user=request.user
        )
        return Response(CommitmentSerializer(self.get_queryset().get(pk=commitment.pk)).data)
