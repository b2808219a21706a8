"""The pipeline scored against the hand-checked segmentation sample (seeds/segmentation/).

Sixty paragraphs drawn at random from the seed corpus were read against their cleaned source:
paragraph boundaries, sub-document title, section and text. These tests keep what was found
right right, and say how far the pipeline is from the checkers' expectations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from research.corpus.pipeline import Corpus

SAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "segmentation" / "sample.jsonl"
CHECKS = ("boundary_ok", "title_ok", "section_ok", "text_ok")


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def expected(row: dict) -> tuple[str, str]:
    title = row["title"] if row["title_ok"] else row["expected_title"]
    section = row["section"] if row["section_ok"] else row["expected_section"]
    return title, section


def matches(row: dict, corpus: Corpus) -> bool:
    """The pipeline now gives this paragraph exactly as the checkers expect it."""
    if not (row["boundary_ok"] and row["text_ok"]):
        return False  # the right text was not written down, only that this one is wrong
    found = [p for p in corpus.paragraphs if p.doc == row["doc"] and p.text == row["text"]]
    return len(found) == 1 and (found[0].title, found[0].section) == expected(row)


def test_the_sample_is_a_complete_record(sample: list[dict]) -> None:
    assert len(sample) == 60 and len({r["id"] for r in sample}) == 60
    for row in sample:
        assert all(isinstance(row[c], bool) for c in CHECKS), row["id"]
        assert (row["expected_title"] is None) == row["title_ok"], row["id"]
        assert (row["expected_section"] is None) == row["section_ok"], row["id"]
        assert all(row[c] for c in CHECKS) == (row["note"] is None), row["id"]


def test_every_paragraph_found_right_is_still_right(sample: list[dict], corpus: Corpus) -> None:
    right = [r for r in sample if all(r[c] for c in CHECKS)]
    assert [r["id"] for r in right if not matches(r, corpus)] == []


def test_defect_rate_is_no_worse_than_measured(sample: list[dict], corpus: Corpus) -> None:
    """The rate the README reports (3 of 60 when checked, 2026-12-03); it may only fall."""
    defects = sum(not matches(r, corpus) for r in sample)
    assert defects <= 3
