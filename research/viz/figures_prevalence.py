"""Prevalence by group with interval bars: one panel per outcome (theme or topic), groups down
the side, each group's share of paragraphs as a point with its 95% interval as a bar.

Reads the table ``research.prevalence.prevalence_table`` returns (group, outcome, share, low,
high, paragraphs, reports, interval), so theme and topic prevalence draw the same figure. A
group of one report has no between-report spread to resample: its interval is over that
report's paragraphs, and the figure marks it (open diamond, grey bar, ``*`` after the name).
Every point carries its row of the table as ``customdata`` (group, outcome, share, low, high,
paragraphs, reports, interval), for the hover text and for anyone reading the figure's JSON.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from research.viz.style import PALETTE, esc, style_figure

#: Panels side by side; more outcomes wrap onto further rows.
COLUMNS = 3
#: More groups than this: the largest (by paragraphs) are drawn and the title says so.
MAX_GROUPS = 40
#: What marks a group whose interval is over paragraphs, as on the command's printed table.
SINGLE_MARK = " *"
SINGLE_COLOUR = "#7b8794"
REPORTS_NOTE = "several reports: 95% interval, bootstrap over reports"
SINGLE_NOTE = "* one report: 95% interval over its paragraphs"


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="no groups to show", showarrow=False, x=0.5, y=0.5, xref="paper",
                       yref="paper", font=dict(size=14))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style_figure(fig, title, height=240)


def _label(row: pd.Series) -> str:
    return f"{row['group']}{SINGLE_MARK if row['interval'] == 'paragraphs' else ''}"


def prevalence_figure(table: pd.DataFrame, title: str,
                      names: dict[str, str] | None = None) -> go.Figure:
    """Panels of interval bars, one per outcome (in the table's order), groups in the table's
    order top to bottom. ``names`` gives an outcome's display name (default: the outcome)."""
    if table.empty:
        return _empty(title)
    names = names or {}
    table = table.assign(group=table["group"].map(str))
    groups = list(dict.fromkeys(table["group"]))
    if len(groups) > MAX_GROUPS:
        sizes = table.drop_duplicates("group").set_index("group")["paragraphs"]
        keep = set(sizes.sort_values(ascending=False, kind="stable").index[:MAX_GROUPS])
        title += f" (the {MAX_GROUPS} largest of {len(groups)} groups)"
        groups = [g for g in groups if g in keep]
        table = table[table["group"].isin(keep)]
    outcomes = list(dict.fromkeys(table["outcome"]))
    columns = min(COLUMNS, len(outcomes))
    rows = math.ceil(len(outcomes) / columns)
    labels = {row["group"]: _label(row) for _, row in table.iterrows()}
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True,
                        horizontal_spacing=0.04, vertical_spacing=min(0.12, 0.3 / rows),
                        subplot_titles=[esc(names.get(o, o)) for o in outcomes])
    for k, outcome in enumerate(outcomes):
        part = table[table["outcome"] == outcome].set_index("group")
        part = part.loc[[g for g in groups if g in part.index]]
        colour = PALETTE[k % len(PALETTE)]
        for kind, symbol, bar in (("reports", "circle", colour),
                                  ("paragraphs", "diamond-open", SINGLE_COLOUR)):
            chosen = part[part["interval"] == kind]
            if chosen.empty:
                continue
            share = [float(v) for v in chosen["share"]]
            low = [float(v) for v in chosen["low"]]
            high = [float(v) for v in chosen["high"]]
            custom = [[str(g), str(outcome), s, lo, hi, int(r["paragraphs"]), int(r["reports"]),
                       str(r["interval"])]
                      for (g, r), s, lo, hi in zip(chosen.iterrows(), share, low, high)]
            hover = [f"<b>{esc(labels[g])}</b><br>{esc(names.get(outcome, outcome))} "
                     f"({esc(outcome)}): {s:.0%} [{lo:.0%}–{hi:.0%}]<br>"
                     f"{c[5]} paragraphs in {c[6]} report{'s' if c[6] != 1 else ''}; interval "
                     f"over {kind}" for g, s, lo, hi, c in zip(chosen.index, share, low, high,
                                                               custom)]
            fig.add_trace(go.Scatter(
                x=share, y=[labels[g] for g in chosen.index], mode="markers",
                name=f"{names.get(outcome, outcome)} ({kind})", showlegend=False,
                marker=dict(symbol=symbol, size=9, color=colour,
                            line=dict(width=2 if kind == "paragraphs" else 0, color=colour)),
                error_x=dict(type="data", symmetric=False,
                             array=[hi - s for s, hi in zip(share, high)],
                             arrayminus=[s - lo for s, lo in zip(share, low)],
                             color=bar, thickness=1.5 if kind == "reports" else 1, width=4),
                customdata=custom, hovertext=hover, hoverinfo="text"),
                row=k // columns + 1, col=k % columns + 1)
    for kind, symbol, name in (("reports", "circle", REPORTS_NOTE),
                               ("paragraphs", "diamond-open", SINGLE_NOTE)):
        if (table["interval"] == kind).any():  # legend entries only, in neutral grey
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                     marker=dict(symbol=symbol, size=9, color=SINGLE_COLOUR,
                                                 line=dict(width=2, color=SINGLE_COLOUR)),
                                     hoverinfo="skip"), row=1, col=1)
    order = [labels[g] for g in groups]
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed",
                     tickfont=dict(size=11), automargin=True)
    fig.update_xaxes(range=[-0.02, 1.02], tickformat=".0%", dtick=0.25, zeroline=False,
                     showgrid=True)
    fig.update_annotations(font_size=13)
    style_figure(fig, title, height=140 + rows * (40 + 22 * len(groups)))
    # The legend (what the two markers mean) sits under the panels, in the bottom margin.
    fig.update_layout(margin=dict(t=100, l=40, b=80),
                      legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="bottom",
                                  yref="container"))
    return fig
