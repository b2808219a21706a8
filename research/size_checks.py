"""Settings that can only be checked once the corpus exists, checked before any fitting.

The schema bounds every number on its own (config.py); whether ``min_cluster_size: 700`` is
possible depends on how many paragraphs the corpus turned out to have. Failing here costs a
second; failing inside UMAP or HDBSCAN costs minutes and says nothing about the config key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from research.config import BERTopicModelConfig, LDAModelConfig
from research.errors import ConfigError


def _values(setting: Any) -> list[Any]:
    """A swept setting's values (a scalar is a sweep of one)."""
    return list(setting) if isinstance(setting, list) else [setting]


def _limits(model: LDAModelConfig | BERTopicModelConfig, n: int) -> list[tuple[str, Any, int]]:
    """(key, value, largest allowed value) for every size-bound setting of one model."""
    if isinstance(model, LDAModelConfig):
        return [("k", k, n) for k in _values(model.k)]
    limits = [("min_cluster_size", v, n // 2) for v in _values(model.min_cluster_size)]
    limits += [("n_neighbors", v, n - 1) for v in _values(model.n_neighbors)]
    limits += [("n_components", v, n - 2) for v in _values(model.n_components)]
    limits.append(("min_df", model.min_df, n))
    if model.min_samples is not None:
        limits.append(("min_samples", model.min_samples, n - 1))
    return limits


def check_models_fit_corpus(models: Sequence[LDAModelConfig | BERTopicModelConfig],
                            paragraphs: int, source: str) -> None:
    """Raise one ConfigError naming the file and key of the first setting the corpus can't hold."""
    for index, model in enumerate(models):
        for key, value, largest in _limits(model, paragraphs):
            if value > largest:
                raise ConfigError(
                    f"{source}: key 'models[{index}].{key}': {value} is too large for a corpus "
                    f"of {paragraphs} paragraphs (at most {max(largest, 0)})")
