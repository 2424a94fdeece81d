"""Configurations that fail on some instance types (out of memory): what remembering it buys.

For each benchmark, a copy of its shipped table is written in which the largest third of the
model configurations (by the table's measured 1-core epoch time, the mean over tasks, seeds and
epochs) *fail* on the table's two cheapest instance types: their rows are NaN, and the simulated
backend fails such a job once its start-up is over (``syne_mohb.backends.simulated``). The
pattern is synthetic (the shipped tables record no failure); it is the one a tuner meets when
big models do not fit the small machines, and the cheapest types are those a cost-minded
policy tries first. Then ``compare_methods.py`` runs on each copy, with SageMaker job start-up
(a failed job waits for its instance and bills its download), paired seeds:

* ``moasha``: the default, whose hardware policy records each failure, keeps the configuration
  (and, once failures add up, similar ones) off that type, and trains a failed configuration once
  more on another type (``syne_mohb.hardware.feasibility``);
* ``moasha-forget-failures``: the same policy without it (``avoid_failures=False``, the
  behaviour before 2026-12-07);
* ``st-moasha-fixed`` (the patched Syne Tune MOASHA, uniform types) and ``asha-p3`` (which
  never fails: ml.p3.2xlarge is not among the failing types).

It prints and writes (``--page``) the failed trials per run and what their start-ups billed,
with the 95% paired-bootstrap interval of ``moasha-forget-failures`` / ``moasha``, and the
comparison tables of ``compare_methods.py`` (``moasha`` against ``moasha-forget-failures``).

    python benchmarking/bench_failures.py --seeds 20 --processes 2 --page

Cost: the runs of ``compare_methods.py`` (cached under ``--output``: a second call recomputes
the tables only), plus one pass over each run's metadata.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

METHODS = ["moasha", "moasha-no-retry", "moasha-forget-failures", "st-moasha-fixed"]
BASELINE = "asha-p3"  # compare_methods.py runs it (and asha-default) itself
OURS, FORGET = "moasha", "moasha-forget-failures"


def failing_copy(name: str, folder: Path, share: float = 1 / 3, types: int = 2) -> dict:
    """Write a copy of shipped table ``name`` to ``folder`` in which the largest ``share`` of
    the model configurations fail on the ``types`` cheapest instance types (NaN rows); returns
    what failed (for the page)."""
    from syne_mohb.blackboxes.repository import resolve_path

    src = resolve_path(name)
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(src, folder)
    meta = json.loads((folder / "metadata.json").read_text())
    import pandas as pd

    hp = pd.read_parquet(folder / "hyperparameters.parquet")
    ev = np.load(folder / "objectives_evaluations.npy")  # [task, row, seed, epoch, objective]
    names = meta["objectives_names"]
    itype = meta.get("instance_type_attr", "instance_type")
    hps = [c for c in hp.columns if c != itype]
    size = ev[..., names.index("measured_epoch_time")].mean(axis=(0, 2, 3))
    model = hp[hps].astype(str).agg("|".join, axis=1)
    per_model = pd.Series(size).groupby(model.to_numpy()).mean()
    large = set(per_model[per_model >= per_model.quantile(1 - share)].index)
    prices = ev[..., names.index("cost")][..., -1].mean(axis=(0, 2)) \
        / ev[..., names.index("runtime")][..., -1].mean(axis=(0, 2))
    rate = pd.Series(prices).groupby(hp[itype].to_numpy()).median().sort_values()
    cheap = list(rate.index[:types])
    fail = (model.isin(large) & hp[itype].isin(cheap)).to_numpy()
    ev[:, fail] = np.nan
    np.save(folder / "objectives_evaluations.npy", ev)
    meta["family"] = f"{meta.get('family', name)} (failures)"
    meta["description"] = (f"{name} with the largest {share:.0%} of the model configurations "
                           f"failing on {', '.join(cheap)} (NaN rows; bench_failures.py)")
    (folder / "metadata.json").write_text(json.dumps(meta))
    return {"benchmark": name, "failing types": ", ".join(cheap),
            "failing configurations": f"{len(large)} of {len(per_model)} (by measured epoch time)",
            "failing rows": f"{int(fail.sum())} of {len(hp)}"}


def failure_rows(output: Path, bench: str, tasks: list[str], seeds: int,
                 n_boot: int = 2000) -> list[dict]:
    """Per method: mean failed trials and failed jobs' dollars per run; the paired bootstrap
    interval of ``moasha-forget-failures`` / ``moasha`` for both (seeds resampled per task)."""
    from syne_mohb.experiments.runner import benchmark_label  # the folder runs are under

    from syne_mohb import blackboxes
    from syne_mohb.experiments.analysis import load_run

    key = benchmark_label(bench)
    tables = blackboxes.load(bench)
    per = {m: {"failed": [], "dollars": [], "large": [], "share": []}
           for m in METHODS + [BASELINE]}
    for task in tasks:
        hp = tables[task].hyperparameters
        cols = [c for c in hp.columns if c != "instance_type"]
        nan = np.isnan(np.asarray(tables[task].objectives_evaluations)[:, 0, 0]).all(axis=-1)
        failing = {tuple(map(str, r)) for r, f in zip(hp[cols].itertuples(index=False), nan)
                   if f}
        for m in METHODS + [BASELINE]:
            for seed in range(seeds):
                path = output / key / task / m / f"seed-{seed}"
                meta = json.loads((path / "metadata.json").read_text())["syne_mohb"]
                per[m]["failed"].append(float(meta.get("num_trials_failed") or 0))
                per[m]["dollars"].append(float(meta.get("failed_dollars") or 0.0))
                last = load_run(path).results.groupby("trial_id").last()
                big = np.array([tuple(map(str, r)) in failing for r in
                                last[[f"config_{c}" for c in cols]].itertuples(index=False)])
                per[m]["large"].append(float(big.sum()))
                per[m]["share"].append(float(last.loc[big, "cost"].sum() / last["cost"].sum())
                                       if len(last) else 0.0)
    rng = np.random.RandomState(0)
    rows = []
    for m in METHODS + [BASELINE]:
        row = {"method": m}
        for what, label, fmt in (
                ("failed", "failed trials per run", "{:.2f}"),
                ("dollars", "failed jobs' $ per run", "{:.4f}"),
                ("large", "trials of failing configurations that trained, per run", "{:.1f}"),
                ("share", "their share of the trials' $", "{:.0%}")):
            row[label] = fmt.format(np.mean(per[m][what]))
        if m == FORGET:
            for what, label in (("failed", "failed trials: forget / moasha"),
                                ("dollars", "failed $: forget / moasha")):
                a, b = np.array(per[OURS][what]), np.array(per[FORGET][what])
                idx = rng.randint(len(a), size=(n_boot, len(a)))
                ratios = b[idx].mean(axis=1) / np.maximum(a[idx].mean(axis=1), 1e-12)
                lo, hi = np.percentile(ratios, [2.5, 97.5])
                row[label] = (f"{b.mean() / max(a.mean(), 1e-12):.2f}x "
                              f"[{lo:.2f}, {hi:.2f}]")
        rows.append(row)
    cols = list(dict.fromkeys(k for row in rows for k in row))
    return [{c: row.get(c, "") for c in cols} for row in rows]


def main(argv=None) -> int:
    from compare_methods import main as compare
    from docs_page import BenchmarkPage, markdown_table

    from syne_mohb import blackboxes

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmarks", default="cnn,mlp",
                    help="comma-separated shipped benchmarks with a folder (not the -x variants)")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--output", default="benchmarking/_results/failures")
    ap.add_argument("--page", action="store_true", help="write docs/benchmarks/failures.md")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error(f"--seeds must be >= 1, got {args.seeds}")
    output = Path(args.output)
    page = BenchmarkPage("failures", "Failures on some instance types",
                         seeds=f"{args.seeds} paired seeds", argv=argv)
    made, sections = [], []
    for name in [b for b in args.benchmarks.split(",") if b]:
        if name.endswith("-x"):
            ap.error(f"--benchmarks: {name!r} has no folder to copy (a derived variant); "
                     f"name shipped tables such as cnn, mlp")
        folder = (output / "tables" / f"{name}-fail").resolve()
        made.append(failing_copy(name, folder))
        tasks = sorted(blackboxes.load(str(folder)))
        table = f"{name}_failures.csv"
        cmd = ["--benchmarks", str(folder), "--seeds", str(args.seeds), "--processes",
               str(args.processes), "--methods", ",".join(METHODS), "--startup", "--output",
               str(output), "--table", table, "--versus", FORGET]
        print(f"== {name}: compare_methods.py {' '.join(cmd)}", flush=True)
        if compare(cmd) != 0:
            return 1
        rows = failure_rows(output, str(folder), tasks, args.seeds)
        print(markdown_table(rows, list(rows[0])))
        paired = output / ("versus_" + table)
        sections.append((name, tasks, rows, table, paired))
    if args.page:
        page.add(
            "What the hardware policy does when a configuration fails on a type (out of memory "
            "on a small instance): `moasha` records the pair and keeps the configuration off "
            "that type, learns from several such failures to keep similar configurations off "
            "it, and trains the failed configuration once more on another type "
            "(`syne_mohb/hardware/feasibility.py`, `HardwarePolicy.on_error`). "
            "`moasha-forget-failures` is the same policy without it (before 2026-12-07). "
            "The shipped tables record no failure, so this page makes some: in a copy of each "
            "table, the largest third of the model configurations (by measured 1-core epoch "
            "time) fail on the two cheapest instance types. Simulated SageMaker job start-up "
            "(`--startup`): a failed job waits for its instance and bills its download, which "
            "no result carries (\"failed jobs' $\"); 4 workers, the budget of "
            "`compare_methods.py` (8 median full trainings on ml.g4dn.xlarge plus 8 cold "
            "start-ups). Script: `benchmarking/bench_failures.py`.",
            markdown_table(made, list(made[0])))
        import pandas as pd

        lines = []
        for name, tasks, rows, table, paired in sections:
            if not paired.exists():
                continue
            v = pd.read_csv(paired, dtype=str, keep_default_na=False).set_index("method")
            for m in ("moasha", "moasha-no-retry"):
                if m in v.index:
                    r = v.loc[m]
                    found = r["found model's $"]
                    lines.append(f"- `{name}`, `{m}` / `{FORGET}`: tuning time to the target "
                                 f"{r['tuning time to target']}, tuning $ "
                                 f"{r['tuning $ to target']}, found model's $ {found}, "
                                 f"hypervolume at the end {r['HV end']}")
        page.add("## Summary",
                 "From the paired tables below (> 1: the method is better than forgetting "
                 "failures; the interval is the 95% paired bootstrap):", "\n".join(lines),
                 "The found model's dollars are those of the cheapest model a run trained at "
                 "the target. Where a failed configuration is trained again, on a type that "
                 "holds it, the run learns that these large configurations are accurate and "
                 "trains more of them there: the target is reached sooner, with pricier "
                 "models. Forgetting failures, a run trains almost none of the configurations "
                 "that fail on the cheap types (the column \"trials of failing configurations "
                 "that trained\" below, against ASHA on ml.p3.2xlarge, which holds them all): "
                 "a third of the space is dropped after failures that cost only a start-up, "
                 "and a cheap model at the target is found more often. Without the second "
                 "training (`moasha-no-retry`), the large configurations the searcher proposes "
                 "are still placed on types that hold them, where they cost more than a quick "
                 "failure.")
        for name, tasks, rows, table, paired in sections:
            page.add(f"## `{name}` with failures ({', '.join(tasks)})",
                     "Failed trials per run (mean over tasks and seeds) and the dollars their "
                     "jobs billed; the ratio's 95% paired-bootstrap interval (seeds "
                     "resampled); the trials of the configurations that fail on the cheap "
                     "types which trained somewhere (on a type that holds them), and their "
                     "share of the dollars of all trials' results:",
                     markdown_table(rows, list(rows[0])))
            for path, caption in ((output / table, "Every method against ASHA on "
                                   "ml.p3.2xlarge and the default instance type "
                                   "(`compare_methods.py`'s table; tuning $ counts results' "
                                   "dollars, not the failed jobs'):"),
                                  (paired, "`moasha` / `moasha-forget-failures`, paired seeds "
                                   "(> 1: remembering failures is better):")):
                if path.exists():
                    df = pd.read_csv(path, dtype=str, keep_default_na=False)
                    page.add(caption, markdown_table(df.to_dict("records"), list(df.columns)))
        page.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
