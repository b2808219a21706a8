"""`classify_file` on real seed reports with the shipped theme model: batches that change
nothing, rows in report order, summaries that add up, and no text lost without a note.

test_cli_classify.py and test_fuzz.py drive the command and its error lines; these tests call
the streaming function a notebook or the CLI builds on.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from research.config import CorpusConfig
from research.corpus.dedup import NON_TEXT
from research.corpus.headings import strip_enumerator
from research.corpus.pipeline import DocumentReport, build_corpus, clean_document
from research.corpus.read import read_document
from research.corpus.records import paragraph_id
from research.errors import InputError
from research.themes.apply import BATCH_SIZE, FileSummary, classify_file
from research.themes.model_io import load_model
from tests.conftest import ROOT, seed_file

Model = tuple[Any, dict[str, Any]]
Rows = list[dict[str, Any]]
Classified = tuple[Rows, FileSummary]
NOT_HAN = re.compile(r"[^\u4e00-\u9fff]")
#: Seeds whose characters cleaning leaves as they are (001 is traditional with mojibake runs:
#: cleaning changes its characters on purpose, test_corpus.py checks that).
AS_PRINTED = ["000", "002", "003", "004"]


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model()


def classify(path: Path, model: Model, one_per_line: bool = False) -> Classified:
    summary = FileSummary(str(path))
    rows = list(classify_file(str(path), *model, CorpusConfig(), one_per_line, summary))
    return rows, summary


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds 003 and 004 as one report: more paragraphs than one batch holds."""
    path = tmp_path_factory.mktemp("apply") / "003-and-004.txt"
    path.write_text("\n\n".join(seed_file(p).read_text(encoding="utf-8")
                                for p in ("003", "004")), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def classified(two_reports: Path, model: Model) -> Classified:
    return classify(two_reports, model)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_rows_follow_the_report_in_order_across_batches(two_reports: Path,
                                                        classified: Classified) -> None:
    rows, _ = classified
    assert len(rows) > BATCH_SIZE
    assert [r["index"] for r in rows] == list(range(len(rows)))
    document = read_document(two_reports)
    lines, _ = clean_document(document, CorpusConfig(),
                              DocumentReport(document.name, document.encoding),
                              truncate_tails=False)
    cleaned = squeeze("".join(line.text for line in lines))
    position = 0
    for row in rows:  # each paragraph's opening is found after the previous one's
        found = cleaned.find(squeeze(row["text"])[:12], position)
        assert found >= 0, (row["index"], row["text"][:40])
        position = found + 1


def test_batched_rows_equal_each_paragraph_classified_alone(classified: Classified,
                                                            model: Model) -> None:
    """Batching is only for memory: each row is what the estimator says about that paragraph
    on its own (its own predict, not a threshold re-applied here). Scores are kept at full
    precision, and BLAS may sum a batch in another order than one row: equal to 1e-12."""
    rows, _ = classified
    estimator, meta = model
    themes = meta["themes"]
    # both sides of the first batch boundary, and the ends
    for row in rows[:8] + rows[BATCH_SIZE - 24:BATCH_SIZE + 24] + rows[-8:]:
        alone = estimator.predict_proba([row["text"]])
        decided = estimator.predict([row["text"]])[0]
        assert row["themes"] == [t for t, flag in zip(themes, decided) if flag], row["index"]
        assert row["scores"] == pytest.approx(dict(zip(themes, alone[0])), rel=0, abs=1e-12)
        assert row["id"] == paragraph_id(row["text"])


def test_summary_adds_up_to_the_rows(classified: Classified, model: Model) -> None:
    rows, summary = classified
    themes = model[1]["themes"]
    counts = Counter(t for row in rows for t in row["themes"])
    assert summary.paragraphs == len(rows)
    assert summary.theme_counts == counts and sum(counts.values()) > 0
    assert summary.as_dict(themes) == {"file": summary.file, "paragraphs": len(rows),
                                       "shares": {t: counts[t] / len(rows) for t in themes}}
    reasons = Counter(note.reason for note in summary.dropped)
    assert reasons["heading (kept as section)"] > 0  # a heading lives on as the section
    assert summary.not_kept() == Counter({r: n for r, n in reasons.items()
                                          if not r.startswith("heading")})
    assert summary.warnings() == [] and summary.chinese_share > 0.9


@pytest.mark.parametrize("prefix", AS_PRINTED)
def test_every_chinese_character_is_in_a_row_or_the_dropped_log(prefix: str, model: Model) -> None:
    """Nothing of a researcher's report vanishes: each Chinese character of the file is in a
    row's text, title or section, or in a dropped-line note. Only the numbering in front of a
    heading ("一、", "(三)", "一是") may go unrecorded."""
    path = seed_file(prefix)
    rows, summary = classify(path, model)
    raw = "".join(strip_enumerator(line.strip())[1]
                  for line in path.read_text(encoding="utf-8").splitlines())
    kept = ("".join(r["text"] for r in rows) + "".join({r["title"] + r["section"] for r in rows})
            + "".join(note.text for note in summary.dropped))
    assert Counter(NOT_HAN.sub("", raw)) - Counter(NOT_HAN.sub("", kept)) == Counter()


def seed_002_with_line(tmp_path: Path, line: str) -> tuple[Path, int]:
    """Seed 002 with ``line`` inserted between two paragraphs halfway down: the report and
    the index of the raw line the insert follows."""
    lines = seed_file("002").read_text(encoding="utf-8").splitlines()
    middle = len(lines) // 2
    middle += lines[middle:].index("")  # between two paragraphs
    report = tmp_path / "report.txt"
    report.write_text("\n".join(lines[:middle] + ["", line, ""] + lines[middle:]),
                      encoding="utf-8")
    return report, middle


def test_repeats_and_scraps_are_noted_with_their_text(tmp_path: Path, model: Model) -> None:
    """Seed 002 prints a section twice: the repeat is left out, with its text in the log, and
    every paragraph is classified once; a scrap too short to be a paragraph is noted too."""
    report, _ = seed_002_with_line(tmp_path, "是的。")
    rows, summary = classify(report, model)
    keys = [NON_TEXT.sub("", r["text"]) for r in rows]
    assert len(set(keys)) == len(keys)
    repeats = [n for n in summary.dropped if n.reason == "duplicate"]
    assert repeats and all(keys.count(NON_TEXT.sub("", n.text)) == 1 for n in repeats)
    short = [n for n in summary.dropped if n.reason == "too short"]
    assert short and all(len(n.text) < CorpusConfig().segment.min_paragraph_chars
                         for n in short)


def test_a_report_is_never_cut_short_by_the_scrape_tail_rules(tmp_path: Path, model: Model) -> None:
    """A '相关文档' line ends a scraped page in `research corpus`, but in a researcher's own
    report it is one dropped line and the text after it is still classified."""
    report, middle = seed_002_with_line(tmp_path, "相关文档")
    rows, summary = classify(report, model)
    original, _ = classify(seed_file("002"), model)
    assert [r["text"] for r in rows] == [r["text"] for r in original]
    assert [(n.line, n.text) for n in summary.dropped
            if n.reason == "related-documents list" and n.line == middle + 2] == [
        (middle + 2, "相关文档")]
    corpus = build_corpus([read_document(report)], CorpusConfig())  # the scrape rule cuts
    assert rows[-1]["text"] not in {p.text for p in corpus.paragraphs}


def test_one_per_line_keeps_every_cleaned_line_in_order(model: Model) -> None:
    path = seed_file("003")
    rows, summary = classify(path, model, one_per_line=True)
    document = read_document(path)
    lines, _ = clean_document(document, CorpusConfig(),
                              DocumentReport(document.name, document.encoding),
                              truncate_tails=False)
    assert len(rows) > BATCH_SIZE
    assert [r["text"] for r in rows] == [line.text for line in lines]
    assert [r["index"] for r in rows] == list(range(len(rows))) and summary.paragraphs == len(rows)


def test_files_with_no_paragraphs_are_reported(tmp_path: Path, model: Model) -> None:
    """Empty, blank, and pure site furniture (real lines the rules drop from seed 001): an
    InputError naming the file, never an empty result taken for a report with no themes."""
    empty, blank, furniture = (tmp_path / n for n in ("empty.txt", "blank.txt", "site.txt"))
    empty.write_bytes(b"")
    blank.write_text(" \n\n\t\n", encoding="utf-8")
    _, seed = classify(seed_file("001"), model)
    dropped = [n.text for n in seed.dropped if n.reason in (
        "copyright notice", "download prompt", "widget", "related-documents list")]
    furniture.write_text("\n".join(dropped), encoding="utf-8")
    for path, reason in ((empty, "file is empty"), (blank, "file is empty"),
                         (furniture, "no paragraphs found after cleaning")):
        summary = FileSummary(str(path))
        with pytest.raises(InputError) as raised:
            list(classify_file(str(path), *model, CorpusConfig(), False, summary))
        assert raised.value.path == str(path) and raised.value.reason == reason
    assert len(summary.dropped) == len(dropped) and summary.paragraphs == 0


def test_a_traditional_copy_of_every_labeled_paragraph_gets_the_same_themes() -> None:
    """Issue 11: a traditional-character copy gained a false `equity`. The model converts a
    traditional text with the corpus's rule before scoring it, by whatever route it comes."""
    import opencc

    from research.themes.labels import load_labels
    from research.themes.model_io import load_model

    texts = [r.text for r in load_labels(ROOT / "seeds/labels/labels.jsonl",
                                         ROOT / "configs/themes.yaml")]
    traditional = [opencc.OpenCC("s2t").convert(t) for t in texts]
    assert sum(a != b for a, b in zip(texts, traditional)) > 0.95 * len(texts)
    model, _ = load_model(None)
    np.testing.assert_array_equal(model.predict(traditional), model.predict(texts))
