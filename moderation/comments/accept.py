"""Accepting a comment: the hottest path of the service, kept to one statement and one message.

A comment whose thread is known (the usual case: the thread's key is cached per process)
costs one ``INSERT … SELECT … WHERE NOT EXISTS (ban) RETURNING id``, committed on its own,
then one message to the ``checks`` queue. The statement also refuses a banned author and an
unknown parent, so nothing is stored for a refused comment and a stored one is complete.
Detection, rendering and webhooks (``comment.created`` is written with the first decision,
see ``services.record_transition``) happen in the worker.

In a web process with threads, the comments that arrive while its inserts are busy (two at a
time, ``GROUP_WRITERS``) share the next (``moderation.groupcommit``): on PostgreSQL one
statement stores them all (``_insert_many``: the same checks, row by row, over arrays of the
rows' values), on SQLite one transaction; then one command sends all their messages. Each
request still gets its own answer: its comment's id, or its own refusal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import (and_, bindparam, exists, func, insert, literal, null, or_, select,
                        text)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Insert

from ..errors import FieldErrors
from ..extensions import db, utcnow
from ..groupcommit import GroupCommit
from ..lru import LRUCache
from ..queue import send_after_commit, send_committed_many
from ..review import hooks as review
from ..review.models import Sanction
from ..sites.services import SiteInfo
from .models import Comment, Status, Thread

CHECK_TASK = "workers.checks.run"
COMMENTS = Comment.__table__
SANCTIONS = Sanction.__table__


def email_hash(email: str) -> str:
    """Identity of an author across comments, without using the address itself as a key."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def visible_statuses(policy) -> tuple[str, ...]:
    """What readers see: published, and reported-but-not-yet-reviewed unless the site hides
    reported comments until a moderator looked at them."""
    if (policy or {}).get("hide_reported"):
        return (Status.PUBLISHED.value,)
    return (Status.PUBLISHED.value, Status.REPORTED.value)


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


@dataclass(frozen=True)
class Accepted:
    id: int
    status: str
    created_at: datetime


def accept_comment(site: SiteInfo, new: NewComment) -> Accepted:
    """Store the comment as ``pending`` and send its checks once the row is committed.

    403 for a banned or suspended author and 422 for a parent that is not a visible comment
    of the same thread; in both cases nothing is written.
    """
    # A second try only if the refusal went away between the insert and the look-up of its
    # reason (a ban lifted, a parent published in between).
    for _ in range(2):
        now = utcnow()
        thread_pk = thread_ids.get((site.id, new.thread_id))
        if thread_pk is None:
            comment_id = _insert_in_new_thread(site, new, now)
        else:
            comment_id = _insert_in_known_thread(site, new, thread_pk, now)
        if comment_id is not None:
            return Accepted(comment_id, Status.PENDING.value, now)
    raise RuntimeError("comment refused twice for no reason that could be found")


def _insert_in_known_thread(site: SiteInfo, new: NewComment, thread_pk: int,
                            now: datetime) -> int | None:
    """The usual case: the comment joins the next group insert of this process."""
    params = _params(site, new, thread_pk, now)
    comment_id = _group().submit(params)
    if comment_id is None:
        _raise_refusal(site, new, params)
    return comment_id


# Two inserts in flight per process, not one: with one, a statement that stalls (a WAL
# flush, a GIN pending-list merge) holds up every request of the process. Measured with
# `benchmarks.pipeline --web-only --paced-rate 500` (gthread 4 x 4, two runs each; one
# writer with this constant set to 1): one writer accepted ~10% more comments per second
# than none, but had rounds with a POST p99 of 32-48 ms; two writers accepted as many as
# none or more, with a p99 of 10.2 and 22.0 ms against 11.6 ms without grouping, within the
# machine's run-to-run noise.
GROUP_WRITERS = 2


def _group() -> GroupCommit[dict, int | None]:
    extensions = current_app.extensions
    group = extensions.get("moderation.accept_group")
    if group is None:
        group = extensions.setdefault("moderation.accept_group", GroupCommit(
            store_comments, max_batch=current_app.config["ACCEPT_BATCH_MAX"],
            writers=GROUP_WRITERS))
    return group


def store_comments(rows: Sequence[dict]) -> list[int | None]:
    """Store comments on known threads, then send their checks: each row's id, or None for
    a row the statement refused (banned author, parent not visible).

    One row, or many on PostgreSQL, is one statement in autocommit: that saves the BEGIN and
    COMMIT round trips, and a statement is atomic either way. Many rows elsewhere (SQLite)
    are one transaction of one-row statements, so one commit."""
    if len(rows) > 1 and db.engine.dialect.name != "postgresql":
        with db.engine.begin() as conn:
            ids = [conn.execute(_insert_statement(row), row).scalar() for row in rows]
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if len(rows) == 1:
                ids = [conn.execute(_insert_statement(rows[0]), rows[0]).scalar()]
            else:
                ids = _insert_many(conn, rows)
    stored = [(comment_id,) for comment_id in ids if comment_id is not None]
    if stored:
        send_committed_many(CHECK_TASK, stored)
    return ids


def _insert_in_new_thread(site: SiteInfo, new: NewComment, now: datetime) -> int | None:
    """The first comment this process sees in a thread: create the thread if needed, in the
    same transaction as the comment, so a refused comment leaves no empty thread behind."""
    thread_pk = _thread_pk(site.id, new)
    params = _params(site, new, thread_pk, now)
    comment_id = db.session.execute(_insert_statement(params), params).scalar()
    if comment_id is None:
        db.session.rollback()
        _raise_refusal(site, new, params)
        return None
    send_after_commit(CHECK_TASK, comment_id)
    db.session.commit()
    thread_ids.put((site.id, new.thread_id), thread_pk)
    return comment_id


def _raise_refusal(site: SiteInfo, new: NewComment, params: dict) -> None:
    """Why the insert stored nothing: the author is banned, or the parent is not there."""
    review.check_author_allowed(site.id, params["author_email_hash"], new.client_ip)
    if new.parent_id is not None and db.session.scalar(
            _parent_root(_param("parent_id")), params) is None:
        raise FieldErrors({"parent_id": ("parent_not_found", {})})


def _params(site: SiteInfo, new: NewComment, thread_pk: int, now: datetime) -> dict:
    params = {
        "site_id": site.id, "thread_id": thread_pk, "parent_id": new.parent_id,
        "author_name": new.author_name, "author_email": new.author_email,
        "author_email_hash": email_hash(new.author_email), "author_url": new.author_url,
        "body": new.body,
        "client_ip": new.client_ip, "user_agent": new.user_agent, "referrer": new.referrer,
        "form_age_seconds": new.form_age_seconds, "honeypot_filled": new.honeypot_filled,
        "now": now,
    }
    if new.parent_id is not None:
        params["visible"] = list(visible_statuses(site.policy))
        params["hide_reported"] = len(params["visible"]) == 1
    return params


# Columns the statement fills from parameters of the same name; the rest are constants.
_FROM_PARAMS = ("site_id", "thread_id", "parent_id", "author_name", "author_email",
                "author_email_hash", "author_url", "body", "client_ip", "user_agent", "referrer",
                "form_age_seconds", "honeypot_filled")
_CONSTANTS = {"status": Status.PENDING.value, "scores": {}, "reasons": [], "version": 1,
              "check_attempts": 0, "risk": 0.0, "report_count": 0}
_statements: dict[tuple[bool, bool], Insert] = {}


def _insert_statement(row: dict) -> Insert:
    """The insert of one row, built once per shape (reply or not, client IP known or not):
    building a statement costs more than running a cached one."""
    shape = (row["parent_id"] is not None, row["client_ip"] is not None)
    if shape not in _statements:
        _statements[shape] = _build_insert(*shape)
    return _statements[shape]


def _build_insert(reply: bool, with_ip: bool) -> Insert:
    now = bindparam("now", type_=COMMENTS.c.created_at.type)
    row = {name: _param(name) for name in _FROM_PARAMS}
    row["root_id"] = _parent_root(_param("parent_id")).scalar_subquery() if reply else null()
    row.update({name: literal(value, COMMENTS.c[name].type) for name, value in _CONSTANTS.items()})
    row.update(created_at=now, updated_at=now, check_enqueued_at=now)
    where = ~_refusing_sanction(with_ip, now)
    if reply:
        where = and_(where, exists(_parent_root(_param("parent_id"))))
    return (insert(COMMENTS).from_select(list(row), select(*row.values()).where(where))
            .returning(COMMENTS.c.id))


# The multi-row insert (PostgreSQL): the rows come as one array per column, and each row
# goes through the same checks as ``_build_insert``'s. Each row takes its id from the
# sequence first, so the ids returned by the insert can be matched back to the rows (a
# refused row keeps its number unused, as a rolled-back insert does).
_ARRAYS = {"site_id": "integer", "thread_id": "bigint", "parent_id": "bigint",
           "author_name": "text", "author_email": "text", "author_email_hash": "text",
           "author_url": "text", "body": "text", "client_ip": "text", "user_agent": "text",
           "referrer": "text", "form_age_seconds": "double precision",
           "honeypot_filled": "boolean", "hide_reported": "boolean",
           "now": "timestamp with time zone"}
_INSERT_MANY = text(f"""
WITH batch AS MATERIALIZED (
    SELECT nextval((SELECT pg_get_serial_sequence('comments', 'id'))) AS id, b.*
    FROM unnest({", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _ARRAYS.items())})
         WITH ORDINALITY AS b({", ".join(_ARRAYS)}, ord)
), stored AS (
    INSERT INTO comments (id, {", ".join(_FROM_PARAMS)}, root_id, status, scores, reasons,
                          version, check_attempts, risk, report_count, created_at, updated_at,
                          check_enqueued_at)
    SELECT b.id, {", ".join(f"b.{name}" for name in _FROM_PARAMS)}, parent.root,
           '{Status.PENDING.value}', '{{}}', '[]', 1, 0, 0, 0, b.now, b.now, b.now
    FROM batch b
    LEFT JOIN LATERAL (
        SELECT coalesce(p.root_id, p.id) AS root FROM comments p
        WHERE p.id = b.parent_id AND p.thread_id = b.thread_id
          AND (p.status = '{Status.PUBLISHED.value}'
               OR (p.status = '{Status.REPORTED.value}' AND NOT b.hide_reported))
    ) parent ON true
    WHERE (b.parent_id IS NULL OR parent.root IS NOT NULL)
      AND NOT EXISTS (
        SELECT 1 FROM sanctions s
        WHERE (s.email_hash = b.author_email_hash OR s.ip = b.client_ip)
          AND (s.kind = 'ban' OR s.kind = 'suspend') AND s.revoked_at IS NULL
          AND (s.site_id = b.site_id OR s.site_id IS NULL)
          AND (s.expires_at IS NULL OR s.expires_at > b.now))
    RETURNING id
)
SELECT stored.id FROM batch LEFT JOIN stored ON stored.id = batch.id ORDER BY batch.ord
""")


def _insert_many(conn, rows: Sequence[dict]) -> list[int | None]:
    """Store several rows with one statement (PostgreSQL); each row's id, or None if refused."""
    columns: dict[str, list[Any]] = {name: [] for name in _ARRAYS}
    for row in rows:
        for name, values in columns.items():
            values.append(row.get(name, False) if name == "hide_reported" else row[name])
    return list(conn.execute(_INSERT_MANY, columns).scalars())


def _param(name: str):
    return bindparam(name, type_=COMMENTS.c[name].type)


def _parent_root(parent_id):
    """The root of a reply's thread of replies: the parent's root, or the parent itself.
    The parent must be a visible comment of the same thread."""
    parent = COMMENTS.alias("parent")
    return select(func.coalesce(parent.c.root_id, parent.c.id)).where(
        parent.c.id == parent_id,
        parent.c.thread_id == _param("thread_id"),
        parent.c.status.in_(bindparam("visible", expanding=True)))


def _refusing_sanction(with_ip: bool, now):
    """An active ban or suspension of this author (by email hash, or IP when known)."""
    who = SANCTIONS.c.email_hash == _param("author_email_hash")
    if with_ip:
        who = or_(who, SANCTIONS.c.ip == _param("client_ip"))
    return exists().where(
        # Two comparisons, not IN: a tuple becomes an "expanding" parameter, which SQLAlchemy
        # re-renders into the statement on every execution.
        who, or_(SANCTIONS.c.kind == "ban", SANCTIONS.c.kind == "suspend"),
        SANCTIONS.c.revoked_at.is_(None),
        or_(SANCTIONS.c.site_id == _param("site_id"), SANCTIONS.c.site_id.is_(None)),
        or_(SANCTIONS.c.expires_at.is_(None), SANCTIONS.c.expires_at > now))


# Per-process cache of thread primary keys: a thread's key never changes, so most comments
# skip the look-up.
thread_ids = LRUCache(20_000)


def _thread_pk(site_id: int, new: NewComment) -> int:
    """The thread's primary key, creating the thread on its first comment (race-safe)."""
    pk = db.session.scalar(select(Thread.id).where(
        Thread.site_id == site_id, Thread.external_id == new.thread_id))
    if pk is not None:
        return pk
    dialect = db.session.get_bind().dialect.name
    insert_thread = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(
        insert_thread(Thread).values(site_id=site_id, external_id=new.thread_id,
                                     url=new.thread_url, title=new.thread_title,
                                     created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["site_id", "external_id"])
    )
    return db.session.scalar(select(Thread.id).where(
        Thread.site_id == site_id, Thread.external_id == new.thread_id))
