"""Exact and near-duplicate paragraphs: compilations repeat whole sections, sites copy articles.

A paragraph is a near duplicate when most of its character shingles were already seen: in one
earlier paragraph anywhere in the corpus, or spread over the earlier paragraphs of its own
document (a repeated section whose paragraphs were merged differently the second time).

The search for that one earlier paragraph looks only where it can be (prefix filtering, as in
set-similarity joins): a paragraph holding at least the share ``s`` of this one's ``n`` shingles
misses at most ``n - ceil(s*n)`` of them, so it holds one of any ``n - ceil(s*n) + 1`` of them.
Shingles never seen before hold no earlier paragraph; the rarest seen ones propose few. Only
the paragraphs these propose are compared in full, so the work grows with the corpus instead
of with its square, and the result is exactly that of comparing with every earlier paragraph.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from research.config import DedupConfig

NON_TEXT = re.compile(r"[\W\d_]+")
#: How many times the fewest shingles that must propose a match are probed. Probing more costs
#: more postings but lets a proposal be refused by its count alone, before a full comparison.
PROBE_FACTOR = 4
#: Shingle sets of kept paragraphs held for comparison (the often proposed ones stay).
KEPT_SHINGLES_CACHED = 256


def shingles(text: str, size: int) -> set[str]:
    """Character n-grams of the text with punctuation, digits and spaces removed."""
    core = NON_TEXT.sub("", text)
    if len(core) <= size:
        return {core} if core else set()
    return {core[i:i + size] for i in range(len(core) - size + 1)}


def find_duplicates(items: Sequence[tuple[str, str]], config: DedupConfig) -> dict[int, str]:
    """Map index -> reason ('duplicate' or 'near duplicate') for (doc, text) items to drop.

    Earlier items win, so the result depends only on the order, which is fixed by sorted input.
    """
    seen = DuplicateFilter(config)
    return {i: reason for i, (doc, text) in enumerate(items)
            if (reason := seen.drop_reason(doc, text)) is not None}


class DuplicateFilter:
    """The paragraphs kept so far, met one at a time in corpus order: each document's
    paragraphs can be checked as soon as the document is ready (while others are read)."""

    def __init__(self, config: DedupConfig) -> None:
        if not 0 < config.near_duplicate_share <= 1:  # the search below relies on it
            raise ValueError(f"near_duplicate_share must be in (0, 1], got "
                             f"{config.near_duplicate_share}")
        self.config = config
        self.exact: set[str] = set()
        self.index: defaultdict[str, list[int]] = defaultdict(list)  # shingle -> kept ones
        self.kept: list[str] = []  # texts, by the numbers in the index
        self.seen_in_doc: defaultdict[str, set[str]] = defaultdict(set)
        kept, size = self.kept, config.shingle_chars  # not self: no cycle keeps it all alive
        # recomputed rather than held for every paragraph; the often proposed ones stay
        self.kept_shingles = functools.lru_cache(maxsize=KEPT_SHINGLES_CACHED)(
            lambda j: shingles(kept[j], size))

    def drop_reason(self, doc: str, text: str) -> str | None:
        """Why ``text`` is dropped ('duplicate' or 'near duplicate': it repeats what was kept
        before), or None: it is new, and is kept."""
        if not self.config.enabled:
            return None
        key = NON_TEXT.sub("", text)
        if key in self.exact:
            return "duplicate"
        grams = shingles(text, self.config.shingle_chars)
        share = self.config.near_duplicate_share
        if grams:
            needed = shingles_needed(len(grams), share)
            copied = self.one_kept_paragraph_holds(grams, needed)
            in_doc = len(grams & self.seen_in_doc[doc]) / len(grams)
            if copied or (len(grams) >= 40 and in_doc >= share):
                return "near duplicate"
        self.exact.add(key)
        number = len(self.kept)  # one int object shared by every posting of this paragraph
        for g in grams:
            self.index[g].append(number)
        self.kept.append(text)
        self.seen_in_doc[doc] |= grams
        return None

    def one_kept_paragraph_holds(self, grams: set[str], needed: int) -> bool:
        """Whether one kept paragraph holds ``needed`` of ``grams`` (see the module)."""
        n = len(grams)
        seen = [g for g in grams if g in self.index]
        minimum = n - needed + 1  # any this many shingles include one of every match's
        if n - len(seen) >= minimum:  # shingles never seen before are in no kept paragraph
            return False
        if PROBE_FACTOR * minimum >= n:  # probing would take them all: count every overlap
            hits = Counter(j for g in seen for j in self.index[g])
            return max(hits.values()) >= needed
        seen.sort(key=lambda g: (len(self.index[g]), g))  # the rarest propose the fewest
        probed = PROBE_FACTOR * minimum - (n - len(seen))
        hits = Counter(j for g in seen[:probed] for j in self.index[g])
        # a paragraph holds at most the probed shingles it was found by, plus every one not
        # probed; only those that may reach ``needed`` are compared in full
        enough = needed - (len(seen) - probed)
        return any(len(grams & self.kept_shingles(j)) >= needed
                   for j, count in hits.items() if count >= enough)


def shingles_needed(count: int, share: float) -> int:
    """The fewest of ``count`` shingles whose share reaches ``share`` (as ``m / count >= share``
    decides it in floating point, so the result is that of comparing shares)."""
    needed = min(count, max(0, math.ceil(share * count)))
    while needed > 0 and (needed - 1) / count >= share:
        needed -= 1
    while needed < count and needed / count < share:
        needed += 1
    return needed
