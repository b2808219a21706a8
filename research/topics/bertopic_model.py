"""BERTopic on precomputed paragraph embeddings, with our jieba tokenizer for topic words.

Pitfalls handled here: ``language="multilingual"`` (the English default strips Chinese), a
CountVectorizer with ``token_pattern=None`` around the shared tokenizer, fixed
``random_state`` for UMAP so a seed gives one result, UMAP's numba kernels cached on disk
(umap_cache.py), and HDBSCAN sizes that may be ``"auto"``: set from the number of paragraphs,
because HDBSCAN's defaults (min_samples = min_cluster_size) let the 581 seed paragraphs
collapse into one topic on 7 of 20 seeds (experiments/bertopic_stability.py).

At scale (``fit_sample``), UMAP and HDBSCAN are fitted on a seeded random sample and the other
paragraphs are assigned with BERTopic's ``transform`` (UMAP's transform, HDBSCAN's
``approximate_predict``), the route BERTopic's author suggests for corpora too large to fit
(MaartenGr/BERTopic discussion #822); topic words are then recomputed over every paragraph,
so both routes are scored alike.
``approximate_predict`` gives a fitted paragraph its own label back but calls unseen ones
outliers more often: on the seed corpus (TF-IDF+SVD embeddings, samples of 300 and 450 of 603,
seeds 1-2) 30-64% of the transformed paragraphs against 12-38% overall; the result's
``transformed_outlier_share`` shows it, and ``reduce_outliers`` assigns them.
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


def sample_indices(n: int, size: int | None, seed: int) -> np.ndarray | None:
    """The paragraphs a sample fit is fitted on: ``size`` of the ``n`` drawn without
    replacement by ``default_rng(seed)``, sorted (so the sample keeps corpus order); None when
    the corpus is no larger than ``size`` and every paragraph is fitted."""
    if size is None or n <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


@dataclass
class _Assigned:
    """A sample fit's assignments for the whole corpus, and how many of the transformed
    paragraphs ``transform`` left as outliers (before any outlier reduction)."""

    fit: _Fit
    transformed_outliers: int


def nearest_topic_embeddings(model: Any, assignments: list[int],
                             embeddings: np.ndarray) -> list[int]:
    """BERTopic's ``reduce_outliers(strategy="embeddings")``: each outlier (-1) joins the topic
    whose embedding is most cosine-similar (none above 0: stays -1).

    Done here because BERTopic refuses ("No outliers to reduce") when its fit left no outliers,
    though transformed paragraphs may still be outliers. Call it before any update_topics:
    after one, BERTopic keeps the outlier row in topic_embeddings_ but stops skipping it.
    """
    from sklearn.metrics.pairwise import cosine_similarity

    outliers = [i for i, a in enumerate(assignments) if a == -1]
    if not outliers:
        return list(assignments)
    offset = 1 if -1 in model.topic_sizes_ else 0  # topic_embeddings_ rows: -1 first if any
    similarity = cosine_similarity(embeddings[outliers], model.topic_embeddings_[offset:])
    similarity[similarity < 0] = 0
    reduced = list(assignments)
    for i, row in zip(outliers, similarity):
        reduced[i] = int(np.argmax(row)) if row.sum() > 0 else -1
    return reduced


def _assign_rest(fit: _Fit, texts: list[str], embeddings: np.ndarray, sample: np.ndarray,
                 vectorizer: Any, s: BERTopicModelConfig, top_n: int) -> _Assigned:
    """Complete a fit on ``sample`` (outliers not yet reduced): the other paragraphs get its
    topics from ``transform``, the sample keeps its own; then outliers are reduced over all
    paragraphs when ``reduce_outliers`` (per paragraph, so the sample's match a fit on the
    sample alone) and topic words are recomputed over all paragraphs."""
    rest = np.setdiff1d(np.arange(len(texts)), sample)
    predicted, _ = fit.model.transform([texts[i] for i in rest], embeddings=embeddings[rest])
    assignments = np.empty(len(texts), dtype=np.int64)
    assignments[sample] = fit.assignments
    assignments[rest] = predicted
    merged = [int(a) for a in assignments]
    transformed_outliers = int(np.count_nonzero(assignments[rest] == -1))
    if s.reduce_outliers:
        merged = nearest_topic_embeddings(fit.model, merged, embeddings)
    fit.model.update_topics(texts, topics=merged, vectorizer_model=vectorizer,
                            top_n_words=max(top_n, 10))
    return _Assigned(_Fit(fit.model, merged), transformed_outliers)


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
    -1 excluded) and assignments; ``params`` gains the sizes actually used.

    With more paragraphs than ``s.fit_sample``, UMAP and HDBSCAN fit a seeded sample and the
    rest are assigned by ``transform`` (:func:`_assign_rest`); ``extra`` then records
    ``fit_paragraphs`` and ``transformed_outlier_share`` (outliers among the transformed
    paragraphs before any reduction), while assignments, topic words and metrics cover all.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    from research.topics.consensus import consensus

    start = time.perf_counter()
    vectorizer = CountVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False,
                                 min_df=s.min_df)
    sample = sample_indices(len(texts), s.fit_sample, seed)
    fit_texts, fit_embeddings = ((texts, embeddings) if sample is None else
                                 ([texts[i] for i in sample], embeddings[sample]))
    sizes = resolve_sizes(s, len(fit_texts))  # HDBSCAN sees only the sample
    # a sample fit reduces outliers only once the rest are assigned (see _assign_rest)
    fit_settings = s if sample is None else s.model_copy(update={"reduce_outliers": False})
    fits = [_fit_once(fit_texts, fit_embeddings, vectorizer, fit_settings, sizes, member,
                      seed_topic_list, top_n)
            for member in member_seeds(seed, s.ensemble)]
    sampled: dict[str, float] = {}
    if sample is not None:  # the config allows a sample fit only with ensemble: 1
        assigned = _assign_rest(fits[0], texts, embeddings, sample, vectorizer, s, top_n)
        fits = [assigned.fit]
        sampled = {"fit_paragraphs": float(len(sample)),
                   "transformed_outlier_share": assigned.transformed_outliers
                   / (len(texts) - len(sample))}
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
    extra.update(sampled)  # only a sample fit: how many were fitted, outliers among the rest
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
