"""From raw documents to paragraph records: read, clean, segment, deduplicate, identify."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from research.config import CorpusConfig
from research.corpus.clean import (
    apply_furniture_rules,
    chinese_counts,
    convert_to_simplified,
    load_furniture_rules,
    normalize_width,
    repair_mojibake,
    strip_pinyin_glosses,
    traditional_counts,
)
from research.corpus.dedup import DuplicateFilter
from research.corpus.metadata import Metadata, load_metadata
from research.corpus.patches import apply_patches, load_patches
from research.corpus.placeholders import placeholder_flags
from research.corpus.read import RawDocument, list_documents, read_document
from research.corpus.records import Paragraph, paragraph_id
from research.corpus.segment import Block, Line, LineNote, segment_document
from research.corpus.written import WrittenLines
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
    chinese_share: float = 1.0


@dataclass
class Corpus:
    """Paragraphs plus the record of what was dropped and why."""

    paragraphs: list[Paragraph]
    notes: list[LineNote]
    documents: list[DocumentReport]
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def dropped_by_reason(self) -> Counter[str]:
        return Counter(note.reason for note in self.notes)

    def fingerprint(self) -> str:
        """Hash of ids and texts: changes whenever any paragraph changes."""
        digest = hashlib.sha256()
        for p in self.paragraphs:
            digest.update(f"{p.id}\t{p.doc}\t{p.text}\n".encode())
            if p.metadata:
                digest.update(repr(sorted(p.metadata.items())).encode())
        return digest.hexdigest()[:16]


#: Cleaning works on pieces of about this many characters (cut at line ends), so a 50 MB
#: report is never copied whole by each repair step.
CHUNK_CHARS = 200_000


def text_chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """Consecutive pieces of ``text``, each ending at a line end (or the end of the text)."""
    start = 0
    while start < len(text):
        end = text.find("\n", min(start + size, len(text)) - 1)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _decide_simplified(text: str, config: CorpusConfig) -> bool:
    """Convert the whole document to simplified characters? (counted over all of it)."""
    mode = config.cleaning.to_simplified
    if mode != "auto":
        return mode == "always"
    changed = total = 0
    for chunk in text_chunks(text):
        a, b = traditional_counts(chunk)
        changed, total = changed + a, total + b
    return bool(total) and changed / total >= config.cleaning.traditional_ratio


def iter_clean_lines(document: RawDocument, config: CorpusConfig, report: DocumentReport,
                     notes: list[LineNote], truncate_tails: bool = True) -> Iterator[Line]:
    """Character-level repairs, then furniture rules line by line; dropped lines go to notes."""
    cleaning = config.cleaning
    report.converted_to_simplified = _decide_simplified(document.text, config)
    rules = load_furniture_rules(cleaning.furniture_rules) if cleaning.drop_furniture else ()
    number = 0
    chinese = letters = 0
    tail_reason: str | None = None  # set once a 'tail' line ends the document's text
    for chunk in text_chunks(document.text):
        chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
        if cleaning.repair_mojibake:
            chunk, runs = repair_mojibake(chunk)
            report.mojibake_runs += runs
        if cleaning.strip_pinyin:
            chunk, glosses = strip_pinyin_glosses(chunk)
            report.pinyin_glosses += glosses
        written_lines = chunk.split("\n")
        if report.converted_to_simplified:
            chunk = convert_to_simplified(chunk)
        chunk = normalize_width(chunk)
        a, b = chinese_counts(chunk)
        chinese, letters = chinese + a, letters + b
        report.chinese_share = chinese / letters if letters else 1.0
        raw_lines = chunk.split("\n")
        if len(written_lines) != len(raw_lines):  # a conversion changed the line count
            written_lines = raw_lines
        if chunk.endswith("\n"):
            raw_lines.pop()
        for raw, written in zip(raw_lines, written_lines):
            number += 1
            line = raw.strip()
            if not line:
                continue
            if tail_reason is not None:
                notes.append(LineNote(document.name, number, tail_reason, line))
                continue
            verdict = apply_furniture_rules(line, rules, truncate_tails)
            if verdict.drop_reason:
                notes.append(LineNote(document.name, number, verdict.drop_reason, line))
                if verdict.ends_document:
                    tail_reason = verdict.drop_reason
                continue
            for reason in verdict.stripped:
                notes.append(LineNote(document.name, number, f"{reason} (stripped)", line))
            if verdict.text:
                yield Line(number, verdict.text, written=written.strip())


def clean_document(document: RawDocument, config: CorpusConfig, report: DocumentReport,
                   truncate_tails: bool = True) -> tuple[list[Line], list[LineNote]]:
    """All cleaned lines of a document and the notes on what was dropped."""
    notes: list[LineNote] = []
    lines = list(iter_clean_lines(document, config, report, notes, truncate_tails))
    return lines, notes


@dataclass
class StagedDocument:
    """One document cleaned and segmented, before the corpus-wide steps (duplicates, ids):
    the part of the work that needs nothing from other documents, so it can run anywhere."""

    report: DocumentReport
    notes: list[LineNote]
    blocks: list[Block]


def stage_document(document: RawDocument, config: CorpusConfig) -> StagedDocument:
    """Clean and segment one document; too-short paragraphs become notes."""
    report = DocumentReport(document.name, document.encoding)
    lines, notes = clean_document(document, config, report)
    blocks, segment_notes = segment_document(document.name, lines, config.segment)
    notes += segment_notes
    report.subdocuments = len({b.title for b in blocks})
    written = WrittenLines()
    for line in lines:
        written.add(line, report.converted_to_simplified)
    kept = []
    for block in blocks:
        if len(block.text) < config.segment.min_paragraph_chars:
            notes.append(LineNote(document.name, block.line, "too short", block.text))
        else:
            block.original = written.original(block.text, block.line)
            kept.append(block)
    return StagedDocument(report, notes, kept)


def stage_path(path: Path | str, config: CorpusConfig) -> StagedDocument | str:
    """Read and stage one file (on a Dask worker: ``path`` absolute); an unreadable file comes
    back as the reason (plain text travels back from any worker)."""
    try:
        return stage_document(read_document(path), config)
    except InputError as exc:
        return exc.reason


def build_corpus(documents: Iterable[RawDocument], config: CorpusConfig,
                 progress: Callable[[str], None] | None = None) -> Corpus:
    """Clean and segment documents, drop short and duplicate paragraphs, assign stable ids."""
    def staged() -> Iterator[StagedDocument]:
        for document in documents:
            yield stage_document(document, config)
            if progress:
                progress(document.name)

    return assemble_corpus(staged(), config)


def assemble_corpus(documents: Iterable[StagedDocument], config: CorpusConfig) -> Corpus:
    """The corpus-wide steps over staged documents (in order, each as soon as it comes): drop
    duplicates across documents, then give paragraphs their ids and positions."""
    notes: list[LineNote] = []
    repeats: list[LineNote] = []  # after every document's own notes, as they always were
    reports: list[DocumentReport] = []
    paragraphs: list[Paragraph] = []
    positions: Counter[str] = Counter()
    seen = DuplicateFilter(config.dedup)
    for document in documents:
        report, doc = document.report, document.report.name
        notes += document.notes
        reports.append(report)
        for block in document.blocks:
            reason = seen.drop_reason(doc, block.text)
            if reason is not None:
                repeats.append(LineNote(doc, block.line, reason, block.text))
                continue
            paragraphs.append(Paragraph(paragraph_id(block.text), doc, block.title,
                                        block.section, positions[doc], block.text,
                                        placeholder_flags(block.text), original=block.original))
            positions[doc] += 1
            report.paragraphs += 1
    return Corpus(paragraphs, notes + repeats, reports)


def attach_metadata(corpus: Corpus, metadata: Metadata) -> list[str]:
    """Put each paragraph's metadata on it; return warnings for reports without a row."""
    metadata.check_subdocuments((p.doc, p.title) for p in corpus.paragraphs)
    corpus.paragraphs = [replace(p, metadata=metadata.lookup(p.doc, p.title)[1])
                         for p in corpus.paragraphs]
    missing = metadata.missing_files(d.name for d in corpus.documents)
    return [f"{metadata.path}: no row for {name}; its metadata columns are empty"
            for name in missing]


#: A short report in the seeds' shape: a heading glued to its text and a list item, so warming
#: up touches every lazily loaded part of cleaning and segmentation.
WARM_UP_REPORT = ("某县推进义务教育均衡发展工作报告\n"
                  "一、加强师资队伍建设我县统筹城乡教师编制,推进县域内校长教师交流轮岗。\n"
                  "(一)改善办学条件。新建和改扩建农村学校12所,配齐图书和实验仪器。\n")


def warm_up_document() -> RawDocument:
    """The warm-up report as a document (see :func:`warm_up`)."""
    from research.corpus.read import read_bytes

    return read_bytes(WARM_UP_REPORT.encode("utf-8"), "warm-up.txt", ".txt")


def warm_up(config: CorpusConfig) -> None:
    """Stage a tiny built-in report once, so what loads on first use (jieba's dictionary,
    OpenCC, rule files) is loaded before local Dask workers are forked from this process."""
    stage_document(warm_up_document(), config)


def stage_on_cluster(client: Any, paths: Sequence[Path], config: CorpusConfig,
                     errors: list[InputError], progress: Callable[[str], None] | None = None
                     ) -> Iterator[StagedDocument]:
    """Stage every file on the cluster, yielded in path order as each is ready (so this
    process checks duplicates while the workers stage the rest); errors go to ``errors``."""
    futures = client.map(stage_path, [os.path.abspath(p) for p in paths], config=config,
                         pure=False)
    for path, future in zip(paths, futures):
        result = future.result()
        future.release()
        if isinstance(result, str):
            errors.append(InputError(path, result))
            continue
        yield result
        if progress:
            progress(result.report.name)


def read_documents(paths: Sequence[Path | str]) -> tuple[list[RawDocument], list[InputError]]:
    """Read every path; collect errors instead of stopping, so one bad file spares the rest."""
    documents, errors = [], []
    for path in paths:
        try:
            documents.append(read_document(path))
        except InputError as exc:
            errors.append(exc)
    return documents, errors


def shared_names(paths: Sequence[Path]) -> list[str]:
    """Warnings for reports that would share a name: a report is known by its file name
    without the extension (a.txt and a.pdf are both 'a'), so their paragraphs could not be
    told apart by document (folds, metadata rows, prevalence by report)."""
    by_name: dict[str, list[str]] = {}
    for path in paths:
        by_name.setdefault(path.stem, []).append(path.name)
    return [f"{' and '.join(names)} are both report {name!r} (reports are known by their file "
            "name without the extension): their paragraphs share it; rename one to keep "
            "them apart" for name, names in by_name.items() if len(names) > 1]


def build_corpus_from_folder(folder: Path, config: CorpusConfig,
                             progress: Callable[[str], None] | None = None,
                             client: Any = None, metadata: Metadata | None = None) -> Corpus:
    """Read all documents of a folder (sorted) and build the corpus; with a Dask ``client``
    each document is read, cleaned and segmented on a worker (the same corpus either way).
    ``metadata``: config.metadata's table when the caller has read and checked it already."""
    paths = list_documents(folder)
    shared = shared_names(paths)
    if client is None:
        documents, errors = read_documents(paths)
        corpus = build_corpus(documents, config, progress)
    else:
        errors: list[InputError] = []
        corpus = assemble_corpus(stage_on_cluster(client, paths, config, errors, progress),
                                 config)
    corpus.errors = errors
    corpus.warnings += shared
    if config.patches is not None:
        corpus.paragraphs, stale = apply_patches(corpus.paragraphs, load_patches(config.patches))
        corpus.warnings += [f"{config.patches}: {line}" for line in stale]
    if config.metadata is not None:
        table = (metadata if metadata is not None
                 else load_metadata(config.metadata, [Path(p).stem for p in paths]))
        corpus.warnings += attach_metadata(corpus, table)
    return corpus
