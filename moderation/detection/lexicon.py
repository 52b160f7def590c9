"""Curated word lists: loading, folding and indexing.

The lists live in ``data/lexicon-{ar,arabizi,en}.tsv`` (``term, category, strength, flags``).
Categories: ``obscene``, ``insult``, ``hate``, ``threat``; strengths: ``banned`` (never
acceptable) and ``suspect`` (depends on context: hold, never reject on its own). Flags:

- ``voc``: the word is ordinary (كلب *dog*, حمار *donkey*, pig, idiot) and only an insult when
  addressed to someone (يا كلب, انت حمار, you pig);
- ``short``: a two or three letter Arabic term (كس, زب, طيز) that may only take pronoun
  suffixes and ال/و/يا, so it never matches inside زبون *customer* or كسر *broke*;
- ``exact``: no clitics or inflections at all.

Sites add their own terms (``site_terms``) with the same shape.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping

from .arabizi import skeleton_of_arabic
from .normalize import fold

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
CATEGORIES = ("obscene", "insult", "hate", "threat", "spam")
STRENGTHS = ("banned", "suspect")


@dataclass(frozen=True)
class Entry:
    term: str  # as written in the list
    words: tuple[str, ...]  # folded words
    category: str
    strength: str
    flags: frozenset[str] = frozenset()
    source: str = "builtin"  # "builtin" or "site"

    @property
    def max_clitics(self) -> int:
        """0: only the bare word; 1: pronoun suffixes and ال/و/يا; 2: every clitic."""
        if "exact" in self.flags:
            return 0
        if "short" in self.flags:
            return 1
        return 2


@dataclass(frozen=True)
class Lexicon:
    words: Mapping[str, tuple[Entry, ...]]  # first folded word -> entries starting with it
    skeletons: Mapping[str, tuple[Entry, ...]]  # Arabizi consonant skeleton -> Arabic entries
    masked: Mapping[str, tuple[Entry, ...]]  # "f*ck", "sh**t" -> entries
    # word -> its look-up result, filled by matching; words repeat a lot across comments.
    cache: dict = field(default_factory=dict, compare=False, repr=False)


def read_tsv(path: str, source: str = "builtin") -> list[Entry]:
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            term, category, strength, *rest = line.split("\t")
            flags = frozenset(f for f in (rest[0].split(",") if rest else ()) if f)
            entries.append(make_entry(term, category, strength, flags, source))
    return entries


def make_entry(term: str, category: str, strength: str, flags: Iterable[str] = (),
               source: str = "builtin") -> Entry:
    if category not in CATEGORIES or strength not in STRENGTHS:
        raise ValueError(f"bad lexicon entry {term!r}: {category}/{strength}")
    words = tuple(fold(term).split())
    return Entry(term, words, category, strength, frozenset(flags), source)


def build(entries: Iterable[Entry]) -> Lexicon:
    words: dict[str, list[Entry]] = {}
    skeletons: dict[str, list[Entry]] = {}
    masked: dict[str, list[Entry]] = {}
    for entry in entries:
        if not entry.words:
            continue
        first = entry.words[0]
        words.setdefault(first, []).append(entry)
        # شرموطة is folded to شرموطه; its plural شرموطات strips to شرموط: index both.
        if len(entry.words) == 1 and first.endswith("ه") and len(first) >= 4:
            words.setdefault(first[:-1], []).append(entry)
        if len(entry.words) == 1 and first.isascii() and first.isalpha() and len(first) >= 3:
            for key in _masks(first):
                masked.setdefault(key, []).append(entry)
        if (len(entry.words) == 1 and entry.strength == "banned" and "voc" not in entry.flags
                and not first.isascii()):
            skel = skeleton_of_arabic(first)
            if len(skel) >= 3:
                skeletons.setdefault(skel, []).append(entry)
    freeze = lambda d: {k: tuple(v) for k, v in d.items()}  # noqa: E731
    return Lexicon(freeze(words), freeze(skeletons), freeze(masked))


def _masks(word: str) -> Iterable[str]:
    # f*ck, f**k, sh*t, c*nt: an inner run of letters replaced by asterisks.
    for i in range(1, len(word) - 1):
        for j in range(i + 1, len(word)):
            yield word[:i] + "*" * (j - i) + word[j:]


@lru_cache(maxsize=1)
def builtin_entries() -> tuple[Entry, ...]:
    entries: list[Entry] = []
    for name in ("lexicon-ar.tsv", "lexicon-arabizi.tsv", "lexicon-en.tsv"):
        entries.extend(read_tsv(os.path.join(DATA_DIR, name)))
    return tuple(entries)


@lru_cache(maxsize=1)
def builtin() -> Lexicon:
    return build(builtin_entries())


def site_entries(banned: Iterable[str] = (), suspect: Iterable[str] = ()) -> list[Entry]:
    """A site's own terms; categorised ``insult`` since a site list does not say more."""
    return ([make_entry(t, "insult", "banned", (), "site") for t in banned if t.strip()]
            + [make_entry(t, "insult", "suspect", (), "site") for t in suspect if t.strip()])
