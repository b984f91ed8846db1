"""Connected groups of linked items (union-find), the one definition: a fact is a group of aligned
sentences, a copy group a group of copied articles."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

H = TypeVar("H", bound=Hashable)


def connected_groups(links: Iterable[tuple[H, H]], items: Iterable[H] = ()) -> list[list[H]]:
    """The groups that `links` connect, each in the order its members first came (from `items`,
    then from the links), in the order of their first members; an item of `items` that no link
    touches is a group of its own."""
    parent: dict[H, H] = {}
    order: dict[H, None] = dict.fromkeys(items)

    def root(x: H) -> H:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])  # halve the path
            x = parent[x]
        return x

    for a, b in links:
        order.setdefault(a)
        order.setdefault(b)
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[H, list[H]] = {}
    for x in order:
        groups.setdefault(root(x), []).append(x)
    return list(groups.values())
