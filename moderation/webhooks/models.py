"""Endpoints, their signing secrets, the messages owed to them and every attempt to send one."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


def new_endpoint_id() -> str:
    return "ep_" + secrets.token_hex(12)


def new_message_id() -> str:
    # Sent as webhook-id (the receiver's idempotency key); must never contain ".".
    return "msg_" + secrets.token_hex(16)


class MessageStatus:
    PENDING = "pending"        # owed: not yet delivered, more attempts will be made
    DELIVERED = "delivered"    # a 2xx answer was received
    FAILED = "failed"          # given up (attempts exhausted, 410, or refused); can be redelivered


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_endpoint_id)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500), default="")
    # Event types wanted; an empty list means every event type.
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(32))  # gone | failing | manual
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First failure since the last success; the endpoint is disabled when this gets too old.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    secrets: Mapped[list[WebhookSecret]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True,
        order_by="WebhookSecret.id.desc()")

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, now: datetime) -> list[str]:
        """Live secrets, newest first: the current one and any rotated-out one not yet expired."""
        return [s.secret for s in self.secrets if s.expires_at is None or s.expires_at > now]


class WebhookSecret(db.Model):
    """A signing secret. Stored in clear because HMAC signing needs it (unlike site keys)."""

    __tablename__ = "webhook_secrets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="secrets")


class WebhookMessage(db.Model):
    """One event owed to one endpoint, with the exact bytes that are signed and sent."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        UniqueConstraint("msg_id", name="uq_webhook_messages_msg_id"),
        # The sweeper: pending messages that are due.
        Index("ix_webhook_messages_status_next", "status", "next_attempt_at"),
        # Ordering: earlier pending messages of the same comment on the same endpoint.
        Index("ix_webhook_messages_endpoint_key", "endpoint_id", "ordering_key", "id"),
        # Delivery log and redelivery by time.
        Index("ix_webhook_messages_endpoint_created", "endpoint_id", "created_at"),
    )

    # The integer id orders messages (SQLite has no other auto-increment); msg_id is public.
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64), default=new_message_id)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # serialised once; every attempt sends these bytes
    ordering_key: Mapped[str | None] = mapped_column(String(64))  # e.g. "comment:42"
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # A worker holds the message until this time while it sends (so two never send at once).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True,
        order_by="WebhookAttempt.id")


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_endpoint_created", "endpoint_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    response_snippet: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[WebhookMessage] = relationship(back_populates="attempt_log")

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "message_id": self.message.msg_id, "at": self.created_at.isoformat(),
                "status_code": self.status_code, "latency_ms": self.latency_ms,
                "response": self.response_snippet, "error": self.error,
                "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at
                else None}
