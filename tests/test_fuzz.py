"""Property-based bad-input tests: hostile bytes, encodings, batches and configs.

Every property runs on real seed text (seeds/raw) through the real code, without mocks. Few
examples by default (hypothesis profile "ci", see conftest.py); many with `pytest -m fuzz` or
HYPOTHESIS_PROFILE=fuzz. Properties about library behaviour call functions in-process; the ones
about what a user sees (exit code, one error line, no traceback, output files) run the CLI as a
subprocess, for fewer examples because each call pays the imports (classify also loads the model).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import Phase, example, given, note, settings
from hypothesis import strategies as st

from research.classifier_config import ClassifierExperiment
from research.config import CorpusConfig, TopicsExperiment, load_config
from research.corpus.pipeline import build_corpus
from research.corpus.read import RawDocument, read_bytes, read_document
from research.corpus.records import paragraph_id
from research.errors import ConfigError, InputError
from research.runner import load_experiment
from tests.conftest import ROOT, SEEDS
from tests.helpers import make_docx, make_pdf

pytestmark = pytest.mark.fuzz

SEED_TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
SEED_NAMES = sorted(SEED_TEXTS)
#: Small seeds, for CLI batches (the classify model load dominates; keep the texts modest).
SMALL_SEEDS = [n for n in SEED_NAMES if n.startswith(("001", "002"))]
CONFIGS = ROOT / "configs"
EXPERIMENT_CONFIGS = ("quick.yaml", "full.yaml", "classifier.yaml")
CORPUS_CONFIG = "corpus.yaml"
MAX_MESSAGE = 300


def cli_settings(per: int = 20, least: int = 2) -> settings:
    """Settings for a subprocess property: a fraction of the profile's examples, no shrinking.

    `research classify` takes ~7 s a call (model load), so it gets 1/20 of the examples (2
    under "ci", 10 under "fuzz"); `research corpus` and a refused `research run` take ~1 s, so
    they get 1/8 (3 and 25). Shrinking is off: at seconds a call it would run for minutes
    (hypothesis gives up after five minutes); the strategies are small, so a failing example
    reads well as it is found.
    """
    return settings(max_examples=max(least, settings().max_examples // per),
                    phases=[Phase.explicit, Phase.reuse, Phase.generate])


def cli(*args: str, stdin: bytes | None = b"", timeout: float = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m research` as tests/helpers.run_cli does, with a timeout of our own.

    ``stdin=None`` runs the command with standard input closed (fd 0 not open at all).
    """
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200", **(env or {})}
    full_env.pop("RESEARCH_DEBUG", None)
    kwargs: dict[str, Any] = {"input": stdin} if stdin is not None else {
        "stdin": subprocess.DEVNULL, "preexec_fn": lambda: os.close(0)}
    done = subprocess.run([sys.executable, "-m", "research", *args], capture_output=True,
                          cwd=ROOT, env=full_env, check=False, timeout=timeout, **kwargs)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: Characters that start a new line on a terminal.
LINE_BREAKS = "\n\r\v\f"


def check_user_message(message: str, name: str) -> None:
    """One line that a person can read: starts with the file name, short, no line break."""
    assert message.startswith(name), f"message does not start with {name!r}: {message!r}"
    assert not any(c in message for c in LINE_BREAKS), f"message is not one line: {message!r}"
    assert len(message) < MAX_MESSAGE, f"message is {len(message)} characters: {message!r}"


# --- real documents made from seed text --------------------------------------------------

def _seed_lines(count: int, min_chars: int = 40) -> list[str]:
    text = SEED_TEXTS[SMALL_SEEDS[-1]]
    return [line.strip() for line in text.splitlines() if len(line.strip()) >= min_chars][:count]


@functools.cache
def real_docx() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return make_docx(Path(tmp) / "seed.docx", _seed_lines(8)).read_bytes()


@functools.cache
def real_pdf() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return make_pdf(Path(tmp) / "seed.pdf", _seed_lines(4)).read_bytes()


@functools.cache
def docx_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(real_docx())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- strategies --------------------------------------------------------------------------

#: File-name characters people use, including ones that mean something to a terminal library
#: ("[bold]", "[/]") or a shell; no control characters, no '/'.
NAME_ALPHABET = st.sampled_from(list("abcxyz0129_-. ") + list("报告教育均衡县域") +
                                list("[]()'\"$%&#@!~,;=+{}"))
STEMS = st.text(NAME_ALPHABET, min_size=1, max_size=16).filter(
    lambda s: s.strip(" .") != "" and not s.startswith("-"))
SUFFIXES = st.sampled_from([".txt", ".TXT", ".md", "", ".docx", ".pdf", ".PDF", ".doc"])


@dataclass(frozen=True)
class Damage:
    """A real file cut short at ``cut``, or with ``patches`` (offset, bytes) written over it:
    a broken download or copy. Shown in failure reports instead of the (large) bytes."""

    cut: int | None = None
    patches: tuple[tuple[int, bytes], ...] = ()

    def apply(self, data: bytes) -> bytes:
        if self.cut is not None:
            return data[:self.cut]
        buffer = bytearray(data)
        for at, patch in self.patches:
            buffer[at:at + len(patch)] = patch
        return bytes(buffer)


def damages(size: int) -> st.SearchStrategy[Damage]:
    cuts = st.builds(Damage, cut=st.integers(0, size - 1))
    patches = st.builds(Damage, patches=st.lists(
        st.tuples(st.integers(0, size - 1), st.binary(min_size=1, max_size=16)),
        min_size=1, max_size=4).map(tuple))
    return st.one_of(cuts, patches)


@dataclass(frozen=True)
class PartDamage:
    """A well-formed zip whose docx parts are wrong: ``part`` dropped, cut at ``cut`` or
    replaced by ``noise``."""

    part: str
    how: str
    cut: int = 0
    noise: bytes = b""

    def apply(self, members: dict[str, bytes]) -> bytes:
        members = dict(members)
        if self.how == "drop":
            del members[self.part]
        elif self.how == "cut":
            members[self.part] = members[self.part][:self.cut]
        else:
            members[self.part] = self.noise
        return zip_bytes(members)


@st.composite
def part_damages(draw: st.DrawFn) -> PartDamage:
    members = docx_members()
    part = draw(st.sampled_from(sorted(members)))
    how = draw(st.sampled_from(["drop", "cut", "noise"]))
    if how == "cut":
        return PartDamage(part, how, cut=draw(st.integers(0, max(0, len(members[part]) - 1))))
    if how == "noise":
        return PartDamage(part, how, noise=draw(st.binary(max_size=200)))
    return PartDamage(part, how)


HEADED_BYTES = st.one_of(
    st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=2048).map(lambda b: b"%PDF-1.7\n" + b),
    st.binary(max_size=2048).map(lambda b: b"%PDF-" + b),
)
HOSTILE_BYTES = st.one_of(st.binary(max_size=4096), HEADED_BYTES)


# --- reading: random and broken bytes ----------------------------------------------------

def check_read(data: bytes, stem: str, suffix: str) -> None:
    """read_bytes and read_document give a RawDocument or an InputError naming the file."""
    source = f"in/{stem}{suffix}"
    try:
        document = read_bytes(data, source, suffix)
    except InputError as exc:
        check_user_message(str(exc), source)
    else:
        assert isinstance(document, RawDocument) and document.text.strip()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}{suffix}"
        path.write_bytes(data)
        try:
            document = read_document(path)
        except InputError as exc:
            check_user_message(str(exc), str(path))
        else:
            assert isinstance(document, RawDocument) and document.text.strip()


@given(data=HOSTILE_BYTES, stem=STEMS, suffix=SUFFIXES)
def test_random_bytes_read_or_fail_with_input_error(data: bytes, stem: str, suffix: str) -> None:
    check_read(data, stem, suffix)


@given(damage=st.one_of(st.deferred(lambda: damages(len(real_docx()))), part_damages()),
       suffix=st.sampled_from([".docx", ".DOCX", ".doc", ".zip", ".txt"]))
@example(damage=Damage(patches=((49, b"\x00"),)), suffix=".docx")  # a bad deflate stream
@example(damage=PartDamage("[Content_Types].xml", "cut", cut=0), suffix=".docx")
def test_broken_docx_reads_or_fails_with_input_error(damage: Damage | PartDamage,
                                                     suffix: str) -> None:
    data = damage.apply(real_docx() if isinstance(damage, Damage) else docx_members())
    check_read(data, "report", suffix)


@given(damage=st.deferred(lambda: damages(len(real_pdf()))),
       suffix=st.sampled_from([".pdf", ".txt", ""]))
@example(damage=Damage(patches=((771, b"\x00"),)), suffix=".pdf")  # inside the font's widths
def test_broken_pdf_reads_or_fails_with_input_error(damage: Damage, suffix: str) -> None:
    check_read(damage.apply(real_pdf()), "report", suffix)


# --- encodings and slices of real seed text ----------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16", "utf-16-le",
             "utf-16-be", "utf-32"]


@functools.cache
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def encodable(text: str, encoding: str) -> str:
    """The text a document in ``encoding`` would hold: Big5 documents are traditional, and
    characters the encoding lacks are left out (as a real Big5/GBK document would lack them)."""
    if encoding == "big5":
        text = _s2t().convert(text)
    if encoding.startswith("utf"):
        return text

    def ok(char: str) -> bool:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            return False
        return True

    return "".join(char for char in text if ok(char))


@st.composite
def seed_slices(draw: st.DrawFn, min_chars: int = 50, max_chars: int = 3000) -> str:
    """A slice of a real seed report: at least a sentence or two, at most a few pages."""
    text = SEED_TEXTS[draw(st.sampled_from(SEED_NAMES))]
    start = draw(st.integers(0, len(text) - min_chars))
    length = draw(st.integers(min_chars, max_chars))
    return text[start:start + length]


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(text=seed_slices())
@example(text=SEED_TEXTS[SEED_NAMES[2]][:3000])
@example(text=SEED_TEXTS[SEED_NAMES[0]][19:74])  # all Chinese: no NUL bytes in UTF-16
def test_reencoded_seed_text_decodes_to_the_same_text(text: str, encoding: str) -> None:
    text = encodable(text, encoding)
    data = text.encode(encoding)
    note(f"{len(text)} characters, {len(data)} bytes in {encoding}")
    if not text.strip():
        with pytest.raises(InputError):
            read_bytes(data, "slice.txt", ".txt")
        return
    document = read_bytes(data, "slice.txt", ".txt")
    note(f"detected {document.encoding}")
    assert document.text == text
    corpus = build_corpus([document], CorpusConfig())
    assert all(p.doc == "slice" for p in corpus.paragraphs)


HOSTILE_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(text=seed_slices(min_chars=1),
       insertions=st.lists(st.tuples(st.integers(0, 10**6), HOSTILE_TEXT), max_size=6))
def test_build_corpus_survives_hostile_text(text: str, insertions: list[tuple[int, str]]
                                            ) -> None:
    """Control characters, combining marks, RTL marks, emoji, odd line ends in real text."""
    for at, piece in insertions:
        at %= len(text) + 1
        text = text[:at] + piece + text[at:]
    config = CorpusConfig()
    corpus = build_corpus([RawDocument("fuzz", "fuzz.txt", text, "utf_8")], config)
    ids = [p.id for p in corpus.paragraphs]
    assert len(ids) == len(set(ids))
    for p in corpus.paragraphs:
        assert p.id == paragraph_id(p.text)
        assert len(p.text) >= config.segment.min_paragraph_chars
        json.dumps(p.to_dict(), ensure_ascii=False).encode("utf-8")


# --- the CLI's error line ---------------------------------------------------------------

@given(stem=STEMS, suffix=st.sampled_from([".txt", ".docx", ".pdf"]))
@example(stem="县域报告[final]", suffix=".txt")
@example(stem="report[/]", suffix=".txt")
def test_error_line_shows_the_file_name_verbatim(stem: str, suffix: str) -> None:
    """What `research` prints for a bad file in a batch: one line with the name as given."""
    from research.cli import print_error

    source = f"in/{stem}{suffix}"
    try:
        read_bytes(b"", source, suffix)
    except InputError as exc:
        error = exc
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        print_error(error)
    lines = buffer.getvalue().splitlines()
    assert lines == [f"error: {source}: file is empty"]


# --- CLI batches with one bad file -------------------------------------------------------

@dataclass(frozen=True)
class Garbage:
    """A bad input file: what it is, its suffix and its bytes (shown only when short)."""

    kind: str
    suffix: str
    data: bytes = field(repr=False)
    detail: str = ""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis shows it
        printer.text(repr(self))

    @classmethod
    def of(cls, kind: str, suffix: str, data: bytes, detail: str = "") -> Garbage:
        return cls(kind, suffix, data, detail or (repr(data) if len(data) <= 400 else
                                                   f"{len(data)} bytes"))


def _odd_binary(noise: bytes) -> bytes:
    data = b"\x00" + noise + b"\xff"  # a NUL and a byte that is never UTF-8
    return data if len(data) % 2 else data + b"\xfe"


GARBAGE = st.one_of(
    st.just(Garbage.of("empty", ".txt", b"")),
    st.binary(min_size=1, max_size=40).map(
        lambda b: Garbage.of("blank", ".txt", bytes(b" \t\r\n"[x % 4] for x in b))),
    st.binary(max_size=300).map(lambda b: Garbage.of("binary", ".txt", _odd_binary(b))),
    st.binary(max_size=300).map(lambda b: Garbage.of("not a docx", ".docx", b)),
    st.deferred(lambda: st.integers(0, len(real_docx()) - 1)).map(
        lambda n: Garbage.of("truncated docx", ".docx", real_docx()[:n],
                             f"real docx cut at byte {n}")),
    st.binary(max_size=300).map(lambda b: Garbage.of("not a pdf", ".pdf", b"%PDF-1.4\n" + b)),
)
#: Garbage `research classify` must refuse but `research corpus` would keep as a document.
CLASSIFY_ONLY_GARBAGE = st.text("abc 123,.", min_size=1, max_size=12).filter(
    lambda s: s.strip()).map(lambda s: Garbage.of("no paragraphs", ".txt", s.encode()))


@functools.cache
def expected_classify_texts(seed: str) -> list[str]:
    from research.themes.apply import paragraphs_of

    return paragraphs_of(read_document(SEEDS / seed), CorpusConfig(), False)


def parse_output(text: str, fmt: str) -> list[dict[str, Any]]:
    """Parse the whole output; fails on any partial line."""
    if fmt == "jsonl":
        assert text.endswith("\n")
        return [json.loads(line) for line in text.splitlines()]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    assert text.endswith("\n") and all(len(row) == len(header) for row in body)
    return [dict(zip(header, row)) for row in body]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def check_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "unexpected" not in stderr, stderr


@cli_settings()
@given(good=st.lists(st.sampled_from(SMALL_SEEDS), min_size=1, max_size=2, unique=True),
       garbage=st.one_of(GARBAGE, CLASSIFY_ONLY_GARBAGE), bad_stem=STEMS,
       position=st.integers(0, 2), fmt=st.sampled_from(["jsonl", "csv"]),
       to_file=st.booleans())
@example(good=[SMALL_SEEDS[0]], garbage=Garbage.of("empty", ".txt", b""),
         bad_stem="县域报告[final]", position=1, fmt="jsonl", to_file=True)
def test_classify_batch_with_one_bad_file(good: list[str], garbage: Garbage, bad_stem: str,
                                          position: int, fmt: str, to_file: bool) -> None:
    """One bad file among good ones: one error line naming it, exit 1, the good files'
    paragraphs in a complete output, every input unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        good_paths = []
        for seed in good:
            path = folder / seed
            path.write_bytes((SEEDS / seed).read_bytes())
            good_paths.append(path)
        bad = folder / f"{bad_stem}{garbage.suffix}"
        if bad.exists():  # the stem happened to equal a seed name
            bad = folder / f"bad-{bad_stem}{garbage.suffix}"
        bad.write_bytes(garbage.data)
        batch = [str(p) for p in good_paths]
        batch.insert(min(position, len(batch)), str(bad))
        before = {p: digest(Path(p)) for p in batch}
        out = Path(tmp) / "out" / f"themes.{fmt}"
        args = ["classify", *batch, "--format", fmt] + (["--out", str(out)] if to_file else [])
        done = cli(*args)
        note(f"stderr: {done.stderr}")

        assert done.returncode == 1, done.stderr
        check_no_traceback(done.stderr)
        errors = error_lines(done.stderr)
        assert len(errors) == 1, errors
        assert str(bad) in errors[0], errors
        assert {p: digest(Path(p)) for p in batch} == before
        if to_file:
            written = sorted(os.listdir(out.parent))
            dropped_log = f"{out.stem}.dropped.jsonl"  # the lines-not-kept log, if written
            assert out.name in written and set(written) <= {out.name, dropped_log}, written
            log = out.parent / dropped_log
            if log.exists() and log.stat().st_size:
                parse_output(log.read_text(encoding="utf-8"), "jsonl")
            text = out.read_text(encoding="utf-8")
        else:
            text = done.stdout
        rows = parse_output(text, fmt)
        for seed, path in zip(good, good_paths):
            texts = [r["text"] for r in rows if r["file"] == str(path)]
            assert texts == expected_classify_texts(seed)
        assert {r["file"] for r in rows} == {str(p) for p in good_paths}


@cli_settings()
@given(garbage=st.one_of(GARBAGE, CLASSIFY_ONLY_GARBAGE), fmt=st.sampled_from(["jsonl", "csv"]),
       to_file=st.booleans())
@example(garbage=Garbage.of("empty", ".txt", b""), fmt="csv", to_file=False)
def test_classify_batch_where_every_file_is_bad(garbage: Garbage, fmt: str, to_file: bool
                                                ) -> None:
    """Nothing classified: exit 2, one error line per file, and no output at all (no file,
    nothing on stdout), not an empty or partial one."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        bad = [folder / f"bad{garbage.suffix}", folder / "empty.txt"]
        bad[0].write_bytes(garbage.data)
        bad[1].write_bytes(b"")
        out = Path(tmp) / "out" / f"themes.{fmt}"
        done = cli("classify", *map(str, bad), "--format", fmt,
                   *(["--out", str(out)] if to_file else []))
        note(f"stderr: {done.stderr}")
        assert done.returncode == 2, done.stderr
        check_no_traceback(done.stderr)
        errors = error_lines(done.stderr)
        assert len(errors) == 2 and all(str(b) in e for b, e in zip(bad, errors)), errors
        written = sorted(os.listdir(out.parent)) if out.parent.exists() else []
        assert written == [] and not done.stdout.strip(), (written, done.stdout)


@cli_settings()
@given(good=st.sampled_from(SMALL_SEEDS), stdin=st.sampled_from([b"", b" \n", None]))
def test_classify_stdin_that_is_empty_or_closed(good: str, stdin: bytes | None) -> None:
    """`research classify - report.txt` with nothing (or no descriptor at all) on stdin."""
    done = cli("classify", "-", str(SEEDS / good), stdin=stdin)
    note(f"stderr: {done.stderr}")
    assert done.returncode == 1, done.stderr
    check_no_traceback(done.stderr)
    errors = error_lines(done.stderr)
    assert len(errors) == 1 and errors[0].startswith("error: -: "), errors
    rows = parse_output(done.stdout, "jsonl")
    assert [r["text"] for r in rows] == expected_classify_texts(good)


@cli_settings(per=8, least=3)
@given(good=st.lists(st.sampled_from(SMALL_SEEDS), min_size=1, max_size=2, unique=True),
       garbage=GARBAGE, bad_stem=STEMS, quiet=st.booleans())
def test_corpus_folder_with_one_bad_file(good: list[str], garbage: Garbage, bad_stem: str,
                                         quiet: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for seed in good:
            (folder / seed).write_bytes((SEEDS / seed).read_bytes())
        bad = folder / f"{bad_stem}{garbage.suffix}"
        if bad.exists():
            bad = folder / f"bad-{bad_stem}{garbage.suffix}"
        bad.write_bytes(garbage.data)
        before = {p.name: digest(p) for p in folder.iterdir()}
        out = Path(tmp) / "corpus.jsonl"
        done = cli("corpus", "--seeds", str(folder), "--out", str(out),
                   *(["--quiet"] if quiet else []))
        note(f"stderr: {done.stderr}")

        assert done.returncode == 1, done.stderr
        check_no_traceback(done.stderr)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), lines
        assert str(bad) in lines[0], lines
        assert {p.name: digest(p) for p in folder.iterdir()} == before
        rows = parse_output(out.read_text(encoding="utf-8"), "jsonl")
        expected = build_corpus([read_document(SEEDS / s) for s in sorted(good)], CorpusConfig())
        assert [r["id"] for r in rows] == [p.id for p in expected.paragraphs]
        parse_output(out.with_name("corpus.dropped.jsonl").read_text(encoding="utf-8"), "jsonl")


# --- config mutations --------------------------------------------------------------------

SCALARS = st.one_of(
    st.integers(-10**6, -1), st.just(0), st.integers(10**9, 10**40), st.floats(),
    st.text(max_size=400), st.booleans(), st.none(),
    st.lists(st.one_of(st.integers(), st.text(max_size=8)), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)
SYNTAX_BREAKERS = ["[", "]", "{", "}", ":", ": :", "- ", "\t", "'", '"', "*", "&", "!", "%",
                   "@", "`", "|", ">", "? ", "!!python/object:os.system ", "*undefined ",
                   "\n  - ", "\n\t", "\x00", "\ufeff", "---\n", "...\n"]


@dataclass(frozen=True)
class Mutation:
    """A shipped config with one change: what was changed, and the file's bytes (not shown:
    ``change`` says how they differ from the shipped file)."""

    config: str
    change: str
    data: bytes = field(repr=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis shows it
        printer.text(repr(self))


def _nodes(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _nodes(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _nodes(value, prefix + (index,))
    return found


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@st.composite
def mutated_configs(draw: st.DrawFn, configs: tuple[str, ...]) -> Mutation:
    name = draw(st.sampled_from(configs))
    text = (CONFIGS / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    how = draw(st.sampled_from(["drop", "replace", "add", "syntax"]))
    if how == "syntax":
        cut = draw(st.sampled_from(["insert", "truncate", "bytes"]))
        at = draw(st.integers(0, len(text)))
        if cut == "insert":
            piece = draw(st.sampled_from(SYNTAX_BREAKERS))
            return Mutation(name, f"insert {piece!r} at {at}",
                            (text[:at] + piece + text[at:]).encode("utf-8"))
        if cut == "truncate":
            return Mutation(name, f"truncate at {at}", text[:at].encode("utf-8"))
        noise = draw(st.binary(min_size=1, max_size=8))
        raw = text.encode("utf-8")
        return Mutation(name, f"insert bytes {noise!r} at {at}", raw[:at] + noise + raw[at:])
    paths = _nodes(data)
    if how == "drop":
        path = draw(st.sampled_from(paths[1:]))
        del _get(data, path[:-1])[path[-1]]
        return Mutation(name, f"drop {path}", _dump(data))
    if how == "replace":
        path = draw(st.sampled_from(paths))
        value = draw(SCALARS)
        if path:
            _get(data, path[:-1])[path[-1]] = value
        else:
            data = value
        return Mutation(name, f"set {path} to {value!r}", _dump(data))
    path = draw(st.sampled_from([p for p in paths if isinstance(_get(data, p), dict)]))
    key = draw(st.one_of(st.text(min_size=1, max_size=20), st.integers(), st.booleans()))
    value = draw(SCALARS)
    _get(data, path)[key] = value
    return Mutation(name, f"add {key!r}: {value!r} under {path}", _dump(data))


def load_mutation(mutation: Mutation, folder: Path) -> tuple[Path, Any]:
    path = folder / f"mutated-{mutation.config}"
    path.write_bytes(mutation.data)
    if mutation.config == CORPUS_CONFIG:
        return path, load_config(path, CorpusConfig)
    return path, load_experiment(path)


def replaced(name: str, path: tuple[Any, ...], value: Any) -> Mutation:
    """The shipped config ``name`` with the value at ``path`` replaced (explicit examples)."""
    data = yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8"))
    _get(data, path[:-1])[path[-1]] = value
    return Mutation(name, f"set {path} to {value!r}", _dump(data))


@given(mutation=mutated_configs(EXPERIMENT_CONFIGS + (CORPUS_CONFIG,)))
@example(mutation=replaced("quick.yaml", ("kind",), ["topics"]))
@example(mutation=replaced("quick.yaml", ("kind",), {"topics": 1}))
@example(mutation=replaced("full.yaml", ("models", 3, "min_cluster_size", 0),
                          1.8578391093514547e-209))
@example(mutation=replaced("quick.yaml", ("models", 0, "k"), "k" * 400))
def test_mutated_configs_load_or_fail_with_one_line(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path, loaded = load_mutation(mutation, Path(tmp))
        except ConfigError as exc:
            check_user_message(str(exc), str(Path(tmp) / f"mutated-{mutation.config}"))
        else:
            assert isinstance(loaded, (TopicsExperiment, ClassifierExperiment, CorpusConfig))


# Changes that make a config unusable by construction: the models cannot fit with them, the run
# folder would land outside the output folder, or a key is misspelt. Loading must refuse them.
NON_POSITIVE = st.integers(-10**6, 0)
NOT_ABOVE_ONE = st.integers(-10**6, 1)
NOT_POSITIVE_FLOAT = st.floats(max_value=0, allow_nan=False)
#: (config, path, values, what is wrong with them)
INVALID_CHANGES: list[tuple[str, tuple[Any, ...], st.SearchStrategy[Any], str]] = [
    ("quick.yaml", ("models", 0, "k"), NON_POSITIVE, "le0"),
    ("full.yaml", ("models", 0, "k"), NON_POSITIVE.map(lambda v: [6, v, 12]), "sweep-le0"),
    ("quick.yaml", ("models", 0, "iterations"), NON_POSITIVE, "le0"),
    ("full.yaml", ("models", 1, "passes"), NON_POSITIVE, "le0"),
    ("quick.yaml", ("models", 0, "alpha"), NOT_POSITIVE_FLOAT, "le0"),
    ("quick.yaml", ("models", 0, "eta"), NOT_POSITIVE_FLOAT, "le0"),
    ("quick.yaml", ("models", 1, "min_cluster_size"), NOT_ABOVE_ONE, "le1"),
    ("full.yaml", ("models", 3, "min_cluster_size"), NOT_ABOVE_ONE.map(lambda v: [5, v]),
     "sweep-le1"),
    ("quick.yaml", ("models", 1, "n_components"), NON_POSITIVE, "le0"),
    ("quick.yaml", ("models", 1, "n_neighbors"), NOT_ABOVE_ONE, "le1"),
    ("quick.yaml", ("models", 1, "min_dist"), st.floats(max_value=-0.001, allow_nan=False),
     "lt0"),
    ("quick.yaml", ("models", 1, "min_samples"), NON_POSITIVE, "le0"),
    ("quick.yaml", ("seeds",), st.integers(-10**6, -1).map(lambda v: [1, v]), "has-lt0"),
    ("quick.yaml", ("top_n",), st.integers(-10**6, 2), "lt3"),
    ("quick.yaml", ("name",), st.sampled_from(["..", ".", "", "../quick", "a/b"]),
     "not-a-folder-name"),
    ("classifier.yaml", ("name",), st.sampled_from(["..", "."]), "not-a-folder-name"),
    ("classifier.yaml", ("cv", "folds"), NOT_ABOVE_ONE, "le1"),
    ("classifier.yaml", ("cv", "repeats"), NON_POSITIVE, "le0"),
    ("classifier.yaml", ("candidates", 1, "C"), NOT_POSITIVE_FLOAT, "le0"),
    ("corpus.yaml", ("segment", "min_paragraph_chars"), NON_POSITIVE, "le0"),
    ("corpus.yaml", ("segment", "min_paragraph_chars"), st.integers(601, 10**6),
     "gt-max_paragraph_chars"),
    ("corpus.yaml", ("dedup", "shingle_chars"), NOT_ABOVE_ONE, "le1"),
    ("corpus.yaml", ("cleaning", "traditional_ratio"), st.floats(1.001, 1e9), "gt1"),
]
UNKNOWN_KEYS = st.sampled_from(["colour", "k_topics", "iteration", "min_cluster", "Seeds",
                                "模型", "name "])
#: path None = an unknown key under a random mapping of the config.
INVALID_CASES = INVALID_CHANGES + [(name, None, UNKNOWN_KEYS, "")
                                   for name in EXPERIMENT_CONFIGS + (CORPUS_CONFIG,)]


def _case_id(case: tuple[str, tuple[Any, ...] | None, Any, str]) -> str:
    name, path, _, what = case
    return f"{name}:" + (".".join(map(str, path)) + f":{what}" if path else "unknown-key")


@st.composite
def invalid_change(draw: st.DrawFn, case: tuple[str, tuple[Any, ...] | None, Any, str]
                   ) -> Mutation:
    name, path, values, _ = case
    data = yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8"))
    if path is None:
        where = draw(st.sampled_from([p for p in _nodes(data)
                                      if isinstance(_get(data, p), dict)]))
        key = draw(values)
        _get(data, where)[key] = 1
        return Mutation(name, f"add unknown key {key!r} under {where}", _dump(data))
    value = draw(values)
    _get(data, path[:-1])[path[-1]] = value
    return Mutation(name, f"set {path} to {value!r}", _dump(data))


@pytest.mark.parametrize("case", INVALID_CASES, ids=_case_id)
@given(data=st.data())
def test_invalid_configs_are_refused_with_one_line(case: Any, data: st.DataObject) -> None:
    mutation = data.draw(invalid_change(case), label="mutation")
    with tempfile.TemporaryDirectory() as tmp:
        with pytest.raises(ConfigError) as caught:
            load_mutation(mutation, Path(tmp))
        check_user_message(str(caught.value), str(Path(tmp) / f"mutated-{mutation.config}"))


RUN_TIMEOUT = 30  # an invalid config must be refused before anything is fitted


@cli_settings(per=8, least=3)
@given(mutation=st.sampled_from([c for c in INVALID_CASES if c[0] in EXPERIMENT_CONFIGS]
                                 ).flatmap(invalid_change))
def test_run_refuses_invalid_config_quickly(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / f"mutated-{mutation.config}"
        config.write_bytes(mutation.data)
        out = Path(tmp) / "runs"
        try:
            done = cli("run", str(config), "--out", str(out), "--quiet", timeout=RUN_TIMEOUT,
                       env={"RESEARCH_CACHE": str(Path(tmp) / "cache")})
        except subprocess.TimeoutExpired:
            pytest.fail(f"`research run` accepted the config and was still running after "
                        f"{RUN_TIMEOUT}s ({mutation.change})")
        note(f"stderr: {done.stderr}")
        assert done.returncode != 0
        check_no_traceback(done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {config}"), lines
        assert len(lines[0]) < MAX_MESSAGE + len("error: "), lines
        assert not out.exists() or not any(out.iterdir())
