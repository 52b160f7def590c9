"""Deciding pending comments: the checks, the site's policy, and storing the decision.

The worker hands over comments in batches (``workers.checks.run`` collects its messages),
and a batch is decided in one transaction: one statement locks it, each site's moderation
data and webhook endpoints are read once, and one commit ends it. Most of a decision's cost
was per transaction and per round trip, not per comment. Each comment still gets its own
facts, in order, so it sees the comments decided before it in the batch exactly as it would
have seen them committed: their text is indexed as they go, and their decisions count in
their author's history (``review.ReviewBatch``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import bindparam, select, update

from ..detection import CommentFacts, Decision, evaluate
from ..extensions import db, utcnow
from ..review import hooks as review
from ..sites.models import Site
from ..webhooks import services as webhooks
from . import signals
from .models import Comment, Status
from .rendering import render_comment
from .services import insert_transitions, record_transition


def check_comments(comment_ids: Iterable[int], extra_checks=()) -> dict[int, str]:
    """Run the checks on the pending comments among ``comment_ids`` and store the decisions,
    in one transaction. Safe to run twice, and beside other workers: a comment that is gone,
    already decided, or being decided by another worker right now is left out.

    Returns the new status of each comment decided.
    """
    ids = sorted({int(comment_id) for comment_id in comment_ids})
    if not ids:
        return {}
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE: take its write lock before reading, so a second run
        # (another worker, the sweeper's copy) waits, then sees the decision and does nothing.
        db.session.execute(update(Comment).where(Comment.id.in_(ids))
                           .values(version=Comment.version))
    rows = db.session.execute(_lock_statement(), {"ids": ids}).all()
    if not rows:
        db.session.rollback()
        return {}
    comments = [comment for comment, _ in rows]
    moderation = review.ReviewBatch(comments)
    prior = signals.prior_facts(comments)
    endpoints = webhooks.EndpointCache()
    writes = _Writes()
    decided = {}
    for comment, site_policy in rows:
        site_policy = site_policy or {}
        # Moderation's contribution: sanctions and reputation of the author, the site's terms
        # and the patterns learned from its moderators' decisions (extra checks + an adjustment).
        context = moderation.context(comment, site_policy)
        decision = evaluate(_facts(comment, prior[comment.id], context.author), site_policy,
                            (*extra_checks, *context.checks))
        apply_decision(comment, decision, adjust=context.adjust(comment.body),
                       endpoints=endpoints.enabled(comment.site_id), writes=writes)
        moderation.decided(comment)
        decided[comment.id] = comment.status  # read before the commit expires the row
    writes.insert()
    db.session.commit()
    return decided


def check_comment(comment_id: int, extra_checks=()) -> str | None:
    """``check_comments`` for one comment: its new status, or None if there was nothing to do."""
    return check_comments([comment_id], extra_checks).get(comment_id)


@lru_cache(maxsize=None)
def _lock_statement():
    return (select(Comment, Site.policy).join(Site, Site.id == Comment.site_id)
            .where(Comment.id.in_(bindparam("ids", expanding=True)),
                   Comment.status == Status.PENDING.value)
            .order_by(Comment.id)
            # A comment another worker is deciding right now is its business: skip, don't wait.
            .with_for_update(of=Comment, skip_locked=True))


def _facts(comment: Comment, prior: signals.Prior, author) -> CommentFacts:
    return CommentFacts(text=comment.body, author_name=comment.author_name,
                        author_email=comment.author_email, author_url=comment.author_url,
                        **signals.gather(comment, prior),
                        author_published=author.published, author_rejected=author.rejected)


class _Writes:
    """The rows a batch of decisions adds (reason index, transitions), inserted together at
    the end: a statement for each kind, not for each comment. Nothing in the batch reads
    them back."""

    def __init__(self) -> None:
        self.reasons: list[dict] = []
        self.transitions: list[dict] = []

    def insert(self) -> None:
        review.index_reasons(self.reasons)
        insert_transitions(self.transitions)


def apply_decision(comment: Comment, decision: Decision, adjust, endpoints,
                   writes: _Writes) -> None:
    """Store the decision; ``adjust(status, reasons)`` (sanctions, trust, learned allows) may
    change the status and add reasons before it is recorded. The comment's new row values
    are written at the commit, its reason and transition rows by ``writes``."""
    reasons = [finding.to_dict() for finding in decision.reasons]
    adjustment = adjust(decision.status, reasons)
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
    writes.reasons += review.reason_rows(comment.id, reasons)
    record_transition(comment, previous, status, reasons=reasons, actor="system",
                      note="automatic checks", endpoints=endpoints, rows=writes.transitions)
