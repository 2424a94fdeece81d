"""Simulated runs of methods x benchmarks x tasks x seeds, in parallel processes.

Each run replays a hardware-aware blackbox (:mod:`syne_mohb.blackboxes`: a shipped one, or a
user's folder of measured evaluations, see :func:`get_benchmark`) with
:func:`syne_mohb.experiments.simulation.run_replay` under a budget of simulated wall-clock seconds
and writes Syne Tune's files to ``OUT/<benchmark>/<task>/<method>/seed-<k>/``
(``results.csv.zip``, ``metadata.json``; ``syne_tune.experiments.load_experiment("seed-<k>",
local_path="OUT/<benchmark>/<task>/<method>")`` reads them). ``metadata.json`` also holds a
``syne_mohb`` entry (benchmark, task, method, seed, budget, objectives and their modes, and
the :func:`code_version` of the package that ran it).

Finished runs are kept: running the same grid again only runs what is missing. Whether a run
folder can be reused is decided by :func:`run_state` from its files *and* its parameters: a run
is finished when ``metadata.json`` carries the end marker written after the run
(``syne_mohb.finished``) and ``results.csv.zip`` holds at least one result; it is reused only if
the parameters stored in the metadata (``RUN_PARAMETERS``: budget, workers, trial cap, default
instance, ...) equal the requested ones. An interrupted run or one with an empty or unreadable
results file is run again; a finished run with other parameters is never replaced silently
(:class:`RunConflictError` unless ``overwrite``). A method is named, not fingerprinted: a
finished run made by other code (another :func:`code_version`, e.g. before a method's default
changed) is still reused, and :func:`run_many` warns how many such runs it reused.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import multiprocessing as mp
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace as _replace
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from syne_tune import StoppingCriterion

from syne_mohb.backends.simulated import SimulatedBackend
# a benchmark's folder in an output folder (``OUT/<label>/<task>/...``: a user's folder by its
# own name) and the name a run records (a folder as its absolute path)
from syne_mohb.blackboxes.repository import canonical as canonical_benchmark
from syne_mohb.blackboxes.repository import label as benchmark_label
from syne_mohb.experiments.final_metadata import SCHEDULER_END, end_metadata
from syne_mohb.experiments.methods import (
    GLOBAL_RNG_METHODS,
    TRANSFER_METHODS,
    MethodContext,
    check_method,
    check_method_on,
    make_scheduler,
    pick_default_instance,
    uses_fixed_instance,
)
from syne_mohb.experiments.simulation import run_replay
from syne_mohb.hardware.feedback import HardwareFeedback, policy_of
from syne_mohb.schedulers.trial_cap import TrialCap

logger = logging.getLogger(__name__)

__all__ = [
    "Benchmark",
    "RUN_PARAMETERS",
    "RunConflictError",
    "RunSpec",
    "RunState",
    "SIMULATORS",
    "benchmark_label",
    "benchmark_names",
    "canonical_benchmark",
    "check_stock_replay",
    "get_benchmark",
    "is_finished_run",
    "run_dir",
    "run_one",
    "code_version",
    "other_code_runs",
    "run_many",
    "run_state",
    "grid",
    "parse_outage",
    "with_outage",
    "check_replay_seed",
]

#: a run's default budget: this many (median) full trainings on the default instance
DEFAULT_BUDGET_FACTOR = 25.0

OBJECTIVES = ["accuracy", "runtime", "cost"]
OBJECTIVE_MODES = ["max", "min", "min"]


@dataclass
class Benchmark:
    """A hardware-aware blackbox seen as a benchmark: a shipped one (one per folder of
    ``syne_mohb/blackboxes/data``) or a user's folder (``name``: its absolute path; see
    :func:`get_benchmark`)."""

    name: str
    tasks: list[str]
    fidelity_attr: str
    max_t: int
    instance_attr: str
    instance_types: list[str]
    default_instance: str

    @property
    def label(self) -> str:
        """The name of the benchmark's folder in an output folder (:func:`benchmark_label`)."""
        return benchmark_label(self.name)

    def check_task(self, task: str) -> None:
        if task not in self.tasks:
            raise ValueError(
                f"unknown task {task!r} for benchmark {self.name!r}; valid tasks: "
                f"{', '.join(self.tasks)}"
            )

    def blackbox(self, task: str):
        """The task's table; one without an ``error`` objective (a user's table) gets
        ``error = 1 - accuracy``, the minimised metric of the peers whose metrics share one
        mode (Syne Tune's MOASHA, EHVI, MOREA), as the shipped tables hold it."""
        from syne_mohb import blackboxes

        self.check_task(task)
        bb = blackboxes.load(self.name)[task]
        if "error" in bb.objectives_names:
            return bb
        return _with_error(bb)

    def full_runtime(self, task: str, instance: str | None = None) -> float:
        """Median over configurations and seeds of the runtime of a full training (max
        fidelity) on ``instance`` (default: the default instance)."""
        bb = self.blackbox(task)
        instance = instance or self.default_instance
        names = list(bb.objectives_names)
        mask = (bb.hyperparameters[self.instance_attr] == instance).to_numpy()
        ev = np.asarray(bb.objectives_evaluations)[mask][:, :, -1, names.index("runtime")]
        return float(np.nanmedian(ev))

    def default_budget(self, task: str, n_workers: int = 4,
                       factor: float = DEFAULT_BUDGET_FACTOR, startup: Any = None) -> float:
        """Simulated wall-clock seconds: the time of ``factor`` (median) full trainings on the
        default instance, i.e. ``factor * n_workers`` trainings' worth of compute; with a
        ``startup`` (:class:`~syne_mohb.hardware.startup.JobStartup`), each of them also
        counts a cold job start-up there."""
        budget = factor * self.full_runtime(task)
        if startup is not None:
            budget += factor * startup.cold_total(self.default_instance)
        return budget


@functools.lru_cache(maxsize=8)
def _with_error(bb):
    """Table ``bb`` with the objective ``error = 1 - accuracy`` appended (cached per loaded
    table: a folder changed on disk is loaded, and extended, again)."""
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular

    names = list(bb.objectives_names)
    ev = np.asarray(bb.objectives_evaluations)
    error = 1.0 - ev[..., names.index("accuracy")]
    return BlackboxTabular(
        hyperparameters=bb.hyperparameters, configuration_space=bb.configuration_space,
        fidelity_space=bb.fidelity_space,
        objectives_evaluations=np.concatenate([ev, error[..., None]], axis=-1),
        fidelity_values=bb.fidelity_values, objectives_names=names + ["error"])


def _recorded_log(name: str) -> dict[str, bool] | None:
    """The ``metric_log`` flags of the benchmark's objectives that it records (None if none)."""
    from syne_mohb.blackboxes.repository import recorded_metric_log

    flags = recorded_metric_log(name)
    return {o: bool(flags[o]) for o in OBJECTIVES if o in flags} or None


def benchmark_names() -> list[str]:
    """Names of the shipped blackboxes usable as benchmarks."""
    from syne_mohb import blackboxes

    return list(blackboxes.names())


#: what a benchmark's table must hold: the objectives every method and measure compares
_OBJECTIVE_HINT = (
    "a benchmark compares accuracy (maximised), runtime (seconds) and cost (dollars): write the "
    "table with syne_mohb.blackboxes.from_experiments(..., objectives=['accuracy'], "
    "metric_mode='max') from runs that report 'accuracy' (it adds runtime and cost itself)"
)


def _folder_benchmark(name: str) -> tuple[str, dict]:
    """Check a user's blackbox folder as a benchmark; return its absolute path and metadata.

    :raises ValueError: not a folder, not a blackbox folder (the file is named), or a table
        without the objectives or the instance-type hyperparameter the methods need
    """
    from syne_mohb import blackboxes

    path = Path(name)
    if not path.is_dir():
        valid = benchmark_names()
        raise ValueError(
            f"unknown benchmark {name!r}; valid benchmarks: "
            f"{', '.join(valid) if valid else '(none shipped)'}, or the path of an existing "
            f"blackbox folder (written by syne_mohb.blackboxes.from_experiments or Syne Tune's "
            f"serialize)")
    meta = blackboxes.metadata(path)  # BlackboxFolderError (a ValueError) names the file
    where = f"benchmark folder {str(path)!r}"
    names = list(meta["objectives_names"])
    missing = [o for o in OBJECTIVES if o not in names]
    if missing:
        raise ValueError(f"{where} has no objective {missing} (its objectives: {names}); "
                         f"{_OBJECTIVE_HINT}")
    modes = meta.get("metric_mode") or {}
    wrong = [o for o, m in zip(OBJECTIVES, OBJECTIVE_MODES)
             if isinstance(modes, dict) and modes.get(o, m) != m]
    if wrong:
        should = ", ".join(f"{o} is {m}imised" for o, m in zip(OBJECTIVES, OBJECTIVE_MODES)
                           if o in wrong)
        raise ValueError(f"{where} records metric_mode {modes} in metadata.json, but {should} "
                         f"in a benchmark; {_OBJECTIVE_HINT}")
    from syne_mohb.blackboxes.repository import _mtime  # the load cache's key

    _check_tables(where, str(path.resolve()), _mtime(path))
    return str(path.resolve()), meta


@functools.lru_cache(maxsize=16)
def _check_tables(where: str, path: str, mtime: float) -> None:
    """The checks of every task's table of a folder, once per folder and modification time
    (a benchmark is looked up once per run; the table is read once)."""
    from syne_mohb import blackboxes

    for task, bb in blackboxes.load(path).items():
        _check_complete_table(where, task, bb)
        acc = np.asarray(bb.objectives_evaluations)[..., list(bb.objectives_names).index(
            "accuracy")]
        with np.errstate(invalid="ignore"):
            low, high = np.nanmin(acc), np.nanmax(acc)
        if not (0.0 <= low and high <= 1.0):
            raise ValueError(
                f"{where}, task {task!r}: accuracy runs from {low:g} to {high:g}; a benchmark's "
                f"accuracy is a fraction in [0, 1] (its target is 0.5 points, 0.005, below the "
                f"baseline's; error = 1 - accuracy): divide percentages by 100 before "
                f"from_experiments")


def _check_complete_table(where: str, task: str, bb) -> None:
    """Every configuration a method can draw from the table's space is a row of the table.

    A simulated run looks every trial up in the table, so a space value the table lacks, a
    continuous domain, or a combination that was not evaluated (a table converted from runs
    holds only the configurations that ran) would fail the run half-way; this says so first.
    ``O(rows x hyperparameters)``.
    """
    from syne_mohb.configspace import domain_values, hyperparameter_names, plain

    space = dict(bb.configuration_space)
    hp = bb.hyperparameters
    names = hyperparameter_names(space)  # constants are no choice
    full = 1
    for name in names:
        if name not in hp.columns:
            raise ValueError(f"{where}, task {task!r}: hyperparameter {name!r} of the "
                             f"configuration space is not a column of hyperparameters.parquet")
        domain_vals = domain_values(space[name])
        if domain_vals is None:
            raise ValueError(
                f"{where}, task {task!r}: hyperparameter {name!r} is {space[name]} in the "
                f"table's configuration space; a simulated run can only replay values the "
                f"table holds: declare it as choice([...]) of its evaluated values "
                f"(configspace.json)")
        wanted = {plain(v) for v in domain_vals}
        absent = sorted(wanted - {plain(v) for v in hp[name].unique()}, key=str)
        if absent:
            raise ValueError(
                f"{where}, task {task!r}: hyperparameter {name!r} can take {absent[:10]} in the "
                f"configuration space, but no row of the table has "
                f"{'it' if len(absent) == 1 else 'them'}; evaluate those values, or remove them "
                f"from the space (configspace.json)")
        full *= len(wanted)
    rows = len(hp[names].drop_duplicates()) if names else 1
    if rows < full:
        raise ValueError(
            f"{where}, task {task!r}: the table holds {rows} of the {full} combinations of its "
            f"hyperparameters' values ({', '.join(names)}); the methods draw any combination, "
            f"so each must be a row: evaluate every configuration on every instance type (a "
            f"grid), or replay only the configurations that ran "
            f"(docs/how-to/convert-experiments.md)")


def get_benchmark(name: str, default_instance: str | None = None) -> Benchmark:
    """The :class:`Benchmark` of shipped blackbox ``name``, or of a user's blackbox folder
    (a path: its tasks, configurations, instance types, seconds and dollars as measured, e.g.
    written by :func:`syne_mohb.blackboxes.from_experiments`), which must hold the objectives
    accuracy (maximised), runtime and cost and a categorical instance-type hyperparameter.

    :raises ValueError: unknown name (the message lists the valid ones), a folder that cannot
        serve as a benchmark (the message says why and what to do), or a default instance the
        benchmark does not offer
    """
    from syne_mohb import blackboxes

    if not isinstance(name, str) or not name:
        raise ValueError(f"a benchmark is a shipped name ({', '.join(benchmark_names())}) or "
                         f"the path of a blackbox folder, got {name!r}")
    if name in benchmark_names():
        meta = blackboxes.metadata(name)
    else:
        name, meta = _folder_benchmark(name)
    bbs = blackboxes.load(name)
    first = next(iter(bbs.values()))
    instance_attr = meta.get("instance_type_attr", "instance_type")
    domain = first.configuration_space.get(instance_attr)
    if not hasattr(domain, "categories"):
        raise ValueError(
            f"benchmark {name!r} has no categorical hyperparameter {instance_attr!r} (the "
            f"instance type; its hyperparameters: {sorted(first.configuration_space)}): a "
            f"benchmark's table holds every configuration on every instance type it offers "
            f"(set instance_type_attr in metadata.json if the column has another name)")
    cats = list(domain.categories)
    return Benchmark(
        name=name,
        tasks=list(meta.get("task_names", list(bbs))),
        fidelity_attr=first.fidelity_name(),
        max_t=int(max(np.asarray(first.fidelity_values))),
        instance_attr=instance_attr,
        instance_types=cats,
        default_instance=pick_default_instance(cats, default_instance),
    )


@dataclass
class RunSpec:
    """One simulated run.

    :param budget: simulated wall-clock seconds (None: ``Benchmark.default_budget``)
    :param max_trials: optional cap on the number of trials started
    """

    method: str
    benchmark: str
    task: str
    seed: int
    out_dir: str
    budget: float | None = None
    n_workers: int = 4
    max_trials: int | None = None
    default_instance: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.benchmark = canonical_benchmark(self.benchmark)
        _check_int("seed", self.seed, 0)
        _check_int("n_workers", self.n_workers, 1)
        if self.max_trials is not None:
            _check_int("max_trials", self.max_trials, 1, "(or None for no cap)")
        if self.budget is not None:
            if (isinstance(self.budget, bool) or not isinstance(self.budget, (int, float))
                    or not math.isfinite(self.budget) or self.budget <= 0):
                raise ValueError(f"budget must be a finite number of simulated seconds > 0 (or "
                                 f"None for the benchmark's default), got {self.budget!r}")


def _check_int(name: str, value: Any, lowest: int, extra: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lowest:
        raise ValueError(f"{name} must be an integer >= {lowest}{' ' + extra if extra else ''}, "
                         f"got {value!r}")


def run_dir(spec: RunSpec) -> Path:
    """Folder of a run: ``out/<benchmark>/<task>/<method>/seed-<k>`` (a user's blackbox
    folder as its folder name: :func:`benchmark_label`)."""
    return (Path(spec.out_dir) / benchmark_label(spec.benchmark) / spec.task / spec.method
            / f"seed-{spec.seed}")


@functools.cache
def code_version() -> str:
    """Fingerprint of the code a run measures: the first 12 hex digits of the SHA-256 of every
    ``.py`` file of the ``syne_mohb`` package (relative path and contents, in path order),
    stored in each run's ``metadata.json`` (``code_version``). A cached run is reused by its
    parameters (:data:`RUN_PARAMETERS`), not by this stamp: :func:`run_many` only warns when
    reused runs were made by other code (a method whose default changed since measures the old
    default there). Computed once per process, ``O(size of the package)``."""
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        digest.update(f.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(f.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


#: what replays a benchmark's tables (``RunSpec.extra["simulator"]``; absent: "ours"):
#: "ours", :class:`~syne_mohb.backends.simulated.SimulatedBackend`; "stock", Syne Tune 0.16's
#: own ``UserBlackboxBackend`` (:func:`_run_stock`)
SIMULATORS = ("ours", "stock")

#: parameters of a run stored in ``metadata.json["syne_mohb"]``; a finished run is reused only
#: if all of them equal the requested ones
RUN_PARAMETERS = ("benchmark", "task", "method", "seed", "budget_s", "n_workers", "max_trials",
                  "default_instance", "startup", "simulator", "outages", "replay_seed")


class RunConflictError(ValueError):
    """A finished run folder holds a run made with other parameters than the requested one."""


@dataclass
class RunState:
    """What :func:`run_state` found in a run folder.

    ``status``: ``"missing"`` (no run there), ``"unfinished"`` (interrupted, or its results file
    is empty or unreadable: it is run again), ``"finished"`` (same parameters: reused) or
    ``"different"`` (finished with other parameters: see ``reason``).
    """

    path: Path
    status: str
    reason: str = ""
    code_version: str | None = None  # of a finished run (None: not stamped, older runs)


def _expected_parameters(spec: RunSpec, bench: Benchmark) -> dict[str, Any]:
    budget = spec.budget
    if budget is None:
        startup = spec.extra.get("startup")
        if startup is not None:
            from syne_mohb.hardware.startup import JobStartup

            startup = JobStartup(**startup)
        budget = bench.default_budget(spec.task, spec.n_workers, startup=startup)
    return {"benchmark": spec.benchmark, "task": spec.task, "method": spec.method,
            "seed": spec.seed, "budget_s": float(budget), "n_workers": spec.n_workers,
            "max_trials": spec.max_trials, "default_instance": bench.default_instance,
            "startup": spec.extra.get("startup"), "simulator": spec.extra.get("simulator"),
            "outages": spec.extra.get("outages"), "replay_seed": spec.extra.get("replay_seed")}


def is_finished_run(info: dict[str, Any]) -> bool:
    """Whether the ``syne_mohb`` metadata entry of a run carries the end-of-run marker
    (``finished``; runs written before the marker existed: ``num_trials``, also written after
    the run)."""
    return bool(info.get("finished")) or "num_trials" in info


def _same(key: str, stored: Any, wanted: Any) -> bool:
    if key == "budget_s":
        try:
            return math.isclose(float(stored), float(wanted), rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    if key in ("startup", "simulator", "outages", "replay_seed") and wanted is None:
        return stored is None  # runs written before the key existed
    return stored == wanted


def _value_text(value: Any, key: str = "") -> str:
    """A stored or requested parameter in a message: numbers as ``:g`` (``budget_s 17.5``, not
    ``17.51713454723358``), no simulator as ``'ours'`` (what replays it), a job start-up as
    :meth:`~syne_mohb.hardware.startup.JobStartup.describe` says it, anything else as its
    ``repr``."""
    if key == "simulator" and value is None:
        return repr(SIMULATORS[0])
    if key == "startup":
        from syne_mohb.hardware.startup import startup_text

        return startup_text(value)
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def run_state(spec: RunSpec, bench: Benchmark | None = None) -> RunState:
    """Classify the folder of ``spec`` (see :class:`RunState`); reads ``metadata.json`` and
    ``results.csv.zip`` and compares the stored :data:`RUN_PARAMETERS` with the requested ones
    (the budget after resolving the benchmark's default)."""
    import pandas as pd

    bench = bench or get_benchmark(spec.benchmark, spec.default_instance)
    path = run_dir(spec)
    meta_file, results_file = path / "metadata.json", path / "results.csv.zip"
    if not meta_file.exists() and not results_file.exists():
        return RunState(path, "missing")
    try:
        info = json.loads(meta_file.read_text()).get("syne_mohb", {})
    except (OSError, ValueError, AttributeError) as e:
        return RunState(path, "unfinished", f"metadata.json is missing or unreadable ({e})")
    if not is_finished_run(info):
        return RunState(path, "unfinished", "interrupted (metadata.json has no end marker)")
    try:
        results = pd.read_csv(results_file)
    except FileNotFoundError:
        return RunState(path, "unfinished", "results.csv.zip is missing")
    except pd.errors.EmptyDataError:
        return RunState(path, "unfinished", "results.csv.zip is empty")
    except Exception as e:  # truncated zip, garbled csv, ...
        return RunState(path, "unfinished",
                        f"results.csv.zip is unreadable ({type(e).__name__}: {e})")
    if len(results) == 0 or "st_tuner_time" not in results.columns:
        return RunState(path, "unfinished", "results.csv.zip holds no result")
    wanted = _expected_parameters(spec, bench)
    diffs = [f"{k} {_value_text(info.get(k, '(not recorded)'), k)} there, "
             f"{_value_text(v, k)} asked"
             for k, v in wanted.items() if not _same(k, info.get(k), v)]
    if diffs:
        return RunState(path, "different", ", ".join(diffs))
    return RunState(path, "finished", code_version=info.get("code_version"))


def run_one(spec: RunSpec, overwrite: bool = False) -> dict[str, Any]:
    """Run one simulated experiment; return ``{"path", "wall_s", "num_trials", "skipped"}``.

    A finished run with the same parameters is kept (``skipped``); an unfinished one (see
    :func:`run_state`) is run again.

    :param overwrite: run again even if finished, and replace a finished run with other
        parameters (without it, such a run raises :class:`RunConflictError`)
    :raises ValueError: the run reported no result within its budget
    """
    check_method(spec.method)
    bench = get_benchmark(spec.benchmark, spec.default_instance)
    bench.check_task(spec.task)
    if not isinstance(spec.seed, int) or spec.seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {spec.seed!r}")
    path = run_dir(spec)
    state = run_state(spec, bench)
    if state.status == "finished" and not overwrite:
        return {"path": str(path), "wall_s": 0.0, "num_trials": None, "skipped": True,
                "code_version": state.code_version}
    if state.status == "different" and not overwrite:
        raise RunConflictError(
            f"{path} holds a finished run with other parameters ({state.reason}); use another "
            f"output folder, or replace it (run_many(..., overwrite=True); syne-mohb bench "
            f"--overwrite)")
    budget = _expected_parameters(spec, bench)["budget_s"]
    if not budget > 0:
        raise ValueError(f"budget must be > 0 simulated seconds, got {budget}")
    for stale in ("metadata.json", "results.csv.zip"):  # an old or partial run: replaced below
        (path / stale).unlink(missing_ok=True)

    transfer = None
    if spec.method in TRANSFER_METHODS:
        from syne_mohb import blackboxes

        transfer = blackboxes.to_transfer_evaluations(spec.benchmark, exclude_task=spec.task,
                                                      objectives=OBJECTIVES)
    bb = bench.blackbox(spec.task)
    ctx = MethodContext(
        config_space=dict(bb.configuration_space),
        fidelity_attr=bench.fidelity_attr,
        max_t=bench.max_t,
        random_seed=spec.seed,
        instance_attr=bench.instance_attr,
        default_instance=bench.default_instance,
        transfer_evaluations=transfer,
    )
    if spec.method in GLOBAL_RNG_METHODS:
        # Syne Tune 0.16's samplers ignore their random_seed and use numpy's global generator
        np.random.seed(spec.seed)
        random.seed(spec.seed)
    stock = spec.extra.get("simulator") == "stock"
    startup = spec.extra.get("startup")
    if stock and startup is not None:
        raise ValueError("simulator 'stock' has no job start-up: drop startup")
    outages = spec.extra.get("outages")
    if stock and outages:
        raise ValueError("simulator 'stock' has no capacity outages: drop outages")
    replay_seed = spec.extra.get("replay_seed")
    if stock and replay_seed is not None:
        raise ValueError("simulator 'stock' draws its own seeds: drop replay_seed")
    if stock:
        check_stock_replay(bench, [spec.task])
    if startup is not None:
        from syne_mohb.hardware.startup import JobStartup

        startup = JobStartup(**startup)
        ctx.extra["job_startup"] = startup  # the hardware policy weighs a restart's start-up
    scheduler = make_scheduler(spec.method, ctx)
    stop = StoppingCriterion(max_wallclock_time=budget)
    if spec.max_trials is not None:
        scheduler = TrialCap(scheduler, spec.max_trials)
    meta = {
        "syne_mohb": {
            "benchmark": spec.benchmark,
            "task": spec.task,
            "method": spec.method,
            "seed": spec.seed,
            "budget_s": budget,
            "n_workers": spec.n_workers,
            "max_trials": spec.max_trials,
            "default_instance": bench.default_instance,
            "fixed_instance": uses_fixed_instance(spec.method),
            "instance_attr": bench.instance_attr,
            "fidelity_attr": bench.fidelity_attr,
            "objectives": OBJECTIVES,
            "objective_modes": OBJECTIVE_MODES,
            # the table's log scales, so that a report compares the runs alike even when a
            # user's benchmark folder has moved since (metrics.recorded_log_flags reads them)
            "metric_log": _recorded_log(bench.name),
            "simulated": True,
            "startup": spec.extra.get("startup"),
            "outages": outages,
            "replay_seed": replay_seed,
            "code_version": code_version(),
        }
    }
    t0 = time.perf_counter()
    if stock:
        meta["syne_mohb"]["simulator"] = "stock"
        tuner = _run_stock(bb, scheduler, stop, spec, path, meta)
        jobs_started = warm_reuses = failed_dollars = None  # no job start-up, no ledger
    else:
        backend = SimulatedBackend(bb, elapsed_time_attr="runtime", cost_attr="cost",
                                   random_seed=spec.seed, startup=startup,
                                   instance_attr=bench.instance_attr, capacity_outages=outages,
                                   seed=replay_seed)
        # with outages, the failures' kinds reach the hardware policy (as on SageMaker); a
        # policy that stops late first units needs the callback that stops them
        feedback = [HardwareFeedback()] if outages or _stops_late(scheduler) else None
        tuner = run_replay(backend, scheduler, stop, n_workers=spec.n_workers,
                           results_root=path.parent, tuner_name=path.name, metadata=meta,
                           callbacks=feedback)
        jobs_started, warm_reuses = backend.jobs_started, backend.warm_reuses
        # what the failed jobs billed (their start-up): no result carries it
        failed_dollars = backend.failed_cost()
    wall = time.perf_counter() - t0
    if not _has_results(path / "results.csv.zip"):
        raise ValueError(
            f"run {path} reported no result within its budget of {budget:.4g} simulated seconds "
            f"(max_trials {spec.max_trials}); give a larger budget")
    meta_path = path / "metadata.json"
    data = json.loads(meta_path.read_text())
    data["syne_mohb"]["wall_s"] = wall
    data["syne_mohb"]["num_trials"] = tuner.tuning_status.num_trials_started
    data["syne_mohb"]["jobs_started"] = jobs_started
    data["syne_mohb"]["warm_reuses"] = warm_reuses
    data["syne_mohb"]["num_trials_failed"] = tuner.tuning_status.num_trials_failed
    data["syne_mohb"]["failed_dollars"] = failed_dollars
    data[SCHEDULER_END] = end_metadata(scheduler)  # see final_metadata
    data["syne_mohb"]["finished"] = True  # end marker: see run_state
    tmp = meta_path.with_name(meta_path.name + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, meta_path)
    return {"path": str(path), "wall_s": wall, "num_trials": tuner.tuning_status.num_trials_started,
            "skipped": False}


def check_stock_replay(bench: Benchmark, tasks: Iterable[str]) -> None:
    """Raise ``ValueError`` if Syne Tune's own simulator cannot replay a task of ``bench``: a
    table with epochs that hold no value (NaN: trials stopped early in the runs a table was
    converted from), where ``UserBlackboxBackend`` waits for the missing result forever (the
    run would hang, not fail). Our simulator replays such tables (a trial ends at its last
    epoch with values). ``O(table size)`` per task."""
    for task in tasks:
        ev = np.asarray(bench.blackbox(task).objectives_evaluations)
        if np.isnan(ev).any():
            raise ValueError(
                f"Syne Tune's simulator (simulator 'stock') cannot replay benchmark "
                f"{bench.label!r}, task {task!r}: {int(np.isnan(ev).any(axis=-1).sum())} "
                f"epochs of its table lack a value (NaN: trials stopped early in the runs it "
                f"was converted from), and it waits for them forever; replay it with our "
                f"simulator (--simulator ours, the default)")


def _stops_late(scheduler) -> bool:
    """Whether ``scheduler``'s hardware policy stops late first units (it then needs
    :class:`~syne_mohb.hardware.feedback.HardwareFeedback` among the tuner's callbacks)."""
    return getattr(policy_of(scheduler), "late_factor", None) is not None


def _run_stock(bb, scheduler, stop, spec: RunSpec, path: Path, meta: dict[str, Any]):
    """The run on Syne Tune's own simulator (``UserBlackboxBackend``: a seed of the table drawn
    per trial from numpy's global generator, seeded with the run's seed; no ``st_worker_time``
    or ``st_worker_cost`` in the results, the table's ``runtime`` and ``cost`` instead), as
    users of Syne Tune simulate; no job start-up."""
    import contextlib
    import io

    from syne_tune import Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend

    from syne_mohb.experiments.simulation import _synetune_folder

    np.random.seed(spec.seed)
    random.seed(spec.seed)
    # $SYNETUNE_FOLDER as it was after the run: a later Tuner of a process that ran this one
    # (processes=1) writes where it would have
    with _synetune_folder(path.parent):
        backend = UserBlackboxBackend(blackbox=bb, elapsed_time_attr="runtime")
        callbacks = [SimulatorCallback()] + ([HardwareFeedback()] if _stops_late(scheduler)
                                             else [])
        tuner = Tuner(trial_backend=backend, scheduler=scheduler, stop_criterion=stop,
                      n_workers=spec.n_workers, sleep_time=0, callbacks=callbacks,
                      results_update_interval=1e12, print_update_interval=1e12,
                      tuner_name=path.name, suffix_tuner_name=False, metadata=meta,
                      save_tuner=False)
        with contextlib.redirect_stdout(io.StringIO()):
            tuner.run()
    return tuner


def _has_results(file: Path) -> bool:
    import pandas as pd

    try:
        return len(pd.read_csv(file)) > 0
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return False


def _run_quiet(spec_dict: dict[str, Any], overwrite: bool) -> dict[str, Any]:
    # per-trial logging would flood the progress bar; restore the levels afterwards so that a
    # run in the caller's process leaves its logging as it was
    loggers = [logging.getLogger("syne_tune"), logging.getLogger("syne_mohb")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        return run_one(RunSpec(**spec_dict), overwrite=overwrite)
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def parse_outage(text: str) -> tuple[str, float, float]:
    """``(type, FROM, TO)`` of ``"TYPE:FROM:TO"``, a capacity outage from ``FROM`` to ``TO``
    times each run's budget (``0 <= FROM < TO``), else a ``ValueError`` naming ``--outage``
    (``syne-mohb bench`` and ``compare_methods.py`` take it alike)."""
    try:
        kind, start, end = text.rsplit(":", 2)
        start, end = float(start), float(end)
    except ValueError:
        raise ValueError(f"--outage must be TYPE:FROM:TO with FROM, TO fractions of each run's "
                         f"budget, got {text!r}") from None
    if not kind or not (math.isfinite(end) and 0 <= start < end):
        raise ValueError(f"--outage needs 0 <= FROM < TO, got {text!r}")
    return kind, start, end


def with_outage(specs: Iterable[RunSpec], outage: tuple[str, float, float]) -> list[RunSpec]:
    """The runs ``specs``, each with a capacity outage of ``outage = (type, FROM, TO)`` from
    ``FROM`` to ``TO`` times its own budget (``RunSpec.extra["outages"]``, which
    ``SimulatedBackend(capacity_outages=...)`` simulates); a ``ValueError`` naming the task
    that does not offer the type."""
    kind, start, end = outage
    out = []
    for spec in specs:
        bench = get_benchmark(spec.benchmark, spec.default_instance)
        domain = bench.blackbox(spec.task).configuration_space.get(bench.instance_attr)
        offered = [str(t) for t in getattr(domain, "categories", [])]
        if kind not in offered:
            raise ValueError(f"--outage: {kind!r} is not an instance type of "
                             f"{benchmark_label(spec.benchmark)}/{spec.task} "
                             f"({', '.join(offered)})")
        budget = _expected_parameters(spec, bench)["budget_s"]
        window = [[start * budget, end * budget]]
        out.append(_replace(spec, extra={**spec.extra, "outages": {kind: window}}))
    return out


def check_replay_seed(specs: Iterable[RunSpec]) -> None:
    """A ``ValueError`` naming ``--replay-seed`` and the task when a run's
    ``extra["replay_seed"]`` is not one of its table's recorded seeds (checked before any
    run; ``SimulatedBackend(seed=...)`` replays it for every trial)."""
    checked = set()
    for spec in specs:
        k = spec.extra.get("replay_seed")
        if k is None or (spec.benchmark, spec.task) in checked:
            continue
        checked.add((spec.benchmark, spec.task))
        seeds = get_benchmark(spec.benchmark, spec.default_instance).blackbox(spec.task).num_seeds
        if not 0 <= k < seeds:
            raise ValueError(f"--replay-seed {k}: {benchmark_label(spec.benchmark)}/{spec.task} "
                             f"recorded {seeds} seeds (0..{seeds - 1})")


def grid(methods: Iterable[str], benchmarks: Iterable[str], tasks: dict[str, list[str]] | None,
         seeds: Iterable[int], out_dir: str | Path, **kwargs) -> list[RunSpec]:
    """All runs of methods x benchmarks x tasks x seeds (``tasks[b]`` default: all tasks).

    A name or seed given twice counts once (its first place decides the order): the same run
    twice would run twice at once into one folder.
    """
    methods = list(dict.fromkeys(methods))
    for m in methods:
        check_method(m)
    seeds = list(dict.fromkeys(int(s) for s in seeds))
    specs = []
    given = {}  # a folder given twice (e.g. relative and absolute) counts once
    for b in benchmarks:
        given.setdefault(canonical_benchmark(b), b)
    for key, b in given.items():
        bench = get_benchmark(b, kwargs.get("default_instance"))
        for m in methods:
            check_method_on(m, bench.label, bench.instance_types, bench.tasks)
        b_tasks = dict.fromkeys((tasks or {}).get(b) or (tasks or {}).get(key) or bench.tasks)
        for t in b_tasks:
            bench.check_task(t)
            for m in methods:
                for s in seeds:
                    specs.append(RunSpec(method=m, benchmark=bench.name, task=t, seed=s,
                                         out_dir=str(out_dir), **kwargs))
    return specs


def _ignore_sigint() -> None:
    """A worker process's initializer: Ctrl-C reaches the terminal's whole process group, and
    only the parent handles it (:func:`run_many` stops the workers), so that one line is
    printed, not a ``KeyboardInterrupt`` traceback from every worker."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(ex: ProcessPoolExecutor) -> None:
    """Stop the workers of ``ex`` now (they ignore SIGINT): the runs they were making are left
    unfinished and run again next time (:func:`run_state`); finished runs stay on disk."""
    terminate = getattr(ex, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(ex, "_processes", None) or {}).values()):
        process.terminate()
    ex.shutdown(wait=True, cancel_futures=True)


class OtherWork:
    """Context manager: the CPU time that processes other than this one and its children used
    while the block ran, in cores (``cores``: 1.0 is one core busy with other work for the
    whole block; None where it cannot be measured). The machine's busy CPU seconds on the CPUs
    this process may run on (psutil, ``/proc/stat``) less this process's and its waited-for
    children's (``os.times``), over the wall seconds. O(CPUs) at entry and exit."""

    cores: float | None = None

    def __enter__(self) -> "OtherWork":
        self._start = self._sample()
        return self

    def __exit__(self, *exc) -> None:
        end = self._sample()
        if self._start is None or end is None or end[2] <= self._start[2]:
            return
        busy, own, wall = (b - a for a, b in zip(self._start, end))
        self.cores = max(0.0, (busy - own) / wall)

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            import psutil

            per_cpu = psutil.cpu_times(percpu=True)
            mine = getattr(os, "sched_getaffinity", lambda _: range(len(per_cpu)))(0)
            busy = sum(sum(t) - t.idle - getattr(t, "iowait", 0.0)
                       for i, t in enumerate(per_cpu) if i in mine)
        except Exception:  # noqa: BLE001 -- no /proc/stat or psutil: unknown
            return None
        own = os.times()
        return busy, own.user + own.system + own.children_user + own.children_system, \
            time.monotonic()


#: other work (cores, :class:`OtherWork`) from which runs on Syne Tune's simulator are warned
BUSY_CORES = 0.5


def run_many(specs: list[RunSpec], processes: int = 2, progress: bool = True,
             overwrite: bool = False, log_errors: bool = True,
             other_work: OtherWork | None = None) -> list[dict[str, Any]]:
    """Run ``specs`` in ``processes`` worker processes (1: in this process) with a progress bar.

    A failing run does not stop the others: its error is returned as ``{"error": ...}`` and
    logged (unless ``log_errors`` is False: the caller prints it); results already written stay
    on disk. On ``KeyboardInterrupt`` (Ctrl-C) the worker processes, which ignore SIGINT, are
    stopped and the interrupt is raised again: runs that finished are kept, the others are run
    again next time. Runs made on Syne Tune's simulator while other processes kept at least
    ``BUSY_CORES`` of the machine's cores busy (:class:`OtherWork`) get a warning: its clock
    takes the real time spent outside it, so they differ from runs on an idle machine in more
    places. ``other_work``: an :class:`OtherWork` to measure into, whose ``cores`` the caller
    then reads (e.g. for a table's provenance); None: one of its own.
    """
    from tqdm import tqdm

    if not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes must be an integer >= 1, got {processes!r}")
    out: list[dict[str, Any]] = []
    bar = tqdm(total=len(specs), disable=not progress, desc="runs", unit="run", file=sys.stderr)
    work = OtherWork() if other_work is None else other_work
    with work:  # other processes' CPU time while the runs ran
        try:
            if processes == 1 or len(specs) <= 1:
                for spec in specs:
                    try:
                        out.append(_run_quiet(asdict(spec), overwrite))
                    except Exception as e:  # keep going; report below
                        out.append({"path": str(run_dir(spec)),
                                    "error": f"{type(e).__name__}: {e}"})
                    bar.update(1)
            else:
                ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
                ex = ProcessPoolExecutor(max_workers=processes, mp_context=ctx,
                                         initializer=_ignore_sigint)
                try:
                    futures = {ex.submit(_run_quiet, asdict(s), overwrite): s for s in specs}
                    for fut in as_completed(futures):
                        spec = futures[fut]
                        try:
                            out.append(fut.result())
                        except Exception as e:
                            out.append({"path": str(run_dir(spec)),
                                        "error": f"{type(e).__name__}: {e}"})
                        bar.update(1)
                except BaseException:  # Ctrl-C, mostly
                    _stop_workers(ex)
                    raise
                ex.shutdown(wait=True)
        finally:
            bar.close()
    if log_errors:
        for r in out:
            if "error" in r:
                logger.error(f"run {r['path']} failed: {r['error']}")
    stock = {str(run_dir(sp)) for sp in specs if sp.extra.get("simulator") == "stock"}
    made = sum(1 for r in out if r.get("path") in stock and not r.get("skipped")
               and "error" not in r)
    if made and work.cores is not None and work.cores >= BUSY_CORES:
        logger.warning(
            f"{made} runs were made on Syne Tune's simulator while other processes kept "
            f"{work.cores:.1f} of the machine's cores busy. Its clock takes the real time "
            f"spent outside it, so they differ from runs on an idle machine in more places "
            f"(docs/concepts/evaluation.md, \"Two simulators\").")
    other = other_code_runs(out)
    if other:
        reused = sum(1 for r in out if r.get("skipped"))
        logger.warning(
            f"{len(other)} of the {reused} reused runs were made by other code than this "
            f"checkout's (code_version {code_version()}; e.g. {other[0]}): their numbers "
            f"measure that code, e.g. a method's old default. Give a fresh output folder to "
            f"measure this code.")
    return out


def other_code_runs(results: Iterable[dict[str, Any]]) -> list[str]:
    """Paths of the runs in ``results`` (:func:`run_many`'s) that were reused from a cache made
    by other code (their ``code_version`` differs from :func:`code_version`, or is missing)."""
    current = code_version()
    return [r["path"] for r in results
            if r.get("skipped") and r.get("code_version") != current]
