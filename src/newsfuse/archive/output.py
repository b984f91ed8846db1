"""The archive's Parquet datasets and the conversions between their rows and `model` records.

    DIR/articles/   cleaned articles: text, outlet, date, language, sentence offsets, captions
    DIR/copies/     one row per copy: its original and their estimated Jaccard similarity
    DIR/stories/    article -> story
    DIR/briefs/     one JSON brief per story (the same JSON the REST API serves)
    DIR/entities/   people, organisations and places per story
    DIR/rejected/   inputs not taken (bad lines, reused ids) and exact duplicates, each named
    DIR/manifest.json
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from ..model import Article, Caption, Sentence

SIGNATURE_BYTES = 128 * 4

ARTICLE_FIELDS = [
    ("order", pa.int64()), ("id", pa.string()), ("content_hash", pa.string()), ("text", pa.string()),
    ("title", pa.string()), ("source", pa.string()), ("url", pa.string()), ("published", pa.string()),
    ("author", pa.string()), ("lead", pa.string()), ("language", pa.string()), ("origin", pa.string()),
    ("sentence_start", pa.list_(pa.int32())), ("sentence_end", pa.list_(pa.int32())),
    ("captions", pa.string()), ("extra", pa.string()),
]
ARTICLES = pa.schema(ARTICLE_FIELDS)
COPIES = pa.schema([("copy_id", pa.string()), ("original_id", pa.string()), ("similarity", pa.float64()),
                    ("copy_order", pa.int64()), ("original_order", pa.int64())])
STORIES = pa.schema([("article_id", pa.string()), ("story_id", pa.string()), ("order", pa.int64())])
BRIEFS = pa.schema([("story_id", pa.string()), ("title", pa.string()), ("size", pa.int64()),
                    ("first_date", pa.string()), ("last_date", pa.string()), ("members", pa.string()),
                    ("brief", pa.string()), ("error", pa.string())])  # brief null when it failed: error says why
ENTITIES = pa.schema([("story_id", pa.string()), ("name", pa.string()), ("type", pa.string()),
                      ("roles", pa.list_(pa.string())), ("aliases", pa.list_(pa.string())),
                      ("outlets", pa.list_(pa.string())), ("mentions", pa.int64())])
REJECTED = pa.schema([("origin", pa.string()), ("reason", pa.string()), ("kept_id", pa.string())])

DATASETS = {"articles": ARTICLES, "copies": COPIES, "stories": STORIES, "briefs": BRIEFS,
            "entities": ENTITIES, "rejected": REJECTED}


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def table(columns: dict[str, list], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in schema], schema=schema)


def article_columns(articles: list[Article], orders: list[int]) -> dict[str, list]:
    cols: dict[str, list] = {f: [] for f, _ in ARTICLE_FIELDS}
    for a, order in zip(articles, orders):
        cols["order"].append(order)
        for name in ("id", "content_hash", "text", "title", "source", "url", "published", "author", "lead",
                     "language", "origin"):
            cols[name].append(getattr(a, name))
        cols["sentence_start"].append([s.start for s in a.sentences])
        cols["sentence_end"].append([s.end for s in a.sentences])
        cols["captions"].append(json.dumps([[c.start, c.end, c.credit] for c in a.captions], ensure_ascii=False))
        cols["extra"].append(json.dumps(a.extra, ensure_ascii=False, default=str))
    return cols


def articles_of(t: pa.Table) -> list[Article]:
    """`Article` records of article rows (the text is stored once; sentences are its offsets)."""
    out = []
    for r in t.select([f for f, _ in ARTICLE_FIELDS]).to_pylist():
        text = r["text"]
        out.append(Article(
            id=r["id"], text=text, title=r["title"] or "", source=r["source"], url=r["url"],
            published=r["published"], author=r["author"], lead=r["lead"], language=r["language"] or "vi",
            content_hash=r["content_hash"], origin=r["origin"] or "",
            sentences=[Sentence(r["id"], i, s, e, text[s:e])
                       for i, (s, e) in enumerate(zip(r["sentence_start"], r["sentence_end"]))],
            captions=[Caption(s, e, text[s:e], c) for s, e, c in json.loads(r["captions"])],
            extra=json.loads(r["extra"]),
        ))
    return out


# ------------------------------------------------------------------ writing


def _filesystem(path: str, filesystem=None):
    if filesystem is not None:
        return filesystem, path
    import fsspec.core

    return fsspec.core.url_to_fs(path)


def write_block(t: pa.Table, path: str, schema: pa.Schema, filesystem=None) -> pa.Table:
    """Write one block as one Parquet file named by its content (a rerun writes the same names)."""
    import pyarrow.parquet as pq

    if t.num_rows:
        t = t.select(schema.names).cast(schema)
        digest = hashlib.blake2b(digest_size=8)
        for column in t.columns[:2]:
            for chunk in column.chunks:
                for buf in chunk.buffers():
                    if buf is not None:
                        digest.update(memoryview(buf))
        fs, root = _filesystem(path, filesystem)
        fs.makedirs(root, exist_ok=True)
        with fs.open(f"{root}/part-{digest.hexdigest()}.parquet", "wb") as fh:
            pq.write_table(t, fh, compression="zstd")
    return pa.table({"rows": [t.num_rows]})


def write_tables(tables: list[pa.Table], path: str, schema: pa.Schema, filesystem=None) -> None:
    fs, root = _filesystem(path, filesystem)
    fs.makedirs(root, exist_ok=True)
    for t in tables:
        write_block(t, path, schema, filesystem)


# ------------------------------------------------------------------ reading


def read_dataset(root: str, name: str, columns: list[str] | None = None, batch_rows: int = 2000
                 ) -> Iterator[pa.Table]:
    """Batches of one output dataset, in a stable order (files by name), memory flat."""
    import pyarrow.parquet as pq

    fs, base = _filesystem(f"{root.rstrip('/')}/{name}")
    if not fs.exists(base):
        return
    for f in sorted(p for p in fs.ls(base, detail=False) if p.endswith(".parquet")):
        with fs.open(f, "rb") as fh:
            for batch in pq.ParquetFile(fh).iter_batches(batch_size=batch_rows, columns=columns):
                yield pa.Table.from_batches([batch])


def read_manifest(root: str) -> dict[str, Any]:
    fs, base = _filesystem(f"{root.rstrip('/')}/manifest.json")
    if not fs.exists(base):
        raise FileNotFoundError(f"{root}: no archive here (manifest.json missing)")
    with fs.open(base, "r") as fh:
        return json.load(fh)


def signature_bytes(values: np.ndarray) -> bytes:
    return values.astype(np.uint32).tobytes()
