"""Stability across random seeds: do the same topics and the same partition come back?"""

from __future__ import annotations

import itertools
import math

from sklearn.metrics import adjusted_rand_score

from research.topics.base import Topic, TopicResult


def best_match_overlap(a: list[Topic], b: list[Topic], top_n: int = 10) -> float:
    """Mean over topics of a of the best Jaccard overlap of top words with any topic of b."""
    if not a or not b:
        return math.nan
    sets_b = [set(t.words[:top_n]) for t in b]
    scores = []
    for topic in a:
        words = set(topic.words[:top_n])
        scores.append(max(len(words & other) / len(words | other) for other in sets_b))
    return sum(scores) / len(scores)


def stability(results: list[TopicResult], top_n: int = 10) -> dict[str, float]:
    """Mean symmetric best-match overlap and mean ARI over all pairs of seeds."""
    pairs = list(itertools.combinations(results, 2))
    if not pairs:
        return {"stability_words": math.nan, "stability_ari": math.nan}
    overlap = [(best_match_overlap(a.topics, b.topics, top_n)
                + best_match_overlap(b.topics, a.topics, top_n)) / 2 for a, b in pairs]
    ari = [adjusted_rand_score(a.assignments, b.assignments) for a, b in pairs]
    return {"stability_words": sum(overlap) / len(overlap), "stability_ari": sum(ari) / len(ari)}
