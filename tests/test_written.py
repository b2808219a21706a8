"""The paragraph as written: `original` keeps the report's own characters beside `text`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from research.config import CorpusConfig
from research.corpus.patches import Patch, apply_patches
from research.corpus.pipeline import Corpus, build_corpus_from_folder
from research.corpus.segment import Line
from research.corpus.written import WrittenLines, normalise_like
from tests.conftest import seed_file
from tests.helpers import run_cli

#: How a report typed on a Chinese keyboard writes what the seeds scraped as ASCII.
FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）",
                            "?": "？", "!": "！", **{str(d): chr(0xFF10 + d) for d in range(10)}})


def written_copy(tmp_path: Path, prefix: str, traditional: bool = False) -> tuple[Path, str]:
    """A seed report rewritten with full-width punctuation and digits (and in traditional
    characters), in a folder of its own; returns the folder and the written text."""
    text = seed_file(prefix).read_text(encoding="utf-8").translate(FULL_WIDTH)
    if traditional:
        import opencc

        text = opencc.OpenCC("s2t").convert(text)
    folder = tmp_path / ("traditional" if traditional else "full_width")
    folder.mkdir()
    (folder / seed_file(prefix).name).write_text(text, encoding="utf-8")
    return folder, text


def joined_lines(text: str) -> str:
    """The written text as the segmenter joins it: lines stripped, no line breaks."""
    return "".join(line.strip() for line in text.splitlines())


def written_in(original: str, source: str) -> bool:
    """``original`` is made of ``source``'s characters in order (cleaning may drop some
    between them, e.g. a page number inside a sentence)."""
    characters = iter(source)
    return all(char in characters for char in original)


def converted(corpus: Corpus) -> dict[str, bool]:
    return {d.name: d.converted_to_simplified for d in corpus.documents}


def test_every_seed_paragraph_normalises_back_to_its_text(corpus: Corpus) -> None:
    simplified = converted(corpus)
    wrong = [p.id for p in corpus.paragraphs
             if normalise_like(p.original, simplified[p.doc]) != p.text]
    assert not wrong
    # seed 001 is written in traditional characters: its originals keep them
    traditional = [p for p in corpus.paragraphs if p.doc.startswith("001")]
    assert traditional and all(p.original != p.text for p in traditional)


def test_full_width_report_keeps_its_punctuation_and_models_see_the_same_text(
        corpus: Corpus, tmp_path: Path) -> None:
    folder, written = written_copy(tmp_path, "002")
    rebuilt = build_corpus_from_folder(folder, CorpusConfig())
    plain = [p for p in corpus.paragraphs if p.doc.startswith("002")]
    assert [p.text for p in rebuilt.paragraphs] == [p.text for p in plain]
    assert [p.id for p in rebuilt.paragraphs] == [p.id for p in plain]
    source = joined_lines(written)
    for p in rebuilt.paragraphs:
        assert written_in(p.original, source), p.id
        assert normalise_like(p.original, False) == p.text
    assert sum("，" in p.original for p in rebuilt.paragraphs) > len(plain) // 2


def test_traditional_report_keeps_its_characters(tmp_path: Path) -> None:
    folder, written = written_copy(tmp_path, "002", traditional=True)
    rebuilt = build_corpus_from_folder(folder, CorpusConfig())
    assert all(d.converted_to_simplified for d in rebuilt.documents)
    source = joined_lines(written)
    for p in rebuilt.paragraphs:
        assert written_in(p.original, source), p.id
        assert normalise_like(p.original, True) == p.text
    assert any("發展" in p.original and "发展" in p.text for p in rebuilt.paragraphs)


def test_patch_split_and_merge_keep_the_original_in_step(tmp_path: Path) -> None:
    folder, _ = written_copy(tmp_path, "002")
    paragraphs = build_corpus_from_folder(folder, CorpusConfig()).paragraphs
    target = next(p for p in paragraphs if p.text.count(",") >= 3 and "。" in p.text[20:-1])
    cut_at = target.text[target.text.index("。", 20) + 1:][:4]
    split, stale = apply_patches(paragraphs, [Patch(id=target.id, split_before=cut_at)])
    assert not stale
    head = next(p for p in split if target.text.startswith(p.text) and p.text != target.text)
    tail = split[split.index(head) + 1]
    for piece in (head, tail):
        assert normalise_like(piece.original, False) == piece.text
    assert head.original + tail.original == target.original
    merged, _ = apply_patches(split, [Patch(id=head.id, merge_with_next=True)])
    assert any(p.original == target.original and p.text == target.text for p in merged)


def test_classify_rows_carry_the_original(tmp_path: Path) -> None:
    folder, written = written_copy(tmp_path, "002")
    out = tmp_path / "tags.jsonl"
    done = run_cli("classify", str(folder), "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    source = joined_lines(written)
    assert rows and all(written_in(r["original"], source) for r in rows)
    assert all(normalise_like(r["original"], False) == r["text"] for r in rows)
    assert any("，" in r["original"] and "," in r["text"] for r in rows)


@pytest.mark.parametrize("one_per_line", [False, True])
def test_classify_html_shows_the_report_s_own_characters(tmp_path: Path,
                                                           one_per_line: bool) -> None:
    folder, _ = written_copy(tmp_path, "002")
    out = tmp_path / "tags.html"
    flags = ["--one-per-line"] if one_per_line else []
    done = run_cli("classify", str(folder), "--format", "html", "--out", str(out), *flags)
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "义务教育均衡发展是实现教育公平的重要方法，关系着" in page


def test_one_paragraph_a_line_original_leaves_out_what_cleaning_stripped(tmp_path: Path) -> None:
    """A page number stripped from a line's end ("…义务 1", furniture.yaml) is not text, so
    it is not in the original either."""
    report = tmp_path / "r.txt"
    report.write_text("各级政府加大财政投入，落实生均公用经费标准，专项资金向农村倾斜。 1\n"
                      "实施乡村教师支持计划，推进城乡教师交流轮岗，补充农村学校教师编制。\n",
                      encoding="utf-8")
    out = tmp_path / "tags.jsonl"
    done = run_cli("classify", str(report), "--one-per-line", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2
    assert rows[0]["original"] == "各级政府加大财政投入，落实生均公用经费标准，专项资金向农村倾斜。"
    assert all(normalise_like(r["original"], False) == r["text"] for r in rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["学", "經", "費", "，", "。", "（", "１", "ａ", "　", "b",
                                  "㎡", "①", "ｶﾞ", "a\u0301"]), min_size=1, max_size=12
                ).map("".join),
       st.booleans(), st.integers(0, 24), st.integers(0, 24))
def test_a_span_of_an_aligned_line_is_the_span_the_character_walk_finds(
        written: str, simplified: bool, begin: int, end: int) -> None:
    """Lines whose characters normalise one to one are mapped by slicing; for any line (full
    width, traditional, ㎡ and ① that widen, combining marks that merge) and any span, that
    gives what walking the characters gives."""
    lines = WrittenLines()
    lines.add(Line(1, normalise_like(written, simplified), written=written), simplified)
    size = len(lines.normalised[0])
    begin, end = min(begin, size), min(max(begin, end), size)
    fast = lines._line_span(0, begin, end)
    lines.aligned[0] = False
    assert fast == lines._line_span(0, begin, end)
