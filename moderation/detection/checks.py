"""The built-in checks: plain functions from a comment's facts to findings, no I/O.

A comment is analysed once (``analyse``: normalisation, language, lexicon matches, spam hits,
model probabilities); each built-in check turns one aspect of that analysis into findings.
Extra checks passed by callers keep the simple ``check(facts) -> iterable of Finding`` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from . import lexicon as lexicon_mod
from . import model as model_mod
from . import spam as spam_mod
from .features import buckets
from .findings import CommentFacts, Finding, Span
from .language import detect_language
from .matching import ADDRESS_WORDS, Match, find_terms, tokenize
from .messages import finding
from .normalize import Normalized, fold, normalize
from .policy import Policy

Check = Callable[[CommentFacts], Iterable[Finding]]
BANNED_SCORE = 0.85
SUSPECT_SCORE = 0.6
MAX_MODEL_SCORE = 0.84  # a model alone holds, never rejects


@dataclass(frozen=True)
class Analysis:
    norm: Normalized
    language: str
    matches: tuple[Match, ...]
    site_matches: tuple[Match, ...]
    hits: tuple[spam_mod.Hit, ...]
    abuse_probability: float
    spam_probability: float
    abuse_threshold: float = 1.01  # from the model (or the site's override); 1.01 = no model
    spam_threshold: float = 1.01


@lru_cache(maxsize=64)
def _site_lexicon(banned: tuple[str, ...], suspect: tuple[str, ...]):
    return lexicon_mod.build(lexicon_mod.site_entries(banned, suspect))


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def analyse(facts: CommentFacts, policy: Policy) -> Analysis:
    norm = normalize(facts.text)
    language = facts.language if facts.language in ("ar", "en") else detect_language(facts.text)
    allowed = frozenset(fold(t) for t in policy.allowed_terms)
    matches = tuple(find_terms(norm.text, lexicon_mod.builtin(), allowed))
    site_matches: tuple[Match, ...] = ()
    if policy.banned_terms or policy.suspect_terms:
        site = _site_lexicon(policy.banned_terms, policy.suspect_terms)
        site_matches = tuple(find_terms(norm.text, site, allowed))
    abuse_p = spam_p = 0.0
    abuse_t = spam_t = 1.01
    model_lang = "ar" if _has_arabic(norm.text) else "en" if language == "en" else None
    if model_lang:
        abuse_model = model_mod.builtin(f"abuse-{model_lang}")
        spam_model = model_mod.builtin(f"spam-{model_lang}")
        if abuse_model or spam_model:
            feats = buckets(norm.text, folded=True)
            if abuse_model:
                abuse_p = abuse_model.probability(feats)
                abuse_t = policy.abuse_model_threshold or _abuse_threshold(abuse_model, norm.text)
            if spam_model:
                spam_p = spam_model.probability(feats)
                spam_t = policy.spam_model_threshold or spam_model.threshold
    return Analysis(norm, language, matches, site_matches, tuple(spam_mod.scan(norm)),
                    abuse_p, spam_p, abuse_t, spam_t)


def _abuse_threshold(abuse_model: model_mod.LinearModel, text: str) -> float:
    """Abuse aimed at people addresses them; a statement about the news needs a surer model."""
    if abuse_model.threshold_unaddressed is None:
        return abuse_model.threshold
    if any(t.text in ADDRESS_WORDS or t.text.startswith("يا") for t in tokenize(text)):
        return abuse_model.threshold
    return abuse_model.threshold_unaddressed


def _spans(norm: Normalized, items) -> tuple[Span, ...]:
    return tuple(norm.span(i.start, i.end) for i in items)


def lexicon_findings(facts: CommentFacts, a: Analysis, policy: Policy) -> Iterable[Finding]:
    for prefix, matches in (("lexicon", a.matches), ("site", a.site_matches)):
        groups: dict[tuple[str, str], list[Match]] = {}
        for m in matches:
            groups.setdefault((m.entry.strength, m.entry.category), []).append(m)
        for (strength, category), group in sorted(groups.items()):
            score = BANNED_SCORE if strength == "banned" else SUSPECT_SCORE
            yield finding(f"{prefix}.{strength}", category, score, _spans(a.norm, group),
                          terms=", ".join(sorted({a.norm.original[s.start:s.end]
                                                  for s in _spans(a.norm, group)})))


def _model_score(p: float, threshold: float, hold: float) -> float:
    return hold + (MAX_MODEL_SCORE - hold) * (p - threshold) / max(1e-9, 1.0 - threshold)


def model_findings(facts: CommentFacts, a: Analysis, policy: Policy) -> Iterable[Finding]:
    if a.abuse_probability >= a.abuse_threshold:
        yield finding("model.abuse", "abuse",
                      _model_score(a.abuse_probability, a.abuse_threshold, policy.hold_threshold),
                      probability=f"{a.abuse_probability:.2f}")
    if a.spam_probability >= a.spam_threshold:
        yield finding("model.spam", "spam",
                      _model_score(a.spam_probability, a.spam_threshold, policy.hold_threshold),
                      probability=f"{a.spam_probability:.2f}")


def link_findings(facts: CommentFacts, a: Analysis, policy: Policy) -> Iterable[Finding]:
    links = [h for h in a.hits if h.kind in ("link", "shortener", "messenger")
             and not spam_mod.domain_matches(h.value, policy.allowed_domains)]
    blocked = [h for h in links if spam_mod.domain_matches(h.value, policy.blocked_domains)]
    if blocked:
        yield finding("links.blocked_domain", "links", 0.95, _spans(a.norm, blocked),
                      domains=", ".join(sorted({h.value for h in blocked})))
    author_host = spam_mod.host_of(facts.author_url) if facts.author_url else ""
    if author_host and spam_mod.domain_matches(author_host, policy.blocked_domains):
        yield finding("links.blocked_author_url", "links", 0.95, domains=author_host)
    shorteners = [h for h in links if h.kind == "shortener"]
    if shorteners:
        yield finding("links.shortener", "links", 0.6, _spans(a.norm, shorteners))
    if len(links) >= policy.max_links:
        yield finding("links.many", "links", 0.6, _spans(a.norm, links), count=len(links))
    elif links and policy.hold_links:
        yield finding("links.present", "links", 0.55, _spans(a.norm, links), count=len(links))


def contact_findings(facts: CommentFacts, a: Analysis, policy: Policy) -> Iterable[Finding]:
    contacts = [h for h in a.hits if h.kind in ("phone", "email", "handle", "messenger")]
    vocab = [h for h in a.hits if h.kind == "vocab"]
    weight = sum(h.weight for h in vocab)
    links = [h for h in a.hits if h.kind in ("link", "shortener")
             and not spam_mod.domain_matches(h.value, policy.allowed_domains)]
    if contacts:
        yield finding("contact.details", "contact", 0.55, _spans(a.norm, contacts))
    if weight >= 0.6:
        yield finding("spam.commercial", "spam", 0.6, _spans(a.norm, vocab))
    # An advert: selling words together with a way to reach the seller.
    # Links alone (without selling words) only hold: news readers cite sources.
    if ((contacts or links) and (weight >= 0.6 or (weight >= 0.25 and a.spam_probability >= 0.5))
            or (contacts and a.spam_probability >= 0.95)):
        yield finding("spam.advert", "spam", 0.97, _spans(a.norm, vocab + contacts + links))


def repeat_findings(facts: CommentFacts, a: Analysis, policy: Policy) -> Iterable[Finding]:
    if facts.previous_text is not None and " ".join(fold(facts.previous_text).split()) == \
            " ".join(a.norm.text.split()):
        yield finding("duplicate.author", "duplicate", 0.6)
    if facts.similar_recent >= policy.duplicate_limit:
        yield finding("duplicate.across", "duplicate", 0.95, count=facts.similar_recent)
    elif facts.similar_recent >= 1:
        yield finding("duplicate.seen", "duplicate", 0.55, count=facts.similar_recent)
    for code, count, limit in (("flood.ip", facts.recent_from_ip, policy.flood_ip_limit),
                               ("flood.email", facts.recent_from_email, policy.flood_email_limit)):
        if limit and count >= 3 * limit:
            yield finding(code, "flood", 0.95, count=count)
        elif limit and count >= limit:
            yield finding(code, "flood", 0.6, count=count)
    if facts.honeypot_filled:
        yield finding("bot.honeypot", "bot", 0.99)
    if facts.form_age_seconds is not None and facts.form_age_seconds < policy.min_form_seconds:
        yield finding("bot.too_fast", "bot", 0.95, seconds=f"{facts.form_age_seconds:.1f}")


def reputation_findings(facts: CommentFacts, a: Analysis, policy: Policy) -> Iterable[Finding]:
    if facts.author_rejected >= 3 and facts.author_rejected > facts.author_published:
        yield finding("reputation.bad", "reputation", 0.6, rejected=facts.author_rejected,
                      published=facts.author_published)
    if policy.hold_first_comments and facts.author_published == 0:
        yield finding("reputation.first_comment", "reputation", 0.55)


def is_trusted(facts: CommentFacts, policy: Policy) -> bool:
    """WordPress's "previously approved", stricter: several approvals and no rejection."""
    return facts.author_published >= policy.trusted_after and facts.author_rejected == 0


BUILTIN_CHECKS = (lexicon_findings, model_findings, link_findings, contact_findings,
                  repeat_findings, reputation_findings)


def assess(facts: CommentFacts, policy: Policy, extra: Sequence[Check] = ()
           ) -> tuple[list[Finding], Analysis]:
    a = analyse(facts, policy)
    found: list[Finding] = []
    for check in BUILTIN_CHECKS:
        found.extend(check(facts, a, policy))
    for check in extra:
        found.extend(check(facts))
    return found, a


def run_checks(facts: CommentFacts, extra: Sequence[Check] = (),
               policy: Policy | None = None) -> list[Finding]:
    return assess(facts, policy or Policy(), extra)[0]
