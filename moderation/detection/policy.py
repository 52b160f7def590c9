"""A site's policy: a pure function from findings to published, held, rejected or spam."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping, Sequence

from .findings import SPAM_CATEGORIES, Decision, Finding

MODES = ("auto", "pre", "post")


@dataclass(frozen=True)
class Policy:
    mode: str = "auto"  # auto: decide by scores; pre: hold everything; post: publish unless rejected
    hold_threshold: float = 0.5
    reject_threshold: float = 0.9

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> "Policy":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (settings or {}).items() if k in known})


def decide(findings: Sequence[Finding], policy: Policy) -> Decision:
    top = max((f.score for f in findings), default=0.0)
    spam = max((f.score for f in findings if f.category in SPAM_CATEGORIES), default=0.0)
    abuse = max((f.score for f in findings if f.category not in SPAM_CATEGORIES), default=0.0)
    scores = {"spam": round(spam, 4), "abuse": round(abuse, 4)}
    reasons = tuple(sorted(findings, key=lambda f: -f.score))

    if top >= policy.reject_threshold:
        status = "spam" if spam >= policy.reject_threshold and spam >= abuse else "rejected"
    elif policy.mode == "pre" or (policy.mode == "auto" and top >= policy.hold_threshold):
        status = "held"
    else:
        status = "published"
    return Decision(status=status, reasons=reasons, scores=scores)
