"""Event types and payloads: plain data in, the exact JSON bytes to sign and send out.

Payloads are built from an explicit list of public fields, never from a whole row, so an
author's email, IP address, user agent or email hash cannot leak into a webhook.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

COMMENT_EVENTS = (
    "comment.created",    # accepted, status pending
    "comment.published",
    "comment.held",       # entered the moderation queue; reason codes say why
    "comment.rejected",
    "comment.spam",
    "comment.reported",
    "comment.restored",   # back to published after being rejected, marked spam or deleted
    "comment.deleted",
)
ENDPOINT_DISABLED = "endpoint.disabled"
TEST_EVENT = "webhook.test"
EVENT_TYPES = COMMENT_EVENTS + (ENDPOINT_DISABLED,)

# Fields of a published comment a webhook may carry: what the public thread page shows.
PUBLIC_COMMENT_FIELDS = ("author_name", "author_url", "body_html", "language", "created_at")

_BY_STATUS = {"held": "comment.held", "rejected": "comment.rejected", "spam": "comment.spam",
              "deleted": "comment.deleted"}
_REMOVED = {"rejected", "spam", "deleted"}


def event_for_transition(from_status: str | None, to_status: str) -> str | None:
    """The event a status change announces, or None if it announces nothing."""
    if from_status == to_status:
        return None
    if from_status is None:
        return "comment.created" if to_status == "pending" else _published_or(to_status, None)
    if to_status == "published":
        return "comment.restored" if from_status in _REMOVED else "comment.published"
    return _BY_STATUS.get(to_status)


def _published_or(to_status: str, default):
    return "comment.published" if to_status == "published" else _BY_STATUS.get(to_status, default)


def comment_data(*, site: str, thread: str, comment_id: int, parent_id: int | None, status: str,
                 previous_status: str | None, reason_codes: Sequence[str],
                 public: Mapping[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "site": site, "thread": thread, "comment_id": comment_id, "parent_id": parent_id,
        "status": status, "previous_status": previous_status,
        "reason_codes": list(reason_codes),
    }
    if status == "published" and public is not None:
        data["comment"] = {name: _plain(public.get(name)) for name in PUBLIC_COMMENT_FIELDS}
    return data


def envelope(event_type: str, timestamp: datetime, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": _plain(timestamp), "data": dict(data)}


def serialize(payload: Mapping[str, Any]) -> str:
    """Compact JSON; what is stored is what is signed and sent, byte for byte."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _plain(value):
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
