"""Multi-label theme classifier: keyword, TF-IDF and embedding signals, one logistic model each theme.

Follows scikit-learn's conventions (settings in ``__init__``, learning in ``fit``, learned
attributes end in ``_``), so ``clone`` and cross-validation work on it. ``fit`` also tunes one
decision threshold per theme on out-of-fold predictions of its own training data, so thresholds
never see the data they are evaluated on.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from research.config import TokenizeConfig
from research.corpus.tokenize import ChineseTokenizer

FEATURES = ("words", "chars", "keywords", "keyword_terms", "embeddings")
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


_JOINED: dict[str, str] = {}


def _joined(tokenizer: ChineseTokenizer, text: str) -> str:
    """Space-joined tokens, remembered: cross-validation tokenizes each paragraph once."""
    if text not in _JOINED:
        if len(_JOINED) > 4096:  # enough for cross-validation; bounded for classify
            _JOINED.clear()
        _JOINED[text] = " ".join(tokenizer(text))
    return _JOINED[text]


def keyword_counts(texts: Sequence[str], keywords: dict[str, list[str]],
                   themes: Sequence[str]) -> np.ndarray:
    """Occurrences of each theme's codebook keywords in each text (paragraphs × themes)."""
    return np.array([[sum(text.count(w) for w in keywords.get(t, [])) for t in themes]
                     for text in texts], dtype=np.float64)


def best_threshold(y_true: np.ndarray, scores: np.ndarray, grid: np.ndarray) -> float:
    """Threshold with the highest F1; ties go to the one nearest the middle of the grid."""
    middle = float(np.median(grid))
    best, best_f1 = middle, -1.0
    for threshold in grid:
        predicted = scores >= threshold
        tp = float(np.sum(predicted & (y_true == 1)))
        denominator = float(predicted.sum() + y_true.sum())
        f1 = 2 * tp / denominator if denominator else 0.0
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12
                                    and abs(threshold - middle) < abs(best - middle)):
            best, best_f1 = float(threshold), f1
    return best


def inner_splits(labels: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray,
                                                                           np.ndarray]]:
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    splitter = MultilabelStratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


class KeywordBaseline(BaseEstimator, ClassifierMixin):
    """A theme is present when its codebook keywords occur at least t times (t tuned in fit)."""

    def __init__(self, themes: Sequence[str] = (), keywords: dict[str, list[str]] | None = None
                 ) -> None:
        self.themes = themes
        self.keywords = keywords

    def fit(self, texts: Sequence[str], labels: np.ndarray) -> "KeywordBaseline":
        counts = keyword_counts(texts, self.keywords or {}, self.themes)
        grid = np.arange(1, 6)
        self.thresholds_ = np.array([best_threshold(labels[:, j], counts[:, j], grid)
                                     for j in range(len(self.themes))])
        return self

    def decision_scores(self, texts: Sequence[str]) -> np.ndarray:
        return keyword_counts(texts, self.keywords or {}, self.themes)

    def _as_probability(self, counts: np.ndarray) -> np.ndarray:
        return 1 - np.exp(-counts / np.maximum(self.thresholds_, 1))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._as_probability(self.decision_scores(texts))

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """0/1 per theme from predict_proba's output: count >= threshold, on the same scale."""
        return (probabilities >= self._as_probability(self.thresholds_)).astype(int)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.decide(self.predict_proba(texts))


class ThemeClassifier(BaseEstimator, ClassifierMixin):
    """Logistic regression per theme over any mix of words, chars, keywords, embeddings."""

    def __init__(self, themes: Sequence[str] = (), keywords: dict[str, list[str]] | None = None,
                 features: Sequence[str] = ("words", "chars", "keywords"), C: float = 8.0,
                 keyword_weight: float = 1.0, inner_folds: int = 3, random_state: int = 0,
                 max_char_features: int = 30000, embedder: object | None = None,
                 stack_keywords: bool = True) -> None:
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

    # -- features ---------------------------------------------------------------------------
    def _tokenizer(self) -> ChineseTokenizer:
        if not hasattr(self, "_tok"):
            self._tok = ChineseTokenizer(TokenizeConfig(use_iso_stopwords=True))
        return self._tok

    def _fit_vectorizers(self, texts: Sequence[str]) -> None:
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; expected {FEATURES}")
        self.word_vectorizer_ = self.char_vectorizer_ = None
        if "words" in self.features:
            self.word_vectorizer_ = TfidfVectorizer(token_pattern=r"[^ ]+", lowercase=False,
                                                    sublinear_tf=True, min_df=1)
            self.word_vectorizer_.fit(self._joined_tokens(texts))
        if "chars" in self.features:
            self.char_vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(2, 3),
                                                    sublinear_tf=True, min_df=2,
                                                    max_features=self.max_char_features)
            self.char_vectorizer_.fit(texts)
        for vectorizer in (self.word_vectorizer_, self.char_vectorizer_):
            if vectorizer is not None and hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_  # only a record of pruned terms; large when saved

    def _joined_tokens(self, texts: Sequence[str]) -> list[str]:
        return [_joined(self._tokenizer(), text) for text in texts]

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        blocks = []
        if self.word_vectorizer_ is not None:
            blocks.append(self.word_vectorizer_.transform(self._joined_tokens(texts)))
        if self.char_vectorizer_ is not None:
            blocks.append(self.char_vectorizer_.transform(texts))
        if "keywords" in self.features:
            counts = keyword_counts(texts, self.keywords or {}, self.themes)
            blocks.append(sparse.csr_matrix(np.log1p(counts) * self.keyword_weight))
        if "keyword_terms" in self.features:
            terms = sorted({w for words in (self.keywords or {}).values() for w in words})
            counts = np.array([[text.count(w) for w in terms] for text in texts], dtype=float)
            blocks.append(sparse.csr_matrix(np.log1p(counts) * self.keyword_weight))
        if "embeddings" in self.features:
            if self.embedder is None:
                raise ValueError("the 'embeddings' feature needs an embedder")
            blocks.append(sparse.csr_matrix(self.embedder(list(texts))))  # type: ignore[operator]
        return sparse.hstack(blocks).tocsr()

    # -- learning ---------------------------------------------------------------------------
    def _model(self) -> OneVsRestClassifier:
        return OneVsRestClassifier(LogisticRegression(C=self.C, class_weight="balanced",
                                                      max_iter=2000, solver="liblinear"))

    def _fit_core(self, texts: Sequence[str], labels: np.ndarray) -> None:
        self._fit_vectorizers(texts)
        self.model_ = self._model().fit(self.transform(texts), labels)

    def fit(self, texts: Sequence[str], labels: np.ndarray) -> "ThemeClassifier":
        texts = list(texts)
        labels = np.asarray(labels)
        splits = inner_splits(labels, self.inner_folds, self.random_state)
        out_of_fold = np.zeros(labels.shape, dtype=float)
        for train, test in splits:
            inner = clone(self)
            inner._fit_core([texts[i] for i in train], labels[train])
            out_of_fold[test] = inner._base_proba([texts[i] for i in test])
        self.stackers_ = None
        if self.stack_keywords:
            # Second level, per theme: base probability + keyword count -> probability. Its own
            # out-of-fold predictions (same splits) are what the thresholds are tuned on.
            meta = self._meta_features(out_of_fold, texts)
            stacked = np.zeros(labels.shape, dtype=float)
            for train, test in splits:
                for j in range(labels.shape[1]):
                    model = self._stacker().fit(meta[j][train], labels[train, j])
                    stacked[test, j] = model.predict_proba(meta[j][test])[:, 1]
            self.stackers_ = [self._stacker().fit(meta[j], labels[:, j])
                              for j in range(labels.shape[1])]
            out_of_fold = stacked
        self.thresholds_ = np.array([best_threshold(labels[:, j], out_of_fold[:, j],
                                                    THRESHOLD_GRID)
                                     for j in range(labels.shape[1])])
        self._fit_core(texts, labels)
        return self

    @staticmethod
    def _stacker() -> LogisticRegression:
        return LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")

    def _meta_features(self, base: np.ndarray, texts: Sequence[str]) -> list[np.ndarray]:
        counts = np.log1p(keyword_counts(texts, self.keywords or {}, self.themes))
        return [np.column_stack([base[:, j], counts[:, j]]) for j in range(base.shape[1])]

    def _base_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(self.transform(list(texts))))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        base = self._base_proba(texts)
        if not self.stackers_:
            return base
        meta = self._meta_features(base, texts)
        return np.column_stack([m.predict_proba(meta[j])[:, 1]
                                for j, m in enumerate(self.stackers_)])

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """0/1 per theme from predict_proba's output (the tuned per-theme thresholds)."""
        return (probabilities >= self.thresholds_).astype(int)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.decide(self.predict_proba(texts))

    # -- persistence ------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, object]:
        """Vocabularies travel as arrays of terms: a dict of 10k entries loads 10x slower."""
        state = dict(super().__getstate__())
        state.pop("_tok", None)
        for key in ("word_vectorizer_", "char_vectorizer_"):
            vectorizer = state.get(key)
            if vectorizer is not None and isinstance(vectorizer.__dict__.get("vocabulary_"),
                                                     dict):
                vectorizer = copy.copy(vectorizer)
                vocabulary = vectorizer.vocabulary_
                terms = sorted(vocabulary, key=vocabulary.__getitem__)
                vectorizer.vocabulary_ = np.array(terms, dtype=str)
                state[key] = vectorizer
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        super().__setstate__(state)
        for key in ("word_vectorizer_", "char_vectorizer_"):
            vectorizer = self.__dict__.get(key)
            if vectorizer is not None and isinstance(vectorizer.vocabulary_, np.ndarray):
                vectorizer.vocabulary_ = {str(t): i for i, t in enumerate(vectorizer.vocabulary_)}
