"""Run folders under pressure: concurrent runs, unsafe names, bad output roots, interrupts.

The runs here are tiny (one seed document, LDA only, one seed) so the module stays fast.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from research.errors import ConfigError, InputError
from research.outputs import check_writable_folder
from research.runner import load_experiment, run_experiment
from research.run_folder.create import RunContext, RunFolder, run_folder
from research.topics_run import run_topics
from tests.helpers import run_cli, tiny_topics_config


def start_of_a_second() -> None:
    """Wait until early in a wall-clock second, so what follows shares one timestamp."""
    while time.time() % 1 > 0.2:
        time.sleep(0.01)


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*"))


def test_two_runs_in_the_same_second_keep_their_own_complete_folders(tmp_path: Path) -> None:
    """Run A starts, run B starts in the same second while A is still writing, A ends, B ends."""
    b_started, a_done = threading.Event(), threading.Event()
    finals: dict[str, Path] = {}
    errors: list[BaseException] = []

    def job(tag: str, wait_before_end: threading.Event,
            started: threading.Event | None = None) -> None:
        try:
            with run_folder(tmp_path, "exp") as folder:
                (folder.work / "first.txt").write_text(tag)
                if started is not None:
                    started.set()
                assert wait_before_end.wait(10)
                (folder.work / "second.txt").write_text(tag)
            assert folder.final is not None
            finals[tag] = folder.final
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            if tag == "A":
                a_done.set()

    start_of_a_second()
    a = threading.Thread(target=job, args=("A", b_started))
    a.start()
    time.sleep(0.05)  # A has made its working folder
    b = threading.Thread(target=job, args=("B", a_done, b_started))
    b.start()
    a.join(20)
    b.join(20)
    assert errors == []
    assert finals["A"] != finals["B"]
    for tag, final in finals.items():
        assert final.parent == tmp_path / "exp" and final.is_dir()
        assert sorted(p.name for p in final.iterdir()) == ["first.txt", "second.txt"]
        assert {p.read_text() for p in final.iterdir()} == {tag}
    assert hidden(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "exp").iterdir()) == sorted(
        f.name for f in finals.values())


def test_two_processes_started_together_both_finish(tmp_path: Path) -> None:
    """Two real `research run` of one config at once: two complete runs, nothing left over."""
    config = tiny_topics_config(tmp_path)
    start_of_a_second()
    jobs = [subprocess.Popen([sys.executable, "-m", "research", "run", str(config), "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1]) for _ in range(2)]
    outputs = [job.communicate(timeout=300) for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outputs
    runs = sorted((tmp_path / "results" / "tiny").iterdir())
    assert len(runs) == 2 and hidden(tmp_path / "results") == []
    for run in runs:
        assert {"manifest.json", "topics.json", "metrics.json", "report.html"} <= {
            p.name for p in run.iterdir()}
        assert run.name in (run / "report.html").read_text(encoding="utf-8")


def test_final_name_is_reserved_from_the_start(tmp_path: Path) -> None:
    with run_folder(tmp_path, "exp") as folder:
        assert folder.final is not None and folder.final.is_dir()
        assert list(folder.final.iterdir()) == []
        assert folder.work.parent == folder.final.parent and folder.work.name.startswith(".")
        (folder.work / "a.txt").write_text("a")
    assert (folder.final / "a.txt").read_text() == "a" and not folder.work.exists()


def test_failure_removes_working_and_reserved_folders(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        with run_folder(tmp_path, "exp") as folder:
            (folder.work / "a.txt").write_text("a")
            raise KeyboardInterrupt
    assert list((tmp_path / "exp").iterdir()) == []


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../x", ".hidden", "a\\b", "/abs"])
def test_unsafe_run_names_are_refused(tmp_path: Path, name: str) -> None:
    root = tmp_path / "results"
    with pytest.raises(ConfigError, match="name"):
        with run_folder(root, name):
            pass
    assert [p.name for p in tmp_path.iterdir()] in ([], ["results"])
    assert not root.exists() or list(root.iterdir()) == []


def test_config_named_dotdot_never_writes_outside_results(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    config = tiny_topics_config(work, name="tiny", output=work / "results")
    config.write_text(config.read_text(encoding="utf-8").replace("name: tiny", "name: '..'"),
                      encoding="utf-8")
    before = sorted(p.name for p in work.iterdir())
    done = run_cli("run", str(config), "--quiet")
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "name" in done.stderr
    assert sorted(p.name for p in work.iterdir() if p.name != "results") == before
    assert not (work / "results").exists() or not any((work / "results").rglob("*"))


def test_output_root_that_is_a_file_fails_before_any_work(tmp_path: Path) -> None:
    config = tiny_topics_config(tmp_path)
    thesis = tmp_path / "thesis.txt"
    thesis.write_text("my thesis", encoding="utf-8")
    start = time.perf_counter()
    done = run_cli("run", str(config), "--out", str(thesis), "--quiet")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{thesis}: is not a folder" in lines[0]
    assert ".tmp" not in lines[0] and "unexpected" not in lines[0]
    assert thesis.read_text(encoding="utf-8") == "my thesis"
    assert time.perf_counter() - start < 30  # no fitting happened (a run takes longer)


def test_output_root_check(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError) as caught:
        check_writable_folder(blocker / "results")
    assert caught.value.path == str(blocker)
    with pytest.raises(InputError, match="not a folder"):
        check_writable_folder(blocker)
    check_writable_folder(tmp_path / "new" / "results")
    assert not (tmp_path / "new").exists()  # nothing made, the probe file is gone
    (tmp_path / "old").mkdir()
    check_writable_folder(tmp_path / "old")
    assert (tmp_path / "old").is_dir() and list((tmp_path / "old").iterdir()) == []


def test_output_root_not_writable(tmp_path: Path) -> None:
    """/proc takes no new files even from root (a chmod'ed folder would not stop root)."""
    with pytest.raises(InputError, match="not writable"):
        check_writable_folder(Path("/proc/self"))


def test_report_is_written_inside_the_run_and_names_the_final_folder(tmp_path: Path) -> None:
    final = run_experiment(load_experiment(tiny_topics_config(tmp_path)))
    html = (final / "report.html").read_text(encoding="utf-8")
    assert f"{final.parent.name}/{final.name}" in html  # name/stamp, the same wherever copied
    assert f"{final.parent}/." not in html  # never the hidden working folder
    assert hidden(tmp_path / "results") == []


def test_interrupt_while_finishing_leaves_no_run(tmp_path: Path) -> None:
    """Ctrl-C during the last step (the report) must not leave a finished-looking run."""
    from research.viz.report import write_report

    seen: list[RunFolder] = []

    def finish(folder: RunFolder) -> None:
        write_report(folder.work, shown_as=folder.final)
        seen.append(folder)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        experiment = load_experiment(tiny_topics_config(tmp_path))
        run_topics(experiment, RunContext(experiment.output, finish=finish))
    assert seen and seen[0].work.name.startswith(".")
    assert list((tmp_path / "results" / "tiny").iterdir()) == []


def test_what_the_writers_save_the_readers_give_back(corpus, tmp_path: Path) -> None:
    """OCTIS's save/load pairing: one package writes and reads every file of a run folder."""
    from research.config import LDAModelConfig, TokenizeConfig
    from research.corpus.tokenize import ChineseTokenizer
    from research.run_folder import write
    from research.run_folder.create import Timer, new_manifest
    from research.run_folder.load import load_run
    from research.topics.lda import LDATopicModel

    paragraphs = corpus.paragraphs[:80]
    tokens = ChineseTokenizer(TokenizeConfig()).tokenize_all([p.text for p in paragraphs])
    config = LDAModelConfig(kind="lda", name="lda", k=3, iterations=20)
    fits = [LDATopicModel("lda", config, {"k": 3}).fit([], tokens, seed, None) for seed in (1, 2)]
    ids, docs = [p.id for p in paragraphs], [p.doc for p in paragraphs]
    rows = [{"name": "lda", "kind": "lda", "seed": r.seed, "npmi": 0.01 * r.seed,
             "params": {"k": 3}} for r in fits]
    write.write_corpus(tmp_path, paragraphs)
    write.write_topics(tmp_path, fits)
    write.write_metrics(tmp_path, rows)
    write.write_assignments(tmp_path, ids, docs, fits)
    write.write_embedding_map(tmp_path, ids, [(i / 7, -i / 3) for i in range(len(ids))])
    write.write_themes(tmp_path, [(ids[0], ["funding"])], source="hand")
    write.write_manifest(tmp_path, new_manifest("topics", {"name": "round-trip"}, Timer(),
                                                random_seeds=[1, 2], paragraphs=len(ids)))

    data = load_run(tmp_path)
    assert data.manifest.kind == "topics" and data.name == "round-trip"
    assert data.manifest.random_seeds == [1, 2] and data.manifest.fact("paragraphs") == 80
    assert [p["id"] for p in data.corpus] == ids
    assert [(m.name, m.seed) for m in data.models] == [("lda", 1), ("lda", 2)]
    assert [t["words"] for t in data.models[1].topics] == [t.words for t in fits[1].topics]
    assert data.metrics == rows
    assert data.assignment_ids == ids
    assert data.assignments == {f"lda@{r.seed}": r.assignments for r in fits}
    assert data.embedding_map[ids[3]] == (round(3 / 7, 5), round(-1.0, 5))
    assert data.themes == [{"id": ids[0], "labels": ["funding"], "source": "hand"}]
    assert data.problems == {}  # the config names no models: no lda_terms.json expected


def test_assignments_keep_metadata_columns_after_the_fits(tmp_path: Path) -> None:
    """Metadata columns follow the fit columns; the reader still gives back the fits only, and
    a value with a line break or a comma, a date and a missing value survive the CSV."""
    import csv
    import datetime as dt

    from research.run_folder import write
    from research.run_folder.read import read_assignments
    from research.topics.base import TopicResult

    fits = [TopicResult("lda", "lda", {}, seed, [], [0, seed, -1]) for seed in (1, 2)]
    metadata = [{"county": "徽县", "posted": dt.date(2019, 5, 13), "year": 2019},
                {"county": "第一行\n第二行, 续", "posted": None, "year": None},
                {"county": None, "posted": None, "year": 2007}]
    write.write_assignments(tmp_path, ["p1", "p2", "p3"], ["a", "a", "b"], fits, metadata)
    path = tmp_path / "assignments.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "doc", "lda@1", "lda@2", "county", "posted", "year"]
    assert rows[1:] == [["p1", "a", "0", "0", "徽县", "2019-05-13", "2019"],
                        ["p2", "a", "1", "2", "第一行\n第二行, 续", "", ""],
                        ["p3", "b", "-1", "-1", "", "", "2007"]]
    assert read_assignments(path) == (["p1", "p2", "p3"],
                                      {"lda@1": [0, 1, -1], "lda@2": [0, 2, -1]})


def test_manifest_with_a_wrong_type_is_one_line_naming_the_key(tmp_path: Path) -> None:
    from research.run_folder.read import read_manifest

    (tmp_path / "manifest.json").write_text('{"kind": "topics", "random_seeds": "one"}',
                                            encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_manifest(tmp_path / "manifest.json")
    assert caught.value.path == str(tmp_path / "manifest.json")
    assert "random_seeds" in caught.value.reason and "\n" not in caught.value.reason
