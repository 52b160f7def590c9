"""Rebuild the shipped models from the *train* corpora: ``moderation train --data DIR``.

Needs the ``[train]`` extra (scikit-learn, scipy); inference needs only numpy. Everything is
deterministic: fixed seeds, fixed hash split (``datasets.held_out``), sorted inputs.

Models and their training data (all *train* in shared/data/README.md, plus own-written text in
``data/own-*.txt``; ``own-news-*.txt`` is never trained on, only used to set the abuse models'
``threshold_unaddressed``, the threshold for comments that address no one, so that 97% of those
news sentences publish):
- ``abuse-ar``: OSACT 2020 train (OFF = 1) + own clean news sentences;
- ``abuse-en``: Davidson 2017 and Wikipedia toxicity, minus the held-out fifth, + own clean
  sentences using identity terms neutrally;
- ``spam-en``: SMS Spam Collection minus the held-out fifth + YouTube videos 01-03 (video 04 is
  kept for evaluation, as in the literature's "train on three, test on the fourth"), with the
  Wikipedia talk comments and own clean sentences as long-form ham;
- ``spam-ar``: own-written Arabic comment-spam templates filled with random phone numbers,
  sites and handles, against OSACT train tweets as ham (no Arabic spam corpus is licensed for
  training: the Arabic spam tweets set is eval-only).
"""

from __future__ import annotations

import json
import os
import random

import numpy as np

from . import datasets
from .features import DIM, buckets
from .model import DATA_DIR, MANIFEST

SEED = 20261124


def own_lines(name: str) -> list[str]:
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def _phone(rng: random.Random) -> str:
    digits = rng.choice(["05", "966 5", "+20 10", "01", "00971 5"]) + "".join(
        rng.choice("0123456789") for _ in range(8))
    if rng.random() < 0.5:
        digits = digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return digits


def synthetic_arabic_spam(rng: random.Random, per_template: int = 20) -> list[str]:
    sites = ["www.example-offers.com", "bit.ly/3xYz9", "t.me/earn_now", "wa.me/966500000000"]
    handles = ["@rich_fast", "تليجرام @money_ar", "واتس ٠٥٥٥١٢٣٤٥٦"]
    out = []
    for template in own_lines("own-spam-ar.txt"):
        for _ in range(per_template):
            out.append(template.format(phone=_phone(rng) if rng.random() < 0.85 else "",
                                       site=rng.choice(sites), handle=rng.choice(handles)))
    return out


def identity_sentences(lang: str = "en") -> list[str]:
    terms, frames = [], []
    for line in own_lines(f"own-identity-{lang}.txt"):
        kind, _, rest = line.partition(": ")
        if kind == "term":
            terms.extend(t.strip() for t in rest.split(","))
        elif kind == "frame":
            frames.append(rest)
    return [frame.format(term) for frame in frames for term in terms]


def corpora(data: str, rng: random.Random) -> dict[str, list[tuple[str, int]]]:
    clean_ar = [(t, 0) for t in own_lines("own-clean-ar.txt")] * 3
    clean_en = [(t, 0) for t in own_lines("own-clean-en.txt")] * 3
    clean_en += [(t, 0) for t in identity_sentences()]
    english = [r for r in datasets.davidson(data) + datasets.wiki_toxicity(data)
               if not datasets.held_out(r[0])]
    youtube = datasets.youtube(data)
    spam_en = [r for r in datasets.sms(data) if not datasets.held_out(r[0])]
    for name in sorted(youtube)[:3]:
        spam_en += youtube[name]
    # Long-form discussion as ham, so length alone does not look like spam.
    spam_en += [(t, 0) for t, _ in datasets.wiki_toxicity(data) if not datasets.held_out(t)]
    spam_en += clean_en
    osact = datasets.osact(data, "train")
    spam_ar = [(t, 1) for t in synthetic_arabic_spam(rng)] + [(t, 0) for t, _ in osact] + clean_ar
    return {
        "abuse-ar": osact + clean_ar,
        "abuse-en": english + clean_en,
        "spam-en": spam_en,
        "spam-ar": spam_ar,
    }


def matrix(texts: list[str]):
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for text in texts:
        feats = buckets(text)
        indices.extend(feats)
        values.extend([1.0 / np.sqrt(len(feats))] * len(feats) if feats else [])
        indptr.append(len(indices))
    return csr_matrix((np.array(values, dtype=np.float64), np.array(indices), np.array(indptr)),
                      shape=(len(texts), DIM))


def nb_ratios(x, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Naive Bayes log-count ratios per feature (Wang & Manning 2012, "NBSVM")."""
    present = (x > 0).astype(np.float64)
    p = np.asarray(present[y == 1].sum(0)).ravel() + alpha
    q = np.asarray(present[y == 0].sum(0)).ravel() + alpha
    return np.log((p / p.sum()) / (q / q.sum()))


def _fit_nb_lr(x, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    r = nb_ratios(x, y)
    model = LogisticRegression(C=c, solver="liblinear", max_iter=3000)
    model.fit(x.multiply(r).tocsr(), y)
    # Scaling the features by r is the same as scaling the weights: ship coef * r.
    return model.coef_[0] * r, float(model.intercept_[0])


def fit(rows: list[tuple[str, int]], c_grid=(8.0, 32.0, 128.0),
        min_specificity: float = 0.97) -> dict:
    """NB-weighted logistic regression, C and threshold chosen by 5-fold cross-validation."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    texts = [t for t, _ in rows]
    y = np.array([label for _, label in rows])
    x = matrix(texts)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED).split(x, y))
    best = None
    for c in c_grid:
        margins = np.zeros(len(y))
        for train_idx, test_idx in folds:
            weights, bias = _fit_nb_lr(x[train_idx], y[train_idx], c)
            margins[test_idx] = x[test_idx] @ weights + bias
        platt = LogisticRegression(C=1e4, solver="lbfgs").fit(margins.reshape(-1, 1), y)
        probs = platt.predict_proba(margins.reshape(-1, 1))[:, 1]
        threshold, f1 = choose_threshold(y, probs, min_specificity)
        if best is None or f1 > best[0]:
            best = (f1, c, platt, threshold, log_loss(y, probs))
    f1, c, platt, threshold, loss = best
    weights, bias = _fit_nb_lr(x, y, c)
    return {
        "weights": weights.astype(np.float16),
        "bias": bias,
        "platt_a": float(platt.coef_[0][0]),
        "platt_b": float(platt.intercept_[0]),
        "threshold": threshold,
        "C": c,
        "cv_f1": round(float(f1), 4),
        "cv_log_loss": round(float(loss), 4),
        "rows": len(rows),
        "positives": int(y.sum()),
    }


def choose_threshold(y: np.ndarray, p: np.ndarray, min_specificity: float = 0.97
                     ) -> tuple[float, float]:
    """The threshold with the best F1 that still publishes 97% of clean rows, and that F1."""
    best_t, best_f1 = 0.95, -1.0
    for t in np.arange(0.50, 0.96, 0.05):  # never below even odds
        pred = p >= t
        tp, fp = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum())
        fn, tn = int((~pred & (y == 1)).sum()), int((~pred & (y == 0)).sum())
        if tn / max(1, tn + fp) < min_specificity:
            continue
        f1 = 2 * tp / max(1, 2 * tp + fp + fn)
        if f1 > best_f1:
            best_t, best_f1 = round(float(t), 2), f1
    return best_t, best_f1


def news_threshold(result: dict, news: list[str], threshold: float,
                   min_publish: float = 0.97) -> float:
    """Raise ``threshold`` until ``min_publish`` of the own news sentences (never trained on)
    fall below it: the training tweets are angrier and more political than news comments."""
    weights = result["weights"].astype(np.float32)
    margins = np.array([(weights[b].sum() / np.sqrt(len(b)) if b else 0.0) + result["bias"]
                        for b in (buckets(t) for t in news)])
    probs = 1 / (1 + np.exp(-(result["platt_a"] * margins + result["platt_b"])))
    for t in np.arange(threshold, 0.96, 0.05):
        if (probs < t).mean() >= min_publish:
            return round(float(t), 2)
    return 0.95


def train_all(data: str, out_dir: str = DATA_DIR, echo=print) -> dict:
    rng = random.Random(SEED)
    manifest = {}
    for name, rows in corpora(data, rng).items():
        echo(f"training {name} on {len(rows)} rows ...")
        # Spam models see other genres than they were trained on: hold only when surer.
        result = fit(rows, min_specificity=0.99 if name.startswith("spam") else 0.97)
        if name.startswith("abuse"):
            result["threshold_unaddressed"] = news_threshold(
                result, own_lines(f"own-news-{name[-2:]}.txt"), result["threshold"])
        np.save(os.path.join(out_dir, f"{name}.npy"), result.pop("weights"), allow_pickle=False)
        manifest[name] = {"weights": f"{name}.npy", **result}
        echo(f"  C={result['C']} threshold={result['threshold']} (cross-validated "
             f"F1={result['cv_f1']} log loss={result['cv_log_loss']})")
    with open(os.path.join(out_dir, MANIFEST), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write("\n")
    return manifest
