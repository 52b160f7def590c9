"""What an attempt's result means: delivered, retry later, give up, disable the endpoint.

A pure function of the outcome and the endpoint's failure history, so every rule of the
issue (2xx only is success, 410 disables, Retry-After, continuous failure disables) is
tested as a table, and the worker only stores the answer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .schedule import DEFAULT_SCHEDULE, next_delay, parse_retry_after, parse_schedule


@dataclass(frozen=True)
class RetryPolicy:
    schedule: Sequence[float] = DEFAULT_SCHEDULE
    jitter: float = 0.1
    max_attempts: int | None = 12
    disable_after: float = 5 * 86400.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetryPolicy:
        schedule = config["WEBHOOK_RETRY_SCHEDULE"]
        if isinstance(schedule, str):
            schedule = parse_schedule(schedule)
        return cls(schedule=tuple(float(delay) for delay in schedule),
                   jitter=config["WEBHOOK_RETRY_JITTER"],
                   max_attempts=config["WEBHOOK_MAX_ATTEMPTS"] or None,
                   disable_after=config["WEBHOOK_DISABLE_AFTER"])


@dataclass(frozen=True)
class Verdict:
    message_status: str                 # delivered | pending | failed
    retry_at: datetime | None           # when pending
    failing_since: datetime | None      # the endpoint's new value
    disable: str | None = None          # gone | failing


def judge(*, status_code: int | None, retry_after: str | None, attempts: int,
          failing_since: datetime | None, now: datetime, policy: RetryPolicy,
          permanent: bool = False, rng: random.Random | None = None) -> Verdict:
    """The verdict on attempt number ``attempts`` (1-based) of a message.

    ``status_code`` is None for a timeout, connection error or refused target;
    ``permanent`` marks a failure no retry can fix (e.g. a URL that breaks the rules).
    """
    if status_code is not None and 200 <= status_code < 300:
        return Verdict("delivered", None, None)
    since = failing_since or now
    if status_code == 410:  # the receiver says it wants nothing more from us
        return Verdict("failed", None, since, disable="gone")
    if now - since >= timedelta(seconds=policy.disable_after):
        return Verdict("failed", None, since, disable="failing")
    if permanent:
        return Verdict("failed", None, since)
    delay = next_delay(attempts, schedule=policy.schedule, max_attempts=policy.max_attempts,
                       jitter=policy.jitter, retry_after=parse_retry_after(retry_after, now),
                       rng=rng)
    if delay is None:
        return Verdict("failed", None, since)
    return Verdict("pending", now + timedelta(seconds=delay), since)
