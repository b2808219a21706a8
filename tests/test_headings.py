"""Headings glued to their text are split off and kept as the paragraph's section."""

from __future__ import annotations

import pytest

from research.corpus.headings import split_heading, split_parallel_headings


@pytest.mark.parametrize(("line", "heading", "body_start"), [
    ("一、加大对农村基础教育的投入资金投入是改善农村基础教育条件的重要保障。",
     "加大对农村基础教育的投入", "资金投入是"),
    ("二、做好常规教学工作在教学上,我认真备课,研读教材和教学参考。", "做好常规教学工作", "在教学上"),
    ("三、加强农村教师队伍建设教师是教育事业的核心力量。", "加强农村教师队伍建设", "教师是"),
    ("一、制定政策,建立合理的教育资源配置机制城乡教育资源分配应遵循合理公平的原则。",
     "制定政策,建立合理的教育资源配置机制", "城乡教育资源分配"),
    ("(一)什么是义务教育均衡发展 全面落实科学发展观", "什么是义务教育均衡发展", "全面落实"),
    ("(一)全面实现三个增长。2008-2010年,全县教育经费逐年增长。", "全面实现三个增长", "2008"),
])
def test_glued_or_separated_heading_is_split(line: str, heading: str, body_start: str) -> None:
    split = split_heading(line)
    assert split.heading == heading
    assert split.body.startswith(body_start)


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
