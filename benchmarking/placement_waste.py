"""Where the tuning time goes: the share of worker time spent on an instance type that another
type beats, for that configuration, in both seconds and dollars per epoch.

For every (configuration, type) of an offline table, the seconds and dollars of one epoch are
the table's cumulative ``runtime`` / ``cost`` at the last epoch divided by the epochs, averaged
over the table's seeds. A type is *dominated for a configuration* when another type is at least
as fast and as cheap per epoch for it, and better in one. For each run of each method (cached by
``compare_methods.py`` under ``--output``), every result's worker seconds since the trial's
previous result are charged to the (configuration, type) it ran on; the table gives, per method,
the share of worker seconds on dominated types, over the whole run and per quarter of the tuning
time, and the share where a dominating type is at least 2x faster or 2x cheaper (and no worse
in the other). A run on one fixed type (ASHA-p3) can be dominated too: the fixed type is not the
best for every configuration.

A second table looks at the run's first trials in the order they started (``--first``, 20 by
default), where the runtime model knows least: the share placed on a type at least 2x slower
per epoch than the configuration's fastest (over the first trials and per five of them), the
share on a type without accelerators (the catalog's specs; trials 1-5 and all of the first),
and, of the first trials whose configuration runs at least 3x faster on its fastest type than
on the fastest type without accelerators, the share placed without one.

    python benchmarking/placement_waste.py --output benchmarking/_results/hardware \\
        --benchmark cnn --tasks mnist,mnist_rot90 \\
        --methods moasha,moasha-random,st-moasha-fixed,asha-p3

Cost: one pass over each run's results, ``O(results)``, plus ``O(configurations x types^2)``
for the table's dominance; the second table ``O(first x types)`` per run.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from script_args import cached_run, cached_runs_arguments, results_by_type  # noqa: E402


def per_epoch_table(blackbox) -> tuple[pd.DataFrame, list[str]]:
    """``(configuration key, type) -> seconds, dollars`` per epoch, averaged over seeds, and the
    hyperparameter columns the key joins."""
    hp = blackbox.hyperparameters.reset_index(drop=True)
    names = list(blackbox.objectives_names)
    ev = np.asarray(blackbox.objectives_evaluations, dtype=float)  # [config, seed, epoch, obj]
    epochs = ev.shape[2]
    cols = [c for c in hp.columns if c != "instance_type"]
    return pd.DataFrame({
        "key": hp[cols].astype(str).agg("|".join, axis=1),
        "type": hp["instance_type"].astype(str),
        "seconds": np.nanmean(ev[:, :, -1, names.index("runtime")], axis=1) / epochs,
        "dollars": np.nanmean(ev[:, :, -1, names.index("cost")], axis=1) / epochs,
    }), cols


def dominance(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    """``(key, type) -> factor``: 1 when the type is on the configuration's (seconds, dollars)
    front, else the smallest, over the types dominating it, of the larger of its seconds and
    dollars ratios to that type (how much worse it is)."""
    out = {}
    for key, g in table.groupby("key"):
        s, d, t = g["seconds"].to_numpy(), g["dollars"].to_numpy(), g["type"].tolist()
        for i in range(len(t)):
            better = (s <= s[i]) & (d <= d[i]) & ((s < s[i]) | (d < d[i]))
            out[(key, t[i])] = (float(np.min(np.maximum(s[i] / s[better], d[i] / d[better])))
                                if better.any() else 1.0)
    return out


def run_shares(typed: pd.DataFrame, cols: list[str], factor: dict) -> pd.DataFrame:
    """One row per result of a run's results labelled by type (``results_by_type``): worker
    seconds since the trial's previous result, the quarter of the run's tuning time it ended
    in, and the dominance factor of its (configuration, type)."""
    df = typed.sort_values(["trial_id", "st_worker_time"])
    dt = df.groupby("trial_id")["st_worker_time"].diff().fillna(df["st_worker_time"])
    typ = df["instance_type"]
    keys = df[cols].astype(str).agg("|".join, axis=1)
    end = float(df["st_tuner_time"].max()) or 1.0
    return pd.DataFrame({
        "dt": dt.to_numpy(dtype=float),
        "quarter": np.minimum(3, (4 * df["st_tuner_time"].to_numpy(dtype=float) / end).astype(int)),
        "factor": [factor.get((k, str(t)), np.nan) for k, t in zip(keys, typ)],
    })


def first_trials(typed: pd.DataFrame, cols: list[str], seconds: dict[str, dict[str, float]],
                 cpu_types: set[str], first: int) -> pd.DataFrame:
    """One row per trial among the run's ``first`` in order of start (trial ids are given in
    that order; a restart is a new trial): its position, the type of its first segment, that
    type's seconds per epoch over the configuration's fastest type's (``slow``), whether it has
    no accelerator, and the configuration's speed-up on its fastest type over the fastest type
    without one. ``typed``: as for :func:`run_shares`; ``seconds``: configuration key -> type
    -> seconds per epoch."""
    df = typed.sort_values(["trial_id", "st_worker_time"])
    df = df.groupby("trial_id").head(1).sort_values("trial_id").head(first)
    typ = df["instance_type"].astype(str)
    keys = df[cols].astype(str).agg("|".join, axis=1)
    rows = []
    for pos, (k, t) in enumerate(zip(keys, typ)):
        own = seconds[k]
        fastest = min(own.values())
        cpu = min((v for tt, v in own.items() if tt in cpu_types), default=np.nan)
        rows.append({"position": pos, "slow": own[t] / fastest, "cpu": t in cpu_types,
                     "gpu_gain": cpu / fastest})
    return pd.DataFrame(rows)


def summarise_first(rows: pd.DataFrame, first: int) -> dict[str, str]:
    out = {f"first {first} on a >= 2x slower type": f"{(rows['slow'] >= 2.0).mean():.0%}"}
    for lo in range(0, first, 5):
        part = rows[(rows["position"] >= lo) & (rows["position"] < lo + 5)]
        out[f"trials {lo + 1}-{lo + 5}"] = (f"{(part['slow'] >= 2.0).mean():.0%}"
                                            if len(part) else "-")
    out["trials 1-5 without accelerator"] = f"{rows.loc[rows['position'] < 5, 'cpu'].mean():.0%}"
    out[f"first {first} without accelerator"] = f"{rows['cpu'].mean():.0%}"
    heavy = rows[rows["gpu_gain"] >= 3.0]
    out["of those >= 3x faster with one: without"] = (f"{heavy['cpu'].mean():.0%}"
                                                      if len(heavy) else "-")
    return out


def summarise(rows: pd.DataFrame) -> dict[str, str]:
    total = rows["dt"].sum()
    dom = rows["factor"] > 1.0
    out = {"dominated": f"{rows.loc[dom, 'dt'].sum() / total:.0%}",
           "dominated by >= 2x": f"{rows.loc[rows['factor'] >= 2.0, 'dt'].sum() / total:.0%}"}
    for q in range(4):
        part = rows[rows["quarter"] == q]
        share = (part.loc[part["factor"] > 1.0, "dt"].sum() / part["dt"].sum()
                 if len(part) else np.nan)
        out[f"quarter {q + 1}"] = f"{share:.0%}"
    return out


def main(argv=None) -> int:
    from docs_page import markdown_table

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--first", type=int, default=20,
                    help="trials, in order of start, of the second table (default 20)")
    args, bench, methods, tasks = cached_runs_arguments(ap, argv)
    if args.first < 1:
        ap.error(f"--first must be >= 1, got {args.first}")
    from syne_mohb.hardware import hardware_specs

    dominated = {}  # task -> (hyperparameter columns, dominance factors), once per task
    per_epoch = {}  # task -> key -> type -> seconds per epoch
    types: set[str] = set()
    for task in tasks:
        table, cols = per_epoch_table(bench[task])
        dominated[task] = (cols, dominance(table))
        per_epoch[task] = {key: dict(zip(g["type"], g["seconds"]))
                           for key, g in table.groupby("key")}
        types |= set(table["type"])
    specs = hardware_specs(sorted(types))
    cpu_types = {t for t, spec in specs.items() if not spec.gpus}
    lines, first_lines = [], []
    for method in methods:
        rows, first = [], []
        for task, (cols, factor) in dominated.items():
            for seed in range(args.seeds):
                run = cached_run(ap, args, task, method, seed)
                if "st_worker_time" not in run.results:
                    ap.error(f"{run.path}: its results lack st_worker_time (a run on Syne "
                             f"Tune's simulator, --simulator stock); give runs of our "
                             f"simulator (compare_methods.py's default)")
                typed = results_by_type(run.results)  # each result's type, once per run
                rows.append(run_shares(typed, cols, factor))
                first.append(first_trials(typed, cols, per_epoch[task], cpu_types, args.first))
        lines.append({"method": method, **summarise(pd.concat(rows))})
        first_lines.append({"method": method, **summarise_first(pd.concat(first), args.first)})
    print(f"Share of worker time on a type dominated for the configuration "
          f"({args.benchmark}: {args.tasks}; {args.seeds} seeds each)\n")
    print(markdown_table(lines, list(lines[0])))
    print(f"\nThe first {args.first} trials in order of start: placed on a type at least 2x "
          f"slower per epoch than the configuration's fastest, and on a type without "
          f"accelerators\n")
    print(markdown_table(first_lines, list(first_lines[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
