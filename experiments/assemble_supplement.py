"""Assemble the training supplement (seeds/supplement/) from its written batches and codings.

The supplement is fictional outside-style report text written for training (provenance:
seeds/supplement/WRITING.md), coded by two independent coders with the codebook and adjudicated
where they differ. It joins every training fold of `research run configs/classifier.yaml` and
is never scored, so the cross-validated scores stay those of held-out seed documents.

Run: python -m experiments.assemble_supplement
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from experiments.coded_sets import assemble, decisions
from research.corpus.records import atomic_write_text, dump_jsonl, iter_jsonl
from research.themes.codebook import load_codebook

SUPPLEMENT = Path("seeds/supplement")
WORK = SUPPLEMENT / "work"


def derive(work: Path, themes: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Final rows and agreement from the written batches, both codings and the adjudication."""
    batches = sorted((work / "written").glob("w*.jsonl"))
    paragraphs = [row for path in batches for row in iter_jsonl(path)]
    names = [path.name for path in batches]
    return assemble(paragraphs, decisions(work / "coder_a" / n for n in names),
                    decisions(work / "coder_b" / n for n in names),
                    decisions(sorted((work / "adjudication").glob("w*.jsonl"))), themes)


def write(rows: list[dict[str, Any]], report: dict[str, Any], folder: Path) -> None:
    atomic_write_text(folder / "labels.jsonl", dump_jsonl(rows))
    atomic_write_text(folder / "agreement.json",
                      json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def main() -> None:
    themes = load_codebook().ids
    rows, report = derive(WORK, themes)
    write(rows, report, SUPPLEMENT)
    positives = {t: sum(t in r["labels"] for r in rows) for t in themes}
    print(json.dumps({"paragraphs": len(rows), "documents": len({r["doc"] for r in rows}),
                      "no_theme": sum(not r["labels"] for r in rows), "positives": positives,
                      "exact_match": report["exact_match"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
