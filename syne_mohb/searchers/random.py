"""Seeded random search without repetitions."""
from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from syne_tune.config_space import Domain
from syne_tune.optimizer.schedulers.searchers.searcher import BaseSearcher

logger = logging.getLogger(__name__)

__all__ = ["RandomSearcher", "config_key", "finite_space_size"]


def config_key(config: dict[str, Any]) -> str:
    """Canonical, hashable key of a configuration (used to avoid repeats)."""
    return json.dumps(
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in sorted(config.items())},
        sort_keys=True,
        default=str,
    )


def finite_space_size(config_space: dict[str, Any]) -> int | None:
    """Number of distinct configurations of a finite space, or None if some domain is infinite."""
    size = 1
    for value in config_space.values():
        if isinstance(value, Domain):
            try:
                n = len(value)
            except Exception:  # continuous domains have no length
                return None
            if n <= 0:
                return None
            size *= n
    return size


class RandomSearcher(BaseSearcher):
    """Uniform random search over a Syne Tune config space, seeded and without repeats.

    Unlike Syne Tune 0.16's ``RandomSearcher`` (which calls ``domain.sample()`` with the global
    numpy state and ignores its ``random_seed``), every draw uses a ``RandomState`` seeded from
    ``random_seed``, so the same seed gives the same sequence. Configurations already suggested
    are not suggested again; for a finite space, ``suggest`` returns None once every
    configuration was suggested (which ends a Syne Tune run). Accepts any number of metrics:
    results are ignored.

    :param config_space: Syne Tune configuration space
    :param points_to_evaluate: configurations to suggest first, in order; keys they leave out
        are sampled at random
    :param random_seed: seed of the random generator
    :param max_retries: draws tried to find a configuration not yet suggested
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        points_to_evaluate: list[dict[str, Any]] | None = None,
        random_seed: int | None = None,
        max_retries: int = 100,
    ):
        if not isinstance(config_space, dict):
            raise ValueError(
                f"config_space must be a dict of name -> domain, got {type(config_space).__name__}"
            )
        super().__init__(config_space, points_to_evaluate=points_to_evaluate, random_seed=random_seed)
        self._rng = np.random.RandomState(self.random_seed)
        self._seen: set[str] = set()
        self._size = finite_space_size(config_space)
        self.max_retries = max_retries

    def _sample(self) -> dict[str, Any]:
        return {
            k: (v.sample(random_state=self._rng) if isinstance(v, Domain) else v)
            for k, v in self.config_space.items()
        }

    def _next_initial(self) -> dict[str, Any] | None:
        """Next of ``points_to_evaluate``, unknown keys rejected, missing keys sampled."""
        point = self._next_points_to_evaluate()
        if point is None:
            return None
        unknown = sorted(set(point) - set(self.config_space))
        if unknown:
            raise ValueError(
                f"points_to_evaluate entry {point} has keys {unknown} that are not in the "
                f"config space (known: {sorted(self.config_space)})"
            )
        config = self._sample()
        config.update(point)
        return config

    def suggest(self, **kwargs) -> dict[str, Any] | None:
        config = self._next_initial()
        while config is not None and config_key(config) in self._seen:
            config = self._next_initial()
        if config is None:
            if self._size is not None and len(self._seen) >= self._size:
                return None
            for _ in range(self.max_retries):
                candidate = self._sample()
                if config_key(candidate) not in self._seen:
                    config = candidate
                    break
            if config is None:
                if self._size is not None:
                    logger.info("Random search: every configuration has been suggested")
                    return None
                # continuous spaces: a repeat after many retries is practically impossible
                config = candidate
        self._seen.add(config_key(config))
        return config

    def on_trial_result(self, trial_id: int, config: dict[str, Any], metrics: list[float], **kwargs):
        return

    def on_trial_complete(self, trial_id: int, config: dict[str, Any], metrics: list[float], **kwargs):
        return
