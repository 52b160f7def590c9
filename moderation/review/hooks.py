"""The seam between the comment pipeline and moderation: what ``comments`` asks.

Kept in one module so the pipeline's dependency on moderation is visible at a glance:
the accept path's insert checks bans itself and asks here only why an insert was refused;
the checks ask for the author's standing, the site's terms and what moderators taught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select

from ..comments.models import Comment
from ..errors import ApiError
from ..extensions import db, utcnow
from .learning import learned_for
from .models import CommentReason, Sanction
from .policy import AuthorState, Learned, adjust_decision, term_check


def _active(site_id: int, email_hash: str, ip: str | None, kinds: tuple[str, ...]):
    """The author's active sanctions of ``kinds`` (rows of kind, expires_at)."""
    return db.session.connection().execute(_active_statement(kinds, ip is not None), {
        "site_id": site_id, "email_hash": email_hash, "ip": ip, "now": utcnow()})


@lru_cache(maxsize=None)
def _active_statement(kinds: tuple[str, ...], with_ip: bool):
    who = Sanction.email_hash == bindparam("email_hash")
    if with_ip:
        who = or_(who, Sanction.ip == bindparam("ip"))
    return select(Sanction.kind, Sanction.expires_at).where(
        who, Sanction.kind.in_(kinds), Sanction.revoked_at.is_(None),
        or_(Sanction.site_id == bindparam("site_id"), Sanction.site_id.is_(None)),
        or_(Sanction.expires_at.is_(None), Sanction.expires_at > bindparam("now")))


def check_author_allowed(site_id: int, email_hash: str, ip: str | None) -> None:
    """403 for a banned or suspended author (by email hash or IP), before anything is stored."""
    row = _active(site_id, email_hash, ip, ("ban", "suspend")).first()
    if row is None:
        return
    if row.kind == "suspend" and row.expires_at is not None:
        raise ApiError(403, "author_suspended", until=row.expires_at.isoformat())
    raise ApiError(403, "author_banned")


def author_state(comment: Comment, earlier: Mapping[int, str] | None = None) -> AuthorState:
    """The author's sanctions and history on the site. ``earlier``: the author's other
    comments decided in this transaction (id: status), counted by what was decided whether
    or not the change has been flushed yet."""
    kinds = frozenset(row.kind for row in _active(
        comment.site_id, comment.author_email_hash, comment.client_ip,
        ("ban", "suspend", "hold", "trust")))
    earlier = earlier or {}
    counts = Counter(dict(db.session.connection().execute(_history_statement(), {
        "site_id": comment.site_id, "email_hash": comment.author_email_hash,
        "exclude": [comment.id, *earlier]}).all()))
    counts.update(earlier.values())
    return AuthorState(sanctions=kinds, published=counts["published"],
                       rejected=counts["rejected"] + counts["spam"])


@lru_cache(maxsize=None)
def _history_statement():
    return (select(Comment.status, func.count()).where(
        Comment.site_id == bindparam("site_id"),
        Comment.author_email_hash == bindparam("email_hash"),
        Comment.id.not_in(bindparam("exclude", expanding=True)))
        .group_by(Comment.status))


@dataclass(frozen=True)
class ReviewContext:
    author: AuthorState
    learned: Learned
    checks: tuple
    allowed_terms: frozenset[str]

    def adjust(self, text: str):
        return lambda status, reasons: adjust_decision(status, reasons, text, self.author,
                                                       self.learned.allow | self.allowed_terms)


class ReviewBatch:
    """What the checks ask moderation, for a batch of comments decided in one transaction.

    Each site's learned terms are read once for all its comments in the batch. A decision
    may reach the database only when the batch commits, so the batch keeps what it decided
    for each author: a flood of one author's comments in one batch weighs on the author's
    history exactly as it would have one transaction at a time.
    """

    def __init__(self, comments: Iterable[Comment]) -> None:
        self._texts: dict[int, list[str]] = {}
        for comment in comments:
            self._texts.setdefault(comment.site_id, []).append(comment.body)
        self._learned: dict[int, Callable[[str], Learned]] = {}
        self._decided: dict[tuple[int, str], dict[int, str]] = {}

    def context(self, comment: Comment, site_policy: Mapping[str, Any]) -> ReviewContext:
        if comment.site_id not in self._learned:
            self._learned[comment.site_id] = learned_for(comment.site_id,
                                                          self._texts[comment.site_id])
        learned = self._learned[comment.site_id](comment.body)
        # The site's own banned/suspect/allowed terms are read by detection itself from the
        # same policy dict (``banned_terms`` ...); what only moderation knows is what was learned.
        checks = [
            term_check(learned.block, "learned.block", "learned", 0.75,
                       {"en": "Uses words this site's moderators keep rejecting.",
                        "ar": "يستخدم كلمات يرفضها مشرفو هذا الموقع باستمرار."}),
        ]
        earlier = self._decided.get((comment.site_id, comment.author_email_hash))
        return ReviewContext(author_state(comment, earlier), learned, tuple(checks),
                             frozenset(site_policy.get("allowed_terms") or ()))

    def decided(self, comment: Comment) -> None:
        """``comment`` was decided (its new status is set, not yet written)."""
        key = (comment.site_id, comment.author_email_hash)
        self._decided.setdefault(key, {})[comment.id] = comment.status


def reason_rows(comment_id: int, reasons: list[dict]) -> list[dict]:
    """The ``comment_reasons`` rows mirroring the reason codes of a comment's automatic
    decision, for the queue's filters. That decision is made once, on a pending comment that
    has no rows yet (moderators' decisions keep the reasons), so there is nothing to replace."""
    rows = {}
    for reason in reasons:
        code = reason["code"][:64]
        rows.setdefault(code, {"comment_id": comment_id, "code": code,
                               "category": str(reason.get("category", ""))[:32]})
    return list(rows.values())


def index_reasons(rows: list[dict]) -> None:
    """Insert ``reason_rows`` (of one comment or of a batch)."""
    if rows:
        db.session.connection().execute(insert(CommentReason), rows)
