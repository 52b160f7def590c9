"""Language of a comment: ``ar`` (Arabic script or Arabizi), ``en`` or ``other``."""

from __future__ import annotations

import re

from .arabizi import looks_arabizi

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[\w$@]+")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s"})
ENGLISH = frozenset(
    "the a an and or but is are was were be been i you he she it we they my your his her our "
    "their this that these those of to in on at for with not no yes so if what who why how "
    "do does did have has had will would can could should just all very about from as by up "
    "me him them us there here than then more most like good bad news people".split())
ARABIZI = frozenset(
    "ya enta inta inti enti ana ehna e7na mesh msh mish bas kol w 3la 3ala ma7 howa hya "
    "wallah walla yalla habibi 7abibi ahla shukran inshallah el al ibn ebn ana bta3 keda leh "
    "3shan ezay fi wla ela".split())


def detect_language(text: str) -> str:
    letters = len(_LETTER.findall(text))
    if not letters:
        return "other"
    if len(_ARABIC.findall(text)) >= 0.3 * letters:
        return "ar"
    if len(_LATIN.findall(text)) < 0.5 * letters:
        return "other"
    words = _WORD.findall(text.lower())
    if not words:
        return "other"
    # Leetspeak English ("y0u h03") also mixes digits into words: Arabizi needs its own words.
    english = sum(w in ENGLISH or w.translate(_LEET) in ENGLISH for w in words)
    known = sum(w in ARABIZI for w in words)
    if known and 2 * known + sum(looks_arabizi(w) for w in words) > english:
        return "ar"
    if english or len(words) <= 3:
        return "en"
    return "other"
