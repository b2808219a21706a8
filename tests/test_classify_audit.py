"""What a researcher needs to audit `research classify`: where each paragraph is (document,
sub-document title, section), the thresholds the decisions used, the themes that just missed
or just made it, and scores shown so that one below its threshold never looks equal or above.

On a slice of real seed text with the shipped model and a keyword model fitted on the hand
labels; the writers are driven in-process (test_cli_classify.py runs the command itself).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from research.config import CorpusConfig
from research.themes.apply import (NEAR_MISS, FileSummary, classify_file, classify_texts,
                                   near_threshold)
from research.themes.model_io import load_model
from research.themes.writers import WRITERS
from research.viz.classify_html import format_score, score_digits
from tests.conftest import ROOT, seed_file
from tests.helpers import assert_sections_open_or_close_articles

Model = tuple[Any, dict[str, Any]]
Rows = list[dict[str, Any]]
ROW_KEYS = ["file", "doc", "index", "id", "title", "section", "text", "original", "themes",
            "near_misses", "borderline", "scores", "thresholds"]


@pytest.fixture(scope="module")
def shipped() -> Model:
    return load_model(None)


@pytest.fixture(scope="module")
def keywords() -> Model:
    """The keyword baseline fitted on the hand labels: thresholds are counts, scores are not."""
    from research.themes.classifier import KeywordBaseline
    from research.themes.codebook import load_codebook
    from research.themes.labels import load_labels

    codebook = load_codebook(ROOT / "configs/themes.yaml")
    rows = load_labels(ROOT / "seeds/labels/labels.jsonl", ROOT / "configs/themes.yaml")
    labels = np.array([[int(t in r.labels) for t in codebook.ids] for r in rows])
    model = KeywordBaseline(codebook.ids, codebook.keywords()).fit([r.text for r in rows], labels)
    return model, {"themes": codebook.ids, "codebook": codebook.model_dump(mode="json")}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 6,000 characters of seed 003: two sub-documents, numbered headings."""
    path = tmp_path_factory.mktemp("audit") / "县域报告.txt"
    path.write_text(seed_file("003").read_text(encoding="utf-8")[:6000], encoding="utf-8")
    return path


def classify(path: Path, model: Model, one_per_line: bool = False) -> Rows:
    summary = FileSummary(str(path))
    return list(classify_file(str(path), *model, CorpusConfig(), one_per_line, summary))


@pytest.fixture(scope="module")
def rows(report: Path, shipped: Model) -> Rows:
    return classify(report, shipped)


def score_thresholds(model: Model) -> dict[str, float]:
    return {t: float(x) for t, x in zip(model[1]["themes"], model[0].score_thresholds())}


# --- rows: where the paragraph is -------------------------------------------------------------


def test_rows_carry_document_title_and_section(report: Path, rows: Rows) -> None:
    assert all(list(row) == ROW_KEYS for row in rows)
    assert {row["file"] for row in rows} == {str(report)}
    assert {row["doc"] for row in rows} == {report.stem}  # as in the dropped-line log
    # the first part's speech has its own title on the cover page, over its dated byline
    assert [row["title"] for row in rows][0] == "整合资源 规范管理 促进义务教育均衡发展"
    # the Jinzhong part lists its county reports in a table of contents; each is a title
    assert [row["title"] for row in rows][-1] == "致力教育公平加快城乡教育一体化进程"
    by_text = {row["text"][:8]: row for row in rows}
    # "一、以布局调整为突破口,…基本均衡。2004年以来,…": the heading is the section
    assert by_text["2004年以来,"]["section"] == ("以布局调整为突破口,统筹资源配置,促进城乡之间、"
                                            "校级之间办学条件基本均衡")
    assert all(row["title"] for row in rows)
    # only an article's opening (before its first heading) and its closing (after its last
    # list, to its end) have no section; a byline such as "(2010年7月22日)扶沟县教育体育局局长
    # 田民生" is not one
    assert_sections_open_or_close_articles(rows)
    assert not any("2010年" in row["section"] for row in rows)


def test_one_per_line_rows_have_empty_title_and_section(report: Path, shipped: Model) -> None:
    lines = classify(report, shipped, one_per_line=True)
    assert lines and all(list(row) == ROW_KEYS for row in lines)
    assert {(row["title"], row["section"], row["doc"]) for row in lines} == {("", "", report.stem)}


# --- thresholds, near misses, borderline --------------------------------------------------------


@pytest.mark.parametrize("which", ["shipped", "keywords"])
def test_thresholds_are_the_models_and_explain_every_decision(
        which: str, report: Path, request: pytest.FixtureRequest) -> None:
    """Each row names the thresholds ``decide`` used, and a theme is decided exactly when its
    score (kept at full precision) reaches its threshold."""
    model = request.getfixturevalue(which)
    thresholds = score_thresholds(model)
    checked = classify(report, model)
    for row in checked:
        assert row["thresholds"] == thresholds
        assert row["themes"] == [t for t in thresholds if row["scores"][t] >= thresholds[t]]
        assert row["near_misses"] == [t for t in thresholds if t not in row["themes"]
                                      and row["scores"][t] >= thresholds[t] - NEAR_MISS]
        assert row["borderline"] == [t for t in row["themes"]
                                     if row["scores"][t] < thresholds[t] + NEAR_MISS]
    assert any(row["themes"] for row in checked)


def first_near_miss(rows: Rows) -> tuple[dict, str]:
    """The first paragraph (in report order) with a score under its threshold by at most
    NEAR_MISS, and that theme: found from the scores, whichever model is shipped."""
    return next((row, t) for row in rows for t in row["thresholds"]
                if 0 < row["thresholds"][t] - row["scores"][t] <= NEAR_MISS)


def test_a_score_just_under_its_threshold_is_a_near_miss_not_a_theme(rows: Rows) -> None:
    """A paragraph of seed 003 scores a theme just under its threshold: not tagged, but listed."""
    assert NEAR_MISS == 0.1
    row, theme = first_near_miss(rows)
    assert theme in row["near_misses"] and theme not in row["themes"]
    misses = [(row, t) for row in rows for t in row["near_misses"]]
    assert misses  # how many depends on the shipped model; the window is checked for each
    for row, theme in misses:
        assert theme not in row["themes"]
        assert row["thresholds"][theme] - NEAR_MISS <= row["scores"][theme] < row["thresholds"][
            theme]


def test_near_threshold_window_edges() -> None:
    thresholds = {"a": 0.5, "b": 0.5, "c": 0.5, "d": 0.5, "e": 0.5}
    scores = {"a": 0.4999, "b": 0.39, "c": 0.5, "d": 0.61, "e": 0.0}
    assert near_threshold(["c", "d"], scores, thresholds) == (["a"], ["c"])


class Fixed:
    """A stand-in model that scores every text the same, deciding like the real ones."""

    def __init__(self, scores: list[float], thresholds: list[float]) -> None:
        self.scores, self.thresholds = np.array([scores]), np.array(thresholds)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.repeat(self.scores, len(texts), axis=0)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        return (probabilities >= self.thresholds).astype(int)

    def score_thresholds(self) -> np.ndarray:
        return self.thresholds


def test_scores_are_not_rounded_onto_or_over_their_threshold() -> None:
    """Rounding to 4 decimals turned 0.474996 (not decided, threshold 0.475) into 0.475, and
    0.99996 into 1.0: the output then contradicted its own decision."""
    model = Fixed([0.474996, 0.99996], [0.475, 0.5])
    [(themes, scores)] = classify_texts(model, {"themes": ["a", "b"]}, ["任意一段文字。"])
    assert themes == ["b"]
    assert scores["a"] < 0.475 and scores["b"] < 1.0


# --- writers: streamed, with thresholds ---------------------------------------------------------


def test_jsonl_and_csv_stream_rows_with_thresholds(rows: Rows, shipped: Model) -> None:
    meta = shipped[1]
    thresholds = score_thresholds(shipped)
    for fmt in ("jsonl", "csv"):
        handle = io.StringIO()
        writer = WRITERS[fmt](handle, meta)
        writer.write(rows[0])
        assert handle.getvalue().count("\n") == (1 if fmt == "jsonl" else 2)  # not collected
        for row in rows[1:]:
            writer.write(row)
        writer.close([])
        text = handle.getvalue()
        if fmt == "jsonl":
            back = [json.loads(line) for line in text.splitlines()]
            assert back == rows
            continue
        header = next(csv.reader(io.StringIO(text)))
        assert header == ["file", "doc", "index", "id", "title", "section", "text",
                          "original", "themes", "near_misses", "borderline",
                          *(f"score_{t}" for t in meta["themes"]),
                          *(f"threshold_{t}" for t in meta["themes"])]
        frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
        for t, value in thresholds.items():
            assert (frame[f"threshold_{t}"] == value).all()
            assert frame[f"score_{t}"].tolist() == [row["scores"][t] for row in rows]
        assert frame["near_misses"].tolist() == [";".join(r["near_misses"]) for r in rows]
        assert frame["borderline"].tolist() == [";".join(r["borderline"]) for r in rows]
        assert frame["section"].tolist() == [r["section"] for r in rows]
        assert frame["doc"].tolist() == [r["doc"] for r in rows]


# --- html: thresholds table, near misses marked, honest digits ----------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None") -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.parts: list[str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(self.parts) + "".join(c.text() for c in self.children)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list["Node"]:
        found = []
        for child in self.children:
            if ((tag is None or child.tag == tag) and (cls is None or cls in child.classes)
                    and all(child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())):
                found.append(child)
            found.extend(child.find(tag, cls, **attrs))
        return found


class Tree(HTMLParser):
    """The page as nested nodes (text kept in document order only roughly: enough here)."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = self.node = Node("root", {}, None)
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.node)
        self.node.children.append(node)
        if tag not in self.VOID:
            self.node = node

    def handle_endtag(self, tag: str) -> None:
        node = self.node
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.node = node.parent

    def handle_data(self, data: str) -> None:
        self.node.parts.append(data)


def page_of(rows: Rows, model: Model) -> Node:
    handle = io.StringIO()
    writer = WRITERS["html"](handle, model[1])
    for row in rows:
        writer.write(row)
    writer.close([FileSummary(rows[0]["file"], len(rows)).as_dict(model[1]["themes"])])
    return Tree(handle.getvalue()).root


def test_html_shows_the_thresholds_and_marks_near_misses(rows: Rows, shipped: Model) -> None:
    page = page_of(rows, shipped)
    thresholds = score_thresholds(shipped)
    [table] = page.find("section", id="thresholds")
    cells = {tr.find("td")[0].attrs.get("data-theme"): tr.find("td", cls="threshold")[0].text()
             for tr in table.find("tr") if tr.find("td")}
    assert cells == {t: format_score(v) for t, v in thresholds.items()}
    assert page.find(cls="key")[0].find(cls="near-miss")  # the key explains the marking
    row, theme = first_near_miss(rows)
    shown = page.find("div", cls="para", data_id=row["id"])[0]
    [miss] = shown.find(cls="near-miss", data_theme=theme)
    assert "chip" in miss.classes
    score, threshold = row["scores"][theme], thresholds[theme]
    digits = score_digits(score, threshold)
    assert format_score(score, digits) in miss.text()
    decided = {c.attrs["data-theme"] for c in shown.find(cls="chip")
               if "near-miss" not in c.classes}
    assert decided == set(row["themes"]) and theme not in decided
    para = shown.find(cls="meta")[0].text()
    assert row["section"] in para and row["title"] in para


def test_html_marks_borderline_decisions(shipped: Model) -> None:
    row = {"file": "a.txt", "doc": "a", "index": 0, "id": "p0", "title": "t", "section": "s",
           "text": "经费投入。", "themes": ["funding", "staffing"], "near_misses": ["equity"],
           "borderline": ["funding"],
           "scores": {"funding": 0.6499, "staffing": 0.998, "equity": 0.4999},
           "thresholds": {"funding": 0.6, "staffing": 0.525, "equity": 0.5}}
    page = page_of([row], shipped)
    para = page.find("div", cls="para")[0]
    chips = {c.attrs["data-theme"]: c for c in para.find(cls="chip")}
    assert chips["funding"].classes >= {"chip", "borderline"}
    assert "borderline" not in chips["staffing"].classes
    assert "0.998" in chips["staffing"].text() and "1.00" not in chips["staffing"].text()
    assert chips["equity"].classes >= {"chip", "near-miss"}
    assert "0.499" in chips["equity"].text() and "0.500" in chips["equity"].text()
    assert not chips["equity"].text().split()[1].startswith("0.500")  # the score, not 0.500


@pytest.mark.parametrize("score, digits, shown", [
    (0.998, 3, "0.998"), (0.9996, 3, "0.999"), (0.99999999, 3, "0.999"), (1.0, 3, "1.000"),
    (0.4999, 3, "0.499"), (0.475, 3, "0.475"), (0.0, 3, "0.000"), (0.12345, 4, "0.1234")])
def test_format_score_never_rounds_up(score: float, digits: int, shown: str) -> None:
    assert format_score(score, digits) == shown


@pytest.mark.parametrize("score, threshold", [
    (0.4999, 0.5), (0.49999999, 0.5), (0.474996, 0.475), (0.6321, 1 - np.exp(-1)),
    (0.63212055882, float(1 - np.exp(-1))), (0.6, 0.6), (0.60049, 0.6), (0.9999, 0.6)])
def test_a_score_is_shown_below_its_threshold_exactly_when_it_is(score: float,
                                                                 threshold: float) -> None:
    digits = score_digits(score, float(threshold))
    shown, bar = Decimal(format_score(score, digits)), Decimal(format_score(threshold, digits))
    assert (shown >= bar) == (score >= threshold)
    assert digits == 3 or score < threshold
