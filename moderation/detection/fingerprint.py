"""Fingerprints for finding the same or nearly the same text across threads and sites.

The worker stores, per comment, ``text_fingerprint(text)`` (exact after normalisation: case,
diacritics, spacing, punctuation, digits and links do not matter) and the four
``simhash_bands(text)`` keys, in an index keyed by them with a timestamp (e.g. a Redis sorted set
per key, trimmed to the window). ``similar_recent`` is then the number of distinct earlier
comments in the window sharing the fingerprint or any band key: a look-up, never a scan.
Two texts whose 64-bit simhashes differ in at most 3 bits always share a band.

Texts shorter than ``MIN_WORDS`` words give "" and no bands: "thanks!" is posted everywhere.
"""

from __future__ import annotations

import hashlib
import re

from .normalize import fold

MIN_WORDS = 5
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[\d\W_]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _NOISE.sub(" ", fold(text)).split()


def text_fingerprint(text: str) -> str:
    words = _words(text)
    if len(words) < MIN_WORDS:
        return ""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=12).hexdigest()


def simhash(text: str) -> int | None:
    words = _words(text)
    if len(words) < MIN_WORDS:
        return None
    shingles = [" ".join(words[i:i + 2]) for i in range(len(words) - 1)] or words
    totals = [0] * 64
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            totals[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if totals[bit] > 0)


def simhash_bands(text: str) -> list[str]:
    value = simhash(text)
    if value is None:
        return []
    return [f"{band}:{value >> (16 * band) & 0xFFFF:04x}" for band in range(4)]
