"""Shared fixtures: the real seed reports, and the corpus built from them once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.config import CorpusConfig
from research.corpus.pipeline import Corpus, build_corpus_from_folder

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "raw"


def seed_file(prefix: str) -> Path:
    """The seed document whose name starts with ``prefix`` (e.g. '002')."""
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return build_corpus_from_folder(SEEDS, CorpusConfig())
