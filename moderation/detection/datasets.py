"""Readers for the public corpora in ``shared/data`` (see its README for licences).

Only sets marked *train* there feed ``train``; *eval* sets are read by ``eval`` alone. Splits are
deterministic: a row is held out for evaluation when ``crc32(text) % 5 == 0``.
"""

from __future__ import annotations

import csv
import json
import os
import zlib
from typing import Iterator

Row = tuple[str, int]  # text, label (1 = abusive / spam)
csv.field_size_limit(1 << 24)


def held_out(text: str) -> bool:
    return zlib.crc32(text.encode("utf-8")) % 5 == 0


def osact(data: str, part: str) -> list[Row]:
    rows = []
    with open(os.path.join(data, "abuse-ar", f"osact2020-{part}.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[1] in ("OFF", "NOT_OFF"):
                rows.append((cols[0].replace("<LF>", "\n"), int(cols[1] == "OFF")))
    return rows


def aljazeera(data: str, part: str) -> list[tuple[str, int]]:
    """Deleted news comments: level 0 clean, -1 offensive, -2 obscene (eval only)."""
    rows = []
    with open(os.path.join(data, "abuse-ar", f"aljazeera2017-{part}.tsv"), encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t")
        next(reader, None)
        for cols in reader:
            if len(cols) >= 3 and cols[2].strip().lstrip("-").isdigit():
                rows.append((cols[1], int(cols[2])))
    return rows


def davidson(data: str) -> list[Row]:
    with open(os.path.join(data, "abuse-en", "davidson2017.csv"), encoding="utf-8") as f:
        return [(r["tweet"], int(r["class"] != "2")) for r in csv.DictReader(f)]


def wiki_toxicity(data: str) -> list[Row]:
    with open(os.path.join(data, "abuse-en", "wiki-toxicity-test.csv"), encoding="utf-8") as f:
        return [(r["comment"], int(r["toxic"] == "True")) for r in csv.DictReader(f)]


def bias_madlibs(data: str) -> list[Row]:
    with open(os.path.join(data, "abuse-en", "bias-madlibs-77k.csv"), encoding="utf-8") as f:
        return [(r["Text"], int(r["Label"] == "BAD")) for r in csv.DictReader(f)]


def youtube(data: str) -> dict[str, list[Row]]:
    folder = os.path.join(data, "spam", "youtube")
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                out[name[:-4]] = [(r["CONTENT"], int(r["CLASS"])) for r in csv.DictReader(f)]
    return out


def sms(data: str) -> list[Row]:
    rows = []
    with open(os.path.join(data, "spam", "sms-spam-collection.tsv"), encoding="utf-8") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            if label in ("ham", "spam"):
                rows.append((text, int(label == "spam")))
    return rows


def arabic_spam_tweets(data: str) -> list[Row]:
    with open(os.path.join(data, "spam", "arabic-spam-tweets-augmented.csv"), encoding="utf-8") as f:
        return [(r["Tweet Text"], int(r["Label"].strip().lower() == "spam"))
                for r in csv.DictReader(f)]


def lexicon_words(data: str, name: str) -> Iterator[str]:
    path = os.path.join(data, "lexicons", name)
    with open(path, encoding="utf-8") as f:
        if name.endswith(".json"):
            yield from json.load(f)
        else:
            yield from (line.strip() for line in f if line.strip())
