"""Hand labels: one JSON line per paragraph with its id, text and themes, validated on load."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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
    return [row for _, row in numbered_labels(path, codebook, kind)]


def numbered_labels(path: Path, codebook: Path | Codebook | None = None,
                    kind: type[Decision] = LabeledParagraph) -> list[tuple[int, Any]]:
    """load_labels' rows with their record numbers, for checks that name the record."""
    known = set((codebook if isinstance(codebook, Codebook) else load_codebook(codebook)).ids)
    rows: list[tuple[int, Any]] = []
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
        rows.append((number, row))
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

    def __len__(self) -> int:
        return len(self.texts)


def text_keys(texts: Sequence[str]) -> list[str]:
    """Paragraph texts as compared for sameness: as the models read them, without spaces."""
    from research.corpus.clean import normalize_width
    from research.themes.features import simplified

    return ["".join(normalize_width(text).split()) for text in simplified(texts)]


class Scored(Protocol):
    """What a supplement is checked against: a paragraph that is scored (its id, document
    and text), a corpus Paragraph or a held-out row alike."""

    id: str
    doc: str
    text: str


def load_supplement(paths: Sequence[Path], codebook: Codebook, label_ids: set[str],
                    scored: Sequence[Scored]) -> Supplement:
    """Read supplement files (labels.jsonl rows that carry ``doc`` and ``text``).

    Nothing in a supplement may also be scored: a row is refused when its id is already used
    (``label_ids``: every id of the labels file; the corpus; an earlier row), its document is
    one of the corpus's (a `research label` file of the same reports would put one
    sub-document on both sides of the grouped folds), or its text is a corpus paragraph's.
    """
    texts: list[str] = []
    rows: list[list[int]] = []
    groups: list[str] = []
    seen = set(label_ids) | {p.id for p in scored}
    corpus_docs = {p.doc for p in scored}
    corpus_texts = dict(zip(text_keys([p.text for p in scored]), (p.id for p in scored)))
    for path in paths:
        numbered = numbered_labels(path, codebook)
        keys = text_keys([row.text for _, row in numbered])
        for (number, row), key in zip(numbered, keys):
            where = f"record {number} ({row.id})"
            doc = getattr(row, "doc", None)
            if not isinstance(doc, str) or not doc.strip():
                raise InputError(path, f"{where}: 'doc' must name the row's document (a "
                                       f"non-empty string)")
            if not row.text.strip():
                raise InputError(path, f"{where}: empty 'text'")
            if row.id in seen:
                raise InputError(path, f"{where}: paragraph id {row.id} is also in the labels, "
                                       "the corpus or an earlier supplement row")
            if doc in corpus_docs:
                raise InputError(path, f"{where}: document {doc!r} is in the corpus the folds "
                                       "score; a supplement must come from other reports")
            same = corpus_texts.get(key)
            if same is not None:
                raise InputError(path, f"{where}: is the text of corpus paragraph {same}, "
                                       "which the folds score")
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
