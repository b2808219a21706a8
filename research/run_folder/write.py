"""Writing the files of a run folder (names and shapes from ``layout``; ``read`` reads them back).

Writers get plain data and a working folder; they never fit or score anything, so what a run
saves and what the report reads are decided in one package.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from research.corpus.records import dump_jsonl, json_values, write_paragraphs
from research.run_folder import layout
from research.run_folder.layout import Manifest
from research.topics.base import TopicResult

#: Metrics-row keys that are nested data, kept out of metrics.csv (metrics.json has them).
NESTED_METRIC_KEYS = ("params", "theme_topics", "swept")


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n",
                    encoding="utf-8")


def write_manifest(work: Path, manifest: Manifest) -> None:
    write_json(work / layout.MANIFEST, manifest.model_dump(mode="json"))


def write_codebook(work: Path, codebook: Any) -> None:
    """The codebook the run used (a ``themes.codebook.Codebook``), for its report."""
    write_json(work / layout.CODEBOOK, codebook.model_dump(mode="json"))


def write_corpus(work: Path, paragraphs: Sequence[Any]) -> None:
    write_paragraphs(list(paragraphs), work / layout.CORPUS)


def write_themes(work: Path, rows: Iterable[tuple[str, list[str]]], source: str) -> None:
    """themes.jsonl: one (paragraph id, theme ids) per row; ``source`` is "hand" or
    "predicted"."""
    (work / layout.THEMES).write_text(dump_jsonl(
        {"id": pid, "labels": labels, "source": source} for pid, labels in rows),
        encoding="utf-8")


def write_topics(work: Path, results: Sequence[TopicResult]) -> None:
    write_json(work / layout.TOPICS, {"models": [r.topics_dict() for r in results]})


def write_metrics(work: Path, rows: list[dict[str, Any]]) -> None:
    """metrics.json (every key) and metrics.csv (the flat ones, params as text)."""
    write_json(work / layout.METRICS, {"rows": rows})
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns and c not in NESTED_METRIC_KEYS]
    with (work / layout.METRICS_CSV).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns + ["params"], extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "params": str(row.get("params", {}))})


def write_assignments(work: Path, ids: Sequence[str], docs: Sequence[str],
                      results: Sequence[TopicResult],
                      metadata: Sequence[dict[str, Any]] | None = None) -> None:
    """assignments.csv: id, doc, then each fit's topic per paragraph (column ``name@seed``),
    then the paragraph's document metadata, one column each (empty where a report has no
    value; dates as YYYY-MM-DD). Metadata names never hold '@' (corpus.metadata.FIT_MARK)."""
    metadata = metadata or [{} for _ in ids]
    columns = list(dict.fromkeys(name for values in metadata for name in values))
    with (work / layout.ASSIGNMENTS).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "doc"] + [layout.fit_column(r.name, r.seed) for r in results]
                        + columns)
        for i, (pid, doc, values) in enumerate(zip(ids, docs, metadata)):
            values = json_values(values)
            writer.writerow([pid, doc] + [r.assignments[i] for r in results]
                            + ["" if values.get(c) is None else values[c] for c in columns])


def write_prevalence(work: Path, column: str, table: Any, without_reused: bool = False) -> None:
    """prevalence_<column>.csv (or …-without-reused.csv): a topic_prevalence.topic_prevalence
    table (a DataFrame)."""
    table.to_csv(work / layout.prevalence_file(column, without_reused), index=False)


def write_embedding_map(work: Path, ids: Sequence[str], coords: Any) -> None:
    """embedding_map.csv: each paragraph's 2-D position for the paragraph map."""
    with (work / layout.EMBEDDING_MAP).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "x", "y"])
        for pid, (x, y) in zip(ids, coords):
            writer.writerow([pid, round(float(x), 5), round(float(y), 5)])


def write_text(work: Path, name: str, text: str) -> None:
    """A text file of the run (comparison.md)."""
    (work / name).write_text(text, encoding="utf-8")
