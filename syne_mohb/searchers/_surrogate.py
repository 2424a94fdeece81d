"""Per-objective surrogate with uncertainty for :mod:`syne_mohb.searchers.model_based`.

Private helper. Two pieces:

* :func:`copula` maps every objective (minimisation form) to Gaussian scores through its ranks
  (Salinas, Shen & Perrone 2020, "A quantile-based approach for hyperparameter transfer
  learning"): scale-free, robust to heavy tails (runtime and cost span orders of magnitude),
  NaN/inf ranked worst, and comparable across related tasks without any per-task scale.
  O(n log n) per objective.
* :class:`TreeEnsemble` is scikit-learn's multi-output extremely randomised trees (Geurts,
  Ernst & Wehenkel 2006) with bootstrap, one model for all objectives. Each tree is one
  posterior draw of the objective vector (the ensemble's spread is the uncertainty), which is
  what Thompson sampling needs; fitting is O(T n log n d) for ``T`` trees, ``n`` rows, ``d``
  features, prediction O(T depth) per row.
"""
from __future__ import annotations

import numpy as np

__all__ = ["TreeEnsemble", "copula"]


def copula(Y_min: np.ndarray) -> np.ndarray:
    """Gaussian copula scores ``Phi^-1((rank - 0.5) / n)`` of each column (average ranks for
    ties; NaN counts as ``+inf``, i.e. worst)."""
    from scipy.special import ndtri
    from scipy.stats import rankdata

    Y = np.where(np.isnan(Y_min), np.inf, np.asarray(Y_min, dtype=float))
    n = len(Y)
    if n == 0:
        return np.zeros_like(Y)
    ranks = rankdata(Y, method="average", axis=0)
    return ndtri((ranks - 0.5) / n)


class TreeEnsemble:
    """Multi-output extra-trees regressor whose trees are read one by one.

    :param num_trees: number of trees
    :param min_samples_leaf: minimum rows per leaf
    :param random_state: seed (an int)
    """

    def __init__(self, num_trees: int, min_samples_leaf: int, random_state: int):
        self.num_trees = num_trees
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self._trees: list = []
        self.num_outputs = 0

    def fit(self, X: np.ndarray, Z: np.ndarray, sample_weight: np.ndarray | None = None
            ) -> "TreeEnsemble":
        # imported here: scikit-learn's ensemble module costs ~0.8 s to import, and
        # `import syne_mohb` must not pay it
        from sklearn.ensemble import ExtraTreesRegressor

        model = ExtraTreesRegressor(
            n_estimators=self.num_trees,
            min_samples_leaf=self.min_samples_leaf,
            max_features=1.0,
            bootstrap=len(X) >= 4,
            random_state=self.random_state,
            n_jobs=1,
        )
        Z = np.asarray(Z, dtype=float)
        # one objective: a 1-d target (scikit-learn warns on a column vector; same trees)
        model.fit(np.asarray(X, dtype=np.float32), Z if Z.shape[1] > 1 else Z[:, 0],
                  sample_weight=sample_weight)
        self._trees = list(model.estimators_)
        self.num_outputs = Z.shape[1]
        return self

    def predict_trees(self, X: np.ndarray) -> np.ndarray:
        """Predictions of every tree, ``[num_trees, len(X), num_outputs]`` (float32)."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        out = np.empty((len(self._trees), len(X), self.num_outputs), dtype=np.float32)
        for t, tree in enumerate(self._trees):
            pred = tree.predict(X, check_input=False)
            out[t] = pred.reshape(len(X), self.num_outputs)
        return out
