"""The tutorial's figures, from a short simulated tuning run on a shipped offline benchmark.

Runs MO-ASHA (``moasha``, the default method) and a peer (``mo-random``: random search with the
same objectives) for a few seeds on one task of a shipped benchmark (simulated, seconds), then
draws with the project's own plotting functions (``syne_mohb.experiments.plots``):

* ``docs/images/tutorial_pareto_by_type.png``: every model MO-ASHA trained in its first seed,
  accuracy against runtime and against cost, coloured by instance type, the Pareto set outlined
  (``plot_pareto``);
* ``docs/images/tutorial_hypervolume.png``: hypervolume against tuning time per method, mean over
  the seeds with its spread (``plot_hypervolume``).

    python benchmarking/tutorial_figures.py
    python benchmarking/tutorial_figures.py --benchmark mlp --task digits --seeds 3
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from syne_mohb.experiments.analysis import load_run  # noqa: E402
from syne_mohb.experiments.metrics import normalizer_for  # noqa: E402
from syne_mohb.experiments.plots import plot_hypervolume, plot_pareto  # noqa: E402
from syne_mohb.experiments.runner import grid, run_many  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmark", default="cnn")
    ap.add_argument("--task", default="mnist")
    ap.add_argument("--methods", default="moasha,mo-random",
                    help="comma-separated methods; the first one's seed 0 gives the Pareto figure")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--max-trials", type=int, default=None, help="cap on trials per run")
    ap.add_argument("--images-dir", default=str(ROOT / "docs" / "images"))
    ap.add_argument("--output", default=None, help="folder for the runs (default: a temporary one)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = Path(args.output or tempfile.mkdtemp(prefix="tutorial-figures-"))
    methods = args.methods.split(",")
    specs = grid(methods, [args.benchmark], {args.benchmark: [args.task]}, range(args.seeds), out,
                 max_trials=args.max_trials)
    res = run_many(specs, processes=1, progress=False)
    errors = [r["error"] for r in res if "error" in r]
    if errors:
        raise SystemExit(f"runs failed: {errors}")
    runs = {m: [load_run(r["path"]) for r, s in zip(res, specs) if s.method == m] for m in methods}
    images = Path(args.images_dir)
    first = runs[methods[0]][0]
    n_trials = first.results["trial_id"].nunique()
    pareto = plot_pareto(first, images / "tutorial_pareto_by_type.png",
                         title=f"{args.benchmark} / {args.task}: every model {methods[0]} trained "
                               f"(seed 0, {n_trials} trials)")
    normalizer = normalizer_for([r for lst in runs.values() for r in lst])
    hv = plot_hypervolume(runs, normalizer, images / "tutorial_hypervolume.png", axis="time",
                          title=f"{args.benchmark} / {args.task}: hypervolume over tuning time, "
                                f"{args.seeds} seeds")
    print(f"{len(specs)} simulated runs in {out}; {time.perf_counter() - t0:.1f} s")
    print(f"wrote {pareto}\nwrote {hv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
