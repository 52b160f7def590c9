"""Read models for moderators: the queue page (filters, sort, cursor, counts) and the audit log.

A page costs a fixed number of queries whatever its size: the page itself, then one query
each for threads, sites, parents, author histories, sanctions, claims, reader reports and the
per-queue counts.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_

from ..comments.models import Comment, Thread, Transition
from ..errors import ApiError
from ..extensions import db, utcnow
from ..sites.models import Site
from .models import Claim, CommentReason, Moderator, Report, Sanction
from .policy import QUEUES

SORTS = ("oldest", "newest", "risk")
DEFAULT_PAGE, MAX_PAGE = 25, 100
REPORTS_SHOWN = 10  # the latest reader reports shown with an item


@dataclass(frozen=True)
class QueueFilter:
    site_ids: list[int] | None  # None: every site (admin without a site filter)
    status: str = "held"
    thread: str | None = None
    reason: str | None = None
    category: str | None = None
    language: str | None = None
    author_hash: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    sort: str = "oldest"
    cursor: str | None = None
    limit: int = DEFAULT_PAGE


def _encode_cursor(key: Any, comment_id: int) -> str:
    raw = json.dumps([key.isoformat() if isinstance(key, datetime) else key, comment_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, comment_id = json.loads(raw)
        key = float(key) if sort == "risk" else datetime.fromisoformat(key)
        return key, int(comment_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor") from None


def _scope(query, site_ids: list[int] | None):
    if site_ids is None:
        return query
    if len(site_ids) == 1:
        return query.where(Comment.site_id == site_ids[0])
    return query.where(Comment.site_id.in_(site_ids))


def _thread_ids(f: QueueFilter) -> list[int]:
    query = select(Thread.id).where(Thread.external_id == f.thread)
    if f.site_ids is not None:
        query = query.where(Thread.site_id.in_(f.site_ids))
    return list(db.session.scalars(query))


def queue_page(f: QueueFilter) -> dict:
    query = _scope(select(Comment), f.site_ids).where(Comment.status == f.status)
    if f.thread is not None:
        query = query.where(Comment.thread_id.in_(_thread_ids(f) or [-1]))
    if f.reason:
        query = query.where(Comment.id.in_(
            select(CommentReason.comment_id).where(CommentReason.code == f.reason)))
    if f.category:
        query = query.where(Comment.id.in_(
            select(CommentReason.comment_id).where(CommentReason.category == f.category)))
    if f.language:
        query = query.where(Comment.language == f.language)
    if f.author_hash:
        query = query.where(Comment.author_email_hash == f.author_hash)
    if f.since:
        query = query.where(Comment.created_at >= f.since)
    if f.until:
        query = query.where(Comment.created_at < f.until)
    if f.text:
        escaped = f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Comment.body.ilike(f"%{escaped}%", escape="\\"))

    column = {"oldest": Comment.created_at, "newest": Comment.created_at,
              "risk": Comment.risk}[f.sort]
    descending = f.sort in ("newest", "risk")
    if f.cursor:
        key, after_id = _decode_cursor(f.cursor, f.sort)
        if descending:
            query = query.where(or_(column < key, and_(column == key, Comment.id < after_id)))
        else:
            query = query.where(or_(column > key, and_(column == key, Comment.id > after_id)))
    order = (column.desc(), Comment.id.desc()) if descending else (column, Comment.id)
    rows = list(db.session.scalars(query.order_by(*order).limit(f.limit + 1)))
    next_cursor = None
    if len(rows) > f.limit:
        rows = rows[:f.limit]
        last = rows[-1]
        next_cursor = _encode_cursor(last.risk if f.sort == "risk" else last.created_at, last.id)
    return {"items": items(rows), "next_cursor": next_cursor, "counts": counts(f)}


def counts(f: QueueFilter) -> dict[str, int]:
    query = _scope(select(Comment.status, func.count()), f.site_ids).group_by(Comment.status)
    if f.thread is not None:
        query = query.where(Comment.thread_id.in_(_thread_ids(f) or [-1]))
    found = dict(db.session.execute(query).all())
    return {status: found.get(status, 0) for status in QUEUES}


def items(rows: list[Comment]) -> list[dict]:
    if not rows:
        return []
    ids = [c.id for c in rows]
    threads = {t.id: t for t in db.session.scalars(
        select(Thread).where(Thread.id.in_({c.thread_id for c in rows})))}
    sites = dict(db.session.execute(
        select(Site.id, Site.slug).where(Site.id.in_({c.site_id for c in rows}))).all())
    parent_ids = {c.parent_id for c in rows if c.parent_id}
    parents = {p.id: p for p in db.session.scalars(
        select(Comment).where(Comment.id.in_(parent_ids)))} if parent_ids else {}
    authors = {(c.site_id, c.author_email_hash) for c in rows}
    history: dict[tuple, dict] = {}
    for site_id, author, status, count, first in db.session.execute(
            select(Comment.site_id, Comment.author_email_hash, Comment.status, func.count(),
                   func.min(Comment.created_at))
            .where(tuple_(Comment.site_id, Comment.author_email_hash).in_(authors))
            .group_by(Comment.site_id, Comment.author_email_hash, Comment.status)):
        entry = history.setdefault((site_id, author), {"counts": {}, "first_seen": first})
        entry["counts"][status] = count
        if first is not None and (entry["first_seen"] is None or first < entry["first_seen"]):
            entry["first_seen"] = first
    now = utcnow()
    sanctions: dict[str, list[dict]] = {}
    for s in db.session.scalars(select(Sanction).where(
            Sanction.email_hash.in_({a for _, a in authors}), Sanction.revoked_at.is_(None),
            or_(Sanction.expires_at.is_(None), Sanction.expires_at > now))):
        sanctions.setdefault(s.email_hash, []).append(
            {"id": s.id, "kind": s.kind, "site_id": s.site_id,
             "expires_at": s.expires_at.isoformat() if s.expires_at else None})
    claims = {c.comment_id: c for c in db.session.execute(
        select(Claim.comment_id, Claim.expires_at, Moderator.id, Moderator.display_name)
        .join(Moderator, Moderator.id == Claim.moderator_id)
        .where(Claim.comment_id.in_(ids), Claim.expires_at > now))}
    reported = [c.id for c in rows if c.report_count]
    reports: dict[int, list[dict]] = {}
    if reported:
        for r in db.session.scalars(select(Report).where(Report.comment_id.in_(reported))
                                    .order_by(Report.id.desc())):
            entries = reports.setdefault(r.comment_id, [])
            if len(entries) < REPORTS_SHOWN:
                entries.append({"reason": r.reason, "text": r.text,
                                "created_at": r.created_at.isoformat()})
    items_out = [_item(c, threads.get(c.thread_id), sites.get(c.site_id),
                       parents.get(c.parent_id), history.get((c.site_id, c.author_email_hash), {}),
                       [s for s in sanctions.get(c.author_email_hash, [])
                        if s["site_id"] in (None, c.site_id)], claims.get(c.id))
                 for c in rows]
    for item in items_out:
        item["reports"] = reports.get(item["id"], [])
    return items_out


def _item(c: Comment, thread, site_slug, parent, history, sanctions, claim) -> dict:
    counts = history.get("counts", {})
    first = history.get("first_seen")
    return {
        "id": c.id, "site": site_slug, "status": c.status, "version": c.version,
        "created_at": c.created_at.isoformat(),
        "checked_at": c.checked_at.isoformat() if c.checked_at else None,
        "body": c.body, "body_html": c.body_html, "language": c.language,
        "risk": c.risk, "scores": c.scores or {}, "reasons": c.reasons or [],
        "report_count": c.report_count,
        "thread": {"id": thread.external_id, "url": thread.url, "title": thread.title}
        if thread else None,
        "parent": {"id": parent.id, "author_name": parent.author_name, "status": parent.status,
                   "body": parent.body, "body_html": parent.body_html,
                   "created_at": parent.created_at.isoformat()} if parent else None,
        "author": {
            "name": c.author_name, "email": c.author_email, "email_hash": c.author_email_hash,
            "url": c.author_url, "ip": c.client_ip,
            "history": {"published": counts.get("published", 0),
                        "rejected": counts.get("rejected", 0), "spam": counts.get("spam", 0),
                        "held": counts.get("held", 0), "reported": counts.get("reported", 0),
                        "first_seen": first.isoformat() if first else None,
                        "sanctions": sanctions},
        },
        "claim": {"moderator_id": claim.id, "moderator": claim.display_name,
                  "expires_at": claim.expires_at.isoformat()} if claim else None,
    }


def audit_log(site_ids: list[int] | None, *, comment_id: int | None = None,
              author_hash: str | None = None, actor: str | None = None,
              limit: int = 100, before_id: int | None = None) -> list[dict]:
    """Transitions newest first; a comment's own log starts with its creation."""
    query = (select(Transition, Comment.site_id, Comment.author_email_hash)
             .join(Comment, Comment.id == Transition.comment_id))
    if site_ids is not None:
        query = query.where(Comment.site_id.in_(site_ids))
    if comment_id is not None:
        query = query.where(Transition.comment_id == comment_id)
    if author_hash is not None:
        query = query.where(Comment.author_email_hash == author_hash)
    if actor is not None:
        query = query.where(Transition.actor == actor)
    if before_id is not None:
        query = query.where(Transition.id < before_id)
    rows = db.session.execute(query.order_by(Transition.id.desc()).limit(limit)).all()
    return [{"id": t.id, "comment_id": t.comment_id, "from_status": t.from_status,
             "to_status": t.to_status, "actor": t.actor, "reasons": t.reason_codes or [],
             "note": t.note, "created_at": t.created_at.isoformat()} for t, _, _ in rows]


def creation_entry(comment: Comment) -> dict:
    return {"id": None, "comment_id": comment.id, "from_status": None, "to_status": "pending",
            "actor": "author", "reasons": [], "note": "comment received",
            "created_at": comment.created_at.isoformat()}
