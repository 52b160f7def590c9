"""The plain data that flows through detection: facts in, findings and a decision out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Categories whose findings make a rejected comment "spam" rather than "rejected".
SPAM_CATEGORIES = frozenset({"spam", "links", "duplicate", "flood", "contact"})


@dataclass(frozen=True)
class Span:
    """Characters ``text[start:end]`` of the original comment that triggered a finding."""

    start: int
    end: int


@dataclass(frozen=True)
class Finding:
    code: str  # machine code, e.g. "lexicon.banned"
    category: str  # obscene, insult, hate, threat, spam, links, duplicate, ...
    score: float  # 0..1: how strongly this finding argues against publishing
    message: dict[str, str]  # {"en": ..., "ar": ...}, written for moderators
    spans: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["spans"] = [[span.start, span.end] for span in self.spans]
        return data


@dataclass(frozen=True)
class CommentFacts:
    """Everything a check may look at, gathered by the worker as plain values."""

    text: str
    author_name: str = ""
    author_email: str = ""
    author_url: str | None = None
    language: str | None = None
    # The same author's most recent earlier comment on this site, if any.
    previous_text: str | None = None
    author_published: int = 0
    author_rejected: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    status: str  # "published", "held", "rejected" or "spam"
    reasons: tuple[Finding, ...]
    scores: dict[str, float]
