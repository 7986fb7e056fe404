"""People: each secretariat keeps its side's, and reads those tied to its committees."""

from django import forms
from django.contrib import admin
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from committees.access import (
    Access,
    access_for,
    committees_visible,
    memberships_visible,
    people_editable,
    people_visible,
    person_check,
    person_editable,
    person_ties_elsewhere,
)
from committees.admin.base import ScopedRecordAdmin
from committees.admin.imports import ImportFromFileMixin
from committees.admin.memberships import PersonMembershipInline
from committees.choices import Role
from committees.models import PERSON_FIELDS, Person
from committees.resources import PersonResource
from committees.services import person_delete, person_save
from tracker.forms import TimeZoneField


class PersonCommitteeFilter(admin.SimpleListFilter):
    """People by committee, offering only the committees the user sees."""

    title = _("committee")
    parameter_name = "committee"

    def lookups(self, request, model_admin):
        return [(str(c.pk), str(c)) for c in committees_visible(access=access_for(request.user))]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        allowed = {value for value, _label in self.lookup_choices}
        chosen = self.value() if self.value() in allowed else None
        return queryset.filter(memberships__committee_id=chosen).distinct() if chosen else queryset.none()


class PersonRoleFilter(admin.SimpleListFilter):
    """People by their role on a committee the user sees."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        seen = memberships_visible(access=access_for(request.user))
        return queryset.filter(pk__in=seen.filter(role=self.value()).values("person_id"))


class PersonForm(forms.ModelForm):
    timezone = TimeZoneField(
        label=_("Time zone"), initial="America/Lima", help_text=_("The zone in which this person reads times.")
    )

    class Meta:
        model = Person
        fields = PERSON_FIELDS


@admin.register(Person)
class PersonAdmin(ImportFromFileMixin, ScopedRecordAdmin):
    visible = people_visible
    editable = people_editable
    scope_check = person_check

    @staticmethod
    def can_edit(access: Access, person: Person) -> bool:
        return person_editable(access=access, person=person)

    form = PersonForm
    resource_classes = (PersonResource,)
    inlines = (PersonMembershipInline,)
    list_display = (*(name for name in PERSON_FIELDS if name != "receives_reminders"), "committee_roles")
    list_filter = (("country", CountryFilter), "preferred_language", PersonCommitteeFilter, PersonRoleFilter)
    search_fields = ("full_name", "email", "organisation", "position")
    fieldsets = (
        (None, {"fields": ("full_name", "position", "organisation", "country")}),
        (_("Contact"), {"fields": ("email", "preferred_language", "timezone", "receives_reminders")}),
    )

    def get_queryset(self, request):
        # Only the seats held today on committees the user sees: the rest are not theirs to know.
        seen = memberships_visible(access=access_for(request.user)).active_on(timezone.localdate())
        seats = Prefetch("memberships", queryset=seen.select_related("committee"), to_attr="seats_today")
        return super().get_queryset(request).prefetch_related(seats)

    def save_model(self, request, obj, form, change) -> None:
        person_save(person=obj)

    def delete_model(self, request, obj) -> None:
        person_delete(person=obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a person deletes their memberships and invitations: not those of a committee
        # one does not work for.
        return super().has_delete_permission(request, obj) and (
            obj is None or not person_ties_elsewhere(access=access_for(request.user), person=obj)
        )

    def delete_queryset(self, request, queryset) -> None:
        access = access_for(request.user)
        kept_out = [p.pk for p in queryset if person_ties_elsewhere(access=access, person=p)]
        super().delete_queryset(request, queryset.exclude(pk__in=kept_out))

    @admin.display(description=_("committees"))
    def committee_roles(self, obj: Person) -> str:
        return "; ".join(f"{m.committee.slug}: {m.get_role_display()} ({m.delegation.code})" for m in obj.seats_today)
