"""Copies and near-copies (syndication) across outlets: MinHash + LSH over syllable shingles.

MinHash estimates how many shingles two texts share, so it finds a copy with light edits
(Jaccard ~0.5) and leaves apart two outlets' own reports of one event (~0.2): it finds copies,
not stories. The original of a copy group is its earliest article.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

from .config import CopyConfig
from .model import Article, CopyGroup
from .groups import connected_groups
from .text import fold  # the uncached one: each word's hash is kept instead (`Signer.token_hashes`)


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
    # In blocks: a shingle-by-permutation matrix of a 5 MB text is ~1M x 128 values (0.5 GB);
    # a block keeps memory per article at a small multiple of its size (news fits in one block).
    for start in range(0, len(shingles), _BLOCK):
        with np.errstate(over="ignore"):
            block = _fmix32(shingles[start:start + _BLOCK])
            # The products, then `+ b` into the same matrix: one shingle-by-permutation matrix made
            # instead of two (~20% of this function on news text; the same wrapping uint32 values).
            m = np.multiply.outer(block, a)
            m += b
            np.minimum(values, m.min(axis=0), out=values)
    return values


_BLOCK = 8192


class _Rows:
    """A growable matrix of fixed-width uint32 rows (the signatures of indexed articles)."""

    def __init__(self, width: int):
        self.data = np.empty((1024, width), dtype=np.uint32)
        self.n = 0

    def append(self, row: np.ndarray) -> int:
        if self.n == len(self.data):  # grown by a quarter: amortised O(1), at most 25% unused
            grown = np.empty((len(self.data) + len(self.data) // 4, self.data.shape[1]), dtype=np.uint32)
            grown[: self.n] = self.data
            self.data = grown
        self.data[self.n] = row
        self.n += 1
        return self.n - 1

    @property
    def nbytes(self) -> int:
        return self.data.nbytes


class BandIndex:
    """LSH buckets: band key -> rows (signatures) that have it; a lookup sees at most `cap` rows
    per key, the newest.

    Written by hand rather than datasketch's MinHashLSH, which returns every key of a bucket and has
    no cap (its issue #109 proposes one): 100,000 tiny look-alike articles (below the copy threshold
    but sharing bands) made each lookup scan a bucket as big as the flood, and ingest quadratic. It
    also keeps each band as a bytes object in a set, ~3 KB per article. Here a key is a 64-bit int and
    an entry costs 12 bytes: the newest entries sit in a dict, which is sorted into a numpy run when it
    grows; runs are merged when the newer is as big as the older (an LSM tree), and a merge drops
    entries that no lookup would reach (older than the `cap` newest of their key).
    """

    _FLUSH = 1 << 16  # entries kept in the dict before they become a sorted run

    def __init__(self, cap: int):
        self.cap = cap
        self.recent: dict[int, list[int]] = {}
        self.recent_n = 0
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, rows), oldest and largest first

    def insert(self, keys: np.ndarray, row: int) -> None:
        recent = self.recent
        for k in keys.tolist():
            bucket = recent.get(k)
            if bucket is None:
                recent[k] = [row]
            else:
                bucket.append(row)
        self.recent_n += len(keys)
        if self.recent_n >= self._FLUSH:
            self._flush()

    def lookup(self, keys: np.ndarray) -> list[int]:
        """Rows sharing a key with `keys`, at most `cap` per key, newest first within a key."""
        cap = self.cap
        left: dict[int, int] = {}  # key -> how many more rows may be taken for it
        found: list[int] = []
        get = self.recent.get
        for k in keys.tolist():
            bucket = get(k)
            if bucket:
                found.extend(bucket[-cap:])
                left[k] = cap - min(len(bucket), cap)
        for run_keys, run_rows in reversed(self.runs):  # newest run first
            lo = run_keys.searchsorted(keys, "left")
            hi = run_keys.searchsorted(keys, "right")
            for b in np.flatnonzero(hi > lo).tolist():
                k = int(keys[b])
                room = left.get(k, cap)
                if room > 0:
                    take = min(room, int(hi[b] - lo[b]))
                    found.extend(run_rows[hi[b] - take: hi[b]].tolist())
                    left[k] = room - take
        return found

    def _flush(self) -> None:
        keys = np.fromiter((k for k, rows in self.recent.items() for _ in rows), dtype=np.uint64,
                           count=self.recent_n)
        rows = np.fromiter((r for rs in self.recent.values() for r in rs), dtype=np.int32, count=self.recent_n)
        order = np.argsort(keys, kind="stable")  # rows ascend within a key: they were appended in order
        self.recent, self.recent_n = {}, 0
        run = (keys[order], rows[order])
        while self.runs and len(self.runs[-1][0]) <= 2 * len(run[0]):
            run = self._merge(self.runs.pop(), run)
        self.runs.append(run)

    def _merge(self, older: tuple[np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray]:
        at = older[0].searchsorted(newer[0], "right")  # newer rows go after older ones of the same key
        keys, rows = np.insert(older[0], at, newer[0]), np.insert(older[1], at, newer[1])
        # Drop what no lookup reaches: entries older than the `cap` newest of their key.
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)]
        from_end = np.repeat(ends, ends - starts) - np.arange(len(keys))
        keep = from_end <= self.cap
        return keys[keep], rows[keep]

    @property
    def nbytes(self) -> int:
        # Dict entries: ~100 bytes each (key object, list, slot); runs: their arrays.
        return 100 * self.recent_n + sum(k.nbytes + r.nbytes for k, r in self.runs)


def affine32_permutations(num_perm: int, seed: int = 1) -> np.ndarray:
    """datasketch's `affine32` permutations, `MinHash(num_perm, seed, scheme="affine32").permutations`
    (a test holds them equal): odd multipliers and offsets drawn from a seeded RandomState, in
    its order. Made here because importing datasketch imports all of it, scipy.integrate with it
    (~1.8 s at a load of 7), at the start of every ingest, for two arrays and one banding."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


def banding(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's `MinHashLSH(threshold, num_perm)` banding (b bands of r rows, weights 0.5/0.5):
    the (b, r) with b * r <= num_perm, first in b then r order, of the least mean of the chance of
    a false positive (the integral over [0, threshold] of 1 - (1 - s^r)^b) and of a false negative
    (of (1 - s^r)^b over [threshold, 1]). The integrands are polynomials of degree b * r <=
    num_perm, so Gauss-Legendre with num_perm / 2 + 1 nodes integrates them exactly (to rounding),
    all pairs at once in numpy. datasketch integrates with scipy's `quad` (to ~1.5e-8), so when
    the best two are nearer than that could tell apart its own computation decides (imported then
    only; a test compares the two over a grid of thresholds and sizes)."""
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=float)
    x, w = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    bands, rows = pairs[:, :1], pairs[:, 1:]

    def integral(lo: float, hi: float, false_positive: bool) -> np.ndarray:
        s = (hi - lo) / 2 * x + (hi + lo) / 2
        miss = (1 - s ** rows) ** bands  # the chance that no band of a pair at similarity s agrees
        return ((1 - miss if false_positive else miss) @ w) * (hi - lo) / 2

    error = 0.5 * integral(0.0, threshold, True) + 0.5 * integral(threshold, 1.0, False)
    best = int(np.argmin(error))  # the first of equal least errors, as datasketch's strict `<` keeps
    if np.sum(error <= error[best] + 1e-6) > 1:
        from datasketch.lsh import _optimal_param

        return _optimal_param(threshold, num_perm, 0.5, 0.5)
    return int(pairs[best, 0]), int(pairs[best, 1])


class Signer:
    """MinHash signatures of texts: datasketch's `affine32` permutations (seeded, so every process
    makes the same ones) over syllable 3-gram hashes. Each syllable is hashed once per signer: its
    cache lives as long as the signer (one per worker process in a big ingest)."""

    def __init__(self, config: CopyConfig | None = None):
        self.config = config or CopyConfig()
        self.permutations = affine32_permutations(self.config.num_perm)
        self._hash_of: dict[str, int] = {}

    def token_hashes(self, text: str, words: list[str] | None = None) -> np.ndarray:
        """The hash of each whitespace-split word of `text`, folded; `words` is `text.split()` when
        the caller has it (an ingest's parser split the body already: ~1/8 of a signature's cost)."""
        cache = self._hash_of
        if len(cache) > 2_000_000:  # a vocabulary this big is not news text; start over
            cache.clear()
        get = cache.get
        # Whitespace-split folded text, punctuation attached: copies keep their punctuation, and
        # str.split runs ~7x faster than the word regex (copy detection is the hot path of ingest).
        # Keyed by the word as written: `fold(text).split()` is `[fold(w) for w in text.split()]`
        # (folding never looks across white space, see `text.WordTokens`), so a word seen before
        # is neither folded nor hashed again.
        toks = text.split() if words is None else words
        out = list(map(get, toks))
        for i, h in enumerate(out):
            if h is None:
                out[i] = cache[toks[i]] = xxhash.xxh64_intdigest(fold(toks[i]).encode())
        return np.array(out, dtype=np.uint64)

    def signature(self, text: str, words: list[str] | None = None) -> np.ndarray:
        """MinHash values of a text (datasketch's permutations over syllable 3-gram hashes);
        `words` as in `token_hashes`."""
        return minhash_values(shingle_hashes(self.token_hashes(text, words), self.config.shingle), self.permutations)


class CopyDetector:
    """Streaming copy finder: `add` returns the earlier articles an article copies (or is copied by).

    Same results in batch (`find_copy_groups`) and one at a time, since each article is only
    compared through the LSH index.
    """

    def __init__(self, config: CopyConfig | None = None):
        self.config = config or CopyConfig()
        # datasketch's banding (bands x rows per band) for the threshold; the buckets are ours.
        self.bands, self.band_rows = banding(self.config.threshold, self.config.num_perm)
        self.signer = Signer(self.config)
        self.index = BandIndex(self.config.max_bucket)
        self.signatures = _Rows(self.config.num_perm)  # of indexed articles (originals), by row
        self.row_article: list[int] = []  # signature row -> article number
        self.ids: list[str] = []  # article number -> id, in arrival order
        self.dates: list[str] = []
        self.number: dict[str, int] = {}
        self.keys = array("q")  # article number -> the caller's key for it (the store's seq), -1 if none given

    def band_keys(self, hv: np.ndarray) -> np.ndarray:
        """One 64-bit key per band of a signature; equal keys mean equal bands (as datasketch's
        byte strings, up to 64-bit collisions), and the band number is mixed in so one index serves all."""
        return self.band_keys_many(hv[np.newaxis])[0]

    def band_keys_many(self, hvs: np.ndarray) -> np.ndarray:
        """`band_keys` of every row of `hvs` (signatures, n x num_perm), in one numpy expression:
        an ingest makes a chunk's keys at once (one call per article was ~40 us of the main
        process's time an article, nearly all numpy's per-call overhead)."""
        r = self.band_rows
        bands = hvs[:, : self.bands * r].reshape(len(hvs), self.bands, r).astype(np.uint64)
        with np.errstate(over="ignore"):
            acc = np.broadcast_to(np.arange(self.bands, dtype=np.uint64) * _MIX[2], (len(hvs), self.bands))
            for k in range(r):
                acc = (acc ^ bands[:, :, k]) * _MIX[k % 2]
            return acc ^ (acc >> np.uint64(29))

    def signature(self, text: str) -> np.ndarray:
        return self.signer.signature(text)

    def add(self, article_id: str, text: str, date: str | None = None,
            signature: np.ndarray | None = None, key: int = -1, band_keys: np.ndarray | None = None
            ) -> list[tuple[str, float]]:
        """Index one article; return (id, estimated Jaccard) of indexed articles it copies. `key`
        is the caller's number for the article (`key_of` gives it back); `band_keys`, the
        signature's (`band_keys_many` of a chunk), if made already."""
        if article_id in self.number:
            return []
        hv = signature if signature is not None else self.signature(text)
        keys = band_keys if band_keys is not None else self.band_keys(hv)
        number = self.number[article_id] = len(self.ids)
        self.ids.append(article_id)
        self.dates.append(date or "")
        self.keys.append(key)
        found = []
        rows = self.index.lookup(keys)
        if rows:
            # Verify all candidates at once: a widely syndicated story has hundreds of copies.
            rows = np.unique(np.asarray(rows, dtype=np.int64))
            sims = estimated_jaccard(self.signatures.data[rows], hv)
            hits = np.flatnonzero(sims >= self.config.threshold)
            found = [(self.ids[self.row_article[rows[h]]], float(sims[h])) for h in hits.tolist()]
        if not found:
            # A copy stays out of the index: its original already stands for the group, so a story
            # syndicated a thousand times costs each new copy one comparison, not a thousand.
            row = self.signatures.append(hv)
            self.row_article.append(number)
            self.index.insert(keys, row)
        found.sort(key=lambda p: -p[1])
        return found

    def key_of(self, article_id: str) -> int:
        """The key `add` was given for an indexed article (-1: none)."""
        return self.keys[self.number[article_id]]

    @property
    def nbytes(self) -> int:
        """Approximate memory of the index (signatures, buckets, ids), for the benchmarks."""
        ids = sum(len(i) + 49 for i in self.ids) + 100 * len(self.number) + 8 * len(self.row_article)
        return (self.signatures.nbytes + self.index.nbytes + ids + sum(len(d) + 49 for d in self.dates)
                + self.keys.itemsize * len(self.keys))

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
        return copy_groups(pairs, lambda i: (self.dates[self.number[i]] or "9999", self.number[i]))


def estimated_jaccard(signatures: np.ndarray, signature: np.ndarray) -> np.ndarray:
    """Share of equal MinHash values: the Jaccard estimate that decides a copy (`>= threshold`)."""
    return (signatures == signature).mean(axis=-1)


def copy_groups(pairs: Iterable[tuple[str, str, float]], earliest: Callable[[str], Any]) -> list[CopyGroup]:
    """Union copy pairs into groups; the member with the smallest `earliest(id)` is the original,
    and each copy keeps its similarity to it (else its best similarity inside the group)."""
    sims: dict[tuple[str, str], float] = {}
    best: dict[str, float] = {}  # an article's highest similarity to any member of its group
    links = []
    for a, b, s in pairs:
        best[a] = max(best.get(a, 0.0), s)
        best[b] = max(best.get(b, 0.0), s)
        sims[(a, b)] = sims[(b, a)] = s
        links.append((a, b))
    out = []
    for ids in connected_groups(links):
        ids = sorted(set(ids), key=earliest)
        original = ids[0]
        out.append(CopyGroup(original, {i: sims.get((i, original)) or best[i] for i in ids[1:]}))
    return out


# One signer per worker process, made by the pool's initializer, so its syllable-hash cache
# lives across chunks (a fresh cache per chunk re-hashed every syllable). It is the worker's own
# state, never the parent's.
_worker_signer: Signer | None = None


def _start_worker(config: CopyConfig) -> None:
    global _worker_signer
    _worker_signer = Signer(config)


def _signature_values(texts: list[str]) -> list[np.ndarray]:
    assert _worker_signer is not None
    return [_worker_signer.signature(t) for t in texts]


def find_copy_groups(articles: Sequence[Article], config: CopyConfig | None = None,
                     workers: int = 0) -> list[CopyGroup]:
    """All copy groups among `articles` (exact copies included)."""
    detector = CopyDetector(config)
    found = detector.add_many([(a.id, a.text, a.published) for a in articles], workers)
    pairs = [(a.id, other, sim) for a, matches in zip(articles, found) for other, sim in matches]
    return detector.groups(pairs)

