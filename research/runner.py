"""Experiment kinds: load a YAML into the right schema and dispatch it to its runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from research.classifier_config import ClassifierExperiment
from research.config import TopicsExperiment, read_yaml, validate
from research.errors import ConfigError
from research.run_folder.create import RunContext, RunFolder, check_run_target

KINDS: dict[str, type] = {"topics": TopicsExperiment, "classifier": ClassifierExperiment}


def load_experiment(path: Path) -> Any:
    """Validate a config against the schema its `kind` names."""
    data = read_yaml(Path(path))
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConfigError(f"{path}: key 'kind': expected one of {', '.join(KINDS)} "
                          f"(got {kind!r})")
    if kind == "classifier" and "install_to" in data:
        raise ConfigError(f"{path}: key 'install_to' is gone: a run keeps its model in its run "
                          "folder; make it the package default with `research model install "
                          "RUN_DIR`")
    experiment = validate(KINDS[kind], data, str(path))
    experiment._source = str(path)
    return experiment


def write_run_report(folder: RunFolder) -> None:
    """The last step inside a run folder: its report, under the name the folder will have.

    Written before the working folder is renamed into place, so a run that looks finished always
    has its report (run_folder stays free of the viz package; this is passed in as a callback).
    """
    from research.viz.report import write_report

    write_report(folder.work, shown_as=folder.final)


def _runner(experiment: Any) -> Callable[[Any, RunContext], Path]:
    """The runner of the experiment's kind (imported only when that kind runs)."""
    if isinstance(experiment, TopicsExperiment):
        from research.topics_run import run_topics

        return run_topics
    if isinstance(experiment, ClassifierExperiment):
        from research.classifier_run import run_classifier

        return run_classifier
    raise ConfigError(f"no runner for experiment kind {type(experiment).__name__}")


def run_experiment(experiment: Any, out_root: Path | None = None,
                   progress: Callable[[str], None] | None = None, bar: Any = None) -> Path:
    """Run it into a new run folder (report.html included) and return that folder.

    A bad output folder or run name fails here, before any work.
    """
    root = Path(out_root or experiment.output)
    check_run_target(root, experiment.name)
    context = RunContext(root, progress or (lambda _message: None), bar, write_run_report)
    return _runner(experiment)(experiment, context)
