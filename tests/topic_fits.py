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


@functools.cache
def tomotopy_model(seed: int = 1, k: int = 10) -> TomotopyModel:
    """Fitted as research.topics.lda.fit_tomotopy does, keeping the model's full matrices."""
    import tomotopy as tp

    model = tp.LDAModel(k=k, alpha=0.1, eta=0.01, min_cf=2, seed=seed, tw=tp.TermWeight.ONE)
    rows = []
    for i, doc in enumerate(tokens()):
        if doc:
            model.add_doc(list(doc))
            rows.append(i)
    model.train(200, workers=1, parallel=tp.ParallelScheme.NONE)
    theta = np.zeros((len(tokens()), k))
    for row, doc in zip(rows, model.docs):
        theta[row] = doc.get_topic_dist()
    assignments = [int(np.argmax(r)) if tokens()[i] else -1 for i, r in enumerate(theta)]
    return TomotopyModel(
        topic_word=np.array([model.get_topic_word_dist(t) for t in range(k)]),
        theta=theta, vocabulary=list(model.used_vocabs),
        counts=np.asarray(model.used_vocab_freq, dtype=float), assignments=assignments,
        top_words=[[w for w, _ in model.get_topic_words(t, top_n=10)] for t in range(k)])
