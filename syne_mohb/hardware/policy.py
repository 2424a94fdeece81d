"""Hardware as a per-configuration decision: which instance type trains each trial segment.

The searcher proposes the model's hyperparameters; :class:`HardwarePolicy` assigns the instance
type of every segment of a trial (its start and, under promotion, every resume) from a runtime
and cost model with configuration x hardware interactions
(:class:`~syne_mohb.hardware.model.RuntimeCostModel`), learnt online from every result of the
run.

Algorithm, for a segment of configuration ``x`` (Salinas et al. 2021 select hardware jointly
with the hyperparameters; here the choice is made per configuration, from a model):

1. **Thompson sampling**: draw ``log seconds per unit`` of ``x`` on every type from the model's
   predictive distribution (types the model is unsure about, e.g. never run yet, get wide
   draws and so are still tried); ``log dollars = log seconds + log price``.
2. **A scalarisation per trial**: each trial draws a weight ``w ~ U(0, 1)`` once; the type
   minimising the augmented Chebyshev scalarisation ``max(w · time', (1 - w) · cost') +
   0.05 (w · time' + (1 - w) · cost')`` of the draws is chosen, where ``time'`` and ``cost'``
   are log ratios to ``x``'s fastest and cheapest type (``scale="log"``: a factor 2 in time
   weighs as a factor 2 in dollars, so a 5% time gain is never bought at 3x the price, which
   normalising each to [0, 1] over the types, ``scale="range"``, did for any ``w > 1/2``;
   measured better on every untouched benchmark, see the docs' benchmark pages). Every type on
   ``x``'s own (time, cost)
   front is the choice of some ``w``, so the run covers the whole accuracy / time / cost front;
   a type is left out for ``x`` only when the draws put it off ``x``'s front: no type is
   suppressed without evidence that it is dominated *for that configuration*.
3. **Adaptation across rungs** (promotion): a promoted trial's next segment is chosen again,
   with the weight moved towards time at higher rungs (``w_k = 1 - (1 - w)^(k + 1)`` at rung
   ``k``: explore cheaply, finish fast); the trial moves only when the scalarised value
   improves by more than ``switch_margin`` (a move reloads the checkpoint on a new machine).
   Only on backends that report ``time_attr`` (every backend of the project): Syne Tune's own
   simulator reads a moved trial's cumulative seconds and dollars off the new type's row, so
   there a resumed trial keeps its type.
4. **Moving by restart** (stopping): a trial that continues past rung ``k`` cannot be paused
   and moved (stopping needs no checkpoints), but its configuration can be trained again from
   scratch on another type. :meth:`restart_choice` compares, in the same scalarisation with
   the weight ``w_{k+1}``, finishing on the current type (the remaining ``R - r`` units) with
   training the whole ``R`` units again on each other type (the current type at the model's
   mean, the others one standard deviation slower: a restart is not undone, so it needs
   evidence); the scheduler stops the trial and starts its configuration on the
   better type when the scalarised value improves by more than ``restart_margin`` (with
   ``job_startup``, training again on another type also pays a new job's cold start-up;
   without it and with ``measure_startup=True``, the start-up the runtime model measured on
   the run's own segments). The new
   trial keeps the old one's weight and bracket and is not judged again at the rungs the old
   one passed. It corrects early choices made while the model knew little (e.g. a survivor on
   an expensive type that the model now puts off its front).
5. **Start-up** (``measure_startup``; on where ``job_startup`` is given): every job waits
   before it trains (a SageMaker job's provisioning and download: minutes against epochs of
   seconds), so a type is chosen for the whole segment, not per unit: the model learns the
   training's own seconds per unit (each type's start-up measured on the run and subtracted,
   :class:`~syne_mohb.hardware.model.RuntimeCostModel`), and a segment's time on a type is
   its start-up (``job_startup``'s delays, else the measured one) plus the mean units of the
   run's segments of that kind (new trials', resumed ones') times the drawn seconds per unit;
   its dollars bill the download and the training. A short segment then goes where it starts
   soonest and cheapest. With SageMaker job start-up (every family, 20 paired seeds) it
   needed 1.22x-1.95x fewer tuning dollars to the target than the per-unit choice
   (``moasha-startup-per-unit``; ahead at 95% on ``cnn`` and ``mlp``), time a tie (0.92x-1.35x;
   docs' "Start-up in the hardware policy" page). With warm pools (``job_startup``'s
   ``keep_alive_s``), a job that ends (stopped, paused, finished: :meth:`on_job_end`, called
   by MO-ASHA) leaves its instance warm for that long, and a type whose pool holds one is
   weighed at the warm start-up (the simulated backend's rule, mirrored: the next job on that
   type takes the instance); where the backend reports the pools it really has
   (:meth:`note_warm_pools`, told by :class:`~syne_mohb.hardware.feedback.HardwareFeedback`
   from SageMaker's ``WarmPoolStatus``: pools are kept only within the account's quota),
   those. Without a start-up the choice is the per-unit one of step 2.
6. **Failures** (``avoid_failures``): a trial that fails (a wide network out of a small
   type's memory) reports no speed; the pair is recorded
   (:class:`~syne_mohb.hardware.feasibility.Feasibility`) and no choice, restart or uniform
   draw places that configuration on that type again; once several configurations have failed
   on a type where others trained, a classifier of the run's failures keeps similar ones off it
   too (never every type of a configuration). The failed configuration is trained once more,
   from scratch, on the type this policy chooses for it among the others (:meth:`on_error`,
   through MO-ASHA's restart queue): a failure on one type loses a configuration only when it
   fails on a second one too. A job that failed for lack of capacity or of an account quota
   (told by :meth:`note_failure`, e.g. by the tuner callback
   :class:`~syne_mohb.hardware.feedback.HardwareFeedback`, which asks the backend) says
   nothing about its configuration: its type is left out of new placements for a cool-down
   (``capacity_cooldown_s``, doubled at each further capacity failure of the type,
   :class:`~syne_mohb.hardware.availability.Availability`) and the configuration is trained
   again on the type this policy chooses among the others (up to 3 times).
7. **Late first units** (``late_factor``, off by default): a trial whose first unit has run
   ``late_factor`` times longer than both the model's prediction for it and the run's median
   first unit (:class:`~syne_mohb.hardware.lateness.LateUnits`: early on, a wide network placed
   on a CPU type where narrow ones were fast) is stopped by the tuner callback
   :class:`~syne_mohb.hardware.feedback.HardwareFeedback` (:meth:`late_trials`); its elapsed
   seconds enter the model as a lower bound and its configuration is trained again on another
   type (:meth:`on_error`), once per configuration. Such a unit otherwise holds its worker
   until it ends, whatever the model learns meanwhile. A job's wait for its instance is not
   part of its unit where the backend reports it (``startup_seconds``: SageMaker, Ray, the
   simulated backend): a slow provisioning is never taken for a late unit.

**Does the hardware change what is learnt?** With the same seed and code, a configuration
reaches the same accuracy on any type, and the instance type is then a pure (time, cost)
decision. It is not always so (batch size or precision may follow the device), so the policy
tests it on the run's own results: for every metric that is not a time or cost metric (those
whose logarithm follows the elapsed seconds, or seconds x price: R^2 >= 0.9 and a coefficient
above 0.5 on log seconds; or that grow in proportion to the units trained within trials,
whatever seconds are reported), the results
of the same configuration at the same resource on different types are compared (deviations
from the group mean, averaged per trial: a trial's results share its seed, so the trial is the
unit; Kruskal-Wallis across types); without such pairs, the out-of-bag residuals of a
hyperparameter-only tree model on the *control trials* are compared: because the model's choices
follow the configuration (small models on CPUs), a share ``control_share`` (5%) of new trials
get a uniformly drawn type, which makes the effect identifiable. The level ``alpha`` is divided
by the number of tests so far and of metrics tested (Bonferroni), so repeated tests do not
accumulate false alarms. When the test rejects
(``p < alpha``, with an effect size above 5% of the metric's spread) the policy turns *joint*:
new trials draw their type uniformly (a joint random search with the searcher) and resumed
trials keep theirs. ``affects_metrics=True`` / ``False`` skips the test. The test itself is
:mod:`syne_mohb.hardware.effect`.

**Tempered draws.** Exploring a type is paid at the type's price, so the draws of step 1 come
from the model with a narrower prior for types with few observations (``prior_std=0.25`` in
log seconds, where :class:`~syne_mohb.hardware.model.RuntimeCostModel` and the recommendations
keep 1.0) and average half of its trees (``draw_fraction=2``): a tempered posterior, which
Chapelle & Li (2011, "An empirical evaluation of Thompson sampling") found better in practice
than the exact one. With the wider draws (``prior_std=1.0``, ``draw_fraction=4``, the default
until 2026-12-05, method ``moasha-wide-prior``), ml.p3.2xlarge (16x the price of ml.m5.xlarge,
about as fast on the ``-x`` tables) took 5-7% of the trials, and 35% of the dollars, of 300-s
runs from start to end. Types the model has not seen yet are still drawn for trials that weigh
time, whose scalarisation pays little for the price. The restart check of step 4 reads the
same model, so its "one standard deviation slower" is narrower too. Measured in
``docs/benchmarks/tempered-draws.md``.

Costs: one choice, or one restart check (at every rung a stopping-type trial passes), is a
model prediction for ``k`` types (``O(T k depth)``); the model refits on
a geometric schedule (:class:`~syne_mohb.hardware.model.RuntimeCostModel`); the test runs at
most every ``test_every`` results and when the results grew by 20% (``O(log n)`` tests), on at
most 2,000 of them.
"""
from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from typing import AbstractSet, Any, Iterable, Mapping, Sequence

import numpy as np
from syne_tune.constants import ST_TUNER_TIME, ST_WORKER_COST, ST_WORKER_TIME

from syne_mohb.configspace import check_number, check_random_seed, plain
from syne_mohb.hardware.availability import Availability, check_cooldown
from syne_mohb.hardware.catalog import SEGMENT_INSTANCE_TYPE
from syne_mohb.hardware.clock import BillingMeter, TrainingClock
from syne_mohb.hardware.cost import PriceTable
from syne_mohb.hardware.effect import hardware_changes, learning_metrics
from syne_mohb.hardware.feasibility import Feasibility
from syne_mohb.hardware.lateness import LateUnits, check_late_factor
from syne_mohb.hardware.model import (
    HardwareSpec,
    RuntimeCostModel,
    check_draw_options,
    check_estimator,
    hardware_specs,
)
from syne_mohb.hardware.space import space_prices
from syne_mohb.hardware.startup import WeighedPools
from syne_mohb.pareto import check_metrics

logger = logging.getLogger(__name__)

__all__ = ["HardwarePolicy"]


class HardwarePolicy:
    """Chooses the instance type of every trial segment (see the module docstring).

    :param instance_types: the types to choose from (default: the categories of the config
        space's ``instance_attr`` at :meth:`bind`)
    :param instance_attr: name of the instance-type entry of a configuration
    :param time_attr: reported cumulative seconds a trial has trained (every backend of the
        project reports ``st_worker_time``, summed over its segments); where results lack it
        (Syne Tune's own simulator), the result key that advances with the tuner's clock is
        found (:class:`~syne_mohb.hardware.clock.TrainingClock`)
    :param specs: ``{type: {"vcpus": .., "gpus": .., "gpu_model": .., "price_per_hour": ..,
        ...}}`` for types the catalog does not know (local machines), or a Ray backend's
        ``node_types`` as they are (``{name: NodeType}``: resources and price)
    :param prices: ``{type: $/hour}``, overriding the catalog (e.g. a benchmark's own rates)
        and the prices a space built with :func:`~syne_mohb.hardware.local_profiles` carries
        (which the policy reads itself).
        A price of 0 cannot be compared as log dollars: such a type is costed at the geometric
        mean of the positive prices (a warning says so) until its results bill dollars
    :param catalog: instance catalog (default: :func:`syne_mohb.hardware.load_catalog`)
    :param affects_metrics: "auto" (test it, see above), True (joint search from the start) or
        False (never test)
    :param hardware_metrics: a list of the names of the metrics that measure time or money
        (default: found from the data; ``[]``: none does)
    :param alpha: significance level of the test
    :param switch_margin: scalarised gain needed to move a resumed trial to another type
    :param adapt_across_rungs: move the weight towards time at higher rungs
    :param estimator: regressor of the model (:data:`syne_mohb.hardware.model.ESTIMATORS`)
    :param random_seed: seed of the weights, the draws and the model
    :param test_every: run the hardware test every this many results
    :param control_share: with ``affects_metrics="auto"``, the share of new trials whose type
        is drawn uniformly (control trials that make the test possible)
    :param prior_evaluations: related tasks' offline evaluations, ``{task:
        TransferLearningTaskEvaluations}`` (as the transfer searchers take them, with the
        instance type as a hyperparameter column): their per-unit times become prior rows of the
        model (:meth:`RuntimeCostModel.add_prior_evaluations`), so the first choices are
        informed; the run's own results take over as they come
    :param prior_time_objective: the cumulative-seconds objective of ``prior_evaluations``;
        None (default): ``"runtime"`` (the offline benchmarks' name), else ``time_attr``
        (``st_worker_time``: what :func:`~syne_mohb.blackboxes.from_experiments` keeps of a
        run), whichever every related task has
    :param scale: units of the scalarisation: "log" (default: log ratios to the best type; a
        factor 2 in time weighs as a factor 2 in dollars, so a small gain in one objective is
        not bought with a large loss in the other) or "range" (log time and log cost each
        normalised to [0, 1] over the types of the configuration; the previous default)
    :param finish_fast: under promotion, resumed segments above rung 0 use ``w = 1`` (the
        type with the fastest draw) instead of the geometric shift
    :param restart_margin: scalarised gain needed to stop a stopping-type survivor and train
        its configuration again on another type (step 4); None: never
    :param job_startup: where every trial start is a new job that waits before it trains
        (SageMaker), its start-up (:class:`~syne_mohb.hardware.startup.JobStartup`): a restart
        on another type then also pays a cold start-up (its provisioning in seconds, its billed
        download in seconds and dollars), which finishing on the current type does not; with
        ``keep_alive_s``, a type whose warm pool holds an idle instance is weighed at the warm
        start-up (step 5); None (default): no start-up (local, Ray, simulations without it)
    :param prior_std: the decision model's prior standard deviation (log seconds) of a type
        without observations, shrinking as the type is observed (see
        :class:`~syne_mohb.hardware.model.RuntimeCostModel`); with ``draw_fraction``, how far
        Thompson draws stray from the model's mean (see "Tempered draws" above)
    :param draw_fraction: a Thompson draw averages ``1 / draw_fraction`` of the model's trees
    :param measure_startup: the runtime model measures each type's start-up and learns the
        training's own seconds per unit (:class:`~syne_mohb.hardware.model.RuntimeCostModel`),
        and every choice weighs the start-up (step 5 of the module docstring); None (default):
        True where ``job_startup`` is given, else False (the start-up stays in the seconds per
        unit and no choice weighs one)
    :param avoid_failures: a trial that fails (e.g. out of memory) marks its configuration's
        type as one not to place it on again, failures teach where similar configurations fail,
        and a failed configuration is trained once more on another type (step 6 of the module
        docstring); False: failures are neither recorded nor retried
    :param retry_failures: with ``avoid_failures``, train a failed configuration once more on
        another type (False: record and avoid only; the configuration is then lost)
    :param warm_pools: with ``job_startup``'s ``keep_alive_s``, weigh a type whose warm pool
        holds an idle instance at the warm start-up (step 5); False: every start-up cold (the
        policy before 2026-12-07)
    :param capacity_cooldown_s: with ``avoid_failures``, seconds (the tuner's clock) a type
        whose job failed for lack of capacity or of a quota is left out of new placements,
        doubled at each further such failure of the type (step 6); 0: not left out. 150 s: in
        simulated outages of the cheapest type (with SageMaker start-up) no measure was behind
        the policy that took such failures as the configuration's, where 600 s was behind in
        final hypervolume and 0 in time (docs' "Capacity outages" page)
    :param failure_kinds: use the kinds of failure the backend tells (:meth:`note_failure`);
        False: every failure is the configuration's (the policy before 2026-12-07)
    :param late_factor: stop a trial whose first unit takes more than ``late_factor`` times
        both its predicted seconds and the run's median first unit, and train its
        configuration again on another type (step 7 of the module docstring; needs the tuner
        callback :class:`~syne_mohb.hardware.feedback.HardwareFeedback`, which stops it);
        None (default): never
    """

    #: class default: a policy pickled before the option existed (a durable run) loads with it
    measure_startup: bool = False

    def __init__(
        self,
        instance_types: Sequence[str] | None = None,
        instance_attr: str = "instance_type",
        time_attr: str = ST_WORKER_TIME,
        specs: Mapping[str, Mapping[str, Any]] | None = None,
        prices: Mapping[str, float] | None = None,
        catalog: Any = None,
        affects_metrics: bool | str = "auto",
        hardware_metrics: Sequence[str] | None = None,
        alpha: float = 1e-3,
        switch_margin: float = 0.05,
        adapt_across_rungs: bool = True,
        estimator: str = "extra_trees",
        random_seed: int | None = None,
        test_every: int = 25,
        control_share: float = 0.05,
        prior_evaluations: Mapping[str, Any] | None = None,
        prior_time_objective: str | None = None,
        scale: str = "log",
        finish_fast: bool = False,
        restart_margin: float | None = 0.2,
        job_startup: Any = None,
        prior_std: float = 0.25,
        draw_fraction: int = 2,
        measure_startup: bool | None = None,
        avoid_failures: bool = True,
        retry_failures: bool = True,
        warm_pools: bool = True,
        capacity_cooldown_s: float = 150.0,
        failure_kinds: bool = True,
        late_factor: float | None = None,
    ):
        if not isinstance(instance_attr, str) or not instance_attr:
            raise ValueError(f"instance_attr must be a non-empty string, got {instance_attr!r}")
        if not isinstance(time_attr, str) or not time_attr:
            raise ValueError(f"time_attr must be a non-empty string, got {time_attr!r}")
        if affects_metrics not in ("auto", True, False):
            raise ValueError(f"affects_metrics must be 'auto', True or False, got "
                             f"{affects_metrics!r}")
        if not check_number(alpha, "alpha", above=0) < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha}")
        if isinstance(switch_margin, bool) \
                or not isinstance(switch_margin, (int, float, np.integer)) \
                or not switch_margin >= 0:
            raise ValueError(f"switch_margin must be a number >= 0, got {switch_margin!r}")
        for name, flag in (("adapt_across_rungs", adapt_across_rungs),
                           ("finish_fast", finish_fast)):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {flag!r}")
        check_random_seed(random_seed)
        check_estimator(estimator)
        if isinstance(test_every, bool) or not isinstance(test_every, int) or test_every < 1:
            raise ValueError(f"test_every must be an integer >= 1, got {test_every!r}")
        if restart_margin is not None and (isinstance(restart_margin, bool) or not (
                isinstance(restart_margin, (int, float, np.integer, np.floating))
                and restart_margin >= 0)):
            raise ValueError(f"restart_margin must be a number >= 0 or None, got "
                             f"{restart_margin!r}")
        if instance_types is not None:
            # an ordered collection (a list, tuple, numpy array, pandas' unique()): a set or a
            # dict has no order that repeats across processes, and seeded runs follow the order
            if isinstance(instance_types, (str, Mapping, AbstractSet)) \
                    or not isinstance(instance_types, Iterable):
                raise ValueError(f"instance_types must be an ordered, non-empty list of instance "
                                 f"type names (a set has no order that repeats across runs), "
                                 f"got {instance_types!r}")
            instance_types = [str(t) for t in instance_types]
            if not instance_types:
                raise ValueError("instance_types must be a non-empty list of instance type "
                                 "names, got an empty one")
        self.instance_types = instance_types
        self.instance_attr = instance_attr
        self.time_attr = time_attr
        if specs is not None and not isinstance(specs, Mapping):
            raise ValueError(f"specs must be a dict instance type -> spec (a dict such as "
                             f"{{'vcpus': 8, 'gpus': 1}}), got {type(specs).__name__}")
        for name, spec in (specs or {}).items():
            if not isinstance(spec, Mapping) and not callable(getattr(spec, "hardware_spec", None)):
                raise ValueError(f"specs[{name!r}] must be a dict of the type's spec (e.g. "
                                 f"{{'vcpus': 8, 'gpus': 1, 'price_per_hour': 0.5}}) or have "
                                 f"hardware_spec() (a Ray NodeType), got {spec!r}")
        self._user_specs = dict(specs or {})
        if prices is not None and not isinstance(prices, Mapping):
            raise ValueError(f"prices must be a dict instance type -> $ per hour, got "
                             f"{type(prices).__name__}")
        self._user_prices = PriceTable(prices).prices  # checked now: names, finite, >= 0
        if catalog is not None and not (hasattr(catalog, "get") and hasattr(catalog, "closest")
                                        and hasattr(catalog, "__contains__")):
            raise ValueError(f"catalog must be an instance catalog (syne_mohb.load_catalog(), "
                             f"e.g. .with_prices(...)) or None, got {type(catalog).__name__}; "
                             f"prices go in prices={{...}}")
        self._catalog = catalog
        self.affects_metrics = affects_metrics
        if hardware_metrics is not None and not (isinstance(hardware_metrics, (list, tuple))
                                                 and not hardware_metrics):  # []: none of them
            hardware_metrics = check_metrics(hardware_metrics, "hardware_metrics")
        self.hardware_metrics = None if hardware_metrics is None else list(hardware_metrics)
        self.alpha = float(alpha)
        self.switch_margin = float(switch_margin)
        self.adapt_across_rungs = bool(adapt_across_rungs)
        self.estimator = estimator
        self.random_seed = random_seed
        self.test_every = int(test_every)
        if prior_evaluations is not None and not isinstance(prior_evaluations, Mapping):
            raise ValueError(f"prior_evaluations must be a dict task -> "
                             f"TransferLearningTaskEvaluations, got "
                             f"{type(prior_evaluations).__name__}")
        self.prior_evaluations = dict(prior_evaluations or {})
        if prior_time_objective is not None and (not isinstance(prior_time_objective, str)
                                                 or not prior_time_objective):
            raise ValueError(f"prior_time_objective must be the name of an objective of "
                             f"prior_evaluations or None, got {prior_time_objective!r}")
        self.prior_time_objective = prior_time_objective
        if not check_number(control_share, "control_share", at_least=0) <= 1:
            raise ValueError(f"control_share must be in [0, 1], got {control_share}")
        self.control_share = float(control_share)
        if scale not in ("range", "log"):
            raise ValueError(f"scale must be 'range' or 'log', got {scale!r}")
        self.scale = scale
        self.finish_fast = bool(finish_fast)
        self.restart_margin = None if restart_margin is None else float(restart_margin)
        if job_startup is not None and not callable(getattr(job_startup, "delays", None)):
            raise ValueError(f"job_startup must be a syne_mohb.hardware.startup.JobStartup or "
                             f"None, got {type(job_startup).__name__}")
        self.job_startup = job_startup
        check_draw_options(prior_std, draw_fraction)
        self.prior_std = float(prior_std)
        self.draw_fraction = int(draw_fraction)
        if measure_startup is not None and not isinstance(measure_startup, bool):
            raise ValueError(f"measure_startup must be True, False or None (True where "
                             f"job_startup is given), got {measure_startup!r}")
        self.measure_startup = (job_startup is not None if measure_startup is None
                                else measure_startup)
        for name, flag in (("avoid_failures", avoid_failures),
                           ("retry_failures", retry_failures), ("warm_pools", warm_pools),
                           ("failure_kinds", failure_kinds)):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {flag!r}")
        self.avoid_failures = bool(avoid_failures)
        self.retry_failures = bool(retry_failures)
        self.warm_pools = bool(warm_pools)
        self.capacity_cooldown_s = check_cooldown(capacity_cooldown_s)
        self.failure_kinds = bool(failure_kinds)
        self.late_factor = check_late_factor(late_factor)
        self.joint = affects_metrics is True
        self.model: RuntimeCostModel | None = None
        self.specs: dict[str, HardwareSpec] = {}
        self._bound = False

    # ------------------------------------------------------------------ setup
    def bind(self, config_space: Mapping[str, Any], metrics: Sequence[str],
             random_seed: int | None = None, resource_attr: str | None = None) -> dict[str, Any]:
        """Attach to a scheduler's config space and metrics (and its resource attribute, e.g.
        "epoch", never read as seconds); returns the space the searcher should propose from
        (without the instance type). A policy serves one scheduler: a second ``bind`` is an
        error (it would keep the types and the seed the first one derived)."""
        if self._bound:
            raise ValueError("this HardwarePolicy already serves a scheduler (it is bound to its "
                             "config space, metrics and seed); create a new HardwarePolicy(...) "
                             "for each MOASHA")
        if not isinstance(config_space, Mapping):
            raise ValueError(f"config_space must be a dict, got {type(config_space).__name__}")
        if isinstance(metrics, str) or not isinstance(metrics, Sequence) \
                or not all(isinstance(m, str) for m in metrics):
            raise ValueError(f"metrics must be a list of metric names, got {metrics!r}")
        check_random_seed(random_seed)
        domain = config_space.get(self.instance_attr)
        offered = list(getattr(domain, "categories", []) or [])
        if self.instance_types is None:
            if len(offered) < 1:
                raise ValueError(
                    f"config_space[{self.instance_attr!r}] must be a categorical of instance "
                    f"types (e.g. syne_mohb.hardware.instance_types(...)) or give "
                    f"instance_types=..., got {domain!r}")
            self.instance_types = [str(t) for t in offered]
        elif offered:
            extra = sorted(set(self.instance_types) - {str(t) for t in offered})
            if extra:
                raise ValueError(f"instance_types {extra} are not offered by "
                                 f"config_space[{self.instance_attr!r}] {offered}")
        self._categories = {str(t): t for t in (offered or self.instance_types)}
        if self.random_seed is None:
            self.random_seed = random_seed
        self._rng = np.random.RandomState(self.random_seed)
        self.metrics = list(metrics)
        unknown = sorted(set(self.hardware_metrics or []) - set(self.metrics))
        if unknown:
            raise ValueError(f"hardware_metrics {unknown} are not among the metrics "
                             f"{self.metrics}")
        # prices the space carries (local_profiles), the given ones over them
        prices = {**space_prices(config_space, self.instance_attr), **self._user_prices}
        self.specs = hardware_specs(self.instance_types, self._catalog, self._user_specs,
                                    prices)
        known = [s.price_per_hour for s in self.specs.values() if s.price_per_hour]
        fallback = float(np.exp(np.mean(np.log(known)))) if known else 1.0
        missing = [t for t, s in self.specs.items() if s.price_per_hour is None]
        free = [t for t, s in self.specs.items() if s.price_per_hour == 0]
        if free:
            logger.warning(
                f"hardware policy: price 0 for {free}: costs are compared as log dollars, so a "
                f"type priced 0 is costed at ${fallback:.3g}/h (the geometric mean of the "
                f"positive prices) until results bill it more than $0. Give it a small positive "
                f"price (prices={{...}}) to make it the cheap choice.")
        if missing:
            logger.warning(
                f"hardware policy: no price for {missing}; their cost is learnt from the "
                f"results' {ST_WORKER_COST} or cost column (until then ${fallback:.3g}/h is "
                f"assumed). Give "
                f"prices={{...}} to HardwarePolicy to set them.")
        # prices are priors: once results bill a type, its billed rate is used
        self._log_price = np.log(np.array(
            [s.price_per_hour if s.price_per_hour else fallback for s in self.specs.values()]))
        self._has_price = np.array([bool(s.price_per_hour) for s in self.specs.values()])
        space = {k: v for k, v in config_space.items() if k != self.instance_attr}
        self.model = RuntimeCostModel(space, self.specs, estimator=self.estimator,
                                      random_seed=self._rng.randint(0, 2**31 - 1),
                                      prior_std=self.prior_std,
                                      draw_fraction=self.draw_fraction,
                                      measure_startup=self.measure_startup)
        self._add_prior(space)
        self._weight: dict[int, float] = {}
        self._pending: dict[str, list[tuple[float, bool]]] = defaultdict(list)  # (w, control)
        # trial -> (resource, seconds, dollars or None) at its last result
        self._last: dict[int, tuple[float, float, float | None]] = {}
        self._segment: dict[int, int] = defaultdict(int)
        # units trained by the segments seen so far, [sum, count], of new trials (False) and
        # of resumed ones (True): the planned length of a segment whose start-up is weighed
        self._seg_units: dict[bool, list[float]] = {False: [0.0, 0], True: [0.0, 0]}
        self._records: list[tuple[str, float, int, list[float], float, float]] = []
        self._tested_at = 0
        self._tests = 0
        self._controls: set[int] = set()
        self._configs_of: dict[int, dict[str, Any]] = {}
        self._key_of: dict[int, str] = {}
        self._learned_rate: dict[int, list[float]] = defaultdict(_zero_pair)  # picklable
        self._clock = TrainingClock(self.time_attr, exclude=[resource_attr] if resource_attr
                                    else [])
        self._meter = BillingMeter(exclude=[self.time_attr, *([resource_attr] if resource_attr
                                                              else [])])
        self._unclocked: list[tuple] = []  # results kept until the clock is found
        self._init_pools()
        self._late = None if self.late_factor is None else LateUnits(self.late_factor)
        self.choices: dict[str, int] = defaultdict(int)
        self.moves = 0
        self.restarts = 0
        self._bound = True
        return space

    # a policy pickled (durable run) before these options loads with them
    avoid_failures = retry_failures = warm_pools = failure_kinds = True
    capacity_cooldown_s = 150.0
    late_factor = None
    _late = None

    #: the parameter that errors about ``prior_evaluations`` name: the one the user gave
    #: (``MOASHA`` sets ``"transfer_evaluations"`` on the policy it builds from them)
    prior_name = "prior_evaluations"

    def _add_prior(self, space: Mapping[str, Any], max_rows: int = 2000) -> None:
        """Prior rows from ``prior_evaluations``: per (configuration, type) the mean over seeds
        of the seconds per unit at its last finite fidelity (fidelities taken as 1, 2, ...)."""
        if not self.prior_evaluations:
            return
        from syne_mohb.blackboxes.evaluations import checked_task_evaluations, objective_of_tasks

        objective = self.prior_time_objective
        if objective is None:  # unnamed and missing: "runtime", which the check below names
            objective = objective_of_tasks(self.prior_evaluations,
                                           ["runtime", self.time_attr]) or "runtime"
        for task, hp, values, names in checked_task_evaluations(
                self.prior_evaluations, self.prior_name, [objective],
                hint=f" (its cumulative seconds, for the runtime model's prior: name them with "
                     f"HardwarePolicy(prior_time_objective=...); tried 'runtime' and "
                     f"{self.time_attr!r})", config_space=space):
            hp = hp.reset_index(drop=True)
            missing = [k for k in [*space, self.instance_attr] if k not in hp.columns]
            if missing:
                raise ValueError(f"{self.prior_name}[{task!r}] lacks the columns {missing}")
            # [configs, fidelities]: the mean over seeds
            y = values[..., names.index(objective)].mean(axis=1)
            fid = np.arange(1, y.shape[1] + 1, dtype=float)
            per_unit = np.full(len(hp), np.nan)
            for r in range(len(hp)):
                ok = np.flatnonzero(np.isfinite(y[r]) & (y[r] > 0))
                if len(ok):
                    per_unit[r] = y[r, ok[-1]] / fid[ok[-1]]
            rows = np.flatnonzero(np.isfinite(per_unit))
            if len(rows) > max_rows:
                rows = self._rng.choice(rows, max_rows, replace=False)
            records = hp.iloc[rows].to_dict("records")
            self.model.add_prior_evaluations(
                [{k: rec[k] for k in space} for rec in records],
                [rec[self.instance_attr] for rec in records], per_unit[rows].tolist(),
                source=f"{self.prior_name}[{task!r}]")

    def _check_bound(self):
        if not self._bound:
            raise RuntimeError("HardwarePolicy.bind(config_space, metrics) must be called first "
                               "(MOASHA does it)")

    # ------------------------------------------------------------------ decisions
    def choose(self, config: Mapping[str, Any], trial_id: int | None = None,
               rung: int = 0, current: Any = None) -> Any:
        """Instance type of the next segment of ``config`` (a new trial when ``trial_id`` is
        None; a resumed one at rung ``rung`` currently on ``current`` otherwise)."""
        self._check_bound()
        if current is not None and not self._clock.own_seen:
            # no result carried ``time_attr`` (Syne Tune's own simulator): such a backend reads
            # a moved trial's cumulative seconds and dollars off the new type's row, from its
            # first epoch, so a move would be billed and learnt wrong; the trial stays
            return current
        if self.joint:
            if current is not None:
                return current
            return self._uniform_choice(config, float("nan"))
        if (trial_id is None and self.affects_metrics == "auto"
                and self._rng.uniform() < self.control_share):
            # a control trial: a uniformly drawn type, so that the type's effect on the
            # learning metrics is identifiable (the model's choices follow the configuration)
            return self._uniform_choice(config, float(self._rng.uniform()), control=True)
        if trial_id is None:
            w = float(self._rng.uniform())
            self._pending[self._hp_key(config)].append((w, False))
        elif self.finish_fast and rung >= 1:
            w = 1.0
        else:
            w = self._segment_weight(trial_id, rung)
        self.model.fit()
        log_s = self.model.sample([config], self._rng)[0]
        log_c = log_s + self._log_price_now()
        if self.measure_startup:
            log_s, log_c = self._with_startup(log_s, log_c, resumed=current is not None)
        score = _chebyshev(log_s, log_c, w, normalise=self.scale == "range")
        score[self._blocked(config, rng=self._rng)] = np.inf
        best = int(np.argmin(score + 1e-12 * self._rng.uniform(size=len(score))))
        if current is not None:
            cur = self.model.type_index(current)
            if score[cur] - score[best] <= self.switch_margin:
                best = cur
            elif trial_id is not None:
                self.moves += 1
        choice = self.instance_types[best]
        self.choices[choice] += 1
        if trial_id is not None:
            self._ensure_pools()
            self._resumed_on[trial_id] = best
        return self._categories[choice]

    def restart_choice(self, config: Mapping[str, Any], trial_id: int, resource: float,
                       max_resource: float, rung: int) -> Any | None:
        """The type on which ``config`` should be trained again from scratch instead of
        finishing on its current type (step 4 of the module docstring), or None to stay.

        :param resource: units the trial has trained (on its current type)
        :param max_resource: units a finished trial trains
        :param rung: index of the rung the trial has just passed
        """
        self._check_bound()
        if self.restart_margin is None or self.joint or trial_id in self._controls:
            return None
        current = config.get(self.instance_attr)
        if current is None or str(current) not in self.specs:
            return None
        self.model.fit()
        if self.model.num_observations == 0:
            return None
        w = self._segment_weight(trial_id, rung + 1)
        hp = {k: v for k, v in config.items() if k != self.instance_attr}
        mu, sd = (a[0] for a in self.model.predict_log([hp]))
        cur = self.model.type_index(current)
        units = np.full(len(mu), float(max_resource))
        units[cur] = max(float(max_resource) - float(resource), 1e-12)
        # the other types at their pessimistic (one sd slower) prediction: a restart moves
        # only on evidence, not on a type the model knows little about
        log_s = mu + sd + np.log(units)
        log_s[cur] = mu[cur] + np.log(units[cur])
        log_price = self._log_price_now()
        log_c = log_s + log_price
        waits = self._startup_waits()
        if waits is not None:
            # a restart is a new job (a new training): it waits and starts before it trains
            unbilled, billed = waits
            unbilled[cur] = billed[cur] = 0.0
            train = np.exp(log_s)
            log_s = np.log(train + unbilled + billed)
            log_c = np.log(train + billed) + log_price
        score = _chebyshev(log_s, log_c, w, normalise=self.scale == "range")
        bad = self._blocked(hp)
        bad[cur] = False  # it trains there: finishing stays possible
        score[bad] = np.inf
        best = int(np.argmin(score))
        if best == cur or score[cur] - score[best] <= self.restart_margin:
            return None
        self.restarts += 1
        choice = self.instance_types[best]
        self.choices[choice] += 1
        return self._categories[choice]

    def _with_startup(self, log_s: np.ndarray, log_c: np.ndarray, resumed: bool
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Log seconds and log dollars of a whole segment on each type instead of per unit:
        the start-up (``job_startup``'s delays, its download billed; else the model's measured
        start-up, billed) plus the mean units of the run's segments of that kind (new or
        resumed) times the drawn seconds per unit. Unchanged without any start-up. O(types)."""
        waits = self._startup_waits()
        if waits is None:
            return log_s, log_c
        unbilled, billed = waits
        total, count = self._seg_units[resumed]
        units = total / count if count else 1.0
        train = units * np.exp(log_s)
        price = log_c - log_s
        return np.log(train + unbilled + billed), np.log(train + billed) + price

    def _startup_waits(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(unbilled, billed)`` seconds a new job waits on each type before it trains:
        ``job_startup``'s delays (provisioning, download; warm ones on a type whose warm pool
        holds an idle instance now, :meth:`on_job_end`), else the start-up the runtime
        model measured (billed: a backend bills a process or an instance from its start);
        None without either. Fresh arrays. O(types)."""
        if self.job_startup is not None:
            warm = self._warm_types()
            unbilled, billed = (np.array(a, dtype=float) for a in zip(
                *(self.job_startup.delays(t, warm=bool(w))
                  for t, w in zip(self.instance_types, warm))))
            return unbilled, billed
        if self.model.startup.any():
            return np.zeros(len(self.instance_types)), self.model.startup.copy()
        return None

    def _segment_weight(self, trial_id: int, rung: int) -> float:
        """The weight of ``trial_id``'s segment from rung ``rung`` on: its own weight, moved
        towards time at higher rungs (``1 - (1 - w)^(rung + 1)``) with ``adapt_across_rungs``."""
        w = self._weight.get(trial_id, 0.5)
        return 1.0 - (1.0 - w) ** (rung + 1) if self.adapt_across_rungs else w

    def _uniform_choice(self, config: Mapping[str, Any], w: float, control: bool = False) -> Any:
        """A type drawn uniformly for a new trial whose weight will be ``w``."""
        self._pending[self._hp_key(config)].append((w, control))
        allowed = np.flatnonzero(~self._blocked(config, own_only=control))
        choice = self.instance_types[int(allowed[self._rng.randint(len(allowed))])]
        self.choices[choice] += 1
        return self._categories[choice]

    def _hp_key(self, config: Mapping[str, Any]) -> str:
        from syne_mohb.configspace import config_key

        return config_key({k: v for k, v in config.items() if k != self.instance_attr})

    def _log_price_now(self) -> np.ndarray:
        """log $/hour per type: what the results billed where they billed anything (the
        backend's own rates, instance counts included), else the catalog's or given price."""
        out = self._log_price.copy()
        learned = {i: math.log(dollars / secs * 3600.0)
                   for i, (secs, dollars) in self._learned_rate.items()
                   if secs > 0 and dollars > 0}
        if learned and self._meter.key is not None:
            # billed off a table's cost column (no st_worker_cost), maybe at other prices or
            # in other units than the catalog's: the types it has not billed yet follow the
            # billed ones (their median ratio to the catalog; their mean without one)
            priced = [i for i in learned if self._has_price[i]]
            if priced:
                out = out + float(np.median([learned[i] - out[i] for i in priced]))
            else:
                out[:] = float(np.mean(list(learned.values())))
        for i, log_rate in learned.items():
            out[i] = log_rate
        return out

    # ------------------------------------------------------------------ observations
    def on_trial_add(self, trial_id: int, config: Mapping[str, Any],
                     restart_of: int | None = None) -> None:
        """A trial starts (``restart_of``: the trial whose configuration it trains again, see
        :meth:`restart_choice`; it keeps that trial's weight)."""
        instance = config.get(self.instance_attr)
        self._take_warm(instance)
        if self._late is not None and not self.joint and instance is not None \
                and str(instance) in self.specs:
            self._late.start(trial_id, config, self.model.type_index(instance))
        if restart_of is not None:
            self._weight[trial_id] = self._weight.get(restart_of, 0.5)
            return
        pending = self._pending.get(self._hp_key(config))
        w, control = pending.pop(0) if pending else (float(self._rng.uniform()), False)
        if control:
            self._controls.add(trial_id)
        self._weight[trial_id] = 0.5 if math.isnan(w) else w

    def note_failure(self, trial_id: int, kind: str | None) -> None:
        """Why ``trial_id`` failed, told before :meth:`on_error` (by the tuner callback
        :class:`~syne_mohb.hardware.feedback.HardwareFeedback`, from the backend):
        ``"capacity"`` (no instance of its type could be had, or the account's quota for it is
        used up: the configuration is not to blame) or None (any other failure, e.g. out of
        memory: the default when nothing is told)."""
        if kind not in (None, "capacity"):
            raise ValueError(f"kind must be 'capacity' or None, got {kind!r}")
        if not self.failure_kinds:
            return
        if "_failure_kinds" not in self.__dict__:  # a policy pickled before it existed
            self._failure_kinds: dict[int, str | None] = {}
        self._failure_kinds[int(trial_id)] = kind

    def on_error(self, trial_id: int, config: Mapping[str, Any]) -> Any | None:
        """``trial_id`` failed while training ``config`` (on ``config``'s instance type): the
        pair is recorded (:class:`~syne_mohb.hardware.feasibility.Feasibility`: the type is not
        chosen again for this configuration, nor, once failures add up, for similar ones).
        Returns the type on which to train the configuration again, or None: a configuration
        is retried once, on the type the policy chooses for it among those it has not failed
        on (the trial's own weight), unless the type is searched jointly or it failed on every
        type (then the failure is the configuration's, not the hardware's). Its job ended
        (:meth:`on_job_end`: a failed job leaves its instance warm, as in the simulated
        backend). A failure for lack of capacity (:meth:`note_failure`) is not recorded
        against the configuration: its type cools down and the configuration is trained again
        (:meth:`_capacity_retry`)."""
        self._check_bound()
        if self._late is not None and trial_id in self._late.late:
            return self._late_retry(trial_id, config, self._late.late.pop(trial_id))
        kind = self.__dict__.get("_failure_kinds", {}).pop(trial_id, None)
        instance = config.get(self.instance_attr)
        if kind == "capacity" and self.avoid_failures and instance is not None \
                and str(instance) in self.specs:
            return self._capacity_retry(trial_id, config, str(instance))
        self.on_job_end(trial_id, config)
        if not self.avoid_failures or instance is None or str(instance) not in self.specs:
            return None
        self.feasibility.record(config, instance, failed=True)
        self.failures += 1
        if len(self._failed_pairs) < 1000:  # for the run's metadata (recommendations)
            self._failed_pairs.append({
                "trial_id": trial_id, "instance_type": str(instance),
                "config": {k: plain(v) for k, v in config.items() if k != self.instance_attr}})
        key = self._hp_key(config)
        if self.joint or not self.retry_failures or key in self._retried \
                or len(self.feasibility.failed_types(config)) >= len(self.instance_types):
            return None
        self._retried.add(key)
        hp = {k: v for k, v in config.items() if k != self.instance_attr}
        retry = self._retry_choice(trial_id, hp)
        logger.warning(f"hardware policy: trial {trial_id} failed on {instance}; its "
                       f"configuration is trained once more, on {retry}, and not placed on "
                       f"{', '.join(self.feasibility.failed_types(config))} again")
        return retry

    def late_trials(self, elapsed: Mapping[int, float], training_only: bool = False
                    ) -> list[int]:
        """The trials to stop now because their first unit is late (step 7 of the module
        docstring; :class:`~syne_mohb.hardware.lateness.LateUnits`), given ``elapsed``: the
        seconds since each running trial's job started (the tuner's clock), or, with
        ``training_only``, since its training started (the backend left its start-up out: the
        start-up the model measured is then not added to the prediction either). Asked at
        every poll by :class:`~syne_mohb.hardware.feedback.HardwareFeedback`, which stops
        them; each one's configuration is then trained again by :meth:`on_error`. Empty
        without ``late_factor``. ``O(workers x T depth)``."""
        if self._late is None or self.joint:
            return []
        if isinstance(elapsed, (str, bytes)) or not isinstance(elapsed, Mapping):
            raise ValueError(f"elapsed must be a dict trial_id -> seconds, got "
                             f"{type(elapsed).__name__}")
        startup = getattr(self.model, "startup", None) \
            if self.measure_startup and not training_only else None

        def predicted(config: dict, t: int) -> float:
            mu, _ = self.model.predict_log([config], [self.instance_types[t]])
            return math.exp(float(mu[0, 0])) + (float(startup[t]) if startup is not None
                                                else 0.0)

        late = self._late.find({int(k): float(v) for k, v in elapsed.items()
                                if _number(v) is not None}, predicted, self._hp_key)
        for trial_id in late:
            logger.info(f"hardware policy: trial {trial_id}'s first unit is late "
                        f"({self._late.late[trial_id]:.4g} s); it is stopped and its "
                        f"configuration trained again on another type")
        return late

    def late_elapsed(self, trial_id: int) -> float | None:
        """The seconds after which ``trial_id`` was called late (:meth:`late_trials`), while
        its configuration is not trained again yet; None for any other trial (a durable run
        journals it with the trial's end)."""
        return None if self._late is None else self._late.late.get(int(trial_id))

    def mark_late(self, trial_id: int, elapsed: float) -> None:
        """``trial_id`` was called late after ``elapsed`` seconds in a recorded run: what
        :meth:`late_trials` decided, replayed by a durable run's resume before the trial's
        end reaches the scheduler."""
        if self._late is not None and int(trial_id) in self._late.running:
            self._late.mark(int(trial_id), float(elapsed), self._hp_key)

    def _late_retry(self, trial_id: int, config: Mapping[str, Any], elapsed: float) -> Any:
        """``trial_id`` was stopped as late after ``elapsed`` seconds: they enter the runtime
        model as one unit's (a lower bound), and the configuration is trained again on the
        type chosen for it among the others (never the one it was late on, unless no other is
        left)."""
        instance = config.get(self.instance_attr)
        self.model.observe(("late", trial_id), config, instance, 1.0, elapsed)
        self.model.fit(force=True)
        self.on_job_end(trial_id, config)
        return self._retry_choice(trial_id, {k: v for k, v in config.items()
                                             if k != self.instance_attr})

    #: capacity retries of one configuration at most (each on a type not cooling down)
    max_capacity_retries = 3

    def _capacity_retry(self, trial_id: int, config: Mapping[str, Any], instance: str
                        ) -> Any | None:
        """``trial_id``'s job found no capacity (or quota) for ``instance``: the type cools
        down; the configuration is trained again on the type chosen for it among the others,
        at most :attr:`max_capacity_retries` times (not under a joint search, whose searcher
        proposes the types, nor with ``retry_failures=False``). No job ran: no warm instance is
        left and the configuration is not marked as failing anywhere."""
        if "_availability" not in self.__dict__:  # built on first use (pickled policies too)
            self._availability = Availability(self.instance_types, self.capacity_cooldown_s)
            self._capacity_retries: dict[str, int] = {}
        until = self._availability.record(instance, self._now())
        key = self._hp_key(config)
        tries = self._capacity_retries.get(key, 0)
        if self.joint or not self.retry_failures or tries >= self.max_capacity_retries:
            logger.warning(f"hardware policy: trial {trial_id} found no capacity for "
                           f"{instance}; new trials avoid it for {until - self._now():.0f} s")
            return None
        self._capacity_retries[key] = tries + 1
        retry = self._retry_choice(trial_id, {k: v for k, v in config.items()
                                              if k != self.instance_attr})
        logger.warning(f"hardware policy: trial {trial_id} found no capacity for {instance}; "
                       f"its configuration is trained again on {retry}, and new trials avoid "
                       f"{instance} for {until - self._now():.0f} s")
        return retry

    def _retry_choice(self, trial_id: int, hp: Mapping[str, Any]) -> Any:
        """The type on which a failed trial's configuration ``hp`` is trained again (by a
        new trial that keeps ``trial_id``'s weight): :meth:`choose` at rung 0, whose note of a
        resume of ``trial_id`` is dropped (the failed trial is not resumed)."""
        retry = self.choose(hp, trial_id=trial_id, rung=0)
        self._resumed_on.pop(trial_id, None)
        return retry

    def _blocked(self, config: Mapping[str, Any], own_only: bool = False,
                 rng: np.random.RandomState | None = None) -> np.ndarray:
        """Types not to place ``config`` on: those it fails on
        (:meth:`Feasibility.infeasible`), those its first unit was late on (unless that leaves
        no type) and those cooling down after a capacity failure, unless that leaves no type
        (then the others' mask alone). O(types)."""
        bad = self.feasibility.infeasible(config, own_only=own_only, rng=rng)
        if self._late is not None:
            bad = _unless_none_left(bad, self._late.avoided(self._hp_key(config), len(bad)))
        availability = self.__dict__.get("_availability")
        if availability is not None:
            bad = _unless_none_left(bad, availability.unavailable(self._now()))
        return bad

    @property
    def feasibility(self) -> Feasibility:
        """Failures per (configuration, type) (built on first use: a policy pickled by a
        durable run before it existed loads without one)."""
        if getattr(self, "_feasibility", None) is None:
            self._check_bound()
            self._feasibility = Feasibility(self.model, random_seed=self.model.random_seed)
            self._trained_on: set[tuple[int, str]] = set()
            self._retried: set[str] = set()
            self._failed_pairs: list[dict[str, Any]] = []
            self.failures = 0
        return self._feasibility

    def on_resume(self, trial_id: int) -> None:
        """A new segment of ``trial_id`` starts (its next result is measured from here)."""
        self._segment[trial_id] += 1
        self._ensure_pools()
        i = self._resumed_on.pop(trial_id, None)
        if i is not None:
            self._take_warm(self.instance_types[i])

    # ------------------------------------------------------------------ warm pools
    def _init_pools(self) -> None:
        # the warm pools weighed (modelled, or as the backend reports them)
        self._pools = WeighedPools(self._keep_alive() if self.warm_pools else 0.0)
        self._resumed_on: dict[int, int] = {}  # trial -> type of its next (resumed) segment
        self._result_time = -math.inf  # latest st_tuner_time of a result (simulated runs)
        self._clock_start = time.monotonic()

    def _ensure_pools(self) -> None:
        """Build the pools' state on first use in a policy pickled (a durable run pickles its
        policy when it starts) by an earlier version: before warm pools were weighed (none),
        or while the policy kept their bookkeeping itself (moved into ``_pools``)."""
        if "_pools" in self.__dict__:
            return
        state = self.__dict__
        if "_warm" not in state:
            self._init_pools()
            return
        pools = WeighedPools(0.0)
        pools.modelled = state.pop("_warm")
        pools._ended = state.pop("_ended_jobs", set())
        if state.get("_told_warm") is not None:
            pools.told = state.pop("_told_warm")
            pools._taken = state.pop("_taken_warm", {})
        self._pools = pools

    def _keep_alive(self) -> float:
        return float(getattr(self.job_startup, "keep_alive_s", 0.0) or 0.0)

    def _now(self) -> float:
        """The tuner's time: the latest ``st_tuner_time`` a result carried (a simulated
        backend's clock), else seconds since this policy was made (a real backend)."""
        self._ensure_pools()
        if math.isfinite(self._result_time):
            return self._result_time
        return time.monotonic() - self._clock_start

    def on_job_end(self, trial_id: int, config: Mapping[str, Any],
                   result: Mapping[str, Any] | None = None) -> None:
        """The job of ``trial_id``'s segment ended (stopped, paused or finished): with warm
        pools (``job_startup.keep_alive_s > 0``, ``warm_pools``), its instance waits warm for
        the next job on its type for that long (:class:`~syne_mohb.hardware.startup.WarmPools`);
        the next choice weighs that type's warm start-up. Once per job (a trial stopped at its
        last epoch and then reported complete counts once). O(1)."""
        if self._late is not None:
            self._late.ended(trial_id)
        if self._keep_alive() <= 0 or not self.warm_pools:
            return
        self._ensure_pools()
        if not self._pools.end((trial_id, self._segment[trial_id])):
            return
        if result is not None:  # a failure has none: it ended now
            self._note_time(result)
        instance = (result or {}).get(SEGMENT_INSTANCE_TYPE, config.get(self.instance_attr))
        if instance is not None and str(instance) in self.specs:
            self._pools.release(str(instance), self._now())

    def _note_time(self, result: Mapping[str, Any]) -> None:
        t = _number(result.get(ST_TUNER_TIME))
        self._ensure_pools()
        # a result without it (a real backend's, after a resume's replayed ones): wall clock
        self._result_time = -math.inf if t is None else max(t, self._result_time)

    def note_warm_pools(self, idle: Mapping[Any, int]) -> None:
        """The backend's idle warm pools now, ``{type: pools}`` (SageMaker's ``WarmPoolStatus``
        ``Available``; told at every poll by
        :class:`~syne_mohb.hardware.feedback.HardwareFeedback`). From the first report on,
        they, not the modelled rule "every ended job leaves its instance", say which types
        start warm: SageMaker keeps a pool only within the account's warm-pool quota (0
        instances unless raised). A job started on a type takes one of its pools until a
        report that differs from the last one (a report lags behind the jobs this policy has
        just placed: the same report again does not give the taken pools back; a durable run
        journals the reports that differ and replays them;
        :class:`~syne_mohb.hardware.startup.WeighedPools`). Types the policy does not choose
        from are ignored. O(types)."""
        if not isinstance(idle, Mapping):
            raise ValueError(f"idle must be a dict instance type -> idle warm pools, got "
                             f"{type(idle).__name__}")
        told = {}
        for t, n in idle.items():
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise ValueError(f"idle[{t!r}] must be a number of idle pools >= 0, got {n!r}")
            if str(t) in self.specs and n > 0:
                told[str(t)] = int(n)
        self._ensure_pools()
        self._pools.tell(told)

    @property
    def told_warm_pools(self) -> dict[str, int] | None:
        """The backend's last report of idle warm pools (:meth:`note_warm_pools`), or None
        where none was told (the modelled pools are used)."""
        self._ensure_pools()
        return None if self._pools.told is None else dict(self._pools.told)

    def _warm_types(self) -> np.ndarray:
        """Per type, whether its warm pool holds an idle instance now (the backend's last
        report where there is one, else the modelled pools). O(idle instances)."""
        if self._keep_alive() <= 0 or not self.warm_pools:
            return np.zeros(len(self.instance_types), dtype=bool)
        self._ensure_pools()
        now = self._now()
        return np.array([self._pools.warm(t, now) for t in self.instance_types], dtype=bool)

    def _take_warm(self, instance: Any) -> None:
        """A job starts on ``instance``: it takes one of the type's idle instances, if any."""
        if self._keep_alive() <= 0 or not self.warm_pools or instance is None \
                or str(instance) not in self.specs:
            return
        self._ensure_pools()
        self._pools.take(str(instance), self._now())

    def on_result(self, trial_id: int, config: Mapping[str, Any], result: Mapping[str, Any],
                  resource: float, values: Sequence[float]) -> None:
        """Learn from one result: the segment's seconds (and dollars) since the trial's last
        result, and the metric values for the hardware test."""
        self._check_bound()
        self._note_time(result)
        # the type that produced this result: backends name it per segment; a line printed by
        # a paused segment may arrive after the trial's config names its next type
        instance = result.get(SEGMENT_INSTANCE_TYPE, config.get(self.instance_attr))
        if instance is None or str(instance) not in self.specs:
            return
        feasibility = self.feasibility
        if (trial_id, str(instance)) not in self._trained_on:  # it trains there
            self._trained_on.add((trial_id, str(instance)))
            feasibility.record(config, instance, failed=False)
        dollars = _number(result.get(ST_WORKER_COST))
        values = [float(v) for v in values]
        elapsed = self._clock.seconds(trial_id, result, self._segment[trial_id])
        if elapsed is None and self._clock.searching:
            self._keep_unclocked(trial_id, config, instance, resource, values, result, dollars)
            return
        self._flush_unclocked()
        self._observe(trial_id, self._segment[trial_id], config, instance, resource, values,
                      elapsed, dollars, result)
        if self._late is not None and trial_id in self._late.running:
            r, secs = self._last.get(trial_id, (0.0, None, None))[:2]
            self._late.ended(trial_id, secs / r if secs is not None and r > 0 else None)

    def _keep_unclocked(self, trial_id, config, instance, resource, values, result, dollars,
                        give_up: int = 200) -> None:
        """Keep a result whose seconds are not known yet (:class:`TrainingClock` is still
        looking for the key that holds them); after ``give_up`` such results, learn without
        seconds (the hardware test still runs) and say so."""
        self._unclocked.append((trial_id, self._segment[trial_id], dict(config), instance,
                                float(resource), values, dict(result), dollars))
        if len(self._unclocked) >= give_up:
            self._clock.give_up()
            logger.warning(
                f"hardware policy: {len(self._unclocked)} results without {self.time_attr!r} "
                f"and no result key advances with the tuner's clock: the runtime model learns "
                f"nothing (choices follow the catalog's specs). Give HardwarePolicy(time_attr="
                f"...) the result key of the trial's cumulative training seconds.")
            self._flush_unclocked()

    def _flush_unclocked(self) -> None:
        """Learn from the kept results, now that the clock is found (or given up)."""
        kept, self._unclocked = self._unclocked, []
        for trial_id, segment, config, instance, resource, values, result, dollars in kept:
            secs = _number(result.get(self._clock.key)) if self._clock.key else None
            self._observe(trial_id, segment, config, instance, resource, values, secs, dollars,
                          result)

    def _observe(self, trial_id: int, segment: int, config: Mapping[str, Any], instance: Any,
                 resource: float, values: list[float], elapsed: float | None,
                 dollars: float | None, result: Mapping[str, Any]) -> None:
        """Learn from one result of ``trial_id``'s segment ``segment`` (see :meth:`on_result`)."""
        last_r, last_t, last_c = self._last.get(trial_id, (0.0, 0.0, 0.0))
        if elapsed is not None:
            if dollars is None:  # no st_worker_cost (Syne Tune's simulator): a cost column
                dollars = self._meter.dollars((trial_id, segment), result, elapsed,
                                              str(instance))
            d_t = elapsed - last_t if elapsed >= last_t else elapsed
            d_r = resource - last_r if resource > last_r else resource
            kept = self.model.observe((trial_id, segment), config, instance, d_r, d_t)
            if self.measure_startup and kept is not None:
                units = self._seg_units[segment > 0]
                units[0] += d_r
                units[1] += kept == "added"
            i = self.model.type_index(instance)
            if dollars is not None and last_c is not None and dollars >= last_c and d_t > 0:
                self._learned_rate[i][0] += d_t
                self._learned_rate[i][1] += dollars - last_c
            # the trial's dollars so far (None: not known, e.g. before the meter found its
            # column; its next result then bills nothing)
            self._last[trial_id] = (resource, elapsed, dollars)
        if self.affects_metrics == "auto" and not self.joint:
            self._records.append((str(instance), float(resource), trial_id,
                                  values, float("nan") if elapsed is None else elapsed,
                                  float(self._log_price[self.model.type_index(instance)])))
            if trial_id not in self._configs_of:
                self._configs_of[trial_id] = {k: v for k, v in config.items()
                                              if k != self.instance_attr}
                self._key_of[trial_id] = self._hp_key(config)
            if len(self._records) >= max(self._tested_at + self.test_every,
                                         1.2 * self._tested_at):
                self._tested_at = len(self._records)
                self._test_hardware_effect()

    # ------------------------------------------------------------------ the hardware test
    # (syne_mohb.hardware.effect)
    def learning_metrics(self) -> list[int]:
        """Indices of the metrics that do not measure time or money (see module docstring)."""
        return learning_metrics(self._records[-2000:], self.metrics, self.hardware_metrics)

    def _test_hardware_effect(self) -> None:
        recs = self._records[-2000:]
        metrics = self.learning_metrics()
        if not metrics or len({r[0] for r in recs}) < 2:
            return
        self._tests += 1
        # the level is spent over the repeated tests and the metrics (Bonferroni)
        alpha = self.alpha / (self._tests * len(metrics))
        enc = self.model._encode  # the model's encoding of the hyperparameters
        found = hardware_changes(recs, metrics, alpha, self._key_of, self._controls,
                                 lambda trial_id: enc(self._configs_of[trial_id]))
        if found is not None:
            i, p, n = found
            self.joint = True
            logger.warning(
                f"hardware policy: the instance type changes {self.metrics[i]!r} "
                f"(Kruskal-Wallis p = {p:.2g} on {n} trials): the instance type is "
                f"searched jointly from now on, trials keep their type when resumed")

    def __repr__(self) -> str:
        types = self.instance_types if self.instance_types is not None else "(from the space)"
        return (f"HardwarePolicy(instance_types={types}, estimator={self.estimator!r}, "
                f"scale={self.scale!r}, joint={self.joint}, random_seed={self.random_seed})")

    def metadata(self) -> dict[str, Any]:
        return {"policy": type(self).__name__, "joint": self.joint,
                "choices": dict(self.choices), "moves": self.moves, "restarts": self.restarts,
                "failures": getattr(self, "failures", 0),
                "retries": len(getattr(self, "_retried", ())),
                "capacity_failures": (self._availability.failures()
                                      if "_availability" in self.__dict__ else {}),
                "failed": list(getattr(self, "_failed_pairs", ())),
                "late_factor": self.late_factor,
                "late_stops": self._late.stops if self._late is not None else 0,
                "observations": self.model.num_observations if self.model else 0}


def _unless_none_left(bad: np.ndarray, more: np.ndarray) -> np.ndarray:
    """The types of ``bad`` and of ``more``, unless together they are every type (then
    ``bad``)."""
    both = bad | more
    return bad if both.all() else both


def _chebyshev(log_s: np.ndarray, log_c: np.ndarray, w: float, rho: float = 0.05,
               normalise: bool = True) -> np.ndarray:
    """Augmented Chebyshev scalarisation (as in ParEGO, Knowles 2006) of the (time, cost)
    draws, each relative to its best type and normalised to [0, 1] over the types
    (``normalise``) or left in log units: the ``rho`` term breaks ties towards the point better
    on the other objective, so a weight close to 1 picks the cheapest of equally fast types."""
    def unit(x):
        x = x - x.min()
        if not normalise:
            return x
        span = float(x.max())
        return x / span if span > 0 else np.zeros_like(x)

    s, c = w * unit(log_s), (1.0 - w) * unit(log_c)
    return np.maximum(s, c) + rho * (s + c)


def _zero_pair() -> list[float]:
    """``[seconds, dollars]`` billed on a type so far (a module function, not a lambda, so that
    a bound policy pickles: a scheduler's state may be saved)."""
    return [0.0, 0.0]


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None
