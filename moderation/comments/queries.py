"""Read models: what the API returns about comments. Public ones never carry email or IP."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from ..errors import ApiError
from ..extensions import db
from .models import Comment, Status, Thread

DEFAULT_PAGE = 50
MAX_PAGE = 200


def comment_detail(site_id: int, comment_id: int) -> dict[str, Any] | None:
    row = db.session.execute(
        select(Comment, Thread.external_id).join(Thread, Thread.id == Comment.thread_id)
        .where(Comment.id == comment_id, Comment.site_id == site_id)
    ).first()
    if row is None:
        return None
    comment, thread_external_id = row
    decided = comment.checked_at is not None
    return {
        "id": comment.id,
        "status": comment.status,
        "decision": comment.status if decided else None,
        "thread_id": thread_external_id,
        "parent_id": comment.parent_id,
        "created_at": comment.created_at.isoformat(),
        "checked_at": comment.checked_at.isoformat() if decided else None,
        "language": comment.language,
        "scores": comment.scores or {},
        "reasons": comment.reasons or [],
    }


def public_comment(comment: Comment) -> dict[str, Any]:
    """The only shape in which a comment leaves the service publicly."""
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": {"name": comment.author_name, "url": comment.author_url},
        "body_html": comment.body_html or "",
        "created_at": comment.created_at.isoformat(),
        "replies": [],
    }


def _encode_cursor(created_at: datetime, comment_id: int) -> str:
    raw = f"{created_at.isoformat()}|{comment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, _, ident = base64.urlsafe_b64decode(padded).decode().partition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor") from None


def thread_page(site_id: int, external_id: str, cursor: str | None, limit: int,
                visible: tuple[str, ...] = (Status.PUBLISHED.value,)) -> dict:
    """One page of top-level published comments, each with its published replies nested.

    ``visible``: the statuses readers see; a site that does not hide reported comments
    until reviewed passes ``("published", "reported")``.
    """
    after = _decode_cursor(cursor) if cursor else None
    thread_pk = db.session.scalar(select(Thread.id).where(
        Thread.site_id == site_id, Thread.external_id == external_id))
    page: dict[str, Any] = {"thread_id": external_id, "comments": [], "next_cursor": None}
    if thread_pk is None:
        return page

    published = (Comment.status == visible[0] if len(visible) == 1
                 else Comment.status.in_(visible))
    query = (select(Comment).where(Comment.thread_id == thread_pk, published,
                                   Comment.parent_id.is_(None))
             .order_by(Comment.created_at, Comment.id).limit(limit + 1))
    if after:
        after_time, after_id = after
        query = query.where(or_(Comment.created_at > after_time,
                                and_(Comment.created_at == after_time, Comment.id > after_id)))
    roots = list(db.session.scalars(query))
    if len(roots) > limit:
        roots = roots[:limit]
        page["next_cursor"] = _encode_cursor(roots[-1].created_at, roots[-1].id)
    if not roots:
        return page

    replies = db.session.scalars(
        select(Comment).where(Comment.root_id.in_([r.id for r in roots]), published)
        .order_by(Comment.created_at, Comment.id))
    nodes = {root.id: public_comment(root) for root in roots}
    for reply in replies:  # oldest first, so a parent is always placed before its replies
        parent = nodes.get(reply.parent_id)
        if parent is None:
            continue  # its parent is no longer published: the reply's branch is hidden too
        nodes[reply.id] = node = public_comment(reply)
        parent["replies"].append(node)
    page["comments"] = [nodes[root.id] for root in roots]
    return page
