"""The comparison a topics run reports: scores per fit, flags, topic descriptions, the verdict.

Every fit is scored by the same code (metrics/), checked for degenerate shapes (flags), and
described (label, FREX words, representative paragraphs); the verdict compares the best
setting of each model kind on unflagged fits only, with an interval on each difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from research.config import DiagnosticThresholds
from research.metrics.alignment import label_alignment
from research.metrics.coherence import CoherenceScorer
from research.metrics.diagnostics import fit_flags, subdocument_keys
from research.metrics.diversity import topic_diversity
from research.metrics.stability import stability
from research.metrics.summary import ACROSS_SEEDS, group_rows
from research.topics.base import TopicResult
from research.topics.describe import centroid_scores, describe_topics

#: Metrics shown per fit, in table order; stability is per setting (summary.ACROSS_SEEDS).
PER_FIT = ["npmi", "c_v", "diversity", "outlier_share", "perplexity", "label_nmi",
           "fit_seconds"]


def score(results: list[TopicResult], scorer: CoherenceScorer, ids: list[str],
          labels: dict[str, list[str]], order: list[str],
          points: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One metrics row per fitted model; stability is shared by the seeds of a setting.

    With ``points`` (sweep points by name), a row also names its model config (``model``) and
    the values swept to (``swept``), so figures group settings without parsing names.
    """
    rows = []
    by_setting: dict[str, list[TopicResult]] = {}
    for result in results:
        by_setting.setdefault(result.name, []).append(result)
    stable = {name: stability(group) for name, group in by_setting.items()}
    for r in results:
        row: dict[str, Any] = {"name": r.name, "kind": r.kind, "params": r.params,
                               "seed": r.seed, "n_topics": len(r.topics),
                               "npmi": scorer.npmi(r.topics), "c_v": scorer.c_v(r.topics),
                               "diversity": topic_diversity(r.topics, scorer.top_n),
                               **stable[r.name], **r.extra,
                               "fit_seconds": round(r.fit_seconds, 3)}
        if points and r.name in points:
            row["model"], row["swept"] = points[r.name].config.name, points[r.name].swept
        if labels:
            row.update(label_alignment(r, ids, labels, order))
        rows.append(row)
    return rows


def add_flags(rows: list[dict[str, Any]], results: Sequence[TopicResult],
              docs: Sequence[str], titles: Sequence[str],
              thresholds: DiagnosticThresholds) -> None:
    """Give each metrics row its fit's ``flags`` (empty when healthy) and ``diagnostics``."""
    subdocs = subdocument_keys(docs, titles)
    for row, result in zip(rows, results):
        diagnostics, found = fit_flags(result, docs, subdocs, thresholds)
        summary = diagnostics.to_dict()
        summary.pop("topics", None)  # per-topic sources: in topics.json, beside each topic
        row["flags"], row["diagnostics"] = found, summary
        sources = {t.topic: t for t in diagnostics.topics}
        for topic_id, description in describe_sources(sources).items():
            result.descriptions.setdefault(topic_id, {}).update(description)


def describe_sources(sources: dict[int, Any]) -> dict[int, dict[str, Any]]:
    """Per topic: the share of its paragraphs from its commonest document and sub-document."""
    return {topic: {"top_doc": s.top_doc, "doc_share": round(s.doc_share, 3),
                    "top_subdoc": s.top_subdoc, "subdoc_share": round(s.subdoc_share, 3)}
            for topic, s in sources.items()}


def describe(results: Sequence[TopicResult], ids: Sequence[str],
             embeddings: np.ndarray | None = None, n_words: int = 10,
             documents: Sequence[Sequence[str]] | None = None) -> None:
    """Label, FREX words and representative paragraphs for every topic of every fit.

    LDA scores paragraphs by θ; a fit without paragraph scores (BERTopic) by the cosine to its
    topic's centroid in the embedding space. ``documents`` (each paragraph's tokens): topics
    are described only by words of their own paragraphs.
    """
    for result in results:
        if result.topic_word is None or not result.topics:
            continue
        topic_ids = [t.id for t in result.topics]
        scores = result.doc_scores
        if scores is None:
            if embeddings is None:
                continue
            scores = centroid_scores(embeddings, result.assignments, max(topic_ids) + 1)
            scores = scores[:, topic_ids]
        for d in describe_topics(topic_ids, result.topic_word, result.vocabulary, scores, ids,
                                 assignments=result.assignments,
                                 word_counts=result.word_counts, n_words=n_words,
                                 documents=documents):
            result.descriptions.setdefault(d.id, {}).update(
                label=d.label, frex=d.frex, representative=d.representative)


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(cells) + " |" for cells in lines])


def verdict_markdown(entries: list[dict[str, Any]]) -> list[str]:
    """The Verdict section: one line per metric, the difference and its interval."""
    lines = ["## Verdict", ""]
    if not entries:
        return lines + ["Only one model kind was fitted: there is nothing to compare.", ""]
    flagged = entries[0].get("n_fits_flagged", 0)
    lines += [f"Best LDA setting against best BERTopic setting, per metric, on fits that are "
              f"not flagged ({flagged} flagged fit{'s' if flagged != 1 else ''} left out). "
              "Differences are LDA minus BERTopic with a 95% interval; a difference whose "
              "interval crosses zero is indistinguishable.", ""]
    cells = []
    for e in entries:
        settings = e.get("settings", {})
        interval = (f"{_number(e['difference'])} ({_number(e['low'])} to {_number(e['high'])})"
                    if e.get("low") is not None else _number(e.get("difference")))
        cells.append([e["label"], settings.get("lda", {}).get("setting", "–"),
                      settings.get("bertopic", {}).get("setting", "–"), interval,
                      e.get("better") or "–", e.get("method") or "–"])
    lines += _table(["metric", "best LDA", "best BERTopic", "LDA − BERTopic (95% interval)",
                     "better", "interval over"], cells)
    return lines + [""] + [f"- {e['sentence']}" for e in entries] + [""]


def comparison_markdown(rows: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    """comparison.md: the verdict first, then flagged fits, then every fit of every setting."""
    lines = ["# LDA against BERTopic", ""] + verdict_markdown(entries)
    flagged = [r for r in rows if r.get("flags")]
    lines += ["## Flagged fits", ""]
    if flagged:
        lines += ["Shown in every table and figure, left out of the verdict:", ""]
        for r in flagged:
            d = r.get("diagnostics", {})
            lines.append(f"- {r['name']} seed {r['seed']}: {', '.join(r['flags'])} (largest "
                         f"topic {_number(d.get('largest_topic_share'))} of assigned "
                         f"paragraphs, {d.get('n_used_topics', '–')} topics, outliers "
                         f"{_number(d.get('outlier_share'))})")
    else:
        lines.append("None: every fit passed the checks (collapse, few topics, single source, "
                     "outliers).")
    present = [m for m in PER_FIT if any(m in r for r in rows)]
    lines += ["", "## Every fit", ""]
    lines += _table(["setting", "model", "seed", "flags", "topics"] + present,
                    [[r["name"], r["kind"], str(r["seed"]), ", ".join(r.get("flags", [])) or "–",
                      str(r["n_topics"])] + [_number(r.get(m)) for m in present] for r in rows])
    across = [m for m in ACROSS_SEEDS if any(m in r for r in rows)]
    if across:
        lines += ["", "## Stability across seeds", "",
                  "One number per setting, from the overlap of its fits over all its seeds "
                  "(flagged ones included).", ""]
        lines += _table(["setting", "seeds"] + across,
                        [[name, str(len(group))] + [_number(group[0].get(m)) for m in across]
                         for name, group in group_rows(rows).items()])
    return "\n".join(lines) + "\n"
