"""The Pareto set of a finished run as a DataFrame: :func:`pareto_set`.

>>> import syne_mohb
>>> tuner.run()
>>> syne_mohb.pareto_set(tuner)                  # or a run folder, or a results DataFrame
   trial_id  epoch  lr  hidden  accuracy  elapsed_time
0        16     27 ...

What Optuna's ``study.best_trials`` and Ray Tune's ``ResultGrid`` give a user, for a Syne Tune
run: the non-dominated models, one row per model (a configuration at a fidelity: every reported
result is a model the run trained, as in :func:`syne_mohb.experiments.analysis.pareto_table`,
which this reuses), best first in the first objective. The objectives and their modes are the
run's own (the scheduler's ``metric_names`` / ``metric_mode``, as its ``metadata.json``
records them), or given. Rows of a durable run that a resume re-recorded count once
(:func:`~syne_mohb.experiments.analysis.unique_results`); rows without a value for every
objective (e.g. a result that reported another metric only) are left out.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from syne_mohb.experiments.analysis import (
    Run,
    load_run,
    pareto_table,
    unique_results,
    with_segment_types,
)
from syne_mohb.pareto import normalize_modes

__all__ = ["pareto_set", "run_objectives"]

Modes = str | Sequence[str] | Mapping[str, str]


def _check_metrics(metrics: Any) -> list[str] | None:
    if metrics is None:
        return None
    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    if not metrics or not all(isinstance(m, str) and m for m in metrics):
        raise ValueError(f"metrics must be a non-empty list of column names, got {metrics!r}")
    if len(set(metrics)) != len(metrics):
        raise ValueError(f"metrics must not repeat a name, got {metrics!r}")
    return metrics


def _modes(mode: Modes | None, metrics: list[str]) -> list[str]:
    """One mode per metric: a string for all, a list in the order of ``metrics``, or a dict
    ``{metric: mode}`` naming each of them."""
    return normalize_modes(mode, len(metrics), "mode", metrics)


def run_objectives(metadata: Mapping[str, Any]) -> tuple[list[str], Any] | None:
    """``(metrics, modes)`` a run's ``metadata.json`` records, or None: the objectives of a
    simulated run (``syne_mohb`` entry), else the scheduler's ``metric_names`` /
    ``metric_mode`` (syne-mohb's schedulers), else its arguments (``scheduler_kwargs``:
    ``metrics`` or ``metric`` with ``mode`` or ``do_minimize``, as Syne Tune's store them)."""
    info = metadata.get("syne_mohb") or {}
    if info.get("objectives"):
        return list(info["objectives"]), info.get("objective_modes", "min")
    if metadata.get("metric_names"):
        return list(metadata["metric_names"]), metadata.get("metric_mode", "min")
    kwargs = metadata.get("scheduler_kwargs")
    if isinstance(kwargs, str):
        try:
            kwargs = json.loads(kwargs)
        except ValueError:
            kwargs = None
    if not isinstance(kwargs, Mapping):
        return None
    names = kwargs.get("metrics") or kwargs.get("metric")
    if not names:
        return None
    names = [names] if isinstance(names, str) else list(names)
    if kwargs.get("mode") is not None:
        return names, kwargs["mode"]
    if kwargs.get("metric_mode") is not None:
        return names, kwargs["metric_mode"]
    if isinstance(kwargs.get("do_minimize"), bool):
        return names, "min" if kwargs["do_minimize"] else "max"
    return None


def _results_of_tuner(tuner) -> pd.DataFrame:
    """The results a Tuner recorded: in memory (its ``StoreResultsCallback``), else its
    ``results.csv.zip``."""
    from syne_tune.results_callback import StoreResultsCallback

    for cb in getattr(tuner, "callbacks", None) or []:
        if isinstance(cb, StoreResultsCallback):
            return cb.dataframe()
    path = Path(tuner.tuner_path)
    for name in ("results.csv.zip", "results.csv"):
        if (path / name).exists():
            return pd.read_csv(path / name)
    raise ValueError(f"results: the tuner recorded no results (no StoreResultsCallback among "
                     f"its callbacks and no results.csv.zip in {path}); add "
                     f"syne_tune.results_callback.StoreResultsCallback() to callbacks")


def _fidelity_of(metadata: Mapping[str, Any], scheduler=None) -> str | None:
    attr = getattr(scheduler, "time_attr", None)
    if isinstance(attr, str):
        return attr
    kwargs = metadata.get("scheduler_kwargs")
    attr = kwargs.get("time_attr") if isinstance(kwargs, Mapping) else None
    if isinstance(attr, str):
        return attr
    return (metadata.get("syne_mohb") or {}).get("fidelity_attr")


def _unique_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A hyperparameter named like a result column (e.g. ``epoch``, the config's maximum and
    the fidelity reached) comes out of ``pareto_table`` under the same name: it keeps its
    ``config_`` prefix."""
    dup = table.columns.duplicated()
    if not dup.any():
        return table
    table = table.copy()
    table.columns = [f"config_{c}" if d else c for c, d in zip(table.columns, dup)]
    return table


def _front(df: pd.DataFrame, metrics: list[str], modes: list[str], fidelity: str | None,
           where: str, metadata: Mapping[str, Any] | None = None) -> pd.DataFrame:
    if len(df.columns) == 0:  # no result yet (a tuner stopped before any): no columns either
        return pd.DataFrame(columns=["trial_id", *metrics])
    missing = [m for m in metrics if m not in df.columns]
    if missing:
        raise ValueError(f"metrics {missing} are not columns of {where}; columns: "
                         f"{sorted(map(str, df.columns))}")
    if fidelity is not None and fidelity not in df.columns:
        fidelity = None
    df = with_segment_types(unique_results(df, fidelity), "instance_type")
    if len(df):
        values = df[metrics].apply(pd.to_numeric, errors="coerce")
        df = df[values.notna().all(axis=1).to_numpy()]
    run = Run(path=Path(where), results=df.reset_index(drop=True), metadata=dict(metadata or {}),
              objectives=metrics, modes=modes,
              info={"fidelity_attr": fidelity} if fidelity else {})
    return _unique_columns(pareto_table(run))


def pareto_set(results, metrics: Sequence[str] | str | None = None,
               mode: Modes | None = None) -> pd.DataFrame:
    """The Pareto set of a run: its non-dominated models (configuration at a fidelity).

    :param results: a run folder (``results.csv.zip`` + ``metadata.json``, e.g.
        ``tuner.tuner_path``), a finished ``syne_tune.Tuner`` (or ``DurableTuner``), what
        ``syne_tune.experiments.load_experiment`` returns, or a results DataFrame
        (``results.csv.zip`` as read by pandas: one row per reported result)
    :param metrics: the objectives (default: the run's, from its scheduler or metadata; needed
        for a DataFrame)
    :param mode: ``"min"`` / ``"max"`` for all metrics, a list (one per metric) or a dict
        ``{metric: mode}`` (default: the run's modes; needed for a DataFrame)
    :return: one row per model on the Pareto set: ``trial_id``, the fidelity (e.g.
        ``epoch``), the instance type if tuned (the one that trained the model's last
        segment: a trial moved under promotion has cumulative time and dollars over its
        segments), the other hyperparameters (without the
        ``config_`` prefix) and the objectives, best first in the first objective; empty (with
        these columns) if the run has no result
    :raises ValueError: (one line, naming the parameter) an unsupported ``results``, a folder
        without results, objectives that are not columns, modes that do not fit
    """
    metrics = _check_metrics(metrics)
    if isinstance(results, pd.DataFrame):
        if metrics is None or mode is None:
            raise ValueError("a results DataFrame does not say what was optimised: pass "
                             "metrics=[...] and mode=... (e.g. mode=['max', 'min']), or pass "
                             "the Tuner or its run folder instead")
        fidelity = "epoch" if "epoch" in results.columns else None
        return _front(results, metrics, _modes(mode, metrics), fidelity, "the results")
    if isinstance(results, (str, Path)):
        return _pareto_set_of_folder(Path(results).expanduser(), metrics, mode)
    scheduler = getattr(results, "scheduler", None)
    if scheduler is not None and hasattr(results, "tuner_path"):  # a Tuner
        names = metrics or list(scheduler.metric_names())
        modes = _modes(mode if mode is not None else recorded_modes(
            names, _scheduler_objectives(scheduler), "the Tuner's scheduler"), names)
        meta = getattr(results, "metadata", None) or {}
        return _front(_results_of_tuner(results), names, modes,
                      _fidelity_of(meta, scheduler), f"the results of {results.tuner_path}",
                      meta)
    frame, meta = getattr(results, "results", None), getattr(results, "metadata", None)
    if isinstance(frame, pd.DataFrame) and isinstance(meta, Mapping):  # load_experiment's
        recorded = run_objectives(meta)
        names = metrics or (recorded[0] if recorded else None)
        if names is None:
            raise ValueError("the experiment's metadata names no objectives: pass "
                             "metrics=[...] and mode=...")
        modes = _modes(mode if mode is not None else
                       recorded_modes(names, recorded, "the experiment"), names)
        return _front(frame, names, modes, _fidelity_of(meta), "the experiment's results", meta)
    raise ValueError(f"results must be a run folder, a Tuner, an experiment of "
                     f"load_experiment or a results DataFrame, got {type(results).__name__}")


def results_columns(path: Path) -> list[str] | None:
    """The column names of a run folder's results file (its header only), None if unreadable
    (the caller's own reading then says why)."""
    for name in ("results.csv.zip", "results.csv"):
        try:
            return [str(c) for c in pd.read_csv(path / name, nrows=0).columns]
        except (OSError, ValueError):
            continue
    return None


def recorded_modes(names: Sequence[str], recorded: tuple | None, where: str,
                   columns: Sequence[str] | None = None) -> list[str]:
    """The recorded mode of each of ``names`` (``recorded``: the run's ``(objectives,
    modes)``), looked up by name, so that a subset of the objectives or another order needs no
    ``mode``; a name the run did not optimise raises ``ValueError`` naming it (as a misspelt
    metric, with the closest names, when it is not even one of the results' ``columns``)."""
    absent = [n for n in names if columns is not None and n not in columns]
    if absent:
        import difflib

        close = sorted({c for n in absent for c in difflib.get_close_matches(
            n, [c for c in columns if not c.startswith("config_")], n=3, cutoff=0.5)})
        hint = f"; closest names: {', '.join(close)}" if close else ""
        raise ValueError(f"metrics: {absent} are not columns of the results of {where}"
                         f"{hint}")
    known: dict[str, Any] = {}
    if recorded:
        rec_names, rec_modes = list(recorded[0]), recorded[1]
        if isinstance(rec_modes, str):
            rec_modes = [rec_modes] * len(rec_names)
        elif isinstance(rec_modes, Mapping):
            rec_modes = [rec_modes.get(n) for n in rec_names]
        known = {n: m for n, m in zip(rec_names, rec_modes) if m is not None}
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"mode: {where} records no mode for {missing} (it optimised "
                         f"{list(known) or 'no recorded objectives'}): pass mode=... (e.g. "
                         f"'min' or one per metric)")
    return [known[n] for n in names]


def _scheduler_objectives(scheduler) -> tuple[list[str], Any]:
    return list(scheduler.metric_names()), scheduler.metric_mode()


def _pareto_set_of_folder(path: Path, metrics: list[str] | None,
                          mode: Modes | None) -> pd.DataFrame:
    if not path.is_dir():
        raise ValueError(f"results: run folder {str(path)!r} does not exist" if not path.exists()
                         else f"results: {str(path)!r} is a file, not a run folder")
    if not any((path / n).exists() for n in ("results.csv.zip", "results.csv")):
        below = sorted(p.parent for p in path.glob("*/results.csv.zip"))[:3]
        hint = f"; run folders below it: {', '.join(map(str, below))}" if below else ""
        raise ValueError(f"results: {path} holds no results.csv.zip: not a Syne Tune run "
                         f"folder{hint}")
    meta_file = path / "metadata.json"
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    recorded = run_objectives(meta)
    names = metrics or (recorded[0] if recorded else None)
    if names is None:
        raise ValueError(f"results: the metadata.json of {path} names no objectives: pass "
                         f"metrics=[...] and mode=...")
    if mode is None:
        mode = recorded_modes(names, recorded, f"the run {path}", results_columns(path))
    modes = _modes(mode, names)
    try:
        run = load_run(path, objectives=names, modes=modes)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=["trial_id", *names])
    except (FileNotFoundError, ValueError) as e:
        raise ValueError(f"results: {e}") from None
    if len(run.results):
        values = run.results[names].apply(pd.to_numeric, errors="coerce")
        run.results = run.results[values.notna().all(axis=1).to_numpy()].reset_index(drop=True)
    return _unique_columns(pareto_table(run))
