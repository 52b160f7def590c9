"""Webhook service functions: manage endpoints, and turn events into delivery rows.

Every function works on the current session and leaves committing to its caller, so an
event's messages are written in the same transaction as the change that caused it, and
their tasks are sent only if that transaction commits (``send_after_commit``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db, utcnow
from ..queue import send_after_commit
from . import events, signing
from .models import MessageStatus, WebhookEndpoint, WebhookMessage, WebhookSecret
from .targets import parse_networks, resolve_target, timed_resolver

DELIVER = "workers.webhooks.deliver"


def check_target(url: str):
    """Resolve and check ``url`` with the app's safety settings; raises TargetRefused."""
    config = current_app.config
    return resolve_target(url, allowed=parse_networks(config["WEBHOOK_ALLOWED_NETWORKS"]),
                          allow_http=config["WEBHOOK_ALLOW_HTTP"],
                          resolver=timed_resolver(config["WEBHOOK_TIMEOUT"]))


def create_endpoint(site_id: int, *, url: str, description: str = "",
                    event_types: Iterable[str] = ()) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its first secret (returned once; the caller shows it once)."""
    check_target(url)
    endpoint = WebhookEndpoint(site_id=site_id, url=url, description=description,
                               event_types=list(event_types), enabled=True)
    secret = signing.generate_secret()
    endpoint.secrets.append(WebhookSecret(secret=secret))
    db.session.add(endpoint)
    db.session.flush()
    return endpoint, secret


def update_endpoint(endpoint: WebhookEndpoint, changes: Mapping[str, Any]) -> WebhookEndpoint:
    if "url" in changes:
        check_target(changes["url"])
        endpoint.url = changes["url"]
    if "description" in changes:
        endpoint.description = changes["description"]
    if "event_types" in changes:
        endpoint.event_types = list(changes["event_types"])
    if "enabled" in changes and changes["enabled"] != endpoint.enabled:
        set_enabled(endpoint, changes["enabled"], reason="manual")
    return endpoint


def set_enabled(endpoint: WebhookEndpoint, enabled: bool, *, reason: str = "manual",
                now: datetime | None = None) -> None:
    now = now or utcnow()
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_reason = endpoint.disabled_at = endpoint.failing_since = None
        # Messages kept while the endpoint was off go out again, in order.
        pending = db.session.scalars(
            select(WebhookMessage.id).where(WebhookMessage.endpoint_id == endpoint.id,
                                            WebhookMessage.status == MessageStatus.PENDING)
            .order_by(WebhookMessage.id)).all()
        for message_id in pending:
            _enqueue_by_id(message_id, now)
    else:
        endpoint.disabled_reason, endpoint.disabled_at = reason, now


def rotate_secret(endpoint: WebhookEndpoint, *, overlap: float | None = None,
                  now: datetime | None = None) -> tuple[str, datetime]:
    """A new secret; the live old ones keep signing until ``overlap`` seconds from now."""
    now = now or utcnow()
    if overlap is None:
        overlap = current_app.config["WEBHOOK_SECRET_OVERLAP"]
    expires = now + timedelta(seconds=overlap)
    for old in list(endpoint.secrets):
        if old.expires_at is not None and old.expires_at <= now:
            endpoint.secrets.remove(old)  # expired: it signs nothing any more
        elif old.expires_at is None or old.expires_at > expires:
            old.expires_at = expires
    secret = signing.generate_secret()
    endpoint.secrets.insert(0, WebhookSecret(secret=secret, created_at=now))
    db.session.flush()
    return secret, expires


def emit(site_id: int, event_type: str, data: Mapping[str, Any], *,
         ordering_key: str | None = None, when: datetime | None = None,
         exclude: str | None = None) -> list[WebhookMessage]:
    """One message per enabled endpoint of the site that wants ``event_type``."""
    wanted = [e for e in _wants(enabled_endpoints(site_id), event_type) if e.id != exclude]
    if not wanted:
        return []
    when = when or utcnow()
    body = events.serialize(events.envelope(event_type, when, data))
    return [enqueue(endpoint, event_type, body, ordering_key=ordering_key, now=when)
            for endpoint in wanted]


def enqueue(endpoint: WebhookEndpoint, event_type: str, body: str, *,
            ordering_key: str | None = None, now: datetime | None = None) -> WebhookMessage:
    now = now or utcnow()
    message = WebhookMessage(endpoint_id=endpoint.id, event_type=event_type, payload=body,
                             ordering_key=ordering_key, status=MessageStatus.PENDING,
                             next_attempt_at=now, created_at=now, enqueued_at=now)
    db.session.add(message)
    db.session.flush()  # the id, for the task
    send_after_commit(DELIVER, message.id)
    return message


def send_test(endpoint: WebhookEndpoint, site_slug: str) -> WebhookMessage:
    now = utcnow()
    body = events.serialize(events.envelope(events.TEST_EVENT, now,
                                            {"site": site_slug, "endpoint": endpoint.id}))
    return enqueue(endpoint, events.TEST_EVENT, body, now=now)


def redeliver(message: WebhookMessage, now: datetime | None = None) -> None:
    """Send ``message`` again from the start of the schedule (same webhook-id)."""
    now = now or utcnow()
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    # An unexpired lease is left alone: a worker may be sending this very message now.
    _enqueue(message, now)


def redeliver_failed_since(endpoint: WebhookEndpoint, since: datetime) -> int:
    messages = db.session.scalars(
        select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id,
                                     WebhookMessage.status == MessageStatus.FAILED,
                                     WebhookMessage.created_at >= since)
        .order_by(WebhookMessage.id)).all()
    now = utcnow()
    for message in messages:
        redeliver(message, now)
    return len(messages)


def _enqueue(message: WebhookMessage, now: datetime) -> None:
    message.enqueued_at = now
    send_after_commit(DELIVER, message.id)


def _enqueue_by_id(message_id: int, now: datetime) -> None:
    db.session.get(WebhookMessage, message_id).enqueued_at = now
    send_after_commit(DELIVER, message_id)


def comment_changed(comment, previous_status: str | None, status: str,
                    reason_codes: Iterable[str] = (), event_type: str | None = None,
                    when: datetime | None = None, *, announce_created: bool = False,
                    endpoints: list[WebhookEndpoint] | None = None) -> list[WebhookMessage]:
    """Record the webhooks a comment's change announces (call inside that change's transaction).

    ``event_type`` defaults to what the status change means (``events.event_for_transition``);
    pass it for events that are not a status change (``comment.reported``). With
    ``announce_created`` (the comment's first decision), ``comment.created`` goes first.
    ``endpoints``: the site's enabled endpoints, if the caller has read them already.
    """
    event_type = event_type or events.event_for_transition(previous_status, status)
    if event_type is None and not announce_created:
        return []
    if endpoints is None:
        endpoints = enabled_endpoints(comment.site_id)
    if not endpoints:  # the common case costs one indexed query and nothing else
        return []
    from ..sites.models import Site

    site = db.session.get(Site, comment.site_id).slug
    thread = comment.thread.external_id
    messages = []
    if announce_created:
        created = events.comment_data(
            site=site, thread=thread, comment_id=comment.id, parent_id=comment.parent_id,
            status="pending", previous_status=None, reason_codes=[])
        messages += _send_comment_event(_wants(endpoints, "comment.created"), "comment.created",
                                        comment.id, created, comment.created_at)
    if event_type is not None:
        public = {name: getattr(comment, name, None) for name in events.PUBLIC_COMMENT_FIELDS}
        data = events.comment_data(
            site=site, thread=thread, comment_id=comment.id, parent_id=comment.parent_id,
            status=status, previous_status=previous_status, reason_codes=list(reason_codes),
            public=public)
        messages += _send_comment_event(_wants(endpoints, event_type), event_type, comment.id,
                                        data, when)
    return messages


def _send_comment_event(endpoints, event_type: str, comment_id: int, data: Mapping[str, Any],
                        when: datetime | None) -> list[WebhookMessage]:
    when = when or utcnow()
    body = events.serialize(events.envelope(event_type, when, data))
    return [enqueue(endpoint, event_type, body, ordering_key=f"comment:{comment_id}", now=when)
            for endpoint in endpoints]


def enabled_endpoints(site_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.site_id == site_id,
                                      WebhookEndpoint.enabled.is_(True))))


class EndpointCache:
    """Each site's enabled endpoints, read once for a batch of changes in one transaction."""

    def __init__(self) -> None:
        self._by_site: dict[int, list[WebhookEndpoint]] = {}

    def enabled(self, site_id: int) -> list[WebhookEndpoint]:
        if site_id not in self._by_site:
            self._by_site[site_id] = enabled_endpoints(site_id)
        return self._by_site[site_id]


def _wants(endpoints: Iterable[WebhookEndpoint], event_type: str) -> list[WebhookEndpoint]:
    return [endpoint for endpoint in endpoints if endpoint.wants(event_type)]