"""Training script of the Ray backend tests: logistic regression by SGD on a fixed synthetic
problem, one epoch per report, checkpoint (weights + epoch) after every epoch.

Unchanged Syne Tune script: reports with ``syne_tune.Reporter``; reads ``--st_checkpoint_dir``
so that a resumed trial continues after its last epoch. ``--epoch_seconds`` pads each epoch to
a minimum duration so that tests can act while a trial runs.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from syne_tune import Reporter


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--epoch_seconds", type=float, default=0.0)
    p.add_argument("--st_checkpoint_dir", type=str, default=None)
    args, _ = p.parse_known_args()

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 10))
    w_true = rng.normal(size=10)
    y = (X @ w_true + 0.5 * rng.normal(size=600) > 0).astype(float)
    X_tr, y_tr, X_va, y_va = X[:400], y[:400], X[400:], y[400:]

    w, start = np.zeros(10), 1
    ckpt = Path(args.st_checkpoint_dir) / "state.npz" if args.st_checkpoint_dir else None
    if ckpt is not None and ckpt.exists():
        state = np.load(ckpt)
        w, start = state["w"], int(state["epoch"]) + 1

    reporter = Reporter()
    order = np.random.default_rng(1)
    for epoch in range(start, args.epochs + 1):
        t0 = time.perf_counter()
        perm = order.permutation(len(X_tr))
        for i in range(0, len(perm), args.batch_size):
            b = perm[i:i + args.batch_size]
            pred = 1.0 / (1.0 + np.exp(-X_tr[b] @ w))
            w -= args.lr * X_tr[b].T @ (pred - y_tr[b]) / len(b)
        p_va = 1.0 / (1.0 + np.exp(-X_va @ w))
        loss = float(-np.mean(y_va * np.log(p_va + 1e-12) + (1 - y_va) * np.log(1 - p_va + 1e-12)))
        error = float(np.mean((p_va > 0.5) != y_va))
        time.sleep(max(0.0, args.epoch_seconds - (time.perf_counter() - t0)))
        if ckpt is not None:
            os.makedirs(ckpt.parent, exist_ok=True)
            tmp = ckpt.with_name("state.tmp.npz")
            np.savez(tmp, w=w, epoch=epoch)
            os.replace(tmp, ckpt)
        reporter(epoch=epoch, loss=loss, error=error, resumed_from=start - 1)


if __name__ == "__main__":
    main()
