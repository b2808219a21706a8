"""Apply the theme model to new reports: same cleaning and segmentation as the corpus."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from research.config import CorpusConfig
from research.corpus.pipeline import DocumentReport, build_corpus, clean_document
from research.corpus.read import RawDocument, read_document
from research.errors import InputError


@dataclass
class Classified:
    """Per-file result: one record per paragraph, plus the summary of theme shares."""

    file: str
    records: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, themes: Sequence[str]) -> dict[str, Any]:
        n = len(self.records)
        shares = {t: (sum(t in r["themes"] for r in self.records) / n if n else 0.0)
                  for t in themes}
        return {"file": self.file, "paragraphs": n, "shares": shares}


def paragraphs_of(document: RawDocument, config: CorpusConfig, one_per_line: bool) -> list[str]:
    """Paragraph texts of a new report (or its non-empty cleaned lines with --one-per-line)."""
    if one_per_line:
        lines, _ = clean_document(document, config, DocumentReport(document.name, ""))
        return [line.text for line in lines]
    return [p.text for p in build_corpus([document], config).paragraphs]


def classify_texts(model: Any, meta: dict[str, Any], texts: list[str]
                   ) -> list[tuple[list[str], dict[str, float]]]:
    themes = meta["themes"]
    if not texts:
        return []
    probabilities = model.predict_proba(texts)
    decided = probabilities >= model.thresholds_
    out = []
    for row, flags in zip(probabilities, decided):
        out.append(([t for t, f in zip(themes, flags) if f],
                    {t: round(float(p), 4) for t, p in zip(themes, row)}))
    return out


def classify_file(path: str, model: Any, meta: dict[str, Any], config: CorpusConfig,
                  one_per_line: bool = False) -> Classified:
    """Read, segment and classify one report; raises InputError for unreadable input."""
    document = read_document(path)
    texts = paragraphs_of(document, config, one_per_line)
    if not texts:
        raise InputError(path, "no paragraphs found after cleaning")
    result = Classified(path)
    for index, (text, (themes, scores)) in enumerate(
            zip(texts, classify_texts(model, meta, texts))):
        result.records.append({"file": path, "index": index, "text": text, "themes": themes,
                               "scores": scores})
    return result


def to_jsonl(results: list[Classified]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for c in results for r in c.records)


def to_csv(results: list[Classified], themes: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "index", "text", "themes"] + [f"score_{t}" for t in themes])
    for c in results:
        for r in c.records:
            writer.writerow([r["file"], r["index"], r["text"], ";".join(r["themes"])]
                            + [r["scores"][t] for t in themes])
    return buffer.getvalue()


def to_html(results: list[Classified], meta: dict[str, Any]) -> str:
    from research.viz.classify_html import render_classification_html

    names = {t["id"]: t["name"] for t in meta.get("codebook", {}).get("themes", [])}
    themes = [{"id": t, "name": names.get(t, t)} for t in meta["themes"]]
    return render_classification_html([r for c in results for r in c.records],
                                      [c.summary(meta["themes"]) for c in results], themes)


def render(results: list[Classified], meta: dict[str, Any], fmt: str) -> str:
    if fmt == "csv":
        return to_csv(results, meta["themes"])
    if fmt == "html":
        return to_html(results, meta)
    return to_jsonl(results)
