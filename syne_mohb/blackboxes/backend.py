"""Simulator backend over a hardware-aware blackbox, and conversion for transfer learning."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME

from .repository import load, metadata as load_metadata


class HardwareBlackboxBackend(UserBlackboxBackend):
    """Syne Tune's ``UserBlackboxBackend`` that also reports ``st_worker_time`` and ``st_worker_cost``.

    Each result carries the cumulative runtime (seconds, on the trial's instance type) and dollar
    cost of the trial from its start, read from the blackbox's ``runtime_attr`` / ``cost_attr``
    objectives, so that ``StoppingCriterion(max_cost=...)`` and ``TuningStatus.cost`` work in
    simulation (Syne Tune 0.16 never sets ``st_worker_cost`` itself). The simulated clock advances
    by ``elapsed_time_attr`` (default ``"runtime"``), as in ``UserBlackboxBackend``. Use it with
    ``Tuner(..., sleep_time=0, callbacks=[SimulatorCallback()])``.

    Caveats inherited from Syne Tune's simulator: after a pause and resume (promotion-type
    schedulers), ``elapsed_time_attr`` in a result is the time since the resume, so rank on
    ``st_worker_time`` (always cumulative) rather than ``runtime`` with such schedulers, or use
    :class:`syne_mohb.experiments.ReplayBackend`, which keeps ``runtime`` cumulative. With
    ``seed=None`` the recorded seed replayed for each trial is drawn from numpy's global
    generator: seed it (``np.random.seed``) for a reproducible replay.
    """

    def __init__(
        self,
        blackbox,
        elapsed_time_attr: str = "runtime",
        cost_attr: str = "cost",
        **kwargs: Any,
    ):
        for attr, pname in ((elapsed_time_attr, "elapsed_time_attr"), (cost_attr, "cost_attr")):
            if attr not in blackbox.objectives_names:
                raise ValueError(
                    f"{pname}={attr!r} is not an objective of the blackbox {blackbox.objectives_names}"
                )
        super().__init__(blackbox=blackbox, elapsed_time_attr=elapsed_time_attr, **kwargs)
        self.cost_attr = cost_attr

    def _run_job_and_collect_results(self, trial_id: int, config: dict | None = None):
        status, results = super()._run_job_and_collect_results(trial_id, config)
        if config is None:
            config = self._trial_dict[trial_id].config
        seed = self._seed if self._seed is not None else self._seed_for_trial.get(trial_id, 0)
        bb = self.blackbox
        raw = bb.objective_function(self._filter_config(config), seed=seed)  # (fidelities, objectives)
        i_time = bb.objectives_names.index(self.elapsed_time_attr)
        i_cost = bb.objectives_names.index(self.cost_attr)
        fidelity_index = {int(v): i for i, v in enumerate(bb.fidelity_values)}
        # Syne Tune floors each step of the simulated clock at 0.01 s, which would dwarf epochs of
        # a few milliseconds: restore the recorded times (minus the offset of a resumed trial)
        paused = self._resource_paused_for_trial.get(trial_id)
        offset = 0.0
        if paused is not None and self._support_checkpointing and paused in fidelity_index:
            offset = float(raw[fidelity_index[paused], i_time])
        previous = 0.0
        for result in results:
            row = raw[fidelity_index[int(result[self.time_attr])]]
            elapsed = max(float(row[i_time]) - offset, previous + 1e-9)
            result[self.elapsed_time_attr] = elapsed
            previous = elapsed
            # cumulative since the trial's first start: the per-trial maximum is what it spent
            result[ST_WORKER_TIME] = float(row[i_time])
            result[ST_WORKER_COST] = float(row[i_cost])
        return status, results


def make_backend(
    name: str,
    task: str,
    elapsed_time_attr: str = "runtime",
    cost_attr: str = "cost",
    seed: int | None = None,
    data_dir: str | None = None,
    **kwargs: Any,
) -> HardwareBlackboxBackend:
    """A simulator backend replaying task ``task`` of blackbox ``name`` (see ``HardwareBlackboxBackend``).

    ``seed`` fixes which recorded seed is replayed (default: one drawn per trial); further keyword
    arguments go to ``UserBlackboxBackend`` (e.g. ``max_resource_attr``, ``support_checkpointing``).
    """
    blackboxes = load(name, data_dir)
    if task not in blackboxes:
        raise ValueError(f"task {task!r} is not in blackbox {name!r}; tasks: {sorted(blackboxes)}")
    return HardwareBlackboxBackend(
        blackboxes[task], elapsed_time_attr=elapsed_time_attr, cost_attr=cost_attr, seed=seed, **kwargs
    )


def to_transfer_evaluations(
    name: str,
    exclude_task: str | None = None,
    objectives: list[str] | None = None,
    data_dir: str | None = None,
) -> dict[str, Any]:
    """``{task: TransferLearningTaskEvaluations}`` for every task of ``name`` except ``exclude_task``.

    ``objectives`` selects and orders the objectives (default: all). Hyperparameters keep the
    ``instance_type`` column and get a 0..n-1 index."""
    from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
        TransferLearningTaskEvaluations,
    )

    blackboxes = load(name, data_dir)
    if exclude_task is not None and exclude_task not in blackboxes:
        raise ValueError(
            f"exclude_task={exclude_task!r} is not a task of {name!r}; tasks: {sorted(blackboxes)}"
        )
    out = {}
    for task, bb in blackboxes.items():
        if task == exclude_task:
            continue
        names = list(bb.objectives_names)
        objectives_sel = list(objectives) if objectives is not None else names
        unknown = [o for o in objectives_sel if o not in names]
        if unknown:
            raise ValueError(f"objectives {unknown} not in blackbox {name!r} objectives {names}")
        idx = [names.index(o) for o in objectives_sel]
        out[task] = TransferLearningTaskEvaluations(
            configuration_space=dict(bb.configuration_space),
            hyperparameters=bb.hyperparameters.reset_index(drop=True),
            objectives_names=objectives_sel,
            objectives_evaluations=np.asarray(bb.objectives_evaluations[..., idx]),
        )
    return out


def metric_modes(name: str, objectives: list[str], data_dir: str | None = None) -> list[str]:
    """``"min"``/``"max"`` for each of ``objectives`` from the blackbox's metadata."""
    modes = load_metadata(name, data_dir).get("metric_mode", {})
    missing = [o for o in objectives if o not in modes]
    if missing:
        raise ValueError(f"no mode recorded for objectives {missing} of {name!r}")
    return [modes[o] for o in objectives]


def evaluations_frame(name: str, task: str, data_dir: str | None = None) -> pd.DataFrame:
    """Long table (hyperparameters, seed, epoch, objectives) of one task, for analysis."""
    bb = load(name, data_dir)[task]
    ev = np.asarray(bb.objectives_evaluations)
    n, s, f, m = ev.shape
    hp = bb.hyperparameters.reset_index(drop=True)
    idx = np.repeat(np.arange(n), s * f)
    df = hp.iloc[idx].reset_index(drop=True)
    df["seed"] = np.tile(np.repeat(np.arange(s), f), n)
    df["epoch"] = np.tile(np.asarray(bb.fidelity_values), n * s)
    for j, o in enumerate(bb.objectives_names):
        df[o] = ev[..., j].reshape(-1)
    return df
