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
import os
import re
import signal
from collections.abc import Iterator
from typing import Any

from research.errors import ConfigError

#: How long to wait for a scheduler given by address before saying it cannot be reached.
CONNECT_TIMEOUT_S = 20
#: More local workers than this many per core only cost memory (each is a process).
MAX_WORKERS_PER_CORE = 4
#: A scheduler's address as ``dask scheduler`` prints it: protocol, host, port.
SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls|ucx|ws|wss)://(?P<host>[^\s/:]+|\[[0-9a-fA-F:]+\])"
                               r":(?P<port>\d{1,5})$")
#: How a LocalCluster starts its worker processes (see :func:`dask_client`).
LOCAL_START_METHOD = "fork"


def check_cluster_options(workers: int | None, scheduler: str | None) -> None:
    """One clear line for options that cannot be used together or make no sense."""
    if workers is not None and scheduler:
        raise ConfigError("--workers and --scheduler: give one (--workers starts a local "
                          "cluster, --scheduler joins a running one)")
    cores = os.cpu_count() or 1
    if workers is not None and not 1 <= workers <= MAX_WORKERS_PER_CORE * cores:
        raise ConfigError(f"--workers must be between 1 and {MAX_WORKERS_PER_CORE * cores} "
                          f"on this machine ({cores} cores; each worker is a process of a few "
                          f"hundred MB) (got {workers})")
    match = SCHEDULER_ADDRESS.match(scheduler or "")
    if scheduler is not None and (not match or not 0 < int(match["port"]) < 65536):
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

    # Dask logs every worker start and stop at INFO, and a task lost with its worker at ERROR;
    # a researcher's terminal shows only ours (the lost report is one error line naming it).
    for name in ["distributed", *(n for n in logging.root.manager.loggerDict
                                  if n.startswith("distributed."))]:
        logging.getLogger(name).setLevel(logging.CRITICAL)
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
    # Ctrl-C in a terminal reaches the whole process group: workers forked while SIGINT is
    # ignored stay quiet (no traceback from each), and this process stops them on its way out.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with dask.config.set({"distributed.worker.multiprocessing-method": LOCAL_START_METHOD}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
    finally:
        signal.signal(signal.SIGINT, previous)
    with cluster, Client(cluster) as client:
        yield client


def worker_count(client: Any) -> int:
    """Threads the cluster offers now (at least 1, so a window of tasks is never empty)."""
    return max(1, sum(client.nthreads().values()))
