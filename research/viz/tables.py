"""The summary tables of a report, from the run's data (no Markdown): settings from metrics.json,
classifiers from cv_scores.json. Each is a :class:`Table` of plain cells the templates lay out
(research/viz/templates/macros.html.j2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from research.viz.figures_compare import KIND_TITLE
from research.metrics.summary import finite, setting_summary

#: Comparison columns: metrics.json key, heading, decimals, True/False when higher/lower is
#: better (the best value of the column is bold), None when not ranked.
TOPIC_METRICS: list[tuple[str, str, int, bool | None]] = [
    ("n_topics", "topics", 1, None), ("npmi", "NPMI", 3, True), ("c_v", "C_V", 3, True),
    ("diversity", "diversity", 3, True), ("stability_words", "stability (words)", 3, True),
    ("stability_ari", "stability (ARI)", 3, True), ("outlier_share", "outlier share", 3, False),
    ("perplexity", "perplexity", 1, None), ("label_nmi", "label NMI", 3, True),
    ("fit_seconds", "fit seconds", 2, False)]
CLASSIFIER_METRICS: list[tuple[str, str]] = [
    ("micro_f1", "micro F1"), ("macro_f1", "macro F1"), ("core_macro_f1", "core macro F1")]
ARROW = {True: " ↑", False: " ↓", None: ""}


@dataclass
class Cell:
    text: str
    num: bool = False
    strong: bool = False
    title: str = ""


@dataclass
class Table:
    head: list[Cell]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


def mean_sd(mean: Any, sd: Any = None, digits: int = 3) -> str:
    """``0.123 ± 0.004``; the mean alone without a finite sd; ``–`` without a mean."""
    mean, sd = finite(mean), finite(sd)
    if mean is None:
        return "–"
    return f"{mean:.{digits}f}" + ("" if sd is None else f" ± {sd:.{digits}f}")


def _count(mean: float, sd: float) -> str:
    """Topics found: a whole number when every seed found the same number."""
    if not math.isnan(mean) and mean.is_integer() and (math.isnan(sd) or sd == 0):
        return str(int(mean))
    return mean_sd(mean, sd, 1)


def _best(values: pd.Series, higher: bool | None) -> set[Any]:
    """Index labels holding the column's best value (none when fewer than two are measured)."""
    values = values.dropna()
    if higher is None or len(values) < 2:
        return set()
    best = values.max() if higher else values.min()
    return set(values.index[values == best])


def comparison_table(rows: list[dict[str, Any]]) -> Table | None:
    """One row per setting, best mean NPMI first: model, seeds, and mean ± sd over seeds of each
    metric some row has; the best setting on each ranked metric in bold."""
    present = [m for m in TOPIC_METRICS if any(m[0] in r for r in rows)]
    if not rows or not present:
        return None
    summary = setting_summary(rows, [key for key, *_ in present])
    if ("npmi", "mean") in summary:
        summary = summary.sort_values(("npmi", "mean"), ascending=False, na_position="last",
                                      kind="stable")
    head = [Cell("setting"), Cell("model"), Cell("seeds")]
    head += [Cell(label + ARROW[higher], title=key) for key, label, _, higher in present]
    best = {key: _best(summary[(key, "mean")], higher) for key, _, _, higher in present}
    table = Table(head, note=(
        "Mean ± one standard deviation over the random seeds of each setting (one seed: its "
        "value), best mean NPMI first; bold: the best setting on each metric (↑ higher is "
        "better, ↓ lower is better)."))
    for name, setting in summary.iterrows():
        kind = str(setting[("kind", "")])
        row = [Cell(str(name)), Cell(KIND_TITLE.get(kind, kind)),
               Cell(str(setting[("seeds", "")]), num=True)]
        for key, _, digits, _ in present:
            mean, sd = setting[(key, "mean")], setting[(key, "sd")]
            text = _count(mean, sd) if key == "n_topics" else mean_sd(mean, sd, digits)
            row.append(Cell(text, num=True, strong=name in best[key]))
        table.rows.append(row)
    return table


def classifier_table(cv_scores: dict[str, Any], theme_names: dict[str, str]) -> Table | None:
    """One row per candidate model, best core macro F1 first: mean ± sd over folds of micro,
    macro and core macro F1, mean F1 per theme, paragraphs per second; the best value of each
    column in bold."""
    models = {str(name): s for name, s in (cv_scores.get("models") or {}).items()}
    if not models:
        return None
    themes = [str(t) for t in cv_scores.get("themes") or []] or list(dict.fromkeys(
        str(t) for s in models.values() for t in (s.get("per_theme") or {})))
    columns = {key: [finite(s.get(key)) for s in models.values()]
               for metric, _ in CLASSIFIER_METRICS for key in (metric, f"{metric}_std")}
    for theme in themes:
        columns[f"theme:{theme}"] = [finite(((s.get("per_theme") or {}).get(theme) or {})
                                            .get("f1")) for s in models.values()]
    columns["speed"] = [finite(s.get("paragraphs_per_second")) for s in models.values()]
    frame = pd.DataFrame(columns, index=list(models), dtype=float)
    frame = frame.sort_values(["core_macro_f1", "macro_f1"], ascending=False,
                              na_position="last", kind="stable")
    default = str(cv_scores.get("default"))
    head = [Cell("model")] + [Cell(label) for _, label in CLASSIFIER_METRICS]
    head += [Cell(theme_names.get(t, t), title=f"{t}: F1") for t in themes]
    head.append(Cell("paragraphs/s"))
    ranked = [m for m, _ in CLASSIFIER_METRICS] + [f"theme:{t}" for t in themes] + ["speed"]
    best = {key: _best(frame[key], True) for key in ranked}
    table = Table(head, note=(
        "Mean ± one standard deviation over cross-validation folds; a theme's column is its F1 "
        "(mean over folds). Thresholds are tuned inside each training fold. Bold: the best "
        "value of each column."))
    for name, s in frame.iterrows():
        row = [Cell(name + (" (default)" if name == default else ""))]
        row += [Cell(mean_sd(s[m], s[f"{m}_std"]), num=True, strong=name in best[m])
                for m, _ in CLASSIFIER_METRICS]
        row += [Cell(mean_sd(s[f"theme:{t}"]), num=True, strong=name in best[f"theme:{t}"])
                for t in themes]
        row.append(Cell(mean_sd(s["speed"], digits=0), num=True, strong=name in best["speed"]))
        table.rows.append(row)
    return table
