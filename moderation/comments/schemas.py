"""Request and response schemas for comments: they validate input and produce the OpenAPI document.

The request models are built per app by ``build_schemas`` because the length limits are
settings; the OpenAPI document therefore shows the limits the running service enforces.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field,
                      StringConstraints, ValidationError)
from pydantic_core import PydanticCustomError

from ..errors import FieldErrors


@dataclass(frozen=True)
class Limits:
    name: int = 245
    email: int = 100
    url: int = 200
    body: int = 65_525

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(config["LIMIT_NAME"], config["LIMIT_EMAIL"], config["LIMIT_URL"],
                   config["LIMIT_BODY"])


def _blank_to_none(value: Any) -> Any:
    # HTML forms send "" for an empty optional field.
    return None if isinstance(value, str) and not value.strip() else value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(
            ch.isspace() for ch in value):
        raise PydanticCustomError("invalid_url", "not an http(s) URL")
    return value


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise PydanticCustomError("invalid_ip", "not an IP address") from None


Optional = BeforeValidator(_blank_to_none)


def optional_text(max_length: int, *validators) -> Any:
    """An optional string: blank means absent; the length limit applies to the text only."""
    return Annotated[Annotated[str, StringConstraints(strip_whitespace=True,
                                                      max_length=max_length), *validators]
                     | None, Optional]


def optional_url(max_length: int) -> Any:
    return optional_text(max_length, AfterValidator(_http_url))


class ClientIn(BaseModel):
    """What the site's backend knows about the reader's browser (optional)."""

    ip: optional_text(64, AfterValidator(_ip)) = None
    user_agent: optional_text(512) = None
    referrer: optional_text(2048) = None
    form_token: Annotated[optional_text(128), Field(
        description="The token from GET .../form-token, put in the comment form when it was "
                    "rendered; a form posted too soon after is a bot.")] = None
    honeypot: Annotated[optional_text(2000), Field(
        description="The value of a form field hidden from people; bots fill it in.")] = None


@dataclass(frozen=True)
class Schemas:
    comment_in: type[BaseModel]

    def parse_comment(self, data: Any) -> BaseModel:
        try:
            return self.comment_in.model_validate(data)
        except ValidationError as exc:
            raise FieldErrors(field_errors(exc)) from None


def build_schemas(limits: Limits, check_deliverability: bool = False) -> Schemas:
    def _email(value: str) -> str:
        try:
            return validate_email(value, check_deliverability=check_deliverability).normalized
        except EmailNotValidError:
            raise PydanticCustomError("invalid_email", "not a valid email address") from None

    Required = StringConstraints(strip_whitespace=True, min_length=1)

    class ThreadIn(BaseModel):
        model_config = ConfigDict(coerce_numbers_to_str=True, title="ThreadIn")
        id: Annotated[str, Required, Field(max_length=255,
                                           description="The site's own id for the article.")]
        url: optional_url(2048) = None
        title: optional_text(500) = None

    class AuthorIn(BaseModel):
        model_config = ConfigDict(title="AuthorIn")
        name: Annotated[str, Required, Field(max_length=limits.name)]
        email: Annotated[str, Required, Field(max_length=limits.email,
                                              description="Stored for moderators; never published."),
                         AfterValidator(_email)]
        url: optional_url(limits.url) = None

    class CommentIn(BaseModel):
        model_config = ConfigDict(title="CommentIn")
        thread: ThreadIn
        parent_id: Annotated[Annotated[int, Field(gt=0)] | None, Optional] = None
        author: AuthorIn
        body: Annotated[str, StringConstraints(min_length=1), Field(max_length=limits.body),
                        AfterValidator(_require_text)]
        client: ClientIn | None = None

    return Schemas(comment_in=CommentIn)


def _require_text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("required", "blank")
    return value


# --- responses (documentation, and the shape tests assert) --------------------------------

class CommentAccepted(BaseModel):
    id: int
    status: str = Field(examples=["pending"])
    thread_id: str
    created_at: datetime


class FormToken(BaseModel):
    token: str
    max_age_seconds: int


class Reason(BaseModel):
    code: str
    category: str
    score: float
    message: dict[str, str]
    spans: list[tuple[int, int]] = Field(description="[start, end) offsets into the original body")


class CommentDetail(BaseModel):
    id: int
    status: str
    decision: str | None = Field(description="The checks' decision, once made.")
    thread_id: str
    parent_id: int | None
    created_at: datetime
    checked_at: datetime | None
    language: str | None
    scores: dict[str, float]
    reasons: list[Reason]


class PublicAuthor(BaseModel):
    name: str
    url: str | None


class PublicComment(BaseModel):
    id: int
    parent_id: int | None
    author: PublicAuthor
    body_html: str
    created_at: datetime
    replies: list["PublicComment"]


class ThreadPage(BaseModel):
    thread_id: str
    comments: list[PublicComment]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


# --- pydantic errors -> our field errors ------------------------------------------------------

_TYPE_NAMES = {"string": "text", "int": "integer", "model": "object", "dict": "object",
               "float": "number", "bool": "boolean", "list": "list"}


def field_errors(exc: ValidationError) -> dict[str, tuple[str, dict]]:
    errors: dict[str, tuple[str, dict]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in error["loc"] if not str(part).startswith("function-"))
        path = path or "body"
        if path in errors:
            continue  # the first problem of a field is the one a reader should fix
        errors[path] = _code(error)
    return errors


def _code(error: dict) -> tuple[str, dict]:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("missing", "string_too_short", "required"):
        return "required", {}
    if kind == "string_too_long":
        return "too_long", {"max": ctx.get("max_length")}
    if kind in ("invalid_email", "invalid_url", "invalid_ip"):
        return kind, {}
    if kind.endswith("_type") or kind.endswith("_parsing") or kind == "model_attributes_type":
        base = kind.split("_")[0]
        return "wrong_type", {"expected": _TYPE_NAMES.get(base, base)}
    return "invalid_value", {}
