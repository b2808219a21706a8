"""Topic descriptions on the seed corpus: FREX as stm defines it, representative paragraphs that
exist and are typical, labels, for LDA's p(w|t) and θ and for class-based TF-IDF with centroids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from research.topics.describe import (
    centroid_scores,
    describe_topics,
    frex_scores,
    frex_words,
    label,
    representative,
)
from research.topics.embeddings import embed
from tests.topic_fits import paragraphs, tokens, tomotopy_model


def ids() -> list[str]:
    return [p.id for p in paragraphs()]


def member_words(assignments: list[int], topic: int) -> set[str]:
    return {w for doc, a in zip(tokens(), assignments) if a == topic for w in doc}


def test_frex_on_a_hand_sized_matrix_follows_stms_definition() -> None:
    """Two topics, four words. Topic 0: word 0 is frequent and exclusive, word 1 as frequent
    but shared. ECDF ranks (ties averaged) over the 4 words, then the harmonic mean."""
    beta = np.array([[0.4, 0.4, 0.1, 0.1], [0.1, 0.4, 0.4, 0.1]])
    frequency = np.array([3.5, 3.5, 1.5, 1.5]) / 4  # ranks of 0.4, 0.4, 0.1, 0.1
    exclusivity = np.array([4, 2.5, 1, 2.5]) / 4  # ranks of 0.8, 0.5, 0.2, 0.5
    expected = 1 / (0.5 / frequency + 0.5 / exclusivity)
    assert frex_scores(beta)[0] == pytest.approx(expected)
    assert frex_words(beta, ["a", "b", "c", "d"], 2) == [["a", "b"], ["c", "b"]]


def test_frequency_weight_one_is_plain_probability_and_zero_plain_exclusivity() -> None:
    model = tomotopy_model()
    by_frequency = frex_words(model.topic_word, model.vocabulary, 10, frequency_weight=1.0)
    position = {w: i for i, w in enumerate(model.vocabulary)}
    for topic, words in enumerate(by_frequency):  # words of equal count tie: compare p(w|t)
        got = model.topic_word[topic, [position[w] for w in words]]
        assert got == pytest.approx(np.sort(model.topic_word[topic])[::-1][:10])
    scores = frex_scores(model.topic_word, frequency_weight=0.0)
    share = model.topic_word / model.topic_word.sum(axis=0, keepdims=True)
    top = np.argmax(scores, axis=1)
    assert np.allclose(share[np.arange(len(top)), top], share.max(axis=1))


def test_shrinkage_stops_a_rare_word_from_looking_exclusive() -> None:
    """Two words with the same topic profile; seen twice, one is shrunk towards uniform."""
    beta = np.array([[0.3, 0.3, 0.2, 0.2], [0.05, 0.05, 0.5, 0.4]])
    counts = np.array([2, 500, 300, 300])
    plain = frex_scores(beta)[0]
    shrunk = frex_scores(beta, word_counts=counts)[0]
    assert plain[0] == pytest.approx(plain[1])
    assert shrunk[0] < shrunk[1]


def test_lda_topics_get_frex_words_from_their_paragraphs_typical_paragraphs_and_labels() -> None:
    model = tomotopy_model()
    described = describe_topics(list(range(10)), model.topic_word, model.vocabulary,
                                model.theta, ids(), assignments=model.assignments,
                                word_counts=model.counts, documents=tokens())
    corpus_ids = set(ids())
    for topic in described:
        assert len(topic.frex) >= 5 and len(set(topic.frex)) == len(topic.frex)
        assert set(topic.frex) <= member_words(model.assignments, topic.id)
        assert topic.label == "·".join(topic.frex[:3])
        assert len(topic.representative) >= 3 and set(topic.representative) <= corpus_ids
        rows = [ids().index(pid) for pid in topic.representative]
        theta = model.theta[rows, topic.id]
        assert list(theta) == sorted(theta, reverse=True)  # most typical first
        members = [i for i, a in enumerate(model.assignments) if a == topic.id]
        assert theta[0] == pytest.approx(model.theta[members, topic.id].max())
    # FREX drops words spread over many topics: fewer repeats across topics than top words
    repeats = sum(len(t.frex[:10]) for t in described) - len({w for t in described
                                                              for w in t.frex[:10]})
    top_repeats = sum(map(len, model.top_words)) - len({w for t in model.top_words for w in t})
    assert repeats < top_repeats


def test_class_tfidf_topics_with_centroid_representatives(tmp_path: Path) -> None:
    """BERTopic's shape: hard clusters of embeddings, a class-based TF-IDF matrix (topics as
    documents), typical paragraphs by similarity to the cluster centroid."""
    texts = [p.text for p in paragraphs()]
    vectors, _ = embed(texts, "tfidf-svd", cache_dir=tmp_path)
    assignments = KMeans(n_clusters=8, n_init=3, random_state=0).fit_predict(vectors).tolist()
    vectorizer = CountVectorizer(analyzer=lambda doc: doc)
    counts = vectorizer.fit_transform(tokens())
    members = sparse.csr_matrix((np.ones(len(assignments)),
                                 (assignments, np.arange(len(assignments)))))
    class_tfidf = TfidfTransformer().fit_transform(members @ counts)
    scores = centroid_scores(vectors, assignments, 8)
    described = describe_topics(list(range(8)), class_tfidf,
                                list(vectorizer.get_feature_names_out()), scores, ids(),
                                assignments=assignments)
    for topic in described:
        assert len(topic.frex) >= 5
        assert set(topic.frex) <= member_words(assignments, topic.id)
        chosen = [ids().index(pid) for pid in topic.representative]
        assert all(assignments[i] == topic.id for i in chosen)
        own = scores[[i for i, a in enumerate(assignments) if a == topic.id], topic.id]
        assert scores[chosen[0], topic.id] == pytest.approx(own.max())


def test_a_topic_with_few_paragraphs_still_gets_three_representatives() -> None:
    model = tomotopy_model()
    assignments = list(model.assignments)
    lone = [i for i, a in enumerate(assignments) if a == 0][:1]
    assignments = [1 if a == 0 and i not in lone else a for i, a in enumerate(assignments)]
    chosen = representative(model.theta, ids(), 3, assignments)[0]
    assert chosen[0] == ids()[lone[0]]
    rest = np.argsort(-model.theta[:, 0], kind="stable")
    assert chosen[1:] == [ids()[i] for i in rest if i not in lone][:2]


def test_shapes_must_agree() -> None:
    model = tomotopy_model()
    with pytest.raises(ValueError, match="one column per vocabulary word"):
        frex_words(model.topic_word, model.vocabulary[:-1])
    with pytest.raises(ValueError, match="one topic_word row"):
        describe_topics(list(range(9)), model.topic_word, model.vocabulary, model.theta, ids())
    assert label(["教师", "培训", "交流", "活动"]) == "教师·培训·交流"


def test_frex_may_name_a_word_no_paragraph_of_the_topic_uses_unless_told_the_paragraphs() -> None:
    """LDA's p(w|t) ranks words by the whole corpus; a label word that none of the topic's own
    paragraphs contains misleads a reader who checks the typical paragraphs."""
    model = tomotopy_model()
    plain = describe_topics(list(range(10)), model.topic_word, model.vocabulary, model.theta,
                            ids(), assignments=model.assignments, word_counts=model.counts)
    assert any(not set(t.frex) <= member_words(model.assignments, t.id) for t in plain)
