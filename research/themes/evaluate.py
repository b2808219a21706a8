"""Cross-validation of theme classifiers: by paragraph, by sub-document and by document.

Paragraphs of one compilation share phrasing, so folds that split a document flatter a model
that will meet new reports. Each candidate is therefore scored three ways: folds of paragraphs
(multi-label stratified), folds of whole sub-documents, and folds of whole documents (leave one
document out when there are no more documents than folds). Every fold's estimator is fitted
with the sub-document of each training paragraph as its group, so its own inner folds (which
tune the thresholds and the stacker) are grouped too. Scores are computed on the pooled
out-of-fold predictions of each repetition: a five-paragraph document then counts for five
paragraphs, not for a fifth of the score.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.base import clone
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from research.themes.codebook import CORE_THEMES
from research.themes.labels import Supplement

Scheme = Literal["paragraph", "subdocument", "document"]
SCHEMES: tuple[Scheme, ...] = ("paragraph", "subdocument", "document")
#: Equal-width bins of the calibration error (scores in [0, 1]).
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Groups:
    """Each labeled paragraph's document and sub-document (document + title)."""

    document: np.ndarray
    subdocument: np.ndarray

    @classmethod
    def of(cls, docs: Sequence[str], titles: Sequence[str]) -> "Groups":
        return cls(np.asarray(docs, dtype=object),
                   np.asarray([f"{d}\x1f{t}" for d, t in zip(docs, titles)], dtype=object))

    def held_out_by(self, scheme: Scheme) -> np.ndarray | None:
        """The groups a scheme's folds keep whole (None: paragraph folds keep none)."""
        return {"paragraph": None, "subdocument": self.subdocument,
                "document": self.document}[scheme]

    def count(self, scheme: Scheme) -> int:
        """How many groups the scheme can hold out (paragraph folds are always possible)."""
        group = self.held_out_by(scheme)
        return 2 if group is None else len(set(group))


def fold_scores(y_true: np.ndarray, y_pred: np.ndarray, themes: Sequence[str]
                ) -> dict[str, Any]:
    per_theme = {}
    for j, theme in enumerate(themes):
        per_theme[theme] = {
            "precision": float(precision_score(y_true[:, j], y_pred[:, j], zero_division=0)),
            "recall": float(recall_score(y_true[:, j], y_pred[:, j], zero_division=0)),
            "f1": float(f1_score(y_true[:, j], y_pred[:, j], zero_division=0)),
        }
    core = core_columns(themes)
    return {"per_theme": per_theme,
            "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
            "core_macro_f1": float(f1_score(y_true[:, core], y_pred[:, core],
                                            average="macro", zero_division=0))}


def core_columns(themes: Sequence[str]) -> list[int]:
    return [list(themes).index(t) for t in CORE_THEMES if t in themes]


def calibration_error(y_true: np.ndarray, scores: np.ndarray,
                      bins: int = CALIBRATION_BINS) -> float:
    """Expected calibration error over all (paragraph, theme) pairs: the mean gap between a
    score and how often paragraphs with that score have the theme (0 = a 0.8 means 80%)."""
    scores, y_true = np.ravel(scores), np.ravel(y_true)
    which = np.minimum((scores * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(scores[inside].mean() - y_true[inside].mean())
    return float(error)


def _mean_std(values: list[float]) -> tuple[float, float]:
    return (round(statistics.mean(values), 4),
            round(statistics.stdev(values), 4) if len(values) > 1 else 0.0)


def summarize(repeats: list[dict[str, Any]], themes: Sequence[str]) -> dict[str, Any]:
    """Mean and standard deviation over repetitions of every score."""
    summary: dict[str, Any] = {"per_theme": {}}
    for theme in themes:
        entry = {}
        for metric in ("precision", "recall", "f1"):
            mean, std = _mean_std([f["per_theme"][theme][metric] for f in repeats])
            entry[metric], entry[f"{metric}_std"] = mean, std
        summary["per_theme"][theme] = entry
    for metric in ("micro_f1", "macro_f1", "core_macro_f1", "calibration_error"):
        summary[metric], summary[f"{metric}_std"] = _mean_std([f[metric] for f in repeats])
    return summary


def outer_splits(scheme: Scheme, labels: np.ndarray, groups: Groups, folds: int,
                 repeats: int, seed: int) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """The folds of each repetition: every paragraph is tested exactly once per repetition."""
    n = np.zeros(len(labels))
    if scheme == "paragraph":
        from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

        return [list(MultilabelStratifiedKFold(n_splits=folds, shuffle=True,
                                               random_state=seed + r).split(n, labels))
                for r in range(repeats)]
    group, distinct = groups.held_out_by(scheme), groups.count(scheme)
    if distinct < 2:
        raise ValueError(f"{scheme} folds need at least two {scheme}s; the labels have "
                         f"{distinct}")
    if distinct <= folds:  # one fold per group: there is nothing to repeat
        return [list(LeaveOneGroupOut().split(n, labels, group))]
    return [list(GroupKFold(n_splits=folds, shuffle=True, random_state=seed + r).split(
        n, labels, group)) for r in range(repeats)]


@dataclass
class OutOfFold:
    """Pooled out-of-fold decisions and scores of one repetition."""

    predicted: np.ndarray
    scores: np.ndarray


def cross_validate(make: Callable[[], Any], texts: list[str], labels: np.ndarray,
                   themes: Sequence[str], groups: Groups, scheme: Scheme = "paragraph",
                   folds: int = 5, repeats: int = 3, seed: int = 0,
                   on_fold: Callable[[], None] | None = None,
                   supplement: Supplement | None = None) -> dict[str, Any]:
    """Scores of a fresh estimator per fold, pooled per repetition, summarised over them.

    A ``supplement`` (labeled paragraphs from outside the corpus) joins every fold's training
    part and is never scored, so the scores stay those of held-out corpus text.
    The result also holds ``out_of_fold`` (the pooled decisions and scores of each repetition),
    which the comparison with the keyword baseline resamples.
    """
    prototype = make()
    repeated, per_fold, pooled, seconds = [], [], [], 0.0
    for splits in outer_splits(scheme, labels, groups, folds, repeats, seed):
        predicted, scores = np.zeros_like(labels), np.zeros(labels.shape, dtype=float)
        for train, test in splits:
            estimator = clone(prototype)
            start = time.perf_counter()
            estimator.fit(*training_part(texts, labels, groups.subdocument, train,
                                         supplement))
            test_texts = [texts[i] for i in test]
            scores[test] = estimator.predict_proba(test_texts)
            predicted[test] = estimator.decide(scores[test])
            seconds += time.perf_counter() - start
            per_fold.append(fold_scores(labels[test], predicted[test], themes))
            if on_fold:
                on_fold()
        result = fold_scores(labels, predicted, themes)
        result["calibration_error"] = calibration_error(labels, scores)
        repeated.append(result)
        pooled.append(OutOfFold(predicted, scores))
    summary = summarize(repeated, themes)
    summary.update(scheme=scheme, repeats=len(repeated), folds=len(per_fold),
                   cv_seconds=round(seconds, 2), fold_scores=per_fold, out_of_fold=pooled)
    return summary


def training_part(texts: Sequence[str], labels: np.ndarray, groups: np.ndarray,
                  rows: np.ndarray | None, supplement: Supplement | None
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, labels and groups to fit on: the given rows (all when None) plus the supplement."""
    picked = np.arange(len(texts)) if rows is None else rows
    chosen = [texts[i] for i in picked]
    if not supplement:
        return chosen, labels[picked], groups[picked]
    return (chosen + list(supplement.texts), np.vstack([labels[picked], supplement.labels]),
            np.concatenate([groups[picked], supplement.groups]))


def planned_folds(scheme: Scheme, labels: np.ndarray, groups: Groups, folds: int,
                  repeats: int, seed: int) -> int:
    """How many fits cross_validate will make (for the progress bar): the splits themselves,
    counted (splitting is cheap next to one fit)."""
    return sum(map(len, outer_splits(scheme, labels, groups, folds, repeats, seed)))


def difference_interval(labels: np.ndarray, first: Sequence[OutOfFold],
                        second: Sequence[OutOfFold], clusters: np.ndarray,
                        columns: Sequence[int], resamples: int = 2000, seed: int = 0
                        ) -> dict[str, float]:
    """Macro F1 (over ``columns``) of ``first`` minus ``second``, with a 95% interval from a
    bootstrap over clusters (sub-documents): paragraphs of one sub-document travel together,
    so the interval does not pretend they are independent. Repetitions are averaged.

    F1 is a function of true-positive, false-positive and false-negative counts, and a
    resample's counts are its clusters' counts times how often each was drawn, so every
    cluster is counted once and each resample costs one matrix product.
    """
    names, cluster_of = np.unique(clusters, return_inverse=True)
    truth = labels[:, list(columns)].astype(bool)
    draws = np.random.default_rng(seed).integers(0, len(names), size=(resamples, len(names)))
    weights = np.vstack([np.ones(len(names)),
                         [np.bincount(draw, minlength=len(names)) for draw in draws]])

    def macro(runs: Sequence[OutOfFold]) -> np.ndarray:
        """Mean over runs of macro F1, for the full sample (row 0) and every resample."""
        per_run = []
        for run in runs:
            predicted = run.predicted[:, list(columns)].astype(bool)
            counts = [np.zeros((len(names), truth.shape[1])) for _ in range(3)]
            for total, hit in zip(counts, (truth & predicted, ~truth & predicted,
                                           truth & ~predicted)):
                np.add.at(total, cluster_of, hit)
            tp, fp, fn = (weights @ total for total in counts)
            denominator = 2 * tp + fp + fn
            f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
            per_run.append(f1.mean(axis=1))
        return np.mean(per_run, axis=0)

    difference = macro(first) - macro(second)
    low, high = np.percentile(difference[1:], [2.5, 97.5])
    return {"difference": round(float(difference[0]), 4), "low": round(float(low), 4),
            "high": round(float(high), 4), "clusters": len(names), "resamples": resamples}
