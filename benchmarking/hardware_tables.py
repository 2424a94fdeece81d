"""The README tables of "Hardware as a decision" from `compare_methods.py`'s outputs.

Reads `<output>/versus_<table>.csv` (ours / peer, paired bootstrap) and `<output>/<table>.csv`
(against ASHA on ml.p3.2xlarge) of each named table and prints two markdown tables; a name
starting with ``untouched`` marks tasks not used while developing the method.

    python benchmarking/hardware_tables.py untouched_cnn untouched_mlp untouched_hgb \
        untouched_linear untouched_mlp-x untouched_hgb-x untouched_linear-x dev_cnn dev_mlp
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

OURS_AND_PEERS = ("moasha", "moasha-promotion", "moasha-sampler", "st-moasha-fixed",
                  "(best possible)")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _markdown(rows: list[dict], cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tables", nargs="+")
    ap.add_argument("--output", default="benchmarking/_results/hardware")
    args = ap.parse_args(argv)
    out = Path(args.output)
    versus, against = [], []
    for name in args.tables:
        tasks = "untouched" if name.startswith("untouched") else "development"
        if (out / f"versus_{name}.csv").exists():
            versus += [dict(r, tasks=tasks) for r in _read(out / f"versus_{name}.csv").to_dict("records")]
        if (out / f"{name}.csv").exists():
            df = _read(out / f"{name}.csv")
            df = df[(df["baseline"] == "asha-p3") & df["method"].isin(OURS_AND_PEERS)]
            against += [dict(r, tasks=tasks) for r in df.to_dict("records")]
    print(_markdown(versus, ["benchmark", "tasks", "method", "hardware logic", "tuning $ to target",
                             "tuning time to target", "found model's $", "HV at half budget",
                             "HV end"]))
    print()
    print(_markdown(against, ["benchmark", "tasks", "method", "hardware logic",
                              "tuning $ to target", "tuning time to target", "found model's $",
                              "reached"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
