"""Where commands write: checked before any work, never an input, never replaced by surprise.

Every file a command writes goes through :func:`check_output` first (a folder, one of the
inputs, an existing file without ``--force``, an unwritable place: one line, before minutes of
work) and is then written whole or not at all (:class:`AtomicFile`: a temporary file beside the
target, renamed into place only when complete).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO

from research.errors import InputError

#: Suffixes `research corpus` reads from a folder: an output with one of them inside the input
#: folder would be read back as a report on the next run.
DOCUMENT_SUFFIXES = frozenset({".txt", ".docx", ".pdf"})


def dropped_log_path(output: Path) -> Path:
    """Where the lines not kept go, beside an output: ``corpus.jsonl`` → ``corpus.dropped.jsonl``."""
    output = Path(output)
    return output.with_name(output.stem + ".dropped.jsonl")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_writable_folder(folder: Path) -> None:
    """Fail now, not after the work, when nothing can be written in ``folder``.

    ``folder`` must be a folder, or be creatable in its nearest existing ancestor; whichever it
    is gets probed by creating and deleting a file. Nothing else is made, so a command that
    fails later for another reason leaves no empty folders behind.
    """
    folder = Path(folder)
    existing = next(p for p in (folder, *folder.parents) if p.exists() or p == Path(p.anchor))
    if not existing.is_dir():  # the path itself, or the file that stands in its way
        raise InputError(existing, "is not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".write-probe.")
    except OSError as exc:
        raise InputError(existing, f"folder not writable ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def check_output(path: Path, inputs: Iterable[Path] = (), input_folders: Iterable[Path] = (),
                 force: bool = False) -> Path:
    """Refuse an output that is a folder, an input, inside an input folder, or exists already.

    ``force`` allows replacing an existing file (a symlink is replaced by the file, its target
    is left alone); it never allows writing over an input.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder; give a file name to write to")
    for source in inputs:
        if Path(source) == path or _same_file(Path(source), path):
            raise InputError(path, "is one of the inputs; choose another output file")
    for folder in input_folders:
        inside = Path(folder).resolve() == path.resolve().parent
        if inside and path.suffix.lower() in DOCUMENT_SUFFIXES:
            raise InputError(path, "would be read back as a report from the input folder; "
                                   "write it elsewhere or with another suffix")
    if (path.exists() or path.is_symlink()) and not force:
        raise InputError(path, "already exists; use --force to replace it")
    check_writable_folder(path.parent)
    return path


class AtomicFile:
    """A text file written under a temporary name and renamed into place on success only."""

    def __init__(self, path: Path, durable: bool = False) -> None:
        self.path = Path(path)
        #: Also fsync the file before the rename and its folder after it, so a crash or power
        #: loss leaves the old file or the new one (a labels file saved after every answer).
        self.durable = durable
        self.handle: IO[str] | None = None
        self.temp: str | None = None
        self.discarded = False

    def discard(self) -> None:
        """Leave the target untouched: the temporary file is removed on exit."""
        self.discarded = True

    def __enter__(self) -> IO[str]:
        if self.path.is_dir():
            raise InputError(self.path, "is a folder; give a file name to write to")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(self.path.parent, f"cannot create folder ({exc.strerror})") from None
        fd, self.temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                         suffix=".tmp")
        self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self.handle

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        assert self.handle is not None and self.temp is not None
        try:
            if self.durable and kind is None and not self.discarded:
                self.handle.flush()
                os.fsync(self.handle.fileno())
        finally:
            self.handle.close()
        if kind is not None or self.discarded:
            Path(self.temp).unlink(missing_ok=True)
            return
        os.chmod(self.temp, 0o644)  # mkstemp makes 0600 files; results are meant to be shared
        os.replace(self.temp, self.path)
        if self.durable:
            with contextlib.suppress(OSError):  # file systems that cannot fsync a folder
                folder = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)


def publish_folder(work: Path, target: Path) -> None:
    """Put a finished folder in place of ``target``: the old one is moved aside first and
    removed only after the rename, so ``target`` never holds half of either."""
    os.chmod(work, 0o755)  # mkdtemp makes 0700 folders; models and runs are meant to be shared
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(work, target)
    shutil.rmtree(old, ignore_errors=True)
