"""Print the markdown table of the shipped blackboxes (README, "Offline evaluations") and their load times.

    python benchmarking/blackboxes_table.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syne_mohb.blackboxes import load, metadata, names  # noqa: E402
from syne_mohb.blackboxes.repository import resolve_path  # noqa: E402


def main() -> None:
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
