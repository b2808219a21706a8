"""Hand labels: one JSON line per paragraph with its id, text and themes, validated on load."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from research.corpus.records import Paragraph, iter_jsonl
from research.errors import InputError
from research.themes.codebook import load_codebook


class LabeledParagraph(BaseModel):
    """A labeled paragraph. Extra fields (annotator notes, pass info) are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    text: str
    labels: list[str]


def load_labels(path: Path, codebook_path: Path | None = None) -> list[LabeledParagraph]:
    """Read labels.jsonl; unknown theme ids and duplicate ids are errors naming the line."""
    known = set(load_codebook(codebook_path).ids)
    rows: list[LabeledParagraph] = []
    seen: set[str] = set()
    for number, raw in enumerate(iter_jsonl(Path(path)), 1):
        try:
            row = LabeledParagraph.model_validate(raw)
        except ValidationError as exc:
            raise InputError(path, f"record {number}: {exc.errors()[0]['msg']}") from None
        unknown = sorted(set(row.labels) - known)
        if unknown:
            raise InputError(path, f"record {number} ({row.id}): unknown theme id(s) "
                                   f"{', '.join(unknown)}")
        if row.id in seen:
            raise InputError(path, f"record {number}: duplicate paragraph id {row.id}")
        seen.add(row.id)
        rows.append(row)
    if not rows:
        raise InputError(path, "contains no labels")
    return rows


def check_against_corpus(rows: list[LabeledParagraph], paragraphs: list[Paragraph],
                         path: Path) -> list[LabeledParagraph]:
    """Labels must match current paragraphs by id and text, else segmentation has changed.

    Labels of documents that are not in this corpus are set aside (a run on a subset of the
    seeds); the labels that apply are returned.
    """
    by_id = {p.id: p for p in paragraphs}
    docs = {p.doc for p in paragraphs}
    rows = [r for r in rows if getattr(r, "doc", None) in docs or r.id in by_id
            or getattr(r, "doc", None) is None]
    missing = [r.id for r in rows if r.id not in by_id]
    if missing:
        raise InputError(path, f"{len(missing)} labeled id(s) not in the corpus, e.g. "
                               f"{missing[0]}: the segmentation changed; relabel or remap")
    changed = [r.id for r in rows if by_id[r.id].text != r.text]
    if changed:
        raise InputError(path, f"text of {len(changed)} labeled paragraph(s) differs from the "
                               f"corpus, e.g. {changed[0]}")
    return rows
