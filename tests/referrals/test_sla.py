"""SLA clocks in working days, skipping weekends and England and Wales bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from daservice.referrals.sla import add_working_days, due_at, is_working_day, working_days_for


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(date(2026, 11, 24))  # a Tuesday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day (substitute)
    assert not is_working_day(date(2027, 3, 26))  # Good Friday, from the maintained list


@pytest.mark.parametrize(
    "start,days,expected",
    [
        (date(2026, 11, 24), 1, date(2026, 11, 25)),  # Tue -> Wed
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Fri -> Mon
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Sat -> Mon
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas Eve -> Tue after Christmas
        (date(2026, 11, 24), 5, date(2026, 12, 1)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_due_at_is_end_of_the_working_day_in_london():
    due = due_at(datetime(2026, 7, 3, 9, 0, tzinfo=UTC), 1)  # Friday in summer time
    assert due == datetime(2026, 7, 6, 16, 0, tzinfo=UTC)  # Monday 17:00 BST


def test_levels_and_configuration():
    assert [working_days_for(level) for level in ("high", "medium", "standard")] == [1, 3, 5]
    assert working_days_for("high", {"high": 2}) == 2
