"""Simulated runs of methods x benchmarks x tasks x seeds, in parallel processes.

Each run replays a shipped hardware-aware blackbox (:mod:`syne_mohb.blackboxes`) with
:func:`syne_mohb.experiments.simulation.run_replay` under a budget of simulated wall-clock seconds
and writes Syne Tune's files to ``OUT/<benchmark>/<task>/<method>/seed-<k>/``
(``results.csv.zip``, ``metadata.json``; ``syne_tune.experiments.load_experiment("seed-<k>",
local_path="OUT/<benchmark>/<task>/<method>")`` reads them). ``metadata.json`` also holds a
``syne_mohb`` entry (benchmark, task, method, seed, budget, objectives and their modes).
Finished runs are kept: running the same grid again only runs what is missing.
"""
from __future__ import annotations

import json
import logging
import multiprocessing as mp
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from syne_tune import StoppingCriterion

from syne_mohb.experiments.methods import (
    GLOBAL_RNG_METHODS,
    MethodContext,
    check_method,
    make_scheduler,
    pick_default_instance,
    uses_fixed_instance,
)
from syne_mohb.experiments.simulation import ReplayBackend, run_replay

logger = logging.getLogger(__name__)

__all__ = [
    "Benchmark",
    "RunSpec",
    "benchmark_names",
    "get_benchmark",
    "run_dir",
    "run_one",
    "run_many",
    "grid",
]

OBJECTIVES = ["accuracy", "runtime", "cost"]
OBJECTIVE_MODES = ["max", "min", "min"]


@dataclass
class Benchmark:
    """A shipped hardware-aware blackbox seen as a benchmark (one per folder of
    ``syne_mohb/blackboxes/data``)."""

    name: str
    tasks: list[str]
    fidelity_attr: str
    max_t: int
    instance_attr: str
    instance_types: list[str]
    default_instance: str

    def check_task(self, task: str) -> None:
        if task not in self.tasks:
            raise ValueError(
                f"unknown task {task!r} for benchmark {self.name!r}; valid tasks: {', '.join(self.tasks)}"
            )

    def blackbox(self, task: str):
        from syne_mohb import blackboxes

        self.check_task(task)
        return blackboxes.load(self.name)[task]

    def full_runtime(self, task: str, instance: str | None = None) -> float:
        """Median over configurations and seeds of the runtime of a full training (max
        fidelity) on ``instance`` (default: the default instance)."""
        bb = self.blackbox(task)
        instance = instance or self.default_instance
        names = list(bb.objectives_names)
        mask = (bb.hyperparameters[self.instance_attr] == instance).to_numpy()
        ev = np.asarray(bb.objectives_evaluations)[mask][:, :, -1, names.index("runtime")]
        return float(np.nanmedian(ev))

    def default_budget(self, task: str, n_workers: int = 4, factor: float = 25.0) -> float:
        """Simulated wall-clock seconds: the time of ``factor`` (median) full trainings on the
        default instance, i.e. ``factor * n_workers`` trainings' worth of compute."""
        return factor * self.full_runtime(task)


def benchmark_names() -> list[str]:
    """Names of the shipped blackboxes usable as benchmarks."""
    from syne_mohb import blackboxes

    return list(blackboxes.names())


def get_benchmark(name: str, default_instance: str | None = None) -> Benchmark:
    """The :class:`Benchmark` of shipped blackbox ``name``.

    :raises ValueError: unknown name (the message lists the valid ones) or a default instance
        the benchmark does not offer
    """
    from syne_mohb import blackboxes

    valid = benchmark_names()
    if name not in valid:
        raise ValueError(
            f"unknown benchmark {name!r}; valid benchmarks: {', '.join(valid) if valid else '(none shipped)'}"
        )
    meta = blackboxes.metadata(name)
    bbs = blackboxes.load(name)
    first = next(iter(bbs.values()))
    instance_attr = meta.get("instance_type_attr", "instance_type")
    cats = list(first.configuration_space[instance_attr].categories)
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


def run_dir(spec: RunSpec) -> Path:
    """Folder of a run: ``out/<benchmark>/<task>/<method>/seed-<k>``."""
    return Path(spec.out_dir) / spec.benchmark / spec.task / spec.method / f"seed-{spec.seed}"


def _finished(path: Path) -> bool:
    return (path / "results.csv.zip").exists() and (path / "metadata.json").exists()


def run_one(spec: RunSpec, overwrite: bool = False) -> dict[str, Any]:
    """Run one simulated experiment; return ``{"path", "wall_s", "num_trials", "skipped"}``."""
    check_method(spec.method)
    bench = get_benchmark(spec.benchmark, spec.default_instance)
    bench.check_task(spec.task)
    if not isinstance(spec.seed, int) or spec.seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {spec.seed!r}")
    path = run_dir(spec)
    if _finished(path) and not overwrite:
        return {"path": str(path), "wall_s": 0.0, "num_trials": None, "skipped": True}
    budget = spec.budget if spec.budget is not None else bench.default_budget(spec.task, spec.n_workers)
    if not budget > 0:
        raise ValueError(f"budget must be > 0 simulated seconds, got {budget}")

    transfer = None
    if spec.method == "moasha-transfer":
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
    scheduler = make_scheduler(spec.method, ctx)
    backend = ReplayBackend(bb, elapsed_time_attr="runtime", cost_attr="cost", random_seed=spec.seed)
    stop = StoppingCriterion(max_wallclock_time=budget)
    if spec.max_trials is not None:
        stop = StoppingCriterion(max_wallclock_time=budget, max_num_trials_started=spec.max_trials)
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
            "simulated": True,
        }
    }
    t0 = time.perf_counter()
    tuner = run_replay(backend, scheduler, stop, n_workers=spec.n_workers,
                       results_root=path.parent, tuner_name=path.name, metadata=meta)
    wall = time.perf_counter() - t0
    meta_path = path / "metadata.json"
    data = json.loads(meta_path.read_text())
    data["syne_mohb"]["wall_s"] = wall
    data["syne_mohb"]["num_trials"] = tuner.tuning_status.num_trials_started
    meta_path.write_text(json.dumps(data))
    return {"path": str(path), "wall_s": wall, "num_trials": tuner.tuning_status.num_trials_started,
            "skipped": False}


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


def grid(methods: Iterable[str], benchmarks: Iterable[str], tasks: dict[str, list[str]] | None,
         seeds: Iterable[int], out_dir: str | Path, **kwargs) -> list[RunSpec]:
    """All runs of methods x benchmarks x tasks x seeds (``tasks[b]`` default: all tasks)."""
    methods = list(methods)
    for m in methods:
        check_method(m)
    specs = []
    for b in benchmarks:
        bench = get_benchmark(b, kwargs.get("default_instance"))
        b_tasks = (tasks or {}).get(b) or bench.tasks
        for t in b_tasks:
            bench.check_task(t)
            for m in methods:
                for s in seeds:
                    specs.append(RunSpec(method=m, benchmark=b, task=t, seed=int(s),
                                         out_dir=str(out_dir), **kwargs))
    return specs


def run_many(specs: list[RunSpec], processes: int = 2, progress: bool = True,
             overwrite: bool = False) -> list[dict[str, Any]]:
    """Run ``specs`` in ``processes`` worker processes (1: in this process) with a progress bar.

    A failing run does not stop the others: its error is returned as ``{"error": ...}`` and
    logged; results already written stay on disk.
    """
    from tqdm import tqdm

    if not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes must be an integer >= 1, got {processes!r}")
    out: list[dict[str, Any]] = []
    bar = tqdm(total=len(specs), disable=not progress, desc="runs", unit="run", file=sys.stderr)
    if processes == 1 or len(specs) <= 1:
        for spec in specs:
            try:
                out.append(_run_quiet(asdict(spec), overwrite))
            except Exception as e:  # keep going; report below
                out.append({"path": str(run_dir(spec)), "error": f"{type(e).__name__}: {e}"})
            bar.update(1)
    else:
        ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ProcessPoolExecutor(max_workers=processes, mp_context=ctx) as ex:
            futures = {ex.submit(_run_quiet, asdict(s), overwrite): s for s in specs}
            for fut in as_completed(futures):
                spec = futures[fut]
                try:
                    out.append(fut.result())
                except Exception as e:
                    out.append({"path": str(run_dir(spec)), "error": f"{type(e).__name__}: {e}"})
                bar.update(1)
    bar.close()
    for r in out:
        if "error" in r:
            logger.error(f"run {r['path']} failed: {r['error']}")
    return out
