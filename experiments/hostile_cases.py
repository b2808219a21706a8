"""Hostile-but-realistic user cases against the `research` CLI of one checkout.

What it is for: measuring, before and after a round of fixes, how the command line behaves when
a user does what users do — hands it a tampered model folder, points `--out` at an input or at
an existing file, pastes a report with web furniture in the middle, writes a config with
`k: 0`, damages a run folder, names files like rich markup, pipes nothing in. Each case builds
its inputs in a fresh temporary folder from the checkout's real seed reports (nothing is
written into the checkout), runs `sys.executable -m research ...` with cwd and PYTHONPATH set
to the checkout (so the checkout at --repo is what runs), and an expectation decides whether
the behaviour "held" or is a defect, from the exit code, stdout/stderr and the files left
behind. The expectations are what a mature tool should do, not what one version does.

Only options and config keys that exist in every version are used (no --force, no --verbose;
the old key names `seeds` and `corpus.seeds`). `run` cases pass --quiet, so that their stderr
holds errors and warnings only; a "one line" expectation does not count `warning:` lines.

Usage:
    python experiments/hostile_cases.py [--repo PATH] [--out results.json] [--only TEXT]

Prints one row per case (exit code, stderr lines, whether a Traceback or an "unexpected" error
appeared, whether the expectation held) and the totals; --out writes the same as JSON with
each case's stderr. Cases run one after another (60 s limit each, 120 s for `run` cases).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.crafted_models import call_node, hide_node  # noqa: E402
from tests.helpers import make_docx, make_pdf  # noqa: E402

HERE = Path(__file__).resolve().parents[1]
CASE_TIMEOUT = 60.0
RUN_TIMEOUT = 120.0
FAST_FAIL_SECONDS = 30.0
TRACEBACK_RE = re.compile(r"Traceback|\bunexpected\b")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

STAFFING = "实施乡村教师支持计划，提高农村教师待遇，推进城乡教师交流轮岗，每年交流比例不低于百分之十。"
FUNDING = "各级政府要加大财政投入，落实生均公用经费标准，专项资金向农村薄弱学校倾斜。"
TAIL_LINES = ["温馨提示", "相关文档", "相关范文推荐", "最新文档", "相关推荐", "猜你喜欢", "热门文档"]


# --- running the CLI ------------------------------------------------------------------------

@dataclass
class Result:
    """What one invocation did."""

    code: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.lines if line.lstrip().startswith("error:")]

    @property
    def traceback(self) -> bool:
        return bool(TRACEBACK_RE.search(self.stderr))


Check = Callable[[Result], "str | None"]  # None when it held, else what went wrong


@dataclass
class Plan:
    """One CLI invocation and what must hold afterwards."""

    args: list[str]
    checks: list[Check]
    stdin: bytes | None = None
    close_stdin: bool = False
    timeout: float = CASE_TIMEOUT


@dataclass
class Case:
    """A named user case: ``build`` makes its inputs in a workspace and says what must hold."""

    family: str
    name: str
    build: Callable[[Workspace], Plan]


class Session:
    """The checkout under test, its environment, and what cases share (the tiny run)."""

    def __init__(self, repo: Path, root: Path) -> None:
        self.repo, self.root = repo, root
        self._tiny_run: Path | None = None
        env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONIOENCODING": "utf-8",
               "PYTHONDONTWRITEBYTECODE": "1", "RESEARCH_CACHE": str(root / "cache"),
               "TOKENIZERS_PARALLELISM": "false"}
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                     "NUMBA_NUM_THREADS"):
            env[name] = "2"  # keep CPU use modest next to a running test suite
        env.pop("RESEARCH_DEBUG", None)
        self.env = env

    def cli(self, args: list[str], stdin: bytes | None = None, close_stdin: bool = False,
            timeout: float = CASE_TIMEOUT) -> Result:
        command = [sys.executable, "-m", "research", *args]
        if close_stdin:
            command = ["/bin/sh", "-c", shlex.join(command) + " <&-"]
        start = time.monotonic()
        process = subprocess.Popen(command, cwd=self.repo, env=self.env,
                                   stdin=subprocess.PIPE if stdin is not None else None,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
        try:
            out, err = process.communicate(stdin, timeout=timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            code = None
        return Result(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                      time.monotonic() - start)

    def tiny_run(self) -> Path | None:
        """One real run folder made by the checkout under test (once per session)."""
        if self._tiny_run is None:
            base = self.root / "tiny"
            config = tiny_config(Workspace(self, base), name="tiny")
            self.cli(["run", str(config), "--quiet"], timeout=RUN_TIMEOUT)
            found = sorted((base / "results" / "tiny").glob("*/manifest.json"))
            self._tiny_run = found[0].parent if found else base / "no-run"
        return self._tiny_run if self._tiny_run.is_dir() else None


@dataclass
class Workspace:
    """A case's fresh temporary folder, and builders of inputs from the real seeds."""

    session: Session
    tmp: Path

    def __post_init__(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)

    @property
    def repo(self) -> Path:
        return self.session.repo

    def seed(self, prefix: str) -> Path:
        return next((self.repo / "seeds" / "raw").glob(f"{prefix}_*.txt"))

    def copy_seed(self, prefix: str, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        source = self.seed(prefix)
        return Path(shutil.copy(source, folder / source.name))

    def write(self, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode(encoding) if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    def paragraphs(self, count: int = 15) -> list[str]:
        """Distinct long sentence-ended paragraphs of seed report 003."""
        lines = self.seed("003").read_text(encoding="utf-8").splitlines()
        found = [ln.strip() for ln in lines if len(ln.strip()) > 80 and ln.strip().endswith("。")]
        return list(dict.fromkeys(found))[:count]

    def model_copy(self) -> Path:
        target = self.tmp / "model"
        shutil.copytree(self.repo / "research" / "resources" / "theme_model", target)
        return target


# --- expectations ----------------------------------------------------------------------------

def file_digest(path: Path) -> str | None:
    return hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else None


def tree(folder: Path) -> dict[str, str | None]:
    """Every path under ``folder`` with its content hash (None for folders)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): (None if p.is_dir() else file_digest(p))
            for p in folder.rglob("*")}


def exit_nonzero() -> Check:
    return lambda r: None if r.code not in (0, None) else f"exit {r.code}, expected non-zero"


def exit_zero() -> Check:
    return lambda r: None if r.code == 0 else f"exit {r.code}, expected 0"


def exit_in(*codes: int) -> Check:
    return lambda r: None if r.code in codes else f"exit {r.code}, expected one of {codes}"


def no_traceback() -> Check:
    return lambda r: "a Traceback or unexpected error" if r.traceback else None


def within(seconds: float) -> Check:
    return lambda r: None if r.seconds <= seconds else f"took {r.seconds:.0f} s (> {seconds:.0f})"


def single_line() -> Check:
    """One stderr line, not counting "warning:" lines (e.g. a renamed config key)."""
    def check(r: Result) -> str | None:
        n = len([line for line in r.lines if not line.lstrip().startswith("warning:")])
        return None if n == 1 else f"{n} stderr lines (besides warnings), expected 1"
    return check


def error_lines(count: int) -> Check:
    def check(r: Result) -> str | None:
        n = len(r.error_lines)
        return None if n == count else f"{n} error lines, expected {count}"
    return check


def mentions(*fragments: str) -> Check:
    """Some stderr line contains each fragment (a file name, a key)."""
    def check(r: Result) -> str | None:
        missing = [f for f in fragments if not any(f in line for line in r.lines)]
        return f"stderr does not name {missing}" if missing else None
    return check


def every_line_names(*alternatives: str) -> Check:
    """At least one stderr line, and each names one of ``alternatives``."""
    def check(r: Result) -> str | None:
        if not r.lines:
            return f"no stderr line names {alternatives[0]}"
        bad = [line for line in r.lines if not any(a in line for a in alternatives)]
        return f"stderr line does not name {alternatives[0]}: {bad[0][:80]!r}" if bad else None
    return check


def lines_shorter_than(limit: int) -> Check:
    def check(r: Result) -> str | None:
        longest = max((len(line) for line in r.lines), default=0)
        return None if longest < limit else f"a stderr line of {longest} characters"
    return check


def warned_or_refused() -> Check:
    def check(r: Result) -> str | None:
        warned = any(line.lstrip().startswith("warning:") for line in r.lines)
        return None if warned or r.code not in (0, None) else "no warning and exit 0"
    return check


def unchanged(path: Path) -> Check:
    """The file (a symlink's target, if it is one) has the bytes it had when the case began."""
    before = file_digest(path)
    return lambda r: None if file_digest(path) == before else f"{path.name} was changed"


def unchanged_or_refused(path: Path) -> Check:
    same = unchanged(path)
    return lambda r: None if r.code not in (0, None) else same(r)


def still_symlink(path: Path) -> Check:
    return lambda r: None if path.is_symlink() else f"{path.name} is no longer a symlink"


def folder_unchanged(folder: Path) -> Check:
    before = tree(folder)

    def check(r: Result) -> str | None:
        after = tree(folder)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                         or (k in before) != (k in after))
        return f"{folder.name}/ changed: {changed[:3]}" if changed else None
    return check


def nothing_outside(base: Path, allowed: Path, repo_results: Path) -> Check:
    """No new or changed path under ``base`` outside ``allowed``, and no repo results folder."""
    before = tree(base)

    def check(r: Result) -> str | None:
        after = tree(base)
        inside = allowed.relative_to(base).as_posix()
        stray = sorted(k for k, v in after.items()
                       if (k not in before or before[k] != v)
                       and not (k == inside or k.startswith(inside + "/")))
        if stray:
            return f"wrote outside the output folder: {stray[:3]}"
        if repo_results.exists():
            return f"wrote into the checkout: {repo_results}"
        return None
    return check


def absent(path: Path) -> Check:
    return lambda r: f"{path.name} exists (code ran)" if path.exists() else None


def exists(path: Path) -> Check:
    return lambda r: None if path.exists() else f"{path.name} was not written"


def rows(text: str) -> list[dict[str, Any]]:
    """The JSON objects among the lines of ``text``."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return found


def row_text(text: str) -> str:
    return "\n".join(normal(" ".join(str(row.get(k, "")) for k in ("title", "section", "text")))
                     for row in rows(text))


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def phrase(paragraph: str, size: int = 10) -> str:
    """A distinctive run of Chinese characters near the end of ``paragraph``."""
    runs = [run for run in CJK_RUN.findall(paragraph) if len(run) >= size]
    return runs[-1][-size:] if runs else normal(paragraph)[-size:]


def output_has(phrases: list[str], path: Path | None = None) -> Check:
    """Every phrase is in the classified rows (stdout, or the file at ``path``)."""
    def check(r: Result) -> str | None:
        text = path.read_text(encoding="utf-8", errors="replace") if path and path.is_file() \
            else ("" if path else r.stdout)
        kept = row_text(text)
        missing = [p for p in phrases if normal(p) not in kept]
        return f"{len(missing)} of {len(phrases)} paragraphs missing from the output" \
            if missing else None
    return check


def longest_paragraph(limit: int) -> Check:
    def check(r: Result) -> str | None:
        lengths = [len(str(row.get("text", ""))) for row in rows(r.stdout)]
        if not lengths:
            return "no rows"
        return None if max(lengths) <= limit else f"a paragraph of {max(lengths)} characters"
    return check


def index_lists(index: Path, *runs: str) -> Check:
    def check(r: Result) -> str | None:
        if not index.is_file():
            return "no index.html"
        html = index.read_text(encoding="utf-8", errors="replace")
        missing = [run for run in runs if run not in html]
        return f"index does not list {missing}" if missing else None
    return check


def evaluate(result: Result, checks: list[Check]) -> list[str]:
    problems = ["timed out"] if result.code is None else []
    for check in checks:
        try:
            problem = check(result)
        except Exception as exc:  # noqa: BLE001 - a broken check is a finding, not a crash
            problem = f"check failed: {exc.__class__.__name__}: {exc}"
        if problem:
            problems.append(problem)
    return problems


def refused(*names: str) -> list[Check]:
    """Non-zero exit, one stderr line naming ``names``, no traceback."""
    return [exit_nonzero(), single_line(), no_traceback(), mentions(*names)]


# --- model folders ---------------------------------------------------------------------------

def edit_meta(model_dir: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    path = model_dir / "model.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    edit(meta)
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def classify_with_model(model_dir: Path, checks: list[Check]) -> Plan:
    return Plan(["classify", "-", "--model", str(model_dir)], checks, stdin=STAFFING.encode())


def hidden_call(module: str, name: str, make_args: Callable[[Path], tuple]) -> Callable:
    def build(ws: Workspace) -> Plan:
        model = ws.model_copy()
        marker = ws.tmp / "owned"
        hide_node(model, call_node(module, name, *make_args(marker)))
        return classify_with_model(model, [exit_nonzero(), absent(marker)])
    return build


def meta_edit(edit: Callable[[dict[str, Any]], None]) -> Callable:
    def build(ws: Workspace) -> Plan:
        model = ws.model_copy()
        edit_meta(model, edit)
        return classify_with_model(model, refused("model.json"))
    return build


def set_key(key: str, make: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def edit(meta: dict[str, Any]) -> None:
        meta[key] = make(meta[key])
    return edit


def drop_key(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda meta: meta.pop(key)


def add_keyword(meta: dict[str, Any]) -> None:
    meta["codebook"]["themes"][0]["keywords"].append("学校")


def damaged_model_file(name: str, damage: Callable[[Path], None]) -> Callable:
    def build(ws: Workspace) -> Plan:
        model = ws.model_copy()
        damage(model / name)
        return classify_with_model(model, refused(name))
    return build


def cut_in_half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def model_not_a_folder(ws: Workspace) -> Plan:
    path = ws.write("model.skops", b"PK\x03\x04")
    return classify_with_model(path, refused(str(path)))


def model_folder_missing(ws: Workspace) -> Plan:
    return classify_with_model(ws.tmp / "no-such-model", refused(str(ws.tmp / "no-such-model")))


def model_cases() -> list[Case]:
    write = "open({!r}, 'w').write('owned')"
    calls = [
        ("exec", "builtins", "exec", lambda m: (write.format(str(m)),)),
        ("eval", "builtins", "eval", lambda m: (write.format(str(m)),)),
        ("os.system", "os", "system", lambda m: (f"touch {shlex.quote(str(m))}",)),
        ("subprocess.Popen", "subprocess", "Popen", lambda m: (["touch", str(m)],)),
        ("__import__", "builtins", "__import__", lambda m: ("os",)),
        ("getattr", "builtins", "getattr", lambda m: ("x", "upper")),
    ]
    cases = [Case("model", f"hidden {label} node in model.skops", hidden_call(mod, name, args))
             for label, mod, name, args in calls]
    edits = [
        ("themes reordered", set_key("themes", lambda t: list(reversed(t)))),
        ("themes one short", set_key("themes", lambda t: t[:-1])),
        ("themes one extra", set_key("themes", lambda t: t + ["extra"])),
        ("themes as a string", set_key("themes", lambda t: "".join(t))),
        ("themes missing", drop_key("themes")),
        ("thresholds one short", set_key("thresholds", lambda t: t[:-1])),
        ("codebook keyword added", add_keyword),
    ]
    cases += [Case("model", f"model.json {label}", meta_edit(edit)) for label, edit in edits]
    cases += [
        Case("model", "model.json truncated", damaged_model_file("model.json", cut_in_half)),
        Case("model", "model.skops truncated", damaged_model_file("model.skops", cut_in_half)),
        Case("model", "model.json deleted", damaged_model_file("model.json", Path.unlink)),
        Case("model", "--model is a file", model_not_a_folder),
        Case("model", "--model folder missing", model_folder_missing),
    ]
    return cases


# --- outputs ---------------------------------------------------------------------------------

def small_report(ws: Workspace, name: str = "report.txt") -> Path:
    return ws.write(name, STAFFING + "\n\n" + FUNDING)


def out_over_input(ws: Workspace) -> Plan:
    report = small_report(ws)
    return Plan(["classify", str(report), "--out", str(report)],
                [unchanged(report), no_traceback()])


def out_over_second_input(ws: Workspace) -> Plan:
    first, second = small_report(ws, "a.txt"), small_report(ws, "b.txt")
    return Plan(["classify", str(first), str(second), "--out", str(second)],
                [unchanged(second), no_traceback()])


def out_existing(fmt: str) -> Callable:
    def build(ws: Workspace) -> Plan:
        report = small_report(ws)
        existing = ws.write(f"themes.{fmt}", "my earlier results\n")
        return Plan(["classify", str(report), "--format", fmt, "--out", str(existing)],
                    [unchanged_or_refused(existing), no_traceback()])
    return build


def out_dropped_log_exists(ws: Workspace) -> Plan:
    report = small_report(ws)
    log = ws.write("themes.dropped.jsonl", "my notes\n")
    return Plan(["classify", str(report), "--out", str(ws.tmp / "themes.jsonl")],
                [unchanged_or_refused(log), no_traceback()])


def out_symlink(ws: Workspace) -> Plan:
    report = small_report(ws)
    keep = ws.write("notes.txt", "my notes")
    link = ws.tmp / "out.jsonl"
    link.symlink_to(keep)
    return Plan(["classify", str(report), "--out", str(link)],
                [unchanged(keep), still_symlink(link), no_traceback()])


def out_is_folder(ws: Workspace) -> Plan:
    folder = ws.tmp / "outdir"
    folder.mkdir()
    return Plan(["classify", str(small_report(ws)), "--out", str(folder)],
                [*refused(str(folder)), folder_unchanged(folder)])


def out_parent_is_file(ws: Workspace) -> Plan:
    blocker = ws.write("thesis.txt", "chapter 1")
    target = blocker / "themes.jsonl"
    return Plan(["classify", str(small_report(ws)), "--out", str(target)],
                [*refused(str(blocker)), unchanged(blocker)])


def corpus_into_input_folder(name: str) -> Callable:
    def build(ws: Workspace) -> Plan:
        folder = ws.tmp / "reports"
        seed = ws.copy_seed("001", folder)
        out = folder / (seed.name if name == "<seed>" else name)
        return Plan(["corpus", "--seeds", str(folder), "--out", str(out), "--quiet"],
                    [folder_unchanged(folder), no_traceback()])
    return build


def corpus_out_existing(ws: Workspace) -> Plan:
    folder = ws.tmp / "reports"
    ws.copy_seed("001", folder)
    existing = ws.write("corpus.jsonl", '{"id": "mine"}\n')
    return Plan(["corpus", "--seeds", str(folder), "--out", str(existing), "--quiet"],
                [unchanged_or_refused(existing), no_traceback()])


def corpus_out_symlink(ws: Workspace) -> Plan:
    folder = ws.tmp / "reports"
    ws.copy_seed("001", folder)
    keep = ws.write("notes.txt", "my notes")
    link = ws.tmp / "corpus.jsonl"
    link.symlink_to(keep)
    return Plan(["corpus", "--seeds", str(folder), "--out", str(link), "--quiet"],
                [unchanged(keep), still_symlink(link), no_traceback()])


def corpus_out_parent_is_file(ws: Workspace) -> Plan:
    folder = ws.tmp / "reports"
    ws.copy_seed("001", folder)
    blocker = ws.write("thesis.txt", "chapter 1")
    return Plan(["corpus", "--seeds", str(folder), "--out", str(blocker / "c.jsonl")],
                [*refused(str(blocker)), unchanged(blocker)])


def corpus_out_is_folder(ws: Workspace) -> Plan:
    folder = ws.tmp / "reports"
    ws.copy_seed("001", folder)
    target = ws.tmp / "outdir"
    target.mkdir()
    return Plan(["corpus", "--seeds", str(folder), "--out", str(target)],
                [*refused(str(target)), folder_unchanged(target)])


def run_out_is_file(ws: Workspace) -> Plan:
    config = tiny_config(ws)
    thesis = ws.write("thesis.txt", "chapter 1")
    return Plan(["run", str(config), "--out", str(thesis), "--quiet"],
                [*refused(str(thesis)), within(FAST_FAIL_SECONDS), unchanged(thesis)],
                timeout=RUN_TIMEOUT)


def run_output_key_is_file(ws: Workspace) -> Plan:
    thesis = ws.write("thesis.txt", "chapter 1")
    config = tiny_config(ws, output=thesis)
    return Plan(["run", str(config), "--quiet"],
                [*refused(str(thesis)), within(FAST_FAIL_SECONDS), unchanged(thesis)],
                timeout=RUN_TIMEOUT)


def output_cases() -> list[Case]:
    return [
        Case("outputs", "classify --out is its input", out_over_input),
        Case("outputs", "classify --out is the 2nd input", out_over_second_input),
        Case("outputs", "classify --out existing .jsonl", out_existing("jsonl")),
        Case("outputs", "classify --out existing .csv", out_existing("csv")),
        Case("outputs", "classify --out existing .html", out_existing("html")),
        Case("outputs", "classify --out beside existing .dropped", out_dropped_log_exists),
        Case("outputs", "classify --out symlink to a file", out_symlink),
        Case("outputs", "classify --out is a folder", out_is_folder),
        Case("outputs", "classify --out parent is a file", out_parent_is_file),
        Case("outputs", "corpus --out DIR/x.txt in --seeds DIR", corpus_into_input_folder("x.txt")),
        Case("outputs", "corpus --out is a seed in DIR", corpus_into_input_folder("<seed>")),
        Case("outputs", "corpus --out existing file", corpus_out_existing),
        Case("outputs", "corpus --out symlink to a file", corpus_out_symlink),
        Case("outputs", "corpus --out parent is a file", corpus_out_parent_is_file),
        Case("outputs", "corpus --out is a folder", corpus_out_is_folder),
        Case("outputs", "run --out is a file", run_out_is_file),
        Case("outputs", "run config output: is a file", run_output_key_is_file),
    ]


# --- silent text loss ------------------------------------------------------------------------

def report_with_line(ws: Workspace, line: str) -> tuple[str, list[str]]:
    """15 real paragraphs with ``line`` after the 5th; phrases of the paragraphs after it."""
    paragraphs = ws.paragraphs(15)
    text = "\n\n".join(paragraphs[:5] + [line] + paragraphs[5:])
    return text, [phrase(p) for p in paragraphs[5:]]


def furniture_mid_report(line: str, how: str = "txt") -> Callable:
    def build(ws: Workspace) -> Plan:
        text, after = report_with_line(ws, line)
        checks = [exit_zero(), no_traceback(), output_has(after)]
        if how == "stdin":
            return Plan(["classify", "-"], checks, stdin=text.encode())
        if how == "docx":
            path = make_docx(ws.tmp / "report.docx", text.split("\n\n"))
            return Plan(["classify", str(path)], checks)
        path = ws.write("report.txt", text)
        extra = ["--one-per-line"] if how == "one-per-line" else []
        return Plan(["classify", str(path), *extra], checks)
    return build


def text_loss_cases() -> list[Case]:
    cases = [Case("text-loss", f"'{line}' mid-report (.txt)", furniture_mid_report(line))
             for line in TAIL_LINES]
    cases += [
        Case("text-loss", "'温馨提示' mid-report (.docx)", furniture_mid_report("温馨提示", "docx")),
        Case("text-loss", "'相关文档' mid-report (stdin)", furniture_mid_report("相关文档", "stdin")),
        Case("text-loss", "'温馨提示' mid-report --one-per-line",
             furniture_mid_report("温馨提示", "one-per-line")),
    ]
    return cases


# --- configs ---------------------------------------------------------------------------------

def tiny_config(ws: Workspace, name: str = "tiny", models: str = "[{kind: lda, k: 3, "
                "iterations: 20}]", output: Path | None = None, themes: Path | None = None,
                extra: str = "") -> Path:
    """An LDA-only topics config on one copied seed report (seconds to run)."""
    seeds = ws.tmp / "seeds"
    ws.copy_seed("002", seeds)
    path = ws.tmp / "config.yaml"
    path.write_text(f"""kind: topics
name: {name}
corpus: {{seeds: {seeds}}}
seeds: [1]
output: {output or ws.tmp / 'results'}
themes: {themes or ws.repo / 'configs' / 'themes.yaml'}
models: {models}
{extra}""", encoding="utf-8")
    return path


def bertopic(setting: str) -> str:
    return f"[{{kind: bertopic, embedding: {{backend: tfidf-svd}}, {setting}}}]"


def config_refused(make: Callable[[Workspace], Path], name: str = "tiny",
                   *keys: str) -> Callable:
    """`run CONFIG`: refused within 30 s, one line naming the file, nothing written outside.

    ``name`` is the run name: a folder of that name must not appear under the checkout's
    results/ (a name that is not one plain folder name is checked under the temp folder only).
    """
    def build(ws: Workspace) -> Plan:
        config = make(ws)
        plain = re.fullmatch(r"[A-Za-z0-9][\w.-]*", name) and name.strip(".")
        repo_results = ws.repo / "results" / name if plain else ws.tmp / "results" / "-none-"
        guard = nothing_outside(ws.tmp, ws.tmp / "results", repo_results)
        return Plan(["run", str(config), "--quiet"],
                    [*refused(str(config), *keys), within(FAST_FAIL_SECONDS), guard],
                    timeout=RUN_TIMEOUT)
    return build


def with_models(models: str) -> Callable[[Workspace], Path]:
    return lambda ws: tiny_config(ws, models=models)


def with_name(name: str) -> Callable[[Workspace], Path]:
    return lambda ws: tiny_config(ws, name=name)


def with_extra(extra: str) -> Callable[[Workspace], Path]:
    return lambda ws: tiny_config(ws, extra=extra)


def replaced(old: str, new: str) -> Callable[[Workspace], Path]:
    def make(ws: Workspace) -> Path:
        path = tiny_config(ws)
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        return path
    return make


def without_core_theme(ws: Workspace, theme: str = "equity") -> Path:
    import yaml

    codebook = yaml.safe_load((ws.repo / "configs" / "themes.yaml").read_text(encoding="utf-8"))
    codebook["themes"] = [t for t in codebook["themes"] if t["id"] != theme]
    path = ws.tmp / "themes.yaml"
    path.write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    return path


def classifier_config(ws: Workspace, themes: Path | None = None, cv: str = "{folds: 2, "
                      "repeats: 1}") -> Path:
    seeds = ws.tmp / "seeds"
    ws.copy_seed("002", seeds)
    path = ws.tmp / "classifier.yaml"
    path.write_text(f"""kind: classifier
name: hostile-classifier
corpus: {{seeds: {seeds}}}
labels: {ws.repo / 'seeds' / 'labels' / 'labels.jsonl'}
themes: {themes or ws.repo / 'configs' / 'themes.yaml'}
cv: {cv}
candidates: [{{name: keywords, kind: keywords}}]
output: {ws.tmp / 'results'}
""", encoding="utf-8")
    return path


def codebook_without_core(ws: Workspace) -> Plan:
    """A classifier config whose codebook lacks the core theme 'equity': one short line."""
    config = classifier_config(ws, without_core_theme(ws))
    return Plan(["run", str(config), "--quiet"],
                [exit_nonzero(), single_line(), no_traceback(), lines_shorter_than(300),
                 mentions("equity"), within(FAST_FAIL_SECONDS)], timeout=RUN_TIMEOUT)


def corpus_config_unknown_key(ws: Workspace) -> Plan:
    config = ws.write("corpus.yaml", "cleaning: {to_simplified: auto}\nsegmnet: {}\n")
    out = ws.tmp / "c.jsonl"
    return Plan(["corpus", "--config", str(config), "--seeds", str(ws.tmp), "--out", str(out)],
                [*refused(str(config), "segmnet"), absent(out)])


def missing_config(ws: Workspace) -> Path:
    return ws.tmp / "no-such.yaml"


def empty_config(ws: Workspace) -> Path:
    return ws.write("config.yaml", "")


def config_cases() -> list[Case]:
    bad = [
        ("iterations: -3", with_models("[{kind: lda, k: 3, iterations: -3}]"), "iterations"),
        ("k: 0", with_models("[{kind: lda, k: 0, iterations: 20}]"), "k"),
        ("k: -5", with_models("[{kind: lda, k: -5, iterations: 20}]"), "k"),
        ("k: [3, 0] swept", with_models("[{kind: lda, k: [3, 0], iterations: 20}]"), "k"),
        ("k: 500 > corpus", with_models("[{kind: lda, k: 500, iterations: 20}]"), "k"),
        ("alpha: -1", with_models("[{kind: lda, k: 3, alpha: -1, iterations: 20}]"), "alpha"),
        ("min_cluster_size: 1", with_models(bertopic("min_cluster_size: 1")),
         "min_cluster_size"),
        ("min_cluster_size: 5000 > corpus", with_models(bertopic("min_cluster_size: 5000")),
         "min_cluster_size"),
        ("n_components: 0", with_models(bertopic("n_components: 0")), "n_components"),
        ("models: []", with_models("[]"), "models"),
        ("seeds: []", replaced("seeds: [1]", "seeds: []"), "seeds"),
        ("top_n: 0", with_extra("top_n: 0"), "top_n"),
        ("unknown key", with_extra("modles: []"), "modles"),
        ("unknown model key", with_models("[{kind: lda, k: 3, iteration: 20}]"), "iteration"),
        ("kind as a list", replaced("kind: topics", "kind: [topics]"), "kind"),
        ("invalid YAML", with_extra("models: [{kind: lda, k: 3"), ""),
        ("empty file", empty_config, ""),
    ]
    cases = [Case("configs", f"run: {label}", config_refused(make, "tiny", *([key] if key else [])))
             for label, make, key in bad]
    cases += [
        Case("configs", "run: name '..'", config_refused(with_name("'..'"), "..", "name")),
        Case("configs", "run: name 'a/b'", config_refused(with_name("a/b"), "a", "name")),
        Case("configs", "run: config file missing", config_refused(missing_config)),
        Case("configs", "run: classifier cv folds 1",
             config_refused(lambda ws: classifier_config(ws, cv="{folds: 1, repeats: 1}"),
                            "hostile-classifier", "folds")),
        Case("configs", "classifier codebook without core theme",
             codebook_without_core),
        Case("configs", "corpus --config unknown key", corpus_config_unknown_key),
    ]
    return cases


# --- damaged run folders ---------------------------------------------------------------------

def truncate(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8")[:300], encoding="utf-8")


def drop_first_kind(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8").replace("NaN", "null"))
    key = "rows" if "rows" in data else "models"
    del data[key][0]["kind"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def json_list(path: Path) -> None:
    path.write_text("[1, 2]", encoding="utf-8")


RUN_DAMAGES: list[tuple[str, str, Callable[[Path], None]]] = [
    ("metrics.json", "bad JSON", truncate),
    ("metrics.json", "missing 'kind'", drop_first_kind),
    ("metrics.json", "deleted", Path.unlink),
    ("topics.json", "bad JSON", truncate),
    ("topics.json", "missing 'kind'", drop_first_kind),
    ("topics.json", "deleted", Path.unlink),
    ("manifest.json", "bad JSON", truncate),
    ("manifest.json", "a list", json_list),
]


def copy_run(ws: Workspace, target: Path) -> Path | None:
    source = ws.session.tiny_run()
    if source is None:
        return None
    shutil.copytree(source, target)
    (target / "report.html").unlink(missing_ok=True)
    return target


def report_damaged(name: str, damage: Callable[[Path], None]) -> Callable:
    def build(ws: Workspace) -> Plan:
        run = copy_run(ws, ws.tmp / "results" / "tiny" / "20250101-000001")
        if run is None:
            raise RuntimeError("the tiny run to damage could not be made")
        damage(run / name)
        if name == "manifest.json":
            checks = refused(str(run / name))
        elif not (run / name).exists():  # a missing file: draw the rest, say so if anything
            named = every_line_names(name)
            checks = [no_traceback(), lambda r: named(r) if r.lines else None,
                      exists(run / "report.html")]
        else:  # a damaged file: say which
            checks = [no_traceback(), every_line_names(name)]
        return Plan(["report", str(run)], checks)
    return build


def index_damaged(name: str, damage: Callable[[Path], None]) -> Callable:
    def build(ws: Workspace) -> Plan:
        root = ws.tmp / "results"
        good = copy_run(ws, root / "tiny" / "20250101-000001")
        bad = copy_run(ws, root / "tiny" / "20250101-000002")
        if good is None or bad is None:
            raise RuntimeError("the tiny run to damage could not be made")
        damage(bad / name)
        lines_ok = every_line_names(name, "20250101-000002")
        return Plan(["report", "--index", str(root)],
                    [no_traceback(), lambda r: lines_ok(r) if r.lines else None,
                     index_lists(root / "index.html", "tiny/20250101-000001")])
    return build


def not_a_run_folder(ws: Workspace) -> Plan:
    folder = ws.tmp / "notes"
    folder.mkdir()
    return Plan(["report", str(folder)], refused(str(folder)))


def run_cases() -> list[Case]:
    cases = [Case("runs", f"report: {name} {label}", report_damaged(name, damage))
             for name, label, damage in RUN_DAMAGES]
    cases += [Case("runs", f"report --index: {name} {label}", index_damaged(name, damage))
              for name, label, damage in RUN_DAMAGES]
    cases.append(Case("runs", "report: not a run folder", not_a_run_folder))
    return cases


# --- messages and odd inputs -----------------------------------------------------------------

def binary_bytes(size: int = 4096) -> bytes:
    return bytes(random.Random(0).randrange(256) for _ in range(size))


def markup_name(name: str) -> Callable:
    """An empty file whose name looks like rich markup, in a batch with a good one."""
    def build(ws: Workspace) -> Plan:
        bad = ws.write(name, b"")
        good = ws.write("good.txt", STAFFING)
        return Plan(["classify", str(bad), str(good)],
                    [exit_in(1), error_lines(1), no_traceback(), mentions(str(bad)),
                     output_has([phrase(STAFFING)])])
    return build


def closed_stdin(ws: Workspace) -> Plan:
    return Plan(["classify", "-"], [exit_nonzero(), single_line(), no_traceback()],
                close_stdin=True)


def empty_stdin(ws: Workspace) -> Plan:
    return Plan(["classify", "-"], [exit_nonzero(), single_line(), no_traceback()], stdin=b"")


def truncated_pdf(ws: Workspace) -> Plan:
    pdf = make_pdf(ws.tmp / "whole.pdf", [STAFFING, FUNDING] * 3)
    cut = ws.write("cut.pdf", pdf.read_bytes()[: pdf.stat().st_size // 2])
    return Plan(["classify", str(cut)], refused(str(cut)))


def renamed_docx(ws: Workspace) -> Plan:
    fake = ws.write("report.docx", STAFFING)
    return Plan(["classify", str(fake)], refused(str(fake)))


def english_report(ws: Workspace) -> Plan:
    report = ws.write("english.txt", "The county increased funding for rural schools and "
                      "rotated teachers between urban and rural schools every year.\n" * 3)
    return Plan(["classify", str(report)], [warned_or_refused(), no_traceback()])


def unpunctuated(keep: str) -> Callable:
    """100,000 characters of seed text with no sentence punctuation (``keep``: what is left)."""
    def build(ws: Workspace) -> Plan:
        raw = "".join(p.read_text(encoding="utf-8", errors="ignore")
                      for p in sorted((ws.repo / "seeds" / "raw").glob("*.txt")))
        body = "".join(ch for ch in raw if "\u4e00" <= ch <= "\u9fff" or ch in keep)
        text = (body * (100_000 // max(len(body), 1) + 1))[:100_000]
        report = ws.write("pages.txt", text)
        return Plan(["classify", str(report)],
                    [exit_zero(), no_traceback(), longest_paragraph(1200)])
    return build


def encoded(encoding: str) -> Callable:
    def build(ws: Workspace) -> Plan:
        paragraphs = ws.paragraphs(4)
        report = ws.write(f"report-{encoding}.txt", "\n\n".join(paragraphs), encoding)
        return Plan(["classify", str(report)],
                    [exit_zero(), no_traceback(), output_has([phrase(p) for p in paragraphs])])
    return build


def mixed_batch(ws: Workspace) -> Plan:
    paragraphs = ws.paragraphs(6)
    empty = ws.write("empty.txt", b"")
    binary = ws.write("scan.txt", binary_bytes())
    gb = ws.write("gb18030.txt", "\n\n".join(paragraphs[:3]), "gb18030")
    utf16 = ws.write("utf16.txt", "\n\n".join(paragraphs[3:]), "utf-16")
    good = ws.write("good.txt", STAFFING)
    return Plan(["classify", *map(str, (empty, binary, gb, utf16, good))],
                [exit_in(1), error_lines(2), no_traceback(), mentions(str(empty), str(binary)),
                 output_has([phrase(p) for p in paragraphs] + [phrase(STAFFING)])])


def lone_file(make: Callable[[Workspace], Path]) -> Callable:
    def build(ws: Workspace) -> Plan:
        path = make(ws)
        return Plan(["classify", str(path)], refused(str(path)))
    return build


def corpus_batch_with_bad_file(ws: Workspace) -> Plan:
    folder = ws.tmp / "reports"
    ws.copy_seed("001", folder)
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    out = ws.tmp / "corpus.jsonl"
    return Plan(["corpus", "--seeds", str(folder), "--out", str(out), "--quiet"],
                [exit_in(1), error_lines(1), no_traceback(), mentions(str(empty)), exists(out)])


def corpus_only_furniture(ws: Workspace) -> Plan:
    folder = ws.tmp / "furniture"
    folder.mkdir()
    (folder / "page.txt").write_text("首页 > 教育\n相关文档\n下载本文\n版权说明\n", encoding="utf-8")
    out = ws.tmp / "c.jsonl"
    return Plan(["corpus", "--seeds", str(folder), "--out", str(out)],
                [*refused(str(folder)), absent(out)])


def corpus_seeds_missing(ws: Workspace) -> Plan:
    folder = ws.tmp / "no-such-folder"
    return Plan(["corpus", "--seeds", str(folder), "--out", str(ws.tmp / "c.jsonl")],
                refused(str(folder)))


def message_cases() -> list[Case]:
    return [
        Case("messages", "'[final] empty.txt' in a batch", markup_name("[final] empty.txt")),
        Case("messages", "'a[/b]c.txt' in a batch", markup_name("a[/b]c.txt")),
        Case("messages", "'[bold]x[red].txt' in a batch", markup_name("[bold]x[red].txt")),
        Case("messages", "classify - with stdin closed", closed_stdin),
        Case("messages", "classify - with empty stdin", empty_stdin),
        Case("messages", "truncated PDF", truncated_pdf),
        Case("messages", "text file named .docx", renamed_docx),
        Case("messages", "English-only report", english_report),
        Case("messages", "100k chars, commas only", unpunctuated("，")),
        Case("messages", "100k chars, no punctuation", unpunctuated("")),
        Case("messages", "GB18030 report", encoded("gb18030")),
        Case("messages", "UTF-16 report (BOM)", encoded("utf-16")),
        Case("messages", "batch: empty+binary+GB18030+UTF-16", mixed_batch),
        Case("messages", "empty file alone", lone_file(lambda ws: ws.write("empty.txt", b""))),
        Case("messages", "binary file alone",
             lone_file(lambda ws: ws.write("scan.txt", binary_bytes()))),
        Case("messages", "missing file", lone_file(lambda ws: ws.tmp / "no-such.txt")),
        Case("messages", "folder as input file", lone_file(lambda ws: ws.tmp)),
        Case("messages", "corpus folder with an empty file", corpus_batch_with_bad_file),
        Case("messages", "corpus of site furniture only", corpus_only_furniture),
        Case("messages", "corpus --seeds missing", corpus_seeds_missing),
    ]


# --- running and reporting -------------------------------------------------------------------

@dataclass
class Outcome:
    family: str
    name: str
    code: int | None
    stderr_lines: int
    traceback: bool
    held: bool
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stderr: str = ""


def all_cases() -> list[Case]:
    return (model_cases() + output_cases() + text_loss_cases() + config_cases() + run_cases()
            + message_cases())


def run_case(session: Session, case: Case, number: int) -> Outcome:
    ws = Workspace(session, session.root / f"case{number:03d}")
    try:
        plan = case.build(ws)
    except Exception as exc:  # noqa: BLE001 - a case that cannot be built is reported, not fatal
        return Outcome(case.family, case.name, None, 0, False, False,
                       [f"could not build the case: {exc.__class__.__name__}: {exc}"])
    result = session.cli(plan.args, plan.stdin, plan.close_stdin, plan.timeout)
    problems = evaluate(result, plan.checks)
    return Outcome(case.family, case.name, result.code, len(result.lines), result.traceback,
                   not problems, problems, round(result.seconds, 1), result.stderr[-4000:])


def table_row(o: Outcome) -> str:
    code = str(o.code) if o.code is not None else (
        "timeout" if "timed out" in o.problems else "-")
    held = "held" if o.held else "DEFECT: " + "; ".join(o.problems)
    return (f"{o.family:<10} {o.name[:46]:<46} {code:>7} {o.stderr_lines:>5} "
            f"{'yes' if o.traceback else '':>3}  {held}")


def totals(outcomes: list[Outcome]) -> dict[str, int]:
    return {"cases": len(outcomes),
            "tracebacks_or_unexpected": sum(o.traceback for o in outcomes),
            "defects": sum(not o.held for o in outcomes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE,
                        help="checkout whose CLI to try (default: this repository)")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--only", default="", help="run only cases whose family or name "
                        "contains this text")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    outcomes: list[Outcome] = []
    print(f"{'family':<10} {'case':<46} {'exit':>7} {'lines':>5} {'tb':>3}  expectation")
    with tempfile.TemporaryDirectory(prefix="hostile-") as root:
        session = Session(repo, Path(root))
        for number, case in enumerate(all_cases()):
            if args.only not in f"{case.family} {case.name}":
                continue
            outcome = run_case(session, case, number)
            outcomes.append(outcome)
            print(table_row(outcome), flush=True)
    summary = totals(outcomes)
    print(f"\n{summary['cases']} cases, {summary['tracebacks_or_unexpected']} with a traceback "
          f"or unexpected error, {summary['defects']} defects (expectation failed)  [{repo}]")
    if args.out:
        args.out.write_text(json.dumps({"repo": str(repo), "totals": summary,
                                        "cases": [vars(o) for o in outcomes]},
                                       ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
