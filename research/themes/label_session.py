"""One labeling session in the terminal: show a paragraph and the codebook, read one answer line.

Answer scheme (shown above every prompt):

* the keys of every theme that applies, in one line: ``1 3 5``, ``135``, ``1,3`` or theme ids
  (``funding staffing``); keys are 1-9, then letters (never s, u or q); full-width digits
  from a Chinese input method work too; a key given twice counts once;
* an empty line, ``0`` or ``-``: the paragraph has no theme;
* ``s`` skip (recorded, asked again only if undone), ``u`` undo the latest answer (that
  paragraph is asked again next, also across sessions), ``q`` quit, ``?`` help.

Each answer is saved before the next paragraph is shown (label_store.LabelStore), so quitting,
Ctrl-C or a closed terminal loses nothing; running the same command again resumes.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from research.themes.label_store import Item, LabelStore, decision_row

COMMANDS = {"s": "skip", "u": "undo", "q": "quit", "?": "help"}
NO_THEME = ("", "0", "-")
SEPARATORS = re.compile(r"[\s,;+/、，；]+")
HELP = ("answer: keys of every theme that applies (1 3 5 or 135) · Enter = no theme · "
        "s skip · u undo last · q quit · ? help")
LONG_HELP = """\
Type the keys of every theme the paragraph substantively discusses, on one line: 1 3 5, 135,
1,3 or theme ids (funding staffing); full-width digits work too. Then Enter.
  Enter alone, 0 or -   the paragraph has no theme
  s                     skip it (saved as skipped; u brings it back)
  u                     undo the latest answer: that paragraph is asked again next
  q                     quit; every answer is already saved, run the same command to resume
Keys are 1-9, then letters other than s, u and q."""
#: Characters of a definition shown in the codebook table (the full text is in the codebook).
DEFINITION_CHARS = 70


def theme_keys(theme_ids: Sequence[str]) -> dict[str, str]:
    """Key -> theme id: 1-9 first, then letters other than the command letters."""
    keys = [str(d) for d in range(1, 10)] + [c for c in string.ascii_lowercase
                                             if c not in COMMANDS]
    if len(theme_ids) > len(keys):
        raise ValueError(f"{len(theme_ids)} themes; the terminal scheme has {len(keys)} keys")
    return dict(zip(keys, theme_ids))


@dataclass(frozen=True)
class Answer:
    kind: Literal["labels", "skip", "undo", "quit", "help"]
    labels: tuple[str, ...] = ()


def parse_answer(line: str, keys: dict[str, str]) -> Answer:
    """One answer line -> Answer; ValueError (with the reason to show) for anything else."""
    line = unicodedata.normalize("NFKC", line).strip().lower()
    if line in NO_THEME:
        return Answer("labels")
    if line in COMMANDS:
        return Answer(COMMANDS[line])  # type: ignore[arg-type]
    ids = set(keys.values())
    chosen: list[str] = []
    for token in SEPARATORS.split(line):
        if token in ids:
            chosen.append(token)
            continue
        for char in token:
            if char in COMMANDS:
                raise ValueError(f"'{char}' ({COMMANDS[char]}) must be the whole answer")
            if char not in keys:
                raise ValueError(f"'{char}' is not a theme key (keys: {''.join(keys)})")
            chosen.append(keys[char])
    order = list(keys.values())
    return Answer("labels", tuple(t for t in order if t in set(chosen)))


def codebook_table(codebook: Any, keys: dict[str, str]) -> Table:
    """Key, id, Chinese name and the start of the definition of every theme."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("key", "theme", "名称", "definition"):
        table.add_column(column, overflow="fold")
    by_id = {t.id: t for t in codebook.themes}
    for key, theme_id in keys.items():
        theme = by_id[theme_id]
        definition = theme.definition
        if len(definition) > DEFINITION_CHARS:
            definition = definition[:DEFINITION_CHARS].rsplit(" ", 1)[0] + " …"
        table.add_row(Text(key, style="bold cyan"), Text(theme.id), Text(theme.name),
                      Text(definition, style="dim"))
    return table


def show_item(console: Console, item: Item, position: int, total: int, codebook: Any,
              keys: dict[str, str]) -> None:
    where = Text.assemble(("document ", "dim"), item.doc, ("  title ", "dim"),
                          item.title or "–", ("  section ", "dim"), item.section or "–")
    console.print()
    console.print(Panel(Text(item.text), title=f"paragraph {position} of {total} · {item.id}",
                        title_align="left", subtitle=where, subtitle_align="left"))
    console.print(codebook_table(codebook, keys))
    console.print(Text(HELP, style="dim"))


@dataclass
class SessionResult:
    """What one session did; ``stopped`` is 'done', 'quit' or 'interrupted'."""

    labeled: int = 0
    skipped: int = 0
    undone: int = 0
    stopped: str = "done"


def run_session(queue: Sequence[Item], store: LabelStore, codebook: Any, annotator: str,
                codebook_hash: str, console: Console, ask: Callable[[str], str]
                ) -> SessionResult:
    """Ask about every item of ``queue`` in order, saving each answer before the next.

    Undo removes the store's latest row and puts its paragraph next in line. At the end of
    input (EOF) or on Ctrl-C the session stops; every answer given is already saved.
    """
    result = SessionResult()
    try:
        _loop(list(queue), store, codebook, annotator, codebook_hash, console, ask, result)
    except EOFError:
        result.stopped = "quit"
    except KeyboardInterrupt:
        result.stopped = "interrupted"
    return result


def _loop(pending: list[Item], store: LabelStore, codebook: Any, annotator: str,
          codebook_hash: str, console: Console, ask: Callable[[str], str],
          result: SessionResult) -> None:
    keys = theme_keys(codebook.ids)
    index = 0
    while index < len(pending):
        item = pending[index]
        show_item(console, item, index + 1, len(pending), codebook, keys)
        answer = _ask(console, ask, keys)
        if answer.kind == "quit":
            result.stopped = "quit"
            return
        if answer.kind == "undo":
            row = store.undo()
            if row is None:
                console.print(Text("nothing to undo", style="yellow"))
                continue
            result.undone += 1
            console.print(Text(f"undone: {row['id']} ({describe(row)}); asked again now",
                               style="yellow"))
            pending.insert(index, Item.from_row(row))
            continue
        labels = None if answer.kind == "skip" else list(answer.labels)
        row = decision_row(item, labels, annotator, codebook_hash, codebook.ids)
        try:
            store.record(row)
        finally:  # a Ctrl-C held back during the save still counts the saved answer
            if store.rows and store.rows[-1] is row:
                count(result, labels)
        console.print(Text(f"saved: {describe(row)}", style="green"))
        index += 1


def _ask(console: Console, ask: Callable[[str], str], keys: dict[str, str]) -> Answer:
    """Read lines until one is a valid answer (help and mistakes are answered in place)."""
    while True:
        try:
            answer = parse_answer(ask("answer> "), keys)
        except ValueError as exc:
            console.print(Text(f"not saved: {exc}", style="red"))
            continue
        if answer.kind != "help":
            return answer
        console.print(Text(LONG_HELP, style="dim"))


def count(result: SessionResult, labels: list[str] | None) -> None:
    if labels is None:
        result.skipped += 1
    else:
        result.labeled += 1


def describe(row: dict[str, Any]) -> str:
    if row.get("skipped"):
        return "skipped"
    return ", ".join(row["labels"]) or "no theme"
