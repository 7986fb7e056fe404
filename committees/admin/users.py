"""Users and the committees they work for: managed by administrators."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from committees.admin.base import OneWritePerPostMixin, RecordAdmin
from committees.models import StaffAssignment
from committees.services import (
    staff_assignment_delete,
    staff_assignment_save,
    staff_assignments_save,
    staff_user_delete,
)
from tracker.admin.display import instant_display
from tracker.admin.history import NotFoundUnlessVisibleMixin
from tracker.forms import ServiceFormSet
from tracker.models import UserPreferences


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(RecordAdmin):
    """Who works for which committee and delegation; managed by administrators."""

    list_display = ("user", "committee", "delegation", "created")
    list_filter = ("committee", ("delegation", CountryFilter))
    created = instant_display("created_at", description=_("created"))
    list_select_related = ("user", "committee")
    search_fields = ("user__username", "user__email", "committee__slug")
    autocomplete_fields = ("user", "committee")

    def save_model(self, request, obj, form, change) -> None:
        staff_assignment_save(assignment=obj)

    def delete_model(self, request, obj) -> None:
        staff_assignment_delete(assignment=obj)


class StaffAssignmentFormSet(ServiceFormSet):
    def save_rows(self, *, changed: list, kept: list, removed: list) -> None:
        staff_assignments_save(changed=changed, removed=removed)


class UserPreferencesInline(admin.StackedInline):
    model = UserPreferences
    can_delete = False
    fields = ("language",)


class StaffAssignmentInline(admin.TabularInline):
    model = StaffAssignment
    formset = StaffAssignmentFormSet
    fk_name = "user"
    extra = 0
    fields = ("committee", "delegation")
    autocomplete_fields = ("committee",)


admin.site.unregister(User)


@admin.register(User)
class TrackerUserAdmin(NotFoundUnlessVisibleMixin, OneWritePerPostMixin, UserAdmin):
    """Users with the committees they work for. Only a superuser makes superusers or grants
    permissions one by one; administrators give roles (groups) and assignments. A page with its
    assignments is one schedule write; a user leaves with their assignments, through the service."""

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

    def delete_model(self, request, obj) -> None:
        staff_user_delete(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            staff_user_delete(user=user)
