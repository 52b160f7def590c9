"""Moderators' decisions (single and bulk) and claims.

Every decision names the comment version it was made on; the row is locked, the version
compared, and a stale decision refused, so two moderators never clobber each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from ..comments.models import Comment
from ..comments.rendering import render_comment
from ..comments.services import record_transition
from ..errors import ApiError
from ..extensions import db, utcnow
from .accounts import Actor
from .learning import record_example
from .models import Claim
from .policy import InvalidTransition, example_label, target_status

# Statuses that are waiting for a person: what "all of this author's pending comments" means.
AWAITING = ("pending", "held", "reported")


@dataclass(frozen=True)
class DecisionIn:
    action: str
    reason: str | None = None
    note: str | None = None


def _visible_comment(actor: Actor, comment_id: int, lock: bool = True) -> Comment:
    query = select(Comment).where(Comment.id == comment_id)
    if lock:
        query = query.with_for_update()
    comment = db.session.scalar(query)
    if comment is None or not actor.can_see(comment.site_id):
        # A comment of a site the moderator is not assigned to does not exist for them.
        raise ApiError(404, "comment_not_found")
    return comment


def apply_moderator_decision(actor: Actor, comment: Comment, decision: DecisionIn,
                             version: int | None) -> Comment:
    """Change the status (locked row), record the transition and the labelled example."""
    if version is not None and version != comment.version:
        raise ApiError(409, "stale_version", current=comment.version)
    try:
        new_status = target_status(decision.action, comment.status)
    except InvalidTransition:
        raise ApiError(409, "invalid_transition", action=decision.action,
                       state=comment.status) from None
    previous = comment.status
    comment.status = new_status
    comment.version += 1
    comment.updated_at = utcnow()
    if new_status == "published":
        comment.report_count = 0  # reviewed and kept: earlier reports are answered
        if comment.body_html is None:  # approved before the checks ran: render it now
            comment.body_html = render_comment(comment.body)
    reasons = [{"code": decision.reason}] if decision.reason else []
    record_transition(comment, previous, new_status, reasons=reasons, actor=actor.label,
                      note=decision.note)
    label = example_label(decision.action)
    if label:
        record_example(comment, label, actor.id)
    db.session.execute(delete(Claim).where(Claim.comment_id == comment.id))
    return comment


def decide(actor: Actor, comment_id: int, decision: DecisionIn, version: int) -> Comment:
    comment = _visible_comment(actor, comment_id)
    apply_moderator_decision(actor, comment, decision, version)
    db.session.commit()
    return comment


def decide_many(actor: Actor, decision: DecisionIn, items: list[tuple[int, int | None]]
                ) -> list[dict]:
    """Each item on its own: one stale or foreign comment does not undo the others.

    Rows are locked in id order so two bulk actions over overlapping sets cannot deadlock.
    """
    results = []
    for comment_id, version in sorted(items, key=lambda item: item[0]):
        try:
            with db.session.begin_nested():
                comment = _visible_comment(actor, comment_id)
                apply_moderator_decision(actor, comment, decision, version)
            results.append({"id": comment_id, "ok": True, "status": comment.status,
                            "version": comment.version})
        except ApiError as exc:
            results.append({"id": comment_id, "ok": False,
                            "error": {"code": exc.code, **exc.params}})
    db.session.commit()
    return results


def author_awaiting(actor: Actor, site_id: int, email_hash: str, limit: int) -> list[int]:
    if not actor.can_see(site_id):
        raise ApiError(404, "site_not_found")
    return list(db.session.scalars(
        select(Comment.id).where(Comment.site_id == site_id,
                                 Comment.author_email_hash == email_hash,
                                 Comment.status.in_(AWAITING))
        .order_by(Comment.id).limit(limit)))


def claim(actor: Actor, comment_id: int, seconds: int) -> Claim:
    comment = _visible_comment(actor, comment_id)
    now = utcnow()
    row = db.session.get(Claim, comment.id, with_for_update=True)
    if row is not None and row.moderator_id != actor.id and row.expires_at > now:
        raise ApiError(409, "claimed", until=row.expires_at.isoformat())
    if row is None:
        row = Claim(comment_id=comment.id, moderator_id=actor.id, expires_at=now)
        db.session.add(row)
    row.moderator_id, row.expires_at = actor.id, now + timedelta(seconds=seconds)
    db.session.commit()
    return row


def release(actor: Actor, comment_id: int) -> None:
    comment = _visible_comment(actor, comment_id, lock=False)
    db.session.execute(delete(Claim).where(Claim.comment_id == comment.id,
                                           Claim.moderator_id == actor.id))
    db.session.commit()
