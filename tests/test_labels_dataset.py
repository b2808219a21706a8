"""The hand-labeled set as a dataset: annotations.jsonl is the record, labels.jsonl and
agreement.json are derived from it, work/ is what the record was built from. Real files only."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from experiments.assemble_labels import assemble, write
from experiments.build_annotations import FIELDS, KINDS, PASSES, build_annotations
from experiments.draw_label_batches import draw
from research.corpus.pipeline import Corpus
from research.corpus.records import dump_jsonl, iter_jsonl
from research.themes.agreement import agreement
from research.themes.codebook import load_codebook
from tests.conftest import ROOT

LABELS = ROOT / "seeds/labels"
ANNOTATIONS = LABELS / "annotations.jsonl"
CODEBOOK = ROOT / "configs/themes.yaml"
THEMES = load_codebook(CODEBOOK).ids


@pytest.fixture(scope="module")
def annotations() -> list[dict]:
    return list(iter_jsonl(ANNOTATIONS))


@pytest.fixture(scope="module")
def by_pass(annotations: list[dict]) -> dict[str, dict[str, list[str]]]:
    passes: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for row in annotations:
        assert row["id"] not in passes[row["pass"]], (row["id"], row["pass"])
        passes[row["pass"]][row["id"]] = row["labels"]
    return passes


@pytest.fixture(scope="module")
def current_ids() -> set[str]:
    return {row["id"] for row in iter_jsonl(LABELS / "labels.jsonl")}


def test_labels_and_agreement_are_what_assemble_derives(corpus: Corpus, tmp_path: Path) -> None:
    rows, report = assemble(ANNOTATIONS, corpus.paragraphs, THEMES)
    write(rows, report, tmp_path)
    for name in ("labels.jsonl", "agreement.json"):
        assert (tmp_path / name).read_bytes() == (LABELS / name).read_bytes(), name


def test_annotations_are_what_build_annotations_makes_from_work() -> None:
    rows = build_annotations(LABELS / "work", CODEBOOK)
    assert dump_jsonl(rows) == ANNOTATIONS.read_text(encoding="utf-8")


def test_every_annotation_row_is_complete_and_known(annotations: list[dict]) -> None:
    assert annotations
    for row in annotations:
        assert tuple(row) == FIELDS, row
        assert isinstance(row["id"], str) and row["id"].startswith("p") and len(row["id"]) == 13
        assert isinstance(row["labels"], list) and set(row["labels"]) <= set(THEMES), row
        assert len(set(row["labels"])) == len(row["labels"]), row
        assert row["kind"] in KINDS and row["pass"] in PASSES, row
        assert (row["kind"] == "lead developer") == (row["pass"] == "adjudication"), row
        assert row["note"] is None or (isinstance(row["note"], str) and row["note"]), row
        assert len(row["codebook_hash"]) == 16, row
        assert row["time"] == ("2026-12-03" if row["annotator"] in (
            "llm-batch-7", "llm-batch-8", "llm-batch-9", "llm-second-pass-9")
            else "2026-11-23"), row
    assert {row["annotator"] for row in annotations} == {
        *(f"llm-batch-{k}" for k in range(1, 10)), "llm-second-pass", "llm-second-pass-9",
        "lead-adjudication",
        *(f"llm-rulings-{k}" for k in range(1, 7))}


def test_every_current_paragraph_was_rechecked_against_the_rulings_once(
        by_pass: dict[str, dict[str, list[str]]], current_ids: set[str],
        annotations: list[dict]) -> None:
    """The rulings came after the first labeling: every label was re-read against them, but
    those first given under the rulings (batches 6 and 7)."""
    from experiments.build_annotations import UNDER_RULINGS

    later = {row["id"] for row in annotations if row["annotator"] in UNDER_RULINGS}
    assert later and not later & set(by_pass["rulings"])
    assert current_ids <= set(by_pass["rulings"]) | later  # ids since replaced stay recorded


def test_the_rulings_batches_are_redrawn_from_the_labels_as_they_stood(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from experiments.draw_rulings_batches import main

    monkeypatch.setattr("sys.argv", ["draw_rulings_batches", "--check"])
    main()  # raises SystemExit naming the file when a batch differs


def test_every_current_paragraph_has_one_first_pass_decision(
        by_pass: dict[str, dict[str, list[str]]], current_ids: set[str]) -> None:
    assert current_ids <= set(by_pass["first"])
    assert set(by_pass["second"]) <= set(by_pass["first"])
    assert set(by_pass["adjudication"]) <= set(by_pass["second"])


def test_every_disagreement_between_the_passes_is_adjudicated(
        by_pass: dict[str, dict[str, list[str]]]) -> None:
    first, second, adjudicated = by_pass["first"], by_pass["second"], by_pass["adjudication"]
    disagreements = {i for i in second if set(second[i]) != set(first[i])}
    assert disagreements
    assert disagreements == set(adjudicated)


def test_agreement_is_computed_over_ids_still_in_the_set(
        by_pass: dict[str, dict[str, list[str]]], current_ids: set[str]) -> None:
    first, second = by_pass["first"], by_pass["second"]
    sample = [i for i in second if i in current_ids]
    expected = agreement({i: first[i] for i in sample}, {i: second[i] for i in sample}, THEMES)
    stored = json.loads((LABELS / "agreement.json").read_text(encoding="utf-8"))
    assert {k: stored[k] for k in expected} == expected
    assert stored["paragraphs"] == len(sample) < len(second)
    assert stored["second_pass_superseded"] == len(second) - len(sample)
    assert stored["disagreements_adjudicated"] == sum(
        set(first[i]) != set(second[i]) for i in sample)


def test_the_batches_and_the_sample_are_redrawn_exactly() -> None:
    for name, rows in draw(LABELS / "work", ROOT / "seeds/raw").items():
        assert dump_jsonl(rows) == (LABELS / "work" / name).read_text(encoding="utf-8"), name
