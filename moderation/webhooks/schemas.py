"""Request and response models of the webhooks API (validation and the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import FieldErrors
from .events import EVENT_TYPES

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
MAX_OVERLAP = 7 * 86400


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="https:// URL (http:// only if WEBHOOK_ALLOW_HTTP is on)")
    events: list[EventType] = Field(default_factory=list,
                                    description="Event types wanted; empty or absent: all.")
    description: Description = ""


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: list[EventType] | None = None
    description: Description | None = None
    enabled: bool | None = Field(None, description="true re-enables a disabled endpoint and "
                                                    "resumes its pending messages")


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expire_previous_in: float | None = Field(
        None, ge=0, le=MAX_OVERLAP,
        description="Seconds the previous secret keeps signing; default WEBHOOK_SECRET_OVERLAP.")


class RedeliverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime = Field(description="Redeliver every failed message created since then.")


class EndpointOut(BaseModel):
    id: str
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None = Field(description="gone (HTTP 410), failing, or manual")
    disabled_at: datetime | None
    failing_since: datetime | None = Field(description="First failure since the last success")
    last_success_at: datetime | None
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(description="whsec_... signing secret; shown only in this response")


class EndpointList(BaseModel):
    items: list[EndpointOut]


class SecretRotated(BaseModel):
    secret: str
    previous_expires_at: datetime


class MessageOut(BaseModel):
    id: str = Field(description="The webhook-id header; stable across attempts")
    event_type: str
    status: str = Field(examples=["pending", "delivered", "failed"])
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    payload: dict[str, Any]


class AttemptOut(BaseModel):
    id: int
    message_id: str
    at: datetime
    status_code: int | None
    latency_ms: int
    response: str | None = Field(description="The start of the response body")
    error: str | None
    next_attempt_at: datetime | None


class MessageDetail(MessageOut):
    attempt_log: list[AttemptOut]


class MessageList(BaseModel):
    items: list[MessageOut]
    next_before: int | None = Field(description="Pass as ?before= for older items")


class AttemptList(BaseModel):
    items: list[AttemptOut]
    next_before: int | None


class Queued(BaseModel):
    message_id: str | None = None
    count: int = 1


def parse(model: type[BaseModel], data: Any) -> BaseModel:
    from ..comments.schemas import field_errors

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors(field_errors(exc)) from None
