"""Duplicate paragraphs on their own: exact repeats, near copies across documents, and a
repeated section whose paragraphs were merged differently the second time."""

from __future__ import annotations

import gc
import weakref

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research.config import DedupConfig
from research.corpus.dedup import NON_TEXT, DuplicateFilter, find_duplicates, shingles
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


def compared_with_every_earlier_paragraph(items: list[tuple[str, str]], config: DedupConfig
                                          ) -> dict[int, str]:
    """The rule as the module states it, by brute force: each paragraph against every kept one."""
    drops: dict[int, str] = {}
    kept: list[tuple[str, str, set[str]]] = []  # doc, exact key, shingles
    for i, (doc, text) in enumerate(items):
        key = NON_TEXT.sub("", text)
        if any(key == k for _, k, _ in kept):
            drops[i] = "duplicate"
            continue
        grams = shingles(text, config.shingle_chars)
        if grams:
            best = max((len(grams & g) / len(grams) for _, _, g in kept), default=0)
            own = set().union(*(g for d, _, g in kept if d == doc))
            in_doc = len(grams & own) / len(grams)
            if best >= config.near_duplicate_share or (
                    len(grams) >= 40 and in_doc >= config.near_duplicate_share):
                drops[i] = "near duplicate"
                continue
        kept.append((doc, key, grams))
    return drops


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from("abc"),
                          st.lists(st.integers(0, 11), min_size=1, max_size=6),
                          st.integers(0, 40)), min_size=1, max_size=25),
       st.sampled_from([0.3, 0.5, 0.7, 0.85, 0.9, 1.0]), st.integers(2, 6))
def test_the_search_finds_exactly_what_comparing_with_every_paragraph_finds(
        drawn: list[tuple[str, list[int], int]], share: float, size: int) -> None:
    """The search only compares paragraphs that share rare shingles (prefix filtering); on
    paragraphs recombined from a dozen seed sentences, some cut short, it must drop exactly
    what the brute-force comparison drops."""
    pool = seed_sentences(12)
    items = [(doc, "".join(pool[k] for k in picked)[cut:]) for doc, picked, cut in drawn]
    config = DedupConfig(near_duplicate_share=share, shingle_chars=size)
    assert find_duplicates(items, config) == compared_with_every_earlier_paragraph(items, config)


def test_a_finished_filter_is_freed_at_once_not_by_the_cycle_collector() -> None:
    """The filter holds an index of every shingle (hundreds of MB on a large corpus): it must
    go when the corpus is built, not linger until Python's cycle collector runs."""
    seen = DuplicateFilter(DedupConfig())
    for sentence in seed_sentences(5):
        seen.drop_reason("d", sentence)
    gone = weakref.ref(seen)
    gc.disable()
    try:
        del seen
        assert gone() is None
    finally:
        gc.enable()
