"""Tiny real training script for the experiment-converter test (tests/test_blackboxes_converter.py).

Trains scikit-learn's SGDClassifier on breast_cancer one pass per epoch and reports the validation
accuracy with Syne Tune's Reporter. ``instance_type`` is accepted (the converter needs the
dimension) but does not change the local run."""

import argparse

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from syne_tune import Reporter

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--alpha", type=float, required=True)
    ap.add_argument("--instance_type", type=str, required=True)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--st_checkpoint_dir", type=str, default=None)
    args, _ = ap.parse_known_args()
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)
    model = SGDClassifier(alpha=args.alpha, random_state=0)
    rng = np.random.RandomState(0)
    report = Reporter()
    for epoch in range(1, args.epochs + 1):
        perm = rng.permutation(len(y_tr))
        model.partial_fit(X_tr[perm], y_tr[perm], classes=np.array([0, 1]))
        report(epoch=epoch, accuracy=float(np.mean(model.predict(X_va) == y_va)))
