"""The package from a notebook: corpora, run folders and the theme model as pandas objects.

Three entry points, exported from ``research``: :func:`build_corpus` (a folder of reports →
one row per paragraph), :func:`load_run` (a run folder → manifest, metrics, topics and
assignments) and :func:`load_model` (a theme model whose ``predict``/``predict_proba`` take a
list of texts). They call the same code as the commands, so a notebook sees what the CLI sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from research.config import CorpusConfig, load_config
from research.run_folder.layout import Manifest


def build_corpus(folder: str | Path, config: str | Path | CorpusConfig | None = None
                 ) -> pd.DataFrame:
    """Paragraphs of every report in ``folder``: id, doc, title, section, position, text.

    Files that cannot be read are listed in ``frame.attrs["errors"]`` (one line each) and lines
    not kept as paragraph text in ``frame.attrs["dropped"]`` (a DataFrame), as the CLI reports.
    """
    from research.corpus.pipeline import build_corpus_from_folder

    settings = config if isinstance(config, CorpusConfig) else (
        load_config(Path(config), CorpusConfig) if config else CorpusConfig())
    corpus = build_corpus_from_folder(Path(folder), settings)
    frame = pd.DataFrame([p.to_dict() for p in corpus.paragraphs],
                         columns=["id", "doc", "title", "section", "position", "text",
                                  "original"])
    frame.attrs["errors"] = [str(e) for e in corpus.errors]
    frame.attrs["dropped"] = pd.DataFrame([vars(n) for n in corpus.notes],
                                          columns=["doc", "line", "reason", "text"])
    return frame


@dataclass
class Run:
    """A run folder as tables. ``problems`` names files that were missing or unreadable."""

    path: Path
    manifest: Manifest
    metrics: pd.DataFrame
    topics: pd.DataFrame
    assignments: pd.DataFrame
    corpus: pd.DataFrame
    problems: dict[str, str]


def _topic_rows(models: Sequence[Any]) -> list[dict[str, Any]]:
    rows = []
    for model in models:
        for number, topic in enumerate(model.topics):
            rows.append({"setting": model.name, "kind": model.kind, "seed": model.seed,
                         "topic": topic.get("id", number), "size": topic.get("size"),
                         "words": list(topic.get("words", []))})
    return rows


def load_run(path: str | Path) -> Run:
    """Read a run folder (``results/<name>/<stamp>``); raises InputError for a bad manifest."""
    from research.run_folder.load import load_run as read_run_folder

    data = read_run_folder(Path(path))
    assignments = pd.DataFrame(data.assignments, index=pd.Index(data.assignment_ids, name="id"))
    return Run(path=Path(path), manifest=data.manifest, metrics=pd.DataFrame(data.metrics),
               topics=pd.DataFrame(_topic_rows(data.models),
                                   columns=["setting", "kind", "seed", "topic", "size", "words"]),
               assignments=assignments, corpus=pd.DataFrame(data.corpus),
               problems=dict(data.problems))


class ThemeModel:
    """A loaded theme model: scores and decisions per theme for a list of texts.

    Texts get the character cleaning the corpus gets (full-width → ASCII here; traditional →
    simplified where a text is mostly traditional, which the model itself does for every
    caller), so a notebook scores what `research classify` would.
    """

    def __init__(self, estimator: Any, meta: dict[str, Any]) -> None:
        self.estimator, self.meta = estimator, meta
        self.themes: list[str] = list(meta["themes"])

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        from research.corpus.clean import normalize_width

        if isinstance(texts, str):
            raise TypeError("give a list of texts, not one string")
        return [normalize_width(str(t)) for t in texts]

    def predict_proba(self, texts: Sequence[str]) -> pd.DataFrame:
        """One row per text, one column per theme: the model's score in [0, 1]."""
        scores = self.estimator.predict_proba(self._prepare(texts))
        return pd.DataFrame(scores, columns=self.themes)

    def predict(self, texts: Sequence[str]) -> pd.DataFrame:
        """One row per text, one boolean column per theme: the model's own decision."""
        decided = self.estimator.decide(self.estimator.predict_proba(self._prepare(texts)))
        return pd.DataFrame(decided.astype(bool), columns=self.themes)


def load_model(folder: str | Path | None = None) -> ThemeModel:
    """A theme-model folder (default: the model shipped with the package), checked on load."""
    from research.themes.model_io import load_model as read_model_folder

    estimator, meta = read_model_folder(Path(folder) if folder else None)
    return ThemeModel(estimator, meta)
