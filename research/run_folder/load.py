"""A whole run folder as plain Python data, so figures never need the fitted models.

Every file but manifest.json is optional: a classifier run has no topics, an old run may lack
the paragraph map, a file may be damaged, and a report should still show whatever is there and
say what it could not read (``RunData.problems``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from research.errors import InputError
from research.metrics.summary import best_settings
from research.run_folder import layout
from research.run_folder.layout import Manifest, expected_files
from research.run_folder.read import (read_assignments, read_cv_scores, read_embedding_map,
                                      read_json, read_lda_terms, read_manifest,
                                      read_metric_rows, read_prevalence, read_rows,
                                      read_topic_models, read_verdict)


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
        return layout.fit_column(self.name, self.seed)


@dataclass
class RunData:
    """Everything a report can show about one run, as plain lists and dicts."""

    run_dir: Path
    manifest: Manifest
    corpus: list[dict[str, Any]] = field(default_factory=list)
    models: list[TopicModelData] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    assignments: dict[str, list[int]] = field(default_factory=dict)
    assignment_ids: list[str] = field(default_factory=list)
    embedding_map: dict[str, tuple[float, float]] | None = None
    lda_terms: dict[str, Any] = field(default_factory=dict)
    themes: list[dict[str, Any]] = field(default_factory=list)
    cv_scores: dict[str, Any] | None = None
    verdict: list[dict[str, Any]] = field(default_factory=list)
    #: metadata column → rows of prevalence_<column>.csv (every fit), for prevalence_by runs
    prevalence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: the same tables without reused text (prevalence_<column>-without-reused.csv), when asked
    prevalence_without_reused: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
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
        return self.manifest.kind

    @property
    def name(self) -> str:
        return self.manifest.name or self.run_dir.parent.name

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
        """The model of a setting at ``seed`` (default: its first unflagged seed, else its
        first seed)."""
        flagged = {(r.get("name"), r.get("seed")) for r in self.metrics if r.get("flags")}
        matches = [m for m in self.models if m.name == name and (seed is None or m.seed == seed)]
        healthy = [m for m in matches if (m.name, m.seed) not in flagged]
        return (healthy or matches or [None])[0]

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
                f"{layout.leaves_out(name)}"
                for name, reason in self.problems.items()]


def load_codebook_themes(run_dir: Path) -> list[dict[str, str]]:
    """[{id, name}] from the codebook saved in the run; empty when it is missing or unreadable
    (ids then stand in for names)."""
    from research.themes.codebook import Codebook

    try:
        codebook = Codebook.model_validate(read_json(run_dir / layout.CODEBOOK))
    except (InputError, ValidationError):
        return []
    return [{"id": t.id, "name": t.name} for t in codebook.themes]


def _topics(data: RunData, path: Path) -> None:
    data.models = [TopicModelData(m["name"], m["kind"], m.get("params") or {}, m["seed"],
                                  m["topics"]) for m in read_topic_models(path)]


def _assignments(data: RunData, path: Path) -> None:
    data.assignment_ids, data.assignments = read_assignments(path)


LOADERS: dict[str, Callable[[RunData, Path], None]] = {
    layout.CORPUS: lambda d, p: setattr(d, "corpus", read_rows(p)),
    layout.TOPICS: _topics,
    layout.METRICS: lambda d, p: setattr(d, "metrics", read_metric_rows(p)),
    layout.ASSIGNMENTS: _assignments,
    layout.EMBEDDING_MAP: lambda d, p: setattr(d, "embedding_map", read_embedding_map(p)),
    layout.LDA_TERMS: lambda d, p: setattr(d, "lda_terms", read_lda_terms(p)),
    layout.THEMES: lambda d, p: setattr(d, "themes", read_rows(p)),
    layout.CV_SCORES: lambda d, p: setattr(d, "cv_scores", read_cv_scores(p)),
    layout.VERDICT: lambda d, p: setattr(d, "verdict", read_verdict(p)),
}


def load_run(run_dir: Path) -> RunData:
    """Read every file of a run folder that exists and can be read.

    Only manifest.json must be readable (else an InputError naming it). Any other file that is
    missing where this kind of run writes it, or unreadable, is recorded in ``problems``, and
    the report draws what the rest allows.
    """
    run_dir = Path(run_dir)
    manifest_path = run_dir / layout.MANIFEST
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
    variants = [(False, data.prevalence)]
    if layout.without_reused(data.manifest.config):
        variants.append((True, data.prevalence_without_reused))
    for column in layout.prevalence_columns(data.manifest.config):
        for reused_left_out, tables in variants:
            name = layout.prevalence_file(column, reused_left_out)
            if not (run_dir / name).is_file():
                data.problems[name] = "missing"
                continue
            try:
                tables[column] = read_prevalence(run_dir / name, column)
            except InputError as exc:
                data.problems[name] = f"unreadable: {exc.reason}"
    data.codebook = load_codebook_themes(run_dir)
    return data
