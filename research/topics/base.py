"""The neutral output every topic model returns, so one set of metrics scores them all."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Topic:
    """A topic's id, its top words (best first), their weights and how many paragraphs it has."""

    id: int
    words: list[str]
    weights: list[float]
    size: int


@dataclass
class TopicResult:
    """One fitted model: topics plus one topic per paragraph (-1 = outlier / no tokens)."""

    name: str
    kind: str
    params: dict[str, Any]
    seed: int
    topics: list[Topic]
    assignments: list[int]
    fit_seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)
    #: LDA only: top terms with p(w|t) per topic and topic prevalence, for relevance views.
    term_table: dict[str, Any] = field(default_factory=dict)
    #: In memory only, for describing topics: topics × vocabulary weights (rows in ``topics``
    #: order; p(w|t) for LDA, c-TF-IDF for BERTopic), the vocabulary, each word's count, and
    #: paragraphs × topics scores (how typical each paragraph is of each topic).
    topic_word: Any = None
    vocabulary: list[str] = field(default_factory=list)
    word_counts: Any = None
    doc_scores: Any = None
    #: topic id → {label, frex, representative}, set by the run (see topics.describe)
    descriptions: dict[int, dict[str, Any]] = field(default_factory=dict)

    def topics_dict(self) -> dict[str, Any]:
        """The entry of this model in topics.json."""
        return {"name": self.name, "kind": self.kind, "params": self.params, "seed": self.seed,
                "topics": [{**asdict(t), **self.descriptions.get(t.id, {})}
                           for t in self.topics]}


class TopicModel(Protocol):
    """The one interface of topic models: configured once, fitted once per random seed.

    Implementations: :class:`research.topics.lda.LDATopicModel` and
    :class:`research.topics.bertopic_model.BERTopicTopicModel`.
    """

    name: str

    def fit(self, texts: list[str], tokens: list[list[str]], seed: int,
            embeddings: Any = None) -> TopicResult:
        """Fit on paragraph texts, their tokens (and embeddings, where used) with one seed."""
        ...


def topic_sizes(assignments: list[int], n_topics: int) -> list[int]:
    """Paragraphs per topic id 0..n_topics-1."""
    sizes = [0] * n_topics
    for a in assignments:
        if 0 <= a < n_topics:
            sizes[a] += 1
    return sizes
