"""Theme prevalence by metadata groups: cluster-bootstrap intervals and a GEE regression."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research.prevalence import prevalence_table, regression_table
from research.themes.codebook import load_codebook
from tests.conftest import seed_file
from tests.helpers import ROOT, run_cli

THEMES = load_codebook(ROOT / "configs/themes.yaml").ids


def test_interval_over_reports_is_wider_than_over_paragraphs_when_reports_differ() -> None:
    """Two reports all-funding, two with none: 50% of paragraphs, but a report-level draw can
    give 0% or 100%; treating the 40 paragraphs as independent would claim far more certainty."""
    frame = pd.DataFrame({"cluster": np.repeat(["a", "b", "c", "d"], 10),
                          "funding": [1] * 20 + [0] * 20, "group": "g"})
    row = prevalence_table(frame, ["funding"], "group").iloc[0]
    assert row.share == 0.5 and row.reports == 4 and row.interval == "reports"
    assert row.low <= 0.25 and row.high >= 0.75
    single = prevalence_table(frame.assign(cluster="a"), ["funding"], "group").iloc[0]
    assert single.interval == "paragraphs" and 0.3 < single.low < 0.5 < single.high < 0.7


def test_regression_recovers_a_group_difference_with_clusters() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for report in range(40):
        group = "high" if report % 2 else "low"
        p = 0.7 if group == "high" else 0.2
        rows += [{"cluster": report, "g": group, "funding": rng.random() < p}
                 for _ in range(15)]
    table = regression_table(pd.DataFrame(rows), ["funding"], ["g"])
    term = table[table.term == "g_low"].iloc[0]
    assert term.high < 0 and term.note == ""  # 'low' has lower log-odds than 'high'


def test_classify_by_province_writes_shares_with_intervals(tmp_path: Path) -> None:
    out = tmp_path / "tags.csv"
    done = run_cli("classify", str(ROOT / "seeds" / "raw"), "--metadata",
                   str(ROOT / "seeds" / "metadata.csv"), "--by", "province", "--format", "csv",
                   "--out", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, ))
    assert {r["county"] for r in rows if r["title"] == "石家庄市井陉县人民政府经验材料"} == {"井陉县"}
    shares = pd.read_csv(tmp_path / "tags.prevalence.csv")
    hebei = shares[(shares.province == "河北省") & (shares.outcome == "funding")].iloc[0]
    assert hebei.reports == 4 and hebei.interval == "reports"
    assert hebei.low <= hebei.share <= hebei.high
    share = np.mean(["funding" in r["themes"].split(";") for r in rows
                     if r["province"] == "河北省"])
    assert abs(hebei.share - share) < 1e-9
    assert (tmp_path / "tags.regression.csv").is_file()
    assert "河北省" in done.stdout


def test_by_needs_a_metadata_column(tmp_path: Path) -> None:
    done = run_cli("classify", str(ROOT / "seeds" / "raw" / "001_66dba3fe41c02c7c.txt"),
                   "--by", "county")
    assert done.returncode != 0 and "--by county: needs --metadata FILE" in done.stderr
    done = run_cli("classify", str(ROOT / "seeds" / "raw"), "--metadata",
                   str(ROOT / "seeds" / "metadata.csv"), "--by", "district")
    assert done.returncode != 0 and "not a column of" in done.stderr


# --- without reused text, and the HTML figure ------------------------------------------------

def seed_lines(prefix: str, *numbers: int) -> str:
    """Lines of a seed report (1-based), joined into one paragraph."""
    lines = seed_file(prefix).read_text(encoding="utf-8").splitlines()
    return "".join(lines[n - 1].strip() for n in numbers)


#: A seed paragraph that report b copies whole from report a (a multi-sentence paragraph of 002)
COPIED = seed_lines("002", 18)
#: One sentence of report a's other paragraph, which report b quotes inside its own paragraph
QUOTED = "义务教育均衡发展是实现教育公平的重要方法,关系着国民素质的整体提高。"


@pytest.fixture(scope="module")
def reuse_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three short reports from seed text: b copies a paragraph of a whole (reused) and quotes
    one sentence of a inside a paragraph of its own (under half of it: not reused); c shares
    nothing. a is in 甘肃省 alone (one report), b and c in 河北省; and the metadata CSV."""
    folder = tmp_path_factory.mktemp("reuse") / "reports"
    folder.mkdir()
    reports = {
        "a_huixian": ["徽县推进义务教育均衡发展情况汇报", seed_lines("002", 12), COPIED,
                      seed_lines("002", 20), seed_lines("002", 22)],
        "b_jingxing": ["井陉县促进城乡教育均衡发展工作汇报", seed_lines("004", 9, 11, 13),
                       seed_lines("004", 17, 19), COPIED,
                       seed_lines("004", 23, 25, 27) + QUOTED],
        "c_qiaoxi": ["桥西区城乡教育一体化经验材料", seed_lines("004", 29, 33),
                     seed_lines("004", 35), seed_lines("004", 39, 41)],
    }
    assert QUOTED in reports["a_huixian"][1]
    for name, paragraphs in reports.items():
        (folder / f"{name}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    metadata = folder.parent / "meta.csv"
    metadata.write_text("file,province,county\na_huixian,甘肃省,徽县\nb_jingxing,河北省,井陉县\n"
                        "c_qiaoxi,河北省,桥西区\n", encoding="utf-8")
    return folder, metadata


def test_without_reused_leaves_out_exactly_the_paragraphs_flagged_reused(
        tmp_path: Path, reuse_folder: tuple[Path, Path]) -> None:
    folder, metadata = reuse_folder
    out = tmp_path / "tags.jsonl"
    done = run_cli("classify", str(folder), "--metadata", str(metadata), "--by", "province",
                   "--without-reused", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(isinstance(r["reused"], bool) for r in rows)
    # the copy in b is reused; the first copy (a) stays, and b's paragraph that only quotes a
    # sentence of a (under half of its text) is not reused
    assert [(r["doc"], r["text"]) for r in rows if r["reused"]] == [("b_jingxing", COPIED)]
    assert [r["doc"] for r in rows if r["text"] == COPIED] == ["a_huixian", "b_jingxing"]
    assert any(QUOTED in r["text"] and not r["reused"] for r in rows if r["doc"] == "b_jingxing")

    every = pd.read_csv(tmp_path / "tags.prevalence.csv")
    without = pd.read_csv(tmp_path / "tags.prevalence-without-reused.csv")
    assert (tmp_path / "tags.regression-without-reused.csv").is_file()
    assert len(every) == len(without) == 2 * len(THEMES)
    for (province, theme), row in without.set_index(["province", "outcome"]).iterrows():
        group = [r for r in rows if r["province"] == province]
        kept = [r for r in group if not r["reused"]]
        before = every[(every.province == province) & (every.outcome == theme)].iloc[0]
        assert before.paragraphs == len(group)
        assert row.paragraphs == len(kept) == before.paragraphs - sum(r["reused"] for r in group)
        assert row.share == pytest.approx(np.mean([theme in r["themes"] for r in kept]))
        assert row.reports == before.reports and row.low <= row.share <= row.high
    assert "Themes by province, all paragraphs" in done.stdout
    assert (f"Themes by province, without reused text (1 of {len(rows)} paragraphs left out"
            in done.stdout)


def figure_points(page: str) -> dict[tuple[str, str, str], dict]:
    """Every point of the page's prevalence figures, by (figure id, group, outcome), from the
    plotly JSON the page embeds: x, the interval the error bar spans, marker and axis label."""
    points = {}
    specs = re.findall(r'<script type="application/json" id="fig-(prevalence-\d+)">(.*?)</script>',
                       page, flags=re.S)
    assert specs
    for figure, spec in specs:
        for trace in json.loads(spec)["data"]:
            for k, custom in enumerate(trace.get("customdata") or []):
                x, error = trace["x"][k], trace["error_x"]
                points[figure, custom[0], custom[1]] = {
                    "share": x, "low": x - error["arrayminus"][k], "high": x + error["array"][k],
                    "label": trace["y"][k], "symbol": trace["marker"]["symbol"],
                    "interval": custom[7]}
    return points


def test_html_page_draws_each_group_with_its_interval_from_the_written_table(
        tmp_path: Path, reuse_folder: tuple[Path, Path]) -> None:
    folder, metadata = reuse_folder
    out = tmp_path / "page.html"
    done = run_cli("classify", str(folder), "--metadata", str(metadata), "--by", "province",
                   "--without-reused", "--format", "html", "--out", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script src" not in page and "Plotly.newPlot" in page  # plotly.js inline, offline
    points = figure_points(page)
    for figure, written in (("prevalence-1", "page.prevalence.csv"),
                            ("prevalence-2", "page.prevalence-without-reused.csv")):
        table = pd.read_csv(tmp_path / written)
        assert {k[1:] for k in points if k[0] == figure} == set(
            zip(table.province, table.outcome))
        for row in table.itertuples():
            point = points[figure, row.province, row.outcome]
            assert point["share"] == pytest.approx(row.share, abs=1e-12)
            assert point["low"] == pytest.approx(row.low, abs=1e-12)
            assert point["high"] == pytest.approx(row.high, abs=1e-12)
            assert point["low"] <= point["share"] <= point["high"]
            assert point["interval"] == row.interval
            single = row.interval == "paragraphs"
            assert point["label"] == row.province + (" *" if single else "")
            assert point["symbol"] == ("diamond-open" if single else "circle")
    assert {(k[1], p["interval"]) for k, p in points.items()} == {
        ("甘肃省", "paragraphs"), ("河北省", "reports")}
    assert page.count('class="reused"') == 1  # b's copy is marked in the paragraph list


def test_without_reused_needs_by(tmp_path: Path, reuse_folder: tuple[Path, Path]) -> None:
    folder, metadata = reuse_folder
    out = tmp_path / "tags.jsonl"
    done = run_cli("classify", str(folder), "--metadata", str(metadata), "--without-reused",
                   "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: --without-reused: needs --by COLUMN (it leaves reused paragraphs out of the "
        "prevalence table by group)"]
    assert list(tmp_path.iterdir()) == []


def test_prevalence_figure_keeps_the_largest_groups_and_says_so() -> None:
    from research.viz.figures_prevalence import MAX_GROUPS, prevalence_figure

    frame = pd.DataFrame({"cluster": np.arange(2 * (MAX_GROUPS + 5)),
                          "county": np.repeat([f"县{k:02d}" for k in range(MAX_GROUPS + 5)], 2),
                          "funding": np.tile([1, 0], MAX_GROUPS + 5)})
    frame = pd.concat([frame, frame.head(2).assign(cluster=-1)])  # 县00: the largest group
    figure = prevalence_figure(prevalence_table(frame, ["funding"], "county", resamples=50),
                               "Themes by county", {"funding": "经费投入与保障"})
    groups = {c[0] for trace in figure.data for c in (trace.customdata or [])}
    assert len(groups) == MAX_GROUPS and "县00" in groups
    assert f"the {MAX_GROUPS} largest of {MAX_GROUPS + 5} groups" in figure.layout.title.text
    assert figure.layout.annotations[0].text == "经费投入与保障"
    empty = prevalence_figure(prevalence_table(frame.head(0), ["funding"], "county"), "t")
    assert "no groups" in empty.layout.annotations[0].text
