"""The training supplement as a dataset (seeds/supplement): labels.jsonl and agreement.json are
what the written batches, the two codings and the adjudication give, and nothing of it is
also seed or held-out text. Real files only."""

from __future__ import annotations

from pathlib import Path

from experiments.assemble_supplement import derive, write
from research.corpus.records import iter_jsonl
from research.themes.codebook import load_codebook
from tests.conftest import ROOT

SUPPLEMENT = ROOT / "seeds/supplement"
THEMES = load_codebook(ROOT / "configs/themes.yaml").ids


def test_labels_and_agreement_are_what_the_codings_and_adjudication_give(tmp_path: Path) -> None:
    rows, report = derive(SUPPLEMENT / "work", THEMES)
    write(rows, report, tmp_path)
    for name in ("labels.jsonl", "agreement.json"):
        assert (tmp_path / name).read_bytes() == (SUPPLEMENT / name).read_bytes(), name


def test_every_adjudication_says_why_and_differs_only_where_the_coders_did() -> None:
    first = {r["id"]: set(r["labels"]) for p in (SUPPLEMENT / "work/coder_a").glob("w*.jsonl")
             for r in iter_jsonl(p)}
    second = {r["id"]: set(r["labels"]) for p in (SUPPLEMENT / "work/coder_b").glob("w*.jsonl")
              for r in iter_jsonl(p)}
    adjudicated = [r for p in (SUPPLEMENT / "work/adjudication").glob("w*.jsonl")
                   for r in iter_jsonl(p)]
    assert {r["id"] for r in adjudicated} == {i for i in first if first[i] != second[i]}
    for row in adjudicated:
        assert row["why"].strip() and row["by"] == "lead developer", row
        assert set(row["labels"]) <= set(THEMES), row


def test_no_supplement_paragraph_is_seed_or_held_out_text() -> None:
    """Training on it never touches what the scores are measured on."""
    supplement = list(iter_jsonl(SUPPLEMENT / "labels.jsonl"))
    others = [r for name in ("seeds/labels/labels.jsonl", "seeds/heldout/labels.jsonl")
              for r in iter_jsonl(ROOT / name)]
    assert not {r["text"] for r in supplement} & {r["text"] for r in others}
    assert not {r["id"] for r in supplement} & {r["id"] for r in others}
    assert len({r["id"] for r in supplement}) == len(supplement) == 506
