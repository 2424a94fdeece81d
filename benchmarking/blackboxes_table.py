"""Print the markdown table of the shipped blackboxes (README, "Offline evaluations") and their load times.

    python benchmarking/blackboxes_table.py
    python benchmarking/blackboxes_table.py --speedups cnn   # spread of modelled speed-ups per instance
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syne_mohb.blackboxes import load, metadata, names  # noqa: E402
from syne_mohb.blackboxes.repository import resolve_path  # noqa: E402


def speedup_table(name: str) -> str:
    """Markdown: per instance type, the spread over model configurations of the modelled speed-up.

    Speed-up of a configuration on an instance = (sum over the epochs of the measured 1-core epoch
    time) / (modelled runtime of the full training on that instance); per configuration the median
    over tasks and seeds. Also the speed-up over ``ml.m5.xlarge`` (4 vCPUs, the cheapest CPU type)."""
    import numpy as np

    bbs = load(name)
    m = metadata(name)
    insts = list(m["instance_types"])
    per_task = []
    for bb in bbs.values():
        obj = list(bb.objectives_names)
        ev = np.asarray(bb.objectives_evaluations, dtype=float)
        hp = bb.hyperparameters
        t1 = ev[..., obj.index("measured_epoch_time")].sum(axis=-1)  # rows x seeds
        rt = ev[..., -1, obj.index("runtime")]
        inst_col = hp["instance_type"].to_numpy()
        per_task.append({i: t1[inst_col == i] / rt[inst_col == i] for i in insts})
    rows = [f"| instance type | GPU | speed-up over 1 local core: min | 10% | median | 90% | max "
            f"| configs >= 5x | median speed-up over ml.m5.xlarge |", "|---|---|---|---|---|---|---|---|---|"]
    # configs x (tasks * seeds) per instance type
    sp_all = {i: np.concatenate([d[i] for d in per_task], axis=1) for i in insts}
    base = sp_all.get("ml.m5.xlarge")
    for inst in insts:
        sp = np.median(sp_all[inst], axis=1)
        q = np.percentile(sp, [0, 10, 50, 90, 100])
        gpu = m["instance_types"][inst].get("gpu_model") or "-"
        vs = f"{np.median(np.median(sp_all[inst] / base, axis=1)):.2f}x" if base is not None else "n/a"
        rows.append(f"| `{inst}` | {gpu} | " + " | ".join(f"{v:.2f}x" for v in q)
                    + f" | {int((sp >= 5).sum())} of {len(sp)} | {vs} |")
    return "\n".join(rows)


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speedups", metavar="NAME", help="print the speed-up spread of benchmark NAME instead")
    args = ap.parse_args()
    if args.speedups:
        if args.speedups not in names():
            raise SystemExit(f"--speedups: unknown benchmark {args.speedups!r}; shipped: {names()}")
        print(speedup_table(args.speedups))
        return
    rows = ["| benchmark | model | tasks (train/valid rows) | model configs x instance types | seeds | epochs "
            "| parallel fraction p | generation | size | load time |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for name in names():
        t0 = time.perf_counter()
        bbs = load(name)
        dt = time.perf_counter() - t0
        m = metadata(name)
        tasks = ", ".join(f"{t} ({v['n_train']}/{v['n_valid']})" for t, v in m["tasks"].items())
        g = m["generation"]
        size = sum(f.stat().st_size for f in resolve_path(name).iterdir()) / 1e6
        bb = next(iter(bbs.values()))
        rows.append(
            f"| `{name}` | {m['description']} | {tasks} | {m['num_model_configs']} x "
            f"{len(m['instance_types'])} = {len(bb.hyperparameters)} | {len(m['seeds'])} | "
            f"{len(bb.fidelity_values)} | {m['runtime_model']['parallel_fraction']:.3f} | "
            f"{g['core_seconds_chunks'] / 60:.1f} core-min chunks + "
            f"{g['core_seconds_calibration'] / 60:.1f} calibration, ~{g['wall_seconds_estimate'] / 60:.0f} "
            f"min wall on 2 cores (wall/CPU {g['measured_wall_over_cpu_time']}) | {size:.1f} MB | {dt:.2f} s |"
        )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
