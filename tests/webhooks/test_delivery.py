"""Delivery in this process against a real receiver: signing, judging, disabling, ordering.

``deliver`` is the function the worker task calls; running it here makes each rule
deterministic. The same paths through a real worker process are in test_worker.py.
"""

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from moderation.extensions import utcnow
from moderation.webhooks import services
from moderation.webhooks.delivery import deliver, due_messages
from moderation.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

from .receiver import Reply


@pytest.fixture
def endpoint(wh_db, site, receiver):
    site_row, _ = site
    created, secret = services.create_endpoint(site_row.id, url=receiver.url())
    wh_db.session.commit()
    return created, secret


def _message(wh_db, endpoint, data=None, key=None):
    created, _ = endpoint
    [message] = services.emit(created.site_id, "comment.held",
                              data or {"comment_id": 1, "reason_codes": ["link"]},
                              ordering_key=key)
    wh_db.session.commit()
    return message.id


def _run(message_id):
    return deliver(message_id).result


def test_delivered_and_verified_by_the_reference_library(wh_db, endpoint, receiver):
    _, secret = endpoint
    message_id = _message(wh_db, endpoint)
    assert _run(message_id) == "delivered"
    [request] = receiver.requests
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "comment.held" and payload["data"]["reason_codes"] == ["link"]
    message = wh_db.session.get(WebhookMessage, message_id)
    assert request.headers["webhook-id"] == message.msg_id
    [attempt] = message.attempt_log
    assert attempt.status_code == 200 and attempt.response_snippet == "ok"
    assert _run(message_id) == "delivered"  # running again does nothing
    assert len(receiver.requests) == 1


def test_500_then_timeout_then_success(wh_db, endpoint, receiver):
    _, secret = endpoint
    receiver.replies = [Reply(500, b"boom"), Reply(200, b"late", delay=2.5)]
    message_id = _message(wh_db, endpoint)
    assert _run(message_id) == "pending"
    assert _run(message_id) == "not due"  # the schedule is honoured
    time.sleep(0.35)
    assert _run(message_id) == "pending"  # timed out
    time.sleep(0.65)
    assert _run(message_id) == "delivered"
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    for request in receiver.requests:
        Webhook(secret).verify(request.body, request.headers)
    log = wh_db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [a.status_code for a in log] == [500, None, 200]
    assert log[0].response_snippet == "boom" and log[1].error == "timeout"


def test_retry_after_is_honoured(wh_db, endpoint, receiver):
    receiver.replies = [Reply(503, b"", {"Retry-After": "120"})]
    message_id = _message(wh_db, endpoint)
    before = utcnow()
    assert _run(message_id) == "pending"
    message = wh_db.session.get(WebhookMessage, message_id)
    assert message.next_attempt_at - before >= timedelta(seconds=119)


def test_410_disables_the_endpoint_and_tells_the_site(wh_db, site, endpoint, receiver):
    from .receiver import Receiver

    created, _ = endpoint
    with Receiver() as other:
        watcher, watcher_secret = services.create_endpoint(
            created.site_id, url=other.url(), event_types=["endpoint.disabled"])
        wh_db.session.commit()
        receiver.replies = [Reply(410, b"gone")]
        message_id = _message(wh_db, endpoint)
        assert _run(message_id) == "failed"
        endpoint_row = wh_db.session.get(WebhookEndpoint, created.id)
        assert not endpoint_row.enabled and endpoint_row.disabled_reason == "gone"
        notice = wh_db.session.scalars(select(WebhookMessage).where(
            WebhookMessage.endpoint_id == watcher.id)).one()
        assert _run(notice.id) == "delivered"
        payload = Webhook(watcher_secret).verify(other.requests[0].body, other.requests[0].headers)
        assert payload["type"] == "endpoint.disabled"
        assert payload["data"]["endpoint"] == created.id and payload["data"]["reason"] == "gone"
    # Nothing more goes to a disabled endpoint.
    assert services.emit(created.site_id, "comment.held", {}) == []


def test_continuous_failure_disables_after_the_configured_period(wh_app, wh_db, endpoint,
                                                                 receiver, monkeypatch):
    created, _ = endpoint
    monkeypatch.setitem(wh_app.config, "WEBHOOK_DISABLE_AFTER", 3600.0)
    receiver.default = Reply(500, b"down")
    wh_db.session.execute(update(WebhookEndpoint).values(
        failing_since=utcnow() - timedelta(minutes=59)))
    wh_db.session.commit()
    message_id = _message(wh_db, endpoint)
    assert _run(message_id) == "pending"
    wh_db.session.execute(update(WebhookEndpoint).values(
        failing_since=utcnow() - timedelta(minutes=61)))
    wh_db.session.execute(update(WebhookMessage).values(next_attempt_at=utcnow()))
    wh_db.session.commit()
    assert _run(message_id) == "failed"
    endpoint_row = wh_db.session.get(WebhookEndpoint, created.id, populate_existing=True)
    assert not endpoint_row.enabled and endpoint_row.disabled_reason == "failing"


def test_success_resets_the_failure_clock(wh_db, endpoint, receiver):
    created, _ = endpoint
    wh_db.session.execute(update(WebhookEndpoint).values(failing_since=utcnow()))
    wh_db.session.commit()
    assert _run(_message(wh_db, endpoint)) == "delivered"
    endpoint_row = wh_db.session.get(WebhookEndpoint, created.id, populate_existing=True)
    assert endpoint_row.failing_since is None and endpoint_row.last_success_at is not None


def test_events_of_one_comment_are_delivered_in_order(wh_db, endpoint, receiver):
    first = _message(wh_db, endpoint, {"step": 1}, key="comment:9")
    second = _message(wh_db, endpoint, {"step": 2}, key="comment:9")
    unrelated = _message(wh_db, endpoint, {"step": "x"}, key="comment:10")
    assert _run(second) == "waiting"         # the first is still owed
    assert _run(unrelated) == "delivered"    # other comments are not held up
    receiver.replies = [Reply(500)]
    follow = deliver(first)
    assert follow.result == "pending"
    time.sleep(0.35)
    follow = deliver(first)
    assert follow.result == "delivered" and follow.tasks == ((second, 0.0),)
    assert _run(second) == "delivered"
    steps = [json.loads(r.body)["data"]["step"] for r in receiver.requests]
    assert steps == ["x", 1, 1, 2]


def test_redirect_to_a_private_address_is_not_followed(wh_db, endpoint, receiver):
    receiver.replies = [Reply(307, b"", {"Location": "http://10.0.0.1/admin"})]
    message_id = _message(wh_db, endpoint)
    assert _run(message_id) == "pending"
    [attempt] = wh_db.session.get(WebhookMessage, message_id).attempt_log
    assert attempt.status_code == 307
    assert len(receiver.requests) == 1


def test_target_is_checked_again_at_every_delivery(wh_app, wh_db, endpoint, receiver, monkeypatch):
    # Created while loopback was allowed; now it is not (as if DNS now pointed inside).
    message_id = _message(wh_db, endpoint)
    monkeypatch.setitem(wh_app.config, "WEBHOOK_ALLOWED_NETWORKS", [])
    assert _run(message_id) == "pending"
    [attempt] = wh_db.session.get(WebhookMessage, message_id).attempt_log
    assert attempt.status_code is None and "forbidden_address" in attempt.error
    assert receiver.requests == []


def test_a_held_lease_stops_a_second_sender(wh_db, endpoint, receiver):
    message_id = _message(wh_db, endpoint)
    wh_db.session.execute(update(WebhookMessage).values(lease_until=utcnow() + timedelta(seconds=30)))
    wh_db.session.commit()
    assert _run(message_id) == "leased"
    assert receiver.requests == []


def test_sweeper_finds_due_messages_whose_task_was_lost(wh_db, endpoint):
    message_id = _message(wh_db, endpoint)
    assert due_messages() == []  # just sent to the broker
    wh_db.session.execute(update(WebhookMessage).values(enqueued_at=utcnow() - timedelta(minutes=5)))
    wh_db.session.commit()
    assert due_messages() == [message_id]
    assert due_messages() == []  # and it is marked as sent again


def test_rotation_sends_both_signatures(wh_db, endpoint, receiver):
    created, old_secret = endpoint
    new_secret, _ = services.rotate_secret(wh_db.session.get(WebhookEndpoint, created.id),
                                           overlap=60)
    wh_db.session.commit()
    assert _run(_message(wh_db, endpoint)) == "delivered"
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(request.body, request.headers)
    Webhook(new_secret).verify(request.body, request.headers)


def test_expired_secret_no_longer_signs(wh_db, endpoint, receiver):
    created, old_secret = endpoint
    new_secret, _ = services.rotate_secret(wh_db.session.get(WebhookEndpoint, created.id),
                                           overlap=0)
    wh_db.session.commit()
    assert _run(_message(wh_db, endpoint)) == "delivered"
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    Webhook(new_secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(request.body, request.headers)
    # The next rotation forgets the expired secret.
    endpoint_row = wh_db.session.get(WebhookEndpoint, created.id)
    newest, _ = services.rotate_secret(endpoint_row, overlap=60)
    wh_db.session.commit()
    assert [s.secret for s in endpoint_row.secrets] == [newest, new_secret]
