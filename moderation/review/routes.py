"""HTTP entrypoints for moderators: the queue, one item, decisions, claims, the audit log;
and the public reader report endpoint."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from ..comments.models import Comment
from ..comments.accept import email_hash
from ..errors import ApiError, FieldErrors
from ..extensions import db
from ..http import read_json_object
from ..openapi import operation
from ..sites.models import Site
from ..sites.services import get_site
from . import decisions, queries
from .accounts import Actor, current_actor
from .policy import QUEUES
from .ratelimit import limiter
from .reports import add_report
from .schemas import (AuditEntry, BulkDecisionIn, ClaimIn, DecisionIn, DecisionOut, QueueItem,
                      QueuePage, ReportIn, parse)

bp = Blueprint("review", __name__, url_prefix="/api/v1/moderation")
reports_bp = Blueprint("reports", __name__, url_prefix="/api/v1/sites/<site>")

ERROR = "error"
MOD = [{"moderatorToken": []}, {"moderatorSession": []}]
ID = {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "integer"}}
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
DENIED = {401: ERROR, 403: ERROR, 404: ERROR}


def site_for(actor: Actor, slug: str) -> Site:
    """The site, if it exists *and* the actor may see it; otherwise 404 (no existence leak)."""
    site = db.session.scalar(select(Site).where(Site.slug == slug)) if len(slug) <= 64 else None
    if site is None or not actor.can_see(site.id):
        raise ApiError(404, "site_not_found")
    return site


def _scope(actor: Actor, slug: str | None) -> list[int] | None:
    if slug:
        return [site_for(actor, slug).id]
    return actor.visible_site_ids()


def _author_hash(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return value.lower() if HASH_RE.match(value.lower()) else email_hash(value)


def _time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise FieldErrors({name: ("wrong_type", {"expected": "ISO 8601 date"})}) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise FieldErrors({name: ("invalid_choice", {"allowed": ", ".join(allowed)})})
    return value


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise FieldErrors({name: ("wrong_type", {"expected": "integer"})}) from None
    if not low <= value <= high:
        raise FieldErrors({name: ("invalid_value", {})})
    return value


def _short(name: str, max_length: int = 200) -> str | None:
    value = request.args.get(name)
    if value is not None and len(value) > max_length:
        raise FieldErrors({name: ("too_long", {"max": max_length})})
    return value or None


QUEUE_PARAMS = [{"name": n, "in": "query", "schema": {"type": "string"}, "description": d}
                for n, d in (("site", "site slug"), ("thread", "the site's thread id"),
                             ("status", "|".join(QUEUES) + " (default held)"),
                             ("reason", "reason code, e.g. lexicon.banned"),
                             ("category", "reason category, e.g. obscene"),
                             ("language", "language code"), ("author", "email or email hash"),
                             ("since", "ISO 8601"), ("until", "ISO 8601"),
                             ("q", "text search in the original body"),
                             ("sort", "oldest|newest|risk"), ("cursor", "from next_cursor"),
                             ("limit", f"1..{queries.MAX_PAGE}"))]


@bp.get("/queue")
@operation(path="/api/v1/moderation/queue", method="GET", tags=["moderation"],
           summary="One page of a moderation queue, with per-queue counts.",
           parameters=QUEUE_PARAMS, responses={200: QueuePage, 400: ERROR, 422: ERROR, **DENIED},
           security=MOD)
def queue():
    actor = current_actor()
    page = queries.queue_page(queries.QueueFilter(
        site_ids=_scope(actor, _short("site", 64)),
        status=_choice("status", QUEUES, "held"),
        thread=_short("thread", 255), reason=_short("reason", 64),
        category=_short("category", 32), language=_short("language", 8),
        author_hash=_author_hash(_short("author", 255)),
        since=_time("since"), until=_time("until"), text=_short("q", 200),
        sort=_choice("sort", queries.SORTS, "oldest"), cursor=_short("cursor", 500),
        limit=_int_arg("limit", queries.DEFAULT_PAGE, 1, queries.MAX_PAGE)))
    return jsonify(page)


def _load(actor: Actor, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or not actor.can_see(comment.site_id):
        raise ApiError(404, "comment_not_found")
    return comment


@bp.get("/comments/<int:comment_id>")
@operation(path="/api/v1/moderation/comments/{comment_id}", method="GET", tags=["moderation"],
           summary="One comment as a queue item.", parameters=[ID],
           responses={200: QueueItem, **DENIED},
           security=MOD)
def comment_item(comment_id: int):
    actor = current_actor()
    return jsonify(queries.items([_load(actor, comment_id)])[0])


@bp.post("/comments/<int:comment_id>/decision")
@operation(path="/api/v1/moderation/comments/{comment_id}/decision", method="POST",
           tags=["moderation"], request=DecisionIn, parameters=[ID],
           summary="Approve, reject, mark as spam or restore; a stale version is refused (409).",
           responses={200: DecisionOut, 400: ERROR, 409: ERROR, 413: ERROR, 422: ERROR, **DENIED},
           security=MOD)
def decide(comment_id: int):
    actor = current_actor()
    body = parse(DecisionIn, read_json_object())
    comment = decisions.decide(actor, comment_id, decisions.DecisionIn(
        body.action, body.reason, body.note), body.version)
    return jsonify({"id": comment.id, "status": comment.status, "version": comment.version})


@bp.post("/decisions")
@operation(path="/api/v1/moderation/decisions", method="POST", tags=["moderation"],
           request=BulkDecisionIn,
           summary="One decision on many comments (by id and version, or all of an author's "
                   "waiting comments); each item succeeds or fails on its own.",
           responses={200: None, 400: ERROR, 413: ERROR, 422: ERROR, **DENIED}, security=MOD)
def decide_bulk():
    actor = current_actor()
    body = parse(BulkDecisionIn, read_json_object())
    decision = decisions.DecisionIn(body.action, body.reason, body.note)
    if body.items is not None:
        items = [(item.id, item.version) for item in body.items]
    else:
        site = site_for(actor, body.author.site)
        author = body.author.email_hash or email_hash(body.author.email)
        # "All of this author's pending comments" means as they are now: no version to check.
        items = [(i, None) for i in decisions.author_awaiting(actor, site.id, author, 1000)]
    results = decisions.decide_many(actor, decision, items)
    return jsonify({"results": results,
                    "succeeded": sum(1 for r in results if r["ok"]),
                    "failed": sum(1 for r in results if not r["ok"])})


@bp.post("/comments/<int:comment_id>/claim")
@operation(path="/api/v1/moderation/comments/{comment_id}/claim", method="POST",
           tags=["moderation"], request=ClaimIn, parameters=[ID],
           summary="Tell others you are looking at this comment (advisory, 10-900 s).",
           responses={200: None, 409: ERROR, 422: ERROR, **DENIED}, security=MOD)
def claim(comment_id: int):
    actor = current_actor()
    body = parse(ClaimIn, read_json_object()) if request.get_data() else ClaimIn()
    row = decisions.claim(actor, comment_id, body.seconds)
    return jsonify({"comment_id": row.comment_id, "moderator_id": row.moderator_id,
                    "expires_at": row.expires_at.isoformat()})


@bp.delete("/comments/<int:comment_id>/claim")
@operation(path="/api/v1/moderation/comments/{comment_id}/claim", method="DELETE",
           tags=["moderation"], parameters=[ID], summary="Release your claim.",
           responses={204: None, **DENIED}, security=MOD)
def release(comment_id: int):
    decisions.release(current_actor(), comment_id)
    return "", 204


@bp.get("/comments/<int:comment_id>/audit")
@operation(path="/api/v1/moderation/comments/{comment_id}/audit", method="GET",
           tags=["moderation"], parameters=[ID],
           summary="A comment's audit trail, from its creation to now (oldest first).",
           responses={200: AuditEntry, **DENIED}, security=MOD)
def comment_audit(comment_id: int):
    actor = current_actor()
    comment = _load(actor, comment_id)
    entries = queries.audit_log(None, comment_id=comment.id, limit=1000)
    return jsonify({"comment_id": comment.id,
                    "entries": [queries.creation_entry(comment), *reversed(entries)]})


@bp.get("/audit")
@operation(path="/api/v1/moderation/audit", method="GET", tags=["moderation"],
           summary="Audit log by author (email or hash) or by moderator (id), newest first.",
           parameters=[{"name": n, "in": "query", "schema": {"type": "string"}}
                       for n in ("author", "moderator", "site", "before", "limit")],
           responses={200: None, 422: ERROR, **DENIED}, security=MOD)
def audit():
    actor = current_actor()
    scope = _scope(actor, _short("site", 64))
    author = _author_hash(_short("author", 255))
    moderator = request.args.get("moderator")
    if moderator is not None and not moderator.isdigit():
        raise FieldErrors({"moderator": ("wrong_type", {"expected": "integer"})})
    if author is None and moderator is None:
        raise FieldErrors({"author": ("required", {})})
    before = _int_arg("before", 0, 0, 2**62) or None
    entries = queries.audit_log(scope, author_hash=author,
                                actor=f"moderator:{moderator}" if moderator else None,
                                limit=_int_arg("limit", 100, 1, 500), before_id=before)
    return jsonify({"entries": entries})


# --- public: reader reports ---------------------------------------------------------------

@reports_bp.post("/comments/<int:comment_id>/reports")
@operation(path="/api/v1/sites/{site}/comments/{comment_id}/reports", method="POST",
           tags=["comments"], request=ReportIn,
           parameters=[{"name": "site", "in": "path", "required": True,
                        "schema": {"type": "string"}}, ID],
           summary="Report a published comment (public, rate limited per reader).",
           responses={202: None, 400: ERROR, 404: ERROR, 413: ERROR, 422: ERROR, 429: ERROR})
def report(site: str, comment_id: int):
    info = get_site(site)
    ip = request.remote_addr or "-"
    config = current_app.config
    if not limiter().hit(f"report:{info.slug}:{ip}", config["REPORT_RATE_LIMIT"],
                         config["REPORT_RATE_WINDOW"]):
        raise ApiError(429, "rate_limited", seconds=config["REPORT_RATE_WINDOW"])
    body = parse(ReportIn, read_json_object())
    _, counted = add_report(info, comment_id, body.reason, body.text, ip)
    response = jsonify({"received": True, "counted": counted})
    response.status_code = 202
    origin = request.headers.get("Origin")
    if origin and origin in info.allowed_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response
