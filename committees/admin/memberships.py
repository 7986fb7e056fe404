"""Memberships: on their own page, and as inlines of a committee and of a person. The rules across
memberships (one co-chair per delegation, no overlapping seats) are checked for every row of a
page together, and the page is saved through the service, which checks them again."""

from django.contrib import admin
from django_countries.filters import CountryFilter

from committees.access import Access, membership_check, memberships_editable, memberships_visible
from committees.admin.base import ScopedInlineMixin, ScopedRecordAdmin
from committees.admin.imports import ImportFromFileMixin
from committees.models import Membership
from committees.resources import MembershipResource
from committees.services import membership_conflicts, membership_delete, membership_save, memberships_save
from tracker.forms import RuleCheckedModelForm, ServiceFormSet


class MembershipFormSet(ServiceFormSet):
    """Checks the memberships on the page against each other and the stored ones, and saves them
    through the service, which locks the committees and checks the rules again."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = self.kept_forms()
        removed = {form.instance.pk for form in self.deleted_forms if form.instance.pk}
        conflicts = membership_conflicts(memberships=[form.instance for form in kept], removed_ids=removed)
        for index, problems in conflicts.items():
            for field, message in problems.items():
                kept[index].add_error(field if field in kept[index].fields else None, message)

    def save_rows(self, *, changed: list, kept: list, removed: list) -> None:
        memberships_save(changed=changed, unchanged=[m for m in kept if m not in changed], removed=removed)


class MembershipForm(RuleCheckedModelForm):
    """The rules across memberships are checked with better messages than the constraints that
    back them: for a standalone form here, for an inline by its formset, which sees every row
    being saved (Membership.RULE_CONSTRAINTS)."""

    class Meta:
        model = Membership
        fields = ("person", "committee", "role", "delegation", "start_date", "end_date")


class CheckedMembershipForm(MembershipForm):
    def rule_errors(self, candidate: Membership) -> dict[str, list[str]]:
        problems = membership_conflicts(memberships=[candidate]).get(0, {})
        return {field: [message] for field, message in problems.items()}


class MembershipInline(ScopedInlineMixin, admin.TabularInline):
    visible = memberships_visible
    scope_check = membership_check
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    extra = 0
    fields = ("person", "committee", "role", "delegation", "start_date", "end_date")
    autocomplete_fields = ("person", "committee")
    ordering = ("role", "delegation", "person__full_name")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "committee")


class CommitteeMembershipInline(MembershipInline):
    fields = ("person", "role", "delegation", "start_date", "end_date")
    autocomplete_fields = ("person",)


class PersonMembershipInline(MembershipInline):
    fields = ("committee", "role", "delegation", "start_date", "end_date")
    autocomplete_fields = ("committee",)


@admin.register(Membership)
class MembershipAdmin(ImportFromFileMixin, ScopedRecordAdmin):
    visible = memberships_visible
    editable = memberships_editable
    scope_check = membership_check

    @staticmethod
    def can_edit(access: Access, membership: Membership) -> bool:
        return access.edits_delegation(membership.committee_id, membership.delegation.code)

    form = CheckedMembershipForm
    resource_classes = (MembershipResource,)

    def save_model(self, request, obj, form, change) -> None:
        membership_save(membership=obj)

    def delete_model(self, request, obj) -> None:
        membership_delete(membership=obj)

    list_display = ("person", "committee", "role", "delegation", "start_date", "end_date")
    list_filter = (("committee", admin.RelatedOnlyFieldListFilter), "role", ("delegation", CountryFilter))
    list_select_related = ("person", "committee")
    search_fields = ("person__full_name", "committee__name_en", "committee__name_es")
    autocomplete_fields = ("person", "committee")
    date_hierarchy = "start_date"
