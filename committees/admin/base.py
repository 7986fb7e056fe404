"""The bases every admin of a committee's records is built on, composed here once:

- `RecordAdmin`: saves and deletes through services only, and each POST of its pages is one
  schedule write (`OneWritePerPostMixin`, also used by the user admin).
- `ScopedRecordAdmin`: a `RecordAdmin` that lists, opens and saves only the rows its user may,
  answers 404 for the others, and refuses a change that would move a row out of their reach
  (`ScopedAdminMixin`); `ScopedLogAdmin`: the same scope for a log its services write.
- `ScopedInlineMixin`: the same for an inline.
- `FormErrorsFromService`: a change page whose save is one service call shows the service's
  refusal as errors of its form."""

import logging
from collections.abc import Callable
from weakref import WeakKeyDictionary

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from committees.access import Access, access_for, committees_editable, people_visible
from committees.models import Committee, Person
from committees.writes import schedule_writes_together
from tracker.admin.history import AuditedAdmin, NotFoundUnlessVisibleMixin
from tracker.forms import form_candidate

logger = logging.getLogger(__name__)

ScopeCheck = Callable[[Access, object], dict[str, str]]

# What a foreign key to these models may point at, for a user with this access.
CHOICES = {Committee: committees_editable, Person: people_visible}


def form_with_access(form_class: type[forms.BaseForm], *, access: Access, check: ScopeCheck | None):
    """`form_class`, refusing (as field errors) a new or changed row out of the user's reach."""
    if check is None or access.everything:
        return form_class

    class ScopedForm(form_class):
        def clean(self) -> dict:
            cleaned = super().clean()
            if self.has_changed() or not self.instance.pk:
                for field, message in check(access, form_candidate(self)).items():
                    self.add_error(field if field in self.fields else None, message)
            return cleaned

    ScopedForm.__name__ = form_class.__name__
    return ScopedForm


class OneWritePerPostMixin:
    """Each POST of the admin's pages (the change form with its inlines, a deletion, a list
    action) is one schedule write, so the services its hooks call raise the version once. A
    change refused by a service or the database after the form was checked (someone else's
    change committed meanwhile) saves nothing, and the page says so instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._one_write(request, super().changeform_view, request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._one_write(request, super().delete_view, request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        return self._one_write(request, super().changelist_view, request, extra_context)

    def _one_write(self, request, view, *args):
        if request.method != "POST":
            return view(*args)
        try:
            with schedule_writes_together():
                return view(*args)
        except (ValidationError, IntegrityError) as exc:
            if isinstance(exc, IntegrityError):
                logger.warning("A write refused by the database was rolled back: %s", exc)
            details = "; ".join(exc.messages) if isinstance(exc, ValidationError) else _("refused by the database")
            list(messages.get_messages(request))  # a success the view announced did not happen
            self.message_user(
                request,
                _("Nothing was saved: a conflicting change was made at the same time (%(details)s). Please try again.")
                % {"details": details},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())


class RecordAdmin(OneWritePerPostMixin, AuditedAdmin):
    """See the module's docstring. Its admins save and delete through services only: they
    override save_model, delete_model and delete_queryset (and their inlines' formsets save)."""

    def save_model(self, request, obj, form, change) -> None:
        raise NotImplementedError(f"{type(self).__name__} saves through its service")

    def delete_model(self, request, obj) -> None:
        raise NotImplementedError(f"{type(self).__name__} deletes through its service")

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class _ChoicesByAccess:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        chooser = CHOICES.get(db_field.related_model)
        if chooser is not None and "queryset" not in kwargs:
            kwargs["queryset"] = chooser(access=access_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdminMixin(NotFoundUnlessVisibleMixin, _ChoicesByAccess):
    """Set `visible` and `editable` to functions (access, queryset) -> queryset, and `can_edit`
    to a function (access, obj) -> bool; `scope_check` refuses a value out of the user's reach.

    A row the user may not see answers 404, as if it did not exist."""

    visible: Callable[..., QuerySet]
    editable: Callable[..., QuerySet]
    can_edit: Callable[[Access, object], bool]
    scope_check: ScopeCheck | None = None

    def get_queryset(self, request):
        return type(self).visible(access=access_for(request.user), queryset=super().get_queryset(request))

    def _edits(self, request, obj) -> bool:
        return obj is None or type(self).can_edit(access_for(request.user), obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._edits(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._edits(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return form_with_access(form, access=access_for(request.user), check=type(self).scope_check)

    def editable_queryset(self, request, queryset: QuerySet) -> QuerySet:
        return type(self).editable(access=access_for(request.user), queryset=queryset)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, self.editable_queryset(request, queryset))


class ScopedRecordAdmin(ScopedAdminMixin, RecordAdmin):
    """A record of a committee: scoped to its user, saved through services as one write a page."""


class ScopedLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A log its own services write (reminders): scoped to its user, changed only by its actions."""


class ScopedInlineMixin(_ChoicesByAccess):
    """An inline shows the rows its user may see and checks the rows they change."""

    visible: Callable[..., QuerySet]
    scope_check: ScopeCheck | None = None

    def get_queryset(self, request):
        return type(self).visible(access=access_for(request.user), queryset=super().get_queryset(request))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        access, check = access_for(request.user), type(self).scope_check
        formset.form = form_with_access(formset.form, access=access, check=check)
        if check is None or access.everything:
            return formset

        class ScopedFormSet(formset):
            def clean(self) -> None:
                super().clean()
                # Rows marked for deletion are not validated by their forms: check them as stored.
                for form in self.deleted_forms:
                    stored = type(form.instance)._default_manager.filter(pk=form.instance.pk).first()
                    if stored is not None and check(access, stored):
                        raise ValidationError(
                            _("You cannot delete “%(row)s”: it is not yours to change."), params={"row": stored}
                        )

        ScopedFormSet.__name__ = formset.__name__
        return ScopedFormSet


class ServiceRefused(Exception):
    """A service refused what a change page submitted; its errors are kept for the page's second pass."""


# The refusal of each request's save, by field: the page is drawn again with them as form errors.
_refusals: "WeakKeyDictionary[HttpRequest, dict[str, list[str]]]" = WeakKeyDictionary()


class FormErrorsFromService:
    """A change page whose save is a service call (`service_call`, from the admin's save hooks)
    shows the service's refusal as errors of its form, on the fields they name, instead of a
    server error. The refused write is rolled back whole; the page is then validated once more
    with those errors, which draws it again with what was submitted."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused:
            return super().changeform_view(request, object_id, form_url, extra_context)

    def service_call(self, request, call) -> None:
        try:
            call()
        except ValidationError as exc:
            _refusals[request] = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            raise ServiceRefused from exc

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = _refusals.get(request)
        if not refusal:
            return form

        class RefusedForm(form):
            def clean(self) -> dict:
                cleaned = super().clean()
                for field, problems in refusal.items():
                    for problem in problems:
                        self.add_error(field if field in self.fields else None, problem)
                return cleaned

        RefusedForm.__name__ = form.__name__
        return RefusedForm
