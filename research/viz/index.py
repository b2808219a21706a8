"""`index.html` for a results tree: every run, newest first, with a headline and its report.

One broken run must not hide the others: a run whose files cannot be read is still listed,
marked unreadable with the one-line reason, and the index goes on.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from research.corpus.records import atomic_write_text
from research.errors import InputError
from research.viz.figures_compare import KIND_TITLE
from research.metrics.summary import best_settings, setting_summary
from research.run_folder.load import load_run
from research.run_folder import layout
from research.run_folder.read import read_cv_scores, read_manifest, read_metric_rows
from research.viz.report import save_report
from research.viz.style import render
from research.viz.tables import mean_sd

INDEX_NAME = "index.html"


def find_runs(results_dir: Path, max_depth: int = 3) -> list[Path]:
    """Folders holding manifest.json at most ``max_depth`` levels below ``results_dir``.

    Hidden folders (runs still being written, ``.<stamp>.*.partial``) are skipped.
    """
    results_dir = Path(results_dir)
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        if (folder / layout.MANIFEST).is_file():
            found.append(folder)
        if depth >= max_depth:
            return
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir()
                              and not p.name.startswith("."))
        except OSError:
            return
        for child in children:
            walk(child, depth + 1)

    walk(results_dir, 0)
    return found


def headline(run_dir: Path) -> str:
    """Best mean NPMI per model kind (topics) or the default model's macro F1 (classifier)."""
    if (run_dir / layout.CV_SCORES).is_file():
        cv = read_cv_scores(run_dir / layout.CV_SCORES)
        models = cv.get("models", {})
        default = cv.get("default")
        scores = models.get(default) or next(iter(models.values()), {})
        return (f"macro F1 {mean_sd(scores.get('macro_f1'), scores.get('macro_f1_std'))} "
                f"({default})") if scores else "–"
    if (run_dir / layout.METRICS).is_file():
        rows = read_metric_rows(run_dir / layout.METRICS)
        if not rows:
            return "–"
        npmi = setting_summary(rows, ["npmi"])[("npmi", "mean")]
        return "; ".join(f"{KIND_TITLE.get(kind, kind)} NPMI {mean_sd(npmi[name])} ({name})"
                         for kind, name in sorted(best_settings(rows).items()))
    return "–"


def index_entry(run: Path, results_dir: Path, generate_missing: bool) -> dict[str, Any]:
    """One row of the index; what cannot be read goes into its note instead of stopping."""
    entry: dict[str, Any] = {"run": run.parent.name, "kind": "–", "created": "",
                             "paragraphs": "–", "headline": "–",
                             "path": run.relative_to(results_dir).as_posix() or "."}
    try:
        manifest = read_manifest(run / layout.MANIFEST)
    except InputError as exc:
        entry["notes"] = {layout.MANIFEST: f"unreadable: {layout.MANIFEST}: {exc.reason}"}
        return entry
    notes: dict[str, str] = {}
    if generate_missing and not (run / layout.REPORT).is_file():
        try:
            data = load_run(run)
            save_report(data)
            notes.update({name: f"{name} {reason}" for name, reason in data.problems.items()})
        except Exception as exc:  # noqa: BLE001 - one broken run must not stop the index
            notes["report"] = f"report failed: {type(exc).__name__}: {exc}"
    try:
        entry["headline"] = headline(run)
    except InputError as exc:
        name = Path(exc.path).name
        notes.setdefault(name, f"{name} unreadable: {exc.reason}")
    entry.update(run=manifest.name or run.parent.name, kind=manifest.kind,
                 created=manifest.created, paragraphs=manifest.fact("paragraphs", "–"),
                 notes=notes)
    return entry


def index_row(entry: dict[str, Any], results_dir: Path) -> dict[str, Any]:
    """What the index template shows of one entry: the date readable, the report link if the
    report exists, the notes on one line."""
    date = entry["created"]
    try:
        date = datetime.fromisoformat(date).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        pass
    link = f"{entry['path']}/{layout.REPORT}" if entry["path"] != "." else layout.REPORT
    return {**entry, "date": date, "link": link if (results_dir / link).is_file() else None,
            "notes": "; ".join(entry["notes"].values())}


def write_index(results_dir: Path, generate_missing: bool = True) -> Path:
    """Write ``results_dir/index.html``: every run, newest first, linking to its report."""
    results_dir = Path(results_dir)
    entries = [index_entry(run, results_dir, generate_missing) for run in find_runs(results_dir)]
    entries.sort(key=lambda e: e["created"], reverse=True)
    target = results_dir / INDEX_NAME
    atomic_write_text(target, render(
        "index.html.j2", title=f"Runs · {results_dir.name}",
        folder=results_dir.name or str(results_dir),
        entries=[index_row(e, results_dir) for e in entries]))
    return target
