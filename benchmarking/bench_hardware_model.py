"""Choose the hardware model's regressor by held-out prediction error on every shipped benchmark.

For each benchmark and task, the per-epoch time of every (configuration, instance type) is read
from the table (runtime at the last fidelity / number of epochs, recorded seed 0). The
configurations are split 70/30; the model sees ``--observations`` (configuration, type) pairs
drawn from the 70% (what a run has seen after that many trials: a few dozen in the first quarter
of a run, when most placement mistakes happen, 150 later) and predicts every type of the
held-out 30%. Measures (mean over ``--repeats`` splits, median over tasks):

* RMSE of ``log(seconds per epoch)`` on held-out configurations (all types);
* held-out type: one type is left out of the training pairs entirely (its prior comes from its
  specs), RMSE on that type, averaged over the types;
* fastest / cheapest right: share of held-out configurations whose predicted fastest
  (cheapest) type is truly the fastest (cheapest), ties within 2% counted as right.

    python benchmarking/bench_hardware_model.py --observations 20,50,150 --repeats 3

writes ``docs/benchmarks/hardware-model.md`` (``--docs-dir``, ``--no-docs``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402

from syne_mohb.blackboxes.repository import load, metadata, names  # noqa: E402
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
    ap.add_argument("--benchmarks", default="mlp,hgb,linear,cnn,mlp-x,hgb-x,linear-x")
    ap.add_argument("--tasks-per-benchmark", type=int, default=2)
    ap.add_argument("--observations", default="20,50,150",
                    help="comma-separated numbers of observed (configuration, type) pairs")
    ap.add_argument("--repeats", type=int, default=3)
    # "auto" is a choice among the others by cross-validation at every fit: 10x slower here
    ap.add_argument("--estimators", default=",".join(e for e in ESTIMATORS if e != "auto"))
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    try:
        args.observations = [int(n) for n in str(args.observations).split(",")]
    except ValueError:
        ap.error(f"--observations must be comma-separated integers, got {args.observations!r}")
    if not args.observations or min(args.observations) < 2:
        ap.error(f"--observations must be integers >= 2, got {args.observations}")
    for name, value in (("--tasks-per-benchmark", args.tasks_per_benchmark),
                        ("--repeats", args.repeats)):
        if value < 1:
            ap.error(f"{name} must be >= 1, got {value}")
    shipped = names()
    for bench in args.benchmarks.split(","):
        if bench not in shipped:
            ap.error(f"--benchmarks: unknown benchmark {bench!r}; shipped: {', '.join(shipped)}")
    unknown = sorted(set(args.estimators.split(",")) - set(ESTIMATORS))
    if unknown:
        ap.error(f"--estimators: {unknown} are not among {list(ESTIMATORS)}")
    page = BenchmarkPage("hardware-model", "Choice of the runtime model's regressor",
                         seeds=f"{args.repeats} splits per task", docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    t0 = time.perf_counter()
    rows = []
    for bench in args.benchmarks.split(","):
        meta = metadata(bench)
        prices = {k: v["price_per_hour"] for k, v in meta["instance_types"].items()}
        tasks = list(load(bench))[: args.tasks_per_benchmark]
        for task in tasks:
            space, hp, inst, keys, runtime = _table(bench, task)
            specs = hardware_specs(sorted(set(inst)), prices=prices)
            for n_obs in args.observations:
                for est in args.estimators.split(","):
                    for r in range(args.repeats):  # the same splits for every regressor
                        rng = np.random.RandomState(1000 * r + 7)
                        res = _evaluate(est, space, specs, prices, hp, inst, keys, runtime,
                                        n_obs, rng)
                        rows.append({"benchmark": bench, "task": task, "observations": n_obs,
                                     "estimator": est, **res})
    df = pd.DataFrame(rows)
    per_task = df.groupby(["benchmark", "observations", "task", "estimator"]).mean(
        numeric_only=True)
    table = per_task.groupby(["benchmark", "observations", "estimator"]).median().round(3)
    table = table.reset_index()
    order = {e: i for i, e in enumerate(args.estimators.split(","))}
    benches = {b: i for i, b in enumerate(args.benchmarks.split(","))}
    rank = {"benchmark": benches, "estimator": order}  # observations: numeric order
    table = table.sort_values(["benchmark", "observations", "estimator"], key=lambda c: (
        c.map(rank[c.name]) if c.name in rank else c)).reset_index(drop=True)
    print(f"{args.observations} observed (configuration, type) pairs, {args.repeats} splits, "
          f"{args.tasks_per_benchmark} tasks per benchmark; median over tasks of the mean over "
          f"splits; {time.perf_counter() - t0:.0f} s")
    cols = list(table.columns)
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for _, r in table.iterrows():
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    if not args.no_docs:
        _write_page(page, args, table)
    return 0


_NAMES = {"extra_trees": "extra trees",
          "two_term": "two-term fit (overhead + work / throughput) under extra trees",
          "auto": "chosen by cross-validation (auto)",
          "random_forest": "random forest", "gp": "GP (Matern 5/2)",
          "gp_ard": "GP (Matern 5/2, a length scale per feature)",
          "bilinear": "Bayesian bilinear (hyperparameters x hardware)",
          "additive": "additive (a per-type effect)"}


def _write_page(page: BenchmarkPage, args, table: pd.DataFrame) -> None:
    from syne_mohb.hardware.policy import HardwarePolicy

    default = HardwarePolicy().estimator
    rows = []
    for (bench, n_obs), g in table.groupby(["benchmark", "observations"], sort=False):
        best = {c: g[c].min() for c in ("rmse_configs", "rmse_type")}
        for _, r in g.iterrows():
            name = _NAMES.get(r["estimator"], r["estimator"])
            if r["estimator"] == default:
                name += " (the policy's default)"
            rows.append({"benchmark": bench, "observations": str(n_obs), "regressor": name, **{
                c: (f"**{r[c]:.3f}**" if r[c] == best[c] else f"{r[c]:.3f}")
                for c in ("rmse_configs", "rmse_type")},
                **{c: f"{r[c]:.2f}" for c in ("fastest_right", "cheapest_right")}})
    findings = []
    for bench, gb in table.groupby("benchmark", sort=False):
        parts = []
        for n_obs, g in gb.groupby("observations"):
            win = g.loc[g["rmse_configs"].idxmin()]
            part = (f"{n_obs} pairs: {_NAMES.get(win['estimator'], win['estimator'])} "
                    f"{win['rmse_configs']:.3f}")
            if default in set(g["estimator"]) and win["estimator"] != default:
                part += f" (the default {g[g['estimator'] == default].iloc[0]['rmse_configs']:.3f})"
            parts.append(part)
        findings.append(f"* `{bench}`, lowest RMSE on held-out configurations: "
                        + "; ".join(parts) + ".")
    obs = ", ".join(str(n) for n in args.observations)
    page.add(
        "The runtime model of the hardware policy (`syne_mohb/hardware/model.py`, "
        "`RuntimeCostModel(estimator=...)`) predicts the seconds per epoch of a (configuration, "
        "instance type) pair. This page compares its regressors by held-out prediction error on "
        f"the shipped offline benchmarks: {obs} observed (configuration, type) pairs drawn from "
        "70% of the configurations (a run has a few dozen in its first quarter, when most "
        "placement mistakes are made), predictions for every type of the other 30%. Columns: "
        "RMSE of log seconds per epoch on held-out configurations (`rmse_configs`) and on an "
        "instance type left out of the training pairs entirely (`rmse_type`, its prior from its "
        "specs); the share of held-out configurations whose predicted fastest / cheapest type "
        f"is right (within 2%). Median over {args.tasks_per_benchmark} tasks per benchmark of "
        f"the mean over {args.repeats} splits (the same splits for every regressor); the lowest "
        "error of each benchmark and number of pairs in bold.",
        markdown_table(rows, ["benchmark", "observations", "regressor", "rmse_configs",
                              "rmse_type", "fastest_right", "cheapest_right"],
                       ["benchmark", "observed pairs", "regressor", "RMSE held-out configs",
                        "RMSE held-out type", "fastest right", "cheapest right"]),
        "What the measurement shows:",
        "\n".join(findings),
        "`cnn` is the table with measured interactions between the network and the hardware (a "
        "GPU speeds up the large networks, not the small ones); the `-x` tables have modelled "
        "ones (`syne_mohb/blackboxes/interactions.py`); `hgb` and `linear` have none (every type "
        "is one speed for every configuration), so even the additive model can rank the types "
        "right there. Prediction error is one input of the choice of the default; the other is "
        "what the policy does with the model in runs, where the observations are the types the "
        "policy chose, not a random sample (the hardware-decision and variants pages). Rerun "
        "this script after changing the model.")
    page.write()


if __name__ == "__main__":
    sys.exit(main())
