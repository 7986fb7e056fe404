"""The approved record's PDF as a download, the same from the staff site, the schedule pages and the
API. Callers check that the reader may see the version first."""

from django.http import HttpResponse

from meetings.models import RecordVersion
from meetings.records.pdf import record_pdf


def record_pdf_filename(*, version: RecordVersion, language: str) -> str:
    """`chile-peru-session-1-record-v2-es.pdf`."""
    content = version.content
    return (
        f"{content['committee']['slug']}-session-{content['session']['number']}-record-v{version.number}-{language}.pdf"
    )


def record_pdf_response(*, version: RecordVersion, language: str) -> HttpResponse:
    """The version's PDF in `language` as an attachment (ValueError for a language not offered)."""
    response = HttpResponse(record_pdf(version=version, language=language), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{record_pdf_filename(version=version, language=language)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
