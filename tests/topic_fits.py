"""Real fits on the seed corpus, made once per test process and shared by the test files of
diagnostics, verdict and topic descriptions (tokenizing and fitting cost seconds each)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from research.config import CorpusConfig, LDAModelConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.records import Paragraph
from research.corpus.tokenize import ChineseTokenizer
from research.topics.base import Topic, TopicResult
from research.topics.lda import fit_lda
from tests.conftest import SEEDS

#: The quick config's LDA: tomotopy, k = 10, 200 iterations.
QUICK_LDA = LDAModelConfig(kind="lda", engine="tomotopy", k=10, iterations=200)


@functools.cache
def paragraphs() -> tuple[Paragraph, ...]:
    return tuple(build_corpus_from_folder(SEEDS, CorpusConfig()).paragraphs)


@functools.cache
def tokens() -> tuple[tuple[str, ...], ...]:
    texts = [p.text for p in paragraphs()]
    return tuple(tuple(doc) for doc in ChineseTokenizer().tokenize_all(texts))


def token_lists() -> list[list[str]]:
    return [list(doc) for doc in tokens()]


@functools.cache
def lda_fit(seed: int, k: int = 10, name: str = "lda-tomotopy") -> TopicResult:
    """The package's own tomotopy LDA on the seed paragraphs, as a run fits it."""
    config = QUICK_LDA.model_copy(update={"k": k})
    return fit_lda(name, token_lists(), config, seed, config.model_dump(mode="json"))


def random_word_fit(seed: int, n_topics: int = 10, name: str = "random-words",
                    kind: str = "bertopic") -> TopicResult:
    """Topics of ten words drawn at random from the corpus vocabulary: a model of nothing."""
    vocabulary = sorted({w for doc in tokens() for w in doc})
    rng = np.random.default_rng(seed)
    topics = [Topic(t, [vocabulary[i] for i in rng.choice(len(vocabulary), 10, replace=False)],
                    [1.0] * 10, 0) for t in range(n_topics)]
    assignments = rng.integers(0, n_topics, len(tokens())).tolist()
    return TopicResult(name, kind, {}, seed, topics, assignments)


@dataclass
class TomotopyModel:
    """A tomotopy LDA with what topic descriptions need: p(w|t), θ, vocabulary, counts."""

    topic_word: np.ndarray
    theta: np.ndarray
    vocabulary: list[str]
    counts: np.ndarray
    assignments: list[int]
    top_words: list[list[str]]


def tomotopy_model(seed: int = 1, k: int = 10) -> TomotopyModel:
    """The package's own LDA fit (``lda_fit``) seen through the matrices it keeps."""
    fit = lda_fit(seed, k)
    return TomotopyModel(topic_word=fit.topic_word, theta=fit.doc_scores,
                         vocabulary=fit.vocabulary, counts=fit.word_counts,
                         assignments=fit.assignments, top_words=[t.words for t in fit.topics])
