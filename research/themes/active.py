"""Which paragraphs to label next: those the model is least sure of, but never near copies.

Uncertainty alone keeps picking the same kind of paragraph (a compilation repeats its boilerplate
across articles), so each batch is chosen greedily, maximal-marginal-relevance style: a
paragraph's gain is ``uncertainty ** weight * distance ** (1 - weight)``, where distance is to
the nearest paragraph already labeled or already picked (cosine distance on character n-gram
TF-IDF). A weighted geometric mean, not a sum: a paragraph must be both uncertain and new, and
an exact copy of a picked one is worth nothing however uncertain (with a sum it would still beat
a confident paragraph). ``weight=1`` is uncertainty sampling, ``weight=0`` greedy k-center.
Everything is deterministic (ties go to the lower index), so an interrupted batch is picked
again in the same order and resumes where it stopped.

small-text and modAL were considered: both wrap their own classifier objects and would add a
dependency for about forty lines of numpy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.preprocessing import normalize

#: Rows of the similarity matrix to labeled paragraphs computed at once (memory stays small).
CHUNK = 2048
EPS = 1e-6


def uncertainty(scores: Any, thresholds: Any) -> np.ndarray:
    """Per paragraph, 1 when a theme's score sits on its threshold, 0 when every score is at
    the far end of its side (0 below, 1 above).

    Per theme the distance to the threshold is scaled by the room on that side, so a threshold
    of 0.8 makes 0.9 as certain a yes as 0.4 is a no; the paragraph counts as uncertain as its
    least certain theme (one uncertain theme makes the label worth asking for).
    """
    s = np.asarray(scores, dtype=float)
    t = np.asarray(thresholds, dtype=float)
    if s.ndim != 2 or t.shape != (s.shape[1],):
        raise ValueError(f"scores {s.shape} and thresholds {t.shape} do not match")
    above = (s - t) / np.maximum(1.0 - t, EPS)
    below = (t - s) / np.maximum(t, EPS)
    distance = np.clip(np.where(s >= t, above, below), 0.0, 1.0)
    if distance.shape[1] == 0:
        return np.zeros(len(s))
    # rounded, so that scores equally far from a threshold (0.3 and 0.7 around 0.5) tie exactly
    # and the tie goes to the lower index, whatever the last bit of the division says
    return np.round(1.0 - distance.min(axis=1), 12)


def char_vectors(texts: Sequence[str]) -> Any:
    """L2-normalised character 2-3-gram TF-IDF rows: near-identical paragraphs come out close
    whatever the word segmentation does."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not texts:
        return np.zeros((0, 0))
    return TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True
                           ).fit_transform(list(texts))


def _similarity(vectors: Any, rows: Sequence[int] | int) -> np.ndarray:
    """Cosine similarity of every vector with ``rows`` (vectors are L2-normalised)."""
    product = vectors @ vectors[rows].T
    dense = product.toarray() if hasattr(product, "toarray") else np.asarray(product)
    return dense.reshape(vectors.shape[0], -1)


def select(scores: Any, thresholds: Any, vectors: Any, k: int,
           already_labeled: Iterable[int] = (), weight: float = 0.5) -> list[int]:
    """Indices of the next ``k`` paragraphs to label, best first.

    ``scores`` (n x themes) and ``thresholds`` are on the same scale (predict_proba and the
    model's score_thresholds); ``vectors`` (n rows, dense or sparse) place the paragraphs for
    diversity; ``already_labeled`` are indices never picked but kept away from.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0 (got {k})")
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be between 0 and 1 (got {weight})")
    doubt = uncertainty(scores, thresholds)
    n = len(doubt)
    if vectors.shape[0] != n:
        raise ValueError(f"{vectors.shape[0]} vectors for {n} paragraphs")
    vectors = normalize(vectors) if n else vectors
    available = np.ones(n, dtype=bool)
    labeled = sorted({int(i) for i in already_labeled})
    if labeled and (labeled[0] < 0 or labeled[-1] >= n):
        raise ValueError(f"already_labeled holds indices outside 0..{n - 1}")
    available[labeled] = False
    nearest = np.ones(n)  # distance to the nearest labeled or picked paragraph
    for start in range(0, len(labeled), CHUNK):
        similar = _similarity(vectors, labeled[start:start + CHUNK]).max(axis=1)
        nearest = np.minimum(nearest, np.clip(1.0 - similar, 0.0, 1.0))
    picks: list[int] = []
    for _ in range(min(k, int(available.sum()))):
        # EPS keeps every factor positive: among equally certain paragraphs distance decides
        gain = (doubt + EPS) ** weight * (nearest + EPS) ** (1.0 - weight)
        gain[~available] = -np.inf
        best = int(np.argmax(gain))  # the first maximum: ties go to the lower index
        picks.append(best)
        available[best] = False
        similar = _similarity(vectors, [best])[:, 0]
        nearest = np.minimum(nearest, np.clip(1.0 - similar, 0.0, 1.0))
    return picks


def next_batch(texts: Sequence[str], model: Any, already_labeled: Iterable[int], k: int
               ) -> list[int]:
    """The next ``k`` of ``texts`` to label, by a theme model's own scores and thresholds."""
    if not texts:
        return []
    texts = list(texts)
    return select(model.predict_proba(texts), model.score_thresholds(), char_vectors(texts), k,
                  already_labeled)
