"""One name per outlet: `tienphong.vn`, `www.tienphong.vn`, the dateline code `TPO` and the site
name `Báo Tiền Phong` are the same outlet.

An outlet's name is its key: the registrable domain of its site (`kinhdoanh.vnexpress.net` is
`vnexpress.net`, by the Public Suffix List), as the shared corpus already names outlets. Names that
are no host go through a small curated table of Vietnamese outlets (`data/outlets.json`: dateline
codes, site names, older domains) and the user's own aliases, which win over both.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CURATED = Path(__file__).parent / "data" / "outlets.json"

# A bare host (`www.tienphong.vn`, `VOV.VN`, `127.0.0.1:8080`) or an http(s) URL.
_HOSTLIKE = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def alias_key(name: str) -> str:
    """How names are compared: NFC, case-folded, single spaces, brackets off (`(Dân trí)`)."""
    name = unicodedata.normalize("NFC", name).strip().strip("()[]").strip()
    return " ".join(name.casefold().split())


def host_outlet(value: str) -> str | None:
    """The outlet a host or URL belongs to: its registrable domain; an IP address or a single-label
    host (a test server, an intranet) keeps its port, since nothing else tells two of them apart.
    None when `value` is no host."""
    value = value.strip()
    if not _HOSTLIKE.match(value):
        return None
    parts = urlsplit(value if "://" in value else f"http://{value}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    if _IP.match(host) or "." not in host:
        return f"{host}:{parts.port}" if parts.port else host
    from tld import get_fld

    domain = get_fld(f"http://{host}", fail_silently=True)
    if domain is None:  # no known public suffix (a made-up TLD): drop the usual prefixes only
        domain = re.sub(r"^(?:www\d*|m|mobile|amp)\.", "", host)
    return domain.lower()


@dataclass(slots=True)
class Outlet:
    outlet: str
    name: str = ""
    aliases: list[str] = field(default_factory=list)  # curated ones, then the user's
    user_aliases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OutletNames:
    """Resolves any name an outlet goes by to its one name."""

    curated: dict[str, Outlet]  # outlet -> its entry
    user: dict[str, str] = field(default_factory=dict)  # the user's own: alias as written -> outlet
    _by_alias: dict[str, str] = field(default_factory=dict)
    _user_by_key: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._user_by_key = {alias_key(k): v for k, v in self.user.items()}
        for outlet in self.curated.values():
            self._by_alias[alias_key(outlet.outlet)] = outlet.outlet
            for alias in outlet.aliases:
                self._by_alias.setdefault(alias_key(alias), outlet.outlet)

    @classmethod
    def load(cls, user: Mapping[str, str] | None = None, path: Path = CURATED) -> OutletNames:
        data = json.loads(path.read_text(encoding="utf-8"))
        curated = {o["outlet"]: Outlet(o["outlet"], o.get("name", ""), list(o.get("aliases", [])))
                   for o in data["outlets"]}
        return cls(curated, dict(user or {}))

    def canonical(self, name: str | None) -> str | None:
        """The outlet's one name; a name nothing knows stays as written (trimmed)."""
        if name is None or not name.strip():
            return None
        key = alias_key(name)
        if key in self._user_by_key:
            return self._user_by_key[key]
        host = host_outlet(name)
        if host is not None:
            key = alias_key(host)
            return self._user_by_key.get(key) or self._by_alias.get(key) or host
        return self._by_alias.get(key) or " ".join(unicodedata.normalize("NFC", name).split())

    def learn(self, alias: str, outlet: str) -> None:
        """One more alias of the user's (or learnt from a page), without reading the table again."""
        self.user[alias] = outlet
        self._user_by_key[alias_key(alias)] = outlet

    def describe(self, outlet: str) -> Outlet:
        """The outlet's display name and every alias known for it."""
        entry = self.curated.get(outlet)
        found = Outlet(outlet, entry.name if entry else "", list(entry.aliases) if entry else [])
        found.user_aliases = sorted(k for k, v in self.user.items() if v == outlet)  # the user's first
        return found
