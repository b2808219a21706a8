"""HTML for theme classification output: each paragraph with its themes as coloured chips.

Used by `research classify --format html`; one self-contained page (templates/classify.html.j2,
inline CSS and a few lines of JS to filter by theme, templates/theme_filter.js), no external
resources, so it can be mailed or opened offline. For auditing it shows each paragraph's place
(sub-document, section, id), the thresholds, and the themes that just missed (dashed chips) or
just made it (dotted outline), with scores that are never rounded up onto a threshold.

With `--by` the page also shows theme prevalence by group with interval bars
(research/viz/figures_prevalence.py), one figure per table (all paragraphs; without reused text);
only then does it embed plotly.js (inline, once), drawn by templates/lazy_figures.js as in a run
report. Paragraphs flagged ``reused`` (`--without-reused`) say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from research.corpus.reuse import REUSED_PARAGRAPH_SHARE
from research.themes.apply import NEAR_MISS
from research.viz.style import PALETTE, ink_on, render

if TYPE_CHECKING:
    import pandas as pd

NO_THEME = "#d9dee5"
#: Decimals a score is shown with; more only where needed to keep it below its threshold.
SCORE_DIGITS = 3
#: Enough for any float's shortest repr (17 significant digits after leading zeros).
MAX_DIGITS = 40


def theme_colours(themes: list[dict[str, Any]]) -> dict[str, str]:
    return {t["id"]: PALETTE[i % len(PALETTE)] for i, t in enumerate(themes)}


def format_score(value: float, digits: int = SCORE_DIGITS) -> str:
    """``value`` cut, never rounded up, to ``digits`` decimals: 0.9996 shows 0.999, not 1.000.

    Cut from the shortest repr (what JSONL holds), so the float nearest 0.475 shows 0.475.
    """
    exact = Decimal(repr(float(value)))
    return str(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_FLOOR))


def score_digits(score: float, threshold: float, digits: int = SCORE_DIGITS) -> int:
    """Fewest decimals (at least ``digits``) at which a score below its threshold also shows
    below it (0.474996 against 0.475: 5). Cutting never reverses order, so a score at or above
    its threshold never needs more."""
    while (score < threshold and digits < MAX_DIGITS
           and Decimal(format_score(score, digits)) >= Decimal(format_score(threshold, digits))):
        digits += 1
    return digits


def render_classification_html(records: list[dict[str, Any]], summaries: list[dict[str, Any]],
                               themes: list[dict[str, Any]],
                               title: str = "Theme classification",
                               thresholds: dict[str, float] | None = None,
                               prevalence: Sequence[tuple[str, "pd.DataFrame"]] = ()) -> str:
    """A page: legend, per-file summary, prevalence by group, thresholds, then every paragraph
    with its chips.

    records: rows of `research classify` ({"file","index","text","themes":[ids],
    "scores":{id: score}}, and where present "doc","id","title","section","near_misses",
    "borderline","thresholds"); summaries: {"file","paragraphs","shares":{id: share}};
    themes: [{"id","name"}]; thresholds: {id: threshold} on the score scale, for the table.
    Ids not in ``themes`` still render (grey chip, id as name). prevalence: (title, table of
    ``research.prevalence.prevalence_table``) pairs, a figure each.
    """
    themes = list(themes)
    known = {t["id"] for t in themes}
    for r in records:
        for theme_id in [*r.get("themes", []), *r.get("near_misses", [])]:
            if theme_id not in known:
                themes.append({"id": theme_id, "name": theme_id})
                known.add(theme_id)
    colours = theme_colours(themes)
    names = {t["id"]: t["name"] for t in themes}

    def chip(theme_id: str, score: float | None = None, threshold: float | None = None,
             kind: str = "") -> dict[str, Any]:
        """A chip; with a threshold the label says how the score compares (near misses and
        borderline decisions), and the hover text gives both at full precision."""
        colour = colours.get(theme_id, "#888888")
        label, hover = "", theme_id
        if score is not None:
            digits = score_digits(score, threshold) if threshold is not None else SCORE_DIGITS
            label = format_score(score, digits)
            if threshold is not None:
                hover = f"{theme_id}: score {score!r}, threshold {threshold!r}"
                if kind:
                    sign = "<" if score < threshold else "≥"
                    label += f" {sign} {format_score(threshold, digits)}"
        return {"id": theme_id, "name": names.get(theme_id, theme_id), "colour": colour,
                "ink": ink_on(colour), "label": label, "kind": kind, "hover": hover}

    table = []
    for s in summaries:
        shares = s.get("shares", {})
        cells = []
        for t in themes:
            share = float(shares.get(t["id"], 0.0) or 0.0)
            cells.append({"share": f"{share:.0%}", "width": round(share * 40),
                          "colour": colours[t["id"]]})
        table.append({"file": s.get("file", ""), "paragraphs": s.get("paragraphs", ""),
                      "cells": cells})
    by_file: dict[str, list[dict[str, Any]]] = {str(s.get("file", "")): [] for s in summaries}
    for r in records:
        by_file.setdefault(str(r.get("file", "")), []).append(r)
    files = []
    for file, items in by_file.items():
        paras = []
        for r in sorted(items, key=lambda x: x.get("index", 0)):
            ids = list(r.get("themes", []))
            scores = r.get("scores", {}) or {}
            bars = r.get("thresholds", {}) or {}
            borderline = set(r.get("borderline", []))
            chips = [chip(t, scores.get(t), bars.get(t), "borderline" if t in borderline else "")
                     for t in ids]
            near = [chip(t, scores.get(t), bars.get(t), "near-miss")
                    for t in r.get("near_misses", [])]
            paras.append({"index": r.get("index", ""), "id": r.get("id", ""),
                          "title": r.get("title", ""), "section": r.get("section", ""),
                          # the report's own characters; the models saw the normalised copy
                          "text": r.get("original") or r.get("text", ""),
                          "themes": " ".join(ids), "chips": chips,
                          "near": near, "reused": bool(r.get("reused")),
                          "border": colours.get(ids[0], NO_THEME) if ids else NO_THEME})
        files.append({"name": file, "doc": items[0].get("doc", "") if items else "",
                      "paras": paras})
    threshold_rows = [{"id": t["id"], "name": t["name"], "colour": colours[t["id"]],
                       "shown": format_score(thresholds[t["id"]]),
                       "exact": repr(float(thresholds[t["id"]])),
                       "tagged": sum(t["id"] in r.get("themes", []) for r in records),
                       "near": sum(t["id"] in r.get("near_misses", []) for r in records),
                       "borderline": sum(t["id"] in r.get("borderline", []) for r in records)}
                      for t in themes if thresholds and t["id"] in thresholds]
    # The key's sample chips: one theme's look at three scores against a threshold of 0.5.
    key = [{**chip("", score, 0.5, kind), "name": "theme", "colour": PALETTE[0],
            "ink": ink_on(PALETTE[0]), "hover": ""}
           for score, kind in ((0.9, ""), (0.55, "borderline"), (0.45, "near-miss"))]
    figures = prevalence_figures(prevalence, names)
    return render("classify.html.j2", title=title, paragraphs=len(records), files=files,
                  themes=[chip(t["id"]) for t in themes], summaries=table,
                  thresholds=threshold_rows, key=key, window=f"{NEAR_MISS:g}", figures=figures,
                  reused_note=f"at least {REUSED_PARAGRAPH_SHARE:.0%} of its text is in "
                  "sentences that repeat a sentence of an earlier report",
                  **plotly_assets(bool(figures)))


def prevalence_figures(prevalence: Sequence[tuple[str, "pd.DataFrame"]], names: dict[str, str]
                       ) -> list[dict[str, Any]]:
    """A placeholder's id, height and plotly JSON for each prevalence table."""
    from research.viz.figures_prevalence import prevalence_figure
    from research.viz.report import figure_spec

    figures = []
    for k, (title, shares) in enumerate(prevalence, 1):
        figure = prevalence_figure(shares, title, names)
        figures.append({"id": f"prevalence-{k}", "spec": figure_spec(figure),
                        "height": int(figure.layout.height or 450)})
    return figures


def plotly_assets(needed: bool) -> dict[str, Any]:
    """plotly.js and its config for the template: only on a page with figures (3.5 MB)."""
    if not needed:
        return {"plotly_js": None, "plotly_config": None}
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    from research.viz.report import PLOTLY_CONFIG

    return {"plotly_js": Markup(get_plotlyjs()), "plotly_config": PLOTLY_CONFIG}
