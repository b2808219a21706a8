"""The summary tables of a report, from the run's data (no Markdown): settings from metrics.json,
classifiers from cv_scores.json. Each is a :class:`Table` of plain cells the templates lay out
(research/viz/templates/macros.html.j2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from research.viz.figures_compare import KIND_TITLE
from research.metrics.summary import ACROSS_SEEDS, finite, group_rows, setting_summary

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


def _best(values: pd.Series, higher: bool | None) -> set[Any]:
    """Index labels holding the column's best value (none when fewer than two are measured)."""
    values = values.dropna()
    if higher is None or len(values) < 2:
        return set()
    best = values.max() if higher else values.min()
    return set(values.index[values == best])


FLAG_MARK = "†"


def _per_seed(group: list[dict[str, Any]], key: str, digits: int) -> tuple[str, str]:
    """A setting's cell: the mean over unflagged seeds, then every seed's value (flagged ones
    marked †), so a collapsed fit can never hide in a mean; and its hover text. Topic counts
    are whole numbers per seed, their mean has one decimal."""
    values = [(r.get("seed"), finite(r.get(key)), bool(r.get("flags"))) for r in group]
    if all(v is None for _, v, _ in values):
        return "–", ""
    if key in ACROSS_SEEDS:
        value = next(v for _, v, _ in values if v is not None)
        return mean_sd(value, digits=digits), "one value per setting, across its seeds"
    seed_digits = 0 if key == "n_topics" else digits
    kept = [v for _, v, flagged in values if v is not None and not flagged]
    mean = sum(kept) / len(kept) if kept else None
    mean_text = ("–" if mean is None else f"{mean:.0f}" if key == "n_topics" and
                 float(mean).is_integer() else mean_sd(mean, digits=digits))
    if len(values) == 1:
        return mean_text + (FLAG_MARK if values[0][2] else ""), ""
    seeds = " ".join(("–" if v is None else f"{v:.{seed_digits}f}")
                     + (FLAG_MARK if flagged else "") for _, v, flagged in values)
    hover = "; ".join(f"seed {seed}: {'–' if v is None else round(v, 4)}"
                      + (" (flagged)" if flagged else "") for seed, v, flagged in values)
    return f"{mean_text} [{seeds}]", hover


def comparison_table(rows: list[dict[str, Any]]) -> Table | None:
    """One row per setting, best NPMI first: model, seeds, and for each metric the mean over
    unflagged seeds with every seed's value beside it; bold: the best setting per metric."""
    present = [m for m in TOPIC_METRICS if any(m[0] in r for r in rows)]
    if not rows or not present:
        return None
    unflagged = [r for r in rows if not r.get("flags")] or rows
    summary = setting_summary(unflagged, [key for key, *_ in present])
    if ("npmi", "mean") in summary:
        summary = summary.sort_values(("npmi", "mean"), ascending=False, na_position="last",
                                      kind="stable")
    every = group_rows(rows)  # settings whose fits are all flagged follow the ranked ones
    groups = {name: every[name] for name in [*summary.index, *every] if name in every}
    head = [Cell("setting"), Cell("model"), Cell("seeds")]
    head += [Cell(label + ARROW[higher], title=key) for key, label, _, higher in present]
    best = {key: _best(summary[(key, "mean")], higher) for key, _, _, higher in present}
    table = Table(head, note=(
        "Each cell: the mean over the setting's unflagged seeds, then every seed's value in "
        f"brackets ({FLAG_MARK}: a flagged fit — collapsed, few topics, single source or many "
        "outliers — shown but left out of the mean and the verdict). Stability is one number "
        "per setting, measured across its seeds. Bold: the best setting on each metric "
        "(↑ higher is better, ↓ lower is better)."))
    for name, group in groups.items():
        kind = str(group[0]["kind"])
        row = [Cell(str(name)), Cell(KIND_TITLE.get(kind, kind)), Cell(str(len(group)), num=True)]
        for key, _, digits, _ in present:
            text, hover = _per_seed(group, key, digits)
            row.append(Cell(text, num=True, strong=name in best[key], title=hover))
        table.rows.append(row)
    return table


def verdict_table(entries: list[dict[str, Any]]) -> Table | None:
    """The verdict: per metric, the best setting of each kind and the difference with its
    95% interval (what it was taken over in the hover text)."""
    if not entries:
        return None
    head = [Cell("metric"), Cell("best LDA"), Cell("best BERTopic"),
            Cell("LDA − BERTopic"), Cell("95% interval"), Cell("verdict")]
    table = Table(head, note=(
        f"Fits flagged as degenerate are left out ({entries[0].get('n_fits_flagged', 0)} "
        "here). An interval that crosses zero means the two are indistinguishable on this "
        "corpus. Hover an interval for what it was taken over."))
    for e in entries:
        settings = e.get("settings") or {}
        interval = ("–" if e.get("low") is None else
                    f"{finite(e['low']):.3f} to {finite(e['high']):.3f}")
        table.rows.append([
            Cell(str(e.get("label") or e["metric"])),
            Cell(str((settings.get("lda") or {}).get("setting", "–"))),
            Cell(str((settings.get("bertopic") or {}).get("setting", "–"))),
            Cell(mean_sd(e.get("difference")), num=True),
            Cell(interval, num=True, title=str(e.get("method") or "")),
            Cell(str(e.get("better") or "–"), strong=e.get("better") not in (None,
                                                                            "indistinguishable"),
                 title=str(e["sentence"]))])
    return table


def topics_table(topics: list[dict[str, Any]], paragraphs: dict[str, dict[str, Any]]
                 ) -> Table | None:
    """What each topic is: its label, exclusive (FREX) and top words, size, where its
    paragraphs come from, and its most typical paragraphs (hover for the whole text)."""
    if not any("label" in t for t in topics):
        return None
    head = [Cell("topic"), Cell("label"), Cell("FREX words"), Cell("top words"),
            Cell("paragraphs"), Cell("from one sub-document"), Cell("most typical paragraphs")]
    table = Table(head, note=(
        "Label: the first FREX words (frequent in the topic and exclusive to it, as stm's "
        "labelTopics). 'From one sub-document': the share of the topic's paragraphs from its "
        "commonest sub-document; near 100% means the topic is one report's section, not a "
        "theme. Typical paragraphs: highest topic probability (LDA) or nearest the topic's "
        "centre in the embedding space (BERTopic)."))
    for t in topics:
        typical = []
        for pid in t.get("representative", [])[:3]:
            text = str(paragraphs.get(pid, {}).get("text", ""))
            typical.append(f"{pid}: {text[:60]}{'…' if len(text) > 60 else ''}")
        share = finite(t.get("subdoc_share"))
        table.rows.append([
            Cell(str(t.get("id")), num=True), Cell(str(t.get("label", "–"))),
            Cell(" ".join(t.get("frex", [])[:8])), Cell(" ".join(t.get("words", [])[:8])),
            Cell(str(t.get("size", "–")), num=True),
            Cell("–" if share is None else f"{share:.0%}", num=True,
                 title=str(t.get("top_subdoc", ""))),
            Cell(" ‖ ".join(typical), title="\n\n".join(
                str(paragraphs.get(pid, {}).get("text", "")) for pid in
                t.get("representative", [])[:3]))])
    return table


def classifier_table(cv_scores: dict[str, Any], theme_names: dict[str, str]) -> Table | None:
    """One row per candidate model, best core macro F1 first: the scores of the folds that
    chose the default (documents held out, in runs that have them) beside core macro F1 on
    paragraph folds, the difference from the keyword baseline with its interval, F1 per theme
    and paragraphs per second; the best value of each column in bold."""
    models = {str(name): s for name, s in (cv_scores.get("models") or {}).items()}
    if not models:
        return None
    themes = [str(t) for t in cv_scores.get("themes") or []] or list(dict.fromkeys(
        str(t) for s in models.values() for t in (s.get("per_theme") or {})))
    folds_of = str(cv_scores.get("select_by") or "paragraph")
    columns = {key: [finite(s.get(key)) for s in models.values()]
               for metric, _ in CLASSIFIER_METRICS for key in (metric, f"{metric}_std")}
    paragraph = [((s.get("schemes") or {}).get("paragraph") or {}) for s in models.values()]
    columns["paragraph"] = [finite(p.get("core_macro_f1")) for p in paragraph]
    columns["paragraph_std"] = [finite(p.get("core_macro_f1_std")) for p in paragraph]
    for theme in themes:
        columns[f"theme:{theme}"] = [finite(((s.get("per_theme") or {}).get(theme) or {})
                                            .get("f1")) for s in models.values()]
    columns["speed"] = [finite(s.get("paragraphs_per_second")) for s in models.values()]
    frame = pd.DataFrame(columns, index=list(models), dtype=float)
    frame = frame.sort_values(["core_macro_f1", "macro_f1"], ascending=False,
                              na_position="last", kind="stable")
    default, baseline = str(cv_scores.get("default")), cv_scores.get("baseline")
    head = [Cell("model")] + [Cell(f"{label} ({folds_of} folds)")
                              for _, label in CLASSIFIER_METRICS]
    head.append(Cell("core macro F1 (paragraph folds)"))
    head.append(Cell(f"core macro F1 − {baseline} (95% CI)" if baseline else "vs baseline"))
    head += [Cell(theme_names.get(t, t), title=f"{t}: F1") for t in themes]
    head.append(Cell("paragraphs/s"))
    ranked = ([m for m, _ in CLASSIFIER_METRICS] + ["paragraph"]
              + [f"theme:{t}" for t in themes] + ["speed"])
    best = {key: _best(frame[key], True) for key in ranked}
    table = Table(head, note=(
        f"F1 of the pooled out-of-fold decisions, mean ± one standard deviation over "
        f"repetitions, on folds of whole {folds_of}s (new reports are new documents; these "
        f"chose the default) and, for comparison, on folds of paragraphs, which let paragraphs "
        f"of one compilation sit on both sides. A theme's column is its F1 on the {folds_of} "
        f"folds. Thresholds are tuned inside each training fold. The interval on the "
        f"difference resamples sub-documents. Bold: the best value of each column."))
    for name, s in frame.iterrows():
        row = [Cell(name + (" (default)" if name == default else ""))]
        row += [Cell(mean_sd(s[m], s[f"{m}_std"]), num=True, strong=name in best[m])
                for m, _ in CLASSIFIER_METRICS]
        row.append(Cell(mean_sd(s["paragraph"], s["paragraph_std"]), num=True,
                        strong=name in best["paragraph"]))
        gap = models[str(name)].get("vs_baseline") or {}
        row.append(Cell(f"{gap['difference']:+.3f} ({gap['low']:+.3f} to {gap['high']:+.3f})"
                        if {"difference", "low", "high"} <= set(gap) else "–", num=True))
        row += [Cell(mean_sd(s[f"theme:{t}"]), num=True, strong=name in best[f"theme:{t}"])
                for t in themes]
        row.append(Cell(mean_sd(s["speed"], digits=0), num=True, strong=name in best["speed"]))
        table.rows.append(row)
    return table
