"""Real local runs: our MO-ASHA over the local profiles against Syne Tune's ASHA on the largest.

The comparison of the local tutorial (``docs/tutorials/local.md#against-asha-on-one-profile``)
with paired seeds: one training script (``examples/train_digits_hw.py``, a scikit-learn MLP on
digits), the same search space and seeds, each run ``--budget`` seconds of real tuning on this
machine through :class:`~syne_mohb.backends.local.LocalProfileBackend`:

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

Writes ``docs/benchmarks/local-versus-asha.md`` (``--docs-dir``, ``--no-docs``). About
``2 x seeds x (budget + 5)`` seconds; nothing else should run on the machine meanwhile.
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

SCRIPT = ROOT / "examples" / "train_digits_hw.py"
METHODS = {
    "ASHA": ("the largest profile, fixed", "random (Syne Tune's ASHA, accuracy alone)"),
    "MOASHA": ("hardware policy (per configuration)", "model-based (our default)"),
}


def finished(output: Path, name: str) -> bool:
    """A finished run ``name-...`` below ``output`` (results and metadata written)."""
    return any((p / "results.csv.zip").exists() and (p / "metadata.json").exists()
               for p in output.glob(f"{name}-*"))


def run(method: str, seed: int, prices: dict[str, float], largest: str, budget: float,
        workers: int, output: Path) -> None:
    """One tuning run of ``method`` with ``seed``, into ``output/<method>-<seed>-<date>``."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.config_space import choice, loguniform
    from syne_tune.optimizer.baselines import ASHA

    from syne_mohb import MOASHA, HardwarePolicy
    from syne_mohb.backends.local import LocalProfileBackend
    from syne_mohb.hardware import INSTANCE_TYPE, local_profiles

    base = {"lr": loguniform(1e-3, 1e-1), "hidden": choice([16, 64, 256]), "epochs": 9}
    if method == "ASHA":
        space = {**base, INSTANCE_TYPE: largest}
        scheduler = ASHA(space, metric="accuracy", do_minimize=False, time_attr="epoch",
                         max_t=9, random_seed=seed)
    else:
        space = {**base, INSTANCE_TYPE: local_profiles(prices)}
        scheduler = MOASHA(space, metrics=["accuracy", "st_worker_cost", "st_worker_time"],
                           mode=["max", "min", "min"], time_attr="epoch", max_t=9,
                           random_seed=seed, hardware=HardwarePolicy(prices=prices))
    backend = LocalProfileBackend(str(SCRIPT), prices=prices, config_space=space)
    os.environ["SYNETUNE_FOLDER"] = str(output)
    Tuner(backend, scheduler, StoppingCriterion(max_wallclock_time=budget), n_workers=workers,
          sleep_time=0.5, tuner_name=f"{method.lower()}-{seed}", save_tuner=False).run()


def main(argv: list[str] | None = None) -> None:
    n_cpus = len(available_cpus())
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=20, help="paired seeds 0..N-1")
    p.add_argument("--budget", type=float, default=40.0, help="seconds of tuning per run")
    p.add_argument("--cores", type=int, default=min(2, n_cpus),
                   help="profiles local-cpu-1 .. local-cpu-CORES; ASHA runs on the largest")
    p.add_argument("--workers", type=int, default=1, help="Tuner n_workers of every run")
    p.add_argument("--price_per_core_hour", type=float, default=0.05,
                   help="user-set price: local-cpu-k costs k x this per hour")
    p.add_argument("--output", default=str(ROOT / "benchmarking" / "_results" /
                                           "local_versus_asha"),
                   help="folder of the runs (finished ones are kept and not run again)")
    add_docs_argument(p)
    args = p.parse_args(argv)
    if args.seeds < 2:
        p.error(f"--seeds must be >= 2 (paired intervals), got {args.seeds}")
    if not args.budget > 0:
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
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    for seed in range(args.seeds):
        order = ["ASHA", "MOASHA"] if seed % 2 == 0 else ["MOASHA", "ASHA"]
        for method in order:
            if finished(output, f"{method.lower()}-{seed}"):
                continue
            print(f"seed {seed}: {method}", file=sys.stderr)
            run(method, seed, prices, largest, args.budget, args.workers, output)
    load_after = os.getloadavg()[0]

    from syne_mohb.experiments.metrics import RATIO_STATISTIC
    from syne_mohb.experiments.report import make_report

    rep = make_report(output, output / "report", baseline="ASHA")
    targets, ratios = rep["targets"], rep["target_ratios"]
    rows = []
    for method, (logic, searcher) in METHODS.items():
        mine = targets[targets["method"] == method]
        row = {"method": method, "hardware": logic if method == "MOASHA" else
               f"{largest}, fixed", "searcher": searcher, "runs": len(mine),
               "reached": f"{int(mine['reached'].sum())}/{len(mine)}"}
        for key in ("tune_time", "tune_dollars", "model_time", "model_dollars"):
            row[key] = float(np.nanmean(mine[key].to_numpy(dtype=float)))
        rat = ratios[ratios["method"] == method]
        for key in ("tune_dollars", "tune_time", "model_dollars", "model_time"):
            if len(rat):
                r = rat.iloc[0]
                row[f"{key}_ratio"] = (f"{r[key]:.2f}x [{r[key + '_low']:.2f}, "
                                       f"{r[key + '_high']:.2f}]")
            else:
                row[f"{key}_ratio"] = "(baseline)"
        rows.append(row)
    for row in rows:
        print(row)
    if args.no_docs:
        return
    table = [{**r, "tune_time": f"{r['tune_time']:.1f}", "tune_dollars": f"{r['tune_dollars']:.6f}",
              "model_time": f"{r['model_time']:.2f}", "model_dollars": f"{r['model_dollars']:.7f}"}
             for r in rows]
    target = float(targets["target"].iloc[0]) if len(targets) else float("nan")
    page.add(
        "The question a user asks before adopting the hardware dimension: on my own script and "
        "my own machine, does MO-ASHA over the hardware profiles find an accurate model sooner "
        "or cheaper than the single-objective ASHA I would run on the fast profile? Both run the "
        "same real training script (`examples/train_digits_hw.py`: a scikit-learn MLP on digits, "
        "learning rate in [1e-3, 0.1], hidden units 16, 64 or 256, up to 9 epochs) through "
        "`LocalProfileBackend`, each trial pinned to its profile's cores, "
        f"{args.budget:g} s of tuning per run, {args.workers} worker(s), so that no trial shares "
        f"cores on this machine's {n_cpus}. Prices, set by the user: "
        + ", ".join(f"`{k}` ${v:.3f}/h" for k, v in prices.items())
        + f". 1-minute load average {load_before:.1f} before and {load_after:.1f} after.",
        f"Target: ASHA's mean best accuracy minus 0.5 points ({target:.4f}). Per method: runs "
        "that reached it; mean tuning time and dollars until the first result at the target (a "
        "run that never does counts with its whole run and all it spent); the found model's own "
        "training time and dollars (what the backend billed its trial up to that result); "
        f"ratios: {RATIO_STATISTIC}, [95% paired-bootstrap interval].",
        markdown_table(table, ["method", "hardware", "searcher", "reached", "tune_time",
                               "tune_dollars", "model_time", "model_dollars",
                               "tune_dollars_ratio", "tune_time_ratio", "model_dollars_ratio",
                               "model_time_ratio"],
                       ["method", "hardware logic", "searcher", "reached", "tuning s (mean)",
                        "tuning $ (mean)", "found model s (mean)", "found model $ (mean)",
                        "tuning $ vs ASHA", "tuning time vs ASHA", "found model $ vs ASHA",
                        "found model time vs ASHA"]),
        "The runs are real: their times move with the machine's load, a training here is about "
        "1 s of process start-up and 0.01-0.05 s per epoch, and one core is about as fast as two "
        "for this small model (see [local profiles](local-profiles.md)), so the cheaper profile "
        "loses little time. A script whose epochs scale with the cores would give another "
        "answer, which is the point of measuring it. The same comparison on any script: the "
        "[local tutorial](../tutorials/local.md#against-asha-on-one-profile) and `syne-mohb "
        "report RUNS --baseline ASHA`.")
    page.write()


if __name__ == "__main__":
    main()
