"""Recognise headings and split headings that the scrape glued to the sentence after them.

"一、加大对农村基础教育的投入资金投入是改善农村基础教育…" carries the heading
"加大对农村基础教育的投入" and the paragraph "资金投入是…". The heading becomes the paragraph's
section; the text keeps only the paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from research.config import RESOURCES_DIR

NUM = "一二三四五六七八九十"
#: A Chinese item number, 一 to 九十九 ("十一五" and "十二五" are plan names, not numbers).
NUMERAL = "(?:[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])"
#: Enumerators that open a heading or list item: 一、 (一) 1. 1、 (1) 一是 第一, ● ■ ——
ENUMERATOR = re.compile(
    rf"^\s*(?:[●■◆▲★•]\s*)?(?:"
    rf"{NUMERAL}\s*[、.,]"
    rf"|[(<][{NUM}\d]{{1,3}}[)>]\s*[、.,]?"
    rf"|\d{{1,2}}\s*[、.](?!\d)\s*"
    rf"|[{NUM}]是"
    rf"|第[{NUM}\d]{{1,3}}\s*[,、:](?!\d)"
    rf"|第[{NUM}\d]{{1,3}}条\s*"
    rf"|案例[{NUM}\d]{{1,3}}\s*[::、.]?"
    rf"|——"
    rf"|[●■◆▲★•]"
    rf")\s*"
)
#: Top-level section numbers ("一、"): only these glue a heading to the next sentence; list items
#: ("1.", "一是") start sentences that merely look like headings.
TOP_LEVEL = re.compile(rf"^\s*(?:[●■◆▲★•]\s*)?(?:{NUMERAL}\s*[、.,]|[(<][{NUM}]{{1,3}}[)>]"
                       rf"|案例[{NUM}\d]{{1,3}})")
#: "活动目标1. 促进城乡教师…": a heading followed directly by its first list item.
INNER_ENUMERATOR = re.compile(r"^([^,。;:!?\d]{2,20}?)\s*(?:\d{1,2}[.、]\s*)(\S.*)$")
SENTENCE_END = "。!?;…"
CLAUSE_PUNCT = ",。!?;:、"
ANY_PUNCT = re.compile(r"[,。!?;:、“”\"'()《》]")
PARTICLES = set("的了和与及等是之中上下着过也")
MAX_GLUED_HEADING = 20
#: Words that typically open a sentence; a glued heading most likely ends right before one.
SENTENCE_OPENERS = ("要", "除了", "在", "通过", "为了", "随着", "由于", "我们", "我", "近年来",
                    "目前", "当前", "只有", "应", "必须", "政府", "对于", "针对", "从", "建立",
                    "本次", "为", "以《", "以“")
#: A glued heading says a thing once: "优化教育资源配置|合理配置教育资源是…" ends before the body
#: repeats a word of it, unless the heading itself coordinates two parts ("加强教育设施建设和
#: 网络建设", "提高教育质量,提高教师素质"). It never holds half of a quoted or named span.
REPEATED_WORD = re.compile(r"([\u4e00-\u9fff]{2})(.*?)\1")
COORDINATION = re.compile(r"[和与及、,]")
PAIRED = (("《", "》"), ("“", "”"), ("(", ")"))


def _says_twice(head: str) -> bool:
    """A two-character word repeated in ``head`` without a coordination between."""
    return any(not COORDINATION.search(match.group(2))
               for match in REPEATED_WORD.finditer(head))
MAX_SENTENCE_HEADING = 45
#: List items ("一是", "二是") open sentences: one cut off before its full stop is never a
#: heading (a whole one, "三是完善考评制度。", on its own line may be).
LIST_ITEM = re.compile(rf"^\s*[{NUM}]是")
#: A body that starts with a few characters and a full stop ("万元。…") is the end of the
#: sentence before the space, which was a blank left for a number: no heading ends there.
BLANK = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
SENTENCE_TAIL = re.compile(rf"^[^,。;:!?]{{1,5}}[{SENTENCE_END}]")
#: Between a heading and its text on one line: a blank (not one beside a number: "任教 6 年"),
#: a colon, or a dash bullet ("改善农村学校基础设施建设- 提升…").
HEADING_SEPARATOR = re.compile(r"\s*-\s+|(?<!\d)\s+(?!\d)|:")
#: A sentence stop; a half-width full stop between characters ("…学区一体化管理.针对…") is one too.
HALF_WIDTH_STOP = r"(?<=[\u4e00-\u9fff])\."
SENTENCE_STOP = re.compile(rf"[{SENTENCE_END}]|{HALF_WIDTH_STOP}(?=[\u4e00-\u9fff])")
#: Text that ends a sentence (or a lead-in, with a colon); the half-width stop counts here too.
ENDS_SENTENCE = re.compile(rf"(?:[{SENTENCE_END}:]|{HALF_WIDTH_STOP})\Z")
#: Enumerators that may follow a heading on the same printed line and open a child heading.
CHAINED_ENUMERATOR = re.compile(rf"{NUMERAL}、|\([{NUM}\d]{{1,2}}\)|(?<!\d)\d{{1,2}}[.、](?!\d)|[{NUM}]是")
#: A heading printed at the end of the previous item's line: "…接受评估和验收。(二)保障措施。"
TRAILING_HEADING = re.compile(rf"(?<=[{SENTENCE_END}])(?:{NUMERAL}、|\([{NUM}]{{1,2}}\))"
                              rf"[^,。!?;:]{{2,20}}[。:]?$")


@lru_cache(maxsize=1)
def heading_words() -> frozenset[str]:
    """Words that may end a glued heading (packaged list)."""
    lines = (RESOURCES_DIR / "heading_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


#: Enumerators of list items (not of top-level parts), by kind: two lines that open with the
#: same kind are items of one list.
LIST_STYLES = (("digit", re.compile(r"^\s*\d{1,2}\s*[.、](?!\d)")),
               ("bracketed digit", re.compile(r"^\s*[((]\d{1,2}[))]")),
               ("一是", LIST_ITEM),
               ("第一,", re.compile(rf"^\s*第[{NUM}]{{1,3}}\s*[,、]")))


def list_style(line: str) -> str | None:
    """The kind of list-item enumerator ``line`` opens with, or None."""
    return next((name for name, pattern in LIST_STYLES if pattern.match(line)), None)


#: Enumerators of headings that are not list items: each kind is one level of a report's
#: outline ("一、" over "(一)" over "1." …), whatever order a report nests them in.
OUTLINE_STYLES = (("一、", re.compile(rf"^\s*{NUMERAL}\s*[、.,]")),
                  ("(一)", re.compile(rf"^\s*[((][{NUM}]{{1,3}}[))]")),
                  ("<一>", re.compile(rf"^\s*[<〈][{NUM}\d]{{1,3}}[>〉]")),
                  ("案例一", re.compile(rf"^\s*案例[{NUM}\d]{{1,3}}")))


def outline_style(line: str) -> str:
    """The kind of enumerator a heading line opens with ("" for an unnumbered heading): headings
    of one kind are siblings in a report's outline."""
    return next((name for name, pattern in OUTLINE_STYLES if pattern.match(line)),
                None) or list_style(line) or ""


def strip_enumerator(line: str) -> tuple[str, str]:
    """Split a leading enumerator off a line: ('一、', 'rest')."""
    match = ENUMERATOR.match(line)
    if not match:
        return "", line
    return match.group(0), line[match.end():]


def is_title_like(line: str, max_chars: int) -> bool:
    """A short line with no sentence punctuation: a title, heading, byline or table cell."""
    text = line.strip()
    return 0 < len(text) <= max_chars and not re.search(r"[,。!?;]", text)


def _glued_split(clause: str) -> int | None:
    """Where a heading glued to the next sentence ends inside ``clause``, or None.

    Candidates are the ends of heading words (工作, 建设, 配置 …). With a copula (是) in the clause
    the heading ends before the subject, i.e. at the last candidate before 是; otherwise at the
    last candidate that leaves a real sentence (not a particle) behind, up to 20 characters.
    """
    from research.corpus.tokenize import quiet_jieba

    words = heading_words()
    copula = clause.find("是")
    comma = clause.find(",")
    candidates: list[int] = []
    position = 0
    for token in quiet_jieba().lcut(clause, HMM=False):
        position += len(token)
        rest = clause[position:]
        head = clause[:position]
        if (any(head.endswith(w) for w in words) and 4 <= position <= MAX_GLUED_HEADING
                and len(rest) >= 4
                and rest[0] not in PARTICLES and rest[0] not in CLAUSE_PUNCT
                and (copula < 0 or position < copula)
                and not _says_twice(head)
                and all(head.count(a) == head.count(b) for a, b in PAIRED)):
            candidates.append(position)
    if not candidates:
        return None
    opener = next((c for c in candidates if clause[c:].startswith(SENTENCE_OPENERS)), None)
    if opener is not None:
        return opener
    before_comma = [c for c in candidates if comma < 0 or c < comma]
    if before_comma:
        return before_comma[-1]
    if copula < 0 and 0 < comma < candidates[-1]:
        # "提高教育质量,提高教师素质城乡…": the heading spans the comma; take the first
        # candidate after it, extended over directly following heading words.
        after = [c for c in candidates if c > comma]
        chosen = after[0]
        for nxt in after[1:]:
            if clause[chosen:nxt] in words:
                chosen = nxt
        return chosen
    return candidates[-1]


def _restarts_at(rest: str) -> int | None:
    """Where the text restarts with the heading's first words ("基础教育规划|基础教育规划方面,
    政府提出…"): the heading ends there. None when it does not."""
    if len(rest) < 8 or ANY_PUNCT.search(rest[:4]):
        return None
    start = rest.find(rest[:4], 4, MAX_GLUED_HEADING + 4)
    if start < 0 or ANY_PUNCT.search(rest[:start]) or "是" in rest[:start]:
        return None
    return start if any(rest[:start].endswith(word) for word in heading_words()) else None


def _is_parallel(text: str) -> bool:
    """Two clauses of heading length around one comma ("联片教研搭建城乡交流平台,推动县域…发展")."""
    clauses = text.split(",")
    return len(clauses) == 2 and all(4 <= len(c) <= MAX_GLUED_HEADING for c in clauses)


@dataclass(frozen=True)
class HeadingSplit:
    """A line seen as (heading, body); either part may be empty."""

    heading: str
    body: str
    enumerated: bool


def split_heading(line: str, max_heading_chars: int = 30, chained: bool = False,
                  sentence_lines: bool = False) -> HeadingSplit:
    """Separate a heading from the text on the same line, if the line starts with one.

    ``chained``: the line followed its parent heading on one printed line ("四、活动成果|1. 城乡
    教师…提升通过本次…"), so a numbered item here is a heading, as a top-level one would be.
    ``sentence_lines``: the scrape prints one sentence a line, so a numbered line that is one
    sentence is a heading glued to a sentence more often than a heading with a full stop.
    """
    line = line.strip()
    enumerator, rest = strip_enumerator(line)
    enumerated = bool(enumerator)
    if not enumerated:
        if is_title_like(line, max_heading_chars):
            return HeadingSplit(line, "", False)
        return HeadingSplit("", line, False)
    rest = rest.strip()
    if not rest:
        return HeadingSplit(enumerator.strip(), "", True)
    top_level = chained or bool(TOP_LEVEL.match(enumerator))
    if LIST_ITEM.match(enumerator) and rest[-1] not in SENTENCE_END and not chained:
        return HeadingSplit("", rest, True)  # "二是建|立…": a sentence broken across lines
    # A whole numbered line without a sentence stop is a heading ("二、加大统筹城乡力度 积极优化
    # 学校布局", "三、要站在…的高度,深入推进义务教育均衡发展"); so is a top-level one that is a
    # single sentence ("案例三:建立健全名师工作室,发挥…作用。", below).
    unstopped = rest.rstrip(":")
    lead_in = rest.endswith(":") and "," in unstopped  # "…是重要举措,具有以下意义:"
    if not SENTENCE_STOP.search(unstopped) and ":" not in unstopped and not lead_in and len(
            unstopped) <= (MAX_SENTENCE_HEADING if top_level else max_heading_chars):
        return HeadingSplit(unstopped, "", True)
    # Heading and body separated by a space or a colon: "(一)什么是均衡发展 全面落实…".
    sep = HEADING_SEPARATOR.search(rest[:MAX_SENTENCE_HEADING])
    if sep and sep.start() >= 2 and (
            not ANY_PUNCT.search(rest[:sep.start()].replace("、", ""))
            or (top_level and sep.group().isspace() and _is_parallel(rest[:sep.start()]))):
        heading, body = rest[:sep.start()], rest[sep.end():].strip()
        second = HEADING_SEPARATOR.search(body[:MAX_GLUED_HEADING + 1])
        if (second and second.start() >= 4 and sep.group().isspace() and second.group().isspace()
                and not ANY_PUNCT.search(body[:second.start()])):
            # "优化财政支出结构 大幅增加教育投入 寿阳县委…": a heading of two phrases
            heading, body = f"{heading} {body[:second.start()]}", body[second.end():].strip()
        if body and not SENTENCE_TAIL.match(body):
            return HeadingSplit(heading, body, True)
    if (TOP_LEVEL.match(enumerator) and not (chained or sentence_lines) and rest[-1] in SENTENCE_END
            and len(rest) <= MAX_SENTENCE_HEADING and not SENTENCE_STOP.search(rest[:-1])
            and ":" not in rest and (_is_parallel(rest[:-1]) or _glued_split(rest[:-1]) is None)):
        return HeadingSplit(rest[:-1], "", True)
    # Heading ends with the first sentence: "(一)全面实现三个增长。2008-2010年…".
    stop = SENTENCE_STOP.search(rest)
    end = stop.start() if stop else len(rest)
    first, body = rest[:end], rest[end + 1:].strip()
    # A whole line without a full stop is all heading ("二、加大投入,建设标准化学校"); one that
    # ends in a full stop may hold a heading glued to a sentence, unless it is short.
    if not body and len(first) <= (MAX_GLUED_HEADING if end < len(rest) else max_heading_chars):
        return HeadingSplit(first, "", True)
    # ... but not a clause the sentence goes on after ("<一>、县教育局成立…领导小组;领导小组下设…").
    if (body and len(first) <= MAX_SENTENCE_HEADING and top_level and rest[end] not in ";;"
            and not re.search(r"(?<!\d)\s(?!\d)", first)):
        return HeadingSplit(first, body, True)
    restart = _restarts_at(rest)
    if restart:
        return HeadingSplit(rest[:restart], rest[restart:], True)
    inner = INNER_ENUMERATOR.match(rest)
    if inner:
        return HeadingSplit(inner.group(1), inner.group(2), True)
    clause_end = next((i for i, ch in enumerate(rest) if ch in "。!?;:"), len(rest))
    clause = rest[:clause_end]
    # A blank inside the clause is a gap left for a number ("每年 万元"): a sentence, not a
    # heading glued to one.
    cut = _glued_split(clause) if top_level and not BLANK.search(clause) else None
    if cut is not None:
        return HeadingSplit(rest[:cut], rest[cut:], True)
    if not body and len(first) <= max_heading_chars:
        return HeadingSplit(first, "", True)
    return HeadingSplit("", rest, True)


#: How a list item opens, by kind, with a group for its number ("3." -> 3, "第三," -> 三).
NUMBERED_ITEM = (("digit", r"(\d{1,2})\s*[.、](?!\d)", r"{}\s*[.、](?!\d)"),
                 ("bracketed digit", r"[((](\d{1,2})[))]", r"[((]{}[))]"),
                 ("一、", rf"([{NUM}]{{1,3}})\s*、", r"{}\s*、"),
                 ("(一)", rf"[((]([{NUM}]{{1,3}})[))]", r"[((]{}[))]"),
                 ("一是", rf"([{NUM}]{{1,3}})是", r"{}是"),
                 ("第一,", rf"第([{NUM}]{{1,3}})\s*[,、]", r"第{}\s*[,、]"))
#: "——交流推进均衡。…。——帮扶实现共进。…": dash items, one after another on one line.
DASH_ITEM = re.compile(r"(?<=[。.!?;])\s*——(?=[\u4e00-\u9fff])")
#: "…(责任单位:市教育局、市公安局)22.严防学生欺凌。普遍开展…": a numbered item starts after a
#: sentence or a closing bracket, whatever the line started with.
#: So does a part heading followed by its first child ("组长:副组长:成员:五、主要措施(一)教育管理…":
#: an empty roster, then headings); "三、四月份,…" and "一、二年级学生…" are not.
MID_LINE_ITEM = re.compile(r"(?<=[。!?;)])\s*(?=\d{1,2}[.、](?!\d)\s*[\u4e00-\u9fff])"
                           rf"|(?<=[。!?;:])\s*(?=[{NUM}]{{1,2}}、[^,。;:!?、\d]{{2,20}}"
                           rf"[((][{NUM}][))])")
#: A sentence-list of "一是…。二是…。" items stays one paragraph; a list whose first item is
#: this long ("三是加快中学基础设施建设…(300 characters)。四是…") is cut into its items.
MIN_RUN_IN_ITEM = 100


CN_NUMBER = re.compile(r"([一二三四五六七八九]?)(十?)([一二三四五六七八九]?)")


def _cn_number(text: str) -> int | None:
    """一 … 九十九 as a number, None for anything else ("十二五", "一二十": not item numbers)."""
    match = CN_NUMBER.fullmatch(text)
    if not text or not match:
        return None
    first, ten, ones = match.groups()
    if not ten:
        return NUM.index(first) + 1 if first and not ones else None
    return (NUM.index(first) + 1 if first else 1) * 10 + (NUM.index(ones) + 1 if ones else 0)


def _cn_numeral(value: int) -> str:
    tens, ones = divmod(value, 10)
    return (NUM[tens - 1] if tens > 1 else "") + ("十" if tens else "") + (NUM[ones - 1] if ones else "")


def split_sibling_items(line: str) -> list[str]:
    """Cut a line where the next item of its own list starts after a sentence end.

    "3.…特色发展。4.义务教育均衡发展不是…" -> ["3.…特色发展。", "4.义务教育均衡发展不是…"];
    "——交流推进均衡。…。——帮扶实现共进。…" likewise. Items of another kind inside the line
    ("第三,…。一是…。二是…。第四,…") stay, and so do short "一是…。二是…。" sentence lists;
    a digit item after a sentence or a bracket ("…)22.严防…") starts a piece in any line.
    """
    return [item for piece in _sibling_items(line)
            for item in _cut(piece, [m.start() for m in MID_LINE_ITEM.finditer(piece)
                                     if m.start() > 0])]


def _sibling_items(line: str) -> list[str]:
    if line.lstrip().startswith("——"):
        cuts = [m.start() for m in DASH_ITEM.finditer(line)]
        return _cut(line, cuts)
    for kind, opener, template in NUMBERED_ITEM:
        first = re.match(rf"\s*{opener}", line)
        if not first:
            continue
        digit = kind.endswith("digit")
        value = int(first.group(1)) if digit else _cn_number(first.group(1))
        if value is None:
            return [line]
        cuts: list[int] = []
        while True:
            value += 1
            number = str(value) if digit else _cn_numeral(value)
            found = re.compile(rf"(?<=[。.!?;])\s*{template.format(number)}").search(
                line, (cuts[-1] if cuts else first.end()) + 1)
            if not found:
                break
            cuts.append(found.start())
        if kind == "一是" and cuts and cuts[0] < MIN_RUN_IN_ITEM:
            return [line]
        return _cut(line, cuts)
    return [line]


def _cut(line: str, cuts: list[int]) -> list[str]:
    bounds = [0, *cuts, len(line)]
    return [line[a:b].strip() for a, b in zip(bounds, bounds[1:]) if line[a:b].strip()]


def split_glued_lines(line: str) -> list[tuple[str, bool]]:
    """Cut a printed line where the scrape glued headings together or onto the line before.

    "二、目标与原则1.目标:2024年实现…" -> [("二、目标与原则", False), ("1.目标:2024年实现…", True)]
    (True: the first child of a top-level heading); "4.督导验收。接受…验收。(二)保障措施。" ->
    the item, then the heading "(二)保障措施。". A parent is at most a sentence-free clause of
    ``MAX_SENTENCE_HEADING`` characters that does not end in a comma ("1、在硬件方面,一是…" is
    one sentence).
    """
    pieces: list[tuple[str, bool]] = []
    trailing = TRAILING_HEADING.search(line)
    tail = line[trailing.start():] if trailing else ""
    line = line[:trailing.start()] if trailing else line
    chained = False
    while True:
        enumerator, rest = strip_enumerator(line)
        child = CHAINED_ENUMERATOR.search(rest, 2) if enumerator else None
        if child is None or child.start() > MAX_SENTENCE_HEADING:
            break
        parent = rest[:child.start()]
        if (SENTENCE_STOP.search(parent) or parent.rstrip()[-1] in ",、" + "".join(PARTICLES)
                or not rest[child.end():].strip()):
            break
        pieces.append((line[:len(enumerator) + child.start()].strip(), chained))
        line, chained = rest[child.start():], bool(TOP_LEVEL.match(enumerator))
    pieces.append((line, chained))
    if tail:
        pieces.append((tail, False))
    return pieces


PARALLEL_HEADING = re.compile(
    rf"(?:^|(?<=[{SENTENCE_END}]))([\u4e00-\u9fff]{{4,8}}),([\u4e00-\u9fff]{{12,}})"
)


#: Function words a parallel heading ("保障经费投入,夯实发展基础") does not hold but a sentence
#: cut at the same length does ("比照公务员标准,落实了农村教师").
NOT_A_HEADING_WORD = re.compile("[的了是在把将从对被]")
#: Openings of sentences, not of headings: list items, time and basis phrases.
SENTENCE_START = re.compile(rf"^(?:[{NUM}]是|从|自|比照|按照|根据|通过|为了|由于|随着|经过|今年|去年)")


def split_parallel_headings(text: str) -> list[tuple[str, str]]:
    """Split a run-on block at parallel headings ("科学规划布局,合理撤点并校微县按照…").

    Report sections are often titled with two clauses of equal length; the scrape glued the
    second clause to the body. Returns [(heading, text), ...], the first heading possibly ''.
    """
    pieces: list[tuple[str, str]] = []
    heading, start = "", 0
    for match in PARALLEL_HEADING.finditer(text):
        first, second = match.group(1), match.group(2)
        size = len(first)
        tail = second[size:]
        if (NOT_A_HEADING_WORD.search(first + second[:size]) or SENTENCE_START.match(first)
                or not tail or tail[0] in PARTICLES):
            continue
        pieces.append((heading, text[start:match.start()]))
        heading = f"{first},{second[:size]}"
        start = match.start(2) + size
    pieces.append((heading, text[start:]))
    return [(h, t.strip()) for h, t in pieces if t.strip()]
