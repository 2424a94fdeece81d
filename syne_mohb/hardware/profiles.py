"""Local hardware profiles: ``local-cpu-<k>`` (k pinned cores) and ``local-gpu-<i>`` (GPU i).

A local profile makes the hardware dimension *real* on one machine: a trial run under
``local-cpu-k`` is pinned to k cores (CPU affinity) and its BLAS/OpenMP thread pools are sized
to k through the usual environment variables, so it trains as fast as k cores allow.
``local-gpu-i`` profiles exist only when GPUs are present; such a trial sees only GPU ``i``
(``CUDA_VISIBLE_DEVICES``) and an equal share of the cores.
"""

from __future__ import annotations

import numbers
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from syne_mohb.hardware.catalog import UnknownInstanceTypeError, _closest

LOCAL_PREFIX = "local-"
_PROFILE = re.compile(r"^local-(cpu|gpu)-(\d+)$")

THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",  # OpenMP; also sizes torch's intra-op pool
    "MKL_NUM_THREADS",  # Intel MKL (numpy/scipy/torch builds against MKL)
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMBA_NUM_THREADS",
    "LOKY_MAX_CPU_COUNT",  # joblib/loky process pools (scikit-learn n_jobs=-1)
)
# Idle worker threads sleep instead of spinning: several trials (or other users) share the
# cores, and spinning threads of one trial then steal them from the others. Measured on a busy
# 2-core machine: gradient boosting on 2 threads took 12 s/epoch spinning, 2.5 s passive.
WAIT_POLICY_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4"}
PROFILE_ENV = "SYNE_MOHB_PROFILE"
NUM_CPUS_ENV = "SYNE_MOHB_NUM_CPUS"


def available_cpus() -> list[int]:
    """Cores this process may run on (its CPU affinity mask), sorted."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


@lru_cache(maxsize=1)
def num_local_gpus() -> int:
    """Number of NVIDIA GPUs visible here (``nvidia-smi -L``; 0 without a driver)."""
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return 0
    if out.returncode != 0:
        return 0
    return sum(1 for line in out.stdout.splitlines() if line.startswith("GPU "))


def is_local_profile_name(name: object) -> bool:
    """Whether ``name`` is spelled like a local profile (``local-...``)."""
    return isinstance(name, str) and name.startswith(LOCAL_PREFIX)


@dataclass(frozen=True)
class LocalProfile:
    """Resources of one local profile: ``cpus`` cores and, for GPU profiles, GPU index ``gpu``."""

    name: str
    cpus: int
    gpu: int | None = None

    def env(self) -> dict[str, str]:
        """Environment variables that size a trial's thread pools (and GPU) to this profile."""
        env = {var: str(self.cpus) for var in THREAD_ENV_VARS}
        env.update(WAIT_POLICY_ENV)
        env[PROFILE_ENV] = self.name
        env[NUM_CPUS_ENV] = str(self.cpus)
        if self.gpu is not None:
            env["CUDA_VISIBLE_DEVICES"] = str(self.gpu)
        return env


def _counts(num_cpus, num_gpus) -> tuple[int, int]:
    """``(cores, GPUs)``: the given counts (integers >= 0; ``ValueError`` naming the parameter
    otherwise), this machine's where None."""
    for pname, val in (("num_cpus", num_cpus), ("num_gpus", num_gpus)):
        if val is not None and (isinstance(val, bool) or not isinstance(val, numbers.Integral)
                                or val < 0):
            raise ValueError(f"{pname} must be an integer >= 0 or None (this machine's), got "
                             f"{val!r}")
    n_cpu = len(available_cpus()) if num_cpus is None else int(num_cpus)
    n_gpu = num_local_gpus() if num_gpus is None else int(num_gpus)
    return n_cpu, n_gpu


def local_profile_names(num_cpus: int | None = None, num_gpus: int | None = None) -> list[str]:
    """Profiles this machine supports: ``local-cpu-1..N`` (N usable cores), ``local-gpu-0..G-1``."""
    n_cpu, n_gpu = _counts(num_cpus, num_gpus)
    return [f"local-cpu-{k}" for k in range(1, n_cpu + 1)] + [
        f"local-gpu-{i}" for i in range(n_gpu)
    ]


def get_local_profile(
    name: str, num_cpus: int | None = None, num_gpus: int | None = None
) -> LocalProfile:
    """The :class:`LocalProfile` called ``name``; raises :class:`UnknownInstanceTypeError`
    (listing the profiles this machine supports) if it does not exist here."""
    n_cpu, n_gpu = _counts(num_cpus, num_gpus)
    m = _PROFILE.match(name) if isinstance(name, str) else None
    ok = m is not None and (
        (m.group(1) == "cpu" and 1 <= int(m.group(2)) <= n_cpu)
        or (m.group(1) == "gpu" and int(m.group(2)) < n_gpu)
    )
    if not ok:
        known = local_profile_names(n_cpu, n_gpu)
        close = _closest(str(name), known) or known[:5]
        raise UnknownInstanceTypeError(
            f"Unknown local profile {name!r}: this machine has {n_cpu} usable core(s) and "
            f"{n_gpu} GPU(s). Closest profiles: {', '.join(close)}."
        )
    k = int(m.group(2))
    if m.group(1) == "cpu":
        return LocalProfile(name=name, cpus=k)
    return LocalProfile(name=name, cpus=max(1, n_cpu // max(n_gpu, 1)), gpu=k)
