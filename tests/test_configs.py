"""Every shipped config loads and validates, and the corpus config spells out the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.config import CorpusConfig, load_config
from research.runner import load_experiment
from research.themes.codebook import load_codebook
from tests.conftest import ROOT

EXPERIMENTS = sorted(p for p in (ROOT / "configs").glob("*.yaml")
                     if p.name not in ("themes.yaml", "corpus.yaml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_experiment_configs_validate(path: Path) -> None:
    experiment = load_experiment(path)
    assert experiment.name and experiment.corpus.folder == Path("seeds/raw")


def test_shipped_experiments_cover_both_kinds() -> None:
    kinds = {load_experiment(p).kind for p in EXPERIMENTS}
    assert kinds == {"topics", "classifier"}
    full = load_experiment(ROOT / "configs/full.yaml")
    assert len(full.random_seeds) >= 3
    assert any(isinstance(m.k, list) for m in full.models if m.kind == "lda")
    assert any(isinstance(m.min_cluster_size, list) for m in full.models
               if m.kind == "bertopic")


def test_corpus_config_matches_the_defaults() -> None:
    assert load_config(ROOT / "configs/corpus.yaml", CorpusConfig) == CorpusConfig()


def test_codebook_config_loads() -> None:
    assert load_codebook(ROOT / "configs/themes.yaml").core == ["funding", "staffing",
                                                                "facilities", "equity"]
