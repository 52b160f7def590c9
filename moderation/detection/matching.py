"""Whole-word lexicon matching on normalised text, robust to the usual evasions.

Each word of the normalised text is expanded into the forms it may stand for, and each form is
looked up in the lexicon index:

- stretched letters collapsed (fuuuck, شرموووطة) and leetspeak decoded (sh1t, @ss, $hit);
- Arabic clitics stripped: prefixes و ف ب ك ل ال (and يا glued to an insult), pronoun and plural
  suffixes; each form remembers how many clitics it lost, and a term only matches forms its
  flags allow (``Entry.max_clitics``), so زب matches زبك but never زبون;
- masked letters (f*ck, sh**t) and Arabizi consonant skeletons;
- letters split by spaces, dots or other separators (f u c k, ش ر م و ط ة, شر مو طة) joined.

``find_terms`` returns matches with offsets into the normalised text; ``Normalized.span`` maps
them back to the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from .arabizi import looks_arabizi, skeletons_of_latin
from .lexicon import Entry, Lexicon

TOKEN_RE = re.compile(r"[\w@$!|*#%+'’]+")
_EDGE = "!|#%+'’_*"
_INNER = re.compile(r"[_'’]")
_SEPARATORS = set(" \t\n.-_·•,*/\\|~+:;")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "9": "g", "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e"})
_RUNS3 = re.compile(r"(.)\1{2,}")
_RUNS2 = re.compile(r"(.)\1+")

AR_PREFIXES_LIGHT = ("", "ال", "و", "وال", "يا", "ويا")
AR_PREFIXES = AR_PREFIXES_LIGHT + ("ف", "ب", "ك", "ل", "فال", "بال", "كال", "لل", "ولل", "وب",
                                   "ول", "فب", "فل", "وك", "فك", "س", "وس", "ياال")
AR_SUFFIXES_LIGHT = ("", "ه", "ها", "هم", "ك", "كم", "كي", "نا")
AR_SUFFIXES = AR_SUFFIXES_LIGHT + ("هن", "هما", "كن", "كما", "ي", "ني", "ات", "ين", "ون", "ان",
                                   "تي", "تك", "ته", "تها", "تهم", "تكم", "يه", "يها", "ا",
                                   "و", "وا", "يك")
VOCATIVES = frozenset({
    "يا", "ياا", "انت", "انتي", "انتو", "انتم", "انتا", "ابن", "بنت", "ولد", "ولاد", "اولاد",
    "يابن", "يابنت", "ياولد", "you", "u", "ur", "youre", "ya", "yo", "enta", "inta", "inti",
    "enti", "ibn", "ebn", "weld",
})
# Second-person address, for telling abuse aimed at someone from talk about the news.
ADDRESS_WORDS = VOCATIVES | frozenset({
    "your", "yours", "yourself", "انتو", "انتوا", "انتن", "عليك", "منك", "لك", "فيك", "عنك",
    "امك", "ابوك", "اختك", "وجهك", "شكلك", "راسك",
})
FILLERS = frozenset({
    "واحد", "مجرد", "زي", "مثل", "اكبر", "يا", "a", "an", "are", "r", "re", "such", "so", "big",
    "fucking", "little", "dirty", "stupid", "dumb", "fat", "ugly", "filthy", "bloody", "total",
    "complete", "absolute", "just", "the",
})


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int  # offsets in the normalised text
    end: int
    exact: bool = False  # the text is the entry as written, not an inflected form


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in TOKEN_RE.finditer(text):
        word, start, end = m.group(), m.start(), m.end()
        while word and word[0] in _EDGE:
            word, start = word[1:], start + 1
        while word and word[-1] in _EDGE and not word.endswith("**"):
            word, end = word[:-1], end - 1
        if word:
            tokens.append(Token(word, start, end))
    return tokens


def _stretch_forms(word: str) -> set[str]:
    return {word, _RUNS3.sub(r"\1", word), _RUNS3.sub(r"\1\1", word), _RUNS2.sub(r"\1", word)}


@lru_cache(maxsize=65536)
def variants(word: str) -> tuple[tuple[str, int, bool], ...]:
    """``(form, clitics_removed_level, vocative_glued)`` for every reading of ``word``."""
    base = {word, _INNER.sub("", word)}
    forms: dict[tuple[str, bool], int] = {}

    def add(form: str, level: int, voc: bool = False) -> None:
        key = (form, voc)
        if form and forms.get(key, 9) > level:
            forms[key] = level

    for b in base:
        for f in _stretch_forms(b):
            add(f, 0)
            if f.isascii():
                decoded = f.translate(_LEET)
                for d in _stretch_forms(decoded):
                    add(d, 0)
            elif len(f) >= 3:
                for p in AR_PREFIXES:
                    if not f.startswith(p):
                        continue
                    for s in AR_SUFFIXES:
                        if (p or s) and f.endswith(s) and len(f) - len(p) - len(s) >= 2:
                            stem = f[len(p):len(f) - len(s)]
                            light = p in AR_PREFIXES_LIGHT and s in AR_SUFFIXES_LIGHT
                            level = 1 if light else 2
                            if level == 2 and len(stem) < 3:
                                continue
                            add(stem, level, p.endswith("يا") or p == "ياال")
                            if s in ("ات", "ين", "ون") and len(stem) >= 3:
                                add(stem + "ه", level)
    return tuple((f, lvl, voc) for (f, voc), lvl in forms.items())


def _addressed(tokens: Sequence[Token], i: int) -> bool:
    j = i - 1
    while j >= 0 and i - j <= 4:
        word = _INNER.sub("", tokens[j].text)
        if word in VOCATIVES:
            return True
        if word not in FILLERS and word.translate(_LEET) not in FILLERS and "*" not in word:
            return False
        j -= 1
    return False


CACHE_SIZE = 200_000


def _lookup(lexicon: Lexicon, word: str) -> tuple[tuple[Entry, int, bool], ...]:
    found = lexicon.cache.get(word)
    if found is None:
        if len(lexicon.cache) > CACHE_SIZE:
            lexicon.cache.clear()
        found = lexicon.cache[word] = tuple(_lookup_uncached(lexicon, word))
    return found


def _lookup_uncached(lexicon: Lexicon, word: str) -> Iterable[tuple[Entry, int, bool]]:
    for form, level, voc in variants(word):
        for entry in lexicon.words.get(form, ()):
            if level <= entry.max_clitics:
                yield entry, level, voc
        if "*" in form:
            for entry in lexicon.masked.get(form, ()):
                yield entry, 0, False
    if word.isascii() and (looks_arabizi(word) or len(word) >= 7):
        # Without a letter-digit, only long skeletons: "cosmic" must not read as كسمك.
        for skel in skeletons_of_latin(word):
            if len(skel) >= 5 or (len(skel) >= 3 and looks_arabizi(word)):
                for entry in lexicon.skeletons.get(skel, ()):
                    yield entry, 0, False


def _rest_matches(entry: Entry, tokens: Sequence[Token], i: int) -> int | None:
    """Index of the last token of multi-word ``entry`` starting at token ``i``, or None."""
    n = len(entry.words)
    if i + n > len(tokens):
        return None
    for k, want in enumerate(entry.words[1:], start=1):
        allowed = 1 if k == n - 1 else 0
        if not any(f == want and lvl <= allowed for f, lvl, _ in variants(tokens[i + k].text)):
            return None
    return i + n - 1


def _joined(text: str, tokens: Sequence[Token]) -> list[Token]:
    """Words split into pieces by separators: "f u c k", "ش ر م و ط ة", "شر مو طه"."""
    out: list[Token] = []
    n = len(tokens)
    i = 0
    while i < n:
        j = i
        while (j + 1 < n and len(tokens[j].text) <= 3 and len(tokens[j + 1].text) <= 3
               and 0 < tokens[j + 1].start - tokens[j].end <= 3
               and all(c in _SEPARATORS for c in text[tokens[j].end:tokens[j + 1].start])):
            j += 1
        if j > i:
            run = tokens[i:j + 1]
            for a in range(len(run)):
                for b in range(a + 2, min(len(run), a + 8) + 1):
                    word = "".join(t.text for t in run[a:b])
                    if len(word) >= 4:
                        out.append(Token(word, run[a].start, run[b - 1].end))
        i = j + 1
    return out


def find_terms(text: str, lexicon: Lexicon, allowed: frozenset[str] = frozenset(),
               dedupe: bool = True) -> list[Match]:
    """Lexicon matches in normalised ``text``; ``dedupe=False`` keeps every entry that matched."""
    tokens = tokenize(text)
    matches: list[Match] = []
    for i, token in enumerate(tokens):
        if token.text in allowed:
            continue
        for entry, _level, voc_glued in _lookup(lexicon, token.text):
            if entry.term in allowed or " ".join(entry.words) in allowed:
                continue
            last = i if len(entry.words) == 1 else _rest_matches(entry, tokens, i)
            if last is None:
                continue
            if "voc" in entry.flags and not (voc_glued or _addressed(tokens, i)):
                continue
            exact = " ".join(t.text for t in tokens[i:last + 1]) == " ".join(entry.words)
            matches.append(Match(entry, token.start, tokens[last].end, exact))
    for token in _joined(text, tokens):
        for entry, level, _ in _lookup(lexicon, token.text):
            if (len(entry.words) == 1 and entry.strength == "banned" and level <= 1
                    and "voc" not in entry.flags and len(entry.words[0]) >= 4
                    and entry.term not in allowed):
                matches.append(Match(entry, token.start, token.end))
    return _dedupe(matches) if dedupe else matches


def _dedupe(matches: list[Match]) -> list[Match]:
    seen: dict[tuple[int, int, str], Match] = {}
    for m in sorted(matches, key=lambda m: (m.entry.strength != "banned", not m.exact,
                                            len(m.entry.term), m.entry.term)):
        key = (m.start, m.end, m.entry.category)
        old = seen.get(key)
        if old is None or (old.entry.strength == "suspect" and m.entry.strength == "banned"):
            seen[key] = m
    rank = {"banned": 1, "suspect": 0}
    kept = sorted(seen.values(), key=lambda m: (m.start, -(m.end - m.start)))
    # Drop a match inside a longer one at least as strong (كس inside كس امك).
    return [m for m in kept if not any(
        o is not m and o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
        and rank[o.entry.strength] >= rank[m.entry.strength] for o in kept)]
