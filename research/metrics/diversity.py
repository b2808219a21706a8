"""Topic diversity: the share of unique words among all topics' top words (Dieng et al.)."""

from __future__ import annotations

import math

from research.topics.base import Topic


def topic_diversity(topics: list[Topic], top_n: int) -> float:
    """Unique share of the top ``top_n`` words of all topics (the same N as coherence)."""
    words = [w for t in topics for w in t.words[:top_n]]
    return len(set(words)) / len(words) if words else math.nan
