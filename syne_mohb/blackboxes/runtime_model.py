"""Runtime model: from an epoch measured on one local core to an epoch on a cloud instance type.

Cloud instances cannot be measured here, so the runtime (and hence the dollar cost) of every
instance type in a shipped blackbox is *modelled* from the wall time of the same epoch measured on
this machine with one core, ``T1``. Training on another instance does not change the learning curve,
so the accuracy of one training run is reused for every instance type.

Formula (per epoch, seconds)::

    CPU instance, or a model that cannot use a GPU (Amdahl's law):
        t = c_inst * T1 * ((1 - p) + p / v) / s_inst

    GPU instance and a GPU-capable model (host part + device part + overheads):
        d    = min(T1, F / R_local)           # part of T1 that is dense math
        t    = c_inst * ((T1 - d) / s_inst + F / R_gpu + n_steps * o_step + o_epoch)

    where a family measured its host work directly (``host_epoch_s`` set, the ``cnn`` family),
    the host part is that measurement instead of ``T1 - d``:
        h    = min(T1, h_epoch + n_steps * h_step)
        t    = c_inst * (h / s_inst + F / R_gpu + n_steps * o_step + o_epoch)

with

* ``T1``: measured wall time of the epoch on one local core (training + validation).
* ``p``: parallel fraction of the model, per family, fitted from local 1-core vs 2-core
  measurements of the same epochs (Amdahl with 2 cores: ``T2 / T1 = 1 - p / 2``, so
  ``p = 2 (1 - T2 / T1)``, clipped to [0, 1]). Source: ``calibration.csv`` of each benchmark.
* ``v``: the instance's vCPUs (catalog); one local CPU counts as one vCPU.
* ``s_inst``: speed of one instance vCPU relative to one local CPU. Default 1.0 for every type
  (assumption: no measurement of cloud CPUs is possible here); refit by
  :meth:`RuntimeModel.calibrate`.
* ``c_inst``: multiplicative correction per instance type, default 1.0, refit by ``calibrate``
  from measured runtimes on that type (e.g. a user's SageMaker runs).
* ``F``: floating point operations of the epoch (6 per weight and training row for forward +
  backward, 2 per weight and validation row), ``n_steps``: mini-batches per epoch.
* ``R_local``: dense float64 matrix-multiply throughput of one local core, measured during
  generation (``measure_local_flops``) and stored in the metadata.
* ``R_gpu = R_V100 * g(gpu)``: achieved training throughput of the instance's GPU.
  ``R_V100 = 367 img/s * 22.8e9 FLOP/img = 8.37e12 FLOP/s``: NVIDIA's published PyTorch ResNet-50
  training throughput on one V100 16GB, FP32 (367 img/s), times the FLOPs of one ResNet-50
  training step (3.8e9 multiply-adds forward, He et al. 2016, Table 1 = 7.6e9 FLOPs, times 3 for
  forward + backward). Relative GPU speeds ``g``: V100 1.0; T4 0.34 (NVIDIA's tables: T4 about
  0.34x a V100); A10G 3935 / 5438 = 0.724 (AWS samples RoBERTa fine-tuning: 3,935 s on
  ml.p3.2xlarge vs 5,438 s on ml.g5.xlarge); A100 938 / 367 = 2.556 (NVIDIA ResNet-50, A100 TF32
  vs V100 FP32; AWS states P4d is about 2.5x P3). *Modelled* (no published training
  throughput of the same model was found for them): L4, L40S, H100 and AWS Trainium, as the ratio
  of their dense 16-bit tensor peak to the V100's 125 TFLOPS (NVIDIA V100 SXM2 datasheet), the
  same ratio that puts A100 at 312 / 125 = 2.5 next to its measured 2.556: L4 121 / 125 = 0.968
  (NVIDIA L4 datasheet: 242 TFLOPS FP16 with sparsity, half without); L40S 362 / 125 = 2.896
  (NVIDIA L40S datasheet, BF16/FP16 dense); H100 989 / 125 = 7.912 (NVIDIA H100 SXM datasheet:
  1,979 TFLOPS BF16 with sparsity); Trainium 190 / 125 = 1.52 per chip (AWS Neuron docs,
  "Trainium Architecture": 190 FP16/BF16 TFLOPS per chip); H200 989 / 125 = 7.912 (the H100's
  die with more memory: the same dense BF16 peak, NVIDIA H200 datasheet); B200 and B300
  2250 / 125 = 18.0 per GPU (NVIDIA HGX B200 and HGX B300: 36 PFLOPS FP16/BF16 with sparsity
  for 8 GPUs, 2.25 dense each). Peak ratios overstate speed-ups of
  memory-bound models; :meth:`RuntimeModel.calibrate` corrects them per instance type from
  measured runtimes. :data:`MODELLED_GPU_SPEEDS` names the modelled entries.
* ``h_epoch``, ``h_step`` (optional, default unset): host seconds per epoch and per optimiser
  step of the training loop (Python loop, mini-batch gathering, dispatch, validation call) that a
  GPU does not speed up; fitted per family from its measured epochs (``cnn``: the networks whose
  math is negligible, see ``syne_mohb/blackboxes/cnn.py``).
* ``o_step = 3e-4`` s: per optimiser step on a GPU (assumption: about 30 CUDA kernel launches for
  forward, backward and update of a small network at about 10 microseconds each).
* ``o_epoch = 0.02`` s: fixed per-epoch overhead on a GPU instance (assumption: host-to-device copy
  of the epoch and a synchronisation to read the validation metric). Together with ``o_step``
  this keeps tiny models from speeding up on GPUs, as observed in practice.

All constants are fields of :class:`RuntimeModel`; ``to_dict`` writes them to the blackbox
metadata; :meth:`RuntimeModel.calibrate` refits ``p`` (from local 1-vs-2-core pairs) and the
per-instance corrections (from runtimes measured on instance types).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

RESNET50_TRAIN_FLOP_PER_IMAGE = 3 * 2 * 3.8e9
V100_RESNET50_FP32_IMG_PER_S = 367.0
V100_TRAIN_FLOPS = V100_RESNET50_FP32_IMG_PER_S * RESNET50_TRAIN_FLOP_PER_IMAGE

from syne_mohb.hardware.accelerators import (  # noqa: E402  (one table, two users)
    GPU_RELATIVE_SPEED,
)
from syne_mohb.hardware.accelerators import MODELLED_GPU_SPEEDS  # noqa: E402, F401  (re-export)

GPU_STEP_OVERHEAD_S = 3e-4
GPU_EPOCH_OVERHEAD_S = 0.02

# names used for local measurements in ``calibrate`` input
LOCAL_1CORE = "local-1core"
LOCAL_2CORE = "local-2core"


@dataclass(frozen=True)
class InstanceSpec:
    """The hardware facts the runtime model needs about one instance type."""

    name: str
    vcpus: int
    gpus: int = 0
    gpu_model: str | None = None
    price_per_hour: float = 0.0


def instance_specs(names: list[str], catalog: Any = None) -> list[InstanceSpec]:
    """Look up vCPUs, GPUs and prices of ``names`` in ``syne_mohb.hardware.load_catalog()``."""
    if catalog is None:
        from syne_mohb.hardware import load_catalog

        catalog = load_catalog()
    specs = []
    for name in names:
        it = catalog.get(name)
        specs.append(
            InstanceSpec(
                name=it.name,
                vcpus=int(it.vcpus),
                gpus=int(it.gpus),
                gpu_model=it.gpu_model,
                price_per_hour=float(catalog.price_per_hour(name)),
            )
        )
    return specs


def measure_local_flops(n: int = 384, repeats: int = 5) -> float:
    """Dense float64 matmul throughput (FLOP/s) of the calling process (pin it to one core)."""
    rng = np.random.RandomState(0)
    a, b = rng.rand(n, n), rng.rand(n, n)
    a @ b
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best


def fit_parallel_fraction(t1: np.ndarray, t2: np.ndarray) -> float:
    """Least-squares Amdahl fraction ``p`` from paired 1-core / 2-core times
    (``t2 = t1 (1 - p/2)``)."""
    t1 = np.asarray(t1, dtype=float)
    t2 = np.asarray(t2, dtype=float)
    if t1.shape != t2.shape or t1.size == 0:
        raise ValueError("t1 and t2 must be non-empty arrays of the same shape")
    ratio = float(np.sum(t1 * t2) / np.sum(t1 * t1))
    return float(np.clip(2.0 * (1.0 - ratio), 0.0, 1.0))


@dataclass(frozen=True)
class RuntimeModel:
    """Per-epoch runtime of a model on an instance type, from its 1-core local time (see module
    doc)."""

    parallel_fraction: float = 0.0
    uses_gpu: bool = False
    local_core_flops: float = 2e10
    v100_train_flops: float = V100_TRAIN_FLOPS
    gpu_relative_speed: Mapping[str, float] = field(
        default_factory=lambda: dict(GPU_RELATIVE_SPEED))
    gpu_step_overhead_s: float = GPU_STEP_OVERHEAD_S
    gpu_epoch_overhead_s: float = GPU_EPOCH_OVERHEAD_S
    cpu_speed: Mapping[str, float] = field(default_factory=dict)
    corrections: Mapping[str, float] = field(default_factory=dict)
    host_epoch_s: float | None = None
    host_step_s: float = 0.0

    def __post_init__(self):
        if self.host_epoch_s is not None and (self.host_epoch_s < 0 or self.host_step_s < 0):
            raise ValueError(f"host_epoch_s and host_step_s must be >= 0, got {self.host_epoch_s}, "
                             f"{self.host_step_s}")
        if not 0.0 <= self.parallel_fraction <= 1.0:
            raise ValueError(f"parallel_fraction must be in [0, 1], got {self.parallel_fraction}")
        if self.local_core_flops <= 0 or self.v100_train_flops <= 0:
            raise ValueError("local_core_flops and v100_train_flops must be positive")
        if self.gpu_step_overhead_s < 0 or self.gpu_epoch_overhead_s < 0:
            raise ValueError("GPU overheads must be >= 0")

    def epoch_time(
        self,
        instance: InstanceSpec,
        reference_time: np.ndarray | float,
        flops: np.ndarray | float = 0.0,
        steps: np.ndarray | float = 1.0,
    ) -> np.ndarray:
        """Modelled epoch time(s) on ``instance`` for measured 1-core local time(s)
        ``reference_time``."""
        t1 = np.asarray(reference_time, dtype=float)
        if np.any(t1 < 0):
            raise ValueError("reference_time must be >= 0")
        s = float(self.cpu_speed.get(instance.name, 1.0))
        c = float(self.corrections.get(instance.name, 1.0))
        if self.uses_gpu and instance.gpus > 0:
            if instance.gpu_model not in self.gpu_relative_speed:
                raise ValueError(
                    f"no GPU speed for gpu_model {instance.gpu_model!r} of {instance.name}; "
                    f"known: {sorted(self.gpu_relative_speed)}"
                )
            r_gpu = self.v100_train_flops * self.gpu_relative_speed[instance.gpu_model]
            flops = np.asarray(flops, dtype=float)
            if self.host_epoch_s is not None:
                host = np.minimum(
                    t1, self.host_epoch_s + np.asarray(steps, dtype=float) * self.host_step_s)
            else:
                host = t1 - np.minimum(t1, flops / self.local_core_flops)
            t = (
                host / s
                + flops / r_gpu
                + np.asarray(steps, dtype=float) * self.gpu_step_overhead_s
                + self.gpu_epoch_overhead_s
            )
        else:
            p = self.parallel_fraction
            t = t1 * ((1.0 - p) + p / max(1, instance.vcpus)) / s
        return c * t

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["gpu_relative_speed"] = dict(self.gpu_relative_speed)
        d["cpu_speed"] = dict(self.cpu_speed)
        d["corrections"] = dict(self.corrections)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RuntimeModel":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown runtime model constants: {sorted(unknown)}")
        return cls(**dict(d))

    def calibrate(
        self, measured_runtimes: pd.DataFrame, instances: list[InstanceSpec] | None = None
    ) -> "RuntimeModel":
        """Refit constants from measured runtimes and return a new model.

        ``measured_runtimes`` has one row per measured epoch with columns ``instance_type``,
        ``reference_time`` (the same epoch's 1-core local time) and ``runtime`` (its measured time
        on ``instance_type``), optionally ``flops`` and ``steps``. Rows with instance type
        ``"local-2core"`` refit the parallel fraction ``p`` (least squares, Amdahl with 2 cores);
        rows of any other instance type (its spec in ``instances``) refit that type's correction
        ``c_inst`` as the median of measured / modelled time.
        """
        required = {"instance_type", "reference_time", "runtime"}
        missing = required - set(measured_runtimes.columns)
        if missing:
            raise ValueError(f"measured_runtimes lacks columns {sorted(missing)}")
        df = measured_runtimes
        new = self
        local2 = df[df["instance_type"] == LOCAL_2CORE]
        if len(local2):
            p = fit_parallel_fraction(local2["reference_time"], local2["runtime"])
            new = dataclasses.replace(new, parallel_fraction=p)
        others = df[~df["instance_type"].isin([LOCAL_1CORE, LOCAL_2CORE])]
        if len(others):
            specs = {s.name: s for s in (instances or [])}
            corrections = dict(new.corrections)
            base = dataclasses.replace(new, corrections={})
            for name, g in others.groupby("instance_type"):
                if name not in specs:
                    raise ValueError(
                        f"instance_type {name!r} in measured_runtimes has no spec in instances"
                    )
                pred = base.epoch_time(
                    specs[name],
                    g["reference_time"].to_numpy(),
                    g["flops"].to_numpy() if "flops" in g else 0.0,
                    g["steps"].to_numpy() if "steps" in g else 1.0,
                )
                ok = pred > 0
                if not ok.any():
                    raise ValueError(f"no positive modelled time for {name!r}")
                corrections[name] = float(np.median(g["runtime"].to_numpy()[ok] / pred[ok]))
            new = dataclasses.replace(new, corrections=corrections)
        return new
