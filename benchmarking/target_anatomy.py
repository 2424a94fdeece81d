"""Where the time to the target goes, and how far the found model is from the table's cheapest.

For cached runs of ``compare_methods.py`` (``--output``) on one benchmark, per method, over the
given tasks and seeds, at each task's target (``syne_mohb.experiments.metrics.target_measures``:
ASHA on ml.p3.2xlarge's mean best accuracy minus 0.5 points, the comparisons' target):

* **reached**: the runs that reached the target;
* **the first trial at the target** (median over the runs that reached it): its position among
  the run's trials in order of start (1 = the first), its start (the tuner's time of its first
  result less that result's own runtime), the seconds it trained on its type until that result
  (the table's runtime at that epoch, averaged over the table's seeds) and the seconds the same
  configuration trains to that epoch on its fastest type: what a perfect placement of that one
  trial could save;
* **the found model** (``metrics.found_model``: the cheapest model, configuration at an epoch, a
  run trained at the target): its dollars over the table's cheapest model at the target (one
  seed's draw, the "best possible" of the comparison pages) and over the cheapest model at the
  target by the mean over the table's seeds; the share of runs whose found model ran on the
  table's cheapest type for it; where the rest of its dollars go: the found model over the same
  configuration and epoch on its cheapest type (**placement**), and the cheapest model at the
  target among the configurations the run tried, by the mean over seeds on any type and epoch,
  over the table's (**configurations tried**: what a run that placed and kept every one of
  its configurations perfectly could have found; geometric means over the runs).

    python benchmarking/target_anatomy.py --output benchmarking/_results/hardware_stock300 \\
        --benchmark mlp-x --tasks digits,vehicle,german --methods moasha,moasha-random,asha-p3

Cost: one pass over each run's results plus ``O(rows x seeds x epochs)`` per task's table.
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

BASELINE = "asha-p3"


def table_frame(blackbox) -> tuple[pd.DataFrame, list[str]]:
    """``runtime``, ``cost`` and ``accuracy`` of every (configuration ``key``, epoch, type) of
    an offline table, averaged over its seeds, and the hyperparameter columns (the type
    excluded) that the ``key`` joins."""
    hp = blackbox.hyperparameters.reset_index(drop=True)
    names = list(blackbox.objectives_names)
    ev = np.asarray(blackbox.objectives_evaluations, dtype=float)  # [row, seed, epoch, obj]
    cols = [c for c in hp.columns if c != "instance_type"]
    rows, epochs = ev.shape[0], ev.shape[2]
    frame = pd.DataFrame({
        "key": np.repeat(hp[cols].astype(str).agg("|".join, axis=1).to_numpy(), epochs),
        "epoch": np.tile(np.asarray(blackbox.fidelity_values, dtype=float), rows),
        "type": np.repeat(hp["instance_type"].astype(str).to_numpy(), epochs),
        "runtime": np.nanmean(ev[..., names.index("runtime")], axis=1).reshape(-1),
        "cost": np.nanmean(ev[..., names.index("cost")], axis=1).reshape(-1),
        "accuracy": np.nanmean(ev[..., names.index("accuracy")], axis=1).reshape(-1),
    })
    return frame.set_index(["key", "epoch", "type"]), cols


def cheapest_models(blackbox, target: float) -> tuple[float, float]:
    """The table's cheapest model at ``target``: over every seed's draw, and by the mean over
    seeds of each (configuration, type, epoch); NaN where none reaches it."""
    names = list(blackbox.objectives_names)
    ev = np.asarray(blackbox.objectives_evaluations, dtype=float)
    acc, cost = ev[..., names.index("accuracy")], ev[..., names.index("cost")]
    with np.errstate(invalid="ignore"):
        draw = np.where(acc >= target, cost, np.inf)
        mean = np.where(np.nanmean(acc, axis=1) >= target, np.nanmean(cost, axis=1), np.inf)
    low = [float(a.min()) for a in (draw, mean)]
    return tuple(v if np.isfinite(v) else np.nan for v in low)


def run_anatomy(run, target: float, cols: list[str], table: pd.DataFrame
                ) -> tuple[dict | None, dict | None]:
    """One run at ``target``: the first result there (its trial's start position and time, its
    seconds on its type and on the configuration's fastest type to that epoch) and the found
    model (the run's cheapest model there): whether it trained on the type cheapest for that
    configuration and epoch in ``table`` (:func:`table_frame`), its dollars over that type's
    (``placement``), and the dollars of the cheapest model at ``target`` by the table's mean
    over seeds among the configurations the run tried (``tried``; NaN where none reaches it);
    ``(None, None)`` if the run never reached it. Each result's type is the one that trained
    its segment."""
    df = results_by_type(run.results).sort_values("st_tuner_time")
    hit = df[df["accuracy"] >= target]
    if hit.empty:
        return None, None

    def key_of(row) -> str:
        return "|".join(str(row[c]) for c in cols)

    def on_types(row) -> pd.DataFrame:  # the row's configuration at its epoch, every type
        return table.xs((key_of(row), float(row["epoch"])), level=("key", "epoch"))

    first, found = hit.iloc[0], hit.loc[hit["cost"].idxmin()]
    starts = (df.groupby("trial_id")["st_tuner_time"].min()
              - df.groupby("trial_id")["runtime"].min()).sort_values()
    seconds = on_types(first)["runtime"]
    dollars = on_types(found)["cost"]
    tried = set(df[cols].astype(str).agg("|".join, axis=1))
    at_target = table[(table["accuracy"] >= target)
                      & table.index.get_level_values("key").isin(tried)]["cost"]
    return ({"position": int(np.flatnonzero(starts.index == first["trial_id"])[0]) + 1,
             "start": float(starts[first["trial_id"]]),
             "own": float(seconds.get(str(first["instance_type"]), np.nan)),
             "fastest": float(seconds.min())},
            {"on_cheapest": bool(dollars.idxmin() == str(found["instance_type"])),
             "placement": float(found["cost"]) / float(dollars.min()),
             "tried": float(at_target.min()) if len(at_target) else np.nan})


def main(argv=None) -> int:
    from docs_page import markdown_table
    from syne_mohb.experiments.metrics import target_measures

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args, bench, methods, tasks = cached_runs_arguments(
        ap, argv, "comma-separated method names (ASHA on ml.p3.2xlarge, the target's "
                  "baseline, is read too)")

    def runs_of(task: str, method: str) -> list:
        return [cached_run(ap, args, task, method, seed) for seed in range(args.seeds)]

    per_method: dict[str, dict[str, list]] = {m: {"hits": [], "reached": [], "draw": [],
                                                  "mean": [], "cheapest_type": [],
                                                  "placement": [], "tried": []}
                                              for m in methods}
    for task in tasks:
        runs = {m: runs_of(task, m) for m in dict.fromkeys([BASELINE, *methods])}
        target, measures = target_measures(runs, BASELINE)
        table, cols = table_frame(bench[task])
        draw, mean = cheapest_models(bench[task], target)
        for m in methods:
            rows = measures[measures["method"] == m]
            acc = per_method[m]
            acc["reached"] += rows["reached"].tolist()
            for run in runs[m]:
                hit, found = run_anatomy(run, target, cols, table)
                if hit is not None:
                    acc["hits"].append(hit)
                    acc["cheapest_type"].append(found["on_cheapest"])
                    acc["placement"].append(found["placement"])
                    acc["tried"].append(found["tried"] / mean)
            found = rows["model_dollars"].to_numpy(dtype=float)
            acc["draw"].append(np.nanmean(found) / draw)
            acc["mean"].append(np.nanmean(found) / mean)
    lines = []
    for m in methods:
        acc = per_method[m]
        hits = pd.DataFrame(acc["hits"])
        median = (lambda c: f"{hits[c].median():.3g}") if len(hits) else (lambda c: "-")
        lines.append({
            "method": m, "reached": f"{int(sum(acc['reached']))}/{len(acc['reached'])}",
            "first at target: position": median("position"),
            "its start (s)": median("start"), "its seconds on its type": median("own"),
            "on its fastest type": median("fastest"),
            "found model's $ / table's cheapest draw": _range(acc["draw"]),
            "/ cheapest by mean over seeds": _range(acc["mean"]),
            "found on its cheapest type": (f"{np.mean(acc['cheapest_type']):.0%}"
                                           if acc["cheapest_type"] else "-"),
            "placement: found / its cheapest type": _geomean(acc["placement"]),
            "configurations tried: their cheapest / table's": _geomean(acc["tried"])})
    print(f"Time to the target and the found model ({args.benchmark}: {','.join(tasks)}; "
          f"{args.seeds} seeds each; per-task ranges of mean over seeds)\n")
    print(markdown_table(lines, list(lines[0])))
    return 0


def _geomean(values: list[float]) -> str:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return f"{np.exp(np.log(v).mean()):.2f}x" if len(v) else "-"


def _range(values: list[float]) -> str:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return "-"
    return f"{v.min():.2f}x" if v.min() == v.max() else f"{v.min():.2f}x-{v.max():.2f}x"


if __name__ == "__main__":
    sys.exit(main())
