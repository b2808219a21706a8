"""Read a run folder into plain Python data, so figures never need the fitted models.

Every file but manifest.json is optional: a classifier run has no topics, an old run may lack
the paragraph map, a file may be damaged, and a report should still show whatever is there and
say what it could not read (``RunData.problems``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from research.errors import InputError
from research.runs import CODEBOOK_FILE
from research.viz.readers import (read_assignments, read_cv_scores, read_embedding_map,
                                  read_json, read_lda_terms, read_manifest, read_metric_rows,
                                  read_rows, read_topic_models)

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class TopicModelData:
    """One fitted model from topics.json: a setting (name) at one seed."""

    name: str
    kind: str
    params: dict[str, Any]
    seed: int
    topics: list[dict[str, Any]]

    @property
    def column(self) -> str:
        """Its column name in assignments.csv."""
        return f"{self.name}@{self.seed}"


@dataclass
class RunData:
    """Everything a report can show about one run, as plain lists and dicts."""

    run_dir: Path
    manifest: dict[str, Any]
    corpus: list[dict[str, Any]] = field(default_factory=list)
    models: list[TopicModelData] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    assignments: dict[str, list[int]] = field(default_factory=dict)
    assignment_ids: list[str] = field(default_factory=list)
    embedding_map: dict[str, tuple[float, float]] | None = None
    lda_terms: dict[str, Any] = field(default_factory=dict)
    themes: list[dict[str, Any]] = field(default_factory=list)
    cv_scores: dict[str, Any] | None = None
    codebook: list[dict[str, str]] = field(default_factory=list)
    #: file name → "missing" or "unreadable: <reason>", for the note on the page
    problems: dict[str, str] = field(default_factory=dict)
    #: the folder the run will have when the report is drawn in its working folder
    shown_dir: Path | None = None

    @property
    def folder(self) -> Path:
        """The run folder as the reader will find it."""
        return self.shown_dir or self.run_dir

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", "topics"))

    @property
    def name(self) -> str:
        config = self.manifest.get("config") or {}
        return str(config.get("name") or self.run_dir.parent.name)

    def theme_names(self) -> dict[str, str]:
        """Theme id → Chinese name (the id itself where the codebook is unavailable)."""
        names = {t["id"]: t["name"] for t in self.codebook}
        for row in self.themes:
            for label in row.get("labels", []):
                names.setdefault(label, label)
        return names

    def theme_order(self) -> list[str]:
        """Codebook order first, then any ids only the data mention."""
        return list(self.theme_names())

    def model(self, name: str, seed: int | None = None) -> TopicModelData | None:
        """The model of a setting at ``seed`` (default: the first seed stored)."""
        for m in self.models:
            if m.name == name and (seed is None or m.seed == seed):
                return m
        return None

    def best_settings(self) -> dict[str, str]:
        """Best setting name per model kind by mean NPMI over seeds.

        Without metrics, the first setting of each kind in topics.json, so the per-model
        figures are still drawn.
        """
        if self.metrics:
            return best_settings(self.metrics)
        first: dict[str, str] = {}
        for m in self.models:
            first.setdefault(m.kind, m.name)
        return first

    def problem_lines(self) -> list[str]:
        """One line per missing or unreadable file: its path, the reason, what is left out."""
        return [f"{self.run_dir / name}: {reason}; the report leaves out "
                f"{LEAVES_OUT.get(name, 'what it holds')}"
                for name, reason in self.problems.items()]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return read_rows(path)


def finite(value: Any) -> float | None:
    """A metric value as float, or None when missing / NaN (JSON may hold either)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) or math.isinf(value) else float(value)


def metric_frame(rows: list[dict[str, Any]], metrics: list[str]) -> pd.DataFrame:
    """Metrics rows as a table: name, kind and each of ``metrics`` as a float column (NaN where
    a row lacks the metric or holds no finite number)."""
    frame = pd.DataFrame({"name": [r["name"] for r in rows], "kind": [r["kind"] for r in rows]})
    for metric in metrics:
        frame[metric] = pd.Series([finite(r.get(metric)) for r in rows], dtype=float)
    return frame


def setting_summary(rows: list[dict[str, Any]], metrics: list[str]) -> pd.DataFrame:
    """One row per setting (index: its name, in first-seen order): its kind, ``seeds`` (the
    number of metrics rows, one per seed) and per metric ``(metric, "mean")`` and
    ``(metric, "sd")`` over the seeds (sd: sample standard deviation, NaN with one value)."""
    grouped = metric_frame(rows, metrics).groupby("name", sort=False)
    summary = grouped[metrics].agg(["mean", "std"]).rename(columns={"std": "sd"}, level=1)
    summary.insert(0, ("seeds", ""), grouped.size())
    summary.insert(0, ("kind", ""), grouped["kind"].first())
    return summary


def mean_metric(rows: list[dict[str, Any]], metric: str) -> float | None:
    """Mean of ``metric`` over rows, leaving out missing and non-finite values (None if none)."""
    value = metric_frame(rows, [metric])[metric].mean()
    return None if pd.isna(value) else float(value)


def group_rows(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Metrics rows per setting name, in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["name"], []).append(row)
    return groups


def best_settings(rows: list[dict[str, Any]], metric: str = "npmi") -> dict[str, str]:
    """Per kind, the setting with the highest mean ``metric`` (first setting on ties/missing)."""
    if not rows:
        return {}
    summary = setting_summary(rows, [metric])
    score = summary[(metric, "mean")].fillna(-math.inf)
    best = score.groupby(summary[("kind", "")], sort=False).idxmax()  # first of equal maxima
    return {str(kind): str(name) for kind, name in best.items()}


def resolve_input(path: str | Path | None, run_dir: Path) -> Path | None:
    """A path from the manifest config: absolute, or relative to cwd / repo root / the run."""
    if not path:
        return None
    path = Path(path)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, REPO_ROOT / path,
                                                    run_dir / path]
    return next((c for c in candidates if c.is_file()), None)


def load_codebook_themes(manifest: dict[str, Any], run_dir: Path) -> list[dict[str, str]]:
    """[{id, name}] from the codebook saved in the run (runs made before it was saved: the
    config's codebook file, if still there); empty when it cannot be read."""
    from research.themes.codebook import Codebook, load_codebook

    saved = run_dir / CODEBOOK_FILE
    try:
        if saved.is_file():
            codebook = Codebook.model_validate(read_json(saved))
        else:
            config = manifest.get("config") or {}
            path = resolve_input(config.get("themes") or "configs/themes.yaml", run_dir)
            if path is None:
                return []
            codebook = load_codebook(path)
    except Exception:  # a broken codebook should not stop a report; ids stand in for names
        return []
    return [{"id": t.id, "name": t.name} for t in codebook.themes]


#: What the report cannot show without each file (said on the page when one is missing).
LEAVES_OUT = {
    "corpus.jsonl": "corpus counts, theme shares per document and paragraph texts",
    "topics.json": "every per-model figure and the LDA × BERTopic overlap",
    "metrics.json": "the comparison across settings; per-model figures show the first setting "
                    "of each model kind instead of the best by NPMI",
    "assignments.csv": "the paragraph map and topics × themes",
    "embedding_map.csv": "the BERTopic paragraph map",
    "lda_terms.json": "the LDA term relevance figure",
    "themes.jsonl": "theme shares and topics × themes",
    "cv_scores.json": "the classifier's cross-validation scores",
}


def _topics(data: RunData, path: Path) -> None:
    data.models = [TopicModelData(m["name"], m["kind"], m.get("params") or {}, m["seed"],
                                  m["topics"]) for m in read_topic_models(path)]


def _assignments(data: RunData, path: Path) -> None:
    data.assignment_ids, data.assignments = read_assignments(path)


LOADERS: dict[str, Callable[[RunData, Path], None]] = {
    "corpus.jsonl": lambda d, p: setattr(d, "corpus", read_rows(p)),
    "topics.json": _topics,
    "metrics.json": lambda d, p: setattr(d, "metrics", read_metric_rows(p)),
    "assignments.csv": _assignments,
    "embedding_map.csv": lambda d, p: setattr(d, "embedding_map", read_embedding_map(p)),
    "lda_terms.json": lambda d, p: setattr(d, "lda_terms", read_lda_terms(p)),
    "themes.jsonl": lambda d, p: setattr(d, "themes", read_rows(p)),
    "cv_scores.json": lambda d, p: setattr(d, "cv_scores", read_cv_scores(p)),
}


def expected_files(manifest: dict[str, Any]) -> set[str]:
    """The files a finished run of this kind and config writes (and the report reads)."""
    config = manifest.get("config") or {}
    if manifest.get("kind") == "classifier":
        return {"corpus.jsonl", "themes.jsonl", "cv_scores.json"}
    models = config.get("models") if isinstance(config.get("models"), list) else []
    kinds = {m.get("kind") for m in models if isinstance(m, dict)}
    files = {"corpus.jsonl", "topics.json", "metrics.json", "assignments.csv"}
    files |= {"lda_terms.json"} if "lda" in kinds else set()
    files |= {"embedding_map.csv"} if "bertopic" in kinds else set()
    return files | ({"themes.jsonl"} if config.get("labels") else set())


def load_run(run_dir: Path) -> RunData:
    """Read every file of a run folder that exists and can be read.

    Only manifest.json must be readable (else an InputError naming it). Any other file that is
    missing where this kind of run writes it, or unreadable, is recorded in ``problems``, and
    the report draws what the rest allows.
    """
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InputError(run_dir, "not a run folder (no manifest.json)")
    data = RunData(run_dir=run_dir, manifest=read_manifest(manifest_path))
    expected = expected_files(data.manifest)
    for name, load in LOADERS.items():
        path = run_dir / name
        if not path.is_file():
            if name in expected:
                data.problems[name] = "missing"
            continue
        try:
            load(data, path)
        except InputError as exc:
            data.problems[name] = f"unreadable: {exc.reason}"
    data.codebook = load_codebook_themes(data.manifest, run_dir)
    return data
