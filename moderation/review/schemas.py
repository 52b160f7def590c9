"""Request and response schemas of the moderation API (validation and OpenAPI from one place)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, \
    model_validator

from ..comments.schemas import field_errors
from ..errors import FieldErrors
from .policy import ACTIONS, REJECT_REASONS, REPORT_REASONS, SANCTION_KINDS

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Action = Literal[ACTIONS]  # type: ignore[valid-type]
RejectReason = Literal[REJECT_REASONS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def parse(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors(field_errors(exc)) from None


class DecisionIn(Strict):
    action: Action
    reason: RejectReason | None = Field(None, description="Required when rejecting.")
    note: Annotated[str, Field(max_length=2000)] | None = None
    version: int = Field(ge=1, description="The comment version the decision was made on.")

    @model_validator(mode="after")
    def _reason_for_reject(self):
        if self.action == "reject" and self.reason is None:
            raise FieldErrors({"reason": ("required", {})})
        return self


class BulkItem(Strict):
    id: int = Field(gt=0)
    version: int = Field(ge=1)


class BulkAuthor(Strict):
    site: Annotated[str, Field(max_length=64)]
    email_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    email: Annotated[str, Field(max_length=255)] | None = None


class BulkDecisionIn(Strict):
    action: Action
    reason: RejectReason | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None
    items: Annotated[list[BulkItem], Field(min_length=1, max_length=500)] | None = None
    author: BulkAuthor | None = Field(None, description="All of this author's pending, held "
                                                        "and reported comments on the site.")

    @model_validator(mode="after")
    def _one_target(self):
        # FieldErrors (not ValueError) passes through pydantic to the envelope unchanged.
        if (self.items is None) == (self.author is None):
            raise FieldErrors({"items": ("items_or_author", {})})
        if self.author is not None and not (self.author.email or self.author.email_hash):
            raise FieldErrors({"author.email": ("required", {})})
        if self.action == "reject" and self.reason is None:
            raise FieldErrors({"reason": ("required", {})})
        return self


class ClaimIn(Strict):
    seconds: int = Field(120, ge=10, le=900)


class ReportIn(Strict):
    reason: Literal[REPORT_REASONS]  # type: ignore[valid-type]
    text: Annotated[str, Field(max_length=1000)] | None = None


class SanctionIn(Strict):
    kind: Literal[SANCTION_KINDS]  # type: ignore[valid-type]
    site: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="A site slug; omit for every site (admins only).")
    email: Annotated[str, Field(max_length=255)] | None = None
    email_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    ip: Annotated[str, Field(max_length=64)] | None = None
    duration_hours: Annotated[float, Field(gt=0, le=24 * 3650)] | None = Field(
        None, description="Required for a suspension; optional for the others.")
    reject_existing: bool = False
    note: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _target(self):
        if not (self.email or self.email_hash or (self.ip and self.kind == "ban")):
            raise FieldErrors({"email": ("required", {})})
        if self.kind == "suspend" and self.duration_hours is None:
            raise FieldErrors({"duration_hours": ("required", {})})
        return self


class LoginIn(Strict):
    email: Annotated[str, Field(max_length=255)]
    password: Annotated[str, Field(max_length=1024)]


class TokenIn(Strict):
    name: Annotated[str, Field(max_length=100)] = ""


class ModeratorIn(Strict):
    email: Annotated[str, Field(max_length=255)]
    display_name: Annotated[str, Field(max_length=200)] = ""
    role: Literal["admin", "moderator"] = "moderator"
    sites: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=1000)] = []
    password: Annotated[str, Field(min_length=12, max_length=1024)] | None = None


class ModeratorPatch(Strict):
    display_name: Annotated[str, Field(max_length=200)] | None = None
    role: Literal["admin", "moderator"] | None = None
    sites: Annotated[list[Annotated[str, Field(max_length=64)]],
                     Field(max_length=1000)] | None = None
    active: bool | None = None
    password: Annotated[str, Field(min_length=12, max_length=1024)] | None = None


Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
TermList = Annotated[list[Term], Field(max_length=2000)]


class PolicySettings(Strict):
    mode: Literal["auto", "pre", "post"] | None = None
    hold_threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    reject_threshold: Annotated[float, Field(ge=0, le=1)] | None = None


class TermSettings(Strict):
    banned: TermList | None = None
    suspect: TermList | None = None
    allowed: TermList | None = None


class ReportSettings(Strict):
    threshold: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        None, description="Reports that move a published comment to `reported` (0: never).")
    hide: bool | None = Field(None, description="Hide reported comments until reviewed.")


class SiteSettingsIn(Strict):
    """A partial update: only the keys present change."""

    policy: PolicySettings | None = None
    terms: TermSettings | None = None
    allowed_origins: Annotated[list[Annotated[str, Field(max_length=255)]],
                               Field(max_length=100)] | None = None
    reports: ReportSettings | None = None


class ItemThread(BaseModel):
    id: str
    url: str | None
    title: str | None


class ItemParent(BaseModel):
    id: int
    author_name: str
    status: str
    body: str
    body_html: str | None
    created_at: datetime


class AuthorHistory(BaseModel):
    published: int
    rejected: int
    spam: int
    held: int
    reported: int
    first_seen: datetime | None
    sanctions: list[dict[str, Any]] = Field(description="Active: id, kind, site_id, expires_at")


class ItemAuthor(BaseModel):
    name: str
    email: str = Field(description="Moderators may see it; never public.")
    email_hash: str
    url: str | None
    ip: str | None
    history: AuthorHistory


class ItemClaim(BaseModel):
    moderator_id: int
    moderator: str
    expires_at: datetime


class QueueItem(BaseModel):
    """Everything a moderator needs about one comment, without a second call."""

    id: int
    site: str
    status: str
    version: int = Field(description="Send it back with a decision (stale: 409).")
    created_at: datetime
    checked_at: datetime | None
    body: str = Field(description="The original text; reasons' spans index into it.")
    body_html: str | None
    language: str | None
    risk: float
    scores: dict[str, float]
    reasons: list[dict[str, Any]] = Field(
        description="code, category, score, message {en, ar}, spans [[start, end], ...]")
    report_count: int
    reports: list[dict[str, Any]] = Field(
        description="The latest reader reports (reason, text, created_at), newest first.")
    thread: ItemThread | None
    parent: ItemParent | None
    author: ItemAuthor
    claim: ItemClaim | None


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None
    counts: dict[str, int] = Field(description="Comments per queue in the same scope.")


class DecisionOut(BaseModel):
    id: int
    status: str
    version: int


class AuditEntry(BaseModel):
    id: int | None
    comment_id: int
    from_status: str | None
    to_status: str
    actor: str
    reasons: list[str]
    note: str | None
    created_at: datetime
