"""Learn online which instance types can only produce dominated models, and sample them less.

When the instance type is a hyperparameter, it changes how long and how expensive training is,
but not what is learnt: the same configuration trained with the same seed reaches the same
accuracy on any instance type. So if an instance type ``j`` trains every configuration at
least as fast *and* at least as cheaply as ``i`` (and strictly better on one), every model
trained on ``i`` is dominated by the same model trained on ``j``: the trials that random search
spends on ``i`` are wasted, for the Pareto front and for the tuning budget alike. Small models
are the typical case: a GPU instance is slower (start-up and transfer overheads dominate) and
several times more expensive than a CPU instance for them.

:class:`InstanceTypePreference` estimates, from the first result of every trial (its lowest
resource level, where all trials are comparable), the effect of each instance type on each
objective with an additive model: ``z_k = c_k + f_k(hyperparameters) + b_k(instance type) +
noise``, where ``z_k`` is objective ``k`` in minimisation form, on a log scale when all its
values are positive (runtime and cost are multiplicative in the instance's speed and price),
and ``f_k`` is linear in the encoded hyperparameters (one column per numeric or ordered
hyperparameter, one-hot for the other categoricals; :class:`ConfigEncoder`). Least squares give
``b_k`` and their covariance; instance type ``j`` *dominates* ``i`` when ``b_k(j) - b_k(i)``
is below ``-z_score`` standard errors for some objective and below ``+z_score`` for all
(clearly better once, never clearly worse; objectives that the instance does not change, such as
accuracy, are never clearly different). Sampling probabilities: a share ``1 - exploration``
spread evenly over the non-dominated instance types, ``exploration`` over all of them (so a
wrong early estimate is corrected by later results). Until ``min_results_per_type`` results of
every instance type and more results than model parameters are in, sampling is uniform.

Cost: one least-squares fit of ``n x p`` (``p`` = encoded columns) per refit, refits when the
number of results grew by ``refit_growth`` (O(log n) refits per run), O(n p^2) each.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
from syne_tune.config_space import Categorical

from syne_mohb.pareto import normalize_modes

logger = logging.getLogger(__name__)

__all__ = ["InstanceTypePreference"]


class InstanceTypePreference:
    """Online estimate of which instance types are dominated (see the module docstring).

    :param config_space: Syne Tune configuration space with a categorical ``instance_attr``
    :param modes: "min"/"max" per reported metric, in the order results are observed
    :param instance_attr: name of the instance-type hyperparameter
    :param exploration: share of the probability spread over all instance types
    :param z_score: standard errors by which an instance type must be better to count
    :param min_results_per_type: results of every instance type needed before adapting
    :param refit_growth: refit once the number of results grew by this factor
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        modes: list[str],
        instance_attr: str = "instance_type",
        exploration: float = 0.1,
        z_score: float = 3.0,
        min_results_per_type: int = 3,
        refit_growth: float = 1.2,
    ):
        from syne_mohb.configspace import check_number
        from syne_mohb.searchers._config_encoding import ConfigEncoder

        if not isinstance(config_space, dict):
            raise ValueError(f"config_space must be a dict, got {type(config_space).__name__}")
        domain = config_space.get(instance_attr)
        if not isinstance(domain, Categorical):
            raise ValueError(
                f"config_space[{instance_attr!r}] must be a categorical domain of instance "
                f"types (e.g. syne_mohb.hardware.instance_types(...)), got {domain!r}"
            )
        if not check_number(exploration, "exploration", at_least=0.0) <= 1.0:
            raise ValueError(f"exploration must be in [0, 1], got {exploration}")
        check_number(z_score, "z_score", at_least=0)
        if isinstance(min_results_per_type, bool) or not isinstance(min_results_per_type, int) \
                or min_results_per_type < 0:
            raise ValueError(f"min_results_per_type must be an integer >= 0, got "
                             f"{min_results_per_type!r}")
        check_number(refit_growth, "refit_growth", at_least=1.0)
        if isinstance(modes, str) or not isinstance(modes, (list, tuple)):
            raise ValueError(f"modes must be a list with one 'min' or 'max' per reported metric "
                             f"(e.g. ['max', 'min']), got {modes!r}")
        self.instance_attr = instance_attr
        self.instance_types = list(domain.categories)
        self.modes = normalize_modes(modes, len(modes), "modes")
        self._sign = np.array([-1.0 if m == "max" else 1.0 for m in self.modes])
        self.exploration = float(exploration)
        self.z_score = float(z_score)
        self.min_results_per_type = int(min_results_per_type)
        self.refit_growth = float(refit_growth)
        rest = {k: v for k, v in config_space.items() if k != instance_attr}
        self._encoder = ConfigEncoder(rest) if any(
            hasattr(v, "sample") for v in rest.values()) else None
        self._index = {t: i for i, t in enumerate(self.instance_types)}
        self._configs: list[dict[str, Any]] = []  # encoded in batches at refit time
        self._features = np.zeros((0, 0))
        self._types: list[int] = []
        self._Y: list[np.ndarray] = []
        self._seen: set[int] = set()
        self._fitted_at = 0
        self._probs = np.full(len(self.instance_types), 1.0 / len(self.instance_types))
        self.dominated: list[str] = []

    @property
    def num_results(self) -> int:
        return len(self._Y)

    def observe(self, trial_id: int, config: dict[str, Any], metrics: list[float]) -> None:
        """Record the first result of ``trial_id`` (later ones are ignored, as is a result of a
        type the domain does not offer). ``metrics`` holds one value per mode
        (``ValueError`` otherwise)."""
        if trial_id in self._seen:
            return
        value = config.get(self.instance_attr)
        t = self._type_index(value)
        try:
            y = np.asarray(metrics, dtype=float).ravel()  # a scalar: Syne Tune's metric=
        except (TypeError, ValueError):
            raise ValueError(f"trial {trial_id}: metrics must be numbers, one per mode "
                             f"{self.modes}, got {metrics!r}") from None
        if len(y) != len(self.modes):
            raise ValueError(f"trial {trial_id}: metrics must hold one value per mode "
                             f"{self.modes}, got {y.tolist()}")
        if t is None:
            return
        self._seen.add(trial_id)
        self._types.append(t)
        self._Y.append(self._sign * y)
        self._configs.append(config)

    def probabilities(self) -> np.ndarray:
        """Sampling probability of each instance type (order of the domain's categories)."""
        n = len(self._Y)
        if n >= max(self._fitted_at * self.refit_growth, self._fitted_at + 1):
            self._fit()
        return self._probs

    # ------------------------------------------------------------------ internals
    def _type_index(self, value: Any) -> int | None:
        if value in self._index:
            return self._index[value]
        for t, i in self._index.items():
            if str(t) == str(value):
                return i
        return None

    def _fit(self) -> None:
        n, k_types = len(self._Y), len(self.instance_types)
        self._fitted_at = n  # also when too few results: the next try waits for more
        counts = np.bincount(self._types, minlength=k_types)
        if counts.min() < self.min_results_per_type:
            return
        if self._encoder is None:
            features = np.zeros((n, 0))
        else:
            new = self._configs[len(self._features):n]
            if new:
                enc = self._encoder.encode_configs(
                    [{k: c[k] for k in self._encoder.hp_names} for c in new])
                self._features = (enc if len(self._features) == 0
                                  else np.vstack([self._features, enc]))
            features = self._features
        p = 1 + features.shape[1] + k_types - 1
        if n < p + 3:
            return
        onehot = np.zeros((n, k_types - 1))
        types = np.asarray(self._types)
        mask = types > 0
        onehot[np.flatnonzero(mask), types[mask] - 1] = 1.0
        X = np.hstack([np.ones((n, 1)), features, onehot])
        XtX_inv = np.linalg.pinv(X.T @ X)
        Y = np.vstack(self._Y)
        b = np.zeros((k_types, Y.shape[1]))  # effect of each type (type 0 = reference, 0)
        var = np.zeros((k_types, k_types, Y.shape[1]))  # covariance of the effects
        lo = X.shape[1] - (k_types - 1)
        for k in range(Y.shape[1]):
            z = Y[:, k]
            finite = np.isfinite(z)
            if finite.sum() < p + 3:
                continue
            if np.all(z[finite] > 0):
                z = np.log(np.where(finite, z, 1.0))
            z = np.where(finite, z, np.nanmax(np.where(finite, z, np.nan)))
            coef, *_ = np.linalg.lstsq(X, z, rcond=None)
            resid = z - X @ coef
            sigma2 = float(resid @ resid) / max(n - p, 1)
            b[1:, k] = coef[lo:]
            cov = sigma2 * XtX_inv[lo:, lo:]
            var[1:, 1:, k] = cov
        dominated = np.zeros(k_types, dtype=bool)
        for i in range(k_types):
            for j in range(k_types):
                if i == j:
                    continue
                diff = b[j] - b[i]  # < 0: j better
                se = np.sqrt(np.maximum(var[i, i] + var[j, j] - 2 * var[i, j], 0.0))
                clearly_better = diff < -self.z_score * se - 1e-12
                clearly_worse = diff > self.z_score * se + 1e-12
                if clearly_better.any() and not clearly_worse.any():
                    dominated[i] = True
                    break
        keep = ~dominated
        probs = np.full(k_types, self.exploration / k_types)
        probs[keep] += (1.0 - self.exploration) / keep.sum()
        self._probs = probs / probs.sum()
        names = [t for t, d in zip(self.instance_types, dominated) if d]
        if names != self.dominated:
            logger.info(f"instance types dominated after {n} results: {names or 'none'}")
        self.dominated = names
