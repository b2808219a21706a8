"""Headings glued to their text are split off and kept as the paragraph's section."""

from __future__ import annotations

import pytest

from research.corpus.headings import (
    split_glued_lines,
    split_heading,
    split_parallel_headings,
    split_sibling_items,
)


@pytest.mark.parametrize(("line", "heading", "body_start"), [
    ("一、加大对农村基础教育的投入资金投入是改善农村基础教育条件的重要保障。",
     "加大对农村基础教育的投入", "资金投入是"),
    ("二、做好常规教学工作在教学上,我认真备课,研读教材和教学参考。", "做好常规教学工作", "在教学上"),
    ("三、加强农村教师队伍建设教师是教育事业的核心力量。", "加强农村教师队伍建设", "教师是"),
    ("一、制定政策,建立合理的教育资源配置机制城乡教育资源分配应遵循合理公平的原则。",
     "制定政策,建立合理的教育资源配置机制", "城乡教育资源分配"),
    ("(一)什么是义务教育均衡发展 全面落实科学发展观,促进教育公平。", "什么是义务教育均衡发展",
     "全面落实"),
    ("(一)全面实现三个增长。2008-2010年,全县教育经费逐年增长。", "全面实现三个增长", "2008"),
    # seeds 000 and 004 (full-corpus check, 2026-12-03): the heading ends before the body
    # repeats a word of it, unless the heading coordinates two parts
    ("二、优化教育资源配置合理配置教育资源是促进城乡基础教育一体化发展的关键。",
     "优化教育资源配置", "合理配置教育资源"),
    ("三、加强城乡基础设施建设城乡基础设施建设是城乡一体化发展的基础。", "加强城乡基础设施建设",
     "城乡基础设施建设是"),
    ("四、改善农村学校硬件设施加大对农村学校硬件设施的投入,提升农村学校的基础设施水平。",
     "改善农村学校硬件设施", "加大对"),
    ("二、加强教育设施建设和网络建设城乡之间的教育资源差距,在很大程度上是由于教育设施的发展水平不同"
     "所导致的。", "加强教育设施建设和网络建设", "城乡之间"),
    # ... and never holds half of a named span; "本次", "以《", "目前" open the body
    ("三、总体目标以《___省义务教育均衡发展督导评估验收标准》为基准,按照“坚持标准”的工作思路。",
     "总体目标", "以《"),
    ("一、基本情况目前,R县全县义务教育阶段学校共有121所,其中:完全中学2所。", "基本情况", "目前"),
    # a lead-in sentence ending in a colon is text under the heading, not part of it
    ("一、教育城乡一体化的意义教育城乡一体化是我国教育改革的重要举措,具有以下意义:",
     "教育城乡一体化的意义", "教育城乡一体化是"),
    # seed 004: a dash bullet separates, and is no part of the heading
    ("1.改善农村学校基础设施建设- 提升农村学校的硬件设施,包括教室、图书馆等;- 加强软件建设。",
     "改善农村学校基础设施建设", "提升"),
    # seed 003: a heading of two phrases; a blank beside a number separates nothing
    ("一、优化财政支出结构 大幅增加教育投入 寿阳县委、县政府坚持把新增财力用于教育,实现了跨越。",
     "优化财政支出结构 大幅增加教育投入", "寿阳县委"),
    ("(一)实行新聘教师到乡村任教 6 年的制度。每年按编制面向社会招聘新教师,及时补充新鲜血液。",
     "实行新聘教师到乡村任教 6 年的制度", "每年"),
])
def test_glued_or_separated_heading_is_split(line: str, heading: str, body_start: str) -> None:
    split = split_heading(line)
    assert split.heading == heading
    assert split.body.startswith(body_start)


@pytest.mark.parametrize(("line", "heading"), [
    # seed 003: a whole numbered line without a sentence stop is one heading, space or comma
    ("二、加大统筹城乡力度 积极优化学校布局", "加大统筹城乡力度 积极优化学校布局"),
    ("三、要站在建设和谐社会和促进教育公平的高度,深入推进义务教育均衡发展",
     "要站在建设和谐社会和促进教育公平的高度,深入推进义务教育均衡发展"),
    # seed 003: a top-level heading that is one sentence of two parallel clauses
    ("案例三:建立健全名师工作室,发挥名师引领示范带头辐射作用。",
     "建立健全名师工作室,发挥名师引领示范带头辐射作用"),
    # seed 003: a half-width full stop between characters ends the heading
    ("(六)积极推进特色办学.把办特色学校,办特长班作为促进学生全面发展的重要举措。", "积极推进特色办学"),
])
def test_whole_line_and_one_sentence_headings(line: str, heading: str) -> None:
    assert split_heading(line).heading == heading


@pytest.mark.parametrize(("line", "pieces"), [
    # seed 004: a heading, its first child and a grandchild item on one printed line
    ("二、目标与原则1. 目标(1)提升农村学校教育质量。",
     [("二、目标与原则", False), ("1. 目标", True), ("(1)提升农村学校教育质量。", False)]),
    # seed 002: the next part's heading printed at the end of the last item
    ("4.督导验收。接受各级教育督导团组织评估和验收。(二)保障措施。",
     [("4.督导验收。接受各级教育督导团组织评估和验收。", False), ("(二)保障措施。", False)]),
    # one sentence with a list inside is not cut
    ("1、在硬件方面,一是新建校舍,二是配齐设备。", [("1、在硬件方面,一是新建校舍,二是配齐设备。", False)]),
])
def test_glued_lines_are_cut_at_child_and_trailing_headings(line: str, pieces: list) -> None:
    assert split_glued_lines(line) == pieces


def test_a_chained_child_heading_is_split_from_its_sentence() -> None:
    split = split_heading("1. 城乡教师教育教学水平得到提升通过本次教研活动,城乡教师的教学水平得到了明显提高。",
                          chained=True)
    assert (split.heading, split.body[:4]) == ("城乡教师教育教学水平得到提升", "通过本次")


def test_list_items_are_not_mistaken_for_headings() -> None:
    split = split_heading("2. 城乡教师专题讲座邀请城乡优秀教师进行专题讲座,分享教育教学经验。"
                          "讲座内容涵盖课程改革、教学方法等方面。")
    assert split.heading == ""


def test_short_heading_line_is_all_heading() -> None:
    assert split_heading("一、均衡师资力量").heading == "均衡师资力量"
    assert split_heading("一、均衡师资力量").body == ""


def test_run_on_block_splits_at_parallel_headings() -> None:
    block = ("有效推动了全县教育优质均衡发展。科学规划布局,合理撤点并校微县按照城乡一体化的发展思路,"
             "坚持把优质教育资源向农村倾斜。完善学前体系,实现幼有所育微县大力实施学前教育三年行动计划。")
    pieces = split_parallel_headings(block)
    assert [h for h, _ in pieces] == ["", "科学规划布局,合理撤点并校", "完善学前体系,实现幼有所育"]
    assert pieces[1][1].startswith("微县按照")


@pytest.mark.parametrize(("line", "pieces"), [
    ("3.甲是乙的发展。4.丙不是丁的发展,而是整体发展。", ["3.甲是乙的发展。", "4.丙不是丁的发展,而是整体发展。"]),
    ("——交流推进均衡。根据精神开展交流。——帮扶实现共进。启动工程。",
     ["——交流推进均衡。根据精神开展交流。", "——帮扶实现共进。启动工程。"]),
    ("(三)着力推进学区管理.针对实际出台意见.(四)大力推进研训一体化.建立网络",
     ["(三)着力推进学区管理.针对实际出台意见.", "(四)大力推进研训一体化.建立网络"]),
    # items of another kind inside the line stay; so does a short sentence list of 一是, 二是
    ("第三,注重内涵。一是选配校长。二是调配师资。第四,执行政策。",
     ["第三,注重内涵。一是选配校长。二是调配师资。", "第四,执行政策。"]),
    ("一是坚决执行政策。二是坚定执行划片招生。三是实施改革。",
     ["一是坚决执行政策。二是坚定执行划片招生。三是实施改革。"]),
    # a number that is not the next item ("2.5倍"), or numbered from elsewhere, does not cut
    ("1.增长了。2.5倍的投入。", ["1.增长了。2.5倍的投入。"]),
    ("十二、甲项工作。十三、乙项工作。", ["十二、甲项工作。", "十三、乙项工作。"]),
])
def test_the_next_item_of_a_list_on_one_line_is_cut_off(line: str, pieces: list[str]) -> None:
    assert split_sibling_items(line) == pieces


@pytest.mark.parametrize(("line", "heading", "body_start"), [
    # seed 004: the text restarts with the heading's words
    ("1、基础教育规划基础教育规划方面,政府提出在2020年基本实现普及。", "基础教育规划", "基础教育规划方面"),
    ("1、基础教育政策基础教育是教育领域中最基本、最为根本的层次。", "基础教育政策", "基础教育是"),
    # seed 003: a clause ending in a semicolon goes on; it is not a heading
    ("<一>、县教育局成立名师工作室领导小组,负责组织和管理工作;领导小组下设管理办公室。", "",
     "县教育局成立"),
    # seed 003: a heading of two phrases separated from its text by a blank
    ("三、关注民生,助学保学实现全覆盖 教育是最大的民生工程,县委政府统筹财力。",
     "关注民生,助学保学实现全覆盖", "教育是最大的"),
])
def test_more_headings_glued_to_their_text(line: str, heading: str, body_start: str) -> None:
    split = split_heading(line)
    assert (split.heading, split.body[:len(body_start)]) == (heading, body_start)
