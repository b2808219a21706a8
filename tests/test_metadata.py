"""Document metadata from a researcher's CSV: carried onto every paragraph, and every problem
in the file one error line naming its row and column."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from research.corpus.metadata import RESERVED, load_metadata
from research.errors import InputError
from tests.helpers import ROOT, run_cli

SEED_NAMES = sorted(p.stem for p in (ROOT / "seeds" / "raw").glob("*.txt"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "meta.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_corpus_puts_each_files_columns_on_each_of_its_paragraphs(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in SEED_NAMES[1:3]:
        shutil.copy(ROOT / "seeds" / "raw" / f"{name}.txt", folder)
    meta = write(tmp_path, f"file,county,year:int\n{SEED_NAMES[1]}.txt,徽县,2021\n"
                           f"{SEED_NAMES[2]},,2019\n")
    done = run_cli("corpus", "--folder", str(folder), "--metadata", str(meta),
                   "--out", str(tmp_path / "p.jsonl"), "--quiet")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text("utf-8").splitlines()]
    by_doc = {r["doc"]: (r["county"], r["year"]) for r in rows}
    assert by_doc == {SEED_NAMES[1]: ("徽县", 2021), SEED_NAMES[2]: (None, 2019)}


def test_seed_metadata_names_sub_documents_of_the_compilations() -> None:
    table = load_metadata(ROOT / "seeds" / "metadata.csv", SEED_NAMES)
    unit, values = table.lookup(SEED_NAMES[3], "石家庄市井陉县人民政府经验材料")
    assert values["county"] == "井陉县" and values["province"] == "河北省"
    assert values["source_site"].startswith("5号文库")  # the file's row fills the rest
    assert unit.endswith("石家庄市井陉县人民政府经验材料")
    assert table.types["year"] == "int" and table.types["posted"] == "date"


@pytest.mark.parametrize(("text", "message"), [
    ("file,county\nnot_a_report.txt,徽县\n", "row 2, column 'file': 'not_a_report.txt' is not"),
    ("file,county\n{0},徽县\n{0},康县\n", "row 3 repeats row 2"),
    ("file,county,year\n{0},徽县\n", "row 2 has 2 fields, the header has 3"),
    ("file,year:int\n{0},twenty\n", "row 2, column 'year': 'twenty' is not an integer"),
    ("file,year:number\n{0},2020\n", "column 'year': unknown type 'number'"),
    ("file,text\n{0},x\n", "column 'text' clashes with a field the package writes"),
    ("county,year\n徽县,2020\n", "no 'file' column"),
    ("file,subdocument,county\n{0},没有这个标题,徽县\n", "row 2, column 'subdocument': no sub"),
])
def test_a_bad_metadata_file_is_one_error_naming_the_row(tmp_path: Path, text: str,
                                                          message: str) -> None:
    meta = write(tmp_path, text.format(SEED_NAMES[1]))
    out = tmp_path / "p.jsonl"
    done = run_cli("corpus", "--metadata", str(meta), "--out", str(out), "--quiet")
    assert done.returncode != 0
    assert message in done.stderr and str(meta) in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()


def test_metadata_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_bytes(f"file,county\n{SEED_NAMES[1]},徽县\n".encode("gb18030"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_metadata(meta, SEED_NAMES)


def test_a_quoted_cell_may_span_lines(tmp_path: Path) -> None:
    """CSV lets a quoted cell hold a line break (a long source note); rows are still counted
    as the file's rows, so a later error names the right one."""
    meta = write(tmp_path, f'file,source\n{SEED_NAMES[1]},"site A\nsecond line"\n'
                           f'{SEED_NAMES[1]},x\n')
    with pytest.raises(InputError, match="row 4 repeats row 2"):
        load_metadata(meta, SEED_NAMES)
    meta = write(tmp_path, f'file,source\n{SEED_NAMES[1]},"site A\nsecond line"\n')
    assert load_metadata(meta, SEED_NAMES).by_file[SEED_NAMES[1]]["source"] == "site A\nsecond line"


@pytest.mark.parametrize("name", ["id", "doc", "lda[k=6]@1", "bert@2", "model", "topic",
                                  "label", "share", "low", "high", "paragraphs", "reports",
                                  "interval"])
def test_a_column_may_not_shadow_an_assignment_or_prevalence_column(tmp_path: Path,
                                                                    name: str) -> None:
    """Metadata columns go beside assignments.csv's (id, doc, name@seed) and become the group
    column of prevalence_<column>.csv: none may take one of their names."""
    meta = write(tmp_path, f"file,{name}\n{SEED_NAMES[1]},x\n")
    with pytest.raises(InputError, match=f"column '{re.escape(name)}'"):
        load_metadata(meta, SEED_NAMES)


def test_reserved_names_cover_the_prevalence_table() -> None:
    from research.run_folder.layout import PREVALENCE_COLUMNS

    assert set(PREVALENCE_COLUMNS) <= RESERVED


def test_classify_names_a_sub_document_row_no_paragraph_carries(tmp_path: Path) -> None:
    """research classify --metadata: a row for a sub-document title the report does not have
    (a typo, or a changed segmentation) was silently ignored; now, as in research corpus, it is
    one error naming the row, before any output."""
    seed = ROOT / "seeds" / "raw" / f"{SEED_NAMES[2]}.txt"
    meta = write(tmp_path, f"file,subdocument,county\n{SEED_NAMES[2]},,青铜峡市\n"
                           f"{SEED_NAMES[2]},推进义务教育均衡发展工作放案,青铜峡市\n")
    out = tmp_path / "rows.jsonl"
    done = run_cli("classify", str(seed), "--metadata", str(meta), "--out", str(out))
    assert done.returncode != 0
    assert "row 3, column 'subdocument': no sub-document titled '推进义务教育均衡发展工作放案'" in (
        done.stderr)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()
    right = write(tmp_path, f"file,subdocument,county\n{SEED_NAMES[2]},,\n"
                            f"{SEED_NAMES[2]},推进义务教育均衡发展工作方案,青铜峡市\n")
    done = run_cli("classify", str(seed), "--metadata", str(right), "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["county"] for r in rows if r["title"] == "推进义务教育均衡发展工作方案"} == {"青铜峡市"}
    # with --one-per-line a report has no sub-documents: their rows describe nothing
    lines = tmp_path / "lines.jsonl"
    done = run_cli("classify", str(seed), "--metadata", str(meta), "--out", str(lines),
                   "--one-per-line")
    assert done.returncode == 0, done.stderr


def test_sub_document_rows_are_checked_for_every_document_named() -> None:
    table = load_metadata(ROOT / "seeds" / "metadata.csv", SEED_NAMES)
    named = {doc for doc, _ in table.by_subdocument}
    with pytest.raises(InputError, match="no sub-document titled"):
        table.check_subdocuments([], (doc for doc in named))  # a generator, read once
