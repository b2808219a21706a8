"""Score theme models on the held-out set of fictional outside-style reports (seeds/heldout/).

The set is text written for this evaluation (see seeds/heldout/WRITING.md) in genres the seeds
lack (news, research, inspection and policy documents, interviews …), labeled by two independent
coders with the codebook and adjudicated by the lead developer. This script assembles the final
labels (adjudication where the coders disagreed, else their shared decision), reports their
agreement, and scores a model and the keyword baseline (count thresholds tuned on the seed
labels and the training supplement, as the shipped model is) per theme.

Run: python -m experiments.heldout_check [--model DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from experiments.coded_sets import assemble, decisions
from research.classifier_config import ClassifierExperiment
from research.config import load_config
from research.corpus.records import atomic_write_text, dump_jsonl, iter_jsonl
from research.themes.classifier import KeywordBaseline
from research.themes.codebook import load_codebook
from research.themes.evaluate import fold_scores
from research.themes.labels import load_labels, load_supplement
from research.themes.model_io import load_model

HELDOUT = Path("seeds/heldout")
WORK = HELDOUT / "work"


def assemble_heldout(themes: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Final labels in paragraph order and the coders' agreement."""
    return assemble(list(iter_jsonl(HELDOUT / "paragraphs.jsonl")),
                    decisions([WORK / "coder_a.jsonl"]), decisions([WORK / "coder_b.jsonl"]),
                    decisions([WORK / "adjudication.jsonl"]), themes)


def scores(predicted: np.ndarray, truth: np.ndarray, themes: list[str]) -> dict[str, object]:
    result = fold_scores(truth, predicted, themes)
    return {"core_macro_f1": round(result["core_macro_f1"], 3),
            "macro_f1": round(result["macro_f1"], 3),
            "f1": {t: round(result["per_theme"][t]["f1"], 3) for t in themes}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: "
                        "the shipped model)")
    parser.add_argument("--json", type=Path, default=None, help="write the scores here")
    args = parser.parse_args()
    codebook = load_codebook()
    themes = codebook.ids
    rows, report = assemble_heldout(themes)
    atomic_write_text(HELDOUT / "labels.jsonl", dump_jsonl(rows))
    atomic_write_text(HELDOUT / "agreement.json",
                      json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    texts = [str(r["text"]) for r in rows]
    truth = np.array([[int(t in r["labels"]) for t in themes] for r in rows])  # type: ignore
    model, meta = load_model(args.model)
    # the keyword rules' count thresholds are tuned on what the shipped model is trained on
    experiment = load_config(Path("configs/classifier.yaml"), ClassifierExperiment)
    seeds = load_labels(experiment.labels, codebook)
    held_out = [SimpleNamespace(**row) for row in rows]  # none of it may train the model
    supplement = load_supplement(experiment.supplement, codebook, {r.id for r in seeds},
                                 held_out)
    keywords = KeywordBaseline(themes, codebook.keywords()).fit(
        [r.text for r in seeds] + supplement.texts,
        np.vstack([np.array([[int(t in r.labels) for t in themes] for r in seeds]),
                   supplement.labels]))
    result = {"paragraphs": len(rows), "documents": len({r["doc"] for r in rows}),
              "coders_exact_match": report["exact_match"],
              "model": {"name": meta.get("name"), **scores(model.predict(texts), truth, themes)},
              "keywords": scores(keywords.predict(texts), truth, themes)}
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        atomic_write_text(args.json, text + "\n")


if __name__ == "__main__":
    main()
