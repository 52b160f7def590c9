"""A site's policy: a pure function from findings to published, held, rejected or spam.

``site_settings`` is the site's policy JSON; every key is optional:

| key | default | meaning |
|---|---|---|
| ``mode`` | ``"auto"`` | ``auto``: decide by scores; ``pre``: hold everything not rejected; ``post``: publish unless rejected |
| ``hold_threshold`` | 0.5 | a finding scoring at least this holds the comment |
| ``reject_threshold`` | 0.9 | a finding scoring at least this rejects it (``spam`` if it is a spam finding) |
| ``hold_links`` | false | hold any comment with a link (not counting allowed domains) |
| ``max_links`` | 3 | hold comments with this many links or more |
| ``hold_first_comments`` | false | hold an author's first comment on the site |
| ``trusted_after`` | 3 | authors with this many published and no rejected comments are trusted: soft findings (links, contact details, selling words, model scores, first comment) count for 80% |
| ``banned_terms`` / ``suspect_terms`` | [] | the site's own words: banned holds (score 0.85), suspect holds (0.6) |
| ``allowed_terms`` | [] | words never flagged on this site (e.g. a town called like a lexicon word) |
| ``blocked_domains`` / ``allowed_domains`` | [] | links to blocked domains are spam; allowed ones are not counted |
| ``abuse_model_threshold`` | per model | calibrated abuse probability from which the learned model holds (default: the model's own, chosen in training, with a higher one for comments that address no one; see ``data/models.json`` and docs/detection.md) |
| ``spam_model_threshold`` | per model | the same for the spam model |
| ``flood_ip_limit`` / ``flood_email_limit`` | 10 / 5 | comments in the flood window from one IP / email that hold; three times as many is spam |
| ``duplicate_limit`` | 3 | copies of the same text across threads or sites that make it spam (1 or more holds) |
| ``min_form_seconds`` | 3 | a form posted faster than this is a bot |

Abuse findings score at most 0.85 (banned words), so under the defaults abusive comments are
held for a moderator, never rejected automatically; a site that wants banned words rejected sets
``reject_threshold`` to 0.85 or below. Spam findings reach 0.95-0.99 and are rejected as spam.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping, Sequence

from .findings import ABUSE_CATEGORIES, SPAM_CATEGORIES, Decision, Finding

MODES = ("auto", "pre", "post")
# Findings that a trusted author's history outweighs.
SOFT_CODES = frozenset({"links.present", "links.many", "contact.details", "model.abuse",
                        "model.spam", "reputation.first_comment", "spam.commercial"})
TRUST_FACTOR = 0.8


@dataclass(frozen=True)
class Policy:
    mode: str = "auto"
    hold_threshold: float = 0.5
    reject_threshold: float = 0.9
    hold_links: bool = False
    max_links: int = 3
    hold_first_comments: bool = False
    trusted_after: int = 3
    banned_terms: tuple[str, ...] = ()
    suspect_terms: tuple[str, ...] = ()
    allowed_terms: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    abuse_model_threshold: float | None = None  # None: the threshold chosen in training
    spam_model_threshold: float | None = None
    flood_ip_limit: int = 10
    flood_email_limit: int = 5
    duplicate_limit: int = 3
    min_form_seconds: float = 3.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> "Policy":
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in (settings or {}).items():
            if key not in known or value is None:
                continue
            if isinstance(cls.__dataclass_fields__[key].default, tuple):
                value = tuple(str(v).strip().lower() for v in value if str(v).strip())
            values[key] = value
        policy = cls(**values)
        if policy.mode not in MODES:
            raise ValueError(f"unknown moderation mode {policy.mode!r}; expected one of {MODES}")
        return policy


def decide(findings: Sequence[Finding], policy: Policy, trusted: bool = False,
           raw_scores: Mapping[str, float] | None = None, language: str | None = None) -> Decision:
    def weight(f: Finding) -> float:
        return f.score * TRUST_FACTOR if trusted and f.code in SOFT_CODES else f.score

    weighted = [(weight(f), f) for f in findings]
    top = max((w for w, _ in weighted), default=0.0)
    spam = max((w for w, f in weighted if f.category in SPAM_CATEGORIES), default=0.0)
    abuse = max((w for w, f in weighted if f.category in ABUSE_CATEGORIES), default=0.0)
    raw = raw_scores or {}
    scores = {"spam": round(max(spam, raw.get("spam", 0.0)), 4),
              "abuse": round(max(abuse, raw.get("abuse", 0.0)), 4)}
    reasons = tuple(f for _, f in sorted(weighted, key=lambda wf: -wf[0]))

    if top >= policy.reject_threshold:
        status = "spam" if spam >= policy.reject_threshold and spam >= abuse else "rejected"
    elif policy.mode == "pre" or (policy.mode == "auto" and top >= policy.hold_threshold):
        status = "held"
    else:
        status = "published"
    return Decision(status=status, reasons=reasons, scores=scores, language=language)
