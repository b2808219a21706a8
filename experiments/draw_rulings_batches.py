"""Deal every labeled seed paragraph into five batches for the re-check against the codebook's
rulings (the section of CODEBOOK.md added after coding reports from outside the seeds).

Batches keep corpus order, so an annotator reads each paragraph with its neighbours' context
(title and section are given). Each row carries the labels as they stood before the re-check.
Run: python -m experiments.draw_rulings_batches --check  (redraws and compares with
seeds/labels/work/rulings/input_*.jsonl; without --check it writes them)
"""

from __future__ import annotations

from pathlib import Path

from research.config import CorpusConfig
from research.corpus.pipeline import build_corpus_from_folder
from research.corpus.records import atomic_write_text, dump_jsonl, iter_jsonl
from research.themes.codebook import load_codebook

from experiments.assemble_labels import ANNOTATIONS, decisions

LABELS = Path("seeds/labels")
OUT = LABELS / "work" / "rulings"
BATCHES = 5


def main() -> None:
    """input_1-5 were dealt from the corpus as it stood at the re-check; the structure fix of
    issue 12 changed that corpus, so they are taken as recorded. input_6 is redrawn: current
    paragraphs labeled before the rulings (a first-pass decision) that no re-check covers,
    i.e. paragraphs the structure fix brought back in their pre-list-item-fix form."""
    import sys

    check = "--check" in sys.argv[1:]
    passes = decisions(ANNOTATIONS)  # the labels as they stood before the re-check
    themes = load_codebook().ids
    labels = {i: [t for t in themes if t in passes["adjudication"].get(i, first)]
              for i, first in passes["first"].items()}
    later = {row["id"] for row in iter_jsonl(LABELS / "work" / "pass1_batch6.jsonl")}
    rechecked = {row["id"] for k in range(1, BATCHES + 1)
                 for row in iter_jsonl(OUT / f"recheck_{k}.jsonl")}
    corpus = build_corpus_from_folder(Path("seeds/raw"), CorpusConfig())
    rows = [{"id": p.id, "doc": p.doc, "title": p.title, "section": p.section, "text": p.text,
             "labels_before": labels[p.id]} for p in corpus.paragraphs
            if p.id in labels and p.id not in rechecked and p.id not in later]
    text, path = dump_jsonl(rows), OUT / f"input_{BATCHES + 1}.jsonl"
    if check and path.read_text(encoding="utf-8") != text:
        raise SystemExit(f"{path} differs from the redrawn batch")
    if not check:
        atomic_write_text(path, text)
    print(f"{len(rows)} paragraphs in {path}" + (": identical to the file" if check else ""))


if __name__ == "__main__":
    main()
