"""The facts for the checks that need the database: the author's previous comment, flood
counts and the near-duplicate index.

The detection package decides what the facts mean; this module only counts, with indexed
queries (no scans): comments from one IP or email hash on a site in a window, and comments
on other threads or sites whose text is the same (exact fingerprint) or nearly the same
(MinHash LSH band keys, verified by the estimated similarity of the candidates' texts).

The previous comment and the flood counts do not depend on any decision, so they are read
for a whole batch of comments at once (``prior_facts``); the near-duplicate index does (each
comment must find the ones indexed before it), so it is read and written comment by comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import (ARRAY, BigInteger, ForeignKey, Index, Interval, String, bindparam, case,
                        func, insert, literal, select, true, union_all)
from sqlalchemy.orm import Mapped, aliased, mapped_column

from ..detection import fingerprint_and_signature, lsh_keys, minhash_signature, similarity
from ..detection.fingerprint import NEAR
from ..extensions import UTCDateTime, db
from ..lru import LRUCache
from .models import BigId, Comment

# At most this many near-duplicate candidates are verified per comment; a campaign larger
# than that is already far past every policy's duplicate limit.
MAX_CANDIDATES = 25
# Flood counts stop here: far past any sensible limit (the defaults reject at 3 x 10), and a
# flood of thousands costs no more to count than one of a hundred.
FLOOD_COUNT_CAP = 100


class TextKey(db.Model):
    """One index key of a comment's text: ``fp:<fingerprint>`` or an LSH band key."""

    __tablename__ = "comment_text_keys"
    __table_args__ = (Index("ix_comment_text_keys_key_created", "key", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(BigId)
    key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def text_keys(text: str) -> tuple[str | None, list[int], list[str]]:
    """The exact fingerprint, the MinHash signature and the index keys of a text."""
    fingerprint, signature = fingerprint_and_signature(text)
    keys = ([f"fp:{fingerprint}"] if fingerprint else []) + lsh_keys(signature)
    return fingerprint or None, signature, keys


def similar_recent(comment: Comment, fingerprint: str | None, signature: list[int],
                   keys: list[str]) -> int:
    """Comments on other threads or sites within the window with the same or nearly the same
    text. Exact fingerprint matches count outright; LSH candidates are verified."""
    if not keys:
        return 0
    since = comment.created_at - timedelta(seconds=current_app.config["DUPLICATE_WINDOW_SECONDS"])
    params = {"since": since, "thread_id": comment.thread_id, "comment_id": comment.id}
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        statement = _similar_statement_lateral()
        params["keys"] = keys
    else:
        statement = _similar_statement_union(len(keys))
        params.update({f"lsh_key_{i}": key for i, key in enumerate(keys)})
    rows = connection.execute(statement, params).all()
    exact = {row.comment_id for row in rows if row.exact}
    candidates = [(row.comment_id, row.created_at) for row in rows if not row.exact]
    near = sum(similarity(signature, candidate) >= NEAR
               for candidate in signatures.get_many(candidates[:MAX_CANDIDATES]))
    # The next comments' candidate, most likely.
    signatures.put((comment.id, comment.created_at), signature)
    return len(exact) + near


class SignatureCache:
    """MinHash signatures of recent comments, in this process. A wave of near-identical
    comments makes every comment verify the same newest candidates; recomputing their
    signatures was a third of such a check. A comment's body never changes; the key is its
    id and creation time, so an id SQLite hands out again after a delete is another key."""

    def __init__(self, size: int = 4096) -> None:
        self._signatures = LRUCache(size)

    def put(self, key: tuple[int, datetime], signature: list[int]) -> None:
        self._signatures.put(key, signature)

    def get_many(self, keys: list[tuple[int, datetime]]) -> list[list[int]]:
        """The signatures of the comments ``keys`` (id, created_at) name, reading the bodies
        of those not cached at once."""
        found = {key: self._signatures.get(key) for key in keys}
        missing = {key[0] for key, signature in found.items() if signature is None}
        if missing:
            for row in db.session.connection().execute(
                    select(Comment.id, Comment.created_at, Comment.body)
                    .where(Comment.id.in_(missing))):
                key = (row.id, row.created_at)
                found[key] = minhash_signature(row.body)
                self.put(key, found[key])
        return [found[key] for key in keys if found.get(key) is not None]


signatures = SignatureCache()


def _newest_matches(key):
    """The newest few comments on other threads whose text has index key ``key``, so a wave
    of thousands of copies costs the same as a handful: past the policy's limits, more
    matches change nothing."""
    return (select(TextKey.comment_id, TextKey.key, TextKey.created_at)
            .where(TextKey.key == key, TextKey.created_at >= bindparam("since"),
                   TextKey.thread_id != bindparam("thread_id"),
                   TextKey.comment_id != bindparam("comment_id"))
            .order_by(TextKey.created_at.desc()).limit(MAX_CANDIDATES))


def _by_comment(matches):
    return (select(matches.c.comment_id,
                   func.max(case((matches.c.key.like("fp:%"), 1), else_=0)).label("exact"),
                   func.max(matches.c.created_at).label("created_at"))
            .group_by(matches.c.comment_id))


@lru_cache(maxsize=None)
def _similar_statement_lateral():
    """PostgreSQL: the keys as one array parameter, each key's newest matches by a LATERAL
    join. The statement is the same short text for any number of keys; one UNION branch per
    key made it 5 KB for a reader's comment (~9 keys) and 15 KB for 26, longer than psycopg
    caches the conversion of (4 KB): 0.15-0.5 ms of CPU per check."""
    keys = (func.unnest(bindparam("keys", type_=ARRAY(String))).table_valued("key")
            .render_derived(name="k"))
    matches = _newest_matches(keys.c.key).lateral("m")
    return _by_comment(matches).select_from(keys).join(matches, true())


@lru_cache(maxsize=None)
def _similar_statement_union(key_count: int):
    """SQLite (no LATERAL, no arrays): one UNION ALL branch per key, built once per number of
    keys, since building it costs more than running it."""
    per_key = [_newest_matches(bindparam(f"lsh_key_{i}")).subquery() for i in range(key_count)]
    matches = union_all(*(select(sub.c.comment_id, sub.c.key, sub.c.created_at)
                          for sub in per_key)).subquery()
    return _by_comment(matches)


def index_text(comment: Comment, keys: list[str]) -> None:
    if not keys:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_index_statement_array(), {
            "comment_id": comment.id, "thread_id": comment.thread_id, "keys": keys,
            "created_at": comment.created_at})
    else:
        connection.execute(insert(TextKey), [
            {"comment_id": comment.id, "thread_id": comment.thread_id, "key": key,
             "created_at": comment.created_at} for key in keys])


@lru_cache(maxsize=None)
def _index_statement_array():
    """PostgreSQL: a comment's keys as one array, one row each, in one statement (an
    executemany is a statement per key)."""
    keys = (func.unnest(bindparam("keys", type_=ARRAY(String))).table_valued("key")
            .render_derived(name="k"))
    return insert(TextKey).from_select(
        ["comment_id", "thread_id", "key", "created_at"],
        select(bindparam("comment_id", type_=BigInteger), bindparam("thread_id", type_=BigInteger),
               keys.c.key, bindparam("created_at", type_=UTCDateTime)).select_from(keys))


@dataclass(frozen=True)
class Prior:
    """What the database holds about a comment's author and address, whatever is decided:
    the author's previous comment on the site, and the flood counts."""

    previous_text: str | None
    from_ip: int
    from_email: int


def prior_facts(comments: list[Comment]) -> dict[int, Prior]:
    """``Prior`` of each comment, by id: one statement for the whole batch on PostgreSQL,
    three per comment on SQLite (whose datetimes are text, so the window cannot be
    subtracted in SQL)."""
    if not comments:
        return {}
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return {comment.id: Prior(previous_text(comment), *recent_counts(comment))
                for comment in comments}
    rows = connection.execute(_prior_statement(), {
        "ids": [comment.id for comment in comments],
        "window": timedelta(seconds=current_app.config["FLOOD_WINDOW_SECONDS"])})
    return {row.id: Prior(row.previous_text, row.from_ip, row.from_email) for row in rows}


def previous_text(comment: Comment) -> str | None:
    """The same author's comment before this one on the site."""
    return db.session.connection().scalar(_previous_statement(), {
        "site_id": comment.site_id, "email_hash": comment.author_email_hash,
        "comment_id": comment.id})


@lru_cache(maxsize=None)
def _previous_statement():
    return _previous(Comment, bindparam("site_id"), bindparam("email_hash"),
                     bindparam("comment_id"))


def _previous(earlier, site_id, email_hash, comment_id):
    return (select(earlier.body).where(earlier.site_id == site_id,
                                       earlier.author_email_hash == email_hash,
                                       earlier.id < comment_id)
            .order_by(earlier.id.desc()).limit(1))


def recent_counts(comment: Comment) -> tuple[int, int]:
    """Comments from the same IP and from the same email hash on the site in the flood
    window (one statement for both)."""
    since = comment.created_at - timedelta(seconds=current_app.config["FLOOD_WINDOW_SECONDS"])
    row = db.session.connection().execute(_recent_statement(comment.client_ip is not None), {
        "site_id": comment.site_id, "ip": comment.client_ip,
        "email_hash": comment.author_email_hash, "comment_id": comment.id,
        "since": since, "until": comment.created_at}).one()
    return row.from_ip or 0, row.from_email or 0


def _recent_count(column, value, site_id, comment_id, since, until, correlate=()):
    """How many comments whose ``column`` is ``value`` on the site in [since, until], besides
    the comment itself, counted up to ``FLOOD_COUNT_CAP``."""
    recent = (select(Comment.id).where(
        Comment.site_id == site_id, column == value, Comment.id != comment_id,
        Comment.created_at >= since, Comment.created_at <= until)
        .limit(FLOOD_COUNT_CAP).correlate(*correlate).subquery())
    return select(func.count()).select_from(recent).scalar_subquery()


@lru_cache(maxsize=None)
def _recent_statement(with_ip: bool):
    def count(column, param: str):
        return _recent_count(column, bindparam(param), bindparam("site_id"),
                             bindparam("comment_id"), bindparam("since"), bindparam("until"))

    from_ip = count(Comment.client_ip, "ip") if with_ip else literal(0)
    return select(from_ip.label("from_ip"),
                  count(Comment.author_email_hash, "email_hash").label("from_email"))


@lru_cache(maxsize=None)
def _prior_statement():
    """PostgreSQL: ``Prior`` for the comments ``ids``, each row's facts from correlated
    subqueries on the same indexes as the per-comment statements (a NULL IP matches
    nothing, so it counts 0)."""
    current = aliased(Comment, name="current")
    earlier = aliased(Comment, name="earlier")
    since = current.created_at - bindparam("window", type_=Interval())

    def count(column, value):
        return _recent_count(column, value, current.site_id, current.id, since,
                             current.created_at, correlate=(current,))

    previous = _previous(earlier, current.site_id, current.author_email_hash,
                         current.id).scalar_subquery()
    return (select(current.id, previous.label("previous_text"),
                   count(Comment.client_ip, current.client_ip).label("from_ip"),
                   count(Comment.author_email_hash, current.author_email_hash).label("from_email"))
            .where(current.id == func.any(bindparam("ids", type_=ARRAY(BigInteger)))))


def gather(comment: Comment, prior: Prior) -> dict:
    """The database facts for ``CommentFacts``, and the comment's text added to the index."""
    fingerprint, signature, keys = text_keys(comment.body)
    similar = similar_recent(comment, fingerprint, signature, keys)
    index_text(comment, keys)
    return {"previous_text": prior.previous_text, "similar_recent": similar,
            "recent_from_ip": prior.from_ip, "recent_from_email": prior.from_email,
            "honeypot_filled": bool(comment.honeypot_filled),
            "form_age_seconds": comment.form_age_seconds}
