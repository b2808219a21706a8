"""Config loading: every mistake names the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from research.config import CorpusConfig, load_config
from research.errors import ConfigError


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
