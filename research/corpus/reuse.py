"""Text reused across reports: county reports copy each other and central documents.

Each paragraph becomes a MinHash of its character 5-gram shingles (datasketch); locality-
sensitive hashing proposes pairs from different reports, and a pair is kept when the exact
Jaccard similarity of the shingle sets reaches the threshold. The later paragraph of a pair
(in corpus order) counts as the reused one, so prevalence can be computed without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from research.corpus.dedup import shingles

SHINGLE_CHARS = 5
THRESHOLD = 0.5
PERMUTATIONS = 128
SEED = 1


@dataclass(frozen=True)
class Passage:
    """A paragraph as reuse detection sees it: which report it is in, and its text."""

    id: str
    report: str
    text: str


@dataclass(frozen=True)
class ReusedPair:
    """Two paragraphs of different reports that share most of their wording."""

    earlier: Passage
    later: Passage
    jaccard: float


def find_reuse(passages: Sequence[Passage], threshold: float = THRESHOLD,
               permutations: int = PERMUTATIONS, seed: int = SEED) -> list[ReusedPair]:
    """Pairs of passages from different reports with shingle Jaccard >= ``threshold``,
    earlier passage first, in corpus order. Deterministic for a given seed."""
    from datasketch import MinHash, MinHashLSH

    grams = [shingles(p.text, SHINGLE_CHARS) for p in passages]
    lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
    pairs: list[ReusedPair] = []
    for index, (passage, shingle_set) in enumerate(zip(passages, grams)):
        if not shingle_set:
            continue
        signature = MinHash(num_perm=permutations, seed=seed)
        signature.update_batch([g.encode("utf-8") for g in sorted(shingle_set)])
        for earlier in sorted(int(key) for key in lsh.query(signature)):
            other = passages[earlier]
            if other.report == passage.report:
                continue
            jaccard = len(shingle_set & grams[earlier]) / len(shingle_set | grams[earlier])
            if jaccard >= threshold:
                pairs.append(ReusedPair(other, passage, jaccard))
        lsh.insert(str(index), signature)
    return pairs


def reused_ids(pairs: Sequence[ReusedPair]) -> set[str]:
    """The later paragraph of every pair: what 'without reused text' leaves out."""
    return {pair.later.id for pair in pairs}


#: Sentences shorter than this are stock phrases ("大家好!"), not evidence of copying.
MIN_SENTENCE_CHARS = 20


@dataclass(frozen=True)
class ParagraphRef:
    """What reuse needs to know of a paragraph."""

    id: str
    report: str
    text: str


def sentence_passages(paragraphs: Sequence[ParagraphRef]) -> list[Passage]:
    """Sentences of at least MIN_SENTENCE_CHARS characters, id 'paragraph:k'."""
    from research.corpus.segment import split_sentences

    return [Passage(f"{p.id}:{k}", p.report, s) for p in paragraphs
            for k, s in enumerate(split_sentences(p.text)) if len(s) >= MIN_SENTENCE_CHARS]


def reused_share(paragraphs: Sequence[ParagraphRef], pairs: Sequence[ReusedPair]
                 ) -> dict[str, float]:
    """Per paragraph id, the share of its characters in sentences reused from an earlier
    report (0 for most)."""
    reused = {pair.later.id: len(pair.later.text) for pair in pairs}
    chars: dict[str, int] = {}
    for sentence_id, size in reused.items():
        paragraph = sentence_id.rsplit(":", 1)[0]
        chars[paragraph] = chars.get(paragraph, 0) + size
    return {p.id: min(1.0, chars.get(p.id, 0) / max(len(p.text), 1)) for p in paragraphs}
