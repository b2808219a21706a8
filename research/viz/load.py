"""Read a run folder into plain Python data, so figures never need the fitted models.

Every file but manifest.json is optional: a classifier run has no topics, an old run may lack
the paragraph map, and a report should still show whatever is there.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from research.corpus.records import iter_jsonl

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
    comparison_md: str = ""
    cv_scores: dict[str, Any] | None = None
    codebook: list[dict[str, str]] = field(default_factory=list)

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
        """Best setting name per model kind by mean NPMI over seeds."""
        return best_settings(self.metrics)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return list(iter_jsonl(path))


def finite(value: Any) -> float | None:
    """A metric value as float, or None when missing / NaN (JSON may hold either)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) or math.isinf(value) else float(value)


def mean_metric(rows: list[dict[str, Any]], metric: str) -> float | None:
    values = [v for v in (finite(r.get(metric)) for r in rows) if v is not None]
    return statistics.mean(values) if values else None


def group_rows(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Metrics rows per setting name, in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["name"], []).append(row)
    return groups


def best_settings(rows: list[dict[str, Any]], metric: str = "npmi") -> dict[str, str]:
    """Per kind, the setting with the highest mean ``metric`` (first setting on ties/missing)."""
    best: dict[str, tuple[float, str]] = {}
    for name, group in group_rows(rows).items():
        kind = group[0]["kind"]
        value = mean_metric(group, metric)
        score = value if value is not None else -math.inf
        if kind not in best or score > best[kind][0]:
            best[kind] = (score, name)
    return {kind: name for kind, (_, name) in best.items()}


def resolve_input(path: str | Path | None, run_dir: Path) -> Path | None:
    """A path from the manifest config: absolute, or relative to cwd / repo root / the run."""
    if not path:
        return None
    path = Path(path)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, REPO_ROOT / path,
                                                    run_dir / path]
    return next((c for c in candidates if c.is_file()), None)


def load_codebook_themes(manifest: dict[str, Any], run_dir: Path) -> list[dict[str, str]]:
    """[{id, name}] from the run's codebook; empty when it cannot be found or read."""
    config = manifest.get("config") or {}
    path = resolve_input(config.get("themes") or "configs/themes.yaml", run_dir)
    if path is None:
        return []
    from research.themes.codebook import load_codebook

    try:
        return [{"id": t.id, "name": t.name} for t in load_codebook(path).themes]
    except Exception:  # a broken codebook should not stop a report; ids stand in for names
        return []


def read_assignments(path: Path) -> tuple[list[str], dict[str, list[int]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    ids = [r[0] for r in rows]
    columns = {name: [int(r[i]) if r[i] not in ("", None) else -1 for r in rows]
               for i, name in enumerate(header) if i >= 2}
    return ids, columns


def read_embedding_map(path: Path) -> dict[str, tuple[float, float]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: (float(row["x"]), float(row["y"])) for row in csv.DictReader(handle)}


def load_run(run_dir: Path) -> RunData:
    """Read every file of a run folder that exists; missing optional files stay empty."""
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{run_dir}: not a run folder (no manifest.json)")
    data = RunData(run_dir=run_dir, manifest=read_json(manifest_path))
    if (run_dir / "corpus.jsonl").is_file():
        data.corpus = read_jsonl(run_dir / "corpus.jsonl")
    if (run_dir / "topics.json").is_file():
        data.models = [TopicModelData(m["name"], m["kind"], m.get("params", {}), m["seed"],
                                      m["topics"])
                       for m in read_json(run_dir / "topics.json").get("models", [])]
    if (run_dir / "metrics.json").is_file():
        data.metrics = read_json(run_dir / "metrics.json").get("rows", [])
    if (run_dir / "assignments.csv").is_file():
        data.assignment_ids, data.assignments = read_assignments(run_dir / "assignments.csv")
    if (run_dir / "embedding_map.csv").is_file():
        data.embedding_map = read_embedding_map(run_dir / "embedding_map.csv")
    if (run_dir / "lda_terms.json").is_file():
        data.lda_terms = read_json(run_dir / "lda_terms.json").get("models", {})
    if (run_dir / "themes.jsonl").is_file():
        data.themes = read_jsonl(run_dir / "themes.jsonl")
    if (run_dir / "comparison.md").is_file():
        data.comparison_md = (run_dir / "comparison.md").read_text(encoding="utf-8")
    if (run_dir / "cv_scores.json").is_file():
        data.cv_scores = read_json(run_dir / "cv_scores.json")
    data.codebook = load_codebook_themes(data.manifest, run_dir)
    return data
