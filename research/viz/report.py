"""`report.html` for one run folder (the index of all runs is research/viz/index.py).

The page embeds plotly.js once, inline, and every figure after it reuses it, so a report is one
file that opens offline. To stay small (< 15 MB) per-model figures are drawn only for the best
setting of each model kind (mean NPMI; the first setting when metrics.json is missing), first
seed; the sweep figures cover every setting. Files the run should have but that are missing or
unreadable are named in a note in the summary.

The page is rendered from templates/report.html.j2 (summary: summary.html.j2, its tables built
from metrics.json and cv_scores.json in research/viz/tables.py); figures are placeholders plus
their plotly JSON, drawn when they come near the viewport by templates/lazy_figures.js.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup

from research.corpus.records import atomic_write_text
from research.viz.figures import (intertopic_map, paragraph_map, similarity_heatmap,
                                  top_words_bars, topic_hierarchy)
from research.viz.figures_compare import KIND_TITLE, overlap_matrix, sweep_figure
from research.viz.figures_lda import term_relevance
from research.viz.figures_prevalence import prevalence_figure
from research.viz.figures_themes import cv_scores_figure, theme_share_heatmap, topic_theme_heatmap
from research.run_folder import layout
from research.run_folder.layout import leaves_out
from research.run_folder.load import RunData, load_run
from research.viz.style import render
from research.viz.tables import (classifier_table, comparison_table, topics_table,
                                 verdict_table)

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@dataclass
class Section:
    """One <section>: a heading, why the figure is there, then the figure (or summary HTML)."""

    id: str
    title: str
    explain: str
    figure: go.Figure | None = None
    html: Markup | None = None


# --- summary ---------------------------------------------------------------------------------

def _model_settings(model: dict[str, Any]) -> str:
    """A configured model's settings on one line (``k=[4, 6], iterations=50, embedding=…``)."""
    parts = []
    for key, value in model.items():
        if key in ("kind", "name") or value is None:
            continue
        if isinstance(value, dict):
            value = value.get("backend") or json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def summary_facts(data: RunData) -> list[tuple[str, Any]]:
    """The run and its corpus as (label, value) pairs."""
    m, config = data.manifest, data.manifest.config
    docs = {p.get("doc") for p in data.corpus}
    subdocs = {(p.get("doc"), p.get("title")) for p in data.corpus}
    sources = sorted({str(t.get("source", "")) for t in data.themes} - {""})
    facts: list[tuple[str, Any]] = [
        ("run", data.name), ("kind", data.kind), ("created", m.created or "–"),
        # name/stamp, not the absolute path: the page is the same wherever the run is copied
        ("folder", f"{data.folder.parent.name}/{data.folder.name}"),
        ("paragraphs", m.fact("paragraphs", len(data.corpus) or "–")),
        ("documents", len(docs) or "–"), ("sub-documents (titles)", len(subdocs) or "–")]
    if data.themes:
        facts.append(("theme-labelled paragraphs",
                      f"{len(data.themes)} ({', '.join(sources) or 'unknown source'})"))
    seeds = (m.random_seeds or m.fact("seeds") or config.get("random_seeds")
             or config.get("seeds"))  # "seeds" in runs made before the rename
    if seeds:
        facts.append(("random seeds", ", ".join(map(str, seeds))))
    if m.fact("fits"):
        facts.append(("models fitted", m.fact("fits")))
    for key in ("corpus_hash", "raw_data_hash", "git_commit", "platform"):
        if getattr(m, key):
            facts.append((key.replace("_", " "), getattr(m, key)))
    corpus = config.get("corpus") if isinstance(config.get("corpus"), dict) else {}
    if corpus.get("folder") or corpus.get("seeds"):
        facts.append(("raw documents", corpus.get("folder") or corpus["seeds"]))
    return facts


def summary_html(data: RunData) -> Markup:
    """Corpus size, configuration, comparison table, versions and timings."""
    m, config = data.manifest, data.manifest.config
    models = config.get("models") if isinstance(config.get("models"), list) else []
    return Markup(render(
        "summary.html.j2", facts=summary_facts(data),
        problems=[(name, reason, leaves_out(name))
                  for name, reason in data.problems.items()],
        models=[(x.get("name", ""), x.get("kind", ""), _model_settings(x))
                for x in models if isinstance(x, dict)],
        verdict=verdict_table(data.verdict),
        verdict_sentences=[e["sentence"] for e in data.verdict],
        flagged=[f"{r['name']} seed {r.get('seed', '?')}: {', '.join(map(str, r['flags']))}"
                 for r in data.metrics if r.get("flags")],
        comparison=comparison_table(data.metrics) if data.metrics else None,
        classifiers=(classifier_table(data.cv_scores, data.theme_names())
                     if data.cv_scores else None),
        timings=list(m.timings_seconds.items()), versions=list(m.versions.items()),
        config_json=json.dumps(config, ensure_ascii=False, indent=2) if config else ""))


# --- sections --------------------------------------------------------------------------------

def topic_sections(data: RunData) -> list[Section]:
    """Comparison across settings, then per-model figures for the best setting of each kind."""
    sections: list[Section] = []
    best = data.best_settings()
    chosen = "best by mean NPMI" if data.metrics else "first in topics.json (no metrics)"
    if data.metrics:
        sections.append(Section(
            "compare-metrics", "Coherence, diversity and stability across settings",
            "Each dot is one fit (a setting at one random seed; × marks a flagged fit) and the "
            "line joins each setting's mean over its unflagged seeds. LDA is plotted against the number of topics K, BERTopic "
            "against HDBSCAN's min_cluster_size (BERTopic chooses its own number of topics, "
            "shown in the last row). Higher is better for every metric shown.",
            sweep_figure(data.metrics, "Metrics by setting")))
    picked = {kind: data.model(name) for kind, name in best.items()}
    lda, bert = picked.get("lda"), picked.get("bertopic")
    if lda and bert:
        sections.append(Section(
            "compare-overlap", "LDA × BERTopic topic overlap",
            f"Jaccard overlap of the top words of the LDA setting ({lda.name}) and the "
            f"BERTopic setting ({bert.name}) {chosen}, first seed. A bright cell means "
            "both models found the same topic; a row or column without one is a topic only one "
            "model found.",
            overlap_matrix(lda.topics, bert.topics, "Top-word overlap (Jaccard)",
                           f"LDA {lda.name}", f"BERTopic {bert.name}")))
    order = [k for k in ("lda", "bertopic") if k in picked] + sorted(
        set(picked) - {"lda", "bertopic"})
    paragraphs = {p["id"]: p for p in data.corpus}
    for kind in order:
        model = picked[kind]
        if model is None:
            continue
        label = KIND_TITLE.get(kind, kind)
        which = (f"Best {label} setting by mean NPMI: {model.name}, seed {model.seed}"
                 f" ({len(model.topics)} topics)." if data.metrics else
                 f"First {label} setting in topics.json: {model.name}, seed {model.seed} "
                 f"({len(model.topics)} topics; without metrics.json settings are not ranked).")
        prefix = f"{label} · {model.name} (seed {model.seed})"
        described = topics_table(model.topics, paragraphs)
        if described is not None:
            sections.append(Section(
                f"{kind}-topics", f"{label}: what each topic is",
                f"{which} Read the typical paragraphs before naming a topic.",
                html=Markup(render("topics.html.j2", table=described))))
        sections.append(Section(
            f"{kind}-map", f"{label}: intertopic distance map",
            f"{which} Topics are circles with area proportional to their paragraph count, "
            "placed by classical MDS of the cosine distance between their top-word weight "
            "vectors: overlapping circles are topics that share words. Hover for the words.",
            intertopic_map(model.topics, f"{prefix}: intertopic distance map")))
        sections.append(Section(
            f"{kind}-words", f"{label}: top words per topic",
            f"{which} The highest-weighted words of each topic "
            f"({'p(w|t)' if kind == 'lda' else 'c-TF-IDF'}); the number is the topic's "
            "paragraph count.", top_words_bars(model.topics, f"{prefix}: top words")))
        sections.append(Section(
            f"{kind}-similarity", f"{label}: topic similarity",
            f"{which} Cosine similarity of the topics' top-word weight vectors. Bright "
            "off-diagonal cells flag near-duplicate topics, which lower diversity.",
            similarity_heatmap(model.topics, f"{prefix}: topic similarity")))
        if model.name in data.lda_terms:
            terms = data.lda_terms[model.name]
            scale = ("" if kind == "lda" else " p(w|t) is the topic's c-TF-IDF row scaled to "
                     "sum to 1, so the view reads the same for both models.")
            sections.append(Section(
                f"{kind}-relevance", f"{label}: term relevance (adjustable λ)",
                f"{which}{scale} As in pyLDAvis: the 30 most probable terms of the topic (seed "
                f"{terms.get('seed', model.seed)}) re-ranked by relevance = λ·log p(w|t) + "
                "(1−λ)·log(p(w|t)/p(w)). λ = 1 ranks by probability in the topic; small λ "
                "favours terms specific to it. Grey: the term's overall frequency p(w); "
                "colour: the part of it this topic accounts for. Choose the topic in the "
                "menu and λ on the slider.", term_relevance(terms, f"{prefix}")))
        if kind == "bertopic":
            sections.append(Section(
                "bertopic-hierarchy", "BERTopic: topic hierarchy",
                f"{which} Average-linkage clustering of the topics' top-word vectors (cosine "
                "distance): topics that join early are candidates to merge.",
                topic_hierarchy(model.topics, f"{prefix}: hierarchy")))
            column = data.assignments.get(model.column)
            if data.embedding_map and column is not None:
                sections.append(Section(
                    "bertopic-paragraphs", "BERTopic: paragraph map",
                    f"{which} Every paragraph placed by a 2-D UMAP of the run's paragraph "
                    "embeddings and coloured by its topic (grey = outliers, topic −1). Hover "
                    "for the text; click legend entries to hide or isolate topics.",
                    paragraph_map(data.embedding_map, data.assignment_ids, column,
                                  model.topics, paragraphs, f"{prefix}: paragraphs")))
        sections += prevalence_sections(data, kind, model, which, prefix)
    return sections


def prevalence_sections(data: RunData, kind: str, model: Any, which: str,
                        prefix: str) -> list[Section]:
    """Topic prevalence of one model by each ``prevalence_by`` metadata column, with intervals
    (from prevalence_<column>.csv)."""
    import pandas as pd

    from research.run_folder.layout import prevalence_file

    label = KIND_TITLE.get(kind, kind)
    sections: list[Section] = []
    tables = [(column, rows, False) for column, rows in data.prevalence.items()]
    tables += [(column, rows, True) for column, rows in data.prevalence_without_reused.items()]
    for number, (column, rows, left_out) in enumerate(tables):
        part = pd.DataFrame([r for r in rows if r["model"] == model.column])
        if part.empty:
            continue
        table = part.rename(columns={column: "group"}).assign(
            outcome=part["topic"].astype(str))
        names = {o: f"{o} · {name}" if name else o
                 for o, name in zip(table["outcome"], table["label"])}
        over = ", without reused text" if left_out else ""
        sections.append(Section(
            f"{kind}-prevalence-{number}", f"{label}: topics by {column}{over}",
            f"{which} Each panel is one topic: per value of the metadata column {column}, the "
            "share of paragraphs whose topic it is, with a 95% interval from a bootstrap over "
            "the reports a metadata row describes (paragraphs of one report are resampled "
            "together). A group of one report has no spread between reports: its interval is "
            "over that report's paragraphs (open diamond, *). "
            + ("Paragraphs that are mostly text reused from an earlier report are left out. "
               if left_out else "")
            + f"Every fit's table is in {prevalence_file(column, left_out)}.",
            prevalence_figure(table, f"{prefix}: topic share by {column}{over}", names)))
    return sections


def theme_sections(data: RunData) -> list[Section]:
    """Theme shares per (sub-)document, topics × themes, classifier cross-validation."""
    sections: list[Section] = []
    names = data.theme_names()
    source = ", ".join(sorted({str(t.get("source", "")) for t in data.themes} - {""})) or "labels"
    if data.themes and data.corpus:
        sections.append(Section(
            "themes-docs", "Themes per document",
            f"Share of each document's labelled paragraphs ({source} labels) that discuss "
            "each theme. A paragraph can carry several themes, so rows need not sum to 100%; "
            "“(none)” is the share with no theme.",
            theme_share_heatmap(data.corpus, data.themes, names, "doc",
                                "Theme share per document")))
        sections.append(Section(
            "themes-subdocs", "Themes per sub-document",
            "The same shares for each sub-document (a titled part of a source file), showing "
            "where inside a compilation each theme is discussed.",
            theme_share_heatmap(data.corpus, data.themes, names, "title",
                                "Theme share per sub-document")))
    chosen = "best by mean NPMI" if data.metrics else "first in topics.json"
    if data.themes and data.models:
        panels = []
        for kind, name in data.best_settings().items():
            model = data.model(name)
            if model is None or model.column not in data.assignments:
                continue
            panels.append({"title": f"{KIND_TITLE.get(kind, kind)} {name} (seed {model.seed})",
                           "topics": model.topics, "ids": data.assignment_ids,
                           "assignments": data.assignments[model.column]})
        panels.sort(key=lambda p: 0 if p["title"].startswith("LDA") else 1)
        if panels:
            sections.append(Section(
                "themes-topics", "Topics × themes",
                f"How many labelled paragraphs ({source}) of each theme fall into each topic of "
                f"the setting per model kind that is {chosen} (first seed). A topic that maps "
                "onto one theme has one dark cell in its row.",
                topic_theme_heatmap(panels, data.themes, names, "Paragraphs per topic and theme")))
    if data.cv_scores:
        sections.append(Section(
            "themes-cv", "Theme classifier: cross-validated scores",
            "Per-theme precision, recall and F1 of the classifier, mean over cross-validation "
            "folds with one standard deviation as error bars; the menu switches between the "
            "candidate models (the default one first).",
            cv_scores_figure(data.cv_scores, names, "Cross-validation")))
    return sections


def build_sections(data: RunData) -> list[Section]:
    summary = Section("summary", "Summary",
                      "The verdict first, then what was run, on which corpus, and how every "
                      "setting and seed compares.",
                      html=summary_html(data))
    return [summary] + topic_sections(data) + theme_sections(data)


def figure_spec(figure: go.Figure) -> Markup:
    """A figure's plotly JSON, safe inside <script type="application/json"> (no ``</``)."""
    return Markup(figure.to_json().replace("</", "<\\/"))


def render_report(data: RunData) -> str:
    """The full report page as a string: plotly.js inline once, figures drawn lazily by
    templates/lazy_figures.js, no external resources."""
    from plotly.offline import get_plotlyjs

    sections = [{"id": s.id, "title": s.title, "explain": s.explain, "html": s.html,
                 "spec": figure_spec(s.figure) if s.figure is not None else None,
                 "height": int(s.figure.layout.height or 450) if s.figure is not None else 0}
                for s in build_sections(data)]
    return render("report.html.j2", title=f"Report · {data.name} · {data.folder.name}",
                  name=data.name, kind=data.kind, created=data.manifest.created,
                  folder=data.folder.name, sections=sections, plotly_config=PLOTLY_CONFIG,
                  plotly_js=Markup(get_plotlyjs()))


def save_report(data: RunData) -> Path:
    """Write the report of loaded run data into its folder (atomically); return its path."""
    target = data.run_dir / layout.REPORT
    atomic_write_text(target, render_report(data))
    return target


def write_report(run_dir: Path, shown_as: Path | None = None) -> Path:
    """Write ``run_dir/report.html`` and return its path.

    ``shown_as`` is the folder name the page shows: a run draws its report in its hidden working
    folder, before that folder is renamed to ``shown_as``.
    """
    data = load_run(Path(run_dir))
    data.shown_dir = Path(shown_as) if shown_as is not None else None
    return save_report(data)
