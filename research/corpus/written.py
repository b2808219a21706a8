"""The paragraph as the report wrote it, beside the normalised copy the models see.

Why: cleaning makes punctuation half-width and characters simplified, which the tokenisers
and models need; a researcher quoting a paragraph needs the report's own characters. Each
cleaned line keeps its written form; paragraphs, taken in document order, are found in the
normalised lines from where the previous one ended and mapped back, character by character,
to the written ones. Where a character's written form cannot be told (a line that does not
normalise character by character, text the segmenter moved), the normalised character
stands in, so ``normalise_like(original) == text`` always holds.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from difflib import SequenceMatcher

from research.corpus.clean import convert_to_simplified, normalize_width
from research.corpus.segment import Line

#: A paragraph not found whole is aligned within this many characters of where the previous
#: paragraph ended (times its length, plus a margin).
ALIGN_SPAN, ALIGN_MARGIN = 3, 400
#: Lines wholly behind the last paragraph are forgotten in steps of this many (bounded memory
#: when classify streams a long report).
FORGET_STEP = 1000


def normalise_like(original: str, simplified: bool) -> str:
    """What cleaning makes of a written text."""
    return normalize_width(convert_to_simplified(original) if simplified else original)


def written_pieces(written: str, simplified: bool) -> list[tuple[str, str]]:
    """Each written character with the normalised text cleaning made of it.

    Cleaning converts whole lines (OpenCC works on phrases); its result is split per
    character only where the conversion kept the length and NFKC per character gives the
    same text. Otherwise every normalised character stands for itself.
    """
    converted = convert_to_simplified(written) if simplified else written
    whole = normalize_width(converted)
    if len(converted) == len(written):
        pieces = [(w, normalize_width(c)) for w, c in zip(written, converted)]
        if "".join(n for _, n in pieces) == whole:
            return pieces
    return [(c, c) for c in whole]


class _SingleCharWidth(dict):
    """str.translate table: each character to what cleaning makes of it alone, when that is
    one character; otherwise to two characters, so the translated line is longer than the
    written one and the line is not aligned (filled on use)."""

    def __missing__(self, char: int) -> str:
        normal = normalize_width(chr(char))
        self[char] = normal if len(normal) == 1 else "\0\0"
        return self[char]


SINGLE_CHAR_WIDTH = _SingleCharWidth()


class WrittenLines:
    """A document's lines as written, fed in order, to recover each paragraph's original."""

    def __init__(self) -> None:
        self.simplified = False
        self.numbers: list[int] = []
        self.written: list[str] = []
        self.normalised: list[str] = []
        #: Whether each written character became exactly one normalised character, in place
        #: (most lines): then a span of the line is the same span of its written form.
        self.aligned: list[bool] = []
        self.cursor = (0, 0)  # (line index, character in its normalised text)

    def add(self, line: Line, simplified: bool) -> None:
        """Keep a cleaned line's written form (a raw line cut in several is kept once)."""
        if self.numbers and self.numbers[-1] == line.number:
            return
        self.simplified = simplified
        self.numbers.append(line.number)
        written = line.written
        converted = convert_to_simplified(written) if simplified else written
        normalised = normalize_width(converted)
        self.written.append(written)
        self.normalised.append(normalised)
        self.aligned.append(len(converted) == len(written) == len(normalised)
                            and converted.translate(SINGLE_CHAR_WIDTH) == normalised)

    def tee(self, lines: Iterable[Line], simplified: Callable[[], bool]) -> Iterator[Line]:
        """Pass lines through, keeping each (for a streaming segmenter)."""
        for line in lines:
            self.add(line, simplified())
            yield line

    def original(self, text: str, line_number: int) -> str:
        """The written form of the next paragraph, ``text``, that starts on ``line_number``."""
        start = (bisect.bisect_left(self.numbers, line_number), 0)
        line, offset = max(self.cursor, start)
        window, spans = self._window(line, offset, ALIGN_SPAN * len(text) + ALIGN_MARGIN)
        found = window.find(text)
        if found >= 0:
            blocks = [(0, found, len(text))]
        else:
            blocks = SequenceMatcher(None, text, window, autojunk=False).get_matching_blocks()
        out, done, end = [], 0, 0
        for a, b, size in blocks:
            out.append(text[done:a])
            if size:
                out.append(self._map(spans, b, b + size))
                end = b + size
            done = a + size
        out.append(text[done:])
        if end:
            self.cursor = self._position(spans, end)
            self._forget()
        return "".join(out)

    def _window(self, line: int, offset: int, need: int
                ) -> tuple[str, list[tuple[int, int, int]]]:
        """Normalised text from (line, offset) on, at least ``need`` characters where there
        are, and for each line in it (index, first character used, start in the window)."""
        parts, spans, total = [], [], 0
        while line < len(self.normalised) and total < need:
            part = self.normalised[line][offset:]
            parts.append(part)
            spans.append((line, offset, total))
            total += len(part)
            line, offset = line + 1, 0
        return "".join(parts), spans

    def _map(self, spans: list[tuple[int, int, int]], begin: int, end: int) -> str:
        """Written characters behind window characters ``begin:end``."""
        out = []
        for line, first, start in spans:
            low = begin - start + first
            high = end - start + first
            if high <= first or low >= len(self.normalised[line]):
                continue
            out.append(self._line_span(line, max(low, first), high))
        return "".join(out)

    def _line_span(self, line: int, begin: int, end: int) -> str:
        """Written characters behind normalised characters ``begin:end`` of one line."""
        if self.aligned[line]:
            return self.written[line][begin:end]
        out, offset = [], 0
        for written, normal in written_pieces(self.written[line], self.simplified):
            low, high = offset, offset + len(normal)
            offset = high
            if begin <= low and high <= end and (low < high or begin < low < end):
                out.append(written)  # wholly inside (or an empty piece strictly inside)
            elif low < end and high > begin:
                out.append(normal[max(begin, low) - low: min(end, high) - low])
        return "".join(out)

    def _position(self, spans: list[tuple[int, int, int]], end: int) -> tuple[int, int]:
        """(line, offset) of window character ``end``."""
        for line, first, start in reversed(spans):
            if start < end:
                return line, end - start + first
        return spans[0][0], spans[0][1]

    def _forget(self) -> None:
        line = self.cursor[0]
        if line >= FORGET_STEP:
            for column in (self.numbers, self.written, self.normalised, self.aligned):
                del column[:line]
            self.cursor = (0, self.cursor[1])


def cut_original(original: str, cut: int) -> int:
    """Where in ``original`` the normalised text's character ``cut`` begins (for splits)."""
    length = 0
    for index, char in enumerate(original):
        if length >= cut:
            return index
        length += len(unicodedata.normalize("NFKC", char))
    return len(original)
