"""newsfuse: fuse news reports of one event from many outlets into one sourced story."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import BadParameter, IngestReport, Newsfuse, NotFound, StoreError, StoreLocked, open
    from .config import Config
    from .model import Article, Brief, Citation, Entity, Fact, Sentence, Story

__all__ = ["open", "Newsfuse", "IngestReport", "NotFound", "BadParameter", "StoreError", "StoreLocked", "Config", "Article", "Brief", "Citation", "Entity", "Fact",
           "Sentence", "Story"]
__version__ = "0.1.0"

_WHERE = {"open": "api", "Newsfuse": "api", "IngestReport": "api", "NotFound": "api", "BadParameter": "api",
          "StoreError": "api", "StoreLocked": "api", "Config": "config"}


def __getattr__(name: str) -> Any:
    """The package's names, imported on first use: `import newsfuse` loads nothing heavy."""
    if name not in __all__:
        raise AttributeError(f"module 'newsfuse' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_WHERE.get(name, 'model')}", __name__), name)
