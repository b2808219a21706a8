"""Corrections that last: a researcher's YAML file of fixes to the segmentation.

Each patch names one paragraph, by its stable id or by document and position, and says what
to change: its title or section, a split before some text, a merge with the next paragraph,
or dropping it. The pipeline applies the file on every run; a patch that no longer matches
(the id changed because the text did, the split text is gone) is reported, never applied to
the wrong paragraph. Example::

    patches:
      - id: p3f9e889a57fc
        section: 加大投入,建设标准化学校
      - doc: 003_165c927ad2a4d488
        position: 12
        split_before: 二是
      - id: p0a1b2c3d4e5f
        drop: true
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, model_validator

from research.config import StrictModel, describe_validation_error
from research.corpus.placeholders import placeholder_flags
from research.corpus.records import Paragraph, paragraph_id
from research.corpus.written import cut_original
from research.errors import ConfigError


class Patch(StrictModel):
    """One correction of one paragraph."""

    id: str | None = None
    doc: str | None = None
    position: int | None = Field(None, ge=0)
    title: str | None = None
    section: str | None = None
    split_before: str | None = Field(None, min_length=1)
    merge_with_next: bool = False
    drop: bool = False

    @model_validator(mode="after")
    def _names_one_paragraph(self) -> "Patch":
        if (self.id is None) == (self.doc is None or self.position is None):
            raise ValueError("name the paragraph by `id`, or by `doc` and `position`")
        changes = [self.title, self.section, self.split_before]
        if not any(c is not None for c in changes) and not (self.merge_with_next or self.drop):
            raise ValueError("says nothing to change (title, section, split_before, "
                             "merge_with_next or drop)")
        return self

    def describe(self) -> str:
        return f"id {self.id}" if self.id else f"{self.doc} position {self.position}"


class PatchFile(StrictModel):
    patches: list[Patch] = []


def load_patches(path: Path) -> list[Patch]:
    """Read and validate a patch file; every problem is one error naming file and key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: patch file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the patch file ({exc.__class__.__name__})"
                          ) from None
    try:
        return PatchFile.model_validate(data).patches
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, str(path))) from None


def _rebuilt(p: Paragraph, text: str, original: str) -> Paragraph:
    return replace(p, id=paragraph_id(text), text=text, flags=placeholder_flags(text),
                   original=original)


def apply_patches(paragraphs: list[Paragraph], patches: list[Patch]
                  ) -> tuple[list[Paragraph], list[str]]:
    """Paragraphs with the patches applied (positions renumbered per document) and one line
    per patch that matched nothing. Patches name paragraphs as the pipeline made them, so all
    are located before any is applied."""
    stale: list[str] = []
    located: dict[int, list[Patch]] = {}
    # one index for both ways of naming a paragraph, built once (not a scan per patch)
    where: dict[object, int] = {}
    for index, p in enumerate(paragraphs):
        where.setdefault(p.id, index)
        where[(p.doc, p.position)] = index
    for number, patch in enumerate(patches, 1):
        index = where.get(patch.id if patch.id else (patch.doc, patch.position))
        if index is None:
            stale.append(f"patch {number} ({patch.describe()}): no such paragraph; not applied")
            continue
        if patch.split_before and patch.split_before not in paragraphs[index].text[1:]:
            stale.append(f"patch {number} ({patch.describe()}): text '{patch.split_before}' "
                         "not found after the paragraph's start; not applied")
            continue
        located.setdefault(index, []).append(patch)
    out: list[Paragraph] = []
    merge_next = False
    for index, paragraph in enumerate(paragraphs):
        pieces = [paragraph]
        for patch in located.get(index, []):
            if patch.drop:
                pieces = []
                break
            head = pieces[-1]
            head = replace(head, title=patch.title if patch.title is not None else head.title,
                           section=patch.section if patch.section is not None else head.section)
            pieces[-1] = head
            if patch.split_before:
                cut = head.text.index(patch.split_before, 1)
                written = cut_original(head.original, cut)
                pieces[-1:] = [
                    _rebuilt(head, head.text[:cut].strip(), head.original[:written].strip()),
                    _rebuilt(head, head.text[cut:].strip(), head.original[written:].strip())]
        if merge_next and pieces and out and out[-1].doc == pieces[0].doc:
            joined = _rebuilt(out[-1], out[-1].text + pieces[0].text,
                              out[-1].original + pieces[0].original)
            out[-1] = joined
            pieces = pieces[1:]
        merge_next = any(p.merge_with_next for p in located.get(index, []))
        out.extend(pieces)
    positions: dict[str, int] = {}
    renumbered = []
    for p in out:
        renumbered.append(replace(p, position=positions.get(p.doc, 0)))
        positions[p.doc] = positions.get(p.doc, 0) + 1
    return renumbered, stale
