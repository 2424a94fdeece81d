"""Model-based multi-objective searcher: random-scalarisation Thompson sampling on trees.

:class:`ModelBasedSearcher` proposes the model's hyperparameters from a surrogate of every
objective with uncertainty, fitted on all results the rungs see (the resource level is an
input: a rung-0 result is cheap evidence about the same configuration at full fidelity), and,
when related tasks' offline evaluations are given, a prior fitted on them.
"""
from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from syne_tune.optimizer.schedulers.searchers.searcher import BaseSearcher

from syne_mohb.configspace import check_points_to_evaluate, check_random_seed
from syne_mohb.pareto import check_metrics, normalize_modes
from syne_mohb.searchers._config_encoding import ConfigEncoder
from syne_mohb.searchers._surrogate import TreeEnsemble, copula
from syne_mohb.searchers.random import REPEATS

logger = logging.getLogger(__name__)

__all__ = ["ModelBasedSearcher"]

ACQUISITION_LEVELS = ("max", "all")
NORMALIZATIONS = ("level", "pooled")


class ModelBasedSearcher(BaseSearcher):
    """Multi-objective, multi-fidelity Bayesian optimisation with tree ensembles (ParEGO-style
    random Chebyshev scalarisations + Thompson sampling), optionally warm-started from related
    tasks.

    **Model.** Every result ``(trial, resource r, objective vector y)`` the searcher is told of
    becomes one training row: inputs are the encoded hyperparameters of the config space
    (numbers scaled to [0, 1], log-scaled where the domain is; choices among numbers by their
    order; other categoricals one-hot, ``instance_type`` included when it is in the space), an
    optional *context* (``context_attr``, by default ``instance_type``, when the notified
    configurations carry it but the space does not: a separate hardware policy picked it; one-hot
    over the values seen) and ``log(1 + r) / log(1 + R)`` for the maximum resource ``R``. Outputs
    are the objectives in minimisation form mapped to Gaussian copula scores (ranks, so no
    per-objective scale or log decision is needed and NaN counts as worst). One multi-output
    extra-trees ensemble with bootstrap (scikit-learn) models all objectives; each tree is one
    posterior draw.

    **Acquisition** (one per suggestion, so asynchronous workers each get their own draw):
    weights ``lambda`` uniform on the simplex (ParEGO, Knowles 2006), one tree drawn at random
    (Thompson sampling on the ensemble), and the augmented Chebyshev scalarisation
    ``max_j lambda_j u_j + rho sum_j lambda_j u_j`` of the drawn tree's predictions turned into
    values ``u`` in [0, 1]. A candidate's value is its best over the acquisition levels
    (``"all"``, default: ``R, R/3, R/9, ...`` down to the lowest resource seen, i.e. the front
    over (configuration, epoch) models, which is what every rung produces; ``"max"``: the
    maximum resource only) and over the contexts seen (the hardware policy is trusted to pick
    the right instance); the candidate with the smallest value is proposed, and different
    weights cover the whole front. ``normalize="pooled"`` (default) takes ``u = Phi(z)``, the
    copula quantiles pooled over resource levels: one scale for every (configuration, level)
    model, so that a cheap model at a low level and an accurate one at ``R`` are compared as
    the hypervolume compares them. ``"level"`` scales each objective's drawn predictions to
    [0, 1] over the candidates at each level (ParEGO's normalisation), needed with ``"max"``
    (pooled, at ``R`` cumulative runtime and cost sit in their top quantiles and dominate the
    maximum).

    **Candidates.** The whole space when finite and at most ``max_enumerate`` configurations;
    otherwise ``num_candidates`` random configurations plus up to ``num_candidates / 4``
    observed ones (most results first: the rungs' survivors), redrawn at each refit.

    **Pending trials.** A configuration suggested without a result yet is *pending*: the
    acquisition never proposes it again (nor any candidate within ``pending_radius`` of it in
    the encoded space, normalised by the square root of the number of features) until its first
    result arrives. A trial that fails before its first result leaves its configuration pending
    (``on_trial_error`` gives only the trial id, which the searcher learns with a trial's first
    result): the acquisition does not propose it again.

    **Repeats** (``repeats``, the values of
    :class:`~syne_mohb.searchers.random.RandomSearcher`). ``"always"`` (default): a
    configuration with results may be proposed again, a new training run of a noisy objective
    (a training script that varies its seed). ``"when_exhausted"``: a configuration already
    suggested or reported is not proposed again while a candidate that was not remains, so on a
    finite space the model orders the configurations not tried yet and may propose any again
    once every one was suggested; on a space that is not enumerated the fresh random
    candidates are new and the observed ones are not proposed. This is what a training script
    with a fixed seed needs: there a repeat reproduces its result and pays for it again.
    ``"never"``: as ``"when_exhausted"``, but ``suggest`` returns None once a finite space is
    used up (which ends a Syne Tune run). Measured on the seven shipped tables (docs'
    "Repeats of the model-based searcher" page, 20 paired seeds). Where a repeat draws another
    recorded seed, on ``cnn`` ``"when_exhausted"`` tried 88% of a run's configurations
    against 54% and reached ASHA-on-p3's accuracy in 58 of 80 runs against 49 (tuning time
    1.12x [0.99, 1.26], the found model's dollars 1.42x [1.05, 1.90]), but on ``mlp-x`` it
    reached it in 54 of 60 against 60 and lost hypervolume (0.98x at half the budget, 0.97x at
    the end, both at 95%). Where every trial replays one fixed seed, it was ahead only in final
    hypervolume on ``cnn`` (1.01x) and again behind in final hypervolume on ``mlp-x`` (0.97x);
    the found model's dollars 1.39x on ``mlp-x`` and 1.13x on ``linear`` are ties (lower
    bounds 1.00). Elsewhere ties. So it is not the default. MO-ASHA's own searcher takes it
    as ``MOASHA(searcher_kwargs={"repeats": "when_exhausted"})``.

    **Related tasks** (``transfer_evaluations``): per task, seeds averaged, up to six fidelities
    (geometrically spaced; fidelity index ``k`` is resource ``k + 1``), per-task copula scores
    (tasks with other scales are comparable), every task weighing the same; one prior ensemble
    is fitted once. Predictions blend ``(1 - w) prior + w own`` with ``w = n / (n +
    transfer_strength)`` for ``n`` own trials with results (a tree of each is drawn), and with a
    prior the model is used from the first suggestion (no random initial design).
    **Proposals from the related fronts** (``transfer_share``, ``transfer_window``): each of the
    suggestions numbered ``transfer_window`` (default 11 to 40, counted from 1) is, with
    probability ``transfer_share`` (default 0.5 with related tasks), drawn from the related
    tasks' Pareto fronts instead of the model: a
    :class:`~syne_mohb.searchers.transfer.ParetoTransferSearcher` fitted on the related tasks
    alone (never told this run's results) over the hyperparameters and the context, whose
    value is dropped (the hardware policy places the configuration). The prior's blended
    predictions aim early suggestions at the accurate corner; these cover the rest of the
    related fronts while the run's front is being built. With ``repeats`` other than
    ``"always"``, a draw of a configuration already tried is left to the model instead.
    Measured with the hardware policy, 20 paired seeds, leave-one-task-out (docs' "With
    related tasks: proposals from their fronts" page): hypervolume at half the budget against
    the transfer searcher on ``mlp-x`` at 300 s went from 0.98x [0.97, 0.99] to a tie, and
    behind at 95% nowhere on ten tables; against ``transfer_share=0`` behind nowhere, ahead in
    that cell. The first ten suggestions are left to the model: in a short run the
    accuracy target is often reached by one of them, and proposals from the related fronts
    there cost tuning time and dollars (half of every suggestion: 0.43x the tuning dollars on
    ``mlp``).

    **Exploration.** The first ``num_initial`` trials (without a prior) and a share
    ``exploration`` of the suggestions afterwards are uniformly random non-pending candidates.
    Default: 0 without related tasks (Thompson sampling and the random weights explore), 0.1
    with them (the prior replaces the random initial design; a misleading prior must not
    decide alone).

    Defaults chosen on 2 tasks each of the shipped ``mlp`` and ``linear`` benchmarks
    (``benchmarking/compare_searchers.py``): levels "all" against "max", pooled against
    per-level normalisation, exploration 0 against 0.1 (5 seeds); with related tasks,
    exploration 0.1 against 0 and ``transfer_strength`` 5 against 20 (``linear``, 10 seeds);
    results in ``docs/benchmarks/searcher.md``.

    **Cost.** A refit costs O(T n log n d) (``T`` trees, ``n <= max_train_rows`` rows, ``d``
    features) plus predicting the candidates, O(T C K L depth) (``C`` candidates, ``K``
    contexts, ``L`` levels), whose per-tree predictions are cached. Refits happen at a
    suggestion once the number of results grew by ``refit_growth`` (relative) since the last,
    i.e. O(log n / log(1 + refit_growth)) refits per run. A suggestion between refits costs
    O(C K L m) for ``m`` objectives (plus O(C P d) for ``P`` pending configurations when the
    candidates are not enumerated). Measured in ``docs/benchmarks/searcher-speed.md``. With
    related tasks and ``transfer_share > 0``, the fronts' sampler is fitted once when the
    searcher is built (its extra trees on the related tasks' rows) and a draw from it costs
    O(C) (the candidates' cached probabilities).

    Keys of notified configurations that are not in the config space are ignored (except the
    context). Failed trials keep the results they reported.

    :param config_space: Syne Tune configuration space
    :param metrics: objective names, in the order in which the scheduler passes their values
        (raw, as reported) to :meth:`on_trial_result`
    :param mode: "min"/"max", one for all metrics or one per metric
    :param points_to_evaluate: configurations to suggest first, in order
    :param random_seed: seed of all randomness (draws, trees)
    :param transfer_evaluations: ``{task: TransferLearningTaskEvaluations}`` of related tasks,
        or None; their objectives must include ``metrics`` (for ``st_worker_time`` /
        ``st_worker_cost``, the ``runtime`` / ``cost`` that ``from_experiments`` writes do)
        and their hyperparameter columns the space's hyperparameters (other columns are
        ignored, except ``context_attr``)
    :param max_resource: the maximum resource ``R`` (MO-ASHA's ``max_t``); default: the largest
        resource seen (results and related tasks' fidelities)
    :param context_attr: configuration key used as a context input when it is not a
        hyperparameter of the space, or None
    :param num_trees: trees per ensemble (>= 1)
    :param min_samples_leaf: minimum rows per leaf (>= 1)
    :param num_initial: trials with results before the model is used without related tasks
    :param exploration: share of uniformly random suggestions, in [0, 1]; None: 0 without
        related tasks, 0.1 with them
    :param refit_growth: refit once the number of results grew by this fraction (>= 0; 0:
        refit at every suggestion that follows a new result)
    :param acquisition_levels: "max" or "all" (see above)
    :param rho: weight of the linear term of the augmented Chebyshev scalarisation (>= 0)
    :param num_candidates: random candidates when the space is not enumerated (>= 1)
    :param max_enumerate: enumerate finite spaces up to this many configurations (>= 1)
    :param transfer_strength: own trials at which own data and the prior weigh the same (>= 0)
    :param max_train_rows: rows the own model is fitted on at most (a seeded subsample beyond)
    :param pending_radius: exclusion radius around pending configurations (>= 0)
    :param normalize: "level" or "pooled" (see above)
    :param repeats: "always", "when_exhausted" or "never" (see above)
    :param transfer_share: share, in [0, 1], of the suggestions in ``transfer_window`` drawn
        from the related tasks' fronts; None: 0.5 with related tasks (without, no effect)
    :param transfer_window: ``(first, last)`` suggestion numbers (1 <= first <= last) where
        ``transfer_share`` applies
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        metrics: list[str],
        mode: str | list[str] = "min",
        points_to_evaluate: list[dict[str, Any]] | None = None,
        random_seed: int | None = None,
        transfer_evaluations: dict[str, Any] | None = None,
        max_resource: float | None = None,
        context_attr: str | None = "instance_type",
        num_trees: int = 32,
        min_samples_leaf: int = 2,
        num_initial: int = 10,
        exploration: float | None = None,
        refit_growth: float = 0.15,
        acquisition_levels: str = "all",
        rho: float = 0.05,
        num_candidates: int = 1000,
        max_enumerate: int = 20000,
        transfer_strength: float = 20.0,
        max_train_rows: int = 5000,
        pending_radius: float = 1e-6,
        normalize: str = "pooled",
        repeats: str = "always",
        transfer_share: float | None = None,
        transfer_window: tuple[int, int] = (11, 40),
    ):
        if not isinstance(config_space, dict):
            raise ValueError(
                f"config_space must be a dict of name -> domain, got {type(config_space).__name__}"
            )
        metrics = check_metrics(metrics)
        random_seed = check_random_seed(random_seed)
        modes = normalize_modes(mode, len(metrics), "mode")
        for name, value, lowest in (("num_trees", num_trees, 1),
                                    ("min_samples_leaf", min_samples_leaf, 1),
                                    ("num_initial", num_initial, 0),
                                    ("num_candidates", num_candidates, 1),
                                    ("max_enumerate", max_enumerate, 1),
                                    ("max_train_rows", max_train_rows, 1)):
            if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                    or value < lowest):
                raise ValueError(f"{name} must be an integer >= {lowest}, got {value!r}")
        for name, value in (("refit_growth", refit_growth), ("rho", rho),
                            ("transfer_strength", transfer_strength),
                            ("pending_radius", pending_radius)):
            if not _is_number(value) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        if exploration is None:
            exploration = 0.0 if transfer_evaluations is None else 0.1
        if not _is_number(exploration) or not 0 <= exploration <= 1:
            raise ValueError(f"exploration must be in [0, 1] or None, got {exploration!r}")
        if transfer_share is None:
            transfer_share = 0.0 if transfer_evaluations is None else 0.5
        if not _is_number(transfer_share) or not 0 <= transfer_share <= 1:
            raise ValueError(f"transfer_share must be in [0, 1] or None, got {transfer_share!r}")
        transfer_window = _checked_window(transfer_window)
        if max_resource is not None and (not _is_number(max_resource) or not max_resource > 0):
            raise ValueError(f"max_resource must be a number > 0 or None, got {max_resource!r}")
        if acquisition_levels not in ACQUISITION_LEVELS:
            raise ValueError(
                f"acquisition_levels must be one of {ACQUISITION_LEVELS}, got "
                f"{acquisition_levels!r}"
            )
        if repeats not in REPEATS:
            raise ValueError(f"repeats must be one of {REPEATS}, got {repeats!r}")
        if normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")
        if context_attr is not None and not isinstance(context_attr, str):
            raise ValueError("context_attr must be a configuration key or None, got "
                             f"{context_attr!r}")
        super().__init__(config_space, random_seed=random_seed,
                         points_to_evaluate=check_points_to_evaluate(points_to_evaluate,
                                                                     config_space))
        self.metrics = metrics
        self.modes = modes
        self._sign = np.array([1.0 if m == "min" else -1.0 for m in modes])
        self.num_trees = int(num_trees)
        self.min_samples_leaf = int(min_samples_leaf)
        self.num_initial = int(num_initial)
        self.exploration = float(exploration)
        self.refit_growth = float(refit_growth)
        self.acquisition_levels = acquisition_levels
        self.rho = float(rho)
        self.num_candidates = int(num_candidates)
        self.transfer_strength = float(transfer_strength)
        self.max_train_rows = int(max_train_rows)
        self.pending_radius = float(pending_radius)
        self.max_resource = None if max_resource is None else float(max_resource)
        self.normalize = normalize
        self.repeats = repeats
        self.transfer_share = float(transfer_share)
        self.transfer_window = transfer_window

        self._rs = np.random.RandomState(self.random_seed)
        self._encoder = ConfigEncoder(config_space)
        hp = set(self._encoder.hp_names)
        self.context_attr = (context_attr if context_attr is not None and context_attr not in hp
                             else None)
        self._contexts: list[Any] = []  # context values, in order of first appearance
        self._context_index: dict[str, int] = {}

        # own data: per trial its encoded hyperparameters, context and results per resource
        self._trials: dict[Any, dict[str, Any]] = {}
        self._num_trials_with_results = 0
        self._x_cache: dict[str, np.ndarray] = {}  # key -> encoded hyperparameters
        self._num_results = 0
        self._num_fitted = -1
        self._max_seen_resource = 0.0
        self._min_seen_resource = np.inf
        self._own: TreeEnsemble | None = None
        self._own_trials = 0
        self._pending: dict[str, list] = {}  # key -> [count, encoded x]
        self._tried: set[str] = set()  # keys suggested or reported
        self._exhausted = False  # every candidate of an enumerated space was tried

        # candidates
        size = self._encoder.size(limit=int(max_enumerate))
        self._enumerated = size is not None
        self._pool_configs: list[dict[str, Any]] = (self._encoder.enumerate() if self._enumerated
                                                    else [])
        self._set_pool(self._pool_configs)
        self._pred_own: np.ndarray | None = None  # [T, C, K, L, m]
        self._pred_prior: np.ndarray | None = None
        self._pred_key: tuple | None = None  # what the cached predictions were made for

        self._prior: TreeEnsemble | None = None
        self._prior_contexts = 0
        self._prior_max_fidelity = 0
        self._num_suggested = 0
        self._fronts = None  # proposals from the related tasks' fronts (transfer_share)
        self._fronts_rs = np.random.RandomState((self.random_seed + 12345) % 2**32)
        if transfer_evaluations is not None:
            self._fit_prior(transfer_evaluations)
            self._refresh_pool()
            if self.transfer_share > 0:
                self._fronts = self._fronts_sampler(transfer_evaluations)

    # ------------------------------------------------------------------ related tasks
    def _fit_prior(self, evaluations: dict[str, Any]) -> None:
        from syne_mohb.blackboxes.evaluations import (
            CONVERTED_OBJECTIVES,
            checked_task_evaluations,
            objective_of_tasks,
        )

        enc = self._encoder
        tasks = []
        # a metric the tasks lack may be a run's st_worker_* that from_experiments renamed
        wanted = [objective_of_tasks(evaluations, [m, CONVERTED_OBJECTIVES.get(m, m)]) or m
                  for m in self.metrics]
        for task, frame, values, names in checked_task_evaluations(
                evaluations, "transfer_evaluations", wanted, config_space=self.config_space):
            if self.context_attr is not None and self.context_attr in frame.columns:
                for value in pd.unique(frame[self.context_attr]):
                    self._context_of(value)
            tasks.append((task, frame, values[..., [names.index(m) for m in wanted]]))
        self._prior_contexts = len(self._contexts)
        self._prior_metrics = wanted
        Xs, Zs, Ws = [], [], []
        for task, frame, values in tasks:
            with warnings.catch_warnings():  # all seeds NaN -> "Mean of empty slice"
                warnings.simplefilter("ignore", category=RuntimeWarning)
                mean = np.nanmean(values, axis=1)  # [n, F, m]
            F = mean.shape[1]
            self._prior_max_fidelity = max(self._prior_max_fidelity, F)
            levels = np.unique(np.round(np.geomspace(1, F, num=min(F, 6))).astype(int)) - 1
            X_hp = enc.encode_frame(frame)
            ctx = self._encode_context_column(frame)
            rows_x, rows_r, rows_y = [], [], []
            for f in levels:
                ok = np.all(np.isfinite(mean[:, f, :]), axis=1)
                idx = np.flatnonzero(ok)
                rows_x.append(np.hstack([X_hp[idx], ctx[idx]]))
                rows_r.append(np.full(len(idx), float(f + 1)))
                rows_y.append(mean[idx, f, :] * self._sign)
            X = np.vstack(rows_x)
            if len(X) == 0:
                raise ValueError(
                    f"transfer_evaluations[{task!r}] has no configuration with finite values of "
                    f"all objectives {self.metrics}"
                )
            Xs.append((X, np.concatenate(rows_r)))
            Zs.append(copula(np.vstack(rows_y)))
            Ws.append(np.full(len(X), 1.0 / len(X)))
        R = self._resource_scale()
        X = np.vstack([np.hstack([x, self._resource_feature(r, R)[:, None]]) for x, r in Xs])
        start = time.perf_counter()
        self._prior = TreeEnsemble(self.num_trees, 2 * self.min_samples_leaf,
                                   int(self._rs.randint(2**31 - 1))).fit(
            X, np.vstack(Zs), np.concatenate(Ws) * len(X) / len(Xs))
        logger.info("ModelBasedSearcher: prior fitted on %d rows of %d related tasks in %.2f s",
                    len(X), len(Xs), time.perf_counter() - start)

    def _fronts_sampler(self, evaluations: dict[str, Any]) -> Any:
        """:class:`~syne_mohb.searchers.transfer.ParetoTransferSearcher` on the related tasks
        alone (it is told no result of this run): it draws configurations near their Pareto
        fronts, over the hyperparameters and, where the tasks carry it, the context (whose
        value is dropped from a proposal: the hardware policy places it)."""
        from syne_tune.config_space import choice

        from syne_mohb.searchers.transfer import ParetoTransferSearcher

        space = dict(self.config_space)
        if self.context_attr is not None and self._contexts:
            space[self.context_attr] = choice(list(self._contexts))
        return ParetoTransferSearcher(space, evaluations, metrics=self._prior_metrics,
                                      mode=self.modes, random_seed=self.random_seed)

    def _from_related_fronts(self) -> dict[str, Any] | None:
        """A configuration from the related tasks' fronts for suggestion number
        ``self._num_suggested`` if it falls in ``transfer_window`` and a coin of probability
        ``transfer_share`` says so; None otherwise (or once the fronts' sampler is used up)."""
        lo, hi = self.transfer_window
        if self._fronts is None or not lo <= self._num_suggested <= hi \
                or not self._fronts_rs.uniform() < self.transfer_share:
            return None
        config = self._fronts.suggest()
        if config is None:
            return None
        config.pop(self.context_attr, None)
        config = self._encoder.cast(config)
        if self.repeats != "always" and self._encoder.key(config) in self._tried:
            return None  # the model proposes one not tried yet (or ends the run: "never")
        return config

    # ------------------------------------------------------------------ encoding helpers
    def _context_of(self, value: Any) -> int:
        key = str(value)
        i = self._context_index.get(key)
        if i is None:
            i = len(self._contexts)
            self._context_index[key] = i
            self._contexts.append(value)
        return i

    def _encode_context_column(self, frame: pd.DataFrame) -> np.ndarray:
        k = len(self._contexts)
        out = np.zeros((len(frame), k))
        if self.context_attr is not None and self.context_attr in frame.columns and k:
            idx = np.array([self._context_index[str(v)] for v in frame[self.context_attr]])
            out[np.arange(len(frame)), idx] = 1.0
        return out

    def _resource_scale(self) -> float:
        if self.max_resource is not None:
            return self.max_resource
        return max(self._max_seen_resource, float(self._prior_max_fidelity), 1.0)

    @staticmethod
    def _resource_feature(r: np.ndarray, R: float) -> np.ndarray:
        return np.log1p(np.maximum(np.asarray(r, dtype=float), 0.0)) / np.log1p(R)

    def _levels(self) -> np.ndarray:
        R = self._resource_scale()
        if self.acquisition_levels == "max":
            return np.array([R])
        low = self._min_seen_resource if np.isfinite(self._min_seen_resource) else 1.0
        levels = [R]
        while levels[-1] / 3.0 >= low * (1 - 1e-9):
            levels.append(levels[-1] / 3.0)
        if low < levels[-1]:
            levels.append(low)
        return np.array(levels)

    def _design(self, X_pool: np.ndarray, num_contexts: int, width: int, levels: np.ndarray,
                R: float) -> np.ndarray:
        """Prediction inputs for every (candidate, context, level): ``[C * K * L, d]``."""
        C, d_hp = X_pool.shape
        K, L = max(num_contexts, 1), len(levels)
        D = np.zeros((C, K, L, d_hp + width + 1), dtype=np.float32)
        D[..., :d_hp] = X_pool[:, None, None, :]
        for k in range(min(num_contexts, width)):
            D[:, k, :, d_hp + k] = 1.0
        D[..., -1] = self._resource_feature(levels, R)[None, None, :]
        return D.reshape(C * K * L, -1)

    # ------------------------------------------------------------------ candidates
    def _set_pool(self, configs: list[dict[str, Any]]) -> None:
        self._pool_configs = configs
        self._pool_version = getattr(self, "_pool_version", 0) + 1
        self._pool_keys = [self._encoder.key(c) for c in configs]
        self._pool_index = {k: i for i, k in enumerate(self._pool_keys)}
        tried = getattr(self, "_tried", ())
        self._tried_pool = np.fromiter((k in tried for k in self._pool_keys), dtype=bool,
                                       count=len(self._pool_keys))
        self._pool_X = self._encoder.encode_configs(configs)

    def _refresh_pool(self) -> None:
        """Non-enumerated spaces: fresh random candidates plus up to ``num_candidates / 4``
        observed configurations, those with the most results (the survivors of the rungs)
        first, then the most recent."""
        if self._enumerated:
            return
        trials = list(self._trials.values())
        order = sorted(range(len(trials)), key=lambda i: (-len(trials[i]["history"]), -i))
        observed: dict[str, dict[str, Any]] = {}
        for i in order:
            if len(observed) >= max(1, self.num_candidates // 4):
                break
            observed.setdefault(trials[i]["key"], trials[i]["config"])
        fresh = self._encoder.sample(self.num_candidates, self._rs)
        configs = list(observed.values()) + [c for c in fresh
                                             if self._encoder.key(c) not in observed]
        self._set_pool(configs)

    def _blocked_mask(self) -> np.ndarray:
        """Candidates that may not be proposed now: pending ones and, unless repeats are
        allowed, those already tried while an untried one remains."""
        mask = self._pending_mask()
        if self.repeats == "always" or self._exhausted:
            return mask
        tried = self._tried_pool
        if self._enumerated and tried.all():
            self._exhausted = True  # from now on, as "always" (or the end, with "never")
            return mask
        return mask | tried

    def _pending_mask(self) -> np.ndarray:
        mask = np.zeros(len(self._pool_configs), dtype=bool)
        if not self._pending:
            return mask
        for key in self._pending:
            i = self._pool_index.get(key)
            if i is not None:
                mask[i] = True
        if self.pending_radius > 0 and not self._enumerated:
            P = np.vstack([x for _, x in self._pending.values()])
            scale = np.sqrt(max(self._pool_X.shape[1], 1))
            for start in range(0, len(self._pool_X), 4096):
                block = self._pool_X[start:start + 4096]
                d2 = ((block[:, None, :] - P[None, :, :]) ** 2).sum(-1)
                mask[start:start + 4096] |= (np.sqrt(d2.min(1)) / scale) < self.pending_radius
        return mask

    # ------------------------------------------------------------------ fitting
    def _trials_with_results(self) -> int:
        return self._num_trials_with_results

    def _encoded(self, key: str, config: dict[str, Any]) -> np.ndarray:
        x = self._x_cache.get(key)
        if x is None:
            i = self._pool_index.get(key) if self._enumerated else None
            x = self._pool_X[i] if i is not None else self._encoder.encode_configs([config])[0]
            self._x_cache[key] = x
        return x

    def _maybe_refit(self) -> None:
        n = self._num_results
        if n > self._num_fitted and (self._own is None or self._num_fitted <= 0
                                     or n >= (1 + self.refit_growth) * self._num_fitted):
            if n >= 2:
                self._fit_own()
        key = (self._num_fitted, self._pool_version, len(self._contexts),
               self._resource_scale(), tuple(self._levels()))
        if key != self._pred_key and (self._own is not None or self._prior is not None):
            self._predict_pool()
            self._pred_key = key

    def _fit_own(self) -> None:
        trials = [t for t in self._trials.values() if t["history"]]
        R = self._resource_scale()
        K = len(self._contexts)
        xs, rs, ys = [], [], []
        for t in trials:
            ctx = np.zeros(K)
            if t["context"] is not None:
                ctx[t["context"]] = 1.0
            x = np.concatenate([t["x"], ctx])
            for r, y in t["history"].items():
                xs.append(x)
                rs.append(r)
                ys.append(y)
        X = np.vstack(xs)
        X = np.hstack([X, self._resource_feature(np.array(rs), R)[:, None]])
        Y = np.vstack(ys) * self._sign
        if len(X) > self.max_train_rows:
            keep = np.sort(self._rs.choice(len(X), self.max_train_rows, replace=False))
            X, Y = X[keep], Y[keep]
        start = time.perf_counter()
        self._own = TreeEnsemble(self.num_trees, self.min_samples_leaf,
                                 int(self._rs.randint(2**31 - 1))).fit(X, copula(Y))
        self._own_contexts = K
        self._own_trials = len(trials)
        self._num_fitted = self._num_results
        self._refresh_pool()
        logger.debug("ModelBasedSearcher: fitted on %d rows in %.3f s", len(X),
                     time.perf_counter() - start)

    def _predict_pool(self) -> None:
        levels = self._levels()
        R = self._resource_scale()
        K = len(self._contexts) if self.context_attr is not None else 0
        C, L, m = len(self._pool_configs), len(levels), len(self.metrics)
        shape = (C, max(K, 1), L, m)
        self._pred_own = None
        if self._own is not None:
            D = self._design(self._pool_X, K, self._own_contexts, levels, R)
            self._pred_own = self._own.predict_trees(D).reshape(-1, *shape)
        self._pred_prior = None
        if self._prior is not None:
            D = self._design(self._pool_X, K, self._prior_contexts, levels, R)
            self._pred_prior = self._prior.predict_trees(D).reshape(-1, *shape)

    def _own_weight(self) -> float:
        if self._pred_own is None:
            return 0.0
        if self._pred_prior is None:
            return 1.0
        n = self._own_trials
        return n / (n + self.transfer_strength) if n + self.transfer_strength > 0 else 1.0

    # ------------------------------------------------------------------ suggest
    def suggest(self, **kwargs) -> dict[str, Any] | None:
        self._num_suggested += 1
        config = self._next_points_to_evaluate()
        if config is not None:
            full = self._encoder.sample(1, self._rs)[0]
            full.update(config)
            config = self._encoder.cast(full)
        elif (config := self._from_related_fronts()) is None:
            self._maybe_refit()
            config = self._propose()
            if config is None:
                return None
        self._mark_pending(config)
        return config

    def _use_model(self) -> bool:
        if self._pred_own is None and self._pred_prior is None:
            return False
        if self._prior is None and self._trials_with_results() < self.num_initial:
            return False
        return self._rs.rand() >= self.exploration

    def _propose(self) -> dict[str, Any] | None:
        if self._enumerated or self._pool_configs:
            blocked = self._blocked_mask()
        else:
            blocked = None
        if self._exhausted and self.repeats == "never":
            return None
        if not self._use_model() or blocked is None:
            return self._random_config(blocked)
        from scipy.special import ndtr

        w = self._own_weight()
        if w >= 1.0:
            z = self._pred_own[self._rs.randint(len(self._pred_own))]
        elif w <= 0.0:
            z = self._pred_prior[self._rs.randint(len(self._pred_prior))]
        else:
            z = (w * self._pred_own[self._rs.randint(len(self._pred_own))]
                 + (1 - w) * self._pred_prior[self._rs.randint(len(self._pred_prior))])
        if self.normalize == "level":
            # ParEGO's normalisation: each objective scaled to [0, 1] over the candidates (and
            # contexts), per level, so that no objective dominates the Chebyshev maximum
            low = z.min(axis=(0, 1), keepdims=True)
            span = z.max(axis=(0, 1), keepdims=True) - low
            u = (z - low) / np.where(span > 0, span, 1.0)
        else:
            u = ndtr(z.astype(float))  # [C, K, L, m] quantiles pooled over levels
        lam = self._rs.dirichlet(np.ones(len(self.metrics)))
        weighted = u * lam
        score = weighted.max(-1) + self.rho * weighted.sum(-1)  # [C, K, L]
        score = score.reshape(len(score), -1).min(1)
        score[blocked] = np.inf
        if not np.isfinite(score).any():
            return self._random_config(None)
        order = self._rs.permutation(len(score))  # random tie-break among equal scores
        best = order[int(np.argmin(score[order]))]
        return dict(self._pool_configs[best])

    def _random_config(self, blocked: np.ndarray | None) -> dict[str, Any]:
        if self._enumerated:
            free = (np.flatnonzero(~blocked) if blocked is not None
                    else np.arange(len(self._pool_configs)))
            if len(free) == 0:
                free = np.arange(len(self._pool_configs))
            return dict(self._pool_configs[int(self._rs.choice(free))])
        for _ in range(100):
            config = self._encoder.sample(1, self._rs)[0]
            key = self._encoder.key(config)
            if key not in self._pending and (self.repeats == "always" or key not in self._tried):
                return config
        return config

    def _mark_pending(self, config: dict[str, Any]) -> None:
        key = self._encoder.key(config)
        self._note_tried(key)
        entry = self._pending.get(key)
        if entry is None:
            self._pending[key] = [1, None if self._enumerated else self._encoded(key, config)]
        else:
            entry[0] += 1

    def _note_tried(self, key: str) -> None:
        self._tried.add(key)
        i = self._pool_index.get(key)
        if i is not None:
            self._tried_pool[i] = True

    # ------------------------------------------------------------------ feedback
    def on_trial_result(self, trial_id: int, config: dict[str, Any],
                        metrics: list[float] | None = None, resource: float | None = None,
                        **kwargs) -> None:
        """Record a result of the current task.

        :param metrics: raw reported values in the order of ``metrics`` (NaN counts as worst)
        :param resource: resource level of the result (e.g. the epoch); None: the number of
            results received for this trial so far, this one included
        :param kwargs: ``metric`` and ``resource_level``, the names Syne Tune's single-objective
            schedulers (e.g. ``AsynchronousSuccessiveHalving``) pass, taken for ``metrics`` and
            ``resource`` (their ``metric`` is in minimisation form: build the searcher with
            ``mode="min"``)
        """
        metrics, resource = _syne_tune_keywords(trial_id, metrics, resource, kwargs)
        self._record(trial_id, config, metrics, resource, complete=False)

    def on_trial_complete(self, trial_id: int, config: dict[str, Any],
                          metrics: list[float] | None = None, resource: float | None = None,
                          **kwargs) -> None:
        """Record the final result of a trial (same conventions as :meth:`on_trial_result`;
        a result already told at the same resource is overwritten, not counted twice)."""
        metrics, resource = _syne_tune_keywords(trial_id, metrics, resource, kwargs)
        self._record(trial_id, config, metrics, resource, complete=True)

    def on_trial_error(self, trial_id: int) -> None:
        """A failed trial keeps the results it reported."""
        return

    def _record(self, trial_id, config, metrics, resource, complete: bool) -> None:
        values = _reported_values(trial_id, metrics, self.metrics)
        trial = self._trials.get(trial_id)
        if trial is None:
            self._encoder.check_config(config, f"trial {trial_id}")
            cfg = self._encoder.cast(config)
            key = self._encoder.key(cfg)
            context = None
            if self.context_attr is not None and self.context_attr in config:
                context = self._context_of(config[self.context_attr])
            trial = {"config": cfg, "key": key, "x": self._encoded(key, cfg),
                     "context": context, "history": {}}
            self._note_tried(key)
            self._trials[trial_id] = trial
            entry = self._pending.get(key)
            if entry is not None:
                entry[0] -= 1
                if entry[0] <= 0:
                    del self._pending[key]
        history = trial["history"]
        if resource is None:
            resource = max(history) if complete and history else len(history) + 1
        else:
            resource = _checked_resource(trial_id, resource)
        resource = float(resource)
        if resource not in history:
            self._num_results += 1
            if not history:
                self._num_trials_with_results += 1
        history[resource] = values
        self._max_seen_resource = max(self._max_seen_resource, resource)
        self._min_seen_resource = min(self._min_seen_resource, resource)


def _syne_tune_keywords(trial_id: Any, metrics: Any, resource: Any,
                        kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """``(metrics, resource)`` of a searcher's ``on_trial_result`` / ``on_trial_complete``,
    ``metric`` and ``resource_level`` (Syne Tune's single-objective schedulers' names) standing
    in for them; any other keyword is a ``TypeError``, as Python's own."""
    unknown = sorted(set(kwargs) - {"metric", "resource_level"})
    if unknown:
        raise TypeError(f"unexpected keyword arguments {unknown}; the result's values go to "
                        f"metrics=, its resource level to resource=")
    if metrics is None:
        metrics = kwargs.get("metric")
    if resource is None:
        resource = kwargs.get("resource_level")
    if metrics is None:
        raise ValueError(f"trial {trial_id}: no metrics given; pass metrics=[one value per "
                         f"metric]")
    return metrics, resource


def _reported_values(trial_id: Any, metrics: Any, names: list[str]) -> np.ndarray:
    """A result's metric values as floats, one per name of ``names``, or a ``ValueError``
    naming the trial (values that are not numbers, or another count)."""
    try:
        values = np.asarray(metrics, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"trial {trial_id}: metrics must be numbers, one per metric {names}; "
                         f"got {metrics!r}") from None
    if values.shape[0] != len(names):
        raise ValueError(f"trial {trial_id}: got {values.shape[0]} metric values "
                         f"{values.tolist()}, expected one per metric {names}")
    return values


def _checked_resource(trial_id: Any, resource: Any) -> float:
    """``resource`` as a float, or a ``ValueError`` naming the trial and the value given."""
    try:
        value = float(resource)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(resource, (bool, np.bool_)) or not np.isfinite(value) or value < 0:
        raise ValueError(
            f"trial {trial_id}: resource must be a finite number >= 0 (the result's epoch or "
            f"other resource level), or None; got {resource!r}"
        )
    return value


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return False
    return bool(np.isfinite(value))


def _checked_window(window: Any) -> tuple[int, int]:
    """``transfer_window`` as ``(first, last)`` suggestion numbers, 1 <= first <= last, or a
    ``ValueError`` that names it."""
    ok = (isinstance(window, (tuple, list)) and len(window) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in window)
          and 1 <= window[0] <= window[1])
    if not ok:
        raise ValueError(f"transfer_window must be two suggestion numbers (first, last) with "
                         f"1 <= first <= last, got {window!r}")
    return int(window[0]), int(window[1])
