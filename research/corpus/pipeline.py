"""From raw documents to paragraph records: read, clean, segment, deduplicate, identify."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from research.config import CorpusConfig
from research.corpus.clean import (
    apply_furniture_rules,
    load_furniture_rules,
    normalize_width,
    repair_mojibake,
    strip_pinyin_glosses,
    to_simplified,
)
from research.corpus.dedup import find_duplicates
from research.corpus.read import RawDocument, list_documents, read_document
from research.corpus.records import Paragraph, paragraph_id
from research.corpus.segment import Block, Line, LineNote, segment_document
from research.errors import InputError


@dataclass
class DocumentReport:
    """What cleaning did to one document."""

    name: str
    encoding: str
    converted_to_simplified: bool = False
    pinyin_glosses: int = 0
    mojibake_runs: int = 0
    subdocuments: int = 0
    paragraphs: int = 0


@dataclass
class Corpus:
    """Paragraphs plus the record of what was dropped and why."""

    paragraphs: list[Paragraph]
    notes: list[LineNote]
    documents: list[DocumentReport]
    errors: list[InputError] = field(default_factory=list)

    def dropped_by_reason(self) -> Counter[str]:
        return Counter(note.reason for note in self.notes)

    def fingerprint(self) -> str:
        """Hash of ids and texts: changes whenever any paragraph changes."""
        digest = hashlib.sha256()
        for p in self.paragraphs:
            digest.update(f"{p.id}\t{p.doc}\t{p.text}\n".encode())
        return digest.hexdigest()[:16]


def clean_document(document: RawDocument, config: CorpusConfig,
                   report: DocumentReport) -> tuple[list[Line], list[LineNote]]:
    """Character-level repairs on the whole text, then furniture rules line by line."""
    text = document.text.replace("\r\n", "\n").replace("\r", "\n")
    cleaning = config.cleaning
    if cleaning.repair_mojibake:
        text, report.mojibake_runs = repair_mojibake(text)
    if cleaning.strip_pinyin:
        text, report.pinyin_glosses = strip_pinyin_glosses(text)
    text, report.converted_to_simplified = to_simplified(
        text, cleaning.to_simplified, cleaning.traditional_ratio)
    text = normalize_width(text)
    rules = load_furniture_rules(cleaning.furniture_rules) if cleaning.drop_furniture else ()
    lines: list[Line] = []
    notes: list[LineNote] = []
    raw_lines = text.split("\n")
    for number, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        verdict = apply_furniture_rules(raw.strip(), rules)
        if verdict.ends_document:
            for later, rest in enumerate(raw_lines[number - 1:], number):
                if rest.strip():
                    notes.append(LineNote(document.name, later, verdict.drop_reason or "",
                                          rest.strip()))
            break
        if verdict.drop_reason:
            notes.append(LineNote(document.name, number, verdict.drop_reason, raw.strip()))
            continue
        for reason in verdict.stripped:
            notes.append(LineNote(document.name, number, f"{reason} (stripped)", raw.strip()))
        if verdict.text:
            lines.append(Line(number, verdict.text))
    return lines, notes


def build_corpus(documents: Sequence[RawDocument], config: CorpusConfig,
                 progress: Callable[[str], None] | None = None) -> Corpus:
    """Clean and segment documents, drop short and duplicate paragraphs, assign stable ids."""
    notes: list[LineNote] = []
    reports: list[DocumentReport] = []
    staged: list[tuple[str, Block]] = []
    for document in documents:
        report = DocumentReport(document.name, document.encoding)
        lines, line_notes = clean_document(document, config, report)
        blocks, segment_notes = segment_document(document.name, lines, config.segment)
        notes += line_notes + segment_notes
        report.subdocuments = len({b.title for b in blocks})
        for block in blocks:
            if len(block.text) < config.segment.min_paragraph_chars:
                notes.append(LineNote(document.name, block.line, "too short", block.text))
            else:
                staged.append((document.name, block))
        reports.append(report)
        if progress:
            progress(document.name)
    duplicates = find_duplicates([(doc, b.text) for doc, b in staged], config.dedup)
    paragraphs: list[Paragraph] = []
    positions: Counter[str] = Counter()
    by_name = {r.name: r for r in reports}
    for index, (doc, block) in enumerate(staged):
        if index in duplicates:
            notes.append(LineNote(doc, block.line, duplicates[index], block.text))
            continue
        paragraphs.append(Paragraph(paragraph_id(block.text), doc, block.title, block.section,
                                    positions[doc], block.text))
        positions[doc] += 1
        by_name[doc].paragraphs += 1
    return Corpus(paragraphs, notes, reports)


def read_documents(paths: Sequence[Path | str]) -> tuple[list[RawDocument], list[InputError]]:
    """Read every path; collect errors instead of stopping, so one bad file spares the rest."""
    documents, errors = [], []
    for path in paths:
        try:
            documents.append(read_document(path))
        except InputError as exc:
            errors.append(exc)
    return documents, errors


def build_corpus_from_folder(folder: Path, config: CorpusConfig,
                             progress: Callable[[str], None] | None = None) -> Corpus:
    """Read all documents of a folder (sorted) and build the corpus."""
    documents, errors = read_documents(list_documents(folder))
    corpus = build_corpus(documents, config, progress)
    corpus.errors = errors
    return corpus
