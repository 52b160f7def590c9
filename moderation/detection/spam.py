"""Spam signals read from the text: links, contact details and commercial vocabulary.

Everything works on the normalised text (so ٠٥٥ and 055, واتساب and واتس اب are the same) and
reports spans in the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .normalize import Normalized, fold

SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rb.gy",
    "shorturl.at", "tiny.cc", "rebrand.ly", "t.ly", "s.id", "v.gd", "bl.ink", "lnkd.in",
    "shorte.st", "adf.ly", "linktr.ee", "qr.ae", "clck.ru", "u.to", "y2u.be",
})
MESSENGERS = frozenset({"wa.me", "t.me", "telegram.me", "chat.whatsapp.com", "api.whatsapp.com"})
_TLDS = ("com|net|org|info|biz|io|co|me|ly|gl|gd|at|cc|ru|xyz|top|site|online|shop|store|app|"
         "link|click|sa|eg|ae|ma|dz|tn|jo|lb|kw|qa|om|bh|iq|sy|ps|uk|de|fr|us|in|tv|be|ee|to|id")
URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b(?:[a-z0-9-]+\.)+(?:" + _TLDS + r")\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE_RE = re.compile(r"(?<![\w.])\+?\d(?:[\s\-.()]{0,2}\d){8,14}(?![\w])")
HANDLE_RE = re.compile(
    r"(?<!\w)(?:whats\s?app|telegram|واتس\s?اب|واتساب|واتس|وتساب|تليجرام|تلجرام|تلغرام|تيليجرام|"
    r"سناب|snap(?:chat)?|انستا|instagram)(?!\w)\s*[:：]?\s*(@[\w.]{3,}|\+?\d[\d\s-]{6,}\d)",
    re.IGNORECASE)
_IP = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")

# Commercial and scam vocabulary: folded phrase -> weight. Strong phrases are classic comment
# spam on their own; weak ones only count together with other signals.
_VOCAB_TEXT = {
    0.6: """نقل عفش|نقل اثاث|شركة تنظيف|شركه تنظيف|تنظيف منازل|مكافحة حشرات|كشف تسربات|تسليك مجاري|
        عزل اسطح|عزل خزانات|صيانة مكيفات|جلب الحبيب|فك السحر|رد المطلقة|الشيخ الروحاني|شيخ روحاني|
        علاج السحر|زيادة متابعين|شراء متابعين|متابعين حقيقيين|حبوب تكبير|حبوب التخسيس|تكبير القضيب|
        الربح من الانترنت|الربح من البيت|الربح من المنزل|اربح من البيت|العمل من المنزل|ربح يومي|
        قروض شخصية|قرض شخصي|تمويل فوري|سداد مديونيات|بدون كفيل|حل واجبات|ابحاث جامعية|
        شهادات معتمدة|شهادات جامعية للبيع|مكتب استقدام|ارباح مضمونة|ربح مضمون|فياجرا|سيالس|
        earn money|make money online|work from home|earn from home|check out my channel|
        subscribe to my channel|check my channel|buy followers|free followers|get followers|
        payday loan|viagra|cialis|online casino|weight loss pills|click here|promo code|
        guaranteed profit|binary options""",
    0.25: """للتواصل|تواصل معنا|اتصل الان|اتصل على|اطلب الان|توصيل مجاني|بافضل الاسعار|
        ارخص الاسعار|باسعار منافسة|خصم|عرض خاص|لفترة محدودة|مضمون|فوركس|بيتكوين|تداول|استثمر|
        دخل شهري|للبيع|free|discount|limited offer|special offer|subscribe|visit my|dm me|
        bitcoin|forex|crypto|investment|cash prize|winner|congratulations you|call now|text to|
        order now|cheap|100%""",
}


@dataclass(frozen=True)
class Hit:
    kind: str  # link, shortener, messenger, email, phone, handle, vocab
    value: str
    start: int  # offsets in the normalised text
    end: int
    weight: float = 0.0


def _compile_vocab() -> list[tuple[re.Pattern, float]]:
    out = []
    for weight, blob in _VOCAB_TEXT.items():
        phrases = sorted({fold(p.strip()) for p in blob.split("|") if p.strip()}, key=len,
                         reverse=True)
        pattern = "|".join(re.escape(p) for p in phrases)
        out.append((re.compile(r"(?<!\w)(?:" + pattern + r")(?!\w)", re.IGNORECASE), weight))
    return out


_VOCAB = _compile_vocab()


def host_of(url: str) -> str:
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def domain_matches(host: str, domains) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def scan(norm: Normalized) -> list[Hit]:
    text = norm.text
    hits: list[Hit] = []
    link_spans = []
    for m in EMAIL_RE.finditer(text):
        hits.append(Hit("email", m.group(), m.start(), m.end()))
        link_spans.append((m.start(), m.end()))
    for m in URL_RE.finditer(text):
        if any(s <= m.start() < e for s, e in link_spans):
            continue
        host = host_of(m.group())
        kind = ("messenger" if domain_matches(host, MESSENGERS)
                else "shortener" if host in SHORTENERS else "link")
        hits.append(Hit(kind, host, m.start(), m.end()))
        link_spans.append((m.start(), m.end()))
    for m in PHONE_RE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        if (digits >= 9 and not _IP.fullmatch(m.group().strip())
                and not any(s <= m.start() < e for s, e in link_spans)):
            hits.append(Hit("phone", m.group(), m.start(), m.end()))
    for m in HANDLE_RE.finditer(text):
        hits.append(Hit("handle", m.group(), m.start(), m.end()))
    vocab_spans: list[tuple[int, int]] = []
    for pattern, weight in _VOCAB:  # strong phrases first; a weak one inside them is not counted
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e in vocab_spans):
                hits.append(Hit("vocab", m.group(), m.start(), m.end(), weight))
                vocab_spans.append((m.start(), m.end()))
    return hits
