"""Row writers for `research classify`: JSON Lines and CSV stream, HTML collects for one page.

What each row carries (``research.themes.apply.classify_file`` builds it):

* JSON Lines, one object a paragraph: ``file`` (as given), ``doc`` (the document's name: file
  stem, '-' for stdin, as in the dropped-line log and corpus.jsonl), ``index`` (position in the
  report), ``id``, ``title`` (sub-document), ``section`` (heading; '' where none), ``text``,
  ``themes`` (decided), ``near_misses`` (not decided, score less than ``NEAR_MISS`` below the
  threshold), ``borderline`` (decided, score less than ``NEAR_MISS`` above it), ``scores`` and
  ``thresholds`` ({theme: value}, on one scale, full precision: a theme is decided exactly when
  ``scores[t] >= thresholds[t]``). In pandas: ``pd.json_normalize(rows)`` gives
  ``scores.<theme>`` and ``thresholds.<theme>`` columns.
* CSV, one flat line a paragraph so ``pd.read_csv`` needs no parsing: the same fields, lists
  joined with ';' (``df.themes.str.split(';')``), then ``score_<theme>`` and
  ``threshold_<theme>`` columns in codebook order, so ``df.score_equity - df.threshold_equity``
  is the margin. Read with ``keep_default_na=False`` to keep empty lists and sections as ''.
* HTML, one page at the end (research/viz/classify_html.py); with ``--by`` it also draws each
  prevalence table ``close`` is given as a figure with interval bars.

Extra columns (the ``reused`` flag of ``--without-reused``, then the metadata columns) follow
the fixed ones: in CSV as columns, in JSON Lines as keys after ``thresholds``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import IO, Any

#: What ``close`` may be given besides the summaries: (title, prevalence table) pairs, the
#: table a pandas DataFrame of ``research.prevalence.prevalence_table``.
Prevalence = Sequence[tuple[str, Any]]

COLUMNS = ("file", "doc", "index", "id", "title", "section", "text", "original", "themes",
           "near_misses", "borderline")
#: Columns holding a list of theme ids, joined with ';' in CSV.
LIST_COLUMNS = frozenset({"themes", "near_misses", "borderline"})


class JsonlWriter:
    """One JSON object a line, written as soon as the row is ready."""

    def __init__(self, handle: IO[str], meta: dict[str, Any],
                 extra: Sequence[str] = (), continuing: bool = False) -> None:
        self.handle = handle

    def write(self, row: dict[str, Any]) -> None:
        self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self, summaries: Sequence[dict[str, Any]], prevalence: Prevalence = ()) -> None:
        self.handle.flush()


class CsvWriter:
    """A header, then one line a row; theme lists joined with ';', a score and a threshold
    column per theme (flat, so a spreadsheet or pandas reads it without parsing)."""

    def __init__(self, handle: IO[str], meta: dict[str, Any],
                 extra: Sequence[str] = (), continuing: bool = False) -> None:
        self.handle, self.themes = handle, list(meta["themes"])
        self.columns = (*COLUMNS, *extra)
        self.writer = csv.writer(handle)
        self.started = continuing  # resuming an output that has its header already

    def write(self, row: dict[str, Any]) -> None:
        if not self.started:  # the header comes with the first row: no rows, no output
            self.writer.writerow([*self.columns, *(f"score_{t}" for t in self.themes),
                                  *(f"threshold_{t}" for t in self.themes)])
            self.started = True
        cells = [";".join(row[c]) if c in LIST_COLUMNS else row[c] for c in self.columns]
        self.writer.writerow(cells + [row["scores"][t] for t in self.themes]
                             + [row["thresholds"][t] for t in self.themes])

    def close(self, summaries: Sequence[dict[str, Any]], prevalence: Prevalence = ()) -> None:
        self.handle.flush()


class HtmlWriter:
    """Collects rows and writes one self-contained page at the end (not for huge inputs)."""

    def __init__(self, handle: IO[str], meta: dict[str, Any],
                 extra: Sequence[str] = (), continuing: bool = False) -> None:
        self.handle, self.meta = handle, meta
        self.rows: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def close(self, summaries: Sequence[dict[str, Any]], prevalence: Prevalence = ()) -> None:
        from research.viz.classify_html import render_classification_html

        names = {t["id"]: t["name"] for t in self.meta["codebook"]["themes"]}
        themes = [{"id": t, "name": names.get(t, t)} for t in self.meta["themes"]]
        thresholds = self.rows[0].get("thresholds") if self.rows else None
        self.handle.write(render_classification_html(self.rows, list(summaries), themes,
                                                     thresholds=thresholds,
                                                     prevalence=prevalence))
        self.handle.flush()


WRITERS = {"jsonl": JsonlWriter, "csv": CsvWriter, "html": HtmlWriter}
