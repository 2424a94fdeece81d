"""Real local runs: our MO-ASHA over the local profiles against Syne Tune's ASHA on the largest.

The comparison of the local tutorial (``docs/tutorials/local.md#against-asha-on-one-profile``)
with paired seeds: per workload one training script, the same search space and seeds, each
run ``--budget`` seconds of real tuning on this machine through
:class:`~syne_mohb.backends.local.LocalProfileBackend`:

* ``ASHA``: Syne Tune 0.16's single-objective ASHA (accuracy), every trial on the largest
  profile (``local-cpu-k``, k = ``--cores``): what a user picks by habit, the fast type;
* ``MOASHA``: our default, MO-ASHA on accuracy, dollars and time, with the hardware policy
  choosing each trial's profile and the model-based searcher.

``--workers`` x ``--cores`` must fit the machine's cores, so that no trial shares cores and
the timings are clean. The runs of a seed alternate their order (ASHA first on even seeds) so
that a drift of the machine's speed does not favour one method. Finished runs in ``--output``
are kept and not run again (stop and restart at will). The comparison is ``syne-mohb report
OUTPUT --baseline ASHA``'s (:func:`~syne_mohb.experiments.report.make_report`): the target is
ASHA's mean best accuracy minus 0.5 points; tuning time and dollars to it, and the found
model's own training time and dollars, as the ratio of the means over paired seeds with the
95% bootstrap interval.

    .venv/bin/python benchmarking/bench_local_versus_asha.py [--seeds 20] [--budget 40]

Workloads (``--workloads``): ``mlp`` (the tutorial's script), ``mlp-wide`` (the same script
with wide layers: BLAS threads) and ``hgb`` (``benchmarking/train_hgb_hw.py``, gradient
boosting with OpenMP threads), each in its own subfolder of ``--output``.

Writes ``docs/benchmarks/local-versus-asha.md`` (``--docs-dir``, ``--no-docs``). About
``2 x seeds x (budget + 5)`` seconds per workload; nothing else should run on the machine
meanwhile.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import numpy as np

from syne_mohb.hardware.profiles import available_cpus

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarking"))
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402

#: workload -> (training script, its search space without the instance type, budget in
#: seconds per run, what it is)
WORKLOADS = {
    "mlp": (ROOT / "examples" / "train_digits_hw.py",
            lambda c: {"lr": c.loguniform(1e-3, 1e-1), "hidden": c.choice([16, 64, 256]),
                       "epochs": 9},
            40.0, "`examples/train_digits_hw.py`: a scikit-learn MLP on digits, learning rate "
                  "in [1e-3, 0.1], hidden units 16, 64 or 256, up to 9 epochs; about 1 s of "
                  "process start-up and 0.01-0.05 s per epoch, one core about as fast as two"),
    "mlp-wide": (ROOT / "examples" / "train_digits_hw.py",
                 lambda c: {"lr": c.loguniform(1e-3, 1e-1), "hidden": c.choice([256, 1024, 2048]),
                            "layers": 2, "batch_size": 256, "epochs": 9},
                 45.0, "`examples/train_digits_hw.py` with wide layers: a scikit-learn MLP of 2 "
                       "layers of 256, 1,024 or 2,048 units on digits (matrix products, BLAS "
                       "threads), learning rate in [1e-3, 0.1], up to 9 epochs: where a second "
                       "core shortens an epoch"),
    "hgb": (ROOT / "benchmarking" / "train_hgb_hw.py",
            lambda c: {"max_leaf_nodes": c.choice([7, 15, 31, 63, 127]),
                       "learning_rate": c.loguniform(0.02, 0.3), "epochs": 9,
                       "trees_per_epoch": 5, "n_samples": 20_000},
            45.0, "`benchmarking/train_hgb_hw.py`: scikit-learn histogram gradient boosting "
                  "(OpenMP threads) on 20,000 x 40 synthetic rows, 5 trees per epoch, "
                  "`max_leaf_nodes` 7-127, learning rate in [0.02, 0.3], up to 9 epochs; on "
                  "this machine an epoch on 2 cores is slower than on one (see "
                  "[local profiles](local-profiles.md))"),
}
METHODS = {
    "ASHA": ("{largest}, fixed", "random (Syne Tune's ASHA, accuracy alone)"),
    "MOASHA": ("hardware policy (per configuration)", "model-based (our default)"),
}


def finished(output: Path, name: str) -> bool:
    """A finished run ``name-...`` below ``output`` (results and metadata written)."""
    return any((p / "results.csv.zip").exists() and (p / "metadata.json").exists()
               for p in output.glob(f"{name}-*"))


def run(method: str, seed: int, prices: dict[str, float], largest: str, budget: float,
        workers: int, output: Path, workload: str = "mlp") -> None:
    """One tuning run of ``method`` with ``seed`` on ``workload``, into
    ``output/<method>-<seed>-<date>``."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune import config_space
    from syne_tune.optimizer.baselines import ASHA

    from syne_mohb import MOASHA, HardwarePolicy
    from syne_mohb.backends.local import LocalProfileBackend
    from syne_mohb.hardware import INSTANCE_TYPE, local_profiles

    script, make_space, _, _ = WORKLOADS[workload]
    base = make_space(config_space)
    if method == "ASHA":
        space = {**base, INSTANCE_TYPE: largest}
        scheduler = ASHA(space, metric="accuracy", do_minimize=False, time_attr="epoch",
                         max_t=9, random_seed=seed)
    else:
        space = {**base, INSTANCE_TYPE: local_profiles(prices)}
        scheduler = MOASHA(space, metrics=["accuracy", "st_worker_cost", "st_worker_time"],
                           mode=["max", "min", "min"], time_attr="epoch", max_t=9,
                           random_seed=seed, hardware=HardwarePolicy(prices=prices))
    # a finished trial's checkpoints go (a wide MLP's per epoch filled 23 GB in 30 min)
    backend = LocalProfileBackend(str(script), prices=prices, config_space=space,
                                  delete_checkpoints=True)
    os.environ["SYNETUNE_FOLDER"] = str(output)
    Tuner(backend, scheduler, StoppingCriterion(max_wallclock_time=budget), n_workers=workers,
          sleep_time=0.5, tuner_name=f"{method.lower()}-{seed}", save_tuner=False).run()


def _rows(targets, ratios, largest: str) -> list[dict]:
    """Per method: runs that reached the target, the means of the measures and the ratios
    against ASHA (:func:`~syne_mohb.experiments.report.make_report`'s tables)."""
    rows = []
    for method, (logic, searcher) in METHODS.items():
        mine = targets[targets["method"] == method]
        row = {"method": method, "hardware": logic.format(largest=largest),
               "searcher": searcher, "runs": len(mine),
               "reached": f"{int(mine['reached'].sum())}/{len(mine)}"}
        for key in ("tune_time", "tune_dollars", "model_time", "model_dollars"):
            row[key] = float(np.nanmean(mine[key].to_numpy(dtype=float)))
        rat = ratios[ratios["method"] == method] if len(ratios) else ratios
        for key in ("tune_dollars", "tune_time", "model_dollars", "model_time"):
            if len(rat):
                r = rat.iloc[0]
                row[f"{key}_ratio"] = (f"{r[key]:.2f}x [{r[key + '_low']:.2f}, "
                                       f"{r[key + '_high']:.2f}]")
            else:
                row[f"{key}_ratio"] = "(baseline)"
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    n_cpus = len(available_cpus())
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    p.add_argument("--seeds", type=int, default=20, help="paired seeds 0..N-1")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds of tuning per run (default: the workload's, 40 s for mlp, "
                        "45 s for mlp-wide and hgb)")
    p.add_argument("--cores", type=int, default=min(2, n_cpus),
                   help="profiles local-cpu-1 .. local-cpu-CORES; ASHA runs on the largest")
    p.add_argument("--workers", type=int, default=1, help="Tuner n_workers of every run")
    p.add_argument("--price_per_core_hour", type=float, default=0.05,
                   help="user-set price: local-cpu-k costs k x this per hour")
    p.add_argument("--output", default=str(ROOT / "benchmarking" / "_results" /
                                           "local_versus_asha"),
                   help="folder of the runs, one subfolder per workload (finished runs are "
                        "kept and not run again)")
    add_docs_argument(p)
    args = p.parse_args(argv)
    if args.seeds < 2:
        p.error(f"--seeds must be >= 2 (paired intervals), got {args.seeds}")
    if args.budget is not None and not args.budget > 0:
        p.error(f"--budget must be > 0 seconds, got {args.budget:g}")
    if not 1 <= args.cores <= n_cpus:
        p.error(f"--cores must be 1..{n_cpus} (the usable cores of this machine), got "
                f"{args.cores}")
    if args.workers < 1 or args.workers * args.cores > n_cpus:
        p.error(f"--workers x --cores must be 1..{n_cpus} (no trial may share cores), got "
                f"{args.workers} x {args.cores}")
    if not args.price_per_core_hour > 0:
        p.error(f"--price_per_core_hour must be > 0, got {args.price_per_core_hour:g}")
    page = BenchmarkPage("local-versus-asha",
                         "Real local runs: MO-ASHA over the profiles against ASHA on the largest",
                         seeds=f"{args.seeds} paired seeds", docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    logging.basicConfig(level=logging.WARNING)
    prices = {f"local-cpu-{k}": k * args.price_per_core_hour for k in range(1, args.cores + 1)}
    largest = f"local-cpu-{args.cores}"
    load_before = os.getloadavg()[0]
    budgets = {w: args.budget or WORKLOADS[w][2] for w in args.workloads}
    for workload in args.workloads:
        output = Path(args.output) / workload
        output.mkdir(parents=True, exist_ok=True)
        for seed in range(args.seeds):
            order = ["ASHA", "MOASHA"] if seed % 2 == 0 else ["MOASHA", "ASHA"]
            for method in order:
                if finished(output, f"{method.lower()}-{seed}"):
                    continue
                print(f"{workload}, seed {seed}: {method}", file=sys.stderr)
                run(method, seed, prices, largest, budgets[workload], args.workers, output,
                    workload)
    load_after = os.getloadavg()[0]

    from syne_mohb.experiments.metrics import RATIO_STATISTIC
    from syne_mohb.experiments.report import make_report

    page.add(
        "The question a user asks before adopting the hardware dimension: on my own script and "
        "my own machine, does MO-ASHA over the hardware profiles find an accurate model sooner "
        "or cheaper than the single-objective ASHA I would run on the fast profile? Both run the "
        "same real training script through `LocalProfileBackend`, each trial pinned to its "
        f"profile's cores, {args.workers} worker(s), so that no trial shares cores on this "
        f"machine's {n_cpus}; the same seeds, the order of the two runs of a seed alternating. "
        "Prices, set by the user: "
        + ", ".join(f"`{k}` ${v:.3f}/h" for k, v in prices.items())
        + f". 1-minute load average {load_before:.1f} before and {load_after:.1f} after. "
        "Finished runs are kept in the output folder and not run again; the time taken above "
        "counts only the runs this command made.",
        f"Target: ASHA's mean best accuracy minus 0.5 points. Per method: runs that reached it; "
        "mean tuning time and dollars until the first result at the target (a run that never "
        "does counts with its whole run and all it spent); the found model's own training time "
        "and dollars (what the backend billed its trial up to that result); ratios: "
        f"{RATIO_STATISTIC}, [95% paired-bootstrap interval].")
    for workload in args.workloads:
        output = Path(args.output) / workload
        rep = make_report(output, output / "report", baseline="ASHA")
        targets, ratios = rep["targets"], rep["target_ratios"]
        rows = _rows(targets, ratios, largest)
        for row in rows:
            print(workload, row)
        table = [{**r, "tune_time": f"{r['tune_time']:.1f}",
                  "tune_dollars": f"{r['tune_dollars']:.6f}",
                  "model_time": f"{r['model_time']:.2f}",
                  "model_dollars": f"{r['model_dollars']:.7f}"} for r in rows]
        target = float(targets["target"].iloc[0]) if len(targets) else float("nan")
        page.add(
            f"## `{workload}`",
            f"{WORKLOADS[workload][3]}. {budgets[workload]:g} s of tuning per run; target "
            f"{target:.4f}.",
            markdown_table(table, ["method", "hardware", "searcher", "reached", "tune_time",
                                   "tune_dollars", "model_time", "model_dollars",
                                   "tune_dollars_ratio", "tune_time_ratio",
                                   "model_dollars_ratio", "model_time_ratio"],
                           ["method", "hardware logic", "searcher", "reached",
                            "tuning s (mean)", "tuning $ (mean)", "found model s (mean)",
                            "found model $ (mean)", "tuning $ vs ASHA", "tuning time vs ASHA",
                            "found model $ vs ASHA", "found model time vs ASHA"]))
    if args.no_docs:
        return
    page.add(
        "The runs are real: their times move with the machine's load. Whether the cheaper or the "
        "larger profile pays depends on the script and the machine, which is what the hardware "
        "dimension measures instead of assuming. The same comparison on any script: the "
        "[local tutorial](../tutorials/local.md#against-asha-on-one-profile) and `syne-mohb "
        "report RUNS --baseline ASHA`.")
    page.write()


if __name__ == "__main__":
    main()
