"""LDA term relevance with an adjustable λ, the way pyLDAvis ranks a topic's terms.

relevance(w, t) = λ·log p(w|t) + (1-λ)·log(p(w|t) / p(w)); λ = 1 ranks by probability
within the topic, small λ favours words specific to the topic. Every (topic, λ) ranking is precomputed, so
the figure needs no server: a dropdown picks the topic, a slider restyles the bars for λ.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from research.viz.style import colour, esc, style_figure

LAMBDAS = [round(i / 10, 1) for i in range(11)]
DEFAULT_LAMBDA = 0.6  # pyLDAvis' user study found 0.6 the most helpful starting point
EPS = 1e-12


def relevance(p_w_t: float, p_w: float, lam: float) -> float:
    p_w_t, p_w = max(p_w_t, EPS), max(p_w, EPS)
    return lam * math.log(p_w_t) + (1.0 - lam) * math.log(p_w_t / p_w)


def ranked_terms(terms: list[list[Any]], term_freq: dict[str, float], lam: float,
                 n: int = 30) -> list[tuple[str, float, float, float]]:
    """(word, p(w|t), p(w), relevance) for the topic's stored terms, most relevant first."""
    rows = []
    for word, p_w_t in terms:
        p_w = float(term_freq.get(word, 0.0))
        rows.append((str(word), float(p_w_t), p_w, relevance(float(p_w_t), p_w, lam)))
    rows.sort(key=lambda r: -r[3])
    return rows[:n]


def _bars(rows: list[tuple[str, float, float, float]], prevalence: float
          ) -> tuple[list[str], list[float], list[float], list[str]]:
    """Reversed (plotly draws the first category at the bottom) y, overall x, topic x, hover."""
    rows = rows[::-1]
    words = [r[0] for r in rows]
    overall = [round(r[2], 6) for r in rows]
    in_topic = [round(r[1] * prevalence, 6) for r in rows]
    hover = [f"<b>{esc(r[0])}</b><br>p(w|t) {r[1]:.4f} · p(w) {r[2]:.4f}<br>"
             f"lift {r[1] / max(r[2], EPS):.1f} · relevance {r[3]:.2f}" for r in rows]
    return words, overall, in_topic, hover


def term_relevance(model: dict[str, Any], title: str, n_terms: int = 30) -> go.Figure:
    """Bars of overall frequency p(w) (grey) and the topic's share p(w|t)·p(t) (colour)."""
    terms = model.get("terms", {})
    topic_ids = sorted(terms, key=lambda k: int(k))
    prevalence = list(model.get("prevalence", []))
    term_freq = model.get("term_freq", {})
    fig = go.Figure()
    if not topic_ids:
        return style_figure(fig, title + " (no term table)", height=260)

    def prev(i: int) -> float:
        return float(prevalence[i]) if i < len(prevalence) else 1.0 / len(topic_ids)

    per_lambda: dict[float, list[tuple[list[str], list[float], list[float], list[str]]]] = {
        lam: [_bars(ranked_terms(terms[t], term_freq, lam, n_terms), prev(i))
              for i, t in enumerate(topic_ids)] for lam in LAMBDAS}
    start = per_lambda[DEFAULT_LAMBDA]
    for i, t in enumerate(topic_ids):
        words, overall, in_topic, hover = start[i]
        visible = i == 0
        fig.add_trace(go.Bar(x=overall, y=words, orientation="h", name="overall p(w)",
                             marker_color="#c9d3de", visible=visible, hoverinfo="skip",
                             legendgroup="overall", showlegend=True))
        fig.add_trace(go.Bar(x=in_topic, y=words, orientation="h",
                             name="in this topic p(w|t)·p(t)", marker_color=colour(int(t)),
                             visible=visible, hovertext=hover, hoverinfo="text",
                             legendgroup="topic", showlegend=True))
    n = len(topic_ids)
    steps = []
    for lam in LAMBDAS:
        bars = per_lambda[lam]
        xs, ys, texts = [], [], []
        for words, overall, in_topic, hover in bars:
            xs += [overall, in_topic]
            ys += [words, words]
            texts += [None, hover]
        steps.append(dict(method="restyle", label=f"{lam:.1f}",
                          args=[{"x": xs, "y": ys, "hovertext": texts}, list(range(2 * n))]))
    buttons = []
    for i, t in enumerate(topic_ids):
        visible = [j // 2 == i for j in range(2 * n)]
        words = [w for w, _ in terms[t][:3]]
        buttons.append(dict(method="update", label=f"topic {t}: {'·'.join(words)}",
                            args=[{"visible": visible},
                                  {"title.text": f"{title} — topic {t} "
                                                 f"({prev(i):.1%} of tokens)"}]))
    fig.update_layout(
        barmode="overlay",
        updatemenus=[dict(type="dropdown", buttons=buttons, x=0.0, xanchor="left", y=1.07,
                          yanchor="bottom", showactive=True)],
        sliders=[dict(active=LAMBDAS.index(DEFAULT_LAMBDA), steps=steps, x=0.0, len=1.0,
                      y=-0.04, yanchor="top", pad=dict(t=30),
                      currentvalue=dict(prefix="λ = ", font=dict(size=13)))],
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.02, yanchor="bottom"),
    )
    fig.update_xaxes(title="probability", tickformat=".3f")
    fig.update_yaxes(tickfont=dict(size=12))
    style_figure(fig, f"{title} — topic {topic_ids[0]} ({prev(0):.1%} of tokens)",
                 height=180 + 22 * n_terms)
    fig.update_layout(margin=dict(t=130, b=120),
                      title=dict(yref="container", y=0.99, yanchor="top"))
    return fig
