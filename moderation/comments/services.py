"""Recording every change of a comment's status, and sweeping up lost checks.

``record_transition`` is the one place a comment's status changes; everything that must
follow a change (the audit row, notifications) hangs off it, in the same transaction.
Accepting a comment is in ``accept``, deciding it in ``checking``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Sequence

from flask import current_app
from sqlalchemy import insert, select, update

from ..extensions import db, utcnow
from ..queue import send_after_commit
from ..webhooks import services as webhooks
from .accept import CHECK_TASK
from .models import Comment, Status, Transition


def record_transition(comment: Comment, from_status: str | None, to_status: str, *,
                      reasons: Sequence[dict[str, Any]], actor: str, note: str | None = None,
                      endpoints=None, rows: list[dict] | None = None) -> None:
    """Record that ``comment`` went from ``from_status`` to ``to_status`` (the caller has set
    the new status), in the caller's transaction. For a batch of decisions, the caller may
    pass the site's enabled webhook ``endpoints`` it has read already, and a list of
    ``rows`` to collect the transition row in and insert with the others (``insert_transitions``).
    """
    reason_codes = [r["code"] for r in reasons]
    row = {"comment_id": comment.id, "from_status": from_status, "to_status": to_status,
           "actor": actor, "reason_codes": reason_codes, "note": note, "created_at": utcnow()}
    if rows is None:
        insert_transitions([row])
    else:
        rows.append(row)
    # Webhook messages are rows of this same transaction: committed with the change or not at all.
    # The first decision also announces the comment itself, just before: the accept path stays
    # one statement, and a consumer always sees comment.created first.
    webhooks.comment_changed(comment, from_status, to_status, reason_codes,
                             announce_created=from_status == Status.PENDING.value,
                             endpoints=endpoints)


def insert_transitions(rows: list[dict]) -> None:
    # A plain insert, not ORM objects: nothing reads the rows back in this transaction, and
    # the unit of work costs more than the statement.
    if rows:
        db.session.connection().execute(insert(Transition), rows)


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

