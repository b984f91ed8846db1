"""The archive plan: one sequence of stages, run by whichever engine is given.

    read shards -> text layer (+ copy signature) -> exact duplicates (content hash), reused ids
    -> LSH bands -> candidate pairs -> verified copies -> components -> copy groups
    -> document frequencies -> time windows -> `stories.cluster` per window
    -> overlap links -> merge rule -> components -> stories (stable ids)
    -> briefs and entities per story -> Parquet datasets
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

from ..config import Config
from ..ingest import id_reused, ingest_day, origin_order
from . import output, stages
from .shards import RAW_SCHEMA, ShardError, list_shards, read_shard


@dataclass(slots=True)
class ArchiveReport:
    engine: str
    inputs: int
    articles: int = 0
    rejected: list[str] = field(default_factory=list)  # `origin: reason`, first 1,000
    n_rejected: int = 0
    duplicates: int = 0
    copies: int = 0
    stories: int = 0
    briefs_failed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, in plan order

    @property
    def ok(self) -> bool:
        return self.n_rejected == 0

    def summary(self) -> str:
        return (f"{self.articles} articles, {self.copies} copies, {self.stories} stories"
                f", {self.duplicates} exact duplicates left out, {self.n_rejected} rejected")


class _Clock:
    def __init__(self, report: ArchiveReport, progress):
        self.report, self.progress, self.t = report, progress, time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.report.seconds[stage] = self.report.seconds.get(stage, 0.0) + now - self.t
        self.t = now
        if self.progress:
            self.progress(stage, self.report.seconds[stage])


def _partitions(config: Config, engine, n_articles: int) -> int:
    if config.archive.partitions:
        return config.archive.partitions
    return max(2 * engine.cpus, n_articles // 20_000 + 1)


def components(engine, edges, partitions: int):
    """Connected components of `edges` (a, b) as (node, label) by min-label propagation."""
    directed = engine.materialize(engine.map(edges, stages.both_directions))
    labels = engine.materialize(engine.group(directed, "u", stages.first_labels, partitions))
    while engine.total(labels, "changed"):
        proposals = engine.cogroup(directed, labels, "u", "node", stages.propose_labels, partitions)
        labels = engine.materialize(engine.group(proposals, "node", stages.lowest_label, partitions))
    return labels


def run(inputs: list[str], out: str, config: Config, engine, progress=None) -> ArchiveReport:
    """Run the whole plan on `engine` and write the datasets under `out` (see `output`)."""
    shards = list_shards(inputs)
    report = ArchiveReport(engine.name, len(shards))
    clock = _Clock(report, progress)
    tasks = engine.from_items([{"url": s.url, "index": s.index} for s in shards])
    raw = engine.map(tasks, read_shard)
    # One day for the whole run, the driver's: workers of a cluster may sit in other time zones.
    ingest = replace(config.ingest, today=ingest_day(config.ingest))
    parsed = engine.map(raw, stages.parse_block, ingest=ingest, copies=config.copies)
    parsed = engine.materialize(engine.map(parsed, stages.with_keys))
    clock.lap("read + text layer")

    n_rows = engine.count(parsed)
    partitions = _partitions(config, engine, n_rows)
    deduped = engine.group(parsed, "hash_key", stages.keep_first, partitions, column="hash_key", reason=None)
    checked = engine.materialize(engine.group(deduped, "id_key", stages.keep_first, partitions, column="id_key",
                                              reason=id_reused))
    articles = engine.materialize(engine.map(checked, stages.only_articles))
    rejected = engine.materialize(engine.map(checked, stages.only_rejected))
    report.articles = engine.count(articles)
    clock.lap("exact duplicates")

    sigs = engine.materialize(engine.map(articles, _select, columns=stages.SIGS.names))
    bands = engine.map(sigs, stages.band_keys, copies=config.copies)
    pairs = engine.group(bands, "key", stages.bucket_pairs, partitions, max_bucket=config.copies.max_bucket)
    with_a = engine.cogroup(pairs, sigs, "a", "order", stages.attach_first_signature, partitions)
    verified = engine.materialize(engine.cogroup(with_a, sigs, "b", "order", stages.verify_pairs, partitions,
                                                 copies=config.copies))
    clock.lap("copies: bands, pairs, verification")
    copy_labels = components(engine, verified, partitions)
    narrow = engine.materialize(engine.map(articles, _select, columns=["order", "id", "published"]))
    members = engine.cogroup(copy_labels, narrow, "node", "order", stages.label_members, partitions)
    labelled = engine.cogroup(verified, copy_labels, "a", "node", stages.label_edges, partitions)
    copies = engine.materialize(engine.cogroup(members, labelled, "label", "label", stages.copy_group_rows,
                                               partitions))
    report.copies = engine.count(copies)
    clock.lap("copies: components, groups")

    term_parts = engine.group(engine.map(articles, stages.block_terms), "key", stages.sum_terms, partitions)
    terms = engine.collect(term_parts)
    # The archive's document frequencies: one count per distinct term (the vocabulary, not the articles).
    df = {} if terms is None else dict(zip(terms["term"].to_pylist(), terms["n"].to_pylist()))
    windows = engine.map(articles, stages.window_rows, archive=config.archive)
    windowed = engine.materialize(engine.group(windows, "window", stages.cluster_windows, partitions, df=df,
                                               n_docs=report.articles, stories=config.stories))
    del df, terms
    clock.lap("stories: windows clustered")

    links = engine.materialize(engine.group(windowed, "order", stages.overlap_links, partitions))
    per_story = engine.group(engine.map(links, stages.link_endpoints), "story", stages.count_per_story, partitions)
    pair_counts = engine.group(engine.map(links, stages.link_pairs), "a", stages.count_pairs, partitions)
    with_ma = engine.cogroup(pair_counts, per_story, "a", "story", stages.attach_count, partitions, side="a")
    with_mb = engine.cogroup(with_ma, per_story, "b", "story", stages.attach_count, partitions, side="b")
    merges = engine.materialize(engine.map(with_mb, stages.merge_edges))
    story_labels = components(engine, merges, partitions)
    home = engine.cogroup(windowed, story_labels, "local", "node", stages.home_components, partitions)
    story_input = engine.cogroup(home, copies, "order", "copy_order", stages.attach_copies, partitions)
    # The briefs read the articles only (not their signatures and terms: no need to shuffle them).
    plain = engine.map(articles, _select, columns=output.ARTICLES.names)
    full = engine.cogroup(plain, story_input, "order", "order", stages.attach_story_input, partitions)
    clock.lap("stories: windows reconciled")

    stories = engine.materialize(engine.group(full, "component", stages.story_briefs, partitions,
                                              brief_config=config.brief))
    report.stories = engine.count(stories)
    clock.lap("briefs and entities")

    _write_all(engine, out, {
        "articles": engine.map(articles, _select, columns=output.ARTICLES.names),
        "copies": copies,
        "stories": engine.map(stories, stages.stories_table),
        "briefs": engine.map(stories, stages.briefs_table),
        "entities": engine.map(stories, stages.entities_table),
        "rejected": rejected,
    }, report, config)
    rej = engine.collect(rejected)
    if rej is not None:
        reasons = rej["reason"].to_pylist()
        kept = rej["kept_id"].to_pylist()
        origins = rej["origin"].to_pylist()
        report.duplicates = sum(k is not None for k in kept)
        bad = [f"{o}: {r}" for o, r, k in zip(origins, reasons, kept) if k is None]
        report.n_rejected = len(bad)
        report.rejected = sorted(bad, key=origin_order)[:1000]
    with_briefs_failed = engine.collect(engine.map(stories, _failed_briefs))
    report.briefs_failed = 0 if with_briefs_failed is None else with_briefs_failed.num_rows
    _write_manifest(out, report, inputs, config)
    clock.lap("write")
    return report


def _select(t, columns: list[str]):
    return t.select(columns)


def _failed_briefs(t):
    failed = [e is not None for e in t["error"].to_pylist()]
    import pyarrow as pa

    return t.select(["story_id"]).filter(pa.array(failed, pa.bool_()))


def _write_all(engine, out: str, datasets: dict, report: ArchiveReport, config: Config) -> None:
    import fsspec.core

    fs, root = fsspec.core.url_to_fs(out)
    for name, data in datasets.items():
        target = f"{root}/{name}"
        if fs.exists(target):  # a rerun replaces the dataset, it never appends to it
            fs.rm(target, recursive=True)
        fs.makedirs(target, exist_ok=True)
        engine.write(data, target, output.DATASETS[name], filesystem=fs)


def _write_manifest(out: str, report: ArchiveReport, inputs: list[str], config: Config) -> None:
    import fsspec.core

    fs, root = fsspec.core.url_to_fs(out)
    body = {"inputs": [str(i) for i in inputs], "articles": report.articles, "copies": report.copies,
            "stories": report.stories, "rejected": report.n_rejected, "duplicates": report.duplicates,
            "config": {k: asdict(getattr(config, k)) for k in ("ingest", "copies", "stories", "brief", "archive")}}
    with fs.open(f"{root}/manifest.json", "w") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=1)


__all__ = ["ArchiveReport", "run", "components", "ShardError", "RAW_SCHEMA", "Counter"]
