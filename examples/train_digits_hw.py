"""Train a scikit-learn MLP on the digits data (shipped with scikit-learn), one report per epoch.

Hyperparameters: ``--lr`` (learning_rate_init), ``--hidden`` (units per layer), ``--layers``,
``--alpha`` (L2), ``--epochs``, ``--batch_size``. ``--instance_type`` (the hardware profile) is
accepted and ignored: the backend applies it (core pinning, thread counts).
Reports ``epoch``, ``accuracy`` (validation) and ``train_seconds`` with ``syne_tune.Reporter``.
With ``--st_checkpoint_dir`` the model is checkpointed after every epoch and a resumed trial
continues from its last epoch.

Checkpoint contract (MO-ASHA's promotion may resume a trial on another instance type, see the
docs/tutorials/hardware-choice.md): a checkpoint written on one machine must load on any other.
It holds plain CPU data only, here the epoch and a pickled scikit-learn model (numpy arrays);
with PyTorch, save the state dicts with every tensor on the CPU
(``{k: v.cpu() for k, v in sd.items()}``), load them with
``torch.load(path, map_location="cpu")`` and move the model to the device the resumed run finds.
It is written atomically (a temporary file, then ``os.replace``), and holds nothing that depends
on the device or the core count of the run that wrote it (the resumed run recomputes those).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from syne_tune import Reporter


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--alpha", type=float, default=1e-4)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--instance_type", type=str, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--st_checkpoint_dir", type=str, default=None)
    # a tuner may pass hyperparameters this script does not use: ignored, and said so
    args, unknown = p.parse_known_args(argv)
    if unknown:
        print(f"{p.prog}: ignoring unknown arguments {' '.join(unknown)}", file=sys.stderr)
    for name in ("hidden", "layers", "epochs", "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if not args.lr > 0:
        p.error(f"--lr must be > 0, got {args.lr}")
    if not args.alpha >= 0:
        p.error(f"--alpha must be >= 0, got {args.alpha}")
    return args


def main() -> None:
    args = parse_args()
    X, y = load_digits(return_X_y=True)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=args.seed,
                                              stratify=y)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)
    classes = np.unique(y)

    ckpt = Path(args.st_checkpoint_dir) / "model.pkl" if args.st_checkpoint_dir else None
    start_epoch, model = 0, None
    if ckpt is not None and ckpt.exists():
        with open(ckpt, "rb") as f:
            start_epoch, model = pickle.load(f)
        if start_epoch >= args.epochs:
            print(f"{ckpt} is at epoch {start_epoch} >= --epochs {args.epochs}: nothing to "
                  f"train (another --st_checkpoint_dir starts afresh)", file=sys.stderr)
    if model is None:
        model = MLPClassifier(
            hidden_layer_sizes=(args.hidden,) * args.layers, learning_rate_init=args.lr,
            alpha=args.alpha, batch_size=args.batch_size, random_state=args.seed,
        )
    rng = np.random.default_rng(args.seed + start_epoch)
    report = Reporter()
    for epoch in range(start_epoch + 1, args.epochs + 1):
        t0 = time.perf_counter()
        order = rng.permutation(len(X_tr))  # one pass in mini-batches of batch_size
        model.partial_fit(X_tr[order], y_tr[order], classes=classes)
        seconds = time.perf_counter() - t0
        if ckpt is not None:
            # CPU data only, so that it loads on any instance type (see the docstring)
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            tmp = ckpt.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump((epoch, model), f)
            os.replace(tmp, ckpt)
        report(epoch=epoch, accuracy=float(model.score(X_va, y_va)), train_seconds=seconds)


if __name__ == "__main__":
    main()
