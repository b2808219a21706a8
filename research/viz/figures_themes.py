"""Theme figures: where each theme is discussed, how topics line up with themes, CV scores.

Labels are multi-label, so a group's theme shares do not sum to one; "(none)" is the share of
labelled paragraphs with no theme. Shares are over labelled paragraphs only.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from research.viz.figures import topic_label
from research.viz.style import PALETTE, esc, style_figure

MAX_GROUPS = 60
NONE = "(none)"


def _group_key(para: dict[str, Any], by: str) -> tuple[str, str]:
    """(key, label) of the document or sub-document a paragraph belongs to."""
    doc = str(para.get("doc", ""))
    title = str(para.get("title", "") or "")
    if by == "doc":
        return doc, doc
    short = title if len(title) <= 22 else title[:21] + "…"
    return f"{doc}\0{title}", f"{short or '(untitled)'} · {doc[:3]}"


def theme_share_heatmap(corpus: list[dict[str, Any]], labels: list[dict[str, Any]],
                        names: dict[str, str], by: str, title: str) -> go.Figure:
    """Rows = documents (by='doc') or sub-documents (by='title'), columns = themes."""
    label_of = {row["id"]: list(row.get("labels", [])) for row in labels}
    groups: dict[str, dict[str, Any]] = {}
    doc_titles: dict[str, str] = {}
    for para in corpus:
        doc_titles.setdefault(str(para.get("doc", "")), str(para.get("title", "") or ""))
        if para["id"] not in label_of:
            continue
        key, label = _group_key(para, by)
        group = groups.setdefault(key, {"label": label, "n": 0, "counts": {}})
        group["n"] += 1
        themes = label_of[para["id"]] or [NONE]
        for theme in themes:
            group["counts"][theme] = group["counts"].get(theme, 0) + 1
    if not groups:
        fig = go.Figure()
        fig.add_annotation(text="no labelled paragraphs", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        return style_figure(fig, title, height=240)
    chosen = list(groups.values())
    if len(chosen) > MAX_GROUPS:
        chosen = sorted(chosen, key=lambda g: -g["n"])[:MAX_GROUPS]
        title += f" (the {MAX_GROUPS} largest of {len(groups)})"
    if by == "doc":
        for group in chosen:
            first = doc_titles.get(group["label"], "")
            group["label"] = f"{group['label'][:3]} {first[:18]}" if first else group["label"]
    columns = list(names) + ([NONE] if any(NONE in g["counts"] for g in chosen) else [])
    header = [names.get(c, c) for c in columns]
    rows = [f"{g['label']} (n={g['n']})" for g in chosen]
    z, text, hover = [], [], []
    for g, row_label in zip(chosen, rows):
        shares = [g["counts"].get(c, 0) / g["n"] for c in columns]
        z.append([round(s, 3) for s in shares])
        text.append([f"{s:.0%}" if s else "" for s in shares])
        hover.append([f"{esc(row_label)}<br>{esc(h)}: {g['counts'].get(c, 0)} of {g['n']} "
                      f"paragraphs ({s:.0%})" for c, h, s in zip(columns, header, shares)])
    fig = go.Figure(go.Heatmap(z=z, x=header, y=rows, text=text, texttemplate="%{text}",
                               textfont=dict(size=10), hovertext=hover, hoverinfo="text",
                               colorscale="Blues", zmin=0, zmax=1,
                               colorbar=dict(title="share", tickformat=".0%")))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11))
    fig.update_xaxes(side="top", tickfont=dict(size=12))
    style_figure(fig, title, height=max(320, 170 + 24 * len(rows)))
    fig.update_layout(margin=dict(t=120, l=220))
    return fig


def topic_theme_heatmap(panels: list[dict[str, Any]], labels: list[dict[str, Any]],
                        names: dict[str, str], title: str) -> go.Figure:
    """Paragraph counts of each theme inside each topic; one panel per model kind.

    ``panels`` = [{"title", "topics", "ids", "assignments"}] (best setting, first seed).
    """
    label_of = {row["id"]: list(row.get("labels", [])) for row in labels}
    columns = list(names)
    header = [names[c] for c in columns]
    fig = make_subplots(rows=1, cols=max(len(panels), 1), horizontal_spacing=0.22,
                        subplot_titles=[esc(p["title"]) for p in panels] or [""])
    tallest, zmax = 1, 1
    for panel in panels:
        sizes: dict[tuple[int, str], int] = {}
        for pid, topic in zip(panel["ids"], panel["assignments"]):
            for theme in label_of.get(pid, []):
                sizes[topic, theme] = sizes.get((topic, theme), 0) + 1
        zmax = max([zmax, *sizes.values()])
    for col, panel in enumerate(panels, 1):
        topics = {t["id"]: t for t in panel["topics"]}
        counts: dict[int, dict[str, int]] = {}
        totals: dict[int, int] = {}
        for pid, topic in zip(panel["ids"], panel["assignments"]):
            if pid not in label_of:
                continue
            totals[topic] = totals.get(topic, 0) + 1
            row = counts.setdefault(topic, {})
            for theme in label_of[pid]:
                row[theme] = row.get(theme, 0) + 1
        order = sorted(set(topics) | set(totals))
        tallest = max(tallest, len(order))
        y = [("-1: outliers" if t == -1 else topic_label(topics[t]) if t in topics else str(t))
             for t in order]
        z = [[counts.get(t, {}).get(c, 0) for c in columns] for t in order]
        hover = [[f"{esc(y[i])}<br>{esc(h)}: {z[i][j]} of {totals.get(t, 0)} labelled "
                  f"paragraphs" for j, h in enumerate(header)] for i, t in enumerate(order)]
        fig.add_trace(go.Heatmap(z=z, x=header, y=y, text=z, texttemplate="%{text}",
                                 textfont=dict(size=10), hovertext=hover, hoverinfo="text",
                                 colorscale="Purples", zmin=0, zmax=zmax,
                                 showscale=col == len(panels),
                                 colorbar=dict(title="paragraphs")), row=1, col=col)
        fig.update_yaxes(autorange="reversed", tickfont=dict(size=11), row=1, col=col)
        fig.update_xaxes(tickangle=45, tickfont=dict(size=11), row=1, col=col)
    return style_figure(fig, title, height=max(420, 220 + 26 * tallest))


def cv_scores_figure(cv: dict[str, Any], names: dict[str, str], title: str) -> go.Figure:
    """Per-theme precision / recall / F1 (mean ± s.d. over folds); a dropdown picks the model."""
    models = cv.get("models", {})
    default = cv.get("default") if cv.get("default") in models else next(iter(models), None)
    fig = go.Figure()
    if default is None:
        return style_figure(fig, title + " (no scores)", height=260)
    order = [default] + [m for m in models if m != default]
    measures = [("precision", PALETTE[0]), ("recall", PALETTE[1]), ("f1", PALETTE[2])]
    titles = []
    for i, model in enumerate(order):
        scores = models[model]
        per_theme = scores.get("per_theme", {})
        themes = [t for t in names if t in per_theme] + [t for t in per_theme if t not in names]
        x = [names.get(t, t) for t in themes]
        for measure, colour in measures:
            y = [per_theme[t].get(measure) for t in themes]
            err = [per_theme[t].get(f"{measure}_std") or 0 for t in themes]
            fig.add_trace(go.Bar(x=x, y=y, name=measure, marker_color=colour,
                                 error_y=dict(type="data", array=err, visible=True), customdata=err,
                                 visible=i == 0, legendgroup=measure, showlegend=True,
                                 hovertemplate="%{x}<br>" + measure
                                 + " %{y:.3f} ± %{customdata:.3f}<extra>" + esc(model)
                                 + "</extra>"))

        def fmt(key: str) -> str:
            value, sd = scores.get(key), scores.get(f"{key}_std")
            if value is None:
                return "–"
            return f"{value:.3f}" + (f" ± {sd:.3f}" if sd is not None else "")

        titles.append(f"{title} — {model}: micro F1 {fmt('micro_f1')}, "
                      f"macro F1 {fmt('macro_f1')}")
    n = len(measures)
    if len(order) > 1:
        buttons = [dict(method="update", label=model,
                        args=[{"visible": [j // n == i for j in range(n * len(order))]},
                              {"title.text": titles[i]}]) for i, model in enumerate(order)]
        fig.update_layout(updatemenus=[dict(buttons=buttons, x=1.0, xanchor="right", y=1.15,
                                            yanchor="bottom")])
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    fig.update_yaxes(range=[0, 1.05], title="score")
    style_figure(fig, titles[0], height=480)
    fig.update_layout(margin=dict(t=110))
    return fig
