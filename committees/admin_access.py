"""The admin's side of the access rules: each page lists, opens and saves only the rows its
user may, and refuses a change that would move a row out of their reach."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from committees.access import Access, access_for, committees_editable, people_visible
from committees.models import Committee, Person
from tracker.admin import NotFoundUnlessVisibleMixin

ScopeCheck = Callable[[Access, object], dict[str, str]]

# What a foreign key to these models may point at, for a user with this access.
CHOICES = {Committee: committees_editable, Person: people_visible}


def form_with_access(form_class: type[forms.BaseForm], *, access: Access, check: ScopeCheck | None):
    """`form_class`, refusing (as field errors) a new or changed row out of the user's reach."""
    if check is None or access.everything:
        return form_class

    class ScopedForm(form_class):
        def _post_clean(self) -> None:
            super()._post_clean()  # the instance now holds the submitted values
            if self.has_changed() or not self.instance.pk:
                for field, message in check(access, self.instance).items():
                    self.add_error(field if field in self.fields else None, message)

    ScopedForm.__name__ = form_class.__name__
    return ScopedForm


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
