"""What a Syne Tune 0.16 user passes to, or expects from, a scheduler, mapped to syne-mohb's.

* :func:`refuse_unknown_arguments`: Syne Tune's ``MOASHA`` / ``ASHA`` arguments that
  :class:`~syne_mohb.schedulers.moasha.MOASHA` takes in another form (``do_minimize``,
  ``metric``, ``multiobjective_priority``, ``max_resource_attr``) are a
  ``TypeError`` saying what to pass instead; another unknown name gets the closest one;
* :func:`searcher_name_hint`: Syne Tune's searcher names (``"random_search"``, ``"kde"``, ...);
* :func:`check_syne_tune_searcher_modes`: Syne Tune's own searchers minimise every metric they
  are told (its schedulers negate a "max" metric first); MO-ASHA tells a searcher the values as
  reported, so one that reads them is refused when a metric is maximised;
* :func:`missing_metric_hints`: why a metric a user names may never reach a scheduler;
* :func:`check_not_do_minimize`: Syne Tune's third argument (``do_minimize``) where MO-ASHA
  takes ``mode``;
* :func:`accepts_keyword`: whether a searcher's method takes a keyword (``resource=``, which
  Syne Tune's searchers do not);
* :class:`ModeList`: the modes a multi-objective scheduler returns from ``metric_mode()``,
  read right by Syne Tune's end-of-run "best" line.

Each is O(number of arguments / metrics).
"""
from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable

__all__ = ["ModeList", "accepts_keyword", "check_not_do_minimize",
           "check_syne_tune_searcher_modes", "missing_metric_hints", "refuse_unknown_arguments",
           "searcher_name_hint"]

#: arguments of Syne Tune's MOASHA / ASHA that MO-ASHA takes in another form: what to use
SYNE_TUNE_ARGUMENTS = {
    "do_minimize": "mode='min' (do_minimize=True) or mode='max' (do_minimize=False), or one "
                   "mode per metric, e.g. mode=['max', 'min']",
    "metric": "metrics=[...] (a list, also for one metric) and mode=",
    "multiobjective_priority": "rung_sort='epsnet' (default) or 'crowding' (a rung is ranked by "
                               "non-dominated sorting; rung_sort breaks ties inside a front)",
    "max_resource_attr": "max_t=<the largest time_attr a trial reaches, e.g. the value of "
                         "config_space['epochs']>",
}
#: metrics Syne Tune's Tuner never shows a scheduler, or that only some backends report
MISSING_METRIC_HINTS = {
    "st_tuner_time": "Syne Tune's StoreResultsCallback adds st_tuner_time after the scheduler "
                     "has decided (Syne Tune's Tuner never passes it to a scheduler): use "
                     "st_worker_time, the seconds the trial has trained",
    "elapsed_time": "Syne Tune's Reporter reports the seconds since the script started as "
                    "st_worker_time: use metrics=[..., 'st_worker_time']",
    "st_worker_cost": "syne-mohb's backends report st_worker_cost (LocalProfileBackend, "
                      "SageMakerBackend, RayBackend, the simulated backend); Syne Tune's "
                      "LocalBackend does not",
}


class ModeList(list):
    """One mode per metric (a ``list``), which compares equal to a string when its first mode
    is that string. Syne Tune 0.16's end-of-run line ``<first metric>: best ...``
    (``print_best_metric_found``) tests ``mode == "min"``; with a plain list that is False, and
    it printed the *largest* value of a metric to minimise (a real run: ``loss: best 0.949``
    where the smallest loss was 0.0736)."""

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            return len(self) > 0 and self[0] == other
        return list.__eq__(self, other)

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # as a list's


def refuse_unknown_arguments(kwargs: dict[str, Any], init: Callable) -> None:
    """A ``TypeError`` naming every keyword of ``kwargs`` that ``init`` (a scheduler's
    ``__init__``) does not take, with what to use instead of Syne Tune's and the closest name
    of the others."""
    known = [p for p in inspect.signature(init).parameters if p not in ("self", "kwargs")]
    parts = []
    for name, value in kwargs.items():
        if name == "metric" and isinstance(value, str):
            parts.append(f"metric={value!r} is Syne Tune's: use metrics={[value]!r} and mode=")
        elif name in SYNE_TUNE_ARGUMENTS:
            parts.append(f"{name}={value!r} is Syne Tune's: use {SYNE_TUNE_ARGUMENTS[name]}")
        else:
            close = ([k for k in known if k.startswith(name)]
                     or difflib.get_close_matches(name, known, n=1))
            parts.append(f"unknown argument {name!r}"
                         + (f" (did you mean {close[0]}?)" if close else ""))
    raise TypeError(f"MOASHA: {'; '.join(parts)}")


def searcher_name_hint(name: str) -> str:
    """What to say of a searcher name MO-ASHA does not build ("" if it is not Syne Tune's)."""
    if name == "random_search":
        return "; Syne Tune's 'random_search' is searcher='random' here"
    try:
        from syne_tune.optimizer.schedulers.searchers.searcher_factory import searchers
    except ImportError:  # pragma: no cover -- another Syne Tune layout
        return ""
    if name in searchers:
        return ("; Syne Tune's searcher names are not built here: pass the searcher itself "
                "(searcher=<BaseSearcher>)")
    return ""


def check_syne_tune_searcher_modes(searcher: Any, metrics: list[str], modes: list[str]) -> None:
    """Syne Tune's own searchers minimise every metric they are told (its schedulers negate a
    'max' metric for them); MO-ASHA tells searchers the values as reported, so one of them
    with a metric to maximise would search for the worst models: refused. Those that read no
    metric of the run pass: its random searchers, and ``QuantileBasedSurrogateSearcher``
    (Salinas et al. 2020), a prior fitted on related tasks' evaluations only (its update is a
    no-op; those evaluations must be given minimised, as Syne Tune asks)."""
    if not type(searcher).__module__.startswith("syne_tune."):
        return
    from syne_tune.optimizer.schedulers.searchers.random_searcher import (
        MultiObjectiveRandomSearcher, RandomSearcher as STRandomSearcher)
    from syne_tune.optimizer.schedulers.transfer_learning.quantile_based \
        .quantile_based_searcher import QuantileBasedSurrogateSearcher

    if isinstance(searcher, (STRandomSearcher, MultiObjectiveRandomSearcher,
                             QuantileBasedSurrogateSearcher)):
        return
    maximised = [m for m, mode in zip(metrics, modes) if mode == "max"]
    if maximised:
        raise ValueError(
            f"searcher {type(searcher).__name__} is Syne Tune's, which minimises every metric, "
            f"but mode maximises {maximised}, whose values MOASHA passes to it as reported: "
            f"report their negatives (e.g. error instead of accuracy) with mode='min', or use "
            f"searcher='model-based' (it takes the modes)")


def missing_metric_hints(missing: list[str]) -> str:
    """``"; why ..."`` for each of the ``missing`` metrics whose absence has a known cause."""
    return "".join(f"; {MISSING_METRIC_HINTS[k]}" for k in missing if k in MISSING_METRIC_HINTS)


def check_not_do_minimize(mode: Any) -> None:
    """``MOASHA(space, metrics, True, ...)``, Syne Tune's positional order, is a ``ValueError``
    saying which mode that means."""
    if isinstance(mode, bool):
        raise ValueError(
            f"mode={mode!r} is not a mode (Syne Tune's MOASHA takes do_minimize as its third "
            f"argument, syne-mohb's takes mode): pass mode='{'min' if mode else 'max'}' "
            f"(do_minimize={mode}), or one mode per metric")


def accepts_keyword(fn: Callable | None, name: str) -> bool:
    """Whether ``fn`` (a searcher's method, or None) takes the keyword ``name``."""
    if fn is None:
        return False
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params
