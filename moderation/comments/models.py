"""Threads, comments, and the record of every status transition."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Status(str, enum.Enum):
    PENDING = "pending"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    SPAM = "spam"
    REPORTED = "reported"  # published, then reported by enough readers; awaits a moderator


class Thread(db.Model):
    """An article page; ``external_id`` is the site's own id for it."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("site_id", "external_id", name="uq_threads_site_external"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # The public thread page: published roots of one thread, oldest first.
        Index("ix_comments_thread_status_created", "thread_id", "status", "created_at"),
        # The sweeper: pending comments, oldest first.
        Index("ix_comments_status_created", "status", "created_at"),
        # Author history (duplicates, reputation) by email hash within a site.
        Index("ix_comments_site_author_created", "site_id", "author_email_hash", "created_at"),
        Index("ix_comments_root", "root_id"),
        # The moderation queue: one site's queue, by age or by risk (cursor = key + id).
        Index("ix_comments_site_status_created", "site_id", "status", "created_at", "id"),
        Index("ix_comments_site_status_risk", "site_id", "status", "risk", "id"),
        # The queue's text search (ILIKE '%...%') on PostgreSQL: trigrams. SQLite has no
        # such index type and searches by scanning the (site, status) range instead.
        Index("ix_comments_body_trgm", "body", postgresql_using="gin",
              postgresql_ops={"body": "gin_trgm_ops"},
              info={"postgresql_only": True}).ddl_if(dialect="postgresql"),
        # Flood check: comments from one IP on a site in a window.
        Index("ix_comments_site_ip_created", "site_id", "client_ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    # Top-level ancestor (None for a top-level comment), so a page of roots loads its
    # replies in one indexed query.
    root_id: Mapped[int | None] = mapped_column(BigId)

    author_name: Mapped[str] = mapped_column(String(255))
    # Stored for moderators and identity; never serialised by a public schema or a webhook.
    author_email: Mapped[str] = mapped_column(String(255))
    author_email_hash: Mapped[str] = mapped_column(String(64))
    author_url: Mapped[str | None] = mapped_column(String(2048))

    body: Mapped[str] = mapped_column(Text)  # exactly as the reader typed it
    body_html: Mapped[str | None] = mapped_column(Text)  # masked and sanitised, set by the checks

    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    referrer: Mapped[str | None] = mapped_column(String(2048))
    # Bot signals measured when the comment arrived (see moderation.detection.formtoken).
    form_age_seconds: Mapped[float | None] = mapped_column(Float)
    honeypot_filled: Mapped[bool] = mapped_column(Boolean, default=False)

    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING.value)
    language: Mapped[str | None] = mapped_column(String(8))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The highest score of the current decision, kept as a column so "highest risk first"
    # is an index scan; and how many readers reported the comment.
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    report_count: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_attempts: Mapped[int] = mapped_column(Integer, default=0)

    thread: Mapped[Thread] = relationship()


class Transition(db.Model):
    """One status change: who made it (``system`` or a moderator), why, and when."""

    __tablename__ = "comment_transitions"
    # The audit log per moderator ("moderator:<id>"), newest first.
    __table_args__ = (Index("ix_comment_transitions_actor_created", "actor", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128), default="system")
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
