"""The verdict on one attempt, as a table."""

from datetime import UTC, datetime, timedelta

import pytest

from moderation.webhooks.policy import RetryPolicy, judge

NOW = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
POLICY = RetryPolicy(jitter=0, max_attempts=12, disable_after=5 * 86400)
DAY = timedelta(days=1)


@pytest.mark.parametrize("code, attempts, failing_since, retry_after, expected", [
    (200, 1, None, None, ("delivered", None, None, None)),
    (204, 5, NOW - DAY, None, ("delivered", None, None, None)),
    (299, 1, None, None, ("delivered", None, None, None)),
    (500, 1, None, None, ("pending", 5, NOW, None)),
    (None, 2, NOW - DAY, None, ("pending", 300, NOW - DAY, None)),     # timeout / refused
    (302, 1, None, None, ("pending", 5, NOW, None)),                   # a redirect is a failure
    (404, 3, None, None, ("pending", 1800, NOW, None)),
    (429, 1, None, "60", ("pending", 60, NOW, None)),                  # Retry-After honoured
    (503, 1, None, "Tue, 24 Nov 2026 22:00:00 GMT", ("pending", 3600, NOW, None)),
    (500, 12, None, None, ("failed", None, NOW, None)),                # attempts exhausted
    (410, 1, None, None, ("failed", None, NOW, "gone")),
    (410, 1, NOW - DAY, None, ("failed", None, NOW - DAY, "gone")),
    (500, 3, NOW - 5 * DAY, None, ("failed", None, NOW - 5 * DAY, "failing")),
    (500, 3, NOW - 4 * DAY, None, ("pending", 1800, NOW - 4 * DAY, None)),
])
def test_verdict(code, attempts, failing_since, retry_after, expected):
    verdict = judge(status_code=code, retry_after=retry_after, attempts=attempts,
                    failing_since=failing_since, now=NOW, policy=POLICY)
    status, delay, since, disable = expected
    assert verdict.message_status == status
    assert verdict.retry_at == (NOW + timedelta(seconds=delay) if delay is not None else None)
    assert verdict.failing_since == since
    assert verdict.disable == disable


def test_permanent_failure_is_not_retried():
    verdict = judge(status_code=None, retry_after=None, attempts=1, failing_since=None, now=NOW,
                    policy=POLICY, permanent=True)
    assert verdict.message_status == "failed" and verdict.disable is None


def test_unlimited_attempts():
    verdict = judge(status_code=500, retry_after=None, attempts=500, failing_since=NOW, now=NOW,
                    policy=RetryPolicy(jitter=0, max_attempts=None))
    assert verdict.retry_at == NOW + timedelta(hours=10)
