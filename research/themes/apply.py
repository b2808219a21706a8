"""Apply the theme model to new reports: same cleaning and segmentation as the corpus, streamed.

A report is read once, then cleaned, segmented and classified in batches of paragraphs, so a
50 MB report never holds more than one batch of features in memory. Nothing is dropped without
a note: every line not kept as paragraph text is recorded with its reason, and a researcher's
report is never cut short by the 'tail' rules meant for scraped compilations.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from research.config import CorpusConfig
from research.corpus.dedup import NON_TEXT
from research.corpus.pipeline import DocumentReport, iter_clean_lines
from research.corpus.read import read_document
from research.corpus.records import paragraph_id
from research.corpus.segment import Block, LineNote, iter_blocks
from research.corpus.written import WrittenLines
from research.errors import InputError

#: Paragraphs classified at once: large enough for vectorised scoring, small enough that the
#: feature matrices of a batch stay a few megabytes.
BATCH_SIZE = 256
#: Below this share of Chinese characters among all letters a report gets a warning: the model
#: was trained on Chinese and scores other scripts near zero.
MIN_CHINESE_SHARE = 0.5
#: A theme scoring within this distance of its threshold is reported beside the decision: below
#: it as a near miss, at or above it as borderline (scores and thresholds on predict_proba's
#: scale). The one home of the window; the HTML page's key reads it from here.
NEAR_MISS = 0.1


@dataclass
class FileSummary:
    """What happened to one report: paragraphs, themes counted, lines not kept, script."""

    file: str
    paragraphs: int = 0
    theme_counts: Counter[str] = field(default_factory=Counter)
    dropped: list[LineNote] = field(default_factory=list)
    chinese_share: float = 1.0

    def shares(self, themes: Sequence[str]) -> dict[str, float]:
        n = self.paragraphs
        return {t: self.theme_counts[t] / n if n else 0.0 for t in themes}

    def as_dict(self, themes: Sequence[str]) -> dict[str, Any]:
        return {"file": self.file, "paragraphs": self.paragraphs, "shares": self.shares(themes)}

    def not_kept(self) -> Counter[str]:
        """Lines (or parts) not in any paragraph's text, by reason; headings are kept as
        sections, so they are not counted."""
        return Counter(n.reason for n in self.dropped if not n.reason.startswith("heading"))

    def warnings(self) -> list[str]:
        if self.chinese_share < MIN_CHINESE_SHARE:
            return [f"{self.file}: mostly non-Chinese text ({self.chinese_share:.0%} Chinese "
                    "characters); the model reads Chinese and will score it near zero"]
        return []


def iter_paragraphs(document: Any, config: CorpusConfig, one_per_line: bool,
                    summary: FileSummary) -> Iterator[Block]:
    """Paragraph blocks of a new report, or its non-empty cleaned lines with --one-per-line.

    Too-short paragraphs and exact repeats are left out with a note; near-duplicate removal is
    for compilations of many sources and is not applied to one report.
    """
    report = DocumentReport(document.name, document.encoding)
    lines = iter_clean_lines(document, config, report, summary.dropped, truncate_tails=False)
    written = WrittenLines()
    kept = written.tee(lines, lambda: report.converted_to_simplified)
    if one_per_line:
        yield from (Block("", "", line.text, line.number,
                          written.original(line.text, line.number)) for line in kept)
    else:
        seen: set[bytes] = set()
        for block in iter_blocks(document.name, kept, config.segment, summary.dropped):
            if len(block.text) < config.segment.min_paragraph_chars:
                summary.dropped.append(LineNote(document.name, block.line, "too short",
                                                block.text))
                continue
            key = hashlib.sha1(NON_TEXT.sub("", block.text).encode("utf-8")).digest()
            if key in seen:
                summary.dropped.append(LineNote(document.name, block.line, "duplicate",
                                                block.text))
                continue
            seen.add(key)
            block.original = written.original(block.text, block.line)
            yield block
    summary.chinese_share = report.chinese_share


def check_subdocument_rows(table: Any, files: Sequence[str], config: CorpusConfig,
                           one_per_line: bool) -> None:
    """Raise InputError for a metadata row naming a sub-document that its report does not
    have, before any row is written (research corpus checks the same after segmenting).
    Only reports with such rows are read here; one that cannot be read is left to classify."""
    wanted = {doc for doc, _ in table.by_subdocument}
    pairs: set[tuple[str, str]] = set()
    read: set[str] = set()
    for path in files:
        if path == "-" or Path(path).stem not in wanted:
            continue
        try:
            document = read_document(path)
            pairs |= {(document.name, block.title) for block in iter_paragraphs(
                document, config, one_per_line, FileSummary(path))}
        except InputError:
            continue
        read.add(document.name)
    table.check_subdocuments(pairs, read)


def classify_texts(model: Any, meta: dict[str, Any], texts: list[str]
                   ) -> list[tuple[list[str], dict[str, float]]]:
    """(themes the model decides, score per theme) for each text.

    The decision is the estimator's own (``decide`` is what its ``predict`` uses), never a
    threshold re-applied here: the keyword baseline's thresholds are counts, not probabilities.
    Scores keep full precision: rounded, a score just under its threshold could print as equal
    to it (0.474996 as 0.475) and the output would contradict its own decision.
    """
    themes = meta["themes"]
    if not texts:
        return []
    probabilities = model.predict_proba(texts)
    decided = model.decide(probabilities)
    return [([t for t, f in zip(themes, flags) if f],
             {t: float(p) for t, p in zip(themes, row)})
            for row, flags in zip(probabilities, decided)]


def theme_thresholds(model: Any, meta: dict[str, Any]) -> dict[str, float]:
    """Per-theme thresholds on the score scale: what ``decide`` compares each score with.

    Not model.json's ``thresholds``: the keyword baseline's are keyword counts.
    """
    return {t: float(x) for t, x in zip(meta["themes"], model.score_thresholds())}


def near_threshold(decided: Sequence[str], scores: dict[str, float],
                   thresholds: dict[str, float], window: float = NEAR_MISS
                   ) -> tuple[list[str], list[str]]:
    """(near misses, borderline), in threshold order: themes not decided whose score is within
    ``window`` below the threshold, and decided themes less than ``window`` above it.

    Membership follows the model's decision, the window only the distance, so the two lists
    never contradict ``themes``.
    """
    chosen = set(decided)
    near = [t for t, bar in thresholds.items()
            if t not in chosen and scores[t] >= bar - window]
    borderline = [t for t, bar in thresholds.items()
                  if t in chosen and scores[t] < bar + window]
    return near, borderline


def classify_file(path: str, model: Any, meta: dict[str, Any], config: CorpusConfig,
                  one_per_line: bool, summary: FileSummary) -> Iterator[dict[str, Any]]:
    """Rows for one report, batch by batch; raises InputError for unreadable input.

    The file is read (and its errors raised) before the first row is yielded. A row says where
    the paragraph is (``file`` as given, ``doc``: the document's name as in the dropped-line
    log and corpus.jsonl, sub-document ``title``, ``section``: its heading, '' where none), what
    was decided and why: ``scores`` and ``thresholds`` (same scale; a theme is in ``themes``
    exactly when its score reaches its threshold), ``near_misses`` and ``borderline``
    (:func:`near_threshold`).
    """
    document = read_document(path)
    thresholds = theme_thresholds(model, meta)
    blocks = iter_paragraphs(document, config, one_per_line, summary)
    index = 0
    while batch := list(itertools.islice(blocks, BATCH_SIZE)):
        for block, (themes, scores) in zip(batch, classify_texts(model, meta,
                                                                 [b.text for b in batch])):
            summary.paragraphs += 1
            summary.theme_counts.update(themes)
            near, borderline = near_threshold(themes, scores, thresholds)
            yield {"file": path, "doc": document.name, "index": index,
                   "id": paragraph_id(block.text), "title": block.title,
                   "section": block.section, "text": block.text,
                   "original": block.original, "themes": themes,
                   "near_misses": near, "borderline": borderline, "scores": scores,
                   "thresholds": dict(thresholds)}
            index += 1
    if not summary.paragraphs:
        raise InputError(path, "no paragraphs found after cleaning")


def warm_up(model: Any, meta: dict[str, Any], config: CorpusConfig) -> None:
    """Classify a tiny built-in report once, so what loads on first use (jieba's dictionary,
    the OpenCC converter, rule files, the model's tokenizer) is loaded before local Dask
    workers are forked from this process: each then starts ready instead of loading it again."""
    from research.corpus.pipeline import warm_up_document

    texts = [b.text for b in iter_paragraphs(warm_up_document(), config, False,
                                             FileSummary("warm-up"))]
    classify_texts(model, meta, texts)


def paragraphs_of(document: Any, config: CorpusConfig, one_per_line: bool) -> list[str]:
    """Texts `research classify` would score for a document (for tests and notebooks)."""
    return [b.text for b in iter_paragraphs(document, config, one_per_line,
                                            FileSummary(document.source))]
