"""Outputs that survive an interruption: `research classify --out` over thousands of files.

Rows go to ``<out>.partial`` (and lines not kept to ``<dropped>.partial``) as each report is
finished; after every report the files are flushed to disk and one line is appended to a
ledger (``<out>.partial.json``, JSON Lines: a header, then per report its resolved path, size
and modification time, and the bytes each partial file held then). An interrupted run leaves
the partial files and the ledger; ``--resume`` checks them, cuts the partial files back to the
last finished report, skips the reports the ledger lists and goes on. Only a run that finishes
renames the partial files into place, so ``<out>`` is always whole. A lock file keeps a second
run off the same output while the first one writes.

Everything read back is untrusted: the ledger is validated line by line, the settings it was
written with must match, every report it lists must still be the same file, and the rows in
the partial output must belong to exactly those reports — all before anything is truncated.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from research.errors import InputError

LEDGER_FORMAT = 2
#: Formats written row by row, which can therefore be resumed (HTML is one page at the end).
RESUMABLE_FORMATS = ("jsonl", "csv")


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def ledger_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial.json")


def fingerprint(**settings: Any) -> str:
    """What must not change between an interrupted run and its resumption (model, options)."""
    text = json.dumps(settings, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_identity(path: str) -> tuple[str, int, int]:
    """(resolved path, size, modification time): the same report, unchanged since."""
    resolved = os.path.realpath(path)
    stat = os.stat(resolved)
    return resolved, stat.st_size, stat.st_mtime_ns


class LedgerHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: int
    fingerprint: str


class LedgerEntry(BaseModel):
    """One finished report. Untrusted like any file on disk, so validated field by field."""

    model_config = ConfigDict(extra="forbid")
    file: str
    size: int = Field(ge=0)
    mtime_ns: int
    chinese_share: float = Field(ge=0, le=1)
    sizes: list[Annotated[int, Field(ge=0)]]


def _sync(handle: IO[str]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


class PartialOutputs:
    """The output and its dropped-line log, written through partial files and a ledger.

    Use as a context manager: on exit after :meth:`complete` the partial files replace the
    targets; after :meth:`abandon` (no report could be classified) they are removed; on an
    error or interruption they stay for ``--resume``.
    """

    def __init__(self, targets: Sequence[Path], fmt: str, settings_fingerprint: str,
                 resume: bool, force: bool = False) -> None:
        self.targets = [Path(t) for t in targets]
        self.fmt, self.fingerprint, self.resume = fmt, settings_fingerprint, resume
        self.force = force
        self.partials = [partial_path(t) for t in self.targets]
        self.ledger_file = ledger_path(self.targets[0])
        self.lock_file = self.targets[0].with_name(self.targets[0].name + ".lock")
        self.entries: list[LedgerEntry] = []
        self.handles: list[IO[str]] = []
        self.ledger: IO[str] | None = None
        self.lock: IO[str] | None = None
        self.outcome = "interrupted"

    # -- starting ---------------------------------------------------------------------------
    def __enter__(self) -> PartialOutputs:
        return self

    def _take_lock(self) -> None:
        """One run per output: a second one is refused while the first writes."""
        self.lock = open(self.lock_file, "a", encoding="utf-8")
        try:
            fcntl.flock(self.lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.lock.close()
            self.lock = None
            raise InputError(self.targets[0], "another run is writing this output now; wait "
                             "for it, or give another --out") from None

    def _read_ledger(self) -> None:
        """Load and check the ledger, the reports it lists and the partial rows, cutting
        nothing yet. A last line cut short by a crash is ignored (it was not yet durable)."""
        bad = "not a ledger this package wrote; use --force to start again"
        try:
            lines = self.ledger_file.read_bytes().decode("utf-8").split("\n")
        except (OSError, UnicodeDecodeError):
            raise InputError(self.ledger_file, bad) from None
        try:
            header = LedgerHeader.model_validate_json(lines[0])
            complete = lines[1:-1]  # the text after the last newline is an unfinished line
            self.entries = [LedgerEntry.model_validate_json(line) for line in complete]
        except (ValidationError, ValueError):
            raise InputError(self.ledger_file, bad) from None
        if header.format != LEDGER_FORMAT or header.fingerprint != self.fingerprint:
            raise InputError(self.ledger_file, "the interrupted run used another model, "
                             "format, metadata or options; rerun with those, or use --force "
                             "to start again")
        sizes = self.sizes
        if any(len(e.sizes) != len(self.targets) for e in self.entries):
            raise InputError(self.ledger_file, bad)
        for partial, size in zip(self.partials, sizes):
            if not partial.is_file() or partial.stat().st_size < size:
                raise InputError(partial, "missing or shorter than its ledger says; use "
                                 "--force to start again")
        for entry in self.entries:
            try:
                same = file_identity(entry.file)[1:] == (entry.size, entry.mtime_ns)
            except OSError:
                same = True  # gone from disk: its rows stay; it is simply not given again
            if not same:
                raise InputError(entry.file, "changed since the interrupted run classified "
                                 "it; use --force to start again")
        listed = {e.file for e in self.entries}
        found = {os.path.realpath(r["file"]) if r["file"] != "-" else "-"
                 for r in self.done_rows()}
        if found != listed:
            raise InputError(self.partials[0], "its rows do not match the ledger's reports; "
                             "use --force to start again")

    def open(self) -> list[IO[str]]:
        """Open the partial files for appending, cut back to the last finished report."""
        for folder in {t.parent for t in self.targets}:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(folder, f"cannot create folder ({exc.strerror})") from None
        self._take_lock()
        left = self.ledger_file.exists() or any(p.exists() for p in self.partials)
        if self.resume and not self.ledger_file.exists():
            raise InputError(self.targets[0], "nothing to resume (no interrupted run's ledger "
                             f"{self.ledger_file.name}); run without --resume" if not left else
                             "the partial output has no ledger; use --force to start again")
        if left and not self.resume and not self.force:
            raise InputError(self.partials[0], "an interrupted run left this; add --resume to "
                             "go on with it, or --force to start again")
        if self.resume:
            self._read_ledger()
        else:
            self.entries = []
            for partial in self.partials:
                partial.unlink(missing_ok=True)
        for partial, size in zip(self.partials, self.sizes):
            handle = open(partial, "a+", encoding="utf-8", newline="")
            handle.truncate(size)  # whatever an interrupted report had begun to write
            handle.seek(size)
            self.handles.append(handle)
        self._rewrite_ledger()
        return self.handles

    # -- progress ---------------------------------------------------------------------------
    @property
    def sizes(self) -> list[int]:
        return list(self.entries[-1].sizes) if self.entries else [0] * len(self.targets)

    @property
    def done(self) -> set[str]:
        """Resolved paths of the reports finished by an earlier run (skipped now)."""
        return {e.file for e in self.entries}

    @property
    def chinese_shares(self) -> dict[str, float]:
        return {e.file: e.chinese_share for e in self.entries}

    def done_rows(self) -> Iterator[dict[str, Any]]:
        """The rows of the reports already done, read back from the partial output."""
        yield from read_rows(self.partials[0], self.fmt, limit=self.sizes[0])

    def file_failed(self) -> None:
        """Cut back whatever a report that failed had begun to write."""
        for handle, size in zip(self.handles, self.sizes):
            handle.truncate(size)
            handle.seek(size)

    def file_finished(self, path: str, chinese_share: float) -> None:
        """Make a finished report's rows durable, then append it to the ledger."""
        for handle in self.handles:
            _sync(handle)
        resolved, size, mtime = file_identity(path) if path != "-" else ("-", 0, 0)
        entry = LedgerEntry(file=resolved, size=size, mtime_ns=mtime,
                            chinese_share=chinese_share, sizes=[h.tell() for h in self.handles])
        self.entries.append(entry)
        assert self.ledger is not None
        self.ledger.write(entry.model_dump_json() + "\n")
        _sync(self.ledger)

    def _rewrite_ledger(self) -> None:
        """The ledger as checked (an unfinished last line dropped), open for appending."""
        temp = self.ledger_file.with_name(self.ledger_file.name + ".tmp")
        header = LedgerHeader(format=LEDGER_FORMAT, fingerprint=self.fingerprint)
        temp.write_text("".join(m.model_dump_json() + "\n" for m in [header, *self.entries]),
                        encoding="utf-8")
        os.replace(temp, self.ledger_file)
        self.ledger = open(self.ledger_file, "a", encoding="utf-8")

    # -- ending -----------------------------------------------------------------------------
    def complete(self) -> None:
        self.outcome = "complete"

    def abandon(self) -> None:
        self.outcome = "abandon"

    def __exit__(self, *exc: object) -> None:
        for handle in self.handles:
            if self.outcome == "complete":
                _sync(handle)
            handle.close()
        if self.ledger is not None:
            self.ledger.close()
        if self.outcome == "complete":
            for partial, target in zip(self.partials, self.targets):
                os.chmod(partial, 0o644)
                os.replace(partial, target)
        if self.outcome in ("complete", "abandon"):
            for partial in self.partials:
                partial.unlink(missing_ok=True)
            self.ledger_file.unlink(missing_ok=True)
        if self.lock is not None:
            if self.outcome in ("complete", "abandon"):
                self.lock_file.unlink(missing_ok=True)
            self.lock.close()


def _lines(path: Path, limit: int) -> Iterator[str]:
    """Decoded lines of the first ``limit`` bytes, read as they are needed."""
    left = limit
    with open(path, "rb") as handle:
        for raw in handle:
            if left <= 0:
                return
            raw = raw[:left]
            left -= len(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(path, "not UTF-8 where its ledger says rows end; use --force "
                                 "to start again") from None


def read_rows(path: Path, fmt: str, limit: int) -> Iterator[dict[str, Any]]:
    """Rows of a classify output (JSON Lines or CSV) in its first ``limit`` bytes, with
    ``themes`` as a list in both formats; streamed, so a large output is never read whole."""
    lines = _lines(path, limit)
    if fmt == "jsonl":
        for number, line in enumerate(lines, 1):
            try:
                row = json.loads(line)
            except ValueError:
                raise InputError(path, f"line {number} is not JSON; use --force to start "
                                 "again") from None
            if not isinstance(row, dict) or not isinstance(row.get("file"), str) \
                    or not isinstance(row.get("themes"), list):
                raise InputError(path, f"line {number} is not a classify row")
            yield row
        return
    try:
        for number, row in enumerate(csv.DictReader(lines), 2):
            if not isinstance(row.get("file"), str) or not isinstance(row.get("themes"), str):
                raise InputError(path, f"line {number} is not a classify row")
            yield {**row, "themes": [t for t in row["themes"].split(";") if t]}
    except csv.Error:
        raise InputError(path, "not a CSV this package wrote; use --force to start "
                         "again") from None


class WholeOutputs:
    """The same interface for outputs written in one piece (HTML, or standard output): an
    interruption leaves nothing, there is nothing to resume."""

    def __init__(self, targets: Sequence[Path]) -> None:
        from research.outputs import AtomicFile

        self.files = [AtomicFile(t) for t in targets]
        self.handles: list[IO[str]] = []
        self.partials: list[Path] = []
        self.chinese_shares: dict[str, float] = {}

    def __enter__(self) -> WholeOutputs:
        return self

    def open(self) -> list[IO[str]]:
        self.handles = [f.__enter__() for f in self.files]
        return self.handles

    @property
    def done(self) -> set[str]:
        return set()

    def done_rows(self) -> Iterator[dict[str, Any]]:
        return iter(())

    def file_finished(self, path: str, chinese_share: float) -> None:
        """Nothing to record: the whole output appears at the end or not at all."""

    def file_failed(self) -> None:
        """Nothing to undo: a report fails before its first row."""

    def complete(self) -> None:
        """The files are renamed into place on exit."""

    def abandon(self) -> None:
        for file in self.files:
            file.discard()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        for file in reversed(self.files[:len(self.handles)]):
            file.__exit__(kind, error, trace)
