"""Paragraph segmentation on the real seed reports: nothing lost, long blocks cut where a reader
would cut them, sentence-a-line scrapes regrouped, and blocks streamed.

test_corpus.py checks what the finished corpus looks like (rejoined lines, glued headings,
sub-document titles); these tests check the segmenter's own promises on its cleaned input.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator

import pytest

from research.config import CorpusConfig, SegmentConfig
from research.corpus.headings import ENUMERATOR, SENTENCE_END, split_glued_lines, strip_enumerator
from research.corpus.pipeline import DocumentReport, clean_document
from research.corpus.read import read_document
from research.corpus.segment import (
    CLAUSE_END,
    CLOSERS,
    SAMPLE_LINES,
    Block,
    Line,
    LineNote,
    iter_blocks,
    split_long,
    full_sentences,
)
from tests.conftest import SEEDS, seed_file

SEED_PREFIXES = sorted(p.name[:3] for p in SEEDS.glob("*.txt"))
#: Letters a reader would miss: Chinese characters and Latin letters (digits and punctuation
#: also number headings, "一、" "(1)", which the segmenter drops on purpose).
LETTERS = re.compile(r"[^\u4e00-\u9fffA-Za-z]")


def cleaned_lines(prefix: str) -> tuple[str, list[Line]]:
    """A seed report's name and its cleaned lines: the segmenter's real input."""
    document = read_document(seed_file(prefix))
    lines, _ = clean_document(document, CorpusConfig(),
                              DocumentReport(document.name, document.encoding))
    return document.name, lines


def segment(prefix: str, config: SegmentConfig) -> tuple[list[Line], list[Block],
                                                          list[LineNote]]:
    name, lines = cleaned_lines(prefix)
    notes: list[LineNote] = []
    return lines, list(iter_blocks(name, lines, config, notes)), notes


def letters(text: str) -> Counter[str]:
    return Counter(LETTERS.sub("", text))


def real_sentences(prefix: str) -> list[str]:
    return [s for line in cleaned_lines(prefix)[1] for s in full_sentences(line.text)]


@pytest.mark.parametrize("cap", [600, 80])
@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_every_letter_ends_in_a_paragraph_its_section_or_a_note(prefix: str, cap: int) -> None:
    """A reader can account for every character of the report: it is paragraph text, the
    section heading the paragraph sits under, or a line note saying why it is not. Only the
    numbering in front of a heading or list item ("一、", "(三)", "一是") may go unrecorded."""
    lines, blocks, notes = segment(prefix, SegmentConfig(max_paragraph_chars=cap))
    given = letters("".join(strip_enumerator(piece)[1] for line in lines
                            for piece, _ in split_glued_lines(line.text)))
    kept = letters("".join(b.text for b in blocks) + "".join({b.section for b in blocks})
                   + "".join(n.text for n in notes))
    assert given - kept == Counter()
    assert max(len(b.text) for b in blocks) <= 2 * cap  # a sentence over 2x the cap is cut


@pytest.mark.parametrize("prefix", SEED_PREFIXES)
def test_notes_and_blocks_name_the_line_they_come_from(prefix: str) -> None:
    """The dropped log is usable: each note's text is on the line it names, and each block's
    line number is a line of the document."""
    lines, blocks, notes = segment(prefix, SegmentConfig())
    by_number = {line.number: line.text for line in lines}
    assert notes and blocks
    assert [(n.line, n.reason, n.text) for n in notes
            if not n.text or n.text not in by_number.get(n.line, "")] == []
    assert {b.line for b in blocks} <= set(by_number)


def test_over_long_block_is_cut_at_sentence_ends_into_similar_pieces() -> None:
    text = "".join(real_sentences("002")[:80])
    assert len(text) > 6 * 200
    for cap in (150, 200, 300):
        pieces = split_long(text, cap)
        assert "".join(pieces) == text
        assert len(pieces) >= math.ceil(len(text) / cap)
        assert all(p.rstrip(CLOSERS)[-1] in SENTENCE_END for p in pieces[:-1]), pieces
        assert max(len(p) for p in pieces) <= 2 * cap
    short = real_sentences("002")[3]
    assert split_long(short, len(short)) == [short]


def test_sentence_up_to_twice_the_cap_stays_whole() -> None:
    """A long sentence is not cut mid-way when it fits in twice the cap."""
    sentences = [s for s in real_sentences("003") if s.rstrip(CLOSERS)[-1] in SENTENCE_END]
    longest = max(sentences, key=len)
    where = sentences.index(longest)
    text = "".join(sentences[where - 3:where + 4])
    cap = len(longest) * 2 // 3  # cap < sentence <= 2 x cap
    assert cap < len(longest) <= 2 * cap and len(text) > 2 * cap
    pieces = split_long(text, cap)
    assert len(pieces) > 1 and "".join(pieces) == text
    assert any(longest in piece for piece in pieces)


def test_sentence_over_twice_the_cap_is_cut_at_clause_punctuation() -> None:
    sentence = max(real_sentences("003"), key=lambda s: (s.count(",") >= 8, len(s)))
    cap = math.ceil(len(sentence) / 2.5)  # sentence is 2.5 x the cap
    pieces = split_long(sentence, cap)
    assert len(pieces) > 1 and "".join(pieces) == sentence
    assert all(p[-1] in CLAUSE_END for p in pieces[:-1]), pieces
    assert max(len(p) for p in pieces) <= cap


def test_text_without_punctuation_is_cut_at_spaces_then_at_the_cap() -> None:
    """Table dumps and page scrapes may have no punctuation at all: pieces still fit the cap,
    cut after a space where there is one (never inside a word) and at the cap where not."""
    flat = re.sub(r"[\W\d_]", "", "".join(real_sentences("004")))[:1500]
    words = " ".join(flat[i:i + 37] for i in range(0, len(flat), 37))
    pieces = split_long(words, 200)
    assert "".join(pieces) == words
    assert all(p.endswith(" ") and len(p) <= 200 for p in pieces[:-1]), pieces
    pieces = split_long(flat, 200)
    assert "".join(pieces) == flat and [len(p) for p in pieces[:-1]] == [200] * (len(pieces) - 1)


def test_sentence_a_line_scrape_is_regrouped_into_paragraphs() -> None:
    """Seed 004 prints one sentence a line; consecutive sentences are joined back into
    paragraphs (up to about group_target_chars), and with grouping off each stays alone."""
    on = SegmentConfig()
    _, grouped, _ = segment("004", on)
    _, single, _ = segment("004", SegmentConfig(group_sentence_lines=False))
    assert len(grouped) < 0.6 * len(single)
    assert statistics.median(len(b.text) for b in grouped) > 1.5 * statistics.median(
        len(b.text) for b in single)
    rest = iter(single)
    for block in grouped:  # each paragraph is a run of consecutive lines, in order
        text = ""
        while len(text) < len(block.text):
            text += next(rest).text
        assert text == block.text
        assert len(block.text) < on.group_target_chars + max(len(b.text) for b in single)


class CountingLines:
    """Lines handed out one at a time, counting how many were read so far."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines, self.read = lines, 0

    def __iter__(self) -> Iterator[Line]:
        for line in self.lines:
            self.read += 1
            yield line


def test_blocks_are_yielded_before_a_long_document_is_read_to_the_end() -> None:
    """A 50 MB report is never held whole: past the first SAMPLE_LINES lines (read to tell a
    sentence-a-line scrape), blocks come out as the lines go in."""
    name, lines = cleaned_lines("003")
    copies = SAMPLE_LINES // len(lines) + 3
    numbered = [Line(i + 1, line.text) for i, line in
                enumerate(itertools.chain.from_iterable(itertools.repeat(lines, copies)))]
    source = CountingLines(numbered)
    blocks = iter_blocks(name, iter(source), SegmentConfig(), [])
    first = next(blocks)
    assert first.text and source.read <= SAMPLE_LINES + 2
    reads_at = [source.read]
    for _ in itertools.islice(blocks, 200):
        reads_at.append(source.read)
    assert reads_at[-1] < len(numbered) and reads_at == sorted(reads_at)


def test_paragraphs_under_one_heading_are_not_all_held_back() -> None:
    """Paragraphs of a section wait for the next heading (a closing passage after a list's last
    item moves to the list's parent), but only a few: a long report with one heading streams."""
    name, lines = cleaned_lines("002")
    body = [line.text for line in lines if line.text.endswith("。") and len(line.text) > 40
            and not ENUMERATOR.match(line.text)]
    numbered = [Line(1, "某县教育工作总结"), Line(2, "一、工作目标"), *(Line(i + 3, text) for i, text in
                                        enumerate(itertools.islice(itertools.cycle(body),
                                                                   SAMPLE_LINES + 400)))]
    source = CountingLines(numbered)
    blocks = iter_blocks(name, iter(source), SegmentConfig(), [])
    next(blocks)
    for _ in itertools.islice(blocks, 100):
        pass
    assert source.read < len(numbered)
