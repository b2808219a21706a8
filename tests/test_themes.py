"""Codebook, hand labels, classifier and model folders, on the real labeled paragraphs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from research.corpus.pipeline import Corpus
from research.errors import InputError
from research.themes.classifier import KeywordBaseline, ThemeClassifier
from research.themes.codebook import CORE_THEMES, load_codebook
from research.themes.evaluate import cross_validate
from research.themes.labels import check_against_corpus, load_labels
from research.themes.model_io import data_hash, load_model, save_model
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


def test_stacked_classifier_learns_the_themes(labeled) -> None:  # noqa: ANN001
    texts, y, themes, keywords = labeled
    scores = cross_validate(lambda: ThemeClassifier(themes, keywords), texts, y, themes,
                            folds=3, repeats=1)
    baseline = cross_validate(lambda: KeywordBaseline(themes, keywords), texts, y, themes,
                              folds=3, repeats=1)
    assert scores["core_macro_f1"] > 0.75
    assert scores["macro_f1"] > baseline["macro_f1"]
    assert all(0 <= scores["per_theme"][t]["f1"] <= 1 for t in themes)


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
    import skops.io as sio

    sio.dump({"model": Path("x")}, tmp_path / "m" / "model.skops")
    with pytest.raises(InputError, match="untrusted"):
        load_model(folder)


def test_shipped_default_model_was_trained_on_the_current_labels(labeled) -> None:  # noqa: ANN001
    texts, y, themes, _ = labeled
    model, meta = load_model()
    rows = load_labels(LABELS, ROOT / "configs/themes.yaml")
    assert meta["training_data_hash"] == data_hash(texts, [r.labels for r in rows])
    assert meta["themes"] == themes and meta["codebook"]["core"] == list(CORE_THEMES)
    assert meta["cv"]["core_macro_f1"] >= 0.80
    predicted = model.predict(texts)
    assert (predicted == y).mean() > 0.9

