"""Non-dominated ranking and hypervolume: moocore (what syne-mohb uses) vs numpy vs Syne Tune 0.16.

Prints the median time of a full non-dominated ranking of n uniform random points and of an
exact hypervolume, for moocore, our numpy reference implementation
(``syne_mohb.pareto.nondominated_rank_numpy``; a 2-D sweep for the hypervolume), Syne Tune
0.16's ``nondominated_sort`` and Optuna's internal fast non-dominated sort, side by side, with
ratios to moocore.

    python benchmarking/bench_pareto.py

writes ``docs/benchmarks/pareto-speed.md`` (``--docs-dir``, ``--no-docs``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from syne_tune.optimizer.schedulers.multiobjective.non_dominated_priority import nondominated_sort

from syne_mohb.pareto import hypervolume, nondominated_rank, nondominated_rank_numpy, pareto_mask

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402


def timeit(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def optuna_rank(Y):
    try:
        from optuna.study._multi_objective import _fast_non_domination_rank
    except ImportError:
        return None
    return _fast_non_domination_rank(Y)


def hv2d_numpy(Y, ref):
    P = Y[pareto_mask(Y)]
    P = P[np.argsort(P[:, 0], kind="stable")]
    widths = ref[0] - P[:, 0]
    heights = np.diff(np.concatenate([[ref[1]], P[:, 1]]))
    return float(np.sum(widths * -heights))


def _ms(t: float) -> str:
    return "n/a" if not np.isfinite(t) else f"{t * 1e3:.2f}" if t < 0.01 else f"{t * 1e3:.1f}" \
        if t < 1 else f"{t * 1e3:,.0f}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 points only (a smoke test)")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    page = BenchmarkPage("pareto-speed", "Non-dominated ranking and hypervolume: moocore vs numpy, "
                         "Syne Tune 0.16 and Optuna", seeds="one random draw per size (seed 0); "
                         "median over repeats", docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    rng = np.random.RandomState(0)
    if args.quick:
        rank_sizes = hv_sizes = [(1000, 2), (1000, 3)]
    else:
        rank_sizes = [(1000, 2), (10000, 2), (1000, 3), (10000, 3)]
        hv_sizes = [(1000, 2), (10000, 2), (10000, 3), (2000, 4)]
    rank_rows, hv_rows = [], []
    print("Full non-dominated ranking (median ms)")
    print(f"{'n':>6} {'m':>2} {'moocore':>9} {'numpy':>9} {'ST16':>9} {'optuna':>9} "
          f"{'numpy/moocore':>14} {'ST16/moocore':>13}")
    for n, m in rank_sizes:
        Y = rng.rand(n, m)
        assert np.array_equal(nondominated_rank(Y), nondominated_rank_numpy(Y))
        t_moo = timeit(lambda: nondominated_rank(Y), 20)
        t_np = timeit(lambda: nondominated_rank_numpy(Y), 3 if n > 1000 else 5)
        t_st = timeit(lambda: nondominated_sort(Y), 1) if n <= 10000 else float("nan")
        t_opt = (timeit(lambda: optuna_rank(Y), 3) if optuna_rank(Y[:10]) is not None
                 else float("nan"))
        print(f"{n:>6} {m:>2} {t_moo*1e3:>9.2f} {t_np*1e3:>9.1f} {t_st*1e3:>9.1f} "
              f"{t_opt*1e3:>9.1f} "
              f"{t_np/t_moo:>13.0f}x {t_st/t_moo:>12.0f}x")
        rank_rows.append({"n": f"{n:,}", "m": m, "moocore": _ms(t_moo), "numpy": _ms(t_np),
                          "st16": _ms(t_st), "optuna": _ms(t_opt),
                          "np_ratio": f"{t_np / t_moo:,.0f}x", "st_ratio": f"{t_st / t_moo:,.0f}x",
                          "opt_ratio": f"{t_opt / t_moo:,.0f}x" if np.isfinite(t_opt) else "n/a",
                          "_t": (t_moo, t_np, t_st, t_opt)})
    print("\nExact hypervolume (median ms)")
    print(f"{'n':>6} {'m':>2} {'moocore':>9} {'numpy 2-D sweep':>16}")
    for n, m in hv_sizes:
        Y = rng.rand(n, m)
        ref = np.full(m, 1.1)
        t_moo = timeit(lambda: hypervolume(Y, ref), 10)
        if m == 2:
            assert abs(hv2d_numpy(Y, ref) - hypervolume(Y, ref)) < 1e-9
            t_np = timeit(lambda: hv2d_numpy(Y, ref), 10)
            extra = f"{t_np*1e3:>16.2f}"
        else:
            t_np = float("nan")
            extra = f"{'-':>16}"
        print(f"{n:>6} {m:>2} {t_moo*1e3:>9.2f} {extra}")
        hv_rows.append({"n": f"{n:,}", "m": m, "moocore": _ms(t_moo),
                        "numpy": _ms(t_np) if m == 2 else "- (2-D only)", "_t": (t_moo, t_np)})
    if args.no_docs:
        return
    big = max(rank_rows, key=lambda r: (int(r["n"].replace(",", "")), r["m"]))
    t_moo, t_np, t_st, t_opt = big["_t"]
    page.add(
        "syne-mohb ranks results into non-dominated fronts and computes exact hypervolumes with "
        "[moocore](https://pypi.org/project/moocore/) (C, LGPL-2.1-or-later). This page times "
        "it against our numpy peeling reference (`syne_mohb.pareto.nondominated_rank_numpy`; a "
        "2-D sweep for the hypervolume), Syne Tune 0.16's `nondominated_sort` and Optuna's "
        "internal fast non-dominated sort, on n points drawn uniformly from [0, 1]^m (all "
        "objectives minimised). Every ranking is checked equal to the numpy reference and every "
        "2-D hypervolume to the sweep before it is timed.",
        "## Full non-dominated ranking",
        "Median milliseconds (20 repeats for moocore, 3-5 for numpy and Optuna, "
        "one for Syne Tune).",
        markdown_table(rank_rows, ["n", "m", "moocore", "numpy", "st16", "optuna", "np_ratio",
                                   "st_ratio", "opt_ratio"],
                       ["points", "objectives", "moocore ms", "numpy ms", "Syne Tune 0.16 ms",
                        "Optuna ms", "numpy / moocore", "Syne Tune / moocore", "Optuna / moocore"]),
        f"For {big['n']} points with {big['m']} objectives moocore takes {_ms(t_moo)} ms, numpy "
        f"{_ms(t_np)} ms, Syne Tune 0.16 {_ms(t_st)} ms and Optuna {_ms(t_opt)} ms.",
        "## Exact hypervolume",
        "Median milliseconds over 10 repeats, reference point 1.1 in every objective.",
        markdown_table(hv_rows, ["n", "m", "moocore", "numpy"],
                       ["points", "objectives", "moocore ms", "numpy 2-D sweep ms"]),
        "In 2-D the numpy sweep takes " + ", ".join(
            f"{_ms(r['_t'][1])} ms vs moocore's {_ms(r['_t'][0])} ms for {r['n']} points"
            for r in hv_rows if r["m"] == 2) + "; moocore also covers 3 and 4 objectives "
        "exactly, so it is the one used.",
        "moocore mishandles infinite coordinates (wrong ranks when two points share an infinite "
        "value, found by the property test), so `syne_mohb/pareto.py` replaces them by finite "
        "stand-ins that keep every comparison.")
    page.write()


if __name__ == "__main__":
    main()
