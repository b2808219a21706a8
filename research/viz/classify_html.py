"""HTML for theme classification output: each paragraph with its themes as coloured chips.

Used by the classifier's predict command; one self-contained page (templates/classify.html.j2,
inline CSS and a few lines of JS to filter by theme, templates/theme_filter.js), no external
resources, so it can be mailed or opened offline.
"""

from __future__ import annotations

from typing import Any

from research.viz.style import PALETTE, ink_on, render

NO_THEME = "#d9dee5"


def theme_colours(themes: list[dict[str, Any]]) -> dict[str, str]:
    return {t["id"]: PALETTE[i % len(PALETTE)] for i, t in enumerate(themes)}


def render_classification_html(records: list[dict[str, Any]], summaries: list[dict[str, Any]],
                               themes: list[dict[str, Any]],
                               title: str = "Theme classification") -> str:
    """A page: legend, per-file summary table, then every paragraph with its theme chips.

    records: {"file","index","text","themes":[ids],"scores":{id: prob}};
    summaries: {"file","paragraphs","shares":{id: share}}; themes: [{"id","name"}].
    Ids not in ``themes`` still render (grey chip, id as name).
    """
    themes = list(themes)
    known = {t["id"] for t in themes}
    for r in records:
        for theme_id in r.get("themes", []):
            if theme_id not in known:
                themes.append({"id": theme_id, "name": theme_id})
                known.add(theme_id)
    colours = theme_colours(themes)
    names = {t["id"]: t["name"] for t in themes}

    def chip(theme_id: str, score: float | None = None) -> dict[str, Any]:
        colour = colours.get(theme_id, "#888888")
        return {"id": theme_id, "name": names.get(theme_id, theme_id), "colour": colour,
                "ink": ink_on(colour), "score": score}

    table = []
    for s in summaries:
        shares = s.get("shares", {})
        cells = []
        for t in themes:
            share = float(shares.get(t["id"], 0.0) or 0.0)
            cells.append({"share": f"{share:.0%}", "width": round(share * 40),
                          "colour": colours[t["id"]]})
        table.append({"file": s.get("file", ""), "paragraphs": s.get("paragraphs", ""),
                      "cells": cells})
    by_file: dict[str, list[dict[str, Any]]] = {str(s.get("file", "")): [] for s in summaries}
    for r in records:
        by_file.setdefault(str(r.get("file", "")), []).append(r)
    files = []
    for file, items in by_file.items():
        paras = []
        for r in sorted(items, key=lambda x: x.get("index", 0)):
            ids = list(r.get("themes", []))
            scores = r.get("scores", {}) or {}
            paras.append({"index": r.get("index", ""), "text": r.get("text", ""),
                          "themes": " ".join(ids), "chips": [chip(t, scores.get(t)) for t in ids],
                          "border": colours.get(ids[0], NO_THEME) if ids else NO_THEME})
        files.append({"name": file, "paras": paras})
    return render("classify.html.j2", title=title, paragraphs=len(records), files=files,
                  themes=[chip(t["id"]) for t in themes], summaries=table)
