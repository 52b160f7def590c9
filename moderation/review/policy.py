"""Pure rules of human moderation: no database, no Flask, no Celery.

* which status a moderator's action moves a comment to;
* which terms a site's moderators have taught us to block or to allow;
* how an author's sanctions and reputation change the automatic decision.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from ..detection import CommentFacts, Finding, Span

ACTIONS = ("approve", "reject", "spam", "restore")
REJECT_REASONS = ("offensive", "abusive", "spam", "hate_speech", "harassment", "off_topic",
                  "other")
REPORT_REASONS = ("offensive", "abusive", "spam", "other")
QUEUES = ("pending", "held", "reported", "published", "rejected", "spam")
SANCTION_KINDS = ("ban", "suspend", "hold", "trust")


class InvalidTransition(ValueError):
    pass


def target_status(action: str, current: str) -> str:
    """The status ``action`` moves a comment in status ``current`` to."""
    if action == "approve" and current != "published":
        return "published"
    if action == "reject" and current != "rejected":
        return "rejected"
    if action == "spam" and current != "spam":
        return "spam"
    if action == "restore" and current in ("rejected", "spam"):
        return "held"  # back into the queue, for a fresh look
    raise InvalidTransition(f"cannot {action} a {current} comment")


def example_label(action: str) -> str | None:
    """The training label a decision gives the comment's text (restore teaches nothing)."""
    return {"approve": "good", "reject": "bad", "spam": "bad"}.get(action)


def report_crosses_threshold(status: str, reports: int, threshold: int) -> bool:
    return status == "published" and threshold > 0 and reports >= threshold


# --- terms -------------------------------------------------------------------------------

WORD_RE = re.compile(r"[\w\u064B-\u065F\u0670\u0640]+", re.UNICODE)  # marks stay inside words
_ARABIC_MARKS = re.compile("[\u064B-\u065F\u0670\u0640]")  # diacritics and tatweel
MIN_TERM, MAX_TERM, MAX_TERMS = 3, 64, 300
STOPWORDS = frozenset(
    "the and for are but not you your with this that have from they was were will would "
    "what when where which who why how all any can has had his her its our their them "
    "there then than too very just also into about out more most some such only own "
    "في من على إلى الى عن مع هذا هذه ذلك التي الذي الذين كان كانت لكن أنا انا نحن هو هي "
    "هم ما لا لم لن قد كل بعد قبل عند أو او ثم حتى إذا اذا".split())


def fold(word: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", word).casefold())


def term_spans(text: str) -> list[tuple[str, int, int]]:
    """Every countable term of ``text`` with its [start, end) offsets in the original."""
    out = []
    for match in WORD_RE.finditer(text):
        term = fold(match.group())
        if MIN_TERM <= len(term) <= MAX_TERM and term not in STOPWORDS and not term.isdigit():
            out.append((term, match.start(), match.end()))
    return out


def terms_of(text: str) -> list[str]:
    """The distinct terms of a text (each example counts a term once), capped."""
    seen: dict[str, None] = {}
    for term, _, _ in term_spans(text):
        seen.setdefault(term)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)


@dataclass(frozen=True)
class Learned:
    """What a site's decisions taught: terms that mark bad comments and terms that mark good."""

    block: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()


def learn(counts: Mapping[str, tuple[int, int]], good_total: int, bad_total: int,
          min_support: int = 3, ratio: float = 3.0) -> Learned:
    """Block/allow terms from per-term (good, bad) example counts.

    A term is a pattern when it occurs in at least ``min_support`` examples of one label and
    is ``ratio`` times likelier (Laplace-smoothed document frequency) under that label than
    under the other: words that occur everywhere ("article", a site's own name) never qualify.
    """
    block, allow = set(), set()
    for term, (good, bad) in counts.items():
        p_bad = (bad + 1) / (bad_total + 2)
        p_good = (good + 1) / (good_total + 2)
        if bad >= min_support and p_bad >= ratio * p_good:
            block.add(term)
        elif good >= min_support and p_good >= ratio * p_bad:
            allow.add(term)
    return Learned(frozenset(block), frozenset(allow))


def term_check(terms: Iterable[str], code: str, category: str, score: float,
               message: dict[str, str]):
    """A detection check (``facts -> findings``) flagging every occurrence of ``terms``."""
    wanted = frozenset(fold(t) for t in terms if t)

    def check(facts: CommentFacts) -> Iterable[Finding]:
        if not wanted:
            return
        spans = []
        folded_text = None
        for term, start, end in term_spans(facts.text):
            if term in wanted:
                spans.append(Span(start, end))
        # Multi-word site terms ("free money") match as phrases on the folded text.
        for phrase in (w for w in wanted if " " in w):
            folded_text = folded_text or fold(facts.text)
            index = folded_text.find(phrase)
            if index >= 0 and len(folded_text) == len(facts.text):
                spans.append(Span(index, index + len(phrase)))
        if spans:
            yield Finding(code=code, category=category, score=score, message=message,
                          spans=tuple(sorted(set(spans), key=lambda s: s.start)))

    return check


# --- the author's standing -----------------------------------------------------------------

@dataclass(frozen=True)
class AuthorState:
    sanctions: frozenset[str] = frozenset()  # active kinds: ban, suspend, hold, trust
    published: int = 0
    rejected: int = 0  # rejected and spam


@dataclass(frozen=True)
class Adjustment:
    status: str
    reasons: tuple[dict, ...] = field(default_factory=tuple)


def _reason(code: str, en: str, ar: str, score: float = 0.0) -> dict:
    return {"code": code, "category": "author", "score": score,
            "message": {"en": en, "ar": ar}, "spans": []}


def adjust_decision(status: str, reasons: Sequence[dict], text: str, author: AuthorState,
                    allowed_terms: Iterable[str] = ()) -> Adjustment:
    """Apply sanctions and allowed terms to the checks' decision.

    Order matters and is deliberate: a ban beats trust; trust publishes without the queue
    (the comment keeps its scores and stays reportable); always-hold sends an otherwise
    publishable comment to a person; allowed terms publish a comment held only for words the
    site (or its moderators' decisions) says are fine. Reputation (published/rejected counts)
    is not here: detection weighs it from ``CommentFacts``.
    """
    if "ban" in author.sanctions or "suspend" in author.sanctions:
        return Adjustment("rejected", (_reason("author.banned", "The author is banned.",
                                                "الكاتب محظور.", 1.0),))
    if "trust" in author.sanctions:
        if status in ("held", "published"):
            return Adjustment("published", (_reason(
                "author.trusted", "Trusted author: published without review.",
                "كاتب موثوق: نُشر التعليق دون مراجعة."),))
        return Adjustment(status)
    if status == "published" and "hold" in author.sanctions:
        return Adjustment("held", (_reason("author.always_hold",
                                           "This author's comments are always reviewed.",
                                           "تعليقات هذا الكاتب تُراجَع دائمًا.", 0.5),))
    allowed = frozenset(fold(t) for t in allowed_terms)
    if status == "held" and allowed and reasons and all(
            _covered(reason, text, allowed) for reason in reasons):
        return Adjustment("published", (_reason(
            "learned.allowed", "Held only for words this site allows.",
            "حُجز فقط بسبب كلمات يسمح بها هذا الموقع."),))
    return Adjustment(status)


def _covered(reason: dict, text: str, allowed: frozenset[str]) -> bool:
    spans = reason.get("spans") or []
    if not spans:
        return False
    for start, end in spans:
        words = [fold(w) for w in WORD_RE.findall(text[start:end])]
        if not words or any(w not in allowed for w in words):
            return False
    return True
