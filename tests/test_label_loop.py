"""`research label` on slices of the real seed reports with the shipped model, answers scripted
through CliRunner's input; and the active-learning selection it uses."""

from __future__ import annotations

import io
import json
import os
import re
import signal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from research.cli import app
from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.records import atomic_write_text, paragraph_id
from research.themes.active import char_vectors, next_batch, select, uncertainty
from research.themes.codebook import load_codebook
from research.themes.label_session import parse_answer, run_session, theme_keys
from research.themes.label_store import Item, LabelStore, interrupts_held, read_label_rows
from research.themes.labels import check_against_corpus, load_labels
from research.themes.model_io import codebook_hash, load_model
from tests.conftest import ROOT, SEEDS

THEMES_FILE = ROOT / "configs" / "themes.yaml"
CODEBOOK = load_codebook(THEMES_FILE)
KEYS = theme_keys(CODEBOOK.ids)
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first ~3000 characters (whole lines) of three seed reports."""
    target = tmp_path_factory.mktemp("reports")
    for source in sorted(SEEDS.glob("00[0-2]_*.txt")):
        text = source.read_text(encoding="utf-8")[:3000]
        (target / source.name).write_text(text[:text.rfind("\n") + 1], encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def paragraphs(folder: Path) -> list:
    return build_corpus_from_folder(folder, CorpusConfig()).paragraphs


@pytest.fixture(scope="module")
def model() -> object:
    return load_model(None)[0]


@pytest.fixture(scope="module")
def order(paragraphs: list, model: object) -> list[str]:
    """The ids in the order a fresh session asks about them (the whole folder)."""
    picks = next_batch([p.text for p in paragraphs], model, [], len(paragraphs))
    return [paragraphs[i].id for i in picks]


def label(folder: Path, out: Path, answers: str, *extra: str):
    result = CliRunner().invoke(app, ["label", str(folder), "--out", str(out), "--annotator",
                                      "tester", "--themes", str(THEMES_FILE), *extra],
                                input=answers)
    return result


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- the session, end to end ----------------------------------------------------------------

def test_session_saves_every_answer_with_its_paragraph(folder: Path, paragraphs: list,
                                                       order: list[str], tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    done = label(folder, out, "1 3\n\nx\ns\nq\n", "--batch", "5")
    assert done.exit_code == 0, done.output
    assert "not saved: 'x' is not a theme key" in done.output
    assert "s skip" in done.output and "u undo" in done.output and "经费投入与保障" in done.output
    saved = rows(out)
    assert [r["id"] for r in saved] == order[:3]  # quit after three answers; x was refused
    assert saved[0]["labels"] == ["funding", "facilities"]
    assert saved[1]["labels"] == [] and "skipped" not in saved[1]
    assert saved[2]["labels"] is None and saved[2]["skipped"] is True
    by_id = {p.id: p for p in paragraphs}
    digest = codebook_hash(CODEBOOK.model_dump(mode="json"))
    for row in saved:
        paragraph = by_id[row["id"]]
        assert row["id"] == paragraph_id(row["text"])
        assert (row["doc"], row["title"], row["section"], row["text"]) == (
            paragraph.doc, paragraph.title, paragraph.section, paragraph.text)
        assert row["annotator"] == "tester" and row["codebook_hash"] == digest
        assert ISO_UTC.match(row["time"])
    shown = done.output.split(saved[1]["id"])[0]  # the screen of the first paragraph
    assert saved[0]["doc"] in shown and saved[0]["title"] in shown
    assert saved[0]["section"] in shown and saved[0]["text"][:20] in shown


def test_each_answer_is_on_disk_before_the_next_question(paragraphs: list, tmp_path: Path
                                                         ) -> None:
    from rich.console import Console

    out = tmp_path / "labels.jsonl"
    store = LabelStore(out, CODEBOOK.ids)
    answers = iter(["2", "", "s", "45"])
    seen_on_disk: list[int] = []

    def ask(prompt: str) -> str:
        seen_on_disk.append(len(rows(out)) if out.exists() else 0)
        return next(answers)  # StopIteration never reached: four items, four answers

    queue = [Item(p.id, p.doc, p.title, p.section, p.text) for p in paragraphs[:4]]
    result = run_session(queue, store, CODEBOOK, "tester", "hash", Console(file=io.StringIO()),
                         ask)
    assert seen_on_disk == [0, 1, 2, 3]
    assert (result.labeled, result.skipped, result.stopped) == (3, 1, "done")
    assert [r["labels"] for r in rows(out)] == [["staffing"], [], None,
                                                ["equity", "digital"]]


def test_resume_continues_at_the_next_undecided_paragraph(folder: Path, order: list[str],
                                                          tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    first = label(folder, out, "1\ns\nq\n", "--batch", "5")
    assert first.exit_code == 0, first.output
    assert [r["id"] for r in rows(out)] == order[:2]
    second = label(folder, out, "2\nq\n", "--batch", "5")
    assert second.exit_code == 0, second.output
    saved = rows(out)
    assert [r["id"] for r in saved] == order[:3]  # neither decided paragraph asked again
    assert saved[2]["labels"] == ["staffing"]
    assert f"paragraph 1 of 5 · {order[2]}" in second.output
    assert order[0] not in second.output.split("this session")[0]


def test_undo_within_and_across_sessions(folder: Path, order: list[str], tmp_path: Path
                                         ) -> None:
    out = tmp_path / "labels.jsonl"
    done = label(folder, out, "u\n1\n2\nu\n4\nq\n", "--batch", "5")
    assert done.exit_code == 0, done.output
    assert "nothing to undo" in done.output
    assert [(r["id"], r["labels"]) for r in rows(out)] == [(order[0], ["funding"]),
                                                           (order[1], ["equity"])]
    again = label(folder, out, "u\nu\ns\n9\nq\n", "--batch", "5")
    assert again.exit_code == 0, again.output
    # both earlier answers undone; each undo asks its paragraph next, so the one undone last
    # (the first answer) is asked first
    assert [(r["id"], r["labels"]) for r in rows(out)] == [(order[0], None),
                                                           (order[1], ["governance"])]


def test_labels_train_on_the_folder_and_skips_are_left_out(folder: Path, paragraphs: list,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    done = label(folder, out, "12\ns\n\n7 8\nq\n", "--batch", "4")
    assert done.exit_code == 0, done.output
    labels = load_labels(out, THEMES_FILE)
    assert len(labels) == 3 and len(rows(out)) == 4
    # what classifier_run checks for a config with labels: OUT and corpus: {folder: FOLDER}
    assert check_against_corpus(labels, paragraphs, out) == labels


def test_every_paragraph_decided_then_nothing_to_ask(folder: Path, paragraphs: list,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    done = label(folder, out, "\n" * len(paragraphs), "--batch", "1000")
    assert done.exit_code == 0, done.output
    assert {r["id"] for r in rows(out)} == {p.id for p in paragraphs}
    again = label(folder, out, "")
    assert again.exit_code == 0
    assert f"all {len(paragraphs)} paragraphs" in again.output


def test_a_damaged_labels_file_is_one_error_line(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    good = {"id": "p1", "text": "某段落", "labels": ["funding"]}
    out.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "p2",
                                                          "labels": ["money"]}) + "\n")
    done = label(folder, out, "q\n")
    assert done.exit_code == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(out) in errors[0]
    assert "record 2 (p2): unknown theme id(s) money" in errors[0]
    assert rows(out)[1]["labels"] == ["money"]  # left as it was


def test_ctrl_c_while_waiting_keeps_what_was_saved(paragraphs: list, tmp_path: Path) -> None:
    from rich.console import Console

    out = tmp_path / "labels.jsonl"
    answers = iter(["3"])

    def ask(prompt: str) -> str:
        for answer in answers:
            return answer
        raise KeyboardInterrupt

    queue = [Item(p.id, p.doc, p.title, p.section, p.text) for p in paragraphs[:3]]
    result = run_session(queue, LabelStore(out, CODEBOOK.ids), CODEBOOK, "t", "h",
                         Console(file=io.StringIO()), ask)
    assert result.stopped == "interrupted" and result.labeled == 1
    assert [r["labels"] for r in read_label_rows(out, CODEBOOK.ids)] == [["facilities"]]


def test_ctrl_c_during_a_save_is_raised_after_the_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text("old\n")
    with pytest.raises(KeyboardInterrupt):
        with interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
            atomic_write_text(path, "new\n", durable=True)
    assert path.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["labels.jsonl"]


# --- answers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("line, labels", [
    ("1 3 5", ("funding", "facilities", "digital")),
    ("531", ("funding", "facilities", "digital")),
    ("2,1", ("funding", "staffing")),
    ("１３", ("funding", "facilities")),  # full-width digits from a Chinese input method
    ("funding quality", ("funding", "quality")),
    ("1 1", ("funding",)),
    ("", ()), ("0", ()), ("-", ()), ("   ", ()),
])
def test_answer_lines_name_themes_in_codebook_order(line: str, labels: tuple) -> None:
    answer = parse_answer(line, KEYS)
    assert (answer.kind, answer.labels) == ("labels", labels)


@pytest.mark.parametrize("line, kind", [("s", "skip"), ("U", "undo"), ("q", "quit"),
                                        ("?", "help")])
def test_command_letters(line: str, kind: str) -> None:
    assert parse_answer(line, KEYS).kind == kind


@pytest.mark.parametrize("line", ["x", "1s", "1 q", "12a", "fundings"])
def test_anything_else_is_refused_with_a_reason(line: str) -> None:
    with pytest.raises(ValueError, match="theme key|whole answer"):
        parse_answer(line, KEYS)


def test_keys_skip_command_letters() -> None:
    keys = theme_keys([f"t{i}" for i in range(20)])
    assert list(keys)[:10] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "a"]
    assert not {"s", "u", "q"} & set(keys)


# --- selection ---------------------------------------------------------------------------------

def test_uncertainty_is_scaled_by_the_room_on_each_side() -> None:
    # threshold 0.8: 0.9 is halfway to 1, 0.4 halfway to 0 -> both 0.5; 0.8 itself -> 1
    u = uncertainty(np.array([[0.9], [0.4], [0.8], [1.0], [0.0]]), np.array([0.8]))
    assert np.allclose(u, [0.5, 0.5, 1.0, 0.0, 0.0])
    two = uncertainty(np.array([[0.9, 0.5]]), np.array([0.8, 0.5]))
    assert np.allclose(two, [1.0])  # the least certain theme decides


@given(st.lists(st.integers(0, 100).map(lambda x: x / 100), min_size=2, max_size=30),
       st.integers(1, 30))
def test_with_equally_distant_texts_the_most_uncertain_come_first(values: list[float],
                                                                   k: int) -> None:
    scores = np.array(values)[:, None]
    picks = select(scores, np.array([0.5]), np.eye(len(values)), k)
    u = uncertainty(scores, np.array([0.5]))
    assert picks == sorted(range(len(values)), key=lambda i: (-u[i], i))[:k]
    assert picks == select(scores, np.array([0.5]), np.eye(len(values)), k)  # deterministic


def test_diversity_passes_over_a_near_duplicate() -> None:
    texts = ["各级政府要加大财政投入,落实生均公用经费标准,专项资金向农村学校倾斜。",
             "各级政府要加大财政投入,落实生均公用经费标准,专项资金向农村学校倾斜。",
             "实施乡村教师支持计划,提高农村教师待遇,推进城乡教师交流轮岗。",
             "加强留守儿童关爱保护,落实家庭经济困难学生资助政策。"]
    scores = np.array([[0.50], [0.50], [0.40], [0.99]])
    vectors = char_vectors(texts)
    assert select(scores, [0.5], vectors, 2, weight=1.0) == [0, 1]  # uncertainty alone
    assert select(scores, [0.5], vectors, 2) == [0, 2]
    assert select(scores, [0.5], vectors, 3) == [0, 2, 3]  # the copy is worth least of all
    # a copy of a labeled paragraph waits too, and labeled ones are never picked
    assert select(scores, [0.5], vectors, 2, already_labeled=[0]) == [2, 3]


def test_selection_edges() -> None:
    vectors = np.eye(3)
    scores = np.array([[0.1], [0.5], [0.9]])
    assert select(scores, [0.5], vectors, 0) == []
    assert select(scores, [0.5], vectors, 10, already_labeled=[1]) == [0, 2]
    with pytest.raises(ValueError):
        select(scores, [0.5, 0.5], vectors, 1)
    with pytest.raises(ValueError):
        select(scores, [0.5], np.eye(2), 1)


def test_the_real_model_asks_about_what_it_is_unsure_of(paragraphs: list, model: object
                                                        ) -> None:
    texts = [p.text for p in paragraphs]
    picks = next_batch(texts, model, [], 8)
    assert picks == next_batch(texts, model, [], 8)
    u = uncertainty(model.predict_proba(texts), model.score_thresholds())
    rest = [i for i in range(len(texts)) if i not in picks]
    assert u[picks].mean() > u[rest].mean()
    # resuming after two answers continues the same sequence
    assert next_batch(texts, model, picks[:2], 6) == picks[2:]


def test_docx_reports_are_labeled_too_and_an_empty_folder_is_one_line(tmp_path: Path) -> None:
    from tests.conftest import seed_file
    from tests.helpers import make_docx

    folder = tmp_path / "reports"
    folder.mkdir()
    lines = [line for line in seed_file("002").read_text(encoding="utf-8").splitlines()
             if len(line) > 150][:3]
    make_docx(folder / "report.docx", lines)
    out = tmp_path / "labels.jsonl"
    done = label(folder, out, "\n\n\n", "--batch", "3")
    assert done.exit_code == 0, done.output
    assert {r["doc"] for r in rows(out)} == {"report"} and len(rows(out)) == 3
    empty = tmp_path / "empty"
    empty.mkdir()
    done = label(empty, tmp_path / "other.jsonl", "")
    assert done.exit_code == 2
    assert done.stderr.strip() == f"error: {empty}: contains no .txt, .docx or .pdf files"


def test_a_labels_file_that_is_not_utf8_is_one_error_naming_it_and_left_alone(
        folder: Path, tmp_path: Path) -> None:
    """Resuming into a damaged labels file said 'unexpected UnicodeDecodeError'."""
    out = tmp_path / "labels.jsonl"
    damaged = b'\xff\xfe{"id": "p1"}\n'
    out.write_bytes(damaged)
    result = label(folder, out, "q\n")
    assert result.exit_code == 2
    assert f"{out}: line 1 is not UTF-8 text" in result.output
    assert "unexpected" not in result.output
    assert out.read_bytes() == damaged
