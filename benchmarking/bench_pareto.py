"""Non-dominated ranking and hypervolume: moocore (what syne-mohb uses) vs numpy vs Syne Tune 0.16.

Prints the median time of a full non-dominated ranking of n uniform random points and of an
exact hypervolume, for moocore, our numpy reference implementation
(``syne_mohb.pareto.nondominated_rank_numpy``; a 2-D sweep for the hypervolume), Syne Tune
0.16's ``nondominated_sort`` and Optuna's internal fast non-dominated sort, side by side, with
ratios to moocore.

    python benchmarking/bench_pareto.py
"""
from __future__ import annotations

import time

import numpy as np
from syne_tune.optimizer.schedulers.multiobjective.non_dominated_priority import nondominated_sort

from syne_mohb.pareto import hypervolume, nondominated_rank, nondominated_rank_numpy, pareto_mask


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


def main() -> None:
    rng = np.random.RandomState(0)
    print("Full non-dominated ranking (median ms)")
    print(f"{'n':>6} {'m':>2} {'moocore':>9} {'numpy':>9} {'ST16':>9} {'optuna':>9} {'numpy/moocore':>14} {'ST16/moocore':>13}")
    for n, m in [(1000, 2), (10000, 2), (1000, 3), (10000, 3)]:
        Y = rng.rand(n, m)
        assert np.array_equal(nondominated_rank(Y), nondominated_rank_numpy(Y))
        t_moo = timeit(lambda: nondominated_rank(Y), 20)
        t_np = timeit(lambda: nondominated_rank_numpy(Y), 3 if n > 1000 else 5)
        t_st = timeit(lambda: nondominated_sort(Y), 1) if n <= 10000 else float("nan")
        t_opt = timeit(lambda: optuna_rank(Y), 3) if optuna_rank(Y[:10]) is not None else float("nan")
        print(f"{n:>6} {m:>2} {t_moo*1e3:>9.2f} {t_np*1e3:>9.1f} {t_st*1e3:>9.1f} {t_opt*1e3:>9.1f} "
              f"{t_np/t_moo:>13.0f}x {t_st/t_moo:>12.0f}x")
    print("\nExact hypervolume (median ms)")
    print(f"{'n':>6} {'m':>2} {'moocore':>9} {'numpy 2-D sweep':>16}")
    for n, m in [(1000, 2), (10000, 2), (10000, 3), (2000, 4)]:
        Y = rng.rand(n, m)
        ref = np.full(m, 1.1)
        t_moo = timeit(lambda: hypervolume(Y, ref), 10)
        if m == 2:
            assert abs(hv2d_numpy(Y, ref) - hypervolume(Y, ref)) < 1e-9
            t_np = timeit(lambda: hv2d_numpy(Y, ref), 10)
            extra = f"{t_np*1e3:>16.2f}"
        else:
            extra = f"{'-':>16}"
        print(f"{n:>6} {m:>2} {t_moo*1e3:>9.2f} {extra}")


if __name__ == "__main__":
    main()
