"""Dask as the engine for work spread over cores or machines: one place opens the client.

``--workers N`` starts a ``LocalCluster`` of N single-threaded worker processes on this machine
(bound to loopback: nothing outside can reach it); ``--scheduler tcp://host:8786`` joins a
cluster someone started with ``dask scheduler`` / ``dask worker``. Neither: no client, and the
commands run in-process exactly as before. Workers need this package installed and the input
files at the same paths (a shared file system), as Dask itself expects.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from research.errors import ConfigError

#: How long to wait for a scheduler given by address before saying it cannot be reached.
CONNECT_TIMEOUT_S = 20
#: How a LocalCluster starts its worker processes (see :func:`dask_client`).
LOCAL_START_METHOD = "fork"


def check_cluster_options(workers: int | None, scheduler: str | None) -> None:
    """One clear line for options that cannot be used together or make no sense."""
    if workers is not None and scheduler:
        raise ConfigError("--workers and --scheduler: give one (--workers starts a local "
                          "cluster, --scheduler joins a running one)")
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1 (got {workers})")
    if scheduler is not None and "://" not in scheduler:
        raise ConfigError(f"--scheduler {scheduler!r}: expected an address like "
                          "tcp://host:8786")


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None
                ) -> Iterator[Any | None]:
    """A ``distributed.Client`` for the options given, closed on exit; None for in-process."""
    check_cluster_options(workers, scheduler)
    if workers is None and not scheduler:
        yield None
        return
    from distributed import Client, LocalCluster

    # Dask logs every worker start and stop at INFO; a researcher's terminal shows only ours.
    for name in ("distributed", "distributed.scheduler", "distributed.nanny",
                 "distributed.worker", "distributed.core", "distributed.http.proxy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"--scheduler {scheduler}: cannot connect "
                              f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                              ) from None
        with client:
            yield client
        return
    import dask

    # Forked workers start with this process's imports and loaded models (about 0.5 s);
    # spawned ones import everything again (about 5 s each on two cores, longer than
    # classifying the seeds ten times over).
    with dask.config.set({"distributed.worker.multiprocessing-method": LOCAL_START_METHOD}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
    with cluster, Client(cluster) as client:
        yield client


def worker_count(client: Any) -> int:
    """Threads the cluster offers now (at least 1, so a window of tasks is never empty)."""
    return max(1, sum(client.nthreads().values()))
