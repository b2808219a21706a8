"""Experiment kinds: load a YAML into the right schema and dispatch it to its runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from research.config import ClassifierExperiment, TopicsExperiment, read_yaml, validate
from research.errors import ConfigError

KINDS: dict[str, type] = {"topics": TopicsExperiment, "classifier": ClassifierExperiment}


def load_experiment(path: Path) -> Any:
    """Validate a config against the schema its `kind` names."""
    data = read_yaml(Path(path))
    kind = data.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{path}: key 'kind': expected one of {', '.join(KINDS)} "
                          f"(got {kind!r})")
    return validate(KINDS[kind], data, str(path))


def run_experiment(experiment: Any, out_root: Path | None = None,
                   progress: Callable[[str], None] | None = None, bar: Any = None) -> Path:
    if isinstance(experiment, TopicsExperiment):
        from research.topic_experiment import run_topics

        return run_topics(experiment, out_root, progress, bar)
    if isinstance(experiment, ClassifierExperiment):
        from research.theme_experiment import run_classifier

        return run_classifier(experiment, out_root, progress, bar)
    raise ConfigError(f"no runner for experiment kind {type(experiment).__name__}")
