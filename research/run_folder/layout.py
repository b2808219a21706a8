"""What a run folder holds: every file name, the typed manifest, and what each kind of run writes.

The writers (``write``), the readers (``read``, ``load``) and the report take names from here,
so a file is renamed in one place.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from research.corpus.metadata import FIT_MARK

MANIFEST = "manifest.json"
CORPUS = "corpus.jsonl"
TOPICS = "topics.json"
METRICS = "metrics.json"
METRICS_CSV = "metrics.csv"
ASSIGNMENTS = "assignments.csv"
COMPARISON = "comparison.md"
#: The verdict: best setting of each model kind compared per metric, with 95% intervals.
VERDICT = "verdict.json"
#: Term tables of each setting (LDA and BERTopic) for the relevance view (name kept from when
#: only LDA had one).
LDA_TERMS = "lda_terms.json"
#: Words the topic models never saw (genre words, place names, filler), by reason.
VOCABULARY = "vocabulary.json"
EMBEDDING_MAP = "embedding_map.csv"
#: Theme labels per paragraph: the hand labels (topics runs) or the chosen model's (classifier).
THEMES = "themes.jsonl"
#: The codebook a run used, saved in the run: its report never reads the checkout's configs/.
CODEBOOK = "codebook.json"
CV_SCORES = "cv_scores.json"
CV_FOLDS = "cv_folds.json"
#: The chosen theme model of a classifier run (a model folder, see themes.model_io).
MODEL = "model"
REPORT = "report.html"
#: Topic shares per group of one metadata column (``prevalence_by:``), every fit, with
#: intervals: ``prevalence_file(column)``.
PREVALENCE = "prevalence_{column}.csv"


def fit_column(name: str, seed: int) -> str:
    """A fit's column in assignments.csv and its ``model`` in the prevalence tables."""
    return f"{name}{FIT_MARK}{seed}"


def is_fit_column(name: str) -> bool:
    """A topic model's column of assignments.csv (metadata columns never hold FIT_MARK)."""
    return FIT_MARK in name


#: What a prevalence table's file name adds when it leaves reused text out
#: (``prevalence_without_reused:``).
WITHOUT_REUSED = "-without-reused"


def prevalence_file(column: str, without_reused: bool = False) -> str:
    """The file of a topics run that holds topic prevalence by the metadata ``column`` (over
    the paragraphs that are not reused text, with ``without_reused``)."""
    return PREVALENCE.format(column=column + (WITHOUT_REUSED if without_reused else ""))


def without_reused(config: dict[str, Any]) -> bool:
    """Whether a topics run's config also asked for the tables without reused text."""
    return config.get("prevalence_without_reused") is True


def prevalence_columns(config: dict[str, Any]) -> list[str]:
    """The metadata columns a topics run's config groups prevalence by (``prevalence_by``)."""
    columns = config.get("prevalence_by")
    return [c for c in columns if isinstance(c, str)] if isinstance(columns, list) else []


#: The columns of prevalence_<column>.csv; the grouping column, under its own name, is second.
PREVALENCE_COLUMNS = ("model", "topic", "label", "share", "low", "high", "paragraphs",
                      "reports", "interval")

#: What the report cannot show without each file (said on the page when one is missing).
LEAVES_OUT = {
    CORPUS: "corpus counts, theme shares per document and paragraph texts",
    TOPICS: "every per-model figure and the LDA × BERTopic overlap",
    METRICS: "the comparison across settings; per-model figures show the first setting of each "
             "model kind instead of the best by NPMI",
    ASSIGNMENTS: "the paragraph map and topics × themes",
    EMBEDDING_MAP: "the BERTopic paragraph map",
    LDA_TERMS: "the term relevance figures",
    THEMES: "theme shares and topics × themes",
    CV_SCORES: "the classifier's cross-validation scores",
    VERDICT: "the verdict (LDA against BERTopic with intervals)",
}


def leaves_out(name: str) -> str:
    """What the report cannot show without the file ``name``."""
    if name.startswith("prevalence_") and name.endswith(".csv"):
        return f"topic prevalence by {name[len('prevalence_'):-len('.csv')]}"
    return LEAVES_OUT.get(name, "what it holds")


class Manifest(BaseModel):
    """manifest.json: what was run, on what, with which versions, and how long each stage took.

    The fields every run writes are typed; facts particular to a kind of run (paragraphs, fits,
    the chosen default model …) are kept as they are.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: Literal["topics", "classifier"] = "topics"
    created: str = ""
    config: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    git_commit: str | None = None
    platform: str = ""
    timings_seconds: dict[str, float] = Field(default_factory=dict)
    random_seeds: list[int] = Field(default_factory=list)
    corpus_hash: str | None = None
    raw_data_hash: str | None = None

    @property
    def name(self) -> str | None:
        """The run's name from its config (None when the config lacks one)."""
        name = self.config.get("name")
        return str(name) if name else None

    def fact(self, key: str, default: Any = None) -> Any:
        """A kind-specific fact (``paragraphs``, ``fits``, ``default`` …)."""
        return (self.model_extra or {}).get(key, default)


def expected_files(manifest: Manifest) -> set[str]:
    """The files a finished run of this kind and config writes (and the report reads)."""
    if manifest.kind == "classifier":
        return {CORPUS, THEMES, CV_SCORES}
    config = manifest.config
    models = config.get("models") if isinstance(config.get("models"), list) else []
    kinds = {m.get("kind") for m in models if isinstance(m, dict)}
    files = {CORPUS, TOPICS, METRICS, ASSIGNMENTS}
    files |= {LDA_TERMS} if kinds & {"lda", "bertopic"} else set()
    files |= {EMBEDDING_MAP} if "bertopic" in kinds else set()
    files |= {VERDICT} if {"lda", "bertopic"} <= kinds else set()
    files |= {prevalence_file(c, variant) for c in prevalence_columns(config)
              for variant in {False, without_reused(config)}}
    return files | ({THEMES} if config.get("labels") else set())
