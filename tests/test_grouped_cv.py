"""Cross-validation grouped by document and sub-document, on the real labeled seed paragraphs."""

from __future__ import annotations

import numpy as np
import pytest

from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.themes.classifier import inner_splits
from research.themes.codebook import load_codebook
from research.themes.evaluate import (Groups, OutOfFold, calibration_error, difference_interval,
                                      outer_splits, planned_folds)
from research.themes.labels import load_labels
from tests.conftest import ROOT

CODEBOOK = ROOT / "configs/themes.yaml"


@pytest.fixture(scope="module")
def data() -> tuple[list[str], np.ndarray, Groups, list[str], dict[str, list[str]]]:
    codebook = load_codebook(CODEBOOK)
    corpus = build_corpus_from_folder(ROOT / "seeds/raw", CorpusConfig())
    by_id = {p.id: p for p in corpus.paragraphs}
    rows = load_labels(ROOT / "seeds/labels/labels.jsonl", CODEBOOK)
    y = np.array([[int(t in r.labels) for t in codebook.ids] for r in rows])
    groups = Groups.of([by_id[r.id].doc for r in rows], [by_id[r.id].title for r in rows])
    return [r.text for r in rows], y, groups, codebook.ids, codebook.keywords()


@pytest.mark.parametrize("scheme", ["document", "subdocument"])
def test_grouped_folds_never_split_a_group_and_test_every_paragraph_once(data, scheme) -> None:  # noqa: ANN001
    _, y, groups, _, _ = data
    group = groups.document if scheme == "document" else groups.subdocument
    repeats = outer_splits(scheme, y, groups, folds=5, repeats=2, seed=0)
    assert len(repeats) == (1 if scheme == "document" else 2)  # 5 documents: leave one out
    for splits in repeats:
        tested = np.concatenate([test for _, test in splits])
        assert sorted(tested) == list(range(len(y)))
        for train, test in splits:
            assert not set(group[train]) & set(group[test])
    made = len([f for r in repeats for f in r])
    assert made == (5 if scheme == "document" else 10)  # 5 documents; 5 folds x 2 repeats
    assert planned_folds(scheme, y, groups, 5, 2, 0) == made


def test_paragraph_folds_do_split_documents(data) -> None:  # noqa: ANN001
    """The contrast the grouped folds exist for: paragraph folds share documents."""
    _, y, groups, _, _ = data
    train, test = outer_splits("paragraph", y, groups, 5, 1, 0)[0][0]
    assert set(groups.document[train]) == set(groups.document[test])


def test_inner_folds_hold_out_whole_sub_documents(data) -> None:  # noqa: ANN001
    _, y, groups, _, _ = data
    for train, test in inner_splits(y, groups.subdocument, 3, 0):
        assert not set(groups.subdocument[train]) & set(groups.subdocument[test])
    # without groups the inner folds are paragraphs again
    train, test = inner_splits(y, None, 3, 0)[0]
    assert set(groups.subdocument[train]) & set(groups.subdocument[test])


def test_difference_interval_resamples_clusters() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=(200, 2))
    clusters = np.repeat(np.arange(20), 10)
    perfect = [OutOfFold(labels.copy(), labels.astype(float))]
    noisy = labels.copy()
    noisy[rng.random(labels.shape) < 0.3] ^= 1
    worse = [OutOfFold(noisy, noisy.astype(float))]
    same = difference_interval(labels, perfect, perfect, clusters, [0, 1], resamples=200)
    assert same["difference"] == same["low"] == same["high"] == 0.0
    gap = difference_interval(labels, perfect, worse, clusters, [0, 1], resamples=200)
    assert 0 < gap["low"] < gap["difference"] < gap["high"] and gap["clusters"] == 20


def test_calibration_error_is_zero_for_honest_scores_and_large_for_overconfident_ones() -> None:
    rng = np.random.default_rng(1)
    scores = rng.random(20000)
    honest = (rng.random(20000) < scores).astype(int)
    assert calibration_error(honest, scores) < 0.02
    assert calibration_error(honest, np.where(scores > 0.5, 1.0, 0.0)) > 0.2
