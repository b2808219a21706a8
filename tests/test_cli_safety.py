"""What a hostile but realistic user tried: outputs over inputs, text lost, markup, odd input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import ROOT, seed_file
from tests.helpers import make_pdf, run_cli, tiny_topics_config

STAFFING = "实施乡村教师支持计划，提高农村教师待遇，推进城乡教师交流轮岗，每年交流比例不低于百分之十。"
FUNDING = "各级政府要加大财政投入，落实生均公用经费标准，专项资金向农村薄弱学校倾斜。"


def normal(text: str) -> str:
    """Text as the models see it (full-width punctuation made ASCII)."""
    return unicodedata.normalize("NFKC", text)


def rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def one_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exactly one error line naming what is wrong (other stderr lines are tables/warnings)."""
    lines = [line for line in error_lines(done.stderr) if line.startswith("error:")]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "unexpected" not in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# --- outputs never replace inputs or earlier results ---------------------------------------

def test_classify_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(STAFFING + "\n\n" + FUNDING, encoding="utf-8")
    before = report.read_bytes()
    done = run_cli("classify", str(report), "--out", str(report), "--force")
    assert done.returncode == 2
    one_error(done, str(report), "one of the inputs")
    assert report.read_bytes() == before


def test_existing_output_needs_force_and_a_symlink_target_is_untouched(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(STAFFING, encoding="utf-8")
    keep = tmp_path / "notes.txt"
    keep.write_text("my notes", encoding="utf-8")
    link = tmp_path / "out.jsonl"
    link.symlink_to(keep)
    done = run_cli("classify", str(report), "--out", str(link))
    assert done.returncode == 2
    one_error(done, str(link), "--force")
    assert keep.read_text(encoding="utf-8") == "my notes" and link.is_symlink()
    done = run_cli("classify", str(report), "--out", str(link), "--force")
    assert done.returncode == 0, done.stderr
    assert keep.read_text(encoding="utf-8") == "my notes"
    assert rows(link.read_text(encoding="utf-8"))[0]["text"] == normal(STAFFING)


def test_corpus_refuses_an_output_inside_its_input_folder(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(seed_file("001"), folder)
    target = folder / seed_file("001").name
    before = target.read_bytes()
    for out in (target, folder / "corpus.txt"):
        done = run_cli("corpus", "--seeds", str(folder), "--out", str(out), "--force")
        assert done.returncode == 2
        one_error(done, str(out))
    assert target.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == [
        target.name]


def test_unwritable_output_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "thesis.txt"
    blocker.write_text("chapter 1", encoding="utf-8")
    done = run_cli("classify", str(seed_file("003")), "--out", str(blocker / "themes.jsonl"))
    assert done.returncode == 2
    one_error(done, str(blocker), "not a folder")
    assert "paragraphs" not in done.stdout  # nothing was classified
    done = run_cli("classify", str(seed_file("001")), "--out",
                   str(tmp_path / "new" / "deeper" / "themes.jsonl"))
    assert done.returncode == 0, done.stderr
    assert rows((tmp_path / "new" / "deeper" / "themes.jsonl").read_text(encoding="utf-8"))


# --- no silent text loss in classify --------------------------------------------------------

def test_a_furniture_line_mid_report_drops_only_itself(tmp_path: Path) -> None:
    seed = seed_file("003").read_text(encoding="utf-8").splitlines()
    paragraphs = [line.strip() for line in seed if len(line.strip()) > 80
                  and line.strip().endswith("。")][:15]
    text = "\n\n".join(paragraphs[:5] + ["温馨提示"] + paragraphs[5:])
    report = tmp_path / "report.txt"
    report.write_text(text, encoding="utf-8")
    out = tmp_path / "themes.jsonl"
    done = run_cli("classify", str(report), "--out", str(out))
    assert done.returncode == 0, done.stderr
    kept = "".join(r["text"] for r in rows(out.read_text(encoding="utf-8")))
    # every paragraph's body is there, the ten after the line included (numbered headings
    # such as "(二)乡镇中心校经费…。" go to the section, so compare the last 40 characters)
    assert all(normal(p)[-40:] in kept for p in paragraphs)
    dropped = rows((tmp_path / "themes.dropped.jsonl").read_text(encoding="utf-8"))
    assert [d["text"] for d in dropped if not d["reason"].startswith("heading")] == ["温馨提示"]
    assert "1 lines not kept" in done.stderr and "related-documents list: 1" in done.stderr
    verbose = run_cli("classify", str(report), "--verbose")
    assert "温馨提示" in verbose.stderr
    assert "".join(r["text"] for r in rows(verbose.stdout)) == kept


def test_text_without_sentence_punctuation_is_split_to_paragraph_size(tmp_path: Path) -> None:
    report = tmp_path / "pages.txt"
    seed = seed_file("003").read_text(encoding="utf-8")
    body = "".join(ch for ch in seed if "\u4e00" <= ch <= "\u9fff" or ch == "，")
    report.write_text(body, encoding="utf-8")  # about 40,000 characters, no sentence end
    done = run_cli("classify", str(report))
    assert done.returncode == 0, done.stderr
    texts = [r["text"] for r in rows(done.stdout)]
    assert max(map(len, texts)) <= 1200 and len(texts) >= len(body) // 1200
    assert "".join(texts) == normal(body)


def test_an_english_report_is_scored_but_warned_about(tmp_path: Path) -> None:
    report = tmp_path / "english.txt"
    report.write_text("The county increased funding for rural schools and rotated teachers "
                      "between urban and rural schools every year.\n" * 3, encoding="utf-8")
    done = run_cli("classify", str(report))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "non-Chinese" in warnings[0] and str(report) in warnings[0]


# --- error lines are plain text, one line, naming the file ----------------------------------

@pytest.mark.parametrize("name", ["[final] empty.txt", "a[/b]c.txt", "[bold]x[red].txt"])
def test_file_names_that_look_like_markup_are_printed_as_they_are(tmp_path: Path,
                                                                  name: str) -> None:
    bad = tmp_path / name  # "a[/b]c.txt" is the file "b]c.txt" in the folder "a["
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(b"")
    good = tmp_path / "good.txt"
    good.write_text(STAFFING, encoding="utf-8")
    done = run_cli("classify", str(bad), str(good))
    assert done.returncode == 1
    one_error(done, str(bad), "file is empty")
    assert rows(done.stdout)[0]["text"] == normal(STAFFING)  # the rest of the batch went on


def test_closed_stdin_is_one_line() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(f"{sys.executable} -m research classify - <&-", shell=True,
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 2
    one_error(done, "standard input is closed")


def test_truncated_pdf_is_one_line(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "whole.pdf", [STAFFING, FUNDING])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(pdf.read_bytes()[: pdf.stat().st_size // 2])
    done = run_cli("classify", str(cut))
    assert done.returncode == 2
    one_error(done, str(cut))


def test_corpus_of_only_site_furniture_names_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "furniture"
    folder.mkdir()
    (folder / "page.txt").write_text("首页 > 教育\n相关文档\n下载本文\n版权说明\n",
                                     encoding="utf-8")
    done = run_cli("corpus", "--seeds", str(folder), "--out", str(tmp_path / "c.jsonl"))
    assert done.returncode == 2
    one_error(done, str(folder), "no paragraphs")
    assert not (tmp_path / "c.jsonl").exists()


# --- settings the corpus cannot hold fail before fitting, naming file and key --------------

def test_a_setting_larger_than_the_corpus_fails_before_fitting(tmp_path: Path) -> None:
    config = tiny_topics_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace("k: [3, 4]", "k: [3, 500]")
    config.write_text(text, encoding="utf-8")
    done = run_cli("run", str(config), "--quiet")
    assert done.returncode == 2
    one_error(done, str(config), "models[0].k", "500 is too large for a corpus of 69 paragraphs")
    assert not (tmp_path / "results" / "tiny").exists() or not any(
        (tmp_path / "results" / "tiny").iterdir())


def test_a_run_that_fails_before_its_first_step_prints_only_the_error(tmp_path: Path) -> None:
    """Without --quiet the run shows progress; failing before any step is still just the error
    line on stderr (the progress display leaves no empty line behind)."""
    config = tiny_topics_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace("k: [3, 4]", "k: [3, 500]")
    config.write_text(text, encoding="utf-8")
    done = run_cli("run", str(config))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {config}: key 'models[0].k': 500 is too large for a corpus of 69 paragraphs "
        "(at most 69)"]


def test_two_reports_with_one_name_are_one_warning_line(tmp_path: Path) -> None:
    """a.txt and a.TXT are both report 'a': the corpus is built, and one line says so."""
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(seed_file("002"), folder / "a.txt")
    shutil.copy(seed_file("004"), folder / "a.TXT")
    done = run_cli("corpus", "--folder", str(folder), "--out", str(tmp_path / "c.jsonl"),
                   "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "warning: a.TXT and a.txt are both report 'a' (reports are known by their file name "
        "without the extension): their paragraphs share it; rename one to keep them apart"]


def test_an_old_key_name_is_one_warning_line_and_still_works(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(seed_file("002"), folder)
    config = tmp_path / "corpus.yaml"
    config.write_text(f"seeds: {folder}\n", encoding="utf-8")
    done = run_cli("corpus", "--config", str(config), "--out", str(tmp_path / "c.jsonl"),
                   "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"warning: {config}: corpus key 'seeds' is now called 'folder' (the old name still "
        "works)"]
    assert len(rows((tmp_path / "c.jsonl").read_text(encoding="utf-8"))) == 69
