"""The two engines one archive plan runs on: `LocalEngine` (a process pool on this machine) and
`RayEngine` (Ray Data, from a laptop to a cluster).

The plan sees four operations over datasets of Arrow tables:
- `map(data, fn)`: `fn(table) -> table` on each block;
- `group(data, key, fn)`: `fn(table)` on tables that each hold *every* row of the keys they hold
  (rows are hash-partitioned by the int64 column `key`; fn groups inside its partition);
- `cogroup(left, right, key_left, key_right, fn)`: `fn(left_table, right_table)`, both partitioned
  the same way (a join, or a lookup, happens inside fn);
- `collect` / `total` / `write`: small results to the driver, and Parquet output.

Ray Data's `groupby(...).map_groups` costs a Python call and a sort per *group*; with millions of
band keys or stories that was minutes on 2 cores (shared/README). So each group call here receives
a hash partition of many keys (Ray groups on the partition number only) and groups inside it with
numpy/Arrow; the rule "all rows of one key meet in one call" is the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

TableFn = Callable[..., pa.Table]
PART = "_part"
SIDE = "_side"

_MIX = np.uint64(0x9E3779B97F4A7C15)


def partition_of(keys: np.ndarray, partitions: int) -> np.ndarray:
    """Partition number of int64 keys (mixed first: keys are often consecutive input orders)."""
    with np.errstate(over="ignore"):
        mixed = keys.astype(np.uint64) * _MIX
    return ((mixed >> np.uint64(33)) % np.uint64(partitions)).astype(np.int64)


def _with_partition(table: pa.Table, key: str, partitions: int) -> pa.Table:
    parts = partition_of(table[key].to_numpy(zero_copy_only=False), partitions)
    return table.append_column(PART, pa.array(parts))


def _widen(table: pa.Table, schema: pa.Schema, side: int) -> pa.Table:
    """`table` with every column of `schema` (missing ones null) and a side marker: Ray shuffles
    one dataset at a time, so a cogroup shuffles the union of both sides in one schema."""
    cols = [table[f.name] if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
            for f in schema]
    cols.append(pa.array(np.full(table.num_rows, side, dtype=np.int8)))
    return pa.Table.from_arrays(cols, schema=schema.append(pa.field(SIDE, pa.int8())))


def _split_sides(table: pa.Table, left: Sequence[str], right: Sequence[str]) -> tuple[pa.Table, pa.Table]:
    side = table[SIDE].to_numpy()
    lt = table.filter(pa.array(side == 0)).select(list(left))
    rt = table.filter(pa.array(side == 1)).select(list(right))
    return lt, rt


def _merged_schema(left: pa.Schema, right: pa.Schema) -> pa.Schema:
    fields = {f.name: f for f in left}
    for f in right:
        if f.name in fields and fields[f.name].type != f.type:
            raise TypeError(f"cogroup: column {f.name} is {fields[f.name].type} on one side, {f.type} on the other")
        fields.setdefault(f.name, f)
    return pa.schema([f.with_nullable(True) for f in fields.values() if f.name not in (PART, SIDE)])


def _call_group(table: pa.Table, fn: TableFn, kwargs: dict[str, Any]) -> pa.Table:
    if PART in table.column_names:
        table = table.drop_columns([PART])
    return fn(table, **kwargs)


def _call_blocks(table: pa.Table, fn: TableFn, kwargs: dict[str, Any]):
    """A map for Ray: a function may return several blocks (a shard's lines)."""
    result = fn(table, **kwargs)
    yield from (result if isinstance(result, list) else [result])


def _call_cogroup(table: pa.Table, fn: TableFn, left: Sequence[str], right: Sequence[str],
                  kwargs: dict[str, Any]) -> pa.Table:
    lt, rt = _split_sides(table, left, right)
    return fn(lt, rt, **kwargs)


class LocalEngine:
    """The plan on this machine without Ray: blocks live in this process as Arrow tables, each
    map or group call runs in a forked worker (`workers.process_pool`, as ingest's parsing)."""

    name = "local"

    def __init__(self, workers: int = 0):
        self.workers = workers or os.cpu_count() or 1
        self._pool = None

    def __enter__(self) -> LocalEngine:
        if self.workers > 1:
            from ..workers import process_pool

            self._pool = process_pool(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    @property
    def cpus(self) -> int:
        return self.workers

    def _run(self, fn: Callable[..., pa.Table], items: list[tuple]) -> list[pa.Table]:
        if self._pool is None or len(items) < 2:
            return [fn(*it) for it in items]
        return list(self._pool.map(_star, [(fn, it) for it in items]))

    def from_items(self, items: list[dict[str, Any]]) -> list[pa.Table]:
        return [pa.Table.from_pylist([it]) for it in items]

    def map(self, data: list[pa.Table], fn: TableFn, **kwargs: Any) -> list[pa.Table]:
        out = []
        for result in self._run(_call_group, [(t, fn, kwargs) for t in data]):
            out.extend(result if isinstance(result, list) else [result])
        return _nonempty(out)

    def _partitions(self, data: list[pa.Table], key: str, partitions: int) -> list[pa.Table]:
        if not any(t.num_rows for t in data):
            return data[:1]  # an empty table still says what its columns are
        return [t for _, t in self._keyed_parts(data, key, partitions)]

    def group(self, data: list[pa.Table], key: str, fn: TableFn, partitions: int, **kwargs: Any) -> list[pa.Table]:
        parts = self._partitions(data, key, partitions)
        return _nonempty(self._run(_call_group, [(t, fn, kwargs) for t in parts]))

    def cogroup(self, left: list[pa.Table], right: list[pa.Table], key_left: str, key_right: str,
                fn: TableFn, partitions: int, **kwargs: Any) -> list[pa.Table]:
        lparts = dict(self._keyed_parts(left, key_left, partitions))
        rparts = dict(self._keyed_parts(right, key_right, partitions))
        lempty, rempty = left[0].slice(0, 0), right[0].slice(0, 0)  # every dataset keeps one table
        items = [(lparts.get(p, lempty), rparts.get(p, rempty), fn, kwargs)
                 for p in sorted(set(lparts) | set(rparts))] or [(lempty, rempty, fn, kwargs)]
        return _nonempty(self._run(_call_pair, items))

    def _keyed_parts(self, data: list[pa.Table], key: str, partitions: int) -> Iterable[tuple[int, pa.Table]]:
        if not any(t.num_rows for t in data):
            return []
        whole = pa.concat_tables(data, promote_options="default")
        parts = partition_of(whole[key].to_numpy(zero_copy_only=False), partitions)
        order = np.argsort(parts, kind="stable")
        bounds = np.searchsorted(parts[order], np.arange(partitions + 1))
        return [(p, whole.take(pa.array(order[bounds[p]:bounds[p + 1]]))) for p in range(partitions)
                if bounds[p + 1] > bounds[p]]

    def materialize(self, data: list[pa.Table]) -> list[pa.Table]:
        return data

    def collect(self, data: list[pa.Table]) -> pa.Table | None:
        data = [t for t in data if t.num_rows]
        return pa.concat_tables(data, promote_options="default") if data else None

    def total(self, data: list[pa.Table], column: str) -> int:
        return int(sum(int(np.asarray(t[column]).sum()) for t in data))

    def count(self, data: list[pa.Table]) -> int:
        return sum(t.num_rows for t in data)

    def write(self, data: list[pa.Table], path: str, schema: pa.Schema, filesystem=None) -> None:
        from . import output

        output.write_tables(data, path, schema, filesystem)


def _nonempty(tables: list[pa.Table]) -> list[pa.Table]:
    """The tables with rows, or one empty table that keeps the columns known."""
    full = [t for t in tables if t.num_rows]
    return full or tables[:1]


def _schema_of(data: list[pa.Table]) -> pa.Schema | None:
    return data[0].schema if data else None


def _star(args: tuple) -> pa.Table:
    fn, it = args
    return fn(*it)


def _call_pair(lt: pa.Table, rt: pa.Table, fn: TableFn, kwargs: dict[str, Any]) -> pa.Table:
    return fn(lt, rt, **kwargs)


@dataclass(slots=True)
class _RayData:
    """A Ray dataset and the columns it has: an empty Ray dataset forgets its schema, and a
    cogroup needs both sides' columns, so each step learns its output's columns by running its
    function on an empty table in the driver."""

    ds: Any
    schema: pa.Schema


def _dry_run(fn: TableFn, *tables: pa.Table, **kwargs: Any) -> pa.Schema:
    result = fn(*tables, **kwargs)
    if isinstance(result, list):
        result = result[0]
    return result.schema


class RayEngine:
    """The plan on Ray Data: each map is `map_batches`, each group a `groupby` on the partition
    number with `map_groups`. `address` is that of an existing cluster (`auto`, `ray://host:10001`);
    without one a local Ray is started with `cpus` CPUs and stopped at the end. Groups use Ray's
    pull-based sort shuffle: on 2 cores it took 0.3 s per shuffle of 100k rows where the hash
    shuffle's aggregator actors took 1.7-4.4 s (docs/decisions.md)."""

    name = "ray"

    def __init__(self, address: str | None = None, cpus: int = 0):
        try:
            import ray
            import ray.data  # noqa: F401
        except ImportError:
            from . import ArchiveError

            raise ArchiveError("--engine ray needs Ray, which is not installed: pip install 'newsfuse[ray]'") from None
        self.ray = ray
        self.address = address
        self.requested_cpus = cpus or None
        self._started = False

    def __enter__(self) -> RayEngine:
        ray = self.ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "error"}
            if self.address:
                ray.init(address=self.address, **kwargs)
            else:
                ray.init(num_cpus=self.requested_cpus, **kwargs)
            self._started = True
        from ray.data.context import ShuffleStrategy

        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        ctx.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            self.ray.shutdown()
            self._started = False

    @property
    def cpus(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def from_items(self, items: list[dict[str, Any]]) -> _RayData:
        ds = self.ray.data.from_items(items, override_num_blocks=max(1, len(items)))
        return _RayData(ds, pa.Table.from_pylist(items[:1]).schema)

    def map(self, data: _RayData, fn: TableFn, **kwargs: Any) -> _RayData:
        ds = data.ds.map_batches(_call_blocks, batch_format="pyarrow", batch_size=None, zero_copy_batch=True,
                                 fn_args=(fn, kwargs))
        return _RayData(ds, _dry_run(fn, data.schema.empty_table(), **kwargs))

    def group(self, data: _RayData, key: str, fn: TableFn, partitions: int, **kwargs: Any) -> _RayData:
        keyed = data.ds.map_batches(_with_partition, batch_format="pyarrow", batch_size=None,
                                    fn_args=(key, partitions))
        ds = keyed.groupby(PART, num_partitions=partitions).map_groups(
            _call_group, batch_format="pyarrow", fn_args=(fn, kwargs))
        return _RayData(ds, _dry_run(fn, data.schema.empty_table(), **kwargs))

    def cogroup(self, left: _RayData, right: _RayData, key_left: str, key_right: str, fn: TableFn,
                partitions: int, **kwargs: Any) -> _RayData:
        merged = _merged_schema(left.schema, right.schema)
        lk = left.ds.map_batches(_prepare_side, batch_format="pyarrow", batch_size=None,
                                 fn_args=(merged, 0, key_left, partitions))
        rk = right.ds.map_batches(_prepare_side, batch_format="pyarrow", batch_size=None,
                                  fn_args=(merged, 1, key_right, partitions))
        ds = lk.union(rk).groupby(PART, num_partitions=partitions).map_groups(
            _call_cogroup, batch_format="pyarrow", fn_args=(fn, left.schema.names, right.schema.names, kwargs))
        return _RayData(ds, _dry_run(fn, left.schema.empty_table(), right.schema.empty_table(), **kwargs))

    def materialize(self, data: _RayData) -> _RayData:
        return _RayData(data.ds.materialize(), data.schema)

    def collect(self, data: _RayData) -> pa.Table | None:
        tables = [t for t in self.ray.get(data.ds.to_arrow_refs()) if t.num_rows]
        return pa.concat_tables(tables, promote_options="default") if tables else None

    def total(self, data: _RayData, column: str) -> int:
        table = self.collect(_RayData(data.ds.select_columns([column]), data.schema))
        return 0 if table is None else int(np.asarray(table[column]).sum())

    def count(self, data: _RayData) -> int:
        return data.ds.count()

    def write(self, data: _RayData, path: str, schema: pa.Schema, filesystem=None) -> None:
        from . import output

        data.ds.map_batches(output.write_block, batch_format="pyarrow", batch_size=None,
                            fn_args=(path, schema, filesystem)).materialize()


def _prepare_side(table: pa.Table, schema: pa.Schema, side: int, key: str, partitions: int) -> pa.Table:
    return _with_partition(_widen(table, schema, side), key, partitions)
