"""Structure that survives real reports: attachments and articles start sub-documents, tables
and rosters never become titles or sections, headings never swallow the end of a sentence, and
template placeholders are flagged. Every case here was found by reading the seed corpus."""

from __future__ import annotations

import re

import pytest

from research.corpus.headings import split_heading, split_parallel_headings
from research.corpus.pipeline import Corpus
from research.corpus.placeholders import PLACEHOLDER, placeholder_flags
from research.corpus.records import Paragraph

HEBEI = re.compile(r"桥西区|井陉|河北省|石家庄")


def paragraphs_of(corpus: Corpus, prefix: str):  # type: ignore[no-untyped-def]
    return [p for p in corpus.paragraphs if p.doc.startswith(prefix)]


def test_hebei_attachments_are_not_under_the_jinzhong_title(corpus: Corpus) -> None:
    """003 prints a Cangzhou notice and its three attachments (附件1-3) after the Jinzhong
    material; each attachment is its own sub-document."""
    hebei = [p for p in paragraphs_of(corpus, "003") if HEBEI.search(p.text)]
    assert hebei
    assert not [p.id for p in hebei if "晋中" in p.title]
    titles = {p.title for p in paragraphs_of(corpus, "003")}
    assert "石家庄市桥西区教育局经验材料" in titles
    assert "石家庄市井陉县人民政府经验材料" in titles


def test_articles_listed_in_a_table_of_contents_become_sub_documents(corpus: Corpus) -> None:
    """The Jinzhong material lists its three county reports up front; each is a sub-document."""
    by_title = {p.title: p for p in paragraphs_of(corpus, "003")}
    assert "让城乡学生共享公共资源的阳光" in by_title
    assert "致力教育公平加快城乡教育一体化进程" in by_title
    assert "以改革为动力 优化教育资源配置" in by_title
    assert "榆社县" in " ".join(p.text for p in paragraphs_of(corpus, "003")
                             if p.title == "以改革为动力 优化教育资源配置")


def test_roster_cells_are_never_titles_or_sections(corpus: Corpus) -> None:
    labels = {p.title for p in corpus.paragraphs} | {p.section for p in corpus.paragraphs}
    cells = [label for label in labels
             if re.search(r"^第.{1,2}片区$|中心校、|^石弓中心校$|^(副?组长|成员):", label)]
    assert cells == []


@pytest.mark.parametrize("fragment", [
    "从去年开始,教师中高级", "比照公务员标准,落实了农村教师", "三是深化教研改革,指导农村学校建立",
    "加大投入,建设", "名师工作室经费标准为每个工作室每年", "对义务教育均衡",
])
def test_no_section_ends_in_the_middle_of_a_sentence(corpus: Corpus, fragment: str) -> None:
    assert fragment not in {p.section for p in corpus.paragraphs}


def test_no_paragraph_starts_with_the_tail_of_a_cut_sentence(corpus: Corpus) -> None:
    """ "…每年 万元。" once became section "…每年" and a paragraph "万元。…"; a run-in heading
    of four characters or more ("制定规划。") is fine."""
    tails = [p.text[:12] for p in corpus.paragraphs if re.match(r"^[^,。;:“”]{1,3}。", p.text)]
    assert tails == []


def test_bylines_dates_and_salutations_are_not_sections(corpus: Corpus) -> None:
    sections = {p.section for p in corpus.paragraphs}
    assert not [s for s in sections
                if re.search(r"\d{4}年\d{1,2}月|O{2}七年|局长 |^(各位|尊敬的)|、.*:$", s)]


def test_an_enumerated_fragment_is_not_dropped_as_a_name_line(corpus: Corpus) -> None:
    """004 breaks "二是建|立城乡中小学教师流动机制" across lines; "二是建" is not a name."""
    assert any("建立城乡中小学教师流动机制" in p.text for p in paragraphs_of(corpus, "004"))


def test_every_paragraph_with_a_placeholder_is_flagged(corpus: Corpus) -> None:
    with_placeholder = {p.id for p in corpus.paragraphs if PLACEHOLDER.search(p.text)}
    flagged = {p.id for p in corpus.paragraphs if "placeholder" in p.flags}
    assert len(with_placeholder) >= 10  # xx年 in 000, XX局 and □ in 004, ____ in 003
    assert flagged == with_placeholder


@pytest.mark.parametrize(("text", "flagged"), [
    ("从xx年起,市里每年都会举办教育改革与发展报告会。", True),
    ("由区XX局直接安排农村中小学的公用经费。", True),
    ("□为达到这些目标,主要制订了哪些具体的措施?", True),
    ("按要求填写《____年______名师工作室成员考核表》。", True),
    ("联系人:***,电话略。", True),
    ("结对后,“”通过观摩、送教、讲座等形式带动农村学校。", True),
    ("二○○七年十月二十三日,沧州市教育局印发通知。", False),
    ("R县全县义务教育阶段学校共有121所。", False),
    ("投入3x4米的展板和Excel表格。", False),
])
def test_placeholder_patterns(text: str, flagged: bool) -> None:
    assert bool(placeholder_flags(text)) is flagged


def test_a_whole_short_heading_line_is_not_cut_at_a_heading_word() -> None:
    assert split_heading("二、加大投入,建设标准化学校").heading == "加大投入,建设标准化学校"
    assert split_heading("一、义务教育均衡发展的内涵").heading == "义务教育均衡发展的内涵"


def test_a_blank_inside_a_sentence_does_not_end_a_heading() -> None:
    split = split_heading("<二>、名师工作室经费标准为每个工作室每年 万元。经费由首席名师所在单位管理。")
    assert split.heading == ""
    assert split.body.startswith("名师工作室经费标准为每个工作室每年 万元。")


def test_an_enumerated_list_item_alone_is_not_a_heading() -> None:
    assert split_heading("二是建").heading == ""


@pytest.mark.parametrize("sentence", [
    "教师节评先。从去年开始,教师中高级职务晋升指标直接分配到乡镇,分解到学校。",
    "建立了健康档案。比照公务员标准,落实了农村教师生活津贴和医疗保险。",
    "一是扎实推进评价改革。三是深化教研改革,指导农村学校建立课题跟踪制度。",
])
def test_sentences_are_not_mistaken_for_parallel_headings(sentence: str) -> None:
    assert [h for h, _ in split_parallel_headings(sentence)] == [""]


# --- found by reading every paragraph of the seed corpus (2026-12-03) ----------------------

def test_an_interviewer_s_question_opens_a_new_exchange(corpus: Corpus) -> None:
    """004's interview: "□请您先介绍一下汉沽区的教育现状。" was glued to the lead paragraph,
    and answers kept a list heading of the answer before."""
    interview = paragraphs_of(corpus, "004")
    questions = [i for i, p in enumerate(interview) if p.text.startswith("□")]
    assert len(questions) >= 4
    first = interview[questions[0]]
    assert first.text == "□请您先介绍一下汉沽区的教育现状。" and first.section == ""
    for i in questions:
        assert interview[i].text.count("□") == 1, interview[i].text[:30]
        assert interview[i].section == ""
        assert interview[i + 1].section == "", interview[i + 1].text[:30]


def test_numbered_sentences_among_siblings_are_list_items_kept_as_text(corpus: Corpus) -> None:
    """000: "1. 促进城乡教师之间的交流与合作…。" … "3. 探索…。" under "活动目标" were taken as
    headings over nothing and lost."""
    texts = {p.text: p for p in paragraphs_of(corpus, "000")}
    goals = next(p for t, p in texts.items() if t.startswith("促进城乡教师之间的交流与合作"))
    assert goals.section == "活动目标"
    assert "探索城乡一体化教育发展新模式" in goals.text


def test_siblings_of_a_glued_numbered_heading_are_headings_too(corpus: Corpus) -> None:
    """000: "1. 城乡教师同课异构活动本次教研活动…" is a heading glued to its text; so are its
    siblings "2. 城乡教师专题讲座邀请…" and "3. 城乡教师互动研讨组织…"."""
    by_section: dict[str, Paragraph] = {}
    for p in paragraphs_of(corpus, "000"):
        by_section.setdefault(p.section, p)  # the first paragraph under each heading
    assert by_section["城乡教师同课异构活动"].text.startswith("本次教研活动")
    assert by_section["城乡教师专题讲座"].text.startswith("邀请城乡优秀教师")
    assert by_section["城乡教师互动研讨"].text.startswith("组织城乡教师开展互动研讨")


# --- found by reading every paragraph again after the first round of fixes (2026-12-03) -----

def first_with(corpus: Corpus, prefix: str, start: str) -> Paragraph:
    return next(p for p in paragraphs_of(corpus, prefix) if p.text.startswith(start))


@pytest.mark.parametrize(("prefix", "start", "section"), [
    # after the last item of a list, a closing passage speaks for the whole article …
    ("003", "纵观左权教育的发展历程", ""),
    ("003", "寿阳县义务教育均衡发展取得的初步成就", ""),
    ("003", "“千帆竞发一支秀", ""),
])
def test_a_closing_passage_is_not_under_the_last_item(corpus: Corpus, prefix: str, start: str,
                                                      section: str) -> None:
    assert first_with(corpus, prefix, start).section == section


def test_an_item_numbered_like_the_heading_before_it_is_that_heading_s_sibling(
        corpus: Corpus) -> None:
    """004: "一是实施城乡中小学管理干部流动。" heads its text; "二是建立城乡中小学教师流动机制,…"
    is its sibling, under "第二,健全干部教师队伍培养和流动机制", not under item 一."""
    sibling = first_with(corpus, "004", "建立城乡中小学教师流动机制")
    assert sibling.section == "健全干部教师队伍培养和流动机制"


def test_list_items_after_a_text_item_of_their_list_are_text(corpus: Corpus) -> None:
    """000: "一是提高农村教师的待遇…" is text, so "二是加强城市与农村教师之间的交流与互动,促进
    教师专业素养的提升。" is an item too, not the heading of the speech's next parts."""
    texts = [p.text for p in paragraphs_of(corpus, "000")]
    assert any(t.startswith("加强城市与农村教师之间的交流与互动") for t in texts)
    assert not {p.section for p in paragraphs_of(corpus, "000")} & {
        "加强城市与农村教师之间的交流与互动,促进教师专业素养的提升"}


def test_the_last_item_of_a_list_is_not_lost_as_a_heading_over_nothing(corpus: Corpus) -> None:
    """002: "4.加强监督,完善督导受验机制" before "四、…" and 000: "3. 农村学生享受到更多优质教育
    资源。" at an article's end have no text under them: they are items, kept as text."""
    assert any("加强监督,完善督导受验机制" in p.text for p in paragraphs_of(corpus, "002"))
    last = first_with(corpus, "000", "农村学生享受到更多优质教育资源")
    assert last.section == "教育城乡一体化的成果"


@pytest.mark.parametrize(("prefix", "start"), [
    ("003", "帮扶实现共进"),                         # "——…。——…"
    ("003", "初高中分离工作稳步推进"),               # "三是…(300 characters)。四是…"
])
def test_the_next_item_of_a_list_on_the_same_line_opens_a_paragraph(
        corpus: Corpus, prefix: str, start: str) -> None:
    assert any(p.text.startswith(start) for p in paragraphs_of(corpus, prefix))


def test_no_item_number_is_left_inside_a_paragraph(corpus: Corpus) -> None:
    """002 prints "3.…特色发展。4.义务教育均衡发展不是…" and "1.学校硬件设施设备严重不足:…。2.图书…。
    3.体、音、美…" on one line: the items are items of one list (kept as text, their numbers
    gone), and the first one is no heading over the others; 004's "…)22.严防学生欺凌…" opens
    an item of its own."""
    inside = re.compile(r"[。;)]\s*\d{1,2}[.、](?!\d)\s*[\u4e00-\u9fff]")
    assert [p.text[:30] for p in corpus.paragraphs if inside.search(p.text)] == []
    assert first_with(corpus, "002", "学校硬件设施设备严重不足").section == "主要任务"
    assert "义务教育均衡发展不是某一方面的发展" in first_with(
        corpus, "002", "义务教育均衡发展不是“千校一面”").text
    assert first_with(corpus, "004", "普遍开展法治教育").section == "严防学生欺凌和____"


@pytest.mark.parametrize(("prefix", "start"), [
    ("003", "各位领导:井陉县地处太行山东麓"),
    ("003", "同志们:这次会议"),
    ("003", "石油分局、各县(市、区)教育局(文教局)、市直各中学:近期"),
])
def test_a_salutation_opens_the_paragraph_after_it(corpus: Corpus, prefix: str,
                                                   start: str) -> None:
    assert any(p.text.startswith(start) for p in paragraphs_of(corpus, prefix))


def test_a_speech_s_title_and_subtitle_are_not_text_or_sections(corpus: Corpus) -> None:
    """003: "深入推进义务教育均衡发展,努力促进教育公平" over "——全省…现场会上的讲话"."""
    speech = paragraphs_of(corpus, "003")
    assert not [p for p in speech if p.text == "深入推进义务教育均衡发展,努力促进教育公平"]
    assert not [p for p in speech if "现场会上的讲话" in p.section]
    notes = {(n.reason, n.text) for n in corpus.notes}
    assert ("speech title", "深入推进义务教育均衡发展,努力促进教育公平") in notes


def test_numbered_articles_of_a_compilation_get_their_own_title(corpus: Corpus) -> None:
    """004: "城乡义务教育优质均衡发展实施方案(二)" inside the compilation "…实施方案(3篇)" (at a
    line's start, and after the last sentence of the article before)."""
    titles = {p.title for p in paragraphs_of(corpus, "004")}
    assert {"城乡义务教育优质均衡发展实施方案(二)", "城乡义务教育优质均衡发展实施方案范文(二)"} <= titles
    assert first_with(corpus, "004", "改善农村学校设施条件").title == "城乡义务教育优质均衡发展实施方案(二)"


def test_a_heading_printed_after_the_repeated_title_is_a_section(corpus: Corpus) -> None:
    """004: "促进城乡教育均衡发展教育均衡发展的重要性。" is the title again and the first heading;
    "青铜峡市沈闸中心小学 推进义务教育均衡发展工作方案" (002) is the title with its author."""
    assert first_with(corpus, "004", "教育关系着一个民族的文化传承").section == "教育均衡发展的重要性"
    assert first_with(corpus, "002", "近年来,我校义务教育的资源配置").section == ""


def test_a_long_paragraph_is_cut_at_full_stops_not_inside_a_list_of_semicolons(
        corpus: Corpus) -> None:
    """003 writes sentence ends as "." and lists "每天…;每天…;每周…": a cap on paragraph length
    cut the "六个一" list after its first item."""
    assert not [p for p in paragraphs_of(corpus, "003") if p.text.startswith("每天有针对性地")]


def test_a_speech_s_sign_off_ends_its_last_paragraph(corpus: Corpus) -> None:
    """003: "谢谢大家!" on its own line was dropped as too short."""
    closing = first_with(corpus, "003", "同志们,促进义务教育均衡发展已写进党的十七大报告")
    assert closing.text.endswith("努力奋斗。谢谢大家!") and closing.section == ""
