"""Corrections that last: a patch file fixes a paragraph's section, title or split on every run
and reports patches that no longer match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from research.config import CorpusConfig
from research.corpus.patches import apply_patches, load_patches
from research.corpus.pipeline import Corpus, build_corpus_from_folder
from research.errors import ConfigError
from tests.helpers import ROOT, run_cli


def patch_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "patches.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_patches_fix_section_split_and_drop_and_report_stale_ones(corpus: Corpus,
                                                                   tmp_path: Path) -> None:
    paragraphs = corpus.paragraphs
    target, other, gone = paragraphs[10], paragraphs[20], paragraphs[30]
    cut = target.text[len(target.text) // 2:][:6]
    patches = load_patches(patch_file(tmp_path, f"""patches:
  - id: {target.id}
    section: 手工修正的小节
    split_before: "{cut}"
  - doc: {other.doc}
    position: {other.position}
    title: 手工修正的标题
  - id: {gone.id}
    drop: true
  - id: p000000000000
    section: 无
"""))
    fixed, stale = apply_patches(paragraphs, patches)
    assert len(fixed) == len(paragraphs)  # one split, one dropped
    first, second = (p for p in fixed if p.section == "手工修正的小节")
    assert (first.text + second.text).replace(" ", "") == target.text.replace(" ", "")
    assert second.text.startswith(cut) and first.id != target.id != second.id
    assert any(p.title == "手工修正的标题" and p.text == other.text for p in fixed)
    assert gone.id not in {p.id for p in fixed}
    assert stale == ["patch 4 (id p000000000000): no such paragraph; not applied"]
    positions = [p.position for p in fixed if p.doc == target.doc]
    assert positions == list(range(len(positions)))


def test_merge_with_next_joins_two_paragraphs(corpus: Corpus) -> None:
    a, b = corpus.paragraphs[0], corpus.paragraphs[1]
    patches = load_patches_from_rows([{"id": a.id, "merge_with_next": True}])
    fixed, stale = apply_patches(corpus.paragraphs, patches)
    assert not stale and fixed[0].text == a.text + b.text and fixed[1].id == corpus.paragraphs[2].id


def load_patches_from_rows(rows: list[dict]) -> list:
    from research.corpus.patches import PatchFile

    return PatchFile.model_validate({"patches": rows}).patches


@pytest.mark.parametrize(("text", "message"), [
    ("patches:\n  - section: x\n", "name the paragraph"),
    ("patches:\n  - id: p1\n", "says nothing to change"),
    ("patches:\n  - id: p1\n    colour: red\n", "colour"),
    ("patches: [", "cannot read"),
])
def test_a_bad_patch_file_is_one_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_patches(patch_file(tmp_path, text))


def test_corpus_command_applies_patches_on_every_run(corpus: Corpus, tmp_path: Path) -> None:
    target = corpus.paragraphs[5]
    patches = patch_file(tmp_path, f"patches:\n  - id: {target.id}\n    section: 修正\n"
                                   "  - id: pdeadbeef0000\n    drop: true\n")
    out = tmp_path / "p.jsonl"
    done = run_cli("corpus", "--patches", str(patches), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert rows[target.id]["section"] == "修正"
    assert "patch 2 (id pdeadbeef0000): no such paragraph" in done.stderr
    config = CorpusConfig(patches=patches)
    again = build_corpus_from_folder(ROOT / "seeds" / "raw", config)
    assert next(p for p in again.paragraphs if p.id == target.id).section == "修正"
