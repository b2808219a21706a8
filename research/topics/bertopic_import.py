"""BERTopic imported without torch, for fits on precomputed embeddings.

Why: ``import bertopic`` eagerly imports its optional backends (sentence-transformers for the
multimodal backend, transformers for text-generation labels, torch to know whether it can save
in PyTorch format): 5.5 of the 7 s the import took in a warm `research run` on 2 cores, for
code a fit on precomputed embeddings never calls. bertopic treats each as optional (``try: ...
except ImportError``), so while bertopic loads an import finder reports them as not installed,
and is removed right after: later imports of them work as usual. A module already imported
(the sentence-transformers embedding backend loads torch before any fit) is left alone, and a
bertopic that cannot load without them is imported the ordinary way.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from typing import Any

#: bertopic's optional dependencies that a fit on precomputed embeddings does not use.
OPTIONAL = ("sentence_transformers", "transformers", "torch")


class _NotInstalled(importlib.abc.MetaPathFinder):
    """An import finder under which the named top-level packages look not installed."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def bertopic_class() -> Any:
    """``bertopic.BERTopic``, imported without its unused optional backends when possible."""
    if "bertopic" not in sys.modules:
        finder = _NotInstalled([name for name in OPTIONAL if name not in sys.modules])
        sys.meta_path.insert(0, finder)
        try:
            from bertopic import BERTopic

            return BERTopic
        except ImportError:
            pass  # this bertopic needs one of them: import it as usual below
        finally:
            sys.meta_path.remove(finder)
    from bertopic import BERTopic

    return BERTopic
