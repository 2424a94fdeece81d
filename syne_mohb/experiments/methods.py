"""Registry of the tuning methods compared in the experiments.

Every method is a factory ``(MethodContext) -> TrialScheduler``; all of them run on the same
simulated benchmark, budget and number of workers (see :mod:`syne_mohb.experiments.runner`).

===========================  ==================================================================
name                         method
===========================  ==================================================================
``moasha``                   our MO-ASHA (stopping) + its defaults: the model-based searcher
                             (``ModelBasedSearcher``) on the hyperparameters, and the hardware
                             policy (:class:`~syne_mohb.hardware.policy.HardwarePolicy`) choosing
                             each trial's instance type from a runtime/cost model with interactions
                             (a survivor of a rung is trained again on another type when the
                             model prefers it for finishing); accuracy (max), runtime (min), cost
                             (min)
``moasha-random``            ``moasha`` with the default searcher until 2026-12: random draws of
                             the hyperparameters with replacement
``moasha-no-restart``        ``moasha`` without those restarts
``moasha-forget-failures``   ``moasha`` whose policy neither records failed trials nor trains a
                             failed configuration again (``HardwarePolicy(avoid_failures=False)``:
                             the behaviour before 2026-12-07; ``moasha-no-retry``: failures
                             recorded and avoided, a failed configuration not trained again)
``moasha-kind-blind``        ``moasha`` whose policy takes every failure as its configuration's,
                             also one the backend says was for lack of capacity
                             (``HardwarePolicy(failure_kinds=False)``: before 2026-12-07)
``moasha-no-cooldown``       ``moasha`` whose policy, told a capacity failure, leaves the type in
                             its choices (``HardwarePolicy(capacity_cooldown_s=0)``;
                             ``moasha-cooldown-600``: 600 s instead of the default 150 s)
``moasha-wide-prior``        ``moasha`` with the policy's Thompson draws until 2026-12-05: the
                             runtime model's wide prior (``prior_std=1.0``) and a quarter of its
                             trees per draw (``draw_fraction=4``)
``moasha-startup-per-unit``  ``moasha`` where a job start-up is simulated, with the policy
                             of before 2026-12-06: the start-up left in the runtime model's
                             seconds per unit, types compared per unit
                             (``HardwarePolicy(measure_startup=False)``; without a start-up the
                             same as ``moasha``)
``moasha-cold-pools``        ``moasha`` (``moasha-promotion-cold-pools``: ``moasha-promotion``)
                             with the policy of before 2026-12-07 where warm pools are simulated:
                             every start-up weighed cold (``HardwarePolicy(warm_pools=False)``;
                             without warm pools the same as ``moasha``)
``moasha-late``              ``moasha`` whose policy stops a trial whose first unit runs 3x
                             longer than predicted and than the run's median first unit, and
                             trains its configuration again on another type
                             (``HardwarePolicy(late_factor=3.0)``, with the tuner callback
                             :class:`~syne_mohb.hardware.feedback.HardwareFeedback`)
``moasha-bilinear``          ``moasha`` whose runtime model is the Bayesian bilinear regression
                             (``HardwarePolicy(estimator="bilinear")``) instead of extra trees
``moasha-two-term``          ``moasha`` whose runtime model's trees also see a two-term fit
                             (per-step overhead + work / throughput,
                             ``HardwarePolicy(estimator="two_term")``)
``moasha-sampler``           the previous default: the instance type drawn by the searcher with
                             ``InstanceTypePreference`` (one fixed effect per type; dominated
                             types sampled for exploration only), no hardware policy
``moasha-uniform``           the first release's default: uniform random search, no repeats
``moasha-repeats``           uniform random draws with replacement
``moasha-exhaust``           no repeats until a finite space is used up, then with replacement
``moasha-promotion``         our MO-ASHA, promotion variant (pause and resume); the hardware policy
                             chooses the type of every segment (a promoted trial may move)
``moasha-prior``             ``moasha`` whose hardware policy takes the other tasks' runtimes as the
                             prior of its runtime model (leave-one-task-out;
                             ``moasha-promotion-prior``: the same under promotion)
``moasha-range``             ``moasha`` with the policy's previous scalarisation (time and cost each
                             normalised to [0, 1] over the types; ``moasha-promotion-range`` too)
``moasha-promotion-fast``    ``moasha-promotion`` with the fastest type above rung 0
                             (``moasha-promotion-range-fast``: with the previous scalarisation)
``moasha-transfer``          our MO-ASHA (stopping) + ``ParetoTransferSearcher`` fed with the
                             benchmark's other tasks (leave-one-task-out)
``st-moasha``                Syne Tune 0.16 ``MOASHA`` as shipped. It has one ``do_minimize`` for
                             all metrics, so it gets error, runtime and cost, all minimised
``st-moasha-fixed``          the same with its rank bug patched (the peer to beat)
``mo-random-repeats``        multi-objective random search with draws with replacement
``asha-p3``                  single-objective ASHA on ml.p3.2xlarge
``mo-random``                multi-objective random search: every trial runs to the maximum
                             fidelity (FIFO), seeded random searcher, instance type tuned
``asha-default``             single-objective ASHA (Syne Tune 0.16) on accuracy with the instance
                             fixed to the default (``ml.g4dn.xlarge``: the cheapest single-GPU
                             type, the user's habit)
``asha-instance``            single-objective ASHA on accuracy with the instance type tuned
``nsga2``                    Optuna 5 ``NSGAIISampler`` (Deb et al. 2002) through ask/tell, each
                             trial trained to the maximum fidelity, accuracy/runtime/cost
``moasha-hp``                our MO-ASHA with the instance fixed to the default (accuracy,
                             runtime) and random search: the paper's hyperparameters-only setting
``moasha-bo``                our MO-ASHA + ``ModelBasedSearcher`` (trees, random Chebyshev
                             scalarisations, Thompson sampling) on the hyperparameters; the
                             hardware policy picks the instance type (a context input of the model).
                             ``moasha`` builds the same searcher itself (seeded from its own
                             generator); this one is built outside and seeded with the run's seed
``moasha-bo-hw``             the same with the instance type in the searcher's space (no policy)
``moasha-bo-transfer``       ``moasha-bo`` with the other tasks as a prior (leave-one-task-out;
                             ``moasha-bo-hw-transfer``: the instance type in the searcher's space)
``moasha-related``           what a user with related tasks runs: ``moasha-bo-transfer`` whose
                             hardware policy also takes their runtimes as its model's prior
                             (``-prior-only``: no suggestion drawn from the related tasks'
                             fronts, ``transfer_share=0``; the default until 2026-12-07)
``mo-bo``                    ``ModelBasedSearcher`` at full fidelity (FIFO): plain
                             multi-objective BO
``moasha-hp-bo``             ``moasha-hp`` (instance fixed; accuracy, runtime) +
                             ``ModelBasedSearcher``
``moasha-bo-p3``             ``moasha-bo`` with every trial on ml.p3.2xlarge (accuracy, runtime,
                             cost): a bound, not a candidate: what the tuning time to a target is
                             when every trial runs on the fastest type of the ``cnn`` table
``st-ehvi``                  Syne Tune 0.16 ``EHVI`` (BoTorch qLogEHVI), full fidelity, error /
                             runtime / cost minimised; needs the ``ehvi`` extra (torch, botorch)
``st-morea``                 Syne Tune 0.16 multi-objective regularised evolution, full fidelity
                             (``st-morea-fixed``: its rank bug patched as in ``st-moasha-fixed``)
``motpe``                    Optuna 5 ``TPESampler`` with three objectives (MOTPE), full fidelity
``neps-mobo``                NePS 0.17 ``bayesian_optimization`` with three objectives (BoTorch
                             qLogNEHVI) through ask/tell, full fidelity; needs the ``neps`` extra
===========================  ==================================================================
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from syne_tune.optimizer.scheduler import TrialScheduler

from syne_mohb.schedulers import MOASHA, FIFOScheduler, OptunaAskTellScheduler, syne_tune_moasha
from syne_mohb.searchers.random import RandomSearcher

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_INSTANCE",
    "HARDWARE_LOGIC",
    "MAIN_METHODS",
    "METHODS",
    "METHOD_PACKAGES",
    "SEARCHER",
    "MethodContext",
    "hardware_logic",
    "make_scheduler",
    "method_names",
    "method_table",
    "searcher_of",
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
    :param extra: settings of the run a method may use: ``"job_startup"``, the
        :class:`~syne_mohb.hardware.startup.JobStartup` of a run that simulates SageMaker job
        start-up (the hardware policy then weighs a restart's start-up)
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


MO_METRICS = ["accuracy", "runtime", "cost"]
MO_MODES = ["max", "min", "min"]


def _moasha(ctx: MethodContext, **kw) -> TrialScheduler:
    """Our MO-ASHA; where runs simulate SageMaker job start-up (``ctx.extra["job_startup"]``)
    and MO-ASHA's default policy would choose the type, the policy is given that start-up
    (a restart on another type then pays a cold one)."""
    startup = ctx.extra.get("job_startup")
    searcher_space = getattr(kw.get("searcher"), "config_space", None) or {}
    if startup is not None and "hardware" not in kw and ctx.instance_attr not in searcher_space:
        from syne_mohb.hardware.policy import HardwarePolicy

        kw["hardware"] = HardwarePolicy(instance_attr=ctx.instance_attr, job_startup=startup)
    return MOASHA(ctx.config_space, metrics=MO_METRICS, mode=MO_MODES, time_attr=ctx.fidelity_attr,
                  max_t=ctx.max_t, random_seed=ctx.random_seed, instance_attr=ctx.instance_attr,
                  **kw)


def _policy(ctx: MethodContext, prior: bool = False, **kw):
    """A :class:`HardwarePolicy` configured by ``kw``, with the run's job start-up;
    ``prior``: related tasks' times as its runtime model's prior."""
    from syne_mohb.hardware.policy import HardwarePolicy

    if prior and not ctx.transfer_evaluations:
        raise ValueError("a method with the policy's prior needs the evaluations of related "
                         "tasks; the benchmark has no other task")
    return HardwarePolicy(instance_attr=ctx.instance_attr,
                          prior_evaluations=ctx.transfer_evaluations if prior else None,
                          job_startup=ctx.extra.get("job_startup"), **kw)


def _moasha_policy(ctx: MethodContext, prior: bool = False, type: str = "stopping",
                   **kw) -> TrialScheduler:
    """Our MO-ASHA with a :class:`HardwarePolicy` configured by ``kw`` (the variants measured
    by ``benchmarking/compare_methods.py``); ``prior``: related tasks' times as its prior."""
    return _moasha(ctx, type=type, hardware=_policy(ctx, prior=prior, **kw))


def _moasha_transfer(ctx: MethodContext, **kw) -> TrialScheduler:
    from syne_mohb.searchers.transfer import ParetoTransferSearcher

    if not ctx.transfer_evaluations:
        raise ValueError(
            "method 'moasha-transfer' needs the evaluations of related tasks; the benchmark "
            "has no other task"
        )
    searcher = ParetoTransferSearcher(ctx.config_space, ctx.transfer_evaluations,
                                      metrics=MO_METRICS, mode=MO_MODES,
                                      random_seed=ctx.random_seed, **kw)
    return _moasha(ctx, searcher=searcher)


def _st_moasha(ctx: MethodContext, patched: bool = False) -> TrialScheduler:
    """Syne Tune 0.16 ``MOASHA`` (:func:`syne_mohb.schedulers.syne_tune_moasha`): one
    ``do_minimize`` for all metrics, so it gets error instead of accuracy."""
    return syne_tune_moasha(ctx.config_space, ["error", "runtime", "cost"],
                            time_attr=ctx.fidelity_attr, max_t=ctx.max_t,
                            random_seed=ctx.random_seed, patched=patched)


def _asha(space: dict[str, Any], ctx: MethodContext) -> TrialScheduler:
    from syne_tune.optimizer.baselines import ASHA

    return ASHA(space, metric="accuracy", do_minimize=False, time_attr=ctx.fidelity_attr,
                max_t=ctx.max_t, random_seed=ctx.random_seed)


def _nsga2(ctx: MethodContext) -> TrialScheduler:
    return OptunaAskTellScheduler(ctx.config_space, MO_METRICS, MO_MODES,
                                  random_seed=ctx.random_seed)


def _moasha_hp(ctx: MethodContext) -> TrialScheduler:
    return MOASHA(ctx.fixed_space(), metrics=["accuracy", "runtime"], mode=["max", "min"],
                  time_attr=ctx.fidelity_attr, max_t=ctx.max_t, random_seed=ctx.random_seed,
                  searcher="random")


METHODS: dict[str, Callable[[MethodContext], TrialScheduler]] = {
    "moasha": lambda ctx: _moasha(ctx),
    "moasha-random": lambda ctx: _moasha(ctx, searcher="random"),
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
    "moasha-sampler": lambda ctx: _moasha(ctx, searcher=RandomSearcher(
        ctx.config_space, random_seed=ctx.random_seed, repeats="always",
        instance_attr=ctx.instance_attr, modes=MO_MODES)),
    "moasha-range": lambda ctx: _moasha_policy(ctx, scale="range"),
    "moasha-promotion-range": lambda ctx: _moasha_policy(ctx, type="promotion", scale="range"),
    "moasha-promotion-fast": lambda ctx: _moasha_policy(ctx, type="promotion", finish_fast=True),
    "moasha-promotion-range-fast": lambda ctx: _moasha_policy(ctx, type="promotion",
                                                              scale="range", finish_fast=True),
    "moasha-no-restart": lambda ctx: _moasha_policy(ctx, restart_margin=None),
    "moasha-forget-failures": lambda ctx: _moasha_policy(ctx, avoid_failures=False),
    "moasha-no-retry": lambda ctx: _moasha_policy(ctx, retry_failures=False),
    "moasha-kind-blind": lambda ctx: _moasha_policy(ctx, failure_kinds=False),
    "moasha-no-cooldown": lambda ctx: _moasha_policy(ctx, capacity_cooldown_s=0.0),
    "moasha-cooldown-600": lambda ctx: _moasha_policy(ctx, capacity_cooldown_s=600.0),
    "moasha-wide-prior": lambda ctx: _moasha_policy(ctx, prior_std=1.0, draw_fraction=4),
    "moasha-startup-per-unit": lambda ctx: _moasha_policy(ctx, measure_startup=False),
    "moasha-cold-pools": lambda ctx: _moasha_policy(ctx, warm_pools=False),
    "moasha-promotion-cold-pools": lambda ctx: _moasha_policy(ctx, type="promotion",
                                                              warm_pools=False),
    "moasha-late": lambda ctx: _moasha_policy(ctx, late_factor=3.0),
    "moasha-bilinear": lambda ctx: _moasha_policy(ctx, estimator="bilinear"),
    "moasha-two-term": lambda ctx: _moasha_policy(ctx, estimator="two_term"),
    "moasha-prior": lambda ctx: _moasha_policy(ctx, prior=True),
    "moasha-promotion-prior": lambda ctx: _moasha_policy(ctx, prior=True, type="promotion"),
    "asha-default": lambda ctx: _asha(ctx.fixed_space(), ctx),
    "asha-p3": lambda ctx: _asha(ctx.fixed_space(P3_INSTANCE), ctx),
    "asha-instance": lambda ctx: _asha(ctx.config_space, ctx),
    "nsga2": _nsga2,
    "moasha-hp": _moasha_hp,
}


# ---------------------------------------------------------------- model-based searcher and peers
def _without_instance(ctx: MethodContext) -> dict[str, Any]:
    return {k: v for k, v in ctx.config_space.items() if k != ctx.instance_attr}


def _bo_searcher(ctx: MethodContext, space: dict[str, Any], transfer: bool = False, **kw):
    from syne_mohb.searchers.model_based import ModelBasedSearcher

    evaluations = None
    if transfer:
        if not ctx.transfer_evaluations:
            raise ValueError(
                "method 'moasha-bo-transfer' needs the evaluations of related tasks (the runner "
                "passes them to the methods in TRANSFER_METHODS); the benchmark has no other task"
            )
        evaluations = ctx.transfer_evaluations
    kw = {"metrics": MO_METRICS, "mode": MO_MODES, **kw}
    return ModelBasedSearcher(space, random_seed=ctx.random_seed,
                              transfer_evaluations=evaluations, max_resource=ctx.max_t,
                              context_attr=ctx.instance_attr, **kw)


def _moasha_bo(ctx: MethodContext, hardware_in_space: bool = False, transfer: bool = False,
               **kw) -> TrialScheduler:
    space = ctx.config_space if hardware_in_space else _without_instance(ctx)
    return _moasha(ctx, searcher=_bo_searcher(ctx, space, transfer=transfer, **kw))


def _moasha_related(ctx: MethodContext, **kw) -> TrialScheduler:
    """What a user with related tasks runs: the model-based searcher with their evaluations
    as its prior and the hardware policy with their runtimes as its model's prior. The same
    two objects as ``MOASHA(transfer_evaluations=...)`` builds, but built here, as the other
    ``moasha-bo*`` methods build theirs: the searcher is seeded with the run's seed (MO-ASHA
    seeds its own from its generator), so its random stream, not its method, differs."""
    searcher = _bo_searcher(ctx, _without_instance(ctx), transfer=True, **kw)
    return _moasha(ctx, searcher=searcher, hardware=_policy(ctx, prior=True))


def _st_ehvi(ctx: MethodContext) -> TrialScheduler:
    from importlib.metadata import version

    from syne_mohb._lazy import require_installed

    # Syne Tune 0.16's EHVI is BoTorch's qLogExpectedHypervolumeImprovement
    require_installed("botorch", "method st-ehvi")
    found = version("botorch")
    if tuple(int(p) for p in found.split(".")[:2] if p.isdigit()) >= (0, 18):
        raise ImportError(
            f"method st-ehvi fails at every suggestion with botorch {found} (its fused "
            f"hypervolume kernel expects double-precision tensors, which Syne Tune 0.16 does "
            f"not pass): pip install 'botorch>=0.12,<0.16' (the ehvi extra's range)")
    from syne_tune.optimizer.baselines import EHVI

    return EHVI(ctx.config_space, metrics=["error", "runtime", "cost"], do_minimize=True,
                random_seed=ctx.random_seed)


def _st_morea(ctx: MethodContext, patched: bool = False) -> TrialScheduler:
    """Syne Tune 0.16 ``MultiObjectiveRegularizedEvolution`` at full fidelity (every trial to
    ``max_t``); one ``do_minimize`` for all metrics, so it gets error instead of accuracy."""
    from syne_tune.optimizer.schedulers.multiobjective.multi_objective_regularized_evolution \
        import MultiObjectiveRegularizedEvolution
    from syne_tune.optimizer.schedulers.single_fidelity_scheduler import SingleFidelityScheduler

    from syne_mohb.schedulers.st_moasha import STNonDominatedPriority

    searcher = MultiObjectiveRegularizedEvolution(
        ctx.config_space, random_seed=ctx.random_seed,
        multiobjective_priority=STNonDominatedPriority(patched=patched))
    return SingleFidelityScheduler(ctx.config_space, metrics=["error", "runtime", "cost"],
                                   do_minimize=True, searcher=searcher,
                                   random_seed=ctx.random_seed)


def _neps_mobo(ctx: MethodContext) -> TrialScheduler:
    """NePS's multi-objective BO (qLogNEHVI) at full fidelity, through ask/tell."""
    from syne_mohb.schedulers.neps_ask_tell import NePSAskTellScheduler

    return NePSAskTellScheduler(ctx.config_space, MO_METRICS, MO_MODES,
                                random_seed=ctx.random_seed)


def _motpe(ctx: MethodContext) -> TrialScheduler:
    import optuna

    return OptunaAskTellScheduler(ctx.config_space, MO_METRICS, MO_MODES,
                                  sampler=optuna.samplers.TPESampler(seed=ctx.random_seed))


METHODS.update({
    "moasha-bo": _moasha_bo,
    "moasha-bo-no-repeats": lambda ctx: _moasha_bo(ctx, repeats="when_exhausted"),
    "moasha-bo-hw": lambda ctx: _moasha_bo(ctx, hardware_in_space=True),
    "moasha-bo-transfer": lambda ctx: _moasha_bo(ctx, transfer=True),
    "moasha-bo-hw-transfer": lambda ctx: _moasha_bo(ctx, hardware_in_space=True, transfer=True),
    "moasha-related": _moasha_related,
    "moasha-related-prior-only": lambda ctx: _moasha_related(ctx, transfer_share=0.0),
    "mo-bo": lambda ctx: FIFOScheduler(ctx.config_space, MO_METRICS, MO_MODES,
                                       searcher=_bo_searcher(ctx, ctx.config_space)),
    "moasha-hp-bo": lambda ctx: MOASHA(
        ctx.fixed_space(), metrics=["accuracy", "runtime"], mode=["max", "min"],
        time_attr=ctx.fidelity_attr, max_t=ctx.max_t, random_seed=ctx.random_seed,
        searcher=_bo_searcher(ctx, ctx.fixed_space(), metrics=["accuracy", "runtime"],
                              mode=["max", "min"])),
    "moasha-bo-p3": lambda ctx: MOASHA(
        ctx.fixed_space(P3_INSTANCE), metrics=MO_METRICS, mode=MO_MODES,
        time_attr=ctx.fidelity_attr, max_t=ctx.max_t, random_seed=ctx.random_seed,
        searcher=_bo_searcher(ctx, ctx.fixed_space(P3_INSTANCE))),
    "st-ehvi": _st_ehvi,
    "st-morea": _st_morea,
    "st-morea-fixed": lambda ctx: _st_morea(ctx, patched=True),
    "motpe": _motpe,
    "neps-mobo": _neps_mobo,
})
# methods that take the related tasks' evaluations (leave-one-task-out) in
# ``MethodContext.transfer_evaluations``
TRANSFER_METHODS = {"moasha-prior", "moasha-promotion-prior", "moasha-transfer",
                    "moasha-transfer-repeats", "moasha-transfer-exhaust", "moasha-bo-transfer",
                    "moasha-bo-hw-transfer", "moasha-related", "moasha-related-prior-only"}

# methods whose instance type is fixed to the default instance
_FIXED_INSTANCE = {"asha-default", "asha-p3", "moasha-hp"}
_FIXED_INSTANCE.update({"moasha-hp-bo", "moasha-bo-p3"})
# methods that train every trial on one named instance type, whatever the default
NAMED_INSTANCE = {"asha-p3": P3_INSTANCE, "moasha-bo-p3": P3_INSTANCE}
# methods that draw from numpy's global generator (Syne Tune's unseeded samplers)
GLOBAL_RNG_METHODS = {"st-moasha", "st-moasha-fixed", "asha-default", "asha-p3", "asha-instance"}


# what chooses the instance type in each method (every table says it, to compare like with like)
HARDWARE_LOGIC = {
    "moasha": "policy: runtime/cost model, per config; survivors restarted on a better type",
    "moasha-random": "policy: runtime/cost model, per config; survivors restarted on a better type",
    "moasha-no-restart": "policy: runtime/cost model, per config, no restarts",
    "moasha-forget-failures": "policy: runtime/cost model, per config, failures neither "
                              "avoided nor retried (before 2026-12-07); survivors restarted on "
                              "a better type",
    "moasha-no-retry": "policy: runtime/cost model, per config, failures avoided, not "
                       "retried; survivors restarted on a better type",
    "moasha-kind-blind": "policy: runtime/cost model, per config, a capacity failure taken as "
                         "the configuration's (before 2026-12-07); survivors restarted on a "
                         "better type",
    "moasha-no-cooldown": "policy: runtime/cost model, per config, a capacity failure not the "
                          "configuration's, no cool-down of its type; survivors restarted on a "
                          "better type",
    "moasha-cooldown-600": "policy: runtime/cost model, per config, a capacity failure not the "
                           "configuration's, its type cooled down 600 s; survivors restarted "
                           "on a better type",
    "moasha-wide-prior": "policy: runtime/cost model with wide Thompson draws (default until "
                         "2026-12-05), per config; survivors restarted on a better type",
    "moasha-startup-per-unit": "policy: runtime/cost model, types compared per unit with the "
                               "start-up in it (before 2026-12-06), per config; survivors "
                               "restarted on a better type",
    "moasha-cold-pools": "policy: runtime/cost model, every start-up weighed cold (before "
                         "2026-12-07), per config; survivors restarted on a better type",
    "moasha-promotion-cold-pools": "policy, re-chosen at every promotion, every start-up "
                                   "weighed cold (before 2026-12-07)",
    "moasha-late": "policy: runtime/cost model, per config; survivors restarted on a better "
                   "type; late first units (3x) stopped and moved",
    "moasha-bilinear": "policy: runtime/cost model (Bayesian bilinear), per config; survivors "
                       "restarted on a better type",
    "moasha-two-term": "policy: runtime/cost model (trees with a two-term overhead + work / "
                       "throughput fit), per config; survivors restarted on a better type",
    "moasha-promotion": "policy, re-chosen at every promotion",
    "moasha-bo": "policy: runtime/cost model, per config; survivors restarted on a better type",
    "moasha-bo-no-repeats": "policy: runtime/cost model, per config; survivors restarted on a "
                            "better type",
    "moasha-bo-transfer": "policy: runtime/cost model, per config; survivors restarted on a "
                          "better type",
    "moasha-related": "policy: runtime/cost model with related tasks' times as prior",
    "moasha-related-prior-only": "policy: runtime/cost model with related tasks' times as prior",
    "moasha-bo-hw": "searcher: model-based (joint)",
    "moasha-bo-hw-transfer": "searcher: model-based + related tasks (joint)",
    "mo-bo": "searcher: model-based (joint), full fidelity",
    "moasha-hp-bo": "fixed ml.g4dn.xlarge",
    "moasha-bo-p3": "fixed ml.p3.2xlarge, every trial (a bound: the fastest type)",
    "st-morea": "searcher: evolution (joint)",
    "st-morea-fixed": "searcher: evolution (joint)",
    "motpe": "searcher: TPE (joint)",
    "nsga2": "searcher: NSGA-II (joint)",
    "moasha-sampler": "searcher: per-type preference (old default)",
    "moasha-transfer": "searcher: transfer model (joint)",
    "asha-default": "fixed ml.g4dn.xlarge",
    "asha-p3": "fixed ml.p3.2xlarge",
    "moasha-hp": "fixed ml.g4dn.xlarge",
    "moasha-transfer-repeats": "searcher: transfer model (joint)",
    "moasha-transfer-exhaust": "searcher: transfer model (joint)",
    "moasha-repeats": "searcher: uniform (joint)",
    "moasha-uniform": "searcher: uniform (joint)",
    "moasha-exhaust": "searcher: uniform (joint)",
    "st-moasha": "searcher: uniform (joint)",
    "st-moasha-fixed": "searcher: uniform (joint)",
    "mo-random": "searcher: uniform (joint)",
    "mo-random-repeats": "searcher: uniform (joint)",
    "asha-instance": "searcher: uniform (joint)",
    "st-ehvi": "searcher: EHVI (joint)",
    "neps-mobo": "searcher: NePS qLogNEHVI (joint)",
    "moasha-range": "policy, time and cost normalised over the types (previous default)",
    "moasha-promotion-range": "policy, re-chosen at every promotion, normalised over the types",
    "moasha-promotion-fast": "policy, re-chosen at every promotion, fastest type above rung 0",
    "moasha-promotion-range-fast": "policy, re-chosen at every promotion, normalised over the "
                                   "types, fastest type above rung 0",
    "moasha-prior": "policy: runtime/cost model with related tasks' times as prior",
    "moasha-promotion-prior": "policy with related tasks' times as prior, re-chosen at every "
                              "promotion",
}


# what proposes the hyperparameters (and the scheduler around it), the other half of a method
SEARCHER = {
    "moasha": "model-based (trees), MO-ASHA stopping",
    "moasha-promotion": "model-based (trees), MO-ASHA promotion",
    "moasha-random": "random, with replacement (MO-ASHA stopping; default until 2026-12)",
    "moasha-sampler": "random, with replacement",
    "moasha-range": "model-based (trees), MO-ASHA stopping",
    "moasha-no-restart": "model-based (trees), MO-ASHA stopping",
    "moasha-forget-failures": "model-based (trees), MO-ASHA stopping",
    "moasha-no-retry": "model-based (trees), MO-ASHA stopping",
    "moasha-kind-blind": "model-based (trees), MO-ASHA stopping",
    "moasha-no-cooldown": "model-based (trees), MO-ASHA stopping",
    "moasha-cooldown-600": "model-based (trees), MO-ASHA stopping",
    "moasha-wide-prior": "model-based (trees), MO-ASHA stopping",
    "moasha-bilinear": "model-based (trees), MO-ASHA stopping",
    "moasha-late": "model-based (trees), MO-ASHA stopping",
    "moasha-two-term": "model-based (trees), MO-ASHA stopping",
    "moasha-startup-per-unit": "model-based (trees), MO-ASHA stopping",
    "moasha-cold-pools": "model-based (trees), MO-ASHA stopping",
    "moasha-promotion-cold-pools": "model-based (trees), MO-ASHA promotion",
    "moasha-prior": "model-based (trees), MO-ASHA stopping",
    "moasha-promotion-prior": "model-based (trees), MO-ASHA promotion",
    "moasha-promotion-range": "model-based (trees), MO-ASHA promotion",
    "moasha-promotion-fast": "model-based (trees), MO-ASHA promotion",
    "moasha-promotion-range-fast": "model-based (trees), MO-ASHA promotion",
    "st-ehvi": "Syne Tune 0.16 EHVI (BoTorch), FIFO",
    "neps-mobo": "NePS 0.17 MO-BO (BoTorch qLogNEHVI), FIFO",
    "moasha-repeats": "random, with replacement",
    "moasha-uniform": "random, no repeats (first release)",
    "moasha-exhaust": "random, no repeats until the space is used up",
    "moasha-transfer": "ParetoTransferSearcher (related tasks), no repeats",
    "moasha-transfer-repeats": "ParetoTransferSearcher (related tasks), with replacement",
    "moasha-transfer-exhaust": "ParetoTransferSearcher (related tasks), repeats when used up",
    "moasha-hp": "random (accuracy, runtime only)",
    "moasha-bo": "model-based (trees), MO-ASHA rungs",
    "moasha-bo-no-repeats": "model-based (trees), no repeats until every configuration was "
                            "tried, MO-ASHA rungs",
    "moasha-bo-transfer": "model-based + related-task prior, suggestions 11-40 half from "
                          "their fronts (since 2026-12-07), MO-ASHA rungs",
    "moasha-related": "model-based + related-task prior, suggestions 11-40 half from their "
                      "fronts, MO-ASHA stopping",
    "moasha-related-prior-only": "model-based + related-task prior, no proposals from their "
                                 "fronts (default until 2026-12-07), MO-ASHA stopping",
    "moasha-bo-hw": "model-based (trees), MO-ASHA rungs",
    "moasha-bo-hw-transfer": "model-based + related-task prior, suggestions 11-40 half from "
                             "their fronts (since 2026-12-07), MO-ASHA rungs",
    "mo-bo": "model-based (trees), FIFO (no rungs)",
    "moasha-hp-bo": "model-based (accuracy, runtime only)",
    "moasha-bo-p3": "model-based (trees), MO-ASHA rungs",
    "st-moasha": "Syne Tune 0.16 MOASHA as shipped (random)",
    "st-moasha-fixed": "Syne Tune 0.16 MOASHA, rank bug patched (random)",
    "st-morea": "Syne Tune 0.16 MOREA as shipped, FIFO",
    "st-morea-fixed": "Syne Tune 0.16 MOREA, rank bug patched, FIFO",
    "motpe": "Optuna MOTPE, FIFO",
    "nsga2": "Optuna NSGA-II, FIFO",
    "mo-random": "random, no repeats, FIFO (no rungs)",
    "mo-random-repeats": "random, with replacement, FIFO (no rungs)",
    "asha-default": "single-objective ASHA (accuracy), random",
    "asha-p3": "single-objective ASHA (accuracy), random",
    "asha-instance": "single-objective ASHA (accuracy), random",
}


def hardware_logic(method: str, default_instance: str | Iterable[str] | None = None) -> str:
    """What chooses a method's instance type, for the tables.

    :param default_instance: the benchmark's default instance type where the runs had another
        than ml.g4dn.xlarge (a table without it, or ``--default-instance``), named instead for
        the methods fixed to it; several (runs of several benchmarks) are named joined by "or"
    """
    text = HARDWARE_LOGIC.get(method, "not described (see syne_mohb/experiments/methods.py)")
    if default_instance is not None and not isinstance(default_instance, str):
        default_instance = " or ".join(sorted(set(default_instance)))
    if default_instance and method in _FIXED_INSTANCE and method not in NAMED_INSTANCE:
        text = text.replace(DEFAULT_INSTANCE, default_instance)
    return text


def searcher_of(method: str) -> str:
    """What proposes a method's hyperparameters (and its scheduler), for the tables."""
    return SEARCHER.get(method, "not described (see syne_mohb/experiments/methods.py)")


#: what a user compares: our defaults, the peers and the baselines; the other registered names
#: are variants measured on the benchmark pages (``syne-mohb bench --list-methods`` shows all)
MAIN_METHODS = ["moasha", "moasha-promotion", "moasha-related", "moasha-random",
                "st-moasha-fixed", "st-moasha", "mo-random", "asha-default", "asha-p3",
                "asha-instance", "nsga2", "motpe", "st-ehvi", "st-morea-fixed", "neps-mobo"]


#: methods that need an optional package (the install extra that brings it:
#: :data:`syne_mohb._lazy.EXTRAS`)
METHOD_PACKAGES = {"nsga2": "optuna", "motpe": "optuna", "st-ehvi": "botorch",
                   "neps-mobo": "neps"}


def method_table() -> list[dict[str, str | None]]:
    """Every registered method with what chooses its instance type, what proposes its
    hyperparameters and the install extra it needs (None: none); the main ones
    (:data:`MAIN_METHODS`) first."""
    from syne_mohb._lazy import EXTRAS

    names = MAIN_METHODS + [n for n in METHODS if n not in MAIN_METHODS]
    return [{"method": n, "kind": "main" if n in MAIN_METHODS else "variant",
             "hardware logic": hardware_logic(n), "searcher": searcher_of(n),
             "extra": EXTRAS.get(METHOD_PACKAGES.get(n, ""))} for n in names]


def method_names() -> list[str]:
    """Names of the registered methods."""
    return list(METHODS)


def uses_fixed_instance(name: str) -> bool:
    """Whether method ``name`` runs with the instance type fixed to the default."""
    check_method(name)
    return name in _FIXED_INSTANCE


def check_method_on(name: str, benchmark: str, instance_types: list[str],
                    tasks: list[str]) -> None:
    """Raise ``ValueError`` (naming the method, the benchmark and what to do) if method
    ``name`` cannot run on a benchmark: it trains on an instance type the benchmark does not
    offer (``asha-p3`` on a table without ml.p3.2xlarge), or it takes related tasks and the
    benchmark has one task. Checked before any run starts, so that no run fails half-way."""
    check_method(name)
    needed = NAMED_INSTANCE.get(name)
    if needed is not None and needed not in instance_types:
        raise ValueError(f"method {name!r} trains every trial on {needed}, which benchmark "
                         f"{benchmark!r} does not offer (its instance types: "
                         f"{', '.join(instance_types)}); drop the method, or compare with "
                         f"asha-default (ASHA on the benchmark's default instance type)")
    if name in TRANSFER_METHODS and len(tasks) < 2:
        raise ValueError(f"method {name!r} learns from related tasks (the benchmark's other "
                         f"tasks), and benchmark {benchmark!r} has one task ({tasks[0]}); drop "
                         f"the method, or give a table with several tasks")


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
