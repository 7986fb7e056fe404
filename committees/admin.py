from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from committees.access import (
    Access,
    access_for,
    committees_editable,
    committees_visible,
    membership_check,
    memberships_editable,
    memberships_visible,
    people_editable,
    people_visible,
    person_check,
    person_editable,
    person_ties_elsewhere,
)
from committees.admin_access import ScopedAdminMixin, ScopedInlineMixin
from committees.choices import Role
from committees.models import Committee, Membership, Person, StaffAssignment
from committees.resources import MembershipResource, PersonResource
from committees.services import membership_conflicts, membership_save, memberships_save
from tracker.admin import (
    AuditedAdmin,
    ConflictSafeAdminMixin,
    NotFoundUnlessVisibleMixin,
    ScheduleChangeAdminMixin,
    instant_display,
)
from tracker.durations import offsets_format
from tracker.forms import ReminderOffsetsField, RuleCheckedModelForm, TimeZoneField
from tracker.models import UserPreferences


class MembershipFormSet(forms.BaseInlineFormSet):
    """Checks the memberships on the page against each other and the stored ones."""

    def _kept_forms(self) -> list[forms.ModelForm]:
        return [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = self._kept_forms()
        removed = {form.instance.pk for form in self.deleted_forms if form.instance.pk}
        conflicts = membership_conflicts(memberships=[form.instance for form in kept], removed_ids=removed)
        for index, problems in conflicts.items():
            for field, message in problems.items():
                kept[index].add_error(field if field in kept[index].fields else None, message)

    def save(self, commit: bool = True) -> list:
        """Through the service, which locks the committees and checks the rules again; records
        what changed for the admin's history as Django's own save does."""
        kept = self._kept_forms()
        self.new_objects = [form.instance for form in kept if not form.instance.pk]
        self.changed_objects = [
            (form.instance, form.changed_data) for form in kept if form.instance.pk and form.has_changed()
        ]
        self.deleted_objects = [form.instance for form in self.deleted_forms if form.instance.pk]
        # Existing rows first: a chair handed over ends the old term before the new one starts.
        changed = [*(instance for instance, _fields in self.changed_objects), *self.new_objects]
        memberships_save(
            changed=changed,
            unchanged=[form.instance for form in kept if form.instance not in changed],
            removed=self.deleted_objects,
        )
        return changed


class MembershipForm(RuleCheckedModelForm):
    """The rules behind the partial unique constraints are checked with better messages: for
    a standalone form here, for an inline by its formset, which sees all rows being saved."""

    rule_constraints = ("membership_one_open_co_chair_per_delegation", "membership_one_open_per_person")

    class Meta:
        model = Membership
        fields = ("person", "committee", "role", "delegation", "start_date", "end_date")


class CheckedMembershipForm(MembershipForm):
    def rule_errors(self) -> dict[str, list[str]]:
        problems = membership_conflicts(memberships=[self.instance]).get(0, {})
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


class ImportFromFileMixin(ImportMixin):
    """Import from CSV or XLSX: a trial run shows every row, its errors by row and field, and
    saves nothing; only a file without errors can be confirmed, and then all of it is saved."""

    import_formats = (CSV, XLSX)
    import_template_name = "committees/admin/import.html"

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "access": access_for(request.user)}

    def process_result(self, result, request):
        """A row that fails at confirmation (the record changed since the trial run) has rolled the
        whole file back: say so, with the rows' errors, instead of reporting an import."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        self.message_user(
            request, _("Nothing was imported: correct the rows below and upload the file again."), messages.ERROR
        )
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request), initial={}
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "import_error_display": self.import_error_display,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, [self.import_template_name], context, status=409)


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


class CommitteeForm(forms.ModelForm):
    default_timezone = TimeZoneField(
        label=_("Default time zone"), initial="America/Lima", help_text=_("Proposed for new sessions.")
    )
    reminder_offsets = ReminderOffsetsField(label=_("Reminder offsets"), required=False)

    class Meta:
        model = Committee
        fields = (
            "name_es",
            "name_en",
            "slug",
            "description",
            "description_en",
            "country_a",
            "country_b",
            "default_timezone",
            "reminder_offsets",
            "secretariat_email",
            "schedule_published",
        )


@admin.register(Committee)
class CommitteeAdmin(ConflictSafeAdminMixin, ScheduleChangeAdminMixin, ScopedAdminMixin, AuditedAdmin):
    """A committee belongs to both governments: administrators change it, its staff read it."""

    visible = committees_visible
    editable = committees_editable

    @staticmethod
    def can_edit(access: Access, committee: Committee) -> bool:
        return access.everything

    form = CommitteeForm
    inlines = (CommitteeMembershipInline,)
    list_display = (
        "name_en",
        "name_es",
        "slug",
        "country_a",
        "country_b",
        "default_timezone",
        "reminders",
        "active_members",
        "session_count",
    )
    search_fields = ("name_en", "name_es", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    fieldsets = (
        (None, {"fields": ("name_es", "name_en", "slug", "description", "description_en")}),
        (_("Members"), {"fields": ("country_a", "country_b")}),
        (
            _("Sessions and reminders"),
            {"fields": ("default_timezone", "reminder_offsets", "secretariat_email", "schedule_published")},
        ),
    )

    def get_queryset(self, request):
        today = timezone.localdate()
        active = Q(memberships__start_date__lte=today) & (
            Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today)
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_member_count=Count("memberships", filter=active, distinct=True),
                session_count=Count("sessions", distinct=True),
            )
        )

    @admin.display(description=_("reminders"))
    def reminders(self, obj: Committee) -> str:
        return offsets_format(obj.reminder_offsets)

    @admin.display(description=_("active members"), ordering="active_member_count")
    def active_members(self, obj: Committee) -> int:
        return obj.active_member_count

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj: Committee) -> int:
        return obj.session_count


class PersonForm(forms.ModelForm):
    timezone = TimeZoneField(
        label=_("Time zone"), initial="America/Lima", help_text=_("The zone in which this person reads times.")
    )

    class Meta:
        model = Person
        fields = (
            "full_name",
            "position",
            "organisation",
            "country",
            "email",
            "preferred_language",
            "timezone",
            "receives_reminders",
        )


@admin.register(Person)
class PersonAdmin(
    ConflictSafeAdminMixin, ScheduleChangeAdminMixin, ScopedAdminMixin, ImportFromFileMixin, AuditedAdmin
):
    visible = people_visible
    editable = people_editable
    scope_check = person_check

    @staticmethod
    def can_edit(access: Access, person: Person) -> bool:
        return person_editable(access=access, person=person)

    form = PersonForm
    resource_classes = (PersonResource,)
    inlines = (PersonMembershipInline,)
    list_display = (
        "full_name",
        "position",
        "organisation",
        "country",
        "email",
        "preferred_language",
        "timezone",
        "committee_roles",
    )
    list_filter = (("country", CountryFilter), "preferred_language", PersonCommitteeFilter, PersonRoleFilter)
    search_fields = ("full_name", "email", "organisation", "position")
    fieldsets = (
        (None, {"fields": ("full_name", "position", "organisation", "country")}),
        (_("Contact"), {"fields": ("email", "preferred_language", "timezone", "receives_reminders")}),
    )

    def get_queryset(self, request):
        # Only the memberships of committees the user sees: the rest are not theirs to know.
        seen = memberships_visible(access=access_for(request.user))
        memberships = Prefetch("memberships", queryset=seen.select_related("committee"))
        return super().get_queryset(request).prefetch_related(memberships)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a person deletes their memberships and invitations: not those of a committee
        # one does not work for.
        return super().has_delete_permission(request, obj) and (
            obj is None or not person_ties_elsewhere(access=access_for(request.user), person=obj)
        )

    def delete_queryset(self, request, queryset) -> None:
        access = access_for(request.user)
        super().delete_queryset(
            request,
            queryset.filter(pk__in=[p.pk for p in queryset if not person_ties_elsewhere(access=access, person=p)]),
        )

    @admin.display(description=_("committees"))
    def committee_roles(self, obj: Person) -> str:
        return "; ".join(
            f"{m.committee.slug}: {m.get_role_display()} ({m.delegation.code})"
            for m in obj.memberships.all()
            if m.end_date is None or m.end_date >= timezone.localdate()
        )


@admin.register(Membership)
class MembershipAdmin(
    ConflictSafeAdminMixin, ScheduleChangeAdminMixin, ScopedAdminMixin, ImportFromFileMixin, AuditedAdmin
):
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

    list_display = ("person", "committee", "role", "delegation", "start_date", "end_date")
    list_filter = (("committee", admin.RelatedOnlyFieldListFilter), "role", ("delegation", CountryFilter))
    list_select_related = ("person", "committee")
    search_fields = ("person__full_name", "committee__name_en", "committee__name_es")
    autocomplete_fields = ("person", "committee")
    date_hierarchy = "start_date"


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(AuditedAdmin):
    """Who works for which committee and delegation; managed by administrators."""

    list_display = ("user", "committee", "delegation", "created")
    list_filter = ("committee", ("delegation", CountryFilter))
    created = instant_display("created_at", description=_("created"))
    list_select_related = ("user", "committee")
    search_fields = ("user__username", "user__email", "committee__slug")
    autocomplete_fields = ("user", "committee")


class UserPreferencesInline(admin.StackedInline):
    model = UserPreferences
    can_delete = False
    fields = ("language",)


class StaffAssignmentInline(admin.TabularInline):
    model = StaffAssignment
    fk_name = "user"
    extra = 0
    fields = ("committee", "delegation")
    autocomplete_fields = ("committee",)


admin.site.unregister(User)


@admin.register(User)
class TrackerUserAdmin(NotFoundUnlessVisibleMixin, UserAdmin):
    """Users with the committees they work for. Only a superuser makes superusers or grants
    permissions one by one; administrators give roles (groups) and assignments."""

    inlines = (UserPreferencesInline, StaffAssignmentInline)
    # The dates are read, with their zone, never typed.
    fieldsets = (*UserAdmin.fieldsets[:-1], (_("Important dates"), {"fields": ("last_login_time", "joined")}))
    readonly_fields = ("last_login_time", "joined")
    last_login_time = instant_display("last_login", description=_("last login"))
    joined = instant_display("date_joined", description=_("date joined"))
    object_history_template = "tracker/admin/action_history.html"

    def get_queryset(self, request):
        # A superuser's account (password, second factor) is managed by superusers alone.
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else (*readonly, "is_superuser", "user_permissions")
