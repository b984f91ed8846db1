"""English: the code the data files cannot hold. Hooks, each called with the pack, once per process."""

from __future__ import annotations

from .. import gazetteers
from ..vi import place_key  # noqa: F401  (hyphens and spacing do not matter in English names either)


def divisions(pack) -> tuple[frozenset[str], dict[str, str]]:
    """No administrative divisions of its own: English news names places the world gazetteer holds."""
    return frozenset(), {}


def territories(pack) -> frozenset[str]:
    """Countries and world regions by their English names (CLDR via Babel)."""
    return gazetteers.territories("en", pack.words("cldr_left_out"), pack.words("cldr_names_left_out"))


def world_places(pack) -> list[str]:
    return gazetteers.world_places(pack.words("world_subdivision_types"), skip=lambda name: False)


def given_names(pack) -> gazetteers.GivenNames:
    return gazetteers.GivenNames()


def countries(pack) -> list[tuple[str, str]]:
    return gazetteers.countries()
