"""Settings that can only be checked once the corpus exists, checked before any fitting.

The schema bounds every number on its own (config.py); whether ``min_cluster_size: 700`` is
possible depends on how many paragraphs the corpus turned out to have. Failing here costs a
second; failing inside UMAP or HDBSCAN costs minutes and says nothing about the config key.
"""

from __future__ import annotations

from collections.abc import Sequence

from research.config import BERTopicModelConfig, LDAModelConfig
from research.errors import ConfigError
from research.registry import KINDS


def check_models_fit_corpus(models: Sequence[LDAModelConfig | BERTopicModelConfig],
                            paragraphs: int, source: str) -> None:
    """Raise one ConfigError naming the file and key of the first setting the corpus can't hold."""
    for index, model in enumerate(models):
        for key, value, largest in KINDS[model.kind].limits(model, paragraphs):
            if value > largest:
                raise ConfigError(
                    f"{source}: key 'models[{index}].{key}': {value} is too large for a corpus "
                    f"of {paragraphs} paragraphs (at most {max(largest, 0)})")


def check_vocabulary_left(tokens: Sequence[Sequence[str]], dropped: int, source: str) -> None:
    """Raise one ConfigError naming ``vocabulary`` when its pruning leaves the models nothing:
    no word in two paragraphs (BERTopic's min_df and LDA's min_count both need that)."""
    seen: set[str] = set()
    shared: set[str] = set()
    for paragraph in tokens:
        words = set(paragraph)
        shared |= words & seen
        seen |= words
    if shared:
        return
    if not dropped:
        raise ConfigError(f"{source}: key 'corpus': the corpus has no word that occurs in two "
                          "paragraphs, so there is nothing to model")
    raise ConfigError(f"{source}: key 'vocabulary': leaves no word that occurs in two "
                      f"paragraphs ({dropped} words left out); raise max_doc_share or drop "
                      "fewer part-of-speech tags")
