"""Two independent codings plus adjudication -> final labels: the one rule both written sets
(the held-out check in seeds/heldout, the training supplement in seeds/supplement) follow.

A paragraph's final labels are the adjudicator's where the coders disagreed, else the coders'
shared decision; the adjudication must cover exactly the disagreements.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from research.corpus.records import iter_jsonl
from research.themes.agreement import agreement


def decisions(paths: Iterable[Path]) -> dict[str, list[str]]:
    """id -> labels over one coder's files (an id twice is an error)."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for row in iter_jsonl(path):
            if row["id"] in found:
                raise SystemExit(f"{path}: paragraph {row['id']} decided twice")
            found[row["id"]] = list(row["labels"])
    return found


def assemble(paragraphs: list[dict[str, Any]], first: dict[str, list[str]],
             second: dict[str, list[str]], adjudicated: dict[str, list[str]],
             themes: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Final labels in paragraph order (theme ids in codebook order) and the coders' agreement."""
    ids = [p["id"] for p in paragraphs]
    for name, coded in (("first coder", first), ("second coder", second)):
        if set(coded) != set(ids):
            raise SystemExit(f"the {name} must decide exactly the {len(ids)} paragraphs")
    disputed = {i for i in ids if set(first[i]) != set(second[i])}
    if disputed != set(adjudicated):
        raise SystemExit(f"adjudication must cover exactly the {len(disputed)} disagreements")
    rows = [{**p, "labels": [t for t in themes if t in adjudicated.get(p["id"], first[p["id"]])]}
            for p in paragraphs]
    return rows, agreement(first, second, themes)
