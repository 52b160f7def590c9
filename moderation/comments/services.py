"""Deciding a comment, and recording every change of its status.

``record_transition`` is the one place a comment's status changes; everything that must
follow a change (the audit row, notifications) hangs off it, in the same transaction.
Accepting a comment is in ``accept``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any, Sequence

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from ..detection import CommentFacts, Decision, evaluate
from ..extensions import db, utcnow
from ..queue import send_after_commit
from ..review import hooks as review
from ..sites.models import Site
from ..webhooks import services as webhooks
from .accept import CHECK_TASK
from .models import Comment, Status, Transition
from . import signals
from .rendering import render_comment

log = logging.getLogger(__name__)


def record_transition(comment: Comment, from_status: str | None, to_status: str, *,
                      reasons: Sequence[dict[str, Any]], actor: str, note: str | None = None
                      ) -> None:
    """Record that ``comment`` went from ``from_status`` to ``to_status`` (the caller has set
    the new status), in the caller's transaction."""
    reason_codes = [r["code"] for r in reasons]
    # A plain insert, not an ORM object: nothing reads the row back in this transaction, and
    # the unit of work costs more than the statement.
    db.session.connection().execute(insert(Transition), {
        "comment_id": comment.id, "from_status": from_status, "to_status": to_status,
        "actor": actor, "reason_codes": reason_codes, "note": note, "created_at": utcnow()})
    # Webhook messages are rows of this same transaction: committed with the change or not at all.
    # The first decision also announces the comment itself, just before: the accept path stays
    # one statement, and a consumer always sees comment.created first.
    webhooks.comment_changed(comment, from_status, to_status, reason_codes,
                             announce_created=from_status == Status.PENDING.value)


def check_comment(comment_id: int, extra_checks=()) -> str | None:
    """Run the checks on a pending comment and apply the decision. Safe to run twice.

    Returns the new status, or None when there was nothing to do (the comment is gone or
    was already decided by an earlier run or a moderator).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE: take its write lock before reading, so a second run
        # (another worker, the sweeper's copy) waits, then sees the decision and does nothing.
        db.session.execute(update(Comment).where(Comment.id == comment_id)
                           .values(version=Comment.version))
    row = db.session.execute(
        select(Comment, Site.policy).join(Site, Site.id == Comment.site_id)
        .where(Comment.id == comment_id)
        # Another worker already holding this comment is deciding it: skip, don't wait.
        .with_for_update(of=Comment, skip_locked=True)
    ).first()
    if row is None or row.Comment.status != Status.PENDING.value:
        db.session.rollback()
        return None
    comment, site_policy = row.Comment, row.policy or {}
    # Moderation's contribution: sanctions and reputation of the author, the site's terms and
    # the patterns learned from its moderators' decisions (extra checks + an adjustment).
    context = review.review_context(comment, site_policy)
    decision = evaluate(_facts(comment, context.author), site_policy,
                        (*extra_checks, *context.checks))
    apply_decision(comment, decision, adjust=context.adjust(comment.body))
    status = comment.status  # read before the commit expires the row (no reload)
    db.session.commit()
    return status


def _facts(comment: Comment, author=None) -> CommentFacts:
    previous = db.session.connection().scalar(_previous_body_statement(), {
        "site_id": comment.site_id, "email_hash": comment.author_email_hash,
        "comment_id": comment.id})
    return CommentFacts(text=comment.body, author_name=comment.author_name,
                        author_email=comment.author_email, author_url=comment.author_url,
                        previous_text=previous, **signals.gather(comment),
                        author_published=author.published if author else 0,
                        author_rejected=author.rejected if author else 0)


@lru_cache(maxsize=None)
def _previous_body_statement():
    """The author's comment before this one on the site (built once: building costs more
    than running it)."""
    return (select(Comment.body).where(
        Comment.site_id == bindparam("site_id"),
        Comment.author_email_hash == bindparam("email_hash"),
        Comment.id < bindparam("comment_id"))
        .order_by(Comment.id.desc()).limit(1))


def apply_decision(comment: Comment, decision: Decision, adjust=None) -> None:
    """Store the decision; ``adjust(status, reasons)`` (sanctions, trust, learned allows) may
    change the status and add reasons before it is recorded."""
    reasons = [finding.to_dict() for finding in decision.reasons]
    status = decision.status
    if adjust is not None:
        adjustment = adjust(status, reasons)
        status, reasons = adjustment.status, [*adjustment.reasons, *reasons]
    now = utcnow()
    previous = comment.status
    comment.status = status
    comment.reasons = reasons
    comment.scores = dict(decision.scores)
    comment.risk = max((float(v) for v in comment.scores.values()), default=0.0)
    comment.language = getattr(decision, "language", None)
    comment.body_html = render_comment(comment.body)
    comment.checked_at = now
    comment.updated_at = now
    comment.version += 1
    review.index_reasons(comment.id, reasons)
    record_transition(comment, previous, status, reasons=reasons, actor="system",
                      note="automatic checks")


def requeue_stale_pending(limit: int = 500) -> list[int]:
    """Ids of comments left ``pending`` too long; their checks are sent again after commit."""
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config["PENDING_SWEEP_AFTER"])
    ids = db.session.scalars(
        select(Comment.id).where(Comment.status == Status.PENDING.value,
                                 Comment.check_enqueued_at < cutoff)
        .order_by(Comment.created_at).limit(limit)
    ).all()
    if ids:
        db.session.execute(update(Comment).where(Comment.id.in_(ids)).values(
            check_enqueued_at=now, check_attempts=Comment.check_attempts + 1))
        for comment_id in ids:
            send_after_commit(CHECK_TASK, comment_id)
    db.session.commit()
    return list(ids)

