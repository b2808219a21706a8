"""Paragraph records: the unit every later stage (topics, themes, reports) works on."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from research.errors import InputError


def paragraph_id(text: str) -> str:
    """Stable id from the text alone: the same paragraph gets the same id on every machine."""
    return "p" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Paragraph:
    """One clean, simplified-Chinese paragraph and where it came from."""

    id: str
    doc: str
    title: str
    section: str
    position: int
    text: str
    #: Marks a reader should know about, e.g. "placeholder" (template text: xx年, XX局, ____).
    flags: tuple[str, ...] = ()
    #: The researcher's document metadata (county, year, …), written as columns of their own.
    metadata: dict[str, object] = field(default_factory=dict)
    #: The text as the report wrote it (full-width punctuation, its own script); ``text`` is
    #: the normalised copy the models see (see corpus/written.py).
    original: str = ""

    def to_dict(self) -> dict[str, object]:
        row = asdict(self)
        row.update(json_values(row.pop("metadata")))
        return row


def json_values(values: dict[str, object]) -> dict[str, object]:
    """Metadata values as JSON can hold them (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def atomic_write_text(path: Path, text: str, durable: bool = False) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a file
    (``durable``: fsynced too, see AtomicFile)."""
    from research.outputs import AtomicFile

    with AtomicFile(path, durable) as handle:
        handle.write(text)


def dump_jsonl(rows: Iterable[dict[str, object]]) -> str:
    """JSON Lines text, UTF-8 characters kept readable."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write_paragraphs(paragraphs: Iterable[Paragraph], path: Path) -> None:
    atomic_write_text(path, dump_jsonl(p.to_dict() for p in paragraphs))


def iter_jsonl(path: Path) -> Iterator[dict[str, object]]:
    """Read JSON Lines; a malformed line is an :class:`InputError` naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "is a folder, not a file" if path.is_dir() else "file not found")
    with path.open("rb") as handle:  # decoded line by line, so an error names its line
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(path, f"line {number} is not UTF-8 text") from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(path, f"line {number} is not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise InputError(path, f"line {number} is not a JSON object")
            yield row
