"""The verdict: best LDA setting against best BERTopic setting, per metric, with a 95% interval.

A ranking by mean scores let one collapsed fit decide it (issue 10). Here flagged fits are left
out before anything is ranked, each metric's best setting of each kind is compared, and the
difference gets an interval (see :mod:`research.metrics.intervals`) and one plain sentence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


from research.metrics.intervals import (
    Interval,
    bootstrap_coherence,
    pair_stability,
    welch_interval,
)
from research.config import VerdictConfig
from research.registry import KINDS
from research.topics.base import TopicResult


@dataclass(frozen=True)
class Metric:
    """How a metric is compared: its direction and what its interval is taken over."""

    label: str
    higher_is_better: bool
    over: str  # "paragraphs" (coherence, bootstrap), "seeds" or "pairs" (of seeds)
    measure: str = ""  # gensim's name, for coherence


METRICS: dict[str, Metric] = {
    "npmi": Metric("NPMI", True, "paragraphs", "c_npmi"),
    "c_v": Metric("C_V", True, "paragraphs", "c_v"),
    "diversity": Metric("Topic diversity", True, "seeds"),
    "stability_words": Metric("Stability of top words", True, "pairs"),
    "stability_ari": Metric("Stability of assignments (ARI)", True, "pairs"),
    "label_nmi": Metric("Agreement with hand labels (NMI)", True, "seeds"),
    "outlier_share": Metric("Outlier share", False, "seeds"),
    "fit_seconds": Metric("Fit time (s)", False, "seeds"),
}
DEFAULT_METRICS = ("npmi", "c_v", "diversity", "stability_words", "stability_ari", "label_nmi")
KIND_LABELS = {kind: entry.title for kind, entry in KINDS.items()}
PAIRS_NOTE = "; pairs share seeds, so this interval is too narrow"


def _value(row: Mapping[str, Any], metric: str) -> float:
    value = row.get(metric)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else math.nan


def _num(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3f}"


@dataclass
class Side:
    """One kind's best setting for one metric: its fits and values."""

    kind: str
    setting: str
    seeds: list[int]
    values: list[float]  # per seed, or per pair of seeds for stability
    results: list[TopicResult]

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)


def _candidates(rows: Sequence[Mapping[str, Any]], kind: str, metric: str,
                results: Mapping[tuple[str, int], TopicResult], exclude: bool, top_n: int
                ) -> list[Side]:
    """Every setting of ``kind`` that can be ranked on ``metric`` from its unflagged fits."""
    settings: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row["kind"] == kind and not (exclude and row.get("flags")):
            settings.setdefault(row["name"], []).append(row)
    sides = []
    for name, group in settings.items():
        fits = [results[(name, r["seed"])] for r in group if (name, r["seed"]) in results]
        seeds = [int(r["seed"]) for r in group]
        if METRICS[metric].over == "pairs" and len(fits) == len(group):
            values = pair_stability(fits, top_n)[metric]
        elif METRICS[metric].over == "pairs":  # no fits: the row's one value per setting
            values = [v for v in {_value(r, metric) for r in group} if not math.isnan(v)][:1]
        else:
            values = [_value(r, metric) for r in group]
            keep = [i for i, v in enumerate(values) if not math.isnan(v)]
            values, seeds = [values[i] for i in keep], [seeds[i] for i in keep]
            fits = [fits[i] for i in keep] if len(fits) == len(group) else []
        if values:
            sides.append(Side(kind, name, seeds, values, fits))
    return sides


def _interval(metric: str, a: Side, b: Side, tokens: Sequence[Sequence[str]] | None,
              config: VerdictConfig, top_n: int) -> Interval:
    spec = METRICS[metric]
    if spec.over == "paragraphs" and tokens is not None and a.results and b.results:
        return bootstrap_coherence([r.topics for r in a.results], [r.topics for r in b.results],
                                   tokens, spec.measure, top_n=top_n,
                                   n_resamples=config.n_resamples,
                                   resample_seeds=config.resample_seeds,
                                   confidence=config.confidence, seed=config.random_seed,
                                   method=config.bootstrap_method)
    if spec.over == "pairs":
        if len(a.results) < 2 or len(b.results) < 2:
            return welch_interval(a.values, b.values, "settings (one value each)",
                                  config.confidence)
        return welch_interval(a.values, b.values, "pairs of seeds", config.confidence,
                              PAIRS_NOTE)
    return welch_interval(a.values, b.values, "seeds", config.confidence)


def _sentence(spec: Metric, first: str, second: str, interval: Interval,
              confidence: float) -> tuple[str | None, str]:
    """(the better kind, "indistinguishable", or None without an interval; the sentence)."""
    d = interval.difference
    names = KIND_LABELS.get(first, first), KIND_LABELS.get(second, second)
    level = f"{confidence:.0%} interval"
    if interval.has_interval and interval.low <= 0 <= interval.high:
        return "indistinguishable", (
            f"{spec.label}: indistinguishable ({names[0]} minus {names[1]} = {_num(d)}, "
            f"{level} {_num(interval.low)} to {_num(interval.high)}).")
    # the side of zero the interval lies on (the point estimate's, without an interval)
    positive = interval.low > 0 if interval.has_interval else d > 0
    direction = "higher" if positive else "lower"
    first_ahead = positive == spec.higher_is_better
    if not spec.higher_is_better:
        direction += " (better)" if first_ahead else " (worse)"
    if not interval.has_interval:
        reason = interval.method.removeprefix("no interval: ")
        return None, (f"{spec.label}: {names[0]} {direction} by {_num(abs(d))}, "
                      f"no interval ({reason}).")
    low, high = (interval.low, interval.high) if positive else (-interval.high, -interval.low)
    return (first if first_ahead else second,
            f"{spec.label}: {names[0]} {direction} by {_num(abs(d))} "
            f"({level} {_num(low)} to {_num(high)}).")


def verdict(rows: Sequence[Mapping[str, Any]], results: Sequence[TopicResult] = (),
            tokens: Sequence[Sequence[str]] | None = None, *, top_n: int = 10,
            config: VerdictConfig | None = None, metrics: Sequence[str] | None = None,
            kinds: tuple[str, str] = ("lda", "bertopic")) -> list[dict[str, Any]]:
    """One JSON-ready entry per metric comparing the best setting of each of two ``kinds``.

    ``rows`` are metrics.json rows (``name``, ``kind``, ``seed``, metric values, ``flags``).
    ``results`` (matched to rows by name and seed) and ``tokens`` (the tokenized paragraphs,
    as coherence was scored on) enable the paragraph bootstrap for coherence and the pairwise
    stability of unflagged seeds; without them every metric falls back to per-row values.
    ``difference`` is always ``kinds[0]`` minus ``kinds[1]``.
    """
    config = config or VerdictConfig()
    by_key = {(r.name, r.seed): r for r in results}
    wanted = [m for m in (metrics or DEFAULT_METRICS)
              if any(m in row for row in rows) or (METRICS[m].over == "pairs" and results)]
    flagged = {k: sum(1 for r in rows if r["kind"] == k and r.get("flags")) for k in kinds}
    total = {k: sum(1 for r in rows if r["kind"] == k) for k in kinds}
    out = []
    for metric in wanted:
        spec = METRICS[metric]
        entry: dict[str, Any] = {
            "metric": metric, "label": spec.label, "higher_is_better": spec.higher_is_better,
            "better": None, "difference": None, "low": None, "high": None, "method": None,
            "n_fits_used": 0, "n_fits_flagged": sum(flagged.values()), "settings": {}}
        best: dict[str, Side] = {}
        problem = ""
        for kind in kinds:
            name = KIND_LABELS.get(kind, kind)
            sides = _candidates(rows, kind, metric, by_key, config.exclude_flagged, top_n)
            if sides:
                pick = max if spec.higher_is_better else min
                best[kind] = pick(sides, key=lambda s: s.mean)
            elif not total[kind]:
                problem = problem or f"no {name} fit in this run"
            elif config.exclude_flagged and flagged[kind] == total[kind]:
                problem = problem or f"every {name} fit is flagged"
            elif spec.over == "pairs":
                problem = problem or f"no {name} setting has two unflagged seeds"
            else:
                problem = problem or f"no {name} fit has a value for {spec.label}"
        for kind, side in best.items():
            entry["settings"][kind] = {"setting": side.setting, "seeds": side.seeds,
                                       "value": side.mean}
        if problem:
            entry["sentence"] = f"{spec.label}: cannot compare: {problem}."
            out.append(entry)
            continue
        a, b = best[kinds[0]], best[kinds[1]]
        interval = _interval(metric, a, b, tokens, config, top_n)
        better, sentence = _sentence(spec, kinds[0], kinds[1], interval, config.confidence)
        finite = [(v if math.isfinite(v) else None)
                  for v in (interval.difference, interval.low, interval.high)]
        entry.update(better=better, difference=finite[0], low=finite[1], high=finite[2],
                     method=interval.method, sentence=sentence,
                     n_fits_used=len(set(a.seeds)) + len(set(b.seeds)))
        out.append(entry)
    return out
