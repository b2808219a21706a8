"""Every shipped config runs, shrunk: one seed document, one random seed, few iterations.

The configs are specifications a researcher copies; a key the code stopped reading, or a model
kind that no longer fits, must fail here rather than in a two-hour run. Shrinking keeps each
config's models, embeddings and candidates, and only cuts sizes (lightning-hydra-template's
fast_dev_run idea).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from research.config import CorpusConfig, load_config
from research.runner import load_experiment, run_experiment
from tests.conftest import ROOT, seed_file

CONFIGS = ROOT / "configs"
EXPERIMENTS = sorted(p.name for p in CONFIGS.glob("*.yaml")
                     if yaml.safe_load(p.read_text(encoding="utf-8")).get("kind"))


def first(value: Any) -> Any:
    """The first point of a sweep (a scalar stays as it is)."""
    return value[0] if isinstance(value, list) else value


def shrink_model(model: dict[str, Any]) -> dict[str, Any]:
    model = {key: first(value) if key not in ("embedding",) else value
             for key, value in model.items()}
    if model["kind"] == "lda":
        model.update(k=min(int(model.get("k", 10)), 4), iterations=20, passes=2)
    else:
        model.update(min_cluster_size=5, n_neighbors=min(int(model.get("n_neighbors", 15)), 10))
    return model


def shrink(name: str, tmp_path: Path) -> Path:
    """The shipped config on one seed document, written to tmp_path: 002 (69 paragraphs) for
    topics; 003 (255) for the classifier, the smallest with every theme in every fold."""
    data = yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8"))
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(seed_file("002" if data["kind"] == "topics" else "003"), folder)
    data["corpus"] = {**data.get("corpus", {}), "folder": str(folder)}
    data["output"] = str(tmp_path / "results")
    for key in ("labels", "themes"):
        if data.get(key):
            data[key] = str(ROOT / data[key])
    if data.get("supplement"):
        data["supplement"] = [str(ROOT / path) for path in data["supplement"]]
    if data["kind"] == "topics":
        data["random_seeds"] = [1]
        data["models"] = [shrink_model(m) for m in data["models"]]
    else:
        # one document: document folds are impossible, sub-document folds choose
        data["cv"] = {**data.get("cv", {}), "folds": 2, "repeats": 1,
                      "select_by": "subdocument"}
        data["min_paragraphs_per_second"] = 0
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_shipped_experiment_runs_shrunk(tmp_path: Path, name: str) -> None:
    experiment = load_experiment(shrink(name, tmp_path))
    folder = run_experiment(experiment)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (folder / "report.html").stat().st_size > 10_000
    assert manifest["paragraphs" if manifest["kind"] == "topics" else "labeled_paragraphs"] > 0
    if experiment.kind == "topics":
        rows = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["rows"]
        names = {m.name for m in experiment.models}
        assert {row["name"].split("[")[0] for row in rows} == names  # every model was fitted
    else:
        scores = json.loads((folder / "cv_scores.json").read_text(encoding="utf-8"))
        assert set(scores["models"]) == {c.name for c in experiment.candidates}
        assert (folder / "model" / "model.skops").is_file()


def test_shipped_corpus_config_builds_the_seed_corpus() -> None:
    settings = load_config(CONFIGS / "corpus.yaml", CorpusConfig)
    from research.corpus.pipeline import build_corpus_from_folder

    corpus = build_corpus_from_folder(ROOT / settings.folder, settings)
    assert not corpus.errors and len(corpus.paragraphs) == 603


def test_a_classifier_config_on_too_few_examples_fails_with_one_line(tmp_path: Path) -> None:
    """Seed 002 has 3 equity paragraphs: not enough for 2 folds and the folds inside them."""
    from research.errors import InputError

    path = shrink("classifier.yaml", tmp_path)
    for report in (tmp_path / "reports").iterdir():
        report.unlink()
    shutil.copy(seed_file("002"), tmp_path / "reports")
    with pytest.raises(InputError, match="theme 'equity' has 3 positive example"):
        run_experiment(load_experiment(path))
    assert not (tmp_path / "results").exists()
