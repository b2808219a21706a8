"""Redraw the labeling batches and the second-pass sample of seeds/labels/work/ and compare.

The script that drew them on 2026-11-23 was not kept; this one was written afterwards and
reproduces the files exactly (the seeds were found by trying seeds of Python's `random`):

- batch1-4.jsonl: the 582 paragraphs of the corpus as segmented *before* the list-item fix,
  shuffled with random.Random(20261123) and dealt round-robin into four batches
  (shuffled[0::4] -> batch1, [1::4] -> batch2, ...), each batch in corpus order.
- second_pass_input.jsonl: random.Random(7).sample of 110 of the same 582, in corpus order.
- batch5_resegmented.jsonl: the paragraphs of the corpus after the list-item fix whose ids were
  not among the 582 (the 70 paragraphs that fix changed), in corpus order. That corpus is gone
  too (the structure fix of issue 12 changed the segmentation again), so batch5 is taken as
  recorded and is not redrawn.
- batch6_structure.jsonl: the paragraphs that no earlier batch held after the structure fix
  of issue 12 (36), labeled under the rulings; that corpus was replaced by the glued-heading
  fix (2026-12-03), so batch6 too is taken as recorded.
- batch7_glued_headings.jsonl: the paragraphs that no earlier batch held after the
  glued-heading fix of issue 12 (44), labeled under the rulings; the list-item fix replaced
  that corpus (2026-12-03), so batch7 is taken as recorded.
- batch8_list_items.jsonl: the paragraphs that no earlier batch held after the list-item,
  interview and heading-cut fixes of 2026-12-03 (38), labeled under the rulings; the outline
  fix replaced that corpus (2026-12-03), so batch8 is taken as recorded.
- batch9_outline.jsonl: the paragraphs of the current corpus that no earlier batch holds
  (those the outline fixes of 2026-12-03 created: items of one list on one line, closing
  passages, salutations, case reports as sub-documents), in corpus order; labeled under the
  rulings.
- second_pass_batch9_input.jsonl: random.Random(20261205).sample of 16 of batch 9, in corpus
  order, for an independent second pass (under the rulings).

The pre-fix segmentation is not in the repository, so the 582 pre-fix paragraphs are taken
from batch1-4.jsonl themselves (their union); their corpus order, which the draw depends on,
is restored by finding each text in its cleaned document. What is reproduced is therefore the
split and the sample, not the pre-fix segmentation.
Run: python experiments/draw_label_batches.py [--out FOLDER]   (exit status 1 on a mismatch)
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from research.config import CorpusConfig
from research.corpus.pipeline import DocumentReport, build_corpus, clean_document
from research.corpus.read import list_documents, read_document
from research.corpus.records import dump_jsonl, iter_jsonl

WORK = Path("seeds/labels/work")
RAW = Path("seeds/raw")
BATCH_SEED, BATCHES = 20261123, 4
SAMPLE_SEED, SAMPLE_SIZE = 7, 110
#: The segmentation fixes replaced 34 of the 110 second-pass paragraphs; a second pass over a
#: sample of batch 9 keeps the agreement sample above 80 paragraphs.
TOP_UP_SEED, TOP_UP_SIZE = 20261205, 16
FIELDS = ("id", "doc", "title", "section", "text")
#: Batches drawn from corpora that later segmentation fixes replaced: taken as recorded.
RECORDED = ("batch5_resegmented.jsonl", "batch6_structure.jsonl",
            "batch7_glued_headings.jsonl", "batch8_list_items.jsonl")


def cleaned_texts(documents: list, config: CorpusConfig) -> dict[str, str]:
    """Each document's cleaned lines joined without separators (for locating paragraphs)."""
    texts = {}
    for document in documents:
        lines, _ = clean_document(document, config, DocumentReport(document.name,
                                                                   document.encoding))
        # The cleaning of that time stripped template blanks ("____"); it keeps them now.
        texts[document.name] = re.sub("_{2,}", "", "".join(line.text for line in lines))
    return texts


def locate(text: str, cleaned: str) -> int:
    """Offset of a paragraph in its cleaned document (headings split off may precede it)."""
    for probe in (text, text[:40], text[:20], text[:12], text[:8]):
        offset = cleaned.find(probe)
        if offset >= 0:
            return offset
    raise SystemExit(f"cannot place paragraph in its document: {text[:30]}")


def pre_fix_paragraphs(work: Path, documents: list, config: CorpusConfig) -> list[dict]:
    """The 582 paragraphs of batch1-4 in (document, position) order."""
    rows = [row for k in range(1, BATCHES + 1) for row in iter_jsonl(work / f"batch{k}.jsonl")]
    order = [d.name for d in documents]
    cleaned = cleaned_texts(documents, config)
    keys = {row["id"]: (order.index(row["doc"]), locate(row["text"], cleaned[row["doc"]]))
            for row in rows}
    if len(set(keys.values())) != len(keys):
        raise SystemExit("two pre-fix paragraphs start at the same place; order is ambiguous")
    return sorted(rows, key=lambda row: keys[row["id"]])


def draw(work: Path = WORK, raw: Path = RAW) -> dict[str, list[dict]]:
    """File name -> rows, as the draw makes them."""
    config = CorpusConfig()
    documents = [read_document(path) for path in list_documents(raw)]
    old = pre_fix_paragraphs(work, documents, config)
    shuffled = list(range(len(old)))
    random.Random(BATCH_SEED).shuffle(shuffled)
    files = {f"batch{k + 1}.jsonl": [old[i] for i in sorted(shuffled[k::BATCHES])]
             for k in range(BATCHES)}
    sample = random.Random(SAMPLE_SEED).sample(range(len(old)), SAMPLE_SIZE)
    files["second_pass_input.jsonl"] = [old[i] for i in sorted(sample)]
    known = {row["id"] for row in old} | {
        row["id"] for name in RECORDED for row in iter_jsonl(work / name)}
    corpus = build_corpus(documents, config)
    files["batch9_outline.jsonl"] = [{f: getattr(p, f) for f in FIELDS}
                                            for p in corpus.paragraphs if p.id not in known]
    batch9 = files["batch9_outline.jsonl"]
    top_up = random.Random(TOP_UP_SEED).sample(range(len(batch9)), TOP_UP_SIZE)
    files["second_pass_batch9_input.jsonl"] = [batch9[i] for i in sorted(top_up)]
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the drawn files to this folder")
    args = parser.parse_args()
    mismatches = 0
    for name, rows in draw().items():
        text = dump_jsonl(rows)
        same = text == (WORK / name).read_text(encoding="utf-8")
        mismatches += not same
        print(f"{name}: {len(rows)} paragraphs, {'identical' if same else 'DIFFERENT'}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / name).write_text(text, encoding="utf-8")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
