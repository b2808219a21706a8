"""Reports built from a real (small) run: sections, size, offline, index, and a headless browser.

The run is fitted once per module on the bundled seed reports (two LDA settings, one BERTopic on
tf-idf embeddings, two seeds). A classifier run folder is assembled from the same real corpus and
hand labels, scored by codebook keyword matching over cross-validation folds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from research.errors import InputError
from research.runner import load_experiment, run_experiment
from research.themes.codebook import load_codebook
from tests.browser import check_page, find_chromium, screenshot_sections
from research.viz.classify_html import render_classification_html
from research.metrics.summary import best_settings
from research.run_folder.load import load_run
from research.run_folder.read import read_rows as read_jsonl
from research.viz.index import write_index
from research.viz.report import write_report
from research.viz.style import render, wrap
from research.viz.tables import classifier_table, comparison_table, mean_sd

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "configs" / "themes.yaml"
TOPIC_SECTIONS = ["summary", "compare-metrics", "compare-overlap", "lda-topics", "lda-map",
                  "lda-words", "lda-similarity", "lda-relevance", "bertopic-topics",
                  "bertopic-map", "bertopic-words", "bertopic-similarity",
                  "bertopic-relevance", "bertopic-hierarchy", "bertopic-paragraphs",
                  "themes-docs", "themes-subdocs", "themes-topics"]
CLASSIFIER_SECTIONS = ["summary", "themes-docs", "themes-subdocs", "themes-cv"]
#: Sections drawn as HTML tables, not figures.
TABLE_SECTIONS = {"summary", "lda-topics", "bertopic-topics"}
SECTION_RE = re.compile(r'<section id="([^"]+)"><h2>[^<]+</h2><p class="explain">[^<]+</p>')

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results tree holding one real topics run (fitted here) and one classifier run."""
    root = tmp_path_factory.mktemp("results")
    config = {
        "kind": "topics", "name": "viz-test",
        "corpus": {"seeds": str(ROOT / "seeds" / "raw")}, "seeds": [1, 2],
        "models": [
            {"kind": "lda", "name": "lda", "engine": "tomotopy", "k": [4, 6],
             "iterations": 50},
            {"kind": "bertopic", "name": "bertopic", "embedding": {"backend": "tfidf-svd"},
             "min_cluster_size": 8}],
        "labels": str(ROOT / "seeds" / "labels" / "labels.jsonl"),
        "themes": str(CODEBOOK), "output": str(root)}
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    run_experiment(load_experiment(path))
    classifier = {
        "kind": "classifier", "name": "classifier",
        "corpus": {"seeds": str(ROOT / "seeds" / "raw")},
        "labels": str(ROOT / "seeds" / "labels" / "labels.jsonl"), "themes": str(CODEBOOK),
        "cv": {"folds": 2, "repeats": 1}, "output": str(root),
        "candidates": [{"name": "keywords", "kind": "keywords"},
                       {"name": "tfidf-stacked", "features": ["words", "chars"]}],
        "default": "tfidf-stacked"}
    path = root / "classifier.yaml"
    path.write_text(yaml.safe_dump(classifier, allow_unicode=True), encoding="utf-8")
    run_experiment(load_experiment(path))
    return root


def topics_run(results: Path) -> Path:
    return next((results / "viz-test").glob("2*"))


def classifier_run(results: Path) -> Path:
    return next((results / "classifier").glob("2*"))


@pytest.fixture(scope="module")
def report(results: Path) -> Path:
    """The report the run itself wrote (inside its folder, before it was renamed into place)."""
    return topics_run(results) / "report.html"


@pytest.fixture(scope="module")
def classifier_report(results: Path) -> Path:
    return classifier_run(results) / "report.html"


def test_report_has_every_section_with_heading_and_explanation(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert SECTION_RE.findall(html) == TOPIC_SECTIONS
    assert html.count('<div class="figure">') == len(set(TOPIC_SECTIONS) - TABLE_SECTIONS)
    for section in TOPIC_SECTIONS:
        assert f'<a href="#{section}">' in html  # table of contents


def test_report_is_offline_single_file_and_small(report: Path) -> None:
    from plotly.offline import get_plotlyjs

    html = report.read_text(encoding="utf-8")
    assert report.stat().st_size < 15 * 1024 * 1024
    assert html.count(get_plotlyjs()[:500]) == 1  # plotly.js inline, exactly once
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)
    outside_bundle = html.replace(get_plotlyjs(), "")  # the bundle names a topojson CDN URL
    assert "cdn.plot.ly" not in outside_bundle and "https://" not in outside_bundle
    assert not re.search(r"<link[^>]*https?://", html, re.I)
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html
    assert not list(report.parent.glob(".report.html*"))  # atomic write left no temp file


def test_summary_shows_corpus_comparison_and_versions(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    data = load_run(report.parent)
    assert f"<dd>{len(data.corpus)}</dd>" in html
    assert "<th>setting</th>" in html and "lda[k=4]" in html and "lda[k=6]" in html
    assert "<strong>" in html  # the best setting on each metric
    assert "tomotopy" in html and "fit_bertopic" in html  # versions and timings
    # the comparison comes from metrics.json (mean, then every seed), not from comparison.md
    rows = json.loads((report.parent / "metrics.json").read_text(encoding="utf-8"))["rows"]
    npmi = [r["npmi"] for r in rows if r["name"] == "lda[k=4]"]
    summary = html[html.index('<section id="summary">'):html.index('<section id="compare-')]
    row = re.search(r"<tr><td>lda\[k=4\]</td>.*?</tr>", summary).group(0)
    cells = re.findall(r"<td[^>]*>(?:<strong>)?([^<]*)", row)
    assert cells[:3] == ["lda[k=4]", "LDA", str(len(npmi))]  # setting, model, seeds
    seeds = " ".join(f"{v:.3f}" for v in npmi)
    assert f"{statistics.mean(npmi):.3f} [{seeds}]" in cells
    assert "comparison.md" not in summary and "**" not in summary
    # the verdict opens the page: before the run's facts, every metric's sentence
    from markupsafe import escape

    entries = json.loads((report.parent / "verdict.json").read_text(encoding="utf-8"))["verdict"]
    opening = summary[:summary.index('<dl class="facts">')]
    assert entries and all(str(escape(e["sentence"])) in opening for e in entries)


def test_per_model_figures_use_the_best_setting_by_mean_npmi(report: Path) -> None:
    data = load_run(report.parent)
    rows = json.loads((report.parent / "metrics.json").read_text(encoding="utf-8"))["rows"]
    by_name: dict[str, list[float]] = {}
    for row in rows:
        if row["kind"] == "lda":
            by_name.setdefault(row["name"], []).append(row["npmi"])
    best_lda = max(by_name, key=lambda n: statistics.mean(by_name[n]))
    assert best_settings(data.metrics)["lda"] == best_lda
    html = report.read_text(encoding="utf-8")
    lda_map = html[html.index('<section id="lda-map">'):html.index('<section id="lda-words">')]
    assert f"Best LDA setting by mean NPMI: {best_lda}, seed 1" in lda_map


def test_theme_names_from_codebook_are_in_the_report(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    names = [t.name for t in load_codebook(CODEBOOK).themes]
    assert all(json.dumps(name)[1:-1] in html or name in html for name in names)


def test_classifier_run_report(classifier_report: Path) -> None:
    html = classifier_report.read_text(encoding="utf-8")
    assert SECTION_RE.findall(html) == CLASSIFIER_SECTIONS
    assert "Cross-validated classifiers" in html and "tfidf-stacked" in html
    assert "<th>core macro F1 (document folds)</th>" in html
    assert "<th>core macro F1 (paragraph folds)</th>" in html
    assert "tfidf-stacked (default)" in html
    assert "predicted labels" in html


def test_index_lists_both_runs_with_links(results: Path, report: Path,
                                          classifier_report: Path) -> None:
    index = write_index(results)
    html = index.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">report</a>', html)
    assert sorted(links) == sorted([
        topics_run(results).relative_to(results).as_posix() + "/report.html",
        classifier_run(results).relative_to(results).as_posix() + "/report.html"])
    assert all((results / link).is_file() for link in links)
    assert "LDA NPMI" in html and "BERTopic NPMI" in html and "macro F1" in html
    created = {link: json.loads((results / link).parent.joinpath("manifest.json").read_text(
        encoding="utf-8"))["created"] for link in links}
    assert links == sorted(links, key=lambda link: created[link], reverse=True)  # newest first


def test_index_generates_missing_reports(results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "results" / "viz-test" / "run"
    shutil.copytree(topics_run(results), copy)
    (copy / "report.html").unlink(missing_ok=True)
    (tmp_path / "results" / "broken" / ".20250101.partial").mkdir(parents=True)
    write_index(tmp_path / "results")
    assert (copy / "report.html").is_file()
    assert "partial" not in (tmp_path / "results" / "index.html").read_text(encoding="utf-8")


def test_report_survives_missing_files_and_degenerate_models(results: Path,
                                                            tmp_path: Path) -> None:
    """No paragraph map, term table, labels or comparison.md; BERTopic with one and zero topics.

    The report does not read comparison.md (its table comes from metrics.json), so it is not
    missed."""
    run = tmp_path / "run"
    shutil.copytree(topics_run(results), run)
    for name in ("embedding_map.csv", "lda_terms.json", "themes.jsonl", "comparison.md",
                 "report.html"):
        (run / name).unlink(missing_ok=True)
    topics = json.loads((run / "topics.json").read_text(encoding="utf-8"))
    for model in topics["models"]:
        if model["kind"] == "bertopic":
            model["topics"] = model["topics"][:1] if model["seed"] == 1 else []
    (run / "topics.json").write_text(json.dumps(topics, ensure_ascii=False), encoding="utf-8")
    html = write_report(run).read_text(encoding="utf-8")
    assert SECTION_RE.findall(html) == [
        "summary", "compare-metrics", "compare-overlap", "lda-topics", "lda-map", "lda-words",
        "lda-similarity", "bertopic-topics", "bertopic-map", "bertopic-words",
        "bertopic-similarity", "bertopic-hierarchy"]
    note = html[html.index('<div class="missing-files">'):]
    note = note[:note.index("</div>")]
    assert all(name in note for name in ("embedding_map.csv", "lda_terms.json", "themes.jsonl"))
    assert "comparison.md" not in note and "<th>setting</th>" in html
    with pytest.raises(InputError, match="no manifest.json"):
        load_run(tmp_path)


def test_classification_html_chips_legend_summary(results: Path) -> None:
    run = topics_run(results)
    themes = [{"id": t.id, "name": t.name} for t in load_codebook(CODEBOOK).themes]
    corpus = read_jsonl(run / "corpus.jsonl")[:40]
    labels = {r["id"]: r["labels"] for r in read_jsonl(run / "themes.jsonl")}
    records = [{"file": p["doc"] + ".txt", "index": p["position"], "text": p["text"],
                "themes": labels.get(p["id"], []),
                "scores": {t: 0.9 for t in labels.get(p["id"], [])}} for p in corpus]
    records.append({"file": "x.txt", "index": 0, "text": "<script>alert(1)</script>",
                    "themes": ["unknown-theme"], "scores": {}})
    files = sorted({r["file"] for r in records})
    summaries = [{"file": f, "paragraphs": sum(r["file"] == f for r in records),
                  "shares": {t["id"]: 0.5 for t in themes}} for f in files]
    html = render_classification_html(records, summaries, themes)
    assert html.startswith("<!DOCTYPE html>")
    assert all(t["name"] in html for t in themes)  # legend and table header
    assert html.count('class="para"') == len(records)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "unknown-theme" in html
    assert not re.search(r"(src|href)\s*=\s*\"https?://", html)


def test_browser_check_catches_errors_and_unrendered_figures(report: Path,
                                                             tmp_path: Path) -> None:
    """The checker itself can fail: a copy with a script error, a broken figure and a request
    for an outside image (blocked, and reported)."""
    chromium = chromium_or_skip()
    html = report.read_text(encoding="utf-8")
    first = html.index('<script type="application/json" id="fig-')
    end = html.index("</script>", first)
    outside = "https://example.org/pixel.png"
    broken = (html[:first] + '<script type="application/json" id="' +
              html[first:].split('id="', 1)[1].split('"', 1)[0] + '">{not json' +
              html[end:]).replace("</body>", f'<img src="{outside}"><script>'
                                  "throw new Error('boom')</script></body>")
    copy = tmp_path / "broken.html"
    copy.write_text(broken, encoding="utf-8")
    check = check_page(copy, chromium, timeout=60)
    assert any("boom" in e for e in check.errors)
    assert any(re.search(r"figure \S+ failed", e) for e in check.errors)
    assert check.unrendered
    assert check.external == [outside]
    assert f"blocked request: {outside}" in check.errors


def test_small_helpers() -> None:
    assert wrap("中" * 200).count("<br>") == 4 and wrap("中" * 200).endswith("…")
    assert wrap("<b>") == "&lt;b&gt;"
    assert mean_sd(0.5, 0.25) == "0.500 ± 0.250" and mean_sd(0.5) == "0.500"
    assert mean_sd(float("nan"), 0.1) == "–" and mean_sd(2.0, float("nan"), 1) == "2.0"
    page = render("base.html.j2", title="<t>")
    assert page.count("<style>") == 1 and "<title>&lt;t&gt;</title>" in page
    assert "Noto Sans CJK SC" in page  # the font list reaches the CSS


def test_comparison_table_groups_seeds_with_pandas() -> None:
    """Per setting: seeds counted, the mean over unflagged seeds and every seed's value (a
    flagged one marked and left out of the mean and the ranking), best NPMI first, winners
    bold, user text escaped by the template."""
    rows = [{"name": "a<b>", "kind": "lda", "seed": s, "n_topics": 4, "npmi": v,
             "fit_seconds": 1.0} for s, v in ((1, 0.1), (2, 0.3))]
    rows += [{"name": "b", "kind": "bertopic", "seed": s, "n_topics": n, "npmi": 0.4,
              "outlier_share": 0.2, "fit_seconds": 2.0} for s, n in ((1, 3), (2, 4))]
    rows += [{"name": "d", "kind": "lda", "seed": 1, "n_topics": 1, "npmi": 0.9,
              "fit_seconds": 3.0, "flags": ["collapsed"]},
             {"name": "d", "kind": "lda", "seed": 2, "n_topics": 4, "npmi": 0.05,
              "fit_seconds": 3.0, "flags": []}]
    rows.append({"name": "c", "kind": "lda", "seed": 1, "n_topics": 4, "npmi": "bad"})
    table = comparison_table(rows)
    assert [c.text for c in table.head] == ["setting", "model", "seeds", "topics", "NPMI ↑",
                                            "outlier share ↓", "fit seconds ↓"]
    text = [[c.text for c in row] for row in table.rows]
    assert text == [["b", "BERTopic", "2", "3.5 [3 4]", "0.400 [0.400 0.400]",
                     "0.200 [0.200 0.200]", "2.00 [2.00 2.00]"],
                    ["a<b>", "LDA", "2", "4 [4 4]", "0.200 [0.100 0.300]", "–",
                     "1.00 [1.00 1.00]"],
                    ["d", "LDA", "2", "4 [1† 4]", "0.050 [0.900† 0.050]", "–",
                     "3.00 [3.00† 3.00]"],
                    ["c", "LDA", "1", "4", "–", "–", "–"]]
    bold = [[c.strong for c in row][4:] for row in table.rows]
    assert bold == [[True, False, False], [False, False, True], [False, False, False],
                    [False, False, False]]
    html = render("summary.html.j2", facts=[], problems=[], models=[], comparison=table,
                  verdict=None, verdict_sentences=[], flagged=[],
                  classifiers=None, timings=[], versions=[], config_json="")
    assert "<td>a&lt;b&gt;</td>" in html and "<td>a<b>" not in html
    assert '<strong>0.400 [0.400 0.400]</strong></td>' in html
    cv = {"default": "m2", "themes": ["t1"], "select_by": "document", "baseline": "m1",
          "models": {
              "m1": {"macro_f1": 0.5, "macro_f1_std": 0.1, "core_macro_f1": 0.4,
                     "per_theme": {"t1": {"f1": 0.7}}, "paragraphs_per_second": 10,
                     "schemes": {"paragraph": {"core_macro_f1": 0.45,
                                               "core_macro_f1_std": 0.02}}},
              "m2": {"macro_f1": 0.6, "core_macro_f1": 0.6, "per_theme": {"t1": {"f1": 0.6}},
                     "vs_baseline": {"difference": 0.2, "low": 0.05, "high": 0.31}}}}
    table = classifier_table(cv, {"t1": "主题一"})
    assert [c.text for c in table.head] == [
        "model", "micro F1 (document folds)", "macro F1 (document folds)",
        "core macro F1 (document folds)", "core macro F1 (paragraph folds)",
        "core macro F1 − m1 (95% CI)", "主题一", "paragraphs/s"]
    assert [[c.text for c in row] for row in table.rows] == [
        ["m2 (default)", "–", "0.600", "0.600", "–", "+0.200 (+0.050 to +0.310)", "0.600", "–"],
        ["m1", "–", "0.500 ± 0.100", "0.400", "0.450 ± 0.020", "–", "0.700", "10"]]


def test_report_is_the_same_when_drawn_twice(results: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(topics_run(results), run)
    first = write_report(run).read_bytes()
    assert write_report(run).read_bytes() == first


def chromium_or_skip() -> str:
    chromium = find_chromium()
    if chromium is None:
        message = ("chromium not found: the browser test needs /usr/bin/chromium "
                   "(apt-get install chromium) or $CHROMIUM")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return chromium


def test_reports_render_in_headless_chromium_offline(report: Path, classifier_report: Path,
                                                     tmp_path: Path) -> None:
    """No page errors, no network, every figure drawn; one PNG per section of the report.

    The three browser jobs run side by side (each is one Chromium process).
    """
    chromium = chromium_or_skip()
    screenshots = tmp_path / "report-screenshots"
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=3) as pool:
        topics_job = pool.submit(check_page, report, chromium)
        shots_job = pool.submit(screenshot_sections, report, screenshots, chromium)
        classifier_job = pool.submit(check_page, classifier_report, chromium)
        check, (shots, load_seconds) = topics_job.result(), shots_job.result()
        classifier = classifier_job.result()
    assert check.errors == []
    assert check.external == []
    assert [f["section"] for f in check.figures] == [
        s for s in TOPIC_SECTIONS if s not in TABLE_SECTIONS]
    assert check.unrendered == []
    assert [p.name for p in shots] == [f"{i:02d}-{s}.png"
                                       for i, s in enumerate(TOPIC_SECTIONS, 1)]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
               for p in shots)
    heights = [struct.unpack(">II", p.read_bytes()[16:24])[1] for p in shots]  # PNG IHDR
    assert [abs(h - s["height"]) <= 2 for h, s in zip(heights, check.sections)] == [True] * len(
        shots), (heights, check.sections)  # each picture is its whole section
    assert classifier.errors == [] and classifier.external == []
    assert classifier.unrendered == []
    assert [f["section"] for f in classifier.figures] == CLASSIFIER_SECTIONS[1:]
    print(f"\nreport opened in {(check.load_ms or 0) / 1000:.2f} s, all figures drawn in "
          f"{(check.rendered_ms or 0) / 1000:.2f} s; screenshots: page loaded in "
          f"{load_seconds:.1f} s; browser test {time.perf_counter() - start:.1f} s")
