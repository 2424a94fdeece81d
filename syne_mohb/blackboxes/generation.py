"""Generation of the shipped offline evaluations: chunked training runs, calibration, assembly.

Pipeline (driven by ``benchmarking/generate_blackboxes.py``):

1. **Chunks.** One chunk = (family, task, seed): every configuration of the family's grid is
   trained for ``max_epochs`` epochs on one local core (``os.sched_setaffinity`` + threadpoolctl
   limits of 1 thread), recording validation accuracy and wall/CPU time per epoch. A finished chunk
   is written atomically to ``<workdir>/<family>/<task>__seed<k>.npz``; existing chunks are skipped,
   so generation can be spread over several runs. Seeds are fixed: re-running a chunk reproduces
   its accuracies exactly (times are measured again).
2. **Calibration.** ``<workdir>/<family>/calibration.npz``: a subset of configurations trained on
   1 core and on 2 cores (alternating, same process) to fit the parallel fraction of the runtime
   model, plus the local float64 matmul throughput on one core.
3. **Assembly.** The chunks become one ``BlackboxTabular`` per task, crossed with the instance
   types (runtime/cost modelled by :mod:`syne_mohb.blackboxes.runtime_model`), serialized with
   Syne Tune's ``serialize`` into ``syne_mohb/blackboxes/data/<family>/`` with a
   ``calibration.csv`` beside it.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .datasets import TaskData
from .families import Family
from .runtime_model import (
    LOCAL_2CORE,
    RuntimeModel,
    fit_parallel_fraction,
    instance_specs,
)

DEFAULT_INSTANCE_TYPES = [
    "ml.m5.xlarge",
    "ml.c5.2xlarge",
    "ml.c5.4xlarge",
    "ml.g4dn.xlarge",
    "ml.g5.xlarge",
    "ml.p3.2xlarge",
]
OBJECTIVES = ["accuracy", "error", "runtime", "cost", "measured_epoch_time"]
OBJECTIVES_MODE = {"accuracy": "max", "error": "min", "runtime": "min", "cost": "min",
                   "measured_epoch_time": "min"}
# scale on which runs are compared (metadata "metric_log", see blackboxes.repository): times
# and dollars span orders of magnitude and are log10-scaled, accuracy and error are not
OBJECTIVES_LOG = {"accuracy": False, "error": False, "runtime": True, "cost": True,
                  "measured_epoch_time": True}
MEASURED_COLUMNS = ["accuracy", "error", "measured_epoch_time"]
MODELLED_COLUMNS = ["runtime", "cost"]
FIDELITY = "epoch"
DEFAULT_SEEDS = (0, 1, 2)


class pin_threads:
    """Context manager: pin this process to ``cores`` and limit BLAS/OpenMP pools to ``n_threads``.

    Restores the previous CPU affinity and thread limits on exit."""

    def __init__(self, cores: set[int] | None, n_threads: int):
        self.cores, self.n_threads = cores, n_threads

    def __enter__(self) -> "pin_threads":
        from threadpoolctl import threadpool_limits

        self._affinity = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else None
        if self.cores is not None and self._affinity is not None:
            allowed = {c for c in self.cores if c < (os.cpu_count() or 1)}
            os.sched_setaffinity(0, allowed or self._affinity)
        self._limiter = threadpool_limits(self.n_threads)
        return self

    def __exit__(self, *exc) -> None:
        self._limiter.restore_original_limits()
        if self.cores is not None and self._affinity is not None:
            os.sched_setaffinity(0, self._affinity)


def grid_hash(family: Family) -> str:
    payload = json.dumps(
        {"grid": family.grid, "epochs": family.max_epochs, "extra": family.extra,
         "cls": type(family).__name__}, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode()).hexdigest()[:12]


def chunk_path(workdir: str | Path, family: Family, task: str, seed: int) -> Path:
    return Path(workdir) / family.name / f"{task}__seed{seed}.npz"


def _save_npz_atomic(path: Path, **arrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def load_chunk(path: str | Path, family: Family | None = None) -> dict[str, np.ndarray]:
    """Read a chunk file; with ``family``, check it was made from the same grid."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"missing chunk file {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    except Exception as e:
        raise ValueError(f"corrupt chunk file {path}: {e}") from e
    if family is not None and str(d.get("grid_hash")) != grid_hash(family):
        raise ValueError(
            f"chunk file {path} was generated for another grid of family {family.name!r} "
            f"(hash {d.get('grid_hash')} != {grid_hash(family)}); delete it to regenerate"
        )
    return d


def run_chunk(
    family: Family,
    task: str,
    seed: int,
    workdir: str | Path,
    core: int | None = None,
    data: TaskData | None = None,
    force: bool = False,
    progress: bool = False,
) -> Path:
    """Train every configuration of ``family`` on ``task`` with ``seed`` (1 core); write the chunk.

    After each configuration the rows so far are saved to ``<chunk>.partial.npz``; an interrupted
    chunk resumes from there. ``progress`` shows a progress bar over the configurations."""
    path = chunk_path(workdir, family, task, seed)
    if path.exists() and not force:
        return path
    data = data if data is not None else family.load_data(task)
    configs = family.configs()
    acc = np.zeros((len(configs), family.max_epochs))
    wall = np.zeros_like(acc)
    cpu = np.zeros_like(acc)
    # configurations finished by an interrupted run of this chunk (saved after each one)
    partial = path.with_name(path.name[: -len(".npz")] + ".partial.npz")
    done, elapsed_before = 0, 0.0
    if partial.exists() and not force:
        try:
            p = load_chunk(partial, family)
            done = int(p["done"])
            acc[:done], wall[:done], cpu[:done] = (p["accuracy"][:done], p["wall_time"][:done],
                                                   p["cpu_time"][:done])
            elapsed_before = float(p["elapsed"])
        except ValueError:
            done = 0  # corrupt or from another grid: start the chunk again
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(configs), initial=done, desc=f"{family.name}/{task}/seed{seed}",
                   unit="config", mininterval=5.0)
    t0 = time.perf_counter()
    with pin_threads({core} if core is not None else None, 1):
        for i in range(done, len(configs)):
            for e, rec in enumerate(family.train(configs[i], data, seed)):
                acc[i, e], wall[i, e], cpu[i, e] = rec.accuracy, rec.wall_time, rec.cpu_time
            _save_npz_atomic(partial, accuracy=acc, wall_time=wall, cpu_time=cpu,
                             done=np.array(i + 1), grid_hash=np.array(grid_hash(family)),
                             elapsed=np.array(elapsed_before + time.perf_counter() - t0))
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    elapsed = elapsed_before + time.perf_counter() - t0
    _save_npz_atomic(
        path,
        accuracy=acc,
        wall_time=wall,
        cpu_time=cpu,
        flops=np.array([family.flops_per_epoch(c, data) for c in configs]),
        steps=np.array([family.steps_per_epoch(c, data) for c in configs], dtype=float),
        elapsed=np.array(elapsed),
        seed=np.array(seed),
        core=np.array(-1 if core is None else core),
        grid_hash=np.array(grid_hash(family)),
        n_train=np.array(len(data.y_train)),
        n_valid=np.array(len(data.y_valid)),
        n_features=np.array(data.n_features),
        n_classes=np.array(data.n_classes),
        n_rows_original=np.array(data.n_rows_original),
        finished=np.array(datetime.datetime.now(datetime.timezone.utc).isoformat()),
    )
    partial.unlink(missing_ok=True)
    return path


def calibration_path(workdir: str | Path, family: Family) -> Path:
    return Path(workdir) / family.name / "calibration.npz"


def run_calibration(
    family: Family,
    workdir: str | Path,
    n_configs: int = 12,
    tasks: list[str] | None = None,
    seed: int = 0,
    force: bool = False,
    repeats: int = 2,
    epochs: int | None = None,
) -> Path:
    """Train a spread subset of configs on 1 core and on 2 cores (alternating); write the result.

    Must run alone (no other generation process), as it uses both local cores. ``epochs``
    (default: the family's ``max_epochs``) epochs per configuration; the family's
    ``timed_epochs`` runs them (in this process, or in subprocesses for JAX)."""
    path = calibration_path(workdir, family)
    if path.exists() and not force:
        return path
    tasks = tasks if tasks is not None else family.tasks[:2]
    epochs = family.max_epochs if epochs is None else int(epochs)
    if not 1 <= epochs <= family.max_epochs:
        raise ValueError(f"epochs must be in [1, {family.max_epochs}], got {epochs}")
    configs = family.configs()
    idx = np.linspace(0, len(configs) - 1, min(n_configs, len(configs))).round().astype(int)
    idx = np.unique(idx)
    rows = []
    with pin_threads({0}, 1):
        local_flops = family.measure_local_flops()
    t0 = time.perf_counter()
    for task in tasks:
        data = family.load_data(task)
        chosen = [configs[i] for i in idx]
        # minimum over repeats (1 core, 2 cores, alternating) to damp load from other processes
        inf = np.full((len(idx), epochs), np.inf)
        wall = {1: inf.copy(), 2: inf.copy()}
        cpu = {1: inf.copy(), 2: inf.copy()}
        for _ in range(repeats):
            for cores in (1, 2):
                w, c = family.timed_epochs(chosen, data, seed, cores, epochs)
                wall[cores] = np.minimum(wall[cores], w)
                cpu[cores] = np.minimum(cpu[cores], c)
        for k, i in enumerate(idx):
            for e in range(epochs):
                rows.append((family.tasks.index(task) if task in family.tasks else -1, i, e + 1,
                             cpu[1][k, e], wall[2][k, e], family.flops_per_epoch(configs[i], data),
                             family.steps_per_epoch(configs[i], data), wall[1][k, e], cpu[2][k, e]))
    arr = np.array(rows, dtype=float)
    _save_npz_atomic(
        path,
        rows=arr,
        # time_1core: CPU time of the 1-thread run (= its wall time on an idle core);
        # time_2core: wall time of the 2-thread run; both the minimum over ``repeats``
        columns=np.array(["task_index", "config_index", "epoch", "time_1core", "time_2core",
                          "flops", "steps", "wall_1core", "cpu_2core"]),
        tasks=np.array(tasks),
        local_core_flops=np.array(local_flops),
        elapsed=np.array(time.perf_counter() - t0),
        grid_hash=np.array(grid_hash(family)),
    )
    return path


def calibration_frame(workdir: str | Path, family: Family) -> tuple[pd.DataFrame, float, float]:
    """Calibration rows in ``RuntimeModel.calibrate`` format, local core FLOP/s, elapsed seconds."""
    d = load_chunk(calibration_path(workdir, family), family)
    df = pd.DataFrame(d["rows"], columns=[str(c) for c in d["columns"]])
    tasks = [str(t) for t in d["tasks"]]
    out = pd.DataFrame(
        {
            "task": [family.tasks[int(i)] if i >= 0 else tasks[0] for i in df["task_index"]],
            "config_index": df["config_index"].astype(int),
            "epoch": df["epoch"].astype(int),
            "instance_type": LOCAL_2CORE,
            "reference_time": df["time_1core"],
            "runtime": df["time_2core"],
            "flops": df["flops"],
            "steps": df["steps"],
        }
    )
    return out, float(d["local_core_flops"]), float(d["elapsed"])


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def assemble(
    family: Family,
    workdir: str | Path,
    out_dir: str | Path,
    instance_types: list[str] | None = None,
    seeds: tuple[int, ...] = DEFAULT_SEEDS,
    catalog: Any = None,
    processes: int = 2,
) -> Path:
    """Turn finished chunks (and the calibration) into a serialized blackbox folder ``out_dir``."""
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular, serialize
    from syne_tune.config_space import choice, randint

    from syne_mohb.hardware import dollar_cost

    instance_types = list(instance_types or DEFAULT_INSTANCE_TYPES)
    if catalog is None:
        from syne_mohb.hardware import load_catalog

        catalog = load_catalog()
    specs = instance_specs(instance_types, catalog)
    configs = family.configs()
    missing = [
        str(chunk_path(workdir, family, t, s))
        for t in family.tasks for s in seeds
        if not chunk_path(workdir, family, t, s).exists()
    ]
    if missing:
        raise FileNotFoundError(f"cannot assemble {family.name!r}: missing chunks {missing}")
    calib, measured_flops, calib_elapsed = calibration_frame(workdir, family)
    p = fit_parallel_fraction(calib["reference_time"], calib["runtime"])
    chunks = {(t, s): load_chunk(chunk_path(workdir, family, t, s), family)
              for t in family.tasks for s in seeds}
    fields = family.runtime_model_fields(list(chunks.values()), measured_flops)
    model = RuntimeModel(parallel_fraction=p, uses_gpu=family.uses_gpu, **fields)

    hp_rows = [dict(c, instance_type=inst) for c in configs for inst in instance_types]
    hyperparameters = pd.DataFrame(hp_rows)
    config_space = dict(family.config_space(), instance_type=choice(instance_types))
    fidelity_space = {FIDELITY: randint(1, family.max_epochs)}
    E, C, I, S = family.max_epochs, len(configs), len(specs), len(seeds)

    blackboxes, task_meta, chunk_seconds = {}, {}, 0.0
    wall_sum, cpu_sum = 0.0, 0.0
    for task in family.tasks:
        ev = np.zeros((C, I, S, E, len(OBJECTIVES)), dtype=np.float64)
        for si, seed in enumerate(seeds):
            ch = chunks[(task, seed)]
            chunk_seconds += float(ch["elapsed"])
            # reference time T1: CPU time of the pinned 1-thread process, i.e. the epoch's wall
            # time on an idle core (the shared machine inflated wall times, see metadata)
            acc, wall = ch["accuracy"], ch["cpu_time"]
            wall_sum += float(ch["wall_time"].sum())
            cpu_sum += float(ch["cpu_time"].sum())
            if acc.shape != (C, E):
                raise ValueError(f"chunk {task} seed {seed} has shape {acc.shape}, "
                                 f"expected {(C, E)}")
            for ii, spec in enumerate(specs):
                t = model.epoch_time(spec, wall, ch["flops"][:, None], ch["steps"][:, None])
                runtime = np.cumsum(t, axis=1)
                ev[:, ii, si, :, 0] = acc
                ev[:, ii, si, :, 1] = 1.0 - acc
                ev[:, ii, si, :, 2] = runtime
                ev[:, ii, si, :, 3] = np.vectorize(dollar_cost, otypes=[float])(
                    runtime, spec.price_per_hour)
                ev[:, ii, si, :, 4] = wall
        task_meta[task] = {
            "n_train": int(ch["n_train"]), "n_valid": int(ch["n_valid"]),
            "n_features": int(ch["n_features"]), "n_classes": int(ch["n_classes"]),
            "n_rows_original": int(ch["n_rows_original"]),
        }
        blackboxes[task] = BlackboxTabular(
            hyperparameters=hyperparameters,
            configuration_space=config_space,
            fidelity_space=fidelity_space,
            objectives_evaluations=ev.reshape(C * I, S, E, len(OBJECTIVES)).astype(np.float32),
            fidelity_values=np.arange(1, E + 1),
            objectives_names=list(OBJECTIVES),
        )
    metadata = {
        "family": family.name,
        "description": family.description,
        "metric_mode": OBJECTIVES_MODE,
        "metric_log": OBJECTIVES_LOG,
        "fidelity": FIDELITY,
        "elapsed_time_attr": "runtime",
        "cost_attr": "cost",
        "instance_type_attr": "instance_type",
        "seeds": list(seeds),
        "num_model_configs": C,
        "instance_types": {s.name: dataclasses.asdict(s) for s in specs},
        "price_source": "syne_mohb.hardware.load_catalog() (SageMaker on-demand)",
        "price_snapshot": {s.name: {"region": getattr(catalog.get(s.name), "region", None),
                                    "price_date": getattr(catalog.get(s.name), "price_date", None)}
                           for s in specs},
        "measured_columns": MEASURED_COLUMNS,
        "modelled_columns": MODELLED_COLUMNS,
        "gpu_note": "No GPU was available: every runtime/cost on every instance type (GPU ones "
                    "included) is modelled from the 1-core local measurement.",
        "measurement": "measured_epoch_time = CPU time (time.process_time) of the epoch, training "
                       "+ validation, of a process pinned to one core of "
                       f"{_cpu_model()} with 1 BLAS/OpenMP thread: the epoch's wall time on an "
                       "idle core. The 2-core machine was shared with other jobs, so the raw wall "
                       "times (kept in the chunk files) were inflated by the factor "
                       "generation.measured_wall_over_cpu_time. Calibration: parallel fraction "
                       "fitted from 1-thread CPU time vs 2-thread wall time (min of repeats) of "
                       "the same epochs; contention biases it downwards.",
        "runtime_model": model.to_dict(),
        "runtime_model_fit": {"calibration_pairs": int(len(calib)),
                              "local_core_flops_measured": measured_flops,
                              "calibration_file": "calibration.csv"},
        "tasks": {t: dict(task_meta[t], source=family.task_description(t))
                  for t in family.tasks},
        "generation": {
            "core_seconds_chunks": round(chunk_seconds, 1),
            "core_seconds_calibration": round(calib_elapsed * 1.5, 1),  # 1- and 2-core halves,
            # chunks ran in `processes` parallel processes, the calibration alone
            "wall_seconds_estimate": round(chunk_seconds / processes + calib_elapsed, 1),
            "processes": processes,
            "host_cpu": _cpu_model(),
            # > 1 when other processes competed for the pinned core during measurement
            "measured_wall_over_cpu_time": round(wall_sum / max(cpu_sum, 1e-12), 3),
            "assembled": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": f"python benchmarking/generate_blackboxes.py --families {family.name} "
                       "--processes 2",
        },
    }
    metadata.update(family.extra_metadata(metadata))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    serialize(blackboxes, str(out_dir), metadata=metadata)
    calib.to_csv(out_dir / "calibration.csv", index=False, float_format="%.6g")
    return out_dir
