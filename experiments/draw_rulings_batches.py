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
#: Re-check batches dealt from corpora that later segmentation fixes replaced: as recorded.
RECORDED = 6
#: First-pass batches labeled under the rulings (no re-check needed).
UNDER_RULINGS = ("pass1_batch6.jsonl", "pass1_batch7.jsonl", "pass1_batch8.jsonl",
                 "pass1_batch9.jsonl")


def main() -> None:
    """input_1-5 were dealt from the corpus as it stood at the re-check, input_6 from the
    corpus after the structure fix of issue 12; later fixes changed those corpora, so they are
    taken as recorded. input_7 is redrawn: current paragraphs labeled before the rulings (a
    first-pass decision) that no re-check covers, i.e. paragraphs the glued-heading fix
    brought back in an earlier form."""
    import sys

    check = "--check" in sys.argv[1:]
    passes = decisions(ANNOTATIONS)  # the labels as they stood before the re-check
    themes = load_codebook().ids
    labels = {i: [t for t in themes if t in passes["adjudication"].get(i, first)]
              for i, first in passes["first"].items()}
    later = {row["id"] for name in UNDER_RULINGS
             for row in iter_jsonl(LABELS / "work" / name)}
    rechecked = {row["id"] for k in range(1, RECORDED + 1)
                 for row in iter_jsonl(OUT / f"recheck_{k}.jsonl")}
    corpus = build_corpus_from_folder(Path("seeds/raw"), CorpusConfig())
    rows = [{"id": p.id, "doc": p.doc, "title": p.title, "section": p.section, "text": p.text,
             "labels_before": labels[p.id]} for p in corpus.paragraphs
            if p.id in labels and p.id not in rechecked and p.id not in later]
    text, path = dump_jsonl(rows), OUT / f"input_{RECORDED + 1}.jsonl"
    if check and path.read_text(encoding="utf-8") != text:
        raise SystemExit(f"{path} differs from the redrawn batch")
    if not check:
        atomic_write_text(path, text)
    print(f"{len(rows)} paragraphs in {path}" + (": identical to the file" if check else ""))


if __name__ == "__main__":
    main()
