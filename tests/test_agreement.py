"""Agreement per theme: kappa and alpha against hand computations and a published example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from research.cli import app
from research.corpus.records import dump_jsonl, paragraph_id
from research.themes.agreement import agreement, cohen_kappa, krippendorff_alpha_binary
from tests.conftest import ROOT

THEMES_FILE = ROOT / "configs" / "themes.yaml"

# Ten paragraphs, one theme (1 = the theme applies):
#   A: 1 1 1 1 0 0 0 0 0 0      B: 1 1 1 0 1 0 0 0 0 0
# Both 1 on items 1-3, both 0 on items 6-10, A alone on item 4, B alone on item 5.
# Kappa: p_o = 8/10 = 0.8; each pass has 4 positives, so p_e = 0.4*0.4 + 0.6*0.6 = 0.52;
#        kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 0.58333.
# Alpha (nominal, coincidence matrix): n = 20 values, n1 = 4 + 4 = 8, n0 = 12; each of the
#        2 disagreeing items puts 1 in o_01 and 1 in o_10, so D_o = 4/20 = 0.2 and
#        D_e = 2 * 12 * 8 / (20 * 19) = 192/380 = 0.505263; alpha = 1 - 0.2/0.505263
#        = 1 - 38/96 = 0.604167.
# F1 of B against A: TP 3, FP 1 (item 5), FN 1 (item 4): P = R = 0.75, F1 = 0.75.
A = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
B = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]


def test_hand_computed_kappa_and_alpha() -> None:
    assert cohen_kappa(A, B) == pytest.approx(0.28 / 0.48)
    assert krippendorff_alpha_binary(A, B) == pytest.approx(1 - 38 / 96)


def test_krippendorffs_own_binary_example() -> None:
    # Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section A: binary
    # data, two observers, no missing data; reported alpha = 0.095.
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_binary(first, second) == pytest.approx(0.095, abs=5e-4)


def test_undefined_when_nothing_varies() -> None:
    assert cohen_kappa([0] * 5, [0] * 5) is None
    assert cohen_kappa([1] * 5, [1] * 5) is None
    assert krippendorff_alpha_binary([1] * 5, [1] * 5) is None
    assert krippendorff_alpha_binary([], []) is None
    assert krippendorff_alpha_binary([1, 1], [0, 0]) == pytest.approx(1 - 3 * 2 / (2 * 2))


def passes() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The ten-item case on 'funding', with 'staffing' on item 1 in both passes."""
    first = {f"p{i}": (["funding"] if a else []) for i, a in enumerate(A)}
    second = {f"p{i}": (["funding"] if b else []) for i, b in enumerate(B)}
    first["p0"] = second["p0"] = ["funding", "staffing"]
    return first, second


def test_agreement_per_theme_matches_the_hand_computed_case() -> None:
    first, second = passes()
    full = agreement(first, second, ["funding", "staffing", "equity"])
    assert full["paragraphs"] == 10 and full["exact_match"] == 8
    assert full["per_theme"]["funding"] == {"positives_first": 4, "positives_second": 4,
                                            "kappa": 0.583, "alpha": 0.604, "f1": 0.75}
    assert full["per_theme"]["staffing"] == {"positives_first": 1, "positives_second": 1,
                                             "kappa": 1.0, "alpha": 1.0, "f1": 1.0}
    assert full["per_theme"]["equity"]["kappa"] is None
    assert full["per_theme"]["equity"]["alpha"] is None


def write_labels(path: Path, labels: dict[str, list[str]], skip: set[str] = frozenset()) -> None:
    rows = []
    for key, themes in labels.items():
        text = f"第{key}段:义务教育均衡发展。"
        row = {"id": paragraph_id(text), "text": text, "labels": themes}
        if key in skip:
            row.update(labels=None, skipped=True)
        rows.append(row)
    path.write_text(dump_jsonl(rows), encoding="utf-8")


def test_the_command_prints_and_writes_the_numbers(tmp_path: Path) -> None:
    first, second = passes()
    first["extra"] = ["quality"]
    a, b, report = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "agreement.json"
    write_labels(a, first)
    write_labels(b, {**second, "p9": ["equity"]}, skip={"p9"})  # a skip is not a label
    done = CliRunner().invoke(app, ["agreement", str(a), str(b), "--themes", str(THEMES_FILE),
                                    "--json", str(report)])
    assert done.exit_code == 0, done.output
    funding_line = next(line for line in done.output.splitlines() if "funding" in line)
    cells = [cell.strip() for cell in funding_line.split("│") if cell.strip()]
    assert cells == ["funding", "4", "4", "0.550", "0.575", "0.750"]  # computed below
    assert "alpha" in done.output and "kappa" in done.output
    numbers = json.loads(report.read_text(encoding="utf-8"))
    assert numbers["paragraphs"] == 9 and numbers["only_first"] == 2
    funding = numbers["per_theme"]["funding"]
    # without item 10 (both 0): p_o = 7/9, p_e = (4*4 + 5*5)/81, n = 18, n1 = 8, n0 = 10
    assert funding["kappa"] == round((7 / 9 - 41 / 81) / (1 - 41 / 81), 3)
    assert funding["alpha"] == round(1 - 17 * 2 / (10 * 8), 3)


def test_no_shared_paragraph_is_one_error_line(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_labels(a, {"x": ["funding"]})
    write_labels(b, {"y": ["funding"]})
    done = CliRunner().invoke(app, ["agreement", str(a), str(b), "--themes", str(THEMES_FILE)])
    assert done.exit_code == 2
    assert done.stderr.strip() == f"error: {b}: shares no labeled paragraph with {a}"
