"""Fit diagnostics and flags on the seed corpus: degenerate fits made from real paragraphs are
flagged, the quick config's LDA is not."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from research.metrics.diagnostics import (
    DiagnosticThresholds,
    diagnose,
    fit_flags,
    flags,
    subdocument_keys,
)
from research.topics.base import TopicResult
from tests.topic_fits import lda_fit, paragraphs


def keys() -> tuple[list[str], list[str]]:
    docs = [p.doc for p in paragraphs()]
    return docs, subdocument_keys(docs, [p.title for p in paragraphs()])


def with_assignments(assignments: list[int], n_topics: int = 10) -> TopicResult:
    """The quick LDA fit's topics with other assignments of the same real paragraphs."""
    result = lda_fit(1)
    return replace(result, topics=result.topics[:n_topics], assignments=list(assignments))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_quick_configs_lda_fits_are_healthy(seed: int) -> None:
    diagnostics, found = fit_flags(lda_fit(seed), *keys())
    assert found == []
    assert diagnostics.n_topics == 10
    assert diagnostics.largest_topic_share < 0.5
    assert diagnostics.n_paragraphs == len(paragraphs())


def test_every_paragraph_in_one_topic_is_collapsed() -> None:
    diagnostics, found = fit_flags(with_assignments([0] * len(paragraphs())), *keys())
    assert diagnostics.largest_topic_share == 1.0
    assert diagnostics.n_used_topics == 1
    assert {"collapsed", "few_topics"} <= set(found)


def test_merging_topics_past_half_collapses_a_healthy_fit() -> None:
    """Merge the healthy fit's biggest topics into one until it holds more than half."""
    assignments = lda_fit(1).assignments
    sizes = Counter(a for a in assignments if a >= 0)
    assigned = sum(sizes.values())
    merged, held = set(), 0
    for topic, size in sizes.most_common():
        merged.add(topic)
        held += size
        if held > assigned / 2:
            break
    target = min(merged)
    collapsed = [target if a in merged else a for a in assignments]
    diagnostics = diagnose(with_assignments(collapsed), *keys())
    assert diagnostics.largest_topic_share == pytest.approx(held / assigned)
    assert "collapsed" in flags(diagnostics)
    assert "few_topics" not in flags(diagnostics)
    relaxed = DiagnosticThresholds(collapsed_share=min(1.0, held / assigned + 0.01))
    assert "collapsed" not in flags(diagnostics, relaxed)


def test_topics_that_are_sub_documents_are_single_source() -> None:
    docs, subdocs = keys()
    largest = [key for key, _ in Counter(subdocs).most_common(8)]
    as_topics = [largest.index(s) if s in largest else -1 for s in subdocs]
    diagnostics, found = fit_flags(with_assignments(as_topics, 8), docs, subdocs)
    assert "single_source" in found
    assert all(t.subdoc_share == 1.0 and t.top_subdoc == largest[t.topic]
               for t in diagnostics.topics)
    # ten one-paragraph topics more are too small to judge: still a majority of those judged
    rest = [i for i, a in enumerate(as_topics) if a == -1][:10]
    with_small = [8 + rest.index(i) if i in rest else a for i, a in enumerate(as_topics)]
    result = replace(with_assignments(with_small, 8), topics=lda_fit(1).topics * 2)
    assert "single_source" in flags(diagnose(result, docs, subdocs))
    # the same topic sizes, paragraphs shuffled across them: no topic is one source any more
    shuffled = np.random.default_rng(0).permutation(as_topics).tolist()
    diagnostics, found = fit_flags(with_assignments(shuffled, 8), docs, subdocs)
    assert "single_source" not in found
    assert max(t.subdoc_share for t in diagnostics.topics) < 0.8


def test_small_topics_are_not_judged_single_source() -> None:
    """Topics of four paragraphs from one sub-document each, the rest in healthy topics."""
    docs, subdocs = keys()
    assignments = list(lda_fit(1).assignments)
    for topic, key in enumerate(list(dict.fromkeys(subdocs))[:6]):
        for i in [i for i, s in enumerate(subdocs) if s == key][:4]:
            assignments[i] = 10 + topic
    result = replace(lda_fit(1), assignments=assignments,
                     topics=lda_fit(1).topics + lda_fit(1).topics[:6])
    diagnostics = diagnose(result, docs, subdocs)
    small = [t for t in diagnostics.topics if t.topic >= 10]
    assert all(t.size <= 4 and t.subdoc_share == 1.0 for t in small)
    assert diagnostics.single_source_topics(0.8, 5)[1] == len(diagnostics.topics) - len(small)
    assert "single_source" not in flags(diagnostics)
    assert "single_source" in flags(diagnostics, DiagnosticThresholds(min_topic_size=1,
                                                                      single_source_topics=0.3))


def test_many_outliers_are_flagged_with_their_share() -> None:
    assignments = list(lda_fit(1).assignments)
    cut = int(len(assignments) * 0.4)
    assignments[:cut] = [-1] * cut
    diagnostics, found = fit_flags(with_assignments(assignments), *keys())
    assert diagnostics.outlier_share == pytest.approx(
        sum(a == -1 for a in assignments) / len(assignments))
    assert "many_outliers" in found
    assert "many_outliers" not in flags(diagnostics, DiagnosticThresholds(max_outlier_share=0.5))


def test_diagnostics_are_json_ready() -> None:
    diagnostics, _ = fit_flags(lda_fit(1), *keys())
    data = json.loads(json.dumps(diagnostics.to_dict(), allow_nan=False))
    assert len(data["topics"]) == diagnostics.n_used_topics
    assert {"top_doc", "doc_share", "top_subdoc", "subdoc_share"} <= set(data["topics"][0])


def test_sub_document_keys_keep_reports_apart() -> None:
    docs, subdocs = keys()
    assert len(set(subdocs)) == len({(p.doc, p.title) for p in paragraphs()})
    assert all(key.startswith(doc + "/") for doc, key in zip(docs, subdocs))


def test_thresholds_validate_and_embed_in_a_config() -> None:
    class RunConfig(BaseModel):
        diagnostics: DiagnosticThresholds = DiagnosticThresholds()

    parsed = RunConfig.model_validate({"diagnostics": {"collapsed_share": 0.6}})
    assert parsed.diagnostics.collapsed_share == 0.6
    assert parsed.diagnostics.min_topics == DiagnosticThresholds().min_topics
    with pytest.raises(ValidationError):
        RunConfig.model_validate({"diagnostics": {"collapse_share": 0.6}})
    with pytest.raises(ValidationError):
        DiagnosticThresholds(collapsed_share=0)


def test_keys_must_match_the_paragraphs() -> None:
    docs, subdocs = keys()
    with pytest.raises(ValueError, match="one entry per paragraph"):
        diagnose(lda_fit(1), docs[:-1], subdocs[:-1])
