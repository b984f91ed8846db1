"""Copies and near-copies (syndication) across outlets: MinHash + LSH over syllable shingles.

MinHash estimates how many shingles two texts share, so it finds a copy with light edits
(Jaccard ~0.5) and leaves apart two outlets' own reports of one event (~0.2): it finds copies,
not stories. The original of a copy group is its earliest article.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import xxhash
from datasketch import MinHash, MinHashLSH

from .config import CopyConfig
from .model import Article, CopyGroup
from .text import tokens


def shingles(text: str, n: int) -> set[bytes]:
    toks = tokens(text)
    if len(toks) < n:
        return {" ".join(toks).encode()} if toks else set()
    return {" ".join(toks[i:i + n]).encode() for i in range(len(toks) - n + 1)}


@dataclass(slots=True)
class _Entry:
    id: str
    date: str
    order: int
    minhash: MinHash


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
        self._template = MinHash(num_perm=self.config.num_perm, hashfunc=xxhash.xxh32_intdigest)

    def signature(self, text: str) -> MinHash:
        m = MinHash(num_perm=self.config.num_perm, hashfunc=xxhash.xxh32_intdigest,
                    permutations=self._template.permutations, scheme=self._template.scheme)
        sh = shingles(text, self.config.shingle)
        if sh:
            m.update_batch(list(sh))
        return m

    def add(self, article_id: str, text: str, date: str | None = None) -> list[tuple[str, float]]:
        """Index one article; return (id, estimated Jaccard) of indexed articles it copies."""
        if article_id in self.entries:
            return []
        m = self.signature(text)
        found = []
        for other in self.lsh.query(m):
            sim = float(m.jaccard(self.entries[other].minhash))
            if sim >= self.config.threshold:
                found.append((other, sim))
        self.lsh.insert(article_id, m)
        self.entries[article_id] = _Entry(article_id, date or "", len(self.entries), m)
        found.sort(key=lambda p: -p[1])
        return found

    def groups(self, pairs: Iterable[tuple[str, str, float]]) -> list[CopyGroup]:
        """Union the copy pairs into groups; the earliest article (date, then arrival) is the original."""
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        sims: dict[tuple[str, str], float] = {}
        nodes: set[str] = set()
        for a, b, s in pairs:
            nodes.update((a, b))
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
            om = self.entries[original].minhash
            out.append(CopyGroup(original, {i: sims.get((i, original)) or float(om.jaccard(self.entries[i].minhash))
                                            for i in ids[1:]}))
        return out


def find_copy_groups(articles: Sequence[Article], config: CopyConfig | None = None) -> list[CopyGroup]:
    """All copy groups among `articles` (exact copies included)."""
    detector = CopyDetector(config)
    pairs = []
    for a in articles:
        for other, sim in detector.add(a.id, a.text, a.published):
            pairs.append((a.id, other, sim))
    return detector.groups(pairs)

