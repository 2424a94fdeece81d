"""Registry of the tuning methods compared in the experiments.

Every method is a factory ``(MethodContext) -> TrialScheduler``; all of them run on the same
simulated benchmark, budget and number of workers (see :mod:`syne_mohb.experiments.runner`).

========================  ==================================================================
name                      method
========================  ==================================================================
``moasha``                our MO-ASHA (stopping) + its default searcher (random draws with
                          replacement, dominated instance types sampled for exploration only);
                          accuracy (max), runtime (min), cost (min); instance type tuned
``moasha-uniform``        the first release's default: uniform random search, no repeats
``moasha-repeats``        uniform random draws with replacement
``moasha-exhaust``        no repeats until a finite space is used up, then with replacement
``moasha-promotion``      our MO-ASHA, promotion variant (pause and resume)
``moasha-transfer``       our MO-ASHA (stopping) + ``ParetoTransferSearcher`` fed with the
                          benchmark's other tasks (leave-one-task-out)
``st-moasha``             Syne Tune 0.16 ``MOASHA`` as shipped. It has one ``do_minimize`` for
                          all metrics, so it gets error, runtime and cost, all minimised
``st-moasha-fixed``       the same with its rank bug patched (the peer to beat)
``mo-random-repeats``     multi-objective random search with draws with replacement
``asha-p3``               single-objective ASHA on ml.p3.2xlarge
``mo-random``             multi-objective random search: every trial runs to the maximum
                          fidelity (FIFO), seeded random searcher, instance type tuned
``asha-default``          single-objective ASHA (Syne Tune 0.16) on accuracy with the instance
                          fixed to the default (``ml.g4dn.xlarge``: the cheapest single-GPU
                          type, the user's habit)
``asha-instance``         single-objective ASHA on accuracy with the instance type tuned
``nsga2``                 Optuna 5 ``NSGAIISampler`` (Deb et al. 2002) through ask/tell, each
                          trial trained to the maximum fidelity, accuracy/runtime/cost
``moasha-hp``             our MO-ASHA with the instance fixed to the default (accuracy,
                          runtime): the hyperparameters-only setting
========================  ==================================================================
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import (
    Categorical,
    Domain,
    Float,
    Integer,
    postprocess_config,
)
from syne_tune.optimizer.scheduler import SchedulerDecision, TrialScheduler, TrialSuggestion

from syne_mohb.pareto import normalize_modes
from syne_mohb.scheduler import MOASHA, MultiObjectiveMetrics
from syne_mohb.searchers.random import RandomSearcher

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_INSTANCE",
    "METHODS",
    "MethodContext",
    "FIFOScheduler",
    "OptunaAskTellScheduler",
    "method_names",
    "make_scheduler",
    "uses_fixed_instance",
]

DEFAULT_INSTANCE = "ml.g4dn.xlarge"
# the second reference instance of the comparisons (one V100: the paper's default)
P3_INSTANCE = "ml.p3.2xlarge"
# when the benchmark does not offer ml.g4dn.xlarge: first of these that it offers
_DEFAULT_FALLBACKS = ("ml.g4dn.xlarge", "ml.g5.xlarge", "ml.g4dn.2xlarge", "ml.m5.xlarge")


@dataclass
class MethodContext:
    """What a method factory needs to build its scheduler for one run.

    :param config_space: Syne Tune config space of the benchmark (instance type included)
    :param fidelity_attr: reported resource (e.g. "epoch")
    :param max_t: maximum resource
    :param random_seed: seed of the run
    :param instance_attr: name of the instance-type hyperparameter
    :param default_instance: instance type of the fixed-instance baselines
    :param transfer_evaluations: ``{task: TransferLearningTaskEvaluations}`` of related tasks
        (only ``moasha-transfer`` needs it)
    """

    config_space: dict[str, Any]
    fidelity_attr: str
    max_t: int
    random_seed: int
    instance_attr: str = "instance_type"
    default_instance: str = DEFAULT_INSTANCE
    transfer_evaluations: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def fixed_space(self, instance: str | None = None) -> dict[str, Any]:
        """Config space with the instance type fixed to ``instance`` (default:
        ``default_instance``)."""
        cs = dict(self.config_space)
        instance = instance or self.default_instance
        offered = getattr(cs.get(self.instance_attr), "categories", None)
        if offered is not None and instance not in offered:
            raise ValueError(f"instance type {instance!r} is not offered by the benchmark; "
                             f"offered: {list(offered)}")
        cs[self.instance_attr] = instance
        return cs


class FIFOScheduler(MultiObjectiveMetrics, TrialScheduler):
    """First-in-first-out scheduler: every trial runs to its end; configurations come from a
    searcher (any number of metrics). Used for multi-objective random search.

    :param config_space: Syne Tune config space
    :param metrics: metric names passed to the searcher, in order
    :param mode: "min"/"max" per metric (or one for all)
    :param searcher: a ``BaseSearcher`` (default: seeded :class:`RandomSearcher`)
    :param random_seed: seed of the default searcher
    """

    def __init__(self, config_space: dict[str, Any], metrics: list[str],
                 mode: str | list[str] = "min", searcher=None, random_seed: int | None = None):
        super().__init__(random_seed=random_seed)
        if isinstance(metrics, str) or not metrics:
            raise ValueError(f"metrics must be a non-empty list, got {metrics!r}")
        self.config_space = config_space
        self.metrics = list(metrics)
        self.modes = normalize_modes(mode, len(self.metrics), "mode")
        self.searcher = searcher or RandomSearcher(config_space, random_seed=self.random_seed)

    def suggest(self) -> TrialSuggestion | None:
        config = self.searcher.suggest()
        if config is None:
            return None
        return TrialSuggestion.start_suggestion(postprocess_config(config, self.config_space))

    def _values(self, result: dict[str, Any]) -> list[float]:
        return [float(result.get(m, np.nan)) for m in self.metrics]

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        self.searcher.on_trial_result(trial.trial_id, trial.config, self._values(result))
        return SchedulerDecision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        self.searcher.on_trial_complete(trial.trial_id, trial.config, self._values(result))

    def on_trial_error(self, trial: Trial):
        self.searcher.on_trial_error(trial.trial_id)



def _optuna_distribution(name: str, domain: Domain):
    import optuna

    if isinstance(domain, Categorical):
        return optuna.distributions.CategoricalDistribution(list(domain.categories))
    if isinstance(domain, Integer):
        return optuna.distributions.IntDistribution(int(domain.lower), int(domain.upper),
                                                    log=bool(getattr(domain, "log_scale", False)))
    if isinstance(domain, Float):
        return optuna.distributions.FloatDistribution(float(domain.lower), float(domain.upper),
                                                      log=bool(getattr(domain, "log_scale", False)))
    raise ValueError(f"hyperparameter {name!r}: domain {type(domain).__name__} has no Optuna equivalent")


class OptunaAskTellScheduler(MultiObjectiveMetrics, TrialScheduler):
    """Any Optuna sampler (default: NSGA-II) as a Syne Tune scheduler, through ask/tell.

    ``suggest`` asks the study for a trial; the final result of a completed trial is told with
    one value per metric (Optuna handles per-metric directions). Trials run to the end (Optuna
    cannot prune multi-objective studies). Failed trials are told as FAIL.

    :param config_space: Syne Tune config space (Categorical, Integer, Float domains; constants)
    :param metrics: metric names
    :param mode: "min"/"max" per metric
    :param sampler: an Optuna sampler (default ``NSGAIISampler(population_size, seed)``)
    :param population_size: NSGA-II population size when ``sampler`` is None
    :param random_seed: seed of the default sampler
    """

    def __init__(self, config_space: dict[str, Any], metrics: list[str], mode: str | list[str],
                 sampler=None, population_size: int = 20, random_seed: int | None = None):
        super().__init__(random_seed=random_seed)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if isinstance(metrics, str) or not metrics:
            raise ValueError(f"metrics must be a non-empty list, got {metrics!r}")
        self.config_space = config_space
        self.metrics = list(metrics)
        self.modes = normalize_modes(mode, len(self.metrics), "mode")
        if sampler is None:
            if population_size < 2:
                raise ValueError(f"population_size must be >= 2, got {population_size}")
            sampler = optuna.samplers.NSGAIISampler(population_size=population_size,
                                                    seed=self.random_seed)
        self.study = optuna.create_study(
            directions=["minimize" if m == "min" else "maximize" for m in self.modes],
            sampler=sampler,
        )
        self._distributions = {
            k: _optuna_distribution(k, v) for k, v in config_space.items() if isinstance(v, Domain)
        }
        self._optuna_trial: dict[int, Any] = {}
        self._pending: list[Any] = []

    def suggest(self) -> TrialSuggestion | None:
        otrial = self.study.ask(self._distributions)
        self._pending.append(otrial)
        config = dict(otrial.params)
        return TrialSuggestion.start_suggestion(postprocess_config(config, self.config_space))

    def on_trial_add(self, trial: Trial):
        if self._pending:
            self._optuna_trial[trial.trial_id] = self._pending.pop(0)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        return SchedulerDecision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        from optuna.trial import TrialState

        otrial = self._optuna_trial.pop(trial.trial_id, None)
        if otrial is None:
            return
        values = [float(result.get(m, np.nan)) for m in self.metrics]
        if any(np.isnan(values)):
            self.study.tell(otrial, state=TrialState.FAIL)
        else:
            self.study.tell(otrial, values)

    def on_trial_error(self, trial: Trial):
        from optuna.trial import TrialState

        otrial = self._optuna_trial.pop(trial.trial_id, None)
        if otrial is not None:
            self.study.tell(otrial, state=TrialState.FAIL)

    def metadata(self) -> dict[str, Any]:
        metadata = super().metadata()
        metadata["sampler"] = type(self.study.sampler).__name__
        return metadata


MO_METRICS = ["accuracy", "runtime", "cost"]
MO_MODES = ["max", "min", "min"]


def _moasha(ctx: MethodContext, **kw) -> TrialScheduler:
    return MOASHA(ctx.config_space, metrics=MO_METRICS, mode=MO_MODES, time_attr=ctx.fidelity_attr,
                  max_t=ctx.max_t, random_seed=ctx.random_seed, **kw)


def _moasha_transfer(ctx: MethodContext, **kw) -> TrialScheduler:
    from syne_mohb.searchers.transfer import ParetoTransferSearcher

    if not ctx.transfer_evaluations:
        raise ValueError(
            "method 'moasha-transfer' needs the evaluations of related tasks; the benchmark "
            "has no other task"
        )
    searcher = ParetoTransferSearcher(ctx.config_space, ctx.transfer_evaluations, metrics=MO_METRICS,
                                      mode=MO_MODES, random_seed=ctx.random_seed, **kw)
    return _moasha(ctx, searcher=searcher)


def _st_moasha(ctx: MethodContext, patched: bool = False) -> TrialScheduler:
    """Syne Tune 0.16 ``MOASHA``, as shipped or with its rank bug patched (``st-moasha-fixed``:
    the priority handed to ``Bracket`` is each result's position in ``nondominated_sort``'s
    order instead of the order itself). Everything else is left as shipped: one
    ``do_minimize`` for all metrics (so it gets error instead of accuracy), its unnormalised,
    rank-flipped epsilon-net inside a front, its sampling with replacement from numpy's
    global generator. The priority is computed by :class:`STNonDominatedPriority`, which gives
    the same values as Syne Tune's ``NonDominatedPriority`` in O(n log n + k^2) instead of
    O(n^2 + k^3) (tested), so that the peer can run thousands of trials."""
    from syne_tune.optimizer.schedulers.multiobjective.moasha import MOASHA as STMOASHA

    return STMOASHA(ctx.config_space, metrics=["error", "runtime", "cost"], do_minimize=True,
                    time_attr=ctx.fidelity_attr, max_t=ctx.max_t, random_seed=ctx.random_seed,
                    multiobjective_priority=STNonDominatedPriority(patched=patched))


class STNonDominatedPriority:
    """Syne Tune 0.16's ``NonDominatedPriority`` (``dim=0``) reimplemented fast, bug for bug.

    Syne Tune peels Pareto fronts (in index order), orders each front with
    ``compute_epsilon_net`` on the raw objective values (no normalisation, seed: the best point
    of objective 0, then the farthest point by Euclidean distance, ties to the lower index)
    but uses the returned *ranks* as if they were an order, and returns the concatenated order
    of indices, which ``Bracket`` then reads as per-result priorities. ``patched=False``
    returns that order (as shipped); ``patched=True`` returns the position of each result in
    it (the fix of the rank bug only).
    """

    def __init__(self, patched: bool = False):
        self.patched = patched

    def __call__(self, objectives: np.ndarray) -> np.ndarray:
        from syne_mohb.pareto import nondominated_rank

        X = np.asarray(objectives, dtype=float)
        ranks = nondominated_rank(X, "min")
        order: list[int] = []
        for r in range(int(ranks.max()) + 1 if len(ranks) else 0):
            front = np.flatnonzero(ranks == r)
            net_ranks = _st_epsilon_net_ranks(X[front])
            order.extend(front[net_ranks].tolist())  # Syne Tune's flip: ranks used as order
        order_arr = np.asarray(order, dtype=np.int64)
        if not self.patched:
            return order_arr
        positions = np.empty(len(order_arr), dtype=float)
        positions[order_arr] = np.arange(len(order_arr))
        return positions


def _st_epsilon_net_ranks(F: np.ndarray) -> np.ndarray:
    """``compute_epsilon_net(F, dim=0)`` of Syne Tune 0.16: the rank of each point in the
    greedy farthest-point order on raw values, with incremental distances (O(k^2))."""
    k = len(F)
    first = int(np.argmin(F[:, 0]))
    chosen = np.zeros(k, dtype=bool)
    chosen[first] = True
    order = [first]
    with np.errstate(invalid="ignore"):
        min_dist = np.linalg.norm(F - F[first], axis=1)
    while len(order) < k:
        cand = np.flatnonzero(~chosen)
        nxt = int(cand[np.argmax(min_dist[cand])])
        order.append(nxt)
        chosen[nxt] = True
        with np.errstate(invalid="ignore"):
            np.minimum(min_dist, np.linalg.norm(F - F[nxt], axis=1), out=min_dist)
    ranks = np.empty(k, dtype=np.int64)
    ranks[np.asarray(order)] = np.arange(k)
    return ranks


def _asha(space: dict[str, Any], ctx: MethodContext) -> TrialScheduler:
    from syne_tune.optimizer.baselines import ASHA

    return ASHA(space, metric="accuracy", do_minimize=False, time_attr=ctx.fidelity_attr,
                max_t=ctx.max_t, random_seed=ctx.random_seed)


def _nsga2(ctx: MethodContext) -> TrialScheduler:
    return OptunaAskTellScheduler(ctx.config_space, MO_METRICS, MO_MODES, random_seed=ctx.random_seed)


def _moasha_hp(ctx: MethodContext) -> TrialScheduler:
    return MOASHA(ctx.fixed_space(), metrics=["accuracy", "runtime"], mode=["max", "min"],
                  time_attr=ctx.fidelity_attr, max_t=ctx.max_t, random_seed=ctx.random_seed)


METHODS: dict[str, Callable[[MethodContext], TrialScheduler]] = {
    "moasha": lambda ctx: _moasha(ctx),
    "moasha-promotion": lambda ctx: _moasha(ctx, type="promotion"),
    "moasha-transfer": _moasha_transfer,
    "st-moasha": _st_moasha,
    "mo-random": lambda ctx: FIFOScheduler(ctx.config_space, MO_METRICS, MO_MODES,
                                           random_seed=ctx.random_seed),
    "st-moasha-fixed": lambda ctx: _st_moasha(ctx, patched=True),
    "mo-random-repeats": lambda ctx: FIFOScheduler(
        ctx.config_space, MO_METRICS, MO_MODES,
        searcher=RandomSearcher(ctx.config_space, random_seed=ctx.random_seed, repeats="always")),
    # variants of ours measured by benchmarking/compare_methods.py
    "moasha-repeats": lambda ctx: _moasha(ctx, searcher=RandomSearcher(
        ctx.config_space, random_seed=ctx.random_seed, repeats="always")),
    "moasha-exhaust": lambda ctx: _moasha(ctx, searcher=RandomSearcher(
        ctx.config_space, random_seed=ctx.random_seed, repeats="when_exhausted")),
    "moasha-transfer-repeats": lambda ctx: _moasha_transfer(ctx, repeats="always"),
    "moasha-transfer-exhaust": lambda ctx: _moasha_transfer(ctx, repeats="when_exhausted"),
    "moasha-uniform": lambda ctx: _moasha(ctx, searcher=RandomSearcher(
        ctx.config_space, random_seed=ctx.random_seed)),
    "asha-default": lambda ctx: _asha(ctx.fixed_space(), ctx),
    "asha-p3": lambda ctx: _asha(ctx.fixed_space(P3_INSTANCE), ctx),
    "asha-instance": lambda ctx: _asha(ctx.config_space, ctx),
    "nsga2": _nsga2,
    "moasha-hp": _moasha_hp,
}

# methods whose instance type is fixed to the default instance
_FIXED_INSTANCE = {"asha-default", "asha-p3", "moasha-hp"}
# methods that draw from numpy's global generator (Syne Tune's unseeded samplers)
GLOBAL_RNG_METHODS = {"st-moasha", "st-moasha-fixed", "asha-default", "asha-p3", "asha-instance"}


def method_names() -> list[str]:
    """Names of the registered methods."""
    return list(METHODS)


def uses_fixed_instance(name: str) -> bool:
    """Whether method ``name`` runs with the instance type fixed to the default."""
    check_method(name)
    return name in _FIXED_INSTANCE


def check_method(name: str) -> None:
    """Raise ``ValueError`` listing the valid names if ``name`` is not a registered method."""
    if name not in METHODS:
        import difflib

        close = difflib.get_close_matches(str(name), METHODS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown method {name!r}{hint}; valid methods: {', '.join(METHODS)}")


def make_scheduler(name: str, ctx: MethodContext) -> TrialScheduler:
    """Build the scheduler of method ``name`` for one run."""
    check_method(name)
    return METHODS[name](ctx)


def pick_default_instance(instance_types: list[str], preferred: str | None = None) -> str:
    """The fixed-instance baselines' instance: ``preferred`` (validated) or the first of
    ml.g4dn.xlarge, ml.g5.xlarge, ... that the benchmark offers."""
    if preferred is not None:
        if preferred not in instance_types:
            raise ValueError(
                f"default instance {preferred!r} is not offered by the benchmark; "
                f"choose one of {instance_types}"
            )
        return preferred
    for name in _DEFAULT_FALLBACKS:
        if name in instance_types:
            return name
    return instance_types[0]
