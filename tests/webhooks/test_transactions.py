"""Webhook rows belong to the transaction of the change that causes them."""

import json

from sqlalchemy import select

from moderation.comments.models import Comment
from moderation.comments.accept import NewComment, accept_comment
from moderation.comments.services import record_transition
from moderation.queue import _PENDING
from moderation.sites.services import get_site
from moderation.webhooks import services
from moderation.webhooks.models import WebhookMessage


def _types(db):
    return [m.event_type for m in db.session.scalars(
        select(WebhookMessage).order_by(WebhookMessage.id))]


def _accepted_with_an_endpoint(wh_db, site, receiver):
    """A comment accepted on ``site``, which has one webhook endpoint."""
    site_row, _ = site
    services.create_endpoint(site_row.id, url=receiver.url())
    wh_db.session.commit()
    return accept_comment(get_site("news"), NewComment(
        "t1", None, None, None, "Ali", "ali@example.com", None, "hello"))


def test_rolled_back_change_leaves_no_message_and_sends_no_task(wh_db, site, receiver):
    accepted = _accepted_with_an_endpoint(wh_db, site, receiver)
    # The accept path writes only the comment: comment.created goes with the first decision.
    assert _types(wh_db) == []

    comment = wh_db.session.get(Comment, accepted.id)
    comment.status = "held"
    record_transition(comment, "pending", "held", reasons=[{"code": "link"}], actor="system")
    wh_db.session.flush()
    assert _types(wh_db) == ["comment.created", "comment.held"]
    assert [name for name, _ in wh_db.session.info[_PENDING]] == ["workers.webhooks.deliver"] * 2
    wh_db.session.rollback()
    assert _types(wh_db) == []
    assert _PENDING not in wh_db.session.info  # the tasks were dropped with the transaction


def test_created_is_announced_once_before_the_first_decision_only(wh_db, site, receiver):
    accepted = _accepted_with_an_endpoint(wh_db, site, receiver)
    comment = wh_db.session.get(Comment, accepted.id)
    comment.status = "held"
    record_transition(comment, "pending", "held", reasons=[], actor="system")
    comment.status = "published"
    record_transition(comment, "held", "published", reasons=[], actor="moderator:1")
    wh_db.session.commit()
    messages = wh_db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()
    assert [m.event_type for m in messages] == [
        "comment.created", "comment.held", "comment.published"]
    created = json.loads(messages[0].payload)
    assert created["data"]["status"] == "pending" and "comment" not in created["data"]


def test_only_wanted_events_and_enabled_endpoints_get_messages(wh_db, site, receiver):
    site_row, _ = site
    wants_held, _ = services.create_endpoint(site_row.id, url=receiver.url(),
                                             event_types=["comment.held"])
    everything, _ = services.create_endpoint(site_row.id, url=receiver.url())
    off, _ = services.create_endpoint(site_row.id, url=receiver.url())
    services.set_enabled(off, False)
    wh_db.session.commit()
    accepted = accept_comment(get_site("news"), NewComment(
        "t1", None, None, None, "Ali", "ali@example.com", None, "hello"))
    comment = wh_db.session.get(Comment, accepted.id)
    comment.status = "held"
    record_transition(comment, "pending", "held", reasons=[{"code": "link"}], actor="system")
    wh_db.session.commit()
    rows = wh_db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()
    assert sorted((m.endpoint_id, m.event_type) for m in rows) == sorted([
        (everything.id, "comment.created"), (wants_held.id, "comment.held"),
        (everything.id, "comment.held")])
    assert {m.ordering_key for m in rows} == {f"comment:{accepted.id}"}
