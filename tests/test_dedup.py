"""Duplicate paragraphs on their own: exact repeats, near copies across documents, and a
repeated section whose paragraphs were merged differently the second time."""

from __future__ import annotations

from research.config import DedupConfig
from research.corpus.dedup import find_duplicates
from tests.conftest import seed_file


def seed_sentences(count: int) -> list[str]:
    text = seed_file("003").read_text(encoding="utf-8")
    return [s + "。" for s in text.replace("\n", "").split("。") if len(s) > 40][:count]


def test_exact_repeats_differ_only_in_digits_and_punctuation() -> None:
    a = "2010年，全县投资1.16亿元，改扩建城内小学5所。"
    items = [("d1", a), ("d2", a.replace("2010", "2011").replace("，", ",")), ("d1", "另一段。")]
    assert find_duplicates(items, DedupConfig()) == {1: "duplicate"}


def test_a_near_copy_in_another_document_is_dropped_and_the_first_kept() -> None:
    sentences = seed_sentences(6)
    original = "".join(sentences[:4])
    edited = original.replace(sentences[2][:6], "有所调整")  # a few characters changed
    items = [("d1", original), ("d2", "".join(sentences[4:6])), ("d3", edited)]
    assert find_duplicates(items, DedupConfig()) == {2: "near duplicate"}
    assert find_duplicates(items, DedupConfig(near_duplicate_share=0.999)) == {}
    assert find_duplicates(items, DedupConfig(enabled=False)) == {}


def test_a_section_repeated_with_other_paragraph_breaks_is_dropped() -> None:
    sentences = seed_sentences(8)
    first = [("d", "".join(sentences[0:3])), ("d", "".join(sentences[3:6]))]
    again = [("d", "".join(sentences[1:5]))]  # spans both earlier paragraphs
    other_document = [("e", "".join(sentences[1:5]))]
    assert find_duplicates(first + again, DedupConfig()) == {2: "near duplicate"}
    # in another document it is kept: no single earlier paragraph holds most of it
    assert find_duplicates(first + other_document, DedupConfig()) == {}
