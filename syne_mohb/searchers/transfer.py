"""Multi-objective transfer learning: sample where related tasks had their Pareto fronts."""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from syne_tune.config_space import Categorical, Domain
from syne_tune.optimizer.schedulers.searchers.searcher import BaseSearcher
from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
    TransferLearningTaskEvaluations,
)

from syne_mohb.configspace import check_points_to_evaluate, check_random_seed
from syne_mohb.pareto import check_metrics, normalize_modes

if TYPE_CHECKING:
    from sklearn.ensemble import ExtraTreesRegressor
from syne_mohb.searchers._config_encoding import ConfigEncoder
from syne_mohb.searchers._front_labels import online_labels, task_labels
from syne_mohb.searchers.model_based import (_checked_resource, _reported_values,
                                             _syne_tune_keywords)

logger = logging.getLogger(__name__)

__all__ = ["ParetoTransferSearcher"]


class ParetoTransferSearcher(BaseSearcher):
    """Suggest configurations where related tasks had their Pareto fronts, then adapt online.

    With MO-ASHA's defaults, ``MOASHA(..., transfer_evaluations=...)`` (the model-based
    searcher and the hardware policy, both with the related tasks as prior) measured ahead
    of this searcher at 95% in tuning dollars on most benchmarks and behind on none
    (``docs/benchmarks/hardware-decision.md``, "With related tasks"); this class stays for
    existing code and as the peer of that comparison.

    Algorithm (a multi-objective, classification-style variant of the transfer-learning
    ingredient of Salinas, Perrone, Cruchant & Archambeau 2021, "A multi-objective perspective
    on jointly tuning hardware and hyperparameters"; labels are rank based as in the
    quantile/copula transfer of Salinas, Shen & Perrone 2020, "A quantile-based approach for
    hyperparameter transfer learning"):

    1. For every related task and objective, average the seeds; a configuration has a value at
       each fidelity where all objectives are finite.
    2. Per task, compute non-dominated ranks (``syne_mohb.pareto.nondominated_rank``, modes
       respected) at a common fidelity: a configuration whose highest fidelity is ``L`` is
       ranked among the configurations that reached ``L``, at ``L`` (so configurations stopped
       early are not mistaken for cheap ones). Label it 1 ("near the front") when the fraction
       of those comparable configurations with a strictly better rank is below ``gamma``, else
       0 (``_front_labels``). Ranks are
       invariant to per-objective increasing transforms, so this equals ranking after per-task
       quantile or Gaussian-copula normalisation: no cross-task scale enters the model.
    3. Encode configurations (numeric dims scaled to [0, 1], log-scaled where the domain is;
       choices among numbers by their order; other categoricals such as ``instance_type``
       one-hot) and fit an extremely randomised trees
       regressor (Geurts et al. 2006) to the labels of all tasks pooled, every task weighing the
       same. Its prediction estimates P(near the front | config), averaged over tasks.
    4. Online, the current task's results are labelled the same way (multi-fidelity: a trial is
       ranked among the trials that reached its highest resource, and only among them) and a
       second forest is fitted on them (refitted at a suggestion once the number of own results
       grew by ``refit_growth``, i.e. O(log n) refits per run). The score is
       ``p = (1 - w) p_related + w p_own`` with ``w = n / (n + transfer_strength)``, ``n`` the
       number of own trials (0 until ``min_own_observations`` trials reported).
    5. ``suggest``: with probability ``exploration`` a uniformly random unseen configuration;
       otherwise one drawn from a candidate pool with probability proportional to
       ``p ** (1 / temperature)``. The pool is the whole space when it is finite and has at most
       ``max_enumerate`` configurations; otherwise ``num_candidates`` fresh random
       configurations plus the related tasks' configurations. Configurations already suggested
       or reported are not suggested again (``repeats="never"``, the default; ``None`` when a
       finite space is exhausted); ``repeats="when_exhausted"`` goes on with repeats once it
       is, ``repeats="always"`` allows them from the start (the pool keeps every
       configuration, so the best-scored ones are re-trained: another random initialisation
       of a noisy objective).

    Choices where the paper is silent: binary top-``gamma`` labels on non-dominated ranks
    (rather than a regression on copula-transformed values, which has no multi-objective
    analogue); extra-trees (fast, handles one-hot inputs, deterministic with a seed; a full
    refit on a few thousand pooled rows takes well under a second); sampling with temperature
    instead of an argmax so that parallel workers get diverse configurations; the linear
    shrinkage ``w`` from related tasks to own data; labels computed per resource level online.
    The defaults (``gamma=0.15``, ``temperature=0.2``, ``exploration=0.1``,
    ``transfer_strength=20``) were chosen on the shipped ``linear`` benchmark
    (``benchmarking/bench_transfer.py``, 4 seeds: random search's final hypervolume was reached
    after 54% of its budget on average with ``temperature=0.2`` and 62% with 0.5).
    Failed trials keep the results they reported; NaN metrics count as the worst value.

    :param config_space: Syne Tune configuration space (``instance_type`` is an ordinary
        categorical hyperparameter).
    :param transfer_learning_evaluations: ``{task name: TransferLearningTaskEvaluations}`` of the
        related tasks; the hyperparameter columns must be exactly the config space's
        hyperparameters and the objectives must include ``metrics``.
    :param metrics: objective names, in the order in which the scheduler passes metric values
        to :meth:`on_trial_result`.
    :param mode: "min"/"max", one for all metrics or one per metric.
    :param points_to_evaluate: configurations to suggest first, in order.
    :param random_seed: seed of all randomness (sampling and the forests).
    :param exploration: probability of a uniformly random suggestion, in [0, 1].
    :param temperature: sampling temperature (> 0); small values approach an argmax.
    :param gamma: fraction of each task's configurations labelled near-front, in (0, 1).
    :param num_candidates: random candidates per suggestion when the space is not enumerated.
    :param transfer_strength: number of own trials at which own data and related tasks weigh
        the same (>= 0; 0 ignores related tasks as soon as own data is used).
    :param min_own_observations: own trials needed before the own model is used (>= 1).
    :param max_enumerate: enumerate finite spaces up to this many configurations.
    :param num_trees: trees per forest.
    :param refit_growth: the own model is refitted at a suggestion once the number of own
        results grew by this fraction since the last fit (0: after every new result).
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        transfer_learning_evaluations: dict[str, TransferLearningTaskEvaluations],
        metrics: list[str],
        mode: str | list[str] = "min",
        points_to_evaluate: list[dict[str, Any]] | None = None,
        random_seed: int | None = None,
        exploration: float = 0.1,
        temperature: float = 0.2,
        gamma: float = 0.15,
        num_candidates: int = 1000,
        transfer_strength: float = 20.0,
        min_own_observations: int = 5,
        max_enumerate: int = 20000,
        num_trees: int = 64,
        refit_growth: float = 0.1,
        repeats: str = "never",
    ):
        if not isinstance(config_space, dict):
            raise ValueError(
                f"config_space must be a dict of name -> domain, got {type(config_space).__name__}"
            )
        random_seed = check_random_seed(random_seed)
        super().__init__(config_space, random_seed=random_seed,
                         points_to_evaluate=check_points_to_evaluate(points_to_evaluate,
                                                                     config_space))
        from syne_mohb.searchers.random import REPEATS

        if repeats not in REPEATS:
            raise ValueError(f"repeats must be one of {REPEATS}, got {repeats!r}")
        self.repeats = repeats
        self._repeating = repeats == "always"
        self.metrics = check_metrics(metrics)
        self.modes = normalize_modes(mode, len(self.metrics), name="mode")
        _check_range("exploration", exploration, 0.0, 1.0)
        _check_range("gamma", gamma, 0.0, 1.0, closed=False)
        if not _is_number(temperature) or not temperature > 0:
            raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
        if not _is_number(refit_growth) or not refit_growth >= 0:
            raise ValueError(f"refit_growth must be a number >= 0, got {refit_growth!r}")
        if not _is_number(transfer_strength) or not transfer_strength >= 0:
            raise ValueError(f"transfer_strength must be a number >= 0, got {transfer_strength!r}")
        for name, value in [
            ("num_candidates", num_candidates),
            ("min_own_observations", min_own_observations),
            ("num_trees", num_trees),
            ("max_enumerate", max_enumerate),
        ]:
            if not _is_number(value) or not np.isfinite(value) or int(value) != value \
                    or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.exploration = float(exploration)
        self.temperature = float(temperature)
        self.gamma = float(gamma)
        self.num_candidates = int(num_candidates)
        self.transfer_strength = float(transfer_strength)
        self.min_own_observations = int(min_own_observations)
        self.num_trees = int(num_trees)
        self.refit_growth = float(refit_growth)

        self._rs = np.random.RandomState(self.random_seed)
        self._encoder = ConfigEncoder(config_space)
        for i, point in enumerate(self.points_to_evaluate):
            missing = [k for k in self._encoder.hp_names if k not in point]
            if missing:
                raise ValueError(f"points_to_evaluate[{i}] lacks hyperparameters {missing}; "
                                 f"this searcher takes complete configurations only")

        X, y, w, related_configs = self._related_training_data(transfer_learning_evaluations)
        self._transfer_model = self._fit(X, y, w,
                                         what=f"{len(transfer_learning_evaluations)} related tasks")

        size = self._encoder.size(limit=int(max_enumerate))
        self._enumerated = size is not None
        if self._enumerated:
            pool = self._encoder.enumerate()
        else:
            pool = related_configs
        self._pool_configs = pool
        self._pool_keys = [self._encoder.key(c) for c in pool]
        self._pool_index = {k: i for i, k in enumerate(self._pool_keys)}
        self._pool_X = self._encoder.encode_configs(pool)
        self._pool_p_related = self._predict(self._transfer_model, self._pool_X)
        self._pool_p_own: np.ndarray | None = None
        self._available = np.ones(len(pool), dtype=bool)

        self._seen: set[tuple] = set()
        self._trials: dict[Any, dict[str, Any]] = {}  # trial_id -> config, key, x, history
        self._own_model: ExtraTreesRegressor | None = None
        self._num_results = 0  # own results received
        self._num_results_fitted = 0  # own results when the own model was last fitted
        self._own_count = 0  # trials used by the current own model

    # ------------------------------------------------------------------ related tasks
    def _related_training_data(
        self, evaluations
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        from syne_mohb.blackboxes.evaluations import checked_task_evaluations

        enc = self._encoder
        Xs, ys, ws = [], [], []
        related: dict[tuple, dict] = {}
        for task, hp, values, names in checked_task_evaluations(
                evaluations, "transfer_learning_evaluations", self.metrics,
                label=lambda task: f"related task {task!r}"):
            ev = evaluations[task]
            self._check_columns(task, ev)
            rows, labels = task_labels(
                values[..., [names.index(m) for m in self.metrics]], self.modes, self.gamma
            )
            if len(rows) == 0:
                raise ValueError(
                    f"related task {task!r} has no configuration with finite values of all "
                    f"objectives {self.metrics}"
                )
            frame = hp.iloc[rows].reset_index(drop=True)
            Xs.append(enc.encode_frame(frame))
            ys.append(labels)
            ws.append(np.full(len(rows), 1.0 / len(rows)))  # every task weighs the same
            in_range = self._in_range_mask(task, frame)
            for rec in frame[in_range][enc.hp_names].to_dict("records"):
                cfg = enc.cast(rec)
                related.setdefault(enc.key(cfg), cfg)
        X, y, w = np.vstack(Xs), np.concatenate(ys), np.concatenate(ws)
        # configurations evaluated on several tasks become one row with the weighted mean label
        Xu, inverse = np.unique(np.round(X, 9), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        wu = np.bincount(inverse, weights=w)
        yu = np.bincount(inverse, weights=w * y) / wu
        return Xu, yu, wu, list(related.values())

    def _check_columns(self, task, ev) -> None:
        enc = self._encoder
        columns = list(ev.hyperparameters.columns)
        for name in enc.hp_names:
            if name not in columns:
                raise ValueError(
                    f"related task {task!r} has no hyperparameter column {name!r} of the config "
                    f"space; its columns: {columns}"
                )
        for col in columns:
            if col not in self.config_space:
                raise ValueError(
                    f"related task {task!r} has hyperparameter column {col!r}, which is not in "
                    f"the config space {list(self.config_space)}"
                )
        their_space = getattr(ev, "configuration_space", None) or {}
        for name in enc.hp_names:
            ours, theirs = self.config_space[name], their_space.get(name)
            if isinstance(theirs, Domain) and isinstance(ours, Categorical) != isinstance(
                theirs, Categorical
            ):
                raise ValueError(
                    f"related task {task!r}: hyperparameter {name!r} is {theirs} there but "
                    f"{ours} in the config space"
                )
            bad = enc.invalid_values(name, ev.hyperparameters[name])
            if bad:
                raise ValueError(
                    f"related task {task!r}: column {name!r} has values {bad[:5]} that are not "
                    f"in config_space[{name!r}] = {ours}"
                )

    def _in_range_mask(self, task, frame: pd.DataFrame) -> np.ndarray:
        mask = np.ones(len(frame), dtype=bool)
        for name in self._encoder.hp_names:
            dom = self.config_space[name]
            if isinstance(dom, Categorical):
                continue
            v = frame[name].to_numpy(dtype=float)
            ok = ((v >= dom.lower - 1e-12 * abs(dom.lower))
                  & (v <= dom.upper + 1e-12 * abs(dom.upper)))
            if not ok.all():
                logger.warning(
                    "related task %r: %d values of %r lie outside [%s, %s]; they are used for "
                    "fitting (clipped) but never suggested",
                    task, int((~ok).sum()), name, dom.lower, dom.upper,
                )
            mask &= ok
        return mask

    # ------------------------------------------------------------------ models
    def _fit(
        self, X: np.ndarray, y: np.ndarray, w: np.ndarray | None, what: str
    ) -> ExtraTreesRegressor:
        # imported here: scikit-learn's ensemble module costs ~0.8 s to import, and importing the
        # scheduler (which imports this package) must not pay it
        from sklearn.ensemble import ExtraTreesRegressor

        start = time.perf_counter()
        model = ExtraTreesRegressor(
            n_estimators=self.num_trees,
            min_samples_leaf=2,
            random_state=self._rs.randint(2**31 - 1),
            n_jobs=1,
        )
        model.fit(X, y, sample_weight=w)
        logger.info(
            "ParetoTransferSearcher: fitted model on %d rows (%s) in %.3f s",
            len(X), what, time.perf_counter() - start,
        )
        return model

    @staticmethod
    def _predict(model: ExtraTreesRegressor | None, X: np.ndarray) -> np.ndarray:
        if model is None or len(X) == 0:
            return np.zeros(len(X))
        return np.clip(model.predict(X), 0.0, 1.0)

    def _own_weight(self) -> float:
        n = self._own_count
        if self._own_model is None or n < self.min_own_observations:
            return 0.0
        return n / (n + self.transfer_strength) if n + self.transfer_strength > 0 else 1.0

    def _refit_own(self) -> None:
        # refit when the own results grew by refit_growth (relative) since the last fit, so
        # a run with n results costs O(log n) refits instead of n
        if self._num_results == self._num_results_fitted:
            return
        if (self._own_model is not None
                and self._num_results < (1 + self.refit_growth) * self._num_results_fitted):
            return
        trials = [t for t in self._trials.values() if t["history"]]
        if len(trials) < self.min_own_observations:
            return
        self._num_results_fitted = self._num_results
        y = online_labels([t["history"] for t in trials], self.modes, self.gamma)
        X = np.vstack([t["x"] for t in trials])
        self._own_model = self._fit(X, y, None, what=f"{len(trials)} own trials")
        self._own_count = len(trials)
        self._pool_p_own = (self._predict(self._own_model, self._pool_X) if self._enumerated
                            else None)

    # ------------------------------------------------------------------ suggest
    def suggest(self, **kwargs) -> dict[str, Any] | None:
        while True:
            point = self._next_points_to_evaluate()
            if point is None:
                break
            config = self._encoder.cast(point)
            if self._mark_seen(config):
                return config
        self._refit_own()
        config = self._draw()
        if config is None and self.repeats == "when_exhausted" and not self._repeating:
            logger.info("transfer searcher: every configuration was suggested; repeating")
            self._repeating = True
            self._available[:] = True
            config = self._draw()
        if config is not None:
            self._mark_seen(config)
        return config

    def _draw(self) -> dict[str, Any] | None:
        if self._rs.rand() < self.exploration:
            return self._uniform_unseen()
        return self._sample_from_model()

    def _unseen(self, key: tuple) -> bool:
        return self._repeating or key not in self._seen

    def _uniform_unseen(self) -> dict[str, Any] | None:
        if self._enumerated:
            idx = np.nonzero(self._available)[0]
            return None if len(idx) == 0 else dict(self._pool_configs[self._rs.choice(idx)])
        for _ in range(100):
            config = self._encoder.sample(1, self._rs)[0]
            if self._unseen(self._encoder.key(config)):
                return config
        return None

    def _sample_from_model(self) -> dict[str, Any] | None:
        w_own = self._own_weight()
        if self._enumerated:
            idx = np.nonzero(self._available)[0]
            if len(idx) == 0:
                return None
            configs = [self._pool_configs[i] for i in idx]
            p = self._pool_p_related[idx]
            if w_own > 0:
                p = (1 - w_own) * p + w_own * self._pool_p_own[idx]
        else:
            keep = [i for i, k in enumerate(self._pool_keys) if self._unseen(k)]
            fresh = [c for c in self._encoder.sample(self.num_candidates, self._rs)
                     if self._unseen(self._encoder.key(c))]
            configs = [self._pool_configs[i] for i in keep] + fresh
            if not configs:
                return self._uniform_unseen()
            X = np.vstack([self._pool_X[keep], self._encoder.encode_configs(fresh)])
            p = np.concatenate([self._pool_p_related[keep],
                                self._predict(self._transfer_model, X[len(keep):])])
            if w_own > 0:
                p = (1 - w_own) * p + w_own * self._predict(self._own_model, X)
        logits = np.log(np.maximum(p, 1e-12)) / self.temperature
        prob = np.exp(logits - logits.max())
        prob /= prob.sum()
        return dict(configs[self._rs.choice(len(configs), p=prob)])

    def _mark_seen(self, config: dict[str, Any]) -> bool:
        """Record ``config`` as used; False if it was already used."""
        key = self._encoder.key(config)
        if key in self._seen and not self._repeating:
            return False
        self._seen.add(key)
        i = self._pool_index.get(key)
        if i is not None and not self._repeating:
            self._available[i] = False
        return True

    # ------------------------------------------------------------------ feedback
    def on_trial_result(
        self,
        trial_id: int,
        config: dict[str, Any],
        metrics: list[float] | None = None,
        resource: float | None = None,
        **kwargs,
    ) -> None:
        """Record an (intermediate) result of the current task.

        :param metrics: raw values in the order of ``metrics`` (NaN counts as worst).
        :param resource: the resource level (e.g. epoch) of the result; if None, the number of
            results received for this trial so far is used.
        :param kwargs: ``metric`` and ``resource_level``, the names Syne Tune's single-objective
            schedulers pass, taken for ``metrics`` and ``resource`` (their ``metric`` is in
            minimisation form: build the searcher with ``mode="min"``).
        """
        metrics, resource = _syne_tune_keywords(trial_id, metrics, resource, kwargs)
        self._record(trial_id, config, metrics, resource, complete=False)

    def on_trial_complete(
        self,
        trial_id: int,
        config: dict[str, Any],
        metrics: list[float] | None = None,
        resource: float | None = None,
        **kwargs,
    ) -> None:
        """Record the final result of a trial (same conventions as :meth:`on_trial_result`)."""
        metrics, resource = _syne_tune_keywords(trial_id, metrics, resource, kwargs)
        self._record(trial_id, config, metrics, resource, complete=True)

    def on_trial_error(self, trial_id: int) -> None:
        """A failed trial keeps the results it reported and its configuration is not retried."""
        return

    def _record(self, trial_id, config, metrics, resource, complete: bool) -> None:
        values = _reported_values(trial_id, metrics, self.metrics)
        if resource is not None:
            resource = _checked_resource(trial_id, resource)
        trial = self._trials.get(trial_id)
        if trial is None:
            self._encoder.check_config(config, f"trial {trial_id}")
            cfg = self._encoder.cast(config)
            self._mark_seen(cfg)
            trial = {"x": self._encoder.encode_configs([cfg])[0], "history": {}}
            self._trials[trial_id] = trial
        history = trial["history"]
        if resource is None:
            if complete and history:
                resource = max(history)
            else:
                resource = len(history) + 1
        history[float(resource)] = values
        self._num_results += 1


def _is_number(value: Any) -> bool:
    """A real number that is not NaN (bool excluded; inf allowed: the callers bound it)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        return False
    return not np.isnan(value)


def _check_range(name: str, value: float, lo: float, hi: float, closed: bool = True) -> None:
    ok = _is_number(value) and (lo <= value <= hi if closed else lo < value < hi)
    if not ok:
        br = "[]" if closed else "()"
        raise ValueError(f"{name} must be in {br[0]}{lo}, {hi}{br[1]}, got {value!r}")
