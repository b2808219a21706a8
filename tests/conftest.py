"""Shared fixtures: the real seed reports, and the corpus built from them once per session."""

from __future__ import annotations

import os
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


# --- hypothesis profiles (tests/test_fuzz.py) ---------------------------------------------
# "ci": a handful of fixed (derandomized) examples per property, so the default run is short
# and the same on every CI run; "fuzz": many random ones, used
# when the mark expression selects fuzz tests (`pytest -m fuzz`) or when HYPOTHESIS_PROFILE
# names a profile. An explicit --hypothesis-profile always wins. Failing examples are kept in
# .cache/hypothesis (git-ignored) and replayed first on the next run.
try:
    from hypothesis import HealthCheck, settings
    from hypothesis.database import DirectoryBasedExampleDatabase
except ImportError:  # pragma: no cover - hypothesis comes with the [test] extra
    settings = None  # type: ignore[assignment]
else:
    _DATABASE = DirectoryBasedExampleDatabase(str(ROOT / ".cache" / "hypothesis"))
    _QUIET_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile("ci", max_examples=6, deadline=None, derandomize=True, database=None,
                              suppress_health_check=_QUIET_CHECKS, print_blob=True)
    settings.register_profile("fuzz", max_examples=200, deadline=None, database=_DATABASE,
                              suppress_health_check=_QUIET_CHECKS, print_blob=True)


def _selects_fuzz(markexpr: str) -> bool:
    """True when a -m expression asks for fuzz tests (`fuzz`, `fuzz and not slow`), not when
    it excludes them (`not fuzz`)."""
    words = markexpr.replace("(", " ").replace(")", " ").split()
    return any(word == "fuzz" and (i == 0 or words[i - 1] != "not")
               for i, word in enumerate(words))


def pytest_configure(config: pytest.Config) -> None:
    if settings is None or config.getoption("hypothesis_profile", None):
        return
    profile = os.environ.get("HYPOTHESIS_PROFILE")
    if not profile:
        profile = "fuzz" if _selects_fuzz(getattr(config.option, "markexpr", "") or "") else "ci"
    settings.load_profile(profile)
