"""Text normalisation that remembers where every character came from.

``normalize(text)`` returns a ``Normalized`` whose ``text`` is the folded form every check
reads and whose ``origin[i]`` is the index in the original text of normalised character ``i``,
so a finding on the normalised text can highlight the exact original characters
(``Normalized.span(start, end)``).

Folding, character by character (so the offset map stays exact):
- Unicode NFKC and case folding, then accents and all combining marks dropped (NFKD), which
  also turns أ إ آ ٱ into ا, ؤ into و and ئ into ي;
- Arabic diacritics (harakat, shadda, sukun, dagger alef, Quranic marks), tatweel,
  zero-width and bidi control characters, soft hyphens: removed;
- ة → ه, ى/ی/ې → ي, Persian/Urdu look-alikes (ک گ ڪ ھ ۀ ہ پ چ ڤ ژ ے) → their Arabic letters;
- Arabic-Indic (٠-٩) and Eastern (۰-۹) digits → 0-9;
- Cyrillic and Greek look-alike letters → Latin, only inside words that also hold Latin
  letters (so Russian and Greek text is left alone).

Stretched letters, leetspeak, Arabizi and letters split by separators are handled when words
are matched (``lexicon.py``), since each has several possible readings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .findings import Span

_DROP = set(
    [chr(c) for c in range(0x064B, 0x0660)]  # harakat, shadda, sukun, hamza marks
    + [chr(c) for c in range(0x06D6, 0x06EE)]  # Quranic annotation marks
    + ["\u0670", "\u0640", "\u00ad", "\u034f", "\u061c", "\u180e", "\ufeff"]
    + [chr(c) for c in range(0x200B, 0x2010)]  # zero-width space/joiners, LRM, RLM
    + [chr(c) for c in range(0x202A, 0x202F)]  # bidi embeddings and overrides
    + [chr(c) for c in range(0x2060, 0x2070)]  # word joiner, invisible operators, isolates
    + [chr(c) for c in range(0xFE00, 0xFE10)]  # variation selectors
)

_LETTERS = {
    "ة": "ه", "ى": "ي", "ی": "ي", "ې": "ي", "ے": "ي", "ۍ": "ي", "ئ": "ي", "ؤ": "و",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ک": "ك", "ڪ": "ك", "گ": "ك", "ڭ": "ك", "ھ": "ه", "ۀ": "ه", "ہ": "ه", "ە": "ه",
    "پ": "ب", "چ": "ج", "ڤ": "ف", "ڥ": "ف", "ژ": "ز", "ڨ": "ق", "ٹ": "ت", "ڈ": "د", "ڑ": "ر",
}
for _base, _digit in ((0x0660, 0), (0x06F0, 0), (0x07C0, 0)):
    for _i in range(10):
        _LETTERS[chr(_base + _i)] = str(_i)

# Cyrillic and Greek letters that look like Latin ones (after case folding).
CONFUSABLES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ɡ": "g", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y", "α": "a", "β": "b", "ε": "e", "η": "n",
    "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "ѵ": "v", "ɑ": "a", "ɩ": "i", "σ": "o", "ς": "c",
}

_LATIN = re.compile(r"[a-z]")


@dataclass(frozen=True)
class Normalized:
    original: str
    text: str
    origin: Sequence[int]  # origin[i]: index in ``original`` of ``text[i]``

    def span(self, start: int, end: int) -> Span:
        """The original characters behind normalised ``text[start:end]``."""
        if end <= start or start >= len(self.origin):
            return Span(0, 0)
        return Span(self.origin[start], self.origin[end - 1] + 1)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _DROP:
        return ""
    if ch in _LETTERS:
        return _LETTERS[ch]
    if ch.isascii():
        return ch.lower()
    out = []
    for c in unicodedata.normalize("NFKC", ch).casefold():
        if c in _LETTERS:
            out.append(_LETTERS[c])
            continue
        for d in unicodedata.normalize("NFKD", c):
            if d in _DROP or unicodedata.combining(d):
                continue
            out.append(_LETTERS.get(d, d))
    return "".join(out)


_FOLDED: dict[str, str] = {}
_CONFUSABLE_RE = re.compile("[" + "".join(CONFUSABLES) + "]")


@lru_cache(maxsize=8)
def normalize(text: str) -> Normalized:
    """The folded text and its offset map. The last few results are kept: a check reads the
    same comment's normalised text several times (the analysis, the fingerprint, the
    signature), and a ``Normalized`` is immutable."""
    cache = _FOLDED
    parts = []
    for ch in text:
        folded = cache.get(ch)
        if folded is None:
            folded = cache[ch] = _fold_char(ch)
        parts.append(folded)
    folded_text = "".join(parts)
    if len(folded_text) == len(text) and "" not in parts:
        origin: Sequence[int] = range(len(text))  # one character for one: the common case
    else:
        origin = tuple(i for i, part in enumerate(parts) for _ in part)
    if _CONFUSABLE_RE.search(folded_text):
        folded_text = _unconfuse(folded_text)
    return Normalized(text, folded_text, origin)


def _unconfuse(text: str) -> str:
    # Map look-alikes only inside mixed words ("fuсk" with a Cyrillic с), one char for one.
    def fix(m: re.Match) -> str:
        word = m.group()
        if not _LATIN.search(word):
            return word
        return "".join(CONFUSABLES.get(c, c) for c in word)

    return re.sub(r"\w+", fix, text)


def fold(text: str) -> str:
    """Just the folded text, for building word lists and model features."""
    return normalize(text).text
