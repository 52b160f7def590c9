"""Sending one message: claim it, sign it, post it, log the attempt, judge the result.

Called by the ``workers.webhooks.deliver`` task with a message's id. Safe to run twice
or concurrently: a short lease (a conditional UPDATE, so it works on SQLite and
PostgreSQL alike) lets one worker send at a time, and a message that is finished, not
due, or waiting behind an earlier message for the same comment is left alone. A worker
killed mid-send leaves the lease to expire; the sweeper then sends the message again
with the same ``webhook-id``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import joinedload

from ..extensions import db, utcnow
from . import events, policy, sender, signing
from .models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from .services import check_target, emit, set_enabled
from .targets import TargetRefused

log = logging.getLogger(__name__)

LEASE_MARGIN = 5.0  # seconds beyond the HTTP timeout that a claim lasts
SNIPPET_CHARS = 1000


@dataclass(frozen=True)
class FollowUp:
    """Tasks to send after the commit: ``(message id, countdown seconds)``."""

    result: str
    tasks: tuple[tuple[int, float], ...] = ()


def deliver(message_pk: int, *, now: datetime | None = None) -> FollowUp:
    config = current_app.config
    now = now or utcnow()
    # One query for the message, its endpoint and the endpoint's secrets.
    message = db.session.get(WebhookMessage, message_pk, options=[
        joinedload(WebhookMessage.endpoint).selectinload(WebhookEndpoint.secrets)])
    if message is None:
        return FollowUp("missing")
    if message.status != MessageStatus.PENDING:
        return FollowUp(message.status)
    endpoint = message.endpoint
    if not endpoint.enabled:
        return FollowUp("endpoint disabled")
    if message.next_attempt_at and message.next_attempt_at > now:
        # Early (a countdown fired ahead of the clock, or a duplicate task): come back when
        # due if that is soon; a long wait is the sweeper's job.
        wait = (message.next_attempt_at - now).total_seconds()
        soon = wait <= 2 * config["WEBHOOK_SWEEP_INTERVAL"]
        return FollowUp("not due", ((message_pk, wait),) if soon else ())
    earlier = _earlier_pending(message)
    if earlier is not None:
        # Wait behind it; finishing it sends this one. Not due before it, for the sweeper.
        message.next_attempt_at = max(earlier.next_attempt_at or now, now)
        db.session.commit()
        return FollowUp("waiting")

    lease = now + timedelta(seconds=config["WEBHOOK_TIMEOUT"] + LEASE_MARGIN)
    if db.session.get_bind().dialect.name == "postgresql":
        # The claim need not survive a database crash (losing it costs at most a duplicate
        # send, which receivers dedupe by webhook-id), so skip waiting for its WAL flush.
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    claimed = db.session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.id == message_pk, WebhookMessage.status == MessageStatus.PENDING,
               or_(WebhookMessage.lease_until.is_(None), WebhookMessage.lease_until < now))
        .values(lease_until=lease)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        return FollowUp("leased")
    # Read everything the request needs, then commit: no transaction stays open over HTTP.
    msg_id, body, url = message.msg_id, message.payload.encode(), endpoint.url
    secrets_ = endpoint.signing_secrets(now)
    db.session.commit()

    outcome, permanent = _attempt(url, msg_id, body, secrets_)
    return _record(message_pk, outcome, permanent)


def _attempt(url: str, msg_id: str, body: bytes, secrets_: list[str]):
    config = current_app.config
    if not secrets_:
        return sender.Outcome(None, 0, error="no live signing secret"), True
    try:
        target = check_target(url)
    except TargetRefused as exc:
        # A URL that breaks the rules cannot be fixed by waiting; a refused address
        # might (DNS changes), so it is retried like a network error.
        return sender.Outcome(None, 0, error=f"refused: {exc}"[:500]), exc.code in (
            "invalid_url", "https_required")
    headers = signing.signature_headers(secrets_, msg_id, int(time.time()), body)
    outcome = sender.post(target, body, headers, timeout=config["WEBHOOK_TIMEOUT"],
                          max_response_bytes=config["WEBHOOK_MAX_RESPONSE_BYTES"])
    return outcome, False


def _record(message_pk: int, outcome: sender.Outcome, permanent: bool) -> FollowUp:
    now = utcnow()
    message = db.session.get(WebhookMessage, message_pk, populate_existing=True,
                             options=[joinedload(WebhookMessage.endpoint)])
    if message is None:  # deleted with its endpoint while we were sending
        return FollowUp("missing")
    endpoint = message.endpoint
    message.attempts += 1
    message.last_attempt_at = now
    message.lease_until = None
    verdict = policy.judge(status_code=outcome.status, retry_after=outcome.headers.get(
        "retry-after"), attempts=message.attempts, failing_since=endpoint.failing_since, now=now,
        policy=policy.RetryPolicy.from_config(current_app.config), permanent=permanent)
    db.session.add(WebhookAttempt(
        message_id=message.id, endpoint_id=endpoint.id, created_at=now,
        status_code=outcome.status, latency_ms=outcome.latency_ms,
        response_snippet=outcome.body.decode("utf-8", "replace")[:SNIPPET_CHARS] or None,
        error=outcome.error, next_attempt_at=verdict.retry_at))
    message.status = verdict.message_status
    message.next_attempt_at = verdict.retry_at
    endpoint.failing_since = verdict.failing_since
    if verdict.message_status == MessageStatus.DELIVERED:
        message.delivered_at = now
        # Written at most once a minute: every delivery updating the endpoint's row would
        # make concurrent workers of a busy endpoint queue up behind each other's lock.
        last = endpoint.last_success_at
        if last is None or now - last > timedelta(seconds=60):
            endpoint.last_success_at = now
    if verdict.disable and endpoint.enabled:
        _disable(endpoint, verdict.disable, now)

    tasks: list[tuple[int, float]] = []
    if verdict.message_status == MessageStatus.PENDING:
        delay = (verdict.retry_at - now).total_seconds()
        # Short waits ride on a countdown; long ones are left to the sweeper, because a
        # broker may hand out a long-delayed unacknowledged task twice.
        if delay <= 2 * current_app.config["WEBHOOK_SWEEP_INTERVAL"]:
            message.enqueued_at = now
            tasks.append((message.id, delay))
        else:
            message.enqueued_at = None
    else:
        following = _next_in_order(message)
        if following is not None:
            following.next_attempt_at, following.enqueued_at = now, now
            tasks.append((following.id, 0.0))
    db.session.commit()
    log.info("webhook %s to %s attempt %d: %s -> %s", message.msg_id, endpoint.id,
             message.attempts, outcome.status or outcome.error, verdict.message_status)
    return FollowUp(verdict.message_status, tuple(tasks))


def _disable(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    set_enabled(endpoint, False, reason=reason, now=now)
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
    # The site is told on its other endpoints (and sees the state through the API).
    from ..sites.models import Site

    site = db.session.get(Site, endpoint.site_id)
    emit(endpoint.site_id, events.ENDPOINT_DISABLED,
         {"site": site.slug, "endpoint": endpoint.id, "url": endpoint.url, "reason": reason,
          "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since
          else None}, when=now, exclude=endpoint.id)


def _pending_neighbour(message: WebhookMessage, earlier: bool) -> WebhookMessage | None:
    """The oldest pending message of the same endpoint and ordering key, before or after."""
    if message.ordering_key is None:
        return None
    side = WebhookMessage.id < message.id if earlier else WebhookMessage.id > message.id
    return db.session.scalars(
        select(WebhookMessage).where(WebhookMessage.endpoint_id == message.endpoint_id,
                                     WebhookMessage.ordering_key == message.ordering_key,
                                     WebhookMessage.status == MessageStatus.PENDING, side)
        .order_by(WebhookMessage.id).limit(1)).first()


def _earlier_pending(message: WebhookMessage) -> WebhookMessage | None:
    return _pending_neighbour(message, earlier=True)


def _next_in_order(message: WebhookMessage) -> WebhookMessage | None:
    return _pending_neighbour(message, earlier=False)


def due_messages(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending messages whose task was lost: due, not held, not sent to the broker lately."""
    now = now or utcnow()
    grace = now - timedelta(seconds=current_app.config["WEBHOOK_SWEEP_INTERVAL"])
    ids = db.session.scalars(
        select(WebhookMessage.id).join(WebhookEndpoint)
        .where(WebhookMessage.status == MessageStatus.PENDING,
               WebhookEndpoint.enabled.is_(True),
               WebhookMessage.next_attempt_at <= now,
               or_(WebhookMessage.lease_until.is_(None), WebhookMessage.lease_until < now),
               or_(WebhookMessage.enqueued_at.is_(None), WebhookMessage.enqueued_at < grace))
        .order_by(WebhookMessage.id).limit(limit)).all()
    if ids:
        db.session.execute(update(WebhookMessage).where(WebhookMessage.id.in_(ids))
                           .values(enqueued_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return list(ids)
