"""Input shards: JSONL (optionally gzip) and Parquet files, local or behind any fsspec URL
(`s3://`, `gs://`, `hdfs://`, `memory://`, `file://`).

Every shard is opened before any work starts, so a missing or unreadable shard stops the run at
once with its name, and nothing is written; a bad line inside a readable shard is one rejection
naming `shard:line`, and the rest of the shard is processed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
LINES_PER_BLOCK = 1000  # the text layer's unit of work: ~1 s of one core

RAW_SCHEMA = pa.schema([("order", pa.int64()), ("origin", pa.string()), ("raw", pa.large_binary())])


class ShardError(RuntimeError):
    """An input shard that cannot be listed, opened or read; the message names it."""


@dataclass(frozen=True, slots=True)
class Shard:
    url: str
    index: int

    @property
    def format(self) -> str:
        return "parquet" if self.url.lower().endswith(PARQUET_SUFFIXES) else "jsonl"


def _fs(url: str):
    import fsspec.core

    return fsspec.core.url_to_fs(url)


def _known(name: str) -> bool:
    low = name.lower()
    return low.endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES) and not low.rsplit("/", 1)[-1].startswith((".", "_"))


def list_shards(inputs: list[str]) -> list[Shard]:
    """The shards named, and the known shards under folders named (sorted), each checked readable."""
    urls: list[str] = []
    for item in inputs:
        try:
            fs, path = _fs(str(item))
            if fs.isdir(path):
                found = sorted(p for p in fs.find(path) if _known(p))
                if not found:
                    raise ShardError(f"{item}: no .jsonl or .parquet shards in this folder")
                urls.extend(_unstrip(item, path, fs, p) for p in found)
            elif fs.exists(path):
                urls.append(str(item))
            else:
                raise ShardError(f"{item}: no such shard or folder")
        except ShardError:
            raise
        except Exception as e:  # fsspec raises what its backend raises
            raise ShardError(f"{item}: cannot read ({_reason(e)})") from None
    shards = [Shard(u, i) for i, u in enumerate(urls)]
    for s in shards:
        check_readable(s)
    return shards


def _unstrip(item: str, path: str, fs, found: str) -> str:
    """A found path as a URL the workers can open again (fsspec strips the protocol)."""
    if "://" not in str(item):
        return found
    protocol = str(item).split("://", 1)[0]
    return f"{protocol}://{found.split('://', 1)[-1]}"


def _reason(e: BaseException) -> str:
    return getattr(e, "strerror", None) or str(e) or type(e).__name__


def check_readable(shard: Shard) -> None:
    try:
        if shard.format == "parquet":
            import pyarrow.parquet as pq

            fs, path = _fs(shard.url)
            with fs.open(path, "rb") as fh:
                pq.ParquetFile(fh).metadata  # noqa: B018 - reading the footer is the check
        else:
            import fsspec

            with fsspec.open(shard.url, "rb", compression="infer") as fh:
                fh.read(1)
    except Exception as e:
        raise ShardError(f"{shard.url}: cannot read ({_reason(e)})") from None


def _block(orders: list[int], origins: list[str], raws: list[bytes]) -> pa.Table:
    return pa.Table.from_arrays([pa.array(orders, pa.int64()), pa.array(origins, pa.string()),
                                 pa.array(raws, pa.large_binary())], schema=RAW_SCHEMA)


def read_shard(task: pa.Table) -> list[pa.Table]:
    """Raw lines of the shards named in `task` (columns url, index), in blocks of
    `LINES_PER_BLOCK`; `order` is (shard index << 32) + line, the input order that decides which
    of two same texts or same ids is kept."""
    out: list[pa.Table] = []
    for url, index in zip(task["url"].to_pylist(), task["index"].to_pylist()):
        shard = Shard(url, index)
        try:
            out.extend(_parquet_blocks(shard) if shard.format == "parquet" else _jsonl_blocks(shard))
        except ShardError:
            raise
        except Exception as e:
            raise ShardError(f"{shard.url}: cannot read ({_reason(e)})") from None
    return out or [_block([], [], [])]


def _jsonl_blocks(shard: Shard) -> list[pa.Table]:
    import fsspec

    out, orders, origins, raws = [], [], [], []
    base = shard.index << 32
    with fsspec.open(shard.url, "rb", compression="infer") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            orders.append(base + n)
            origins.append(f"{shard.url}:{n}")
            raws.append(raw)
            if len(raws) == LINES_PER_BLOCK:
                out.append(_block(orders, origins, raws))
                orders, origins, raws = [], [], []
    if raws or not out:
        out.append(_block(orders, origins, raws))
    return out


def _parquet_blocks(shard: Shard) -> list[pa.Table]:
    import pyarrow.parquet as pq

    fs, path = _fs(shard.url)
    out = []
    base = shard.index << 32
    row = 0
    with fs.open(path, "rb") as fh:
        for batch in pq.ParquetFile(fh).iter_batches(batch_size=LINES_PER_BLOCK):
            rows = batch.to_pylist()
            # A Parquet row takes the JSONL path (the same field rules); row numbers count from 1.
            raws = [json.dumps(r, ensure_ascii=False, default=str).encode() for r in rows]
            numbers = np.arange(row + 1, row + 1 + len(rows))
            out.append(_block((base + numbers).tolist(), [f"{shard.url}:row {k}" for k in numbers], raws))
            row += len(rows)
    return out
