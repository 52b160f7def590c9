"""Arabizi: Arabic written in Latin letters and digits (3 = ع, 7 = ح, 5 = خ, 2 = ء/ق, 9 = ق/ص).

Spellings vary without end (sharmoota, charmouta, sharmuta), so words are compared by a
*consonant skeleton*: vowels and long-vowel letters dropped, letters that Arabizi writers
confuse merged into one class, doubled consonants collapsed. An Arabic term and an Arabizi word
match when their skeletons are equal.
"""

from __future__ import annotations

from functools import lru_cache

_AR = {
    "ب": "b", "ت": "t", "ث": "s", "ج": "j", "ح": "7", "خ": "5", "د": "d", "ذ": "z", "ر": "r",
    "ز": "z", "س": "s", "ش": "S", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "3", "غ": "8",
    "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "7",
    "ا": "", "و": "", "ي": "", "ء": "",
}
_DIGRAPHS = {"sh": "S", "ch": "S", "kh": "5", "gh": "8", "th": "s", "dh": "z"}
_LATIN = {
    "b": "b", "p": "b", "t": "t", "d": "d", "s": "s", "z": "z", "r": "r", "l": "l", "m": "m",
    "n": "n", "f": "f", "v": "f", "k": "k", "q": "k", "c": "k", "g": "j", "j": "j", "x": "5",
    "h": "7", "7": "7", "3": "3", "5": "5", "6": "t", "8": "8", "$": "S",
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "", "'": "",
}
ARABIZI_DIGITS = frozenset("2356789")


def _squeeze(chars: str) -> str:
    out = []
    for c in chars:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def skeleton_of_arabic(word: str) -> str:
    if word.endswith("ه"):  # ta marbuta folded to ha
        word = word[:-1]
    return _squeeze("".join(_AR.get(c, "") for c in word))


@lru_cache(maxsize=8192)
def skeletons_of_latin(word: str) -> tuple[str, ...]:
    """Every skeleton ``word`` may stand for (2 and 9 are ambiguous)."""
    if word.endswith("h") and len(word) > 3:
        word = word[:-1]
    readings = [""]
    i = 0
    while i < len(word):
        pair = word[i:i + 2]
        if pair in _DIGRAPHS:
            options, i = (_DIGRAPHS[pair],), i + 2
        else:
            c = word[i]
            i += 1
            if c == "2":
                options = ("", "k")
            elif c == "9":
                options = ("k", "s")
            elif c in _LATIN:
                options = (_LATIN[c],)
            else:
                return ()
        readings = [r + o for r in readings for o in options][:8]
    return tuple(dict.fromkeys(_squeeze(r) for r in readings))


def looks_arabizi(word: str) -> bool:
    """A Latin word with a letter-digit such as 3 or 7 inside it: "3ars", "ya7mar"."""
    return any(c in ARABIZI_DIGITS for c in word) and any(c.isalpha() for c in word)
