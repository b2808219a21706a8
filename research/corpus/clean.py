"""Text repairs that work on characters: pinyin glosses, mojibake, script, width, furniture.

Each function takes text and returns the repaired text plus a count of what it changed, so the
corpus summary can say how much each step did.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from research.config import RESOURCES_DIR, describe_validation_error
from research.errors import ConfigError

CJK = r"\u4e00-\u9fff"
TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ"

#: A pinyin syllable with a tone mark, in ASCII or full-width parentheses, right after a character:
#: "發(fā)展" -> "發展". Tone marks keep ordinary bracketed Latin text ("(word)") untouched.
PINYIN_GLOSS = re.compile(
    rf"(?<=[{CJK}])[(（]([a-zü]*[{TONE_VOWELS}][a-zü]*)[)）]"
)

#: Mojibake left by GBK bytes decoded one byte out of step: a run that starts after '?' or U+FFFD
#: next to Chinese text, made of non-ASCII characters and ASCII punctuation, ending at the first
#: ASCII letter (the byte that brings the stream back in step) or before '?'/digits/space.
MOJIBAKE_RUN = re.compile(
    rf"(?<=[{CJK}\u3000-\u303f])[?\ufffd]+"
    r"([^\x00-\x7f\s]|[!,:;()\"'])*?"
    r"(?:[\x40-\x7e]|(?=[?\ufffd\d\s]|$))"
)
FULLWIDTH_OF_ASCII = {"!": "！", ",": "，", ":": "：", ";": "；", "(": "（", ")": "）",
                      '"': "＂", "'": "＇"}
PRIVATE_USE = re.compile("[\ue000-\uf8ff\ufffd]")


def strip_pinyin_glosses(text: str) -> tuple[str, int]:
    """Remove tone-marked pinyin glosses that follow characters."""
    return PINYIN_GLOSS.subn("", text)


def _unshift_gbk(run: str) -> str:
    """Re-encode a mojibake run as GB18030 and decode it again one byte later."""
    body = run.lstrip("?\ufffd")
    raw = "".join(FULLWIDTH_OF_ASCII.get(ch, ch) for ch in body).encode("gb18030")
    repaired = raw[1:].decode("gb18030", errors="replace")
    return PRIVATE_USE.sub("", repaired)


def _is_plausible(text: str) -> bool:
    """A repair is kept only if it yields Chinese characters and punctuation, nothing else."""
    return all("\u4e00" <= ch <= "\u9fff" or unicodedata.category(ch).startswith("P")
               for ch in text)


def repair_mojibake(text: str) -> tuple[str, int]:
    """Repair (or, where the bytes are lost, remove) GBK mojibake runs; return count of runs."""
    count = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal count
        run = match.group(0)
        lost_bytes = run.startswith(("??", "\ufffd")) or bool(PRIVATE_USE.search(run))
        out_of_step = (run[-1:].isascii() and run[-1:].isalpha()
                       and any(not ch.isascii() for ch in run))
        if not (lost_bytes or out_of_step):
            return run  # an ordinary question mark in running text
        count += 1
        repaired = _unshift_gbk(run)
        if out_of_step and _is_plausible(repaired):
            return repaired
        return "" if lost_bytes else run

    return MOJIBAKE_RUN.sub(fix, text), count


@lru_cache(maxsize=2)
def _opencc(config: str):  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC(config)


CJK_CHARS = re.compile(f"[{CJK}]+")
LETTERS = re.compile(r"[^\W\d_]")


def traditional_counts(text: str) -> tuple[int, int]:
    """(Chinese characters t2s would change, Chinese characters): summable over chunks."""
    chars = "".join(CJK_CHARS.findall(text))
    if not chars:
        return 0, 0
    converted = _opencc("t2s").convert(chars)
    return sum(a != b for a, b in zip(chars, converted)), len(chars)


def traditional_share(text: str) -> float:
    """Share of Chinese characters that OpenCC's t2s would change (0 for simplified text)."""
    changed, total = traditional_counts(text)
    return changed / total if total else 0.0


def chinese_counts(text: str) -> tuple[int, int]:
    """(Chinese characters, letters of any script): how Chinese a text is, summable."""
    return sum(map(len, CJK_CHARS.findall(text))), len(LETTERS.findall(text))


def convert_to_simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


def to_simplified(text: str, mode: Literal["auto", "always", "never"] = "auto",
                  threshold: float = 0.02) -> tuple[str, bool]:
    """Convert traditional to simplified with OpenCC.

    'auto' converts only documents that are mostly traditional, because t2s on simplified text
    can still change a few characters that simplified Chinese keeps.
    """
    if mode == "never" or (mode == "auto" and traditional_share(text) < threshold):
        return text, False
    return convert_to_simplified(text), True


def normalize_width(text: str) -> str:
    """NFKC: full-width letters, digits and brackets become ASCII; ㈠ becomes (一)."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ")


class FurnitureRule(BaseModel):
    """One site-furniture pattern and what to do when it matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reason: str
    action: Literal["drop", "tail", "strip"]
    pattern: str


@dataclass(frozen=True)
class CompiledRule:
    reason: str
    action: str
    regex: re.Pattern[str]


@lru_cache(maxsize=8)
def load_furniture_rules(path: Path | None = None) -> tuple[CompiledRule, ...]:
    """Read furniture rules from YAML (the packaged list by default) and compile them.

    Cached: every document of a batch uses the same rules, read and compiled once.
    """
    path = Path(path) if path else RESOURCES_DIR / "furniture.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read furniture rules ({exc})") from None
    rules = []
    for index, raw in enumerate(data.get("rules", [])):
        try:
            rule = FurnitureRule.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc, f"{path} rules[{index}]")) from None
        try:
            rules.append(CompiledRule(rule.reason, rule.action, re.compile(rule.pattern)))
        except re.error as exc:
            raise ConfigError(f"{path} rules[{index}]: bad pattern ({exc})") from None
    return tuple(rules)


#: Drop and tail rules describe short lines of site furniture; a longer line that happens to
#: contain "下载" or "本站" is text (a whole page glued into one line, say), never dropped whole.
FURNITURE_MAX_CHARS = 200


@dataclass(frozen=True)
class FurnitureVerdict:
    """What the furniture rules say about one line."""

    text: str
    drop_reason: str | None = None
    ends_document: bool = False
    stripped: tuple[str, ...] = ()


def apply_furniture_rules(line: str, rules: tuple[CompiledRule, ...],
                          truncate_tails: bool = True) -> FurnitureVerdict:
    """Apply the rules to one line: drop it, end the document here, or strip parts of it.

    ``truncate_tails=False`` drops a 'tail' line alone: cutting the rest of the document is
    right for scraped compilations (a related-documents list ends the article) and wrong for
    a researcher's own report, where such a line can stand in the middle.
    """
    stripped = []
    for rule in rules:
        if rule.action == "strip":
            line, n = rule.regex.subn("", line)
            if n:
                stripped.append(rule.reason)
            continue
        if len(line) <= FURNITURE_MAX_CHARS and rule.regex.search(line):
            return FurnitureVerdict(line, rule.reason, truncate_tails and rule.action == "tail",
                                    tuple(stripped))
    return FurnitureVerdict(line.strip(), None, False, tuple(stripped))
