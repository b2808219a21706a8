"""Exact and near-duplicate paragraphs: compilations repeat whole sections, sites copy articles.

A paragraph is a near duplicate when most of its character shingles were already seen: in one
earlier paragraph anywhere in the corpus, or spread over the earlier paragraphs of its own
document (a repeated section whose paragraphs were merged differently the second time).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from research.config import DedupConfig

NON_TEXT = re.compile(r"[\W\d_]+")


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
    if not config.enabled:
        return {}
    drops: dict[int, str] = {}
    exact: set[str] = set()
    index: defaultdict[str, list[int]] = defaultdict(list)
    seen_in_doc: defaultdict[str, set[str]] = defaultdict(set)
    for i, (doc, text) in enumerate(items):
        key = NON_TEXT.sub("", text)
        if key in exact:
            drops[i] = "duplicate"
            continue
        grams = shingles(text, config.shingle_chars)
        if grams:
            overlap = Counter(j for g in grams for j in index.get(g, ()))
            best = max(overlap.values(), default=0) / len(grams)
            in_doc = len(grams & seen_in_doc[doc]) / len(grams)
            if best >= config.near_duplicate_share or (
                    len(grams) >= 40 and in_doc >= config.near_duplicate_share):
                drops[i] = "near duplicate"
                continue
        exact.add(key)
        for g in grams:
            index[g].append(i)
        seen_in_doc[doc] |= grams
    return drops
