"""Turn a document's cleaned lines into sub-documents, sections and paragraph blocks.

Compilations hold several articles ("第一篇:…", a title printed twice, "「篇一」"); scrapes break
lines mid-sentence or print one sentence a line. This module rebuilds paragraphs from that and
records, for every line it does not keep as text, why.
"""

from __future__ import annotations

import itertools
from collections import deque
import math
import re
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from research.config import SegmentConfig
from research.corpus.headings import (
    ENDS_SENTENCE,
    ENUMERATOR,
    HALF_WIDTH_STOP,
    NUM,
    PARTICLES,
    HeadingSplit,
    heading_words,
    SENTENCE_END,
    SENTENCE_STOP,
    TOP_LEVEL,
    is_title_like,
    list_style,
    outline_style,
    split_glued_lines,
    split_heading,
    split_parallel_headings,
    split_sibling_items,
    strip_enumerator,
)

CLOSERS = "”’\")』」"
SUBDOC_MARKER = re.compile(r"^第([一二三四五六七八九十\d]{1,3})篇\s*[::]?\s*(.*)$")
#: "案例二:联片教研搭建城乡交流平台,推动县域义务教育均衡发展。": a case report of its own (its
#: own 一、二、三 …) inside a compilation's part.
CASE_MARKER = re.compile(r"^案例[一二三四五六七八九十\d]{1,3}\s*[::、]\s*([^。!?;]{4,60})。?$")
#: "(2010年7月22日)扶沟县教育体育局局长 田民生": the date and speaker under a speech's title.
DATED_BYLINE = re.compile(r"^[((]\s*\d{4}\s*年[^))]{0,12}[))]")
INLINE_PART = re.compile(r"「篇[一二三四五六七八九十\d]{1,3}」")
NEW_PARAGRAPH_CUES = re.compile(
    r"^(首先|其次|再次|最后|此外|另外|同时|一方面|另一方面|总之|总而言之|综上所述|因此|"
    r"第[一二三四五六七八九十]|[一二三四五六七八九十]是)"
)
TITLE_MAX_CHARS = 60
#: A line that is only a person's name ("李永荣", "王 鼎"): a byline, not a section heading.
BYLINE = re.compile(r"^[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}$")
#: "附件2:石家庄市桥西区教育局经验材料": an attachment, printed after the document it belongs to.
ATTACHMENT = re.compile(r"^附件\s*[\d一二三四五六七八九十]{0,3}\s*[::]\s*(.+)$")
NEXT_ATTACHMENT = re.compile(r"\s*附件\s*[\d一二三四五六七八九十]{1,3}\s*[::]")
#: "关于学习…经验交流会材料的通知": the title of an official document (possibly over two lines).
OFFICIAL_TITLE = re.compile(r"^关于\S")
OFFICIAL_GENRE = re.compile(r"(通知|意见|决定|办法|方案|报告|请示|批复|通报|函)$")
#: A line naming only an office ("寿阳县人民政府", "沧州市教育局"): a byline.
ORGANISATION = re.compile(r"^[\u4e00-\u9fff()]{2,20}(人民政府|政府|教育局|教育体育局|教体局|委员会|"
                          r"办公室|教研室|教育厅|党委|县委、县政府)$")
#: "(二OO七年十月)", "2010年7月22日", "(2010年7月22日)扶沟县教育体育局局长 田民生".
#: A year alone is a date only on its own ("2024年城乡…实施方案" is a title); with a month it may
#: carry a short byline.
DATED = re.compile(r"^[((]?[\dO〇○零一二三四五六七八九十]{2,4}\s*年(?:\s*[\d一二三四五六七八九十]{1,2}\s*月"
                   r"(?:\s*[\d一二三四五六七八九十]{1,3}\s*[日号])?[))]?\s*[^,。;!?]{0,30}|[))]?)$")
#: "(3篇)", "(二)": what a compilation appends to an article's title.
TITLE_SUFFIX = re.compile(r"[((](?:[\d一二三四五六七八九十]{1,2}篇|[一二三四五六七八九十]{1,2})[))]$")
#: A doubled title may hold a comma ("改善教育资源,推进城乡教育均衡发展"), not a sentence stop.
DOUBLED_TITLE = re.compile(rf"^[^。!?;]{{4,{TITLE_MAX_CHARS}}}$")
#: "各位领导:", "石油分局、各县(市、区)教育局(文教局)、市直各中学:": who a speech or notice is for.
SALUTATION = re.compile(r"^(?:尊敬的|各位|亲爱的|同志们|老师们|同学们)[^。!?]{0,40}[::]$"
                        r"|^[^。!?]{0,20}各[^、::]{1,12}、[^。!?]{0,40}[::]$")
#: "——全省推进义务教育均衡发展第二次经验交流现场会上的讲话": the subtitle of a speech.
SUBTITLE = re.compile(r"^——[^。!?;]{4,60}(?:讲话|发言|致辞|报告)$")
#: An article's own title printed before its first heading on one line ("____年…实施方案一、背景").
OWN_TITLE = re.compile(rf"^([^,。;:!?]{{2,36}}(?:方案|计划|意见|办法|报告|总结|讲话|发言稿?|材料))"
                       rf"(?=[{NUM}]、)")
#: "谢谢大家!": a speech's sign-off, the end of its last paragraph.
SIGN_OFF = re.compile(r"^(?:谢谢(?:大家|各位)?|此致\s*敬礼)[!!。]?$")
#: "(责任单位:市教育局、市公安局)": a note in brackets on its own, the end of the text before.
BRACKET_NOTE = re.compile(r"^[((][^()()]{4,}[))]$")
#: "副组长:分包股室股长": a roster line is text, never a heading.
ROSTER_ROLE = re.compile(r"^(?:副?组\s*长|成\s*员|组\s*员|副?主\s*任|顾\s*问|联系人)\s*[::]")
#: "□请您先介绍一下汉沽区的教育现状。": an interviewer's question opens a new exchange, outside
#: the sections of the answer before it.
INTERVIEW_QUESTION = re.compile(r"^□(?=[\u4e00-\u9fff])")
#: How a report's closing passage opens ("总之", "同志们,", "今后…", "…取得了初步成效"): after the
#: last item of a list it speaks for the whole part, not for that item.
CLOSING = re.compile(r"^(?:总之|总而言之|综上|同志们|纵观|以上|谢谢|今后)"
                     r"|^[^。]{0,60}(?:取得了?的?(?:一些|初步|显著|明显)?的?(?:成绩|成效|成就))")
#: Openers of a closing passage only at an article's end ("目前,全县…", "近年来,…", a quotation):
#: inside an article they open ordinary paragraphs.
ARTICLE_CLOSING = re.compile(r"^(?:目前|近年来|当然|尽管|“)")
#: A section's paragraphs wait for the next heading, at most this many paragraphs (each of them
#: at most max_paragraph_chars once split): memory stays bounded.
MAX_HELD = 32
#: Enumerators of list items (not of a report's parts): one numbered like a heading with no
#: text under it is an item (see Segmenter._item_over_nothing).
LIST_KINDS = frozenset({"digit", "bracketed digit", "一是", "第一,"})
#: List enumerators whose siblings are headings when one is ("1.", "(1)"); "一是" and "第一,"
#: items are sentences that merely look like headings.
GLUED_SIBLINGS = frozenset({"digit", "bracketed digit"})
#: A table, roster or cover page: this many short lines in a row (none enumerated).
TABLE_MIN_LINES = 4
#: A phrase this short after a repeated title, ending in a heading word, is a heading
#: ("教育均衡发展的重要性。"); a longer one, one with a copula ("城乡一体化发展是…战略。") or a
#: sentence's tail ("欺凌等各专项安全管理标准。"), is text.
SHORT_HEADING_CHARS = 16
SHORT_LINE_CHARS = 30
#: Titles listed in a table of contents end with their author ("… 寿阳县人民政府").
AUTHOR_SUFFIX = re.compile(r"(政府|局|委|学校|中学|小学|中心校|县|区|市)$")
TOC_ENTRY = re.compile(r"^\d{1,2}\s*[.、]\s*(\S.{4,})$")
LOOKAHEAD = TABLE_MIN_LINES - 1


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_short_line(text: str) -> bool:
    """A line that could be a table cell: short, no sentence punctuation, not numbered."""
    return is_title_like(text, SHORT_LINE_CHARS) and not ENUMERATOR.match(text)


def toc_title(entry: str) -> str:
    """A table-of-contents entry without its trailing author ("标题 寿阳县人民政府")."""
    words = entry.split()
    if len(words) > 1 and AUTHOR_SUFFIX.search(words[-1]):
        words = words[:-1]
    return " ".join(words)


@dataclass(frozen=True)
class Line:
    """A cleaned line and its 1-based line number in the raw document."""

    number: int
    text: str
    #: The first child of a top-level heading printed on the same line (see split_glued_lines).
    chained: bool = False
    #: The line as the report wrote it (before width and script normalisation), see written.py.
    written: str = ""
    #: One of several items of one list printed on one line ("1.…。2.…。3.…。"): kept as the
    #: list's text, never a heading (split_sibling_items).
    listed: bool = False


@dataclass(frozen=True)
class LineNote:
    """Why a raw line is not (wholly) in the paragraph text."""

    doc: str
    line: int
    reason: str
    text: str


@dataclass
class Block:
    """A paragraph under construction."""

    title: str
    section: str
    text: str
    line: int
    #: The text as written (filled by the caller that kept the lines, see written.py).
    original: str = ""


class OpenHeading(NamedTuple):
    """A heading in force: its kind of enumerator (outline_style), text and where it stands."""

    style: str
    text: str
    line: Line
    #: Its entry in the segmenter's notes (dropped if the heading turns out to be text).
    note: LineNote


@dataclass
class Segmenter:
    """Stateful walk over one document's lines; produces blocks and line notes."""

    doc: str
    doc_title: str
    config: SegmentConfig
    sentence_lines: bool
    notes: list[LineNote] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    title: str = ""
    section: str = ""
    current: Block | None = None
    fresh_title: bool = False
    #: Consecutive short lines just before the current one (tables, rosters, cover pages).
    short_run: int = 0
    #: Entries of a table of contents seen so far (spaces removed), not yet matched.
    toc: list[str] = field(default_factory=list)
    #: What is left of the current title's table-of-contents entry, which the next lines may
    #: repeat ("致力教育公平" | "加快城乡教育一体化进程 左权县人民政府").
    title_rest: str = ""
    #: A line already used as the second line of a title.
    consumed: str | None = None
    previous_toc: bool = False
    #: The kind of enumerator of the list whose items the current paragraph holds.
    list_style: str | None = None
    #: The kind of list enumerator the last heading had (its siblings are headings too).
    heading_style: str | None = None
    #: Kinds of list enumerator that opened text paragraphs since the last heading ("一是…" kept
    #: as text: its sibling "二是…。" is text too).
    item_styles: set[str] = field(default_factory=set)
    #: A salutation ("各位领导:") just read: the paragraph after it starts with it.
    salutation: Block | None = None
    #: The paragraph of list items made last (the last item over nothing may join it).
    last_item: Block | None = None
    #: Cover-page lines of the current part before its first text (see _cover_line).
    cover: list[LineNote] = field(default_factory=list)
    #: The open headings, outermost first.
    outline: list[OpenHeading] = field(default_factory=list)
    #: Finished paragraphs of the current section, held until the next heading shows whether
    #: the section was the last item of its list (see _close_section).
    held: list[Block] = field(default_factory=list)
    #: How many of the current section's paragraphs went out before the section ended.
    held_from: int = 0

    def note(self, line: Line, reason: str, text: str | None = None) -> None:
        self.notes.append(LineNote(self.doc, line.number, reason, line.text if text is None
                                   else text))

    def flush(self) -> None:
        if self.current is not None:
            (self.held if self.outline else self.blocks).append(self.current)
            self.current = None
        if len(self.held) > MAX_HELD:
            # a closing passage is the section's last few paragraphs: the rest can go out
            cut = len(self.held) - MAX_HELD // 2
            self.blocks.extend(self.held[:cut])
            self.held = self.held[cut:]
            self.held_from += cut

    def finish(self) -> None:
        """The document ended: close the open paragraph and the outline."""
        self.flush()
        self._close_section(None)

    def start_subdocument(self, title: str) -> None:
        self.flush()
        self._close_section(None)
        self.title, self.section, self.fresh_title = title, "", True
        self.cover, self.item_styles, self.list_style, self.heading_style = [], set(), None, None

    def _close_section(self, next_style: str | None) -> None:
        """The current section ends at a heading of kind ``next_style`` (None: the article ends).

        When that heading is not a sibling or a child, the section was the last item of its
        list, and its paragraphs from a closing passage on ("总之…", "今后…") belong to the
        item's parent (the article itself when the article ends). Then the held paragraphs go out.
        """
        held, self.held = self.held, []
        released, self.held_from = self.held_from, 0
        if self.outline:
            styles = [heading.style for heading in self.outline]
            ends = next_style is None or (next_style != styles[-1]
                                          and next_style in styles[:-1])
            last = self.outline[-1]
            parent = self.outline[-2].text if next_style is not None and len(styles) > 1 else ""
            if ends and not held and last.style in LIST_KINDS:
                item = self._item_over_nothing(last, self.outline[-2].text if len(styles) > 1
                                               else "")
                held = [item] if item is not None else []
            closing = (lambda t: CLOSING.search(t) or ARTICLE_CLOSING.match(t)) if (
                next_style is None) else CLOSING.search
            start = next((i for i, block in enumerate(held)
                          if i + released and closing(block.text)), None) if ends else None
            for block in held[start:] if start is not None else ():
                if block.section == last.text:
                    block.section = parent
        if next_style is None:
            self.outline = []
        self.blocks.extend(held)

    def _item_over_nothing(self, item: OpenHeading, parent: str) -> Block | None:
        """The last item of a list, numbered like a heading but with no text under it ("4.加强
        监督,完善督导受验机制" before "四、…"): it is the item's text, under the list's heading."""
        for index in range(len(self.notes) - 1, -1, -1):  # the note is near the end
            if self.notes[index] is item.note:
                del self.notes[index]
                break
        text = strip_enumerator(item.line.text)[1].strip()
        last = self.last_item
        if (last is not None and self.blocks and self.blocks[-1] is last
                and (last.title, last.section) == (self.title, parent)
                and len(last.text) < self.config.group_target_chars):
            last.text += text  # the items before it, kept together as text
            return None
        return Block(self.title, parent, text, item.line.number) if text else None

    def _leave_heading(self) -> None:
        """A text paragraph numbered like the current heading ("二是建立…" after the heading
        "一是实施…") is that heading's sibling: it sits under the heading's parent."""
        self.flush()
        self._close_section(self.outline[-1].style)
        self.outline.pop()
        self.section = self.outline[-1].text if self.outline else ""

    def _open_heading(self, heading: str, style: str, line: Line, logged: str) -> None:
        """A heading of kind ``style`` closes the section before it and opens its own."""
        self.flush()
        self._close_section(style)
        styles = [open_heading.style for open_heading in self.outline]
        if style in styles:
            del self.outline[styles.index(style):]
        self.note(line, "heading (kept as section)", logged)
        self.outline.append(OpenHeading(style, heading, line, self.notes[-1]))
        self.section = heading

    def _open(self) -> bool:
        """The paragraph so far stops mid-sentence, so the next line continues it."""
        if self.current is None:
            return False
        text = self.current.text.rstrip(CLOSERS)
        return bool(text) and not ENDS_SENTENCE.search(text)

    def _strip_title_prefix(self, text: str) -> str:
        bare = TITLE_SUFFIX.sub("", self.title)
        for title in (self.title, bare if len(bare) >= 6 else "", self.doc_title):
            while title and text.startswith(title) and len(text) > len(title):
                rest = text[len(title):]
                if rest[0] in PARTICLES or rest[0] in ",。、:;!?":
                    break
                text = rest
        return INLINE_PART.sub("", text).strip()

    def _next_part(self, text: str) -> re.Match[str] | None:
        """"城乡…实施方案范文(二)" inside a line of the compilation "城乡…实施方案范文(6篇)": the
        next article starts there (at the line's start or after a sentence)."""
        bare = TITLE_SUFFIX.sub("", self.title)
        if len(bare) < 6 or bare == self.title and not self.title.endswith("篇)"):
            return None
        return re.search(rf"(?:^|(?<=[{SENTENCE_END})]))({re.escape(bare)}"
                         rf"[((][{NUM}]{{1,2}}[))])", text)

    def feed(self, line: Line, upcoming: list[str]) -> None:
        """Take one line; ``upcoming`` holds the next few lines' texts (tables need them)."""
        if self._after_salutation(line):
            return
        text = line.text
        part = self._next_part(text) if TITLE_SUFFIX.search(self.title) else None
        if part is not None:
            head = text[:part.start()].strip()
            if head and self.current is not None:
                self.current.text += head  # the end of the article before ("(责任单位:…)")
            elif head:
                self.feed(Line(line.number, head, line.chained), upcoming)
            self.start_subdocument(part.group(1))
            self.note(line, "sub-document title", part.group(1))
            if not text[part.end():].strip():
                return
            rest = text[part.end():].strip()
            own = OWN_TITLE.match(rest)
            if own:  # "…(二)____年城乡…实施方案一、背景…": the article's own title, then its text
                self.note(line, "title repeat", own.group(1))
                rest = rest[own.end():]
            line = Line(line.number, rest)
            text = line.text
        run_before = self.short_run
        self.short_run = run_before + 1 if is_short_line(text) else 0
        if self.consumed is not None and text == self.consumed:
            self.consumed = None
            self.note(line, "sub-document title")
            return
        self.consumed = None
        if self._structure_line(line, upcoming, run_before):
            return
        self._feed_marked(line, upcoming[0] if upcoming else None)

    def _structure_line(self, line: Line, upcoming: list[str], run_before: int) -> bool:
        """Attachments, official titles, tables of contents, tables and bylines: True when
        the line was used up as structure."""
        text = line.text
        attachment = ATTACHMENT.match(text)
        if attachment:
            title = NEXT_ATTACHMENT.split(attachment.group(1))[0].strip()
            if is_title_like(title, TITLE_MAX_CHARS):
                self.start_subdocument(title)
                self.note(line, "attachment title")
                return True
        following = upcoming[0] if upcoming else ""
        if OFFICIAL_TITLE.match(text) and is_title_like(text, TITLE_MAX_CHARS) and not self._open():
            if OFFICIAL_GENRE.search(text):
                self.start_subdocument(text)
                self.note(line, "sub-document title")
                return True
            joined = text + following
            if (following and is_title_like(joined, TITLE_MAX_CHARS)
                    and OFFICIAL_GENRE.search(following)):
                self.start_subdocument(joined)
                self.consumed = following
                self.note(line, "sub-document title")
                return True
        if SUBTITLE.match(text):
            main = self.current
            if main is not None and is_title_like(main.text.replace(",", ""), TITLE_MAX_CHARS):
                # "深入推进…,努力促进教育公平" over "——…现场会上的讲话": the speech's own title
                self.current = None
                self.notes.append(LineNote(self.doc, main.line, "speech title", main.text))
            self.note(line, "subtitle")
            return True
        toc = TOC_ENTRY.match(text)
        if toc and is_title_like(text, TITLE_MAX_CHARS) and (
                self.previous_toc or (TOC_ENTRY.match(following)
                                      and is_title_like(following, TITLE_MAX_CHARS))):
            self.toc.append(toc.group(1).strip())
            self.previous_toc = True
            self.note(line, "table of contents")
            return True
        self.previous_toc = False
        if self.title_rest and compact(text) and self.title_rest.startswith(compact(text)):
            self.title_rest = self.title_rest[len(compact(text)):]
            self.note(line, "title repeat")
            return True
        self.title_rest = ""
        if is_short_line(text):
            entry = next((e for e in self.toc if compact(e).startswith(compact(text))
                          and len(compact(text)) >= 4), None)
            if entry is not None:
                self.toc.remove(entry)
                self.start_subdocument(toc_title(entry))
                self.title_rest = compact(entry)[len(compact(text)):]
                self.note(line, "sub-document title")
                return True
        if self._open():
            return False
        if SALUTATION.match(text) and is_title_like(text.rstrip("::"), TITLE_MAX_CHARS):
            # Part of the speech or notice, never a heading: it opens the paragraph after it.
            self.flush()
            self.current = self.salutation = Block(self.title, self.section, text, line.number)
            return True
        if (is_short_line(text) and not SUBDOC_MARKER.match(text)
                and not (run_before <= 1 and text == following)):
            ahead = sum(1 for _ in itertools.takewhile(is_short_line, upcoming))
            if run_before + 1 + ahead >= TABLE_MIN_LINES:
                self.note(line, "short-line block (table, roster or cover page)")
                self._cover_line(self.notes[-1])
                return True
        for pattern, reason in ((ORGANISATION, "byline (office)"), (DATED, "byline or date line")):
            if pattern.match(text) and is_title_like(text.rstrip("::"), TITLE_MAX_CHARS):
                self.note(line, reason)
                return True
        return False

    def _cover_line(self, line: LineNote) -> None:
        """A cover page before a part's first text: when the part has only the compilation's
        own title, the line over the speaker's dated byline is the speech's title."""
        if not self.fresh_title:
            return
        if DATED_BYLINE.match(line.text) and self.cover and self.title == self.doc_title:
            title_note = self.cover[-1]
            self.title = title_note.text
            self.notes[self.notes.index(title_note)] = replace(title_note,
                                                               reason="sub-document title")
        self.cover.append(line)

    def _feed_marked(self, line: Line, following: str | None) -> None:
        text = line.text
        marker = SUBDOC_MARKER.match(text)
        case = CASE_MARKER.match(text)
        if case:
            self.start_subdocument(case.group(1).strip())
            self.note(line, "sub-document title")
            return
        if marker:
            rest = marker.group(2).strip()
            if rest and is_title_like(rest, TITLE_MAX_CHARS):
                self.start_subdocument(rest)
                self.note(line, "sub-document title")
                return
            self.start_subdocument(self.title or self.doc_title)
            self.note(line, "sub-document marker", marker.group(0)[: len(marker.group(0))
                                                                   - len(rest)])
            if not rest:
                return
            text = rest
        elif DOUBLED_TITLE.match(text) and text == following and not ENUMERATOR.match(text):
            self.start_subdocument(text)
            self.note(line, "sub-document title")
            return
        elif text == self.title or (text == self.doc_title and self.fresh_title):
            self.note(line, "title repeat")
            return
        elif text == self.doc_title:
            # The page's title printed again after other articles: the article it names
            # starts here (compilations put the last article's title at the top).
            self.start_subdocument(text)
            self.note(line, "sub-document title")
            return
        elif (self.doc_title and len(self.doc_title) >= 6 and text.startswith(self.doc_title)
              and self.title != self.doc_title and not self._open()
              and text[len(self.doc_title)] not in PARTICLES | set(",。、:;")):
            self.start_subdocument(self.doc_title)
        if self.fresh_title:
            self.fresh_title = False
            byline = text[: len(text) - len(self.title)].strip()
            if (self.title and text.endswith(self.title) and byline
                    and is_title_like(byline, SHORT_LINE_CHARS)):
                # "青铜峡市沈闸中心小学 推进义务教育均衡发展工作方案": the title with its author
                self.note(line, "title repeat")
                return
            stripped = self._strip_title_prefix(text)
            if stripped != text:
                self.note(line, "title repeat", text[: len(text) - len(stripped)])
                heading = stripped.rstrip("。")
                if (is_title_like(heading, SHORT_HEADING_CHARS) and "是" not in heading
                        and heading.endswith(tuple(heading_words()))):
                    # "促进城乡教育均衡发展|教育均衡发展的重要性。": the first heading after it
                    self._open_heading(heading, "", line, heading)
                    return
                text = stripped
        self._feed_text(line, text, following)

    def _list_item(self, line: Line, text: str, split: HeadingSplit,
                   following: str | None) -> bool:
        """A numbered sentence among its siblings ("1. 促进教育公平。" before "2. …") is an item
        of a list, kept as text under the list's heading, not a heading over nothing. Items
        of one list are kept together while the paragraph is short. True when taken."""
        style = _item_kind(text)
        next_item = (style and style == self.list_style and self.current is not None
                     and self.current.line == line.number  # "⑴…。⑵…" on one printed line
                     and len(self.current.text) < self.config.group_target_chars)
        if not (line.listed or next_item or (style and split.heading and not split.body
                              and text.rstrip(CLOSERS)[-1:] in "。;"
                              and (style == self.list_style or style in self.item_styles
                                   or (following and _item_kind(following) == style)))):
            return False
        item = strip_enumerator(text)[1].strip()
        self.item_styles.add(style)
        self.last_item = None
        if (self.current is not None and self.list_style == style
                and len(self.current.text) < self.config.group_target_chars):
            self.current.text += item
        else:
            if self.outline and outline_style(text) and self.outline[-1].style == outline_style(
                    text):
                self._leave_heading()  # an item of the list its sibling heads
            self.flush()
            self.current = Block(self.title, self.section, item, line.number)
        self.list_style = style
        self.last_item = self.current
        return True

    def _sibling_of_heading(self, text: str) -> bool:
        """Numbered like the last heading ("1. 城乡教师同课异构活动…" then "2. 城乡教师专题讲座
        邀请…"): a heading too, glued to its text as its sibling was."""
        return self.heading_style in GLUED_SIBLINGS and list_style(text) == self.heading_style

    def _after_salutation(self, line: Line) -> bool:
        """A salutation ("各位领导:") opens the paragraph after it; before a heading, a subtitle or
        anything else that is no paragraph text, it is only a note. True when ``line`` joined."""
        salutation, self.salutation = self.salutation, None
        if salutation is None or self.current is not salutation:
            return False
        text = line.text
        if not (ENUMERATOR.match(text) or SUBTITLE.match(text)
                or is_title_like(text, self.config.max_heading_chars)):
            salutation.text += text
            return True
        self.current = None
        self.notes.append(LineNote(self.doc, salutation.line, "salutation", salutation.text))
        return False

    def _feed_text(self, line: Line, text: str, following: str | None = None) -> None:
        if INTERVIEW_QUESTION.match(text) and not self._open():
            self.flush()
            self._close_section(outline_style(text))
            self.outline = []
            self.section = ""
            self.current = Block(self.title, self.section, text, line.number)
            return
        last = self.current or (self.held or self.blocks or [None])[-1]
        if SIGN_OFF.match(text) and last is not None:
            last.text += text  # "谢谢大家!" ends the speech's last paragraph
            return
        if BRACKET_NOTE.match(text) and self.current is not None and not self._open():
            self.current.text += text  # "(责任单位:…)" closes the item before it
            self.flush()
            return
        enumerated = bool(ENUMERATOR.match(text))
        # A numbered line after a paragraph that stops mid-sentence continues it, unless the
        # paragraph is short or the line is a top-level heading ("五、工作保障" after a page cut;
        # "初一、|二、初三学生988名,…。" is a sentence cut at its comma).
        if self._open() and not (enumerated and (
                len(self.current.text) <= 45
                or (TOP_LEVEL.match(text) and not SENTENCE_STOP.search(text)))):
            self.current.text += text  # a line broken mid-sentence
            return
        if BYLINE.match(text) and not enumerated:
            self.note(line, "name line (byline or table cell)")
            return
        split = (HeadingSplit("", text, False) if ROSTER_ROLE.match(text)
                 else split_heading(text, self.config.max_heading_chars,
                                    line.chained or self._sibling_of_heading(text),
                                    self.sentence_lines))
        if self._list_item(line, text, split, following):
            return
        self.list_style = None
        if split.heading:
            self.item_styles = set()
            numbered = strip_enumerator(text)[0] + split.heading  # the log keeps the number
            self._open_heading(split.heading, outline_style(text), Line(line.number, text),
                               numbered if numbered in line.text else split.heading)
            self.heading_style = None if TOP_LEVEL.match(text) else list_style(text)
            if not split.body:
                return
            self.current = Block(self.title, self.section, split.body, line.number)
            return
        body = split.body if split.enumerated else text
        if enumerated:
            self.item_styles.add(list_style(text) or "")
            if self.outline and outline_style(text) and self.outline[-1].style == outline_style(text):
                self._leave_heading()
        if (self.sentence_lines and self.config.group_sentence_lines
                and self.current is not None and not enumerated
                and len(self.current.text) < self.config.group_target_chars
                and not NEW_PARAGRAPH_CUES.match(body)):
            self.current.text += body
            return
        self.flush()
        self.current = Block(self.title, self.section, body, line.number)


def is_sentence_per_line(lines: list[Line], config: SegmentConfig) -> bool:
    """True for scrapes that print one sentence a line (their paragraphs must be rebuilt)."""
    body = [ln.text for ln in lines if len(ln.text) > config.max_heading_chars]
    if len(body) < 10:
        return False
    ends = sum(t.rstrip(CLOSERS)[-1:] in SENTENCE_END for t in body) / len(body)
    return ends >= config.sentence_line_share and statistics.median(map(len, body)) < 90


def split_sentences(text: str) -> list[str]:
    """Split after sentence-final punctuation (and any closing quote that follows it)."""
    parts = re.findall(rf"[^{SENTENCE_END}]*[{SENTENCE_END}]+[{CLOSERS}]*|[^{SENTENCE_END}]+$",
                       text)
    return [p for p in parts if p.strip()]


CLAUSE_END = "，；、：,;:"
#: The sentence-per-line decision reads at most this many lines: enough for any real report,
#: and a 50 MB file is never held as a list of lines for it.
SAMPLE_LINES = 5000


#: Where a long paragraph may be cut: after a full stop ("。", "!", "?", or a half-width "."
#: between characters), never after a semicolon inside a list ("每天…;每天…;每周…").
FULL_STOP = re.compile(rf"(?<=[。!?…])[{CLOSERS}]*|{HALF_WIDTH_STOP}")


def full_sentences(text: str) -> list[str]:
    """Sentences that end in a full stop (FULL_STOP): where a long paragraph may be cut.
    split_sentences also ends one at a semicolon, for reuse detection's shorter passages."""
    cuts = [m.end() for m in FULL_STOP.finditer(text)]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]


def _units(text: str, max_chars: int) -> Iterator[str]:
    """Sentences; a sentence over twice the cap (no sentence punctuation for pages) is cut at
    clause punctuation, then at the last space before the cap or at the cap itself."""
    for sentence in full_sentences(text):
        if len(sentence) <= 2 * max_chars:
            yield sentence
            continue
        for clause in re.findall(rf"[^{CLAUSE_END}]*[{CLAUSE_END}]+|[^{CLAUSE_END}]+$",
                                 sentence):
            while len(clause) > max_chars:
                cut = clause.rfind(" ", max_chars // 2, max_chars)
                cut = cut + 1 if cut > 0 else max_chars
                yield clause[:cut]
                clause = clause[cut:]
            if clause:
                yield clause


def split_long(text: str, max_chars: int) -> list[str]:
    """Cut an over-long block into pieces of about equal length at sentence ends; a single
    sentence may exceed ``max_chars`` up to twice it, beyond that it is cut at clauses."""
    if len(text) <= max_chars:
        return [text]
    target = len(text) / math.ceil(len(text) / max_chars)
    pieces, piece = [], ""
    for unit in _units(text, max_chars):
        if piece and len(piece) + len(unit) / 2 > target:
            pieces.append(piece)
            piece = ""
        piece += unit
    if piece:
        pieces.append(piece)
    return pieces


def _item_kind(text: str) -> str | None:
    """The kind of list item a line opens (list_style), dash items ("——到2015年,…。") too."""
    return list_style(text) or ("dash" if text.lstrip().startswith("——") else None)


def _finished_blocks(segmenter: Segmenter, config: SegmentConfig,
                     final: bool = False) -> Iterator[Block]:
    """Blocks the segmenter has closed, split at parallel headings and to the length cap. The
    last one waits for the next call (until ``final``): a list's last item, found only when
    the next heading comes, may still join it (Segmenter._item_over_nothing)."""
    keep = 0 if final else 1
    done, segmenter.blocks = segmenter.blocks[:len(segmenter.blocks) - keep], \
        segmenter.blocks[len(segmenter.blocks) - keep:]
    for block in done:
        parts = (split_parallel_headings(block.text) if len(block.text) > config.max_paragraph_chars
                 else [("", block.text)])
        for heading, text in parts:
            section = heading or block.section
            for piece in split_long(text, config.max_paragraph_chars):
                yield Block(block.title, section, piece.strip(), block.line)


def _unglued(lines: Iterable[Line]) -> Iterator[Line]:
    """Lines cut where the scrape glued headings together (split_glued_lines)."""
    for line in lines:
        items = split_sibling_items(line.text)
        styles = [style for style in map(list_style, items) if style]
        listed = len(styles) > 1 and len(set(styles)) == 1
        pieces = [piece for item in items for piece in split_glued_lines(item)]
        if len(pieces) <= 1:
            yield line
            continue
        for text, chained in pieces:
            yield Line(line.number, text, chained, line.written,
                       listed and list_style(text) is not None)


def iter_blocks(doc: str, lines: Iterable[Line], config: SegmentConfig,
                notes: list[LineNote]) -> Iterator[Block]:
    """Walk a document's cleaned lines, yielding paragraph blocks as soon as each is closed."""
    stream = iter(lines)
    head = list(itertools.islice(stream, SAMPLE_LINES))
    if not head:
        return
    first = head[0]
    doc_title = first.text if is_title_like(first.text, TITLE_MAX_CHARS) else ""
    segmenter = Segmenter(doc, doc_title, config,
                          is_sentence_per_line(head, config),
                          notes=notes)
    body = itertools.chain(head, stream)
    if doc_title:
        segmenter.title = doc_title
        segmenter.note(next(body), "document title")
    window: deque[Line] = deque()
    for line in _unglued(body):
        window.append(line)
        if len(window) > LOOKAHEAD:
            current = window.popleft()
            segmenter.feed(current, [ln.text for ln in window])
            yield from _finished_blocks(segmenter, config)
    while window:
        current = window.popleft()
        segmenter.feed(current, [ln.text for ln in window])
    segmenter.finish()
    yield from _finished_blocks(segmenter, config, final=True)


def segment_document(doc: str, lines: list[Line], config: SegmentConfig
                     ) -> tuple[list[Block], list[LineNote]]:
    """A document's paragraph blocks and line notes (all at once)."""
    notes: list[LineNote] = []
    return list(iter_blocks(doc, lines, config, notes)), notes
