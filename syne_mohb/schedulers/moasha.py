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

Ranks are maintained incrementally: a newcomer ``x`` gets rank ``1 + max(rank of points
dominating x)``; points not dominated by ``x`` keep their rank; a point ``q`` dominated by ``x``
gets ``max(old rank, rank(x) + 1 + rank of q among the points dominated by x)``. A decision thus
costs O(n m) vector operations plus a sort of the (usually small) set dominated by the newcomer,
instead of a full non-dominated sort (Syne Tune 0.16's MOASHA sorts the whole rung, and reads
the argsort order as if it were ranks).
"""
from __future__ import annotations

import inspect
import logging
import math
from typing import Any

import numpy as np
from syne_tune.backend.trial_status import Trial
from syne_tune.config_space import Categorical, config_space_to_json_dict, postprocess_config
from syne_tune.optimizer.scheduler import SchedulerDecision, TrialScheduler, TrialSuggestion
from syne_tune.util import dump_json_with_numpy

from syne_mohb.pareto import (
    TIE_BREAKS,
    crowding_order,
    epsilon_net_order,
    front_order,
    normalize_modes,
)
from syne_mohb.searchers.random import RandomSearcher

logger = logging.getLogger(__name__)

__all__ = ["MOASHA", "MultiObjectiveMetrics", "Rung", "continue_threshold"]

SCHEDULER_TYPES = ("stopping", "promotion")


def continue_threshold(n: int, reduction_factor: float) -> int:
    """Largest 0-based position ``p`` in a rung of ``n`` results with ``p / n <= 1 / rf``.

    Evaluated with the same floating-point expression as Syne Tune's ASHA so that
    single-objective decisions agree bit for bit.
    """
    bound = 1.0 / reduction_factor
    p = min(int(math.floor(n / reduction_factor)), n - 1)
    while p + 1 <= n - 1 and (p + 1) / n <= bound:
        p += 1
    while p >= 0 and p / n > bound:
        p -= 1
    return p


class Rung:
    """Results recorded at one resource level, with incrementally maintained ranks.

    Objective vectors are stored in minimisation form (NaN already mapped to ``+inf``) in
    arrival order; ``ranks[i]`` is the non-dominated rank of row ``i`` among all rows.
    """

    def __init__(self, level: float, num_objectives: int, tie_break: str = "epsnet",
                 seed_objective: int = 0):
        self.level = level
        self.tie_break = tie_break
        self.seed_objective = seed_objective
        self._Yt = np.empty((num_objectives, 16))  # column-major: fast per-objective scans
        self._ranks = np.empty(16, dtype=np.int64)
        self.n = 0
        self.trial_ids: list[int] = []
        self.row_of: dict[int, int] = {}

    @property
    def Y(self) -> np.ndarray:
        return self._Yt[:, : self.n].T

    @property
    def ranks(self) -> np.ndarray:
        return self._ranks[: self.n]

    def __contains__(self, trial_id: int) -> bool:
        return trial_id in self.row_of

    def __len__(self) -> int:
        return self.n

    def _grow(self):
        cap = 2 * len(self._ranks)
        Yt = np.empty((self._Yt.shape[0], cap))
        Yt[:, : self.n] = self._Yt[:, : self.n]
        R = np.empty(cap, dtype=np.int64)
        R[: self.n] = self._ranks[: self.n]
        self._Yt, self._ranks = Yt, R

    def add(self, trial_id: int, y: np.ndarray, max_position: int | None = None) -> int:
        """Record ``y`` (minimisation form) for ``trial_id`` and return its position.

        :param max_position: if given, only whether the position is ``<= max_position`` matters:
            the returned value is then exact when it is ``<= max_position`` and some value
            ``> max_position`` otherwise, which lets the tie-break stop early. ``-1`` skips the
            position computation (only ranks are updated).
        :return: 0-based position of the new result in the rung's total order
        """
        n_old = self.n
        R = self._ranks[:n_old]
        y = np.asarray(y, dtype=float)
        if n_old:
            Yt = self._Yt[:, :n_old]
            any_lt = Yt[0] < y[0]
            any_gt = Yt[0] > y[0]
            for j in range(1, len(y)):
                any_lt |= Yt[j] < y[j]
                any_gt |= Yt[j] > y[j]
            x_dominated = any_lt & ~any_gt  # old point dominates the newcomer
            x_dominates = any_gt & ~any_lt  # newcomer dominates old point
            above = R[x_dominated]
            r_new = int(above.max()) + 1 if len(above) else 0
            position = self._position(y, r_new, x_dominates, max_position)
            if x_dominates.any():
                self._push_down(Yt, R, x_dominates, r_new)
        else:
            r_new, position = 0, 0
        if self.n == len(self._ranks):
            self._grow()
        self._Yt[:, self.n] = y
        self._ranks[self.n] = r_new
        self.row_of[trial_id] = self.n
        self.trial_ids.append(trial_id)
        self.n += 1
        return position

    @staticmethod
    def _push_down(Yt: np.ndarray, R: np.ndarray, dominated: np.ndarray, r_new: int) -> None:
        """Update ranks in place after inserting a point of rank ``r_new`` dominating ``dominated``.

        A rank grows by at most one: a point ``q`` dominated by the newcomer has old rank
        ``>= r_new + (its rank among the dominated points)``. It grows iff a dominator's new rank
        equals ``q``'s old rank, i.e. iff ``q`` has old rank ``r_new`` or is dominated by a point
        of old rank ``rank(q) - 1`` that grew. So the growth spreads level by level from the
        dominated points of rank ``r_new``, comparing only adjacent levels.
        """
        frontier = np.flatnonzero(dominated & (R == r_new))
        level = r_new
        while len(frontier):
            candidates = np.flatnonzero(dominated & (R == level + 1))
            R[frontier] = level + 1
            if not len(candidates):
                break
            F = Yt[:, frontier]
            hit = np.zeros(len(candidates), dtype=bool)
            step = max(1, 2_000_000 // max(1, len(frontier) * Yt.shape[0]))
            for start in range(0, len(candidates), step):
                C = Yt[:, candidates[start : start + step]]
                le = np.all(F[:, :, None] <= C[:, None, :], axis=0)
                lt = np.any(F[:, :, None] < C[:, None, :], axis=0)
                hit[start : start + step] = np.any(le & lt, axis=0)
            frontier = candidates[hit]
            level += 1

    def _position(self, y, r_new, x_dominates, max_position) -> int:
        R = self._ranks[: self.n]
        before = int(np.count_nonzero(R < r_new))
        if max_position is not None and before > max_position:
            return before
        if max_position == -1:
            return before
        front = np.nonzero((R == r_new) & ~x_dominates)[0]
        if len(front) == 0:
            return before
        if max_position is not None and before + len(front) <= max_position:
            return before  # even the last place of the front is good enough
        F = np.vstack([self._Yt[:, front].T, y])
        new = len(front)
        if self.tie_break == "epsnet":
            stop = None if max_position is None else max_position - before + 1
            order = epsilon_net_order(F, self.seed_objective, stop_at=stop)
        else:
            order = crowding_order(F)
        hit = np.nonzero(order == new)[0]
        if len(hit) == 0:  # not reached before the early exit
            return before + len(order)
        return before + int(hit[0])

    def top(self, k: int) -> list[int]:
        """Rows of the ``k`` best results in the rung's total order, best first."""
        k = min(k, self.n)
        if k <= 0:
            return []
        R = self.ranks
        out: list[int] = []
        for r in np.unique(R):
            members = np.nonzero(R == r)[0]
            if len(out) + len(members) <= k and len(members) == 1:
                out.extend(members.tolist())
            else:
                order = front_order(self.Y[members], self.tie_break, self.seed_objective)
                out.extend(members[order][: k - len(out)].tolist())
            if len(out) >= k:
                break
        return out

    def best_within_top(self, trial_ids: set[int], k: int) -> int | None:
        """The best-placed of ``trial_ids`` if it is among the rung's ``k`` best, else None.

        Only the front of the best-ranked candidate is ordered: every point of a better front
        is placed before it and every point of a worse front after.
        """
        rows = np.array([self.row_of[t] for t in trial_ids], dtype=np.int64)
        R = self.ranks
        r_best = int(R[rows].min())
        before = int(np.count_nonzero(R < r_best))
        if before >= k:
            return None
        front = np.flatnonzero(R == r_best)
        wanted = set(rows.tolist())
        limit = k - before
        if self.tie_break == "epsnet":
            order = epsilon_net_order(self.Y[front], self.seed_objective, stop_at=limit)
        else:
            order = crowding_order(self.Y[front])[:limit]
        for row in front[order]:
            if int(row) in wanted:
                return self.trial_ids[int(row)]
        return None


class _Bracket:
    def __init__(self, levels: list[float], num_objectives: int, tie_break: str,
                 seed_objective: int):
        self.rungs = [Rung(level, num_objectives, tie_break, seed_objective) for level in levels]

    def rung_for(self, trial_id: int, t: float) -> int | None:
        """Index of the rung whose interval ``[level, next level)`` holds ``t``, if
        ``trial_id`` has no result there yet; None otherwise.

        A rung only takes a trial's first result at or beyond its level and *before* the next
        rung's level: a trial that jumps over a rung (reports epochs 1, 10, 11 with rungs
        1/3/9) is never recorded in the rung it skipped, where a later result would be compared
        with results at a third of its resource. (Syne Tune 0.16's ``Bracket`` fills the
        skipped rung with the epoch-11 result.)
        """
        for i in range(len(self.rungs) - 1, -1, -1):
            if t >= self.rungs[i].level:
                return None if trial_id in self.rungs[i] else i
        return None


class MultiObjectiveMetrics:
    """What Syne Tune's ``Tuner`` and ``load_experiment`` need from a multi-objective scheduler.

    Subclasses set ``metrics`` (names), ``modes`` (one "min"/"max" each) and ``config_space``;
    ``metric_mode()`` returns the per-metric list that ``syne_tune.util.metric_name_mode`` accepts.
    """

    metrics: list[str]
    modes: list[str]
    config_space: dict[str, Any]

    def metric_names(self) -> list[str]:
        return list(self.metrics)

    def metric_mode(self) -> list[str]:
        return list(self.modes)

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
    the module docstring for the algorithm and the exact rung rule.

    :param config_space: Syne Tune configuration space
    :param metrics: names of the reported metrics to optimise (at least one)
    :param mode: "min" or "max" for all metrics, or one entry per metric
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
    :param searcher: Syne Tune ``BaseSearcher`` proposing new configurations; default: a seeded
        :class:`~syne_mohb.searchers.RandomSearcher` that draws with replacement (a repeat is
        a new training run of a noisy objective, and a finite space never runs out) and, when
        ``instance_attr`` is a categorical hyperparameter, samples the instance types that the
        trials' first results show to be slower *and* costlier than another only with a 10%
        exploration share (:mod:`syne_mohb.searchers.hardware`; measured in README,
        "Tuning effectiveness")
    :param random_seed: seed for bracket choice and the default searcher
    :param points_to_evaluate: initial configurations for the default searcher
    :param seed_objective: index of the metric whose best point seeds the epsilon-net
    :param instance_attr: name of the instance-type hyperparameter for the default searcher's
        adaptive instance sampling (when absent from the space: the one categorical whose values
        are all ``ml.*`` instance types, if any; ignored when constant or ``searcher`` is given)
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        metrics: list[str],
        mode: str | list[str] = "min",
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
        instance_attr: str | None = "instance_type",
    ):
        super().__init__(random_seed=random_seed)
        if not isinstance(config_space, dict):
            raise ValueError(
                f"config_space must be a dict of name -> domain, got {type_name(config_space)}"
            )
        if isinstance(metrics, str) or not metrics:
            raise ValueError(f"metrics must be a non-empty list of metric names, got {metrics!r}")
        metrics = list(metrics)
        if len(set(metrics)) != len(metrics):
            raise ValueError(f"metrics must be distinct, got {metrics}")
        self.metrics = metrics
        self.modes = normalize_modes(mode, len(metrics), "mode")
        if not isinstance(time_attr, str) or not time_attr:
            raise ValueError(f"time_attr must be a non-empty string, got {time_attr!r}")
        if not max_t > 0:
            raise ValueError(f"max_t must be > 0, got {max_t}")
        if not grace_period > 0:
            raise ValueError(f"grace_period must be > 0, got {grace_period}")
        if grace_period > max_t:
            raise ValueError(f"grace_period ({grace_period}) must be <= max_t ({max_t})")
        if not reduction_factor > 1:
            raise ValueError(f"reduction_factor must be > 1, got {reduction_factor}")
        if not isinstance(brackets, int) or brackets < 1:
            raise ValueError(f"brackets must be an integer >= 1, got {brackets!r}")
        if type not in SCHEDULER_TYPES:
            raise ValueError(f"type must be one of {SCHEDULER_TYPES}, got {type!r}")
        if rung_sort not in TIE_BREAKS:
            raise ValueError(f"rung_sort must be one of {TIE_BREAKS}, got {rung_sort!r}")
        if not 0 <= seed_objective < len(metrics):
            raise ValueError(
                f"seed_objective must index one of the {len(metrics)} metrics, got {seed_objective}"
            )
        if searcher is not None and not callable(getattr(searcher, "suggest", None)):
            raise ValueError(
                f"searcher must be a Syne Tune BaseSearcher (with suggest()), got {type_name(searcher)}"
            )
        self.config_space = config_space
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
        if instance_attr is not None and not isinstance(instance_attr, str):
            raise ValueError(f"instance_attr must be a hyperparameter name or None, got {instance_attr!r}")
        self.instance_attr = instance_attr
        if searcher is None:
            if instance_attr is not None and instance_attr not in config_space:
                instance_attr = _instance_type_dimension(config_space) or instance_attr
            adaptive = isinstance(config_space.get(instance_attr), Categorical) and len(
                config_space[instance_attr].categories) > 1
            searcher = RandomSearcher(
                config_space,
                points_to_evaluate=points_to_evaluate,
                random_seed=int(self._rng.randint(0, 2**31 - 1)),
                repeats="always",
                instance_attr=instance_attr if adaptive else None,
                modes=self.modes if adaptive else None,
            )
        self.searcher = searcher
        self._searcher_takes_resource = {
            name: _accepts_keyword(getattr(searcher, name, None), "resource")
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
            if not levels:
                raise ValueError(
                    f"brackets={brackets} is too many: bracket {s} would start at "
                    f"{grace_period * reduction_factor ** s} >= max_t ({max_t}); use at most "
                    f"{s} brackets or a larger max_t"
                )
            self.brackets.append(_Bracket(levels, len(metrics), rung_sort, seed_objective))
        sizes = np.array([len(b.rungs) for b in self.brackets], dtype=float)
        probs = np.exp(sizes - sizes.max())
        self._bracket_probs = probs / probs.sum()
        self._trial_bracket: dict[int, int] = {}
        self._paused: dict[int, tuple[int, int]] = {}  # trial_id -> (bracket, rung) it waits in
        self._failed: set[int] = set()
        self._nan_logged: set[int] = set()
        self.num_stopped = 0
        self.num_promoted = 0

    # ---------------------------------------------------------------- Syne Tune interface
    def suggest(self) -> TrialSuggestion | None:
        if self.type == "promotion":
            trial_id = self._find_promotable()
            if trial_id is not None:
                del self._paused[trial_id]
                self.num_promoted += 1
                return TrialSuggestion.resume_suggestion(trial_id)
        config = self.searcher.suggest()
        if config is None:
            return None
        return TrialSuggestion.start_suggestion(postprocess_config(config, self.config_space))

    def on_trial_add(self, trial: Trial):
        if trial.trial_id not in self._trial_bracket:
            if self.num_brackets == 1:
                idx = 0
            else:
                idx = int(self._rng.choice(self.num_brackets, p=self._bracket_probs))
            self._trial_bracket[trial.trial_id] = idx

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> str:
        t, y_raw = self._parse(trial, result)
        y = self._to_min(trial.trial_id, y_raw)
        self._notify_searcher("on_trial_result", trial, y_raw, t)
        if t >= self.max_t:
            self.num_stopped += 1
            return SchedulerDecision.STOP
        b = self._bracket_of(trial)
        bracket = self.brackets[b]
        i = bracket.rung_for(trial.trial_id, t)
        if i is None:
            return SchedulerDecision.CONTINUE
        rung = bracket.rungs[i]
        if self.type == "promotion":
            rung.add(trial.trial_id, y, max_position=-1)
            self._paused[trial.trial_id] = (b, i)
            return SchedulerDecision.PAUSE
        bound = continue_threshold(rung.n + 1, self.reduction_factor)
        position = rung.add(trial.trial_id, y, max_position=bound)
        if position <= bound:
            return SchedulerDecision.CONTINUE
        self.num_stopped += 1
        return SchedulerDecision.STOP

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]):
        t, y_raw = self._parse(trial, result)
        y = self._to_min(trial.trial_id, y_raw)
        self._notify_searcher("on_trial_complete", trial, y_raw, t)
        bracket = self.brackets[self._bracket_of(trial)]
        i = bracket.rung_for(trial.trial_id, t)
        if i is not None:
            bracket.rungs[i].add(trial.trial_id, y, max_position=-1)
        self._paused.pop(trial.trial_id, None)

    def on_trial_error(self, trial: Trial):
        self._failed.add(trial.trial_id)
        self._paused.pop(trial.trial_id, None)
        self.searcher.on_trial_error(trial.trial_id)
        logger.warning(f"trial {trial.trial_id} failed; MO-ASHA will not resume it")

    def on_trial_remove(self, trial: Trial):
        # Called after STOP and PAUSE alike: rung records and pause state are kept, a paused
        # trial may still be promoted.
        pass

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
            "random_seed": self.random_seed,
        }
        return metadata

    # ---------------------------------------------------------------- helpers
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
            raise ValueError(
                f"trial {trial.trial_id} reported a result without {missing} "
                f"(MOASHA expects time_attr={self.time_attr!r} and metrics={self.metrics}); "
                f"reported keys: {sorted(result)}"
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
        values = []
        for name in self.metrics:
            value = result[name]
            try:
                values.append(float(value) if value is not None else float("nan"))
            except (TypeError, ValueError):
                raise ValueError(
                    f"trial {trial.trial_id} reported metric {name}={value!r}, which is not a number"
                ) from None
        return t, values

    def _to_min(self, trial_id: int, y_raw: list[float]) -> np.ndarray:
        y = np.asarray(y_raw, dtype=float) * self._sign
        bad = np.isnan(y)
        if bad.any():
            y[bad] = np.inf
            if trial_id not in self._nan_logged:
                self._nan_logged.add(trial_id)
                names = [m for m, b in zip(self.metrics, bad) if b]
                logger.warning(
                    f"trial {trial_id} reported NaN for {names}: counted as the worst value "
                    f"(logged once per trial)"
                )
        return y

    def _notify_searcher(self, method: str, trial: Trial, y_raw: list[float], t: float):
        fn = getattr(self.searcher, method, None)
        if fn is None:
            return
        if self._searcher_takes_resource.get(method):
            fn(trial.trial_id, trial.config, y_raw, resource=t)
        else:
            fn(trial.trial_id, trial.config, y_raw)

    def _find_promotable(self) -> int | None:
        if not self._paused:
            return None
        waiting: dict[tuple[int, int], set[int]] = {}
        for trial_id, key in self._paused.items():
            waiting.setdefault(key, set()).add(trial_id)
        # highest rungs first (closest to max_t), then bracket order
        for b, i in sorted(waiting, key=lambda bi: (-self.brackets[bi[0]].rungs[bi[1]].level, bi[0])):
            rung = self.brackets[b].rungs[i]
            k = int(rung.n // self.reduction_factor)
            if k <= 0:
                continue
            trial_id = rung.best_within_top(waiting[(b, i)], k)
            if trial_id is not None:
                return trial_id
        return None


def _instance_type_dimension(config_space: dict[str, Any]) -> str | None:
    """The one categorical hyperparameter whose values are all SageMaker instance types
    (``ml.*``), if there is exactly one."""
    found = [k for k, v in config_space.items() if isinstance(v, Categorical)
             and all(isinstance(c, str) and c.startswith("ml.") for c in v.categories)]
    return found[0] if len(found) == 1 else None


def type_name(obj: Any) -> str:
    return type(obj).__name__


def _accepts_keyword(fn, name: str) -> bool:
    if fn is None:
        return False
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params
