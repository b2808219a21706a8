"""The outline rules of the segmenter on crafted lines: each case is a way a hostile review of
the change (2026-12-03) made them drop, break or misfile text."""

from __future__ import annotations

import pytest

from research.config import SegmentConfig
from research.corpus.headings import split_sibling_items
from research.corpus.segment import Block, Line, LineNote, iter_blocks

TITLE = "某县教育工作报告"


def segment(*texts: str, title: str | None = TITLE) -> tuple[list[Block], list[LineNote]]:
    lines = [Line(i + 1, text) for i, text in enumerate(([title] if title else []) + list(texts))]
    notes: list[LineNote] = []
    return list(iter_blocks("doc", lines, SegmentConfig(), notes)), notes


def texts(blocks: list[Block]) -> str:
    return "".join(block.text for block in blocks)


@pytest.mark.parametrize("line", ["十二五是我县教育发展的关键时期。", "十一五、十二五期间,全县新建学校十所。",
                                  "一二十个学校参加了活动。"])
def test_a_numeral_word_is_not_an_item_number(line: str) -> None:
    assert split_sibling_items(line) == [line]
    blocks, _ = segment(line)
    assert texts(blocks) == line


def test_items_of_one_line_are_text_whatever_they_end_with() -> None:
    blocks, _ = segment("1.我们一定要加强组织领导!2.我们一定要落实工作责任!",
                        "我县教育工作取得了很大的成绩,得到了上级的肯定。")
    assert "加强组织领导" in texts(blocks) and "落实工作责任" in texts(blocks)
    long_item = "我们要加强组织领导," * 35 + "确保各项工作落到实处。"
    blocks, _ = segment(f"1.{long_item}2.我们要落实工作责任,确保各项工作", "顺利推进,取得实效。")
    assert "我们要落实工作责任,确保各项工作顺利推进,取得实效。" in texts(blocks)
    assert not [b.section for b in blocks if b.section]


@pytest.mark.parametrize("line", ["活动时间:三、四月份,全县开展城乡教师交流活动,参加教师共计三百余人。",
                                  "全县学生比上年增加三百人。一、二年级学生全部实行免费午餐,三年级以上学生实行营养补助。"])
def test_a_range_of_grades_or_months_is_not_a_heading(line: str) -> None:
    blocks, _ = segment(line)
    assert texts(blocks) == line and [b.section for b in blocks] == [""]


def test_a_bracketed_note_inside_a_wrapped_sentence_does_not_break_it() -> None:
    blocks, _ = segment("在县委县政府的正确领导下,今年全县共投入义务教育均衡发展资金", "(含中央和省级补助资金)",
                        "达到五千万元,新建校舍三万平方米。")
    assert [b.text for b in blocks] == [
        "在县委县政府的正确领导下,今年全县共投入义务教育均衡发展资金(含中央和省级补助资金)达到五千万元,"
        "新建校舍三万平方米。"]


def test_the_own_title_of_a_numbered_article_is_not_body_text() -> None:
    blocks, notes = segment("为了做好招生工作,全县统一部署。",
                            "城乡义务教育一体化实施方案范文(二)为了做好全县小学一、二年级的招生工作,全县统一部署。",
                            title="城乡义务教育一体化实施方案范文(3篇)")
    assert blocks[-1].title == "城乡义务教育一体化实施方案范文(二)"
    assert blocks[-1].text.startswith("为了做好全县小学一、二年级的招生工作")


def test_a_dash_item_does_not_leave_an_unnumbered_heading() -> None:
    blocks, _ = segment("一、主要目标", "近期和远期工作目标", "——到2015年,全县义务教育学校全部达到标准。",
                        "——到2020年,全县实现义务教育优质均衡发展。")
    assert {b.section for b in blocks} == {"近期和远期工作目标"}
    assert "到2015年" in texts(blocks) and "到2020年" in texts(blocks)


def test_items_kept_as_text_in_one_article_do_not_make_the_next_article_s_headings_text() -> None:
    blocks, _ = segment("第一篇 城乡一体化工作总结", "1.县委县政府高度重视,把教育摆在优先发展的位置。",
                        "第二篇 教师队伍建设经验", "1.加强师德建设。", "全县开展师德师风教育活动,评选优秀教师五十名。")
    assert blocks[-1].section == "加强师德建设"


@pytest.mark.parametrize("after", [0, 6])
def test_the_last_item_kept_as_text_does_not_depend_on_what_follows(after: int) -> None:
    tail = ["全县教育工作取得了新的进展,各项指标完成良好。"] * after
    blocks, _ = segment("一、主要工作", "1.促进教育公平。", "2.提高教育质量。", "3.加强监督,完善督导受验机制",
                        "二、保障措施", "县里成立了领导小组,统筹推进各项工作。", *tail)
    lists = [b for b in blocks if b.section == "主要工作"]
    assert [b.text for b in lists] == ["促进教育公平。提高教育质量。加强监督,完善督导受验机制"]


def test_a_heading_at_the_end_is_never_glued_to_another_part_s_paragraph() -> None:
    blocks, _ = segment("一、主要工作", "全县新建学校十所。", "二、存在问题", "经费不足,制约了教育的均衡发展。",
                        "3.加强监督")
    assert "经费不足,制约了教育的均衡发展。" in [b.text for b in blocks]
    assert all(b.text for b in blocks)
    blocks, _ = segment("一、主要工作", "1.", "二、保障措施", "县里成立了领导小组,统筹推进各项工作。")
    assert all(b.text for b in blocks)


def test_an_untitled_document_s_part_keeps_its_first_heading() -> None:
    blocks, _ = segment("全县义务教育学校共有一百所,在校学生五万人,教师三千人。", "第二篇", "一、总体要求",
                        "坚持均衡发展,办好每一所学校,促进教育公平。", title=None)
    assert blocks[-1].section == "总体要求"


def test_a_salutation_neither_swallows_a_heading_nor_stands_alone() -> None:
    blocks, notes = segment("同志们:", "一年来的主要工作", "今年以来,全县教育工作取得了新的进展。")
    assert [(b.section, b.text) for b in blocks] == [("一年来的主要工作", "今年以来,全县教育工作取得了新的进展。")]
    assert ("salutation", "同志们:") in {(n.reason, n.text) for n in notes}
    blocks, notes = segment("石油分局、各县(市、区)教育局(文教局)、市直各中学:", "一、总体要求",
                            "坚持均衡发展,办好每一所学校,促进教育公平。")
    assert [b.text for b in blocks] == ["坚持均衡发展,办好每一所学校,促进教育公平。"]
    blocks, notes = segment("各位领导:", "——在全县教育工作会议上的讲话", "今年以来,全县教育工作取得了新的进展。")
    assert ("speech title", "各位领导:") not in {(n.reason, n.text) for n in notes}


def test_an_ordinary_paragraph_after_a_list_s_last_item_keeps_its_section() -> None:
    """Only an article's end, or a strong closing word ("总之", "今后"), makes a paragraph after the
    last item a closing passage."""
    blocks, _ = segment("一、主要工作", "(一)建立机构", "县里成立了领导小组,统筹推进各项工作。", "(二)完善制度",
                        "县里出台了考核办法,每年考核一次。", "目前考核办法已在全县实施,效果良好。", "二、存在问题",
                        "经费不足,制约了教育的均衡发展。")
    assert {b.text[:2]: b.section for b in blocks}["目前"] == "完善制度"


def test_many_list_headings_segment_in_linear_time() -> None:
    import time

    def timed(n: int) -> float:
        start = time.perf_counter()
        segment(*(["一、加强组织领导", "1.健全工作机构,完善工作机制"] * n))
        return time.perf_counter() - start

    timed(200)
    small, large = timed(1000), timed(4000)
    assert large < 8 * small, (small, large)
