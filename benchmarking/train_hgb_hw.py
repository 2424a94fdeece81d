"""Multi-threaded workload for the local-profile benchmark: histogram gradient boosting.

scikit-learn's ``HistGradientBoostingClassifier`` builds histograms with OpenMP threads, so it
uses every core its profile gives it. The data (``--n_samples`` x 40 features, 4 classes) is
generated locally with a fixed seed. An *epoch* adds ``--trees_per_epoch`` boosting
iterations (``warm_start``); each epoch reports ``train_seconds`` and validation ``accuracy``.
Hyperparameters: ``--max_leaf_nodes``, ``--learning_rate``.
"""

import argparse
import time

from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from syne_tune import Reporter


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--trees_per_epoch", type=int, default=10)
    p.add_argument("--n_samples", type=int, default=100_000)
    p.add_argument("--max_leaf_nodes", type=int, default=63)
    p.add_argument("--learning_rate", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    args, _ = p.parse_known_args()
    X, y = make_classification(n_samples=args.n_samples, n_features=40, n_informative=20,
                               n_classes=4, random_state=args.seed)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=args.seed)
    model = HistGradientBoostingClassifier(
        max_iter=0, warm_start=True, early_stopping=False, max_leaf_nodes=args.max_leaf_nodes,
        learning_rate=args.learning_rate, random_state=args.seed,
    )
    report = Reporter()
    for epoch in range(1, args.epochs + 1):
        model.max_iter = epoch * args.trees_per_epoch
        t0 = time.perf_counter()
        model.fit(X_tr, y_tr)
        seconds = time.perf_counter() - t0
        report(epoch=epoch, accuracy=float(model.score(X_va, y_va)), train_seconds=seconds)


if __name__ == "__main__":
    main()
