"""HTTP entrypoints for webhook endpoints, their secrets, and the delivery log (site key)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request, session, url_for
from sqlalchemy import select

from ..errors import ApiError, FieldErrors
from ..extensions import db
from ..http import read_json_object
from ..openapi import operation
from ..review.accounts import TOKEN_PREFIX as MODERATOR_TOKEN_PREFIX
from ..review.accounts import current_actor, require_admin
from ..sites.services import SiteInfo, get_site, require_site_key
from . import services
from .models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from .schemas import (
    AttemptList,
    EndpointCreated,
    EndpointIn,
    EndpointList,
    EndpointOut,
    EndpointPatch,
    MessageDetail,
    MessageList,
    MessageOut,
    Queued,
    RedeliverIn,
    RotateIn,
    SecretRotated,
    parse,
)
from .targets import TargetRefused

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1/sites/<site>/webhooks")

BASE = "/api/v1/sites/{site}/webhooks"
ERROR = "error"
KEY = [{"siteKey": []}]
SITE = {"name": "site", "in": "path", "required": True, "schema": {"type": "string"}}
ENDPOINT = {"name": "endpoint_id", "in": "path", "required": True, "schema": {"type": "string"}}
MESSAGE = {"name": "message_id", "in": "path", "required": True, "schema": {"type": "string"}}
PAGE = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 200, "default": 50}},
        {"name": "before", "in": "query", "schema": {"type": "integer"}}]
STATUS = {"name": "status", "in": "query",
          "schema": {"type": "string", "enum": ["pending", "delivered", "failed"]}}


def _site() -> SiteInfo:
    """The site, for its own key or for an admin (token or session); 401/403 otherwise."""
    info = get_site(request.view_args["site"])
    authorization = request.headers.get("Authorization") or ""
    token = authorization.partition(" ")[2].strip()
    if token.startswith(MODERATOR_TOKEN_PREFIX) or (not authorization
                                                    and "moderator_id" in session):
        require_admin(current_actor())  # moderators of a site do not manage its webhooks
    else:
        require_site_key(info, authorization or None)
    return info


def _endpoint(info: SiteInfo, endpoint_id: str) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.site_id != info.id:
        raise ApiError(404, "webhook_not_found")
    return endpoint


def _message(endpoint: WebhookEndpoint, message_id: str) -> WebhookMessage:
    message = db.session.scalar(select(WebhookMessage).where(
        WebhookMessage.endpoint_id == endpoint.id, WebhookMessage.msg_id == message_id))
    if message is None:
        raise ApiError(404, "webhook_message_not_found")
    return message


def _refused(exc: TargetRefused) -> FieldErrors:
    return FieldErrors({"url": (exc.code, {"detail": exc.detail})})


def endpoint_json(endpoint: WebhookEndpoint) -> dict:
    return EndpointOut(id=endpoint.id, url=endpoint.url, description=endpoint.description,
                       events=list(endpoint.event_types or []), enabled=endpoint.enabled,
                       disabled_reason=endpoint.disabled_reason, disabled_at=endpoint.disabled_at,
                       failing_since=endpoint.failing_since,
                       last_success_at=endpoint.last_success_at,
                       created_at=endpoint.created_at).model_dump(mode="json")


def message_json(message: WebhookMessage, with_attempts: bool = False) -> dict:
    data = {"id": message.msg_id, "event_type": message.event_type, "status": message.status,
            "attempts": message.attempts, "created_at": message.created_at,
            "next_attempt_at": message.next_attempt_at
            if message.status == MessageStatus.PENDING else None,
            "delivered_at": message.delivered_at, "payload": json.loads(message.payload)}
    if with_attempts:
        data["attempt_log"] = [a.as_dict() for a in message.attempt_log]
        return MessageDetail(**data).model_dump(mode="json")
    return MessageOut(**data).model_dump(mode="json")


def _newest_first(query, id_column, limit: int, before: int | None, to_json) -> dict:
    """One page of a log, newest first, and the ``next_before`` id for the following page."""
    if before is not None:
        query = query.where(id_column < before)
    rows = db.session.scalars(query.order_by(id_column.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    return {"items": [to_json(row) for row in rows[:limit]],
            "next_before": rows[limit - 1].id if more else None}


def _page() -> tuple[int, int | None]:
    errors = {}
    try:
        limit = int(request.args.get("limit", 50))
        if not 1 <= limit <= 200:
            errors["limit"] = ("invalid_value", {})
    except ValueError:
        limit, errors["limit"] = 50, ("wrong_type", {"expected": "integer"})
    before = request.args.get("before")
    try:
        before = int(before) if before is not None else None
    except ValueError:
        errors["before"] = ("wrong_type", {"expected": "integer"})
    if errors:
        raise FieldErrors(errors)
    return limit, before


@bp.post("")
@operation(path=BASE, method="POST", tags=["webhooks"], request=EndpointIn, parameters=[SITE],
           summary="Create an endpoint; the answer holds its signing secret, shown only once.",
           responses={201: EndpointCreated, 401: ERROR, 403: ERROR, 404: ERROR, 422: ERROR},
           security=KEY)
def create_endpoint(site: str):
    info = _site()
    data = parse(EndpointIn, read_json_object())
    try:
        endpoint, secret = services.create_endpoint(info.id, url=data.url,
                                                    description=data.description,
                                                    event_types=data.events)
    except TargetRefused as exc:
        raise _refused(exc) from None
    db.session.commit()
    response = jsonify(endpoint_json(endpoint) | {"secret": secret})
    response.status_code = 201
    response.headers["Location"] = url_for("webhooks.get_endpoint", site=site,
                                           endpoint_id=endpoint.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@operation(path=BASE, method="GET", tags=["webhooks"], parameters=[SITE],
           summary="The site's endpoints, with their state (enabled, disabled reason).",
           responses={200: EndpointList, 401: ERROR, 403: ERROR, 404: ERROR}, security=KEY)
def list_endpoints(site: str):
    info = _site()
    rows = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.site_id == info.id)
                              .order_by(WebhookEndpoint.created_at)).all()
    return jsonify({"items": [endpoint_json(e) for e in rows]})


@bp.get("/<endpoint_id>")
@operation(path=BASE + "/{endpoint_id}", method="GET", tags=["webhooks"],
           parameters=[SITE, ENDPOINT], summary="One endpoint and its state.",
           responses={200: EndpointOut, 401: ERROR, 403: ERROR, 404: ERROR}, security=KEY)
def get_endpoint(site: str, endpoint_id: str):
    return jsonify(endpoint_json(_endpoint(_site(), endpoint_id)))


@bp.patch("/<endpoint_id>")
@operation(path=BASE + "/{endpoint_id}", method="PATCH", tags=["webhooks"],
           request=EndpointPatch, parameters=[SITE, ENDPOINT],
           summary="Change the URL, description, event types, or enable/disable.",
           responses={200: EndpointOut, 401: ERROR, 403: ERROR, 404: ERROR, 422: ERROR},
           security=KEY)
def update_endpoint(site: str, endpoint_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    data = parse(EndpointPatch, read_json_object())
    changes = {name: getattr(data, name) for name in data.model_fields_set
               if getattr(data, name) is not None}
    if "events" in changes:
        changes["event_types"] = changes.pop("events")
    try:
        services.update_endpoint(endpoint, changes)
    except TargetRefused as exc:
        raise _refused(exc) from None
    db.session.commit()
    return jsonify(endpoint_json(endpoint))


@bp.delete("/<endpoint_id>")
@operation(path=BASE + "/{endpoint_id}", method="DELETE", tags=["webhooks"],
           parameters=[SITE, ENDPOINT], summary="Delete an endpoint, its messages and its log.",
           responses={204: None, 401: ERROR, 403: ERROR, 404: ERROR}, security=KEY)
def delete_endpoint(site: str, endpoint_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    db.session.delete(endpoint)
    db.session.commit()
    return Response(status=204)


@bp.post("/<endpoint_id>/rotate-secret")
@operation(path=BASE + "/{endpoint_id}/rotate-secret", method="POST", tags=["webhooks"],
           request=RotateIn, parameters=[SITE, ENDPOINT],
           summary="A new signing secret (shown once); the previous one keeps signing, next to "
                   "it, until previous_expires_at.",
           responses={200: SecretRotated, 401: ERROR, 403: ERROR, 404: ERROR, 422: ERROR},
           security=KEY)
def rotate_secret(site: str, endpoint_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    data = parse(RotateIn, read_json_object() if request.get_data() else {})
    secret, expires = services.rotate_secret(endpoint, overlap=data.expire_previous_in)
    db.session.commit()
    response = jsonify({"secret": secret, "previous_expires_at": expires.isoformat()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<endpoint_id>/test")
@operation(path=BASE + "/{endpoint_id}/test", method="POST", tags=["webhooks"],
           parameters=[SITE, ENDPOINT], summary="Send a webhook.test event to this endpoint.",
           responses={202: Queued, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
           security=KEY)
def send_test(site: str, endpoint_id: str):
    info = _site()
    endpoint = _endpoint(info, endpoint_id)
    if not endpoint.enabled:
        raise ApiError(409, "webhook_disabled")
    message = services.send_test(endpoint, info.slug)
    db.session.commit()
    return jsonify({"message_id": message.msg_id, "count": 1}), 202


@bp.get("/<endpoint_id>/messages")
@operation(path=BASE + "/{endpoint_id}/messages", method="GET", tags=["webhooks"],
           parameters=[SITE, ENDPOINT, STATUS, *PAGE],
           summary="Messages owed to this endpoint, newest first.",
           responses={200: MessageList, 401: ERROR, 403: ERROR, 404: ERROR, 422: ERROR},
           security=KEY)
def list_messages(site: str, endpoint_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    limit, before = _page()
    query = select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id)
    status = request.args.get("status")
    if status is not None:
        if status not in (MessageStatus.PENDING, MessageStatus.DELIVERED, MessageStatus.FAILED):
            raise FieldErrors({"status": ("invalid_value", {})})
        query = query.where(WebhookMessage.status == status)
    return jsonify(_newest_first(query, WebhookMessage.id, limit, before, message_json))


@bp.get("/<endpoint_id>/messages/<message_id>")
@operation(path=BASE + "/{endpoint_id}/messages/{message_id}", method="GET", tags=["webhooks"],
           parameters=[SITE, ENDPOINT, MESSAGE],
           summary="One message, its payload and every attempt to deliver it.",
           responses={200: MessageDetail, 401: ERROR, 403: ERROR, 404: ERROR}, security=KEY)
def get_message(site: str, endpoint_id: str, message_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    return jsonify(message_json(_message(endpoint, message_id), with_attempts=True))


@bp.get("/<endpoint_id>/attempts")
@operation(path=BASE + "/{endpoint_id}/attempts", method="GET", tags=["webhooks"],
           parameters=[SITE, ENDPOINT, *PAGE],
           summary="The delivery log: every attempt (time, status code, latency, response "
                   "snippet, error), newest first.",
           responses={200: AttemptList, 401: ERROR, 403: ERROR, 404: ERROR, 422: ERROR},
           security=KEY)
def list_attempts(site: str, endpoint_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    limit, before = _page()
    query = select(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint.id)
    return jsonify(_newest_first(query, WebhookAttempt.id, limit, before,
                                 lambda attempt: attempt.as_dict()))


@bp.post("/<endpoint_id>/messages/<message_id>/redeliver")
@operation(path=BASE + "/{endpoint_id}/messages/{message_id}/redeliver", method="POST",
           tags=["webhooks"], parameters=[SITE, ENDPOINT, MESSAGE],
           summary="Send one message again (same webhook-id), from the start of the schedule.",
           responses={202: Queued, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
           security=KEY)
def redeliver_message(site: str, endpoint_id: str, message_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    if not endpoint.enabled:
        raise ApiError(409, "webhook_disabled")
    message = _message(endpoint, message_id)
    services.redeliver(message)
    db.session.commit()
    return jsonify({"message_id": message.msg_id, "count": 1}), 202


@bp.post("/<endpoint_id>/redeliver")
@operation(path=BASE + "/{endpoint_id}/redeliver", method="POST", tags=["webhooks"],
           request=RedeliverIn, parameters=[SITE, ENDPOINT],
           summary="Send again every failed message created since a time.",
           responses={202: Queued, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 422: ERROR},
           security=KEY)
def redeliver_failed(site: str, endpoint_id: str):
    endpoint = _endpoint(_site(), endpoint_id)
    if not endpoint.enabled:
        raise ApiError(409, "webhook_disabled")
    data = parse(RedeliverIn, read_json_object())
    since = data.since
    if since.tzinfo is None:
        raise FieldErrors({"since": ("invalid_value", {})})
    count = services.redeliver_failed_since(endpoint, since)
    db.session.commit()
    return jsonify({"message_id": None, "count": count}), 202
