"""Copy detection and stream clustering speed on >=100k articles (the shared corpus scaled up by
perturbing: ids changed, dates shifted, sentences shuffled), with memory at each quarter.

Baselines in the same run: copy detection with joined 3-gram strings hashed by datasketch's
default SHA-1 (newsfuse hashes each syllable once with xxhash and combines them in numpy), and stream clustering by scanning every story instead of the candidate index (on the
first 5,000 articles only: it grows quadratically). Also: 5,000 articles of one story vs 5,000 of
different stories, to show a huge story costs no more per article.

    python bench/cluster_speed.py [--n 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.config import CopyConfig, StoryConfig  # noqa: E402
from newsfuse.copies import CopyDetector  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.stories import Recheck, StoryClusterer  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _with_rechecks():
    """`StoryClusterer` with re-checks on, for every section that makes one."""
    class Rechecked(StoryClusterer):
        def __init__(self, config=None, **kw):
            super().__init__(config, recheck=Recheck(), **kw)
    return Rechecked


class ScanClusterer(StoryClusterer):
    """The baseline: compare each article with every story."""

    def _candidates(self, vec, day=None):
        return set(self.stories)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--skip-copies", action="store_true", help="stream clustering only")
    ap.add_argument("--previous", metavar="REV", help="also time the stream clusterer of this git revision "
                    "(its stories.py), on the same articles in the same run")
    ap.add_argument("--rounds", type=int, default=2, help="with --previous: runs of each, alternating (best kept)")
    ap.add_argument("--recheck", action="store_true", help="the stream clusterer of now with re-checks (splits, "
                    "`stories.Recheck`), in every section")
    args = ap.parse_args()
    import os

    if args.recheck:
        global StoryClusterer
        StoryClusterer = _with_rechecks()

    print(f"# bench/cluster_speed.py — {corpus.machine()}; load average at start {os.getloadavg()[0]:.1f}")
    if args.recheck:
        print(f"# the stream clusterer of now runs with re-checks: {Recheck()}")
    t = time.perf_counter()
    rows = list(corpus.perturbed(corpus.rows(), args.n))
    articles = [article_from_json(r, r["id"]) for r in rows]
    del rows
    articles.sort(key=lambda a: a.published or "")
    # The 100k prepared input articles are the harness's, not newsfuse's: keep the cyclic garbage
    # collector from rescanning them on every collection (it cost ~10% by the last quarter).
    import gc

    gc.collect()
    gc.freeze()
    print(f"# {len(articles)} articles prepared in {time.perf_counter() - t:.0f} s; RSS {rss_mb():.0f} MB")

    if not args.skip_copies:
        copy_detection(articles)
    stream_clustering(articles)
    if args.previous:
        previous_clusterer(articles, args.previous, args.rounds)
    print(f"# load average at end {os.getloadavg()[0]:.1f}")


def previous_clusterer(articles, rev: str, rounds: int = 2) -> None:
    """The stream clusterer of another revision (its `stories.py` run against today's package), on
    the same articles: what a change of the clustering costs, measured in the same run."""
    module = corpus.previous_stories(rev)
    rates, placed = {}, {}
    # Old, new, old, new, best of each: on a shared machine the load moves within a minute.
    for _ in range(rounds):
        for label, make in ((f"stories.py of {rev}", module.StoryClusterer), ("stories.py now", StoryClusterer)):
            stream = make(StoryConfig())
            t = time.perf_counter()
            for a in articles:
                stream.add(a)
            rates[label] = max(rates.get(label, 0.0), len(articles) / (time.perf_counter() - t))
            placed[label] = stream.assignments()
            del stream
    (old_label, old), (new_label, new) = rates.items()
    # A change meant for speed alone must place every article in the same story.
    before, after = placed.values()
    moved = sum(before.get(k) != v for k, v in after.items()) + len(before.keys() - after.keys())
    print(f"\n## stream clustering against {rev}, same {len(articles)} articles, same run, best of {rounds} "
          "rounds each, alternating")
    print(f"{old_label:<34} {old:>9.0f} articles/s\n{new_label:<34} {new:>9.0f} articles/s   "
          f"{new / old:.2f}x ({(new / old - 1) * 100:+.0f}%)")
    print(f"same story for every article: {'yes' if not moved else f'NO, {moved} articles differ'} "
          f"({len(set(before.values()))} stories before, {len(set(after.values()))} now)")


def copy_detection(articles) -> None:
    from datasketch import MinHash

    base_n = 5000
    sha = CopyDetector(CopyConfig())
    sha_template = MinHash(num_perm=sha.config.num_perm)  # default hash: SHA-1
    orig_sig = CopyDetector.signature

    def sha_signature(self, text):
        # The textbook way: each syllable 3-gram joined, encoded and hashed with SHA-1.
        from newsfuse.text import tokens

        toks = tokens(text)
        grams = {" ".join(toks[i:i + 3]).encode() for i in range(max(len(toks) - 2, 1))}
        m = MinHash(num_perm=self.config.num_perm, permutations=sha_template.permutations,
                    scheme=sha_template.scheme)
        m.update_batch(list(grams))
        return m.hashvalues

    CopyDetector.signature = sha_signature
    t = time.perf_counter()
    for a in articles[:base_n]:
        sha.add(a.id, a.text, a.published)
    sha_rate = base_n / (time.perf_counter() - t)
    CopyDetector.signature = orig_sig
    del sha

    det = CopyDetector(CopyConfig())
    marks = {len(articles) * q // 4 for q in (1, 2, 3, 4)}
    start_rss = rss_mb()
    t = time.perf_counter()
    found = 0
    rss_at = []
    quarter = len(articles) // 4
    for q in range(4):
        part = articles[q * quarter: (q + 1) * quarter if q < 3 else len(articles)]
        found += sum(bool(f) for f in det.add_many([(a.id, a.text, a.published) for a in part]))
        rss_at.append(((q + 1) * quarter, rss_mb() - start_rss))
    copy_rate = len(articles) / (time.perf_counter() - t)
    print("\n## copy detection (MinHash 128 + LSH)")
    print(f"{'method':<34} {'articles':>9} {'articles/s':>11}")
    print(f"{'string 3-grams + SHA-1 (baseline)':<34} {base_n:>9} {sha_rate:>11.0f}")
    print(f"{'newsfuse (xxhash, 2 processes)':<34} {len(articles):>9} {copy_rate:>11.0f}   {copy_rate / sha_rate:.2f}x baseline")
    print(f"articles with a copy found: {found}; index memory growth (MB) at " +
          ", ".join(f"{k}: {m:.0f}" for k, m in rss_at))
    del det


def stream_clustering(articles) -> None:
    base_n = 5000
    marks = {len(articles) * q // 4 for q in (1, 2, 3, 4)}
    config = StoryConfig()
    scan = ScanClusterer(config)
    t = time.perf_counter()
    for a in articles[:base_n]:
        scan.add(a)
    scan_rate = base_n / (time.perf_counter() - t)
    del scan

    stream = StoryClusterer(config)
    start_rss = rss_mb()
    rss_at = []
    rates = []
    t = last = time.perf_counter()
    for k, a in enumerate(articles, 1):
        stream.add(a)
        if k in marks:
            now = time.perf_counter()
            rates.append((k, (len(articles) // 4) / (now - last)))
            last = now
            rss_at.append((k, rss_mb() - start_rss))
    stream_rate = len(articles) / (time.perf_counter() - t)
    print("\n## stream clustering")
    print(f"{'method':<34} {'articles':>9} {'articles/s':>11}")
    print(f"{'scan every story (baseline)':<34} {base_n:>9} {scan_rate:>11.0f}")
    print(f"{'newsfuse (candidate index)':<34} {len(articles):>9} {stream_rate:>11.0f}   "
          f"{stream_rate / scan_rate:.2f}x baseline")
    print(f"stories: {len(stream.stories)}; articles/s per quarter: " +
          ", ".join(f"{r:.0f}" for _, r in rates))
    print("state memory growth (MB) at " + ", ".join(f"{k}: {m:.0f}" for k, m in rss_at))

    # ---- the same stream, the articles' terms made in a worker process (`add_many` with a pool, as
    # ingest makes them in its parse workers): the second core takes article_terms.
    from newsfuse.workers import process_pool

    placed = stream.assignments()
    del stream
    t = time.perf_counter()
    with process_pool(1) as pool:
        piped = StoryClusterer(config)
        piped.add_many(articles, pool)
    piped_rate = len(articles) / (time.perf_counter() - t)
    same = piped.assignments() == placed
    del piped
    print(f"{'newsfuse, terms in 1 worker process':<34} {len(articles):>9} {piped_rate:>11.0f}   "
          f"{piped_rate / stream_rate:.2f}x one process; same story for every article: {'yes' if same else 'NO'}")

    # ---- one huge story vs many small ones
    seed = articles[0]
    same = [article_from_json({"id": f"big-{k}", "date": seed.published, "title": seed.title,
                               "text": seed.text + f" Cập nhật lần {k}."}, "big") for k in range(5000)]
    big = StoryClusterer(config)
    t = time.perf_counter()
    for a in same:
        big.add(a)
    big_rate = len(same) / (time.perf_counter() - t)
    sizes = sorted((s.size for s in big.stories.values()), reverse=True)
    small = StoryClusterer(config)
    t = time.perf_counter()
    for a in articles[:5000]:
        small.add(a)
    small_rate = 5000 / (time.perf_counter() - t)
    print(f"\n## 5,000 articles of one story: {big_rate:.0f} articles/s (largest story {sizes[0]}); "
          f"5,000 ordinary articles: {small_rate:.0f} articles/s")


if __name__ == "__main__":
    main()
