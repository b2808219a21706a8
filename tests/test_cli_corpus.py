"""`research corpus` as a user runs it: output file, summary, clear errors, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import seed_file
from tests.helpers import run_cli


def test_corpus_command_writes_jsonl_and_summary(tmp_path: Path, seeds_dir: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    done = run_cli("corpus", "--seeds", str(seeds_dir), "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 300
    assert {"id", "doc", "title", "section", "position", "text"} <= set(rows[0])
    for word in ("paragraphs", "characters", "sub-docs", "breadcrumb", "duplicate", "quartiles"):
        assert word in done.stdout
    dropped = out.with_name("corpus.dropped.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["reason"] for line in dropped)


def test_bad_files_in_a_batch_are_reported_and_the_rest_processed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = seed_file("002")
    (folder / good.name).write_bytes(good.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    out = tmp_path / "c.jsonl"
    done = run_cli("corpus", "--seeds", str(folder), "--out", str(out), "--quiet")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 2 and "Traceback" not in done.stderr
    assert any("empty.txt: file is empty" in e for e in errors)
    assert any("binary.txt" in e and "binary" in e for e in errors)
    assert out.exists() and out.read_text(encoding="utf-8").count("\n") > 20


def test_missing_folder_and_bad_config_fail_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    done = run_cli("corpus", "--seeds", str(tmp_path / "nope"), "--out", str(out))
    assert done.returncode == 2 and "folder not found" in done.stderr
    config = tmp_path / "bad.yaml"
    config.write_text("segment:\n  max_heading_chars: many\n  colour: red\n", encoding="utf-8")
    done = run_cli("corpus", "--config", str(config), "--out", str(out))
    assert done.returncode == 2
    assert "segment.max_heading_chars" in done.stderr and "segment.colour" in done.stderr
    assert str(config) in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_output_path_that_is_a_folder_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    done = run_cli("corpus", "--seeds", str(seeds_dir), "--out", str(tmp_path), "--quiet")
    assert done.returncode == 2 and "is a folder" in done.stderr
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == []
