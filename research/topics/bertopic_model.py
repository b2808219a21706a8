"""BERTopic on precomputed paragraph embeddings, with our jieba tokenizer for topic words.

Pitfalls handled here: ``language="multilingual"`` (the English default strips Chinese), a
CountVectorizer with ``token_pattern=None`` around the shared tokenizer, and fixed
``random_state`` for UMAP so a seed gives one result.
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


def fit_bertopic(name: str, texts: list[str], embeddings: np.ndarray,
                 tokenizer: ChineseTokenizer, s: BERTopicModelConfig, seed: int,
                 params: dict[str, Any], seed_topic_list: list[list[str]] | None = None,
                 top_n: int = 10) -> TopicResult:
    """Fit BERTopic and return topics (outlier topic -1 excluded) and assignments."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    start = time.perf_counter()
    vectorizer = CountVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False,
                                 min_df=s.min_df)
    umap_model = UMAP(n_neighbors=s.n_neighbors, n_components=s.n_components,
                      min_dist=s.min_dist, metric="cosine", random_state=seed)
    hdbscan_model = HDBSCAN(min_cluster_size=s.min_cluster_size, min_samples=s.min_samples,
                            metric="euclidean", cluster_selection_method="eom",
                            prediction_data=True)
    model = BERTopic(language="multilingual", embedding_model=None, umap_model=umap_model,
                     hdbscan_model=hdbscan_model, vectorizer_model=vectorizer,
                     top_n_words=max(top_n, 10), nr_topics=None,
                     seed_topic_list=seed_topic_list or None, calculate_probabilities=False,
                     verbose=False)
    # BERTopic's constructor sets its logger to WARNING, and update_topics warns on every call.
    logging.getLogger("BERTopic").setLevel(logging.ERROR)
    assignments, _ = model.fit_transform(texts, embeddings=embeddings)
    if s.reduce_outliers and -1 in assignments:
        assignments = model.reduce_outliers(texts, assignments, strategy="embeddings",
                                            embeddings=embeddings)
        model.update_topics(texts, topics=assignments, vectorizer_model=vectorizer,
                            top_n_words=max(top_n, 10))
    elapsed = time.perf_counter() - start
    assignments = [int(a) for a in assignments]
    topics = []
    for topic_id in sorted(t for t in set(assignments) if t >= 0):
        pairs = [(w, float(v)) for w, v in (model.get_topic(topic_id) or []) if w][:top_n]
        topics.append(Topic(topic_id, [w for w, _ in pairs], [v for _, v in pairs],
                            assignments.count(topic_id)))
    outliers = assignments.count(-1) / max(len(assignments), 1)
    return TopicResult(name, "bertopic", params, seed, topics, assignments, elapsed,
                       {"outlier_share": outliers})


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
