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
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from research.experiments import load_experiment, run_experiment
from research.themes.codebook import load_codebook
from research.viz.browser import check_page, find_chromium, screenshot_sections
from research.viz.classify_html import render_classification_html
from research.viz.load import best_settings, load_run, read_jsonl
from research.viz.report import markdown_to_html, write_index, write_report
from research.viz.style import page, wrap

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "configs" / "themes.yaml"
TOPIC_SECTIONS = ["summary", "compare-metrics", "compare-overlap", "lda-map", "lda-words",
                  "lda-similarity", "lda-relevance", "bertopic-map", "bertopic-words",
                  "bertopic-similarity", "bertopic-hierarchy", "bertopic-paragraphs",
                  "themes-docs", "themes-subdocs", "themes-topics"]
CLASSIFIER_SECTIONS = ["summary", "themes-docs", "themes-subdocs", "themes-cv"]
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
    make_classifier_run(topics_run(root), root / "classifier" / "20250101-000000")
    return root


def topics_run(results: Path) -> Path:
    return next((results / "viz-test").glob("2*"))


def classifier_run(results: Path) -> Path:
    return results / "classifier" / "20250101-000000"


def _prf(gold: set[str], pred: set[str], ids: list[str]) -> tuple[float, float, float]:
    tp = sum(1 for i in ids if i in gold and i in pred)
    p = tp / max(1, sum(1 for i in ids if i in pred))
    r = tp / max(1, sum(1 for i in ids if i in gold))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def make_classifier_run(source: Path, target: Path) -> None:
    """A classifier run folder from real data: codebook keyword matching scored on 5 folds."""
    target.mkdir(parents=True)
    corpus = read_jsonl(source / "corpus.jsonl")
    gold = {row["id"]: row["labels"] for row in read_jsonl(source / "themes.jsonl")}
    keywords = load_codebook(CODEBOOK).keywords()
    models: dict[str, dict] = {}
    predictions: dict[str, list[str]] = {}
    for name, need in (("keywords-1", 1), ("keywords-2", 2)):
        pred = {p["id"]: [t for t, words in keywords.items()
                          if sum(w in p["text"] for w in words) >= need] for p in corpus}
        if need == 1:
            predictions = pred
        folds = [[p["id"] for i, p in enumerate(corpus) if i % 5 == f and p["id"] in gold]
                 for f in range(5)]
        per_theme, micro, macro = {}, [], []
        for theme in keywords:
            g = {i for i, labels in gold.items() if theme in labels}
            q = {i for i, labels in pred.items() if theme in labels}
            scores = [_prf(g, q, fold) for fold in folds]
            per_theme[theme] = {m: statistics.mean(s[k] for s in scores)
                                for k, m in enumerate(("precision", "recall", "f1"))}
            per_theme[theme].update({f"{m}_std": statistics.stdev(s[k] for s in scores)
                                     for k, m in enumerate(("precision", "recall", "f1"))})
        for fold in folds:
            macro.append(statistics.mean(_prf({i for i, ls in gold.items() if t in ls},
                                              {i for i, ls in pred.items() if t in ls},
                                              fold)[2] for t in keywords))
            pairs_g = {(i, t) for i in fold for t in gold[i]}
            pairs_p = {(i, t) for i in fold for t in pred[i]}
            tp = len(pairs_g & pairs_p)
            micro.append(2 * tp / max(1, len(pairs_g) + len(pairs_p)))
        models[name] = {"per_theme": per_theme,
                        "micro_f1": statistics.mean(micro), "micro_f1_std": statistics.stdev(micro),
                        "macro_f1": statistics.mean(macro), "macro_f1_std": statistics.stdev(macro)}
    (target / "cv_scores.json").write_text(json.dumps(
        {"default": "keywords-1", "models": models}, ensure_ascii=False), encoding="utf-8")
    shutil.copy(source / "corpus.jsonl", target / "corpus.jsonl")
    (target / "themes.jsonl").write_text("".join(
        json.dumps({"id": pid, "labels": labels, "source": "predicted"}, ensure_ascii=False)
        + "\n" for pid, labels in predictions.items()), encoding="utf-8")
    (target / "manifest.json").write_text(json.dumps({
        "created": "2025-01-01T00:00:00+00:00", "kind": "classifier",
        "config": {"kind": "classifier", "name": "classifier", "themes": str(CODEBOOK)},
        "paragraphs": len(corpus), "timings_seconds": {"cv": 0.1}}), encoding="utf-8")


@pytest.fixture(scope="module")
def report(results: Path) -> Path:
    return write_report(topics_run(results))


@pytest.fixture(scope="module")
def classifier_report(results: Path) -> Path:
    return write_report(classifier_run(results))


def test_report_has_every_section_with_heading_and_explanation(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert SECTION_RE.findall(html) == TOPIC_SECTIONS
    assert html.count('<div class="figure">') == len(TOPIC_SECTIONS) - 1  # all but the summary
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
    assert "<strong>" in html  # the comparison's winners, from markdown bold
    assert "tomotopy" in html and "fit_bertopic" in html  # versions and timings


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
    assert "Cross-validated classifiers" in html and "keywords-2" in html
    assert "predicted labels" in html


def test_index_lists_both_runs_with_links(results: Path, report: Path,
                                          classifier_report: Path) -> None:
    index = write_index(results)
    html = index.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">report</a>', html)
    assert sorted(links) == sorted([
        topics_run(results).relative_to(results).as_posix() + "/report.html",
        "classifier/20250101-000000/report.html"])
    assert all((results / link).is_file() for link in links)
    assert "LDA NPMI" in html and "BERTopic NPMI" in html and "macro F1" in html
    assert html.index("viz-test") < html.index("classifier/")  # newest first


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
    """No paragraph map, term table, labels or comparison; BERTopic with one and zero topics."""
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
        "summary", "compare-metrics", "compare-overlap", "lda-map", "lda-words",
        "lda-similarity", "bertopic-map", "bertopic-words", "bertopic-similarity",
        "bertopic-hierarchy"]
    with pytest.raises(FileNotFoundError):
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


def test_small_helpers() -> None:
    assert wrap("中" * 200).count("<br>") == 4 and wrap("中" * 200).endswith("…")
    assert wrap("<b>") == "&lt;b&gt;"
    table = markdown_to_html("| a | b |\n|---|---|\n| <x> | 1.5 ± 0.1 |\n\n- **win** x\n")
    assert "<th>a</th>" in table and "&lt;x&gt;" in table and '<td class="num">' in table
    assert "<li><strong>win</strong> x</li>" in table
    assert page("t", "<p>b</p>").count("<style>") == 1


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
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=3) as pool:
        topics_job = pool.submit(check_page, report, chromium, workdir=tmp_path)
        shots_job = pool.submit(screenshot_sections, report, tmp_path / "shots", chromium)
        classifier_job = pool.submit(check_page, classifier_report, chromium)
        check, (shots, load_seconds) = topics_job.result(), shots_job.result()
        classifier = classifier_job.result()
    assert check.errors == []
    assert check.external == []
    assert [f["section"] for f in check.figures] == TOPIC_SECTIONS[1:]
    assert check.unrendered == []
    assert [p.name for p in shots] == [f"{i:02d}-{s}.png"
                                       for i, s in enumerate(TOPIC_SECTIONS, 1)]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
               for p in shots)
    assert classifier.errors == [] and classifier.external == []
    assert classifier.unrendered == []
    assert [f["section"] for f in classifier.figures] == CLASSIFIER_SECTIONS[1:]
    print(f"\nreport load: {check.wall_seconds:.1f} s (dump-dom wall clock), load event "
          f"{(check.load_ms or 0) / 1000:.1f} s; screenshots: page loaded in "
          f"{load_seconds:.1f} s; browser test {time.perf_counter() - start:.1f} s")
