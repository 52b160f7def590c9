"""The built-in checks. A check is ``check(facts) -> iterable of Finding``; no I/O."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterable, Sequence

from .findings import CommentFacts, Finding, Span

Check = Callable[[CommentFacts], Iterable[Finding]]

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
MANY_LINKS = 3

# A deliberately small list: the full, curated Arabic and English lexicons are the
# detection package's own work. These are unambiguous in any context.
BANNED_WORDS = frozenset({
    "fuck", "fucking", "motherfucker", "cunt", "nigger", "faggot",
    "شرموط", "شرموطة", "كس", "منيوك", "متناك", "عرص", "خول",
})
WORD_RE = re.compile(r"\w+", re.UNICODE)
_ARABIC_MARKS = re.compile("[\u064B-\u065F\u0670\u0640]")  # diacritics and tatweel


def _fold(word: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", word).casefold())


def links(facts: CommentFacts) -> Iterable[Finding]:
    found = [Span(m.start(), m.end()) for m in URL_RE.finditer(facts.text)]
    if len(found) >= MANY_LINKS:
        yield Finding(
            code="links.many", category="links", score=0.6,
            message={"en": f"The comment contains {len(found)} links.",
                     "ar": f"يحتوي التعليق على {len(found)} روابط."},
            spans=tuple(found),
        )


def banned_words(facts: CommentFacts) -> Iterable[Finding]:
    spans = tuple(Span(m.start(), m.end()) for m in WORD_RE.finditer(facts.text)
                  if _fold(m.group()) in BANNED_WORDS)
    if spans:
        yield Finding(
            code="lexicon.banned", category="obscene", score=0.7,
            message={"en": "The comment uses a banned word.",
                     "ar": "يحتوي التعليق على كلمة محظورة."},
            spans=spans,
        )


def duplicate_of_previous(facts: CommentFacts) -> Iterable[Finding]:
    if facts.previous_text is not None and " ".join(facts.previous_text.split()).casefold() == \
            " ".join(facts.text.split()).casefold():
        yield Finding(
            code="duplicate.author", category="duplicate", score=0.6,
            message={"en": "The author posted the same text just before.",
                     "ar": "نشر الكاتب النص نفسه في تعليقه السابق."},
        )


BUILTIN_CHECKS: tuple[Check, ...] = (links, banned_words, duplicate_of_previous)


def run_checks(facts: CommentFacts, extra: Sequence[Check] = ()) -> list[Finding]:
    findings: list[Finding] = []
    for check in (*BUILTIN_CHECKS, *extra):
        findings.extend(check(facts))
    return findings
