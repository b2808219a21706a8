"""The metrics on their own, on the tokenized seed corpus: each one against a case whose answer
is known without the code (a shuffled topic, a copy, a hand-counted overlap)."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from research.corpus.tokenize import ChineseTokenizer
from research.metrics.alignment import label_alignment, primary_theme
from research.metrics.coherence import CoherenceScorer
from research.metrics.diversity import topic_diversity
from research.metrics.stability import best_match_overlap, stability
from research.topics.base import Topic, TopicResult


@pytest.fixture(scope="module")
def tokens(corpus) -> list[list[str]]:  # noqa: ANN001 - the session corpus fixture
    return ChineseTokenizer().tokenize_all([p.text for p in corpus.paragraphs])


def topic(words: list[str], topic_id: int = 0) -> Topic:
    return Topic(topic_id, words, [1.0] * len(words), 1)


def result(topics: list[Topic], assignments: list[int], seed: int = 1) -> TopicResult:
    return TopicResult("m", "lda", {}, seed, topics, assignments)


def co_occurring_words(tokens: list[list[str]], n: int = 10) -> list[str]:
    """The most frequent words of the paragraphs that mention 教师: they occur together."""
    counts = Counter(w for doc in tokens if "教师" in doc for w in set(doc))
    return [w for w, _ in counts.most_common(n)]


def test_npmi_ranks_a_real_topic_above_random_words(tokens) -> None:  # noqa: ANN001
    """NPMI does; C_V does not on this corpus (0.45 for the 教师 topic against 0.57 for ten
    random words seen at least three times), a known weakness of C_V worth remembering when
    reading the comparison."""
    scorer = CoherenceScorer(tokens)
    real = topic(co_occurring_words(tokens))
    vocabulary = sorted({w for doc in tokens for w in doc})
    rare = [w for w, c in Counter(w for doc in tokens for w in doc).items() if c >= 3]
    shuffled = topic(random.Random(0).sample(sorted(rare), 10))
    assert scorer.npmi([real]) > scorer.npmi([shuffled]) + 0.1
    assert len(vocabulary) > 1000
    assert math.isnan(scorer.npmi([topic(["不存在的词", "也不存在"])]))  # nothing to score


def test_diversity_counts_unique_words_among_the_top_n() -> None:
    a, b = topic(["学校", "教师", "经费"]), topic(["学校", "校舍", "经费"])
    assert topic_diversity([a, b], 3) == pytest.approx(4 / 6)
    assert topic_diversity([a, b], 1) == pytest.approx(1 / 2)  # 学校 twice
    assert topic_diversity([a], 3) == 1.0


def test_stability_is_one_for_a_copy_and_lower_for_a_reshuffle() -> None:
    topics = [topic(["学校", "教师", "经费"], 0), topic(["校舍", "设备", "建设"], 1)]
    assignments = [0, 0, 1, 1, 0, 1]
    same = stability([result(topics, assignments, 1), result(topics, assignments, 2)])
    assert same == {"stability_words": 1.0, "stability_ari": 1.0}
    other = [topic(["学校", "教师", "编制"], 0), topic(["校舍", "操场", "建设"], 1)]
    moved = stability([result(topics, assignments, 1), result(other, [0, 1, 0, 1, 0, 1], 2)])
    assert moved["stability_words"] == pytest.approx(0.5)  # each best match shares 2 of 4
    assert moved["stability_ari"] < 0.5
    assert best_match_overlap(topics, []) != best_match_overlap(topics, [])  # NaN: no topics
    assert all(math.isnan(v) for v in stability([result(topics, assignments)]).values())


def test_alignment_finds_the_topic_that_holds_a_theme() -> None:
    ids = [f"p{i}" for i in range(20)]
    labels = {pid: (["staffing"] if i < 10 else ["funding", "staffing"] if i < 12 else
                    ["funding"]) for i, pid in enumerate(ids)}
    assignments = [0] * 10 + [1] * 10
    aligned = label_alignment(result([topic(["教师"], 0), topic(["经费"], 1)], assignments),
                              ids, labels, ["funding", "staffing"])
    assert aligned["theme_topics"]["staffing"] == {"topic": 0, "f1": round(20 / 22, 4)}
    assert aligned["theme_topics"]["funding"] == {"topic": 1, "f1": 1.0}
    assert primary_theme(["staffing", "funding"], ["funding", "staffing"]) == "funding"
    assert aligned["label_nmi"] > 0.5
