"""What a session's record reads and is written as through the API. A reader sees the latest
approved version's content; the committee's secretariats and administrators also see the text
being written (the draft), in the same shape, with the revision an approval names."""

from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from committees.models import TEXT_LIMIT, Person
from meetings.api.serializers import rfc3339
from meetings.models import AgendaItem, Record, RecordEntry, RecordVersion
from meetings.records.choices import EntryKind, RecordState
from meetings.records.content import record_content
from meetings.records.models import REASON_LIMIT
from meetings.records.rules import entry_problems
from tracker.validators import validate_no_control_characters

# --- What a record reads as: an approved version's content, or the text being written -----------


class RecordEntrySerializer(serializers.Serializer):
    key = serializers.UUIDField(help_text=_("The entry's identity across the record's versions."))
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    text = serializers.CharField()
    text_en = serializers.CharField()
    responsible = serializers.CharField(help_text=_("For a commitment: a delegation's country code, or “both”."))
    person = serializers.CharField(help_text=_("The responsible person's name, or empty."))
    person_id = serializers.IntegerField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)


class RecordItemSerializer(serializers.Serializer):
    agenda_item_id = serializers.IntegerField(allow_null=True, help_text=_("Null: the session as a whole."))
    position = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    title_en = serializers.CharField()
    entries = RecordEntrySerializer(many=True)


class AttendanceSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.CharField()
    capacity = serializers.CharField()
    delegation = serializers.CharField()
    present = serializers.BooleanField()


class CoChairSerializer(serializers.Serializer):
    name = serializers.CharField()
    position = serializers.CharField()
    delegation = serializers.CharField()


class RecordTextSerializer(serializers.Serializer):
    attendance = AttendanceSerializer(many=True)
    items = RecordItemSerializer(many=True, help_text=_("Every agenda item in order, then the session as a whole."))
    closing_remarks = serializers.CharField()
    closing_remarks_en = serializers.CharField()
    co_chairs = CoChairSerializer(many=True)


class RecordVersionSerializer(RecordTextSerializer):
    version = serializers.IntegerField()
    approved_at = serializers.DateTimeField()
    reason = serializers.CharField(help_text=_("Why this version corrects the one before; empty for the first."))


class RecordDraftSerializer(RecordTextSerializer):
    revision = serializers.IntegerField(help_text=_("Send it back to approve this text."))
    correction_reason = serializers.CharField()


class ApprovalSerializer(serializers.Serializer):
    delegation = serializers.CharField()
    approver = serializers.CharField()
    approved_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    revision = serializers.IntegerField()


class RecordSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    state = serializers.ChoiceField(choices=RecordState.choices)
    version = serializers.IntegerField(help_text=_("The version being written, or the one approved."))
    approved = RecordVersionSerializer(allow_null=True, help_text=_("The latest approved version."))
    approvals = ApprovalSerializer(many=True, help_text=_("Those given to the current revision."))
    draft = RecordDraftSerializer(allow_null=True, help_text=_("The text as it stands; secretariats only."))


_TEXT = ("attendance", "items", "closing_remarks", "closing_remarks_en", "co_chairs")


def version_body(version: RecordVersion) -> dict:
    approved = {"version": version.number, "approved_at": rfc3339(version.approved_at), "reason": version.reason}
    return {**approved, **{name: version.content[name] for name in _TEXT}}


def record_body(record: Record, readable: bool) -> dict:
    """The record as a reader sees it; `readable`: with the text being written."""
    latest = record.versions.order_by("-number").first()
    approvals = record.approvals.filter(revision=record.revision, voided_at__isnull=True).order_by("approved_at", "pk")
    draft = None
    if readable:
        content = record_content(record)
        draft = {"revision": record.revision, "correction_reason": record.correction_reason}
        draft.update({name: content[name] for name in _TEXT})
    body = {
        "session": record.session_id,
        "state": record.state,
        "version": record.version,
        "approved": version_body(latest) if latest else None,
        "approvals": [
            {
                "delegation": approval.delegation.code,
                "approver": approval.approver_name,
                "approved_at": rfc3339(approval.approved_at),
                "version": approval.version,
                "revision": approval.revision,
            }
            for approval in approvals
        ],
        "draft": draft,
    }
    return RecordSerializer(body).data


# --- What a record is written as ---------------------------------------------------------------


class ChoiceOfContext(serializers.PrimaryKeyRelatedField):
    """An id among the rows the view puts in the serializer's context under `rows`."""

    def __init__(self, *, rows: str, **kwargs) -> None:
        self.rows = rows
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.context[self.rows]


# The service's field names, as this API spells them.
_WRITTEN_AS = {"agenda_item": "agenda_item_id", "person": "person_id", "__all__": "non_field_errors"}


class RecordEntryWriteSerializer(serializers.Serializer):
    key = serializers.UUIDField(required=False, help_text=_("An entry of this record to keep; none for a new one."))
    agenda_item_id = ChoiceOfContext(
        rows="agenda_items",
        queryset=AgendaItem.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("An item of this session's agenda; null: the session as a whole."),
    )
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    text = serializers.CharField(max_length=TEXT_LIMIT, help_text=_("In Spanish."))
    text_en = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True, default="")
    responsible = serializers.CharField(
        max_length=4,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For a commitment: one of the committee's two country codes, or “both”."),
    )
    person_id = ChoiceOfContext(
        rows="people", queryset=Person.objects.none(), required=False, allow_null=True, default=None
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict) -> dict:
        fields = {name: value for name, value in attrs.items() if name not in ("key", "agenda_item_id", "person_id")}
        entry = RecordEntry(agenda_item=attrs["agenda_item_id"], person=attrs["person_id"], **fields)
        if problems := entry_problems(session=self.context["session"], entry=entry):
            raise serializers.ValidationError({_WRITTEN_AS.get(name, name): text for name, text in problems.items()})
        return attrs


class RecordAttendanceWriteSerializer(serializers.Serializer):
    person_id = ChoiceOfContext(rows="people", queryset=Person.objects.none())
    delegation = CountryField()
    capacity = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    present = serializers.BooleanField(required=False, default=True)


class RecordWriteSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text=_(
            "The draft's revision this text was based on: when sent, a record changed since is refused (400 naming "
            "`revision`) instead of losing the other writer's rows."
        ),
    )
    closing_remarks = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True)
    closing_remarks_en = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True, default="")
    entries = RecordEntryWriteSerializer(many=True)
    attendance = RecordAttendanceWriteSerializer(many=True)
    reason = serializers.CharField(
        max_length=REASON_LIMIT,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_no_control_characters],
        help_text=_("Why a proposed record is changed: needed then, and told to the other delegation."),
    )


class ApproveSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=_("The draft's revision read."))


class CorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_LIMIT,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_no_control_characters],
    )
