"""The codebook (configs/themes.yaml) as validated objects."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator

from research.config import StrictModel, load_config

DEFAULT_THEMES = Path("configs/themes.yaml")
CORE_THEMES = ("funding", "staffing", "facilities", "equity")


class Theme(StrictModel):
    """One theme: id, Chinese name, definition and indicative keywords."""

    id: str
    name: str
    definition: str
    keywords: list[str]


class Codebook(StrictModel):
    """All themes plus the labelling rule, hard cases and rulings."""

    unit: str = "paragraph"
    rule: str
    core: list[str]
    themes: list[Theme]
    hard_cases: list[str] = []
    #: Rulings for the commonest disagreements on real reports (CODEBOOK.md's last section).
    rulings: list[str] = []

    @model_validator(mode="after")
    def _check_ids(self) -> "Codebook":
        ids = [t.id for t in self.themes]
        if len(set(ids)) != len(ids):
            raise ValueError("theme ids must be unique")
        missing = [c for c in CORE_THEMES if c not in ids]
        if missing or set(self.core) - set(ids):
            raise ValueError(f"core themes {CORE_THEMES} must all be defined; missing {missing}")
        return self

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def keywords(self) -> dict[str, list[str]]:
        return {t.id: list(t.keywords) for t in self.themes}


def load_codebook(path: Path | None = None) -> Codebook:
    """Load and validate the codebook YAML (default: configs/themes.yaml)."""
    return load_config(Path(path or DEFAULT_THEMES), Codebook)
