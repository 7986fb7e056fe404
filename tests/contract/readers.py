"""Independent iCalendar readers, each resolving an event's local times with the VTIMEZONE
embedded in the file (as a client that takes the rules literally does), never with its own
copy of the time-zone database.

Each reader answers {UID: (DTSTART, DTEND)} in seconds since the epoch."""

import json
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import vobject
from icalendar import Calendar

NODE_DIR = Path(__file__).parent / "node"

Instants = dict[str, tuple[int, int]]


def _seconds(value: datetime) -> int:
    return int(value.astimezone(UTC).timestamp())


def ical_js(*contents: bytes) -> list[Instants]:
    """ical.js (Mozilla's calendar parser), one answer per file, read in one run of node."""
    node = shutil.which("node")
    assert node, "node is needed for the calendar contract tests"
    assert (NODE_DIR / "node_modules" / "ical.js").is_dir(), f"run `npm ci` in {NODE_DIR}"
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, content in enumerate(contents):
            path = Path(folder) / f"{index}.ics"
            path.write_bytes(content)
            paths.append(str(path))
        done = subprocess.run(
            [node, str(NODE_DIR / "read_ics.mjs"), *paths], capture_output=True, check=False, timeout=120
        )
    assert done.returncode == 0, done.stderr.decode()
    return [{event["uid"]: (event["start"], event["end"]) for event in events} for events in json.loads(done.stdout)]


def python_icalendar(content: bytes) -> Instants:
    """The `icalendar` package, with each VTIMEZONE turned into a time zone of its own (its TZID
    not looked up), and each local time read on it."""
    calendar = Calendar.from_ical(content)
    zones = {str(vtimezone["TZID"]): vtimezone.to_tz(lookup_tzid=False) for vtimezone in calendar.walk("VTIMEZONE")}

    def instant(prop) -> int:
        tzid = prop.params.get("TZID")
        if tzid is None:
            assert prop.dt.tzinfo is not None, "a floating time"
            return _seconds(prop.dt)
        return _seconds(prop.dt.replace(tzinfo=None).replace(tzinfo=zones[tzid]))

    return {
        str(event["UID"]): (instant(event["DTSTART"]), instant(event["DTEND"])) for event in calendar.walk("VEVENT")
    }


def python_vobject(content: bytes) -> Instants:
    """The `vobject` package. It keeps one registry of zones for the whole process and fills it
    from its own database when a TZID is unknown, so each VTIMEZONE is read here on its own
    (vobject's reading, through dateutil) and the events' local times, read untransformed, are
    resolved with it."""
    text = content.decode()
    zones = {str(zone.tzid.value): zone.gettzinfo() for zone in vobject.readOne(text).contents.get("vtimezone", [])}

    def instant(prop) -> int:
        local = datetime.strptime(prop.value.removesuffix("Z"), "%Y%m%dT%H%M%S")  # noqa: DTZ007 - zone below
        if "TZID" not in prop.params:
            assert prop.value.endswith("Z"), "a floating time"
            return _seconds(local.replace(tzinfo=UTC))
        return _seconds(local.replace(tzinfo=zones[prop.params["TZID"][0]]))

    return {
        event.uid.value: (instant(event.dtstart), instant(event.dtend))
        for event in vobject.readOne(text, transform=False).vevent_list
    }
