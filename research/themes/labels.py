"""Hand labels: one JSON line per paragraph with its id, text and themes, validated on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from research.corpus.records import Paragraph, iter_jsonl
from research.errors import InputError
from research.themes.codebook import Codebook, load_codebook


class Decision(BaseModel):
    """One annotator's themes for one paragraph id. Extra fields (notes, pass info) are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    labels: list[str]


class LabeledParagraph(Decision):
    """A labeled paragraph with its text, as training needs it."""

    text: str


def load_labels(path: Path, codebook: Path | Codebook | None = None,
                kind: type[Decision] = LabeledParagraph) -> list[Any]:
    """Read labels.jsonl; unknown theme ids and duplicate ids are errors naming the line.

    Rows marked ``skipped: true`` (paragraphs an annotator passed over in `research label`)
    are not labels and are left out. ``kind=Decision`` reads files without texts (one
    annotator's decisions, for agreement).
    """
    known = set((codebook if isinstance(codebook, Codebook) else load_codebook(codebook)).ids)
    rows: list[Any] = []
    seen: set[str] = set()
    for number, raw in enumerate(iter_jsonl(Path(path)), 1):
        if isinstance(raw, dict) and raw.get("skipped") is True:
            continue
        try:
            row = kind.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise InputError(path, f"record {number}: {where + ': ' if where else ''}"
                                   f"{error['msg']}") from None
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
