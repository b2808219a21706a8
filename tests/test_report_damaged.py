"""Reports and the index on damaged run folders: name the file, draw what is left, go on.

One tiny real run (one seed document, two LDA settings, one seed) is made per module; each test
damages its own copy.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from research.errors import InputError
from research.runner import load_experiment, run_experiment
from research.run_folder.load import load_run
from research.viz.index import write_index
from tests.conftest import ROOT
from research.viz.report import write_report
from tests.helpers import run_cli, tiny_topics_config

SECTION_RE = re.compile(r'<section id="([^"]+)">')
PER_MODEL = ["lda-map", "lda-words", "lda-similarity", "lda-relevance"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tiny")
    return run_experiment(load_experiment(tiny_topics_config(base)))


def copy_run(run: Path, target: Path) -> Path:
    shutil.copytree(run, target)
    (target / "report.html").unlink(missing_ok=True)
    return target


def missing_note(html: str) -> str:
    found = re.search(r'<div class="missing-files">(.*?)</div>', html, re.S)
    assert found, "no note on missing or unreadable files"
    return found.group(1)


def test_missing_metrics_keeps_per_model_figures_and_says_so(tiny_run: Path,
                                                             tmp_path: Path) -> None:
    run = copy_run(tiny_run, tmp_path / "run")
    (run / "metrics.json").unlink()
    html = write_report(run).read_text(encoding="utf-8")
    sections = SECTION_RE.findall(html)
    assert all(s in sections for s in PER_MODEL), sections
    assert "compare-metrics" not in sections
    note = missing_note(html)
    assert "metrics.json" in note and "missing" in note
    first = json.loads((run / "topics.json").read_text(encoding="utf-8"))["models"][0]["name"]
    lda_map = html[html.index('<section id="lda-map">'):html.index('<section id="lda-words">')]
    assert f"First LDA setting in topics.json: {first}" in lda_map
    assert "by mean NPMI" not in lda_map


def test_complete_run_has_no_missing_files_note(tiny_run: Path) -> None:
    html = (tiny_run / "report.html").read_text(encoding="utf-8")
    assert '<div class="missing-files">' not in html
    assert all(s in SECTION_RE.findall(html) for s in ["compare-metrics", *PER_MODEL])


def drop_kind(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["models"][1]["kind"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def truncate(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8")[:300], encoding="utf-8")


def drop_metric_name(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["rows"][0]["name"]
    path.write_text(json.dumps(data), encoding="utf-8")


def bad_assignment(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[-1] = "three"
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def terms_as_list(path: Path) -> None:
    path.write_text('{"models": []}', encoding="utf-8")


def bad_corpus_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:20]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("name", "damage", "reason"), [
    ("topics.json", truncate, r"not valid JSON \(line \d+, column \d+\)"),
    ("topics.json", drop_kind, r"missing key 'kind' in models\[1\]"),
    ("metrics.json", drop_metric_name, r"missing key 'name' in rows\[0\]"),
    ("assignments.csv", bad_assignment, r"line 3, column .*not a whole number"),
    ("lda_terms.json", terms_as_list, r"'models' is not an object"),
    ("corpus.jsonl", bad_corpus_line, r"line 5 is not valid JSON"),
])
def test_damaged_file_is_named_and_the_rest_is_drawn(tiny_run: Path, tmp_path: Path, name: str,
                                                     damage, reason: str) -> None:
    run = copy_run(tiny_run, tmp_path / "run")
    damage(run / name)
    data = load_run(run)
    assert re.search(reason, data.problems[name]), data.problems
    assert set(data.problems) == {name}
    html = write_report(run).read_text(encoding="utf-8")
    note = missing_note(html)
    assert name in note and "unreadable" in note
    assert "summary" in SECTION_RE.findall(html)


def test_cli_report_names_the_damaged_file_and_still_draws(tiny_run: Path,
                                                           tmp_path: Path) -> None:
    run = copy_run(tiny_run, tmp_path / "run")
    drop_kind(run / "topics.json")
    done = run_cli("report", str(run))
    assert done.returncode == 1, done.stderr
    assert (run / "report.html").is_file()
    warning = [line for line in done.stderr.splitlines() if "topics.json" in line]
    assert len(warning) == 1 and str(run / "topics.json") in warning[0]
    assert "missing key 'kind' in models[1]" in warning[0] and "unexpected" not in done.stderr


def test_corrupt_manifest_is_one_line_naming_it(tiny_run: Path, tmp_path: Path) -> None:
    run = copy_run(tiny_run, tmp_path / "run")
    truncate(run / "manifest.json")
    with pytest.raises(InputError) as caught:
        load_run(run)
    assert caught.value.path == str(run / "manifest.json")
    assert re.fullmatch(r"not valid JSON \(line \d+, column \d+\)", caught.value.reason)
    done = run_cli("report", str(run))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(run / "manifest.json") in lines[0]
    assert "not valid JSON (line" in lines[0] and "unexpected" not in lines[0]


def test_index_lists_broken_runs_and_goes_on(tiny_run: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    good = copy_run(tiny_run, results / "tiny" / "20250101-000001")
    bad_manifest = copy_run(tiny_run, results / "tiny" / "20250101-000002")
    truncate(bad_manifest / "manifest.json")
    bad_metrics = copy_run(tiny_run, results / "tiny" / "20250101-000003")
    truncate(bad_metrics / "metrics.json")
    not_json = results / "other" / "20250101-000004"
    not_json.mkdir(parents=True)
    (not_json / "manifest.json").write_text("[1, 2]", encoding="utf-8")
    index = write_index(results)
    html = index.read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    assert len(rows) == 4, rows
    by_folder = {re.search(r"<code>([^<]+)</code>", r).group(1): r for r in rows}
    assert set(by_folder) == {p.relative_to(results).as_posix()
                              for p in (good, bad_manifest, bad_metrics, not_json)}
    assert (good / "report.html").is_file()
    assert "report.html" in by_folder[good.relative_to(results).as_posix()]
    broken = by_folder[bad_manifest.relative_to(results).as_posix()]
    assert "unreadable" in broken and "manifest.json" in broken and "not valid JSON" in broken
    assert "report.html" not in broken
    assert "manifest.json" in by_folder[not_json.relative_to(results).as_posix()]
    metrics_row = by_folder[bad_metrics.relative_to(results).as_posix()]
    assert "metrics.json" in metrics_row and (bad_metrics / "report.html").is_file()
    done = run_cli("report", "--index", str(results))
    assert done.returncode == 0, done.stderr


def test_a_copied_run_redraws_the_same_report_without_the_checkout(tmp_path: Path) -> None:
    """The codebook travels in the run: deleting the one it was made with, and copying the run
    elsewhere, changes nothing on the page (the checkout's configs/ would give other names)."""
    import shutil

    import yaml

    from research.runner import load_experiment, run_experiment
    from research.viz.report import write_report
    from tests.helpers import tiny_topics_config

    codebook = yaml.safe_load((ROOT / "configs/themes.yaml").read_text(encoding="utf-8"))
    for theme in codebook["themes"]:
        theme["name"] = f"{theme['name']}（本次研究）"
    themes = tmp_path / "my_themes.yaml"
    themes.write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    config = tiny_topics_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace(
        f"themes: {ROOT / 'configs' / 'themes.yaml'}",
        f"themes: {themes}\nlabels: {ROOT / 'seeds/labels/labels.jsonl'}"), encoding="utf-8")
    run = run_experiment(load_experiment(config))
    original = (run / "report.html").read_text(encoding="utf-8")
    marker = json.dumps("（本次研究）")[1:-1]  # as it stands in the figures' JSON
    assert marker in original
    themes.unlink()
    elsewhere = tmp_path / "other-machine" / run.parent.name / run.name
    shutil.copytree(run, elsewhere)
    (elsewhere / "report.html").unlink()
    assert write_report(elsewhere).read_text(encoding="utf-8") == original
