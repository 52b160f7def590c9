"""The signed form token behind ``CommentFacts.form_age_seconds``.

The page that renders a comment form embeds ``issue_form_token(secret, now)``; when the comment
is posted the web layer calls ``form_age_seconds(token, secret, now)`` and passes the result to
the worker. A bot that posts without loading the form has no valid token (None: the check does
not apply, the API may be used directly), and one that posts within ``min_form_seconds`` of
loading it is caught by ``bot.too_fast``. Pure functions: the caller supplies the clock and the
secret (the app's ``SECRET_KEY``).
"""

from __future__ import annotations

import hashlib
import hmac
import math

MAX_AGE_SECONDS = 24 * 3600
# Web processes on different machines issue and check tokens: tolerate this much clock skew.
MAX_SKEW_SECONDS = 5.0


def _signature(secret: str, issued: str) -> str:
    return hmac.new(secret.encode(), f"form:{issued}".encode(), hashlib.sha256).hexdigest()[:32]


def issue_form_token(secret: str, now: float) -> str:
    issued = f"{math.floor(now * 1000) / 1000:.3f}"  # never in the future of ``now``
    return f"{issued}.{_signature(secret, issued)}"


def form_age_seconds(token: str | None, secret: str, now: float,
                     max_age: float = MAX_AGE_SECONDS) -> float | None:
    """Seconds since the token was issued, or None if it is missing, forged or too old."""
    if not token or token.count(".") != 2:
        return None
    issued, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature, _signature(secret, issued)):
        return None
    try:
        age = now - float(issued)
    except ValueError:
        return None
    if -MAX_SKEW_SECONDS <= age < 0:
        age = 0.0
    return age if 0 <= age <= max_age else None
