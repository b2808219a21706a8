"""BERTopic on precomputed paragraph embeddings, with our jieba tokenizer for topic words.

Pitfalls handled here: ``language="multilingual"`` (the English default strips Chinese), a
CountVectorizer with ``token_pattern=None`` around the shared tokenizer, fixed
``random_state`` for UMAP so a seed gives one result, UMAP's numba kernels cached on disk
(umap_cache.py), and HDBSCAN sizes that may be ``"auto"``: set from the number of paragraphs,
because HDBSCAN's defaults (min_samples = min_cluster_size) let the 581 seed paragraphs
collapse into one topic on 7 of 20 seeds (experiments/bertopic_stability.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from research.config import BERTopicModelConfig
from research.corpus.tokenize import ChineseTokenizer
from research.topics.base import Topic, TopicResult


@dataclass(frozen=True)
class ConsensusTopic(Topic):
    """A topic of an ensemble, with the share of its fits in which it appears."""

    stability: float = 0.0


@dataclass(frozen=True)
class Sizes:
    """The HDBSCAN sizes one fit uses, with every ``"auto"`` resolved."""

    min_cluster_size: int
    min_samples: int | None
    max_cluster_size: int  # 0: no cap


def auto_min_cluster_size(n: int) -> int:
    """3% of the paragraphs (18 of the 596 seed paragraphs), at least 5 and at most 100.

    On the seed corpus 3% gave 11-14 topics over 20 seeds with NPMI -0.029, against 14-19
    topics and -0.057 at 2%; from 4% on, one seed in 20 left more than 20% as outliers.
    """
    return max(5, min(100, round(0.03 * n)))


def auto_min_samples(min_cluster_size: int) -> int:
    """A tenth of min_cluster_size, at least 2 (2 for the seed corpus).

    HDBSCAN's default (equal to min_cluster_size) smooths density so much that excess of mass
    picked one cluster of 519 of 581 paragraphs on 7 of 20 seeds and left 19-32% as outliers;
    2 kept outliers at or under 19% on every seed (experiments/bertopic_stability.py).
    """
    return max(2, round(min_cluster_size / 10))


def resolve_sizes(s: BERTopicModelConfig, n: int) -> Sizes:
    """The sizes for a corpus of ``n`` paragraphs (each bounded so the corpus can hold it)."""
    size = auto_min_cluster_size(n) if s.min_cluster_size == "auto" else int(s.min_cluster_size)
    size = max(2, min(size, n // 2))
    samples = auto_min_samples(size) if s.min_samples == "auto" else s.min_samples
    cap = 0 if s.max_topic_share is None else max(size, int(s.max_topic_share * n))
    return Sizes(size, None if samples is None else max(1, min(int(samples), n - 1)), cap)


def member_seeds(seed: int, count: int) -> list[int]:
    """The seeds of an ensemble's fits: ``seed`` itself, then fixed offsets from it."""
    return [seed + 7919 * i for i in range(count)]


@dataclass
class _Fit:
    model: Any
    assignments: list[int]


def _fit_once(texts: list[str], embeddings: np.ndarray, vectorizer: Any,
              s: BERTopicModelConfig, sizes: Sizes, seed: int,
              seed_topic_list: list[list[str]] | None, top_n: int) -> _Fit:
    from hdbscan import HDBSCAN

    from research.topics.bertopic_import import bertopic_class
    from research.topics.umap_cache import umap_class

    umap_model = umap_class()(n_neighbors=s.n_neighbors, n_components=s.n_components,
                              min_dist=s.min_dist, metric="cosine", random_state=seed)
    hdbscan_model = HDBSCAN(min_cluster_size=sizes.min_cluster_size,
                            min_samples=sizes.min_samples, metric="euclidean",
                            cluster_selection_method=s.cluster_selection_method,
                            max_cluster_size=sizes.max_cluster_size, prediction_data=True)
    model = bertopic_class()(
        language="multilingual", embedding_model=None, umap_model=umap_model,
        hdbscan_model=hdbscan_model, vectorizer_model=vectorizer, top_n_words=max(top_n, 10),
        nr_topics=None, seed_topic_list=seed_topic_list or None, calculate_probabilities=False,
        verbose=False)
    # BERTopic's constructor sets its logger to WARNING, and update_topics warns on every call.
    logging.getLogger("BERTopic").setLevel(logging.ERROR)
    assignments, _ = model.fit_transform(texts, embeddings=embeddings)
    assignments = [int(a) for a in assignments]
    if s.reduce_outliers and -1 in assignments:
        reduced = model.reduce_outliers(texts, assignments, strategy="embeddings",
                                        embeddings=embeddings)
        assignments = [int(a) for a in reduced]
        model.update_topics(texts, topics=assignments, vectorizer_model=vectorizer,
                            top_n_words=max(top_n, 10))
    return _Fit(model, assignments)


def fit_bertopic(name: str, texts: list[str], embeddings: np.ndarray,
                 tokenizer: ChineseTokenizer, s: BERTopicModelConfig, seed: int,
                 params: dict[str, Any], seed_topic_list: list[list[str]] | None = None,
                 top_n: int = 10) -> TopicResult:
    """Fit BERTopic (or an ensemble of ``s.ensemble`` fits) and return topics (outlier topic
    -1 excluded) and assignments; ``params`` gains the sizes actually used."""
    from sklearn.feature_extraction.text import CountVectorizer

    from research.topics.consensus import consensus

    start = time.perf_counter()
    vectorizer = CountVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False,
                                 min_df=s.min_df)
    sizes = resolve_sizes(s, len(texts))
    fits = [_fit_once(texts, embeddings, vectorizer, s, sizes, member, seed_topic_list, top_n)
            for member in member_seeds(seed, s.ensemble)]
    model, assignments = fits[0].model, fits[0].assignments
    stability: list[float] = []
    if s.ensemble > 1:
        agreed = consensus([f.assignments for f in fits], sizes.min_cluster_size)
        assignments, stability = agreed.assignments, agreed.stability
        if any(a >= 0 for a in assignments):
            model.update_topics(texts, topics=assignments, vectorizer_model=vectorizer,
                                top_n_words=max(top_n, 10))
    elapsed = time.perf_counter() - start
    topics: list[Topic] = []
    for topic_id in sorted(t for t in set(assignments) if t >= 0):
        pairs = [(w, float(v)) for w, v in (model.get_topic(topic_id) or []) if w][:top_n]
        words, weights, size = [w for w, _ in pairs], [v for _, v in pairs], assignments.count(
            topic_id)
        topics.append(ConsensusTopic(topic_id, words, weights, size, stability[topic_id])
                      if stability else Topic(topic_id, words, weights, size))
    extra = {"outlier_share": assignments.count(-1) / max(len(assignments), 1)}
    if stability:
        extra["consensus_stability"] = float(np.mean(stability))
    auto = [k for k in ("min_cluster_size", "min_samples") if params.get(k) == "auto"]
    if auto:  # the numbers used, so figures can place the setting; "auto" lists which
        params = {**params, **{k: getattr(sizes, k) for k in auto}, "auto": auto}
    return TopicResult(name, "bertopic", params, seed, topics, assignments, elapsed, extra,
                       term_table=term_table(model, topics, len(assignments)),
                       topic_word=topic_word_rows(model, [t.id for t in topics]),
                       vocabulary=[str(w) for w in
                                   model.vectorizer_model.get_feature_names_out()])


def term_table(model: Any, topics: list[Topic], n_paragraphs: int, n_terms: int = 30
               ) -> dict[str, Any]:
    """The relevance view's input, as LDA's: per topic its top terms with the c-TF-IDF row
    scaled to sum to 1 (standing in for p(w|t)), and each topic's share of the paragraphs."""
    if not topics:
        return {}
    rows = topic_word_rows(model, [t.id for t in topics])
    rows = np.asarray(rows.todense() if hasattr(rows, "todense") else rows, dtype=float)
    vocabulary = model.vectorizer_model.get_feature_names_out()
    terms = {}
    for topic, row in zip(topics, rows):
        total = row.sum() or 1.0
        top = np.argsort(-row, kind="stable")[:n_terms]
        terms[str(topic.id)] = [[str(vocabulary[i]), round(float(row[i] / total), 6)]
                                for i in top if row[i] > 0]
    return {"terms": terms,
            "prevalence": [round(t.size / max(n_paragraphs, 1), 6) for t in topics]}


def topic_word_rows(model: Any, topic_ids: list[int]) -> Any:
    """Rows of BERTopic's c-TF-IDF matrix for ``topic_ids`` (its rows follow the sorted topic
    ids, the outlier topic -1 first when present)."""
    order = sorted(set(model.topics_))
    return model.c_tf_idf_[[order.index(t) for t in topic_ids]]


@dataclass
class BERTopicTopicModel:
    """BERTopic behind the :class:`~research.topics.base.TopicModel` interface.

    ``config`` is the validated model config at one sweep point; embeddings come with ``fit``.
    """

    name: str
    config: BERTopicModelConfig
    params: dict[str, Any]
    tokenizer: ChineseTokenizer
    seed_topic_list: list[list[str]] = field(default_factory=list)
    top_n: int = 10

    def fit(self, texts: list[str], tokens: list[list[str]], seed: int,
            embeddings: np.ndarray | None = None) -> TopicResult:
        if embeddings is None:
            raise ValueError("BERTopic needs the paragraphs' embeddings")
        return fit_bertopic(self.name, texts, embeddings, self.tokenizer, self.config, seed,
                            self.params, self.seed_topic_list, self.top_n)
