"""Hand labels: one JSON line per paragraph with its id, text and themes, validated on load."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
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


@dataclass(frozen=True)
class Supplement:
    """Labeled paragraphs from reports outside the corpus: always trained on, never scored.

    ``groups`` (one per paragraph: its file and document) keep a supplement document whole in
    the inner folds that tune thresholds, as the corpus's sub-documents are kept whole.
    """

    texts: list[str]
    labels: np.ndarray
    groups: np.ndarray

    @classmethod
    def empty(cls, themes: Sequence[str]) -> "Supplement":
        return cls([], np.zeros((0, len(themes)), dtype=int), np.zeros(0, dtype=object))

    def __len__(self) -> int:
        return len(self.texts)


def load_supplement(paths: Sequence[Path], codebook: Codebook, taken: set[str]
                    ) -> Supplement:
    """Read supplement files (labels.jsonl rows that carry ``doc`` and ``text``).

    An id may appear once across the labels and every supplement (``taken``: the ids already
    used), so no paragraph is trained on twice or both trained on and scored.
    """
    texts: list[str] = []
    rows: list[list[int]] = []
    groups: list[str] = []
    seen = set(taken)
    for path in paths:
        for row in load_labels(path, codebook):
            doc = getattr(row, "doc", None)
            if not isinstance(doc, str) or not doc:
                raise InputError(path, f"{row.id}: a supplement row needs 'doc' (its document)")
            if not row.text.strip():
                raise InputError(path, f"{row.id}: empty 'text'")
            if row.id in seen:
                raise InputError(path, f"paragraph id {row.id} is also in the labels or an "
                                       f"earlier supplement")
            seen.add(row.id)
            texts.append(row.text)
            rows.append([int(t in row.labels) for t in codebook.ids])
            groups.append(f"{path}\x1f{doc}")
    return Supplement(texts, np.array(rows, dtype=int).reshape(len(rows), len(codebook.ids)),
                      np.array(groups, dtype=object))


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
