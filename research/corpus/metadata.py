"""Document metadata: a researcher's CSV of county, province, year, source … per report.

One row per file (``file`` column: the file name, with or without its extension), or per
sub-document of a compilation (an extra ``subdocument`` column holding the title the corpus
gives it). A column's type is written in the header (``year:int``, ``share:float``,
``date:date``, ``county:str``) or inferred from its values. Every problem is one error naming
the file, the row and the column: a metadata file is read once and trusted nowhere else.
"""

from __future__ import annotations

import csv
import io
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from research.errors import InputError

FILE_COLUMN = "file"
SUBDOCUMENT_COLUMN = "subdocument"
TYPES = ("int", "float", "date", "str")
TYPE_NAMES = {"int": "an integer", "float": "a number", "date": "a date (YYYY-MM-DD)",
              "str": "text"}
#: Names the package's own records already use, so a metadata column may not shadow them:
#: paragraph and classify rows, a topic run's assignments.csv (``id``, ``doc``) and the
#: prevalence tables (run_folder/layout.py ``PREVALENCE_COLUMNS``; classify's ``outcome``).
RESERVED = frozenset({"id", "doc", "title", "section", "position", "text", "original",
                      "flags", "index",
                      "themes", "scores", "thresholds", "near_misses", "borderline", "topic",
                      "paragraph", "cluster", "reused", "model", "label", "outcome", "share",
                      "low", "high", "paragraphs", "reports", "interval"})
#: Marks a topic model's column in assignments.csv (``name@seed``): a metadata column's name
#: never holds it, so the two kinds of column there can never be confused.
FIT_MARK = "@"
Value = int | float | str | dt.date | None


@dataclass(frozen=True)
class Metadata:
    """Validated metadata: values per file and per (file, sub-document title)."""

    path: Path
    columns: tuple[str, ...]
    types: dict[str, str]
    by_file: dict[str, dict[str, Value]]
    by_subdocument: dict[tuple[str, str], dict[str, Value]]
    #: The CSV line of each row, for errors.
    lines: dict[tuple[str, str], int]

    def lookup(self, doc: str, title: str) -> tuple[str, dict[str, Value]]:
        """(the unit the values describe, the values) for a paragraph of ``doc`` under
        ``title``. The unit is the cluster for intervals: paragraphs of one described report
        are not independent. A file without a row gets empty values and is its own unit."""
        empty = dict.fromkeys(self.columns)
        if (doc, title) in self.by_subdocument:
            base = {**empty, **self.by_file.get(doc, {})}
            own = {k: v for k, v in self.by_subdocument[(doc, title)].items() if v is not None}
            return f"{doc} / {title}", {**base, **own}
        return doc, {**empty, **self.by_file.get(doc, {})}

    def missing_files(self, docs: Iterable[str]) -> list[str]:
        return sorted(set(docs) - set(self.by_file) - {d for d, _ in self.by_subdocument})

    def check_subdocuments(self, pairs: Iterable[tuple[str, str]],
                           docs: Iterable[str] | None = None) -> None:
        """A sub-document row whose title no paragraph carries (a typo, or the segmentation
        changed) is an error naming its row, never silently ignored. ``docs``: check only the
        rows of these documents (the others were not read)."""
        wanted = None if docs is None else set(docs)
        rows = {key for key in self.by_subdocument if wanted is None or key[0] in wanted}
        unmatched = sorted(rows - set(pairs), key=self.lines.__getitem__)
        if unmatched:
            doc, title = unmatched[0]
            raise InputError(self.path, f"row {self.lines[(doc, title)]}, column "
                                        f"'{SUBDOCUMENT_COLUMN}': no sub-document titled "
                                        f"'{title}' in {doc}")


def _parse(value: str, kind: str) -> Value:
    if value == "":
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    return value


def _infer(values: list[str]) -> str:
    for kind in ("int", "float", "date"):
        try:
            for value in values:
                _parse(value, kind)
        except ValueError:
            continue
        return kind
    return "str"


def _header(path: Path, header: list[str]) -> tuple[list[str], dict[str, str]]:
    names, declared = [], {}
    for position, cell in enumerate(header, 1):
        name, _, kind = cell.strip().partition(":")
        name, kind = name.strip(), kind.strip()
        if not name:
            raise InputError(path, f"header column {position} has no name")
        if kind and kind not in TYPES:
            raise InputError(path, f"column '{name}': unknown type '{kind}' (use one of "
                                   f"{', '.join(TYPES)})")
        if name in names:
            raise InputError(path, f"column '{name}' appears twice in the header")
        if name in RESERVED:
            raise InputError(path, f"column '{name}' clashes with a field the package writes "
                                   "(paragraph, assignment or prevalence rows); rename it")
        if FIT_MARK in name:
            raise InputError(path, f"column '{name}': '{FIT_MARK}' marks a topic model's column "
                                   "in assignments.csv (name@seed); rename it")
        names.append(name)
        if kind:
            declared[name] = kind
    if FILE_COLUMN not in names:
        raise InputError(path, f"no '{FILE_COLUMN}' column in the header")
    return names, declared


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if not path.is_file():
        raise InputError(path, "metadata file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text (save the CSV as UTF-8)") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        rows = []
        start = reader.line_num + 1  # a quoted cell may span lines: name a row by its first
        for row in reader:
            if any(c.strip() for c in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except StopIteration:
        raise InputError(path, "empty metadata file") from None
    except csv.Error as exc:
        raise InputError(path, f"row {reader.line_num}: {exc}") from None
    return header, rows


def _known_name(file: str, known: dict[str, str]) -> str | None:
    return known.get(file) or known.get(Path(file).stem)


def load_metadata(path: Path, documents: Iterable[str]) -> Metadata:
    """Read and check a metadata CSV against the documents (names without extension) of the
    folder it describes."""
    path = Path(path)
    header, rows = _read_rows(path)
    names, declared = _header(path, header)
    known = {name: name for name in documents}
    cells: list[tuple[int, dict[str, str]]] = []
    for line, row in rows:
        if len(row) != len(names):
            raise InputError(path, f"row {line} has {len(row)} fields, the header has "
                                   f"{len(names)}")
        cells.append((line, {n: c.strip() for n, c in zip(names, row)}))
    columns = tuple(n for n in names if n not in (FILE_COLUMN, SUBDOCUMENT_COLUMN))
    types = {n: declared.get(n) or _infer([c[n] for _, c in cells if c[n]]) for n in columns}
    by_file: dict[str, dict[str, Value]] = {}
    by_subdocument: dict[tuple[str, str], dict[str, Value]] = {}
    first_seen: dict[tuple[str, str], int] = {}
    for line, cell in cells:
        if not cell[FILE_COLUMN]:
            raise InputError(path, f"row {line}, column '{FILE_COLUMN}': empty")
        doc = _known_name(cell[FILE_COLUMN], known)
        if doc is None:
            raise InputError(path, f"row {line}, column '{FILE_COLUMN}': "
                                   f"'{cell[FILE_COLUMN]}' is not a report of the folder")
        title = cell.get(SUBDOCUMENT_COLUMN, "")
        key = (doc, title)
        if key in first_seen:
            raise InputError(path, f"row {line} repeats row {first_seen[key]} "
                                   f"({cell[FILE_COLUMN]}{' / ' + title if title else ''})")
        first_seen[key] = line
        values: dict[str, Value] = {}
        for name in columns:
            try:
                values[name] = _parse(cell[name], types[name])
            except ValueError:
                raise InputError(path, f"row {line}, column '{name}': '{cell[name]}' is not "
                                       f"{TYPE_NAMES[types[name]]}") from None
        if title:
            by_subdocument[key] = values
        else:
            by_file[doc] = values
    return Metadata(path, columns, types, by_file, by_subdocument, first_seen)
