"""Benchmark families: one model, one finite configuration grid, a list of related tasks.

Each family trains a configuration epoch by epoch and records, after every epoch, the validation
accuracy and the wall time of that epoch (training + validation). The models are scikit-learn
estimators trained incrementally:

* ``mlp``: ``MLPClassifier`` (Adam), one ``partial_fit`` pass over the shuffled training rows per
  epoch. GPU-capable in the runtime model (dense layers; see ``runtime_model.py``).
* ``hgb``: ``HistGradientBoostingClassifier`` with ``warm_start``; epoch ``e`` = ``e *
  rounds_per_epoch`` boosting rounds. Multi-threaded via OpenMP, CPU only.
* ``linear``: ``SGDClassifier``, one ``partial_fit`` pass per epoch. Single-threaded, CPU only.
* ``cnn``: small convolutional networks in JAX + optax on MNIST variants (``cnn.py``). GPU-capable.

The grids are full factorial so that every configuration a searcher samples from the
configuration space is in the table (``BlackboxTabular`` looks configurations up by exact match).
"""

from __future__ import annotations

import itertools
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .datasets import TaskData


@dataclass(frozen=True)
class EpochRecord:
    accuracy: float
    wall_time: float
    cpu_time: float


@dataclass
class Family:
    """Base class of a benchmark family (see module docstring)."""

    name: str
    grid: dict[str, list]
    tasks: list[str]
    max_epochs: int = 20
    uses_gpu: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def configs(self) -> list[dict[str, Any]]:
        keys = list(self.grid)
        return [dict(zip(keys, values)) for values in itertools.product(*self.grid.values())]

    def config_space(self) -> dict:
        from syne_tune.config_space import choice

        return {k: choice(list(v)) for k, v in self.grid.items()}

    def load_data(self, task: str) -> TaskData:
        """The fixed train/validation split of ``task`` (generation only)."""
        from .datasets import load_task

        return load_task(task)

    def task_description(self, task: str) -> str:
        """Where ``task``'s data comes from (written to the blackbox metadata)."""
        from .datasets import TASKS

        return TASKS[task][0] if task in TASKS else "user"

    def timed_epochs(self, configs: list[dict], data: TaskData, seed: int, cores: int,
                     epochs: int) -> tuple[np.ndarray, np.ndarray]:
        """Wall and CPU time (configs x epochs) of training ``configs`` on ``cores`` local cores.

        Used by the calibration of the parallel fraction; this default pins this process and
        limits the BLAS/OpenMP pools to ``cores`` threads."""
        from .generation import pin_threads

        wall, cpu = np.zeros((len(configs), epochs)), np.zeros((len(configs), epochs))
        for k, config in enumerate(configs):
            with pin_threads(set(range(cores)), cores):
                recs = self.train(config, data, seed, epochs)
            wall[k] = [r.wall_time for r in recs]
            cpu[k] = [r.cpu_time for r in recs]
        return wall, cpu

    def measure_local_flops(self) -> float:
        """Dense throughput (FLOP/s) of one local core, stored with the calibration."""
        from .runtime_model import measure_local_flops

        return measure_local_flops()

    def runtime_model_fields(self, chunks: list[dict[str, np.ndarray]],
                             measured: float) -> dict[str, Any]:
        """Fields of the ``RuntimeModel`` fitted from the finished chunks (all tasks and seeds) and
        the measured local FLOP/s; default: ``local_core_flops = measured``."""
        return {"local_core_flops": measured}

    def extra_metadata(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """Keys added to (or replacing those of) the assembled blackbox's metadata."""
        return {}

    # subclasses implement these two
    def _make(self, config: dict, seed: int, data: TaskData):  # pragma: no cover
        raise NotImplementedError

    def _epoch(self, model, epoch: int, data: TaskData, rng: np.random.RandomState):
        raise NotImplementedError  # pragma: no cover

    def flops_per_epoch(self, config: dict, data: TaskData) -> float:
        """Floating point operations of one training epoch (used for the GPU model)."""
        return 0.0

    def steps_per_epoch(self, config: dict, data: TaskData) -> int:
        """Optimiser steps (mini-batches) per epoch (used for the GPU per-step overhead)."""
        return 1

    def train(self, config: dict, data: TaskData, seed: int,
              epochs: int | None = None) -> list[EpochRecord]:
        """Train ``config`` on ``data`` with ``seed`` and return one record per epoch."""
        epochs = self.max_epochs if epochs is None else epochs
        rng = np.random.RandomState(seed)
        model = self._make(config, seed, data)
        records = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in range(1, epochs + 1):
                w0, c0 = time.perf_counter(), time.process_time()
                self._epoch(model, epoch, data, rng)
                acc = float(np.mean(model.predict(data.X_valid) == data.y_valid))
                w1, c1 = time.perf_counter(), time.process_time()
                records.append(EpochRecord(acc, w1 - w0, c1 - c0))
        return records


def _shuffled_pass(model, data: TaskData, rng: np.random.RandomState) -> None:
    """One epoch of an incremental learner: ``partial_fit`` over the training rows, reshuffled."""
    perm = rng.permutation(len(data.y_train))
    model.partial_fit(data.X_train[perm], data.y_train[perm], classes=np.arange(data.n_classes))


class MLPFamily(Family):
    def _make(self, config, seed, data):
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(
            hidden_layer_sizes=(config["num_units"],) * config["num_layers"],
            learning_rate_init=config["learning_rate"],
            batch_size=config["batch_size"],
            alpha=1e-4,
            random_state=seed,
            shuffle=True,
        )

    def _epoch(self, model, epoch, data, rng):
        _shuffled_pass(model, data, rng)

    def flops_per_epoch(self, config, data):
        sizes = [data.n_features] + [config["num_units"]] * config["num_layers"] + [data.n_classes]
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        # forward 2 flops per weight and row, backward twice the forward
        return 6.0 * weights * len(data.y_train) + 2.0 * weights * len(data.y_valid)

    def steps_per_epoch(self, config, data):
        return int(np.ceil(len(data.y_train) / config["batch_size"]))


class HGBFamily(Family):
    def _make(self, config, seed, data):
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            learning_rate=config["learning_rate"],
            max_leaf_nodes=config["max_leaf_nodes"],
            min_samples_leaf=config["min_samples_leaf"],
            l2_regularization=config["l2_regularization"],
            max_iter=0,
            warm_start=True,
            early_stopping=False,
            random_state=seed,
        )

    def _epoch(self, model, epoch, data, rng):
        model.max_iter = epoch * self.extra["rounds_per_epoch"]
        model.fit(data.X_train, data.y_train)


class LinearFamily(Family):
    def _make(self, config, seed, data):
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(
            loss=config["loss"],
            penalty=config["penalty"],
            alpha=config["alpha"],
            learning_rate="constant",
            eta0=config["eta0"],
            random_state=seed,
        )

    def _epoch(self, model, epoch, data, rng):
        _shuffled_pass(model, data, rng)

    def steps_per_epoch(self, config, data):
        return len(data.y_train)


FAMILIES: dict[str, Family] = {
    "mlp": MLPFamily(
        name="mlp",
        grid={
            "num_units": [16, 32, 64, 128],
            "num_layers": [1, 2, 3],
            "learning_rate": [0.0003, 0.001, 0.003],
            "batch_size": [16, 64, 256],
        },
        tasks=["digits", "vehicle", "german", "spambase", "satimage", "texture"],
        uses_gpu=True,
        description="scikit-learn MLPClassifier (ReLU, Adam, alpha=1e-4), one partial_fit pass "
                    "per epoch",
    ),
    "hgb": HGBFamily(
        name="hgb",
        grid={
            "learning_rate": [0.03, 0.1, 0.3],
            "max_leaf_nodes": [7, 15, 31, 63],
            "min_samples_leaf": [5, 20, 50],
            "l2_regularization": [0.0, 0.1, 1.0],
        },
        tasks=["breast_cancer", "pima", "phoneme", "magic", "banana", "twonorm"],
        description="scikit-learn HistGradientBoostingClassifier, warm start, 3 boosting rounds "
                    "per epoch",
        extra={"rounds_per_epoch": 3},
    ),
    "linear": LinearFamily(
        name="linear",
        grid={
            "loss": ["hinge", "log_loss", "modified_huber"],
            "penalty": ["l2", "l1", "elasticnet"],
            "alpha": [1e-5, 1e-4, 1e-3, 1e-2],
            "eta0": [0.001, 0.01, 0.1],
        },
        tasks=["breast_cancer", "digits", "vehicle", "pima", "german", "spambase", "magic",
               "satimage"],
        description="scikit-learn SGDClassifier (constant learning rate eta0), one partial_fit "
                    "pass per epoch",
    ),
}


# the cnn family (cnn.py: JAX, a generation-only dependency imported lazily) subclasses Family
# above and adds itself to FAMILIES when imported
from . import cnn  # noqa: E402,F401


def get_family(name: str) -> Family:
    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; known families: {sorted(FAMILIES)}")
    return FAMILIES[name]
