"""A session's record through the API. Everyone who sees the session reads its approved versions
and the state of a newer one being written; the committee's secretariats and administrators also
read the text being written, and write it through the records services."""

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from committees.access import access_for, by_committee, drafts_readable, people_visible
from meetings.api.record_serializers import (
    ApproveSerializer,
    CorrectSerializer,
    RecordSerializer,
    RecordVersionSerializer,
    RecordWriteSerializer,
    record_body,
    version_body,
)
from meetings.models import AgendaItem, Record, RecordAttendance, RecordEntry, Session
from meetings.records.content import approved_version, record_prefetch
from meetings.records.services import record_approve, record_correct, record_propose, record_save, record_start
from meetings.selectors import sessions_visible
from tracker.api.filters import ID_MAX
from tracker.api.permissions import ReadAuthenticatedWriteWithModelPermission
from tracker.api.schema import CHANGE, READ_ONE, conditional_parameters, errors
from tracker.api.views import JSON, ICalendarViewMixin
from tracker.conditional import schedule_response
from tracker.language import translation_for


def _entries(record: Record, rows: list[dict]) -> list[RecordEntry]:
    """The entries as sent, in order: a row with the `key` of one of the record's entries changes it."""
    existing = {entry.key: entry for entry in record.entries.all()}
    entries, unknown, seen = [], [], set()
    for number, row in enumerate(rows, start=1):
        values = {name: value for name, value in row.items() if name not in ("key", "agenda_item_id", "person_id")}
        values.update(agenda_item=row["agenda_item_id"], person=row["person_id"])
        if (key := row.get("key")) is None:
            entries.append(RecordEntry(**values))
        elif key in seen:
            unknown.append(_("Row %(number)d: entry %(key)s is listed twice.") % {"number": number, "key": key})
        elif key in existing:
            seen.add(key)
            entry = existing.pop(key)
            for field, value in values.items():
                setattr(entry, field, value)
            entries.append(entry)
        else:
            unknown.append(_("Row %(number)d: this record has no entry %(key)s.") % {"number": number, "key": key})
    if unknown:
        raise ValidationError({"entries": unknown})
    return entries


def _attendance(record: Record, rows: list[dict]) -> list[RecordAttendance]:
    """The attendance as sent; a person listed before keeps their row."""
    existing = {row.person_id: row for row in record.attendance.all()}
    attendance = []
    for row in rows:
        kept = existing.pop(row["person_id"].pk, None) or RecordAttendance(person=row["person_id"])
        kept.delegation, kept.capacity, kept.present = row["delegation"], row["capacity"], row["present"]
        attendance.append(kept)
    return attendance


class ActsOnExisting(ReadAuthenticatedWriteWithModelPermission):
    """A POST here acts on an object (opens, proposes or approves a record, sets a commitment's
    status): it needs the permission to change that kind of object."""

    perms_map = {
        **ReadAuthenticatedWriteWithModelPermission.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


SESSION_ID = OpenApiParameter(
    "id", {"type": "integer", "minimum": 1, "maximum": ID_MAX}, OpenApiParameter.PATH, description="The session's id."
)


def _answers(described: str, *, codes: tuple[int, ...] = CHANGE) -> dict:
    return {200: OpenApiResponse(RecordSerializer, description=described), **errors(codes)}


def _answer(request, record: Record, code: int = status.HTTP_200_OK) -> Response:
    record = Record.objects.select_related("session").get(pk=record.pk)
    readable = drafts_readable(access=access_for(request.user), committee_id=record.session.committee_id)
    return Response(record_body(record, readable), status=code)


class RecordViewSet(viewsets.GenericViewSet):
    """A session's record, by the session's id: 404 for a session one cannot see or without a record."""

    serializer_class = RecordSerializer
    permission_classes = (ActsOnExisting,)
    lookup_field = "session_id"
    lookup_url_kwarg = "pk"
    lookup_value_regex = "[0-9]{1,18}"
    pagination_class = None
    filter_backends = ()

    def get_queryset(self):
        records = Record.objects.select_related("session")
        return by_committee(access=access_for(self.request.user), queryset=records, path="session__committee")

    @extend_schema(
        summary="A session's record",
        description="The latest approved version (`approved`, or null), the record's state and version now, and "
        "the approvals of its current text. `draft`, the text as it stands with the `revision` an approval "
        "names, is given to the committee's secretariats and administrators (null for readers).",
        parameters=[SESSION_ID, *conditional_parameters()],
        responses=_answers("The record as the reader may see it.", codes=READ_ONE),
    )
    @action(detail=True, methods=["get"], url_path="record")
    def record(self, request, pk):
        record = self.get_object()
        access = access_for(request.user)
        readable = drafts_readable(access=access, committee_id=record.session.committee_id)
        return schedule_response(
            request,
            build=lambda: JSONRenderer().render(record_body(record, readable)),
            content_type=JSON,
            variant=f"{access.key}|{int(readable)}",  # readers of the same committees do not read the draft
        )

    @extend_schema(
        summary="Write a record's text",
        description="The whole text: `entries` and `attendance` replace the lists (an entry sent with its `key` "
        "is kept and changed, one left out is deleted; attendance is by person). A proposed record goes back to "
        "draft and its approvals are void; that change needs a `reason`, which the other delegation's "
        "secretariat is told. An approved record is changed through `correct`.",
        parameters=[SESSION_ID],
        request=RecordWriteSerializer,
        responses=_answers("Saved; the record as it now reads."),
    )
    @record.mapping.put
    def record_write(self, request, pk):
        record = self.get_object()
        access = access_for(request.user)
        rows = {
            "agenda_items": AgendaItem.objects.filter(session=record.session),
            "people": people_visible(access=access),
        }
        writing = RecordWriteSerializer(data=request.data, context={"session": record.session, **rows})
        writing.is_valid(raise_exception=True)
        data = writing.validated_data
        record.closing_remarks, record.closing_remarks_en = data["closing_remarks"], data["closing_remarks_en"]
        entries, attendance = _entries(record, data["entries"]), _attendance(record, data["attendance"])
        record_save(
            record=record,
            access=access,
            user=request.user,
            entries=entries,
            attendance=attendance,
            reason=data["reason"],
            revision=data.get("revision"),
        )
        return _answer(request, record)

    @extend_schema(
        summary="Open a held session's record",
        description="A draft with everyone expected marked present: the members active on the session's day, for "
        "their delegation, and the invitees. Only for a session that was held; a record opened before is "
        "answered as it is.",
        parameters=[SESSION_ID],
        request=None,
        responses={
            201: OpenApiResponse(RecordSerializer, description="Opened; the new draft."),
            **_answers("Opened before; the record as it reads."),
        },
    )
    @action(detail=True, methods=["post"], url_path="record/start")
    def start(self, request, pk):
        access = access_for(request.user)
        session = get_object_or_404(sessions_visible(access=access, queryset=Session.objects.all()), pk=pk)
        opened = Record.objects.filter(session=session).exists()
        record = record_start(session=session, access=access)
        return _answer(request, record, status.HTTP_200_OK if opened else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Propose a record for approval",
        description="Freezes the draft; each delegation's secretariat then approves the revision it read.",
        parameters=[SESSION_ID],
        request=None,
        responses=_answers("Proposed; the record as it now reads."),
    )
    @action(detail=True, methods=["post"], url_path="record/propose")
    def propose(self, request, pk):
        record = record_propose(record=self.get_object(), access=access_for(request.user), user=request.user)
        return _answer(request, record)

    @extend_schema(
        summary="Approve a proposed record for one's delegation",
        description="`revision` is the draft's revision that was read: a text changed since is not approved. With "
        "both delegations' approvals of one revision the record is approved as its next version, and its "
        "commitments enter the register. Administrators act for no delegation, so do not approve.",
        parameters=[SESSION_ID],
        request=ApproveSerializer,
        responses=_answers("Approved for the delegation; the record as it now reads."),
    )
    @action(detail=True, methods=["post"], url_path="record/approve")
    def approve(self, request, pk):
        record = self.get_object()
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revision = body.validated_data["revision"]
        record_approve(record=record, revision=revision, access=access_for(request.user), user=request.user)
        return _answer(request, record)

    @extend_schema(
        summary="Correct an approved record",
        description="Opens the next version as a draft, which is approved in the same way; the approved version "
        "stays readable. The `reason` is told to the other delegation's secretariat.",
        parameters=[SESSION_ID],
        request=CorrectSerializer,
        responses=_answers("The next version's draft."),
    )
    @action(detail=True, methods=["post"], url_path="record/correct")
    def correct(self, request, pk):
        record = self.get_object()
        body = CorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data["reason"]
        record_correct(record=record, reason=reason, access=access_for(request.user), user=request.user)
        return _answer(request, record)

    @extend_schema(
        summary="One approved version of a session's record",
        parameters=[
            SESSION_ID,
            OpenApiParameter(
                "number",
                {"type": "integer", "minimum": 1, "maximum": 999_999_999},
                OpenApiParameter.PATH,
                description="1 for the first.",
            ),
            *conditional_parameters(),
        ],
        responses={200: OpenApiResponse(RecordVersionSerializer, description="The version."), **errors(READ_ONE)},
    )
    @action(detail=True, methods=["get"], url_path=r"record/versions/(?P<number>[0-9]{1,9})")
    def version(self, request, pk, number):
        version = self.get_object().versions.filter(number=int(number)).first()
        if version is None:
            raise NotFound(_("This record has no approved version %(number)s.") % {"number": number})

        def build() -> bytes:
            return JSONRenderer().render(RecordVersionSerializer(version_body(version)).data)

        return schedule_response(request, build=build, content_type=JSON)


class PdfRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


PDF_LANGUAGES = ("es", "en")


class RecordPdfView(ICalendarViewMixin, APIView):
    """Its errors stay JSON, as a calendar's do, whatever the client accepts."""

    renderer_classes = (JSONRenderer, PdfRenderer)

    @extend_schema(
        summary="A session's record as PDF",
        operation_id="sessions_record_pdf_retrieve",
        tags=["sessions"],
        description="The latest approved version, in Spanish or English (by default the reader's language), "
        "the same bytes each time for the same version.",
        parameters=[
            SESSION_ID,
            OpenApiParameter("language", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(PDF_LANGUAGES)),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The approved record."),
            **errors((400, 401, 404, 429)),
        },
    )
    def get(self, request, pk: int):
        with translation_for(request.user):
            reader_language = "en" if get_language().startswith("en") else "es"
        language = request.query_params.get("language", reader_language)
        if language not in PDF_LANGUAGES:
            raise ValidationError({"language": [_("Choose es or en.")]})
        access = access_for(request.user)
        sessions = sessions_visible(access=access, queryset=Session.objects.prefetch_related(*record_prefetch()))
        version = approved_version(get_object_or_404(sessions, pk=pk))
        if version is None:
            raise NotFound(_("No version of this session's record is approved yet."))
        # Imported when a PDF is asked for: the rest of the API does without the PDF library.
        from meetings.records.downloads import record_pdf_response

        return record_pdf_response(version=version, language=language)
