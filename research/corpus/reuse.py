"""Text reused across reports: county reports copy each other and central documents.

Each passage (a sentence of 20 characters or more) becomes a MinHash of its character 5-gram
shingles (datasketch); locality-sensitive hashing proposes pairs from different reports, and a
pair is kept when the exact Jaccard similarity of the shingle sets reaches the threshold. The
later passage of a pair (in corpus order) counts as the reused one, so the first copy of a text
stays in the corpus and each further copy is what "without reused text" leaves out.

A *paragraph* counts as reused when at least ``REUSED_PARAGRAPH_SHARE`` (half) of its
characters are in sentences that repeat a sentence of an earlier report (:func:`is_reused`):
the one definition behind `research classify --without-reused` and its ``reused`` column.
:class:`ReuseIndex` applies it paragraph by paragraph as reports stream in, with the same result
as :func:`find_reuse` and :func:`reused_share` over the whole corpus.
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
    """What reuse detection compares (a sentence: :func:`sentence_passages`): its id, which
    report it is in, and its text."""

    id: str
    report: str
    text: str


@dataclass(frozen=True)
class ReusedPair:
    """Two passages of different reports that share most of their wording."""

    earlier: Passage
    later: Passage
    jaccard: float


class _Matcher:
    """The LSH index of the passages seen so far; each new passage is matched against them."""

    def __init__(self, threshold: float = THRESHOLD, permutations: int = PERMUTATIONS,
                 seed: int = SEED) -> None:
        from datasketch import MinHashLSH

        self.threshold, self.permutations, self.seed = threshold, permutations, seed
        self.lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
        self.seen: list[tuple[Passage, frozenset[str]]] = []

    def add(self, passage: Passage) -> list[ReusedPair]:
        """Pairs of ``passage`` (as the later one) with earlier passages of other reports, in
        the order those came; then ``passage`` joins the index."""
        from datasketch import MinHash

        shingle_set = frozenset(shingles(passage.text, SHINGLE_CHARS))
        if not shingle_set:
            return []
        signature = MinHash(num_perm=self.permutations, seed=self.seed)
        signature.update_batch([g.encode("utf-8") for g in sorted(shingle_set)])
        pairs = []
        for earlier in sorted(int(key) for key in self.lsh.query(signature)):
            other, other_set = self.seen[earlier]
            if other.report == passage.report:
                continue
            jaccard = len(shingle_set & other_set) / len(shingle_set | other_set)
            if jaccard >= self.threshold:
                pairs.append(ReusedPair(other, passage, jaccard))
        self.lsh.insert(str(len(self.seen)), signature)
        self.seen.append((passage, shingle_set))
        return pairs


def find_reuse(passages: Sequence[Passage], threshold: float = THRESHOLD,
               permutations: int = PERMUTATIONS, seed: int = SEED) -> list[ReusedPair]:
    """Pairs of passages from different reports with shingle Jaccard >= ``threshold``,
    earlier passage first, in corpus order. Deterministic for a given seed."""
    matcher = _Matcher(threshold, permutations, seed)
    return [pair for passage in passages for pair in matcher.add(passage)]


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


#: A paragraph counts as reused when at least this share of its characters are in sentences
#: that repeat a sentence of an earlier report (:func:`reused_share`).
REUSED_PARAGRAPH_SHARE = 0.5


def is_reused(share: float) -> bool:
    """Whether a paragraph with this :func:`reused_share` counts as reused text."""
    return share >= REUSED_PARAGRAPH_SHARE


def report_key(source: str, title: str) -> str:
    """The report a paragraph belongs to, for reuse: a sub-document of a file (copies between
    sub-documents of one compilation are reuse; copies inside one sub-document are not)."""
    return f"{source} / {title}"


def reused_flags(paragraphs: Sequence[ParagraphRef], threshold: float = THRESHOLD
                 ) -> list[bool]:
    """Per paragraph, in order, whether it counts as reused text (:func:`is_reused`) against
    the paragraphs of other reports before it: what "without reused text" leaves out."""
    shares = reused_share(paragraphs, find_reuse(sentence_passages(paragraphs), threshold))
    return [is_reused(shares[p.id]) for p in paragraphs]


class ReuseIndex:
    """Reuse found as paragraphs stream in, in corpus order: :meth:`share` of each paragraph
    against every paragraph of another report added before it. The same shares as
    :func:`reused_share` over :func:`find_reuse` of the whole corpus."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.matcher = _Matcher(threshold)

    def share(self, paragraph: ParagraphRef) -> float:
        """The share of the paragraph's characters in sentences reused from an earlier report;
        the paragraph's sentences then join the index."""
        pairs = [pair for passage in sentence_passages([paragraph])
                 for pair in self.matcher.add(passage)]
        return reused_share([paragraph], pairs)[paragraph.id]
