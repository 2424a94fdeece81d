"""Searchers: where new configurations come from."""
from syne_mohb.searchers.random import RandomSearcher

__all__ = ["RandomSearcher"]
