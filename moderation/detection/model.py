"""Learned scores: linear models over hashed n-grams, shipped as plain ``.npy`` + JSON.

The models are NB-weighted logistic regressions (see ``train.py``); the Naive Bayes ratios are
multiplied into the weights, so scoring is one sum over the text's feature buckets.

``data/models.json`` describes each model (``abuse-ar``, ``abuse-en``, ``spam-ar``,
``spam-en``): its weight file, bias, Platt calibration ``(a, b)`` and the data it was trained
on. Weights are float16 vectors of ``features.DIM`` entries loaded with
``numpy.load(allow_pickle=False)``: no pickle, no scikit-learn at runtime. ``probability``
returns a calibrated probability ``1 / (1 + exp(-(a * margin + b)))``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .features import DIM, buckets

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
MANIFEST = "models.json"


@dataclass(frozen=True)
class LinearModel:
    name: str
    weights: np.ndarray  # float32, DIM entries
    bias: float
    platt_a: float
    platt_b: float
    threshold: float = 0.7  # chosen in training: best F1 that still publishes 97% of clean rows
    # For comments that address no one ("you", "يا", "انت"): news sentences must publish.
    threshold_unaddressed: float | None = None

    def margin(self, features: list[int]) -> float:
        if not features:
            return self.bias
        return float(self.weights[features].sum()) / math.sqrt(len(features)) + self.bias

    def probability(self, features: list[int]) -> float:
        if not features:  # nothing but links, digits or emoji: nothing for the model to judge
            return 0.0
        z = self.platt_a * self.margin(features) + self.platt_b
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def score_text(self, text: str, folded: bool = False) -> float:
        return self.probability(buckets(text, folded))


def load_model(name: str, data_dir: str = DATA_DIR) -> LinearModel | None:
    manifest_path = os.path.join(data_dir, MANIFEST)
    if not os.path.exists(manifest_path):
        return None
    with open(manifest_path, encoding="utf-8") as handle:
        meta = json.load(handle).get(name)
    if meta is None:
        return None
    weights = np.load(os.path.join(data_dir, meta["weights"]), allow_pickle=False)
    if weights.shape != (DIM,):
        raise ValueError(f"model {name}: expected {DIM} weights, got {weights.shape}")
    return LinearModel(name, weights.astype(np.float32), float(meta["bias"]),
                       float(meta["platt_a"]), float(meta["platt_b"]),
                       float(meta.get("threshold", 0.7)), meta.get("threshold_unaddressed"))


@lru_cache(maxsize=None)
def builtin(name: str) -> LinearModel | None:
    """The shipped model called ``name``, or None if it has not been trained."""
    return load_model(name)
