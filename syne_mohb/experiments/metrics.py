"""Outcome measures of tuning runs against a baseline, with paired-seed bootstrap intervals.

Used by ``benchmarking/compare_methods.py`` and ``syne-mohb demo``. A *target* is an accuracy
(in practice: a baseline's mean best accuracy over seeds minus 0.5 points). For one run:

* :func:`run_measures` -- (a) tuning seconds and tuning dollars until the first result at the
  target (a run that never reaches it counts with its whole budget and everything it spent);
  (b) the *found model's* own training dollars and seconds: the cheapest / fastest model
  (configuration at an epoch) the run trained with accuracy >= target;
* :func:`best_possible` -- the cheapest and fastest draw of a whole offline table at the
  target (any configuration, epoch and seed): the bound of measure (b);
* :func:`paired_ratio` -- median over tasks of ``mean over seeds (baseline) / mean over seeds
  (method)`` and its 95% bootstrap interval, resampling seeds with the same draws for every
  method (paired). O(B T S) for B resamples, T tasks, S seeds.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["best_possible", "paired_ratio", "run_measures", "seed_draws"]


def run_measures(run: Any, target: float, budget: float) -> dict[str, float]:
    """Measures (a) and (b) of one :class:`~syne_mohb.experiments.analysis.Run` at ``target``.

    Needs the columns ``accuracy``, ``runtime``, ``cost`` and ``st_tuner_time``.
    """
    from syne_mohb.experiments.analysis import time_to_target

    df = run.results
    tune_time, tune_dollars = time_to_target(run, "accuracy", target, "max")
    reached = np.isfinite(tune_time)
    if not reached:
        spent = run.dollars_spent()
        tune_time, tune_dollars = float(budget), float(spent[-1]) if len(spent) else 0.0
    hit = df["accuracy"].to_numpy(dtype=float) >= target
    return {
        "reached": float(reached),
        "tune_time": tune_time,
        "tune_dollars": tune_dollars,
        "model_dollars": float(df["cost"].to_numpy(dtype=float)[hit].min()) if reached else np.nan,
        "model_time": float(df["runtime"].to_numpy(dtype=float)[hit].min()) if reached else np.nan,
    }


def best_possible(blackbox: Any, target: float) -> tuple[float, float]:
    """Cheapest cost and smallest runtime in an offline table with accuracy >= target."""
    names = list(blackbox.objectives_names)
    ev = np.asarray(blackbox.objectives_evaluations, dtype=float)
    ok = ev[..., names.index("accuracy")] >= target
    if not ok.any():
        return np.nan, np.nan
    return (float(ev[..., names.index("cost")][ok].min()),
            float(ev[..., names.index("runtime")][ok].min()))


def seed_draws(num_seeds: int, num_boot: int = 1000, random_seed: int = 0) -> np.ndarray:
    """Bootstrap resamples of seed indices, ``[num_boot, num_seeds]``, shared by all methods."""
    if num_seeds < 1 or num_boot < 1:
        raise ValueError(f"num_seeds and num_boot must be >= 1, got {num_seeds}, {num_boot}")
    return np.random.RandomState(random_seed).randint(0, num_seeds, size=(num_boot, num_seeds))


def _ratio_of_means(base: np.ndarray, other: np.ndarray) -> float:
    if np.all(np.isnan(base)) or np.all(np.isnan(other)):
        return np.nan
    b, o = np.nanmean(base), np.nanmean(other)
    return float(b / o) if o > 0 else np.nan


def paired_ratio(per_task: list[tuple[np.ndarray, np.ndarray]],
                 draws: np.ndarray) -> tuple[float, float, float]:
    """Median over tasks of mean(baseline) / mean(method), and its 95% bootstrap interval.

    :param per_task: ``(baseline values per seed, method values per seed)`` per task, seeds
        aligned (value ``i`` of both comes from seed ``i``)
    :param draws: :func:`seed_draws` output
    :return: ``(point, low, high)``; NaN where no ratio is defined
    """
    with warnings.catch_warnings():  # tasks (or resamples) without any finite ratio: NaN
        warnings.simplefilter("ignore", category=RuntimeWarning)
        point = np.nanmedian([_ratio_of_means(b, o) for b, o in per_task]) if per_task else np.nan
        boots = np.array([
            np.nanmedian([_ratio_of_means(b[idx], o[idx]) for b, o in per_task]) for idx in draws
        ]) if per_task else np.array([np.nan])
    if np.all(np.isnan(boots)):
        return float(point), np.nan, np.nan
    lo, hi = np.nanpercentile(boots, [2.5, 97.5])
    return float(point), float(lo), float(hi)
