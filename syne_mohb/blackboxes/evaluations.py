"""A task's offline evaluations as a simulated backend, as transfer-learning data and as a table.

* :func:`make_backend` -- the :class:`~syne_mohb.backends.simulated.SimulatedBackend` replaying
  one task (the one simulator of the project);
* :func:`to_transfer_evaluations` -- related tasks' evaluations for transfer-learning searchers;
* :func:`checked_task_evaluations` -- such evaluations, checked where a user hands them in;
* :func:`objective_of_tasks` -- the name under which every related task holds a quantity;
* :func:`metric_modes`, :func:`evaluations_frame` -- modes and a long table for analysis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .repository import load, metadata as load_metadata


def make_backend(
    name: str,
    task: str,
    elapsed_time_attr: str = "runtime",
    cost_attr: str = "cost",
    seed: int | None = None,
    data_dir: str | None = None,
    **kwargs: Any,
):
    """A :class:`~syne_mohb.backends.simulated.SimulatedBackend` replaying task ``task`` of
    blackbox ``name``; run it with ``Tuner(..., sleep_time=0, callbacks=[SimulatedClock()])``.

    ``seed`` fixes which recorded seed is replayed (default: one drawn per trial from
    ``random_seed``); further keyword arguments go to ``SimulatedBackend`` (``random_seed``,
    ``max_resource_attr``, ``support_checkpointing``, ``startup``, ``max_cost_per_trial``).
    """
    from syne_mohb.backends.simulated import SimulatedBackend

    return SimulatedBackend(_task(name, task, data_dir), elapsed_time_attr=elapsed_time_attr,
                            cost_attr=cost_attr, seed=seed, **kwargs)


def _task(name: str, task: str, data_dir: str | None):
    """The ``BlackboxTabular`` of ``task`` of blackbox ``name``; an unknown task is a
    ``ValueError`` listing the blackbox's tasks."""
    blackboxes = load(name, data_dir)
    if not isinstance(task, str) or task not in blackboxes:
        raise ValueError(f"task {task!r} is not in blackbox {str(name)!r}; tasks: "
                         f"{sorted(blackboxes)}")
    return blackboxes[task]


def checked_task_evaluations(evaluations: Any, pname: str, objectives: list[str],
                             hint: str = "", label: Any = None, config_space: Any = None
                             ) -> list[tuple[Any, pd.DataFrame, np.ndarray, list[str]]]:
    """``[(task, hyperparameters, objectives_evaluations, objectives_names)]`` of a dict
    ``{task: TransferLearningTaskEvaluations}``, in task-name order, after checking what every
    user of related tasks needs: a non-empty dict, the three attributes, at least one evaluation,
    a ``[configs, seeds, fidelities, objectives]`` array with one name per objective and the
    ``objectives``; with ``config_space``, a hyperparameter column per domain of it holding
    values of that domain (an off-grid or NaN value would fail deep in an encoding). Errors
    name ``pname`` and the task: ``label(task)`` (default ``pname[task]``) names it in the
    messages about one task; ``hint`` is appended to a missing-objective message.

    O(tasks), plus O(distinct values) per hyperparameter with ``config_space``; the arrays are
    converted to float once.
    """
    if not isinstance(evaluations, dict) or not evaluations:
        what = "is empty" if isinstance(evaluations, dict) else \
            f"must be a dict, not a {type(evaluations).__name__}"
        raise ValueError(f"{pname} {what}: pass a non-empty dict {{task name: "
                         f"TransferLearningTaskEvaluations}} of related tasks, got "
                         f"{str(evaluations)[:200]}")
    if label is None:
        def label(task):
            return f"{pname}[{task!r}]"
    encoder = None
    if config_space is not None:
        from syne_tune.config_space import Domain

        from syne_mohb.configspace import plain
        from syne_mohb.searchers._config_encoding import ConfigEncoder

        if any(isinstance(v, Domain) for v in config_space.values()):
            encoder = ConfigEncoder(dict(config_space))
    out = []
    for task in sorted(evaluations, key=str):
        ev, where = evaluations[task], label(task)
        for attr in ("hyperparameters", "objectives_names", "objectives_evaluations"):
            if not hasattr(ev, attr):
                raise ValueError(f"{where} is a {type(ev).__name__}, expected a "
                                 f"TransferLearningTaskEvaluations")
        hp = ev.hyperparameters
        values = np.asarray(ev.objectives_evaluations, dtype=float)
        if len(hp) == 0 or values.size == 0:
            raise ValueError(f"{where} has no evaluations")
        if values.ndim != 4 or values.shape[0] != len(hp):
            raise ValueError(f"{where}: objectives_evaluations has shape {values.shape}, "
                             f"expected ({len(hp)}, num_seeds, num_fidelities, num_objectives)")
        names = list(ev.objectives_names)
        if len(names) != values.shape[-1]:
            raise ValueError(f"{where}: objectives_names has {len(names)} names {names} but "
                             f"objectives_evaluations holds {values.shape[-1]} objectives (its "
                             f"last axis, shape {values.shape}); give one name per objective")
        missing = [m for m in objectives if m not in names]
        if missing:
            raise ValueError(f"{where} lacks objectives {missing}{hint}; available objectives: "
                             f"{names}")
        for name in encoder.hp_names if encoder is not None else []:
            if name not in hp.columns:
                raise ValueError(f"{where} has no column for hyperparameter {name!r}; its "
                                 f"columns: {list(hp.columns)}")
            bad = encoder.invalid_values(name, hp[name])
            if bad:
                raise ValueError(f"{where}: column {name!r} has values {plain(bad[:5])} outside "
                                 f"config_space[{name!r}] = {config_space[name]}")
        out.append((task, hp, values, names))
    return out


#: a run's cumulative seconds and dollars, and the names ``from_experiments`` gives them
CONVERTED_OBJECTIVES = {"st_worker_time": "runtime", "st_worker_cost": "cost"}


def objective_of_tasks(evaluations: Any, candidates: list[str]) -> str | None:
    """The first of ``candidates`` that every task of ``evaluations`` (``{task:
    TransferLearningTaskEvaluations}``) has among its objectives, or None (nothing checked
    here: :func:`checked_task_evaluations` names what is wrong). O(tasks x candidates)."""
    tasks = list(evaluations.values()) if isinstance(evaluations, dict) else []
    names = [set(getattr(e, "objectives_names", None) or ()) for e in tasks]
    return next((c for c in candidates if names and all(c in n for n in names)), None)


def to_transfer_evaluations(
    name: str,
    exclude_task: str | None = None,
    objectives: list[str] | None = None,
    data_dir: str | None = None,
) -> dict[str, Any]:
    """``{task: TransferLearningTaskEvaluations}`` for every task of ``name`` except
    ``exclude_task``.

    ``objectives`` selects and orders the objectives (a list of names, or one name; default:
    all). Hyperparameters keep the ``instance_type`` column and get a 0..n-1 index."""
    from syne_tune.optimizer.schedulers.transfer_learning.transfer_learning_task_evaluation import (
        TransferLearningTaskEvaluations,
    )

    if isinstance(objectives, str):  # one name, not its letters
        objectives = [objectives]
    if objectives is not None:
        objectives = list(objectives)
        if not objectives or len(set(objectives)) != len(objectives):
            raise ValueError(f"objectives must name at least one objective, each once (or be "
                             f"None for all), got {objectives}")
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


def metric_modes(name: str, objectives: list[str] | str,
                 data_dir: str | None = None) -> list[str]:
    """``"min"``/``"max"`` for each of ``objectives`` (a list of names, or one name) from the
    blackbox's metadata."""
    if isinstance(objectives, str):  # one name, not its letters
        objectives = [objectives]
    modes = load_metadata(name, data_dir).get("metric_mode", {})
    missing = [o for o in objectives if o not in modes]
    if missing:
        raise ValueError(f"no mode recorded for objectives {missing} of {name!r}: record them "
                         f"under metric_mode in its metadata.json, or pass the modes")
    return [modes[o] for o in objectives]


def evaluations_frame(name: str, task: str, data_dir: str | None = None) -> pd.DataFrame:
    """Long table (hyperparameters, seed, epoch, objectives) of one task, for analysis."""
    bb = _task(name, task, data_dir)
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
