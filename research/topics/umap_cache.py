"""UMAP with numba's on-disk cache switched on for the functions every fit compiles.

Why: umap-learn declares its numba kernels without ``cache=True`` (only ``rdist`` is cached),
so every new process recompiled them: about 25 s of a 38 s warm ``research run`` on 2 cores
(see experiments/benchmark_warm_run.py). ``Dispatcher.enable_caching()`` turns numba's own
cache on after import and before the first call. Numba then stores the compiled code in
``NUMBA_CACHE_DIR`` when the user sets one, else beside umap's sources (``umap/__pycache__``),
else (that folder not writable) in its user-wide cache folder; it recompiles when umap's source
file, numba's version or the CPU differ, so nothing stale is ever loaded. pynndescent already
caches its own kernels.

Only the kernels measured on a fit are switched on: caching a numba function that takes other
jitted functions as arguments can fail inside numba, and none of these does. Of the layout
optimiser only the serial dispatcher is cached (a fixed ``random_state`` makes UMAP run
serially): umap builds a parallel one from the same Python function, and numba's cache key does
not tell the two apart, so caching both could load one for the other.
"""

from __future__ import annotations

import importlib
from typing import Any

#: module -> numba kernels compiled by a seeded UMAP fit (exact kNN for < 4096 points, the
#: fuzzy graph, the serial euclidean layout optimiser).
KERNELS: dict[str, tuple[str, ...]] = {
    "umap.utils": ("fast_knn_indices",),
    "umap.umap_": ("smooth_knn_dist", "compute_membership_strengths"),
    "umap.layouts": ("_nb_optimize_layout_euclidean_single_epoch",),
}


def enable_umap_cache() -> list[str]:
    """Switch numba's on-disk cache on for UMAP's kernels; return the ones switched on.

    Safe to call many times; a kernel missing from another umap version is skipped.
    """
    enabled = []
    for module_name, names in KERNELS.items():
        module = importlib.import_module(module_name)
        for name in names:
            kernel = getattr(module, name, None)
            if kernel is None or not hasattr(kernel, "enable_caching"):
                continue
            if type(kernel._cache).__name__ == "NullCache":  # not cached yet
                kernel.enable_caching()
            enabled.append(f"{module_name}.{name}")
    return enabled


def umap_class() -> Any:
    """``umap.UMAP``, with its kernels cached on disk (import umap through this)."""
    from umap import UMAP

    enable_umap_cache()
    return UMAP
