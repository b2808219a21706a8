"""Each report's classified rows, in input order, whether computed here or on Dask workers.

One code path for `research classify`: the writer consumes :class:`FileOutcome` objects in the
order the files were given, so the output is the same byte for byte with or without a cluster.
In-process, a file's rows stream batch by batch (a 50 MB report never sits in memory whole).
On a cluster a file is one task (reading, cleaning, segmenting and scoring stay together, as
the corpus is partitioned by document); at most a small window of files is in flight, so the
driver holds the rows of a few files at a time, not of the whole folder.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from research.config import CorpusConfig
from research.errors import InputError
from research.themes.apply import FileSummary, classify_file

#: Files in flight per worker thread: enough that no worker waits for the driver, few enough
#: that the driver's memory stays a handful of files' rows.
FILES_IN_FLIGHT_PER_WORKER = 2


@dataclass
class FileOutcome:
    """One report: its rows (lazy in-process), what happened to it, or why it failed.

    ``error`` (the reason, without the file name) is set when the report could not be read or
    had no paragraphs; in-process it can also surface while ``rows`` is iterated (the file is
    read on the first row).
    """

    path: str
    rows: Iterable[dict[str, Any]]
    summary: FileSummary
    error: str | None = None


def classify_collected(path: str, shown: str, model: Any, meta: dict[str, Any],
                       config: CorpusConfig, one_per_line: bool
                       ) -> tuple[list[dict[str, Any]], FileSummary, str | None]:
    """A whole report's rows on a worker, read from ``path`` (absolute: a worker's working
    folder is its own) and named ``shown`` (as the user gave it) in rows and messages; an
    unreadable report comes back as the reason (plain text travels back from any worker; a
    custom exception might not unpickle)."""
    summary = FileSummary(shown)
    try:
        rows = list(classify_file(path, model, meta, config, one_per_line, summary))
    except InputError as exc:
        return [], summary, exc.reason
    for row in rows:
        row["file"] = shown
    return rows, summary, None


def _model(model: Any, meta: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The model as a task result: unlike scattered data, Dask recomputes it on another
    worker when the one holding it dies."""
    return model, meta


def outcomes_in_process(files: Sequence[str], model: Any, meta: dict[str, Any],
                        config: CorpusConfig, one_per_line: bool) -> Iterator[FileOutcome]:
    for path in files:
        summary = FileSummary(path)
        yield FileOutcome(path, classify_file(path, model, meta, config, one_per_line, summary),
                          summary)


def outcomes_on_cluster(client: Any, files: Sequence[str], model: Any, meta: dict[str, Any],
                        config: CorpusConfig, one_per_line: bool) -> Iterator[FileOutcome]:
    """Submit files to the cluster a window ahead of the writer; yield them in input order.

    The model goes to the cluster once, as a task's result, not with each task. Standard input
    ('-') cannot travel to a worker and is classified here, in its place in the order.
    """
    from research.cluster import worker_count

    window = FILES_IN_FLIGHT_PER_WORKER * worker_count(client)
    shared = client.submit(_model, model, meta, pure=False)
    pending: deque[tuple[str, Any]] = deque()
    queue = iter(files)

    def top_up() -> None:
        while len(pending) < window and (path := next(queue, None)) is not None:
            future = None if path == "-" else client.submit(
                _classify_shared, os.path.abspath(path), path, shared, config, one_per_line,
                pure=False)
            pending.append((path, future))

    top_up()
    while pending:
        path, future = pending.popleft()
        top_up()
        if future is None:
            yield from outcomes_in_process([path], model, meta, config, one_per_line)
            continue
        try:
            rows, summary, error = future.result()
        except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory …)
            yield FileOutcome(path, [], FileSummary(path), "the worker classifying it "
                              f"stopped ({type(exc).__name__}); the other reports go on")
            continue
        finally:
            future.release()
        yield FileOutcome(path, rows, summary, error)


def _classify_shared(path: str, shown: str, shared: tuple[Any, dict[str, Any]],
                     config: CorpusConfig, one_per_line: bool
                     ) -> tuple[list[dict[str, Any]], FileSummary, str | None]:
    model, meta = shared
    return classify_collected(path, shown, model, meta, config, one_per_line)


def file_outcomes(files: Sequence[str], model: Any, meta: dict[str, Any],
                  config: CorpusConfig, one_per_line: bool, client: Any | None = None
                  ) -> Iterator[FileOutcome]:
    """Outcomes in input order: on ``client``'s cluster when given, else here."""
    if client is None:
        return outcomes_in_process(files, model, meta, config, one_per_line)
    return outcomes_on_cluster(client, files, model, meta, config, one_per_line)
