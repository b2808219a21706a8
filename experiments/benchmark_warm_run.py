"""Wall time of `research run configs/quick.yaml`: as before issue 10 item 7, cold and warm.

Issue 10, item 7: every process used to recompile umap-learn's numba kernels (about 25 s of a
38 s warm run on 2 cores) and import torch through bertopic. research/topics/umap_cache.py
keeps the kernels in numba's on-disk cache, research/topics/bertopic_import.py imports
bertopic without torch. This script times runs in fresh processes:

* ``before``: both switched off inside the benchmark's own process (the package as it was);
* ``cold``: the kernels' cache emptied first, so the run compiles them once more;
* ``warm``: the cache as the previous run left it: what every later run costs.

Paragraph embeddings are cached in all three (one run fills the cache first if needed). Not a
test: timings depend on the machine and its load (the load average is printed). Usage:
    python experiments/benchmark_warm_run.py [--config configs/quick.yaml] [--before 1]
                                             [--cold 1] [--warm 2] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from research.topics.umap_cache import KERNELS, enable_umap_cache


def clear_umap_cache() -> int:
    """Empty numba's on-disk cache of the UMAP kernels; return how many were cleared."""
    import importlib

    enable_umap_cache()
    cleared = 0
    for module_name, names in KERNELS.items():
        module = importlib.import_module(module_name)
        for name in names:
            kernel = getattr(module, name, None)
            if kernel is not None:
                kernel._cache.flush()
                cleared += 1
    return cleared


#: `python -c` program: the run with the kernel cache and the torch-free import switched off.
BEFORE = """
import sys
import research.topics.bertopic_import as bertopic_import
import research.topics.umap_cache as umap_cache

def plain_import():
    from bertopic import BERTopic
    return BERTopic

umap_cache.enable_umap_cache = lambda: []
bertopic_import.bertopic_class = plain_import
from research.cli import app
app(prog_name="research")
"""


def timed_run(config: Path, out: Path, before: bool = False) -> dict[str, Any]:
    """One `research run` in a fresh process: wall seconds and the manifest's stage timings."""
    start = time.perf_counter()
    program = ["-c", BEFORE] if before else ["-m", "research"]
    done = subprocess.run([sys.executable, *program, "run", str(config), "--out", str(out),
                           "--quiet"], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - start
    folder = Path(done.stdout.strip().splitlines()[-1].split(": ", 1)[-1])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {"wall_seconds": round(wall, 1), "stages": manifest["timings_seconds"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("configs/quick.yaml"))
    parser.add_argument("--before", type=int, default=1,
                        help="runs without the kernel cache and with torch imported")
    parser.add_argument("--cold", type=int, default=1, help="runs after emptying the cache")
    parser.add_argument("--warm", type=int, default=2, help="runs with the cache kept")
    parser.add_argument("--json", type=Path, help="also write the timings here")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="warm-run-") as tmp:
        out = Path(tmp)
        timed_run(args.config, out)  # fills the embedding cache (and the kernel cache)
        for kind, count in (("before", args.before), ("cold", args.cold), ("warm", args.warm)):
            for _ in range(count):
                if kind == "cold":
                    clear_umap_cache()
                row = {"kind": kind, **timed_run(args.config, out, before=kind == "before")}
                rows.append(row)
                print(f"{kind:6} {row['wall_seconds']:6.1f} s  fit_bertopic "
                      f"{row['stages'].get('fit_bertopic', 0):5.1f} s  {row['stages']}",
                      flush=True)
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"cpus {os.cpu_count()}, load average now {load:.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"config": str(args.config), "runs": rows}, indent=1),
                             encoding="utf-8")


if __name__ == "__main__":
    main()
