"""Sessions with their agendas, as tables for people who work in spreadsheets.

Two shapes, one set of values:
- CSV, for programs as much as for people: one row a session, the agenda as a multi-line column
  (in Spanish and in English), headers that are stable English keys whatever the reader's
  language, and the status both as its code and as its label in the reader's language.
- XLSX, for people: a "Sessions" sheet and an "Agenda items" sheet (one row an item), headers and
  the status in the reader's language, numbers as numbers, and the start and end as date cells
  on the venue's clock, next to the venue's zone and to the exact instant as RFC 3339 text.

Every time that is text carries its zone; the files are written by tracker.spreadsheets, which
keeps every text inert in a spreadsheet."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from tablib import Dataset

from meetings.models import AgendaItem, Session
from meetings.records.content import approved_version, record_prefetch
from tracker.timezones import capital_clocks, format_in_zone, to_wall_clock, to_zone


@dataclass(frozen=True)
class Column:
    """One column: its header (a CSV key, or a translated header a person reads) and its value."""

    header: str | Promise
    value: Callable[[Any], object]


def sessions_for_export(*, sessions: QuerySet[Session]) -> QuerySet[Session]:
    """`sessions` (already limited to what the reader may see) in time order, with what the
    export reads fetched in three queries whatever their number."""
    return (
        sessions.select_related("committee")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("presenter").order_by("position")),
            *record_prefetch(),
        )
        .order_by("starts_at", "pk")
    )


def agreed_on_item(item: AgendaItem, *, english: bool, fallback: bool = True) -> str:
    """What the approved record says on the item, one row after another ("" before approval).
    English falls back to the Spanish text of a row with none in English, unless not `fallback`
    (a sheet's column of the English text as written)."""
    version = approved_version(item.session)
    if version is None:
        return ""
    for shown in version.content["items"]:
        if shown["agenda_item_id"] == item.pk:
            texts = [
                (entry["text_en"] or (entry["text"] if fallback else "")) if english else entry["text"]
                for entry in shown["entries"]
            ]
            return " ".join(text for text in texts if text)
    return ""


def _agenda_lines(session: Session, *, english: bool) -> str:
    """One line an item: "1. Title — presenter (20 min): agreed". The English lines fall back to
    the Spanish text where an item has none in English, as the tracker shows it to English readers;
    what was agreed comes from the approved record only."""
    lines = []
    for item in session.agenda_items.all():
        title = (item.title_en or item.title) if english else item.title
        agreed = agreed_on_item(item, english=english)
        line = f"{item.position}. {title}"
        if item.presenter:
            line += f" — {item.presenter.full_name}"
        line += " " + _("(%(minutes)d min)") % {"minutes": item.duration_minutes}
        if agreed:
            line += f": {agreed}"
        lines.append(line)
    return "\n".join(lines)


def _capitals(session: Session) -> str:
    return "; ".join(clock.line for clock in capital_clocks(session.starts_at))


# Aware datetimes on the venue's clock: written as RFC 3339 text, offset included.
def _starts_instant(session: Session):
    return to_zone(session.starts_at, session.timezone)


def _ends_instant(session: Session):
    return to_zone(session.ends_at, session.timezone)


# The CSV: the columns of earlier exports keep their names and meaning; new ones are added.
SESSION_CSV_COLUMNS = (
    Column("committee", lambda s: s.committee.slug),
    Column("number", lambda s: s.number),
    Column("title", lambda s: s.title),
    Column("title_en", lambda s: s.title_en),
    Column("status", lambda s: s.status),
    Column("status_label", lambda s: s.get_status_display()),
    Column("starts (venue)", lambda s: format_in_zone(s.starts_at, s.timezone)),
    Column("ends (venue)", lambda s: format_in_zone(s.ends_at, s.timezone)),
    Column("starts (capitals)", _capitals),
    Column("timezone", lambda s: s.timezone),
    Column("starts_at", _starts_instant),
    Column("ends_at", _ends_instant),
    Column("venue", lambda s: s.venue),
    Column("host_country", lambda s: s.host_country.code),
    Column("description", lambda s: s.description),
    Column("description_en", lambda s: s.description_en),
    Column("agenda", lambda s: _agenda_lines(s, english=False)),
    Column("agenda_en", lambda s: _agenda_lines(s, english=True)),
    Column("uid", lambda s: s.uid),
)

SESSION_SHEET_COLUMNS = (
    Column(pgettext_lazy("export column", "Committee"), lambda s: s.committee.slug),
    Column(pgettext_lazy("export column", "Number"), lambda s: s.number),
    Column(pgettext_lazy("export column", "Title (Spanish)"), lambda s: s.title),
    Column(pgettext_lazy("export column", "Title (English)"), lambda s: s.title_en),
    Column(pgettext_lazy("export column", "Status"), lambda s: s.get_status_display()),
    # A cell holds no zone: the wall-clock time, with the zone it is read on in the next column.
    Column(pgettext_lazy("export column", "Starts (venue clock)"), lambda s: to_wall_clock(s.starts_at, s.timezone)),
    Column(pgettext_lazy("export column", "Ends (venue clock)"), lambda s: to_wall_clock(s.ends_at, s.timezone)),
    Column(pgettext_lazy("export column", "Venue time zone"), lambda s: s.timezone),
    Column(pgettext_lazy("export column", "Starts (RFC 3339, with UTC offset)"), _starts_instant),
    Column(pgettext_lazy("export column", "Ends (RFC 3339, with UTC offset)"), _ends_instant),
    Column(pgettext_lazy("export column", "Starts (capitals)"), _capitals),
    Column(pgettext_lazy("export column", "Venue"), lambda s: s.venue),
    Column(pgettext_lazy("export column", "Host country"), lambda s: s.host_country.name),
    Column(pgettext_lazy("export column", "Description (Spanish)"), lambda s: s.description),
    Column(pgettext_lazy("export column", "Description (English)"), lambda s: s.description_en),
    Column(pgettext_lazy("export column", "Calendar UID"), lambda s: s.uid),
)

AGENDA_SHEET_COLUMNS = (
    # Session numbers restart in each committee: the two together name the session.
    Column(pgettext_lazy("export column", "Committee"), lambda i: i.session.committee.slug),
    Column(pgettext_lazy("export column", "Session number"), lambda i: i.session.number),
    Column(pgettext_lazy("export column", "Position"), lambda i: i.position),
    Column(pgettext_lazy("export column", "Title (Spanish)"), lambda i: i.title),
    Column(pgettext_lazy("export column", "Title (English)"), lambda i: i.title_en),
    Column(pgettext_lazy("export column", "Description (Spanish)"), lambda i: i.description),
    Column(pgettext_lazy("export column", "Description (English)"), lambda i: i.description_en),
    Column(pgettext_lazy("export column", "Presenter"), lambda i: i.presenter.full_name if i.presenter else None),
    Column(pgettext_lazy("export column", "Duration (minutes)"), lambda i: i.duration_minutes),
    Column(pgettext_lazy("export column", "Agreed (Spanish)"), lambda i: agreed_on_item(i, english=False) or None),
    Column(
        pgettext_lazy("export column", "Agreed (English)"),
        lambda i: agreed_on_item(i, english=True, fallback=False) or None,
    ),
)


def _table(*, title: str | Promise, columns: Iterable[Column], rows: Iterable[Any]) -> Dataset:
    columns = tuple(columns)
    table = Dataset(title=str(title), headers=[str(column.header) for column in columns])
    for row in rows:
        table.append([column.value(row) for column in columns])
    return table


def sessions_csv_table(*, sessions: Iterable[Session]) -> Dataset:
    """One row a session, under stable English keys; the status label in the active language."""
    return _table(title="sessions", columns=SESSION_CSV_COLUMNS, rows=sessions)


def sessions_workbook_tables(*, sessions: Iterable[Session]) -> list[Dataset]:
    """The "Sessions" and "Agenda items" sheets, headers and labels in the active language."""
    sessions = list(sessions)
    items = [item for session in sessions for item in session.agenda_items.all()]
    return [
        _table(title=pgettext_lazy("export sheet", "Sessions"), columns=SESSION_SHEET_COLUMNS, rows=sessions),
        _table(title=pgettext_lazy("export sheet", "Agenda items"), columns=AGENDA_SHEET_COLUMNS, rows=items),
    ]
