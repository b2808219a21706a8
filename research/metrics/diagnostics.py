"""Fit diagnostics: is a fit a usable set of themes, or did it collapse or cluster sources?

A coherence score says nothing about a fit that puts nine paragraphs in ten into one topic, or
whose topics are each one report's sub-document. These numbers and ``flags`` catch such fits
so a comparison can show them marked and leave them out of its verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import pandas as pd

from research.config import DiagnosticThresholds
from research.topics.base import TopicResult

#: Flag names, in the order they are reported.
FLAGS = ("collapsed", "few_topics", "single_source", "many_outliers")


@dataclass(frozen=True)
class TopicSources:
    """Where one topic's paragraphs come from: its most common document and sub-document."""

    topic: int
    size: int
    top_doc: str
    doc_share: float
    top_subdoc: str
    subdoc_share: float


@dataclass
class FitDiagnostics:
    """The numbers behind the flags of one fit."""

    n_paragraphs: int
    n_topics: int
    n_used_topics: int
    n_assigned: int
    largest_topic_share: float
    outlier_share: float
    topics: list[TopicSources] = field(default_factory=list)

    def single_source_topics(self, share: float, min_size: int) -> tuple[int, int]:
        """(single-source topics, topics judged): topics of at least ``min_size`` paragraphs."""
        judged = [t for t in self.topics if t.size >= min_size]
        return sum(t.subdoc_share >= share for t in judged), len(judged)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (NaN as None), for metrics.json."""
        data = asdict(self)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in data.items()}


def subdocument_keys(docs: Sequence[str], titles: Sequence[str]) -> list[str]:
    """One key per paragraph for its sub-document: titles repeat across reports, so doc + title."""
    return [f"{doc}/{title}" for doc, title in zip(docs, titles)]


def diagnose(result: TopicResult, docs: Sequence[str], subdocs: Sequence[str]) -> FitDiagnostics:
    """Sizes, outliers and source concentration of one fit.

    ``docs`` and ``subdocs`` hold one key per paragraph, in the order of ``result.assignments``
    (see :func:`subdocument_keys`). ``n_topics`` counts the fit's topics, ``n_used_topics``
    those holding at least one paragraph (an LDA topic can hold none).
    """
    if not len(docs) == len(subdocs) == len(result.assignments):
        raise ValueError("docs, subdocs and assignments must have one entry per paragraph")
    frame = pd.DataFrame({"topic": result.assignments, "doc": list(docs),
                          "subdoc": list(subdocs)})
    assigned = frame[frame["topic"] >= 0]
    total = len(frame)
    sizes = assigned["topic"].value_counts()
    topics = []
    for topic, group in assigned.groupby("topic", sort=True):
        doc = group["doc"].value_counts()
        sub = group["subdoc"].value_counts()
        topics.append(TopicSources(int(topic), len(group), str(doc.index[0]),
                                   float(doc.iloc[0] / len(group)), str(sub.index[0]),
                                   float(sub.iloc[0] / len(group))))
    return FitDiagnostics(
        n_paragraphs=total, n_topics=len(result.topics), n_used_topics=len(sizes),
        n_assigned=len(assigned),
        largest_topic_share=float(sizes.iloc[0] / len(assigned)) if len(assigned) else math.nan,
        outlier_share=float((total - len(assigned)) / total) if total else math.nan,
        topics=topics)


def flags(diagnostics: FitDiagnostics,
          thresholds: DiagnosticThresholds | None = None) -> list[str]:
    """The fit's flags (empty when healthy), in :data:`FLAGS` order."""
    t = thresholds or DiagnosticThresholds()
    d = diagnostics
    found = set()
    if not math.isnan(d.largest_topic_share) and d.largest_topic_share > t.collapsed_share:
        found.add("collapsed")
    if d.n_used_topics < t.min_topics:
        found.add("few_topics")
    single, judged = d.single_source_topics(t.single_source_share, t.min_topic_size)
    if judged and single / judged > t.single_source_topics:
        found.add("single_source")
    if not math.isnan(d.outlier_share) and d.outlier_share > t.max_outlier_share:
        found.add("many_outliers")
    return [f for f in FLAGS if f in found]


def fit_flags(result: TopicResult, docs: Sequence[str], subdocs: Sequence[str],
              thresholds: DiagnosticThresholds | None = None
              ) -> tuple[FitDiagnostics, list[str]]:
    """Diagnostics and flags of one fit in one call, as a run records them per fit."""
    diagnostics = diagnose(result, docs, subdocs)
    return diagnostics, flags(diagnostics, thresholds)
