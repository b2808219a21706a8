"""Row writers for `research classify`: JSON Lines and CSV stream, HTML collects for one page."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import IO, Any

COLUMNS = ("file", "index", "id", "title", "section", "text", "themes")


class JsonlWriter:
    """One JSON object a line, written as soon as the row is ready."""

    def __init__(self, handle: IO[str], meta: dict[str, Any]) -> None:
        self.handle = handle

    def write(self, row: dict[str, Any]) -> None:
        self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self, summaries: Sequence[dict[str, Any]]) -> None:
        self.handle.flush()


class CsvWriter:
    """A header, then one line a row; themes joined with ';', one score column each."""

    def __init__(self, handle: IO[str], meta: dict[str, Any]) -> None:
        self.handle, self.themes = handle, list(meta["themes"])
        self.writer = csv.writer(handle)
        self.started = False

    def write(self, row: dict[str, Any]) -> None:
        if not self.started:  # the header comes with the first row: no rows, no output
            self.writer.writerow([*COLUMNS, *(f"score_{t}" for t in self.themes)])
            self.started = True
        cells = [";".join(row[c]) if c == "themes" else row[c] for c in COLUMNS]
        self.writer.writerow(cells + [row["scores"][t] for t in self.themes])

    def close(self, summaries: Sequence[dict[str, Any]]) -> None:
        self.handle.flush()


class HtmlWriter:
    """Collects rows and writes one self-contained page at the end (not for huge inputs)."""

    def __init__(self, handle: IO[str], meta: dict[str, Any]) -> None:
        self.handle, self.meta = handle, meta
        self.rows: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def close(self, summaries: Sequence[dict[str, Any]]) -> None:
        from research.viz.classify_html import render_classification_html

        names = {t["id"]: t["name"] for t in self.meta["codebook"]["themes"]}
        themes = [{"id": t, "name": names.get(t, t)} for t in self.meta["themes"]]
        self.handle.write(render_classification_html(self.rows, list(summaries), themes))
        self.handle.flush()


WRITERS = {"jsonl": JsonlWriter, "csv": CsvWriter, "html": HtmlWriter}
