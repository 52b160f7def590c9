"""Spam signals: links, shorteners, domains, contact details, selling words, repeats, bots."""

import pytest

from moderation.detection import CommentFacts, evaluate, run_checks
from moderation.detection.fingerprint import (lsh_keys, minhash_signature, similarity,
                                               text_fingerprint)
from moderation.detection.policy import Policy


def codes(text, settings=None, **facts):
    policy = Policy.from_settings(settings)
    return {f.code for f in run_checks(CommentFacts(text=text, **facts), policy=policy)}


SIGNALS = [
    ("saudi mobile in arabic-indic digits", "للتواصل ٠٥٥٥١٢٣٤٥٦", "contact.details"),
    ("egyptian mobile with spaces", "كلمني 010 1234 5678", "contact.details"),
    ("international number", "call +966 55 512 3456", "contact.details"),
    ("email", "write to sales@example.com", "contact.details"),
    ("whatsapp handle", "واتساب: ٠٥٠١٢٣٤٥٦٧", "contact.details"),
    ("telegram handle", "telegram @cheap_followers", "contact.details"),
    ("wa.me link", "wa.me/966500000000", "contact.details"),
    ("shortener", "see bit.ly/abc123", "links.shortener"),
    ("three links", "a http://a.example b http://b.example c http://c.example", "links.many"),
    ("moving company", "أفضل شركة نقل عفش بالرياض", "spam.commercial"),
    ("spiritual healer", "الشيخ الروحاني لجلب الحبيب", "spam.commercial"),
    ("earn from home", "Earn money from home, work from home today", "spam.commercial"),
    ("loans", "قروض شخصية بدون كفيل", "spam.commercial"),
    ("followers", "زيادة متابعين انستقرام", "spam.commercial"),
    ("pills", "حبوب التخسيس الأصلية", "spam.commercial"),
]


@pytest.mark.parametrize("name,text,code", SIGNALS, ids=[s[0] for s in SIGNALS])
def test_signal(name, text, code):
    assert code in codes(text)


NOT_SPAM = [
    ("year and price", "في عام ٢٠٢٤ وصل سعر الكيلو إلى ٤٥٠ جنيه"),
    ("score line", "الأهلي فاز ٣-١ على الزمالك"),
    ("ip address", "my ip was 24.80.228.68 yesterday"),
    ("word starting with insta", "instantaneous reaction"),
    ("one source link", "المصدر https://www.bbc.com/arabic/articles/xyz"),
    ("opponent", "خصم الفريق كان قويا"),
]


@pytest.mark.parametrize("name,text", NOT_SPAM, ids=[s[0] for s in NOT_SPAM])
def test_not_spam(name, text):
    assert not codes(text) & {"contact.details", "links.many", "spam.commercial", "spam.advert",
                              "links.shortener"}


BLATANT = [
    "شركة نقل عفش بالرياض بأفضل الأسعار اتصل ٠٥٥٥١٢٣٤٥٦",
    "جلب الحبيب ورد المطلقة الشيخ الروحاني واتساب +966501234567",
    "افضل شركة تنظيف منازل بجدة للتواصل 0501234567",
    "Earn money from home! $500 a day, whatsapp +1 555 123 4567",
    "check out my channel http://bit.ly/xyz subscribe to my channel",
]


@pytest.mark.parametrize("text", BLATANT)
def test_blatant_commercial_spam_is_rejected_as_spam(text):
    assert evaluate(CommentFacts(text=text)).status == "spam"


def test_blocked_and_allowed_domains():
    text = "see https://spam.example/x and https://news.example/y"
    assert "links.blocked_domain" in codes(text, {"blocked_domains": ["spam.example"]})
    assert evaluate(CommentFacts(text=text), {"blocked_domains": ["spam.example"]}).status == "spam"
    many = "https://a.news.example https://b.news.example https://c.news.example"
    assert "links.many" in codes(many)
    assert "links.many" not in codes(many, {"allowed_domains": ["news.example"]})
    assert "links.blocked_author_url" in codes(
        "hello", {"blocked_domains": ["casino.example"]}, author_url="https://www.casino.example/")


def test_hold_links_setting():
    assert evaluate(CommentFacts(text="source: https://news.example/a")).status == "published"
    assert evaluate(CommentFacts(text="source: https://news.example/a"),
                    {"hold_links": True}).status == "held"


REPEATS = [
    ({"similar_recent": 1}, "held"),
    ({"similar_recent": 3}, "spam"),
    ({"recent_from_ip": 10}, "held"),
    ({"recent_from_ip": 30}, "spam"),
    ({"recent_from_email": 5}, "held"),
    ({"honeypot_filled": True}, "spam"),
    ({"form_age_seconds": 0.8}, "spam"),
    ({"form_age_seconds": 45.0}, "published"),
    ({"previous_text": "مقال   رائع جداً"}, "held"),
]


@pytest.mark.parametrize("facts,status", REPEATS)
def test_repeat_flood_and_bot_facts(facts, status):
    assert evaluate(CommentFacts(text="مقال رائع جداً", **facts)).status == status


def test_fingerprint_ignores_noise_and_skips_short_texts():
    a = "أفضل شركة نقل عفش بالرياض اتصل الآن ٠٥٥٥١٢٣٤٥٦"
    b = "افضل شركه نقل عفش بالرياض, اتصل الان 0555999999!!"
    assert text_fingerprint(a) == text_fingerprint(b) != ""
    assert text_fingerprint("شكرا") == "" and minhash_signature("thanks!") == []
    near = minhash_signature("أفضل شركة نقل عفش بالرياض اتصل الآن للحصول على عرض سعر مجاني اليوم")
    other = minhash_signature("أفضل شركة نقل عفش في الرياض اتصل الان للحصول على عرض سعر مجاني")
    unrelated = minhash_signature("المباراة كانت مملة جدا والمدرب يجب أن يرحل فورا عن النادي")
    assert set(lsh_keys(near)) & set(lsh_keys(other))
    assert similarity(near, other) >= 0.6 > similarity(near, unrelated)
    assert len(lsh_keys(near)) == 8
