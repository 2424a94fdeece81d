"""Benchmark variants whose hardware has configuration x instance interactions (*modelled*).

The shipped ``mlp``, ``hgb`` and ``linear`` tables model an instance type as one speed factor
for all configurations (Amdahl with one parallel fraction per family; ``hgb`` and ``linear``
never use a GPU). Real hardware is not like that: a GPU pays off only for configurations with
enough work per step, more cores help a configuration whose steps are large and hurt one whose
steps are tiny (thread synchronisation), and fixed per-step costs differ by device. The variants
``mlp-x``, ``hgb-x`` and ``linear-x`` keep every *measured* column of their base table (the
accuracy of each configuration, seed and epoch; the measured 1-core epoch time ``T1``) and
re-model the runtime and cost of every instance type with such interactions:

* the data is taken as ``data_scale`` (1,000) times larger, so that an epoch is seconds of work,
  not milliseconds: ``T = data_scale * T1`` and ``steps = data_scale * steps per epoch``
  (``mlp``: rows / batch size; ``hgb``: boosting rounds per epoch x 10 histogram passes;
  ``linear``: one step per row). ``W = T / steps`` is the work of one step;
* CPU instance with ``v`` vCPUs: ``t = T ((1 - p) + p / v) + steps * sync * log2(v)`` with a
  parallel fraction that grows with the work per step, ``p = p_max h(W, W_cpu)`` with
  ``h(W, H) = W^2 / (W^2 + H^2)`` (0 for tiny steps, 1/2 at ``H``, towards 1 for large ones);
* GPU instance of relative speed ``S`` (:mod:`syne_mohb.hardware.accelerators`): ``t = T (1 - a)
  + T a / (gpu_speedup S) + steps * gpu_step_s + gpu_epoch_s`` with an accelerated fraction
  ``a = a_max h(W', W_gpu)`` (GPU efficiency grows with the work per step ``W'``: ``W`` for
  ``mlp``, ``W`` x leaves / 15 for ``hgb``, whose GPU histograms pay off with many leaves;
  ``a_max = 0``: the family cannot use a GPU, its host part runs on one core);
* ``W_cpu`` and ``W_gpu`` are multiples of the family's median ``W`` (``cpu_half``,
  ``gpu_half``), so every family has configurations on both sides.

The constants (:data:`FAMILY_MODELS`) are assumptions, documented in the metadata of each
variant (``interaction_model``); nothing here was measured on the instance types. They exist to
tell whether a method can find the right hardware *per configuration*; an assumption of this
generator is not a fact about hardware.
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["DERIVED", "FAMILY_MODELS", "InteractionModel", "derived_load", "derived_metadata"]


@dataclass(frozen=True)
class InteractionModel:
    """Constants of the interaction runtime model of one family (module docstring)."""

    p_max: float
    cpu_half: float
    cpu_sync_s: float
    a_max: float
    gpu_half: float
    gpu_speedup: float = 30.0
    gpu_step_s: float = 1e-4
    gpu_epoch_s: float = 0.05
    data_scale: float = 1000.0


FAMILY_MODELS: dict[str, InteractionModel] = {
    # dense layers: large batches / wide layers parallelise and accelerate well
    "mlp": InteractionModel(p_max=0.9, cpu_half=1.0, cpu_sync_s=2e-5, a_max=0.97, gpu_half=1.0),
    # OpenMP histograms; GPU histogram building pays off for many leaves (more work per pass)
    "hgb": InteractionModel(p_max=0.85, cpu_half=1.0, cpu_sync_s=5e-5, a_max=0.95, gpu_half=1.5,
                            gpu_speedup=15.0),
    # per-row SGD: little parallelism, no GPU; sync costs per step on many threads
    "linear": InteractionModel(p_max=0.3, cpu_half=1.0, cpu_sync_s=2e-7, a_max=0.0,
                               gpu_half=1.0),
}
DERIVED = {f"{base}-x": base for base in FAMILY_MODELS}
"""Derived benchmark name -> its base table."""


def _steps(base: str, hp, task_meta: dict[str, Any]) -> np.ndarray:
    n = float(task_meta["n_train"])
    if base == "mlp":
        return np.ceil(n / hp["batch_size"].to_numpy(dtype=float))
    if base == "hgb":
        return np.full(len(hp), 3.0 * 10.0)
    return np.full(len(hp), n)


def _gpu_work(base: str, hp, W: np.ndarray) -> np.ndarray:
    """Work per step as a GPU sees it: ``W``, and for ``hgb`` ``W`` x leaves / 15 (histogram
    building on a GPU pays off with many leaves, as XGBoost's / LightGBM's GPU modes do)."""
    if base == "hgb":
        return W * hp["max_leaf_nodes"].to_numpy(dtype=float) / 15.0
    return W


def _epoch_times(model: InteractionModel, spec: dict[str, Any], T: np.ndarray,
                 steps: np.ndarray, W: np.ndarray, w_med: float, Wg: np.ndarray,
                 wg_med: float) -> np.ndarray:
    from syne_mohb.hardware.accelerators import GPU_RELATIVE_SPEED

    if spec.get("gpus", 0) and model.a_max > 0:
        a = model.a_max * _hill(Wg, model.gpu_half * wg_med)
        speed = model.gpu_speedup * GPU_RELATIVE_SPEED.get(spec.get("gpu_model") or "", 0.5)
        return (T * (1.0 - a) + T * a / speed + steps * model.gpu_step_s + model.gpu_epoch_s)
    v = max(int(spec.get("vcpus") or 1), 1)
    p = model.p_max * _hill(W, model.cpu_half * w_med)
    return T * ((1.0 - p) + p / v) + steps * model.cpu_sync_s * math.log2(v)


def _hill(w: np.ndarray, half: float) -> np.ndarray:
    """``w^2 / (w^2 + half^2)``: 0 for tiny steps, 1/2 at ``half``, towards 1 for large ones."""
    return w * w / (w * w + half * half)


@lru_cache(maxsize=4)
def _derive(name: str) -> tuple[dict, dict]:
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular

    from syne_mohb.blackboxes.repository import load, metadata

    base = DERIVED[name]
    model = FAMILY_MODELS[base]
    meta = metadata(base)
    out = {}
    for task, bb in load(base).items():
        names = list(bb.objectives_names)
        i_t1, i_rt, i_cost = (names.index(k) for k in ("measured_epoch_time", "runtime", "cost"))
        ev = np.array(bb.objectives_evaluations, dtype=np.float64)  # [C, S, E, O]
        hp = bb.hyperparameters.reset_index(drop=True)
        steps = model.data_scale * _steps(base, hp, meta["tasks"][task])  # per row
        T = model.data_scale * ev[..., i_t1]  # per row, seed, epoch
        W = T.mean(axis=(1, 2)) / steps
        w_med = float(np.median(W))
        Wg = _gpu_work(base, hp, W)
        wg_med = float(np.median(Wg))
        for it_name, spec in meta["instance_types"].items():
            rows = np.flatnonzero(hp["instance_type"].to_numpy() == it_name)
            if not len(rows):
                continue
            per_epoch = _epoch_times(model, spec, T[rows], steps[rows, None, None],
                                     W[rows, None, None], w_med, Wg[rows, None, None], wg_med)
            runtime = np.cumsum(per_epoch, axis=2)
            ev[rows, ..., i_rt] = runtime
            ev[rows, ..., i_cost] = runtime * float(spec["price_per_hour"]) / 3600.0
        out[task] = BlackboxTabular(
            hyperparameters=bb.hyperparameters,
            configuration_space=bb.configuration_space,
            fidelity_space=bb.fidelity_space,
            objectives_evaluations=ev.astype(np.float32),
            fidelity_values=np.asarray(bb.fidelity_values),
            objectives_names=names,
        )
    new_meta = copy.deepcopy(meta)
    new_meta["family"] = name
    new_meta["derived_from"] = base
    new_meta["description"] = (f"{meta.get('description', base)}; runtime and cost re-modelled "
                               f"with configuration x hardware interactions "
                               f"(syne_mohb.blackboxes.interactions)")
    new_meta["interaction_model"] = asdict(model)
    new_meta["modelled_columns"] = ["runtime", "cost"]
    new_meta["gpu_note"] = ("runtime and cost on every instance type are modelled from the "
                            "measured 1-core epoch time with the interaction model; the "
                            "accuracy is the base table's measurement")
    return out, new_meta


def derived_load(name: str) -> dict:
    """``{task: BlackboxTabular}`` of derived benchmark ``name`` (cached)."""
    return dict(_derive(name)[0])


def derived_metadata(name: str) -> dict[str, Any]:
    """The metadata of derived benchmark ``name``: its base's, plus ``derived_from`` and the
    ``interaction_model`` constants."""
    return copy.deepcopy(_derive(name)[1])
