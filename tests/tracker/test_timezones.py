from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.timezones import (
    Clock,
    LocalTimeError,
    LocalTimeProblem,
    capital_clocks,
    ensure_aware,
    format_in_zone,
    local_time_problem,
    make_aware_strict,
    to_utc,
    to_wall_clock,
    to_zone,
    utc_offset_label,
    zone,
)

LIMA = zone("America/Lima")
SANTIAGO = zone("America/Santiago")
ZONES = st.sampled_from([LIMA, SANTIAGO])
WALL_CLOCK = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31, 23, 59)).map(
    lambda value: value.replace(second=0, microsecond=0)
)
INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31, 23, 59), timezones=st.just(UTC)
)


def test_first_session_on_both_capitals_clocks():
    start = datetime(2025, 12, 1, 13, 0, tzinfo=UTC)
    assert capital_clocks(start) == [
        Clock(label="Lima", local=datetime(2025, 12, 1, 8, 0, tzinfo=LIMA)),
        Clock(label="Santiago", local=datetime(2025, 12, 1, 10, 0, tzinfo=SANTIAGO)),
    ]
    assert [str(clock) for clock in capital_clocks(start)] == [
        "Lima 2025-12-01 08:00 UTC-05:00",
        "Santiago 2025-12-01 10:00 UTC-03:00",
    ]


def test_a_clock_reads_with_its_zone_named_and_makes_one_line():
    lima, santiago = capital_clocks(datetime(2025, 12, 1, 13, 0, tzinfo=UTC))
    assert [(clock.reading, clock.line) for clock in (lima, santiago)] == [
        ("2025-12-01 08:00 UTC-05:00 (America/Lima)", "Lima: 2025-12-01 08:00 UTC-05:00 (America/Lima)"),
        ("2025-12-01 10:00 UTC-03:00 (America/Santiago)", "Santiago: 2025-12-01 10:00 UTC-03:00 (America/Santiago)"),
    ]


def test_format_in_zone_names_offset_and_zone():
    assert format_in_zone(datetime(2026, 6, 1, 14, 0, tzinfo=UTC), "America/Santiago") == (
        "2026-06-01 10:00 UTC-04:00 (America/Santiago)"
    )
    assert format_in_zone(datetime(2026, 6, 1, 14, 0, tzinfo=UTC), "Asia/Kolkata") == (
        "2026-06-01 19:30 UTC+05:30 (Asia/Kolkata)"
    )


def test_utc_offset_label_of_utc():
    assert utc_offset_label(datetime(2026, 1, 1, tzinfo=UTC)) == "UTC+00:00"


def test_naive_instant_is_refused():
    with pytest.raises(ValueError, match="has no time zone"):
        ensure_aware(datetime(2025, 12, 1, 10, 0))
    with pytest.raises(ValueError, match="has no time zone"):
        to_utc(datetime(2025, 12, 1, 10, 0))


def test_santiago_spring_gap_is_nonexistent():
    # 2025-09-07: Santiago's clocks jump from 00:00 to 01:00.
    assert local_time_problem(datetime(2025, 9, 7, 0, 30), SANTIAGO) is LocalTimeProblem.NONEXISTENT
    assert local_time_problem(datetime(2025, 9, 6, 23, 59), SANTIAGO) is None
    assert local_time_problem(datetime(2025, 9, 7, 1, 0), SANTIAGO) is None


def test_santiago_autumn_overlap_is_ambiguous():
    # 2025-04-06 00:00 -03 the clocks go back to 2025-04-05 23:00 -04.
    assert local_time_problem(datetime(2025, 4, 5, 23, 30), SANTIAGO) is LocalTimeProblem.AMBIGUOUS
    assert local_time_problem(datetime(2025, 4, 5, 22, 59), SANTIAGO) is None
    assert local_time_problem(datetime(2025, 4, 6, 0, 0), SANTIAGO) is None


def test_make_aware_strict_messages():
    with pytest.raises(LocalTimeError) as gap:
        make_aware_strict(datetime(2025, 9, 7, 0, 30), "America/Santiago")
    assert gap.value.problem is LocalTimeProblem.NONEXISTENT
    assert str(gap.value) == (
        "2025-09-07 00:30 does not exist in America/Santiago: the clocks skip that hour for daylight "
        "saving time. Choose a time outside the gap."
    )
    with pytest.raises(LocalTimeError) as twice:
        make_aware_strict(datetime(2025, 4, 5, 23, 30), SANTIAGO)
    assert str(twice.value) == (
        "2025-04-05 23:30 happens twice in America/Santiago: the clocks repeat that hour when daylight "
        "saving time ends. Choose a time outside the repeated hour."
    )


def test_local_time_problem_refuses_aware_input():
    with pytest.raises(ValueError, match="naive"):
        local_time_problem(datetime(2025, 1, 1, tzinfo=UTC), LIMA)


def test_wall_clock_round_trip():
    instant = datetime(2026, 9, 6, 4, 0, tzinfo=UTC)  # the first instant of Santiago's 2026 summer time
    assert to_wall_clock(instant, "America/Santiago") == datetime(2026, 9, 6, 1, 0)
    assert to_zone(instant, LIMA) == datetime(2026, 9, 5, 23, 0, tzinfo=LIMA)


def _santiago_clock_changes() -> list[datetime]:
    """The wall-clock times at which Santiago's clocks changed or will change, 2020–2035."""
    changes, instant = [], datetime(2020, 1, 1, tzinfo=UTC)
    while instant.year < 2036:
        following = instant + timedelta(hours=1)
        if instant.astimezone(SANTIAGO).utcoffset() != following.astimezone(SANTIAGO).utcoffset():
            changes.append(following.astimezone(SANTIAGO).replace(tzinfo=None))
        instant = following
    return changes


# Uniform times almost never land in the skipped or repeated hour; these are within two hours of one.
NEAR_CLOCK_CHANGES = st.tuples(st.sampled_from(_santiago_clock_changes()), st.integers(-180, 180)).map(
    lambda pair: pair[0] + timedelta(minutes=pair[1])
)


@settings(max_examples=400, deadline=None)
@given(local=WALL_CLOCK, tz=ZONES)
def test_every_wall_clock_time_is_one_instant_or_refused(local, tz):
    _check_wall_clock(local, tz)


@settings(max_examples=600, deadline=None)
@given(local=NEAR_CLOCK_CHANGES)
def test_wall_clock_times_around_santiago_clock_changes(local):
    _check_wall_clock(local, SANTIAGO)
    _check_wall_clock(local, LIMA)


def test_clock_changes_found_and_both_kinds_sampled():
    changes = _santiago_clock_changes()
    assert len(changes) == 32  # two a year, 2020–2035
    found = {
        local_time_problem(change + timedelta(minutes=minutes), SANTIAGO) for change in changes for minutes in (-30, 30)
    }
    assert found == {LocalTimeProblem.NONEXISTENT, LocalTimeProblem.AMBIGUOUS, None}


def _check_wall_clock(local: datetime, tz) -> None:
    problem = local_time_problem(local, tz)
    earlier = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    later = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if problem is None:
        instant = make_aware_strict(local, tz)
        assert to_wall_clock(instant, tz) == local
        assert earlier == later
    elif problem is LocalTimeProblem.AMBIGUOUS:
        assert tz is SANTIAGO
        assert later - earlier == timedelta(hours=1)
        assert to_wall_clock(earlier, tz) == to_wall_clock(later, tz) == local
        with pytest.raises(LocalTimeError):
            make_aware_strict(local, tz)
    else:
        assert tz is SANTIAGO
        # No instant shows this wall time: both readings land on another time.
        assert to_wall_clock(earlier, tz) != local
        assert to_wall_clock(later, tz) != local
        with pytest.raises(LocalTimeError):
            make_aware_strict(local, tz)


@settings(max_examples=400, deadline=None)
@given(instant=INSTANTS)
def test_every_instant_reads_on_both_capitals_clocks(instant):
    lima, santiago = capital_clocks(instant)
    assert lima.local.utcoffset() == timedelta(hours=-5)
    assert santiago.local.utcoffset() in {timedelta(hours=-4), timedelta(hours=-3)}
    assert santiago.local.replace(tzinfo=None) - lima.local.replace(tzinfo=None) in {
        timedelta(hours=1),
        timedelta(hours=2),
    }
    for clock in (lima, santiago):
        assert to_utc(clock.local) == instant
        # The wall time an instant shows is never a skipped one, and reads back to the same instant
        # unless it is one of the repeated hour's two instants.
        problem = local_time_problem(clock.local.replace(tzinfo=None), clock.local.tzinfo)
        assert problem is not LocalTimeProblem.NONEXISTENT
        if problem is None:
            assert make_aware_strict(clock.local.replace(tzinfo=None), clock.local.tzinfo) == instant


def test_santiago_changes_clocks_twice_a_year_and_lima_never():
    for year in range(2020, 2036):
        hour = datetime(year, 1, 1)
        problems = {LocalTimeProblem.NONEXISTENT: 0, LocalTimeProblem.AMBIGUOUS: 0}
        lima_problems = 0
        while hour.year == year:
            if (found := local_time_problem(hour, SANTIAGO)) is not None:
                problems[found] += 1
            lima_problems += local_time_problem(hour, LIMA) is not None
            hour += timedelta(hours=1)
        assert problems == {LocalTimeProblem.NONEXISTENT: 1, LocalTimeProblem.AMBIGUOUS: 1}, year
        assert lima_problems == 0
