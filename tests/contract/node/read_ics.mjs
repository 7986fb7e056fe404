// Reads iCalendar files as a client that takes the embedded VTIMEZONE rules literally (it never
// looks a TZID up) and prints, as JSON, one list per file of each VEVENT's UID and its DTSTART
// and DTEND in seconds since the epoch.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function instant(event, name) {
  const property = event.getFirstProperty(name);
  const tzid = property.getParameter("tzid");
  const time = property.getFirstValue();
  if (tzid && time.zone.tzid !== tzid) {
    throw new Error(`${name} names ${tzid}, which the calendar does not define`);
  }
  if (!tzid && time.zone !== ICAL.Timezone.utcTimezone) {
    throw new Error(`${name} is a floating time`);
  }
  return time.toUnixTime();
}

function events(path) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  // Each file's zones replace the previous file's: nothing is known but what the file says.
  ICAL.TimezoneService.reset();
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtimezone);
  }
  return calendar.getAllSubcomponents("vevent").map((event) => ({
    uid: event.getFirstPropertyValue("uid"),
    start: instant(event, "dtstart"),
    end: instant(event, "dtend"),
  }));
}

process.stdout.write(JSON.stringify(process.argv.slice(2).map(events)));
