"""The agenda, edited on its session's page (items moved by arrows, presenters chosen from the
people the user sees), and a read-only list of agenda items across sessions."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from committees.access import Access
from committees.admin.base import ScopedInlineMixin, ScopedRecordAdmin
from meetings.models import AgendaItem
from meetings.rules import agenda_fit_problem, agenda_length_validate, agenda_max_items
from meetings.selectors import by_session_committee
from tracker.forms import ServiceFormSet


class AgendaPositionInput(forms.NumberInput):
    """The position, with buttons that move the row up and down (positions then follow)."""

    template_name = "meetings/widgets/agenda_position.html"

    class Media:
        js = ("meetings/agenda-order.js",)


class PresenterAutocomplete(AutocompleteSelect):
    """The presenter chooser, given the names of the presenters its agenda already holds
    (`labels`, person id → name), so that a long agenda is drawn with one query for them all
    instead of one a row. A choice it was not given is looked up as usual."""

    labels: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        chosen = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not chosen or any(key not in self.labels for key in chosen):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        selected = set(chosen)
        options += [
            self.create_option(name, key, self.labels[key], selected, len(options) + index)
            for index, key in enumerate(chosen)
        ]
        return [(None, options, 0)]


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = (
            "position",
            "title",
            "title_en",
            "presenter",
            "duration_minutes",
            "description",
            "description_en",
        )
        widgets = {
            "position": AgendaPositionInput(attrs={"min": 1}),
            "description": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "description_en": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def __init__(self, *args, presenter_labels: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "presenter" in self.fields:
            widget = self.fields["presenter"].widget
            chooser = getattr(widget, "widget", widget)  # inside the admin's add/change links
            if isinstance(chooser, PresenterAutocomplete):
                chooser.labels = presenter_labels or {}
        self.fields["position"].required = False
        self.fields["position"].help_text = _(
            "Items are numbered 1, 2, 3 ... in this order when saved; the arrows move an item."
        )

    def validate_unique(self) -> None:
        """Positions are renumbered on save, so two equal positions only mean "keep form order"."""


class AgendaFormSet(ServiceFormSet):
    """The agenda of the session on the page; it is saved with the session, in one service call
    (`ordered_items`), since the rule that it fits the session's time concerns both."""

    def validate_unique(self) -> None:
        """See AgendaItemForm.validate_unique."""

    @cached_property
    def presenter_labels(self) -> dict[str, str]:
        """The names of the stored items' presenters that the user may choose, in one query."""
        field = self.form.base_fields.get("presenter")
        ids = {item.presenter_id for item in self.get_queryset() if item.presenter_id}
        if field is None or not ids:
            return {}
        return {str(person.pk): field.label_from_instance(person) for person in field.queryset.filter(pk__in=ids)}

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "presenter_labels": self.presenter_labels}

    def kept_forms(self) -> list[forms.ModelForm]:
        forms_ = super().kept_forms()
        order = {id(form): index for index, form in enumerate(forms_)}
        return sorted(forms_, key=lambda form: (form.cleaned_data.get("position") or 10**6, order[id(form)]))

    def clean(self) -> None:
        super().clean()
        try:
            agenda_length_validate(items=len(self.kept_forms()))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["agenda"], code="agenda_too_long") from exc
        if any(self.errors):
            return
        session = self.instance
        times = (session.starts_at, session.ends_at)
        if any(value is None or timezone.is_naive(value) for value in times) or times[1] <= times[0]:
            return  # the session form reports its own times
        total = sum(form.cleaned_data["duration_minutes"] for form in self.kept_forms())
        if problem := agenda_fit_problem(session=session, minutes=total):
            raise ValidationError(problem, code="agenda_too_long")

    def ordered_items(self) -> list[AgendaItem]:
        """The agenda in its new order, with the change log Django's admin reads afterwards."""
        self.record_changes()
        return [form.instance for form in self.kept_forms()]


class AgendaItemInline(ScopedInlineMixin, admin.TabularInline):
    visible = by_session_committee
    model = AgendaItem
    form = AgendaItemForm
    formset = AgendaFormSet
    extra = 1
    autocomplete_fields = ("presenter",)
    ordering = ("position",)

    def get_max_num(self, request, obj=None, **kwargs) -> int:
        return agenda_max_items()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("presenter")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "presenter":
            kwargs["widget"] = PresenterAutocomplete(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AgendaItem)
class AgendaItemAdmin(ScopedRecordAdmin):
    """Read and search agenda items across sessions; they are edited on their session's page."""

    visible = by_session_committee

    @staticmethod
    def can_edit(access: Access, item: AgendaItem) -> bool:
        return False

    list_display = ("session", "position", "title", "presenter", "duration_minutes")
    list_filter = (("session__committee", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("session", "presenter")
    search_fields = ("title", "title_en", "description", "presenter__full_name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
