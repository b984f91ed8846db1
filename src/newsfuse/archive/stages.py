"""The archive's stage functions: each takes Arrow tables (one block, or one hash partition of
whole groups) and returns a table, and each calls the single-machine stage that owns the rule:
`ingest` parses and cleans, `copies` signs and decides a copy, `stories.cluster` clusters a
window, `brief.make_brief` writes a brief. Nothing here re-implements a rule; what is here is
how the work is cut (bands, windows, partitions) and put back together.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from ..config import ArchiveConfig, BriefConfig, CopyConfig, IngestConfig, StoryConfig
from ..model import Article
from . import output

SIGNATURE = pa.binary(output.SIGNATURE_BYTES)
# What the text stage makes of each article besides the article: its copy signature and its story
# terms (`stories.article_terms`: distinct terms and their raw float64 weights), made once here,
# where the work is spread over the cores, and read by the document frequencies and by every
# window the article is clustered in.
FEATURES = [pa.field("signature", SIGNATURE), pa.field("terms", pa.list_(pa.string())),
            pa.field("weights", pa.binary())]
PARSED = pa.schema([*output.ARTICLES, *FEATURES, pa.field("rejected", pa.string()), pa.field("kept_id", pa.string())])
ORDER = pa.int64()


def _ids_key(values: list[str]) -> np.ndarray:
    return np.array([xxhash.xxh64_intdigest(v.encode()) for v in values], dtype=np.uint64).view(np.int64)


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order that sorts `keys` (stable) and the start/end of each run of equal keys in it."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if not len(keys):
        return order, np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    return order, starts, ends


def lookup(left: pa.Table, left_key: str, right: pa.Table, right_key: str, *, keep_missing: bool = False
           ) -> pa.Table:
    """`left` with the columns of the row of `right` whose `right_key` equals its `left_key`
    (keys are unique in `right`); rows without one are dropped, or kept with nulls. Arrow's own
    join refuses list columns, which articles have."""
    rk = right[right_key].to_numpy()
    lk = left[left_key].to_numpy()
    order = np.argsort(rk, kind="stable")
    pos = np.searchsorted(rk[order], lk)
    pos_clipped = np.minimum(pos, max(len(rk) - 1, 0))
    found = (pos < len(rk)) & (rk[order][pos_clipped] == lk) if len(rk) else np.zeros(len(lk), bool)
    rows = order[pos_clipped] if len(rk) else np.zeros(len(lk), np.int64)
    if not keep_missing:
        left = left.filter(pa.array(found))
        rows, found = rows[found], found[found]
    others = right.drop_columns([right_key])
    mask = pa.array(~found)
    taken = others.take(pa.array(rows)) if len(rk) else pa.table(
        {f.name: pa.nulls(left.num_rows, f.type) for f in others.schema})
    out = left
    for name in taken.column_names:
        column = taken[name]
        if keep_missing and not found.all():
            column = pc.if_else(mask, pa.nulls(len(column), column.type), column)
        out = out.append_column(name, column)
    return out


# ------------------------------------------------------------------ text layer


def parse_block(raw: pa.Table, ingest: IngestConfig, copies: CopyConfig) -> pa.Table:
    """Articles (cleaned, split, with their copy signature) and rejections of raw input lines."""
    from ..copies import CopyDetector
    from ..ingest import Rejection, _parse_jsonl_line, ingest_day, too_late
    from ..stories import article_terms

    detector = CopyDetector(copies)  # one per block: its syllable-hash cache lives for the block
    good: list[Article] = []
    good_orders: list[int] = []
    signatures: list[bytes] = []
    terms: list[list[str]] = []
    weights: list[bytes] = []
    bad = {"order": [], "origin": [], "rejected": []}
    for order, origin, line in zip(raw["order"].to_pylist(), raw["origin"].to_pylist(), raw["raw"].to_pylist()):
        toks: list[str] = []  # the body's matching-key tokens, which the parser makes anyway
        item = _parse_jsonl_line(origin, line, ingest, toks)
        if not isinstance(item, Rejection) and item.published and \
                (late := too_late(item.published, ingest_day(ingest), ingest.future_days)):
            item = Rejection(origin, late)  # as ingest refuses it (`Newsfuse._store_batch`)
        if isinstance(item, Rejection):
            bad["order"].append(order)
            bad["origin"].append(origin)
            bad["rejected"].append(item.reason)
            continue
        good.append(item)
        good_orders.append(order)
        signatures.append(output.signature_bytes(detector.signature(item.text)))
        counts = article_terms(item, toks or None)
        terms.append(list(counts))
        weights.append(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)).tobytes())
    cols = output.article_columns(good, good_orders)
    cols["signature"] = signatures
    cols["terms"] = terms
    cols["weights"] = weights
    cols["rejected"] = [None] * len(good)
    cols["kept_id"] = [None] * len(good)
    articles = output.table(cols, PARSED)
    if not bad["order"]:
        return articles
    n = len(bad["order"])
    rejected = {f.name: [None] * n for f in PARSED}
    rejected.update(bad)
    return pa.concat_tables([articles, output.table(rejected, PARSED)])


def with_keys(t: pa.Table) -> pa.Table:
    """Adds the int64 shuffle keys of content hash and id."""
    hashes = t["content_hash"].to_pylist()
    hash_key = np.array([int(h, 16) if h else 0 for h in hashes], dtype=np.uint64).view(np.int64)
    ids = t["id"].to_pylist()
    id_key = _ids_key([i or "" for i in ids])
    return t.append_column("hash_key", pa.array(hash_key)).append_column("id_key", pa.array(id_key))


def keep_first(part: pa.Table, column: str, reason: Callable[[str], str] | None) -> pa.Table:
    """Of rows with the same `column`, the first in input order stays; the others are marked (as
    ingest does: the same text again is `already present`, an id reused for other text rejected).
    With `reason` None the later rows are exact duplicates and keep the id they duplicate."""
    live = np.array([r is None for r in part["rejected"].to_pylist()], dtype=bool)
    keys = np.where(live, part[column].to_numpy(), np.iinfo(np.int64).min)
    orders = part["order"].to_numpy()
    idx = np.lexsort((orders, keys))
    keys_sorted = keys[idx]
    later = np.r_[False, keys_sorted[1:] == keys_sorted[:-1]] & live[idx]
    if not later.any():
        return part
    first_of_run = np.maximum.accumulate(np.where(~np.r_[False, keys_sorted[1:] == keys_sorted[:-1]],
                                                  np.arange(len(idx)), 0))
    ids = part["id"].to_pylist()
    rejected = part["rejected"].to_pylist()
    kept = part["kept_id"].to_pylist()
    for pos in np.flatnonzero(later):
        row, first = idx[pos], idx[first_of_run[pos]]
        if reason is None:
            rejected[row], kept[row] = f"already present (as {ids[first]})", ids[first]
        else:
            rejected[row] = reason(ids[row])
    part = part.set_column(part.schema.get_field_index("rejected"), "rejected", pa.array(rejected, pa.string()))
    return part.set_column(part.schema.get_field_index("kept_id"), "kept_id", pa.array(kept, pa.string()))


def only_articles(t: pa.Table) -> pa.Table:
    live = pa.array([r is None for r in t["rejected"].to_pylist()], pa.bool_())
    return t.filter(live)


def only_rejected(t: pa.Table) -> pa.Table:
    dead = t.filter(pa.array([r is not None for r in t["rejected"].to_pylist()], pa.bool_()))
    return pa.table({"origin": dead["origin"], "reason": dead["rejected"], "kept_id": dead["kept_id"]})


# ------------------------------------------------------------------ copies

EDGES = pa.schema([("a", ORDER), ("b", ORDER)])
SCORED = pa.schema([("a", ORDER), ("b", ORDER), ("similarity", pa.float64())])
SIGS = pa.schema([("order", ORDER), ("signature", SIGNATURE)])


def _signatures(t: pa.Table) -> np.ndarray:
    flat = np.frombuffer(b"".join(t["signature"].to_pylist()), dtype=np.uint32)
    return flat.reshape(t.num_rows, output.SIGNATURE_BYTES // 4)


def band_keys(t: pa.Table, copies: CopyConfig) -> pa.Table:
    """One row per (article, LSH band): the keys `copies.CopyDetector.band_keys` gives its
    signature, the buckets the streaming detector looks in."""
    from ..copies import CopyDetector

    detector = CopyDetector(copies)
    sig = _signatures(t)
    keys = [detector.band_keys(hv) for hv in sig]
    key = np.concatenate(keys).view(np.int64) if keys else np.zeros(0, np.int64)
    orders = t["order"].to_numpy()
    return pa.table({"key": key, "order": np.repeat(orders, detector.bands)})


def bucket_pairs(part: pa.Table, max_bucket: int) -> pa.Table:
    """Candidate pairs (a < b, input orders) of articles that share a band key. A bucket bigger
    than `max_bucket` (a story syndicated hundreds of times) pairs each member with its first
    `max_bucket` members only, as the streaming detector compares a new copy with the originals
    only: the copies still join one component through them."""
    keys, orders = part["key"].to_numpy(), part["order"].to_numpy()
    idx, starts, ends = _runs(keys)
    a_out, b_out = [], []
    for s, e in zip(starts, ends):
        if e - s < 2:
            continue
        members = np.unique(orders[idx[s:e]])
        head = members[:max_bucket]
        ii, jj = np.meshgrid(np.arange(len(head)), np.arange(len(members)), indexing="ij")
        keep = ii < jj
        a_out.append(head[ii[keep]])
        b_out.append(members[jj[keep]])
    if not a_out:
        return output.empty(EDGES)
    return pa.table({"a": np.concatenate(a_out), "b": np.concatenate(b_out)}, schema=EDGES)


def attach_first_signature(pairs: pa.Table, sigs: pa.Table) -> pa.Table:
    """Unique pairs keyed by `a`, with a's signature."""
    if not pairs.num_rows:
        return output.empty(pa.schema([("a", ORDER), ("b", ORDER), ("signature", SIGNATURE)]))
    unique = pa.table({"a": pairs["a"], "b": pairs["b"]}).group_by(["a", "b"]).aggregate([])
    return lookup(unique, "a", sigs, "order")


def verify_pairs(pairs: pa.Table, sigs: pa.Table, copies: CopyConfig) -> pa.Table:
    """Pairs whose signatures agree as much as `copies.estimated_jaccard` says a copy must."""
    from ..copies import estimated_jaccard

    if not pairs.num_rows:
        return output.empty(SCORED)
    joined = lookup(pairs, "b", sigs.rename_columns(["order", "signature_b"]), "order")
    sim = estimated_jaccard(_signatures(joined), _signatures(
        joined.select(["signature_b"]).rename_columns(["signature"])))
    keep = sim >= copies.threshold
    return pa.table({"a": joined["a"].to_numpy()[keep], "b": joined["b"].to_numpy()[keep],
                     "similarity": sim[keep]}, schema=SCORED)


# ------------------------------------------------------------------ connected components
# Iterated min-label propagation: each node takes the smallest label among itself and its
# neighbours until no label changes. Rounds grow with a component's diameter, which is small for
# copy groups and for stories cut by windows; no process ever holds the whole graph.

LABELS = pa.schema([("node", ORDER), ("label", ORDER), ("changed", pa.int64())])
DIRECTED = pa.schema([("u", ORDER), ("v", ORDER)])


def both_directions(edges: pa.Table) -> pa.Table:
    a, b = edges["a"].to_numpy(), edges["b"].to_numpy()
    return pa.table({"u": np.r_[a, b], "v": np.r_[b, a]}, schema=DIRECTED)


def first_labels(part: pa.Table) -> pa.Table:
    u, v = part["u"].to_numpy(), part["v"].to_numpy()
    idx, starts, ends = _runs(u)
    nodes = u[idx][starts] if len(u) else u
    lowest = np.minimum.reduceat(v[idx], starts) if len(u) else v
    label = np.minimum(nodes, lowest)
    return pa.table({"node": nodes, "label": label, "changed": (label != nodes).astype(np.int64)}, schema=LABELS)


def propose_labels(directed: pa.Table, labels: pa.Table) -> pa.Table:
    """Each node's label, to itself and to each neighbour."""
    own = pa.table({"node": labels["node"], "label": labels["label"]})
    sent = lookup(directed, "u", labels.select(["node", "label"]), "node")
    return pa.concat_tables([pa.table({"node": own["node"], "label": own["label"],
                                       "own": np.ones(own.num_rows, np.int8)}),
                             pa.table({"node": sent["v"], "label": sent["label"],
                                       "own": np.zeros(sent.num_rows, np.int8)})])


def lowest_label(part: pa.Table) -> pa.Table:
    nodes, labels, own = part["node"].to_numpy(), part["label"].to_numpy(), part["own"].to_numpy()
    idx, starts, ends = _runs(nodes)
    if not len(nodes):
        return output.empty(LABELS)
    lowest = np.minimum.reduceat(labels[idx], starts)
    own_label = np.where(own[idx] == 1, labels[idx], np.iinfo(np.int64).max)
    before = np.minimum.reduceat(own_label, starts)
    return pa.table({"node": nodes[idx][starts], "label": lowest,
                     "changed": (lowest < before).astype(np.int64)}, schema=LABELS)


# ------------------------------------------------------------------ copy groups

MEMBERS = pa.schema([("label", ORDER), ("order", ORDER), ("id", pa.string()), ("published", pa.string())])
LABELLED_EDGES = pa.schema([("label", ORDER), ("a", ORDER), ("b", ORDER), ("similarity", pa.float64())])


def label_members(labels: pa.Table, articles: pa.Table) -> pa.Table:
    joined = lookup(labels.select(["node", "label"]).rename_columns(["order", "label"]), "order",
                    articles.select(["order", "id", "published"]), "order")
    return joined.select(MEMBERS.names).cast(MEMBERS)


def label_edges(edges: pa.Table, labels: pa.Table) -> pa.Table:
    joined = lookup(edges, "a", labels.select(["node", "label"]), "node")
    return joined.select(LABELLED_EDGES.names).cast(LABELLED_EDGES)


def copy_group_rows(members: pa.Table, edges: pa.Table) -> pa.Table:
    """Copy rows of the components in this partition (`copies.copy_groups` picks the original)."""
    from ..copies import copy_groups

    cols: dict[str, list] = {n: [] for n in output.COPIES.names}
    info: dict[int, dict[int, tuple[str, str | None]]] = {}
    for label, order, aid, published in zip(*(members[c].to_pylist() for c in MEMBERS.names)):
        info.setdefault(label, {})[order] = (aid, published)
    by_label: dict[int, list[tuple[int, int, float]]] = {}
    for label, a, b, s in zip(*(edges[c].to_pylist() for c in LABELLED_EDGES.names)):
        by_label.setdefault(label, []).append((a, b, s))
    for label, pairs in by_label.items():
        member = info.get(label, {})
        order_of = {aid: order for order, (aid, _) in member.items()}
        named = [(member[a][0], member[b][0], s) for a, b, s in pairs if a in member and b in member]
        earliest = lambda i: (member[order_of[i]][1] or "9999", order_of[i])  # noqa: E731
        for group in copy_groups(named, earliest):
            for copy_id, sim in group.copies.items():
                cols["copy_id"].append(copy_id)
                cols["original_id"].append(group.original_id)
                cols["similarity"].append(sim)
                cols["copy_order"].append(order_of[copy_id])
                cols["original_order"].append(order_of[group.original_id])
    return output.table(cols, output.COPIES)


# ------------------------------------------------------------------ stories

TERMS = pa.schema([("key", ORDER), ("term", pa.string()), ("n", pa.int64())])
WINDOWED = pa.schema([("order", ORDER), ("window", ORDER), ("home", pa.bool_()), ("local", ORDER)])
UNDATED = -(2 ** 62)  # the window of articles without a date: they are clustered among themselves


def block_terms(t: pa.Table) -> pa.Table:
    """Document frequencies of one block: of the terms `stories.article_terms` gave each article
    in the text stage."""
    if not t.num_rows:
        return output.empty(TERMS)
    # An article's terms are distinct: a term's count over the block is its document frequency.
    counted = pc.value_counts(pc.list_flatten(t["terms"]))
    terms = counted.field("values")
    return pa.table({"key": _ids_key(terms.to_pylist()), "term": terms,
                     "n": counted.field("counts").cast(pa.int64())}, schema=TERMS)


def sum_terms(part: pa.Table) -> pa.Table:
    summed = part.group_by(["key", "term"]).aggregate([("n", "sum")])
    return pa.table({"key": summed["key"], "term": summed["term"], "n": summed["n_sum"]}, schema=TERMS)


def _story_articles(t: pa.Table) -> list[Article]:
    """Just what clustering reads of an article (`stories.article_terms`, the date)."""
    cols = [t[c].to_pylist() for c in ("id", "text", "title", "lead", "published", "source")]
    return [Article(id=i, text=x, title=ti or "", lead=le, published=p, source=s) for i, x, ti, le, p, s in zip(*cols)]


def _day_number(published: str | None) -> float | None:
    from ..stories import day_number

    return day_number(published)


def window_rows(t: pa.Table, archive: ArchiveConfig) -> pa.Table:
    """Each article in its home window, and again in the next window when it falls in the last
    `overlap_days` of its own: a story that crosses a boundary is seen whole by one of the two."""
    keep = ["order", "id", "text", "title", "lead", "published", "source", "terms", "weights"]
    days = np.array([d if (d := _day_number(p)) is not None else np.nan for p in t["published"].to_pylist()],
                    dtype=np.float64)
    span = float(archive.window_days)
    home = np.where(np.isnan(days), UNDATED, np.floor(np.nan_to_num(days) / span)).astype(np.int64)
    overlap = min(archive.overlap_days, archive.window_days)  # an article is a guest of one window at most
    into_next = ~np.isnan(days) & (np.nan_to_num(days) - home * span >= span - overlap)
    base = t.select(keep)
    first = base.append_column("window", pa.array(home)).append_column("home", pa.array(np.ones(len(home), bool)))
    guests = base.filter(pa.array(into_next))
    second = guests.append_column("window", pa.array(home[into_next] + 1)).append_column(
        "home", pa.array(np.zeros(int(into_next.sum()), bool)))
    return pa.concat_tables([first, second])


def _local_key(window: int, story_id: str) -> int:
    return int(np.uint64(xxhash.xxh64_intdigest(f"{window}/{story_id}".encode())).view(np.int64))


def cluster_windows(part: pa.Table, df: dict[str, int], n_docs: int, stories: StoryConfig) -> pa.Table:
    """`stories.cluster` on each window of this partition, with the archive's document frequencies
    and the terms the text stage made of each article."""
    from ..stories import cluster

    counts = Counter(df)
    windows = part["window"].to_numpy()
    idx, starts, ends = _runs(windows)
    cols: dict[str, list] = {n: [] for n in WINDOWED.names}
    orders_all = part["order"].to_numpy()
    for s, e in zip(starts, ends):
        # In input order, as the single-machine batch sees them: articles of one date keep it.
        members = idx[s:e][np.argsort(orders_all[idx[s:e]], kind="stable")]
        rows = part.take(pa.array(members))
        window = int(windows[idx[s]])
        orders = rows["order"].to_pylist()
        homes = rows["home"].to_pylist()
        articles = _story_articles(rows)
        order_of = {a.id: o for a, o in zip(articles, orders)}
        home_of = {a.id: h for a, h in zip(articles, homes)}
        terms = {a.id: (keys, np.frombuffer(raw, dtype=np.float64)) for a, keys, raw in
                 zip(articles, rows["terms"].to_pylist(), rows["weights"].to_pylist())}
        for assignment in cluster(articles, stories, df=(counts, n_docs), terms=terms):
            cols["order"].append(order_of[assignment.article_id])
            cols["window"].append(window)
            cols["home"].append(home_of[assignment.article_id])
            cols["local"].append(_local_key(window, assignment.story_id))
    return output.table(cols, WINDOWED)


LINKS = pa.schema([("home_story", ORDER), ("guest_story", ORDER)])


def overlap_links(part: pa.Table) -> pa.Table:
    """For each article clustered in two windows: the story it joined in each."""
    home = part.filter(part["home"]).select(["order", "local"]).rename_columns(["order", "home_story"])
    guest = part.filter(pc.invert(part["home"])).select(["order", "local"]).rename_columns(
        ["order", "guest_story"])
    return lookup(home, "order", guest, "order").select(LINKS.names)


@dataclass(frozen=True, slots=True)
class OverlapEvidence:
    """What two window stories have in common, for the rule that decides whether they are one."""

    shared: int  # overlap articles that one window put in the first and the other in the second
    overlap_first: int  # overlap articles the first story holds (in either window)
    overlap_second: int


StoryMergeRule = Callable[[OverlapEvidence], bool]


def mutual_majority(evidence: OverlapEvidence) -> bool:
    """Two window stories are one story when the articles both windows saw are, for each of the
    two, at least half of its articles in the overlap: a story cut by a boundary is put back, and
    one article the next window read differently does not glue two stories together. (Issue 12's
    story-merge rule, comparing the stories' own vectors, is meant to be called here too.)"""
    return 2 * evidence.shared >= evidence.overlap_first and 2 * evidence.shared >= evidence.overlap_second


STORY_COUNTS = pa.schema([("story", ORDER), ("m", pa.int64())])
PAIR_COUNTS = pa.schema([("a", ORDER), ("b", ORDER), ("n", pa.int64())])


def link_endpoints(links: pa.Table) -> pa.Table:
    return pa.table({"story": pa.concat_arrays([links["home_story"].combine_chunks(),
                                               links["guest_story"].combine_chunks()])})


def count_per_story(part: pa.Table) -> pa.Table:
    counted = part.group_by(["story"]).aggregate([("story", "count")])
    return pa.table({"story": counted["story"], "m": counted["story_count"]}, schema=STORY_COUNTS)


def link_pairs(links: pa.Table) -> pa.Table:
    h, g = links["home_story"].to_numpy(), links["guest_story"].to_numpy()
    return pa.table({"a": np.minimum(h, g), "b": np.maximum(h, g)}, schema=EDGES)


def count_pairs(part: pa.Table) -> pa.Table:
    counted = part.group_by(["a", "b"]).aggregate([("a", "count")])
    return pa.table({"a": counted["a"], "b": counted["b"], "n": counted["a_count"]}, schema=PAIR_COUNTS)


def attach_count(pairs: pa.Table, counts: pa.Table, side: str) -> pa.Table:
    return lookup(pairs, side, counts.rename_columns(["story", f"m_{side}"]), "story", keep_missing=True)


def merge_edges(pairs: pa.Table, rule: StoryMergeRule = mutual_majority) -> pa.Table:
    keep = [a != b and rule(OverlapEvidence(n, ma, mb)) for a, b, n, ma, mb in
            zip(*(pairs[c].to_pylist() for c in ("a", "b", "n", "m_a", "m_b")))]
    chosen = pairs.filter(pa.array(keep, pa.bool_()))
    return pa.table({"a": chosen["a"], "b": chosen["b"]}, schema=EDGES)


COMPONENT = pa.schema([("order", ORDER), ("component", ORDER)])


def home_components(windowed: pa.Table, labels: pa.Table) -> pa.Table:
    """Each article's story component: that of the story its home window put it in."""
    home = windowed.filter(windowed["home"]).select(["order", "local"])
    joined = lookup(home, "local", labels.select(["node", "label"]), "node", keep_missing=True)
    component = pc.coalesce(joined["label"], joined["local"])
    return pa.table({"order": joined["order"], "component": component}, schema=COMPONENT)


STORY_INPUT = pa.schema([("order", ORDER), ("component", ORDER), ("copy_of", pa.string()),
                         ("copy_similarity", pa.float64())])


def attach_copies(components: pa.Table, copies: pa.Table) -> pa.Table:
    c = copies.select(["copy_order", "original_id", "similarity"]).rename_columns(
        ["order", "copy_of", "copy_similarity"])
    return lookup(components, "order", c, "order", keep_missing=True).select(STORY_INPUT.names).cast(STORY_INPUT)


def attach_story_input(articles: pa.Table, story_input: pa.Table) -> pa.Table:
    return lookup(articles, "order", story_input, "order")


STORY_ROWS = pa.schema([("story_id", pa.string()), ("article_ids", pa.list_(pa.string())),
                        ("orders", pa.list_(ORDER)), ("title", pa.string()), ("first_date", pa.string()),
                        ("last_date", pa.string()), ("members", pa.string()), ("brief", pa.string()),
                        ("error", pa.string()), ("entities", pa.string())])


def story_briefs(part: pa.Table, brief_config: BriefConfig) -> pa.Table:
    """One row per story: its stable id (from its earliest article), members, brief and entities."""
    from ..brief import BriefError, make_brief, members_key, with_story_date
    from ..model import CopyGroup
    from ..stories import story_id_for

    comps = part["component"].to_numpy()
    idx, starts, ends = _runs(comps)
    articles = output.articles_of(part)
    orders = part["order"].to_pylist()
    copy_of = part["copy_of"].to_pylist()
    copy_sim = part["copy_similarity"].to_pylist()
    cols: dict[str, list] = {n: [] for n in STORY_ROWS.names}
    for s, e in zip(starts, ends):
        rows = sorted(idx[s:e], key=lambda r: (articles[r].published or "\uffff", articles[r].id))
        members = [articles[r] for r in rows]
        story_id = story_id_for(members[0].id)
        groups: dict[str, CopyGroup] = {}
        for r in rows:
            if copy_of[r] is not None:
                groups.setdefault(copy_of[r], CopyGroup(copy_of[r], {})).copies[articles[r].id] = copy_sim[r]
        error = None
        try:
            b = make_brief(story_id, with_story_date(members), list(groups.values()), brief_config)
            body = b.to_dict()
            title, first, last, entities = b.title, b.first_date, b.last_date, body["entities"]
        except BriefError as err:  # kept as the story's error; the run goes on
            body, error = None, str(err)
            title, first, last, entities = members[0].title, None, None, []
        ids = [a.id for a in members]
        cols["story_id"].append(story_id)
        cols["article_ids"].append(ids)
        cols["orders"].append([orders[r] for r in rows])
        cols["title"].append(title)
        cols["first_date"].append(first)
        cols["last_date"].append(last)
        cols["members"].append(members_key(ids))
        cols["brief"].append(None if body is None else json.dumps(body, ensure_ascii=False))
        cols["error"].append(error)
        cols["entities"].append(json.dumps(entities, ensure_ascii=False))
    return output.table(cols, STORY_ROWS)


def stories_table(t: pa.Table) -> pa.Table:
    sizes = [len(x) for x in t["article_ids"].to_pylist()]
    return pa.table({"article_id": pa.concat_arrays([c.flatten() for c in t["article_ids"].chunks]) if sizes
                     else pa.array([], pa.string()),
                     "story_id": np.repeat(np.array(t["story_id"].to_pylist(), dtype=object), sizes).tolist(),
                     "order": pa.concat_arrays([c.flatten() for c in t["orders"].chunks]) if sizes
                     else pa.array([], ORDER)}, schema=output.STORIES)


def briefs_table(t: pa.Table) -> pa.Table:
    sizes = pa.array([len(x) for x in t["article_ids"].to_pylist()], pa.int64())
    return pa.table({"story_id": t["story_id"], "title": t["title"], "size": sizes, "first_date": t["first_date"],
                     "last_date": t["last_date"], "members": t["members"], "brief": t["brief"], "error": t["error"]},
                    schema=output.BRIEFS)


def entities_table(t: pa.Table) -> pa.Table:
    cols: dict[str, list] = {n: [] for n in output.ENTITIES.names}
    for story_id, entities in zip(t["story_id"].to_pylist(), t["entities"].to_pylist()):
        for e in json.loads(entities):
            cols["story_id"].append(story_id)
            cols["name"].append(e["name"])
            cols["type"].append(e["type"])
            cols["roles"].append(e["roles"])
            cols["aliases"].append(e["aliases"])
            cols["outlets"].append(e["outlets"])
            cols["mentions"].append(len(e["mentions"]))
    return output.table(cols, output.ENTITIES)
