"""Masking and sanitising, as pure functions, over small tables and the public XSS corpora."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from moderation.comments.rendering import EMAIL_MASK, PHONE_MASK, mask_contacts, render_comment

from .conftest import DATA


@pytest.mark.parametrize("text, hidden", [
    ("write me at mona.k+news@example.com please", "mona.k+news@example.com"),
    ("راسلني على ahmed_99@mail.co.eg", "ahmed_99@mail.co.eg"),
    ("اتصل ٠١٠٠١٢٣٤٥٦٧", "٠١٠٠١٢٣٤٥٦٧"),
    ("call +20 100 123 4567 now", "+20 100 123 4567"),
    ("رقمي ۰۵۰۱۲۳۴۵۶۷ واتساب", "۰۵۰۱۲۳۴۵۶۷"),
    ("(02) 2579-1234 office", "(02) 2579-1234"),
    ("whatsapp 00971501234567", "00971501234567"),
    ("01001234567", "01001234567"),
])
def test_contacts_are_masked(text, hidden):
    masked = mask_contacts(text)
    assert hidden not in masked
    assert EMAIL_MASK in masked or PHONE_MASK in masked


@pytest.mark.parametrize("text", [
    "السعر 1500 جنيه في 2026",
    "between 2025-2026 the budget grew 12%",
    "الأهلي فاز 3-1 على الزمالك",
    "a population of 1,000,000 people",
    "رقم المادة 45 من الدستور",
    "version 3.11.7",
])
def test_numbers_that_are_not_phones_stay(text):
    assert mask_contacts(text) == text


@pytest.mark.parametrize("body, expected", [
    ("plain text", '<p dir="auto">plain text</p>'),
    ("سطر\nسطر ثان", '<p dir="auto">سطر<br>\nسطر ثان</p>'),
    ("one\n\ntwo", '<p dir="auto">one</p>\n<p dir="auto">two</p>'),
    ("3 < 5 & 6 > 2", '<p dir="auto">3 &lt; 5 &amp; 6 &gt; 2</p>'),
    ("<b>bold</b> <em>em</em>", '<p dir="auto"><b>bold</b> <em>em</em></p>'),
    ('<a href="https://ex.com" target="_blank" onclick="x()">ok</a>',
     '<p dir="auto"><a href="https://ex.com" rel="nofollow ugc noopener">ok</a></p>'),
    ("see www.example.com",
     '<p dir="auto">see <a href="http://www.example.com" rel="nofollow ugc noopener">'
     'www.example.com</a></p>'),
    ('<a href="javascript:alert(1)">x</a>', '<p dir="auto">x</a></p>'.replace("</a>", "")),
    ("<script>alert(1)</script>", '<p dir="auto">alert(1)</p>'),
    ('<img src=x onerror="alert(1)">', '<p dir="auto"></p>'),
    ("<pre>code www.x.com</pre>", '<pre dir="auto">code www.x.com</pre>'),
    ("<blockquote>quoted</blockquote>", '<blockquote dir="auto">quoted</blockquote>'),
    ('<a href="mailto:x@example.com">mail</a>',
     '<p dir="auto"><a href="mailto:•••@•••" rel="nofollow ugc noopener">mail</a></p>'),
])
def test_render_table(body, expected):
    assert render_comment(body) == expected


DANGEROUS = re.compile(
    r"<\s*(script|iframe|object|embed|svg|math|img|style|link|meta|base|form|input|video|audio)"
    r"|\son[a-z]+\s*=|javascript:|vbscript:|data:text/html|\sstyle\s*=|\ssrc\s*=",
    re.IGNORECASE,
)


def _assert_harmless(payload: str) -> None:
    html = render_comment(payload)
    # Only the allowlisted tags may appear as real tags.
    for tag in re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)", html):
        assert tag.lower() in {"p", "br", "a", "b", "strong", "i", "em", "blockquote", "code",
                               "pre", "ul", "ol", "li"}, (payload, html)
    tags_only = "".join(re.findall(r"<[^>]*>", html))
    for href in re.findall(r'href="([^"]*)"', tags_only):
        # What a browser would follow, after decoding the attribute once.
        assert re.match(r"(https?://|mailto:)", unescape(href), re.IGNORECASE), (payload, html)
    assert not DANGEROUS.search(tags_only), (payload, html)


def _corpus() -> list[str]:
    payloads: list[str] = []
    owasp = DATA / "xss" / "owasp-cheatsheet-payloads.json"
    if owasp.exists():
        payloads += [row["payload"] for row in json.loads(owasp.read_text())]
    payloadbox = DATA / "xss" / "payloadbox-xss-payloads.txt"
    if payloadbox.exists():
        payloads += payloadbox.read_text(errors="replace").splitlines()
    dompurify = DATA / "xss" / "dompurify-expect.json"
    if dompurify.exists():
        payloads += [row["payload"] for row in json.loads(dompurify.read_text())]
    return payloads


def test_public_xss_corpora_come_back_harmless():
    payloads = _corpus()
    if not payloads:
        pytest.skip(f"XSS corpora not found under {DATA} (set MODERATION_DATA)")
    assert len(payloads) > 6000
    for payload in payloads:
        _assert_harmless(payload)
