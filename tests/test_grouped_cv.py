"""Cross-validation grouped by document and sub-document, on the real labeled seed paragraphs."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.errors import InputError
from research.themes.classifier import KeywordBaseline, inner_splits
from research.themes.codebook import load_codebook
from research.themes.evaluate import (Groups, OutOfFold, calibration_error, cross_validate,
                                      difference_interval, outer_splits, planned_folds)
from research.themes.labels import load_labels, load_supplement
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


class RecordingBaseline(KeywordBaseline):
    """The keyword rules, remembering what each fit was given (a real estimator, observed)."""

    fits: list[list[str]] = []

    def fit(self, texts, labels, groups=None):  # noqa: ANN001, ANN201
        RecordingBaseline.fits.append(list(texts))
        assert len(groups) == len(texts) == len(labels)
        return super().fit(texts, labels, groups)


def write_supplement(path, rows) -> None:  # noqa: ANN001
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")


def test_a_supplement_joins_every_training_fold_and_is_never_scored(data, tmp_path) -> None:  # noqa: ANN001
    texts, y, groups, themes, keywords = data
    path = tmp_path / "supplement.jsonl"
    write_supplement(path, [
        {"id": "x1", "doc": "d1", "text": "县财政安排义务教育专项资金两千万元。", "labels": ["funding"]},
        {"id": "x2", "doc": "d2", "text": "全县招聘特岗教师八十名。", "labels": ["staffing"]}])
    supplement = load_supplement([path], load_codebook(CODEBOOK), set(), [])
    assert supplement.labels.tolist()[0][themes.index("funding")] == 1
    RecordingBaseline.fits = []
    result = cross_validate(lambda: RecordingBaseline(themes, keywords), texts, y, themes,
                            groups, "document", supplement=supplement)
    assert len(RecordingBaseline.fits) == 5
    for fitted in RecordingBaseline.fits:
        assert fitted[-2:] == supplement.texts and len(fitted) < len(texts) + 2
    # scored paragraphs are the corpus's only, each once
    assert result["out_of_fold"][0].predicted.shape == y.shape
    plain = cross_validate(lambda: KeywordBaseline(themes, keywords), texts, y, themes, groups,
                           "document")
    assert plain["folds"] == result["folds"]


@pytest.fixture(scope="module")
def seed_paragraphs() -> list:
    return build_corpus_from_folder(ROOT / "seeds/raw", CorpusConfig()).paragraphs


GOOD = {"id": "x0", "doc": "d", "text": "全县新建周转宿舍一百套。", "labels": ["staffing"]}


@pytest.mark.parametrize("row, message", [
    ({"id": "x1", "text": "全县招聘特岗教师八十名。", "labels": ["staffing"]},
     r"record 2 \(x1\): 'doc'"),
    ({"id": "x1", "doc": "", "text": "招聘教师。", "labels": []}, r"record 2 \(x1\): 'doc'"),
    ({"id": "x1", "doc": 5, "text": "招聘教师。", "labels": []}, r"record 2 \(x1\): 'doc'"),
    ({"id": "x1", "doc": "d", "text": "  ", "labels": []}, r"record 2 \(x1\): empty 'text'"),
    ({"id": "TAKEN", "doc": "d", "text": "招聘教师。", "labels": []}, "also in the labels"),
    ({"id": "x1", "doc": "d", "text": "招聘教师。", "labels": ["teachers"]}, "unknown theme"),
])
def test_a_bad_supplement_row_is_one_error_naming_the_file_and_record(
        tmp_path, seed_paragraphs, row, message) -> None:  # noqa: ANN001
    path = tmp_path / "supplement.jsonl"
    write_supplement(path, [GOOD, row])
    with pytest.raises(InputError, match=message) as caught:
        load_supplement([path], load_codebook(CODEBOOK), {"TAKEN"}, seed_paragraphs)
    assert "supplement.jsonl" in str(caught.value)


def test_a_supplement_cannot_hold_text_the_folds_score(tmp_path, seed_paragraphs) -> None:  # noqa: ANN001
    """A scored paragraph under another id and document, one of the corpus's own documents
    (a `research label` file of the same reports), or a corpus paragraph id: each would be
    trained on and scored at once, so each is refused by name."""
    scored = seed_paragraphs[10]
    cases = [
        ({"id": "new", "doc": "outside", "text": f" {scored.text} ", "labels": []},
         "is the text of corpus paragraph " + scored.id),
        ({"id": "new", "doc": scored.doc, "text": "别的报告里的一段话。", "labels": []},
         f"document {scored.doc!r} is in the corpus"),
        ({"id": scored.id, "doc": "outside", "text": "别的报告里的一段话。", "labels": []},
         f"paragraph id {scored.id} is also"),
    ]
    path = tmp_path / "supplement.jsonl"
    for row, message in cases:
        write_supplement(path, [GOOD, row])
        with pytest.raises(InputError, match=re.escape(message)) as caught:
            load_supplement([path], load_codebook(CODEBOOK), set(), seed_paragraphs)
        assert "record 2" in str(caught.value)


def test_a_supplement_folder_is_named_as_a_folder(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match="is a folder, not a file"):
        load_supplement([tmp_path], load_codebook(CODEBOOK), set(), [])


def test_a_research_label_file_is_a_supplement_and_its_skips_are_not_labels(tmp_path) -> None:  # noqa: ANN001
    """A researcher's own labels (as `research label` writes them) can train beside the seeds."""
    from research.themes.label_store import Item, decision_row

    codebook = load_codebook(CODEBOOK)
    kept = Item("q1", "my_report", "标题", "一、师资", "全县招聘特岗教师八十名。")
    skipped = Item("q2", "my_report", "标题", "", "看不清的段落")
    path = tmp_path / "my_labels.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in (
        decision_row(kept, ["staffing"], "me", "h" * 16, codebook.ids),
        decision_row(skipped, None, "me", "h" * 16, codebook.ids))), encoding="utf-8")
    supplement = load_supplement([path], codebook, set(), [])
    assert supplement.texts == [kept.text] and len(supplement) == 1
    assert supplement.labels[0].tolist() == [int(t == "staffing") for t in codebook.ids]
