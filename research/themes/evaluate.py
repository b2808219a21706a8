"""Repeated multi-label-stratified cross-validation of theme classifiers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import f1_score, precision_score, recall_score

from research.themes.codebook import CORE_THEMES


def fold_scores(y_true: np.ndarray, y_pred: np.ndarray, themes: Sequence[str]
                ) -> dict[str, Any]:
    per_theme = {}
    for j, theme in enumerate(themes):
        per_theme[theme] = {
            "precision": float(precision_score(y_true[:, j], y_pred[:, j], zero_division=0)),
            "recall": float(recall_score(y_true[:, j], y_pred[:, j], zero_division=0)),
            "f1": float(f1_score(y_true[:, j], y_pred[:, j], zero_division=0)),
        }
    core = [themes.index(t) for t in CORE_THEMES if t in themes]
    return {"per_theme": per_theme,
            "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
            "core_macro_f1": float(f1_score(y_true[:, core], y_pred[:, core],
                                            average="macro", zero_division=0))}


def _mean_std(values: list[float]) -> tuple[float, float]:
    return (round(statistics.mean(values), 4),
            round(statistics.stdev(values), 4) if len(values) > 1 else 0.0)


def summarize(folds: list[dict[str, Any]], themes: Sequence[str]) -> dict[str, Any]:
    """Mean and standard deviation over folds of every score."""
    summary: dict[str, Any] = {"per_theme": {}}
    for theme in themes:
        entry = {}
        for metric in ("precision", "recall", "f1"):
            mean, std = _mean_std([f["per_theme"][theme][metric] for f in folds])
            entry[metric], entry[f"{metric}_std"] = mean, std
        summary["per_theme"][theme] = entry
    for metric in ("micro_f1", "macro_f1", "core_macro_f1"):
        summary[metric], summary[f"{metric}_std"] = _mean_std([f[metric] for f in folds])
    return summary


def cross_validate(make: Callable[[], Any], texts: list[str], labels: np.ndarray,
                   themes: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0,
                   on_fold: Callable[[], None] | None = None) -> dict[str, Any]:
    """Scores of a fresh estimator per outer fold; thresholds are tuned inside each fit."""
    from iterstrat.ml_stratifiers import RepeatedMultilabelStratifiedKFold

    splitter = RepeatedMultilabelStratifiedKFold(n_splits=folds, n_repeats=repeats,
                                                 random_state=seed)
    results, seconds = [], 0.0
    prototype = make()
    for train, test in splitter.split(np.zeros(len(texts)), labels):
        estimator = clone(prototype)
        start = time.perf_counter()
        estimator.fit([texts[i] for i in train], labels[train])
        predicted = estimator.predict([texts[i] for i in test])
        seconds += time.perf_counter() - start
        results.append(fold_scores(labels[test], predicted, themes))
        if on_fold:
            on_fold()
    summary = summarize(results, themes)
    summary["folds"] = len(results)
    summary["cv_seconds"] = round(seconds, 2)
    summary["fold_scores"] = results
    return summary
