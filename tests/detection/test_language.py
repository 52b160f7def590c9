import pytest

from moderation.detection.language import detect_language

CASES = [
    ("مرحبا بكم في الموقع", "ar"),
    ("ya 7mar enta mesh fahem 7aga", "ar"),
    ("I really liked this article", "en"),
    ("Привет как дела", "other"),
    ("Bonjour tout le monde, ça va bien aujourd'hui", "other"),
    ("😀😀", "other"),
    ("great goal!!", "en"),
    ("مقال رائع thanks", "ar"),
]


@pytest.mark.parametrize("text,lang", CASES)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_leetspeak_english_is_not_arabizi():
    assert detect_language("c4n7 y0u $33 7h3$3 h03$") == "en"
