"""Shipped models: plain .npy + JSON, loaded without pickle, calibrated probabilities."""

import json
import os
import pickle

import numpy as np
import pytest

from moderation.detection import model
from moderation.detection.features import DIM, buckets

NAMES = ["abuse-ar", "abuse-en", "spam-ar", "spam-en"]


def test_manifest_lists_plain_files():
    with open(os.path.join(model.DATA_DIR, model.MANIFEST), encoding="utf-8") as handle:
        manifest = json.load(handle)
    assert sorted(manifest) == NAMES
    total = 0
    for meta in manifest.values():
        path = os.path.join(model.DATA_DIR, meta["weights"])
        assert path.endswith(".npy")
        total += os.path.getsize(path)
        assert 0.5 <= meta["threshold"] <= 0.95
    assert total < 4 * 1024 * 1024


@pytest.mark.parametrize("name", NAMES)
def test_loads_without_pickle(name, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle must not be used")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    loaded = model.load_model(name)
    assert loaded is not None and loaded.weights.shape == (DIM,)
    raw = np.load(os.path.join(model.DATA_DIR, f"{name}.npy"), allow_pickle=False)
    assert raw.dtype == np.float16


PROBABILITIES = [
    ("abuse-ar", "يا ابن الكلب يا حقير يا واطي", "high"),
    ("abuse-ar", "مباراة جميلة والفريق لعب بشكل رائع", "low"),
    ("abuse-en", "shut up you stupid bitch", "high"),
    ("abuse-en", "the council approved the new budget", "low"),
    ("spam-en", "WIN a FREE iPhone, text WIN to 80085 now", "high"),
    ("spam-en", "I agree with the author about the budget", "low"),
]


@pytest.mark.parametrize("name,text,level", PROBABILITIES)
def test_probabilities(name, text, level):
    p = model.builtin(name).score_text(text)
    assert 0.0 <= p <= 1.0
    assert (p > 0.5) if level == "high" else (p < 0.5)


def test_features_are_stable():
    # CRC-32 buckets do not depend on the process's hash seed.
    assert buckets("hello") == buckets("HELLO")
    assert buckets("hello")[:3] == sorted(buckets("hello"))[:3]
    assert all(0 <= b < DIM for b in buckets("شرموطة fuck 123"))
