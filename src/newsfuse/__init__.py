"""newsfuse: fuse news reports of one event from many outlets into one sourced story."""

from .api import IngestReport, Newsfuse, open
from .config import Config
from .model import Article, Brief, Citation, Entity, Fact, Sentence, Story

__all__ = ["open", "Newsfuse", "IngestReport", "Config", "Article", "Brief", "Citation", "Entity", "Fact",
           "Sentence", "Story"]
__version__ = "0.1.0"
