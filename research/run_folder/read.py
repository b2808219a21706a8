"""Reading each file of a run folder, checking its shape as it is read (``write`` writes them).

A run folder can be damaged by hand edits, a full disk or a copy cut short. Every error here is
an :class:`InputError` naming the file and the place in it (line, column, ``models[3]``), so the
person at the terminal knows which file to fix, and figures never meet a half-formed row.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from research.config import describe_validation_error
from research.corpus.records import iter_jsonl
from research.errors import InputError
from research.run_folder.layout import PREVALENCE_COLUMNS, Manifest, is_fit_column


def read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None


def read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON (line {exc.lineno}, column {exc.colno})") from None


def as_object(path: Path, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(path, f"{where} is not an object")
    return value


def as_list(path: Path, value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(path, f"{where} is not a list")
    return value


def require(path: Path, row: Any, where: str, **types: type | tuple[type, ...]) -> dict[str, Any]:
    """``row`` is an object holding each key of ``types`` with a value of that type."""
    row = as_object(path, row, where)
    for key, kind in types.items():
        if key not in row:
            raise InputError(path, f"missing key {key!r} in {where}")
        if not isinstance(row[key], kind) or isinstance(row[key], bool):
            raise InputError(path, f"{where}.{key} has the wrong type "
                                   f"({type(row[key]).__name__})")
    return row


def read_object(path: Path) -> dict[str, Any]:
    """A JSON file whose top level must be an object (manifest, cv_scores, lda_terms …)."""
    return as_object(path, read_json(path), "the top level")


def read_manifest(path: Path) -> Manifest:
    """manifest.json checked against the typed :class:`Manifest` (one line naming the key)."""
    try:
        return Manifest.model_validate(read_object(path))
    except ValidationError as exc:
        raise InputError(path, describe_validation_error(exc, "manifest")) from None


def read_topic_models(path: Path) -> list[dict[str, Any]]:
    """topics.json: models[i] with name, kind, seed and topics[j] that have an id and words."""
    models = as_list(path, read_object(path).get("models", []), "'models'")
    for i, model in enumerate(models):
        require(path, model, f"models[{i}]", name=str, kind=str, seed=int, topics=list)
        if model.get("params") is not None:
            as_object(path, model["params"], f"models[{i}].params")
        for j, topic in enumerate(model["topics"]):
            require(path, topic, f"models[{i}].topics[{j}]", id=int, words=list)
    return models


def read_entries(path: Path, key: str, **types: type) -> list[dict[str, Any]]:
    """A JSON object whose ``key`` holds a list of objects, each with ``types``' keys."""
    entries = as_list(path, read_object(path).get(key, []), f"'{key}'")
    for i, entry in enumerate(entries):
        require(path, entry, f"{key}[{i}]", **types)
    return entries


def read_metric_rows(path: Path) -> list[dict[str, Any]]:
    """metrics.json: one row per fit, each naming its setting and model kind."""
    return read_entries(path, "rows", name=str, kind=str)


def read_lda_terms(path: Path) -> dict[str, Any]:
    models = as_object(path, read_object(path).get("models", {}), "'models'")
    for name, model in models.items():
        as_object(path, model, f"models[{name!r}]")
    return models


def read_cv_scores(path: Path) -> dict[str, Any]:
    scores = read_object(path)
    for name, model in as_object(path, scores.get("models", {}), "'models'").items():
        as_object(path, model, f"models[{name!r}]")
    return scores


def read_rows(path: Path) -> list[dict[str, Any]]:
    """JSON Lines of paragraphs or labels: every row is an object with an ``id``."""
    try:
        rows = list(iter_jsonl(path))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None
    for number, row in enumerate(rows, 1):
        if "id" not in row:
            raise InputError(path, f"missing key 'id' in row {number}")
    return rows


def read_csv(path: Path, first: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) of a CSV whose header starts with ``first``.

    Read as CSV, not split into lines first: a quoted cell (a metadata value in
    assignments.csv) may hold a line break; a row is named by its first line.
    """
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(path, f"line {reader.line_num}: {exc}") from None
    if not rows:
        raise InputError(path, "empty file (no header line)")
    header = rows[0][1]
    if header[:len(first)] != first:
        raise InputError(path, f"line 1: header must start with {','.join(first)}")
    body = [(n, r) for n, r in rows[1:] if r]
    for number, cells in body:
        if len(cells) != len(header):
            raise InputError(path, f"line {number}: {len(cells)} cells, the header has "
                                   f"{len(header)}")
    return header, body


def read_assignments(path: Path) -> tuple[list[str], dict[str, list[int]]]:
    """assignments.csv: id, doc, then one topic number per fitted model (-1 = none), column
    ``name@seed``; the document metadata columns after them (no '@') are not read here."""
    header, body = read_csv(path, ["id", "doc"])
    fits = [(i, name) for i, name in enumerate(header) if i >= 2 and is_fit_column(name)]
    columns: dict[str, list[int]] = {name: [] for _, name in fits}
    for number, cells in body:
        for i, name in fits:
            cell = cells[i]
            try:
                columns[name].append(int(cell) if cell != "" else -1)
            except ValueError:
                raise InputError(path, f"line {number}, column {name!r}: {cell!r} is not a "
                                       "whole number") from None
    return [cells[0] for _, cells in body], columns


def read_prevalence(path: Path, column: str) -> list[dict[str, Any]]:
    """prevalence_<column>.csv: per fit (``model``), group of ``column``, and topic, the share
    with its interval; numbers checked as they are read."""
    header, body = read_csv(path, ["model", column, *PREVALENCE_COLUMNS[1:]])
    types = {"topic": int, "share": float, "low": float, "high": float, "paragraphs": int,
             "reports": int}
    rows = []
    for number, cells in body:
        row: dict[str, Any] = dict(zip(header, cells))
        for name, kind in types.items():
            try:
                row[name] = kind(row[name])
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                raise InputError(path, f"line {number}, column {name!r}: {row[name]!r} is not "
                                       f"{what}") from None
        rows.append(row)
    return rows


def read_embedding_map(path: Path) -> dict[str, tuple[float, float]]:
    _, body = read_csv(path, ["id", "x", "y"])
    points = {}
    for number, cells in body:
        try:
            points[cells[0]] = (float(cells[1]), float(cells[2]))
        except ValueError:
            raise InputError(path, f"line {number}: x and y must be numbers") from None
    return points


def read_verdict(path: Path) -> list[dict[str, Any]]:
    """verdict.json: one entry per metric with at least ``metric`` and ``sentence``."""
    return read_entries(path, "verdict", metric=str, sentence=str)
