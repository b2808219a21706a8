"""BERTopic's default settings hold across seeds on the seed corpus (issue 10, item 6).

Real UMAP + HDBSCAN fits on the 581 seed paragraphs. With HDBSCAN's defaults (min_cluster_size
10, min_samples = min_cluster_size) the quick config's seeds gave 19-26% outliers, and seed 8
put 519 of 581 paragraphs into one topic (experiments/bertopic_stability.py).
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from research.config import BERTopicModelConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.tokenize import ChineseTokenizer
from research.errors import ConfigError
from research.runner import load_experiment
from research.topics.base import TopicResult
from research.topics.bertopic_model import fit_bertopic
from research.topics.embeddings import embed
from research.topics.umap_cache import KERNELS, enable_umap_cache
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@dataclass
class Quick:
    """The quick config's BERTopic model, seeds and corpus, with cached embeddings."""

    model: BERTopicModelConfig
    seeds: list[int]
    texts: list[str]
    embeddings: Any
    tokenizer: ChineseTokenizer

    def fit(self, seed: int, model: BERTopicModelConfig | None = None) -> TopicResult:
        model = model or self.model
        params = model.model_dump(mode="json", exclude={"kind", "name", "embedding"})
        return fit_bertopic("bertopic", self.texts, self.embeddings, self.tokenizer, model,
                            seed, params)


@pytest.fixture(scope="module")
def quick() -> Quick:
    experiment = load_experiment(ROOT / "configs" / "quick.yaml")
    model = next(m for m in experiment.models if m.kind == "bertopic")
    corpus = build_corpus_from_folder(ROOT / experiment.corpus.folder, experiment.corpus)
    texts = [p.text for p in corpus.paragraphs]
    embeddings, _ = embed(texts, model.embedding.backend, model.embedding.model,
                          model.embedding.cache_dir or ROOT / ".cache" / "embeddings")
    return Quick(model, experiment.random_seeds, texts, embeddings,
                 ChineseTokenizer(experiment.corpus.tokenize))


def shape(result: TopicResult) -> tuple[int, float, float]:
    """Topic count, largest-topic share and outlier share of one fit."""
    n = len(result.assignments)
    return (len(result.topics), max(t.size for t in result.topics) / n,
            result.assignments.count(-1) / n)


def test_quick_config_topic_count_varies_at_most_20_percent_with_few_outliers(
        quick: Quick) -> None:
    assert len(quick.seeds) >= 3
    shapes = [shape(quick.fit(seed)) for seed in quick.seeds]
    counts = [count for count, _, _ in shapes]
    assert statistics.stdev(counts) / statistics.mean(counts) <= 0.2, shapes
    assert all(outliers <= 0.2 for _, _, outliers in shapes), shapes
    assert all(largest <= 0.5 for _, largest, _ in shapes), shapes
    assert min(counts) >= 8, shapes


def test_seed_that_collapsed_hdbscan_defaults_keeps_its_topics(quick: Quick) -> None:
    result = quick.fit(8)
    count, largest, outliers = shape(result)
    assert count >= 8 and largest <= 0.5 and outliers <= 0.2, (count, largest, outliers)
    # the sizes used, for the corpus of 603 paragraphs, replace "auto" in the saved settings
    assert result.params["min_cluster_size"] == 18 and result.params["min_samples"] == 2
    assert result.params["auto"] == ["min_cluster_size", "min_samples"]


def test_ensemble_gives_consensus_topics_with_their_stability(quick: Quick) -> None:
    ensemble = quick.model.model_copy(update={"ensemble": 5})  # as in configs/full.yaml
    result = quick.fit(quick.seeds[0], ensemble)
    assert len(result.topics) >= 8
    assert result.assignments.count(-1) / len(result.assignments) <= 0.2
    stability = [t.stability for t in result.topics]  # type: ignore[attr-defined]
    assert all(0 < s <= 1 for s in stability) and max(stability) == 1.0
    assert result.extra["consensus_stability"] == pytest.approx(statistics.mean(stability))
    assert [t.size for t in result.topics] == sorted((t.size for t in result.topics),
                                                      reverse=True)
    for topic in result.topics:
        assert len(topic.words) == 10 and topic.size == result.assignments.count(topic.id)


def test_umap_kernels_are_saved_in_numbas_disk_cache(quick: Quick) -> None:
    quick.fit(quick.seeds[0])
    enabled = enable_umap_cache()
    assert enabled == [f"{m}.{k}" for m, names in KERNELS.items() for k in names]
    for name in enabled:
        module, kernel = name.rsplit(".", 1)
        dispatcher = getattr(importlib.import_module(module), kernel)
        assert type(dispatcher._cache).__name__ == "FunctionCache", name
        index = f"*.{dispatcher.py_func.__name__}-*.nbi"
        assert list(Path(dispatcher._cache.cache_path).glob(index)), name


def test_bertopic_loads_without_torch_and_leaves_it_importable() -> None:
    code = ("import importlib.util, sys\n"
            "from research.topics.bertopic_import import OPTIONAL, bertopic_class\n"
            "model = bertopic_class()\n"
            "print(model.__name__, [m for m in OPTIONAL if m in sys.modules],\n"
            "      all(importlib.util.find_spec(m) for m in OPTIONAL))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.split() == ["BERTopic", "[]", "True"], done.stdout + done.stderr


@pytest.mark.parametrize("value, message", [
    ("big", "key 'models[0].min_cluster_size': input should be a number or 'auto' (got 'big')"),
    ("2.5", "key 'models[0].min_cluster_size': input should be a number or 'auto' (got 2.5)"),
    ("1", "key 'models[0].min_cluster_size': input should be greater than or equal to 2"),
])
def test_a_size_that_is_neither_a_number_nor_auto_is_named(tmp_path: Path, value: str,
                                                           message: str) -> None:
    config = tmp_path / "exp.yaml"
    config.write_text("kind: topics\nname: t\nmodels:\n  - kind: bertopic\n"
                      f"    min_cluster_size: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_experiment(config)
    assert message in str(caught.value)
