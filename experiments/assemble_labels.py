"""Derive seeds/labels/labels.jsonl and agreement.json from seeds/labels/annotations.jsonl.

annotations.jsonl holds every decision (built from work/ by experiments/build_annotations.py):
pass "first" (every paragraph), "second" (independent pass on a sample), "adjudication"
(the lead developer's decision on every paragraph where the two passes disagreed) and
"rulings" (every paragraph re-read against the rulings the codebook gained later).

Only paragraphs of the current corpus are kept: the final label is the re-check against the
rulings where there is one, else the adjudication, else the first pass. Agreement (second pass scored against the first) is computed
over the sampled paragraphs that are still in the corpus; ids that the segmentation fix replaced
are left out of it and counted in `second_pass_superseded`.
Run: python experiments/assemble_labels.py
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.records import Paragraph, atomic_write_text, dump_jsonl, iter_jsonl
from research.themes.agreement import agreement
from research.themes.codebook import load_codebook

LABELS = Path("seeds/labels")
ANNOTATIONS = LABELS / "annotations.jsonl"
RAW = Path("seeds/raw")


def decisions(annotations: Path) -> dict[str, dict[str, list[str]]]:
    """{pass: {paragraph id: labels}}; one decision per id and pass."""
    by_pass: dict[str, dict[str, list[str]]] = {"first": {}, "second": {}, "adjudication": {},
                                                "rulings": {}}
    for row in iter_jsonl(annotations):
        stage = by_pass[row["pass"]]
        if row["id"] in stage:
            raise SystemExit(f"{annotations}: {row['id']} decided twice in the "
                             f"{row['pass']} pass")
        stage[row["id"]] = row["labels"]
    return by_pass


def assemble(annotations: Path, paragraphs: list[Paragraph],
             themes: list[str]) -> tuple[list[dict[str, object]], dict[str, object]]:
    """labels.jsonl rows (current corpus order) and the agreement report."""
    passes = decisions(annotations)
    first, second, adjudicated = passes["first"], passes["second"], passes["adjudication"]
    rechecked = passes["rulings"]
    disagreements = [i for i in second if set(second[i]) != set(first[i])]
    missing = sorted(set(disagreements) - set(adjudicated))
    if missing:
        raise SystemExit(f"disagreements without adjudication: {missing}")
    current = {p.id for p in paragraphs if p.id in first}
    sample = [i for i in second if i in current]
    report = agreement({i: first[i] for i in sample}, {i: second[i] for i in sample}, themes)
    report["disagreements_adjudicated"] = sum(i in current for i in disagreements)
    report["second_pass_superseded"] = len(second) - len(sample)
    rows = []
    for p in paragraphs:
        if p.id not in first:
            continue
        before = adjudicated.get(p.id, first[p.id])
        final = rechecked.get(p.id, before)
        stage = ("rulings" if set(final) != set(before) else
                 "adjudicated" if p.id in adjudicated else "first")
        rows.append({"id": p.id, "doc": p.doc, "text": p.text,
                     "labels": [t for t in themes if t in final], "pass": stage,
                     "second_pass": p.id in second})
    counts = Counter(t for r in rows for t in r["labels"])
    report["rulings_changed"] = sum(r["pass"] == "rulings" for r in rows)
    report["final"] = {"paragraphs": len(rows), "no_theme": sum(not r["labels"] for r in rows),
                       "per_theme": {t: counts[t] for t in themes}}
    return rows, report


def write(rows: list[dict[str, object]], report: dict[str, object], out: Path) -> None:
    atomic_write_text(out / "labels.jsonl", dump_jsonl(rows))
    atomic_write_text(out / "agreement.json",
                      json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    parser.add_argument("--raw", type=Path, default=RAW, help="folder of the raw documents")
    parser.add_argument("--out", type=Path, default=LABELS,
                        help="folder for labels.jsonl and agreement.json")
    args = parser.parse_args()
    corpus = build_corpus_from_folder(args.raw, CorpusConfig())
    rows, report = assemble(args.annotations, corpus.paragraphs, load_codebook().ids)
    write(rows, report, args.out)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
