"""Throughput of every candidate theme classifier, cold start included, next to its F1.

Each candidate of the classifier config is trained on all labels and saved; then a fresh Python
process loads it and classifies the corpus paragraphs (replicated --copies times), so the time
includes interpreter start, imports, model loading and jieba's dictionary.
Usage:
    python experiments/benchmark_classifiers.py [--config configs/classifier.yaml]
        [--run results/classifier/<stamp>] [--copies 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.runner import load_experiment
from research.classifier_run import make_candidate, make_embedders
from research.themes.codebook import load_codebook
from research.themes.labels import load_labels, load_supplement
from research.themes.model_io import save_model

CHILD = """
import json, sys, time
start = time.perf_counter()
from research.themes.model_io import load_model
texts = [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")]
model, meta = load_model(sys.argv[1])
loaded = time.perf_counter()
model.predict_proba(texts)
print(json.dumps({"load_seconds": loaded - start, "predict_seconds": time.perf_counter() - loaded}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("configs/classifier.yaml"))
    parser.add_argument("--run", type=Path, default=None, help="classifier run folder for F1")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    args = parser.parse_args()
    experiment = load_experiment(args.config)
    codebook = load_codebook(experiment.themes)
    rows = load_labels(experiment.labels, experiment.themes)
    corpus = build_corpus_from_folder(experiment.corpus.folder, CorpusConfig())
    # trained on what the config's run trains on: the labels and the supplement
    supplement = load_supplement(experiment.supplement, codebook, {r.id for r in rows},
                                 corpus.paragraphs)
    texts = [r.text for r in rows] + supplement.texts
    labels = np.vstack([np.array([[int(t in r.labels) for t in codebook.ids] for r in rows]),
                        supplement.labels])
    f1 = {}
    if args.run:
        scores = json.loads((args.run / "cv_scores.json").read_text(encoding="utf-8"))["models"]
        f1 = {n: (s["micro_f1"], s["macro_f1"], s["core_macro_f1"]) for n, s in scores.items()}
    embedders = make_embedders(experiment.candidates)
    table = []
    with tempfile.TemporaryDirectory() as work:
        for candidate in experiment.candidates:
            # Copies differ by a trailing number, so no cache or memo can skip work; embedding
            # candidates (about 10 paragraphs/s) get one copy to keep the run short.
            copies = 1 if "embeddings" in candidate.features else args.copies
            batch = Path(work) / f"texts-{copies}.jsonl"
            batch.write_text("".join(
                json.dumps({"text": p.text + (f" {k}" if k else "")}, ensure_ascii=False) + "\n"
                for k in range(copies) for p in corpus.paragraphs), encoding="utf-8")
            n = len(corpus.paragraphs) * copies
            model = make_candidate(candidate, codebook, embedders)
            model.fit(texts, labels)
            folder = save_model(model, Path(work) / candidate.name,
                                {"themes": codebook.ids, "features": list(candidate.features)
                                 if candidate.kind == "logistic" else [],
                                 "codebook": codebook.model_dump(mode="json"),
                                 "thresholds": [float(t) for t in model.thresholds_]})
            start = time.perf_counter()
            # A cache folder of its own: embedding candidates pay for their embeddings.
            env = {**os.environ, "RESEARCH_CACHE": str(Path(work) / f"cache-{candidate.name}")}
            done = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(batch)],
                                  capture_output=True, text=True, check=True, env=env)
            wall = time.perf_counter() - start
            inner = json.loads(done.stdout.strip().splitlines()[-1])
            row = {"candidate": candidate.name, "paragraphs": n, "wall_seconds": round(wall, 2),
                   "paragraphs_per_second_cold": round(n / wall, 1),
                   "load_seconds": round(inner["load_seconds"], 2),
                   "paragraphs_per_second_warm": round(n / inner["predict_seconds"], 1)}
            if candidate.name in f1:
                row["micro_f1"], row["macro_f1"], row["core_macro_f1"] = f1[candidate.name]
            table.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "benchmark_classifiers.json"
    path.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
