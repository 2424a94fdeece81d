"""Seeded random search, without repetitions by default, exact on finite spaces."""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
from syne_tune.optimizer.schedulers.searchers.searcher import BaseSearcher

from syne_mohb.configspace import (
    check_points_to_evaluate,
    check_random_seed,
    config_key,
    enumerate_configs,
    sample_config,
    space_size,
)

logger = logging.getLogger(__name__)

__all__ = ["RandomSearcher", "config_key", "finite_space_size"]

REPEATS = ("never", "when_exhausted", "always")

finite_space_size = space_size  # kept for callers of the first release


class RandomSearcher(BaseSearcher):
    """Random search over a Syne Tune config space, seeded, with or without repetitions.

    Unlike Syne Tune 0.16's ``RandomSearcher`` (which calls ``domain.sample()`` with the global
    numpy state and ignores its ``random_seed``), every draw uses a ``RandomState`` seeded from
    ``random_seed``, so the same seed gives the same sequence. Accepts any number of metrics:
    results are ignored.

    ``repeats`` says when a configuration may be suggested again:

    * ``"never"`` (default): configurations already suggested are not suggested again. Draws
      use each domain's own sampler and are redrawn when they repeat; once ``max_retries``
      redraws in a row fail on a finite space, the unseen configurations are enumerated
      (O(size of the space), once) and drawn uniformly from then on, so every configuration of
      a finite space is suggested exactly once before ``suggest`` returns None (which ends a
      Syne Tune run);
    * ``"when_exhausted"``: as ``"never"`` until every configuration of a finite space was
      suggested, then independent draws: the run goes on instead of ending, re-training
      configurations (under successive halving most of them were stopped early, and a
      re-training with another random initialisation is a new sample of a noisy objective);
    * ``"always"``: every draw independent (Syne Tune's behaviour).

    With ``instance_attr`` and ``modes`` given, the instance type is drawn from
    :class:`~syne_mohb.searchers.hardware.InstanceTypePreference` instead of uniformly: instance
    types that the trials' first results show to be slower and more expensive than another
    (hence only able to produce dominated models) are sampled with a small exploration
    probability only. The other hyperparameters stay uniform.

    :param config_space: Syne Tune configuration space
    :param points_to_evaluate: configurations to suggest first, in order; keys they leave out
        are sampled at random
    :param random_seed: seed of the random generator
    :param max_retries: redraws tried before a finite space is enumerated
    :param repeats: "never", "when_exhausted" or "always" (see above)
    :param instance_attr: name of the instance-type hyperparameter to sample adaptively, or
        None for uniform sampling of every hyperparameter
    :param modes: "min"/"max" of the metrics passed to ``on_trial_result``, in their order
        (needed with ``instance_attr``)
    :param instance_exploration: share of instance-type draws kept uniform
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        points_to_evaluate: list[dict[str, Any]] | None = None,
        random_seed: int | None = None,
        max_retries: int = 100,
        repeats: str = "never",
        instance_attr: str | None = None,
        modes: list[str] | None = None,
        instance_exploration: float = 0.1,
    ):
        if not isinstance(config_space, dict):
            raise ValueError(
                f"config_space must be a dict of name -> domain, got {type(config_space).__name__}"
            )
        if repeats not in REPEATS:
            raise ValueError(f"repeats must be one of {REPEATS}, got {repeats!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 1:
            raise ValueError(f"max_retries must be an integer >= 1, got {max_retries!r}")
        random_seed = check_random_seed(random_seed)
        super().__init__(config_space, random_seed=random_seed,
                         points_to_evaluate=check_points_to_evaluate(points_to_evaluate,
                                                                     config_space))
        self._rng = np.random.RandomState(self.random_seed)
        self._seen: set[str] = set()
        self._size = space_size(config_space)
        self.max_retries = max_retries
        self.repeats = repeats
        self._unseen: list[dict[str, Any]] | None = None  # enumerated once redraws fail
        self.instance_preference = None
        if instance_attr is not None:
            from syne_mohb.searchers.hardware import InstanceTypePreference

            if modes is None:
                raise ValueError(
                    "modes is needed with instance_attr: the searcher must know which metrics "
                    "are minimised to tell slower or costlier instance types"
                )
            if isinstance(modes, str):
                raise ValueError(
                    f"modes must be a list with one 'min'/'max' per metric passed to "
                    f"on_trial_result, e.g. ['max', 'min', 'min'], got the string {modes!r}"
                )
            self.instance_preference = InstanceTypePreference(
                config_space, list(modes), instance_attr=instance_attr,
                exploration=instance_exploration)

    def _sample(self) -> dict[str, Any]:
        config = sample_config(self.config_space, self._rng)
        pref = self.instance_preference
        if pref is not None:
            probs = pref.probabilities()
            config[pref.instance_attr] = pref.instance_types[
                int(self._rng.choice(len(probs), p=probs))]
        return config

    def _next_initial(self) -> dict[str, Any] | None:
        """Next of ``points_to_evaluate``, unknown keys rejected, missing keys sampled."""
        point = self._next_points_to_evaluate()
        if point is None:
            return None
        config = self._sample()
        config.update(point)
        return config

    def _draw_unseen(self) -> dict[str, Any] | None:
        if self._unseen is None:
            self._unseen = [c for c in enumerate_configs(self.config_space)
                            if config_key(c) not in self._seen]
            self._rng.shuffle(self._unseen)
        while self._unseen:
            config = self._unseen.pop()
            if config_key(config) not in self._seen:
                return config
        return None

    def suggest(self, **kwargs) -> dict[str, Any] | None:
        config = self._next_initial()
        if self.repeats == "always" or (
            self.repeats == "when_exhausted" and self._size is not None
            and len(self._seen) >= self._size
        ):
            config = config if config is not None else self._sample()
            self._seen.add(config_key(config))
            return config
        while config is not None and config_key(config) in self._seen:
            config = self._next_initial()
        if config is None:
            if self._size is not None and len(self._seen) >= self._size:
                logger.info("Random search: every configuration has been suggested")
                return None
            if self._unseen is None:
                candidate = None
                for _ in range(self.max_retries):
                    candidate = self._sample()
                    if config_key(candidate) not in self._seen:
                        config = candidate
                        break
                if config is None and self._size is None:
                    # continuous spaces: a repeat after many redraws is practically impossible
                    config = candidate
            if config is None:
                config = self._draw_unseen()
                if config is None:
                    if self.repeats == "when_exhausted":
                        config = self._sample()
                    else:
                        logger.info("Random search: every configuration has been suggested")
                        return None
        self._seen.add(config_key(config))
        return config

    def on_trial_result(self, trial_id: int, config: dict[str, Any],
                        metrics: list[float] | None = None, **kwargs):
        """Results are ignored, except by the instance-type preference (``instance_attr``),
        which reads the metric values, in the order of ``modes``, of each trial's first
        result. ``metric=`` (the name Syne Tune's single-objective schedulers pass) stands in
        for ``metrics``; other keywords (e.g. ``resource``) are ignored."""
        if self.instance_preference is not None:
            if metrics is None:
                metrics = kwargs.get("metric")
            self.instance_preference.observe(trial_id, config, metrics)

    def on_trial_complete(self, trial_id: int, config: dict[str, Any],
                          metrics: list[float] | None = None, **kwargs):
        return
