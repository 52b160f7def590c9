"""``moderation eval --data DIR``: how the whole pipeline does on the public corpora.

Every figure runs the full ``evaluate`` (normalisation, lexicons, models, spam signals, default
policy of a new site). "Blocked" means not published (held, rejected or spam). The English
abuse sets are scored on the fifth held out from training (``datasets.held_out``); OSACT on its
dev set; YouTube on video 04, which training never saw.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from . import CommentFacts, datasets, evaluate

SEED = 7
_HARAKAT = "\u064e\u064f\u0650\u0652\u0651\u064b\u064d"
_LOOKALIKE_AR = str.maketrans({"ي": "ی", "ك": "ک", "ه": "ھ", "ى": "ی"})
_LOOKALIKE_EN = str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х",
                               "i": "і", "y": "у"})
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "$", "t": "7"})


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: int, blocked: bool) -> None:
        if label and blocked:
            self.tp += 1
        elif label:
            self.fn += 1
        elif blocked:
            self.fp += 1
        else:
            self.tn += 1

    def line(self) -> str:
        p = self.tp / max(1, self.tp + self.fp)
        r = self.tp / max(1, self.tp + self.fn)
        f1 = 2 * p * r / max(1e-9, p + r)
        # F1 of the "clean" class, for the macro average the shared tasks report.
        pn = self.tn / max(1, self.tn + self.fn)
        rn = self.tn / max(1, self.tn + self.fp)
        f1n = 2 * pn * rn / max(1e-9, pn + rn)
        clean = self.tn / max(1, self.tn + self.fp)
        return (f"P={p:.3f} R={r:.3f} F1={f1:.3f} macroF1={(f1 + f1n) / 2:.3f} "
                f"clean-publish={clean:.3f} (n={self.tp + self.fp + self.fn + self.tn}, "
                f"positives={self.tp + self.fn})")


def blocked(text: str) -> bool:
    return evaluate(CommentFacts(text=text)).status != "published"


def score_set(rows: Iterable[tuple[str, int]], predict: Callable[[str], bool] = blocked) -> Counts:
    counts = Counts()
    for text, label in rows:
        counts.add(label, predict(text))
    return counts


# Obfuscations an evader would use, each applied to every word of three letters or more.
def _per_word(text: str, fn: Callable[[str, random.Random], str], rng: random.Random) -> str:
    return " ".join(fn(w, rng) if len(w) >= 3 else w for w in text.split())


def _arabic(c: str) -> bool:
    return "\u0621" <= c <= "\u064a"


OBFUSCATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "diacritics": lambda w, r: "".join(c + (r.choice(_HARAKAT) if _arabic(c) else "") for c in w)
    if any(_arabic(c) for c in w) else "".join(c + ("\u0301" if c in "aeiou" else "") for c in w),
    "tatweel": lambda w, r: "".join(c + ("ـ" if _arabic(c) and i < len(w) - 1 else "")
                                    for i, c in enumerate(w)) if any(_arabic(c) for c in w)
    else w.upper(),
    "stretching": lambda w, r: (lambda i: w[:i] + w[i] * 4 + w[i + 1:])(r.randrange(len(w))),
    "spacing": lambda w, r: " ".join(w) if r.random() < 0.5 else ".".join(w),
    "lookalikes": lambda w, r: w.translate(_LOOKALIKE_AR) if any(_arabic(c) for c in w)
    else w.lower().translate(_LOOKALIKE_EN),
    "leetspeak": lambda w, r: w if any(_arabic(c) for c in w) else w.lower().translate(_LEET),
    "zero-width": lambda w, r: "\u200b".join(w),
}


def obfuscation_recall(texts: list[str], echo) -> None:
    base = sum(blocked(t) for t in texts)
    echo(f"    originals blocked: {base / max(1, len(texts)):.3f} (n={len(texts)})")
    for name, fn in OBFUSCATIONS.items():
        rng = random.Random(SEED)
        hits = sum(blocked(_per_word(t, fn, rng)) for t in texts)
        echo(f"    {name:<11} recall={hits / max(1, len(texts)):.3f}")


def vocalise(text: str) -> str:
    rng = random.Random(len(text))
    return "".join(c + (rng.choice(_HARAKAT[:4]) if _arabic(c) else "") for c in text)


def throughput(texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        evaluate(CommentFacts(text=text))
    return len(texts) / (time.perf_counter() - start)


class BatchPredictor:
    """An off-the-shelf classifier, run over a whole list at once (it is slow per text)."""

    def __init__(self, predict_many: Callable[[list[str]], Iterable[int]]):
        self.predict_many = predict_many

    def counts(self, rows: list[tuple[str, int]]) -> Counts:
        counts = Counts()
        for (_, label), flagged in zip(rows, self.predict_many([t for t, _ in rows])):
            counts.add(label, bool(flagged))
        return counts


def profanity_check_predictor() -> BatchPredictor | None:
    try:
        from profanity_check import predict  # alt-profanity-check
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None
    return BatchPredictor(lambda texts: predict(texts))


def run(data: str, echo=print, sample: int = 1000) -> None:
    rng = random.Random(SEED)
    echo("== Abuse, Arabic")
    osact_dev = datasets.osact(data, "dev")
    echo(f"  OSACT 2020 dev (tweets):            {score_set(osact_dev).line()}")
    alj = [(t, int(level < 0)) for t, level in datasets.aljazeera(data, "dev")]
    echo(f"  Al Jazeera 2017 dev (deleted news comments; eval only): {score_set(alj).line()}")
    osact_off = [t for t, label in osact_dev if label]
    echo("  obfuscated variants of OSACT dev offensive tweets:")
    obfuscation_recall(osact_off, echo)
    clean_ar = [t for t, label in osact_dev if not label]
    pub = sum(not blocked(t) for t in clean_ar) / len(clean_ar)
    pub_v = sum(not blocked(vocalise(t)) for t in clean_ar) / len(clean_ar)
    echo(f"  clean OSACT dev publish rate: plain {pub:.3f}, fully vocalised {pub_v:.3f}")

    echo("== Abuse, English (held-out fifth of the training sets)")
    english = {"Davidson 2017": datasets.davidson(data), "Wikipedia toxicity": datasets.wiki_toxicity(data)}
    held = {name: [r for r in rows if datasets.held_out(r[0])] for name, rows in english.items()}
    checker = profanity_check_predictor()
    if checker:
        echo("  (alt-profanity-check was trained on Davidson 2017 and Wikipedia toxicity data, so"
             " its figures on these two sets are optimistic)")
    for name, rows in held.items():
        echo(f"  {name:<20} this pipeline:      {score_set(rows).line()}")
        if checker:
            echo(f"  {name:<20} alt-profanity-check: {checker.counts(rows).line()}")
    abusive_en = [t for rows in held.values() for t, label in rows if label]
    abusive_en = rng.sample(abusive_en, min(sample, len(abusive_en)))
    echo("  obfuscated variants of held-out abusive English:")
    obfuscation_recall(abusive_en, echo)

    echo("== Identity-term templates (bias-madlibs-77k, eval only)")
    madlibs = datasets.bias_madlibs(data)
    not_bad = [t for t, label in madlibs if not label]
    flagged = sum(blocked(t) for t in not_bad) / len(not_bad)
    echo(f"  NOT_BAD flagged (held or rejected): {flagged:.4f} (n={len(not_bad)})")
    echo(f"  all templates, BAD as positive:     {score_set(madlibs).line()}")
    if checker:
        pc = checker.counts(madlibs)
        echo(f"  alt-profanity-check NOT_BAD flagged: {pc.fp / max(1, pc.fp + pc.tn):.4f}")
        echo(f"  alt-profanity-check, BAD as positive: {pc.line()}")
    else:
        echo("  alt-profanity-check is not installed: no side-by-side comparison")

    echo("== Spam")
    youtube = datasets.youtube(data)
    test_video = sorted(youtube)[-1]
    echo(f"  YouTube {test_video} (unseen video):  {score_set(youtube[test_video]).line()}")
    sms_held = [r for r in datasets.sms(data) if datasets.held_out(r[0])]
    echo(f"  SMS Spam Collection held-out fifth:  {score_set(sms_held).line()}")
    ar_spam = datasets.arabic_spam_tweets(data)
    ar_spam = rng.sample(ar_spam, min(sample * 3, len(ar_spam)))
    echo(f"  Arabic spam tweets (eval only, sample): {score_set(ar_spam).line()}")
    if checker:
        echo(f"  YouTube {test_video} alt-profanity-check: "
             f"{checker.counts(youtube[test_video]).line()}  (a profanity filter, not spam)")

    echo("== Throughput (whole pipeline, one process)")
    mix = [t for t, _ in osact_dev] + [t for rows in held.values() for t, _ in rows][:2000] + \
        [t for t, _ in youtube[test_video]]
    echo(f"  {throughput(mix):.0f} comments/s over {len(mix)} comments")
