"""What FTS5's in-memory hash size (`hashsize`, store migration 15) costs the full-text write of an
ingest: 3 x 4,096 rows of the scaled corpus's search keys (as `features.FeatureMaker` makes them),
each 4,096 in one executemany as `Store._write_search_rows` does, into a fresh file store, per hash
size, twice; CPU seconds of this process and whether the index holds the same terms (fts5vocab).

    python bench/fts_hashsize.py
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def rows() -> list[tuple]:
    from newsfuse.features import FeatureMaker
    from newsfuse.ingest import article_from_json

    items = [article_from_json(r, f"scaled[{k}]")
             for k, r in enumerate(itertools.islice(corpus.perturbed(corpus.rows(), 4096), 4096))]
    return [(k + 1, *keys) for k, keys in enumerate(FeatureMaker()(items).fts)]


def run(fts: list[tuple], hashsize: int | None, tmp: Path, reps: int = 3) -> tuple[float, list]:
    db = tmp / f"fts-{hashsize}-{time.monotonic_ns()}.db"
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode = wal")
    c.execute("PRAGMA cache_size = -65536")
    c.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, title_bare, text_bare, content='',"
              " tokenize='unicode61 remove_diacritics 0', prefix='2 3')")
    if hashsize:
        c.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', ?)", (hashsize,))
    c.execute("BEGIN")
    t = time.process_time()
    for r in range(reps):
        c.executemany("INSERT INTO articles_fts(rowid, title, text, title_bare, text_bare) VALUES (?,?,?,?,?)",
                      [(x[0] + r * len(fts), *x[1:]) for x in fts])
    c.execute("COMMIT")
    cpu = time.process_time() - t
    c.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, articles_fts, 'col')")
    vocab = c.execute("SELECT term, col, doc, cnt FROM temp.v ORDER BY term, col").fetchall()
    c.close()
    return cpu / (reps * len(fts)) * 1e3, vocab


def main() -> None:
    import os

    fts = rows()
    print(f"# bench/fts_hashsize.py — {corpus.machine()}; load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        ref = None
        for hashsize in [None, 16 << 20, 64 << 20] * 2:
            ms, vocab = run(fts, hashsize, Path(tmp))
            ref = ref or vocab
            print(f"hashsize {hashsize or '1 MB (default)'!s:>16}: {ms:.3f} ms CPU an article, "
                  f"vocabulary {'same' if vocab == ref else 'DIFFERENT'} ({len(vocab)} rows)")


if __name__ == "__main__":
    main()
