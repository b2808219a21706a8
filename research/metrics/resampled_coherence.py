"""NPMI and C_V of many topic sets on reweighted paragraphs, for bootstrapping over paragraphs.

gensim's CoherenceModel re-reads every text on each call (about 1.4 s per call on the 581 seed
paragraphs), so 1000 bootstrap resamples would take over 20 minutes. Its window counts are sums
over paragraphs, though: gensim's own ``WordOccurrenceAccumulator`` is run once per paragraph
here, and a resample (paragraph i drawn w_i times) is scored from the weighted sums of those
counts with gensim's formulas (``log_ratio_measure`` normalized; C_V's indirect cosine with
γ = 1). With every weight 1 this reproduces :class:`research.metrics.coherence.CoherenceScorer`
exactly, and on a resample it equals a scorer built on the resampled paragraphs: words absent
from the resample drop out of their topics, as they would from that corpus's dictionary.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from research.topics.base import Topic

MEASURES = ("c_npmi", "c_v")


def _window_size(measure: str) -> int:
    from gensim.models.coherencemodel import SLIDING_WINDOW_SIZES

    return int(SLIDING_WINDOW_SIZES[measure])


@functools.cache
def _window_counter() -> type:
    """gensim's accumulator, one paragraph at a time, with pair counts left in its Counter.

    Its own ``accumulate`` adds every pair to a sparse matrix and symmetrizes it, which is most
    of the time on one paragraph. The window walk (``_slide_window``, ``analyze_text``) is gensim's.
    """
    from gensim.topic_coherence.text_analysis import (
        WindowedTextsAnalyzer,
        WordOccurrenceAccumulator,
    )

    class WindowCounter(WordOccurrenceAccumulator):
        def count(self, doc: list[str], window: int) -> int:
            """Count one paragraph's windows afresh; returns how many windows it has."""
            self._occurrences[:] = 0
            self._num_docs = 0
            self._counter.clear()
            self._current_doc_num = -1
            self._token_at_edge = None
            WindowedTextsAnalyzer.accumulate(self, [doc], window)
            return self._num_docs

        @property
        def occurrences(self) -> np.ndarray:
            return self._occurrences

        @property
        def pairs(self) -> dict[tuple[int, int], int]:
            return self._counter

    return WindowCounter


class ResampledCoherence:
    """Per-paragraph window counts of the words of ``topic_sets``; scores any paragraph weights.

    ``topic_sets`` are the topics of several fits (one list per fit); :meth:`scores` gives one
    mean coherence per fit, as ``CoherenceScorer.score`` would (mean over topics that can be
    scored; NaN when none can).
    """

    def __init__(self, tokens: Sequence[Sequence[str]], topic_sets: Sequence[Sequence[Topic]],
                 measure: str, top_n: int = 10) -> None:
        from gensim.corpora import Dictionary

        if measure not in MEASURES:
            raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
        self.measure = measure
        self.window = _window_size(measure)
        self.docs = [list(doc) for doc in tokens if doc]
        if not self.docs:
            raise ValueError("no paragraph has tokens: coherence needs a reference corpus")
        dictionary = Dictionary(self.docs)
        known = dictionary.token2id
        words: list[list[int]] = []  # per topic: dictionary ids of its scorable top words
        owner: list[int] = []  # per topic: index of its topic set
        for index, topics in enumerate(topic_sets):
            for topic in topics:
                ids = [known[w] for w in topic.words[:top_n] if w in known]
                if len(ids) >= 2:
                    words.append(ids)
                    owner.append(index)
        self.n_sets = len(topic_sets)
        self.owner = np.asarray(owner, dtype=int)
        relevant = sorted({i for ids in words for i in ids})
        position = {word_id: n for n, word_id in enumerate(relevant)}
        width = max((len(ids) for ids in words), default=2)
        #: topics x width matrix of positions in ``relevant``; -1 pads shorter topics
        self.slots = np.full((len(words), width), -1, dtype=int)
        for row, ids in enumerate(words):
            self.slots[row, :len(ids)] = [position[i] for i in ids]
        self._count(dictionary, relevant)

    def _count(self, dictionary, relevant: list[int]) -> None:  # type: ignore[no-untyped-def]
        """Occurrences and pair co-occurrences of relevant words in each paragraph's windows."""
        n = len(relevant)
        left = np.broadcast_to(self.slots[:, :, None], (*self.slots.shape, self.slots.shape[1]))
        right = np.broadcast_to(self.slots[:, None, :], left.shape)
        used = (left >= 0) & (right >= 0)
        pair = used & (left < right)
        keys = np.unique(left[pair] * n + right[pair])
        self.pair_a, self.pair_b = keys // max(n, 1), keys % max(n, 1)
        #: topics x width x width: index into [pairs..., each word with itself...]
        lookup = np.zeros(left.shape, dtype=int)
        lo, hi = np.minimum(left, right), np.maximum(left, right)
        off = used & (left != right)
        lookup[off] = np.searchsorted(keys, lo[off] * n + hi[off])
        same = used & (left == right)
        lookup[same] = len(keys) + left[same]
        self.lookup = lookup
        counter = _window_counter()(set(relevant), dictionary)
        contiguous = np.array([counter.id2contiguous[i] for i in relevant], dtype=int)
        back = np.empty(n, dtype=int)
        back[contiguous] = np.arange(n)  # gensim's contiguous id -> position in ``relevant``
        key_index = {int(k): i for i, k in enumerate(keys)}
        occ_rows, occ_cols, occ_vals, pair_rows, pair_cols, pair_vals = [], [], [], [], [], []
        windows = np.zeros(len(self.docs))
        for p, doc in enumerate(self.docs):
            windows[p] = counter.count(doc, self.window)
            found = np.nonzero(counter.occurrences)[0]
            occ_rows += [p] * len(found)
            occ_cols += back[found].tolist()
            occ_vals += counter.occurrences[found].tolist()
            for (i, j), count in counter.pairs.items():
                a, b = sorted((int(back[i]), int(back[j])))
                index = key_index.get(a * n + b)
                if index is not None:
                    pair_rows.append(p)
                    pair_cols.append(index)
                    pair_vals.append(count)
        shape = (len(self.docs), n)
        self.occurrences = sparse.csr_matrix((occ_vals, (occ_rows, occ_cols)), shape=shape,
                                             dtype=float)
        self.pairs = sparse.csr_matrix((pair_vals, (pair_rows, pair_cols)),
                                       shape=(len(self.docs), len(keys)), dtype=float)
        self.windows = windows

    @property
    def n_paragraphs(self) -> int:
        return len(self.docs)

    def topic_scores(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Coherence of every scorable topic under paragraph ``weights`` (NaN: not scorable)."""
        w = np.ones(self.n_paragraphs) if weights is None else np.asarray(weights, float)
        total = float(w @ self.windows)
        occ = self.occurrences.T @ w
        co = np.concatenate([self.pairs.T @ w, occ])  # diagonal: a word with itself
        eps = 1e-12  # gensim.topic_coherence.direct_confirmation_measure.EPSILON
        p_word = occ / total
        p_pair = co / total
        first = np.concatenate([self.pair_a, np.arange(len(occ))])
        second = np.concatenate([self.pair_b, np.arange(len(occ))])
        with np.errstate(divide="ignore", invalid="ignore"):
            npmi = (np.log((p_pair + eps) / (p_word[first] * p_word[second]))
                    / -np.log(p_pair + eps))
        present = np.where(self.slots >= 0, occ[np.maximum(self.slots, 0)] > 0, False)
        both = present[:, :, None] & present[:, None, :]
        matrix = np.where(both, npmi[np.maximum(self.lookup, 0)], 0.0)
        if self.measure == "c_npmi":
            off = both & ~np.eye(self.slots.shape[1], dtype=bool)
            with np.errstate(invalid="ignore"):
                return np.where(off, matrix, 0.0).sum(axis=(1, 2)) / off.sum(axis=(1, 2))
        topic_vector = matrix.sum(axis=1)  # context vector of the whole topic (s_one_set)
        norms = np.linalg.norm(matrix, axis=2) * np.linalg.norm(topic_vector, axis=1)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            cosine = np.einsum("tij,tj->ti", matrix, topic_vector) / norms
            cosine = np.where(present, cosine, 0.0)
            scores = cosine.sum(axis=1) / present.sum(axis=1)
        return np.where(present.sum(axis=1) >= 2, scores, np.nan)

    def scores(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Mean coherence of each topic set under paragraph ``weights`` (NaN: none scorable)."""
        per_topic = self.topic_scores(weights)
        ok = ~np.isnan(per_topic)
        sums = np.bincount(self.owner[ok], per_topic[ok], minlength=self.n_sets)
        counts = np.bincount(self.owner[ok], minlength=self.n_sets)
        with np.errstate(invalid="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
