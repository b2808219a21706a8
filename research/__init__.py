"""Research toolkit for Chinese reports on urban–rural compulsory-education balance.

Corpus building, topic-model comparison, theme classification and offline reports. From a
notebook: ``research.build_corpus(folder)``, ``research.load_run(path)`` and
``research.load_model()`` (see research/api.py); they load lazily, so ``import research`` is
cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["build_corpus", "load_model", "load_run", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("build_corpus", "load_model", "load_run"):
        from research import api

        return getattr(api, name)
    raise AttributeError(f"module 'research' has no attribute {name!r}")
