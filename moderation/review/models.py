"""Moderator accounts and everything moderators create: tokens, claims, sanctions, reports,
labelled examples, learned terms, and the audit of settings changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from ..comments.models import BigId
from ..extensions import UTCDateTime, db, utcnow

ROLES = ("admin", "moderator")


class Moderator(db.Model):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="moderator")
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id; None: token only
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModeratorSite(db.Model):
    """A moderator's assignment to a site (admins need none: they see every site)."""

    __tablename__ = "moderator_sites"

    moderator_id: Mapped[int] = mapped_column(
        ForeignKey("moderators.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"),
                                         primary_key=True)


class ModeratorToken(db.Model):
    """An API token; like site keys, a random 256-bit value stored only as its SHA-256."""

    __tablename__ = "moderator_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(
        ForeignKey("moderators.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Claim(db.Model):
    """"Someone is looking at this": advisory, short-lived, one per comment."""

    __tablename__ = "comment_claims"

    comment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentReason(db.Model):
    """One reason code of a comment's current decision, so the queue can filter by index."""

    __tablename__ = "comment_reasons"
    __table_args__ = (Index("ix_comment_reasons_code", "code", "comment_id"),
                      Index("ix_comment_reasons_category", "category", "comment_id"))

    comment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(32))


class Sanction(db.Model):
    """A ban, suspension, always-hold or trust of an author, on one site or (site_id NULL) all."""

    __tablename__ = "sanctions"
    __table_args__ = (Index("ix_sanctions_email_hash", "email_hash"),
                      Index("ix_sanctions_ip", "ip"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # ban, suspend, hold, trust
    email_hash: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    reject_existing: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Report(db.Model):
    """A reader's report; one per reader (hashed IP) and comment."""

    __tablename__ = "comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_hash",
                                       name="uq_comment_reports_reporter"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int] = mapped_column(BigId, ForeignKey("comments.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    reporter_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LabelledExample(db.Model):
    """A moderator's decision as a training example (the latest label per comment)."""

    __tablename__ = "labelled_examples"
    __table_args__ = (Index("ix_labelled_examples_site_label", "site_id", "label"),)

    comment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(8))  # "good" or "bad"
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LearnedTerm(db.Model):
    """How many good and bad examples of a site contain a term (online counts)."""

    __tablename__ = "learned_terms"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"),
                                         primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    good: Mapped[int] = mapped_column(Integer, default=0)
    bad: Mapped[int] = mapped_column(Integer, default=0)


class AdminEvent(db.Model):
    """Audit of changes that are not comment transitions: settings, sanctions, accounts."""

    __tablename__ = "admin_events"
    __table_args__ = (Index("ix_admin_events_site_created", "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
