"""Outputs that survive an interruption: `research classify --out` over thousands of files.

Rows go to ``<out>.partial`` (and lines not kept to ``<dropped>.partial``) as each report is
finished; after every report the files are flushed to disk and a ledger
(``<out>.partial.json``) records which reports are done and how many bytes each partial file
held then. An interrupted run leaves the partial files and the ledger; ``--resume`` cuts them
back to the last finished report, skips the reports the ledger lists and goes on. Only a run
that finishes renames the partial files into place, so ``<out>`` is always whole.

``--resume`` against a finished output (new reports added to the folder) starts from a copy of
it: the reports in it are skipped, the new ones appended. Rows of the reports already done are
read back (``done_rows``) so totals and prevalence tables cover every report.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from research.errors import InputError

LEDGER_FORMAT = 1
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


class Ledger(BaseModel):
    """The ledger file: untrusted like any file on disk, so validated field by field."""

    model_config = ConfigDict(extra="forbid")
    format: int
    fingerprint: str
    files: list[str]
    chinese_shares: dict[str, float]
    sizes: list[int]


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
        self.ledger = Ledger(format=LEDGER_FORMAT, fingerprint=settings_fingerprint, files=[],
                             chinese_shares={}, sizes=[0] * len(self.targets))
        self.handles: list[IO[str]] = []
        self.outcome = "interrupted"

    # -- starting ---------------------------------------------------------------------------
    def check_start(self) -> None:
        """Refuse to start over an interrupted run's partial files unless told what to do."""
        left = self.ledger_file.exists() or self.partials[0].exists()
        if left and not (self.resume or self.force):
            raise InputError(self.partials[0], "an interrupted run left this; add --resume to "
                             "go on with it, or --force to start again")

    def _load_ledger(self) -> None:
        try:
            self.ledger = Ledger.model_validate_json(self.ledger_file.read_bytes())
        except (OSError, ValidationError, ValueError):
            raise InputError(self.ledger_file, "not a ledger this package wrote; use --force "
                             "to start again") from None
        if self.ledger.fingerprint != self.fingerprint:
            raise InputError(self.ledger_file, "the interrupted run used another model, "
                             "format or options; rerun with those, or use --force to start "
                             "again")
        if len(self.ledger.sizes) != len(self.targets) or any(
                not p.exists() or p.stat().st_size < size
                for p, size in zip(self.partials, self.ledger.sizes)):
            raise InputError(self.partials[0], "shorter than its ledger says; use --force to "
                             "start again")

    def _adopt_finished_output(self, expected_thresholds: dict[str, float]) -> None:
        """Resume from a whole earlier output: copy it and list the reports it holds."""
        for target, partial in zip(self.targets, self.partials):
            if target.exists():
                shutil.copyfile(target, partial)
            else:
                partial.write_text("", encoding="utf-8")
        files: list[str] = []
        for row in read_rows(self.partials[0], self.fmt):
            if row.get("thresholds") not in (None, expected_thresholds):
                raise InputError(self.targets[0], "was written with another model (its "
                                 "thresholds differ); use --force to start again")
            if row["file"] not in files:
                files.append(row["file"])
        self.ledger = Ledger(format=LEDGER_FORMAT, fingerprint=self.fingerprint, files=files,
                             chinese_shares={}, sizes=[p.stat().st_size for p in self.partials])
        self._write_ledger()

    def __enter__(self) -> PartialOutputs:
        return self

    def open(self, expected_thresholds: dict[str, float]) -> list[IO[str]]:
        """Open the partial files for appending, cut back to the last finished report."""
        self.check_start()
        for folder in {t.parent for t in self.targets}:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(folder, f"cannot create folder ({exc.strerror})") from None
        if self.resume and self.ledger_file.exists():
            self._load_ledger()
        elif self.resume and self.targets[0].exists():
            self._adopt_finished_output(expected_thresholds)
        else:
            for partial in self.partials:
                partial.unlink(missing_ok=True)
        for partial, size in zip(self.partials, self.ledger.sizes):
            handle = open(partial, "a+", encoding="utf-8", newline="")
            handle.truncate(size)  # whatever an interrupted report had begun to write
            handle.seek(size)
            self.handles.append(handle)
        self._write_ledger()
        return self.handles

    # -- progress ---------------------------------------------------------------------------
    @property
    def done(self) -> list[str]:
        """Reports finished by an earlier run (skipped now), in the order they were written."""
        return list(self.ledger.files)

    def done_rows(self) -> Iterator[dict[str, Any]]:
        """The rows of the reports already done, read back from the partial output."""
        yield from read_rows(self.partials[0], self.fmt, limit=self.ledger.sizes[0])

    def file_failed(self) -> None:
        """Cut back whatever a report that failed had begun to write."""
        for handle, size in zip(self.handles, self.ledger.sizes):
            handle.truncate(size)
            handle.seek(size)

    def file_finished(self, path: str, chinese_share: float) -> None:
        """Make a finished report's rows durable, then record it in the ledger."""
        for handle in self.handles:
            _sync(handle)
        self.ledger.files.append(path)
        self.ledger.chinese_shares[path] = chinese_share
        self.ledger.sizes = [h.tell() for h in self.handles]
        self._write_ledger()

    def _write_ledger(self) -> None:
        temp = self.ledger_file.with_name(self.ledger_file.name + ".tmp")
        temp.write_text(self.ledger.model_dump_json(), encoding="utf-8")
        os.replace(temp, self.ledger_file)

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
        if self.outcome == "complete":
            for partial, target in zip(self.partials, self.targets):
                os.chmod(partial, 0o644)
                os.replace(partial, target)
        if self.outcome in ("complete", "abandon"):
            for partial in self.partials:
                partial.unlink(missing_ok=True)
            self.ledger_file.unlink(missing_ok=True)


def read_rows(path: Path, fmt: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a classify output (JSON Lines or CSV) up to byte ``limit``, with ``themes`` as a
    list and ``thresholds`` as a dict in both formats."""
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.buffer.read(limit).decode("utf-8") if limit is not None else handle.read()
    if fmt == "jsonl":
        # split at newlines only: str.splitlines would also cut at U+2028 inside a paragraph
        for number, line in enumerate(filter(None, text.split("\n")), 1):
            try:
                row = json.loads(line)
            except ValueError:
                raise InputError(path, f"line {number} is not JSON; use --force to start "
                                 "again") from None
            if not isinstance(row, dict) or "file" not in row or "themes" not in row:
                raise InputError(path, f"line {number} is not a classify row")
            yield row
        return
    for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), 2):
        if "file" not in row or "themes" not in row:
            raise InputError(path, f"line {number} is not a classify row")
        thresholds = {k.removeprefix("threshold_"): float(v) for k, v in row.items()
                      if k.startswith("threshold_")}
        yield {**row, "themes": [t for t in row["themes"].split(";") if t],
               "thresholds": thresholds}


class WholeOutputs:
    """The same interface for outputs written in one piece (HTML, or standard output): an
    interruption leaves nothing, there is nothing to resume."""

    def __init__(self, targets: Sequence[Path]) -> None:
        from research.outputs import AtomicFile

        self.files = [AtomicFile(t) for t in targets]
        self.handles: list[IO[str]] = []
        self.partials: list[Path] = []

    def __enter__(self) -> WholeOutputs:
        return self

    def open(self, expected_thresholds: dict[str, float]) -> list[IO[str]]:
        self.handles = [f.__enter__() for f in self.files]
        return self.handles

    @property
    def done(self) -> list[str]:
        return []

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
