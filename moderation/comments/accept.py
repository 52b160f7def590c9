"""Accepting a comment: the hottest path of the service, kept to one statement and one message.

A comment whose thread is known (the usual case: the thread's key is cached per process)
costs one ``INSERT … SELECT … WHERE NOT EXISTS (ban) RETURNING id``, committed on its own,
then one message to the ``checks`` queue. The statement also refuses a banned author and an
unknown parent, so nothing is stored for a refused comment and a stored one is complete.
Detection, rendering and webhooks (``comment.created`` is written with the first decision,
see ``services.record_transition``) happen in the worker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, func, insert, literal, null, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Insert

from ..errors import FieldErrors
from ..extensions import db, utcnow
from ..lru import LRUCache
from ..queue import send_after_commit, send_committed
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
    """The usual case. One statement needs no transaction of its own: autocommit saves the
    BEGIN and COMMIT round trips, and the statement is atomic either way."""
    params = _params(site, new, thread_pk, now)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        comment_id = conn.execute(_insert_statement(new), params).scalar()
    if comment_id is None:
        _raise_refusal(site, new, params)
        return None
    send_committed(CHECK_TASK, comment_id)
    return comment_id


def _insert_in_new_thread(site: SiteInfo, new: NewComment, now: datetime) -> int | None:
    """The first comment this process sees in a thread: create the thread if needed, in the
    same transaction as the comment, so a refused comment leaves no empty thread behind."""
    thread_pk = _thread_pk(site.id, new)
    params = _params(site, new, thread_pk, now)
    comment_id = db.session.execute(_insert_statement(new), params).scalar()
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
    return params


# Columns the statement fills from parameters of the same name; the rest are constants.
_FROM_PARAMS = ("site_id", "thread_id", "parent_id", "author_name", "author_email",
                "author_email_hash", "author_url", "body", "client_ip", "user_agent", "referrer",
                "form_age_seconds", "honeypot_filled")
_CONSTANTS = {"status": Status.PENDING.value, "scores": {}, "reasons": [], "version": 1,
              "check_attempts": 0, "risk": 0.0, "report_count": 0}
_statements: dict[tuple[bool, bool], Insert] = {}


def _insert_statement(new: NewComment) -> Insert:
    """The insert, built once per shape (reply or not, client IP known or not): building a
    statement costs more than running a cached one."""
    shape = (new.parent_id is not None, new.client_ip is not None)
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
