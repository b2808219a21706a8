"""The paragraph corpus built from the real seeds: clean, simplified, stable, deduplicated."""

from __future__ import annotations

import re
from pathlib import Path

import opencc

from research.config import CorpusConfig
from research.corpus.pipeline import Corpus, build_corpus, build_corpus_from_folder
from research.corpus.read import read_document
from tests.conftest import seed_file

FURNITURE = ["下载", "版权", "首页 >", "相关范文推荐", "文档简介", "TOP", "_第1页", "评论",
             "0/150", "合集下载", "会员上传", "识别码", "温馨提示", "本站", "侵权", "预览"]
PINYIN = re.compile(r"\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)")


def test_every_document_contributes_paragraphs(corpus: Corpus) -> None:
    counts = {d.name[:3]: d.paragraphs for d in corpus.documents}
    assert set(counts) == {"000", "001", "002", "003", "004"}
    assert all(n >= 5 for n in counts.values()), counts


def test_no_pinyin_glosses_left(corpus: Corpus) -> None:
    assert not [p.text for p in corpus.paragraphs if PINYIN.search(p.text)]


def test_no_traditional_characters_left(corpus: Corpus) -> None:
    t2s = opencc.OpenCC("t2s")
    changed = [p.text for p in corpus.paragraphs if t2s.convert(p.text) != p.text]
    assert not changed
    doc001 = [p.text for p in corpus.paragraphs if p.doc.startswith("001")]
    assert any("发展" in t for t in doc001) and not any("發" in t for t in doc001)


def test_no_furniture_strings_left(corpus: Corpus) -> None:
    for p in corpus.paragraphs:
        for string in FURNITURE:
            assert string not in p.text + p.title + p.section, (string, p.text[:60])


def test_no_mojibake_or_private_use_characters(corpus: Corpus) -> None:
    for p in corpus.paragraphs:
        assert not re.search(r"[\ue000-\uf8ff\ufffd]|\?\?", p.text), p.text[:80]


def test_broken_lines_of_002_are_rejoined(corpus: Corpus) -> None:
    joined = "如何进一步加快合格学校建设,改善办学条件,推进城乡义务教育均衡发展"
    assert [p for p in corpus.paragraphs if joined in p.text]
    page_break = [p.text for p in corpus.paragraphs if "促进区域之间" in p.text]
    assert page_break and "义务教育的均衡发展" in page_break[0]


def test_repeated_section_of_002_appears_once(corpus: Corpus) -> None:
    texts = [p.text for p in corpus.paragraphs if p.doc.startswith("002")]
    for phrase in ("抓紧建设数字化教育服务体系", "定标普查,找出学校存在的问题",
                   "这些都是标准化学校建设的最基本要求"):
        assert sum(phrase in t for t in texts) == 1, phrase
    assert "duplicate" in corpus.dropped_by_reason()


def test_glued_heading_becomes_section(corpus: Corpus) -> None:
    hit = [p for p in corpus.paragraphs if p.text.startswith("资金投入是改善农村基础教育")]
    assert hit and hit[0].section == "加大对农村基础教育的投入"


def test_run_on_block_of_001_is_split(corpus: Corpus) -> None:
    doc001 = [p for p in corpus.paragraphs if p.doc.startswith("001")]
    assert max(len(p.text) for p in doc001) <= CorpusConfig().segment.max_paragraph_chars
    assert "完善学前体系,实现幼有所育" in {p.section for p in doc001}


def test_compilations_are_split_into_titled_subdocuments(corpus: Corpus) -> None:
    titles = {p.title for p in corpus.paragraphs if p.doc.startswith("002")}
    assert {"推进义务教育均衡发展", "如何推进城乡义务教育均衡发展",
            "推进义务教育均衡发展实施方案", "推进义务教育均衡发展工作方案"} <= titles
    titles000 = {p.title for p in corpus.paragraphs if p.doc.startswith("000")}
    assert "城乡交流教师工作总结心得" in titles000 and len(titles000) >= 8
    first = next(p for p in corpus.paragraphs if p.title == "城乡交流教师工作总结心得")
    assert first.text.startswith("本人在") and "「篇一」" not in first.text


def test_ids_are_stable_unique_and_positions_ordered(corpus: Corpus) -> None:
    again = build_corpus_from_folder(seed_file("000").parent, CorpusConfig())
    assert [p.id for p in again.paragraphs] == [p.id for p in corpus.paragraphs]
    assert len({p.id for p in corpus.paragraphs}) == len(corpus.paragraphs)
    for doc in {p.doc for p in corpus.paragraphs}:
        positions = [p.position for p in corpus.paragraphs if p.doc == doc]
        assert positions == list(range(len(positions)))


def test_reencoded_copies_give_identical_paragraphs(tmp_path: Path) -> None:
    original = seed_file("002")
    text = original.read_text(encoding="utf-8")
    results = []
    for encoding in ("utf-8", "gb18030", "utf-16"):
        copy = tmp_path / encoding / original.name
        copy.parent.mkdir()
        copy.write_bytes(text.encode(encoding))
        built = build_corpus([read_document(copy)], CorpusConfig())
        results.append([(p.id, p.title, p.section, p.text) for p in built.paragraphs])
    assert results[0] and results[0] == results[1] == results[2]


def test_every_dropped_line_has_a_reason(corpus: Corpus) -> None:
    reasons = corpus.dropped_by_reason()
    for expected in ("breadcrumb", "download prompt", "copyright notice",
                     "related-documents list", "page marker (stripped)", "title repeat"):
        assert reasons[expected] > 0, expected
    assert all(note.reason and note.line > 0 for note in corpus.notes)


def test_reports_that_share_a_name_each_count_their_own_paragraphs() -> None:
    """a.txt and a.docx in one folder are two reports named 'a': the summary counted every
    paragraph of both on the last one (the first showed 0)."""
    from research.corpus.read import read_bytes

    first, second = (read_bytes(seed_file(p).read_bytes(), "a.txt", ".txt")
                     for p in ("002", "004"))
    alone = [len(build_corpus([d], CorpusConfig()).paragraphs) for d in (first, second)]
    both = build_corpus([first, second], CorpusConfig())
    assert len(both.paragraphs) == sum(alone)  # no paragraph of one repeats the other
    assert [r.paragraphs for r in both.documents] == alone
