"""The labels file a labeling session writes, and the reader every label tool shares.

One row per decided paragraph, in the order decided::

    {"id", "doc", "title", "section", "text", "labels": [theme ids in codebook order],
     "annotator", "time": ISO UTC, "codebook_hash"}            # a decision
    {..., "labels": null, ..., "skipped": true}                  # a skip

The whole file is rewritten after every answer (temporary file, flush, fsync, rename, with
Ctrl-C held back for those few milliseconds) rather than appended to, so it is always exactly
the current decisions: ``research.themes.labels.load_labels`` reads it as training labels
(skipped rows are left out there), a resumed session skips every id in it, and undo removes the
last row. A skipped row has ``labels: null``, never ``[]``: a reader that does not know
``skipped`` fails loudly instead of learning "no theme" from it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from research.corpus.records import atomic_write_text, dump_jsonl, iter_jsonl
from research.errors import InputError

#: Keys a row's paragraph is described by, in the order rows are written.
PARAGRAPH_KEYS = ("id", "doc", "title", "section", "text")
Status = Literal["labeled", "skipped", "undecided"]


@dataclass(frozen=True)
class Item:
    """A paragraph to show and decide on."""

    id: str
    doc: str
    title: str
    section: str
    text: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Item":
        return cls(*(str(row.get(key) or "") for key in PARAGRAPH_KEYS))


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def decision_row(item: Item, labels: Sequence[str] | None, annotator: str,
                 codebook_hash: str, theme_ids: Sequence[str], when: str | None = None
                 ) -> dict[str, Any]:
    """The row for one answer; ``labels=None`` records a skip."""
    row: dict[str, Any] = {key: getattr(item, key) for key in PARAGRAPH_KEYS}
    row["labels"] = None if labels is None else [t for t in theme_ids if t in set(labels)]
    row.update(annotator=annotator, time=when or utc_now(), codebook_hash=codebook_hash)
    if labels is None:
        row["skipped"] = True
    return row


def status(row: dict[str, Any]) -> Status:
    if row.get("skipped") is True:
        return "skipped"
    return "labeled" if isinstance(row.get("labels"), list) else "undecided"


def read_label_rows(path: Path, theme_ids: Sequence[str], allow_undecided: bool = False
                    ) -> list[dict[str, Any]]:
    """Every row of a labels file, checked: one line naming the file and record otherwise.

    A row needs a string ``id`` and ``text`` and either a list of known theme ids in
    ``labels`` or ``skipped: true``; with ``allow_undecided`` (a corpus file to export for
    labeling elsewhere) rows with neither are kept as undecided. Ids must be unique.
    """
    known = set(theme_ids)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in enumerate(iter_jsonl(Path(path)), 1):
        for key in ("id", "text"):
            if not isinstance(row.get(key), str) or not row[key]:
                raise InputError(path, f"record {number}: '{key}' must be a non-empty string")
        where = f"record {number} ({row['id']})"
        if "skipped" in row and not isinstance(row["skipped"], bool):
            raise InputError(path, f"{where}: 'skipped' must be true or false")
        labels = row.get("labels")
        if row.get("skipped") is True:
            if labels:
                raise InputError(path, f"{where}: a skipped paragraph cannot have labels")
            row["labels"] = None
        elif labels is None and not allow_undecided:
            raise InputError(path, f"{where}: needs 'labels' (a list of theme ids) or "
                                   "'skipped': true")
        elif labels is not None:
            if not isinstance(labels, list) or not all(isinstance(t, str) for t in labels):
                raise InputError(path, f"{where}: 'labels' must be a list of theme ids")
            unknown = sorted(set(labels) - known)
            if unknown:
                raise InputError(path, f"{where}: unknown theme id(s) {', '.join(unknown)}")
        if row["id"] in seen:
            raise InputError(path, f"record {number}: duplicate paragraph id {row['id']}")
        seen.add(row["id"])
        rows.append(row)
    return rows


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while a file is replaced; re-raise it right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[object] = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


class LabelStore:
    """The decisions in a labels file, saved whole after every change."""

    def __init__(self, path: Path, theme_ids: Sequence[str]) -> None:
        self.path = Path(path)
        self.rows = read_label_rows(self.path, theme_ids) if self.path.exists() else []

    @property
    def decided(self) -> set[str]:
        return {row["id"] for row in self.rows}

    def counts(self) -> dict[Status, int]:
        result: dict[Status, int] = {"labeled": 0, "skipped": 0, "undecided": 0}
        for row in self.rows:
            result[status(row)] += 1
        return result

    def record(self, row: dict[str, Any]) -> None:
        """Add a decision (replacing any earlier one for the paragraph) and save.

        A Ctrl-C during the save is raised after it, with ``rows`` and the file agreeing.
        """
        self._replace([r for r in self.rows if r["id"] != row["id"]] + [row])

    def undo(self) -> dict[str, Any] | None:
        """Remove the latest decision and save; None when there is none."""
        if not self.rows:
            return None
        row = self.rows[-1]
        self._replace(self.rows[:-1])
        return row

    def _replace(self, rows: list[dict[str, Any]]) -> None:
        with interrupts_held():
            atomic_write_text(self.path, dump_jsonl(rows), durable=True)
            self.rows = rows
