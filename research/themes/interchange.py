"""Labels to and from the team's annotation tools: Label Studio and doccano.

**Label Studio** (JSON list of tasks; project set up with :func:`label_studio_config`)::

    {"data": {"text", "id": paragraph id, "doc", "title", "section"},
     "meta": {"annotator", "time", "codebook_hash", ...any other field of the row},
     "annotations": [{"result": [{"from_name": "themes", "to_name": "text", "type": "choices",
                                  "value": {"choices": [theme ids]}}],
                      "was_cancelled": false}]}

Every task's data has all of text, id, doc, title and section (the labeling config shows
them; Label Studio refuses tasks without a key the config names), so a row that lacked doc,
title or section comes back with it empty. No theme is an annotation with an empty
``result``; a skip is a cancelled annotation (``was_cancelled: true``, what Label Studio
records when an annotator skips a task); a paragraph not decided yet has no annotation. On
import the last annotation of a task decides (Label Studio lists them oldest first) and
``completed_by``/``updated_at`` stand in for a missing annotator and time; ``completions``
(Label Studio before 1.0) is read like ``annotations``.

**doccano** (JSONL for text classification: ``text`` and a ``label`` list; every other key is
kept by doccano as metadata and written back on export)::

    {"text", "label": [theme ids], "paragraph_id", "doc", "title", "section", "annotator",
     "time", "codebook_hash", ...}   plus "skipped": true (and "label": []) for a skip

The paragraph id travels as ``paragraph_id`` because doccano's export writes its own integer
``id`` (dropped on import, as is its empty ``Comments`` list). A row without ``label`` is not
decided yet. Rows whose ``label`` is non-empty count as labeled even if ``skipped`` is set.

Either way, export then import gives back every row of a `research label` file exactly (ids,
texts, labels in codebook order, empty label sets, skips and every other field). A row
without an id gets the corpus id of its text (``research.corpus.records.paragraph_id``);
unknown theme ids and malformed records are one :class:`InputError` naming the file and the
record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from research.corpus.records import paragraph_id
from research.errors import InputError
from research.themes.label_store import PARAGRAPH_KEYS, status

FROM_NAME, TO_NAME = "themes", "text"
FORMATS = ("label-studio", "doccano")
#: Keys of a labels row that are not passed through as metadata.
DECISION_KEYS = ("labels", "skipped")


def _extras(row: dict[str, Any], taken: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in taken}


def _rebuild(paragraph: dict[str, Any], labels: list[str] | None, extras: dict[str, Any],
             skipped: bool) -> dict[str, Any]:
    """A labels row in the order the label store writes: paragraph, labels, the rest, skip."""
    row = {k: paragraph[k] for k in PARAGRAPH_KEYS if k in paragraph}
    if labels is not None or skipped:
        row["labels"] = None if skipped else labels
    row.update(_extras(extras, (*PARAGRAPH_KEYS, *DECISION_KEYS)))
    if skipped:
        row["skipped"] = True
    return row


def _check_labels(values: Any, theme_ids: Sequence[str], path: Path, where: str) -> list[str]:
    """Theme ids in codebook order; anything else is an error naming the record."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InputError(path, f"{where}: labels must be a list of theme ids")
    unknown = sorted(set(values) - set(theme_ids))
    if unknown:
        raise InputError(path, f"{where}: unknown theme id(s) {', '.join(unknown)}")
    return [t for t in theme_ids if t in set(values)]


# --- Label Studio --------------------------------------------------------------------------

def label_studio_config(codebook: Any) -> str:
    """The labeling config for a Label Studio project: multiple-choice themes on the text,
    with the same keys as `research label` and the Chinese name shown beside each id."""
    from research.themes.label_session import theme_keys

    keys = {theme_id: key for key, theme_id in theme_keys(codebook.ids).items()}
    lines = ["<View>",
             '  <Header value="$title" size="5"/>',
             '  <Header value="$section" size="6"/>',
             f'  <Text name="{TO_NAME}" value="$text"/>',
             f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="multiple">']
    for theme in codebook.themes:
        lines.append(f"    <Choice value={quoteattr(theme.id)} hotkey={quoteattr(keys[theme.id])}"
                     f" html={quoteattr(f'{theme.id} · {theme.name}')}"
                     f" hint={quoteattr(theme.definition)}/>")
    lines += ["  </Choices>", "</View>"]
    return "\n".join(lines) + "\n"


def to_label_studio(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio tasks, one per row, in the rows' order."""
    tasks = []
    for row in rows:
        # Every key the labeling config names must be in every task's data.
        task: dict[str, Any] = {"data": {k: row.get(k, "") for k in PARAGRAPH_KEYS}}
        meta = _extras(row, (*PARAGRAPH_KEYS, *DECISION_KEYS))
        if meta:
            task["meta"] = meta
        kind = status(row)
        if kind == "skipped":
            task["annotations"] = [{"result": [], "was_cancelled": True}]
        elif kind == "labeled":
            result = [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                       "value": {"choices": list(row["labels"])}}] if row["labels"] else []
            task["annotations"] = [{"result": result, "was_cancelled": False}]
        tasks.append(task)
    return tasks


def _annotation_labels(annotation: dict[str, Any], theme_ids: Sequence[str], path: Path,
                       where: str) -> list[str]:
    result = annotation.get("result", [])
    if not isinstance(result, list):
        raise InputError(path, f"{where}: 'result' must be a list")
    chosen: list[str] = []
    for item in result:
        if not isinstance(item, dict):
            raise InputError(path, f"{where}: every result must be an object")
        value = item.get("value")
        if item.get("type") == "choices" or (isinstance(value, dict) and "choices" in value):
            if not isinstance(value, dict) or "choices" not in value:
                raise InputError(path, f"{where}: a choices result needs value.choices")
            chosen += _check_labels(value["choices"], theme_ids, path, where)
    return [t for t in theme_ids if t in set(chosen)]


def _who(annotation: dict[str, Any]) -> str | None:
    person = annotation.get("completed_by")
    if isinstance(person, dict):
        person = person.get("email") or person.get("id")
    return None if person is None else str(person)


def from_label_studio(tasks: Any, theme_ids: Sequence[str], path: Path
                      ) -> tuple[list[dict[str, Any]], int]:
    """(labels rows, number of tasks without any annotation) from a Label Studio export."""
    if not isinstance(tasks, list):
        raise InputError(path, "expected a JSON list of Label Studio tasks")
    rows, undecided = [], 0
    for number, task in enumerate(tasks, 1):
        where = f"task {number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InputError(path, f"{where}: needs a 'data' object")
        data = dict(task["data"])
        extras = {k: v for k, v in data.items() if k not in PARAGRAPH_KEYS}
        if not isinstance(data.get("text"), str) or not data["text"]:
            raise InputError(path, f"{where}: data.text must be a non-empty string")
        data["id"] = data.get("id") or paragraph_id(data["text"])
        if not isinstance(data["id"], str):
            raise InputError(path, f"{where}: data.id must be a string paragraph id")
        where = f"task {number} ({data['id']})"
        meta = task.get("meta") or {}
        annotations = task.get("annotations", task.get("completions")) or []
        if not isinstance(meta, dict) or not isinstance(annotations, list):
            raise InputError(path, f"{where}: 'meta' must be an object, 'annotations' a list")
        if not annotations:
            undecided += 1
            continue
        last = annotations[-1]
        if not isinstance(last, dict):
            raise InputError(path, f"{where}: every annotation must be an object")
        skipped = last.get("was_cancelled") is True
        labels = None if skipped else _annotation_labels(last, theme_ids, path, where)
        extras.update(meta)
        if "annotator" not in extras and _who(last) is not None:
            extras["annotator"] = _who(last)
        if "time" not in extras and (last.get("updated_at") or last.get("created_at")):
            extras["time"] = last.get("updated_at") or last.get("created_at")
        rows.append(_rebuild(data, labels, extras, skipped))
    return rows, undecided


# --- doccano -------------------------------------------------------------------------------

def to_doccano(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """doccano text-classification records, one per row, in the rows' order."""
    records = []
    for row in rows:
        record: dict[str, Any] = {"text": row["text"]}
        kind = status(row)
        if kind != "undecided":
            record["label"] = list(row["labels"] or [])
        record["paragraph_id"] = row["id"]
        record.update({k: row[k] for k in ("doc", "title", "section") if k in row})
        record.update(_extras(row, (*PARAGRAPH_KEYS, *DECISION_KEYS)))
        if kind == "skipped":
            record["skipped"] = True
        records.append(record)
    return records


def _doccano_own(key: str, value: Any) -> bool:
    """doccano's own example id, and its comment list when empty: not part of our rows."""
    return key == "id" or (key == "Comments" and not value)


def from_doccano(records: Sequence[dict[str, Any]], theme_ids: Sequence[str], path: Path
                 ) -> tuple[list[dict[str, Any]], int]:
    """(labels rows, number of records without a label) from doccano JSONL records."""
    rows, undecided = [], 0
    for number, record in enumerate(records, 1):
        where = f"record {number}"
        if not isinstance(record.get("text"), str) or not record["text"]:
            raise InputError(path, f"{where}: 'text' must be a non-empty string")
        own_id = record.get("id")
        pid = record.get("paragraph_id") or (own_id if isinstance(own_id, str) else None)
        pid = pid or paragraph_id(record["text"])
        if not isinstance(pid, str):
            raise InputError(path, f"{where}: 'paragraph_id' must be a string")
        where = f"record {number} ({pid})"
        if "label" not in record:
            undecided += 1
            continue
        labels = _check_labels(record["label"], theme_ids, path, where)
        skipped = record.get("skipped") is True and not labels
        extras = {k: v for k, v in record.items()
                  if k not in ("text", "label", "paragraph_id", "skipped")
                  and not _doccano_own(k, v)}
        paragraph = {**{k: record[k] for k in ("doc", "title", "section") if k in record},
                     "id": pid, "text": record["text"]}
        rows.append(_rebuild(paragraph, labels, extras, skipped))
    return rows, undecided


# --- files ---------------------------------------------------------------------------------

def read_json(path: Path) -> Any:
    """A whole JSON file; a syntax error is one line naming the file and where."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, "is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg}, line {exc.lineno})") from None


def unique_ids(rows: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for number, row in enumerate(rows, 1):
        if row["id"] in seen:
            raise InputError(path, f"record {number}: duplicate paragraph id {row['id']}")
        seen.add(row["id"])
    return rows


def import_file(fmt: str, path: Path, theme_ids: Sequence[str]
                ) -> tuple[list[dict[str, Any]], int]:
    """(labels rows, undecided count) from a Label Studio JSON or doccano JSONL file."""
    from research.corpus.records import iter_jsonl

    if fmt == "label-studio":
        rows, undecided = from_label_studio(read_json(path), theme_ids, Path(path))
    elif fmt == "doccano":
        rows, undecided = from_doccano(list(iter_jsonl(Path(path))), theme_ids, Path(path))
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    return unique_ids(rows, Path(path)), undecided


def export_text(fmt: str, rows: Sequence[dict[str, Any]]) -> str:
    """The file text for ``fmt``: a JSON list for Label Studio, JSON lines for doccano."""
    from research.corpus.records import dump_jsonl

    if fmt == "label-studio":
        return json.dumps(to_label_studio(rows), ensure_ascii=False, indent=1) + "\n"
    if fmt == "doccano":
        return dump_jsonl(to_doccano(rows))
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
