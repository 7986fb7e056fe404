"""Sessions on the staff site: shared by the committee's secretariats, either of which may plan
and change them. The page saves the session, its agenda and its invitees as one write; planning
the next session, the month calendar and the exports have their own modules."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from committees.access import Access, access_for
from committees.admin.base import ScopedRecordAdmin
from meetings.admin.agenda import AgendaFormSet, AgendaItemInline
from meetings.admin.calendar import sessions_calendar_view
from meetings.admin.exports import export_csv, export_xlsx
from meetings.admin.forms import SessionActionForm, SessionAdminForm, session_check
from meetings.admin.invitees import InviteeInline
from meetings.admin.planning import agenda_initial, committee_initial, proposal_for, proposal_initial
from meetings.admin.records import session_record_display
from meetings.admin.reminders import ReminderInline
from meetings.models import Change, Session
from meetings.records.changes import ChangeBy
from meetings.rules import session_delete_problem
from meetings.selectors import sessions_editable, sessions_visible
from meetings.services import session_cancel, session_delete, session_mark_held, session_postpone, session_save
from tracker.admin.display import instant_display
from tracker.timezones import capital_clocks, format_in_zone, format_on_session_clocks, to_zone, utc_offset_label

CAPITAL_COLUMNS = [f"{slugify(label)}_time" for label, _zone_name in settings.CAPITAL_CLOCKS]


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


@admin.register(Session)
class SessionAdmin(ScopedRecordAdmin):
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
        *CAPITAL_COLUMNS,
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
    actions = ("cancel_sessions", "postpone_sessions", "mark_sessions_held", export_csv, export_xlsx)
    action_form = SessionActionForm
    readonly_fields = ("clocks", "sequence", "created", "changed", "record_of_session")
    record_of_session = session_record_display
    created = instant_display("created_at", description=_("created"))
    changed = instant_display("updated_at", description=_("last changed"))

    def get_fieldsets(self, request, obj=None):
        when = ["starts_at", "ends_at", "timezone"] + (["clocks"] if obj else [])
        return (
            (None, {"fields": ["committee", "number", "title", "title_en", "description", "description_en", "status"]}),
            *([(_("Record of the session"), {"fields": ["record_of_session"]})] if obj else []),
            (_("When and where"), {"fields": [*when, "venue", "host_country", *(["reason"] if obj else [])]}),
            (_("Reminders"), {"fields": ["reminder_offsets"]}),
            (_("Record"), {"fields": ["sequence", "created", "changed"], "classes": ["collapse"]}),
        )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("committee",) if obj else ())

    def history_instant_text(self, *, field: str, version, value) -> str:
        if field in ("starts_at", "ends_at") and value is not None:
            return format_on_session_clocks(value, version.timezone)
        return super().history_instant_text(field=field, version=version, value=value)

    def get_changeform_initial_data(self, request):
        """A proposed next session (planning), else the committee proposed by the address."""
        if (proposal := self._proposal(request)) is not None:
            return proposal_initial(proposal)
        return committee_initial(request, super().get_changeform_initial_data(request))

    def _proposal(self, request):
        return proposal_for(request, editable=self.editable_queryset(request, Session.objects.all()))

    def get_urls(self):
        view = self.admin_site.admin_view(partial(sessions_calendar_view, self))
        return [path("calendar/", view, name="meetings_session_calendar"), *super().get_urls()]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        proposal = self._proposal(request) if obj is None or obj.pk is None else None
        if isinstance(inline, AgendaItemInline) and proposal is not None and request.method == "GET":
            kwargs["initial"] = agenda_initial(proposal)
        return kwargs

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        proposal = self._proposal(request) if obj is None else None
        for inline in inlines:
            if isinstance(inline, AgendaItemInline):
                inline.extra = len(proposal.agenda) if proposal and proposal.agenda else AgendaItemInline.extra
        return inlines

    def save_model(self, request, obj, form, change) -> None:
        """Nothing yet: the session and its agenda are one service call (the agenda must fit the
        session's time), made in save_related, where the agenda's rows are at hand."""

    def save_related(self, request, form, formsets, change) -> None:
        """The session with its agenda, then the invitees: services of one write (the page's), so
        the schedule version rises once and reminders are planned once, at its end."""
        agenda = next(formset for formset in formsets if isinstance(formset, AgendaFormSet))
        session_save(
            session=form.instance,
            agenda=agenda.ordered_items(),
            by=ChangeBy(user=request.user, access=access_for(request.user)),
            reason=form.cleaned_data.get("reason", ""),
        )
        for formset in formsets:
            if formset is not agenda:
                self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or session_delete_problem(session=obj) is None
        )

    def get_deleted_objects(self, objs, request):
        """The change log of a session goes with it: no one deletes its rows on their own, so the
        admin must not ask for that permission."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Change._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj) -> None:
        session_delete(session=obj)

    def delete_queryset(self, request, queryset) -> None:
        # By committee, so that concurrent actions lock committees in the same order.
        for session in self.editable_queryset(request, queryset).order_by("committee_id", "pk"):
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

    @admin.display(description=_("on each clock"))
    def clocks(self, obj: Session) -> str:
        rows = [(_("Venue"), format_in_zone(obj.starts_at, obj.timezone), format_in_zone(obj.ends_at, obj.timezone))]
        rows += [
            (start.label, start.reading, end.reading)
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
        # By committee, so that concurrent actions lock committees in the same order.
        by = ChangeBy(user=request.user, access=access_for(request.user))
        reason = request.POST.get("reason", "")
        for session in self.editable_queryset(request, queryset).order_by("committee_id", "pk"):
            try:
                change(session=session, by=by, reason=reason)
                done += 1
            except ValidationError as exc:
                refused.append(f"{session}: {'; '.join(exc.messages)}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

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


def _capital_column(label: str, zone_name: str):
    description = lazy(lambda: gettext("start in %(capital)s") % {"capital": label}, str)()

    @admin.display(description=description, ordering="starts_at")
    def column(model_admin, obj: Session) -> str:
        local = to_zone(obj.starts_at, zone_name)
        return f"{local:%a %Y-%m-%d %H:%M} {utc_offset_label(local)}"

    return column


# A column of the session's start on each capital's clock (settings.CAPITAL_CLOCKS), e.g. lima_time.
for _label, _zone_name in settings.CAPITAL_CLOCKS:
    setattr(SessionAdmin, f"{slugify(_label)}_time", _capital_column(_label, _zone_name))
