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
from research.viz.load import best_settings, group_rows, load_run, mean_metric
from research.viz.readers import read_cv_scores, read_manifest, read_metric_rows
from research.viz.report import REPORT_NAME, plus_minus, save_report
from research.viz.style import esc, page

INDEX_NAME = "index.html"


def find_runs(results_dir: Path, max_depth: int = 3) -> list[Path]:
    """Folders holding manifest.json at most ``max_depth`` levels below ``results_dir``.

    Hidden folders (runs still being written, ``.<stamp>.*.partial``) are skipped.
    """
    results_dir = Path(results_dir)
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        if (folder / "manifest.json").is_file():
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
    if (run_dir / "cv_scores.json").is_file():
        cv = read_cv_scores(run_dir / "cv_scores.json")
        models = cv.get("models", {})
        default = cv.get("default")
        scores = models.get(default) or next(iter(models.values()), {})
        return f"macro F1 {plus_minus(scores, 'macro_f1')} ({default})" if scores else "–"
    if (run_dir / "metrics.json").is_file():
        rows = read_metric_rows(run_dir / "metrics.json")
        groups = group_rows(rows)
        parts = []
        for kind, name in sorted(best_settings(rows).items()):
            value = mean_metric(groups[name], "npmi")
            parts.append(f"{KIND_TITLE.get(kind, kind)} NPMI "
                         f"{'–' if value is None else f'{value:.3f}'} ({name})")
        return "; ".join(parts) or "–"
    return "–"


def index_entry(run: Path, results_dir: Path, generate_missing: bool) -> dict[str, Any]:
    """One row of the index; what cannot be read goes into its note instead of stopping."""
    entry: dict[str, Any] = {"run": run.parent.name, "kind": "–", "created": "",
                             "paragraphs": "–", "headline": "–",
                             "path": run.relative_to(results_dir).as_posix() or "."}
    try:
        manifest = read_manifest(run / "manifest.json")
    except InputError as exc:
        entry["notes"] = {"manifest.json": f"unreadable: manifest.json: {exc.reason}"}
        return entry
    notes: dict[str, str] = {}
    if generate_missing and not (run / REPORT_NAME).is_file():
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
    config = manifest.get("config") or {}
    entry.update(run=str(config.get("name") or run.parent.name),
                 kind=str(manifest.get("kind", "–")), created=str(manifest.get("created", "")),
                 paragraphs=manifest.get("paragraphs", "–"), notes=notes)
    return entry


def index_row(entry: dict[str, Any], results_dir: Path) -> str:
    date = entry["created"]
    try:
        date = datetime.fromisoformat(date).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        pass
    link = f"{entry['path']}/{REPORT_NAME}" if entry["path"] != "." else REPORT_NAME
    cell = (f"<a href=\"{esc(link)}\">report</a>" if (results_dir / link).is_file()
            else "no report")
    notes = "; ".join(entry["notes"].values())
    return (f"<tr><td>{esc(entry['run'])}</td><td><code>{esc(entry['path'])}</code></td>"
            f"<td>{esc(entry['kind'])}</td><td>{esc(date)}</td>"
            f"<td class=\"num\">{esc(entry['paragraphs'])}</td><td>{esc(entry['headline'])}</td>"
            f"<td>{cell}" + (f" <span class=\"note\">{esc(notes)}</span>" if notes else "")
            + "</td></tr>")


def write_index(results_dir: Path, generate_missing: bool = True) -> Path:
    """Write ``results_dir/index.html``: every run, newest first, linking to its report."""
    results_dir = Path(results_dir)
    entries = [index_entry(run, results_dir, generate_missing) for run in find_runs(results_dir)]
    entries.sort(key=lambda e: e["created"], reverse=True)
    rows = [index_row(e, results_dir) for e in entries]
    table = ("<table><thead><tr><th>run</th><th>folder</th><th>kind</th><th>created (UTC)</th>"
             "<th>paragraphs</th><th>headline</th><th>report</th></tr></thead><tbody>"
             + "".join(rows) + "</tbody></table>") if rows else "<p>No runs found.</p>"
    body = (f"<header class=\"page\"><h1>Runs in {esc(results_dir.name or str(results_dir))}"
            f"</h1><p>{len(entries)} run(s). Headline: best mean NPMI per model kind for topic "
            "runs, macro F1 of the default model for classifier runs.</p></header>"
            f"<main><section><div class=\"table-wrap\">{table}</div></section></main>")
    target = results_dir / INDEX_NAME
    atomic_write_text(target, page(f"Runs · {results_dir.name}", body))
    return target
