"""Topic models at scale: tomotopy's worker threads and BERTopic fitted on a sample.

Real fits on the seed corpus. tomotopy: one worker is exactly reproducible; with more, the
PARTITION scheme repeated its topics for a fixed seed and worker count on every run measured
(20 fits each, workers 2-4, seeds 1-3), though tomotopy only promises it for one worker.
BERTopic: ``fit_sample`` fits UMAP/HDBSCAN on a seeded sample and assigns the rest with
``transform``; the embeddings are TF-IDF+SVD (no model to load), UMAP to 10 dimensions.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml

from research.config import BERTopicModelConfig, LDAModelConfig, TopicsExperiment, validate
from research.corpus.tokenize import ChineseTokenizer
from research.errors import ConfigError
from research.topics.base import TopicResult
from research.topics.bertopic_model import (fit_bertopic, nearest_topic_embeddings,
                                            sample_indices)
from research.topics.embeddings import BACKENDS
from research.topics.lda import fit_lda
from tests.conftest import ROOT
from tests.topic_fits import QUICK_LDA, paragraphs, token_lists

SAMPLE = 300  # about half of the seed corpus: the rest (303 paragraphs) is transformed
BASE = BERTopicModelConfig(kind="bertopic", embedding={"backend": "tfidf-svd"},
                           n_components=10)


# --- configuration ------------------------------------------------------------------------

def quick_with(model: int, **changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "configs" / "quick.yaml").read_text(encoding="utf-8"))
    data["models"][model].update(changes)
    return data


def test_defaults_keep_one_worker_and_fit_on_all_paragraphs() -> None:
    experiment = validate(TopicsExperiment, quick_with(0), "q.yaml")
    assert experiment.models[0].workers == 1
    assert experiment.models[1].fit_sample is None


@pytest.mark.parametrize(("model", "changes", "key", "fragment"), [
    (0, {"engine": "gensim", "workers": 2}, "models[0].workers", "needs engine: tomotopy"),
    (0, {"workers": 0}, "models[0].workers", "greater than or equal to 1"),
    (1, {"fit_sample": 200, "ensemble": 3}, "models[1].fit_sample", "needs ensemble: 1"),
    (1, {"fit_sample": 12}, "models[1].fit_sample", "n_neighbors: 15 (needs at least 16"),
    (1, {"fit_sample": 30, "min_cluster_size": [5, 20]}, "models[1].fit_sample",
     "min_cluster_size: 20 (needs at least 40"),
])
def test_settings_that_cannot_work_name_their_key(model: int, changes: dict[str, Any],
                                                  key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate(TopicsExperiment, quick_with(model, **changes), "q.yaml")
    message = str(caught.value)
    assert message.startswith(f"q.yaml: key '{key}':") and fragment in message, message
    assert "\n" not in message and len(message) < 220


def test_gensim_with_one_worker_and_a_sample_fit_are_valid() -> None:
    experiment = validate(TopicsExperiment, quick_with(0, engine="gensim", workers=1), "q.yaml")
    assert experiment.models[0].engine == "gensim"
    experiment = validate(TopicsExperiment, quick_with(1, fit_sample=SAMPLE), "q.yaml")
    assert experiment.models[1].fit_sample == SAMPLE


def test_the_sample_is_seeded_sorted_and_without_repeats() -> None:
    first = sample_indices(603, SAMPLE, 1)
    assert first is not None and len(first) == SAMPLE == len(set(first.tolist()))
    assert np.all(np.diff(first) > 0) and first[0] >= 0 and first[-1] < 603
    assert np.array_equal(first, sample_indices(603, SAMPLE, 1))
    assert not np.array_equal(first, sample_indices(603, SAMPLE, 2))
    assert sample_indices(603, 603, 1) is None and sample_indices(603, None, 1) is None


# --- tomotopy workers ---------------------------------------------------------------------

@functools.cache
def lda(workers: int, repeat: int, seed: int = 1) -> TopicResult:
    """A fresh tomotopy fit (``repeat`` only keeps repeated fits apart in the cache)."""
    config = QUICK_LDA.model_copy(update={"workers": workers})
    return fit_lda("lda", token_lists(), config, seed, config.model_dump(mode="json"))


def same_fit(a: TopicResult, b: TopicResult) -> bool:
    return (np.array_equal(a.topic_word, b.topic_word) and a.assignments == b.assignments
            and [t.words for t in a.topics] == [t.words for t in b.topics])


def test_one_worker_repeats_its_topics_exactly() -> None:
    assert same_fit(lda(1, 0), lda(1, 1))


@pytest.mark.parametrize("seed", [1, 2])
def test_two_workers_repeat_for_a_fixed_seed_but_differ_from_one(seed: int) -> None:
    # As measured with tomotopy 0.14 (PARTITION); tomotopy warns that it does not promise
    # this. If it ever fails, the `workers` description in config.py must say so.
    two, again = lda(2, 0, seed), lda(2, 1, seed)
    assert same_fit(two, again)
    assert len(two.topics) == len(lda(1, 0, seed).topics) == QUICK_LDA.k
    assert not np.array_equal(two.topic_word, lda(1, 0, seed).topic_word)
    assert two.params["workers"] == 2


# --- BERTopic on a sample -----------------------------------------------------------------

@functools.cache
def texts_and_embeddings() -> tuple[list[str], np.ndarray]:
    texts = [p.text for p in paragraphs()]
    return texts, BACKENDS["tfidf-svd"](texts, None)


@functools.cache
def tokenizer() -> ChineseTokenizer:
    return ChineseTokenizer()


@functools.cache
def bertopic(fit_sample: int | None, reduce_outliers: bool = False, repeat: int = 0,
             only_sample: bool = False, seed: int = 1) -> TopicResult:
    """A BERTopic fit on the seed corpus; ``only_sample``: on the sample's paragraphs alone."""
    texts, embeddings = texts_and_embeddings()
    config = BASE.model_copy(update={"fit_sample": fit_sample,
                                     "reduce_outliers": reduce_outliers})
    if only_sample:
        index = sample_indices(len(texts), SAMPLE, seed)
        assert index is not None
        texts, embeddings = [texts[i] for i in index], embeddings[index]
    return fit_bertopic("bertopic", texts, embeddings, tokenizer(), config, seed,
                        config.model_dump(mode="json"))


@pytest.mark.slow
def test_a_sample_fit_gives_every_paragraph_a_topic_or_outlier() -> None:
    result = bertopic(SAMPLE)
    n = len(texts_and_embeddings()[0])
    assert len(result.assignments) == n
    ids = {t.id for t in result.topics}
    assert set(result.assignments) <= ids | {-1} and ids <= set(result.assignments)
    assert sum(t.size for t in result.topics) == n - result.assignments.count(-1)
    assert result.extra["fit_paragraphs"] == SAMPLE
    assert 0 <= result.extra["transformed_outlier_share"] <= 1
    assert result.extra["outlier_share"] == pytest.approx(result.assignments.count(-1) / n)
    # topic words from all paragraphs: one c-TF-IDF row and one prevalence per topic
    assert result.topic_word.shape[0] == len(result.topics)
    assert len(result.term_table["prevalence"]) == len(result.topics)
    assert all(t.words for t in result.topics)


@pytest.mark.slow
def test_sampled_paragraphs_keep_the_topics_the_sample_fit_gave_them() -> None:
    index = sample_indices(len(texts_and_embeddings()[0]), SAMPLE, 1)
    assert index is not None
    whole = bertopic(SAMPLE)
    assert [whole.assignments[i] for i in index] == bertopic(None, only_sample=True).assignments


@pytest.mark.slow
def test_the_same_seed_gives_the_same_sample_fit() -> None:
    first, second = bertopic(SAMPLE), bertopic(SAMPLE, repeat=1)
    assert first.assignments == second.assignments
    assert [t.words for t in first.topics] == [t.words for t in second.topics]


@pytest.mark.slow
def test_a_sample_larger_than_the_corpus_is_the_full_fit() -> None:
    full, sampled = bertopic(None), bertopic(len(texts_and_embeddings()[0]) + 1)
    assert sampled.assignments == full.assignments
    assert [(t.id, t.words, t.size) for t in sampled.topics] == [
        (t.id, t.words, t.size) for t in full.topics]
    assert "fit_paragraphs" not in sampled.extra and sampled.extra == full.extra


@pytest.mark.slow
def test_outlier_reduction_covers_the_transformed_paragraphs() -> None:
    # The sample's paragraphs are reduced as a fit on the sample alone reduces them (there by
    # BERTopic's reduce_outliers), the transformed ones by the same rule.
    index = sample_indices(len(texts_and_embeddings()[0]), SAMPLE, 1)
    assert index is not None
    reduced = bertopic(SAMPLE, reduce_outliers=True)
    assert reduced.extra["transformed_outlier_share"] > 0  # there was something to reduce
    assert -1 not in reduced.assignments
    alone = bertopic(None, reduce_outliers=True, only_sample=True)
    assert [reduced.assignments[i] for i in index] == alone.assignments


def test_outliers_join_the_nearest_topic_even_when_the_fit_had_none() -> None:
    # BERTopic's reduce_outliers refuses ("No outliers to reduce") when its fit left no
    # outliers, though transformed paragraphs can be; its topic_embeddings_ then has no -1 row.
    fit_without_outliers = SimpleNamespace(topic_sizes_={0: 5, 1: 4},
                                           topic_embeddings_=np.array([[1.0, 0.0], [0.0, 1.0]]))
    embeddings = np.array([[0.9, 0.1], [0.2, 0.8], [-1.0, -1.0], [0.1, 0.9]])
    assert nearest_topic_embeddings(fit_without_outliers, [-1, -1, -1, 0], embeddings) == [
        0, 1, -1, 0]  # the third resembles no topic; assigned paragraphs stay
    fit_with_outliers = SimpleNamespace(topic_sizes_={-1: 2, 0: 5, 1: 4},
                                        topic_embeddings_=np.array([[1.0, 1.0], [1.0, 0.0],
                                                                    [0.0, 1.0]]))
    assert nearest_topic_embeddings(fit_with_outliers, [-1, -1], embeddings[:2]) == [0, 1]


def test_the_shipped_configs_do_not_change_meaning() -> None:
    # Both options default to the behaviour before them, so shipped runs are unchanged.
    for path in (ROOT / "configs").glob("*.yaml"):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if data.get("kind") != "topics":
            continue
        for model in validate(TopicsExperiment, data, str(path)).models:
            if isinstance(model, LDAModelConfig):
                assert model.workers == 1
            else:
                assert model.fit_sample is None
