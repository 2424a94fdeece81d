"""MO-ASHA: multi-objective asynchronous successive halving (stopping and promotion).

Salinas, Perrone, Cruchant, Archambeau (2021), "A multi-objective perspective on jointly tuning
hardware and hyperparameters" (NAS workshop, ICLR 2021), on top of ASHA (Li et al. 2020,
"A system for massively parallel hyperparameter tuning").

Each trial is assigned to a Hyperband bracket ``s`` whose rungs are the resource levels
``grace_period * reduction_factor**(k + s) < max_t``. When a trial first reports a result at or
beyond a rung level, and before the next rung's level, its objective vector is recorded in that
rung and the rung decides (a rung the trial jumped over stays without it):

* it orders all its results totally: by non-dominated rank (per-objective modes), then inside a
  front by the epsilon-net order (or NSGA-II crowding distance), see :mod:`syne_mohb.pareto`;
* *stopping* variant: the trial continues iff its 0-based position ``p`` among the ``n`` results
  of the rung (itself included) satisfies ``p / n <= 1 / reduction_factor`` -- exactly Syne
  Tune's and Ray Tune's ASHA rule, i.e. the best ``floor(n / reduction_factor) + 1`` positions
  continue (the first result of a rung always continues). With one metric and distinct values
  the decisions equal those of ``syne_tune.optimizer.baselines.ASHA``;
* *promotion* variant: the trial pauses at the rung; ``suggest`` resumes a paused trial when its
  position is among the best ``floor(n / reduction_factor)`` of its rung (ASHA's ``top_k``),
  looking at the highest rungs first, and otherwise starts a new configuration.

Ranks are maintained incrementally (:mod:`syne_mohb.schedulers.rungs`): a decision costs O(n m)
vector operations plus a sort of the (usually small) set dominated by the newcomer, instead of a
full non-dominated sort (Syne Tune 0.16's MOASHA sorts the whole rung, and reads the argsort order
as if it were ranks). The epsilon-net tie-break stops once the newcomer is placed and orders a
front's duplicates (repeated configurations) at once; promotion keeps each rung's paused trials
(:class:`~syne_mohb.schedulers.rungs.PausedRows`), so a long run's decisions stay cheap.

Who decides what: the scheduler decides *when* (rungs: continue, stop, pause, promote); the
searcher proposes *what* (the model's hyperparameters; by default the model-based searcher,
:class:`~syne_mohb.searchers.model_based.ModelBasedSearcher`); when the config space has a hardware
dimension (``instance_attr``), a :class:`~syne_mohb.hardware.policy.HardwarePolicy` decides
*where* each trial segment runs: a promoted trial may resume on another instance type, and a
stopping-type survivor may be stopped and its configuration trained again from scratch on
another type (:meth:`~syne_mohb.hardware.policy.HardwarePolicy.restart_choice`; the new trial
keeps the old one's bracket and is not judged again at the rungs the old one passed).
"""
from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import Categorical, config_space_to_json_dict, postprocess_config
from syne_tune.optimizer.scheduler import SchedulerDecision, TrialScheduler, TrialSuggestion
from syne_tune.util import dump_json_with_numpy

from syne_mohb.configspace import (check_number, check_points_to_evaluate, check_random_seed,
                                   check_searcher_fits)
from syne_mohb.pareto import (TIE_BREAKS, check_metrics, check_seed_objective, normalize_modes,
                              warn_if_maximised)
from syne_mohb.schedulers.rungs import Bracket, PausedRows, Rung, continue_threshold
from syne_mohb.schedulers.syne_tune_compat import (
    ModeList, accepts_keyword, check_not_do_minimize, check_syne_tune_searcher_modes,
    missing_metric_hints, refuse_unknown_arguments, searcher_name_hint)
from syne_mohb.searchers.default import check_searcher_kwargs, default_searcher

logger = logging.getLogger(__name__)

__all__ = ["MOASHA", "MultiObjectiveMetrics", "Rung", "continue_threshold"]

SCHEDULER_TYPES = ("stopping", "promotion")
#: names of the searchers MO-ASHA builds itself (``searcher=``)
SEARCHERS = ("random", "model-based")


def metric_value(trial_id: Any, name: str, value: Any) -> float:
    """A reported metric as a float (None: NaN); not a number: ``ValueError`` naming both."""
    if value is None:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"trial {trial_id} reported metric {name}={value!r}, which is not a "
                         f"number") from None


class MultiObjectiveMetrics:
    """What Syne Tune's ``Tuner`` and ``load_experiment`` need from a multi-objective scheduler.

    Subclasses set ``metrics`` (names), ``modes`` (one "min"/"max" each) and ``config_space``;
    ``metric_mode()`` returns the per-metric list that ``syne_tune.util.metric_name_mode`` accepts.
    """

    metrics: list[str]
    modes: list[str]
    config_space: dict[str, Any]

    def _set_objectives(self, config_space: dict[str, Any], metrics: list[str],
                        mode: str | list[str]) -> None:
        """Validate and set ``config_space``, ``metrics`` and ``modes`` (``mode`` may be a dict
        metric -> mode), and validate the ``random_seed`` set by ``TrialScheduler`` (the
        schedulers' constructors call it first)."""
        check_random_seed(getattr(self, "random_seed", None))
        if not isinstance(config_space, dict):
            raise ValueError(f"config_space must be a dict of name -> domain, got "
                             f"{type_name(config_space)}")
        self.config_space = config_space
        self.metrics = check_metrics(metrics)
        self.modes = normalize_modes(mode, len(self.metrics), "mode", self.metrics)

    def _values(self, result: dict[str, Any], trial_id: Any = None) -> list[float]:
        """The result's value of each metric, in order (NaN where missing or None); a value
        that is not a number is a ``ValueError`` naming the trial and the metric."""
        return [metric_value(trial_id, m, result.get(m)) for m in self.metrics]

    def metric_names(self) -> list[str]:
        return list(self.metrics)

    def metric_mode(self) -> list[str]:
        return ModeList(self.modes)

    def metadata(self) -> dict[str, Any]:
        return {
            "scheduler_name": type_name(self),
            "config_space": dump_json_with_numpy(config_space_to_json_dict(self.config_space)),
            "metrics": self.metric_names(),
            "metric_names": self.metric_names(),
            "metric_mode": self.metric_mode(),
        }


class MOASHA(MultiObjectiveMetrics, TrialScheduler):
    """Multi-objective asynchronous successive halving (MO-ASHA), stopping or promotion.

    Ranks rung results by non-dominated sorting over several metrics, each with its own mode,
    and breaks ties inside a front by an epsilon-net (default) or crowding-distance order; see
    the module docstring for the algorithm and the exact rung rule. Syne Tune's arguments say
    what to pass instead (:mod:`syne_mohb.schedulers.syne_tune_compat`).

    :param config_space: Syne Tune configuration space
    :param metrics: names of the reported metrics to optimise (at least one; required)
    :param mode: "min" or "max" for all metrics, one entry per metric, or a dict metric -> mode
    :param time_attr: reported resource attribute (e.g. "epoch"); must increase within a trial
    :param max_t: maximum resource; a result with ``time_attr >= max_t`` ends the trial
    :param grace_period: resource level of the lowest rung
    :param reduction_factor: ``eta``: rung levels grow by this factor, and the best ``1/eta``
        of a rung goes on
    :param brackets: number of Hyperband brackets; bracket ``s`` starts at
        ``grace_period * eta**s``. A new trial joins bracket ``s`` with probability
        proportional to ``exp(number of rungs of s)`` (Syne Tune's choice), drawn from the
        scheduler's seeded generator
    :param type: "stopping" (stop trials outside the top fraction) or "promotion" (pause at
        every rung, resume the best paused trials)
    :param rung_sort: tie-break inside a front: "epsnet" or "crowding"
    :param searcher: Syne Tune ``BaseSearcher`` proposing new configurations, or the name of
        one MO-ASHA builds for its space, seeded from ``random_seed``: "model-based" (default,
        also None: a :class:`~syne_mohb.searchers.model_based.ModelBasedSearcher` of the
        metrics, with ``max_t`` as its maximum resource and the instance type, when a policy
        chooses it, as a context; random for its first ``num_initial`` trials; where the
        space left to it has no hyperparameter, e.g. only the instance type that the policy
        chooses, the random searcher) or "random" (a
        :class:`~syne_mohb.searchers.RandomSearcher` that draws with replacement; a repeat is
        a new training run of a noisy objective, and a finite space never runs out; the
        default until 2026-12). With a hardware policy it proposes the hyperparameters only
        (its space lacks ``instance_attr``); a searcher whose space holds ``instance_attr``
        proposes the instance type itself and no policy is used. Searchers get the metrics as
        reported: Syne Tune's own (which minimise) are refused when a mode is "max"
    :param random_seed: seed for bracket choice, the default searcher and the default policy
    :param points_to_evaluate: initial configurations for the default searcher, checked
        against the whole space (:func:`~syne_mohb.configspace.check_points_to_evaluate`)
    :param seed_objective: index of the metric whose best point seeds the epsilon-net
    :param hardware: who chooses the instance type of every trial segment: "auto" (default: a
        :class:`~syne_mohb.hardware.policy.HardwarePolicy` when ``config_space[instance_attr]``
        offers several types, nothing otherwise), a ``HardwarePolicy`` (e.g. with prices,
        specs or its time metric set), or None (the instance type is one more hyperparameter
        of the searcher). With ``type="promotion"`` a promoted trial may resume on another type
    :param instance_attr: name of the hardware dimension of ``config_space`` (the one place it
        is declared: any name works, e.g. a Ray node type or a local profile)
    :param transfer_evaluations: related tasks' offline evaluations, ``{task:
        TransferLearningTaskEvaluations}`` (objectives including ``metrics``, the instance type
        as a column): the prior of the default searcher (no random initial design) and of the
        default policy's runtime model (``HardwarePolicy(prior_evaluations=...)``). A searcher
        or a policy you pass yourself takes them itself
    :param searcher_kwargs: arguments of the searcher MO-ASHA builds by name (as Syne Tune's
        schedulers take them), e.g. ``{"repeats": "when_exhausted"}`` for a training script
        with a fixed seed; checked before any work (:mod:`syne_mohb.searchers.default`)
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        metrics: list[str] | None = None,
        mode: str | list[str] | None = None,
        time_attr: str = "training_iteration",
        max_t: float = 100,
        grace_period: float = 1,
        reduction_factor: float = 3,
        brackets: int = 1,
        type: str = "stopping",
        rung_sort: str = "epsnet",
        searcher: Any | None = None,
        random_seed: int | None = None,
        points_to_evaluate: list[dict[str, Any]] | None = None,
        seed_objective: int = 0,
        hardware: Any = "auto",
        instance_attr: str = "instance_type",
        transfer_evaluations: dict[str, Any] | None = None,
        searcher_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        if kwargs:
            refuse_unknown_arguments(kwargs, MOASHA.__init__)
        check_random_seed(random_seed)
        super().__init__(random_seed=random_seed)
        metrics = check_metrics(metrics)
        check_not_do_minimize(mode)
        if mode is None:
            warn_if_maximised(metrics, "MOASHA")
            mode = "min"
        self._set_objectives(config_space, metrics, mode)  # mode may be a dict metric -> mode
        if not isinstance(time_attr, str) or not time_attr:
            raise ValueError(f"time_attr must be a non-empty string, got {time_attr!r}")
        check_number(max_t, "max_t", above=0)
        check_number(grace_period, "grace_period", above=0)
        if grace_period > max_t:
            raise ValueError(f"grace_period ({grace_period}) must be <= max_t ({max_t})")
        check_number(reduction_factor, "reduction_factor", above=1)
        if isinstance(brackets, bool) or not isinstance(brackets, int) or brackets < 1:
            raise ValueError(f"brackets must be an integer >= 1, got {brackets!r}")
        if type not in SCHEDULER_TYPES:
            raise ValueError(f"type must be one of {SCHEDULER_TYPES}, got {type!r}")
        if rung_sort not in TIE_BREAKS:
            raise ValueError(f"rung_sort must be one of {TIE_BREAKS}, got {rung_sort!r}")
        check_seed_objective(seed_objective, len(metrics))
        searcher_kind = "model-based"
        if isinstance(searcher, str):
            if searcher not in SEARCHERS:
                raise ValueError(f"searcher must be one of {SEARCHERS} or a Syne Tune "
                                 f"BaseSearcher, got {searcher!r}{searcher_name_hint(searcher)}")
            searcher_kind, searcher = searcher, None
        if searcher is not None and not callable(getattr(searcher, "suggest", None)):
            raise ValueError(f"searcher must be a Syne Tune BaseSearcher (with suggest()), got "
                             f"{type_name(searcher)}")
        searcher_kwargs = check_searcher_kwargs(searcher_kwargs, searcher_kind, searcher)
        if searcher is not None and points_to_evaluate:
            raise ValueError("points_to_evaluate is for the default searcher, and would be "
                             "ignored: give them to your searcher (its points_to_evaluate)")
        points_to_evaluate = check_points_to_evaluate(points_to_evaluate, config_space)
        self.time_attr = time_attr
        self.max_t = max_t
        self.grace_period = grace_period
        self.reduction_factor = reduction_factor
        self.num_brackets = brackets
        self.type = type
        self.rung_sort = rung_sort
        self.seed_objective = seed_objective
        self._sign = np.array([1.0 if m == "min" else -1.0 for m in self.modes])
        self._rng = np.random.RandomState(self.random_seed)
        if not isinstance(instance_attr, str) or not instance_attr:
            raise ValueError(f"instance_attr must be a hyperparameter name, got {instance_attr!r}")
        self.instance_attr = instance_attr
        if transfer_evaluations is not None and (
                searcher is not None or searcher_kind != "model-based"
                or not isinstance(transfer_evaluations, dict)):
            raise ValueError(
                "transfer_evaluations must be a dict task -> TransferLearningTaskEvaluations for "
                "the default (model-based) searcher; with searcher=... pass them to that searcher "
                f"(got searcher={searcher_kind if searcher is None else type_name(searcher)}, "
                f"transfer_evaluations of type {type_name(transfer_evaluations)})")
        if transfer_evaluations is not None:  # errors name the argument the user gave
            from syne_mohb.blackboxes.evaluations import checked_task_evaluations as check
            check(transfer_evaluations, "transfer_evaluations", [])
        self.hardware = self._make_policy(hardware, searcher, transfer_evaluations)
        self._initial_instances: list[Any] = []
        search_space = config_space
        if self.hardware is not None:
            search_space = self.hardware.bind(config_space, metrics,
                                              int(self._rng.randint(0, 2**31 - 1)),
                                              resource_attr=time_attr)
        if searcher is None:
            if self.hardware is not None and points_to_evaluate:
                # the searcher proposes the hyperparameters of the initial points; an instance
                # type they name is used as given (the policy chooses the others)
                self._initial_instances = [p.get(instance_attr) for p in points_to_evaluate]
                points_to_evaluate = [{k: v for k, v in p.items() if k != instance_attr}
                                      for p in points_to_evaluate]
            searcher = default_searcher(
                searcher_kind, search_space, self.metrics, self.modes, points_to_evaluate,
                int(self._rng.randint(0, 2**31 - 1)), max_t, instance_attr,
                transfer_evaluations, searcher_kwargs)
        else:
            check_searcher_fits(searcher, search_space, self.metrics, self.modes)
            check_syne_tune_searcher_modes(searcher, self.metrics, self.modes)
        self._search_space = search_space
        self.searcher = searcher
        self._searcher_takes_resource = {
            name: accepts_keyword(getattr(searcher, name, None), "resource")
            for name in ("on_trial_result", "on_trial_complete")
        }
        self.brackets = []
        for s in range(brackets):
            levels = []
            k = 0
            while True:
                level = grace_period * reduction_factor ** (k + s)
                if level >= max_t:
                    break
                levels.append(level)
                k += 1
            if not levels and s == 0:
                raise ValueError(
                    f"max_t={max_t} is not above grace_period={grace_period}: MO-ASHA has no "
                    f"rung to decide at (a single fidelity, e.g. a table with one epoch, is a "
                    f"plain multi-objective search: use FIFOScheduler)")
            if not levels:
                raise ValueError(
                    f"brackets={brackets} is too many: bracket {s} would start at "
                    f"{grace_period * reduction_factor ** s} >= max_t ({max_t}); use at most "
                    f"{s} brackets or a larger max_t"
                )
            self.brackets.append(Bracket(levels, len(metrics), rung_sort, seed_objective))
        sizes = np.array([len(b.rungs) for b in self.brackets], dtype=float)
        probs = np.exp(sizes - sizes.max())
        self._bracket_probs = probs / probs.sum()
        self._trial_bracket: dict[int, int] = {}
        # with a hardware policy: trial -> config of its current segment (its instance type)
        self._configs: dict[int, dict[str, Any]] = {}
        self._paused: dict[int, tuple[int, int]] = {}  # trial_id -> (bracket, rung) it waits in
        # stopping with a policy: configurations to train again on another type (config, old
        # trial, highest rung it passed), the one just suggested, and new trial -> (old, rung)
        self._restarts: list[tuple[dict[str, Any], int, int]] = []
        self._restart_started: tuple[int, int] | None = None
        self._restarted: dict[int, tuple[int, int]] = {}
        self._failed: set[int] = set()
        self._nan_logged: set[int] = set()
        self.num_stopped = 0
        self.num_promoted = 0
        self.num_restarted = 0

    # ---------------------------------------------------------------- Syne Tune interface
    def suggest(self) -> TrialSuggestion | None:
        if self.type == "promotion":
            trial_id = self._find_promotable()
            if trial_id is not None:
                _, i = self._waiting().unpause(self._paused, trial_id)
                self.num_promoted += 1
                return self._resume(trial_id, i + 1)
        if self._restarts:
            config, *self._restart_started = self._restarts.pop(0)
            return TrialSuggestion.start_suggestion(config)
        config = self.searcher.suggest()
        if config is None:
            return None
        config = postprocess_config(config, self._search_space)
        if self.hardware is not None:
            config = dict(config)
            given = self._initial_instances.pop(0) if self._initial_instances else None
            config[self.instance_attr] = (given if given is not None
                                          else self.hardware.choose(config))
        return TrialSuggestion.start_suggestion(config)

    def _resume(self, trial_id: int, rung: int) -> TrialSuggestion:
        """Resume ``trial_id`` for its segment from rung ``rung``, on the type the policy
        chooses for it (the same type: no new config)."""
        config = self._configs.get(trial_id)
        if self.hardware is None or config is None:
            return TrialSuggestion.resume_suggestion(trial_id)
        current = config.get(self.instance_attr)
        instance = self.hardware.choose(config, trial_id=trial_id, rung=rung, current=current)
        self.hardware.on_resume(trial_id)
        if instance == current:
            return TrialSuggestion.resume_suggestion(trial_id)
        config = dict(config)
        config[self.instance_attr] = instance
        self._configs[trial_id] = config
        return TrialSuggestion.resume_suggestion(trial_id, config)

    def on_trial_add(self, trial: Trial):
        restart, self._restart_started = self._restart_started, None
        old = None
        if restart is not None and trial.trial_id not in self._trial_bracket:
            # a restart: the old trial's bracket, weight and passed rungs
            old = restart[0]
            self._trial_bracket[trial.trial_id] = self._trial_bracket[old]
            self._restarted[trial.trial_id] = tuple(restart)
        if self.hardware is not None and trial.trial_id not in self._configs:
            self._configs[trial.trial_id] = dict(trial.config)
            self.hardware.on_trial_add(trial.trial_id, trial.config, restart_of=old)
        if trial.trial_id not in self._trial_bracket:
            if self.num_brackets == 1:
                idx = 0
            else:
                idx = int(self._rng.choice(self.num_brackets, p=self._bracket_probs))
            self._trial_bracket[trial.trial_id] = idx

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        decision = self._decide(trial, result)
        if self.hardware is not None and decision != SchedulerDecision.CONTINUE:
            self.hardware.on_job_end(trial.trial_id, trial.config, result)  # its job ends
        return decision

    def _decide(self, trial: Trial, result: dict[str, Any]) -> str:
        t, y_raw = self._parse(trial, result)
        y = self._to_min(trial.trial_id, y_raw)
        self._notify_searcher("on_trial_result", trial, y_raw, t)
        if self.hardware is not None:
            self.hardware.on_result(trial.trial_id, trial.config, result, t, y_raw)
        if t >= self.max_t:
            self.num_stopped += 1
            return SchedulerDecision.STOP
        b = self._bracket_of(trial)
        bracket = self.brackets[b]
        i = bracket.rung_for(trial.trial_id, t)
        if i is None or i <= self._restarted.get(trial.trial_id, (None, -1))[1]:
            return SchedulerDecision.CONTINUE  # no rung, or one its first training passed
        rung = bracket.rungs[i]
        if self.type == "promotion":
            rung.add(trial.trial_id, y, max_position=-1)
            self._waiting().pause(self._paused, trial.trial_id, (b, i))
            return SchedulerDecision.PAUSE
        bound = continue_threshold(rung.n + 1, self.reduction_factor)
        position = rung.add(trial.trial_id, y, max_position=bound)
        if position <= bound:
            return self._continue_or_restart(trial, t, i)
        self.num_stopped += 1
        return SchedulerDecision.STOP

    def _continue_or_restart(self, trial: Trial, t: float, i: int) -> str:
        """A stopping-type survivor of rung ``i`` continues, or is stopped and its
        configuration trained again on the type the policy prefers for it
        (:meth:`~syne_mohb.hardware.policy.HardwarePolicy.restart_choice`)."""
        config = self._configs.get(trial.trial_id)
        if self.hardware is None or config is None:
            return SchedulerDecision.CONTINUE
        instance = self.hardware.restart_choice(config, trial.trial_id, t, self.max_t, i)
        if instance is None:
            return SchedulerDecision.CONTINUE
        config = dict(config)
        config[self.instance_attr] = instance
        self._restarts.append((config, trial.trial_id, i))
        self.num_restarted += 1
        logger.info(f"trial {trial.trial_id} passed rung {i}; its configuration is trained "
                    f"again on {instance} (the hardware policy's choice for finishing it)")
        return SchedulerDecision.STOP

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        t, y_raw = self._parse(trial, result)
        y = self._to_min(trial.trial_id, y_raw)
        self._notify_searcher("on_trial_complete", trial, y_raw, t)
        if self.hardware is not None:  # its job ends
            self.hardware.on_job_end(trial.trial_id, trial.config, result)
        bracket = self.brackets[self._bracket_of(trial)]
        i = bracket.rung_for(trial.trial_id, t)
        if i is not None:
            bracket.rungs[i].add(trial.trial_id, y, max_position=-1)
        self._waiting().unpause(self._paused, trial.trial_id)

    def on_trial_error(self, trial: Trial):
        self._failed.add(trial.trial_id)
        self._waiting().unpause(self._paused, trial.trial_id)
        self.searcher.on_trial_error(trial.trial_id)
        config = self._configs.get(trial.trial_id)
        retry = None if config is None else self.hardware.on_error(trial.trial_id, config)
        if retry is not None:  # trained again from scratch where the policy says, judged anew
            # (the policy logged why: a failure, a capacity failure or a late first unit)
            self._restarts.append(({**config, self.instance_attr: retry}, trial.trial_id, -1))
        else:
            logger.warning(f"trial {trial.trial_id} failed; MO-ASHA will not resume it")

    def on_trial_remove(self, trial: Trial):
        pass  # after STOP and PAUSE alike: rung records and pause state stay (promotion)

    def metadata(self) -> dict[str, Any]:
        metadata = super().metadata()
        metadata["scheduler_kwargs"] = {
            "metrics": self.metrics,
            "mode": self.modes,
            "time_attr": self.time_attr,
            "max_t": self.max_t,
            "grace_period": self.grace_period,
            "reduction_factor": self.reduction_factor,
            "brackets": self.num_brackets,
            "type": self.type,
            "rung_sort": self.rung_sort,
            "searcher": type_name(self.searcher),
            "hardware": None if self.hardware is None else self.hardware.metadata(),
            "restarts": {old: new for new, (old, _) in self._restarted.items()},
            "random_seed": self.random_seed,
        }
        return metadata

    # ---------------------------------------------------------------- helpers
    def _make_policy(self, hardware: Any, searcher: Any, evaluations: Any = None):
        from syne_mohb.hardware.policy import HardwarePolicy

        if hardware is None:
            return None
        space = getattr(searcher, "config_space", None)
        if searcher is not None and isinstance(space, dict) and self.instance_attr in space:
            if isinstance(hardware, HardwarePolicy):
                raise ValueError(
                    f"hardware=HardwarePolicy(...) chooses {self.instance_attr!r}, but the "
                    "searcher's config space proposes it too; give the searcher the space without "
                    "it, or hardware=None")
            return None  # the searcher proposes the instance type
        if isinstance(hardware, HardwarePolicy):
            if hardware.instance_attr != self.instance_attr:
                raise ValueError(f"hardware.instance_attr={hardware.instance_attr!r} differs from "
                                 f"instance_attr={self.instance_attr!r}")
            return hardware
        if hardware != "auto":
            raise ValueError(f"hardware must be 'auto', a HardwarePolicy or None, got {hardware!r}")
        domain = self.config_space.get(self.instance_attr)
        if isinstance(domain, Categorical) and len(domain.categories) > 1:
            policy = HardwarePolicy(instance_attr=self.instance_attr, prior_evaluations=evaluations)
            policy.prior_name = "transfer_evaluations"  # errors name the argument the user gave
            return policy
        self._warn_undeclared_instance_types()
        return None

    def _warn_undeclared_instance_types(self) -> None:
        """Say so when another entry of the space holds catalog instance types: it is then
        searched like any hyperparameter (uniformly), not chosen by the hardware policy."""
        from syne_mohb.hardware.space import entries_of_instance_types

        try:
            entries = entries_of_instance_types(self.config_space)
        except Exception:  # noqa: BLE001 -- only a hint
            return
        for k in entries:
            logger.warning(
                f"MOASHA: config_space[{k!r}] holds instance types, but instance_attr="
                f"{self.instance_attr!r}: they are searched like any hyperparameter. Pass "
                f"instance_attr={k!r} to let the hardware policy choose them per "
                f"configuration.")

    def paused_trials(self) -> list[int]:
        """Trials paused at a rung and waiting for a promotion."""
        return sorted(self._paused)

    def _bracket_of(self, trial: Trial) -> int:
        if trial.trial_id not in self._trial_bracket:
            self.on_trial_add(trial)
        return self._trial_bracket[trial.trial_id]

    def _parse(self, trial: Trial, result: dict[str, Any]) -> tuple[float, list[float]]:
        missing = [k for k in [self.time_attr, *self.metrics] if k not in result]
        if missing:
            hints = missing_metric_hints(missing)
            raise ValueError(
                f"trial {trial.trial_id} reported a result without {missing} "
                f"(MOASHA expects time_attr={self.time_attr!r} and metrics={self.metrics}); "
                f"reported keys: {sorted(result)}{hints}"
            )
        t = result[self.time_attr]
        try:
            t = float(t)
        except (TypeError, ValueError):
            t = None
        if t is None or math.isnan(t):
            raise ValueError(
                f"trial {trial.trial_id} reported {self.time_attr}={result[self.time_attr]!r}, "
                f"which is not a number; time_attr={self.time_attr!r} must be the resource "
                f"used so far (e.g. the epoch)"
            )
        return t, [metric_value(trial.trial_id, name, result[name]) for name in self.metrics]

    def _to_min(self, trial_id: int, y_raw: list[float]) -> np.ndarray:
        y = np.asarray(y_raw, dtype=float) * self._sign
        bad = np.isnan(y)
        if bad.any():
            y[bad] = np.inf
            if trial_id not in self._nan_logged:
                self._nan_logged.add(trial_id)
                names = [m for m, b in zip(self.metrics, bad) if b]
                n = len(self._nan_logged)
                # one warning, then a count at 10, 100, ... trials (e.g. many diverged learning
                # rates), the others at debug level
                log = logger.warning if n == 1 or math.log10(n).is_integer() else logger.debug
                log(f"trial {trial_id} reported NaN for {names}: counted as the worst value"
                    + (" (later trials with NaN are counted, not each logged)" if n == 1 else
                       f"; {n} trials have reported NaN so far" if n > 1 else ""))
        return y

    def _notify_searcher(self, method: str, trial: Trial, y_raw: list[float], t: float):
        fn = getattr(self.searcher, method, None)
        if fn is None:
            return
        if self._searcher_takes_resource.get(method):
            fn(trial.trial_id, trial.config, y_raw, resource=t)
        else:
            fn(trial.trial_id, trial.config, y_raw)

    def _waiting(self) -> PausedRows:
        """The paused trials' rows per rung (built on first use, e.g. after an old pickle)."""
        if "_paused_rows" not in self.__dict__:
            self._paused_rows = PausedRows(self.brackets, self._paused)
        return self._paused_rows

    def _find_promotable(self) -> int | None:
        return self._waiting().promotable(self.reduction_factor) if self._paused else None


def type_name(obj: Any) -> str:
    return type(obj).__name__
