"""The approved record (acta) as a PDF, in Spanish or in English.

It is drawn from an approved version's snapshot alone (its content, number and approval time),
never from live rows, so a version reads the same however the committee changes afterwards. The
same version and language give the same bytes: reportlab's invariant mode (no random document id),
the approval time as the document's date, and fonts that ship with reportlab (Bitstream Vera, for
accents and dashes; a character Vera lacks, such as "→", is set in the standard Symbol or
ZapfDingbats font that has it). reportlab folds SOURCE_DATE_EPOCH into the document id: where
PDFs are served, leave it unset (or always the same)."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from itertools import groupby
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Table

from meetings.models import RecordVersion
from meetings.records.choices import RECORD_LANGUAGES, EntryKind, delegation_name
from tracker.bilingual import text_for_reader
from tracker.timezones import Clock, capital_clocks, format_in_zone, to_zone

_FONTS = {"RecordSans": "Vera.ttf", "RecordSans-Bold": "VeraBd.ttf", "RecordSans-Italic": "VeraIt.ttf"}
REGULAR, BOLD, ITALIC = _FONTS
# Standard PDF fonts (every reader has them) for the characters Vera lacks, by reportlab's codec.
_SUBSTITUTES = (("Symbol", "symbol"), ("ZapfDingbats", "zapfdingbats"))
# reportlab keeps fonts and their subsets in module state: one document is built at a time.
_BUILDING = threading.Lock()
_MARGIN = 20 * mm


@cache
def _glyphs() -> frozenset[int]:
    """Register the bundled fonts (once) and return the characters they draw."""
    fonts_dir = Path(reportlab.__file__).parent / "fonts"
    for name, filename in _FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(fonts_dir / filename)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
    return frozenset(pdfmetrics.getFont(REGULAR).face.charToGlyph)


def _substitute(character: str) -> str | None:
    if ord(character) in _glyphs() or character.isspace():
        return None
    for face, codec in _SUBSTITUTES:
        try:
            character.encode(codec)
        except UnicodeEncodeError:
            continue
        return face
    return None


def _markup(text: str) -> str:
    """Paragraph markup of plain text: escaped, its line breaks kept, each character Vera lacks in
    a font that has it."""
    parts = []
    for face, run in groupby(text, key=_substitute):
        chunk = escape("".join(run)).replace("\n", "<br/>")
        parts.append(f'<font face="{face}">{chunk}</font>' if face else chunk)
    return "".join(parts)


def _style(name: str, **options) -> ParagraphStyle:
    return ParagraphStyle(name, **{"fontName": REGULAR, "fontSize": 10, "leading": 13.5, **options})


_STYLES = {
    "title": _style("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=4),
    "subtitle": _style("subtitle", fontSize=12, leading=16, spaceAfter=2),
    "heading": _style("heading", fontName=BOLD, fontSize=12, leading=16, spaceBefore=12, spaceAfter=4),
    "subheading": _style("subheading", fontName=BOLD, spaceBefore=6, spaceAfter=2),
    "body": _style("body", spaceAfter=2),
    "entry": _style("entry", leftIndent=6 * mm, spaceAfter=2),
    "detail": _style("detail", fontName=ITALIC, fontSize=9, leading=12, leftIndent=6 * mm, spaceAfter=4),
    "cell": _style("cell", fontSize=9, leading=12),
}


def _p(text: str, style: str = "body", *, bold: str = "") -> Paragraph:
    label = f"<b>{_markup(bold)}</b> " if bold else ""
    return Paragraph(label + _markup(text), _STYLES[style])


def _responsible(entry: dict) -> str:
    """`Perú — Ana Pérez`: a commitment's delegation (or both) and person."""
    return " — ".join(filter(None, [delegation_name(entry["responsible"]), entry["person"]]))


def _heading(content: dict, *, committee: str, title: str) -> list:
    session = content["session"]
    starts_at = datetime.fromisoformat(session["starts_at"])
    venue_clock = Clock(label=_("At the venue"), local=to_zone(starts_at, session["timezone"]))
    return [
        _p(committee, "title"),
        _p(title),
        _p(text_for_reader(session["title"], session["title_en"]), "subtitle"),
        _p(session["venue"], bold=_("Venue") + ":"),
        *(_p(clock.line) for clock in [venue_clock, *capital_clocks(starts_at)]),
    ]


def _attendance(content: dict) -> list:
    flow = [_p(_("Attendance"), "heading")]
    for code, rows in groupby(content["attendance"], key=lambda row: row["delegation"]):
        rows = list(rows)
        flow.append(_p(delegation_name(code), "subheading"))
        flow += [
            _p(" — ".join(filter(None, [r["name"], r["capacity"] or r["position"]]))) for r in rows if r["present"]
        ]
        absent = [row["name"] for row in rows if not row["present"]]
        if absent:
            flow.append(_p(", ".join(absent), bold=_("Absent:")))
    return flow


def _items(content: dict) -> list:
    flow = [_p(_("Agenda"), "heading")]
    for item in content["items"]:
        if item["agenda_item_id"] is None:
            title = _("The session as a whole")
        else:
            title = f"{item['position']}. {text_for_reader(item['title'], item['title_en'])}"
        flow.append(_p(title, "subheading"))
        for entry in item["entries"]:
            text = text_for_reader(entry["text"], entry["text_en"])
            flow.append(_p(text, "entry", bold=EntryKind(entry["kind"]).label + ":"))
            if entry["kind"] == EntryKind.COMMITMENT:
                detail = _("Responsible: %(who)s. Due: %(due)s.") % {"who": _responsible(entry), "due": entry["due_on"]}
                flow.append(_p(detail, "detail"))
        if not item["entries"]:
            flow.append(_p(_("Nothing was recorded on this item."), "entry"))
    remarks = text_for_reader(content["closing_remarks"], content["closing_remarks_en"])
    if remarks:
        flow += [_p(_("Closing remarks"), "heading"), _p(remarks)]
    return flow


_COMMITMENTS_TABLE = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
]


def _commitments(content: dict) -> list:
    rows = [
        [_p(_("Commitment"), "cell"), _p(_("Responsible"), "cell"), _p(_("Due"), "cell")],
        *(
            [
                _p(text_for_reader(entry["text"], entry["text_en"]), "cell"),
                _p(_responsible(entry), "cell"),
                _p(entry["due_on"], "cell"),
            ]
            for item in content["items"]
            for entry in item["entries"]
            if entry["kind"] == EntryKind.COMMITMENT
        ),
    ]
    if len(rows) == 1:
        return [_p(_("Commitments"), "heading"), _p(_("No commitments were agreed."))]
    # A long commitment may be taller than a page: its row is split across pages (splitInRow).
    table = Table(rows, colWidths=[95 * mm, 50 * mm, 25 * mm], repeatRows=1, style=_COMMITMENTS_TABLE, splitInRow=1)
    return [_p(_("Commitments"), "heading"), table]


def _signatures(chairs: list[dict]) -> Table:
    """A block per co-chair, two abreast, each under a line to sign on."""
    rows, style = [], [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), REGULAR)]
    for start in range(0, len(chairs), 2):
        pair = chairs[start : start + 2]
        blocks = [
            [
                _p(chair["name"], "subheading"),
                _p(chair["position"]),
                _p(_("Co-chair for %(country)s") % {"country": delegation_name(chair["delegation"])}),
            ]
            for chair in pair
        ]
        rows += [["", "", ""], [blocks[0], "", blocks[1] if len(blocks) > 1 else ""]]
        style += [
            ("LINEABOVE", (column, len(rows) - 1), (column, len(rows) - 1), 0.6, colors.black)
            for column in (0, 2)[: len(pair)]
        ]
    heights = [16 * mm if index % 2 == 0 else None for index in range(len(rows))]
    return Table(rows, colWidths=[75 * mm, 15 * mm, 75 * mm], rowHeights=heights, style=style, hAlign="LEFT")


def _approval(content: dict, number: int, approved_at: datetime) -> list:
    """The approval and the co-chairs' signatures, kept on one page."""
    when = format_in_zone(approved_at, content["session"]["timezone"])
    flow = [
        _p(_("Approval"), "heading"),
        _p(_("Version %(number)d, approved by both delegations on %(time)s.") % {"number": number, "time": when}),
    ]
    if content["co_chairs"]:
        flow.append(_signatures(content["co_chairs"]))
    return [KeepTogether(flow)]


class _RecordDocument(SimpleDocTemplate):
    def __init__(self, buffer: BytesIO, *, approved_at: datetime, footer: Callable[[int], str], **options) -> None:
        super().__init__(buffer, **options)
        self.approved_at = approved_at.astimezone(UTC)
        self.footer = footer

    def beforeDocument(self) -> None:
        # The document's creation date is the approval's, never the time of rendering.
        self.canv.setDateFormatter(lambda *_now: self.approved_at.strftime("D:%Y%m%d%H%M%SZ"))

    def afterPage(self) -> None:
        self.canv.saveState()
        self.canv.setFont(REGULAR, 8)
        self.canv.drawString(_MARGIN, 10 * mm, self.footer(self.page))
        self.canv.restoreState()


def record_pdf(*, version: RecordVersion, language: str) -> bytes:
    """The approved version as a PDF in `language` ("es" or "en"; ValueError for another)."""
    if language not in RECORD_LANGUAGES:
        raise ValueError(f"No record PDF in {language!r}: choose one of {', '.join(RECORD_LANGUAGES)}.")
    content = version.content
    with translation.override(language), _BUILDING:
        _glyphs()
        committee = text_for_reader(content["committee"]["name_es"], content["committee"]["name_en"])
        title = _("Record of session %(number)d (version %(version)d)") % {
            "number": content["session"]["number"],
            "version": version.number,
        }
        story = [
            *_heading(content, committee=committee, title=title),
            *_attendance(content),
            *_items(content),
            *_commitments(content),
            *_approval(content, version.number, version.approved_at),
        ]
        buffer = BytesIO()
        document = _RecordDocument(
            buffer,
            approved_at=version.approved_at,
            footer=lambda page: f"{committee} — {title} — " + _("page %(number)d") % {"number": page},
            pagesize=A4,
            leftMargin=_MARGIN,
            rightMargin=_MARGIN,
            topMargin=_MARGIN,
            bottomMargin=_MARGIN,
            initialFontName=REGULAR,
            invariant=1,
            pageCompression=1,
            title=f"{committee} — {title}",
            author=committee,
            subject=title,
            creator=_("Binational committee tracker"),
            lang=language,
        )
        document.build(story)
    return buffer.getvalue()
