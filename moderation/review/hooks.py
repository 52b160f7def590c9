"""The seam between the comment pipeline and moderation: what ``comments`` asks.

Kept in one module so the pipeline's dependency on moderation is visible at a glance:
the accept path's insert checks bans itself and asks here only why an insert was refused;
the checks ask for the author's standing, the site's terms and what moderators taught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
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


# The sanctions that weigh on a decision (ban and suspend also refuse a comment at the door).
STANDING_KINDS = ("ban", "suspend", "hold", "trust")


def _sanctions_of(comments: list[Comment]) -> list:
    """The active sanctions of ``STANDING_KINDS`` on the authors of ``comments`` (by email
    hash or IP, on their sites or on every site): rows of site_id, email_hash, ip, kind."""
    return db.session.connection().execute(_sanctions_statement(), {
        "hashes": sorted({comment.author_email_hash for comment in comments}),
        "ips": sorted({comment.client_ip for comment in comments if comment.client_ip}),
        "sites": sorted({comment.site_id for comment in comments}),
        "now": utcnow()}).all()


@lru_cache(maxsize=None)
def _sanctions_statement():
    return select(Sanction.site_id, Sanction.email_hash, Sanction.ip, Sanction.kind).where(
        or_(Sanction.email_hash.in_(bindparam("hashes", expanding=True)),
            Sanction.ip.in_(bindparam("ips", expanding=True))),
        Sanction.kind.in_(STANDING_KINDS), Sanction.revoked_at.is_(None),
        or_(Sanction.site_id.in_(bindparam("sites", expanding=True)), Sanction.site_id.is_(None)),
        or_(Sanction.expires_at.is_(None), Sanction.expires_at > bindparam("now")))


def _sanction_kinds(sanctions: list, comment: Comment) -> frozenset[str]:
    return frozenset(
        row.kind for row in sanctions
        if row.site_id in (None, comment.site_id)
        and (row.email_hash == comment.author_email_hash
             or (comment.client_ip and row.ip == comment.client_ip)))


def _history_of(comments: list[Comment]) -> dict[tuple[int, str], Counter]:
    """How many of each status the authors of ``comments`` have on their sites, leaving out
    the comments themselves (a batch's comments are all pending until it commits)."""
    rows = db.session.connection().execute(_history_statement(), {
        "sites": sorted({comment.site_id for comment in comments}),
        "hashes": sorted({comment.author_email_hash for comment in comments}),
        "exclude": [comment.id for comment in comments]})
    history: dict[tuple[int, str], Counter] = {}
    for site_id, email_hash, status, count in rows:
        history.setdefault((site_id, email_hash), Counter())[status] = count
    return history


@lru_cache(maxsize=None)
def _history_statement():
    # Every (site, hash) pair of the lists, a superset of the batch's authors when it spans
    # sites; the extra pairs are never looked at.
    return (select(Comment.site_id, Comment.author_email_hash, Comment.status, func.count())
            .where(Comment.site_id.in_(bindparam("sites", expanding=True)),
                   Comment.author_email_hash.in_(bindparam("hashes", expanding=True)),
                   Comment.id.not_in(bindparam("exclude", expanding=True)))
            .group_by(Comment.site_id, Comment.author_email_hash, Comment.status))


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
    """What the checks ask moderation, for a batch of pending comments decided in one
    transaction.

    The authors' sanctions and histories are read once for the batch (two statements), and
    each site's learned terms once for all its comments. A decision may reach the database
    only when the batch commits, so the batch keeps what it decided for each author: a flood
    of one author's comments in one batch weighs on the author's history exactly as it
    would have one transaction at a time.
    """

    def __init__(self, comments: list[Comment]) -> None:
        self._texts: dict[int, list[str]] = {}
        for comment in comments:
            self._texts.setdefault(comment.site_id, []).append(comment.body)
        self._learned: dict[int, Callable[[str], Learned]] = {}
        self._decided: dict[tuple[int, str], dict[int, str]] = {}
        self._sanctions = _sanctions_of(comments)
        self._history = _history_of(comments)

    def author(self, comment: Comment) -> AuthorState:
        """The author's sanctions, and history on the site: what was there when the batch
        began, and what the batch has decided for the author's comments before this one."""
        key = (comment.site_id, comment.author_email_hash)
        counts = Counter(self._history.get(key, ()))
        counts.update(self._decided.get(key, {}).values())
        return AuthorState(sanctions=_sanction_kinds(self._sanctions, comment),
                           published=counts["published"],
                           rejected=counts["rejected"] + counts["spam"])

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
        return ReviewContext(self.author(comment), learned, tuple(checks),
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
