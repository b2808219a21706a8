"""Command line: `research corpus|run|classify|report`. Thin: parse, call, print.

Every failure the user can fix ends as one line on stderr and a non-zero exit, never a traceback
(set RESEARCH_DEBUG=1 to see one).
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from research.errors import ResearchError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Study Chinese reports on urban-rural compulsory-education balance.")
# Piped output keeps whole tables: rich would otherwise squeeze them into 80 columns.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
out = Console(width=None if sys.stdout.isatty() else 160)

F = TypeVar("F", bound=Callable[..., Any])


model_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="Theme-model folders: make a run's model the package default.")
app.add_typer(model_app, name="model")


@app.callback()
def _group() -> None:
    """Study Chinese reports on urban-rural compulsory-education balance."""
    import warnings

    from research.errors import ConfigDeprecation

    plain = warnings.showwarning

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, ConfigDeprecation):
            print_warning(message)  # one line, like every other message of the commands
        else:
            plain(message, category, *args, **kwargs)

    warnings.showwarning = show


def print_error(message: object) -> None:
    """One error line on stderr (a bad file in a batch, or the reason for stopping).

    The message is escaped: a file named '[final] a.txt' or '[/b]' is user text, not markup.
    """
    console.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False,
                  soft_wrap=True)


def print_warning(message: object) -> None:
    """One warning line on stderr: the work went on, but the user should know."""
    console.print(f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False,
                  soft_wrap=True)


def say(message: object, to: Console | None = None) -> None:
    """A plain line (paths and names are printed as they are, never as markup)."""
    (to or out).print(str(message), markup=False, highlight=False, soft_wrap=True)


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
        table.add_row(escape(d.name), d.encoding, "yes" if d.converted_to_simplified else "",
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
    folder_option: Path = typer.Option(None, "--folder", "--seeds",
                                       help="Folder of .txt/.docx/.pdf reports (default: the "
                                       "config's `folder`, seeds/raw). --seeds is its old "
                                       "name."),
    config: Path = typer.Option(None, "--config", help="Corpus YAML config (default: built-in)."),
    metadata: Path = typer.Option(None, "--metadata", help="CSV of document metadata: a `file` "
                                  "column and any others (county, year …); put on every "
                                  "paragraph."),
    patches: Path = typer.Option(None, "--patches", help="YAML file of segmentation fixes "
                                 "keyed by paragraph id, applied on every run."),
    quiet: bool = typer.Option(False, "--quiet", help="Print only errors."),
    force: bool = typer.Option(False, "--force", help="Replace existing output files."),
    workers: int = typer.Option(None, "--workers", help="Read, clean and segment the reports "
                                "on a local Dask cluster of this many worker processes (the "
                                "same corpus as in-process)."),
    scheduler: str = typer.Option(None, "--scheduler", help="The same on a running Dask "
                                  "cluster, e.g. tcp://host:8786."),
) -> None:
    """Clean and segment the reports into paragraphs with stable ids (JSONL)."""
    from research.config import CorpusConfig, load_config
    from research.corpus.pipeline import build_corpus_from_folder
    from research.corpus.read import list_documents
    from research.corpus.records import atomic_write_text, dump_jsonl, write_paragraphs
    from research.outputs import check_output, dropped_log_path

    settings = load_config(config, CorpusConfig) if config else CorpusConfig()
    overrides = {k: v for k, v in (("metadata", metadata), ("patches", patches)) if v}
    settings = settings.model_copy(update=overrides)
    folder = folder_option or settings.folder
    inputs = list_documents(folder)
    dropped_file = dropped_log_path(out_file)
    for target in (out_file, dropped_file):
        check_output(target, inputs=inputs, input_folders=[folder], force=force)
    from research.cluster import dask_client
    from research.corpus.pipeline import warm_up

    if workers:
        warm_up(settings)  # local workers are forked from here: they start with it loaded
    with dask_client(workers, scheduler) as client:
        result = build_corpus_from_folder(folder, settings, client=client)
    for error in result.errors:
        print_error(error)
    for warning in result.warnings:
        print_warning(warning)
    for document in result.documents:
        if document.chinese_share < 0.5:
            print_warning(f"{document.name}: mostly non-Chinese text "
                          f"({document.chinese_share:.0%} Chinese characters)")
    if not result.paragraphs:
        fail(f"{folder}: no paragraphs could be built (every line was empty, too short or "
             "site furniture); nothing written")
    write_paragraphs(result.paragraphs, out_file)
    atomic_write_text(dropped_file, dump_jsonl(vars(n) for n in result.notes))
    if not quiet:
        print_corpus_summary(result)
        say(f"wrote {len(result.paragraphs)} paragraphs to {out_file} "
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

    from research.runner import load_experiment, run_experiment
    from research.run_folder import layout

    experiment = load_experiment(config)
    if quiet:
        folder = run_experiment(experiment, out_dir)
    else:
        columns = (TextColumn("{task.description:<50}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        progress = Progress(*columns, console=console, transient=False)
        progress.start()
        try:
            folder = run_experiment(experiment, out_dir, progress=lambda m: say(m, console),
                                    bar=RichBar(progress))
        except BaseException:
            # a failed run ends on its error line alone: Progress.stop would leave the bars'
            # last state, or an empty line when nothing was drawn yet
            progress.live.transient = True
            progress.live.stop()
            raise
        progress.stop()
        comparison = folder / "comparison.md"
        if comparison.exists():
            say(comparison.read_text(encoding="utf-8"))
    report_file = folder / layout.REPORT  # written inside the run, before it was renamed
    say(f"run folder: {folder}")
    if not quiet:
        say(f"report: {report_file}")


@app.command()
@friendly_errors
def classify(
    files: list[str] = typer.Argument(..., help="Reports (.txt in any Chinese encoding, .docx, "
                                      ".pdf); '-' reads standard input."),
    model_dir: Path = typer.Option(None, "--model", help="Theme-model folder "
                                   "(default: the model shipped with the package)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl, csv or html."),
    out_path: Path = typer.Option(None, "--out", help="Output file (default: standard output). "
                                  "Lines not kept go to <out>.dropped.jsonl beside it."),
    one_per_line: bool = typer.Option(False, "--one-per-line", help="Each non-empty line is a "
                                      "paragraph; skip segmentation."),
    config: Path = typer.Option(None, "--config", help="Corpus YAML for cleaning/segmentation."),
    metadata: Path = typer.Option(None, "--metadata", help="CSV of document metadata (a `file` "
                                  "column and any others); its columns go on every row."),
    by: str = typer.Option(None, "--by", help="A metadata column: theme shares per group with "
                           "95% intervals (cluster bootstrap over reports), written to "
                           "<out>.prevalence.csv with a GEE regression in <out>.regression.csv."),
    without_reused: bool = typer.Option(False, "--without-reused", help="With --by: the same "
                                        "table again without reused paragraphs (at least half "
                                        "of their text in sentences that repeat an earlier "
                                        "report), written to <out>.prevalence-without-reused.csv"
                                        " and <out>.regression-without-reused.csv; every row "
                                        "gets a `reused` column."),
    force: bool = typer.Option(False, "--force", help="Replace existing output files."),
    resume: bool = typer.Option(False, "--resume", help="Go on with an interrupted run of "
                                "the same command: the reports it finished are skipped, the "
                                "output ends as an uninterrupted run's. JSON Lines and CSV."),
    workers: int = typer.Option(None, "--workers", help="Classify on a local Dask cluster of "
                                "this many worker processes (output identical to the default "
                                "in-process run)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Classify on a running Dask "
                                  "cluster, e.g. tcp://host:8786 (workers need this package "
                                  "and the files at the same paths)."),
    verbose: bool = typer.Option(False, "--verbose", help="List every line not kept as "
                                 "paragraph text (on stderr)."),
) -> None:
    """Tag each paragraph of new reports (files or folders) with the codebook's themes.

    Rows also give each paragraph's place, the thresholds, and near misses and borderline tags.
    """
    from research.cluster import check_cluster_options, dask_client
    from research.config import CorpusConfig, load_config
    from research.themes.model_io import load_model
    from research.themes.writers import WRITERS

    from research.corpus.metadata import load_metadata
    from research.corpus.read import list_documents

    if fmt not in WRITERS:
        fail(f"--format must be jsonl, csv or html (got {fmt!r})")
    if resume and (out_path is None or fmt == "html"):
        fail("--resume: needs --out FILE in jsonl or csv (an HTML page is written in one "
             "piece at the end)")
    if resume and force:
        fail("--resume and --force: give one (--resume goes on with an interrupted run, "
             "--force starts again)")
    if resume and "-" in files:
        fail("--resume: standard input ('-') cannot be skipped or resumed; save it to a file")
    check_cluster_options(workers, scheduler)
    if without_reused and not by:
        fail("--without-reused: needs --by COLUMN (it leaves reused paragraphs out of the "
             "prevalence table by group)")
    settings = load_config(config, CorpusConfig) if config else CorpusConfig()
    files = [str(p) for f in files for p in (list_documents(Path(f)) if Path(f).is_dir()
                                              else [f])]
    table = load_metadata(metadata, [Path(f).stem for f in files]) if metadata else None
    if by and (table is None or by not in table.columns):
        fail(f"--by {by}: " + ("needs --metadata FILE" if table is None else
                               f"not a column of {metadata} ({', '.join(table.columns)})"))
    dropped_path = None
    extra_outputs = []
    if out_path:
        from research.outputs import check_output, dropped_log_path

        dropped_path = dropped_log_path(out_path)
        extra_outputs = prevalence_paths(out_path, without_reused) if by else []
        inputs = [Path(f) for f in files if f != "-"]
        for target in (out_path, dropped_path, *extra_outputs):
            check_output(target, inputs=inputs, force=force or resume)
    if table is not None and table.by_subdocument and not one_per_line:
        # (with --one-per-line there are no sub-documents: rows for them describe nothing)
        from research.themes.apply import check_subdocument_rows

        check_subdocument_rows(table, files, settings, one_per_line)
    model, meta = load_model(model_dir)
    grouping = Grouping(by, meta["themes"], without_reused) if by else None
    if workers:
        from research.themes.apply import warm_up

        warm_up(model, meta, settings)
    try:
        with dask_client(workers, scheduler) as client:
            summaries, failed_count = classify_all(files, model, meta, settings,
                                                   one_per_line, fmt, out_path, dropped_path,
                                                   table, grouping, client, resume, force)
    except KeyboardInterrupt:
        from research.resumable import partial_path

        if out_path is not None and partial_path(out_path).exists():
            fail(f"interrupted: the reports finished so far are in {partial_path(out_path)}; "
                 "the same command with --resume goes on from there", 130)
        raise
    report_console = out if out_path else console
    if summaries:
        print_theme_table(summaries, meta["themes"], report_console)
    for summary in summaries:
        for warning in summary.warnings():
            print_warning(warning)
        print_not_kept(summary, verbose)
    if grouping is not None and grouping.variants:
        report_prevalence(grouping, out_path, report_console)
    if out_path and summaries:
        say(f"wrote {sum(s.paragraphs for s in summaries)} paragraphs to {out_path} "
            f"(lines not kept: {dropped_path})")
    if failed_count:
        raise typer.Exit(1 if summaries else 2)


def prevalence_paths(out_path: Path, without_reused: bool = False) -> list[Path]:
    """Where --by writes its group table and regression, beside the main output (and the pair
    without reused paragraphs)."""
    stem = out_path.with_suffix("")
    suffixes = ["", "-without-reused"] if without_reused else [""]
    return [stem.with_name(f"{stem.name}.{kind}{suffix}.csv")
            for suffix in suffixes for kind in ("prevalence", "regression")]


class Grouping:
    """What --by collects while rows stream: per paragraph its report (the metadata unit), its
    group, its themes and, with --without-reused, whether it is reused text (found as the
    reports come, against every earlier one: research/corpus/reuse.py); then the tables."""

    def __init__(self, by: str, themes: list[str], without_reused: bool) -> None:
        from research.corpus.reuse import ReuseIndex

        self.by, self.themes, self.without_reused = by, themes, without_reused
        self.reuse = ReuseIndex() if without_reused else None
        self.rows: list[dict[str, Any]] = []
        self.variants: list[Any] = []

    def add(self, row: dict[str, Any], unit: str, values: dict[str, Any]) -> None:
        """Remember a row (before its metadata is added); flag it ``reused`` when asked."""
        from research.corpus.reuse import ParagraphRef, is_reused, report_key

        entry = {"cluster": unit, self.by: values[self.by],
                 **{t: t in row["themes"] for t in self.themes}}
        if self.reuse is not None:
            report = report_key(row["file"], row["title"])
            row["reused"] = entry["reused"] = is_reused(
                self.reuse.share(ParagraphRef(row["id"], report, row["text"])))
        self.rows.append(entry)

    def tables(self) -> list[tuple[str, Any]]:
        """Compute the prevalence tables (once every row is in); (title, table) for each."""
        import pandas as pd

        from research.prevalence import prevalence_variants

        if self.rows:
            self.variants = prevalence_variants(pd.DataFrame(self.rows), self.themes, self.by,
                                                self.without_reused)
        return [(self.title(v), v.shares) for v in self.variants]

    def title(self, variant: Any) -> str:
        from research.corpus.reuse import REUSED_PARAGRAPH_SHARE

        which = variant.label
        if variant.suffix:
            which += (f" ({variant.left_out} of {len(self.rows)} paragraphs left out: at least "
                      f"{REUSED_PARAGRAPH_SHARE:.0%} of their text repeats an earlier report)")
        return f"Themes by {self.by}, {which}: share of paragraphs [95% interval]"


def report_prevalence(grouping: Grouping, out_path: Path | None, to: Console) -> None:
    """Print theme shares per group with intervals, each table titled with the paragraphs it
    covers; write them and their regressions."""
    from research.corpus.records import atomic_write_text
    from research.prevalence import regression_table

    by, themes = grouping.by, grouping.themes
    paths = prevalence_paths(out_path, grouping.without_reused) if out_path else []
    written = []
    for k, variant in enumerate(grouping.variants):
        shares = variant.shares
        table = Table(title=grouping.title(variant), title_justify="left")
        for column in (by, "paragraphs", "reports", *themes):
            table.add_column(column, justify="left" if column == by else "right")
        for group, part in shares.groupby("group", sort=True):
            cells = {r.outcome: f"{r.share:.0%} [{r.low:.0%}–{r.high:.0%}]"
                     for r in part.itertuples()}
            first = part.iloc[0]
            mark = "" if first["interval"] == "reports" else " *"
            table.add_row(escape(str(group)), str(first["paragraphs"]),
                          f"{first['reports']}{mark}", *[cells[t] for t in themes])
        to.print(table)
        to.print("* one report in the group: its interval is over that report's paragraphs, "
                 "not over reports")
        if out_path is None:
            continue
        prevalence_file, regression_file = paths[2 * k:2 * k + 2]
        regression = regression_table(variant.frame, themes, [by])
        atomic_write_text(prevalence_file,
                          shares.rename(columns={"group": by}).to_csv(index=False))
        atomic_write_text(regression_file, regression.to_csv(index=False))
        written += [prevalence_file, regression_file]
    if written:
        say(f"wrote {', '.join(map(str, written[:-1]))} and {written[-1]}")


def classify_all(files: list[str], model: Any, meta: dict[str, Any], settings: Any,
                 one_per_line: bool, fmt: str, out_path: Path | None,
                 dropped_path: Path | None, table: Any = None,
                 grouping: Grouping | None = None, client: Any = None,
                 resume: bool = False, force: bool = False) -> tuple[list[Any], int]:
    """Stream every file's rows into one output; a bad file is one error line, the rest go on.
    Returns the summaries of every report in the output and how many failed in this run.

    Rows come in the order the files were given, computed here or on ``client``'s Dask cluster
    (research/themes/file_outcomes.py), so the output is the same either way. With --out in
    JSON Lines or CSV the rows go to partial files that an interrupted run leaves for
    ``resume`` (research/resumable.py); every output appears whole at the end, or not at all
    when no report could be classified. ``table`` (metadata) adds its columns to every row;
    ``grouping`` collects, per paragraph, its report, its ``by`` value and its themes (and
    flags reused rows) for the prevalence tables, computed before the output is closed so the
    HTML page can draw them.
    """
    from research.corpus.records import dump_jsonl
    from research.errors import InputError
    from research.resumable import RESUMABLE_FORMATS, PartialOutputs, WholeOutputs
    from research.themes.file_outcomes import file_outcomes
    from research.themes.writers import WRITERS

    columns = list(table.columns) if table is not None else []
    if grouping is not None and grouping.without_reused:
        columns.insert(0, "reused")
    targets = [p for p in (out_path, dropped_path) if p is not None]
    if out_path is not None and fmt in RESUMABLE_FORMATS:
        outputs: Any = PartialOutputs(targets, fmt, classify_fingerprint(
            meta, settings, fmt, one_per_line, columns, table), resume, force)
    else:
        outputs = WholeOutputs(targets)
    with outputs:
        handles = outputs.open()
        output, dropped = handles if handles else (sys.stdout, None)
        done = outputs.done
        writer = WRITERS[fmt](output, meta, columns, continuing=bool(done))
        summaries = resumed_summaries(outputs, table, grouping)
        todo = [f for f in files if f == "-" or os.path.realpath(f) not in done]
        if done:
            say(f"resuming: {len(done)} reports already in {outputs.partials[0]}, "
                f"{len(todo)} to go")
        started, fresh, failed = time.perf_counter(), 0, 0
        with classify_progress(len(todo)) as advance:
            for outcome in file_outcomes(todo, model, meta, settings, one_per_line, client):
                summary = outcome.summary
                try:
                    if outcome.error is not None:
                        raise InputError(outcome.path, outcome.error)
                    for row in outcome.rows:
                        add_metadata(row, table, grouping)
                        writer.write(row)
                except InputError as exc:
                    outputs.file_failed()
                    print_error(exc)
                    failed += 1
                    advance(0)
                    continue
                summaries.append(summary)
                if dropped is not None:
                    dropped.write(dump_jsonl(vars(n) for n in summary.dropped))
                outputs.file_finished(outcome.path, summary.chinese_share)
                advance(summary.paragraphs)
                fresh += summary.paragraphs
        seconds = time.perf_counter() - started
        if out_path is not None and fresh:
            say(f"classified {fresh} paragraphs in {seconds:.1f} s "
                f"({fresh / seconds:.0f} paragraphs/s{' on the cluster' if client else ''})")
        if summaries:
            prevalence = grouping.tables() if grouping is not None else []
            writer.close([s.as_dict(meta["themes"]) for s in summaries], prevalence)
            outputs.complete()
        else:
            outputs.abandon()  # every file failed: write nothing at all
    return summaries, failed


def add_metadata(row: dict[str, Any], table: Any, grouping: Grouping | None) -> None:
    """Give a row its report's metadata columns (and let --by note its group)."""
    from research.corpus.records import json_values

    if table is None:
        return
    unit, values = table.lookup(row["doc"], row["title"])
    if grouping is not None:
        grouping.add(row, unit, values)
    row.update(json_values(values))


def resumed_summaries(outputs: Any, table: Any, grouping: Grouping | None) -> list[Any]:
    """Summaries (and group rows) of the reports an earlier run already wrote, read back from
    its output, so totals and prevalence tables cover every report."""
    from research.themes.apply import FileSummary

    summaries: dict[str, FileSummary] = {}
    shares = outputs.chinese_shares
    for row in outputs.done_rows():
        summary = summaries.setdefault(row["file"], FileSummary(row["file"]))
        summary.paragraphs += 1
        summary.theme_counts.update(row["themes"])
        summary.chinese_share = shares.get(os.path.realpath(row["file"]), 1.0)
        if grouping is not None:
            add_metadata(row, table, grouping)  # the row already has its values: only --by
    return list(summaries.values())


def classify_fingerprint(meta: dict[str, Any], settings: Any, fmt: str, one_per_line: bool,
                         columns: list[str], table: Any = None) -> str:
    """What an interrupted classify run and its resumption must share (the metadata by its
    content: a row read back is grouped by today's table)."""
    import hashlib

    from research.resumable import fingerprint

    metadata = hashlib.sha256(Path(table.path).read_bytes()).hexdigest() if table else None
    return fingerprint(model=meta, corpus=settings.model_dump(mode="json"), format=fmt,
                       one_per_line=one_per_line, columns=columns, metadata=metadata)


class classify_progress:
    """A bar over reports (with paragraphs counted) on a terminal; nothing when piped."""

    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.progress import TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("classifying"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("reports, {task.fields[paragraphs]} paragraphs"),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                                 transient=True, disable=not console.is_terminal)
        self.task = self.progress.add_task("classify", total=total, paragraphs=0)
        self.paragraphs = 0

    def __enter__(self) -> Callable[[int], None]:
        self.progress.__enter__()
        return self.advance

    def advance(self, paragraphs: int) -> None:
        self.paragraphs += paragraphs
        self.progress.update(self.task, advance=1, paragraphs=self.paragraphs)

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)


def print_theme_table(summaries: list[Any], themes: list[str], to: Console) -> None:
    table = Table(title="Themes per report (share of paragraphs)", title_justify="left")
    table.add_column("report")
    table.add_column("paragraphs", justify="right")
    for theme in themes:
        table.add_column(theme, justify="right")
    for summary in summaries:
        shares = summary.shares(themes)
        table.add_row(escape(summary.file), str(summary.paragraphs),
                      *[f"{shares[t]:.0%}" for t in themes])
    to.print(table)


def print_not_kept(summary: Any, verbose: bool) -> None:
    """How many lines of a report are not in any paragraph, by reason (listed with --verbose)."""
    counts = summary.not_kept()
    if not counts:
        return
    reasons = ", ".join(f"{reason}: {n}" for reason, n in counts.most_common())
    hint = "" if verbose else " (--verbose lists them)"
    say(f"{summary.file}: {sum(counts.values())} lines not kept as paragraph text "
        f"({reasons}){hint}", console)
    if verbose:
        for note in summary.dropped:
            if not note.reason.startswith("heading"):
                say(f"  line {note.line} [{note.reason}] {note.text}", console)


@app.command()
@friendly_errors
def reuse(
    out_file: Path = typer.Option(..., "--out", help="CSV listing every reused sentence with "
                                  "both sources."),
    folder_option: Path = typer.Option(None, "--folder", help="Folder of reports (default: "
                                       "the config's `folder`, seeds/raw)."),
    config: Path = typer.Option(None, "--config", help="Corpus YAML config (default: built-in)."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.1, max=1.0, help="Jaccard "
                                    "similarity of character 5-grams that counts as reuse."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
) -> None:
    """List text reused across reports (sentences shared by different sub-documents)."""
    import csv
    import io

    from research.config import CorpusConfig, load_config
    from research.corpus.pipeline import build_corpus_from_folder
    from research.corpus.read import list_documents
    from research.corpus.records import atomic_write_text
    from research.corpus.reuse import (ParagraphRef, find_reuse, report_key, reused_share,
                                       sentence_passages)
    from research.outputs import check_output

    settings = load_config(config, CorpusConfig) if config else CorpusConfig()
    # every copy counts here: the duplicates the corpus drops are reuse too
    settings = settings.model_copy(update={"dedup": settings.dedup.model_copy(
        update={"enabled": False})})
    folder = folder_option or settings.folder
    check_output(out_file, inputs=list_documents(folder), input_folders=[folder], force=force)
    corpus = build_corpus_from_folder(folder, settings)
    refs = [ParagraphRef(p.id, report_key(p.doc, p.title), p.text) for p in corpus.paragraphs]
    sentences = sentence_passages(refs)
    pairs = find_reuse(sentences, threshold)
    shares = reused_share(refs, pairs)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["jaccard", "earlier_report", "earlier_paragraph", "earlier_text",
                     "later_report", "later_paragraph", "later_text"])
    for pair in pairs:
        writer.writerow([f"{pair.jaccard:.3f}", pair.earlier.report,
                         pair.earlier.id.rsplit(":", 1)[0], pair.earlier.text,
                         pair.later.report, pair.later.id.rsplit(":", 1)[0], pair.later.text])
    atomic_write_text(out_file, buffer.getvalue())
    later = {pair.later.id for pair in pairs}
    reused_chars = sum(len(s.text) for s in sentences if s.id in later)
    total_chars = sum(len(s.text) for s in sentences)
    touched = sum(share > 0 for share in shares.values())
    say(f"{len(sentences)} sentences in {len({r.report for r in refs})} reports; "
        f"{len(later)} reuse a sentence of an earlier report ({reused_chars / total_chars:.1%} "
        f"of the text); {touched} of {len(refs)} paragraphs contain reused text; "
        f"{len(pairs)} pairs listed in {out_file}")


@app.command()
@friendly_errors
def report(
    run_dir: Path = typer.Argument(None, help="A run folder (results/<name>/<timestamp>)."),
    index: Path = typer.Option(None, "--index", help="Write an index page of all runs under "
                               "this folder instead."),
) -> None:
    """Write report.html for a run folder (or index.html listing all runs)."""
    from research.errors import InputError
    from research.viz.index import write_index
    from research.run_folder.load import load_run
    from research.viz.report import save_report

    if index is not None:
        if not index.is_dir():
            raise InputError(index, "folder not found")
        say(f"wrote {write_index(index)}")
        return
    if run_dir is None:
        fail("give a RUN_DIR or --index FOLDER")
    data = load_run(run_dir)  # an unreadable manifest.json stops here, naming it
    say(f"wrote {save_report(data)}")
    for line in data.problem_lines():  # drawn without them; say which and what is left out
        print_warning(line)
    if any(reason != "missing" for reason in data.problems.values()):
        raise typer.Exit(1)


@model_app.command("install")
@friendly_errors
def model_install(
    run_dir: Path = typer.Argument(..., help="A classifier run folder (or a model folder)."),
    to: Path = typer.Option(None, "--to", help="Install here instead of the package's default "
                            "model folder."),
) -> None:
    """Make a classifier run's model the default that `research classify` uses."""
    from research.themes.model_io import install_model

    source = run_dir / "model" if (run_dir / "model" / "model.json").is_file() else run_dir
    target, meta = install_model(source, to)
    cv = meta.get("cv", {})
    score = f", core macro F1 {cv['core_macro_f1']:.3f}" if "core_macro_f1" in cv else ""
    say(f"installed {meta.get('name', 'model')} ({len(meta['themes'])} themes{score}, trained "
        f"on {meta.get('trained_on', '?')} paragraphs) from {source} into {target}")


# The labeling loop's commands (`label`, `labels export|import`, `agreement`) live in their own
# module; registered last because they use the helpers above.
from research.label_cli import register as _register_label_commands  # noqa: E402

_register_label_commands(app)
