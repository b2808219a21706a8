"""User-facing errors: one clear line for the person at the terminal, never a traceback."""

from __future__ import annotations


class ResearchError(Exception):
    """Base for every error the CLI reports as a single line and a non-zero exit."""


class InputError(ResearchError):
    """A document cannot be read: missing, empty, binary or in an unknown encoding."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ConfigError(ResearchError):
    """A configuration file is missing, malformed or fails validation."""


class ConfigDeprecation(UserWarning):
    """A config uses an old key name that still works; the CLI prints it as one warning line."""
