"""Where a configuration can train at all: failures per (configuration, instance type).

A configuration that trains on one type may fail on another: a wide network runs out of the
memory of a small instance or of its GPU, a kernel is missing on one accelerator. The runtime
model (:mod:`syne_mohb.hardware.model`) learns speed from results; a failed trial reports none,
so without this record the hardware policy would send the same configuration, and its wider
neighbours, back to the type that cannot hold them.

:class:`Feasibility` keeps, for the policy:

* every (configuration, type) that **failed** (a trial ended in error there before or after some
  results) and every one that **trained** (reported at least one result there);
* :meth:`infeasible`: per type, whether ``config`` should not be placed there, on evidence
  only:

  1. it failed there itself, or on a type of the same kind (CPU only, or with accelerators)
     with at least as much memory (the accelerators' memory on a GPU type, the host's on a
     CPU type; types without a known memory are compared with none): what ran out of memory
     on 16 GiB runs out on 16 GiB elsewhere, so a failed configuration is not retried there;
  2. on a type where at least ``min_failures`` (2) configurations failed and at least one
     trained, a classifier fitted on the run's own failures and successes predicts a failure:
     for a new trial the type is avoided with the predicted probability (a Thompson draw, as
     the policy draws the types' speeds: a configuration near the boundary is still tried
     there now and then, and one success there settles it for that configuration), for a
     restart from a probability of ``threshold`` on. The classifier sees the runtime model's
     features (the encoded hyperparameters, the type's specs such as its memory and
     accelerator, one indicator per type), so after failures of wide networks on a small
     type, next to narrow ones that trained there, it predicts "wide on small fails" for a
     wide configuration never tried there, and little for a narrow one. It is an ensemble of
     randomised trees (scikit-learn ``ExtraTreesClassifier``, ``class_weight="balanced"``:
     failures are rare), refitted when a failure is added or the rows grew by 25%
     (``O(log n)`` fits). Measured once (a scratch script, 30 resamples of 30 placements on
     the failing ``cnn`` copy of ``benchmarking/bench_failures.py``, held-out configurations
     of the cheapest type): log loss 0.29, against 0.28 with one such classifier per type,
     0.31 for a random forest per type, 0.39 without the class weights and 0.46 for a
     logistic regression; one model for all types is as good and simpler;
  3. on a type where at least ``broken_after`` (3) configurations failed and none trained: the
     type itself fails (a missing driver, a quota), for every configuration.

  A type where the configuration itself trained is avoided for it only where it failed.
  A type with one failure and no success is avoided for that configuration only (rule 1): one
  wide network that ran out of memory first says nothing yet about the narrow ones.
  ``own_only=True`` applies the configuration's own failures alone (the policy's control
  trials, drawn uniformly, so that a type the rules avoid is still tried now and then and a
  wrong prediction can be corrected).
* No configuration is ever left without a type: when every type is marked, only the types it
  failed on itself stay marked; when it failed on every type, none is (the choice is then the
  policy's usual one, and the failure is the configuration's, not the hardware's).

Cost: :meth:`infeasible` is a dictionary lookup plus, once fitted, one prediction for the
configuration on every type (``O(T k depth)`` for ``T`` trees and ``k`` types); a fit is
``O(T n log n d)`` for ``n`` recorded (configuration, type) pairs and ``d`` features.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

__all__ = ["Feasibility"]


class Feasibility:
    """Failures and successes of (configuration, instance type) pairs; see the module docstring.

    :param model: the policy's :class:`~syne_mohb.hardware.model.RuntimeCostModel` (its
        configuration encoding, its types and their specs)
    :param threshold: predicted failure probability from which a type is avoided without a
        Thompson draw (a restart), in (0, 1]
    :param min_failures: configurations that must have failed on a type, where one trained,
        before the classifier speaks for that type (rule 2)
    :param broken_after: configurations that must have failed on a type where none trained
        before the type is avoided for every configuration (rule 3)
    :param random_seed: seed of the classifier
    """

    def __init__(self, model: Any, threshold: float = 0.5, min_failures: int = 2,
                 broken_after: int = 3, random_seed: int | None = None):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
                or not 0 < threshold <= 1:
            raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
        for name, value in (("min_failures", min_failures), ("broken_after", broken_after)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        self.model = model
        self.threshold = float(threshold)
        self.min_failures = min_failures
        self.broken_after = broken_after
        self.random_seed = random_seed
        k = len(model.types)
        # per type: (kind, memory) for rule 1 (NaN memory: unknown, compared with none)
        specs = [model.specs[t] for t in model.types]
        self._kind = np.array([s.gpus > 0 for s in specs])
        self._memory = np.array([
            (s.gpus * s.gpu_memory_gib if s.gpu_memory_gib else np.nan) if s.gpus > 0
            else (s.memory_gib if s.memory_gib else np.nan) for s in specs], dtype=float)
        self._failures = np.zeros(k, dtype=int)  # configurations that failed on each type
        self._trained = np.zeros(k, dtype=int)  # configurations that trained on each type
        # (configuration key, type index) -> (encoded configuration, failed?); a pair that
        # failed stays failed even if it also trained once (it may fail again)
        self._pairs: dict[tuple[str, int], tuple[np.ndarray, bool]] = {}
        self._failed_types: dict[str, set[int]] = {}
        self._clf = None
        self._fitted_rows = 0
        self._dirty = False
        self._cache: dict[str, np.ndarray] = {}

    @property
    def num_failures(self) -> int:
        """(Configuration, type) pairs that failed."""
        return sum(len(v) for v in self._failed_types.values())

    def failed_types(self, config: Mapping[str, Any]) -> list[str]:
        """The types ``config`` failed on, in the model's type order."""
        done = self._failed_types.get(self.model._key(config), set())
        return [t for i, t in enumerate(self.model.types) if i in done]

    def record(self, config: Mapping[str, Any], instance: Any, failed: bool) -> None:
        """``config`` trained on ``instance`` (``failed=False``: it reported a result there) or
        failed there (``failed=True``). A type outside the model's types is ignored."""
        if str(instance) not in self.model.types:
            return
        t = self.model.type_index(instance)
        key = self.model._key(config)
        old = self._pairs.get((key, t))
        if old is not None and (old[1] or not failed):
            return  # nothing new: a failure is kept; a repeated success adds nothing
        if old is not None:  # it trained there before, and failed now
            self._trained[t] -= 1
        self._pairs[(key, t)] = (self.model._encode(config, key), bool(failed))
        if failed:
            self._failed_types.setdefault(key, set()).add(t)
            self._failures[t] += 1
            self._dirty = True
        else:
            self._trained[t] += 1

    def infeasible(self, config: Mapping[str, Any], own_only: bool = False,
                   rng: np.random.RandomState | None = None) -> np.ndarray:
        """Boolean mask over the model's types: True where ``config`` should not be placed
        (module docstring; ``own_only``: its own failures only). With ``rng``, rule 2 is a
        Thompson draw: a type is avoided with its predicted failure probability (one uniform
        per type, drawn only once the classifier is in use); without, from ``threshold`` on.
        Never True for every type."""
        key = self.model._key(config)
        own = np.zeros(len(self.model.types), dtype=bool)
        for t in self._failed_types.get(key, ()):
            own[t] = True
        if own.all():
            return np.zeros_like(own)  # it failed everywhere: the configuration's failure
        if own_only or not self._failed_types:
            return own
        mask = own.copy()
        for t in np.flatnonzero(own):  # no more memory of the same kind: it fails there too
            mask |= (self._kind == self._kind[t]) & (self._memory <= self._memory[t])
        mask |= (self._failures >= self.broken_after) & (self._trained == 0)
        learn = (self._failures >= self.min_failures) & (self._trained > 0)
        if learn.any():
            self._fit()
            if self._clf is not None:
                p = self._cache.get(key)
                if p is None:
                    X = self.model._design_for([config], np.arange(len(self.model.types)),
                                               [key])
                    p = self._clf.predict_proba(X)[:, list(self._clf.classes_).index(1)]
                    self._cache[key] = p
                cut = self.threshold if rng is None else rng.uniform(size=len(p))
                mask |= learn & (p >= cut)
        for t in np.flatnonzero(mask & ~own):  # where it trained itself, it can
            pair = self._pairs.get((key, int(t)))
            mask[t] = pair is None or pair[1]
        return own if mask.all() else mask

    def _fit(self) -> None:
        n = len(self._pairs)
        if not (self._dirty or n >= 1.25 * max(self._fitted_rows, 1)) or n == self._fitted_rows:
            return
        labels = np.array([failed for _, failed in self._pairs.values()], dtype=int)
        self._fitted_rows, self._dirty = n, False
        self._cache.clear()
        if labels.min() == labels.max():  # failures only, or none: nothing to tell apart
            self._clf = None
            return
        from sklearn.ensemble import ExtraTreesClassifier

        keys = list(self._pairs)
        xs = np.vstack([self._pairs[k][0] for k in keys]) if self.model._encoder is not None \
            else np.zeros((n, 0))
        t_idx = np.array([t for _, t in keys], dtype=int)
        X = self.model._design(xs, t_idx, np.zeros(n, dtype=int))
        self._clf = ExtraTreesClassifier(n_estimators=32, class_weight="balanced",
                                         random_state=self.random_seed).fit(X, labels)
