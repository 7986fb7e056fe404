"""What a record says, as one value: the text both delegations approve (its SHA-256 binds each
approval to it), the content of an approved version, and what changed between two versions."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch

from committees.choices import Role
from meetings.models import AgendaItem, Record, RecordEntry, RecordVersion, Session
from tracker.timezones import to_zone


def _entry(entry: RecordEntry) -> dict:
    return {
        "key": str(entry.key),
        "kind": entry.kind,
        "text": entry.text,
        "text_en": entry.text_en,
        "responsible": entry.responsible,
        "person": entry.person.full_name if entry.person else "",
        "person_id": entry.person_id,
        "due_on": entry.due_on.isoformat() if entry.due_on else None,
    }


def _item(item: AgendaItem | None, entries: list[RecordEntry]) -> dict:
    return {
        "agenda_item_id": item.pk if item else None,
        "position": item.position if item else None,
        "title": item.title if item else "",
        "title_en": item.title_en if item else "",
        "entries": [_entry(entry) for entry in entries],
    }


def co_chairs(session: Session) -> list[dict]:
    """The committee's co-chairs on the session's day, by delegation: the signature blocks."""
    day = to_zone(session.starts_at, session.timezone).date()
    seats = session.committee.memberships.filter(role=Role.CO_CHAIR).active_on(day)
    return [
        {"name": seat.person.full_name, "position": seat.person.position, "delegation": seat.delegation.code}
        for seat in seats.select_related("person").order_by("delegation", "person__full_name")
    ]


def record_content(record: Record) -> dict:
    """The record as it stands: the session, attendance, the agreed text per agenda item (items
    with nothing agreed included, in agenda order; rows on the session as a whole last) and the
    closing remarks, in both languages."""
    session = record.session
    entries = list(record.entries.select_related("person").order_by("position", "pk"))
    by_item: dict[int | None, list[RecordEntry]] = {}
    for entry in entries:
        by_item.setdefault(entry.agenda_item_id, []).append(entry)
    items = [_item(item, by_item.get(item.pk, [])) for item in session.agenda_items.order_by("position")]
    if by_item.get(None):
        items.append(_item(None, by_item[None]))
    attendance = record.attendance.select_related("person").order_by("delegation", "person__full_name")
    return {
        "committee": {
            "slug": session.committee.slug,
            "name_es": session.committee.name_es,
            "name_en": session.committee.name_en,
        },
        "session": {
            "id": session.pk,
            "number": session.number,
            "title": session.title,
            "title_en": session.title_en,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "timezone": session.timezone,
            "venue": session.venue,
            "host_country": session.host_country.code,
        },
        "attendance": [
            {
                "person_id": row.person_id,
                "name": row.person.full_name,
                "position": row.person.position,
                "capacity": row.capacity,
                "delegation": row.delegation.code,
                "present": row.present,
            }
            for row in attendance
        ],
        "items": items,
        "closing_remarks": record.closing_remarks,
        "closing_remarks_en": record.closing_remarks_en,
        "co_chairs": co_chairs(session),
    }


def content_digest(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def approved_version(session: Session) -> RecordVersion | None:
    """The latest approved version of the session's record, or None (with `record_prefetch`, no query)."""
    try:
        record = session.record
    except Record.DoesNotExist:
        return None
    versions = list(record.versions.all())
    return max(versions, key=lambda version: version.number) if versions else None


def record_prefetch(prefix: str = "") -> list:
    """What to add to a session queryset so that `approved_version` asks nothing more."""
    return [f"{prefix}record", Prefetch(f"{prefix}record__versions", queryset=RecordVersion.objects.order_by("number"))]


@dataclass(frozen=True)
class Difference:
    where: str
    old: str
    new: str


def _lines(content: dict) -> Iterator[tuple[str, str]]:
    for row in content["attendance"]:
        yield (
            f"attendance:{row['person_id']}",
            f"{row['delegation']} {row['name']} {row['capacity']} " + ("✓" if row["present"] else "✗"),
        )
    for item in content["items"]:
        for entry in item["entries"]:
            value = f"{entry['kind']}: {entry['text']} | {entry['text_en']}"
            if entry["kind"] == "commitment":
                value += f" [{entry['responsible']} {entry['person']} {entry['due_on']}]"
            yield f"item {item['position'] or '-'}:{entry['key']}", value
    yield "closing", f"{content['closing_remarks']} | {content['closing_remarks_en']}"


def content_differences(old: dict, new: dict) -> list[Difference]:
    """What changed from one version's content to another's, row by row (old "" = added)."""
    before, after = dict(_lines(old)), dict(_lines(new))
    keys = list(before) + [key for key in after if key not in before]
    return [
        Difference(where=key.split(":")[0], old=before.get(key, ""), new=after.get(key, ""))
        for key in keys
        if before.get(key) != after.get(key)
    ]
