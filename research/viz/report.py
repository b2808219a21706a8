"""`report.html` for one run folder (the index of all runs is research/viz/index.py).

The page embeds plotly.js once, inline, and every figure after it reuses it, so a report is one
file that opens offline. To stay small (< 15 MB) per-model figures are drawn only for the best
setting of each model kind (mean NPMI; the first setting when metrics.json is missing), first
seed; the sweep figures cover every setting. Files the run should have but that are missing or
unreadable are named in a note in the summary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from research.corpus.records import atomic_write_text
from research.viz.figures import (intertopic_map, paragraph_map, similarity_heatmap,
                                  top_words_bars, topic_hierarchy)
from research.viz.figures_compare import KIND_TITLE, overlap_matrix, sweep_figure
from research.viz.figures_lda import term_relevance
from research.viz.figures_themes import cv_scores_figure, theme_share_heatmap, topic_theme_heatmap
from research.viz.load import LEAVES_OUT, RunData, load_run
from research.viz.style import esc, page

REPORT_NAME = "report.html"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@dataclass
class Section:
    """One <section>: a heading, why the figure is there, then the figure (or plain HTML)."""

    id: str
    title: str
    explain: str
    figure: go.Figure | None = None
    html: str = ""


# --- small helpers ---------------------------------------------------------------------------

def _inline(text: str) -> str:
    """Escape, then the only inline markdown comparison.md uses: **bold** and `code`."""
    text = esc(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


NUMERIC = re.compile(r"^[-+]?\d[\d.,]*(\s*±\s*\d[\d.,]*)?$|^–$")


def markdown_to_html(markdown: str) -> str:
    """Tables, bullet lists and paragraphs: enough for comparison.md, with escaping."""
    out: list[str] = []
    table: list[list[str]] = []
    bullets: list[str] = []

    def flush() -> None:
        if table:
            head, body = table[0], table[1:]
            rows = "".join("<tr>" + "".join(
                f"<td class=\"num\">{_inline(c)}</td>" if NUMERIC.match(c) else
                f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in body)
            out.append("<div class=\"table-wrap\"><table><thead><tr>"
                       + "".join(f"<th>{_inline(c)}</th>" for c in head)
                       + f"</tr></thead><tbody>{rows}</tbody></table></div>")
            table.clear()
        if bullets:
            out.append("<ul>" + "".join(f"<li>{_inline(b)}</li>" for b in bullets) + "</ul>")
            bullets.clear()

    for line in markdown.splitlines():
        line = line.strip()
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                table.append(cells)
            continue
        if line.startswith(("- ", "* ")):
            if table:
                flush()
            bullets.append(line[2:])
            continue
        flush()
        if line:
            out.append(f"<p>{_inline(line.lstrip('#').strip())}</p>")
    flush()
    return "\n".join(out)


def _table(rows: list[tuple[str, Any]], head: tuple[str, str]) -> str:
    body = "".join(f"<tr><td>{esc(k)}</td><td class=\"num\">{esc(v)}</td></tr>" for k, v in rows)
    return (f"<table><thead><tr><th>{esc(head[0])}</th><th>{esc(head[1])}</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _model_summary(model: dict[str, Any]) -> str:
    parts = []
    for key, value in model.items():
        if key in ("kind", "name") or value is None:
            continue
        if isinstance(value, dict):
            value = value.get("backend") or json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={value}")
    return f"<li><strong>{esc(model.get('name', ''))}</strong> ({esc(model.get('kind', ''))}):" \
           f" {esc(', '.join(parts))}</li>"


# --- summary ---------------------------------------------------------------------------------

def summary_html(data: RunData) -> str:
    """Corpus size, configuration, comparison table, versions and timings."""
    m, config = data.manifest, data.manifest.get("config") or {}
    docs = {p.get("doc") for p in data.corpus}
    subdocs = {(p.get("doc"), p.get("title")) for p in data.corpus}
    sources = sorted({str(t.get("source", "")) for t in data.themes} - {""})
    facts: list[tuple[str, Any]] = [
        ("run", data.name), ("kind", data.kind), ("created", m.get("created", "–")),
        ("folder", str(data.folder)),
        ("paragraphs", m.get("paragraphs", len(data.corpus) or "–")),
        ("documents", len(docs) or "–"), ("sub-documents (titles)", len(subdocs) or "–")]
    if data.themes:
        facts.append(("theme-labelled paragraphs",
                      f"{len(data.themes)} ({', '.join(sources) or 'unknown source'})"))
    seeds = (m.get("random_seeds") or m.get("seeds") or config.get("random_seeds")
             or config.get("seeds"))  # "seeds" in runs made before the rename
    if seeds:
        facts.append(("random seeds", ", ".join(map(str, seeds))))
    if m.get("fits"):
        facts.append(("models fitted", m["fits"]))
    for key in ("corpus_hash", "raw_data_hash", "git_commit", "platform"):
        if m.get(key):
            facts.append((key.replace("_", " "), m[key]))
    corpus = config.get("corpus") if isinstance(config.get("corpus"), dict) else {}
    if corpus.get("folder") or corpus.get("seeds"):
        facts.append(("raw documents", corpus.get("folder") or corpus["seeds"]))
    parts = ["<dl class=\"facts\">" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                                            for k, v in facts) + "</dl>"]
    if data.problems:
        parts.append(missing_files_html(data.problems))
    if config.get("models"):
        parts.append("<h3>Models</h3><ul>" + "".join(_model_summary(x) for x in config["models"]
                                                      if isinstance(x, dict)) + "</ul>")
    if data.comparison_md:
        parts.append("<h3>Comparison (comparison.md)</h3>" + markdown_to_html(data.comparison_md))
    if data.cv_scores:
        rows = []
        for name, s in data.cv_scores.get("models", {}).items():
            flag = " (default)" if name == data.cv_scores.get("default") else ""
            rows.append(f"<tr><td>{esc(name + flag)}</td>"
                        f"<td class=\"num\">{plus_minus(s, 'micro_f1')}</td>"
                        f"<td class=\"num\">{plus_minus(s, 'macro_f1')}</td></tr>")
        parts.append("<h3>Cross-validated classifiers</h3><table><thead><tr><th>model</th>"
                     "<th>micro F1</th><th>macro F1</th></tr></thead><tbody>" + "".join(rows)
                     + "</tbody></table>")
    side = []
    if m.get("timings_seconds"):
        side.append("<div>" + _table(list(m["timings_seconds"].items()), ("stage", "seconds"))
                    + "</div>")
    if m.get("versions"):
        side.append("<div>" + _table(list(m["versions"].items()), ("package", "version"))
                    + "</div>")
    if side:
        parts.append("<h3>Timings and versions</h3><div style=\"display:flex;gap:32px;"
                     "flex-wrap:wrap;align-items:flex-start\">" + "".join(side) + "</div>")
    if config:
        parts.append("<details><summary>full configuration</summary><pre>"
                     + esc(json.dumps(config, ensure_ascii=False, indent=2)) + "</pre></details>")
    return "\n".join(parts)


def missing_files_html(problems: dict[str, str]) -> str:
    """The visible note on files the run should have but that are missing or unreadable."""
    items = "".join(f"<li><code>{esc(name)}</code> {esc(reason)}: this report leaves out "
                    f"{esc(LEAVES_OUT.get(name, 'what it holds'))}.</li>"
                    for name, reason in problems.items())
    return ("<div class=\"missing-files\"><strong>Files missing or unreadable</strong>"
            f"<ul>{items}</ul></div>")


def plus_minus(scores: dict[str, Any], key: str) -> str:
    value, sd = scores.get(key), scores.get(f"{key}_std")
    if not isinstance(value, (int, float)):
        return "–"
    return f"{value:.3f}" + (f" ± {sd:.3f}" if isinstance(sd, (int, float)) else "")


# --- sections --------------------------------------------------------------------------------

def topic_sections(data: RunData) -> list[Section]:
    """Comparison across settings, then per-model figures for the best setting of each kind."""
    sections: list[Section] = []
    best = data.best_settings()
    chosen = "best by mean NPMI" if data.metrics else "first in topics.json (no metrics)"
    if data.metrics:
        sections.append(Section(
            "compare-metrics", "Coherence, diversity and stability across settings",
            "Each point is a setting's mean over random seeds; error bars are one standard "
            "deviation across seeds. LDA is plotted against the number of topics K, BERTopic "
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
        if kind == "lda" and model.name in data.lda_terms:
            terms = data.lda_terms[model.name]
            sections.append(Section(
                "lda-relevance", "LDA: term relevance (adjustable λ)",
                f"{which} As in pyLDAvis: the 30 most probable terms of the topic (seed "
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
                      "What was run, on which corpus, and how the settings compare.",
                      html=summary_html(data))
    return [summary] + topic_sections(data) + theme_sections(data)


#: Figures render when they come near the viewport, the rest one by one in idle time; the page
#: opens without waiting for fourteen plots. `report-rendered` fires when all are drawn.
LAZY_LOADER = """<script type="text/javascript">
(function () {
  var pending = Array.prototype.slice.call(document.querySelectorAll('div.plot[data-figure]'));
  var total = pending.length, done = 0;
  function finished() {
    done += 1;
    if (done === total) {
      window.reportRendered = true;
      document.dispatchEvent(new Event('report-rendered'));
    }
  }
  function draw(div) {
    if (div.dataset.drawn) { return; }
    div.dataset.drawn = '1';
    try {
      var spec = JSON.parse(document.getElementById(div.dataset.figure).textContent);
      Plotly.newPlot(div, spec.data, spec.layout, CONFIG).then(finished, function (e) {
        console.error('figure ' + div.id + ' failed: ' + e);
        finished();
      });
    } catch (e) {
      console.error('figure ' + div.id + ' failed: ' + e);
      finished();
    }
  }
  var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (items) {
    items.forEach(function (item) {
      if (item.isIntersecting) { observer.unobserve(item.target); draw(item.target); }
    });
  }, {rootMargin: '400px 0px'}) : null;
  pending.forEach(function (div) { if (observer) { observer.observe(div); } });
  var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 30); };
  function next() {
    var div = pending.shift();
    if (!div) { return; }
    draw(div);
    idle(next);
  }
  window.addEventListener('load', function () { idle(next); });
  if (total === 0) { window.reportRendered = true; }
})();
</script>"""


def figure_block(section_id: str, figure: go.Figure) -> str:
    """A placeholder div plus the figure's JSON; the loader draws it (see LAZY_LOADER)."""
    data_id = f"fig-{section_id}"
    spec = figure.to_json().replace("</", "<\\/")
    height = figure.layout.height or 450
    return (f"<div class=\"figure\"><div class=\"plot\" id=\"plot-{esc(section_id)}\" "
            f"data-figure=\"{esc(data_id)}\" style=\"min-height:{int(height)}px\"></div>"
            f"<script type=\"application/json\" id=\"{esc(data_id)}\">{spec}</script></div>")


def render_report(data: RunData) -> str:
    """The full report page as a string (plotly.js inline once, no external resources)."""
    from plotly.offline import get_plotlyjs

    sections = build_sections(data)
    blocks = []
    for s in sections:
        figure = figure_block(s.id, s.figure) if s.figure is not None else ""
        blocks.append(f"<section id=\"{esc(s.id)}\"><h2>{esc(s.title)}</h2>"
                      f"<p class=\"explain\">{esc(s.explain)}</p>{s.html}{figure}</section>")
    toc = "".join(f"<a href=\"#{esc(s.id)}\">{esc(s.title)}</a>" for s in sections)
    created = data.manifest.get("created", "")
    scripts = (f"<script type=\"text/javascript\">{get_plotlyjs()}</script>"
               f"<script type=\"text/javascript\">var CONFIG = {json.dumps(PLOTLY_CONFIG)};"
               f"</script>{LAZY_LOADER}")
    body = (f"<header class=\"page\"><h1>Run report: {esc(data.name)}</h1>"
            f"<p>{esc(data.kind)} run · {esc(created)} · {esc(data.folder.name)}</p></header>"
            f"<nav class=\"toc\">{toc}</nav><main>{''.join(blocks)}</main>{scripts}")
    return page(f"Report · {data.name} · {data.folder.name}", body)


def save_report(data: RunData) -> Path:
    """Write the report of loaded run data into its folder (atomically); return its path."""
    target = data.run_dir / REPORT_NAME
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
