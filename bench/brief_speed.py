"""Brief speed by story size (issue 19 item 3): one story of N articles from the bench's scaled
corpus (as bench/summary_quality.py makes it), its brief's wall and CPU seconds per article, and
the CPU seconds of its stages (entities, alignment, timeline) measured apart on the same articles.

    flock /tmp/newsfuse-bench.lock python bench/brief_speed.py [--sizes 50 100 250 500]

CPU time is the figure to compare on a shared machine (wall time waits for other processes); the
load average is printed at start and end. Run it with another checkout's `src` on PYTHONPATH for a
baseline in the same session (`PYTHONPATH=../main/src python bench/brief_speed.py`).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

import newsfuse  # noqa: E402
from newsfuse.align import align  # noqa: E402
from newsfuse.brief import make_brief  # noqa: E402
from newsfuse.entities import story_entities  # noqa: E402

try:  # what the readers keep for the process (readings, folded words); absent before it was kept
    from newsfuse.entities import clear_caches  # noqa: E402
except ImportError:
    def clear_caches() -> None:
        pass
try:  # what the entity index keeps of each article's readings in the store; absent before it was kept
    from newsfuse.entities import article_readings, keep_readings  # noqa: E402
except ImportError:
    article_readings = keep_readings = None
try:  # the date readings the packs keep for the process
    from newsfuse.timeline import clear_caches as clear_dates  # noqa: E402
except ImportError:
    def clear_dates() -> None:
        pass
try:  # what a store's brief keeps of each article's dates; absent before it was kept
    from newsfuse.timeline import article_date_readings, keep_date_readings  # noqa: E402
except ImportError:
    article_date_readings = keep_date_readings = None
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.timeline import story_timeline  # noqa: E402


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 250, 500])
    args = ap.parse_args()
    print(f"# bench/brief_speed.py — {corpus.machine()}; newsfuse from {Path(newsfuse.__file__).parents[1]}")
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    pool = [article_from_json(r, r["id"]) for r in corpus.perturbed(corpus.rows(), max(args.sizes))]
    make_brief("warm", pool[:3])  # loads the gazetteers, the segmenter and the tagger once
    gc.collect()
    gc.freeze()
    print("per article: the brief's wall and CPU ms, then the CPU ms of its stages")
    print("(each measured after the readers' process caches are emptied: a first reading; `again`: the entities")
    print(" of the same articles read a second time in the process, as a brief after the story's index does;")
    print(" `stored`: the brief's CPU ms in a process that holds nothing of the story but the readings the store's")
    print(" entity index kept of its articles (`entities.article_readings`), decoded in the time; `rebrief`: the same")
    print(" with the dates a brief before kept too (`timeline.article_date_readings`): a store's brief made again)")
    print(f"{'articles':>8} {'sentences':>9} {'wall':>7} {'CPU':>7} {'entities':>9} {'again':>7} {'align':>7} {'timeline':>9}"
          f" {'stored':>7} {'rebrief':>7}")
    for n in args.sizes:
        arts = pool[:n]
        clear_caches()
        clear_dates()
        _, wall, cpu = timed(lambda: make_brief("big", arts))
        stored = "-"
        if article_readings is not None:
            kept = article_readings(arts)  # as the index keeps them after reading the story
            clear_caches()
            clear_dates()
            _, _, seeded = timed(lambda: (keep_readings(arts, kept), make_brief("big", arts)))
            stored = f"{seeded / n * 1000:.1f}"
        rebrief = "-"
        if article_date_readings is not None:
            kept, dates = article_readings(arts), article_date_readings(arts)
            clear_caches()
            clear_dates()
            _, _, again_cpu = timed(lambda: (keep_readings(arts, kept), keep_date_readings(arts, dates),
                                             make_brief("big", arts)))
            rebrief = f"{again_cpu / n * 1000:.1f}"
        clear_caches()
        _, _, ent = timed(lambda: story_entities(arts))
        _, _, again = timed(lambda: story_entities(arts))
        alignment, _, al = timed(lambda: align(arts))
        _, _, tl = timed(lambda: story_timeline(arts, alignment))
        sentences = sum(len(a.sentences) for a in arts)
        print(f"{n:>8} {sentences:>9} {wall / n * 1000:>7.1f} {cpu / n * 1000:>7.1f} {ent / n * 1000:>9.1f} "
              f"{again / n * 1000:>7.1f} "
              f"{al / n * 1000:>7.1f} {tl / n * 1000:>9.1f} {stored:>7} {rebrief:>7}", flush=True)
    print(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
