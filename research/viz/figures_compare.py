"""Model comparison figures: metrics across the sweep with seed spread, and LDA × BERTopic overlap.

The sweep axis is the parameter that matters most per kind (K for LDA, min_cluster_size for
BERTopic); every other swept parameter becomes its own line, so no two settings are averaged.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from research.registry import KINDS, sweep_param
from research.viz.figures import topic_label
from research.metrics.summary import finite, group_rows
from research.viz.style import PALETTE, esc, style_figure

#: Titles per model kind, from the registry (kept as a mapping for the report and index).
KIND_TITLE = {kind: entry.title for kind, entry in KINDS.items()}
METRICS = [("npmi", "NPMI"), ("c_v", "C_V"), ("diversity", "diversity"),
           ("stability_words", "stability (words)"), ("stability_ari", "stability (ARI)"),
           ("n_topics", "topics found")]


def series_name(row: dict[str, Any], x_param: str) -> str:
    """The setting minus the plotted parameter, from the row's model name and swept values
    (k=6, alpha=0.1 on the K axis → 'lda[alpha=0.1]'). Runs saved before rows carried them
    get one line per setting."""
    if "model" not in row or not isinstance(row.get("swept"), dict):
        return str(row["name"])
    rest = [f"{k}={v}" for k, v in row["swept"].items() if k != x_param]
    return str(row["model"]) + (f"[{','.join(rest)}]" if rest else "")


def sweep_figure(rows: list[dict[str, Any]], title: str) -> go.Figure:
    """Rows = metrics, columns = model kinds; a dot per seed (× when the fit is flagged) and a
    line through each setting's mean over its unflagged seeds."""
    kinds = [k for k in ("lda", "bertopic") if any(r["kind"] == k for r in rows)]
    kinds += sorted({r["kind"] for r in rows} - set(kinds))
    metrics = [(m, label) for m, label in METRICS if any(finite(r.get(m)) is not None
                                                         for r in rows)]
    if not kinds or not metrics:
        return style_figure(go.Figure(), title + " (no metrics)", height=260)
    fig = make_subplots(rows=len(metrics), cols=len(kinds), shared_xaxes="columns",
                        vertical_spacing=0.035, horizontal_spacing=0.08,
                        column_titles=[KIND_TITLE.get(k, k) for k in kinds],
                        row_titles=[label for _, label in metrics])
    colours: dict[str, str] = {}
    for col, kind in enumerate(kinds, 1):
        x_param = sweep_param(kind)
        lines: dict[str, list[tuple[float, str, list[dict[str, Any]]]]] = {}
        for name, group in group_rows([r for r in rows if r["kind"] == kind]).items():
            x = finite(group[0].get("params", {}).get(x_param))
            lines.setdefault(series_name(group[0], x_param), []).append(
                (x if x is not None else 0.0, name, group))
        for series, points in lines.items():
            points.sort(key=lambda p: p[0])
            colour = colours.setdefault(series, PALETTE[len(colours) % len(PALETTE)])
            for row, (metric, label) in enumerate(metrics, 1):
                xs, ys, hover = [], [], []
                dots: dict[bool, tuple[list[float], list[float], list[str]]] = {
                    False: ([], [], []), True: ([], [], [])}
                for x, name, group in points:
                    seeds = [(r, v) for r in group if (v := finite(r.get(metric))) is not None]
                    kept = [v for r, v in seeds if not r.get("flags")]
                    for r, v in seeds:
                        flagged = bool(r.get("flags"))
                        dots[flagged][0].append(x)
                        dots[flagged][1].append(round(v, 4))
                        dots[flagged][2].append(
                            f"<b>{esc(name)}</b> seed {r.get('seed')}<br>{label}: {v:.3f}"
                            + (f"<br>flagged: {esc(', '.join(r['flags']))}" if flagged else ""))
                    if kept:
                        mean = sum(kept) / len(kept)
                        xs.append(x)
                        ys.append(round(mean, 4))
                        hover.append(f"<b>{esc(name)}</b><br>{label}: mean {mean:.3f} over "
                                     f"{len(kept)} unflagged seed(s)")
                if xs:
                    fig.add_trace(go.Scatter(
                        x=xs, y=ys, mode="lines", name=series, legendgroup=series,
                        showlegend=row == 1, line=dict(color=colour), hovertext=hover,
                        hoverinfo="text"), row=row, col=col)
                for flagged, (dx, dy, dh) in dots.items():
                    if dx:
                        fig.add_trace(go.Scatter(
                            x=dx, y=dy, mode="markers", legendgroup=series, showlegend=False,
                            name=f"{series} {'flagged ' if flagged else ''}seeds",
                            marker=dict(color=colour, size=9 if flagged else 7,
                                        symbol="x" if flagged else "circle-open"),
                            hovertext=dh, hoverinfo="text"), row=row, col=col)
        ticks = sorted({p[0] for pts in lines.values() for p in pts})
        if ticks and all(float(t).is_integer() for t in ticks) and len(ticks) <= 12:
            fig.update_xaxes(tickmode="array", tickvals=ticks,
                             ticktext=[str(int(t)) for t in ticks], col=col)
        fig.update_xaxes(title_text=x_param, row=len(metrics), col=col)
    fig.update_annotations(font_size=12)
    style_figure(fig, title, height=160 + 190 * len(metrics))
    fig.update_layout(legend=dict(orientation="h", x=0, y=0.005, yref="container",
                                  yanchor="bottom", font=dict(size=12)),
                      margin=dict(t=90, r=60, b=120))
    return fig


def jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def overlap_matrix(lda_topics: list[dict[str, Any]], bert_topics: list[dict[str, Any]],
                   title: str, lda_name: str = "LDA", bert_name: str = "BERTopic"
                   ) -> go.Figure:
    """Jaccard overlap of top-word sets: which LDA topic corresponds to which BERTopic topic."""
    y = [topic_label(t) for t in lda_topics]
    x = [topic_label(t) for t in bert_topics]
    z, hover = [], []
    for a in lda_topics:
        z_row, h_row = [], []
        for b in bert_topics:
            value = jaccard(a["words"], b["words"])
            shared = [w for w in a["words"] if w in set(b["words"])]
            z_row.append(round(value, 3))
            h_row.append(f"{esc(lda_name)} {esc(topic_label(a))}<br>{esc(bert_name)} "
                         f"{esc(topic_label(b))}<br>Jaccard {value:.2f}<br>shared: "
                         f"{esc('、'.join(shared)) or '–'}")
        z.append(z_row)
        hover.append(h_row)
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, hovertext=hover, hoverinfo="text",
                               colorscale="YlOrRd", zmin=0, colorbar=dict(title="Jaccard")))
    fig.update_yaxes(autorange="reversed", title=lda_name, tickfont=dict(size=11))
    fig.update_xaxes(tickangle=45, title=bert_name, tickfont=dict(size=11))
    height = max(420, min(1000, 200 + 28 * len(lda_topics)))
    return style_figure(fig, title, height=height)
