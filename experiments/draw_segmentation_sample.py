"""Draw a random sample of seed-corpus paragraphs for a hand check of the segmentation.

Writes the sample (``id``, ``doc``, ``position``, ``title``, ``section``, ``text``) and, for the
checkers, each paragraph with its neighbours and the cleaned source lines around it (the lines
the segmenter saw), dealt into ``--checkers`` files.
Run: python -m experiments.draw_segmentation_sample --seed 20261203 --out seeds/segmentation/work
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from research.config import CorpusConfig
from research.corpus.pipeline import DocumentReport, build_corpus, clean_document
from research.corpus.read import list_documents, read_document
from research.corpus.records import dump_jsonl

RAW = Path("seeds/raw")
SIZE = 60
CONTEXT_BEFORE, CONTEXT_AFTER = 6, 12


def source_window(text: str, lines: list) -> list[str]:
    """Cleaned lines around the first line holding the paragraph's opening characters."""
    for probe in (text[:20], text[:10], text[:6]):
        hits = [i for i, line in enumerate(lines) if probe in line.text]
        if hits:
            start = hits[0]
            return [f"{ln.number}: {ln.text}" for ln in
                    lines[max(0, start - CONTEXT_BEFORE): start + CONTEXT_AFTER]]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--checkers", type=int, default=2)
    args = parser.parse_args()
    config = CorpusConfig()
    documents = [read_document(path) for path in list_documents(RAW)]
    corpus = build_corpus(documents, config)
    cleaned = {d.name: clean_document(d, config, DocumentReport(d.name, d.encoding))[0]
               for d in documents}
    picked = random.Random(args.seed).sample(corpus.paragraphs, SIZE)
    order = {p.id: i for i, p in enumerate(corpus.paragraphs)}
    picked.sort(key=lambda p: order[p.id])
    fields = ("id", "doc", "position", "title", "section", "text")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sample_draw.jsonl").write_text(
        dump_jsonl({f: getattr(p, f) for f in fields} for p in picked), encoding="utf-8")
    for checker in range(args.checkers):
        rows = []
        for p in picked[checker::args.checkers]:
            i = order[p.id]
            neighbours = [corpus.paragraphs[j] for j in (i - 1, i + 1)
                          if 0 <= j < len(corpus.paragraphs)
                          and corpus.paragraphs[j].doc == p.doc]
            rows.append({**{f: getattr(p, f) for f in fields},
                         "neighbours": [{f: getattr(n, f) for f in fields} for n in neighbours],
                         "source_lines": source_window(p.text, cleaned[p.doc])})
        (args.out / f"checker{checker + 1}_input.jsonl").write_text(dump_jsonl(rows),
                                                                    encoding="utf-8")
    print(f"{SIZE} of {len(corpus.paragraphs)} paragraphs -> {args.out}")


if __name__ == "__main__":
    main()
