"""What a topic is: FREX words, the paragraphs most typical of it, and a short label.

Top words by probability are shared by many topics (学校, 建设 in issue 10); FREX (Bischof and
Airoldi 2012, as stm's ``labelTopics``/``calcfrex``) ranks words that are both frequent in the
topic and exclusive to it. It works on any topics x words weight matrix: LDA's p(w|t), or
BERTopic's c-TF-IDF. Representative paragraphs come from any paragraphs x topics score matrix:
LDA's θ, or similarity to a BERTopic topic's centroid (:func:`centroid_scores`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse, stats

LABEL_SEPARATOR = "·"


def _dense(matrix: object) -> np.ndarray:
    return np.asarray(matrix.toarray() if sparse.issparse(matrix) else matrix, dtype=float)


def _shrink(exclusivity: np.ndarray, word_counts: np.ndarray) -> np.ndarray:
    """stm's ``js.estimate`` for every word (column): James-Stein shrinkage of p(topic|word)
    towards uniform, strongest for rare words, so a word seen twice is not "exclusive"."""
    k = exclusivity.shape[0]
    counts = np.asarray(word_counts, dtype=float)
    uniform = 1.0 / k
    with np.errstate(divide="ignore", invalid="ignore"):
        ml_var = exclusivity * (1 - exclusivity) / (counts - 1)
        deviation = ((exclusivity - uniform) ** 2).sum(axis=0)
        lam = np.clip(ml_var.sum(axis=0) / deviation, 0, 1)
    lam = np.where(np.isnan(lam) | (counts <= 1), 1.0, lam)  # stm: no evidence -> uniform
    lam = np.where(deviation == 0, 0.0, lam)  # already uniform: unchanged
    return lam * uniform + (1 - lam) * exclusivity


def frex_scores(topic_word: object, frequency_weight: float = 0.5,
                word_counts: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """FREX of every word in every topic (topics x words), as stm's ``calcfrex``.

    Rows are normalized to distributions first (c-TF-IDF rows are not); exclusivity is a
    word's share of its weight across topics, James-Stein-shrunk when ``word_counts`` (corpus
    counts per word, as stm's labelTopics passes) are given. Within each topic both are turned
    into ranks scaled to (0, 1] (the empirical CDF) and combined by a weighted harmonic mean:
    1 / (w / frequency + (1 - w) / exclusivity), ``w`` = ``frequency_weight`` as in stm's code.
    """
    if not 0 <= frequency_weight <= 1:
        raise ValueError("frequency_weight must lie in [0, 1]")
    beta = _dense(topic_word)
    totals = beta.sum(axis=1, keepdims=True)
    beta = np.divide(beta, totals, out=np.zeros_like(beta), where=totals > 0)
    column = beta.sum(axis=0, keepdims=True)
    exclusivity = np.divide(beta, column, out=np.full_like(beta, 1.0 / len(beta)),
                            where=column > 0)
    if word_counts is not None:
        exclusivity = _shrink(exclusivity, np.asarray(word_counts, dtype=float))
    n_words = beta.shape[1]
    frequency = stats.rankdata(beta, axis=1) / n_words
    exclusive = stats.rankdata(exclusivity, axis=1) / n_words
    w = frequency_weight
    return 1.0 / (w / frequency + (1 - w) / exclusive)


def frex_words(topic_word: object, vocabulary: Sequence[str], n: int = 10,
               frequency_weight: float = 0.5,
               word_counts: Sequence[float] | np.ndarray | None = None,
               allowed: np.ndarray | None = None) -> list[list[str]]:
    """The ``n`` highest-FREX words of each topic, best first (ties: vocabulary order).
    ``allowed`` (topics x words, boolean): only these words may describe a topic."""
    scores = frex_scores(topic_word, frequency_weight, word_counts)
    if scores.shape[1] != len(vocabulary):
        raise ValueError("topic_word has one column per vocabulary word")
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    return [[vocabulary[i] for i in row] for row in order]


def _member_words(topic_ids: Sequence[int], vocabulary: Sequence[str],
                  documents: Sequence[Sequence[str]], assignments: Sequence[int]) -> np.ndarray:
    """Topics x words: whether a paragraph assigned to the topic uses the word (a topic with no
    paragraph of its own may use any word)."""
    column = {word: j for j, word in enumerate(vocabulary)}
    row = {topic: i for i, topic in enumerate(topic_ids)}
    allowed = np.zeros((len(topic_ids), len(vocabulary)), dtype=bool)
    for doc, topic in zip(documents, assignments):
        if topic in row:
            allowed[row[topic], [column[w] for w in doc if w in column]] = True
    allowed[~allowed.any(axis=1)] = True
    return allowed


def centroid_scores(embeddings: np.ndarray, assignments: Sequence[int],
                    n_topics: int) -> np.ndarray:
    """Cosine similarity of each paragraph to each topic's centroid (paragraphs x topics).

    For BERTopic, whose hard clusters give no θ: the most typical paragraph of a topic is the
    one nearest the mean embedding of its paragraphs. Empty topics score NaN.
    """
    vectors = np.asarray(embeddings, dtype=float)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = np.asarray(assignments)
    scores = np.full((len(vectors), n_topics), np.nan)
    for topic in range(n_topics):
        members = vectors[labels == topic]
        if len(members):
            centre = members.mean(axis=0)
            scores[:, topic] = vectors @ (centre / max(np.linalg.norm(centre), 1e-12))
    return scores


def representative(scores: np.ndarray, ids: Sequence[str], n: int = 3,
                   assignments: Sequence[int] | None = None) -> list[list[str]]:
    """For each topic (column), ``n`` paragraph ids, most typical (highest score) first.

    With ``assignments``, paragraphs assigned to the topic come first; others fill in only
    when the topic holds fewer than ``n`` (an LDA topic may hold none).
    """
    matrix = np.asarray(scores, dtype=float)
    if matrix.shape[0] != len(ids):
        raise ValueError("scores has one row per paragraph id")
    member = (np.asarray(assignments)[:, None] == np.arange(matrix.shape[1])[None, :]
              if assignments is not None else np.zeros(matrix.shape, dtype=bool))
    chosen = []
    for topic in range(matrix.shape[1]):
        column = np.nan_to_num(matrix[:, topic], nan=-np.inf)
        order = np.lexsort((-column, ~member[:, topic]))  # members first, then by score
        chosen.append([ids[i] for i in order[:n]])
    return chosen


def label(words: Sequence[str], n: int = 3) -> str:
    """A short name for a topic: its first ``n`` (FREX) words."""
    return LABEL_SEPARATOR.join(words[:n])


@dataclass(frozen=True)
class TopicDescription:
    """What topics.json and the report show for one topic."""

    id: int
    label: str
    frex: list[str]
    representative: list[str]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def describe_topics(topic_ids: Sequence[int], topic_word: object, vocabulary: Sequence[str],
                    scores: np.ndarray, paragraph_ids: Sequence[str], *,
                    assignments: Sequence[int] | None = None,
                    word_counts: Sequence[float] | np.ndarray | None = None,
                    n_words: int = 10, n_paragraphs: int = 3, label_words: int = 3,
                    frequency_weight: float = 0.5,
                    documents: Sequence[Sequence[str]] | None = None) -> list[TopicDescription]:
    """Label, FREX words and representative paragraphs of each topic of one fit.

    Row t of ``topic_word`` and column t of ``scores`` belong to ``topic_ids[t]`` (for
    BERTopic: drop the outlier row -1 first, and keep the assignments' topic ids). With
    ``documents`` (each paragraph's tokens) and ``assignments``, a topic is described only by
    words its own paragraphs use: LDA's p(w|t) can rank high a word none of them has.
    """
    weights, scores = _dense(topic_word), np.asarray(scores, dtype=float)
    if len(topic_ids) != weights.shape[0] or len(topic_ids) != scores.shape[1]:
        raise ValueError("one topic_word row and one scores column per topic id")
    allowed = (_member_words(topic_ids, vocabulary, documents, assignments)
               if documents is not None and assignments is not None else None)
    words = frex_words(weights, vocabulary, n_words, frequency_weight, word_counts, allowed)
    local = None
    if assignments is not None:
        position = {t: i for i, t in enumerate(topic_ids)}
        local = [position.get(a, -1) for a in assignments]
    typical = representative(scores, paragraph_ids, n_paragraphs, local)
    return [TopicDescription(int(t), label(w, label_words), w, r)
            for t, w, r in zip(topic_ids, words, typical)]
