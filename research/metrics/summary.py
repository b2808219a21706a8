"""Metrics rows (one per fit, as saved in metrics.json) summarised per setting with pandas."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

#: Metrics that are one number per setting, measured across its seeds (not one per fit).
ACROSS_SEEDS = ("stability_words", "stability_ari")


def finite(value: Any) -> float | None:
    """A metric value as float, or None when missing / NaN (JSON may hold either)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) or math.isinf(value) else float(value)


def metric_frame(rows: list[dict[str, Any]], metrics: list[str]) -> pd.DataFrame:
    """Metrics rows as a table: name, kind and each of ``metrics`` as a float column (NaN where
    a row lacks the metric or holds no finite number)."""
    frame = pd.DataFrame({"name": [r["name"] for r in rows], "kind": [r["kind"] for r in rows]})
    for metric in metrics:
        frame[metric] = pd.Series([finite(r.get(metric)) for r in rows], dtype=float)
    return frame


def setting_summary(rows: list[dict[str, Any]], metrics: list[str]) -> pd.DataFrame:
    """One row per setting (index: its name, in first-seen order): its kind, ``seeds`` (the
    number of metrics rows, one per seed) and per metric ``(metric, "mean")`` and
    ``(metric, "sd")`` over the seeds (sd: sample standard deviation, NaN with one value)."""
    grouped = metric_frame(rows, metrics).groupby("name", sort=False)
    summary = grouped[metrics].agg(["mean", "std"]).rename(columns={"std": "sd"}, level=1)
    summary.insert(0, ("seeds", ""), grouped.size())
    summary.insert(0, ("kind", ""), grouped["kind"].first())
    return summary


def group_rows(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Metrics rows per setting name, in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["name"], []).append(row)
    return groups


def best_settings(rows: list[dict[str, Any]], metric: str = "npmi") -> dict[str, str]:
    """Per kind, the setting with the highest mean ``metric`` over its unflagged fits (first
    setting on ties/missing); a kind whose fits are all flagged falls back to all of them."""
    if not rows:
        return {}
    healthy = [r for r in rows if not r.get("flags")]
    kinds = {r["kind"] for r in healthy}
    rows = healthy + [r for r in rows if r["kind"] not in kinds]
    summary = setting_summary(rows, [metric])
    score = summary[(metric, "mean")].fillna(-math.inf)
    best = score.groupby(summary[("kind", "")], sort=False).idxmax()  # first of equal maxima
    return {str(kind): str(name) for kind, name in best.items()}
