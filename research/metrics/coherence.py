"""NPMI and C_V coherence of topics' top words against the tokenized paragraphs (gensim)."""

from __future__ import annotations

import math
from functools import cached_property

from research.topics.base import Topic


class CoherenceScorer:
    """Holds the dictionary of the reference corpus once and scores many topic sets."""

    def __init__(self, tokens: list[list[str]], top_n: int = 10) -> None:
        self.tokens = [doc for doc in tokens if doc]
        self.top_n = top_n

    @cached_property
    def dictionary(self):  # type: ignore[no-untyped-def]
        from gensim.corpora import Dictionary

        return Dictionary(self.tokens)

    def _topics(self, topics: list[Topic]) -> list[list[str]]:
        known = self.dictionary.token2id
        return [words for words in ([w for w in t.words[: self.top_n] if w in known]
                                    for t in topics) if len(words) >= 2]

    def score(self, topics: list[Topic], measure: str) -> float:
        """Mean coherence over topics ('c_npmi' or 'c_v'); NaN when no topic can be scored."""
        from gensim.models.coherencemodel import CoherenceModel

        words = self._topics(topics)
        if not words:
            return math.nan
        model = CoherenceModel(topics=words, texts=self.tokens, dictionary=self.dictionary,
                               coherence=measure, topn=self.top_n, processes=1)
        values = [v for v in model.get_coherence_per_topic() if not math.isnan(v)]
        return float(sum(values) / len(values)) if values else math.nan

    def npmi(self, topics: list[Topic]) -> float:
        return self.score(topics, "c_npmi")

    def c_v(self, topics: list[Topic]) -> float:
        return self.score(topics, "c_v")
