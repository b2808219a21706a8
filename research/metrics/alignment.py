"""Agreement of topic assignments with hand-labeled themes."""

from __future__ import annotations

import math
from collections import Counter

from sklearn.metrics import normalized_mutual_info_score

from research.topics.base import TopicResult


def primary_theme(labels: list[str], order: list[str]) -> str:
    """One theme per paragraph for NMI: the first of its labels in codebook order, or 'none'."""
    return next((t for t in order if t in labels), "none")


def label_alignment(result: TopicResult, paragraph_ids: list[str],
                    labels: dict[str, list[str]], order: list[str]) -> dict[str, object]:
    """NMI between topics and primary themes, and for each theme the topic that captures it best.

    "Best" is the topic with the highest F1 when read as a detector of that theme.
    """
    rows = [(result.assignments[i], labels[pid]) for i, pid in enumerate(paragraph_ids)
            if pid in labels]
    if len(rows) < 10:
        return {"label_nmi": math.nan, "theme_topics": {}}
    topics = [t for t, _ in rows]
    primary = [primary_theme(ls, order) for _, ls in rows]
    nmi = float(normalized_mutual_info_score(primary, topics))
    best: dict[str, dict[str, float]] = {}
    topic_sizes = Counter(topics)
    for theme in order:
        positives = sum(theme in ls for _, ls in rows)
        if not positives:
            continue
        hits = Counter(t for t, ls in rows if theme in ls and t >= 0)
        scored = [(2 * hits[t] / (positives + topic_sizes[t]), t) for t in hits]
        if scored:
            f1, topic = max(scored)
            best[theme] = {"topic": int(topic), "f1": round(f1, 4)}
    return {"label_nmi": nmi, "theme_topics": best}
