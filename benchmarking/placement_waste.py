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

    python benchmarking/placement_waste.py --output benchmarking/_results/hardware \\
        --benchmark cnn --tasks mnist,mnist_rot90 \\
        --methods moasha,moasha-random,st-moasha-fixed,asha-p3

Cost: one pass over each run's results, ``O(results)``, plus ``O(configurations x types^2)``
for the table's dominance.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from script_args import cached_run, cached_runs_arguments  # noqa: E402


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


def run_shares(results: pd.DataFrame, cols: list[str], factor: dict) -> pd.DataFrame:
    """One row per result: worker seconds since the trial's previous result, the quarter of the
    run's tuning time it ended in, and the dominance factor of its (configuration, type)."""
    df = results.rename(columns=lambda c: c[len("config_"):] if c.startswith("config_") else c)
    df = df.sort_values(["trial_id", "st_worker_time"])
    dt = df.groupby("trial_id")["st_worker_time"].diff().fillna(df["st_worker_time"])
    typ = df["segment_instance_type"] if "segment_instance_type" in df else df["instance_type"]
    keys = df[cols].astype(str).agg("|".join, axis=1)
    end = float(df["st_tuner_time"].max()) or 1.0
    return pd.DataFrame({
        "dt": dt.to_numpy(dtype=float),
        "quarter": np.minimum(3, (4 * df["st_tuner_time"].to_numpy(dtype=float) / end).astype(int)),
        "factor": [factor.get((k, str(t)), np.nan) for k, t in zip(keys, typ)],
    })


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
    args, bench, methods, tasks = cached_runs_arguments(ap, argv)
    dominated = {}  # task -> (hyperparameter columns, dominance factors), once per task
    for task in tasks:
        table, cols = per_epoch_table(bench[task])
        dominated[task] = (cols, dominance(table))
    lines = []
    for method in methods:
        rows = []
        for task, (cols, factor) in dominated.items():
            for seed in range(args.seeds):
                run = cached_run(ap, args, task, method, seed)
                if "st_worker_time" not in run.results:
                    ap.error(f"{run.path}: its results lack st_worker_time (a run on Syne "
                             f"Tune's simulator, --simulator stock); give runs of our "
                             f"simulator (compare_methods.py's default)")
                rows.append(run_shares(run.results, cols, factor))
        lines.append({"method": method, **summarise(pd.concat(rows))})
    print(f"Share of worker time on a type dominated for the configuration "
          f"({args.benchmark}: {args.tasks}; {args.seeds} seeds each)\n")
    print(markdown_table(lines, list(lines[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
