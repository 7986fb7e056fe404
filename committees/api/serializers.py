from django.utils import timezone
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from committees.choices import Role
from committees.models import Committee, Membership, Person, membership_active_on


class PersonSerializer(serializers.ModelSerializer):
    country = CountryField()

    class Meta:
        model = Person
        fields = ("id", "full_name", "position", "organisation", "country")


class MembershipSerializer(serializers.ModelSerializer):
    person = PersonSerializer()
    delegation = CountryField()

    class Meta:
        model = Membership
        fields = ("person", "role", "delegation", "start_date", "end_date")


class CommitteeSerializer(serializers.ModelSerializer):
    """A committee with every membership (past ones keep their end date) and its current co-chairs."""

    countries = serializers.ListField(child=serializers.CharField(), read_only=True)
    reminder_offsets = serializers.ListField(
        child=serializers.IntegerField(), help_text="Minutes before each session that members are reminded."
    )
    co_chairs = serializers.SerializerMethodField()
    members = MembershipSerializer(source="memberships", many=True)

    class Meta:
        model = Committee
        fields = (
            "slug",
            "name_es",
            "name_en",
            "description",
            "description_en",
            "countries",
            "default_timezone",
            "reminder_offsets",
            "co_chairs",
            "members",
        )
        read_only_fields = fields

    @extend_schema_field(MembershipSerializer(many=True))
    def get_co_chairs(self, committee: Committee) -> list[dict]:
        today = timezone.localdate()
        # From the prefetched memberships: no query per committee.
        chairs = [m for m in committee.memberships.all() if m.role == Role.CO_CHAIR and membership_active_on(m, today)]
        return MembershipSerializer(chairs, many=True).data
