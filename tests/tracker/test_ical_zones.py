from datetime import UTC, date, datetime, timedelta

from tracker.ical_zones import ZoneChange, ZoneState, vtimezone, zone_changes


def _lines(name: str, first: date, last: date) -> list[str]:
    return vtimezone(name, first=first, last=last).to_ical().decode().splitlines()


def test_santiago_rules_are_derived_from_its_changes():
    """April: the first Sunday on or after the 2nd, at 00:00 on the summer clock. September: the
    first Sunday on or after the 5th until 2022 (a week later than the 2nd that year), then on or
    after the 2nd again. DTSTART is on the clock being left; UNTIL is the last change, in UTC."""
    assert _lines("America/Santiago", date(2019, 1, 1), date(2036, 12, 31)) == [
        "BEGIN:VTIMEZONE",
        "TZID:America/Santiago",
        "BEGIN:DAYLIGHT",
        "DTSTART:20181231T210000",
        "TZNAME:-03",
        "TZOFFSETFROM:-0300",
        "TZOFFSETTO:-0300",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:20190407T000000",
        "RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=4",
        "TZNAME:-04",
        "TZOFFSETFROM:-0300",
        "TZOFFSETTO:-0400",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:20190908T000000",
        "RRULE:FREQ=YEARLY;UNTIL=20220911T040000Z;BYDAY=SU;BYMONTHDAY=5,6,7,8,9,10,",
        " 11;BYMONTH=9",
        "TZNAME:-03",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0300",
        "END:DAYLIGHT",
        "BEGIN:DAYLIGHT",
        "DTSTART:20230903T000000",
        "RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=9",
        "TZNAME:-03",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0300",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]


def test_lima_is_one_observance_from_its_offset_to_itself():
    assert _lines("America/Lima", date(2025, 1, 1), date(2026, 1, 1)) == [
        "BEGIN:VTIMEZONE",
        "TZID:America/Lima",
        "BEGIN:STANDARD",
        "DTSTART:20241231T190000",
        "TZNAME:-05",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0500",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_a_rule_that_ends_within_the_span_has_an_until_no_reader_reads_before_its_last_change():
    """Within these dates Madrid's October changes are both on the fourth Sunday; the 2021 one
    is on the fifth, after the span. UNTIL is 03:00 UTC, not 01:00 (the change): 01:00 read as a
    local time, as dateutil reads it, would drop the 2020 change."""
    assert _lines("Europe/Madrid", date(2019, 10, 25), date(2021, 10, 26)) == [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Madrid",
        "BEGIN:DAYLIGHT",
        "DTSTART:20191025T020000",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:20191027T030000",
        "RRULE:FREQ=YEARLY;UNTIL=20201025T030000Z;BYDAY=4SU;BYMONTH=10",
        "TZNAME:CET",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:20200329T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]


def test_changes_that_follow_no_rule_are_rdates_one_per_line():
    """Morocco's clock goes back for Ramadan, on dates no yearly rule gives."""
    assert _lines("Africa/Casablanca", date(2023, 1, 1), date(2024, 12, 31)) == [
        "BEGIN:VTIMEZONE",
        "TZID:Africa/Casablanca",
        "BEGIN:STANDARD",
        "DTSTART:20230101T010000",
        "TZNAME:+01",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "BEGIN:STANDARD",
        "DTSTART:20230319T030000",
        "RDATE:20230319T030000",
        "RDATE:20240310T030000",
        "TZNAME:+00",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "END:STANDARD",
        "BEGIN:STANDARD",
        "DTSTART:20230423T020000",
        "RDATE:20230423T020000",
        "RDATE:20240414T020000",
        "TZNAME:+01",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_zone_changes_are_found_to_the_second():
    cest = ZoneState(offset=timedelta(hours=2), dst=True, name="CEST")
    cet = ZoneState(offset=timedelta(hours=1), dst=False, name="CET")
    assert zone_changes(
        "Europe/Madrid", start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC)
    ) == (
        cet,
        (
            ZoneChange(at=datetime(2025, 3, 30, 1, tzinfo=UTC), before=cet, after=cest),
            ZoneChange(at=datetime(2025, 10, 26, 1, tzinfo=UTC), before=cest, after=cet),
        ),
    )
    lima = ZoneState(offset=timedelta(hours=-5), dst=False, name="-05")
    assert zone_changes(
        "America/Lima", start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2036, 1, 1, tzinfo=UTC)
    ) == (
        lima,
        (),
    )
