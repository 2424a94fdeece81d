"""Training script: an MLP on scikit-learn's digits, one epoch per report.

Reports validation accuracy, error and elapsed training time after every epoch with Syne
Tune's Reporter, and checkpoints (model + epoch) so a paused trial resumes where it stopped.
Run standalone: ``python examples/train_digits.py --epochs 5 --lr 0.01 --hidden 32``.

Checkpoint contract (MO-ASHA's promotion may resume a trial on another instance type, see the
docs/tutorials/hardware-choice.md): a checkpoint written on one machine must load on any other.
It holds plain CPU data only, here a pickled scikit-learn model (numpy arrays), the epoch and
the elapsed seconds; with PyTorch, save the state dicts with every tensor on the CPU
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
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from syne_tune import Reporter


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=9)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instance_type", type=str, default=None,
                        help="accepted and ignored (the backend applied it)")
    parser.add_argument("--st_checkpoint_dir", type=str, default=None)
    # a tuner may pass hyperparameters this script does not use: ignored, and said so
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"{parser.prog}: ignoring unknown arguments {' '.join(unknown)}", file=sys.stderr)
    for name in ("epochs", "hidden", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if not args.lr > 0:
        parser.error(f"--lr must be > 0, got {args.lr}")
    if not args.alpha >= 0:
        parser.error(f"--alpha must be >= 0, got {args.alpha}")
    return args


def main() -> None:
    args = parse_args()

    X, y = load_digits(return_X_y=True)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)
    classes = np.unique(y)

    model = MLPClassifier(
        hidden_layer_sizes=(args.hidden,),
        learning_rate_init=args.lr,
        alpha=args.alpha,
        batch_size=args.batch_size,
        random_state=args.seed,
    )
    start_epoch, elapsed = 1, 0.0
    ckpt = Path(args.st_checkpoint_dir) / "model.pkl" if args.st_checkpoint_dir else None
    if ckpt is not None and ckpt.exists():
        with open(ckpt, "rb") as f:
            state = pickle.load(f)
        model, start_epoch, elapsed = state["model"], state["epoch"] + 1, state["elapsed"]
        if start_epoch > args.epochs:
            print(f"{ckpt} is at epoch {state['epoch']} >= --epochs {args.epochs}: nothing to "
                  f"train (another --st_checkpoint_dir starts afresh)", file=sys.stderr)

    reporter = Reporter()
    rng = np.random.RandomState(args.seed)
    for epoch in range(start_epoch, args.epochs + 1):
        t0 = time.perf_counter()
        perm = rng.permutation(len(X_tr))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(X_tr[perm], y_tr[perm], classes=classes)
        elapsed += time.perf_counter() - t0
        accuracy = float(model.score(X_va, y_va))
        if ckpt is not None:
            # CPU data only, so that it loads on any instance type (see the docstring)
            os.makedirs(ckpt.parent, exist_ok=True)
            tmp = ckpt.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump({"model": model, "epoch": epoch, "elapsed": elapsed}, f)
            os.replace(tmp, ckpt)
        reporter(epoch=epoch, accuracy=accuracy, error=1.0 - accuracy, elapsed_time=elapsed)


if __name__ == "__main__":
    main()
