"""Fingerprints for finding the same or nearly the same text across threads and sites.

The worker stores, per comment, ``text_fingerprint(text)`` (exact after normalisation: case,
diacritics, spacing, punctuation, digits and links do not matter) and the eight
``lsh_keys(minhash_signature(text))`` keys, in an index keyed by them with a timestamp (e.g. a
Redis sorted set per key, trimmed to the window), plus the signature itself. ``similar_recent``
is then the number of distinct earlier comments in the window that share the fingerprint, or
share an LSH key and have ``similarity(signature, theirs) >= NEAR``: look-ups, never a scan.
With 8 bands of 4 rows, texts with 80% of their character 5-grams in common share a key
98.5% of the time; texts with 30% in common, 6% of the time (and are then filtered by
``similarity``).

Texts shorter than ``MIN_WORDS`` words give "" and no bands: "thanks!" is posted everywhere.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from .normalize import fold

MIN_WORDS = 5
NEAR = 0.7
SHINGLE = 5
BANDS, ROWS = 8, 4
PERMUTATIONS = BANDS * ROWS
MASK = (1 << 64) - 1
_SALTS = [int.from_bytes(hashlib.blake2b(f"salt{i}".encode(), digest_size=8).digest(), "big")
          for i in range(PERMUTATIONS)]
_SALT_ARRAY = np.array(_SALTS, dtype=np.uint64)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[\d\W_]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _NOISE.sub(" ", fold(text)).split()


def text_fingerprint(text: str) -> str:
    return _fingerprint(_words(text))


def _fingerprint(words: list[str]) -> str:
    if len(words) < MIN_WORDS:
        return ""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=12).hexdigest()


def _shingles(words: list[str]) -> set[str]:
    joined = " ".join(words)
    return {joined[i:i + SHINGLE] for i in range(max(1, len(joined) - SHINGLE + 1))}


def minhash_signature(text: str) -> list[int]:
    """``PERMUTATIONS`` minimum hashes of the text's character 5-grams; [] for short texts."""
    return _signature(_words(text))


def fingerprint_and_signature(text: str) -> tuple[str, list[int]]:
    """``text_fingerprint`` and ``minhash_signature`` of a text, splitting it into words once."""
    words = _words(text)
    return _fingerprint(words), _signature(words)


def _signature(words: list[str]) -> list[int]:
    # Vectorised: uint64 arithmetic wraps modulo 2**64, which is exactly ``& MASK``.
    if len(words) < MIN_WORDS:
        return []
    hashes = np.fromiter((int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(),
                                         "big") for s in _shingles(words)), dtype=np.uint64)
    mixed = (hashes[:, None] ^ _SALT_ARRAY[None, :]) * _MULTIPLIER
    return [int(value) for value in mixed.min(axis=0)]


def lsh_keys(signature: list[int]) -> list[str]:
    """Index keys: ``BANDS`` bands of ``ROWS`` hashes. Texts sharing a key are candidates."""
    if not signature:
        return []
    return [f"{band}:" + hashlib.blake2b(repr(signature[band * ROWS:(band + 1) * ROWS]).encode(),
                                          digest_size=8).hexdigest() for band in range(BANDS)]


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures' texts (0 when either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / len(a)
