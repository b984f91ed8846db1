"""The story and copy indexes of a store, saved beside it as flat numpy arrays.

Rebuilding the indexes from a store re-reads every text (the story terms, the copy signature):
~1-5 ms an article, 3 to 9 minutes for 100,000, which the first write of a server used to pay.
The state itself is compact (a vocabulary, document frequencies, capped centroids, postings,
signatures), so it is written once as arrays (`<db>.indexes.npz`, written to a temporary file and
renamed) and read back in seconds; a process then reads only the articles stored after the saved
one (`Newsfuse.warm`).

No pickle: every array is numbers, every list of strings is JSON text in a byte array, and the
file is read with `allow_pickle=False`, so a file swapped beside a store cannot run code. A file
whose format, configuration or fields differ from this code's is not used (the indexes are
rebuilt from the store); that the saved state is this store's is checked by the caller against
the store's articles and stories.
"""

from __future__ import annotations

import json
import os
from array import array
import tempfile
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np

from .config import CopyConfig, StoryConfig
from .copies import BandIndex, CopyDetector, _Rows
from .stories import Recheck, StoryClusterer, _Postings, _Story

FORMAT = 2
# Arrays a file of format 2 may lack (written before re-checks): read as what a clusterer without
# re-checks has, so the files of stores that never ran them stay usable.
_OPTIONAL = ("story_checked", "vector_articles", "vector_starts", "vector_ids", "vector_raw", "vector_days")
_NONE = np.iinfo(np.int64).min  # a window of None (undated articles)
# The fields this module saves: a class that gains one (or loses one) makes old files unusable
# and new ones unwritable until this module knows it, rather than silently wrong.
_CLUSTERER_FIELDS = {"config", "n_docs", "learn_df", "term_id", "_df", "_scratch", "_seen", "_plain", "stories",
                     "_numbered", "index", "newest_window", "story_of", "merged", "recheck", "vectors", "moved",
                     # The learned join's (off in every store's clusterer): saved only at their defaults.
                     "join_model", "join_record", "_kind", "_track_kinds"}
_STORY_FIELDS = {"id", "number", "term_ids", "weights", "size", "first", "last", "members", "windows", "checked"}
_POSTINGS_FIELDS = {"keep", "terms", "starts", "stories", "recent", "recent_n"}
_COPIES_FIELDS = {"config", "bands", "band_rows", "signer", "index", "signatures", "row_article", "ids", "dates",
                  "number", "keys"}
_BAND_FIELDS = {"cap", "recent", "recent_n", "runs"}


def state_path(db: str | Path) -> Path:
    db = Path(db)
    return db.with_name(db.name + ".indexes.npz")


def savable(clusterer: StoryClusterer, copies: CopyDetector) -> bool:
    """Whether this module knows every field of these objects (see `_CLUSTERER_FIELDS`)."""
    return (set(vars(clusterer)) == _CLUSTERER_FIELDS and {f.name for f in fields(_Story)} == _STORY_FIELDS
            and clusterer.join_model is None and clusterer.join_record is None and not clusterer._track_kinds
            and set(_Postings.__slots__) == _POSTINGS_FIELDS and set(vars(copies)) == _COPIES_FIELDS
            and set(vars(copies.index)) == _BAND_FIELDS)


def _text(value: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)


def _untext(array: np.ndarray) -> Any:
    return json.loads(array.tobytes().decode())


def _dict_arrays(d: dict[int, list[int]], key_type: Any, value_type: Any) -> tuple[np.ndarray, np.ndarray]:
    """A dict of lists as (key per entry, entry), in the dict's order and each list's order."""
    n = sum(len(v) for v in d.values())
    keys = np.fromiter((k for k, v in d.items() for _ in v), dtype=key_type, count=n)
    values = np.fromiter((x for v in d.values() for x in v), dtype=value_type, count=n)
    return keys, values


def _arrays_dict(keys: np.ndarray, values: np.ndarray) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for k, v in zip(keys.tolist(), values.tolist()):
        bucket = out.get(k)
        if bucket is None:
            out[k] = [v]
        else:
            bucket.append(v)
    return out


def _window_key(w: int | None) -> int:
    return _NONE if w is None else w


def _window(k: int) -> int | None:
    return None if k == _NONE else k


def _meta(clusterer: StoryClusterer, copies: CopyDetector, seq: int) -> dict[str, Any]:
    return {"format": FORMAT, "seq": seq, "stories_config": repr(clusterer.config), "copies_config": repr(copies.config)}


def save(path: str | Path, clusterer: StoryClusterer, copies: CopyDetector, seq: int) -> bool:
    """Write the state of both indexes, as of the article numbered `seq`; False when this module
    cannot save them whole (`savable`) or the folder is not writable."""
    if not savable(clusterer, copies):
        return False
    path = Path(path)
    c = clusterer
    # A merged story's numbers name its survivor (`StoryClusterer._retire`): the stories are
    # saved once each, and the numbers as which story they name.
    stories = sorted(c.stories.values(), key=lambda s: s.number)
    sizes = np.fromiter((len(s.term_ids) for s in stories), dtype=np.int64, count=len(stories))
    windows = [s.windows for s in stories]
    articles = list(c.story_of)
    vectored = list(c.vectors)
    vectors = [c.vectors[a] for a in vectored]
    arrays: dict[str, np.ndarray] = {
        "meta": _text(_meta(clusterer, copies, seq) | {"n_docs": c.n_docs, "learn_df": c.learn_df,
                                                         "newest_window": c.newest_window, "merged": c.merged,
                                                         "recheck": None if c.recheck is None else asdict(c.recheck),
                                                         "moved": c.moved}),
        "vocabulary": _text(list(c.term_id)),
        "df": c._df[:len(c.term_id)],
        "plain": c._plain[:len(c.term_id)],
        "story_ids": _text([s.id for s in stories]),
        "story_numbers": np.fromiter((s.number for s in stories), dtype=np.int64, count=len(stories)),
        "numbered": np.fromiter((s.number for s in c._numbered), dtype=np.int64, count=len(c._numbered)),
        "story_size": np.fromiter((s.size for s in stories), dtype=np.int64, count=len(stories)),
        "story_first": np.array([np.nan if s.first is None else s.first for s in stories], dtype=np.float64),
        "story_last": np.array([np.nan if s.last is None else s.last for s in stories], dtype=np.float64),
        "story_checked": np.fromiter((s.checked for s in stories), dtype=np.int64, count=len(stories)),
        # The members' raw vectors (re-checks weigh them again): ids and raw weights per article.
        "vector_articles": _text(vectored),
        "vector_starts": np.r_[0, np.cumsum([len(v[0]) for v in vectors])].astype(np.int64),
        "vector_ids": np.concatenate([v[0] for v in vectors] or [np.zeros(0, np.int32)]).astype(np.int32),
        "vector_raw": np.concatenate([v[1] for v in vectors] or [np.zeros(0, np.float16)]).astype(np.float16),
        "vector_days": np.array([np.nan if v[2] is None else v[2] for v in vectors], dtype=np.float64),
        "centroid_starts": np.r_[0, np.cumsum(sizes)].astype(np.int64),
        "centroid_ids": np.concatenate([s.term_ids for s in stories] or [np.zeros(0, np.int32)]).astype(np.int32),
        "centroid_weights": np.concatenate([s.weights for s in stories] or [np.zeros(0, np.float32)]
                                           ).astype(np.float32),
        "window_starts": np.r_[0, np.cumsum([len(w) for w in windows])].astype(np.int64),
        "windows": np.array([_window_key(w) for ws in windows for w in ws], dtype=np.int64),
        "members": _text([s.members for s in stories]),  # each story's, in its order
        "story_of": _text([articles, [c.story_of[a] for a in articles]]),  # in the dict's order
        "index_windows": np.array([_window_key(w) for w in c.index], dtype=np.int64),
    }
    for k, p in enumerate(c.index.values()):
        arrays[f"ix{k}_terms"], arrays[f"ix{k}_starts"], arrays[f"ix{k}_stories"] = p.terms, p.starts, p.stories
        arrays[f"ix{k}_recent_terms"], arrays[f"ix{k}_recent_stories"] = _dict_arrays(p.recent, np.int32, np.int32)
    d = copies
    arrays |= {
        "copy_ids": _text(d.ids), "copy_dates": _text(d.dates),
        "signatures": d.signatures.data[:d.signatures.n],
        "row_article": np.asarray(d.row_article, dtype=np.int64),
        "copy_keys": np.frombuffer(d.keys, dtype=np.int64) if len(d.keys) else np.zeros(0, np.int64),
        "band_meta": np.asarray([d.index.cap, len(d.index.runs)], dtype=np.int64),
    }
    arrays["band_recent_keys"], arrays["band_recent_rows"] = _dict_arrays(d.index.recent, np.uint64, np.int32)
    for k, (keys, rows) in enumerate(d.index.runs):
        arrays[f"run{k}_keys"], arrays[f"run{k}_rows"] = keys, rows
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def saved_seq(path: str | Path) -> int | None:
    """The article number the saved state is as of, or None when there is no usable file."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = _untext(z["meta"])
    except (OSError, ValueError, KeyError):
        return None
    return meta.get("seq") if meta.get("format") == FORMAT else None


def load(path: str | Path, stories_config: StoryConfig, copies_config: CopyConfig
         ) -> tuple[StoryClusterer, CopyDetector, int] | None:
    """The saved indexes and the article number they are as of; None when there is no file, it
    is of another format or configuration, or it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return _load(dict(z.items()), stories_config, copies_config)
    except (OSError, ValueError, KeyError, IndexError, TypeError, json.JSONDecodeError):
        return None


def _load(z: dict[str, np.ndarray], stories_config: StoryConfig, copies_config: CopyConfig
          ) -> tuple[StoryClusterer, CopyDetector, int] | None:
    meta = _untext(z["meta"])
    if (meta.get("format") != FORMAT or meta.get("stories_config") != repr(stories_config)
            or meta.get("copies_config") != repr(copies_config)):
        return None
    recheck = meta.get("recheck")
    c = StoryClusterer(stories_config, n_docs=int(meta["n_docs"]), learn_df=bool(meta["learn_df"]),
                       recheck=None if recheck is None else Recheck(**recheck))
    if not all(k in z for k in _OPTIONAL):  # a file from before re-checks: none were kept
        z = z | {"story_checked": z["story_size"], "vector_articles": _text([]), "vector_starts": np.zeros(1, np.int64),
                 "vector_ids": np.zeros(0, np.int32), "vector_raw": np.zeros(0, np.float16),
                 "vector_days": np.zeros(0, np.float64)}
    vocabulary = _untext(z["vocabulary"])
    c.term_id = {t: i for i, t in enumerate(vocabulary)}
    size = max(1024, len(vocabulary))
    c._df = np.zeros(size, dtype=np.int64)
    c._df[:len(vocabulary)] = z["df"]
    c._scratch = np.zeros(size, dtype=np.float64)
    c._seen = np.zeros(size, dtype=bool)
    c._plain = np.full(size, -1, dtype=np.int32)
    c._plain[:len(vocabulary)] = z["plain"]
    c._kind = np.zeros(size, dtype=np.int8)  # term kinds are kept only while a learned join asks (`track_kinds`)
    ids, sizes, numbers = _untext(z["story_ids"]), z["story_size"].tolist(), z["story_numbers"].tolist()
    first, last, checked = z["story_first"].tolist(), z["story_last"].tolist(), z["story_checked"].tolist()
    cs, cids, cw = z["centroid_starts"].tolist(), z["centroid_ids"], z["centroid_weights"]
    ws, wins = z["window_starts"].tolist(), z["windows"].tolist()
    members = _untext(z["members"])
    by_number: dict[int, _Story] = {}
    for n, sid in enumerate(ids):
        s = _Story(sid, numbers[n], cids[cs[n]:cs[n + 1]].copy(), cw[cs[n]:cs[n + 1]].copy(), sizes[n],
                   None if first[n] != first[n] else first[n], None if last[n] != last[n] else last[n],
                   list(members[n]), tuple(_window(w) for w in wins[ws[n]:ws[n + 1]]), checked[n])
        c.stories[sid] = s
        by_number[s.number] = s
    c._numbered = [by_number[m] for m in z["numbered"].tolist()]
    articles, their = _untext(z["story_of"])
    c.story_of = dict(zip(articles, their))
    c.merged = [tuple(p) for p in meta.get("merged", [])]
    c.moved = dict(meta.get("moved", {}))
    vs, vids, vraw = z["vector_starts"].tolist(), z["vector_ids"], z["vector_raw"]
    vdays = z["vector_days"].tolist()
    c.vectors = {a: (vids[vs[k]:vs[k + 1]].copy(), vraw[vs[k]:vs[k + 1]].copy(), None if vdays[k] != vdays[k] else vdays[k])
                 for k, a in enumerate(_untext(z["vector_articles"]))}
    for k, w in enumerate(z["index_windows"].tolist()):
        p = _Postings(stories_config.recent_per_term)
        p.terms, p.starts, p.stories = z[f"ix{k}_terms"], z[f"ix{k}_starts"], z[f"ix{k}_stories"]
        p.recent = _arrays_dict(z[f"ix{k}_recent_terms"], z[f"ix{k}_recent_stories"])
        p.recent_n = len(z[f"ix{k}_recent_terms"])
        c.index[_window(w)] = p
    c.newest_window = meta["newest_window"]

    d = CopyDetector(copies_config)
    d.ids, d.dates = _untext(z["copy_ids"]), _untext(z["copy_dates"])
    d.number = {a: k for k, a in enumerate(d.ids)}
    signatures = z["signatures"]
    d.signatures = _Rows(copies_config.num_perm)
    d.signatures.data = np.empty((max(1024, len(signatures) + len(signatures) // 4), copies_config.num_perm),
                                 dtype=np.uint32)
    d.signatures.data[:len(signatures)] = signatures
    d.signatures.n = len(signatures)
    d.row_article = z["row_article"].tolist()
    d.keys = array("q", z["copy_keys"].tolist())
    cap, runs = z["band_meta"].tolist()
    d.index = BandIndex(cap)
    d.index.recent = _arrays_dict(z["band_recent_keys"], z["band_recent_rows"])
    d.index.recent_n = len(z["band_recent_keys"])
    d.index.runs = [(z[f"run{k}_keys"], z[f"run{k}_rows"]) for k in range(runs)]
    if len(d.ids) != len(d.dates) or len(d.row_article) != d.signatures.n:
        return None
    return c, d, int(meta["seq"])
