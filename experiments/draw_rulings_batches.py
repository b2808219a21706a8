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
from research.corpus.records import atomic_write_text, dump_jsonl
from research.themes.codebook import load_codebook

from experiments.assemble_labels import ANNOTATIONS, decisions

LABELS = Path("seeds/labels")
OUT = LABELS / "work" / "rulings"
BATCHES = 5


def main() -> None:
    import sys

    check = "--check" in sys.argv[1:]
    passes = decisions(ANNOTATIONS)  # the labels as they stood before the re-check
    themes = load_codebook().ids
    labels = {i: [t for t in themes if t in passes["adjudication"].get(i, first)]
              for i, first in passes["first"].items()}
    corpus = build_corpus_from_folder(Path("seeds/raw"), CorpusConfig())
    rows = [{"id": p.id, "doc": p.doc, "title": p.title, "section": p.section, "text": p.text,
             "labels_before": labels[p.id]} for p in corpus.paragraphs if p.id in labels]
    size = -(-len(rows) // BATCHES)
    OUT.mkdir(parents=True, exist_ok=True)
    for k in range(BATCHES):
        text, path = dump_jsonl(rows[k * size:(k + 1) * size]), OUT / f"input_{k + 1}.jsonl"
        if check and path.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{path} differs from the redrawn batch")
        if not check:
            atomic_write_text(path, text)
    print(f"{len(rows)} paragraphs in {BATCHES} batches of at most {size}"
          + (": identical to the files" if check else ""))


if __name__ == "__main__":
    main()
