"""LDA on the paragraphs' bags of words: gensim (variational) or tomotopy (Gibbs sampling).

Both engines take the same tokens and settings and return the same :class:`TopicResult`.
Seeded LDA raises the prior of codebook keywords in designated topics (gensim ``eta`` matrix,
tomotopy ``set_word_prior``), nudging topic t towards theme t without forcing it.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from research.config import LDAModelConfig
from research.topics.base import Topic, TopicResult, topic_sizes

#: Terms kept per topic for pyLDAvis-style relevance views; the topic itself keeps top_n.
RELEVANCE_TERMS = 30


SeedWords = dict[int, list[str]]


@dataclass
class EngineFit:
    """What each LDA engine returns: topics with their top terms, the paragraphs × topics
    and topics × vocabulary distributions, the vocabulary with its counts, perplexity."""

    topics: list[Topic]
    doc_topic: np.ndarray
    perplexity: float
    topic_word: np.ndarray
    vocabulary: list[str]
    word_counts: np.ndarray


def _assign(doc_topic: np.ndarray, has_tokens: list[bool]) -> list[int]:
    return [int(np.argmax(row)) if ok else -1 for row, ok in zip(doc_topic, has_tokens)]


def _vocabulary(tokens: list[list[str]], min_count: int) -> set[str]:
    counts: dict[str, int] = {}
    for doc in tokens:
        for word in doc:
            counts[word] = counts.get(word, 0) + 1
    return {w for w, c in counts.items() if c >= min_count}


def fit_gensim(tokens: list[list[str]], s: LDAModelConfig, seed: int,
               seed_words: SeedWords | None = None) -> EngineFit:
    """Fit gensim's LdaModel."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    vocab = _vocabulary(tokens, s.min_count)
    docs = [[w for w in doc if w in vocab] for doc in tokens]
    dictionary = Dictionary(docs)
    bow = [dictionary.doc2bow(doc) for doc in docs]
    eta: Any = s.eta
    if seed_words:
        eta = np.full((s.k, len(dictionary)), s.eta)
        for topic, words in seed_words.items():
            for word in words:
                if word in dictionary.token2id and topic < s.k:
                    eta[topic, dictionary.token2id[word]] = s.seed_prior
    model = LdaModel(corpus=bow, id2word=dictionary, num_topics=s.k, alpha=s.alpha, eta=eta,
                     passes=s.passes, iterations=s.iterations, random_state=seed,
                     minimum_probability=0.0)
    topics = []
    for t in range(s.k):
        pairs = model.show_topic(t, topn=RELEVANCE_TERMS)
        topics.append(Topic(t, [w for w, _ in pairs], [float(p) for _, p in pairs], 0))
    doc_topic = np.zeros((len(bow), s.k))
    for i, doc in enumerate(bow):
        for t, p in model.get_document_topics(doc, minimum_probability=0.0):
            doc_topic[i, t] = p
    nonempty = [doc for doc in bow if doc]
    perplexity = float(np.exp2(-model.log_perplexity(nonempty))) if nonempty else float("nan")
    vocabulary = [dictionary[i] for i in range(len(dictionary))]
    counts = np.array([dictionary.cfs.get(i, 0) for i in range(len(dictionary))], dtype=float)
    return EngineFit(topics, doc_topic, perplexity, model.get_topics(), vocabulary, counts)


def fit_tomotopy(tokens: list[list[str]], s: LDAModelConfig, seed: int,
                 seed_words: SeedWords | None = None) -> EngineFit:
    """Fit tomotopy's collapsed-Gibbs LDA.

    One worker (the default) samples serially, so a seed gives one result. ``s.workers`` > 1
    samples in threads with ParallelScheme.PARTITION (each thread a share of the vocabulary;
    DEFAULT picks it for LDA): on the seed corpus a fixed seed and worker count repeated its
    topics exactly, where COPY_MERGE differed on every repeat. Other counts give other topics.
    """
    import tomotopy as tp

    alpha = s.alpha if isinstance(s.alpha, float) else 0.1
    model = tp.LDAModel(k=s.k, alpha=alpha, eta=s.eta, min_cf=s.min_count, seed=seed,
                        tw=tp.TermWeight.ONE)
    index = []
    for i, doc in enumerate(tokens):
        if doc:
            model.add_doc(doc)
            index.append(i)
    if seed_words:
        for topic, words in seed_words.items():
            for word in words:
                prior = [s.eta] * s.k
                if topic < s.k:
                    prior[topic] = s.seed_prior
                model.set_word_prior(word, prior)
    scheme = tp.ParallelScheme.PARTITION if s.workers > 1 else tp.ParallelScheme.NONE
    with warnings.catch_warnings():
        # "may differ even with fixed seed if workers != 1": the workers option documents it
        warnings.filterwarnings("ignore", message="The training result may differ")
        model.train(s.iterations, workers=s.workers, parallel=scheme)
    topics = []
    for t in range(s.k):
        pairs = model.get_topic_words(t, top_n=RELEVANCE_TERMS)
        topics.append(Topic(t, [w for w, _ in pairs], [float(p) for _, p in pairs], 0))
    doc_topic = np.zeros((len(tokens), s.k))
    for row, doc in zip(index, model.docs):
        doc_topic[row] = doc.get_topic_dist()
    topic_word = np.array([model.get_topic_word_dist(t) for t in range(s.k)])
    return EngineFit(topics, doc_topic, float(model.perplexity), topic_word,
                     list(model.used_vocabs), np.asarray(model.used_vocab_freq, dtype=float))


ENGINES = {"gensim": fit_gensim, "tomotopy": fit_tomotopy}


def fit_lda(name: str, tokens: list[list[str]], s: LDAModelConfig, seed: int,
            params: dict[str, Any], seed_words: SeedWords | None = None,
            top_n: int = 10) -> TopicResult:
    """Fit LDA with the engine the (single-point) config names and wrap the result."""
    start = time.perf_counter()
    fit = ENGINES[s.engine](tokens, s, seed, seed_words)
    topics, doc_topic = fit.topics, fit.doc_topic
    elapsed = time.perf_counter() - start
    assignments = _assign(doc_topic, [bool(doc) for doc in tokens])
    sizes = topic_sizes(assignments, s.k)
    terms = {str(t.id): [[w, p] for w, p in zip(t.words, t.weights)] for t in topics}
    topics = [Topic(t.id, t.words[:top_n], t.weights[:top_n], sizes[t.id])
              for t in topics]
    prevalence = doc_topic.sum(axis=0)
    prevalence = (prevalence / prevalence.sum()).round(6).tolist() if prevalence.sum() else []
    return TopicResult(name, "lda", params, seed, topics, assignments, elapsed,
                       {"perplexity": fit.perplexity},
                       {"terms": terms, "prevalence": prevalence}, topic_word=fit.topic_word,
                       vocabulary=fit.vocabulary, word_counts=fit.word_counts,
                       doc_scores=doc_topic)


@dataclass
class LDATopicModel:
    """LDA behind the :class:`~research.topics.base.TopicModel` interface (bag of words).

    ``config`` is the validated model config at one sweep point: it is the settings.
    """

    name: str
    config: LDAModelConfig
    params: dict[str, Any]
    seed_words: SeedWords = field(default_factory=dict)
    top_n: int = 10

    def fit(self, texts: list[str], tokens: list[list[str]], seed: int,
            embeddings: np.ndarray | None = None) -> TopicResult:
        return fit_lda(self.name, tokens, self.config, seed, self.params, self.seed_words,
                       self.top_n)
