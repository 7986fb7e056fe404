from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.filters import CountryFilter

from committees.access import Access, access_for, by_committee, committees_editable
from committees.admin_access import ScopedAdminMixin, ScopedInlineMixin
from meetings.choices import SessionStatus
from meetings.models import AgendaItem, Invitee, Reminder, Session
from meetings.reminders import reminders_plan, reminders_retry_failed, reminders_send_now
from meetings.resources import sessions_csv_table, sessions_for_export, sessions_workbook_tables
from meetings.selectors import (
    SessionProposal,
    month_neighbours,
    session_next_proposal,
    sessions_editable,
    sessions_month,
    sessions_visible,
)
from meetings.services import (
    agenda_length_validate,
    agenda_max_items,
    session_cancel,
    session_delete,
    session_mark_held,
    session_postpone,
    session_reschedule_postponed,
    session_save,
    session_validate,
)
from tracker.admin import AuditedAdmin, ConflictSafeAdminMixin, clock_readings_cell, instant_display
from tracker.forms import (
    ReminderOffsetsField,
    RuleCheckedModelForm,
    TimeZoneField,
    WallClockField,
    instant_to_wall_clock,
    wall_clock_to_instant,
)
from tracker.spreadsheets import SpreadsheetCSV, SpreadsheetXLSX
from tracker.timezones import (
    LIMA,
    SANTIAGO,
    capital_clocks,
    format_in_zone,
    format_on_session_clocks,
    to_zone,
    utc_offset_label,
)


def by_session_committee(*, access: Access, queryset, editable: bool = False):
    return by_committee(access=access, queryset=queryset, path="session__committee", editable=editable)


def reminders_editable(*, access: Access, queryset):
    return by_session_committee(access=access, queryset=queryset, editable=True)


def session_check(access: Access, session: Session) -> dict[str, str]:
    if session.committee_id and not access.edits_committee(session.committee_id):
        return {"committee": _("You can only plan sessions of a committee whose secretariat you are.")}
    return {}


class SessionAdminForm(RuleCheckedModelForm):
    """Start and end are typed on the venue's clock; the zone field says which clock that is."""

    starts_at = WallClockField(label=_("Starts"), help_text=_("Local time at the venue."))
    ends_at = WallClockField(label=_("Ends"), help_text=_("Local time at the venue."))
    timezone = TimeZoneField(label=_("Venue time zone"), help_text=_("The zone of the venue, e.g. America/Santiago."))
    reminder_offsets = ReminderOffsetsField(
        label=_("Reminders"),
        required=False,
        blank_means=None,
        help_text=_("Empty: the committee's. Otherwise e.g. 7d, 24h, 1h (d = days, h = hours, m = minutes)."),
    )

    rule_constraints = ("session_ends_after_start", "session_number_unique_per_committee")

    class Meta:
        model = Session
        fields = (
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
            "reminder_offsets",
        )
        widgets = {"title": forms.TextInput(attrs={"size": 80}), "venue": forms.TextInput(attrs={"size": 80})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [("", "---------"), *self.fields["timezone"].choices]
        if "number" in self.fields:
            self.fields["number"].required = False
            self.fields["number"].help_text = _("Leave empty for the committee's next number.")
        self.stored_status = self.instance.status if self.instance.pk else None
        if self.instance.pk:
            for field in ("starts_at", "ends_at"):
                self.initial[field] = instant_to_wall_clock(getattr(self.instance, field), self.instance.timezone)

    def clean(self):
        cleaned = super().clean()
        zone_name = cleaned.get("timezone")
        if zone_name:  # else the zone field has its error, and the form goes no further
            for field in ("starts_at", "ends_at"):
                if self.instance.pk and zone_name == self.instance.timezone and field not in self.changed_data:
                    # Unchanged: keep the stored instant, even one in a repeated hour that the
                    # wall-clock time alone could not name.
                    cleaned[field] = getattr(self.instance, field)
                elif (instant := wall_clock_to_instant(self, field=field, zone_name=zone_name)) is not None:
                    cleaned[field] = instant
        return cleaned

    def rule_errors(self) -> dict[str, list[str]]:
        if self.instance.pk:
            stored = Session.objects.filter(pk=self.instance.pk).values("status", "starts_at", "ends_at").first()
            if stored:
                session_reschedule_postponed(session=self.instance, stored=stored)
        try:
            # The agenda's length is checked by the agenda formset, which knows the new items.
            session_validate(session=self.instance, previous_status=self.stored_status)
        except ValidationError as exc:
            return exc.message_dict
        return {}


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
            "outcome",
            "outcome_en",
        )
        widgets = {
            "position": AgendaPositionInput(attrs={"min": 1}),
            "description": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "description_en": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "outcome_en": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "outcome": forms.Textarea(attrs={"rows": 2, "cols": 30}),
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


class AgendaFormSet(forms.BaseInlineFormSet):
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
        forms_ = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
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
        available = int((session.ends_at - session.starts_at).total_seconds() // 60)
        if total > available:
            raise ValidationError(
                _("The agenda lasts %(agenda)d minutes but the session only %(session)d."),
                params={"agenda": total, "session": available},
                code="agenda_too_long",
            )

    def ordered_items(self) -> list[AgendaItem]:
        """The agenda in its new order, with the change log Django's admin reads afterwards."""
        kept = self.kept_forms()
        self.new_objects = [form.instance for form in kept if not form.instance.pk]
        self.changed_objects = [
            (form.instance, form.changed_data) for form in kept if form.instance.pk and form.has_changed()
        ]
        self.deleted_objects = [form.instance for form in self.deleted_forms if form.instance.pk]
        return [form.instance for form in kept]


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


class ReminderInline(ScopedInlineMixin, admin.TabularInline):
    """The session's planned and sent reminders, read-only."""

    visible = by_session_committee
    model = Reminder
    extra = 0
    fields = ("person", "kind", "offset_minutes", "state", "due", "sent", "attempts", "last_error")
    readonly_fields = fields
    due = instant_display("due_at", description=_("due"), with_capitals=True)
    sent = instant_display("sent_at", description=_("sent"), with_capitals=True)
    ordering = ("due_at", "pk")
    can_delete = False
    verbose_name_plural = _("reminders (planned and sent)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class InviteeInline(ScopedInlineMixin, admin.TabularInline):
    visible = by_session_committee
    model = Invitee
    extra = 0
    fields = ("person", "note")
    autocomplete_fields = ("person",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class WhenFilter(admin.SimpleListFilter):
    title = _("date")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return (
            ("upcoming", _("Upcoming")),
            ("next7", _("Next 7 days")),
            ("next30", _("Next 30 days")),
            ("past", _("Past")),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "upcoming":
                return queryset.filter(starts_at__gte=now)
            case "next7":
                return queryset.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=7))
            case "next30":
                return queryset.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=30))
            case "past":
                return queryset.filter(starts_at__lt=now)
        return queryset


def _clock(value, zone) -> str:
    local = to_zone(value, zone)
    return f"{local:%a %Y-%m-%d %H:%M} {utc_offset_label(local)}"


@admin.register(Session)
class SessionAdmin(ConflictSafeAdminMixin, ScopedAdminMixin, AuditedAdmin):
    """Sessions are shared by the committee's secretariats: either may plan and change them."""

    visible = sessions_visible
    editable = sessions_editable
    scope_check = session_check

    @staticmethod
    def can_edit(access: Access, session: Session) -> bool:
        return access.edits_committee(session.committee_id)

    form = SessionAdminForm
    inlines = (AgendaItemInline, InviteeInline, ReminderInline)
    list_display = (
        "number",
        "title",
        "committee_slug",
        "status",
        "venue_time",
        "lima_time",
        "santiago_time",
        "host_country",
    )
    list_display_links = ("number", "title")
    list_filter = (
        ("committee", admin.RelatedOnlyFieldListFilter),
        "status",
        ("host_country", CountryFilter),
        WhenFilter,
    )
    list_select_related = ("committee",)
    search_fields = ("title", "title_en", "venue", "description", "committee__name_en", "committee__name_es")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)
    actions = ("cancel_sessions", "postpone_sessions", "mark_sessions_held", "export_csv", "export_xlsx")
    readonly_fields = ("clocks", "sequence", "created", "changed")
    created = instant_display("created_at", description=_("created"))
    changed = instant_display("updated_at", description=_("last changed"))

    def get_fieldsets(self, request, obj=None):
        when = ["starts_at", "ends_at", "timezone"] + (["clocks"] if obj else [])
        return (
            (None, {"fields": ["committee", "number", "title", "title_en", "description", "description_en", "status"]}),
            (_("When and where"), {"fields": [*when, "venue", "host_country"]}),
            (_("Reminders"), {"fields": ["reminder_offsets"]}),
            (_("Record"), {"fields": ["sequence", "created", "changed"], "classes": ["collapse"]}),
        )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("committee",) if obj else ())

    def history_instant_text(self, *, field: str, version, value) -> str:
        if field in ("starts_at", "ends_at") and value is not None:
            return format_on_session_clocks(value, version.timezone)
        return super().history_instant_text(field=field, version=version, value=value)

    def _planned_after(self, request) -> SessionProposal | None:
        """`?plan_after=<id>`: the next session after that one, proposed (and kept for the request)."""
        if not hasattr(request, "_session_proposal"):
            chosen = request.GET.get("plan_after", "")
            previous = (
                self.editable_queryset(request, Session.objects.select_related("committee"))
                .filter(pk=int(chosen))
                .first()
                if chosen.isdigit() and len(chosen) <= 18
                else None
            )
            request._session_proposal = (
                session_next_proposal(after=previous, today=timezone.localdate()) if previous else None
            )
        return request._session_proposal

    def get_changeform_initial_data(self, request):
        """`?plan_after=<id>` proposes the session after that one, agenda included; `?committee=<id>`
        (or the only committee there is) proposes that committee and its zone."""
        if (proposal := self._planned_after(request)) is not None:
            return {
                "committee": proposal.committee_id,
                "number": proposal.number,
                "title": proposal.title,
                "title_en": proposal.title_en,
                "host_country": proposal.host_country,
                "timezone": proposal.timezone,
                "venue": proposal.venue,
                "starts_at": proposal.starts_local,
                "ends_at": proposal.ends_local,
            }
        initial = super().get_changeform_initial_data(request)
        initial.pop("plan_after", None)
        chosen = str(initial.pop("committee", ""))
        mine = committees_editable(access=access_for(request.user))
        committees = list(mine.filter(pk=int(chosen))) if chosen.isdigit() else []
        if not committees:
            committees = list(mine[:2])
        if len(committees) == 1:
            initial["committee"] = committees[0].pk
            initial.setdefault("timezone", committees[0].default_timezone)
        return initial

    def get_urls(self):
        calendar = path("calendar/", self.admin_site.admin_view(self.calendar_view), name="meetings_session_calendar")
        return [calendar, *super().get_urls()]

    def calendar_view(self, request):
        """A month of sessions, each at its venue's time and on both capitals' clocks."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        year, month = today.year, today.month
        if asked := request.GET.get("month"):
            try:
                chosen = date.fromisoformat(f"{asked}-01")
                if not 1900 <= chosen.year <= 2200:
                    raise ValueError(asked)
                year, month = chosen.year, chosen.month
            except ValueError:
                self.message_user(
                    request, _("“%(month)s” is not a month: give it as YYYY-MM.") % {"month": asked}, messages.ERROR
                )
        weeks = sessions_month(sessions=self.get_queryset(request), year=year, month=month)
        for week in weeks:
            for day in week:
                for session in day.sessions:
                    # A capital whose clock has already moved to another day says which.
                    capitals = [
                        f"{c.label} {c.local:%H:%M}"
                        + (f" ({date_format(c.local.date(), 'D j')})" if c.local.date() != day.day else "")
                        for c in capital_clocks(session.starts_at)
                    ]
                    session.clock_lines = [format_in_zone(session.starts_at, session.timezone), " · ".join(capitals)]
        first = date(year, month, 1)
        previous, following = month_neighbours(first)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Sessions in %(month)s") % {"month": date_format(first, "F Y")},
            "weeks": weeks,
            "weekdays": [date_format(day.day, "l") for day in weeks[0]],
            "previous": f"{previous:%Y-%m}",
            "next": f"{following:%Y-%m}",
            "today": today,
        }
        return TemplateResponse(request, "admin/meetings/session/calendar.html", context)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        proposal = self._planned_after(request) if obj is None or obj.pk is None else None
        if isinstance(inline, AgendaItemInline) and proposal is not None and request.method == "GET":
            kwargs["initial"] = [{**item, "position": n} for n, item in enumerate(proposal.agenda, start=1)]
        return kwargs

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        proposal = self._planned_after(request) if obj is None else None
        for inline in inlines:
            if isinstance(inline, AgendaItemInline):
                inline.extra = len(proposal.agenda) if proposal and proposal.agenda else AgendaItemInline.extra
        return inlines

    def save_model(self, request, obj, form, change) -> None:
        """Saved together with its agenda in save_related, through the service."""

    def save_related(self, request, form, formsets, change) -> None:
        agenda = next(formset for formset in formsets if isinstance(formset, AgendaFormSet))
        session_save(session=form.instance, agenda=agenda.ordered_items())
        form.save_m2m()
        for formset in formsets:
            if formset is not agenda:
                self.save_formset(request, form, formset, change=change)
        reminders_plan(session=form.instance)  # invitees may have changed

    def has_delete_permission(self, request, obj=None) -> bool:
        # A held session is part of the committee's record.
        return super().has_delete_permission(request, obj) and (obj is None or obj.status != SessionStatus.HELD)

    def delete_model(self, request, obj) -> None:
        session_delete(session=obj)

    def delete_queryset(self, request, queryset) -> None:
        for session in queryset:
            try:
                session_delete(session=session)
            except ValidationError as exc:
                self.message_user(request, f"{session}: {'; '.join(exc.messages)}", messages.ERROR)

    @admin.display(description=_("committee"), ordering="committee__slug")
    def committee_slug(self, obj: Session) -> str:
        return obj.committee.slug

    @admin.display(description=_("start at the venue"), ordering="starts_at")
    def venue_time(self, obj: Session) -> str:
        return format_in_zone(obj.starts_at, obj.timezone)

    @admin.display(description=_("start in Lima"), ordering="starts_at")
    def lima_time(self, obj: Session) -> str:
        return _clock(obj.starts_at, LIMA)

    @admin.display(description=_("start in Santiago"), ordering="starts_at")
    def santiago_time(self, obj: Session) -> str:
        return _clock(obj.starts_at, SANTIAGO)

    @admin.display(description=_("on each clock"))
    def clocks(self, obj: Session) -> str:
        rows = [(_("Venue"), format_in_zone(obj.starts_at, obj.timezone), format_in_zone(obj.ends_at, obj.timezone))]
        rows += [
            (start.label, format_in_zone(start.local, start.zone_name), format_in_zone(end.local, end.zone_name))
            for start, end in zip(capital_clocks(obj.starts_at), capital_clocks(obj.ends_at), strict=True)
        ]
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("clock"),
            _("starts"),
            _("ends"),
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>", rows),
        )

    def _change_status(self, request, queryset, change, done_message) -> None:
        done, refused = 0, []
        for session in self.editable_queryset(request, queryset):
            try:
                change(session=session)
                done += 1
            except ValidationError as exc:
                refused.append(f"{session}: {'; '.join(exc.messages)}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    def _download(self, data: str | bytes, file_format) -> HttpResponse:
        response = HttpResponse(data, content_type=file_format.get_content_type())
        stamp = timezone.now().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="sessions-{stamp}.{file_format.get_extension()}"'
        return response

    @admin.action(description=_("Export the selected sessions with their agendas (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset) -> HttpResponse:
        # The action's queryset is the admin's, so it holds only sessions the user may see.
        table = sessions_csv_table(sessions=sessions_for_export(sessions=queryset))
        file_format = SpreadsheetCSV()
        return self._download(file_format.export_data(table), file_format)

    @admin.action(description=_("Export the selected sessions with their agendas (XLSX)"), permissions=["view"])
    def export_xlsx(self, request, queryset) -> HttpResponse:
        tables = sessions_workbook_tables(sessions=sessions_for_export(sessions=queryset))
        file_format = SpreadsheetXLSX()
        return self._download(file_format.export_book(tables), file_format)

    @admin.action(description=_("Cancel the selected sessions"), permissions=["change"])
    def cancel_sessions(self, request, queryset) -> None:
        self._change_status(
            request,
            queryset,
            session_cancel,
            lambda n: ngettext("%d session cancelled.", "%d sessions cancelled.", n) % n,
        )

    @admin.action(description=_("Postpone the selected sessions"), permissions=["change"])
    def postpone_sessions(self, request, queryset) -> None:
        self._change_status(
            request,
            queryset,
            session_postpone,
            lambda n: ngettext("%d session postponed.", "%d sessions postponed.", n) % n,
        )

    @admin.action(description=_("Mark the selected sessions as held"), permissions=["change"])
    def mark_sessions_held(self, request, queryset) -> None:
        self._change_status(
            request,
            queryset,
            session_mark_held,
            lambda n: ngettext("%d session marked held.", "%d sessions marked held.", n) % n,
        )


@admin.register(AgendaItem)
class AgendaItemAdmin(ScopedAdminMixin, AuditedAdmin):
    """Read and search agenda items across sessions; they are edited on their session's page."""

    visible = by_session_committee

    @staticmethod
    def can_edit(access: Access, item: AgendaItem) -> bool:
        return False

    list_display = ("session", "position", "title", "presenter", "duration_minutes")
    list_filter = (("session__committee", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("session", "presenter")
    search_fields = ("title", "title_en", "description", "outcome", "presenter__full_name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The reminder log: who was (or will be) reminded of what, and how it went."""

    visible = by_session_committee
    editable = reminders_editable

    @staticmethod
    def can_edit(access: Access, reminder: Reminder) -> bool:
        return access.edits_committee(reminder.session.committee_id)

    list_display = (
        "person",
        "session",
        "session_starts",
        "kind",
        "offset_minutes",
        "state",
        "due",
        "sent",
        "attempts",
        "last_error",
    )
    list_filter = (
        "state",
        "kind",
        ("session__committee", admin.RelatedOnlyFieldListFilter),
        ("due_at", admin.DateFieldListFilter),
    )
    list_select_related = ("person", "session")
    search_fields = ("person__full_name", "person__email", "session__title", "message_id")
    date_hierarchy = "due_at"
    actions = ("send_now", "retry_failed")
    fields = readonly_fields = (
        "session",
        "session_starts",
        "person",
        "kind",
        "offset_minutes",
        "due",
        "state",
        "attempts",
        "next_attempt",
        "claimed",
        "sent",
        "sent_sequence",
        "last_error",
        "message_id",
    )
    object_history_template = "tracker/admin/action_history.html"
    due = instant_display("due_at", description=_("due"), with_capitals=True)
    next_attempt = instant_display("next_attempt_at", description=_("next attempt"), with_capitals=True)
    claimed = instant_display("claimed_at", description=_("claimed"), with_capitals=True)
    sent = instant_display("sent_at", description=_("sent"), with_capitals=True)

    @admin.display(description=_("session starts"), ordering="session__starts_at")
    def session_starts(self, obj: Reminder) -> str:
        return clock_readings_cell(format_on_session_clocks(obj.session.starts_at, obj.session.timezone))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send the selected pending reminders now"), permissions=["change"])
    def send_now(self, request, queryset) -> None:
        count = reminders_send_now(ids=self.editable_queryset(request, queryset).values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%d reminder will go out with the next scan.", "%d reminders will go out with the next scan.", count
            )
            % count,
        )

    @admin.action(description=_("Retry the selected failed reminders"), permissions=["change"])
    def retry_failed(self, request, queryset) -> None:
        count = reminders_retry_failed(ids=self.editable_queryset(request, queryset).values_list("pk", flat=True))
        self.message_user(request, ngettext("%d reminder queued again.", "%d reminders queued again.", count) % count)
