"""Accepting a comment, deciding it, and recording every change of its status.

``record_transition`` is the one place a comment's status changes; everything that must
follow a change (the audit row, notifications) hangs off it, in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..detection import CommentFacts, Decision, evaluate
from ..errors import FieldErrors
from ..extensions import db, utcnow
from ..queue import send_after_commit
from ..review import hooks as review
from ..sites.models import Site
from ..sites.services import SiteInfo
from ..webhooks import services as webhooks
from .models import Comment, Status, Thread, Transition
from . import signals
from .rendering import render_comment

log = logging.getLogger(__name__)

CHECK_TASK = "workers.checks.run"


def email_hash(email: str) -> str:
    """Identity of an author across comments, without using the address itself as a key."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewComment:
    """A validated comment, as the entrypoints hand it to ``accept_comment``."""

    thread_id: str
    thread_url: str | None
    thread_title: str | None
    parent_id: int | None
    author_name: str
    author_email: str
    author_url: str | None
    body: str
    client_ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None
    form_age_seconds: float | None = None  # from a valid signed form token, else None
    honeypot_filled: bool = False


def visible_statuses(policy) -> tuple[str, ...]:
    """What readers see: published, and reported-but-not-yet-reviewed unless the site hides
    reported comments until a moderator looked at them."""
    if (policy or {}).get("hide_reported"):
        return (Status.PUBLISHED.value,)
    return (Status.PUBLISHED.value, Status.REPORTED.value)


@dataclass(frozen=True)
class Accepted:
    id: int
    status: str
    created_at: datetime


def accept_comment(site: SiteInfo, new: NewComment) -> Accepted:
    """Store the comment as ``pending`` and queue its checks once the row is committed.

    This is the hottest path of the service: a sanctions look-up, a thread look-up (usually
    cached), one insert, the site's webhook endpoints (for comment.created), one commit and
    one message. Detection and rendering happen in the worker.
    """
    author_hash = email_hash(new.author_email)
    # A banned or suspended author is refused before anything is stored (one indexed query).
    review.check_author_allowed(site.id, author_hash, new.client_ip)
    thread_pk = _thread_pk(site.id, new)
    root_id = None
    if new.parent_id is not None:
        parent = db.session.execute(
            select(Comment.id, Comment.root_id).where(
                Comment.id == new.parent_id, Comment.thread_id == thread_pk,
                Comment.status.in_(visible_statuses(site.policy)))
        ).first()
        if parent is None:
            raise FieldErrors({"parent_id": ("parent_not_found", {})})
        root_id = parent.root_id or parent.id

    now = utcnow()
    comment_id = db.session.execute(
        insert(Comment).values(
            site_id=site.id, thread_id=thread_pk, parent_id=new.parent_id, root_id=root_id,
            author_name=new.author_name, author_email=new.author_email,
            author_email_hash=author_hash, author_url=new.author_url,
            body=new.body, client_ip=new.client_ip, user_agent=new.user_agent,
            referrer=new.referrer, form_age_seconds=new.form_age_seconds,
            honeypot_filled=new.honeypot_filled, status=Status.PENDING.value, scores={}, reasons=[],
            version=1, check_attempts=0, created_at=now, updated_at=now, check_enqueued_at=now,
        ).returning(Comment.id)
    ).scalar_one()
    # No transition row for the creation itself: the comment row records it. Every later
    # change goes through record_transition.
    send_after_commit(CHECK_TASK, comment_id)
    # comment.created webhooks, in this transaction (one indexed query if the site has none).
    webhooks.comment_created(site.id, site.slug, comment_id, new.thread_id, new.parent_id, now)
    db.session.commit()
    return Accepted(comment_id, Status.PENDING.value, now)


class _ThreadIds:
    """Per-process cache of thread primary keys: a thread's key never changes, so most
    comments skip the look-up. Bounded, least recently used first out."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._ids: OrderedDict[tuple[int, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> int | None:
        with self._lock:
            pk = self._ids.get(key)
            if pk is not None:
                self._ids.move_to_end(key)
            return pk

    def put(self, key: tuple[int, str], pk: int) -> None:
        with self._lock:
            self._ids[key] = pk
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()


thread_ids = _ThreadIds()


def _thread_pk(site_id: int, new: NewComment) -> int:
    """The thread's primary key, creating the thread on its first comment (race-safe)."""
    key = (site_id, new.thread_id)
    pk = thread_ids.get(key)
    if pk is not None:
        return pk
    pk = db.session.scalar(select(Thread.id).where(
        Thread.site_id == site_id, Thread.external_id == new.thread_id))
    if pk is not None:
        thread_ids.put(key, pk)
        return pk
    dialect = db.session.get_bind().dialect.name
    insert_thread = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(
        insert_thread(Thread).values(site_id=site_id, external_id=new.thread_id,
                                     url=new.thread_url, title=new.thread_title,
                                     created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["site_id", "external_id"])
    )
    # Not cached yet: the new row exists only once this transaction commits.
    return db.session.scalar(select(Thread.id).where(
        Thread.site_id == site_id, Thread.external_id == new.thread_id))


def record_transition(comment: Comment, from_status: str | None, to_status: str, *,
                      reasons: Sequence[dict[str, Any]], actor: str, note: str | None = None
                      ) -> Transition:
    transition = Transition(comment_id=comment.id, from_status=from_status, to_status=to_status,
                            actor=actor, reason_codes=[r["code"] for r in reasons], note=note,
                            created_at=utcnow())
    db.session.add(transition)
    # Webhook messages are rows of this same transaction: committed with the change or not at all.
    webhooks.comment_changed(comment, from_status, to_status, transition.reason_codes)
    return transition


def check_comment(comment_id: int, extra_checks=()) -> str | None:
    """Run the checks on a pending comment and apply the decision. Safe to run twice.

    Returns the new status, or None when there was nothing to do (the comment is gone or
    was already decided by an earlier run or a moderator).
    """
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
    db.session.commit()
    return comment.status


def _facts(comment: Comment, author=None) -> CommentFacts:
    previous = db.session.scalar(
        select(Comment.body).where(
            Comment.site_id == comment.site_id,
            Comment.author_email_hash == comment.author_email_hash,
            Comment.id < comment.id)
        .order_by(Comment.id.desc()).limit(1))
    return CommentFacts(text=comment.body, author_name=comment.author_name,
                        author_email=comment.author_email, author_url=comment.author_url,
                        previous_text=previous, **signals.gather(comment),
                        author_published=author.published if author else 0,
                        author_rejected=author.rejected if author else 0)


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

