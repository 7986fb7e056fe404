"""Finding times of day that are shown without their zone, in a page's visible text."""

import re

# A time of day as Django would write one (10:00, 10:00:05, 10 a.m., 10:30 p.m., midnight) that is not
# part of a UTC offset; each must be followed by its zone.
TIME_OF_DAY = re.compile(
    r"(?<![\d:+\-])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])|\b\d{1,2}(?::\d{2})?\s?[ap]\.\s?m\.|\b(?:midnight|noon|medianoche|mediodía)\b",
    re.IGNORECASE,
)
# "10:00 UTC-05:00", or an RFC 3339 offset as other packages' records write it ("10:00:05.12+00:00").
ZONE_AFTER = re.compile(r"\s?UTC[+\-]\d{2}:\d{2}|(?:\.\d+)?(?:[+\-]\d{2}:\d{2}|Z\b)")
# The admin's month calendar labels its compact capital clocks with the capital's name instead.
CAPITAL_BEFORE = re.compile(r"(?:Lima|Santiago) $")


def unzoned_times(text: str) -> tuple[int, list[str]]:
    """How many times of day `text` holds, and those neither followed by a UTC offset nor read on a
    named capital's clock (with some text around them)."""
    found = list(TIME_OF_DAY.finditer(text))
    bare = [
        text[max(0, m.start() - 30) : m.end() + 30]
        for m in found
        if not ZONE_AFTER.match(text, m.end()) and not CAPITAL_BEFORE.search(text, 0, m.start())
    ]
    return len(found), bare
