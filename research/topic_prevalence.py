"""Topic prevalence by document metadata: per group of a metadata column, the share of
paragraphs whose dominant topic is k, with a 95% interval from a cluster bootstrap over reports.

The table is ``research.prevalence.prevalence_table``, the one `research classify --by` uses for
themes; the cluster is the unit a metadata row describes (``Metadata.lookup``: a file, or a
sub-document with a row of its own), so paragraphs of one report are resampled together. A
topic run writes one table per ``prevalence_by`` column, every fit in it
(``prevalence_<column>.csv``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from research.corpus.records import json_values
from research.prevalence import prevalence_table
from research.run_folder.layout import PREVALENCE_COLUMNS, fit_column
from research.topics.base import TopicResult

OUTLIER_LABEL = "(no topic)"


def _outcome(topic: int) -> str:
    # ':' can never be in a metadata column's name (it separates the name from its type in the
    # header), so these frame columns never meet the grouping column or 'cluster'.
    return f"topic:{topic}"


def fit_frame(assignments: Sequence[int], topics: Sequence[int], units: Sequence[str],
              column: str, values: Sequence[Any]) -> tuple[pd.DataFrame, list[str]]:
    """One row per paragraph, as prevalence_table reads it: its ``cluster`` (the described
    report), its value of ``column`` and a 0/1 column per topic of the fit (and for -1, no
    topic, when a paragraph has it); returns the frame and those outcome columns."""
    ids = list(topics) + ([-1] if -1 in assignments else [])
    frame = pd.DataFrame({"cluster": list(units)})
    frame[column] = pd.Series(list(values), dtype=object)  # ints stay ints beside None
    chosen = pd.Series(list(assignments))
    outcomes = [_outcome(t) for t in ids]
    for topic, name in zip(ids, outcomes):
        frame[name] = (chosen == topic).astype(int)
    return frame, outcomes


def topic_prevalence(results: Sequence[TopicResult], units: Sequence[str], column: str,
                     values: Sequence[Any], keep: Sequence[bool] | None = None) -> pd.DataFrame:
    """Every fit's topic shares per group of ``column``: model (``name@seed``, as in
    assignments.csv), the group, topic, its label, share, 95% interval (low, high), paragraphs
    and reports in the group, and what the interval resampled ('reports', or 'paragraphs' for
    a group of one report). A paragraph without a value is in the group '(none)'. ``keep``:
    only the paragraphs marked True count (e.g. those that are not reused text)."""
    values = [json_values({"v": v})["v"] for v in values]  # dates as YYYY-MM-DD, as in the CSVs
    tables = []
    for result in results:
        topics = [t.id for t in result.topics]
        frame, outcomes = fit_frame(result.assignments, topics, units, column, values)
        if keep is not None:
            frame = frame[list(keep)]
        table = prevalence_table(frame, outcomes, column)
        labels = {_outcome(t.id): result.descriptions.get(t.id, {}).get("label", "")
                  for t in result.topics}
        table.insert(0, "model", fit_column(result.name, result.seed))
        table["topic"] = table["outcome"].str.removeprefix("topic:").astype(int)
        table["label"] = table["outcome"].map(labels).fillna(OUTLIER_LABEL)
        tables.append(table.rename(columns={"group": column}))
    columns = ["model", column, *PREVALENCE_COLUMNS[1:]]
    return (pd.concat(tables, ignore_index=True)[columns] if tables
            else pd.DataFrame(columns=columns))
