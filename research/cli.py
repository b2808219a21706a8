"""Command line: `research corpus|run|classify|report`. Thin: parse, call, print.

Every failure the user can fix ends as one line on stderr and a non-zero exit, never a traceback
(set RESEARCH_DEBUG=1 to see one).
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from research.errors import ResearchError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Study Chinese reports on urban-rural compulsory-education balance.")
# Piped output keeps whole tables: rich would otherwise squeeze them into 80 columns.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
out = Console(width=None if sys.stdout.isatty() else 160)

F = TypeVar("F", bound=Callable[..., Any])


@app.callback()
def _group() -> None:
    """Study Chinese reports on urban-rural compulsory-education balance."""


def print_error(message: object) -> None:
    """One error line on stderr (a bad file in a batch, or the reason for stopping)."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    print_error(message)
    raise typer.Exit(code)


def friendly_errors(func: F) -> F:
    """Turn ResearchError (and any unexpected error) into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except ResearchError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            if os.environ.get("RESEARCH_DEBUG"):
                raise
            fail(f"unexpected {exc.__class__.__name__}: {exc} (set RESEARCH_DEBUG=1 for details)")

    return wrapper  # type: ignore[return-value]


def print_corpus_summary(corpus: Any) -> None:
    """Documents, sub-documents, paragraphs, characters, lengths and dropped lines by reason."""
    table = Table(title="Corpus", title_justify="left")
    for column in ("document", "encoding", "simplified", "pinyin", "mojibake", "sub-docs",
                   "paragraphs", "characters"):
        table.add_column(column, justify="right" if column not in ("document", "encoding")
                         else "left")
    chars: dict[str, int] = {}
    for p in corpus.paragraphs:
        chars[p.doc] = chars.get(p.doc, 0) + len(p.text)
    for d in corpus.documents:
        table.add_row(d.name, d.encoding, "yes" if d.converted_to_simplified else "",
                      str(d.pinyin_glosses), str(d.mojibake_runs), str(d.subdocuments),
                      str(d.paragraphs), str(chars.get(d.name, 0)))
    table.add_row("total", "", "", "", "", str(sum(d.subdocuments for d in corpus.documents)),
                  str(len(corpus.paragraphs)), str(sum(chars.values())), style="bold")
    out.print(table)
    lengths = sorted(len(p.text) for p in corpus.paragraphs)
    if lengths:
        q = statistics.quantiles(lengths, n=4) if len(lengths) > 1 else [lengths[0]] * 3
        out.print(f"paragraph length (characters): min {lengths[0]}, quartiles "
                  f"{q[0]:.0f}/{q[1]:.0f}/{q[2]:.0f}, max {lengths[-1]}")
    reasons = Table(title="Lines not kept as paragraph text, by reason", title_justify="left")
    reasons.add_column("reason")
    reasons.add_column("lines", justify="right")
    for reason, count in sorted(corpus.dropped_by_reason().items(), key=lambda kv: -kv[1]):
        reasons.add_row(reason, str(count))
    out.print(reasons)


@app.command()
@friendly_errors
def corpus(
    out_file: Path = typer.Option(..., "--out", help="JSONL file to write the paragraphs to."),
    seeds: Path = typer.Option(None, "--seeds", help="Folder of .txt/.docx/.pdf reports "
                               "(default: the config's `seeds`, seeds/raw)."),
    config: Path = typer.Option(None, "--config", help="Corpus YAML config (default: built-in)."),
    quiet: bool = typer.Option(False, "--quiet", help="Print only errors."),
) -> None:
    """Clean and segment the reports into paragraphs with stable ids (JSONL)."""
    from research.config import CorpusConfig, load_config
    from research.corpus.pipeline import build_corpus_from_folder
    from research.corpus.records import atomic_write_text, dump_jsonl, write_paragraphs

    settings = load_config(config, CorpusConfig) if config else CorpusConfig()
    folder = seeds or settings.seeds
    result = build_corpus_from_folder(folder, settings)
    for error in result.errors:
        print_error(error)
    if not result.paragraphs:
        fail("no paragraphs could be built; nothing written")
    write_paragraphs(result.paragraphs, out_file)
    dropped_file = out_file.with_name(out_file.stem + ".dropped.jsonl")
    atomic_write_text(dropped_file, dump_jsonl(vars(n) for n in result.notes))
    if not quiet:
        print_corpus_summary(result)
        out.print(f"wrote {len(result.paragraphs)} paragraphs to {out_file} "
                  f"(dropped-line log: {dropped_file})")
    if result.errors:
        raise typer.Exit(1)


class RichBar:
    """A rich progress bar with the small interface the experiment runners call."""

    def __init__(self, progress: Any) -> None:
        self.progress, self.task = progress, None

    def start(self, total: int) -> None:
        self.task = self.progress.add_task("fitting", total=total)

    def advance(self, label: str) -> None:
        self.progress.update(self.task, advance=1, description=label[:50])


@app.command()
@friendly_errors
def run(
    config: Path = typer.Argument(..., help="Experiment YAML (kind: topics | classifier)."),
    out_dir: Path = typer.Option(None, "--out", help="Parent folder for the run folder "
                                 "(default: the config's `output`, results/)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output; print only the "
                               "run folder."),
) -> None:
    """Run the experiment a config describes and write a new run folder."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.progress import TimeElapsedColumn

    from research.experiments import load_experiment, run_experiment

    from research.viz.report import write_report

    experiment = load_experiment(config)
    if quiet:
        folder = run_experiment(experiment, out_dir)
    else:
        columns = (TextColumn("{task.description:<50}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            folder = run_experiment(experiment, out_dir, progress=lambda m: console.print(m),
                                    bar=RichBar(progress))
        comparison = folder / "comparison.md"
        if comparison.exists():
            out.print(comparison.read_text(encoding="utf-8"), highlight=False)
    report_file = write_report(folder)
    out.print(f"run folder: {folder}", highlight=False, soft_wrap=True)
    if not quiet:
        out.print(f"report: {report_file}", highlight=False, soft_wrap=True)


@app.command()
@friendly_errors
def classify(
    files: list[str] = typer.Argument(..., help="Reports (.txt in any Chinese encoding, .docx, "
                                      ".pdf); '-' reads standard input."),
    model_dir: Path = typer.Option(None, "--model", help="Theme-model folder "
                                   "(default: the model shipped with the package)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl, csv or html."),
    out_path: Path = typer.Option(None, "--out", help="Output file (default: standard output)."),
    one_per_line: bool = typer.Option(False, "--one-per-line", help="Each non-empty line is a "
                                      "paragraph; skip segmentation."),
    config: Path = typer.Option(None, "--config", help="Corpus YAML for cleaning/segmentation."),
) -> None:
    """Tag each paragraph of new reports with the codebook's themes."""
    from research.config import CorpusConfig, load_config
    from research.corpus.records import atomic_write_text
    from research.errors import InputError
    from research.themes.apply import classify_file, render
    from research.themes.model_io import load_model

    if fmt not in ("jsonl", "csv", "html"):
        fail(f"--format must be jsonl, csv or html (got {fmt!r})")
    settings = load_config(config, CorpusConfig) if config else CorpusConfig()
    model, meta = load_model(model_dir)
    results, failed = [], 0
    for path in files:
        try:
            results.append(classify_file(path, model, meta, settings, one_per_line))
        except InputError as exc:
            failed += 1
            print_error(exc)
    if results:
        text = render(results, meta, fmt)
        if out_path:
            atomic_write_text(out_path, text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        report_console = out if out_path else console
        table = Table(title="Themes per report (share of paragraphs)", title_justify="left")
        table.add_column("report")
        table.add_column("paragraphs", justify="right")
        for theme in meta["themes"]:
            table.add_column(theme, justify="right")
        for result in results:
            summary = result.summary(meta["themes"])
            table.add_row(summary["file"], str(summary["paragraphs"]),
                          *[f"{summary['shares'][t]:.0%}" for t in meta["themes"]])
        report_console.print(table)
        if out_path:
            out.print(f"wrote {sum(len(r.records) for r in results)} paragraphs to {out_path}",
                      highlight=False)
    if failed:
        raise typer.Exit(1 if results else 2)


@app.command()
@friendly_errors
def report(
    run_dir: Path = typer.Argument(None, help="A run folder (results/<name>/<timestamp>)."),
    index: Path = typer.Option(None, "--index", help="Write an index page of all runs under "
                               "this folder instead."),
) -> None:
    """Write report.html for a run folder (or index.html listing all runs)."""
    from research.errors import InputError
    from research.viz.report import write_index, write_report

    if index is not None:
        if not index.is_dir():
            raise InputError(index, "folder not found")
        out.print(f"wrote {write_index(index)}", highlight=False)
        return
    if run_dir is None:
        fail("give a RUN_DIR or --index FOLDER")
    if not (run_dir / "manifest.json").is_file():
        raise InputError(run_dir, "not a run folder (no manifest.json)")
    out.print(f"wrote {write_report(run_dir)}", highlight=False)
