"""From what a reader typed to the HTML we publish: mask contact details, then sanitise.

Pure functions. The bleach ``Cleaner`` is built once per thread (bleach's parser keeps
internal state and is not thread-safe) and reused for every comment.

Why this runs in the worker and not in the request: sanitising costs 0.1–3 ms of CPU
per comment (see ``python -m benchmarks.sanitize``), the published HTML is needed only
once the checks have decided to publish, and the accept path must stay one validation,
one insert and one enqueue. The original text is kept, so a change of allowlist can
re-render every comment.
"""

from __future__ import annotations

import re
import threading
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from bleach._vendor.html5lib.filters.base import Filter

ALLOWED_TAGS = frozenset({"p", "br", "a", "b", "strong", "i", "em", "blockquote", "code", "pre",
                          "ul", "ol", "li"})
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"], **{tag: ["dir"] for tag in ("p", "blockquote", "li",
                                                                        "ul", "ol", "pre")}}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
DIR_AUTO_TAGS = frozenset({"p", "blockquote", "li", "pre"})

# Digits in any of the scripts readers type them in: ASCII, Arabic-Indic, Eastern Arabic-Indic.
_DIGIT = r"[0-9\u0660-\u0669\u06F0-\u06F9]"
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: an optional +, then digits with spaces, dots, dashes or brackets between them.
PHONE_RE = re.compile(rf"(?<![\w+]){'(?:[+＋]|00)'}?\(?{_DIGIT}(?:[\s.\-()]{{0,2}}{_DIGIT}){{6,16}}(?!\w)")
EMAIL_MASK = "•••@•••"
PHONE_MASK = "••• ••• ••••"


def _digit_count(text: str) -> int:
    return sum(1 for ch in text if ch.isdigit())


def _is_phone(match: re.Match) -> bool:
    """8–15 digits and shaped like a number people dial, not like a price or a year range."""
    text = match.group()
    digits = _digit_count(text)
    if not 8 <= digits <= 15:
        return False
    stripped = text.lstrip("(")
    first = next(ch for ch in stripped if ch.isdigit() or ch in "+＋")
    # International (+ or 00) or a trunk prefix (0...), or a long unbroken run of digits.
    return first in "+＋" or unicode_digit(first) == "0" or digits >= 10


def unicode_digit(ch: str) -> str:
    return str(int(ch)) if ch.isdigit() else ch


def mask_contacts(text: str) -> str:
    """Replace email addresses and phone numbers typed into a comment."""
    text = EMAIL_RE.sub(EMAIL_MASK, text)
    return PHONE_RE.sub(lambda m: PHONE_MASK if _is_phone(m) else m.group(), text)


class DirAutoFilter(Filter):
    """Give block elements ``dir="auto"`` so Arabic, English and mixed paragraphs each
    take the direction of their own first strong character."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] in DIR_AUTO_TAGS:
                token["data"] = {**token["data"], (None, "dir"): "auto"}
            yield token


_ABSOLUTE_LINK = re.compile(r"^(https?://[^/\s]|mailto:)", re.IGNORECASE)


def _link_rel(attrs, new=False):
    href = (attrs.get((None, "href")) or "").strip()
    if not _ABSOLUTE_LINK.match(href):
        # No destination, or a relative one (it would point into the publisher's own site):
        # the link is dropped and its text kept.
        return None
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


def _build_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[_link_rel], skip_tags={"pre", "code"},
                         parse_email=False), DirAutoFilter],
    )


_local = threading.local()


def cleaner() -> bleach.Cleaner:
    instance = getattr(_local, "cleaner", None)
    if instance is None:
        instance = _local.cleaner = _build_cleaner()
    return instance


_BLOCK_START = re.compile(r"^\s*<(p|blockquote|ul|ol|pre)\b", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> str:
    """WordPress-style: blank lines separate paragraphs, single newlines become ``<br>``."""
    blocks = [block.strip() for block in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n"))]
    out = []
    for block in blocks:
        if not block:
            continue
        if _BLOCK_START.match(block):
            out.append(block)
        else:
            out.append("<p>" + block.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def render_comment(text: str) -> str:
    """The HTML published for a comment body: contacts masked, safe tags only."""
    return cleaner().clean(paragraphs(mask_contacts(text)))
