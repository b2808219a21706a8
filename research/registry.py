"""Topic-model kinds by their short config key: one entry says how to build each kind.

The validated config at one sweep point *is* the settings (no parallel settings classes);
adding a kind means a schema in config.py (added to ``TopicModelConfig``), a model module in
``research/topics/`` and one entry here. Heavy libraries load only when a model is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from research.config import BERTopicModelConfig, LDAModelConfig

ModelConfig = LDAModelConfig | BERTopicModelConfig


@dataclass(frozen=True)
class BuildContext:
    """What a builder may need beyond the model's own config."""

    tokenizer: Any
    codebook_path: Path
    top_n: int


@dataclass(frozen=True)
class ModelKind:
    """How one kind is built, what it sweeps on the x axis, and how it is titled."""

    title: str
    sweep_param: str
    needs_embeddings: bool
    build: Callable[[str, ModelConfig, dict[str, Any], BuildContext], Any]
    #: (key, value, largest value a corpus of n paragraphs allows) for size-bound settings
    limits: Callable[[Any, int], list[tuple[str, Any, int]]]


def _values(setting: Any) -> list[Any]:
    """A swept setting's numeric values (a scalar is a sweep of one; "auto" has none: it is
    fitted to the corpus, see research/topics/bertopic_model.py)."""
    return [v for v in (setting if isinstance(setting, list) else [setting]) if v != "auto"]


def lda_limits(config: LDAModelConfig, n: int) -> list[tuple[str, Any, int]]:
    return [("k", k, n) for k in _values(config.k)]


def bertopic_limits(config: BERTopicModelConfig, n: int) -> list[tuple[str, Any, int]]:
    limits = [("min_cluster_size", v, n // 2) for v in _values(config.min_cluster_size)]
    limits += [("n_neighbors", v, n - 1) for v in _values(config.n_neighbors)]
    limits += [("n_components", v, n - 2) for v in _values(config.n_components)]
    limits.append(("min_df", config.min_df, n))
    limits += [("min_samples", v, n - 1) for v in _values(config.min_samples) if v is not None]
    return limits


def seed_words(codebook_path: Path, k: int, tokenizer: Any) -> dict[int, list[str]]:
    """Codebook keywords per theme, theme i seeding topic i (only as many themes as topics)."""
    from research.themes.codebook import load_codebook

    themes = load_codebook(codebook_path).themes[:k]
    return {i: [w for w in t.keywords if tokenizer.keep(w)] for i, t in enumerate(themes)}


def build_lda(name: str, config: ModelConfig, params: dict[str, Any],
              context: BuildContext) -> Any:
    from research.topics.lda import LDATopicModel

    assert isinstance(config, LDAModelConfig)
    words = (seed_words(context.codebook_path, int(config.k), context.tokenizer)
             if config.seeded else {})
    return LDATopicModel(name, config, params, words, context.top_n)


def build_bertopic(name: str, config: ModelConfig, params: dict[str, Any],
                   context: BuildContext) -> Any:
    from research.topics.bertopic_model import BERTopicTopicModel

    assert isinstance(config, BERTopicModelConfig)
    guided = ([w for w in seed_words(context.codebook_path, 99, context.tokenizer).values() if w]
              if config.guided else [])
    return BERTopicTopicModel(name, config, params, context.tokenizer, guided, context.top_n)


KINDS: dict[str, ModelKind] = {
    "lda": ModelKind("LDA", "k", False, build_lda, lda_limits),
    "bertopic": ModelKind("BERTopic", "min_cluster_size", True, build_bertopic,
                          bertopic_limits),
}


def kind_title(kind: str) -> str:
    return KINDS[kind].title if kind in KINDS else kind


def sweep_param(kind: str) -> str:
    return KINDS[kind].sweep_param if kind in KINDS else "k"
