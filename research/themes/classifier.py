"""Multi-label theme classifier: keyword, TF-IDF and embedding signals, one logistic model each theme.

Built from scikit-learn parts: the feature blocks (``research.themes.features``) are joined by a
``FeatureUnion`` in a ``Pipeline`` ending in one-vs-rest logistic regression. ``fit`` gets
out-of-fold scores of its own training data with ``cross_val_predict`` over inner
multi-label-stratified folds; a second level per theme (base score + keyword count) and one
decision threshold per theme are learned from those scores, so thresholds never see the
predictions of a model that was fitted on the paragraphs they are tuned on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from research.classifier_config import CandidateConfig
from research.themes.features import (EMBEDDING_FEATURES, CompactTfidfVectorizer, Embeddings,
                                      KeywordCounts, KeywordTerms, Prototypes, WordTokenizer,
                                      keyword_counts, simplified)

FEATURES = ("words", "chars", "keywords", "keyword_terms", "embeddings", "prototypes")
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def config_default(field: str) -> Any:
    """A candidate setting's default: CandidateConfig is the one home of the defaults."""
    return CandidateConfig.model_fields[field].default


def f1_at(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """F1 of deciding ``scores >= threshold`` against 0/1 ``y_true``."""
    predicted = scores >= threshold
    denominator = float(predicted.sum() + y_true.sum())
    return 2 * float(np.sum(predicted & (y_true == 1))) / denominator if denominator else 0.0


def best_threshold(y_true: np.ndarray, scores: np.ndarray, grid: np.ndarray) -> float:
    """Threshold with the highest F1; ties go to the one nearest the middle of the grid."""
    middle = float(np.median(grid))
    best, best_f1 = middle, -1.0
    for threshold in grid:
        f1 = f1_at(y_true, scores, threshold)
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12
                                    and abs(threshold - middle) < abs(best - middle)):
            best, best_f1 = float(threshold), f1
    return best


def inner_splits(labels: np.ndarray, groups: Sequence[object] | None, folds: int, seed: int
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds of fit's own training data, on which the stacker and thresholds are tuned.

    With groups (each paragraph's sub-document), whole groups are held out together, so the
    thresholds are tuned on scores of text unlike what the model was fitted on, as new reports
    will be; without them the folds are multi-label stratified paragraphs.
    """
    rows = np.zeros(len(labels))
    if groups is not None and len(set(groups)) >= folds:
        from sklearn.model_selection import GroupKFold

        return list(GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            rows, labels, np.asarray(groups, dtype=object)))
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    return list(MultilabelStratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
                .split(rows, labels))


class KeywordBaseline(BaseEstimator, ClassifierMixin):
    """A theme is present when its codebook keywords occur at least t times (t tuned in fit)."""

    def __init__(self, themes: Sequence[str] = (), keywords: dict[str, list[str]] | None = None
                 ) -> None:
        self.themes = themes
        self.keywords = keywords

    def fit(self, texts: Sequence[str], labels: np.ndarray,
            groups: Sequence[object] | None = None) -> "KeywordBaseline":
        """Tune one count threshold per theme (``groups`` is accepted for a common signature)."""
        counts = self.decision_scores(texts)
        grid = np.arange(1, 6)
        self.thresholds_ = np.array([best_threshold(labels[:, j], counts[:, j], grid)
                                     for j in range(len(self.themes))])
        return self

    def decision_scores(self, texts: Sequence[str]) -> np.ndarray:
        return keyword_counts(simplified(texts), self.keywords or {}, self.themes)

    def _as_probability(self, counts: np.ndarray) -> np.ndarray:
        return 1 - np.exp(-counts / np.maximum(self.thresholds_, 1))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._as_probability(self.decision_scores(texts))

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """0/1 per theme from predict_proba's output: count >= threshold, on the same scale."""
        return (probabilities >= self._as_probability(self.thresholds_)).astype(int)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.decide(self.predict_proba(texts))

    def score_thresholds(self) -> np.ndarray:
        """Per-theme thresholds on predict_proba's scale (what ``decide`` compares with)."""
        return self._as_probability(self.thresholds_)


class ThemeClassifier(BaseEstimator, ClassifierMixin):
    """Logistic regression per theme over any mix of words, chars, keywords, embeddings.

    The settings a config can choose default to CandidateConfig's defaults.
    """

    def __init__(self, themes: Sequence[str] = (), keywords: dict[str, list[str]] | None = None,
                 features: Sequence[str] = tuple(config_default("features")),
                 C: float = config_default("C"), keyword_weight: float = 1.0,
                 inner_folds: int = 3, random_state: int = 0,
                 max_char_features: int = config_default("max_char_features"),
                 embedder: object | None = None,
                 stack_keywords: bool = config_default("stack_keywords"),
                 queries: dict[str, list[str]] | None = None) -> None:
        self.themes = themes
        self.keywords = keywords
        self.features = features
        self.C = C
        self.keyword_weight = keyword_weight
        self.inner_folds = inner_folds
        self.random_state = random_state
        self.max_char_features = max_char_features
        self.embedder = embedder
        self.stack_keywords = stack_keywords
        self.queries = queries

    def pipeline(self, tokenizer: WordTokenizer | None = None) -> Pipeline:
        """The unfitted base model: the chosen feature blocks side by side, then one logistic
        regression per theme."""
        unknown = set(self.features) - set(FEATURES)
        if unknown or not self.features:
            raise ValueError(f"unknown or no features {sorted(unknown)}; expected some of "
                             f"{FEATURES}")
        blocks = {
            "words": lambda: CompactTfidfVectorizer(analyzer=tokenizer or WordTokenizer(),
                                                    sublinear_tf=True),
            "chars": lambda: CompactTfidfVectorizer(analyzer="char", ngram_range=(2, 3),
                                                    sublinear_tf=True, min_df=2,
                                                    max_features=self.max_char_features),
            "keywords": lambda: KeywordCounts(self.themes, self.keywords, self.keyword_weight),
            "keyword_terms": lambda: KeywordTerms(self.keywords, self.keyword_weight),
            "embeddings": lambda: Embeddings(self.embedder),
            "prototypes": lambda: Prototypes(self.queries, self.embedder),
        }
        union = FeatureUnion([(name, blocks[name]()) for name in FEATURES
                              if name in self.features])
        model = OneVsRestClassifier(LogisticRegression(C=self.C, class_weight="balanced",
                                                       max_iter=2000, solver="liblinear"))
        return Pipeline([("features", union), ("model", model)])

    def fit(self, texts: Sequence[str], labels: np.ndarray,
            groups: Sequence[object] | None = None) -> "ThemeClassifier":
        """Fit on all texts; the stacker and the thresholds learn from out-of-fold scores.

        ``groups`` (each paragraph's sub-document) makes the inner folds hold out whole groups.
        """
        texts, labels = simplified(texts), np.asarray(labels)
        base = self.pipeline(WordTokenizer())  # the folds' clones share its memory
        splits = inner_splits(labels, groups, self.inner_folds, self.random_state)
        scores = cross_val_predict(base, texts, labels, cv=splits, method="predict_proba")
        self.stackers_: list[LogisticRegression] | None = None
        if self.stack_keywords:
            # Second level, per theme: base score + keyword count -> probability. Its own
            # out-of-fold scores (same splits) are what the thresholds are tuned on.
            inputs = self._stack_inputs(scores, texts)
            scores = np.column_stack([self._stacked_out_of_fold(x, labels[:, j], splits)
                                      for j, x in enumerate(inputs)])
            self.stackers_ = [self._stacker().fit(x, labels[:, j]) for j, x in enumerate(inputs)]
        self.thresholds_ = np.array([best_threshold(labels[:, j], scores[:, j], THRESHOLD_GRID)
                                     for j in range(labels.shape[1])])
        #: Out-of-fold F1 of each theme at its threshold (what the tuning saw).
        self.threshold_f1_ = np.array([f1_at(labels[:, j], scores[:, j], t)
                                       for j, t in enumerate(self.thresholds_)])
        self.model_ = base.fit(texts, labels)
        return self

    def _stacked_out_of_fold(self, inputs: np.ndarray, present: np.ndarray,
                             splits: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """The stacker's out-of-fold probabilities for one theme. A fold whose training part
        holds only one class (whole sub-documents held out can take every positive of a rare
        theme) scores its paragraphs with that class's share, as the base model does."""
        scores = np.zeros(len(present))
        for train, test in splits:
            if len(np.unique(present[train])) < 2:
                scores[test] = present[train].mean()
            else:
                scores[test] = self._stacker().fit(inputs[train], present[train]
                                                   ).predict_proba(inputs[test])[:, 1]
        return scores

    @staticmethod
    def _stacker() -> LogisticRegression:
        """Platt-style second level, fitted on out-of-fold scores without re-weighting the
        classes, so its probability is calibrated (a 0.8 means about 80% of such paragraphs
        have the theme); the decision threshold is tuned separately."""
        return LogisticRegression(C=1.0, solver="liblinear")

    def _stack_inputs(self, scores: np.ndarray, texts: Sequence[str]) -> list[np.ndarray]:
        counts = np.log1p(keyword_counts(texts, self.keywords or {}, self.themes))
        return [np.column_stack([scores[:, j], counts[:, j]]) for j in range(scores.shape[1])]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = simplified(texts)
        # load_model hands a loaded model its embedder; the blocks that read embeddings get it
        self.model_.set_params(**{f"features__{name}__embedder": self.embedder
                                  for name in EMBEDDING_FEATURES if name in self.features})
        scores = np.asarray(self.model_.predict_proba(texts))
        if not self.stackers_:
            return scores
        return np.column_stack([stacker.predict_proba(x)[:, 1] for stacker, x
                                in zip(self.stackers_, self._stack_inputs(scores, texts))])

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """0/1 per theme from predict_proba's output (the tuned per-theme thresholds)."""
        return (probabilities >= self.thresholds_).astype(int)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.decide(self.predict_proba(texts))

    def score_thresholds(self) -> np.ndarray:
        """Per-theme thresholds on predict_proba's scale (what ``decide`` compares with)."""
        return np.asarray(self.thresholds_, dtype=float)

    def __getstate__(self) -> dict[str, Any]:
        """The embedder is a run-time resource, never saved (load_model recreates it)."""
        return {**super().__getstate__(), "embedder": None}
