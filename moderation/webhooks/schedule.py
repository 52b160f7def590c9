"""When to try a failed delivery again: the Standard Webhooks schedule, jitter, Retry-After.

Pure functions of plain numbers (and an injected random source), so the policy is
tested with tables and the worker only asks ``next_delay`` and stores the answer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Seconds to wait after the 1st, 2nd, ... failed attempt; the last delay repeats.
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
DEFAULT_JITTER = 0.1
# A receiver may ask us to wait, but not to park a message for longer than a day.
MAX_RETRY_AFTER = 24 * 3600.0


def parse_schedule(value: str) -> tuple[float, ...]:
    """``"5,300,1800"`` -> ``(5.0, 300.0, 1800.0)``; used by the WEBHOOK_RETRY_SCHEDULE setting."""
    delays = tuple(float(part) for part in value.split(",") if part.strip())
    if not delays or any(delay < 0 for delay in delays):
        raise ValueError("a retry schedule is a comma-separated list of seconds >= 0")
    return delays


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date), else None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def next_delay(failed_attempts: int, *, schedule: Sequence[float] = DEFAULT_SCHEDULE,
               max_attempts: int | None = None, jitter: float = DEFAULT_JITTER,
               retry_after: float | None = None,
               rng: random.Random | None = None) -> float | None:
    """Seconds until the next attempt after ``failed_attempts`` failures, or None to give up.

    The delay is the schedule's entry (the last one repeats), spread by +/- ``jitter``
    so endpoints that failed together do not all come back together; a ``Retry-After``
    longer than that is honoured, up to a day.
    """
    if failed_attempts < 1:
        raise ValueError("next_delay is asked after at least one failed attempt")
    if max_attempts is not None and failed_attempts >= max_attempts:
        return None
    base = schedule[min(failed_attempts, len(schedule)) - 1]
    delay = base * (1 + (rng or random).uniform(-jitter, jitter)) if jitter else float(base)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay
