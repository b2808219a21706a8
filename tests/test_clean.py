"""Character-level repairs, each tested on the real messy line it exists for."""

from __future__ import annotations

from research.corpus.clean import (
    apply_furniture_rules,
    load_furniture_rules,
    normalize_width,
    repair_mojibake,
    strip_pinyin_glosses,
    to_simplified,
    traditional_share,
)
from tests.conftest import seed_file

RAW_001 = seed_file("001").read_text(encoding="utf-8")


def test_pinyin_glosses_are_removed_from_the_real_title() -> None:
    text, count = strip_pinyin_glosses("切實推動教育均衡發(fā)展_第1頁")
    assert text == "切實推動教育均衡發展_第1頁"
    assert count == 1


def test_ordinary_brackets_survive_pinyin_stripping() -> None:
    text, count = strip_pinyin_glosses("信息学(计算机)奥赛(赛区)决赛,附件(word)")
    assert count == 0 and "(计算机)" in text and "(word)" in text


def test_mojibake_run_from_001_is_repaired() -> None:
    line = "按照“強校帶弱?!钡脑瓌t,積極組織城鎮教師支援農村學校"
    text, count = repair_mojibake(line)
    assert count == 1
    assert "”的原則,積極組織" in text
    assert "钡" not in text and "?" not in text


def test_long_mojibake_run_with_private_use_characters_is_repaired() -> None:
    start = RAW_001.index("送培進")
    line = RAW_001[start:start + 40]
    text, _ = repair_mojibake(line)
    text, _ = strip_pinyin_glosses(text)
    assert "“聯片教研”等活動" in text
    assert not any("\ue000" <= ch <= "\uf8ff" for ch in text)


def test_real_question_marks_are_left_alone() -> None:
    line = "如何推进义务教育均衡发展?我结合自己了解的情况,谈一些粗浅的看法"
    assert repair_mojibake(line) == (line, 0)
    assert repair_mojibake("如何尽量缩小这些差距?XX局制订了规划") == (
        "如何尽量缩小这些差距?XX局制订了规划", 0)


def test_traditional_document_is_converted_and_simplified_one_is_not() -> None:
    simplified, converted = to_simplified("切實推動教育均衡發展")
    assert converted and simplified == "切实推动教育均衡发展"
    untouched, converted = to_simplified("著名的教育家参与了乾隆年间的研究")
    assert not converted and untouched == "著名的教育家参与了乾隆年间的研究"
    assert traditional_share(RAW_001) > 0.2


def test_width_normalisation_makes_brackets_and_numbers_uniform() -> None:
    assert normalize_width("㈠工作目标（２０１３）") == "(一)工作目标(2013)"


def test_furniture_rules_drop_end_and_strip() -> None:
    rules = load_furniture_rules()
    assert apply_furniture_rules("首页 > 精品范文库 > 5号文库", rules).drop_reason == "breadcrumb"
    assert apply_furniture_rules("相关范文推荐", rules).ends_document
    verdict = apply_furniture_rules("推进义务教育均衡发展,我认为要促进之间义务 1", rules)
    assert verdict.drop_reason is None and verdict.text.endswith("之间义务")
    # Template blanks are the author's text: kept (and flagged on the paragraph), not stripped.
    kept = apply_furniture_rules("我校与___市___实验小学举行隆重的结对仪式", rules)
    assert kept.text == "我校与___市___实验小学举行隆重的结对仪式"


def test_a_long_line_is_never_dropped_whole_as_furniture() -> None:
    """A page glued into one line contains "合集下载" somewhere; that is not a furniture line."""
    from research.corpus.clean import apply_furniture_rules, load_furniture_rules

    rules = load_furniture_rules()
    assert apply_furniture_rules("城乡教育一体化经验交流合集下载", rules).drop_reason
    page = "城乡教育一体化经验交流合集下载" + "推进城乡教师交流轮岗，补充农村学校教师编制，" * 20
    verdict = apply_furniture_rules(page, rules)
    assert verdict.drop_reason is None and verdict.text == page
    assert not apply_furniture_rules("相关文档" + "教师交流，" * 60, rules, True).ends_document
