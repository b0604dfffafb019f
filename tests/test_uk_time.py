"""Times are shown as UK local time (GMT in winter, BST in summer), whatever the server's zone,
in the GOV.UK style ("5pm on 2 December 2026")."""

from __future__ import annotations

from datetime import UTC, datetime

from daservice.uk_time import uk_clock, uk_date, uk_datetime, uk_relative


def test_winter_times_are_gmt_and_summer_times_bst():
    assert uk_datetime(datetime(2026, 1, 14, 9, 5, tzinfo=UTC)) == "9:05am on 14 January 2026"
    assert uk_datetime(datetime(2026, 6, 14, 12, 30, tzinfo=UTC)) == "1:30pm on 14 June 2026"


def test_a_late_evening_in_summer_is_already_the_next_day_in_the_uk():
    assert uk_date(datetime(2026, 6, 14, 23, 30, tzinfo=UTC)) == "15 June 2026"
    assert uk_datetime(datetime(2026, 6, 14, 23, 30, tzinfo=UTC)) == "12:30am on 15 June 2026"


def test_on_the_hour_has_no_minutes_and_midnight_and_midday_are_words():
    assert uk_datetime(datetime(2026, 12, 2, 17, 0, tzinfo=UTC)) == "5pm on 2 December 2026"
    assert uk_clock(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "midnight"
    assert uk_clock(datetime(2026, 1, 1, 12, 0, tzinfo=UTC)) == "midday"
    assert uk_clock(datetime(2026, 1, 1, 12, 1, tzinfo=UTC)) == "12:01pm"


def test_nothing_recorded_reads_as_the_callers_word_for_it():
    assert uk_datetime(None, "Never") == "Never" and uk_date(None) == ""


def test_nearby_days_are_said_relative_to_the_uk_day():
    now = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)  # already 15 June in London
    assert uk_relative(datetime(2026, 6, 15, 16, 0, tzinfo=UTC), now) == "5pm today"
    assert uk_relative(datetime(2026, 6, 14, 7, 34, tzinfo=UTC), now) == "8:34am yesterday"
    assert uk_relative(datetime(2026, 6, 16, 11, 0, tzinfo=UTC), now) == "midday tomorrow"
    assert uk_relative(datetime(2026, 6, 20, 8, 0, tzinfo=UTC), now) == "9am on 20 June 2026"
