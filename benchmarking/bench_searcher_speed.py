"""Time per suggestion of ``ModelBasedSearcher`` at 100, 1,000 and 5,000 results.

For each number of results ``n``, a fresh searcher is told ``n`` results (each trial reports
resources 1, 3, 9 (and 20) like a successive-halving run: a third of the trials go on at each
rung) and then asked for suggestions. Reported, in milliseconds:

* ``refit + suggest``: the first suggestion after the ``n`` results, which refits the model and
  predicts the candidates (the worst single suggestion);
* ``suggest``: the median of the next 200 suggestions, with 4 pending configurations (4
  workers: each one's result, for a random configuration, arrives 4 suggestions later, told
  outside the timing);
* ``amortised``: the mean cost per suggestion over a run that grows from ``n`` to
  ``(1 + refit_growth) n`` results with one suggestion per 3 results (MO-ASHA's ratio on the
  shipped benchmarks), i.e. one refit spread over its suggestions.

Settings: ``mlp`` (the shipped table: 108 hyperparameter configurations, objectives accuracy /
runtime / cost looked up in the table; the instance type a context picked at random, as a
hardware policy would: 108 candidates x 6 contexts), ``mlp-hw`` (the instance type in the
searcher's space: 648 candidates) and ``continuous`` (4 continuous hyperparameters, a
synthetic 3-objective function, 1,000 random candidates redrawn at each refit).

    python benchmarking/bench_searcher_speed.py [--sizes 100,1000,5000]

The run writes ``docs/benchmarks/searcher-speed.md`` (``--docs-dir`` elsewhere, ``--no-docs``
not).
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
from script_args import int_list  # noqa: E402

from syne_tune.config_space import uniform  # noqa: E402

from syne_mohb.searchers.model_based import ModelBasedSearcher  # noqa: E402

METRICS = ["accuracy", "runtime", "cost"]
MODES = ["max", "min", "min"]
LEVELS = [1, 3, 9, 20]


def _mlp_setting(with_instance: bool):
    from syne_mohb.experiments.runner import get_benchmark

    bench = get_benchmark("mlp")
    bb = bench.blackbox("digits")
    space = dict(bb.configuration_space)
    if not with_instance:
        space.pop(bench.instance_attr)
    hp = bb.hyperparameters.reset_index(drop=True)
    names = list(bb.objectives_names)
    values = np.asarray(bb.objectives_evaluations)[..., [names.index(m) for m in METRICS]]
    rows = hp.to_dict("records")

    def draw(rs):
        i = rs.randint(len(rows))
        return dict(rows[i]), (lambda r, s: values[i, s % values.shape[1], int(r) - 1])

    return space, draw


def _continuous_setting():
    space = {f"x{j}": uniform(0.0, 1.0) for j in range(4)}

    def draw(rs):
        config = {k: float(rs.rand()) for k in space}
        x = np.array(list(config.values()))

        def value(r, s):
            frac = r / 20.0
            return [1 - np.exp(-3 * x[0] * frac) - 0.1 * x[1], (1 + 5 * x[0] + x[2]) * r,
                    (1 + 5 * x[0] + x[3]) * r * 0.01]

        return config, value

    return space, draw


def _feed(searcher, draw, n: int, rs) -> None:
    told, trial = 0, 0
    while told < n:
        config, value = draw(rs)
        for k, r in enumerate(LEVELS):
            if told >= n or (k > 0 and rs.rand() > 1 / 3):
                break
            searcher.on_trial_result(trial, config, list(value(r, trial)), resource=r)
            told += 1
        trial += 1


#: the settings of --settings (see measure)
SETTINGS = ("mlp", "mlp-hw", "continuous")


def measure(setting: str, n: int, seed: int = 0) -> dict[str, float]:
    if setting == "continuous":
        space, draw = _continuous_setting()
    else:
        space, draw = _mlp_setting(with_instance=setting == "mlp-hw")
    rs = np.random.RandomState(seed)
    searcher = ModelBasedSearcher(space, METRICS, mode=MODES, random_seed=seed, max_resource=20,
                                  exploration=0.0)
    _feed(searcher, draw, n, rs)
    start = time.perf_counter()
    searcher.suggest()
    first = time.perf_counter() - start
    # 4 workers: each suggestion's result arrives 4 suggestions later (told outside the timing)
    pending = [searcher.suggest() for _ in range(3)]
    times = []
    for i in range(200):
        start = time.perf_counter()
        pending.append(searcher.suggest())
        times.append(time.perf_counter() - start)
        config = pending.pop(0)
        searcher.on_trial_result(10**6 + i, config, list(draw(rs)[1](1, i)), resource=1)
    between = float(np.median(times))
    per_refit = max(1.0, searcher.refit_growth * n / 3)  # suggestions between two refits
    return {"setting": setting, "results": n, "refit + suggest (ms)": 1e3 * first,
            "suggest (ms)": 1e3 * between,
            "amortised (ms)": 1e3 * (first + (per_refit - 1) * between) / per_refit}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--settings", default="mlp,mlp-hw,continuous")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    sizes = int_list(ap, "--sizes", args.sizes)
    settings = [s for s in args.settings.split(",") if s]
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown or not settings:
        ap.error(f"--settings: unknown setting {(unknown or [args.settings])[0]!r}; choose "
                 f"from {', '.join(SETTINGS)}")
    import pandas as pd

    page = BenchmarkPage("searcher-speed", "Time per suggestion of the model-based searcher",
                         seeds="seed 0 (one searcher per setting and size)",
                         docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])

    ModelBasedSearcher({"x": uniform(0, 1)}, ["y"], num_initial=0)  # imports outside the timing
    from sklearn.ensemble import ExtraTreesRegressor  # noqa: F401
    from scipy.special import ndtr  # noqa: F401

    rows = [measure(s, n) for s in settings for n in sizes]
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if not args.no_docs:
        described = {"mlp": "`mlp` (108 hyperparameter configurations x 6 instance contexts)",
                     "mlp-hw": "`mlp-hw` (648 candidates, instance type in the space)",
                     "continuous": "`continuous` (4 dimensions, 1,000 random candidates per "
                                   "refit)"}
        rows = [{"setting": described.get(r["setting"], r["setting"]),
                 "results": f"{r['results']:,}",
                 **{k: (f"{r[k]:.2f}" if r[k] < 10 else f"{r[k]:.0f}")
                    for k in ("refit + suggest (ms)", "suggest (ms)", "amortised (ms)")}}
                for r in rows]
        page.add(
            "`ModelBasedSearcher` (`syne_mohb/searchers/model_based.py`): a fresh searcher is "
            "told n results (each trial reports resources 1, 3, 9 and 20 like a "
            "successive-halving run: a third of the trials go on at each rung), then asked for "
            "suggestions with 4 pending configurations.",
            "\"refit + suggest\": the first suggestion after the n results (a refit and the "
            "candidates' predictions: the worst single suggestion); \"suggest\": the median of "
            "the next 200 suggestions (between refits); \"amortised\": the mean per suggestion "
            "over a run growing by the 15% that triggers the next refit, at MO-ASHA's 3 results "
            "per suggestion.",
            "The machine may be shared with other runs (the load average is in the header): "
            "times grow with the load.",
            markdown_table(rows, ["setting", "results", "refit + suggest (ms)", "suggest (ms)",
                                  "amortised (ms)"]))
        page.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
