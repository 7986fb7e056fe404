from datetime import UTC

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from committees.access import NOBODY, Access, committees_visible, people_visible
from committees.api.serializers import PersonSerializer
from committees.models import Committee, Person
from meetings.choices import SessionStatus
from meetings.models import AgendaItem, Session, SessionTombstone
from meetings.records.models import REASON_LIMIT
from meetings.rules import agenda_length_validate
from tracker.api.fields import AwareDateTimeField, SlugLookupField, TimeZoneNameField
from tracker.api.serializers import RefusesServerSetFields
from tracker.timezones import to_zone
from tracker.validators import validate_no_control_characters


def rfc3339(value, zone_name: str | None = None) -> str:
    """`2025-12-01T10:00:00-03:00` on the given zone's clock, `...Z` in UTC."""
    if zone_name is None:
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return to_zone(value, zone_name).isoformat(timespec="seconds")


def _limits(model: type[Model], name: str) -> dict[str, int]:
    """The limits the model states for a field, as a serializer field's arguments: its `max_length`,
    and the `min_value`/`max_value` of the validators it declares (not the column's range, which the
    database keeps)."""
    field = model._meta.get_field(name)
    limits = {} if field.max_length is None else {"max_length": field.max_length}
    for validator in field.deconstruct()[3].get("validators", ()):
        if isinstance(validator, MinValueValidator):
            limits["min_value"] = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            limits["max_value"] = validator.limit_value
    return limits


class AgendaItemSerializer(serializers.ModelSerializer):
    presenter = PersonSerializer(allow_null=True)

    class Meta:
        model = AgendaItem
        fields = (
            "id",
            "position",
            "title",
            "title_en",
            "description",
            "description_en",
            "presenter",
            "duration_minutes",
        )


class AgendaItemListSerializer(AgendaItemSerializer):
    session = serializers.IntegerField(source="session_id", help_text=_("The session's id."))

    class Meta(AgendaItemSerializer.Meta):
        fields = ("id", "session", *AgendaItemSerializer.Meta.fields[1:])


class SessionSerializer(serializers.ModelSerializer):
    """A session as read: times on the venue's clock with its offset, beside the venue's zone."""

    committee = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    uid = serializers.CharField(read_only=True, help_text=_("Calendar UID; stable for the session's life."))
    starts_at = serializers.DateTimeField(help_text=_("On the venue's clock, with its UTC offset."))
    ends_at = serializers.DateTimeField(help_text=_("On the venue's clock, with its UTC offset."))
    host_country = CountryField()
    agenda = AgendaItemSerializer(source="agenda_items", many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        model = Session
        fields = (
            "id",
            "uid",
            "committee",
            "number",
            "title",
            "title_en",
            "description",
            "description_en",
            "status",
            "starts_at",
            "ends_at",
            "timezone",
            "venue",
            "host_country",
            "sequence",
            "agenda",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def to_representation(self, instance: Session) -> dict:
        data = super().to_representation(instance)
        data["starts_at"] = rfc3339(instance.starts_at, instance.timezone)
        data["ends_at"] = rfc3339(instance.ends_at, instance.timezone)
        data["created_at"] = rfc3339(instance.created_at)
        data["updated_at"] = rfc3339(instance.updated_at)
        return data


class AgendaWriteListSerializer(serializers.ListSerializer):
    """An agenda as written: one longer than an agenda may be is refused, with the service's
    message, before any of its items is read."""

    def to_internal_value(self, data):
        if isinstance(data, list):
            try:
                agenda_length_validate(items=len(data))
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict["agenda"]) from exc
        return super().to_internal_value(data)


class AgendaItemWriteSerializer(RefusesServerSetFields, serializers.Serializer):
    """One agenda item, in the order the agenda should have; `id` keeps an existing item, and the
    item's position is its place in the list."""

    server_set = ("session", "position", "created_at", "updated_at")

    class Meta:
        list_serializer_class = AgendaWriteListSerializer

    id = serializers.IntegerField(required=False, help_text=_("An existing item of this session to keep."))
    title = serializers.CharField(**_limits(AgendaItem, "title"), help_text=_("In Spanish."))
    title_en = serializers.CharField(**_limits(AgendaItem, "title_en"), required=False, allow_blank=True, default="")
    description = serializers.CharField(
        **_limits(AgendaItem, "description"), required=False, allow_blank=True, default=""
    )
    description_en = serializers.CharField(
        **_limits(AgendaItem, "description_en"), required=False, allow_blank=True, default=""
    )
    presenter = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A person's id."),
    )
    duration_minutes = serializers.IntegerField(**_limits(AgendaItem, "duration_minutes"))


class SessionWriteSerializer(RefusesServerSetFields, serializers.Serializer):
    """A session as written. Times need a UTC offset; the agenda, when sent, replaces the whole agenda."""

    committee = SlugLookupField(slug_field="slug", queryset=Committee.objects.all())
    number = serializers.IntegerField(
        **_limits(Session, "number"), required=False, help_text=_("Leave out for the committee's next number.")
    )
    title = serializers.CharField(**_limits(Session, "title"), help_text=_("In Spanish."))
    title_en = serializers.CharField(
        **_limits(Session, "title_en"),
        required=False,
        allow_blank=True,
        help_text=_("Shown to English readers; empty: the Spanish title."),
    )
    description = serializers.CharField(**_limits(Session, "description"), required=False, allow_blank=True)
    description_en = serializers.CharField(**_limits(Session, "description_en"), required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    timezone = TimeZoneNameField(
        help_text=_(
            "IANA zone of the venue by its region's name, e.g. America/Santiago, or UTC; old aliases such as "
            "US/Eastern are refused."
        )
    )
    venue = serializers.CharField(**_limits(Session, "venue"))
    host_country = CountryField()
    agenda = AgendaItemWriteSerializer(many=True, required=False)

    server_set = ("id", "uid", "sequence", "created_at", "updated_at")

    def __init__(self, *args, access: Access = NOBODY, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Committees and presenters the writer cannot see do not exist, as far as they can tell.
        if "committee" in self.fields:
            self.fields["committee"].queryset = committees_visible(access=access)
        self.fields["agenda"].child.fields["presenter"].queryset = people_visible(access=access)


class SessionPatchSerializer(SessionWriteSerializer):
    """Any of the fields; the committee cannot change."""

    committee = None
    reason = serializers.CharField(
        max_length=REASON_LIMIT,
        required=False,
        allow_blank=True,
        write_only=True,
        validators=[validate_no_control_characters],
        help_text=_(
            "Why the session is moved, postponed or cancelled: needed for those changes (a 400 names `reason` "
            "otherwise), kept with the change and mailed to the other delegation's secretariat."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class TombstoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = SessionTombstone
        fields = ("session_id", "uid", "committee", "number", "deleted_at")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["deleted_at"] = rfc3339(instance.deleted_at)
        return data
