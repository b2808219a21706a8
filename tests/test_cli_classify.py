"""`research classify` on real seed files and on docx/pdf/stdin/GB18030 copies of seed text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from research.themes.codebook import load_codebook
from tests.conftest import ROOT, SEEDS, seed_file
from tests.helpers import assert_sections_open_or_close_articles, make_docx, make_pdf, run_cli

THEMES = load_codebook(ROOT / "configs/themes.yaml").ids


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def check_records(rows: list[dict]) -> None:
    assert rows
    for row in rows:
        assert list(row) == ["file", "doc", "index", "id", "title", "section", "text", "original",
                             "themes", "near_misses", "borderline", "scores", "thresholds"]
        assert set(row["scores"]) == set(row["thresholds"]) == set(THEMES)
        assert set(row["themes"]) | set(row["near_misses"]) <= set(THEMES)
        assert set(row["borderline"]) <= set(row["themes"])
        assert all(0 <= p <= 1 for p in row["scores"].values())


def test_every_seed_file_is_classified(tmp_path: Path) -> None:
    out = tmp_path / "themes.jsonl"
    files = sorted(str(p) for p in SEEDS.glob("*.txt"))
    done = run_cli("classify", *files, "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = records(out.read_text(encoding="utf-8"))
    check_records(rows)
    assert {r["file"] for r in rows} == set(files)
    assert "paragraphs" in done.stdout and "staffing" in done.stdout
    assert sum("staffing" in r["themes"] for r in rows) > 50


def test_gb18030_copy_docx_pdf_and_stdin(tmp_path: Path) -> None:
    text = seed_file("002").read_text(encoding="utf-8")
    gb = tmp_path / "report-gb.txt"
    gb.write_bytes(text.encode("gb18030"))
    original = run_cli("classify", str(seed_file("002")))
    copy = run_cli("classify", str(gb))
    assert copy.returncode == 0, copy.stderr
    where = {"file", "doc"}  # the copy's name; everything else is the same
    strip = [{k: v for k, v in r.items() if k not in where} for r in records(original.stdout)]
    assert strip == [{k: v for k, v in r.items() if k not in where} for r in records(copy.stdout)]
    long_lines = [line for line in text.splitlines() if len(line) > 200][:4]
    docx = make_docx(tmp_path / "report.docx", long_lines)
    pdf = make_pdf(tmp_path / "report.pdf", long_lines[:2])
    for path in (docx, pdf):
        done = run_cli("classify", str(path))
        assert done.returncode == 0, done.stderr
        check_records(records(done.stdout))
    stdin = "\n".join(long_lines).encode("gb18030")
    done = run_cli("classify", "-", stdin=stdin)
    assert done.returncode == 0, done.stderr
    rows = records(done.stdout)
    check_records(rows)
    assert rows[0]["file"] == rows[0]["doc"] == "-"


def test_rows_say_where_each_paragraph_is_and_which_thresholds_decided(tmp_path: Path) -> None:
    """JSONL and CSV from the command: document, sub-document title and section on every row of
    a report with headings, and the shipped model's thresholds on the score scale."""
    from research.themes.model_io import load_model

    model, _ = load_model(None)
    thresholds = dict(zip(THEMES, map(float, model.score_thresholds())))
    report = tmp_path / "folder" / "县域报告.txt"
    report.parent.mkdir()
    report.write_text(seed_file("003").read_text(encoding="utf-8")[:6000], encoding="utf-8")
    done = run_cli("classify", str(report))
    assert done.returncode == 0, done.stderr
    rows = records(done.stdout)
    check_records(rows)
    assert {(r["file"], r["doc"]) for r in rows} == {(str(report), "县域报告")}
    assert all(r["title"] for r in rows)
    assert_sections_open_or_close_articles(rows)
    # the Jinzhong part's county reports are named in its table of contents: each a title
    assert {r["title"] for r in rows} == {"整合资源 规范管理 促进义务教育均衡发展",
                                          "让城乡学生共享公共资源的阳光",
                                          "致力教育公平加快城乡教育一体化进程"}
    assert all(r["thresholds"] == thresholds for r in rows)
    assert any(r["near_misses"] for r in rows)
    out = tmp_path / "themes.csv"
    done = run_cli("classify", str(report), "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [r["section"] for r in table] == [r["section"] for r in rows]
    assert [r["doc"] for r in table] == [r["doc"] for r in rows]
    assert [r["near_misses"] for r in table] == [";".join(r["near_misses"]) for r in rows]
    for t, value in thresholds.items():
        assert {float(r[f"threshold_{t}"]) for r in table} == {value}
        assert [float(r[f"score_{t}"]) for r in table] == [r["scores"][t] for r in rows]


def test_one_per_line_csv_and_html(tmp_path: Path) -> None:
    lines = ["各级政府要加大财政投入,落实生均公用经费标准,专项资金向农村学校倾斜。",
             "实施乡村教师支持计划,提高农村教师待遇,推进城乡教师交流轮岗。"]
    source = tmp_path / "lines.txt"
    source.write_text("\n\n".join(lines), encoding="utf-8")
    done = run_cli("classify", str(source), "--one-per-line", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [row["text"] for row in table] == lines
    assert "funding" in table[0]["themes"] and "staffing" in table[1]["themes"]
    html = tmp_path / "out.html"
    done = run_cli("classify", str(source), "--one-per-line", "--format", "html", "--out",
                   str(html))
    page = html.read_text(encoding="utf-8")
    assert done.returncode == 0 and lines[0] in page and "<script src" not in page
    assert '<section id="thresholds">' in page  # its contents: test_classify_audit.py


@pytest.mark.parametrize("bad", ["empty", "binary", "missing"])
def test_bad_inputs_report_one_line_and_spare_the_rest(tmp_path: Path, bad: str) -> None:
    path = tmp_path / f"{bad}.txt"
    if bad == "empty":
        path.write_bytes(b"")
    elif bad == "binary":
        path.write_bytes(bytes(range(256)) * 30)
    out = tmp_path / "o.jsonl"
    done = run_cli("classify", str(path), str(seed_file("001")), "--out", str(out))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(path) in errors[0] and "Traceback" not in done.stderr
    assert records(out.read_text(encoding="utf-8"))


def test_missing_model_and_bad_format(tmp_path: Path) -> None:
    done = run_cli("classify", str(seed_file("001")), "--model", str(tmp_path))
    assert done.returncode == 2 and "not a theme-model folder" in done.stderr
    done = run_cli("classify", str(seed_file("001")), "--format", "xml")
    assert done.returncode == 2 and "--format" in done.stderr
