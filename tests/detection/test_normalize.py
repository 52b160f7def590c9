"""Normalisation folds evasions and keeps an exact map back to the original characters."""

import pytest

from moderation.detection.normalize import normalize

FOLDING = [
    ("diacritics", "شَرْمُوطَة", "شرموطه"),
    ("tatweel", "شـــرمـوطة", "شرموطه"),
    ("alef forms", "أإآٱ", "اااا"),
    ("hamza on carriers", "مؤمن بريئ", "مومن بريي"),
    ("ya and alef maqsura", "على", "علي"),
    ("ta marbuta", "مدرسة", "مدرسه"),
    ("persian look-alikes", "کلب یا گ", "كلب يا ك"),
    ("arabic-indic digits", "٠١٢٣٤٥٦٧٨٩", "0123456789"),
    ("eastern digits", "۰۱۲۳۴۵۶۷۸۹", "0123456789"),
    ("case folding", "FuCk", "fuck"),
    ("fullwidth letters", "ｆｕｃｋ", "fuck"),
    ("latin accents", "fúck", "fuck"),
    ("zero-width and bidi", "f\u200bu\u200dc\u202ek", "fuck"),
    ("cyrillic look-alikes in a latin word", "fuсk", "fuck"),
    ("cyrillic words left alone", "собака", "собака"),
    ("lam-alef ligature", "ﻻ", "لا"),
]


@pytest.mark.parametrize("name,text,expected", FOLDING, ids=[c[0] for c in FOLDING])
def test_folding(name, text, expected):
    assert normalize(text).text == expected


OFFSETS = [
    # original, normalised slice [start:end), original characters it must map back to
    ("يا شَرْمُوطَة!", "شرموطه", "شَرْمُوطَة"),
    ("hello F\u200bU\u200bC\u200bK there", "fuck", "F\u200bU\u200bC\u200bK"),
    ("رقم ٠٥٥٥ هنا", "0555", "٠٥٥٥"),
    ("ﻻ بأس", "لا", "ﻻ"),
]


@pytest.mark.parametrize("original,needle,expected", OFFSETS)
def test_offsets_map_back_to_original(original, needle, expected):
    norm = normalize(original)
    start = norm.text.index(needle)
    span = norm.span(start, start + len(needle))
    assert original[span.start:span.end] == expected


def test_origin_is_monotonic_and_in_range():
    text = "أَهْلاً\u200b وسَهْلاً ﷺ FUСK ١٢"
    norm = normalize(text)
    assert len(norm.origin) == len(norm.text)
    assert list(norm.origin) == sorted(norm.origin)
    assert list(normalize("abc").origin) == [0, 1, 2]
    assert all(0 <= i < len(text) for i in norm.origin)
