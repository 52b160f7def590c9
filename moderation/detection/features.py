"""Hashed character n-gram features, shared by training and inference.

A text is folded (``normalize.fold``), links, mentions and digits are replaced by placeholders,
and every character 2- to 4-gram inside a padded word, every word and every pair of adjacent
words is hashed (CRC-32,
stable across processes and platforms) into ``DIM`` buckets. Features are binary and the vector
is L2-normalised, so a linear model's score is ``sum(weights[buckets]) / sqrt(len(buckets))``.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from .normalize import fold

DIM = 1 << 18
NGRAMS = (2, 3, 4)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|info|me|ly|io|co)\b\S*")
_MENTION = re.compile(r"@\w+")
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"[^\W\d_]+|[0-9]|[!?$£€%]")
_STRETCH = re.compile(r"(.)\1{2,}")
# Letters split by separators ("f u c k", "ش ر م و ط ه"): runs of three or more single letters.
_SPLIT = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_·*]){2,}[^\W\d_](?![^\W\d_])")
_SEPS = re.compile(r"[ .\-_·*]")
# Latin words mixing letters with digits or @/$: "sh1t", "4ss", "$lut".
_LEETWORD = re.compile(r"(?<![\w@$])(?=[\w@$]*[a-z])(?=[\w@$]*[0-9@$])[a-z0-9@$]+(?![\w@$])")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s"})


def model_text(text: str, folded: bool = False) -> str:
    t = text if folded else fold(text)
    t = t.replace("<lf>", " ")
    t = _URL.sub(" ", t)  # links are the spam rules' business, not the models''
    t = _MENTION.sub(" @ ", t)
    t = _SPLIT.sub(lambda m: _SEPS.sub("", m.group()), t)
    t = _LEETWORD.sub(lambda m: m.group().translate(_LEET), t)
    t = _DIGITS.sub("0", t)
    return _STRETCH.sub(r"\1", t)


@lru_cache(maxsize=100_000)
def _word_buckets(word: str) -> tuple[int, ...]:
    crc = zlib.crc32
    out = {crc(b"w" + word.encode()) % DIM}
    padded = f" {word} "
    size = len(padded)
    if size <= 64:  # very long "words" (hashes, base64): the word bucket is enough
        for n in NGRAMS:
            for i in range(size - n + 1):
                out.add(crc(padded[i:i + n].encode()) % DIM)
    return tuple(out)


def buckets(text: str, folded: bool = False) -> list[int]:
    """Sorted distinct feature buckets of ``text``."""
    crc = zlib.crc32
    seen: set[int] = set()
    words = _WORDS.findall(model_text(text, folded))
    for first, second in zip(words, words[1:]):  # "يا كلب" is not "الكلب انقذ"
        seen.add(crc(f"b{first} {second}".encode()) % DIM)
    for word in words:
        seen.update(_word_buckets(word))
    return sorted(seen)
