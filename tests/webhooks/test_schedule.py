"""The retry policy, as tables of plain numbers."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from moderation.webhooks.schedule import (
    DEFAULT_SCHEDULE,
    MAX_RETRY_AFTER,
    next_delay,
    parse_retry_after,
    parse_schedule,
)

NOW = datetime(2026, 11, 24, 21, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("failures, expected", [
    (1, 5), (2, 300), (3, 1800), (4, 7200), (5, 18000), (6, 36000), (7, 36000), (30, 36000),
])
def test_spec_schedule_without_jitter(failures, expected):
    assert next_delay(failures, jitter=0) == expected


@pytest.mark.parametrize("failures", range(1, 10))
def test_jitter_stays_within_bounds_and_varies(failures):
    rng = random.Random(failures)
    base = DEFAULT_SCHEDULE[min(failures, len(DEFAULT_SCHEDULE)) - 1]
    delays = {next_delay(failures, jitter=0.1, rng=rng) for _ in range(50)}
    assert all(base * 0.9 <= d <= base * 1.1 for d in delays)
    assert len(delays) > 1


@pytest.mark.parametrize("failures, max_attempts, gives_up", [
    (1, 3, False), (2, 3, False), (3, 3, True), (9, 3, True), (100, None, False),
])
def test_max_attempts(failures, max_attempts, gives_up):
    assert (next_delay(failures, max_attempts=max_attempts) is None) is gives_up


@pytest.mark.parametrize("failures, retry_after, expected", [
    (1, 120, 120),          # longer than 5 s: wait as asked
    (3, 60, 1800),          # shorter than the schedule: the schedule wins
    (1, 10 * 86400, MAX_RETRY_AFTER),  # capped at a day
    (1, None, 5),
])
def test_retry_after_is_honoured(failures, retry_after, expected):
    assert next_delay(failures, jitter=0, retry_after=retry_after) == expected


def test_custom_schedule_for_tests():
    schedule = parse_schedule("0.2, 0.5")
    assert [next_delay(n, schedule=schedule, jitter=0) for n in (1, 2, 3)] == [0.2, 0.5, 0.5]


@pytest.mark.parametrize("value", ["", "a,b", "-1", " , "])
def test_bad_schedule_setting(value):
    with pytest.raises(ValueError):
        parse_schedule(value)


@pytest.mark.parametrize("header, expected", [
    ("120", 120.0),
    ("0", 0.0),
    (" 30 ", 30.0),
    ((NOW + timedelta(minutes=10)).strftime("%a, %d %b %Y %H:%M:%S GMT"), 600.0),
    ("Tue, 24 Nov 2026 21:00:30 GMT", 30.0),
    ("Tue, 24 Nov 2026 20:00:00 GMT", 0.0),   # in the past: retry now
    ("-5", None),
    ("soon", None),
    ("", None),
    (None, None),
])
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header, NOW) == expected


def test_zero_failures_is_a_programming_error():
    with pytest.raises(ValueError):
        next_delay(0)
