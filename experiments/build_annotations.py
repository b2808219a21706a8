"""Build seeds/labels/annotations.jsonl, one row per labeling decision, from seeds/labels/work/.

pass1_batch1-9.jsonl  first pass, one annotator per batch   -> llm-batch-1 … llm-batch-9
                      (batches 6 to 9 labeled under the rulings, so they need no re-check)
pass2.jsonl           independent second pass on a sample   -> llm-second-pass
pass2_batch9.jsonl    second pass on a sample of batch 9    -> llm-second-pass-9
adjudication.jsonl    lead developer on every disagreement  -> lead-adjudication
rulings/recheck_1-6   every paragraph re-read against the codebook's rulings -> llm-rulings-1 … 6

Rows keep the decisions exactly as recorded (label order included), also for paragraph ids
that the later segmentation fix replaced; `experiments/assemble_labels.py` derives
labels.jsonl and agreement.json from this file, keeping only ids of the current corpus.
Run: python experiments/build_annotations.py
"""

from __future__ import annotations

import re
from pathlib import Path

from research.corpus.records import atomic_write_text, dump_jsonl, iter_jsonl
from research.themes.codebook import load_codebook

LABELS = Path("seeds/labels")
WORK = LABELS / "work"
ANNOTATIONS = LABELS / "annotations.jsonl"

TIME = "2026-11-23"
#: sha256(configs/themes.yaml)[:16] of the codebook file as committed with the labels
#: (`git show dabc285:configs/themes.yaml | sha256sum`; the file is the same at 7e19195, the
#: commit before). The labeling itself did not record a hash. Later commits changed only the
#: keyword lists of that file, so the current file hashes differently (see DATASHEET.md).
CODEBOOK_HASH = "8eef39d79a95a758"
#: sha256(configs/themes.yaml)[:16] when the rulings were added and every label re-checked
#: against them (work/rulings/, 2026-11-23).
RULINGS_CODEBOOK_HASH = "e3ab8a77a14fd230"

#: First-pass batches labeled after the rulings existed (batch 6: the paragraphs the structure
#: fix of issue 12 created; batches 7-9: those the later segmentation fixes created), with the
#: codebook as it stood then (unchanged since).
UNDER_RULINGS = frozenset({"llm-batch-6", "llm-batch-7", "llm-batch-8", "llm-batch-9",
                           "llm-second-pass-9"})
#: Passes made on a later day than TIME (batch 7: the paragraphs the glued-heading fix made).
TIMES = {"llm-batch-7": "2026-12-03", "llm-batch-8": "2026-12-03", "llm-batch-9": "2026-12-03",
         "llm-second-pass-9": "2026-12-03"}
LLM = "large language model, one instance per batch"
LEAD = "lead developer"
KINDS = (LLM, LEAD)
PASSES = ("first", "second", "adjudication", "rulings")
FIELDS = ("id", "labels", "annotator", "kind", "pass", "note", "codebook_hash", "time")


def annotator_of(path: Path) -> tuple[str, str, str, str]:
    """(annotator, kind, pass, field holding the note) for one file of work/."""
    match = re.fullmatch(r"pass1_batch(\d+)", path.stem)
    if match:
        return f"llm-batch-{match.group(1)}", LLM, "first", "note"
    if path.stem == "pass2":
        return "llm-second-pass", LLM, "second", "note"
    match = re.fullmatch(r"pass2_batch(\d+)", path.stem)
    if match:
        return f"llm-second-pass-{match.group(1)}", LLM, "second", "note"
    if path.stem == "adjudication":
        return "lead-adjudication", LEAD, "adjudication", "why"
    match = re.fullmatch(r"recheck_(\d+)", path.stem)
    if match:
        return f"llm-rulings-{match.group(1)}", LLM, "rulings", "why"
    raise ValueError(f"not a labeling pass: {path}")


def pass_files(work: Path = WORK) -> list[Path]:
    """First-pass batches in batch order, the second pass, the adjudication, then the
    re-check against the rulings."""
    batches = sorted(work.glob("pass1_batch*.jsonl"),
                     key=lambda p: int(p.stem.removeprefix("pass1_batch")))
    rechecks = sorted((work / "rulings").glob("recheck_*.jsonl"),
                      key=lambda p: int(p.stem.removeprefix("recheck_")))
    top_ups = sorted(work.glob("pass2_batch*.jsonl"),
                     key=lambda p: int(p.stem.removeprefix("pass2_batch")))
    return [*batches, work / "pass2.jsonl", *top_ups, work / "adjudication.jsonl", *rechecks]


def build_annotations(work: Path = WORK, codebook: Path | None = None
                      ) -> list[dict[str, object]]:
    """All decisions of the passes in work/, as annotation rows (checked, not changed)."""
    known = set(load_codebook(codebook).ids)
    rows: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    for path in pass_files(work):
        annotator, kind, stage, note_field = annotator_of(path)
        for row in iter_jsonl(path):
            pid, labels = row["id"], row["labels"]
            unknown = set(labels) - known
            if unknown:
                raise ValueError(f"{path}: {pid} has unknown theme id(s) {sorted(unknown)}")
            if (pid, stage) in seen:
                raise ValueError(f"{path}: {pid} decided twice in the {stage} pass")
            seen.add((pid, stage))
            rows.append({"id": pid, "labels": list(labels), "annotator": annotator,
                         "kind": kind, "pass": stage, "note": row.get(note_field),
                         "codebook_hash": RULINGS_CODEBOOK_HASH
                         if stage == "rulings" or annotator in UNDER_RULINGS
                         else CODEBOOK_HASH, "time": TIMES.get(annotator, TIME)})
    return rows


def main() -> None:
    rows = build_annotations()
    atomic_write_text(ANNOTATIONS, dump_jsonl(rows))
    print(f"{ANNOTATIONS}: {len(rows)} decisions")


if __name__ == "__main__":
    main()
