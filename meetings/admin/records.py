"""Records (actas) on the staff site. A held session's record is opened from the session's page,
written as a draft by either secretariat (closing remarks, entries per agenda item, attendance),
proposed, approved by each delegation for the revision its secretariat read, and corrected as a
new version once approved. Every write is one call of `meetings.records.services`; a refusal of
the service is shown on the page it came from."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from committees.access import Access, access_for, by_committee, delegation_acting, drafts_readable
from committees.admin.base import FormErrorsFromService, ScopedRecordAdmin
from meetings.admin.record_forms import AttendanceInline, CorrectionForm, EntryInline, RecordForm, record_editable
from meetings.choices import SessionStatus
from meetings.models import Record, RecordApproval, RecordAttendance, RecordEntry, Session
from meetings.records.choices import RECORD_LANGUAGES, RecordState, delegation_name
from meetings.records.content import content_differences
from meetings.records.services import record_approve, record_correct, record_propose, record_save, record_start
from tracker.timezones import format_for_staff


def records_visible(*, access: Access, queryset):
    return by_committee(access=access, queryset=queryset, path="session__committee")


def records_editable(*, access: Access, queryset):
    return by_committee(access=access, queryset=queryset, path="session__committee", editable=True)


@admin.register(Record)
class RecordAdmin(FormErrorsFromService, ScopedRecordAdmin):
    visible = records_visible
    editable = records_editable
    can_edit = staticmethod(record_editable)

    form = RecordForm
    inlines = (EntryInline, AttendanceInline)
    list_display = ("session", "committee_slug", "state", "version", "approvals_given")
    list_filter = (("session__committee", admin.RelatedOnlyFieldListFilter), "state")
    list_select_related = ("session__committee",)
    ordering = ("-session__starts_at", "pk")
    readonly_fields = ("session", "state", "version", "revision", "correction_reason")

    def get_queryset(self, request):
        current = RecordApproval.objects.filter(voided_at__isnull=True).order_by("delegation")
        queryset = super().get_queryset(request).select_related("session__committee")
        return queryset.prefetch_related(Prefetch("approvals", queryset=current, to_attr="approvals_valid"))

    def _reads_text(self, request, obj: Record) -> bool:
        access = access_for(request.user)
        return obj.state == RecordState.APPROVED or drafts_readable(
            access=access, committee_id=obj.session.committee_id
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": list(self.readonly_fields)})]
        if obj is not None and self._reads_text(request, obj):
            fieldsets.append(
                (_("Closing remarks"), {"fields": ["closing_remarks", "closing_remarks_en", "read_revision"]})
            )
        if obj is not None and obj.state == RecordState.PROPOSED and self.has_change_permission(request, obj):
            fieldsets.append((_("Why it changes"), {"fields": ["reason"]}))
        return fieldsets

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj and self._reads_text(request, obj) else []

    def has_add_permission(self, request) -> bool:
        return False  # a record is opened from its held session's page (record_start)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Nothing yet: the record and its rows are one service call, in save_related."""

    def save_related(self, request, form, formsets, change) -> None:
        rows = {formset.model: formset.rows() for formset in formsets}
        self.service_call(
            request,
            lambda: record_save(
                record=form.instance,
                access=access_for(request.user),
                user=request.user,
                entries=rows.get(RecordEntry),
                attendance=rows.get(RecordAttendance),
                reason=form.cleaned_data.get("reason", ""),
                # A page that did not say which revision it showed overwrites nothing: 0 never matches.
                revision=form.cleaned_data.get("read_revision") or 0,
            ),
        )

    @admin.display(description=_("committee"), ordering="session__committee__slug")
    def committee_slug(self, obj: Record) -> str:
        return obj.session.committee.slug

    @admin.display(description=_("approvals"))
    def approvals_given(self, obj: Record) -> str:
        given = [a.delegation.code for a in obj.approvals_valid if a.revision == obj.revision]
        return ", ".join(given) or self.get_empty_value_display()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._workflow_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_context(self, request, record: Record) -> dict:
        access = access_for(request.user)
        committee_id = record.session.committee_id
        acting = delegation_acting(access=access, committee_id=committee_id)
        given = {a.delegation.code for a in record.approvals_valid if a.revision == record.revision}
        approve_as = acting if record.state == RecordState.PROPOSED and acting not in given else None
        approvals = record.approvals.order_by("approved_at", "pk")
        versions = list(record.versions.order_by("number").values("number", "revision", "approved_at", "reason"))
        return {
            "record_approvals": [
                (a, format_for_staff(a.approved_at), a.voided_at and format_for_staff(a.voided_at)) for a in approvals
            ],
            "record_versions": [(v, format_for_staff(v["approved_at"]), RECORD_LANGUAGES) for v in versions],
            "record_can_propose": record.state == RecordState.DRAFT and access.edits_committee(committee_id),
            "record_approve_as": approve_as,
            "record_approve_label": approve_as and delegation_name(approve_as),
            "record_can_correct": record.state == RecordState.APPROVED and access.edits_committee(committee_id),
        }

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/<int:session_id>/", wrap(self.start_view), name="meetings_record_start"),
            path("<int:object_id>/propose/", wrap(require_POST(self.propose_view)), name="meetings_record_propose"),
            path("<int:object_id>/approve/", wrap(require_POST(self.approve_view)), name="meetings_record_approve"),
            path("<int:object_id>/correct/", wrap(self.correct_view), name="meetings_record_correct"),
            path("<int:object_id>/versions/<int:number>/", wrap(self.version_view), name="meetings_record_version"),
            path(
                "<int:object_id>/versions/<int:number>/<str:language>.pdf",
                wrap(self.version_pdf_view),
                name="meetings_record_pdf",
            ),
            *super().get_urls(),
        ]

    def _record(self, request, object_id) -> Record:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return self.get_object(request, str(object_id))

    def _act(self, request, call, done) -> None:
        try:
            call()
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)

    def propose_view(self, request, object_id):
        record = self._record(request, object_id)
        access = access_for(request.user)
        self._act(
            request,
            lambda: record_propose(record=record, access=access, user=request.user),
            _("The record is proposed: each delegation's secretariat may now approve it."),
        )
        return redirect("admin:meetings_record_change", record.pk)

    def approve_view(self, request, object_id):
        record = self._record(request, object_id)
        revision = request.POST.get("revision", "")
        # A page that did not say which revision it showed approves nothing: revision 0 never matches.
        revision = int(revision) if revision.isdigit() and len(revision) < 10 else 0
        access = access_for(request.user)
        self._act(
            request,
            lambda: record_approve(record=record, revision=revision, access=access, user=request.user),
            _("Your delegation's approval is recorded."),
        )
        return redirect("admin:meetings_record_change", record.pk)

    def correct_view(self, request, object_id):
        record = self._record(request, object_id)
        if not access_for(request.user).edits_committee(record.session.committee_id):
            raise PermissionDenied
        form = CorrectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                record_correct(
                    record=record,
                    reason=form.cleaned_data["reason"],
                    access=access_for(request.user),
                    user=request.user,
                )
            except ValidationError as exc:
                if "reason" not in getattr(exc, "error_dict", {}):
                    self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                    return redirect("admin:meetings_record_change", record.pk)
                form.add_error("reason", exc.error_dict["reason"])
            else:
                self.message_user(request, _("A correction is open as a draft of the next version."), messages.SUCCESS)
                return redirect("admin:meetings_record_change", record.pk)
        return self._page(request, "correct", record, form=form, title=_("Correct the approved record"))

    def start_view(self, request, session_id):
        access = access_for(request.user)
        session = get_object_or_404(
            by_committee(access=access, queryset=Session.objects.all(), editable=True), pk=session_id
        )
        existing = Record.objects.filter(session=session).first()
        if existing is not None:
            return redirect("admin:meetings_record_change", existing.pk)
        if request.method != "POST":
            return self._page(request, "start", None, session=session, title=_("Open the record"))
        try:
            record = record_start(session=session, access=access)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return redirect("admin:meetings_session_change", session.pk)
        return redirect("admin:meetings_record_change", record.pk)

    def version_view(self, request, object_id, number):
        record = self._record(request, object_id)
        version = get_object_or_404(record.versions, number=number)
        previous = record.versions.filter(number__lt=number).order_by("-number").first()
        differences = content_differences(previous.content, version.content) if previous else []
        return self._page(
            request,
            "version",
            record,
            version=version,
            approved_at=format_for_staff(version.approved_at),
            previous=previous,
            differences=differences,
            languages=RECORD_LANGUAGES,
            title=_("Version %(number)d of the record") % {"number": number},
        )

    def version_pdf_view(self, request, object_id, number, language):
        record = self._record(request, object_id)
        if language not in RECORD_LANGUAGES:
            raise Http404
        version = get_object_or_404(record.versions, number=number)
        from meetings.records.downloads import record_pdf_response

        return record_pdf_response(version=version, language=language)

    def _page(self, request, name: str, record: Record | None, **context):
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": record, **context}
        return TemplateResponse(request, f"admin/meetings/record/{name}.html", context)


@admin.display(description=_("record of the session"))
def session_record_display(model_admin, session: Session) -> str:
    """The session's record, or the way to open it once the session is held (its session's page)."""
    record = Record.objects.filter(session=session).first()
    if record is not None:
        label = _("%(state)s, version %(version)d") % {"state": record.get_state_display(), "version": record.version}
        return format_html('<a href="{}">{}</a>', reverse("admin:meetings_record_change", args=[record.pk]), label)
    if session.status == SessionStatus.HELD:
        url = reverse("admin:meetings_record_start", args=[session.pk])
        return format_html('<a href="{}" class="addlink">{}</a>', url, _("Open the record"))
    return _("A record is kept once the session is held.")
