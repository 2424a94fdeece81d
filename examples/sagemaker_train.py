"""Training script of ``examples/sagemaker_instance_tuning.py``: runs inside a SageMaker training
job (script mode), one ``syne_tune.Reporter`` line per epoch.

Trains a linear classifier with SGD (scikit-learn ``SGDClassifier``, log loss) on the digits data
set bundled with scikit-learn, so the job needs no input channel. Hyperparameters arrive as
``--key value`` arguments from the SageMaker training toolkit: ``--learning_rate``, ``--alpha``
(L2), ``--batch_size``, ``--epochs``; ``--instance_type`` / ``--instance_count`` are accepted and
ignored (the backend applied them). With ``--st_checkpoint_dir`` (``/opt/ml/checkpoints``, synced
with the trial's S3 checkpoint prefix) the model and the shuffling state are saved after every
epoch, and a resumed trial continues from its last epoch (SageMaker downloads the trial's
checkpoint prefix into the new job, whatever its instance type).

Checkpoint contract (MO-ASHA's promotion may resume a trial on another instance type, see the
docs/tutorials/hardware-choice.md): a checkpoint written on one machine must load on any other.
It holds plain CPU data only, here a pickled scikit-learn model (numpy arrays), the epoch and
the shuffling state; with PyTorch, save the state dicts with every tensor on the CPU
(``{k: v.cpu() for k, v in sd.items()}``), load them with
``torch.load(path, map_location="cpu")`` and move the model to the device the resumed run finds.
It is written atomically (a temporary file, then ``os.replace``), and holds nothing that depends
on the device or the core count of the run that wrote it (the resumed run recomputes those).

The container needs ``syne-tune`` and ``scikit-learn``: put a ``requirements.txt`` next to this
script (the training toolkit installs it) or use an image that has them.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from syne_tune import Reporter


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--learning_rate", type=float, default=0.01)
    p.add_argument("--alpha", type=float, default=1e-4)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--st_checkpoint_dir", type=str, default=None)
    p.add_argument("--instance_type", help="accepted and ignored (the backend applied it)")
    p.add_argument("--instance_count", help="accepted and ignored (the backend applied it)")
    # a tuner may pass hyperparameters this script does not use: ignored, and said so
    args, unknown = p.parse_known_args(argv)
    if unknown:
        print(f"{p.prog}: ignoring unknown arguments {' '.join(unknown)}", file=sys.stderr)
    if not args.learning_rate > 0:
        p.error(f"--learning_rate must be > 0, got {args.learning_rate}")
    if not args.alpha >= 0:
        p.error(f"--alpha must be >= 0, got {args.alpha}")
    for name in ("batch_size", "epochs"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    return args


def main() -> None:
    args = parse_args()
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=args.seed,
                                              stratify=y)
    classes = np.unique(y)
    ckpt = Path(args.st_checkpoint_dir) / "model.pkl" if args.st_checkpoint_dir else None
    if ckpt is not None and ckpt.exists():
        with open(ckpt, "rb") as f:
            state = pickle.load(f)
        start_epoch, model, rng = state["epoch"], state["model"], state["rng"]
    else:
        start_epoch = 0
        model = SGDClassifier(loss="log_loss", learning_rate="constant",
                              eta0=args.learning_rate, alpha=args.alpha, random_state=args.seed)
        rng = np.random.RandomState(args.seed)

    report = Reporter()
    for epoch in range(start_epoch + 1, args.epochs + 1):
        order = rng.permutation(len(X_tr))
        for i in range(0, len(order), args.batch_size):
            batch = order[i:i + args.batch_size]
            model.partial_fit(X_tr[batch], y_tr[batch], classes=classes)
        accuracy = float(model.score(X_va, y_va))
        if ckpt is not None:
            # CPU data only, so that it loads on any instance type (see the docstring)
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            tmp = ckpt.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump({"epoch": epoch, "model": model, "rng": rng}, f)
            os.replace(tmp, ckpt)  # atomic: a stop never leaves half a checkpoint
        report(epoch=epoch, accuracy=accuracy)


if __name__ == "__main__":
    main()
