"""The plain data that flows through detection: facts in, findings and a decision out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Categories whose findings make a rejected comment "spam" rather than "rejected".
SPAM_CATEGORIES = frozenset({"spam", "links", "duplicate", "flood", "contact", "bot"})
# Categories of abuse findings; everything else (reputation, policy) counts towards neither.
ABUSE_CATEGORIES = frozenset({"obscene", "insult", "hate", "threat", "abuse"})


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
    """Everything a check may look at, gathered by the worker as plain values.

    Only ``text`` is required; every other fact defaults to "unknown / nothing seen", so a
    worker that does not gather a fact yet simply leaves it out. What the worker fills in:

    - ``author_name``, ``author_email``, ``author_url``: as submitted (the email is only read
      for contact-detail checks; reputation comes from the counts below).
    - ``language``: the language the site or reader declared, or None to detect it.
    - ``previous_text``: the same author's most recent earlier comment on this site, if any.
    - ``author_published`` / ``author_rejected``: how many of this author's earlier comments on
      the site (looked up by email hash) were published / rejected or marked spam.
    - ``similar_recent``: how many comments with the same ``text_fingerprint(text)`` the index
      saw on other threads or sites within the site's window (``duplicate_window`` setting,
      default 24 h), not counting this one. 0 when the fingerprint is "" (text too short).
    - ``recent_from_ip`` / ``recent_from_email``: comments from the same IP address / email
      hash on this site in the last ``flood_window`` (default 10 minutes), not counting this.
    - ``honeypot_filled``: the hidden form field that people never see was filled in.
    - ``form_age_seconds``: seconds between rendering the form (time inside the signed form
      token) and posting; None when the comment did not come through a form with a valid token.
    """

    text: str
    author_name: str = ""
    author_email: str = ""
    author_url: str | None = None
    language: str | None = None
    previous_text: str | None = None
    author_published: int = 0
    author_rejected: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    similar_recent: int = 0
    recent_from_ip: int = 0
    recent_from_email: int = 0
    honeypot_filled: bool = False
    form_age_seconds: float | None = None


@dataclass(frozen=True)
class Decision:
    status: str  # "published", "held", "rejected" or "spam"
    reasons: tuple[Finding, ...]
    scores: dict[str, float]
    language: str | None = None  # "ar", "en" or "other"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "scores": self.scores, "language": self.language,
                "reasons": [r.to_dict() for r in self.reasons]}
