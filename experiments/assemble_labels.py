"""Assemble seeds/labels/labels.jsonl from the labeling passes in seeds/labels/work/.

pass1_batch*.jsonl  first pass (every paragraph), by batch
pass2.jsonl         independent second pass on a sample
adjudication.jsonl  final decision on every paragraph where the two passes disagreed
Writes labels.jsonl (current corpus ids and texts) and agreement.json.
Run: python experiments/assemble_labels.py
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.records import dump_jsonl, iter_jsonl
from research.themes.agreement import agreement
from research.themes.codebook import load_codebook

LABELS = Path("seeds/labels")
WORK = LABELS / "work"


def main() -> None:
    themes = load_codebook().ids
    first: dict[str, dict] = {}
    for path in sorted(WORK.glob("pass1_batch*.jsonl")):
        for row in iter_jsonl(path):
            first[row["id"]] = {**row, "batch": path.stem}
    second = {row["id"]: row for row in iter_jsonl(WORK / "pass2.jsonl")}
    adjudicated = {row["id"]: row for row in iter_jsonl(WORK / "adjudication.jsonl")}
    disagreements = [i for i in second if set(second[i]["labels"]) != set(first[i]["labels"])]
    missing = sorted(set(disagreements) - set(adjudicated))
    if missing:
        raise SystemExit(f"disagreements without adjudication: {missing}")
    report = agreement({i: first[i]["labels"] for i in second},
                       {i: second[i]["labels"] for i in second}, themes)
    report["disagreements_adjudicated"] = len(disagreements)
    corpus = build_corpus_from_folder(Path("seeds/raw"), CorpusConfig())
    rows = []
    for p in corpus.paragraphs:
        if p.id not in first:
            continue
        final = adjudicated[p.id] if p.id in adjudicated else first[p.id]
        order = [t for t in themes if t in final["labels"]]
        rows.append({"id": p.id, "doc": p.doc, "text": p.text, "labels": order,
                     "pass": "adjudicated" if p.id in adjudicated else "first",
                     "second_pass": p.id in second})
    counts = Counter(t for r in rows for t in r["labels"])
    report["final"] = {"paragraphs": len(rows), "no_theme": sum(not r["labels"] for r in rows),
                       "per_theme": {t: counts[t] for t in themes}}
    (LABELS / "labels.jsonl").write_text(dump_jsonl(rows), encoding="utf-8")
    (LABELS / "agreement.json").write_text(json.dumps(report, ensure_ascii=False, indent=2)
                                           + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
