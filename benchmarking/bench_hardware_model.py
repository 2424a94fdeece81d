"""Choose the hardware model's regressor by held-out prediction error on every shipped benchmark.

For each benchmark and task, the per-epoch time of every (configuration, instance type) is read
from the table (runtime at the last fidelity / number of epochs, recorded seed 0). The
configurations are split 70/30; the model sees ``--observations`` (configuration, type) pairs
drawn from the 70% (what a run has seen after that many trials) and predicts every type of the
held-out 30%. Measures (mean over ``--repeats`` splits, median over tasks):

* RMSE of ``log(seconds per epoch)`` on held-out configurations (all types);
* held-out type: one type is left out of the training pairs entirely (its prior comes from its
  specs), RMSE on that type, averaged over the types;
* fastest / cheapest right: share of held-out configurations whose predicted fastest
  (cheapest) type is truly the fastest (cheapest), ties within 2% counted as right.

    python benchmarking/bench_hardware_model.py --observations 150 --repeats 3
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syne_mohb.blackboxes.repository import load, metadata  # noqa: E402
from syne_mohb.hardware.model import ESTIMATORS, RuntimeCostModel, hardware_specs  # noqa: E402


def _table(bench: str, task: str):
    bb = load(bench)[task]
    names = list(bb.objectives_names)
    ev = np.asarray(bb.objectives_evaluations, dtype=float)
    runtime = ev[:, 0, -1, names.index("runtime")] / len(bb.fidelity_values)
    hp = bb.hyperparameters.reset_index(drop=True)
    inst = hp.pop("instance_type").astype(str)
    space = {k: v for k, v in bb.configuration_space.items() if k != "instance_type"}
    keys = hp.astype(str).agg("|".join, axis=1)
    return space, hp, inst, keys, runtime


def _evaluate(estimator, space, specs, prices, hp, inst, keys, runtime, n_obs, rng):
    uniq = np.array(keys.unique(), dtype=object)
    rng.shuffle(uniq)
    cut = int(0.7 * len(uniq))
    train_keys, test_keys = set(uniq[:cut]), set(uniq[cut:])
    types = list(specs)
    out = {}
    for mode in ("configs", "type"):
        left_out = [None] if mode == "configs" else types
        errs = []
        right_fast, right_cheap = [], []
        for held in left_out:
            rows = [i for i in range(len(keys)) if keys[i] in train_keys and inst[i] != held]
            pick = rng.choice(rows, size=min(n_obs, len(rows)), replace=False)
            model = RuntimeCostModel(space, specs, estimator=estimator,
                                     random_seed=int(rng.randint(1 << 30)))
            for i in pick:
                model.observe(i, hp.iloc[i].to_dict(), inst[i], 1.0, float(runtime[i]))
            model.fit(force=True)
            test_rows = [i for i in range(len(keys)) if keys[i] in test_keys
                         and (held is None or inst[i] == held)]
            mu, _ = model.predict_log([hp.iloc[i].to_dict() for i in test_rows],
                                      [inst[i] for i in test_rows])
            pred = np.diag(mu) if len(test_rows) else np.zeros(0)
            errs.append(np.sqrt(np.mean((pred - np.log(runtime[test_rows])) ** 2)))
            if mode == "configs":
                by_key: dict[str, list[int]] = {}
                for i in test_rows:
                    by_key.setdefault(keys[i], []).append(i)
                for k, idx in by_key.items():
                    mu_k, _ = model.predict_log([hp.iloc[idx[0]].to_dict()], [inst[i] for i in idx])
                    t_true = runtime[idx]
                    c_true = t_true * np.array([prices[inst[i]] for i in idx])
                    c_pred = np.exp(mu_k[0]) * np.array([prices[inst[i]] for i in idx])
                    right_fast.append(t_true[np.argmin(mu_k[0])] <= 1.02 * t_true.min())
                    right_cheap.append(c_true[np.argmin(c_pred)] <= 1.02 * c_true.min())
        out[f"rmse_{mode}"] = float(np.mean(errs))
        if mode == "configs":
            out["fastest_right"] = float(np.mean(right_fast))
            out["cheapest_right"] = float(np.mean(right_cheap))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmarks", default="mlp,hgb,linear,cnn")
    ap.add_argument("--tasks-per-benchmark", type=int, default=2)
    ap.add_argument("--observations", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--estimators", default=",".join(ESTIMATORS))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = []
    for bench in args.benchmarks.split(","):
        meta = metadata(bench)
        prices = {k: v["price_per_hour"] for k, v in meta["instance_types"].items()}
        tasks = list(load(bench))[: args.tasks_per_benchmark]
        for task in tasks:
            space, hp, inst, keys, runtime = _table(bench, task)
            specs = hardware_specs(sorted(set(inst)), prices=prices)
            for est in args.estimators.split(","):
                for r in range(args.repeats):
                    rng = np.random.RandomState(1000 * r + 7)
                    res = _evaluate(est, space, specs, prices, hp, inst, keys, runtime,
                                    args.observations, rng)
                    rows.append({"benchmark": bench, "task": task, "estimator": est, **res})
    df = pd.DataFrame(rows)
    per_task = df.groupby(["benchmark", "task", "estimator"]).mean(numeric_only=True)
    table = per_task.groupby(["benchmark", "estimator"]).median().round(3).reset_index()
    print(f"{args.observations} observed (configuration, type) pairs, {args.repeats} splits, "
          f"{args.tasks_per_benchmark} tasks per benchmark; median over tasks of the mean over "
          f"splits; {time.perf_counter() - t0:.0f} s")
    cols = list(table.columns)
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for _, r in table.iterrows():
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
