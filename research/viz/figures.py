"""Per-model topic figures (both kinds): intertopic map, top words, similarity, hierarchy, map.

All take plain topic dicts ({id, words, weights, size}) so LDA and BERTopic are drawn by the
same code; topic vectors are the topics' top-word weights over the union of their words.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from research.viz.style import colour, esc, style_figure, wrap

MAX_BAR_TOPICS = 24


def topic_label(topic: dict[str, Any], n_words: int = 3) -> str:
    """'3: 学校·教师·农村', short enough for axis ticks and legends."""
    return f"{topic['id']}: " + "·".join(topic["words"][:n_words])


def topic_vectors(topics: list[dict[str, Any]]) -> np.ndarray:
    """Rows = topics, columns = union of their top words, each row normalised to sum 1.

    Weights are clipped at 0 (c-TF-IDF can go slightly negative) and a topic whose weights are
    all zero gets uniform weight on its own words, so no row is ever all zeros.
    """
    vocab: dict[str, int] = {}
    for t in topics:
        for w in t["words"]:
            vocab.setdefault(w, len(vocab))
    matrix = np.zeros((len(topics), max(len(vocab), 1)))
    for i, t in enumerate(topics):
        weights = [max(float(x), 0.0) for x in t.get("weights", [])]
        weights += [0.0] * (len(t["words"]) - len(weights))
        if sum(weights) <= 0:
            weights = [1.0] * len(t["words"])
        for w, x in zip(t["words"], weights):
            matrix[i, vocab[w]] += x
    sums = matrix.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1.0
    return matrix / sums


def cosine_similarity(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit = matrix / norms
    return np.clip(unit @ unit.T, 0.0, 1.0)


def classical_mds(distances: np.ndarray, dims: int = 2) -> np.ndarray:
    """Torgerson MDS: coordinates whose Euclidean distances approximate ``distances``."""
    n = distances.shape[0]
    if n == 1:
        return np.zeros((1, dims))
    centre = np.eye(n) - np.ones((n, n)) / n
    b = -0.5 * centre @ (distances ** 2) @ centre
    values, vectors = np.linalg.eigh(b)
    order = np.argsort(values)[::-1][:dims]
    coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
    if coords.shape[1] < dims:
        coords = np.hstack([coords, np.zeros((n, dims - coords.shape[1]))])
    return coords


def _empty(message: str, title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper",
                       yref="paper", font=dict(size=14))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style_figure(fig, title, height=260)


def intertopic_map(topics: list[dict[str, Any]], title: str) -> go.Figure:
    """Topics as circles (area ∝ paragraphs) placed by MDS of cosine distances."""
    if not topics:
        return _empty("this model found no topics", title)
    coords = classical_mds(1.0 - cosine_similarity(topic_vectors(topics)))
    sizes = [max(int(t.get("size", 0)), 1) for t in topics]
    max_px = 70.0
    hover = [f"<b>topic {t['id']}</b> · {t.get('size', 0)} paragraphs<br>"
             + wrap("、".join(t["words"]), width=24, limit=200) for t in topics]
    fig = go.Figure(go.Scatter(
        x=coords[:, 0], y=coords[:, 1], mode="markers+text",
        text=[str(t["id"]) for t in topics], textfont=dict(size=12, color="#1f2933"),
        hovertext=hover, hoverinfo="text",
        marker=dict(size=sizes, sizemode="area", sizeref=2.0 * max(sizes) / max_px ** 2,
                    sizemin=6, color=[colour(int(t["id"])) for t in topics], opacity=0.6,
                    line=dict(width=1, color="#333"))))
    fig.update_xaxes(title="MDS dimension 1", zeroline=True, showticklabels=False)
    fig.update_yaxes(title="MDS dimension 2", zeroline=True, showticklabels=False,
                     scaleanchor="x", scaleratio=1)
    return style_figure(fig, title, height=560)


def top_words_bars(topics: list[dict[str, Any]], title: str, n_words: int = 10,
                   cols: int = 4) -> go.Figure:
    """One small horizontal bar chart of top-word weights per topic (largest topics first)."""
    if not topics:
        return _empty("this model found no topics", title)
    shown = sorted(topics, key=lambda t: -int(t.get("size", 0)))[:MAX_BAR_TOPICS]
    if len(topics) > len(shown):
        title += f" (the {len(shown)} largest of {len(topics)} topics)"
    rows = math.ceil(len(shown) / cols)
    fig = make_subplots(rows=rows, cols=cols,
                        subplot_titles=[f"topic {t['id']} ({t.get('size', 0)})" for t in shown],
                        horizontal_spacing=0.09,
                        vertical_spacing=min(0.12, 0.6 / max(rows, 1)))
    for i, t in enumerate(shown):
        words = t["words"][:n_words][::-1]
        weights = [float(x) for x in t.get("weights", [])[:n_words]][::-1]
        fig.add_trace(go.Bar(x=weights, y=words, orientation="h",
                             marker_color=colour(int(t["id"])), showlegend=False,
                             hovertemplate="%{y}: %{x:.4f}<extra>topic " + str(t["id"])
                             + "</extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(tickfont=dict(size=11))
    fig.update_annotations(font_size=12)
    return style_figure(fig, title, height=80 + 230 * rows)


def similarity_heatmap(topics: list[dict[str, Any]], title: str) -> go.Figure:
    """Cosine similarity of topic-word vectors: bright off-diagonal cells = near-duplicates."""
    if not topics:
        return _empty("this model found no topics", title)
    sim = cosine_similarity(topic_vectors(topics))
    labels = [topic_label(t) for t in topics]
    hover = [[f"{esc(labels[i])}<br>{esc(labels[j])}<br>cosine {sim[i, j]:.2f}"
              for j in range(len(topics))] for i in range(len(topics))]
    fig = go.Figure(go.Heatmap(z=np.round(sim, 3), x=labels, y=labels, hovertext=hover,
                               hoverinfo="text", colorscale="Blues", zmin=0, zmax=1,
                               colorbar=dict(title="cosine")))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11))
    fig.update_xaxes(tickangle=45, tickfont=dict(size=11))
    side = max(420, min(1000, 160 + 30 * len(topics)))
    return style_figure(fig, title, height=side)


def topic_hierarchy(topics: list[dict[str, Any]], title: str) -> go.Figure:
    """Dendrogram of topics (average linkage on cosine distance), like BERTopic's hierarchy."""
    if len(topics) < 2:
        return _empty("a hierarchy needs at least two topics", title)
    import plotly.figure_factory as ff
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    vectors = topic_vectors(topics)
    labels = [topic_label(t, 4) for t in topics]
    fig = ff.create_dendrogram(vectors, orientation="left", labels=labels,
                               distfun=lambda x: np.clip(pdist(x, "cosine"), 0.0, None),
                               linkagefun=lambda d: linkage(d, "average"))
    fig.update_xaxes(title="cosine distance", showgrid=True)
    fig.update_yaxes(tickfont=dict(size=11))
    fig.update_layout(showlegend=False, width=None, autosize=True)
    style_figure(fig, title, height=max(360, 120 + 24 * len(topics)))
    fig.update_layout(margin=dict(l=220))
    return fig


def paragraph_map(coords: dict[str, tuple[float, float]], ids: list[str],
                  assignments: list[int], topics: list[dict[str, Any]],
                  paragraphs: dict[str, dict[str, Any]], title: str) -> go.Figure:
    """2-D paragraph map coloured by topic; hover shows the paragraph (wrapped, truncated)."""
    labels = {t["id"]: topic_label(t) for t in topics}
    groups: dict[int, list[str]] = {}
    for pid, topic in zip(ids, assignments):
        if pid in coords:
            groups.setdefault(topic, []).append(pid)
    if not groups:
        return _empty("no paragraph coordinates for this run", title)
    order = sorted(groups, key=lambda t: (t != -1, t))
    fig = go.Figure()
    for topic in order:
        members = groups[topic]
        name = "outliers (-1)" if topic == -1 else labels.get(topic, f"{topic}")
        hover = []
        for pid in members:
            para = paragraphs.get(pid, {})
            head = f"<b>{esc(name)}</b><br>{esc(str(para.get('title', ''))[:40])}"
            hover.append(head + "<br>" + wrap(para.get("text", pid)))
        fig.add_trace(go.Scatter(
            x=[coords[p][0] for p in members], y=[coords[p][1] for p in members],
            mode="markers", name=name, hovertext=hover, hoverinfo="text",
            marker=dict(size=6 if topic == -1 else 7, opacity=0.5 if topic == -1 else 0.8,
                        color=colour(topic))))
    fig.update_xaxes(showticklabels=False, title="UMAP 1")
    fig.update_yaxes(showticklabels=False, title="UMAP 2")
    fig.update_layout(legend=dict(font=dict(size=11), itemsizing="constant"))
    return style_figure(fig, title, height=620)
