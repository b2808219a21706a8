"""Peak memory of `research classify` on one large report, as a multiple of the file's size.

Builds a report of about --mb megabytes by recombining seed sentences (shuffled, grouped into
paragraphs of 3-8 sentences, with headings now and then), so it reads like one long real
report rather than the same paragraphs repeated. Then runs `research classify` on it in a fresh
process and reads the child's peak resident memory (ru_maxrss).
Usage:
    python experiments/benchmark_memory.py [--mb 50] [--format jsonl] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seed_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted((ROOT / "seeds" / "raw").glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        sentences += [s.strip() for s in re.findall(r"[^。！？\n]+[。！？]", text)
                      if len(s.strip()) >= 12]
    return sentences


def build_report(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write a report of about ``megabytes`` MB (UTF-8); return its size in bytes."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    target = int(megabytes * 1024 * 1024)
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        number = 0
        while written < target:
            number += 1
            if number % 12 == 1:
                line = f"{number // 12 + 1}、第{number}部分工作情况\n"
            else:
                line = "".join(rng.sample(sentences, rng.randint(3, 8))) + "\n"
            handle.write(line)
            written += len(line.encode("utf-8"))
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--format", default="jsonl", choices=("jsonl", "csv"))
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "large_report.txt"
    size = build_report(report, args.mb)
    out = folder / f"large_report.{args.format}"
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "research", "classify", str(report),
                           "--format", args.format, "--out", str(out), "--force"],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    rows = sum(1 for _ in out.open(encoding="utf-8")) if out.exists() else 0
    print(f"file {size / 1e6:.1f} MB, exit {done.returncode}, {seconds:.1f} s, "
          f"{rows} rows, peak RSS {peak / 1e6:.0f} MB = {peak / size:.1f}x the file")
    if done.returncode:
        print(done.stderr[-2000:])


if __name__ == "__main__":
    main()
