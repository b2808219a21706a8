"""Commands of the labeling loop: `research label`, `research labels export|import` and
`research agreement`. Registered on the main app by research/cli.py (``register``).

The loop: `research label FOLDER --out labels.jsonl` asks about the paragraphs the current model
is least sure of; a classifier config with ``labels: labels.jsonl`` and
``corpus: {folder: FOLDER}`` retrains on them (the paragraphs come from the same corpus
pipeline, so ids and texts match); `research model install` makes that model the default; and
the next `research label` asks about what the new model is unsure of.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import typer

#: ``--themes`` of every labeling command (one declaration; typer reads it as each default).
THEMES_OPTION: Any = typer.Option(None, "--themes", help="Codebook YAML (default: the codebook "
                                  "saved with the model).")

labels_app = typer.Typer(add_completion=False, no_args_is_help=True,
                         help="Move labels to and from Label Studio and doccano.")


def register(app: typer.Typer) -> None:
    """Add the commands to ``app`` (research.cli calls this once its helpers exist)."""
    from research.cli import friendly_errors

    app.command("label")(friendly_errors(label))
    app.command("agreement")(friendly_errors(agreement))
    labels_app.command("export")(friendly_errors(labels_export))
    labels_app.command("import")(friendly_errors(labels_import))
    app.add_typer(labels_app, name="labels")


def codebook_of(themes: Path | None, model_dir: Path | None = None) -> Any:
    """The codebook a researcher named, else the one saved with the theme model, so the
    commands work from any folder, not only from a checkout of this project."""
    from research.themes.codebook import Codebook, load_codebook
    from research.themes.model_io import load_model

    if themes is not None:
        return load_codebook(themes)
    return Codebook.model_validate(load_model(model_dir)[1]["codebook"])


def default_annotator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "unknown"


def label(
    folder: Path = typer.Argument(..., help="Folder of new reports (.txt, .docx, .pdf)."),
    out: Path = typer.Option(..., "--out", help="Labels file (JSONL): created, or resumed "
                             "when it exists. Saved after every answer."),
    model_dir: Path = typer.Option(None, "--model", help="Theme-model folder whose "
                                   "uncertainty picks the paragraphs (default: the shipped "
                                   "model)."),
    annotator: str = typer.Option(None, "--annotator", help="Name recorded with every "
                                  "answer (default: your user name)."),
    batch: int = typer.Option(20, "--batch", min=1, help="Paragraphs to ask about in this "
                              "session; run again (after retraining) for the next batch."),
    themes: Path = THEMES_OPTION,
    config: Path = typer.Option(None, "--config", help="Corpus YAML for cleaning and "
                                "segmentation (use the classifier config's corpus settings)."),
) -> None:
    """Label the paragraphs the model is least sure of; each answer is saved at once."""
    from research.cli import out as screen
    from research.cli import print_error, print_warning, say
    from research.config import CorpusConfig, load_config
    from research.corpus.pipeline import build_corpus_from_folder
    from research.corpus.read import list_documents
    from research.errors import InputError
    from research.outputs import check_output
    from research.themes.active import next_batch
    from research.themes.label_session import run_session
    from research.themes.label_store import Item, LabelStore
    from research.themes.model_io import codebook_hash, load_model

    codebook = codebook_of(themes, model_dir)
    settings = load_config(config, CorpusConfig) if config else CorpusConfig()
    if not folder.is_dir():
        raise InputError(folder, "folder not found")
    check_output(out, inputs=list_documents(folder), input_folders=[folder], force=True)
    store = LabelStore(out, codebook.ids)
    digest = codebook_hash(codebook.model_dump(mode="json"))
    others = sum(row.get("codebook_hash", digest) != digest for row in store.rows)
    if others:
        print_warning(f"{out}: {others} decision(s) were made with another version of the "
                      f"codebook than {themes}")
    corpus = build_corpus_from_folder(folder, settings)
    for error in corpus.errors:
        print_error(error)
    if not corpus.paragraphs:
        raise InputError(folder, "no paragraphs could be built from its reports")
    paragraphs = corpus.paragraphs
    decided = store.decided
    labeled_here = [i for i, p in enumerate(paragraphs) if p.id in decided]
    if len(labeled_here) == len(paragraphs):
        say(f"all {len(paragraphs)} paragraphs of {folder} are decided in {out}")
        return
    model, _ = load_model(model_dir)
    picks = next_batch([p.text for p in paragraphs], model, labeled_here, batch)
    queue = [Item(p.id, p.doc, p.title, p.section, p.text)
             for p in (paragraphs[i] for i in picks)]
    say(f"{len(paragraphs) - len(labeled_here)} of {len(paragraphs)} paragraphs of {folder} "
        f"undecided; asking about {len(queue)}, most uncertain and least alike first")
    result = run_session(queue, store, codebook, annotator or default_annotator(), digest,
                         screen, screen.input)
    remaining = sum(p.id not in store.decided for p in paragraphs)
    report_session(result, store, out, folder, remaining)


def report_session(result: Any, store: Any, out: Path, folder: Path, remaining: int) -> None:
    """What the session did, what the file holds, and what to do next."""
    from research.cli import out as screen
    from research.cli import say

    if result.stopped == "interrupted":
        screen.print()  # past the ^C the terminal echoed
    counts = store.counts()
    say(f"this session: {result.labeled} labeled, {result.skipped} skipped, {result.undone} "
        f"undone; {out} holds {counts['labeled']} labeled and {counts['skipped']} skipped; "
        f"{remaining} paragraph(s) of {folder} still undecided")
    if result.stopped != "done":
        say(f"{result.stopped}: every answer is saved; run the same command to continue")
    else:
        say(f"to retrain: a classifier config with `labels: {out}` and "
            f"`corpus: {{folder: {folder}}}`")
    if result.stopped == "interrupted":
        raise typer.Exit(130)


def labels_export(
    source: Path = typer.Argument(..., help="Labels JSONL (from `research label`, or any "
                                  "corpus JSONL to label elsewhere)."),
    target: Path = typer.Argument(..., help="File to write."),
    to: str = typer.Option(..., "--to", help="label-studio (JSON tasks) or doccano (JSONL)."),
    config_out: Path = typer.Option(None, "--config-out", help="Also write the Label Studio "
                                    "labeling config (XML) for the codebook here."),
    themes: Path = THEMES_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace existing output files."),
) -> None:
    """Write labels for Label Studio or doccano (every row: labeled, skipped or undecided)."""
    from research.cli import fail, say
    from research.corpus.records import atomic_write_text
    from research.outputs import check_output
    from research.themes.interchange import FORMATS, export_text, label_studio_config
    from research.themes.label_store import read_label_rows, status

    if to not in FORMATS:
        fail(f"--to must be one of {', '.join(FORMATS)} (got {to!r})")
    codebook = codebook_of(themes)
    targets = [target] + ([config_out] if config_out else [])
    for path in targets:
        check_output(path, inputs=[source], force=force)
    rows = read_label_rows(source, codebook.ids, allow_undecided=True)
    atomic_write_text(target, export_text(to, rows))
    if config_out:
        atomic_write_text(config_out, label_studio_config(codebook))
    kinds = [status(r) for r in rows]
    say(f"wrote {len(rows)} rows to {target} ({kinds.count('labeled')} labeled, "
        f"{kinds.count('skipped')} skipped, {kinds.count('undecided')} undecided)"
        + (f"; labeling config: {config_out}" if config_out else ""))


def labels_import(
    source: Path = typer.Argument(..., help="Label Studio JSON export or doccano JSONL."),
    target: Path = typer.Argument(..., help="Labels JSONL to write."),
    from_: str = typer.Option(..., "--from", help="label-studio or doccano."),
    themes: Path = THEMES_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
) -> None:
    """Read labels back from Label Studio or doccano into a labels file."""
    from research.cli import fail, say
    from research.corpus.records import atomic_write_text, dump_jsonl
    from research.errors import InputError
    from research.outputs import check_output
    from research.themes.interchange import FORMATS, import_file
    from research.themes.label_store import status

    if from_ not in FORMATS:
        fail(f"--from must be one of {', '.join(FORMATS)} (got {from_!r})")
    codebook = codebook_of(themes)
    check_output(target, inputs=[source], force=force)
    rows, undecided = import_file(from_, source, codebook.ids)
    if not rows:
        raise InputError(source, f"holds no decided paragraphs ({undecided} undecided)")
    atomic_write_text(target, dump_jsonl(rows))
    kinds = [status(r) for r in rows]
    say(f"wrote {len(rows)} rows to {target} ({kinds.count('labeled')} labeled, "
        f"{kinds.count('skipped')} skipped); {undecided} undecided left out")


def agreement(
    first: Path = typer.Argument(..., help="Labels of the first annotator (the reference)."),
    second: Path = typer.Argument(..., help="Labels of the second annotator."),
    themes: Path = THEMES_OPTION,
    json_out: Path = typer.Option(None, "--json", help="Also write the numbers as JSON."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --json file."),
) -> None:
    """Per-theme kappa, alpha and F1 of SECOND against FIRST on paragraphs both labeled."""
    from rich.table import Table

    from research.cli import out as screen
    from research.cli import say
    from research.corpus.records import atomic_write_text
    from research.errors import InputError
    from research.outputs import check_output
    from research.themes.agreement import agreement as compute
    from research.themes.labels import Decision, load_labels

    codebook = codebook_of(themes)
    if json_out:
        check_output(json_out, inputs=[first, second], force=force)
    a = {r.id: r.labels for r in load_labels(first, codebook, Decision)}
    b = {r.id: r.labels for r in load_labels(second, codebook, Decision)}
    if not set(a) & set(b):
        raise InputError(second, f"shares no labeled paragraph with {first}")
    report: dict[str, Any] = compute(a, b, codebook.ids)
    report.update(only_first=len(set(a) - set(b)), only_second=len(set(b) - set(a)))
    table = Table(title=f"Agreement of {second.name} with {first.name} on "
                  f"{report['paragraphs']} paragraphs", title_justify="left")
    for column in ("theme", "positives A", "positives B", "kappa", "alpha", "F1"):
        table.add_column(column, justify="left" if column == "theme" else "right")
    for theme, scores in report["per_theme"].items():
        # F1 is stored as 0 when neither pass has a positive (as before); shown as undefined
        unseen = not scores["positives_first"] and not scores["positives_second"]
        table.add_row(theme, str(scores["positives_first"]), str(scores["positives_second"]),
                      _number(scores["kappa"]), _number(scores["alpha"]),
                      _number(None if unseen else scores["f1"]))
    screen.print(table)
    say(f"exact match on all themes: {report['exact_match']} of {report['paragraphs']}; "
        f"labeled only in A: {report['only_first']}, only in B: {report['only_second']}")
    if json_out:
        atomic_write_text(json_out, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        say(f"wrote {json_out}")


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
