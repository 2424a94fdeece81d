"""Searchers: where new configurations come from."""
from syne_mohb.searchers.model_based import ModelBasedSearcher
from syne_mohb.searchers.random import RandomSearcher
from syne_mohb.searchers.transfer import ParetoTransferSearcher

__all__ = ["ModelBasedSearcher", "ParetoTransferSearcher", "RandomSearcher"]
