"""The shipped offline benchmarks (blackboxes): what is measured, what is modelled, load times.

Writes the docs page ``docs/benchmarks/blackboxes.md`` (``--docs-dir``, ``--no-docs``) and prints
its tables: one row per shipped benchmark, the measured and modelled columns, which instance
types the ``-x`` variants put on each configuration's own (time, cost) front, and the spread of
the modelled speed-ups of ``cnn`` per instance type.

    python benchmarking/blackboxes_table.py
    python benchmarking/blackboxes_table.py --speedups cnn   # print only that benchmark's speed-ups
    python benchmarking/blackboxes_table.py --benchmarks hgb --no-variants --speedup-benchmarks ''
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402
from syne_mohb.blackboxes import load, metadata, names  # noqa: E402
from syne_mohb.blackboxes.repository import resolve_path  # noqa: E402

#: the task of each ``-x`` variant whose per-configuration fronts the page shows
VARIANT_TASKS = {"mlp-x": "digits", "hgb-x": "pima", "linear-x": "digits"}


def speedup_table(name: str) -> str:
    """Markdown: per instance type, the spread over model configurations of the modelled speed-up.

    Speed-up of a configuration on an instance = (sum over the epochs of the measured 1-core epoch
    time) / (modelled runtime of the full training on that instance); per configuration the median
    over tasks and seeds. Also the speed-up over ``ml.m5.xlarge`` (4 vCPUs, the cheapest CPU type).
    A ``-x`` variant trains on data ``data_scale`` times larger (its interaction model), so its
    1-core time is the measured one times that scale."""
    bbs = load(name)
    m = metadata(name)
    scale = float((m.get("interaction_model") or {}).get("data_scale", 1.0))
    insts = list(m["instance_types"])
    per_task = []
    for bb in bbs.values():
        obj = list(bb.objectives_names)
        ev = np.asarray(bb.objectives_evaluations, dtype=float)
        hp = bb.hyperparameters
        t1 = scale * ev[..., obj.index("measured_epoch_time")].sum(axis=-1)  # rows x seeds
        rt = ev[..., -1, obj.index("runtime")]
        inst_col = hp["instance_type"].to_numpy()
        per_task.append({i: t1[inst_col == i] / rt[inst_col == i] for i in insts})
    rows = ["| instance type | GPU | speed-up over 1 local core: min | 10% | median | 90% | max "
            "| configs >= 5x | median speed-up over ml.m5.xlarge |",
            "|---|---|---|---|---|---|---|---|---|"]
    # configs x (tasks * seeds) per instance type
    sp_all = {i: np.concatenate([d[i] for d in per_task], axis=1) for i in insts}
    base = sp_all.get("ml.m5.xlarge")
    for inst in insts:
        sp = np.median(sp_all[inst], axis=1)
        q = np.percentile(sp, [0, 10, 50, 90, 100])
        gpu = m["instance_types"][inst].get("gpu_model") or "-"
        vs = (f"{np.median(np.median(sp_all[inst] / base, axis=1)):.2f}x" if base is not None
              else "n/a")
        rows.append(f"| `{inst}` | {gpu} | " + " | ".join(f"{v:.2f}x" for v in q)
                    + f" | {int((sp >= 5).sum())} of {len(sp)} | {vs} |")
    return "\n".join(rows)


def overview_rows(benchmarks) -> list[dict]:
    """One row per benchmark: model, tasks, size of the grid, seeds, epochs, generation, load
    time."""
    rows = []
    for name in benchmarks:
        t0 = time.perf_counter()
        bbs = load(name)
        dt = time.perf_counter() - t0
        m = metadata(name)
        tasks = ", ".join(f"{t} ({v['n_train']}/{v['n_valid']})" for t, v in m["tasks"].items())
        g = m["generation"]
        bb = next(iter(bbs.values()))
        base = m.get("derived_from")
        if base:
            generation = f"derived from `{base}` at load time (no data of its own)"
            size = "-"
        else:
            generation = (f"{g['core_seconds_chunks'] / 60:.1f} core-min chunks + "
                          f"{g['core_seconds_calibration'] / 60:.1f} calibration, "
                          f"~{g['wall_seconds_estimate'] / 60:.0f} min wall on 2 cores "
                          f"(wall/CPU {g['measured_wall_over_cpu_time']})")
            size = f"{sum(f.stat().st_size for f in resolve_path(name).iterdir()) / 1e6:.1f} MB"
        rows.append({
            "benchmark": f"`{name}`", "model": m["description"], "tasks": tasks,
            "grid": f"{m['num_model_configs']} x {len(m['instance_types'])} = "
                    f"{len(bb.hyperparameters)}",
            "seeds": len(m["seeds"]), "epochs": len(bb.fidelity_values),
            "p": ("- (interaction model)" if base else
                  f"{m['runtime_model']['parallel_fraction']:.3f}"), "generation": generation,
            "size": size, "load": f"{dt:.2f} s"})
    return rows


OVERVIEW_COLUMNS = ["benchmark", "model", "tasks", "grid", "seeds", "epochs", "p", "generation",
                    "size", "load"]
OVERVIEW_HEADERS = ["benchmark", "model", "tasks (train/valid rows)",
                    "model configs x instance types",
                    "seeds", "epochs", "parallel fraction p", "generation", "size", "load time"]


def columns_rows(benchmarks) -> list[dict]:
    rows = []
    for name in benchmarks:
        m = metadata(name)
        rows.append({"benchmark": f"`{name}`",
                     "measured": ", ".join(f"`{c}`" for c in m["measured_columns"]),
                     "modelled": ", ".join(f"`{c}`" for c in m["modelled_columns"]),
                     "note": m.get("gpu_note", "")})
    return rows


def _short(inst: str) -> str:
    return inst.removeprefix("ml.")


def variant_rows(variants: dict[str, str]) -> list[dict]:
    """Per ``-x`` variant: how many configurations have each type on their own (time, cost)
    front (seed 0, full training), and how often each type is the fastest."""
    rows = []
    for name, task in variants.items():
        bb = load(name)[task]
        obj = list(bb.objectives_names)
        ev = np.asarray(bb.objectives_evaluations, dtype=float)
        hp = bb.hyperparameters.reset_index(drop=True)
        t = ev[:, 0, -1, obj.index("runtime")]
        c = ev[:, 0, -1, obj.index("cost")]
        key = hp.drop(columns=["instance_type"]).astype(str).agg("|".join, axis=1)
        on_front: dict[str, int] = {}
        fastest: dict[str, int] = {}
        n_configs = 0
        for _, idx in hp.groupby(key).groups.items():
            idx = np.asarray(idx)
            n_configs += 1
            for i in idx:
                dominated = np.any((t[idx] <= t[i]) & (c[idx] <= c[i])
                                   & ((t[idx] < t[i]) | (c[idx] < c[i])))
                if not dominated:
                    inst = str(hp["instance_type"][i])
                    on_front[inst] = on_front.get(inst, 0) + 1
            f = str(hp["instance_type"][idx[np.argmin(t[idx])]])
            fastest[f] = fastest.get(f, 0) + 1

        def fmt(d):
            return ", ".join(f"{_short(k)} {v}"
                             for k, v in sorted(d.items(), key=lambda kv: -kv[1]))

        rows.append({"variant": f"`{name}`", "task": task,
                     "front": f"{fmt(on_front)} (of {n_configs})", "fastest": fmt(fastest)})
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speedups", metavar="NAME",
                    help="print the speed-up spread of benchmark NAME only")
    ap.add_argument("--benchmarks", default=None,
                    help="comma-separated benchmarks of the overview (default: every shipped one)")
    ap.add_argument("--no-variants", action="store_true", help="leave out the -x variants' fronts")
    ap.add_argument("--speedup-benchmarks", default="cnn",
                    help="comma-separated benchmarks whose speed-up spread the page shows")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    shipped = names()
    benchmarks = [b for b in args.benchmarks.split(",") if b] if args.benchmarks else shipped
    if not benchmarks:
        ap.error(f"--benchmarks names no benchmark, got {args.benchmarks!r}")
    speedup_benchmarks = [b for b in args.speedup_benchmarks.split(",") if b]
    for flag, given in (("--speedups", [args.speedups] if args.speedups else []),
                        ("--benchmarks", benchmarks), ("--speedup-benchmarks", speedup_benchmarks)):
        for name in given:
            if name not in shipped:
                ap.error(f"{flag}: unknown benchmark {name!r}; shipped: {', '.join(shipped)}")
    if args.speedups:
        print(speedup_table(args.speedups))
        return
    page = BenchmarkPage("blackboxes", "Shipped offline benchmarks",
                         seeds="those recorded in each table",
                         docs_dir=args.docs_dir, argv=None if argv is None else [__file__, *argv])
    overview = markdown_table(overview_rows(benchmarks), OVERVIEW_COLUMNS, OVERVIEW_HEADERS)
    cols = markdown_table(columns_rows(benchmarks), ["benchmark", "measured", "modelled", "note"],
                          ["benchmark", "measured columns", "modelled columns", "note"])
    print(overview)
    print()
    print(cols)
    page.add(
        "Each shipped benchmark is a table of evaluations (`syne_mohb.blackboxes.load(name)`): the "
        "full grid of model hyperparameters x 6 SageMaker instance types, fidelity `epoch`, "
        "objectives `accuracy` (max), `error` (min), "
        "`runtime` (cumulative seconds on that instance "
        "type, min), `cost` (cumulative dollars, min) and `measured_epoch_time` (seconds of that "
        "epoch on one local core). Load time is that of `load(name)` in this process.",
        overview,
        "## What is measured, what is modelled",
        "Learning curves and the 1-core epoch time were measured "
        "by real training runs (one run per "
        "configuration, task and seed, reused for every instance type: "
        "the hardware does not change "
        "the learning curve). `runtime` and `cost` on each instance type are modelled from the "
        "measured epoch time by `syne_mohb/blackboxes/runtime_model.py` (the `-x` variants by "
        "`syne_mohb/blackboxes/interactions.py`); `cost = runtime x price per hour / 3600`. "
        "From each table's metadata (`metadata(name)[\"measured_columns\"]`, "
        "`[\"modelled_columns\"]`, `[\"gpu_note\"]`):",
        cols)
    variants = {} if args.no_variants else {k: v for k, v in VARIANT_TASKS.items() if k in names()}
    if variants:
        vt = markdown_table(variant_rows(variants), ["variant", "task", "front", "fastest"],
                            ["variant", "task", "types on configurations' own (time, cost) fronts",
                             "fastest type (configurations)"])
        print()
        print(vt)
        page.add(
            "## The `-x` variants: hardware with interactions",
            "The base tables model an instance type as one speed for every configuration. The "
            "variants keep every measured column of their base table and re-model runtime and cost "
            "with configuration x hardware interactions (every constant an assumption recorded in "
            "`metadata(name)[\"interaction_model\"]`), so which types are worth it depends on the "
            "configuration. Per configuration (seed 0, full training), the instance types on its "
            "own (time, cost) front and the fastest type, counted over the configurations:",
            vt)
    for name in speedup_benchmarks:
        st = speedup_table(name)
        print()
        print(st)
        page.add(
            f"## Modelled speed-ups of `{name}`",
            "Speed-up of the full training over one local core, per instance type: the spread over "
            "the configurations (per configuration the median over tasks and seeds), and the "
            f"median speed-up over `ml.m5.xlarge`. {metadata(name).get('speedup_note', '')}",
            st)
    if not args.no_docs:
        page.write()


if __name__ == "__main__":
    main()
