"""Copies and near-copies (syndication) across outlets: MinHash + LSH over syllable shingles.

MinHash estimates how many shingles two texts share, so it finds a copy with light edits
(Jaccard ~0.5) and leaves apart two outlets' own reports of one event (~0.2): it finds copies,
not stories. The original of a copy group is its earliest article.
"""

from __future__ import annotations

import os

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH

from .config import CopyConfig
from .model import Article, CopyGroup
from .text import fold


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def shingle_hashes(token_hashes: np.ndarray, n: int) -> np.ndarray:
    """32-bit hashes of the distinct n-grams of a sequence of token hashes.

    Combining per-token hashes arithmetically (vectorised) instead of hashing each joined n-gram
    string is what makes copy detection ~2x faster; collisions stay at the 32-bit level.
    """
    if len(token_hashes) == 0:
        return token_hashes.astype(np.uint32)
    if len(token_hashes) < n:
        n = len(token_hashes)
    with np.errstate(over="ignore"):
        acc = np.zeros(len(token_hashes) - n + 1, dtype=np.uint64)
        for k in range(n):
            acc = acc * _MIX[k % 3] + token_hashes[k: len(token_hashes) - n + 1 + k]
    # Repeated n-grams stay: a minimum does not change when a value comes twice, and dropping
    # them (a sort) cost more than the minimum over them.
    return (((acc >> np.uint64(32)) ^ acc) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, the pre-mix datasketch's `affine32` scheme applies."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def minhash_values(shingles: np.ndarray, permutations: np.ndarray) -> np.ndarray:
    """datasketch's `affine32` MinHash of 32-bit shingle hashes, computed in one numpy expression:
    the same values as `MinHash(scheme="affine32").update_batch(...)` (a test holds them equal),
    without its per-value Python loop, which was half the cost of a signature."""
    a, b = permutations
    values = np.full(a.shape, np.uint32(0xFFFFFFFF), dtype=np.uint32)
    if len(shingles):
        with np.errstate(over="ignore"):
            np.minimum(values, (_fmix32(shingles)[:, None] * a + b).min(axis=0), out=values)
    return values


@dataclass(slots=True)
class _Entry:
    id: str
    date: str
    order: int
    signature: np.ndarray | None  # MinHash values, kept only for articles in the index (see `add`)


class CopyDetector:
    """Streaming copy finder: `add` returns the earlier articles an article copies (or is copied by).

    Same results in batch (`find_copy_groups`) and one at a time, since each article is only
    compared through the LSH index.
    """

    def __init__(self, config: CopyConfig | None = None):
        self.config = config or CopyConfig()
        self.lsh = MinHashLSH(threshold=self.config.threshold, num_perm=self.config.num_perm)
        self.entries: dict[str, _Entry] = {}
        # One permutation set shared by all signatures (seeded), built once.
        self._template = MinHash(num_perm=self.config.num_perm, scheme="affine32")
        # The LSH index reads only `hashvalues` of what it is given, so one MinHash object carries
        # every signature in and out: building a MinHash per article cost a fifth of the time.
        self._carrier = MinHash(num_perm=self.config.num_perm, permutations=self._template.permutations,
                                scheme=self._template.scheme)
        self._hash_of: dict[str, int] = {}

    def _token_hashes(self, text: str) -> np.ndarray:
        cache = self._hash_of
        if len(cache) > 2_000_000:  # a vocabulary this big is not news text; start over
            cache.clear()
        get = cache.get
        # Whitespace-split folded text, punctuation attached: copies keep their punctuation, and
        # str.split runs ~7x faster than the word regex (copy detection is the hot path of ingest).
        toks = fold(text).split()
        out = [get(t) for t in toks]
        for i, h in enumerate(out):
            if h is None:
                out[i] = cache[toks[i]] = xxhash.xxh64_intdigest(toks[i].encode())
        return np.array(out, dtype=np.uint64)

    def signature(self, text: str) -> np.ndarray:
        """MinHash values of a text (datasketch's permutations over syllable 3-gram hashes)."""
        return minhash_values(shingle_hashes(self._token_hashes(text), self.config.shingle),
                              self._template.permutations)

    def add(self, article_id: str, text: str, date: str | None = None,
            signature: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Index one article; return (id, estimated Jaccard) of indexed articles it copies."""
        if article_id in self.entries:
            return []
        hv = signature if signature is not None else self.signature(text)
        m = self._carrier
        m.hashvalues = hv
        found = []
        candidates = list(self.lsh.query(m))
        if candidates:
            # Verify all candidates at once: a widely syndicated story has hundreds of copies.
            sigs = np.stack([self.entries[c].signature for c in candidates])
            sims = (sigs == hv).mean(axis=1)
            found = [(c, float(x)) for c, x in zip(candidates, sims) if x >= self.config.threshold]
        if found:
            # A copy stays out of the index: its original already stands for the group, so a story
            # syndicated a thousand times costs each new copy one comparison, not a thousand.
            self.entries[article_id] = _Entry(article_id, date or "", len(self.entries), None)
        else:
            self.lsh.insert(article_id, m)
            self.entries[article_id] = _Entry(article_id, date or "", len(self.entries), hv)
        found.sort(key=lambda p: -p[1])
        return found

    def add_many(self, items: Sequence[tuple[str, str, str | None]], workers: int = 0
                 ) -> list[list[tuple[str, float]]]:
        """`add` for (id, text, date) triples, with signatures computed by `workers` processes
        (0 = one per core) while this process keeps the index: same results as one by one."""
        workers = workers or os.cpu_count() or 1
        if workers == 1 or len(items) < 2000:
            return [self.add(i, t, d) for i, t, d in items]
        from .workers import process_pool

        chunks = [[t for _, t, _ in items[k:k + 500]] for k in range(0, len(items), 500)]
        out = []
        with process_pool(workers, _start_worker, (self.config,)) as pool:
            position = 0
            for values in pool.map(_signature_values, chunks):
                for hv in values:
                    article_id, text, date = items[position]
                    position += 1
                    out.append(self.add(article_id, text, date, signature=hv))
        return out

    def groups(self, pairs: Iterable[tuple[str, str, float]]) -> list[CopyGroup]:
        """Union the copy pairs into groups; the earliest article (date, then arrival) is the original."""
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        sims: dict[tuple[str, str], float] = {}
        best: dict[str, float] = {}  # an article's highest similarity to any member of its group
        nodes: set[str] = set()
        for a, b, s in pairs:
            nodes.update((a, b))
            best[a] = max(best.get(a, 0.0), s)
            best[b] = max(best.get(b, 0.0), s)
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[ra] = rb
            sims[(a, b)] = sims[(b, a)] = s
        members: dict[str, list[str]] = {}
        for x in nodes:
            members.setdefault(root(x), []).append(x)
        out = []
        for ids in members.values():
            ids = sorted(set(ids), key=lambda i: (self.entries[i].date or "9999", self.entries[i].order))
            original = ids[0]
            out.append(CopyGroup(original, {i: sims.get((i, original)) or best[i] for i in ids[1:]}))
        return out


# One detector per worker process, made by the pool's initializer, so its syllable-hash cache
# lives across chunks (a fresh cache per chunk re-hashed every syllable). It is the worker's own
# state, never the parent's.
_worker_detector: CopyDetector | None = None


def _start_worker(config: CopyConfig) -> None:
    global _worker_detector
    _worker_detector = CopyDetector(config)


def _signature_values(texts: list[str]) -> list[np.ndarray]:
    assert _worker_detector is not None
    return [_worker_detector.signature(t) for t in texts]


def find_copy_groups(articles: Sequence[Article], config: CopyConfig | None = None,
                     workers: int = 0) -> list[CopyGroup]:
    """All copy groups among `articles` (exact copies included)."""
    detector = CopyDetector(config)
    found = detector.add_many([(a.id, a.text, a.published) for a in articles], workers)
    pairs = [(a.id, other, sim) for a, matches in zip(articles, found) for other, sim in matches]
    return detector.groups(pairs)

