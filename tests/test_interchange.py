"""Labels to Label Studio and doccano and back: every row survives, bad files are one line."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from research.cli import app
from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.records import dump_jsonl, paragraph_id
from research.errors import InputError
from research.themes.codebook import load_codebook
from research.themes.interchange import (from_doccano, from_label_studio, import_file,
                                         label_studio_config, to_doccano, to_label_studio)
from research.themes.label_store import Item, LabelStore, decision_row, read_label_rows
from tests.conftest import ROOT, seed_file

THEMES_FILE = ROOT / "configs" / "themes.yaml"
CODEBOOK = load_codebook(THEMES_FILE)
IDS = CODEBOOK.ids
LABEL_SETS = [["funding", "facilities"], [], None, ["staffing"], list(IDS), ["governance"], None,
              []]


@pytest.fixture(scope="module")
def labels_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A labels file as `research label` writes it, on real paragraphs of a seed report:
    several themes, all themes, no theme (empty list) and skips."""
    folder = tmp_path_factory.mktemp("reports")
    text = seed_file("002").read_text(encoding="utf-8")
    (folder / "report.txt").write_text(text, encoding="utf-8")
    paragraphs = build_corpus_from_folder(folder, CorpusConfig()).paragraphs
    assert len(paragraphs) >= len(LABEL_SETS)
    path = folder.parent / "labels.jsonl"
    store = LabelStore(path, IDS)
    for paragraph, labels in zip(paragraphs, LABEL_SETS):
        item = Item(paragraph.id, paragraph.doc, paragraph.title, paragraph.section,
                    paragraph.text)
        store.record(decision_row(item, labels, "李老师", "0123456789abcdef", IDS,
                                  when="2026-11-23T08:00:00Z"))
    return path


def cli(*args: str):
    return CliRunner().invoke(app, [*args, "--themes", str(THEMES_FILE)])


@pytest.mark.parametrize("fmt", ["label-studio", "doccano"])
def test_export_then_import_gives_back_every_row(labels_file: Path, tmp_path: Path,
                                                 fmt: str) -> None:
    exported, back = tmp_path / "exported", tmp_path / "back.jsonl"
    done = cli("labels", "export", str(labels_file), str(exported), "--to", fmt)
    assert done.exit_code == 0, done.output
    assert "8 rows" in done.output and "2 skipped" in done.output
    done = cli("labels", "import", str(exported), str(back), "--from", fmt)
    assert done.exit_code == 0, done.output
    assert back.read_bytes() == labels_file.read_bytes()
    rows = read_label_rows(back, IDS)
    assert [r["labels"] for r in rows] == [None if s is None else [t for t in IDS if t in s]
                                           for s in LABEL_SETS]
    assert [r.get("skipped", False) for r in rows] == [s is None for s in LABEL_SETS]


def test_label_studio_tasks_and_config(labels_file: Path, tmp_path: Path) -> None:
    tasks_file, config_file = tmp_path / "tasks.json", tmp_path / "config.xml"
    done = cli("labels", "export", str(labels_file), str(tasks_file), "--to", "label-studio",
               "--config-out", str(config_file))
    assert done.exit_code == 0, done.output
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    first = tasks[0]
    assert first["data"]["id"] == paragraph_id(first["data"]["text"])
    assert first["meta"]["annotator"] == "李老师"
    result = first["annotations"][0]["result"][0]
    assert (result["from_name"], result["to_name"], result["type"]) == ("themes", "text",
                                                                         "choices")
    assert result["value"]["choices"] == ["funding", "facilities"]
    assert tasks[1]["annotations"] == [{"result": [], "was_cancelled": False}]  # no theme
    assert tasks[2]["annotations"] == [{"result": [], "was_cancelled": True}]  # skipped
    view = ET.fromstring(config_file.read_text(encoding="utf-8"))
    text = view.find("Text")
    choices = view.find("Choices")
    assert text.get("value") == "$text" and choices.get("toName") == text.get("name")
    assert choices.get("name") == "themes" and choices.get("choice") == "multiple"
    assert [c.get("value") for c in choices.findall("Choice")] == IDS
    assert [c.get("hotkey") for c in choices.findall("Choice")][:3] == ["1", "2", "3"]
    variables = {e.get("value")[1:] for e in view.iter() if (e.get("value") or "")[:1] == "$"}
    assert variables <= set(tasks[0]["data"])  # Label Studio refuses tasks missing one


def test_label_studio_export_from_the_tool(tmp_path: Path) -> None:
    """What Label Studio itself exports: its own ids and fields, several annotations, a
    cancelled one, a task nobody did, a result of another control."""
    choice = {"from_name": "themes", "to_name": "text", "type": "choices", "id": "a1"}
    tasks = [
        {"id": 11, "data": {"text": "甲段落。"}, "meta": {}, "annotations": [
            {"id": 1, "completed_by": 3, "result": [{**choice, "value": {"choices": ["equity"]}}],
             "was_cancelled": False, "created_at": "2026-01-01T00:00:00Z"},
            {"id": 2, "completed_by": {"id": 4, "email": "b@x.org"}, "was_cancelled": False,
             "updated_at": "2026-01-02T00:00:00Z",
             "result": [{**choice, "value": {"choices": ["layout", "funding"]}},
                        {"from_name": "note", "to_name": "text", "type": "textarea",
                         "value": {"text": ["看看"]}}]}]},
        {"id": 12, "data": {"text": "乙段落。", "id": "pkeep"},
         "annotations": [{"result": [], "was_cancelled": True, "completed_by": 3}]},
        {"id": 13, "data": {"text": "丙段落。"}, "annotations": [], "predictions": []},
    ]
    rows, undecided = from_label_studio(tasks, IDS, tmp_path / "x.json")
    assert undecided == 1
    assert rows[0] == {"id": paragraph_id("甲段落。"), "text": "甲段落。",
                       "labels": ["funding", "layout"], "annotator": "b@x.org",
                       "time": "2026-01-02T00:00:00Z"}
    assert rows[1] == {"id": "pkeep", "text": "乙段落。", "labels": None, "annotator": "3",
                       "skipped": True}


def test_doccano_export_from_the_tool(tmp_path: Path) -> None:
    records = [{"id": 7, "text": "甲段落。", "label": "quality", "Comments": []},
               {"id": 8, "text": "乙段落。", "label": [], "paragraph_id": "pkeep", "doc": "d",
                "Comments": ["不确定"]},
               {"id": 9, "text": "丙段落。"}]
    rows, undecided = from_doccano(records, IDS, tmp_path / "x.jsonl")
    assert undecided == 1
    assert rows == [{"id": paragraph_id("甲段落。"), "text": "甲段落。", "labels": ["quality"]},
                    {"id": "pkeep", "doc": "d", "text": "乙段落。", "labels": [],
                     "Comments": ["不确定"]}]


def test_undecided_corpus_rows_export_without_answers(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(dump_jsonl([{"id": "p1", "doc": "d", "title": "t", "section": "",
                                   "position": 0, "text": "某段落。"}]), encoding="utf-8")
    rows = read_label_rows(corpus, IDS, allow_undecided=True)
    assert "annotations" not in to_label_studio(rows)[0]
    assert "label" not in to_doccano(rows)[0]
    tasks = tmp_path / "tasks.json"
    assert cli("labels", "export", str(corpus), str(tasks), "--to", "label-studio"
               ).exit_code == 0
    done = cli("labels", "import", str(tasks), str(tmp_path / "back.jsonl"), "--from",
               "label-studio")
    assert done.exit_code == 2 and "no decided paragraphs (1 undecided)" in done.stderr


def test_the_codebook_config_is_well_formed() -> None:
    view = ET.fromstring(label_studio_config(CODEBOOK))
    hints = [c.get("hint") for c in view.iter("Choice")]
    assert hints == [t.definition for t in CODEBOOK.themes]


LS_BAD = [
    ("{\"data\": {}}", "expected a JSON list"),
    ("[{\"data\": {\"text\": \"x\"}, \"annotations\": [{\"result\": [{\"type\": \"choices\", "
     "\"value\": {\"choices\": [\"funding\"]}}]}]}, {\"data\": {\"text\": \"y\"}, "
     "\"annotations\": [{\"result\": [{\"type\": \"choices\", \"value\": {\"choices\": "
     "[\"money\"]}}]}]}]", "task 2 (p"),
    ("[{\"data\": {\"text\": \"x\"}}, {\"data\": {\"text\": \"\"}}]", "task 2: data.text"),
    ("[{\"text\": \"x\"}]", "task 1: needs a 'data' object"),
    ("[{\"data\": {\"text\": \"x\"}, \"annotations\": [{\"result\": [{\"type\": \"choices\"}]}]}]",
     "needs value.choices"),
    ("[{\"data\": {\"text\": \"x\"}, \"annotations\": [{\"result\": []}]}, "
     "{\"data\": {\"text\": \"x\"}, \"annotations\": [{\"result\": []}]}]", "duplicate"),
    ("[{\"data\": {\"text\": \"x\"}", "not valid JSON"),
]
DOCCANO_BAD = [
    ("{\"text\": \"x\", \"label\": [\"funding\"]}\n{\"text\": \"y\", \"label\": [\"money\"]}\n",
     "record 2 (p"),
    ("{\"text\": \"x\", \"label\": {\"a\": 1}}\n", "record 1 (p"),
    ("{\"label\": []}\n", "record 1: 'text'"),
    ("{\"text\": \"x\", \"label\": []}\nnot json\n", "line 2 is not valid JSON"),
]


@pytest.mark.parametrize("fmt, content, message",
                         [("label-studio", c, m) for c, m in LS_BAD]
                         + [("doccano", c, m) for c, m in DOCCANO_BAD])
def test_malformed_imports_are_one_line_naming_file_and_record(tmp_path: Path, fmt: str,
                                                               content: str, message: str
                                                               ) -> None:
    source = tmp_path / "in.json"
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = cli("labels", "import", str(source), str(out), "--from", fmt)
    assert done.exit_code == 2, done.output
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"error: {source}: ")
    assert message in errors[0]
    assert not out.exists()
    with pytest.raises(InputError, match=re.escape(message)):
        import_file(fmt, source, IDS)


def test_unknown_theme_in_a_labels_file_to_export(tmp_path: Path) -> None:
    source = tmp_path / "labels.jsonl"
    source.write_text(json.dumps({"id": "p1", "text": "x", "labels": ["money"]}) + "\n")
    done = cli("labels", "export", str(source), str(tmp_path / "o.json"), "--to", "doccano")
    assert done.exit_code == 2
    assert f"{source}: record 1 (p1): unknown theme id(s) money" in done.stderr
    done = cli("labels", "export", str(source), str(tmp_path / "o.json"), "--to", "csv")
    assert done.exit_code == 2 and "--to must be one of" in done.stderr
