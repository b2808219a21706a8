"""Codebook, hand labels, classifier and model folders, on the real labeled paragraphs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from research.classifier_config import CandidateConfig
from research.corpus.pipeline import Corpus
from research.errors import InputError
from research.themes.classifier import (THRESHOLD_GRID, KeywordBaseline, ThemeClassifier,
                                        best_threshold, f1_at)
from research.themes.codebook import CORE_THEMES, load_codebook
from research.themes.evaluate import Groups, cross_validate
from research.themes.features import CompactTfidfVectorizer, WordTokenizer
from research.themes.labels import check_against_corpus, load_labels
from research.themes.model_io import data_hash, import_skops, load_model, save_model
from tests.conftest import ROOT

LABELS = ROOT / "seeds/labels/labels.jsonl"


@pytest.fixture(scope="module")
def labeled() -> tuple[list[str], np.ndarray, list[str], dict[str, list[str]]]:
    codebook = load_codebook(ROOT / "configs/themes.yaml")
    rows = load_labels(LABELS, ROOT / "configs/themes.yaml")
    texts = [r.text for r in rows]
    y = np.array([[int(t in r.labels) for t in codebook.ids] for r in rows])
    return texts, y, codebook.ids, codebook.keywords()


def test_codebook_has_the_core_ids_and_every_theme_of_the_team_codebook() -> None:
    codebook = load_codebook(ROOT / "configs/themes.yaml")
    assert set(CORE_THEMES) <= set(codebook.ids)
    assert codebook.ids == ["funding", "staffing", "facilities", "equity", "digital", "layout",
                            "partnership", "quality", "governance"]
    assert all(t.name and t.definition and t.keywords for t in codebook.themes)


def test_labeled_set_size_and_coverage() -> None:
    rows = load_labels(LABELS, ROOT / "configs/themes.yaml")
    counts = Counter(t for r in rows for t in r.labels)
    assert len(rows) >= 350
    assert all(counts[t] >= 30 for t in CORE_THEMES), counts
    assert all(counts[t] >= 10 for t in counts), counts
    assert sum(not r.labels for r in rows) >= 20
    agreement = json.loads((LABELS.parent / "agreement.json").read_text(encoding="utf-8"))
    assert agreement["paragraphs"] >= 80
    assert set(agreement["per_theme"]) == set(load_codebook(ROOT / "configs/themes.yaml").ids)


def test_labels_match_the_current_corpus(corpus: Corpus) -> None:
    rows = load_labels(LABELS, ROOT / "configs/themes.yaml")
    assert len(check_against_corpus(rows, corpus.paragraphs, LABELS)) == len(rows)


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": "p1", "text": "x", "labels": ["money"]}\n', "unknown theme id(s) money"),
    ('{"id": "p1", "text": "x", "labels": []}\n{"id": "p1", "text": "y", "labels": []}\n',
     "duplicate paragraph id p1"),
    ('{"id": "p1", "labels": []}\n', "record 1"),
    ('not json\n', "line 1 is not valid JSON"),
])
def test_bad_label_files_give_clear_errors(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(line, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        load_labels(path, ROOT / "configs/themes.yaml")


def test_changed_segmentation_is_detected(tmp_path: Path, corpus: Corpus) -> None:
    paragraph = corpus.paragraphs[0]
    path = tmp_path / "labels.jsonl"
    for row, message in [({"id": "p000000000000", "doc": paragraph.doc, "text": "x"},
                          "not in the corpus"),
                         ({"id": paragraph.id, "doc": paragraph.doc, "text": "changed"},
                          "differs from the corpus")]:
        path.write_text(json.dumps({**row, "labels": []}) + "\n", encoding="utf-8")
        rows = load_labels(path, ROOT / "configs/themes.yaml")
        with pytest.raises(InputError, match=message):
            check_against_corpus(rows, corpus.paragraphs, path)


def test_stacked_classifier_learns_the_themes_of_documents_it_never_saw(labeled, corpus) -> None:  # noqa: ANN001
    """Leave one document out: the stacked model beats the keyword rules on all nine themes
    (macro F1) even when every paragraph it is scored on comes from a document it never saw."""
    texts, y, themes, keywords = labeled
    by_id = {p.id: p for p in corpus.paragraphs}
    rows = load_labels(LABELS, ROOT / "configs/themes.yaml")
    groups = Groups.of([by_id[r.id].doc for r in rows], [by_id[r.id].title for r in rows])
    scores = cross_validate(lambda: ThemeClassifier(themes, keywords), texts, y, themes, groups,
                            "document")
    baseline = cross_validate(lambda: KeywordBaseline(themes, keywords), texts, y, themes,
                              groups, "document")
    assert scores["folds"] == 5 and scores["core_macro_f1"] > 0.74
    assert scores["macro_f1"] > baseline["macro_f1"] + 0.02, (scores["macro_f1"],
                                                               baseline["macro_f1"])


def test_model_folder_round_trip_and_refusal_of_foreign_types(tmp_path: Path, labeled) -> None:  # noqa: ANN001
    texts, y, themes, keywords = labeled
    model = ThemeClassifier(themes, keywords, inner_folds=2).fit(texts[:200], y[:200])
    codebook = load_codebook(ROOT / "configs/themes.yaml").model_dump(mode="json")
    folder = save_model(model, tmp_path / "m", {
        "themes": themes, "features": ["words"], "codebook": codebook,
        "thresholds": [float(t) for t in model.thresholds_]})
    loaded, meta = load_model(folder)
    assert meta["format"] == 1 and meta["themes"] == themes
    np.testing.assert_allclose(loaded.predict_proba(texts[200:260]),
                               model.predict_proba(texts[200:260]))
    sio = import_skops()
    sio.dump({"model": Path("x")}, tmp_path / "m" / "model.skops")
    with pytest.raises(InputError, match="untrusted"):
        load_model(folder)


def test_shipped_default_model_was_trained_on_the_current_labels(labeled) -> None:  # noqa: ANN001
    """The seed labels and the training supplement classifier.yaml names, in that order."""
    texts, _, themes, _ = labeled
    model, meta = load_model()
    rows = load_labels(LABELS, ROOT / "configs/themes.yaml")
    supplement = [json.loads(line) for line in
                  (ROOT / "seeds/supplement/labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert meta["training_data_hash"] == data_hash(
        texts + [r["text"] for r in supplement],
        [r.labels for r in rows] + [[t for t in themes if t in r["labels"]] for r in supplement])
    assert meta["trained_on"] == len(rows) + len(supplement)
    assert meta["themes"] == themes and meta["codebook"]["core"] == list(CORE_THEMES)
    # chosen and scored on folds of whole documents, as new reports will be
    assert meta["cv"]["folds_of"] == "document" and meta["cv"]["core_macro_f1"] >= 0.75
    assert meta["cv"]["paragraph_folds_core_macro_f1"] >= 0.77
    assert isinstance(model, ThemeClassifier)
    settings = CandidateConfig.model_validate(meta["candidate"])
    assert (list(model.features), model.C, model.stack_keywords) == (
        settings.features, settings.C, settings.stack_keywords)
    assert model.thresholds_.tolist() == meta["thresholds"]


#: Paragraphs written for this test (in no seed report, so the shipped model never saw them),
#: each about one theme only.
UNSEEN = {
    "staffing": "全县推行城乡教师交流轮岗，每年选派骨干教师到乡村学校任教，补足农村学校教师编制。",
    "funding": "县财政足额拨付生均公用经费，今年安排专项资金三千万元，全部用于农村义务教育学校。",
    "facilities": "新建教学楼和学生宿舍，改造薄弱学校校舍，配齐实验室仪器设备和图书。",
}


def test_shipped_default_model_tags_paragraphs_it_never_saw(labeled) -> None:  # noqa: ANN001
    texts, _, themes, _ = labeled
    assert not set(UNSEEN.values()) & set(texts)
    model, _ = load_model()
    tagged = model.predict(list(UNSEEN.values()))
    for row, theme in zip(tagged, UNSEEN):
        assert row[themes.index(theme)] == 1, theme
        assert row.sum() <= 2, (theme, [t for t, on in zip(themes, row) if on])


def test_best_threshold_maximises_f1_and_breaks_ties_toward_the_middle() -> None:
    grid = np.array([0.2, 0.3, 0.5, 0.6, 0.8])
    y = np.array([0, 0, 1, 1, 1])
    # F1 is 6/7 at 0.2 and 0.3 (one false positive), 4/5 at 0.5 and 0.6, 1/2 at 0.8.
    assert best_threshold(y, np.array([0.1, 0.4, 0.35, 0.7, 0.9]), grid) == 0.3
    assert best_threshold(y, np.array([0.1, 0.1, 0.9, 0.9, 0.9]), grid) == 0.5  # all perfect
    assert best_threshold(np.zeros(5, int), np.linspace(0, 1, 5), grid) == 0.5  # no positives


def test_constructor_defaults_are_the_config_defaults(labeled) -> None:  # noqa: ANN001
    from research.classifier_run import make_candidate

    _, _, themes, keywords = labeled
    config = CandidateConfig(name="any")
    params = ThemeClassifier().get_params()
    assert (list(params["features"]), params["C"], params["stack_keywords"],
            params["max_char_features"]) == (config.features, config.C, config.stack_keywords,
                                             config.max_char_features)
    assert (make_candidate(config, load_codebook(ROOT / "configs/themes.yaml"), {}).get_params()
            == ThemeClassifier(themes, keywords).get_params())


def tokenizer_of(model: ThemeClassifier) -> WordTokenizer:
    return model.model_["features"].named_transformers["words"].analyzer


def test_tokenizer_memory_is_per_instance_bounded_and_never_saved(tmp_path: Path,
                                                                  labeled) -> None:  # noqa: ANN001
    import pickle

    from sklearn.base import clone

    texts, y, themes, keywords = labeled
    first, second = WordTokenizer(max_cached=3), WordTokenizer(max_cached=3)
    empty = len(pickle.dumps(first))
    words = [first(text) for text in texts[:5]]
    assert first.cache_info().currsize == 3 and second.cache_info().currsize == 0
    assert second(texts[4]) == words[4] and second.cache_info().misses == 1
    assert len(pickle.dumps(first)) == empty
    # A clone (one per cross-validation fold) shares the memory of the analyzer it copies.
    twin = clone(CompactTfidfVectorizer(analyzer=second)).analyzer
    assert twin is not second and twin(texts[4]) == words[4]
    assert second.cache_info().hits == 1

    model = ThemeClassifier(themes, keywords, inner_folds=2).fit(texts[:200], y[:200])
    assert tokenizer_of(model).cache_info().currsize == 200
    sio = import_skops()
    sio.dump(model, tmp_path / "model.skops")
    loaded = sio.load(tmp_path / "model.skops",
                      trusted=sio.get_untrusted_types(file=tmp_path / "model.skops"))
    assert tokenizer_of(loaded).cache_info().currsize == 0
    np.testing.assert_allclose(loaded.predict_proba(texts[200:230]),
                               model.predict_proba(texts[200:230]))
    assert tokenizer_of(loaded).cache_info().currsize == 30


def test_fit_is_deterministic_given_random_state(labeled) -> None:  # noqa: ANN001
    texts, y, themes, keywords = labeled

    def fit(seed: int) -> ThemeClassifier:
        return ThemeClassifier(themes, keywords, inner_folds=2, random_state=seed).fit(
            texts[:240], y[:240])

    first, again, other = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(first.threshold_f1_, again.threshold_f1_)
    np.testing.assert_array_equal(first.predict_proba(texts[240:280]),
                                  again.predict_proba(texts[240:280]))
    # random_state chooses the inner folds, so other folds give other out-of-fold scores
    assert not np.array_equal(first.threshold_f1_, other.threshold_f1_)


HELD_OUT_DOC = "004_b2a36fbccd6b7430"


@pytest.fixture(scope="module")
def held_out(labeled) -> dict[str, object]:  # noqa: ANN001
    """Models trained on four seed documents; the fifth's paragraphs are held out."""
    texts, y, themes, keywords = labeled
    docs = np.array([r.doc for r in load_labels(LABELS, ROOT / "configs/themes.yaml")])
    train, test = np.flatnonzero(docs != HELD_OUT_DOC), np.flatnonzero(docs == HELD_OUT_DOC)
    train_texts = [texts[i] for i in train]
    shuffled = np.random.default_rng(0).permutation(y[train])
    return {
        "test_texts": [texts[i] for i in test], "test_y": y[test],
        "shuffled": shuffled, "train_texts": train_texts,
        "model": ThemeClassifier(themes, keywords).fit(train_texts, y[train],
                                                       groups=docs[train]),
        "control": ThemeClassifier(themes, keywords).fit(train_texts, shuffled),
        "baseline": KeywordBaseline(themes, keywords).fit(train_texts, y[train]),
    }


def test_a_document_not_used_in_training_is_tagged_better_than_by_controls(held_out) -> None:  # noqa: ANN001
    from sklearn.metrics import f1_score

    def macro(name: str) -> float:
        predicted = held_out[name].predict(held_out["test_texts"])
        return float(f1_score(held_out["test_y"], predicted, average="macro", zero_division=0))

    model, control, baseline = macro("model"), macro("control"), macro("baseline")
    assert model > control + 0.3, (model, control)
    assert model > baseline, (model, baseline)


def test_thresholds_are_tuned_on_scores_that_never_saw_their_own_fold(held_out) -> None:  # noqa: ANN001
    """With shuffled labels there is nothing to learn: out-of-fold scores are at chance, so the
    F1 the thresholds were tuned to is too, while the same base model scores its own training
    paragraphs perfectly (what tuning on in-fold scores would have seen)."""
    control, shuffled = held_out["control"], held_out["shuffled"]
    prevalence = shuffled.mean(axis=0)
    chance = 2 * prevalence / (1 + prevalence)  # F1 of tagging every paragraph
    assert np.all(control.threshold_f1_ < chance + 0.1), (control.threshold_f1_, chance)
    in_fold = control.model_.predict_proba(held_out["train_texts"])
    seen = [f1_at(shuffled[:, j], in_fold[:, j],
                  best_threshold(shuffled[:, j], in_fold[:, j], THRESHOLD_GRID))
            for j in range(shuffled.shape[1])]
    assert min(seen) > 0.9, seen
    assert held_out["model"].threshold_f1_.mean() > control.threshold_f1_.mean() + 0.3
