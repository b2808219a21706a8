"""Theme prevalence by metadata groups: cluster-bootstrap intervals and a GEE regression."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from research.prevalence import prevalence_table, regression_table
from tests.helpers import ROOT, run_cli


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
