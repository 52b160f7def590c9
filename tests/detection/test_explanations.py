"""Every reason explains itself: code, category, score, en/ar message, spans in the original."""

import pytest

from moderation.detection import CommentFacts, evaluate

SPANS = [
    ("يا شَرْمُوطَــــة", "lexicon.banned", ["شَرْمُوطَــــة"]),
    ("hello F\u200bU\u200bC\u200bK", "lexicon.banned", ["F\u200bU\u200bC\u200bK"]),
    ("انت ش ر م و ط ة", "lexicon.banned", ["ش ر م و ط ة"]),
    ("والشرموطة هنا", "lexicon.banned", ["والشرموطة"]),
    ("اتصل على ٠٥٥٥١٢٣٤٥٦ الآن", "contact.details", ["٠٥٥٥١٢٣٤٥٦"]),
    ("you f*ck1ng idiot", "lexicon.suspect", ["idiot"]),
    ("go to bit.ly/x1 now", "links.shortener", ["bit.ly/x1"]),
]


@pytest.mark.parametrize("text,code,highlighted", SPANS)
def test_spans_point_at_original_characters(text, code, highlighted):
    reasons = {r.code: r for r in evaluate(CommentFacts(text=text)).reasons}
    assert code in reasons
    assert [text[s.start:s.end] for s in reasons[code].spans] == highlighted


def test_every_reason_is_complete():
    texts = ["fuck you http://a.example http://b.example http://c.example",
             "شركة نقل عفش اتصل ٠٥٥٥١٢٣٤٥٦", "يا حمار"]
    for text in texts:
        for reason in evaluate(CommentFacts(text=text)).reasons:
            data = reason.to_dict()
            assert data["code"] and data["category"]
            assert 0.0 <= data["score"] <= 1.0
            assert data["message"]["en"] and data["message"]["ar"]
            assert "{" not in data["message"]["en"] + data["message"]["ar"]
            for start, end in data["spans"]:
                assert 0 <= start < end <= len(text)
