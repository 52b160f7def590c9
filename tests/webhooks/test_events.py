"""Which status change announces which event, and what a payload may carry."""

import json
from datetime import UTC, datetime

import pytest

from moderation.webhooks.events import (
    comment_data,
    envelope,
    event_for_transition,
    serialize,
)


@pytest.mark.parametrize("before, after, event", [
    (None, "pending", "comment.created"),
    ("pending", "published", "comment.published"),
    ("held", "published", "comment.published"),
    ("pending", "held", "comment.held"),
    ("pending", "rejected", "comment.rejected"),
    ("held", "rejected", "comment.rejected"),
    ("pending", "spam", "comment.spam"),
    ("published", "spam", "comment.spam"),
    ("rejected", "published", "comment.restored"),
    ("spam", "published", "comment.restored"),
    ("deleted", "published", "comment.restored"),
    ("published", "deleted", "comment.deleted"),
    ("published", "published", None),
    ("held", "pending", None),
])
def test_event_for_transition(before, after, event):
    assert event_for_transition(before, after) == event


WHEN = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
PRIVATE = {"author_email": "reader@example.com", "client_ip": "203.0.113.7",
           "author_email_hash": "ab" * 32, "user_agent": "Mozilla/5.0", "referrer": "https://x"}


@pytest.mark.parametrize("status", ["published", "held", "pending", "spam"])
def test_payload_never_carries_private_fields(status):
    public = {"author_name": "ليلى", "author_url": None, "body_html": "<p>مرحبا</p>",
              "language": "ar", "created_at": WHEN, **PRIVATE}
    body = serialize(envelope("comment.x", WHEN, comment_data(
        site="s", thread="t", comment_id=1, parent_id=None, status=status,
        previous_status="pending", reason_codes=["link"], public=public)))
    for value in PRIVATE.values():
        assert value not in body
    for name in PRIVATE:
        assert name not in body
    parsed = json.loads(body)
    assert ("comment" in parsed["data"]) is (status == "published")


def test_published_payload_shape():
    payload = envelope("comment.published", WHEN, comment_data(
        site="blog", thread="post-1", comment_id=7, parent_id=3, status="published",
        previous_status="pending", reason_codes=[],
        public={"author_name": "Ali", "author_url": "https://ali.example", "body_html": "<p>hi</p>",
                "language": "en", "created_at": WHEN}))
    assert json.loads(serialize(payload)) == {
        "type": "comment.published", "timestamp": "2026-11-24T21:30:00Z",
        "data": {"site": "blog", "thread": "post-1", "comment_id": 7, "parent_id": 3,
                 "status": "published", "previous_status": "pending", "reason_codes": [],
                 "comment": {"author_name": "Ali", "author_url": "https://ali.example",
                             "body_html": "<p>hi</p>", "language": "en",
                             "created_at": "2026-11-24T21:30:00Z"}}}
    assert "مرحبا" in serialize({"x": "مرحبا"})  # UTF-8, not \u escapes
