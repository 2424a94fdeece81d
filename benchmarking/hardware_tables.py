"""Docs pages built from `compare_methods.py`'s outputs: the tables, never typed by hand.

Every `compare_methods.py` run writes its tables under `--output` (`<table>.csv`: every method
against the ASHA baselines; `versus_<table>.csv`: ours / the patched Syne Tune MOASHA, paired
bootstrap) and `<table>.provenance.json` (the exact command, date, seeds, time). This script
reads them and writes one page of `docs/benchmarks/`, naming the command and date of every
input above its table, so a table on the page changes only when its `compare_methods.py` run
is repeated (runs are cached; a repeat with the same arguments only recomputes the tables).

Pages (``--page``):

* ``hardware-decision`` (default): "Hardware as a decision"; positional arguments name the
  tables under ``--output`` (default: the nine documented ones); a name starting with
  ``untouched`` marks tasks not used while developing the method. Adds hypervolume curves and
  a Pareto front coloured by instance type of one task (``--figure-task``), as PNG under
  ``docs/images/benchmarks/``. A section reads the runs on Syne Tune's own simulator
  (``--stock-output``, tables ``stock_<benchmark>``: ``compare_methods.py --simulator stock``).
* ``tuning-effectiveness``: ours against every peer, hyperparameters only, with SageMaker job
  start-up (fixed inputs, see ``TUNING_SECTIONS``).
* ``variants``: the variants that did not help (``VARIANT_SECTIONS`` and ``HISTORICAL``).
* ``default-searcher``: MO-ASHA's default searcher (model-based, ``moasha``) against the
  previous one (``moasha-random``, tables ``vsrandom_<table>``) and the patched peer, on our
  simulator (``DEFAULT_SEARCHER_OUTPUT``) and with a 300 s budget on Syne Tune's
  (``--stock300-output``); and against MO-ASHA on one fixed type (``FIXED_TYPE_TABLES``).
* ``tempered-draws``: the hardware policy's tempered Thompson draws (``moasha``) against the
  previous draws (``moasha-wide-prior``) and the patched peer (``TEMPERED_SECTIONS``).
* ``ehvi``: ours against Syne Tune 0.16's EHVI (``st-ehvi``) and NePS's MO-BO (``neps-mobo``),
  run in an environment with the ``neps`` extra (tables ``ehvi_<benchmark>`` and
  ``neps_<benchmark>`` under ``EHVI_OUTPUT``).
* ``budget``: "A longer budget on Syne Tune's simulator": the ``-x`` families at 1,200 s
  (tables ``stock1200_<benchmark>`` under ``STOCK1200_OUTPUT``).
* ``startup-model``: "Start-up in the hardware policy": the default against the per-unit
  choice before it (``moasha-startup-per-unit``) and the patched peer, with SageMaker job
  start-up (``STARTUP_SECTIONS``).
* ``warm-pools``: "Warm pools in the hardware policy": the default against every start-up
  weighed cold (``moasha-cold-pools``, ``moasha-promotion-cold-pools``) and the patched peer,
  with SageMaker job start-up and warm pools (``WARM_POOLS_TABLES``).
* ``capacity-outages``: "Capacity outages": the policy told which failures were for lack of
  capacity against the one that takes them as the configuration's (``moasha-kind-blind``), in
  simulated outages of the cheapest type (``OUTAGE_TABLES``).
* ``searcher-repeats``: "Repeats of the model-based searcher": the default, which may propose a
  configuration with results again, against ``repeats="when_exhausted"``
  (``moasha-bo-no-repeats``), paired, with a seed drawn per trial (``REPEATS_TABLES``) and
  with one fixed seed (``REPEATS_FIXED_TABLES``); and MO-ASHA's random searcher with and
  without repeats at a budget of 25 full trainings (``REPEATS_B25_OUTPUT``).
* ``late-units``: "Late first units": the policy that stops a trial whose first unit runs far
  past its prediction and trains its configuration again on another type (``moasha-late``)
  against the default and the patched peer, on our simulator (``LATE_TABLES``) and on Syne
  Tune's at 300 s (``LATE_STOCK_TABLES``).
* ``related-fronts``: "With related tasks: proposals from their fronts": ``moasha-related``
  (since 2026-12-07 suggestions 11-40 half from the related tasks' fronts) against the transfer
  searcher, the previous ``moasha-related`` (``moasha-related-prior-only``) and the patched
  peer (which has no related tasks), on our simulator (``FRONTS_TABLES``) and on Syne Tune's at
  300 s (``FRONTS_STOCK_TABLES``).

    python benchmarking/hardware_tables.py untouched_cnn untouched_mlp untouched_hgb \\
        untouched_linear untouched_mlp-x untouched_hgb-x untouched_linear-x dev_cnn dev_mlp
    python benchmarking/hardware_tables.py --page tuning-effectiveness
    python benchmarking/hardware_tables.py --page variants
    python benchmarking/hardware_tables.py --page default-searcher
    python benchmarking/hardware_tables.py --page tempered-draws
    python benchmarking/hardware_tables.py --page ehvi
    python benchmarking/hardware_tables.py --page budget
    python benchmarking/hardware_tables.py --page startup-model
    python benchmarking/hardware_tables.py --page warm-pools
    python benchmarking/hardware_tables.py --page capacity-outages
    python benchmarking/hardware_tables.py --page searcher-repeats
    python benchmarking/hardware_tables.py --page late-units
    python benchmarking/hardware_tables.py --page related-fronts
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_methods import hardware_logic, read_provenance, searcher_of  # noqa: E402
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402

HARDWARE_TABLES = ["untouched_cnn", "untouched_mlp", "untouched_hgb", "untouched_linear",
                   "untouched_mlp-x", "untouched_hgb-x", "untouched_linear-x", "dev_cnn",
                   "dev_mlp"]
BASELINES = ("asha-p3", "asha-default")
BASELINE_NAME = {"asha-p3": "ASHA on ml.p3.2xlarge", "asha-default": "ASHA on ml.g4dn.xlarge"}

VERSUS_COLS = ["benchmark", "tasks", "method", "hardware logic", "searcher",
               "tuning $ to target", "tuning time to target", "found model's $",
               "HV at half budget", "HV end"]
AGAINST_COLS = ["benchmark", "tasks", "method", "hardware logic", "searcher",
                "tuning $ to target", "tuning time to target", "found model's $",
                "found model's time", "reached", "HV end", "HV mean"]
INTERVAL = re.compile(r"^\s*([-\d.]+)x? \[([-\d.]+), ([-\d.]+)\]\s*$")
LEGEND = ("**bold**: the 95% interval lies above 1 (the method is ahead); *italic*: it lies "
          "below 1 (the method is behind); otherwise a tie at 95%.")


#: cached tables read while building the page (none: nothing measured, see main)
_TABLES_READ = [0]


def _read(path: Path) -> pd.DataFrame:
    _TABLES_READ[0] += 1
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def interval(cell: str) -> tuple[float, float, float] | None:
    """``(point, lo, hi)`` of a cell ``"1.42x [1.09, 1.89]"``; None for other cells."""
    m = INTERVAL.match(str(cell))
    return (float(m[1]), float(m[2]), float(m[3])) if m else None


def emphasise(cell: str) -> str:
    """Bold a cell whose interval lies above 1, italicise one below 1."""
    iv = interval(cell)
    if iv is None:
        return cell
    return f"**{cell}**" if iv[1] > 1 else f"*{cell}*" if iv[2] < 1 else cell


def describe(row: dict) -> dict:
    """A table row with the method's hardware logic and searcher (from its name) and the
    interval cells emphasised."""
    m = row.get("method", "")
    out = {k: emphasise(v) for k, v in row.items()}
    if m and not m.startswith("("):
        out["hardware logic"] = hardware_logic(m)
        out["searcher"] = searcher_of(m)
    return out


def provenance_line(out: Path, table: str) -> str:
    """One markdown list item: the command that made ``out/table``, its date, seeds, time."""
    prov = read_provenance(out, table)
    if prov is None:  # older outputs: compare_methods wrote the command above its versus table
        md = out / ("versus_" + Path(table).stem + ".md")
        first = md.read_text().splitlines()[0] if md.exists() else ""
        if first:
            return f"- {first} (from `{md}`; no provenance file)"
        return f"- `{out / table}`: **no provenance recorded**; re-run its command to record it"
    took, runs = prov.get("total_s"), prov.get("runs")
    extra = (f", {runs} runs" if runs is not None else "") + \
        (f", {took:.0f} s" if took is not None else "")
    other = prov.get("reused_from_other_code")
    stale = (f"; **{other} of the runs reused from a cache made by other code** (code_version "
             f"other than {prov.get('code_version')})" if other else "")
    busy = prov.get("other_work_cores")
    if prov.get("simulator") == "stock" and busy is not None:  # its clock takes real time
        extra += f", other work {busy:.1f} cores"
    return (f"- `{prov['command']}`  \n  ({prov['date']}; {prov.get('seeds')} paired seeds"
            f"{extra}; tasks: {_tasks_text(prov.get('tasks'))}{stale})")


def _tasks_text(tasks) -> str:
    if not tasks:
        return "?"
    return "; ".join(f"{b}: {', '.join(ts)}" for b, ts in tasks.items())


def _seeds(out: Path, tables: list[str]) -> str:
    seeds = sorted({str(p.get("seeds")) for t in tables
                    if (p := read_provenance(out, t if t.endswith(".csv") else t + ".csv"))})
    return (", ".join(seeds) + " paired seeds (0..n-1), the same for every method"
            if seeds else "see the commands below")


def versus_rows(out: Path, name: str, tasks: str) -> list[dict]:
    path = out / f"versus_{name}.csv"
    if not path.exists():
        return []
    return [describe(dict(r, tasks=tasks)) for r in _read(path).to_dict("records")]


def against_rows(out: Path, name: str, tasks: str, baseline: str) -> list[dict]:
    """Every method's row against ``baseline`` (the baselines' own rows left out)."""
    path = out / f"{name}.csv"
    if not path.exists():
        return []
    df = _read(path)
    df = df[(df["baseline"] == baseline) & ~df["method"].isin(BASELINES)]
    return [describe(dict(r, tasks=tasks)) for r in df.to_dict("records")]


def _peer(out: Path, name: str) -> str:
    path = out / f"versus_{name}.csv"
    if path.exists():
        peers = set(_read(path)["peer"])
        if len(peers) == 1:
            return peers.pop()
    return "st-moasha-fixed"


def summary_lines(rows: list[dict], method: str, columns: list[str]) -> list[str]:
    """Where ``method`` is ahead / behind at 95% per column, from the table's own cells."""
    lines = []
    for col in columns:
        ahead, behind, tie = [], [], []
        for r in rows:
            if r.get("method") != method:
                continue
            iv = interval(str(r.get(col, "")).strip("*"))
            if iv is None:
                continue
            where = f"`{r['benchmark']}` ({r['tasks']})"
            (ahead if iv[1] > 1 else behind if iv[2] < 1 else tie).append(where)
        if ahead or behind or tie:
            lines.append(f"* {col}: ahead at 95% on {', '.join(ahead) or 'none'}; behind at "
                         f"95% on {', '.join(behind) or 'none'}; tied on "
                         f"{', '.join(tie) or 'none'}.")
    return lines


# ------------------------------------------------------------------ figures
def images_dir(args) -> Path:
    """Where a page's figures go: the docs' images, or with ``--no-docs`` a fresh temporary
    folder (the page is only printed: the images it names stay as they are)."""
    if getattr(args, "no_docs", False):
        import tempfile

        return Path(tempfile.mkdtemp(prefix="benchmark-figures-"))
    return Path(args.docs_dir) / "images" / "benchmarks"


def figures(page: BenchmarkPage, out: Path, benchmark: str, task: str, methods: list[str],
            seeds: int, images: Path, stem: str, pareto_method: str) -> None:
    """Hypervolume over tuning time and dollars (mean over seeds, one-sd band) of ``methods``
    on one task, and the Pareto front of ``pareto_method``'s seed-0 run coloured by instance
    type; PNGs under ``images``, embedded in ``page``."""
    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.metrics import normalizer_from_blackbox
    from syne_mohb.experiments.plots import plot_hypervolume, plot_pareto

    runs = {}
    for m in methods:
        folders = [out / benchmark / task / m / f"seed-{s}" for s in range(seeds)]
        if all((f / "results.csv.zip").exists() for f in folders):
            runs[m] = [load_run(f) for f in folders]
    if not runs:
        page.add(f"*No figure: no cached runs of {benchmark}/{task} under `{out}`.*")
        return
    norm = normalizer_from_blackbox(benchmark, task, ["accuracy", "runtime", "cost"])
    for axis, what in (("time", "tuning time"), ("dollars", "tuning dollars")):
        path = plot_hypervolume(runs, norm, images / f"{stem}-hv-{axis}.png", axis=axis,
                                title=f"{benchmark}/{task}: hypervolume vs {what} "
                                      f"({seeds} seeds)")
        page.add_image(path, f"{benchmark}/{task}: hypervolume (accuracy, runtime, cost) over "
                             f"{what}, mean over {seeds} seeds with a one-sd band")
    page.add("Single-objective ASHA (one instance type, accuracy only) reaches a far lower "
             "hypervolume and is left out of the curves, whose axes it would squash.")
    if pareto_method in runs:
        run = runs[pareto_method][0]
        path = plot_pareto(run, images / f"{stem}-pareto.png")
        page.add_image(path, f"{benchmark}/{task}, {pareto_method} seed 0: every model trained, "
                             f"coloured by instance type; black edges: the Pareto set")


# ------------------------------------------------------------------ pages
def hardware_page(args, out: Path) -> BenchmarkPage:
    tables = args.tables or HARDWARE_TABLES
    page = BenchmarkPage("hardware-decision", "Hardware as a decision",
                         seeds=_seeds(out, tables), docs_dir=args.docs_dir, argv=args.argv)
    tasks_of = {n: "untouched" if n.startswith("untouched") else "development" for n in tables}
    peer = _peer(out, tables[0])
    page.add(
        "MO-ASHA with the hardware policy (`syne_mohb.hardware.policy.HardwarePolicy`: a "
        "runtime/cost model with configuration x hardware interactions picks each trial's "
        "instance type) against MO-ASHA variants whose searcher samples the instance type, "
        "Syne Tune 0.16's MOASHA with its rank bug patched, multi-objective random search and "
        "single-objective ASHA. Simulated on the shipped offline benchmarks: 4 workers, "
        "budget = 8 median full trainings on ml.g4dn.xlarge per task, target = the baseline's "
        "mean best accuracy - 0.005 (ASHA on ml.p3.2xlarge unless said). A run that never "
        "reaches the target counts with its whole budget and all it spent (\"reached\" counts "
        "the runs that did). The policy was developed on `cnn` mnist / mnist_rot90 and `mlp` "
        "digits / vehicle (\"development\"); every other task, and the `-x` benchmarks "
        "(modelled interactions), were not looked at before these runs (\"untouched\"). "
        "The untouched tables decided one choice (the policy's log scale, see the variants "
        "page); the restarts of survivors on another type, now part of `moasha`, were chosen "
        "on the development tasks and then measured here (the previous default, without "
        "them, is `moasha-no-restart` on the variants page). `moasha` is the default as of "
        "these runs: the policy with tempered Thompson draws and the model-based searcher; "
        "`moasha-random` is the same policy with random hyperparameters (the default until "
        "2026-12-05), so the two rows, from the same runs, separate the searcher's part.",
        "Every row names what chooses the instance type (**hardware logic**) and what "
        "proposes the hyperparameters (**searcher**), so like is compared with like.",
        "## Inputs\n\nThe runs and tables were made by these commands (runs cached under "
        f"`{out}`; repeating a command recomputes its tables from the cache):",
        "\n".join(provenance_line(out, f"{n}.csv") for n in tables))
    versus = [r for n in tables for r in versus_rows(out, n, tasks_of[n])]
    page.add(f"## Ours / the patched Syne Tune MOASHA (`{peer}`)",
             f"Paired by seed, target = ASHA-p3's accuracy. Cells: median over tasks of "
             f"mean(`{peer}`) / mean(method) for dollars and time, mean(method) / mean(`{peer}`) "
             f"for the hypervolume, with a 95% paired-bootstrap interval (seeds resampled, the "
             f"same resample for both); > 1 = the method is better. `{peer}`: hardware logic "
             f"\"{hardware_logic(peer)}\", searcher \"{searcher_of(peer)}\". " + LEGEND,
             markdown_table(versus, VERSUS_COLS) if versus else "*No versus tables found.*")
    if versus:
        page.add("What the default (`moasha`) row shows, read off the table above:",
                 "\n".join(summary_lines(versus, "moasha", VERSUS_COLS[5:])))
    for base in BASELINES:
        rows = [r for n in tables for r in against_rows(out, n, tasks_of[n], base)]
        page.add(f"## Against single-objective {BASELINE_NAME[base]} (`{base}`)",
                 f"Median over tasks of mean(`{base}`) / mean(method), 95% bootstrap interval "
                 f"over paired seeds; \"found model's $\": the cheapest model at the target the "
                 f"run trained, against the baseline's; \"(best possible)\": the cheapest draw "
                 f"of the whole table at the target. HV: the normalised hypervolume at the end "
                 f"and averaged over the budget (median over tasks). " + LEGEND,
                 markdown_table(rows, AGAINST_COLS) if rows else "*No tables found.*")
    p3_bound_section(page, Path(P3_BOUND_OUTPUT))
    stock_section(page, Path(args.stock_output))
    stock300_section(page, Path(args.stock300_output))
    seeds50_section(page, Path(SEEDS50_OUTPUT))
    related_section(page)
    if not args.no_figures:
        benchmark, task = args.figure_task.split("/")
        name = next((n for n in tables
                     if (out / benchmark / task).exists()
                     and task in (read_provenance(out, f"{n}.csv") or {}).get("tasks", {})
                     .get(benchmark, [])), None)
        seeds = int((read_provenance(out, f"{name}.csv") or {}).get("seeds", 20)) if name else 20
        page.add(f"## One task: `{benchmark}/{task}`" +
                 (f" ({tasks_of[name]})" if name else ""))
        figures(page, out, benchmark, task,
                ["moasha", "moasha-promotion", "moasha-sampler", "st-moasha-fixed",
                 "mo-random"],
                seeds, images_dir(args), "hardware-decision",
                "moasha")
    return page


#: the bound on `cnn`: MO-ASHA with every trial on ml.p3.2xlarge (``moasha-bo-p3``) against
#: the default, in its own output folder: ``(table, tasks label)``
P3_BOUND_OUTPUT = "benchmarking/_results/p3_bound"
P3_BOUND_TABLES = [("p3_dev_cnn", "development"), ("p3_untouched_cnn", "untouched"),
                   ("p3_300_mlp-x", "all, 300 s"), ("p3_300_hgb-x", "all, 300 s"),
                   ("p3_300_linear-x", "all, 300 s")]


def p3_bound_section(page: BenchmarkPage, out: Path) -> None:
    """Where `cnn`'s tuning time goes: the default against MO-ASHA with every trial on the
    fastest type, and both against ASHA-p3."""
    tables = [(t, k) for t, k in P3_BOUND_TABLES if (out / f"versus_{t}.csv").exists()]
    page.add(
        "## What ASHA-p3's speed costs on `cnn`",
        "The default reaches ASHA-p3's accuracy on `cnn` later than ASHA on ml.p3.2xlarge. "
        "`moasha-bo-p3` is MO-ASHA with the same model-based searcher and all three objectives, "
        "every trial on ml.p3.2xlarge (the fastest type of the table for the networks that "
        "reach the target): a bound, not a candidate. It reaches the target about as fast as "
        "ASHA-p3: MO-ASHA's rungs, which keep a third of each rung spread over the accuracy / "
        "runtime front (on one type, dollars follow runtime), do not keep it from the target; "
        "the types the default's trials run on do. It pays for that speed in tuning dollars "
        "and in hypervolume: one type trains no model on a cheaper CPU. The same searcher on "
        "ml.g4dn.xlarge alone (`moasha-hp-bo`, on the default-searcher page) is about as fast, "
        "with tuning dollars that tie the default's: on this table, the CPU types on which the "
        "default trains its cheap models buy hypervolume with tuning time (a search whose "
        "trials run on slower types turns over more slowly; `benchmarking/placement_waste.py` "
        "measures how much worker time goes to types another type beats for the "
        "configuration). The variants page lists the trades tried from here (weights leaning "
        "towards time, a fast start): none kept the dollar lead and gained time everywhere. "
        "The cheap types as such do not cost the time, though: on `cnn` ml.g4dn.xlarge is "
        "both faster and cheaper than every CPU type for the wide networks, and the default's "
        "own policy given the table's true seconds per epoch (variants page, \"A perfect "
        "runtime model\") reaches the target as fast as ASHA-p3 at 5.8-7.1x less tuning $. "
        "The time goes to wide networks started on CPU types while the runtime model is still "
        "learning.",
        "The same bound in the independent benchmarks' setting (Syne Tune's simulator, 300 s, "
        "every task of the `-x` families; rows \"all, 300 s\"; ml.p3.2xlarge is within 0-30% "
        "of the fastest type per epoch for every configuration of their first tasks): there "
        "every trial on ml.p3.2xlarge ties the default's tuning time on `mlp-x` and "
        "`linear-x` and leads by 1.19x on `hgb-x`, at 6.7-8.3x its tuning dollars. In 300 s "
        "(0.7 to 14 full trainings) "
        "the time to the target is set by the first few trials' draws more than by the speed "
        "of the types: the types alone buy little time there, 1.19x on `hgb-x` for 7x the "
        "dollars at most.")
    if not tables:
        page.add(f"*Not run: no `versus_p3_*.csv` under `{out}`.*")
        return
    page.add("Commands:\n\n" + "\n".join(provenance_line(out, f"{t}.csv") for t, _ in tables))
    rows = [r for t, k in tables for r in versus_rows(out, t, k)]
    page.add(f"### Against the default (`{_peer(out, tables[0][0])}`)",
             "mean(`moasha`) / mean(method) for dollars and time, mean(method) / mean(`moasha`) "
             "for the hypervolume; median over tasks, 95% paired bootstrap; > 1 = the method "
             "is better. " + LEGEND, markdown_table(rows, VERSUS_COLS))
    against_p3_section(page, [r for t, k in tables for r in against_rows(out, t, k, "asha-p3")])


#: the same methods on Syne Tune's own simulator, one table per benchmark (all its tasks)
STOCK_TABLES = ["stock_cnn", "stock_mlp-x", "stock_hgb-x", "stock_linear-x", "stock_mlp",
                "stock_hgb", "stock_linear"]


def stock_section(page: BenchmarkPage, out: Path) -> None:
    """Ours / the peer and against ASHA-p3 on Syne Tune's ``UserBlackboxBackend``."""
    tables = [n for n in STOCK_TABLES if (out / f"versus_{n}.csv").exists()]
    missing = [n for n in STOCK_TABLES if n not in tables]
    page.add(
        "## On Syne Tune's own simulator",
        "The same comparison run on Syne Tune's `UserBlackboxBackend` (`compare_methods.py "
        "--simulator stock`), the simulator a Syne Tune user (and an independent benchmark) "
        "runs tables with: its results carry no `st_worker_time` and no `st_worker_cost`, only "
        "the table's `runtime` and `cost` columns and the tuner's clock; it draws a table seed "
        "per trial and gives every step at least 0.01 s (which rounds the sub-10 ms epochs of "
        "`mlp`, `hgb` and `linear`). The hardware policy reads the seconds off the column that "
        "advances with the tuner's clock (`syne_mohb.hardware.clock.TrainingClock`) and the "
        "dollars off the column that advances at a constant rate per type (`BillingMeter`); "
        "before it did, it learnt nothing on this simulator and took the `cost` objective for an "
        "effect of the hardware on what is learnt (joint, uniform types). Every task of each "
        "benchmark, development and untouched together. Here a resumed trial keeps its type "
        "(the simulator would read a moved trial's seconds and dollars off the new type's row "
        "from its first epoch), so `moasha-promotion` pauses and promotes without moving. "
        "The tuner polls this simulator every 5 simulated seconds (Syne Tune's "
        "default `tuner_sleep_time`, which the independent benchmarks keep, with a budget of "
        "300 s): decisions wait for the next poll, and a paused trial's worker idles until "
        "then. The `-x` families' budgets (170 to 3,500 s) are in that regime; those of `cnn` "
        "(11 s), `mlp` (5 s), `hgb` (1 to 4 s) and `linear` (0.1 to 1.3 s) hold a few polls "
        "at most (why `moasha-promotion` reaches the target in few of their runs), and their "
        "millisecond epochs also meet the simulator's 0.01 s minimum step: read their rows "
        "as the simulator's, not the method's.",
        "\n".join(provenance_line(out, f"{n}.csv") for n in tables)
        + ("" if not missing else f"\n\nNot run: {', '.join(missing)}."))
    _stock_tables(page, out, tables, " on Syne Tune's simulator")


STOCK300_TABLES = ["stock300_mlp-x", "stock300_hgb-x", "stock300_linear-x"]


def stock300_section(page: BenchmarkPage, out: Path) -> None:
    """The ``-x`` families on Syne Tune's simulator with the independent benchmarks' budget."""
    tables = [n for n in STOCK300_TABLES if (out / f"versus_{n}.csv").exists()]
    page.add(
        "## On Syne Tune's own simulator with a 300 s budget",
        "The independent benchmarks' setting (`../shared/README.md`, section 5): Syne Tune's "
        "simulator, 4 workers, 300 simulated seconds for every task "
        "(`compare_methods.py --simulator stock --budget-seconds 300`), on the interaction "
        "families, every task. A full training on ml.g4dn.xlarge takes 21 to 442 s there, so "
        "300 s hold 0.7 to 14 of them (against 8 above).",
        "\n".join(provenance_line(out, f"{n}.csv") for n in tables) if tables else
        f"*Not run: no `versus_stock300_*.csv` under `{out}`.*")
    _stock_tables(page, out, tables, ", 300 s")


#: the untouched tasks of the 300-s setting again, with 50 paired seeds: ``(table, tasks label)``
SEEDS50_OUTPUT = "benchmarking/_results/seeds50"
SEEDS50_TABLES = [("s50_linear-x", "all 8 tasks"),
                  ("s50_hgb-x", "banana, magic, phoneme, twonorm"),
                  ("s50_mlp-x", "german, spambase, satimage, texture")]


def seeds50_section(page: BenchmarkPage, out: Path) -> None:
    """The 300-s setting's untouched tasks with 50 paired seeds, and why time ties there."""
    tables = [(t, k) for t, k in SEEDS50_TABLES if (out / f"versus_{t}.csv").exists()]
    page.add(
        "## The same with 50 paired seeds",
        "The 300-s tables' untouched tasks (those not used to choose the tempered draws) "
        "again, in fresh runs with 50 paired seeds instead of 20, the bilinear runtime model "
        "beside the default: were the default's time leads over the peer at 20 seeds on "
        "`mlp-x` and `hgb-x` (1.21x, 1.22x, ties) real? With 50 seeds they are 1.06x and "
        "1.02x, ties with narrower intervals. Why the time to the target barely moves in "
        "this setting: in 56-72% of these runs, ours, the peer's and ASHA-p3's alike, the "
        "trial that first reaches the target is among the first 10 trials of the run (the "
        "median is the 6th to the 8th), and without related tasks every searcher draws "
        "those at random. A searcher that proposes for accuracy alone from the 11th trial on "
        "changes the time by 1.00x [0.98, 1.02] (`mlp-x`) and 1.00x [0.95, 1.02] (`hgb-x`); "
        "see the variants page, \"The searcher's acquisition at 300 s\".")
    if not tables:
        page.add(f"*Not run: no `versus_s50_*.csv` under `{out}`.*")
        return
    paired_tables_section(page, [(out, t, k) for t, k in tables], ("the patched peer",))


#: with related tasks (leave-one-task-out): ``(folder, table, tasks label, where)``; each table
#: has a ``_peer`` twin paired against the patched Syne Tune MOASHA
RELATED_TABLES = [
    ("benchmarking/_results/related300", "related300_mlp-x", "all 6 tasks",
     "Syne Tune's simulator, 300 s"),
    ("benchmarking/_results/related300", "related300_hgb-x", "all 6 tasks",
     "Syne Tune's simulator, 300 s"),
    ("benchmarking/_results/related300", "related300_linear-x", "all 8 tasks",
     "Syne Tune's simulator, 300 s"),
    ("benchmarking/_results/related", "related_cnn", "all 4 tasks", "our simulator"),
    ("benchmarking/_results/related", "related_x", "first 3 tasks", "our simulator"),
    ("benchmarking/_results/related", "related_shipped", "first 3 tasks", "our simulator"),
]


def related_section(page: BenchmarkPage) -> None:
    """What a user with related tasks runs (``moasha-related``: ``MOASHA(transfer_evaluations=
    ...)``) against the transfer searcher and against the patched peer."""
    present = [(Path(o), t, k, w) for o, t, k, w in RELATED_TABLES
               if (Path(o) / f"versus_{t}.csv").exists()]
    page.add(
        "## With related tasks",
        "What a user with evaluations of related tasks runs: `MOASHA(..., "
        "transfer_evaluations=...)` (`moasha-related`: the model-based searcher takes them as "
        "its prior and proposes from its first trial, the hardware policy takes their "
        "runtimes as its model's prior), the benchmark's other tasks as related tasks "
        "(leave-one-task-out). Beside it `moasha-bo-transfer` (the searcher's prior only), "
        "`moasha-transfer` (`ParetoTransferSearcher`, the transfer searcher before the "
        "model-based one) and the default without related tasks. The peer and ASHA-p3 have no "
        "related tasks: against them these rows show what the related tasks are worth, not a "
        "like-for-like comparison of methods.")
    if not present:
        page.add("*Not run: no `versus_related*.csv` under `benchmarking/_results/related*`.*")
        return
    paired_tables_section(page, [(o, t, f"{k}; {w}") for o, t, k, w in present],
                          ("the transfer searcher", "the patched peer"), method="moasha-related")


def _stock_tables(page: BenchmarkPage, out: Path, tables: list[str], where: str) -> None:
    """Ours / the peer and every method against ASHA-p3 from ``tables`` (every task), headed
    ``... {where}``; nothing when no table was run."""
    versus = [r for n in tables for r in versus_rows(out, n, "all")]
    if versus:
        page.add(f"### Ours / `{_peer(out, tables[0])}`{where}", LEGEND,
                 markdown_table(versus, VERSUS_COLS),
                 "What the default (`moasha`) row shows, read off the table above:",
                 "\n".join(summary_lines(versus, "moasha", VERSUS_COLS[5:])))
        rows = [r for n in tables for r in against_rows(out, n, "all", "asha-p3")]
        page.add(f"### Against ASHA on ml.p3.2xlarge{where}", LEGEND,
                 markdown_table(rows, AGAINST_COLS))


#: tuning-effectiveness: (heading, output folder, tables, baselines, prose)
TUNING_SECTIONS = [
    ("Ours and the peers on the shipped benchmarks", "benchmarking/_results/hardware",
     ["effectiveness_mlp_cnn.csv", "effectiveness_hgb_linear.csv",
      "effectiveness_x.csv"], ("asha-p3", "asha-default"),
     "Every method on the same tasks and seeds (paired), 4 simulated workers, budget = 8 "
     "median full trainings on ml.g4dn.xlarge per task; target per task = the mean over seeds "
     "of the baseline's best accuracy minus 0.5 points. `moasha` is today's default (the "
     "hardware policy with tempered draws + the model-based searcher; re-measured "
     "2026-12-06 with 20 paired seeds, 10 before); `moasha-sampler` the default before the "
     "policy (the searcher samples the instance type with a per-type preference), which the "
     "README's oldest tables called `moasha`. The runs are shared with the hardware-decision "
     "page (the same cache: its tasks and seeds)."),
]
#: why a table of a section may be missing, and the command that would make it
NOT_RUN = {
    "effectiveness_x.csv":
        "the `-x` benchmarks with every peer: 5 more methods x 9 tasks x the seeds, about 40 "
        "minutes on one loaded core; not run for this page. The hardware-decision page has "
        "the `-x` benchmarks with the policy, its variants, the patched Syne Tune MOASHA, "
        "multi-objective random search and ASHA (20 seeds). Command: `python "
        "benchmarking/compare_methods.py --methods <the methods above> --benchmarks "
        "mlp-x,hgb-x,linear-x --tasks-per-benchmark 3 --seeds 20 --processes 1 --output "
        "benchmarking/_results/hardware --table effectiveness_x.csv`",
}

#: the hyperparameters-only table (the paper's claim: ~10% faster models at equal accuracy)
HP_SECTION = ("benchmarking/_results/hp_only", "hp_only.csv")


def tuning_page(args) -> BenchmarkPage:
    used = [(Path(o), t) for _, o, ts, _, _ in TUNING_SECTIONS for t in ts]
    used.append((Path(HP_SECTION[0]), HP_SECTION[1]))
    page = paired_page("tuning-effectiveness", "Tuning effectiveness: ours against the peers",
                       used, args)
    page.add(
        "Cells: median over tasks of mean over seeds (baseline) / mean over seeds (method) "
        "(> 1: the method needs less, or found a cheaper / faster model) with a 95% bootstrap "
        "interval (seeds resampled, the same resample for every method). \"found model's $ / "
        "time\": the cheapest / fastest model (configuration at an epoch) the run trained at the "
        "target, against the baseline's; \"(best possible)\": the cheapest draw of the whole "
        "table at the target. A run that never reaches the target counts with its whole budget "
        "and all it spent (\"reached\" counts the runs that did). HV: normalised hypervolume of "
        "accuracy / runtime / cost at the end of the budget and averaged over it (median over "
        "tasks). Every row names what chooses the instance type and what proposes the "
        "hyperparameters. " + LEGEND)
    for heading, output, tables, baselines, prose in TUNING_SECTIONS:
        out = Path(output)
        page.add(f"## {heading}")
        present = [t for t in tables if (out / t).exists()]
        if not present:
            page.add(f"*Not run: {', '.join(f'`{out / t}`' for t in tables)} do not exist.*")
            continue
        page.add(prose, "Commands:\n\n" + "\n".join(provenance_line(out, t) for t in present))
        for t in tables:
            if t not in present:
                page.add(f"*Not run: `{out / t}` does not exist"
                         + (f": {NOT_RUN[t]}" if t in NOT_RUN else "") + ".*")

        def tasks_of(t):
            prov = read_provenance(out, t) or {}
            return {b: str(len(ts)) for b, ts in prov.get("tasks", {}).items()}

        for base in baselines:
            rows = []
            for t in present:
                df = _read(out / t)
                df = df[(df["baseline"] == base) & ~df["method"].isin(BASELINES)]
                n = tasks_of(t)
                rows += [describe(dict(r, tasks=n.get(r["benchmark"], "?")))
                         for r in df.to_dict("records")]
            page.add(f"### Against {BASELINE_NAME[base]} (`{base}`)",
                     markdown_table(rows, AGAINST_COLS))
        rows = []
        for t in present:
            if (out / ("versus_" + t)).exists():
                n = tasks_of(t)
                rows += [describe(dict(r, tasks=n.get(r["benchmark"], "?")))
                         for r in _read(out / ("versus_" + t)).to_dict("records")]
        if rows:
            peer = rows[0].get("peer", "st-moasha-fixed")
            page.add(f"### Ours / `{peer}`, paired",
                     f"Target = ASHA-p3's accuracy; mean(`{peer}`) / mean(method) for dollars "
                     f"and time, mean(method) / mean(`{peer}`) for the hypervolume; 95% paired "
                     f"bootstrap.", markdown_table(rows, VERSUS_COLS))
    page.add("## With SageMaker job start-up",
             "Every method against the peers with job start-up (cold starts, warm pools): on "
             "the [start-up page](startup-model.md), with the policy that weighs the start-up "
             "(20 paired seeds, 2026-12-06).")
    out, table = Path(HP_SECTION[0]), HP_SECTION[1]
    page.add("## Hyperparameters only (instance fixed to ml.g4dn.xlarge; accuracy and runtime)")
    if (out / table).exists():
        df = _read(out / table)
        df = df[(df["baseline"] == "asha-default") & ~df["method"].isin(BASELINES)]
        prov = read_provenance(out, table) or {}
        n = {b: str(len(ts)) for b, ts in prov.get("tasks", {}).items()}
        rows = [describe(dict(r, tasks=n.get(r["benchmark"], "?"))) for r in df.to_dict("records")]
        page.add("The paper's claim: with the instance fixed, MO-ASHA on (accuracy, runtime) "
                 "finds models ~10% faster to train at equal accuracy (1.10x). Column \"found "
                 "model's time\": the fastest model at ASHA's target accuracy, mean(ASHA) / "
                 "mean(method), against single-objective ASHA on the same instance "
                 "(`asha-default`). `moasha-hp`: random hyperparameters; `moasha-hp-bo`: the "
                 "model-based searcher. `cnn` and the `-x` benchmarks: not run for this table "
                 "(the `-x` benchmarks share the base tables' accuracies; `cnn` was not in the "
                 "documented command).",
                 "Command:\n\n" + provenance_line(out, table),
                 markdown_table(rows, ["benchmark", "tasks", "method", "hardware logic",
                                       "searcher", "found model's time", "found model's $",
                                       "tuning time to target", "reached", "HV end"]))
    else:
        page.add(f"*Not run: `{out / table}` does not exist.*")
    page.add("## Not among the peers",
             "NePS (`neural-pipeline-search` 0.17): its multi-objective BO (`neps-mobo`) and "
             "Syne Tune's EHVI (`st-ehvi`) need torch and botorch (the `neps` extra; PyPI "
             "serves torch here only as CUDA builds of several GB) and take seconds per "
             "suggestion: they are measured on their own page, [Against Syne Tune's EHVI and "
             "NePS's MO-BO](ehvi.md). NePS's `moasha` / `mo_hyperband` are not run: their "
             "epsilon-net is a copy of Syne Tune's, whose decisions the two Syne Tune peers "
             "already cover.")
    return page


def paired_page(name: str, title: str, used: list[tuple[Path, str]], args) -> BenchmarkPage:
    """A page whose header names the seeds of its input tables ``used`` (folder, csv name)."""
    seeds = sorted({str(p["seeds"]) for o, t in used if (p := read_provenance(o, t))})
    return BenchmarkPage(name, title,
                         seeds=(", ".join(seeds) + " paired seeds (0..n-1), the same for every "
                                "method") if seeds else None,
                         docs_dir=args.docs_dir, argv=args.argv)


def versus_section(page: BenchmarkPage, rows: list[dict], peer: str, what: str,
                   method: str = "moasha") -> None:
    """Ours / ``peer``: the versus table and what ``method``'s row shows."""
    page.add(f"### Ours / `{peer}` ({what})",
             f"mean(`{peer}`) / mean(method) for dollars and time, mean(method) / "
             f"mean(`{peer}`) for the hypervolume; median over tasks, 95% paired "
             f"bootstrap; > 1 = the method is better.",
             markdown_table(rows, VERSUS_COLS),
             ("What the default (`moasha`) row shows" if method == "moasha" else
              f"What the `{method}` row shows") + ", read off the table above:",
             "\n".join(summary_lines(rows, method, VERSUS_COLS[5:])))


def paired_tables_section(page: BenchmarkPage, tables: list[tuple[Path, str, str]],
                          whats: tuple[str, ...], method: str = "moasha",
                          against_p3: bool = True) -> None:
    """The commands of ``tables`` (``(folder, csv stem, tasks label)``), ours / their peer for
    each of ``whats`` (what the table pairs against, then what its ``_peer`` twin pairs
    against, when given), what ``method``'s row shows, and (``against_p3``) every method
    against ASHA-p3."""
    suffixes = ("", "_peer")[:len(whats)]
    page.add("Commands:\n\n" + "\n".join(
        provenance_line(o, f"{t}{suffix}.csv") for o, t, _ in tables for suffix in suffixes
        if not suffix or (o / f"{t}{suffix}.csv").exists()))
    for suffix, what in zip(suffixes, whats):
        rows = [r for o, t, k in tables for r in versus_rows(o, t + suffix, k)]
        if rows:
            o, t, _ = tables[0]
            versus_section(page, rows, _peer(o, t + suffix), what, method=method)
    if against_p3:
        against_p3_section(page, [r for o, t, k in tables for r in against_rows(o, t, k,
                                                                                "asha-p3")])


def against_p3_section(page: BenchmarkPage, rows: list[dict]) -> None:
    """Every method against ASHA on ml.p3.2xlarge."""
    page.add("### Against ASHA on ml.p3.2xlarge (`asha-p3`)",
             "Median over tasks of mean(`asha-p3`) / mean(method), 95% bootstrap interval "
             "over paired seeds; \"(best possible)\": the cheapest draw of the whole table "
             "at the target.", markdown_table(rows, AGAINST_COLS))


#: default-searcher: the runs that decided MO-ASHA's default searcher (model-based since
#: 2026-12), on our simulator (the hardware-decision page's tasks) and in the independent
#: benchmarks' setting; ``vsrandom_<table>``: the same runs against ``moasha-random``
DEFAULT_SEARCHER_OUTPUT = "benchmarking/_results/default_searcher"
DEFAULT_SEARCHER_PROSE = (
    "Since 2026-12 MO-ASHA's default searcher is the model-based one "
    "(`syne_mohb.searchers.ModelBasedSearcher`: an extra-trees surrogate of every objective "
    "fitted on every rung result, random Chebyshev scalarisations, Thompson sampling; random "
    "for its first 10 trials); until then it was random draws with replacement, measured here "
    "as `moasha-random` (`MOASHA(searcher=\"random\")`). Both have the same hardware policy "
    "(the instance type of every trial from a runtime/cost model with interactions), with "
    "the tempered Thompson draws that are the default since 2026-12-05 "
    "([tempered draws](tempered-draws.md)); so do `moasha-bo` and `moasha-promotion`. "
    "`moasha` is the default. Several other benchmark pages were measured before these "
    "changes: their `moasha` rows had the random searcher, or the wide draws (each says "
    "which).")
FIXED_TYPE_TABLES = [("fixed_dev_cnn", "development"), ("fixed_untouched_cnn", "untouched"),
                     ("fixed_untouched_mlp-x", "untouched"),
                     ("fixed_untouched_hgb-x", "untouched"),
                     ("fixed_untouched_linear-x", "untouched")]
FIXED_TYPE_PROSE = (
    "Is choosing the hardware per configuration worth it against fixing one sensible type up "
    "front? `moasha-hp-bo` is MO-ASHA with the same model-based searcher on ml.g4dn.xlarge "
    "alone (the cheapest GPU type of the benchmarks, the fixed type of `asha-default`), "
    "`moasha-hp` the same with random search; on one type dollars are runtime x one price, "
    "so both optimise accuracy and runtime. Against `moasha-hp-bo` only the hardware logic "
    "differs. Our simulator, the interaction tables of the hardware-decision page (`cnn`, "
    "`mlp-x`, `hgb-x`, `linear-x`). The hypervolume counts accuracy, runtime and dollars: a "
    "run on one type trains no model on a cheaper CPU, so its front is narrower by "
    "construction; the dollars and time to the target are the fair comparison.")


def default_searcher_page(args) -> BenchmarkPage:
    ours, stock = Path(DEFAULT_SEARCHER_OUTPUT), Path(args.stock300_output)
    sections = [
        ("Our simulator, the hardware-decision page's tasks", ours,
         [(t, "untouched" if t.startswith("untouched") else "development")
          for t in HARDWARE_TABLES],
         "Our simulated backend, 4 workers, budget = 8 median full trainings on "
         "ml.g4dn.xlarge per task, target = ASHA-p3's mean best accuracy - 0.005, the tasks "
         "of the hardware-decision page (development: `cnn` mnist / mnist_rot90 and `mlp` "
         "digits / vehicle, where the policy was developed; untouched: the others)."),
        ("Syne Tune's simulator, 300 s: the independent benchmarks' setting", stock,
         [(t, "all") for t in STOCK300_TABLES],
         "Syne Tune's `UserBlackboxBackend`, 4 workers, 300 simulated seconds, the tuner "
         "polling every 5 s (`../shared/README.md`, section 5), every task of the "
         "interaction families."),
    ]
    used = [(out, t + ".csv") for _, out, ts, _ in sections for t, _ in ts]
    page = paired_page("default-searcher", "MO-ASHA's default searcher", used, args)
    page.add(DEFAULT_SEARCHER_PROSE, "Every row names what chooses the instance type "
             "(**hardware logic**) and what proposes the hyperparameters (**searcher**). "
             + LEGEND)
    for heading, out, tables, prose in sections:
        present = [(t, k) for t, k in tables if (out / f"{t}.csv").exists()]
        page.add(f"## {heading}", prose)
        if not present:
            page.add(f"*Not run: no table under `{out}`.*")
            continue
        page.add("Commands:\n\n" + "\n".join(
            provenance_line(out, f"{p}{t}.csv") for t, _ in present for p in ("", "vsrandom_")
            if (out / f"{p}{t}.csv").exists()))
        for prefix, what in (("vsrandom_", "the previous default"), ("", "the patched peer")):
            rows = [r for t, k in present for r in versus_rows(out, prefix + t, k)]
            if not rows:
                page.add(f"*No `versus_{prefix}*.csv` under `{out}`.*")
                continue
            versus_section(page, rows, _peer(out, prefix + present[0][0]), what)
        against_p3_section(page, [r for t, k in present
                                  for r in against_rows(out, t, k, "asha-p3")])
    fixed = [(t, k) for t, k in FIXED_TYPE_TABLES if (ours / f"{t}.csv").exists()]
    page.add("## Against MO-ASHA on one fixed type", FIXED_TYPE_PROSE)
    if not fixed:
        page.add(f"*Not run: no `fixed_*.csv` under `{ours}`.*")
        return page
    paired_tables_section(page, [(ours, t, k) for t, k in fixed],
                          ("the same searcher on one type",))
    return page


#: tempered-draws: the runs that decided the hardware policy's tempered Thompson draws (default
#: since 2026-12-05): ``tempered_<table>`` against ``moasha-wide-prior`` (the previous draws),
#: ``tempered_<table>_peer`` the same runs against the patched Syne Tune MOASHA; ``STOCK300``
#: stands for ``--stock300-output``
STOCK300 = "<stock300-output>"
TEMPERED_SECTIONS = [
    ("Development tasks", [
        (DEFAULT_SEARCHER_OUTPUT, "tempered_dev_cnn", "our simulator"),
        (STOCK300, "tempered_dev_hgb-x", "Syne Tune's simulator, 300 s"),
        (STOCK300, "tempered_dev_mlp-x", "Syne Tune's simulator, 300 s"),
    ], "Where the tempered draws were chosen (`cnn` mnist / mnist_rot90 on our simulator; "
       "`hgb-x` breast_cancer / pima and `mlp-x` digits / vehicle in the independent "
       "benchmarks' setting). Measured once on these tasks against the wide draws and not "
       "kept (numbers from that run, not re-run by this page's commands; tuning $ / time, "
       "`cnn`, `hgb-x`, `mlp-x`): `prior_std=0.5` alone, 1.05x / 0.88x, **1.35x** [1.12, "
       "1.65] / 1.05x, 1.09x / 1.05x; the wide prior shrinking four times faster with the "
       "observations (`prior_strength=0.25`, half the trees), 1.04x / 0.93x, 1.02x / 0.95x, "
       "0.98x / 0.99x (it explores every type early, and that is not where the dollars go); "
       "no control trials, 1.01x / 0.97x, **1.23x** / 1.09x, 0.99x / 1.01x; the weight `w` "
       "drawn towards time (Beta(2, 1), Beta(3, 1): 0.95x / 1.05x and 0.93x / 1.12x on `cnn`, "
       "*0.80x* [0.70, 0.90] and *0.81x* dollars on `mlp-x`, time ties)."),
    ("Untouched tasks: Syne Tune's simulator, 300 s (the independent benchmarks' setting)", [
        (STOCK300, "tempered_linear-x", "all 8 tasks"),
        (STOCK300, "tempered_hgb-x",
         "banana, magic, phoneme, twonorm"),
        (STOCK300, "tempered_mlp-x",
         "german, spambase, satimage, texture"),
    ], "Syne Tune's `UserBlackboxBackend`, 4 workers, 300 simulated seconds, the tasks of the "
       "interaction families not used above."),
    ("Untouched tasks: our simulator", [
        (DEFAULT_SEARCHER_OUTPUT, "tempered_cnn", "mnist_parity, mnist_flip"),
        (DEFAULT_SEARCHER_OUTPUT, "tempered_mlp", "german, spambase"),
        (DEFAULT_SEARCHER_OUTPUT, "tempered_hgb", "first 3 tasks"),
        (DEFAULT_SEARCHER_OUTPUT, "tempered_linear", "first 3 tasks"),
        (DEFAULT_SEARCHER_OUTPUT, "tempered_linear-x", "first 3 tasks"),
    ], "Our simulated backend, budget = 8 median full trainings on ml.g4dn.xlarge, the "
       "untouched tasks of the hardware-decision page (its `mlp-x` and `hgb-x` tasks follow)."),
    ("Our simulator: the hardware-decision page's `mlp-x` and `hgb-x` tasks", [
        (DEFAULT_SEARCHER_OUTPUT, "tempered_mlp-x", "first 3 tasks"),
        (DEFAULT_SEARCHER_OUTPUT, "tempered_hgb-x", "first 3 tasks"),
    ], "Measured after the choice, but not untouched: digits and vehicle (`mlp-x`), "
       "breast_cancer and pima (`hgb-x`) are among the development tasks above (there on "
       "Syne Tune's simulator with 300 s)."),
]
TEMPERED_PROSE = (
    "Since 2026-12-05 the hardware policy draws its Thompson samples from a tempered runtime "
    "model: a narrower prior for instance types with few observations (`prior_std=0.25` in "
    "log seconds instead of 1.0) and half of the model's trees per draw instead of a quarter "
    "(`HardwarePolicy(prior_std=..., draw_fraction=...)`; the recommendations' intervals keep "
    "the model's default prior). Exploring a type is paid at its price: with the wider draws "
    "ml.p3.2xlarge, 16x the price of ml.m5.xlarge and about as fast on the `-x` tables, took "
    "5-7% of the trials and 35% of the dollars of 300-s runs on `hgb-x`, from start to end. "
    "`moasha` is the new default; `moasha-wide-prior` is the previous one (the `moasha` of "
    "the other benchmark pages, measured before the change). Both have the model-based "
    "searcher.")


def sections_page(args, name: str, title: str, prose: str, sections: list,
                  whats: tuple[str, ...], folder=Path) -> BenchmarkPage:
    """A page of ``sections`` (heading, [(output folder, table stem, tasks label)], prose[,
    whats]), each with its commands and the paired tables against ``whats`` (a section's own,
    else the page's; :func:`paired_tables_section`); ``folder`` maps a section's folder name
    to its path."""
    used = [(folder(o), t + ".csv") for _, tabs, *_ in sections for o, t, _ in tabs]
    page = paired_page(name, title, used, args)
    page.add(prose, "Every row names what chooses the instance type (**hardware logic**) and "
             "what proposes the hyperparameters (**searcher**). " + LEGEND)
    for heading, tables, text, *own in sections:
        present = [(folder(o), t, k) for o, t, k in tables if (folder(o) / f"{t}.csv").exists()]
        page.add(f"## {heading}", text)
        if not present:
            page.add("*Not run.*")
            continue
        paired_tables_section(page, present, own[0] if own else whats)
    return page


def tempered_draws_page(args) -> BenchmarkPage:
    return sections_page(args, "tempered-draws", "Tempered draws of the hardware policy",
                         TEMPERED_PROSE, TEMPERED_SECTIONS,
                         ("the previous draws", "the patched peer"),
                         lambda o: Path(args.stock300_output if o == STOCK300 else o))


#: startup-model: the policy that weighs a job's start-up (the default where one is given)
#: against the per-unit choice before it, with SageMaker job start-up
STARTUP_OUTPUT = "benchmarking/_results/startup_model"
STARTUP_PROSE = (
    "Where every job waits before it trains (SageMaker: `HardwarePolicy(job_startup="
    "JobStartup(...))`, what the simulated runs below give the policy), the hardware policy "
    "chooses a type for the whole segment, not per epoch (since 2026-12-06; "
    "`measure_startup`, on by default where `job_startup` is given): its runtime model "
    "measures each type's start-up on the run's own results (per training that went on after "
    "its first result: that result's seconds minus its epochs times the later seconds per "
    "epoch; the median per type) and learns the training's own seconds per epoch from every "
    "segment less it, and a segment's time on a type is the job's start-up plus the mean "
    "epochs of the run's segments times the drawn seconds per epoch (its dollars bill the "
    "download and the training). `moasha-startup-per-unit` is the policy before "
    "(`measure_startup=False`): the start-up spread over the epochs each segment happened to "
    "train, types compared per epoch. Start-up here: `syne_mohb.hardware.startup.JobStartup` "
    "(CPU 90 s provisioning + 20 s billed download, accelerated 150 s + 60 s, every start and "
    "every resume; the budget grows by 8 cold start-ups), against epochs of 0.1-30 s. The "
    "weighing was designed after the variant below tied on these five benchmarks, then run "
    "once, untuned: `cnn` and `mlp` first, the `-x` families after, with no change in "
    "between. Measured once in the same setting and not kept: the "
    "model's start-up measured but types still compared per epoch (0.97x-1.09x tuning $, "
    "0.94x-1.08x time against the per-unit policy: ties on all five), and on real local runs "
    "(`docs/benchmarks/local-versus-asha.md`'s three workloads, 1 s of process start-up) the "
    "same, whose 20 seeds ran an hour after ASHA's on a machine 40% slower by then, so they "
    "decided nothing; without `job_startup` (local, Ray) the policy is unchanged. On the "
    "shipped tables without start-up (every other page) nothing changes: no job start-up is "
    "given there. The peer and the baselines run with the same start-up.")
STARTUP_SECTIONS = [
    ("With SageMaker job start-up, cold starts", [
        (STARTUP_OUTPUT, "startup_cnn_mlp", "4 tasks each"),
        (STARTUP_OUTPUT, "startup_x", "3 tasks each"),
    ], "Our simulated backend, 4 workers, budget = 8 median full trainings on ml.g4dn.xlarge "
       "plus 8 cold start-ups, target = ASHA-p3's mean best accuracy minus 0.5 points."),
    ("Against the peers with start-up, cold starts", [
        ("benchmarking/_results/compare_startup", "compare_methods", "4 tasks"),
    ], "The default, `moasha-promotion` and the transfer searcher (`moasha-transfer`) in the "
       "same setting against the patched Syne Tune MOASHA, ASHA with the instance type tuned "
       "(`asha-instance`) and ASHA on ml.p3.2xlarge, on `mlp` (the command of the SageMaker "
       "tutorial; until 2026-12-06 on the tuning-effectiveness page, 10 seeds, with the "
       "per-epoch policy). Under promotion every resume is a new job that waits its start-up "
       "again.", ("the patched peer",)),
    ("Against the peers with start-up, warm pools (keep-alive 600 s)", [
        ("benchmarking/_results/compare_startup_warm", "compare_methods", "4 tasks"),
    ], "As above, with warm pools: a job that finds an idle instance of its type kept alive "
       "for 600 s skips the provisioning. Measured on 2026-12-06, before the policy weighed "
       "warm pools: its `moasha` and `moasha-promotion` rows weigh every start-up cold (what "
       "`moasha-cold-pools` and `moasha-promotion-cold-pools` are now); the warm-aware default "
       "against them and against the peer, on `mlp` and the six other tables: "
       "[warm pools](warm-pools.md).", ("the patched peer",)),
]


#: warm-pools: the policy that weighs a warm pool's start-up (the default since 2026-12-07)
#: against every start-up weighed cold, with SageMaker job start-up and warm pools
WARM_POOLS_OUTPUT = "benchmarking/_results/warm_pools"
WARM_POOLS_PROSE = (
    "With SageMaker managed warm pools (`JobStartup(keep_alive_s=...)`), a job that ends "
    "leaves its instance idle for the keep-alive period, and the next job on that instance "
    "type skips most of the provisioning and the image download (here 15 s + 5 s instead of "
    "90 s + 20 s on a CPU type, 150 s + 60 s on a GPU type). Since 2026-12-07 the hardware "
    "policy keeps the same record as the simulated backend: MO-ASHA tells it when a job ends "
    "(a trial stopped, paused or finished: `HardwarePolicy.on_job_end`), a type whose pool "
    "holds an idle instance is weighed at the warm start-up, and the next job started there "
    "takes the instance (in simulated runs the jobs the policy expects to start warm are "
    "exactly those the backend starts warm: `tests/test_startup_simulation.py`). Before, "
    "every start-up was weighed cold: `moasha-cold-pools` and `moasha-promotion-cold-pools` "
    "(`HardwarePolicy(warm_pools=False)`). Under promotion every resume is a new job, so the "
    "pools decide more there. Nothing was tuned (a scratch run on two tasks per table came "
    "first; the tables below are every task, run once); the "
    "rule for which jobs leave a warm instance is the simulated backend's (modelled: every "
    "ended job), not measured on SageMaker. Our simulated backend, 4 workers, warm pools "
    "kept 600 s, budget = 8 median full trainings on ml.g4dn.xlarge plus 8 cold start-ups, "
    "target = ASHA-p3's mean best accuracy minus 0.5 points; the peer and the baselines run "
    "with the same start-up and pools.")
WARM_POOLS_TABLES = [("warm_cnn", "4 tasks"), ("warm_x", "3 tasks each"), ("warm_mlp", "4 tasks"),
                     ("warm_base", "3 tasks each")]
#: (table suffix, what it pairs against, the method whose row is read off)
WARM_POOLS_VERSUS = [("", "every start-up weighed cold, stopping", "moasha"),
                     ("_promo", "every start-up weighed cold, promotion", "moasha-promotion"),
                     ("_peer", "the patched peer", "moasha")]


#: capacity-outages: the hardware policy told a failure's kind (HardwareFeedback, the default
#: since 2026-12-07) against the one taking every failure as the configuration's
OUTAGE_OUTPUT = "benchmarking/_results/outage_final"
OUTAGE_PROSE = (
    "A SageMaker job can fail because no instance of its type can be had for a while "
    "(`CapacityError`) or because the account's quota for the type is used up "
    "(`ResourceLimitExceeded`); a Ray trial, because its node died. Such a failure says nothing "
    "about the configuration. Since 2026-12-07 the backend says which failures those are "
    "(`failure_kind`), the tuner callback `HardwareFeedback` tells MO-ASHA's hardware policy, "
    "and the policy does not record the failure against the configuration: the type is left "
    "out of new placements for a cool-down (`capacity_cooldown_s`, doubled at each further "
    "capacity failure of the type) and the configuration is trained again on another type. "
    "Before, such a failure was taken as the configuration's, like an out-of-memory one: the "
    "configuration, and once failures added up similar ones, kept off the type "
    "(`moasha-kind-blind`, `HardwarePolicy(failure_kinds=False)`). Simulated here: "
    "`SimulatedBackend(capacity_outages=...)` fails every job of a type started during an "
    "outage, after its cold provisioning wait, billed nothing (`compare_methods.py --outage "
    "TYPE:FROM:TO`, fractions of each task's budget). The type is ml.m5.xlarge, on which the "
    "default places most trials once SageMaker's start-up counts. The cool-down's default was "
    "chosen on `cnn` (outage from 10% to 40% of the budget) among 0 s "
    "(`moasha-no-cooldown`), 150 s (the default) and 600 s (`moasha-cooldown-600`, the first "
    "version); `mlp` and `hgb-x` (4 tasks each, outage from 30% to 50%) were run once "
    "afterwards, untouched. The outages are synthetic: the shipped tables record none. Our "
    "simulated backend, SageMaker job start-up, 4 workers, budget = 8 median full trainings on "
    "ml.g4dn.xlarge plus 8 cold start-ups, target = ASHA-p3's mean best accuracy minus 0.5 "
    "points; the baselines run with the same outage.")
OUTAGE_TABLES = [("outage_dev", "4 tasks, development"), ("outage_untouched", "4 tasks each, "
                                                                              "untouched")]


#: searcher-repeats: the model-based searcher's repeats (its default "always") against
#: "when_exhausted", both built outside MO-ASHA and seeded alike (moasha-bo)
REPEATS_OUTPUT = "benchmarking/_results/repeats"
REPEATS_PROSE = (
    "MO-ASHA's model-based searcher (`ModelBasedSearcher`) may propose a configuration that "
    "has results again (`repeats=\"always\"`, its default): a repeat is a new training run of "
    "a noisy objective, and under successive halving most configurations were stopped early. "
    "With `repeats=\"when_exhausted\"` (`moasha-bo-no-repeats`) no configuration is proposed "
    "twice until every configuration of a finite space was: the model orders the ones not "
    "tried yet. On the shipped tables (72-108 configurations, 70-120 trials per run) the "
    "default tries about half of the configurations of a run, and on `cnn`, where one to three "
    "of 72 configurations reach ASHA-on-p3's accuracy, it never tried them in a quarter of the "
    "runs. The simulator draws a repeat's results from another of the table's 2-3 recorded "
    "seeds, as a training script that varies its seed; with a fixed seed a repeat reproduces "
    "its result and pays for it again, and `\"when_exhausted\"` is what such a script needs. "
    "Both methods build the searcher outside MO-ASHA, seeded with the run's seed, with the "
    "default hardware policy. Our simulator, 4 workers, 20 paired seeds, target = ASHA-p3's "
    "mean best accuracy minus 0.5 points.")
REPEATS_TABLES = [("repeats_cnn", "4 tasks"), ("repeats_x", "3 tasks each"),
                  ("repeats_base", "3 tasks each")]
REPEATS_VERSUS = [("", "repeats allowed, the default", "moasha-bo-no-repeats")]
#: the same with every trial replaying the tables' recorded seed 0 (compare_methods.py
#: --replay-seed 0): a training script with a fixed seed
REPEATS_FIXED_OUTPUT = "benchmarking/_results/repeats_fixed"
REPEATS_FIXED_PROSE = (
    "The same methods, tasks and seeds, with every trial replaying the tables' recorded seed "
    "0 (`compare_methods.py --replay-seed 0`, `SimulatedBackend(seed=0)`): a training script "
    "with a fixed seed, where a repeat reproduces its first run's results and pays for them "
    "again. The baselines and the target (ASHA-p3's accuracy) are measured the same way.")
REPEATS_FIXED_TABLES = [("repeats_fixed_cnn", "4 tasks, a fixed seed"),
                        ("repeats_fixed_x", "3 tasks each, a fixed seed"),
                        ("repeats_fixed_base", "3 tasks each, a fixed seed")]


#: the random searcher without repeats at a larger budget (on the variants page until
#: 2026-12-07, at 5 seeds)
REPEATS_B25_OUTPUT = "benchmarking/_results/variants_b25_20"
REPEATS_B25_PROSE = (
    "MO-ASHA's random searcher (`searcher=\"random\"`) at a budget of 25 full trainings on "
    "ml.g4dn.xlarge, where a run without repeats can use up the finite space (108 "
    "configurations x 6 instance types on `mlp`) and end before the target: the first "
    "release's failure. `moasha-uniform`: the first release (no repeats); `moasha-exhaust`: no "
    "repeats until the space is used up, then repeats; `moasha-repeats`: draws with "
    "replacement; `moasha-sampler`: with replacement + the per-type instance preference (the "
    "default before the hardware policy); `moasha`: today's default (the model-based "
    "searcher and the hardware policy), for scale. All six `mlp` tasks.")


#: late-units: the policy that stops late first units (HardwarePolicy(late_factor=3.0), an
#: option since 2026-12-07; moasha-late) against the default and the patched peer
LATE_OUTPUT = "benchmarking/_results/late"
LATE_STOCK_OUTPUT = "benchmarking/_results/late_stock300"
LATE_PROSE = (
    "Early in a run the hardware policy's runtime model has seen few configurations on few "
    "types, and it places a configuration on a type that is many times slower for it than for "
    "what it has seen there: on `cnn` a wide network on a CPU type takes up to 25x a GPU's "
    "seconds per epoch, where narrow ones are as fast on a CPU. Such a unit holds its worker "
    "until it ends, whatever the model learns meanwhile (on `cnn`'s development tasks 46% of "
    "the first quarter's worker time went to types at least 2x slower than the "
    "configuration's fastest, 26% under uniform sampling; teaching the model the running "
    "unit's elapsed seconds alone changed nothing: the variants page, \"Censored runtimes\"). "
    "With `HardwarePolicy(late_factor=3.0)` (`moasha-late`) a trial whose first unit has run "
    "3x longer than both the model's prediction for it and the run's median first unit is "
    "stopped by the tuner callback `HardwareFeedback` (Syne Tune's `Tuner` asks a scheduler "
    "to decide only on a trial that reported); its elapsed seconds enter the model as a lower "
    "bound for one unit and its configuration is trained again on another type, once per "
    "configuration. The factor was chosen on `cnn`'s development tasks (mnist, mnist_rot90) "
    "in a scratch script, 20 paired seeds against the default, tuning $ / time: 2: 1.15x / "
    "1.10x, 3: **1.26x** / 1.13x, 5: **1.18x** / **1.18x**; those two tasks are among the "
    "four `cnn` tasks below, every other table was untouched by the choice. Without the "
    "callback nothing is stopped and a run is the default's (`tests/test_late_units.py`); "
    "`compare_methods.py` adds the callback to a method whose policy has a `late_factor`. "
    "Under promotion (`type=\"promotion\"`, measured once in a scratch script, the four `cnn` "
    "tasks, 20 paired seeds against the patched peer): tuning $ **2.00x** [1.65, 2.43], time "
    "1.25x [0.97, 1.46], where promotion alone has 1.88x / 1.16x and the default 2.00x / "
    "1.05x: still a tie in time. With simulated SageMaker job start-up (`--startup`, measured "
    "once: the four `cnn` tasks and three `mlp-x` tasks; the four `cnn` tasks again on "
    "2026-12-07, with a job's wait for its instance left out of its elapsed seconds) no first "
    "unit was ever late: identical runs. The simulator's worker time, from which the model "
    "and the median learn a first unit's seconds, counts the start-up (110-210 s), which "
    "dwarfs an epoch. A job's wait for its instance is never counted as lateness: "
    "`HardwareFeedback` leaves out what the backend reports (`startup_seconds`: SageMaker's "
    "`CreationTime` to `TrainingStartTime`, a Ray attempt's wait for its node), so that a slow "
    "provisioning is not taken for a late unit (before 2026-12-07 it could be on SageMaker). "
    "Our simulator and Syne Tune's (300 s), 4 workers, 20 paired "
    "seeds, target = ASHA-p3's mean best accuracy minus 0.5 points.")
LATE_TABLES = [("late_cnn", "4 tasks"), ("late_x", "3 tasks each"), ("late_base", "3 tasks each")]
LATE_STOCK_TABLES = [("late_stock300", "3 tasks each, 300 s")]
LATE_VERSUS = [("", "the default, no late stops", "moasha-late"),
               ("_peer", "the patched peer", "moasha-late")]


def late_units_page(args) -> BenchmarkPage:
    parts = [(Path(LATE_OUTPUT), LATE_TABLES, "Our simulator",
              "Every shipped benchmark; the simulator bills a stopped unit's seconds at its "
              "type's price."),
             (Path(LATE_STOCK_OUTPUT), LATE_STOCK_TABLES,
              "Syne Tune's simulator, 300 s: the independent benchmarks' setting",
              "The `-x` families on Syne Tune's own simulator with a budget of 300 simulated "
              "seconds (`compare_methods.py --simulator stock --budget-seconds 300`); its "
              "clock is the simulator's `time_keeper`.")]
    return sections_of_versus_page(args, "late-units", "Late first units", LATE_PROSE, parts,
                                   LATE_VERSUS)


#: related-fronts: ModelBasedSearcher(transfer_share=0.5, transfer_window=(11, 40)), the
#: default with related tasks since 2026-12-07, against the transfer searcher, the previous
#: default (moasha-related-prior-only) and the patched peer
FRONTS_OUTPUT = "benchmarking/_results/related_fronts"
FRONTS_STOCK_OUTPUT = "benchmarking/_results/related_fronts_stock300"
FRONTS_PROSE = (
    "With related tasks (`MOASHA(..., transfer_evaluations=...)`, `moasha-related`: the "
    "benchmark's other tasks, leave-one-task-out) the model-based searcher blends a prior "
    "fitted on their evaluations into its predictions, which aims its early suggestions at the "
    "accurate corner of the front: against the transfer searcher (`moasha-transfer`, "
    "`ParetoTransferSearcher`, which draws configurations near the related tasks' fronts) it "
    "was ahead in tuning dollars and time but behind in hypervolume at half the budget on "
    "`mlp-x` at 300 s (0.98x [0.97, 0.99]), the one cell where issue 22's related-tasks "
    "criterion failed. Since 2026-12-07 each of the suggestions numbered 11 to 40 is, with "
    "probability 1/2, the transfer searcher's draw on the related tasks alone "
    "(`ModelBasedSearcher(transfer_share=0.5, transfer_window=(11, 40))`, the default with "
    "related tasks; the draw's instance type is dropped and the hardware policy places the "
    "configuration). The window was chosen on `mlp-x` at 300 s against two other forms "
    "(suggestions 9-24; 30% of every suggestion from the 11th on, which left the cell at "
    "0.98x) and after half of every suggestion, which closed the cell but cost `mlp` 0.43x "
    "of its tuning dollars (the variants page); the first ten suggestions stay the model's, "
    "because a short run often reaches the accuracy target with one of them. "
    "`moasha-related-prior-only` is the previous default (`transfer_share=0`), whose runs, "
    "made on 2026-12-07 by the code before the change, are bit-identical to that option's "
    "(checked on `mlp-x` digits, seed 0); the transfer searcher's and the ASHA baselines' "
    "runs were made the same day by that code too, which this change leaves as they were "
    "(hence the \"reused from a cache made by other code\" below). Against the patched "
    "Syne Tune MOASHA (`st-moasha-fixed`, added later on 2026-12-07 in the same folders, the other "
    "methods' runs reused): the peer has no related tasks, so these rows say what the related "
    "tasks are worth to a user who has them, not which method is better. The tables on "
    "Syne Tune's simulator were made again on 2026-12-08, every method's runs by today's code "
    "on an idle machine (that simulator's clock takes real time: docs/concepts/evaluation.md, "
    "\"Two simulators\"). Our simulator and Syne Tune's (300 s), 4 workers, 20 paired seeds, "
    "target = ASHA-p3's mean best accuracy minus 0.5 points.")
FRONTS_TABLES = [("fronts_cnn", "4 tasks"), ("fronts_base", "3 tasks each"),
                 ("fronts_x3", "3 tasks each")]
FRONTS_STOCK_TABLES = [("fronts_stock300", "every task, 300 s")]
FRONTS_VERSUS = [("", "the transfer searcher", "moasha-related"),
                 ("_prior", "the related tasks as a prior only (the previous default)",
                  "moasha-related"),
                 ("_peer", "the patched peer, which has no related tasks: what they are worth",
                  "moasha-related")]


def related_fronts_page(args) -> BenchmarkPage:
    parts = [(Path(FRONTS_OUTPUT), FRONTS_TABLES, "Our simulator",
              "`cnn` (every task), the first three tasks of the other six benchmarks."),
             (Path(FRONTS_STOCK_OUTPUT), FRONTS_STOCK_TABLES,
              "Syne Tune's simulator, 300 s: the independent benchmarks' setting",
              "Every task of the `-x` families on Syne Tune's own simulator with a budget of "
              "300 simulated seconds (`compare_methods.py --simulator stock --budget-seconds "
              "300`).")]
    return sections_of_versus_page(args, "related-fronts",
                                   "With related tasks: proposals from their fronts",
                                   FRONTS_PROSE, parts, FRONTS_VERSUS)


def sections_of_versus_page(args, name: str, title: str, prose: str,
                            parts: list[tuple[Path, list[tuple[str, str]], str, str]],
                            versus: list[tuple[str, str, str]],
                            more_used: list[tuple[Path, str]] = ()) -> BenchmarkPage:
    """A page whose sections ``parts`` (folder, tables, heading, text) each hold the tables of
    :func:`versus_tables` (``more_used``: further input tables the caller adds sections of)."""
    used = [(out, f"{t}{suffix}.csv") for out, tables, *_ in parts for t, _ in tables
            for suffix, *_ in versus] + list(more_used)
    page = paired_page(name, title, used, args)
    page.add(prose, "Every row names what chooses the instance type (**hardware "
             "logic**) and what proposes the hyperparameters (**searcher**). " + LEGEND)
    for out, tables, heading, text in parts:
        page.add(f"## {heading}", text)
        versus_tables(page, out, tables, versus)
    return page


def searcher_repeats_page(args) -> BenchmarkPage:
    parts = [(Path(REPEATS_OUTPUT), REPEATS_TABLES, "A seed drawn per trial",
              "Each trial replays one of the table's recorded seeds, drawn at its start (our "
              "simulator's default): a repeat is another training run of a noisy objective."),
             (Path(REPEATS_FIXED_OUTPUT), REPEATS_FIXED_TABLES, "With a fixed seed",
              REPEATS_FIXED_PROSE)]
    b25 = Path(REPEATS_B25_OUTPUT)
    page = sections_of_versus_page(args, "searcher-repeats", "Repeats of the model-based "
                                   "searcher", REPEATS_PROSE, parts, REPEATS_VERSUS,
                                   more_used=[(b25, "variants_b25.csv")])
    page.add("## The random searcher at a larger budget", REPEATS_B25_PROSE)
    if (b25 / "variants_b25.csv").exists():
        paired_tables_section(page, [(b25, "variants_b25", "all 6 tasks")], ("",))
    else:
        page.add("*Not run.*")
    return page


def capacity_outages_page(args) -> BenchmarkPage:
    return versus_tables_page(args, "capacity-outages", "Capacity outages", OUTAGE_PROSE,
                              Path(OUTAGE_OUTPUT), OUTAGE_TABLES,
                              [("", "every failure taken as the configuration's", "moasha")])


def warm_pools_page(args) -> BenchmarkPage:
    return versus_tables_page(args, "warm-pools", "Warm pools in the hardware policy",
                              WARM_POOLS_PROSE, Path(WARM_POOLS_OUTPUT), WARM_POOLS_TABLES,
                              WARM_POOLS_VERSUS)


def versus_tables_page(args, name: str, title: str, prose: str, out: Path,
                       tables: list[tuple[str, str]],
                       versus: list[tuple[str, str, str]]) -> BenchmarkPage:
    """A page of ``compare_methods.py`` tables under ``out``: ``tables`` (name, what its tasks
    are), each paired against the peers of ``versus`` (table suffix, what the peer is, the
    method whose row is read off), and every method against ASHA-p3."""
    used = [(out, f"{t}{suffix}.csv") for t, _ in tables for suffix, *_ in versus]
    page = paired_page(name, title, used, args)
    page.add(prose, "Every row names what chooses the instance type (**hardware "
             "logic**) and what proposes the hyperparameters (**searcher**). " + LEGEND)
    versus_tables(page, out, tables, versus)
    return page


def versus_tables(page: BenchmarkPage, out: Path, tables: list[tuple[str, str]],
                  versus: list[tuple[str, str, str]]) -> None:
    """The commands, paired tables and tables against ASHA-p3 of :func:`versus_tables_page`
    (``*Not run.*`` without tables)."""
    present = [(t, k) for t, k in tables if (out / f"{t}.csv").exists()]
    if not present:
        page.add("*Not run.*")
        return
    page.add("Commands:\n\n" + "\n".join(
        provenance_line(out, f"{t}{suffix}.csv") for t, _ in present
        for suffix, *_ in versus if (out / f"{t}{suffix}.csv").exists()))
    for suffix, what, method in versus:
        rows = [r for t, k in present for r in versus_rows(out, t + suffix, k)]
        if rows:
            versus_section(page, rows, _peer(out, present[0][0] + suffix), what, method=method)
    against_p3_section(page, [r for t, k in present for r in against_rows(out, t, k,
                                                                          "asha-p3")])


def startup_page(args) -> BenchmarkPage:
    return sections_page(args, "startup-model", "Start-up in the hardware policy",
                         STARTUP_PROSE, STARTUP_SECTIONS,
                         ("the per-unit choice", "the patched peer"))


#: variants: (heading, output folder, table names or a glob, prose)
VARIANT_SECTIONS = [
    ("Hardware policy variants", "benchmarking/_results/variants", "var_*.csv",
     "Options of `HardwarePolicy` measured against the default (`moasha`, `moasha-promotion`: "
     "time and cost scalarised as log ratios to the configuration's fastest and cheapest type, "
     "a factor 2 in time weighing as a factor 2 in dollars) on the tasks of the "
     "hardware-decision page: `moasha-no-restart`: the previous default, `moasha` without "
     "restarts (a stopping-type survivor of a rung is trained again from scratch on another "
     "type when the model, knowing more by then, puts its type off the configuration's front; "
     "`restart_margin=0.2`, chosen on the development tasks against 0.05); "
     "`moasha-range` / `moasha-promotion-range`: the scalarisation before that, "
     "time and cost each normalised to [0, 1] over the types (replaced because it buys a small "
     "time gain with a large cost: log units saved more tuning dollars on every untouched "
     "table; the untouched tables were used for this one decision); `moasha-promotion-fast` / "
     "`moasha-promotion-range-fast`: under promotion, resumed segments above rung 0 go to the "
     "fastest type (more time saved, fewer dollars: a trade, not kept); `moasha-prior`: "
     "related tasks' times as the runtime model's prior (leave-one-task-out; what a user with "
     "related tasks should pass, `HardwarePolicy(prior_evaluations=...)`)."),
    ("The runtime model as a Bayesian bilinear regression", "benchmarking/_results/bilinear",
     "bilinear_*.csv",
     "`moasha-bilinear`: the default policy whose runtime model is "
     "`HardwarePolicy(estimator=\"bilinear\")` (scikit-learn's `BayesianRidge` on the model's "
     "features and every hyperparameter x hardware product, Thompson draws of its "
     "coefficients) instead of the extra trees, paired against `moasha` on the "
     "hardware-decision page's tasks (`cnn` development: `bilinear_dev_cnn`). One coefficient "
     "says \"the width slows a CPU, not a GPU\", learnt from a few results and extrapolated "
     "along the width where the trees average a leaf: on `cnn` the wide networks reach the "
     "GPU types sooner. Its extrapolation also sends more early trials to the GPU types where "
     "they pay less (`mlp-x`). Not the default: see the end of this page for the variants "
     "around it."),
    ("The same at 300 s on Syne Tune's simulator", "benchmarking/_results/bilinear300",
     "bilinear300_*.csv",
     "The independent benchmarks' setting: every task of the three `-x` families, Syne "
     "Tune's own simulator, 300 simulated seconds."),
    ("Restarts of survivors against the previous default, paired: development tasks",
     "benchmarking/_results/variants", ["restart_dev_cnn.csv", "restart_dev_mlp.csv"],
     "`moasha` (restarts on, `restart_margin=0.2`) against `moasha-no-restart` "
     "(`restart_margin=None`) on the same seeds. The restarts were designed and their margin "
     "chosen (against 0.05) on these tasks, with the random searcher (2026-12-04). With "
     "today's default searcher (model-based) they are *behind* at 95% on `mlp` here: see "
     "the untouched tasks below."),
    ("The same on tasks no run had used (held out)", "benchmarking/_results/variants",
     ["restart_heldout_mlp-x.csv", "restart_heldout_hgb-x.csv",
      "restart_heldout_linear-x.csv"],
     "The `-x` benchmarks' tasks outside the hardware-decision page, run once to check the "
     "choice before the untouched tables were measured (a variant checked on the same tasks "
     "and not kept is listed at the end of this page)."),
    ("The same on the untouched tasks", "benchmarking/_results/variants",
     ["restart_cnn.csv", "restart_mlp.csv", "restart_hgb.csv", "restart_linear.csv",
      "restart_mlp-x.csv", "restart_hgb-x.csv", "restart_linear-x.csv"],
     "The tasks of the hardware-decision page. With the random searcher (when they were "
     "adopted, 2026-12-04) the restarts saved a few dollars on `mlp`, `mlp-x` and `hgb-x` "
     "and lost a little tuning time on `linear-x` (a restart trains the first epochs again). "
     "With today's default searcher (model-based, re-measured 2026-12-05) they tie on six of "
     "these seven tables, save dollars on `hgb-x`, and are behind on the development `mlp` "
     "tasks above: roughly neutral. They stay in the default until the pages measured with "
     "them are re-run without them."),
    ("Sampling in MO-ASHA's random searcher", "benchmarking/_results/variants",
     ["variants_sampling.csv"],
     "Why the first release trailed the patched Syne Tune MOASHA: it never drew a "
     "configuration twice and ended the run when a finite space was used up. "
     "`moasha-uniform`: the first release (no repeats); `moasha-exhaust`: no repeats until the "
     "space is used up, then repeats; `moasha-repeats`: draws with replacement; "
     "`moasha-sampler`: with replacement + the per-type instance preference (the default "
     "before the hardware policy); `moasha`: today's default (the model-based searcher and "
     "the hardware policy, not a random searcher: for scale). Kept: draws with replacement "
     "(`moasha-random` draws with replacement). "
     "`moasha-transfer-repeats` / `moasha-transfer-exhaust` (the transfer searcher with draws "
     "with replacement / repeats once the space is used up) are registered but not run "
     "here (the transfer searcher is the slowest method)."),
]

#: the columns of :data:`HISTORICAL`'s rows, in order
HISTORICAL_COLUMNS = ["variant", "what was tried", "numbers", "why not re-run"]

#: variants measured once whose option no longer exists or that no script re-runs; the numbers
#: are the measurement's, kept here verbatim (they are not regenerated by this page's command)
HISTORICAL = [
    ("A prior that pricier types are faster",
     "Before (and beside) the data, assume log(seconds per epoch) falls with a x log(price) "
     "(a = 0.5: speed grows with the square root of the price; a = 1: every type costs the "
     "same per epoch) instead of every type being equally fast, against the cold start's "
     "lean towards the cheapest type.",
     "Development tasks, 20 seeds, against `st-moasha-fixed`, tuning $ / time: a = 0.5 `cnn` "
     "1.23x / 1.36x, `mlp` 3.58x / 2.03x; a = 1 `cnn` 0.98x / 1.57x, `mlp` 1.03x / 1.36x "
     "(default: 1.62x / 1.23x, 4.56x / 1.87x). Dollars traded for time, an assumption about "
     "hardware the data does not need.",
     "A subclass in a scratch script (2026-12-04), never an option of `HardwarePolicy`."),
    ("Trial weights tilted towards time",
     "Draw the trial's weight as w = U^(1/2) (mean 2/3) or U^(1/1.5) instead of U(0, 1), to "
     "buy tuning time with part of the dollar lead.",
     "20 seeds against `st-moasha-fixed`, tuning $ / time: development `cnn` 1.47x / 1.31x "
     "[1.01, 1.73] (default 1.62x / 1.23x), `mlp` 4.60x / 2.07x (4.56x / 1.87x); held-out "
     "`mlp-x` 1.61x / 0.98x (1.59x / 0.99x), `hgb-x` 1.69x / 1.15x (1.67x / 1.01x), "
     "`linear-x` 2.25x / 1.43x (2.21x / 1.13x): the time gains are inside the intervals on "
     "the held-out tasks.",
     "A subclass in a scratch script (2026-12-04), never an option of `HardwarePolicy`."),
    ("Hardware-neutral rung objectives; finishing the rung's most accurate trial fast",
     "(a) Rank a rung on runtime and cost rescaled to the configuration's fastest / cheapest "
     "type (the model's means), so that the type a trial drew does not decide its survival; "
     "(b) restart the most accurate survivor of a rung on its fastest type.",
     "Development tasks, 20 seeds, against `st-moasha-fixed`, tuning $ / time: (a) `cnn` "
     "1.62x / 1.17x (policy without restarts then: 1.56x / 1.20x); (b) `cnn` 1.61x / 1.24x, "
     "`mlp` 4.49x / 1.85x (with restarts: 1.62x / 1.23x, 4.56x / 1.87x). No change.",
     "Scheduler subclasses in a scratch script (2026-12-04), never options."),
    ("Restarts only when they dominate",
     "Restart a survivor only on a type where finishing is both faster and cheaper than "
     "staying (instead of the trial's scalarisation).",
     "20 seeds, tuning $ / time against `moasha-no-restart`: development `cnn` 1.09x / 1.09x, "
     "`mlp` 1.19x / 1.11x; held-out `mlp-x` 1.01x / 1.01x, `hgb-x` 0.92x / 0.91x, `linear-x` "
     "1.01x / 0.97x (the kept rule: 1.11x / 1.06x, 1.03x / 1.02x, 0.95x / 0.93x). No better on "
     "the held-out tasks.",
     "A subclass in a scratch script (2026-12-04), never an option of `HardwarePolicy`."),
    ("Hardware policy: time and cost scalarised in log units, first measurement",
     "Scalarise log time and log cost (a factor 2 in time weighs as a factor 2 in dollars) "
     "instead of normalising each to [0, 1] over the types.",
     "Development tasks, 20 seeds, against the patched Syne Tune MOASHA: `cnn` 1.56x / 1.20x "
     "tuning $ / time against the default's 1.42x / 1.17x; `mlp` 3.89x / 1.78x against 4.13x / "
     "1.91x. Mixed, inside each other's intervals: the default stayed then.",
     "Measured at commit cbddf8b as `normalise=False`; re-measured on every table in the first "
     "section, where it became the default (`moasha`; the old default is `moasha-range`)."),
    ("Instance-type preference: z = 2 standard errors instead of 3",
     "Call a type dominated when another is better by 2 (not 3) standard errors.",
     "False \"dominated\" verdicts on equal instance types in 1 of 8 seeded unit runs: 3 kept.",
     "A unit-test observation, no benchmark table."),
    ("Rung rule: tie-break, two objectives, crowding, log-scaled epsilon-net, cost-seeded net",
     "Alternatives to the epsilon-net ranking inside MO-ASHA's rungs.",
     "No gain.",
     "Measured on the independent benchmark of the shared notes (section 5), before the "
     "sampling changes; not re-run."),
    ("Transfer searcher settings (`ParetoTransferSearcher`)",
     "`temperature=0.5`; labels from the front over all (configuration, epoch) pairs instead of "
     "the last epoch; budgets of 1 and 10 full trainings.",
     "On `linear`, 3-4 seeds, fraction of random search's budget to reach its final "
     "hypervolume: 62%, 62%, 43% and 46% (first measurement, before the simulator and sampling "
     "changes; the default is on the transfer page).",
     "No option of `bench_transfer.py`; not re-run."),
    ("Model-based searcher with related tasks and no exploration",
     "`moasha-bo-hw-transfer` without the 10% uniformly random suggestions.",
     "Behind `moasha-transfer` at 95% on `linear`'s final hypervolume (0.991 [0.986, 0.997]); "
     "with them (`exploration=None`, kept) never behind at 95% (the searcher page).",
     "First version of the searcher page's related-tasks table; the option is a constructor "
     "argument, not a registered method: not re-run."),
    ("Hardware-neutral rung objectives, with the model-based searcher",
     "Variant (a) of \"Hardware-neutral rung objectives\" above, measured again with today's "
     "default (model-based searcher, tempered draws): each rung compares runtime and cost "
     "rescaled to the configuration's fastest / cheapest type (the runtime model's means); "
     "also with the searcher told the rescaled values.",
     "20 seeds against `moasha`, tuning $ / time / found model's $: development `cnn` "
     "1.03x / 1.01x / **1.83x [1.04, 2.73]**; untouched `cnn` 0.88x [0.77, 1.00] / 0.90x / "
     "1.13x, `mlp-x` 1.12x / 1.02x / 0.84x, `hgb-x` 0.81x [0.67, 1.02] / 0.91x / 1.00x, "
     "`linear-x` 0.93x / 0.89x / 1.09x; hypervolume 0.99x-1.01x. With the searcher told: "
     "0.88x-1.10x / 0.90x-1.07x, found model's $ *0.73x [0.57, 0.93]* on `linear-x`. The "
     "gain on one development task did not carry to the untouched ones.",
     "A scheduler subclass in a scratch script (2026-12-05), never an option."),
    ("One scalarisation per trial for the searcher and the policy",
     "The policy's time/cost weight of a new trial taken from the searcher's Dirichlet "
     "weights of that suggestion, w = l_runtime / (l_runtime + l_cost) (the same marginal, "
     "U(0, 1)), instead of an independent draw: the configuration and its type then aim at "
     "the same point of the front.",
     "20 seeds against `moasha`, tuning $ / time / found model's $: development `cnn` "
     "**1.10x [1.02, 1.20]** / 1.07x [0.98, 1.17] / 0.82x; development `mlp` 1.09x / 1.11x / "
     "0.75x [0.61, 1.07]; `hgb-x` pima 0.91x / 0.91x / 0.99x; hypervolume 1.00x. Ties.",
     "Subclasses in a scratch script (2026-12-05), never an option."),
    ("Accuracy weighted as much as runtime and cost together",
     "The searcher's scalarisation weights drawn as l_accuracy ~ U(0, 1) and the rest split "
     "between runtime and cost, instead of uniform on the simplex (where accuracy gets a "
     "third on average, while runtime and cost move together on a fixed type).",
     "20 seeds against `moasha`, tuning $ / time: development `cnn` 0.99x / 0.96x, `mlp` "
     "1.05x / 1.00x; at 300 s on Syne Tune's simulator `mlp-x` digits / vehicle 0.95x / "
     "0.83x, `hgb-x` breast_cancer / pima 1.33x [0.93, 1.90] / 1.22x [0.95, 1.64]. In the same "
     "runs `moasha-bo` (today's searcher, built by the method table instead of by MO-ASHA, so "
     "another random stream) gave 1.01x / 0.89x, 1.08x / 1.05x, 0.93x / 0.82x, 1.24x / 1.18x: "
     "the variant moves no more than a change of random stream.",
     "A searcher subclass in a scratch script (2026-12-05), never an option."),
    ("No adaptation across rungs; no restarts (with today's default)",
     "`HardwarePolicy(adapt_across_rungs=False)`: a survivor keeps its trial's weight at "
     "higher rungs instead of moving towards time; `restart_margin=None`: survivors are never "
     "trained again on another type.",
     "20 seeds against `moasha`, development `cnn` on our simulator and `mlp-x`, `hgb-x` "
     "development tasks at 300 s, tuning $ / time / found model's $: no adaptation "
     "0.97x-1.00x / 0.94x-1.00x / 0.99x-1.18x; no restarts 0.98x-1.06x / 0.99x-1.02x / "
     "0.92x-1.11x; hypervolume 1.00x-1.01x. Ties: both mechanisms stay.",
     "Options of `HardwarePolicy`, run from a scratch script (2026-12-05)."),
    ("The front's most accurate model trained again on its cheapest type",
     "When a trial finishes (`max_t`) with the best accuracy of the finished configurations, "
     "its configuration is trained once more, to `max_t`, on the type the runtime model "
     "predicts cheapest for it, if that is at least 25% cheaper than the type it ran on: the "
     "accurate, cheap corner of the front measured instead of predicted (the found-model "
     "measure counts only what a run trained).",
     "20 seeds against `moasha`, tuning $ / time / found model's $: `cnn` development 0.99x / "
     "0.94x / 1.68x [0.97, 2.52], untouched 0.96x / 0.97x / 1.36x [0.93, 1.95] (found model "
     "against ASHA-p3 3.06x -> 4.76x of a possible 7.45x, 3.69x -> 5.05x of 8.62x); `mlp-x` "
     "and `linear-x` (3 tasks, our simulator) 1.25x / 1.20x / 0.95x and 1.05x / 1.03x / "
     "0.99x; 300 s on Syne Tune's simulator, every task of `mlp-x` and `hgb-x`: 0.99x-1.01x / "
     "0.97x-1.00x / 1.02x. Ties at 95% everywhere; on the `-x` tables the most accurate model "
     "usually already ran on its cheapest type, and there the cheapest model at the target is "
     "often another configuration.",
     "A policy option and a scheduler hook in a scratch checkout (2026-12-05), never merged."),
    ("Scalarisation weights nearer the simplex's corners",
     "The searcher's weights drawn from Dirichlet(0.3) or Dirichlet(0.5) instead of "
     "Dirichlet(1), so that the accuracy extreme of the front (on `cnn` the slowest, dearest "
     "configurations, which the default draws half as often as uniform sampling: 3.2 against "
     "7.5 trials of width 64 and depth 3 per run) is targeted more often.",
     "Development `cnn`, 20 seeds against `moasha`, tuning $ / time / found model's $: "
     "Dirichlet(0.3) 1.06x / 1.03x / 1.12x (target reached in 31 of 40 runs, `moasha` 24, "
     "`moasha-random` 34), Dirichlet(0.5) 0.93x / *0.90x* [0.82, 0.99] / 1.25x (22 of 40).",
     "A searcher attribute set from a scratch script (2026-12-05), never an option."),
    ("Hyperband brackets",
     "`MOASHA(brackets=2)` and `brackets=3`: some trials start at a higher rung, so that a "
     "configuration that learns slowly is not judged at the first epoch.",
     "Development `cnn`, 20 seeds against `moasha`, tuning $ / time / found model's $: 2 "
     "brackets 0.92x / *0.87x* [0.79, 0.97] / **1.79x** [1.01, 2.71], 3 brackets *0.89x* / "
     "*0.84x* [0.75, 0.94] / **1.85x**; hypervolume at half the budget *0.96x*. Found models "
     "bought with tuning time: `cnn`'s time target is the issue.",
     "An existing MOASHA option (`brackets`), run from a scratch script (2026-12-05)."),
    ("Accuracy's corner for the searcher; an accuracy quota in the rungs",
     "(a) A share of the searcher's suggestions (a third, or a fifth) uses the weights "
     "(1, 0, 0): Thompson sampling for accuracy alone, at any resource level. (b) A trial that "
     "MO-ASHA stops at a rung continues when its accuracy is in that rung's top sixth (an "
     "ASHA quota for accuracy beside the front's ranking). (c) Both. Aimed at `cnn`'s reach "
     "rate (the default reached the target in 24 of 40 development runs).",
     "20 seeds against `moasha`, tuning $ / time / found model's $ / hypervolume at half the "
     "budget: development `cnn` (a, a third) 1.09x / 1.08x [1.00, 1.17] / 1.36x / 0.99x "
     "(reached 31 of 40), (b) 1.05x / 1.06x / 1.16x / 1.00x (31), (c) **1.14x** [1.01, 1.31] "
     "/ **1.13x** [1.01, 1.26] / 1.19x / 0.99x, at the end *0.98x* (35); development `mlp` "
     "(a) 1.35x / 1.32x, (b) **1.65x** / **1.70x** [1.09, 2.47] with hypervolume *0.99x*, "
     "(c) 1.58x / **1.72x**, hypervolume *0.97x*; at 300 s on Syne Tune's simulator, "
     "`hgb-x` breast_cancer / pima and `mlp-x` digits / vehicle: time 0.98x-1.10x (ties), "
     "found model's $ down to *0.60x* (hgb-x, c) and *0.50x* (mlp-x, c). Time to the target "
     "on the development tasks, bought with hypervolume; nothing at 300 s. Not kept.",
     "A searcher random-stream proxy and a scheduler subclass in a scratch script "
     "(2026-12-05), never options."),
    ("Trial weights leaning towards time, with today's searcher; a fast start",
     "The policy's weight of a new trial drawn as w = U^(1/2) or U^(1/3) instead of U(0, 1) "
     "(the same tilt measured in 2026-12-04 with the random searcher), or a fast start: "
     "trial n takes w = 1 - (1 - U) min(1, n / N), N = 32, 64 or 128 (the first trials on fast "
     "types, uniform weights from trial N on). Prompted by the bound on the hardware-decision "
     "page (every trial on ml.p3.2xlarge reaches `cnn`'s target as fast as ASHA there).",
     "20 seeds against `st-moasha-fixed`, tuning $ / time, the default in the same runs "
     "first: development `cnn` 1.70x / 0.96x; U^(1/2) 1.58x / 1.07x (found model's $ 2.07x "
     "against 1.27x), U^(1/3) 1.48x / 1.07x; N = 32 1.36x / 1.11x, N = 64 1.30x / 1.22x "
     "[0.95, 1.58], N = 128 1.20x / 1.22x. Untouched `cnn` 2.13x / 1.09x; "
     "U^(1/2) 1.71x / 1.15x; N = 64 1.64x / **1.58x** [1.20, 2.13]; N = 128 1.31x / **1.27x** "
     "[1.02, 1.70]. Untouched tables with N = 64: `mlp-x` 1.72x / 1.06x -> 1.78x / 1.24x; "
     "`hgb-x` 3.67x / 1.71x -> 2.30x / 1.63x; `linear-x` 3.60x / **1.68x** -> 1.98x / 1.27x "
     "[0.90, 1.74] (the time lead lost); `mlp` 5.02x / 1.92x -> 3.64x / 2.17x; `hgb` "
     "3.80x / 1.56x -> 2.01x / 1.50x. At 300 s on Syne Tune's simulator, every task: `mlp-x` "
     "2.58x / 1.14x -> 1.47x / 1.18x, `hgb-x` 3.06x / 1.11x -> 1.70x / 1.07x, `linear-x` "
     "2.08x / 0.94x -> 1.30x / 0.96x. The fast start buys time on `cnn` (ahead at 95% on its "
     "untouched tasks) with 30-45% of the dollar lead everywhere else, and loses the time "
     "lead on `linear-x`: a trade, not kept.",
     "A policy subclass in a scratch script (2026-12-05), never an option."),
    ("The runtime model refitted more often; single-row leaves; other estimators",
     "The policy's runtime model refitted once its rows grew by 5% instead of 25% "
     "(`refit_growth=1.05`), or with leaves of one row instead of two, or both: so that a wide "
     "network's first slow epoch on a CPU type changes the next choice sooner (on `cnn` a "
     "third of the default's worker time runs on a type another type beats in seconds and "
     "dollars for that configuration, half of it in the first quarter: "
     "`benchmarking/placement_waste.py`, hardware-policy concept page).",
     "20 seeds against `moasha`, tuning $ / time / found model's $: development `cnn` "
     "refits **1.11x** [1.03, 1.20] / 1.08x [0.99, 1.18] / 1.24x, one-row leaves 1.03x / "
     "1.02x / 1.22x, both 1.11x / 1.08x / 1.79x [0.95, 2.72]; at 300 s on Syne Tune's "
     "simulator (`hgb-x` breast_cancer / pima, `mlp-x` digits / vehicle) 0.98x-1.06x, ties. "
     "The early share of worker time on dominated types did not fall (first quarter on "
     "`cnn` mnist: 52% with the refits, 54% by default). The model's other estimators "
     "(`HardwarePolicy(estimator=\"gp\")`, `\"random_forest\"`, existing options): ties "
     "(0.86x-1.05x), first-quarter share 53% and 52%: early on no model can know a type it "
     "has not seen a wide network on. Not adopted: one cell ahead, the rest ties.",
     "A policy subclass in a scratch script (2026-12-05), never an option."),
    ("Pessimism for a type with no nearby observation of the configuration",
     "A new trial's drawn log seconds on type t raised by b log 2 per 0.25 of (normalised) "
     "distance between the configuration and the nearest one observed on t, beyond that of "
     "the best-supported type (b = 1, 2): types not yet seen near a configuration look slower, "
     "so fewer wide networks start on a CPU type before one has run there.",
     "20 seeds against `moasha`, tuning $ / time: development `cnn` 0.97x / 1.01x (b = 1), "
     "0.98x / 1.08x [0.99, 1.22] (b = 2), hypervolume at the end *0.98x*, *0.97x*; development "
     "`mlp` 1.02x / 1.03x, 1.00x / 1.00x; at 300 s on Syne Tune's simulator `hgb-x` "
     "breast_cancer / pima *0.89x* [0.80, 0.99] / 0.94x (b = 2), `mlp-x` digits / vehicle "
     "0.96x-0.98x / 1.06x. Worker time on dominated types on `cnn` (placement_waste.py): "
     "first quarter 52% and 50% against 54%, but 30% and 34% in the last quarter against "
     "20% (the policy keeps to types it knows). Not kept.",
     "A policy subclass in a scratch script (2026-12-05), never an option."),
    ("A perfect runtime model (a bound, not a method)",
     "The default policy (same weights, draws replaced by the truth) given the offline "
     "table's own seconds per epoch of every (configuration, type), averaged over the table's "
     "seeds: what the policy would do if its runtime model knew everything from the first "
     "trial. Asked by the bound on the hardware-decision page (every trial on "
     "ml.p3.2xlarge reaches `cnn`'s target as fast as ASHA there).",
     "20 seeds against `moasha`, tuning $ / time / found model's $: `cnn` development "
     "**1.61x** [1.36, 1.90] / **1.71x** [1.40, 2.07] / **1.88x**, untouched **1.56x** "
     "[1.25, 2.00] / **1.74x** [1.39, 2.24] / 1.18x; against ASHA-p3 time 0.84x [0.61, 1.13] "
     "and 0.98x [0.76, 1.31] (ties: as fast; the default 0.47x, 0.58x) at 5.8x and 7.1x less "
     "tuning $; worker time on dominated types (placement_waste.py, development) 3% against "
     "36%. At 300 s on Syne Tune's simulator (`hgb-x` breast_cancer / pima, `mlp-x` digits / "
     "vehicle): time 1.19x [0.96, 1.55] and 1.08x [0.99, 1.17], dollars 1.06x and **1.26x**. "
     "On `cnn` the whole gap to ASHA-p3 is the runtime model's learning in the first half of "
     "the run; at 300 s the time is the search's, not the hardware's.",
     "A policy with the table's seconds patched in, in a scratch script (2026-12-05); it "
     "reads the answer off the table, so it can never be an option."),
    ("The runtime model as a GP with one length scale per feature",
     "`HardwarePolicy(estimator=\"gp_ard\")` (added as an option of `RuntimeCostModel`): a "
     "Matern GP whose length scales are fitted per feature, so that features that do not "
     "change the seconds (the learning rate; the vCPUs where cores do not help) stop blurring "
     "the others. The isotropic `\"gp\"` measured earlier has one length scale for all. "
     "Offline, with n random (configuration, type) observations of `cnn` mnist, the share of "
     "(configuration, weight) choices on a dominated type: extra trees 28% / 20% / 11% at n = "
     "10 / 40 / 80, `gp_ard` 26% / 3% / 2%; `mlp-x` digits 31% / 23% against 14% / 15% at "
     "n = 40 / 80.",
     "20 seeds against `moasha`, tuning $ / time / found model's $: `cnn` development 1.02x / "
     "1.10x [0.96, 1.28] / 1.57x, untouched *0.84x* [0.72, 0.98] / 1.05x / **1.39x**; at "
     "300 s `hgb-x` and `mlp-x` (2 development tasks each) 1.02x / 1.02x and 0.98x / 1.07x. "
     "Worker time on dominated types on `cnn` 29% against 36% (first quarter 50% against "
     "54%: in the first quarter the model has seen a few dozen segments). Not the default.",
     "An option of `RuntimeCostModel` / `HardwarePolicy` (`estimator=\"gp_ard\"`), run from "
     "a scratch script (2026-12-05)."),
    ("Around the Bayesian bilinear runtime model",
     "`moasha-bilinear` (its own section above), twelve variants of it and one of the GP: "
     "(a) residual extra "
     "trees on top of it (from 20 rows); (b) a per-run choice between it and the trees by "
     "5-fold cross-validation grouped by configuration, at every refit; (c) tempered "
     "coefficient draws (the deviation from the posterior mean x0.5, x0.25); (d) the mean of "
     "its and the trees' log seconds; (e) it for the first 40 / 80 segments, the trees after; "
     "(f) it for the restart checks only, the trees' draws for the placements; (g) its draws "
     "for the placements, the trees for the restart checks; (h) no products with the "
     "accelerator's memory and published speed (vCPUs, memory, GPU count and the type "
     "indicators kept); (i) under promotion (`type=\"promotion\"`); (j) for comparison, the "
     "GP with one length scale per feature (`estimator=\"gp_ard\"`) with its Thompson draws "
     "joint over the types (scikit-learn's `sample_y`) instead of independent per type; (k) "
     "the trees for the first 5 / 10 segments, then it (its first fits, on a few rows, have "
     "a very wide posterior: near-uniform first placements); (l) stacking: the extra trees "
     "fitted on the design plus its predicted log seconds as one more input; (m) one prior "
     "precision per coefficient (scikit-learn's `ARDRegression`, automatic relevance "
     "determination) instead of one shared by all: the interactions a task lacks should "
     "shrink to zero. "
     "Offline, refitted on the first 20 / 40 segments the default's own `cnn` runs collected "
     "(development tasks, 20 seeds), the share of (configuration, weight) choices on a type "
     "dominated 2x or more is 18% / 10% for the bilinear model against 26% / 18% for the "
     "extra trees.",
     "20 seeds against `moasha`, tuning $ / time / found model's $ (`cnn` development, "
     "untouched; `linear-x`, `mlp-x`: 3 untouched tasks each): (a) `cnn` time **1.19x** / "
     "**1.20x**, `linear-x` found model *0.85x*; (b) `cnn` time 1.13x / **1.22x**, `linear-x` "
     "found model *0.69x*; (c) `cnn` time 1.07x-1.27x, `mlp-x` at 300 s found model *0.74x* "
     "for both; (d) `cnn` time 1.06x / 1.05x (the gain gone), `mlp-x` at 300 s ties; (e) `cnn` "
     "time **1.30x** / **1.22x** (a `cnn` run has fewer than 80 segments), `mlp-x` at 300 s "
     "*0.80x* [0.63, 0.94] / 1.00x / *0.72x*, `linear-x` ties; (f) `cnn` ties (0.98x-0.99x: "
     "the restarts change little), `mlp-x` at 300 s ties; (g) `cnn` time **1.19x** [1.05, "
     "1.39] / 1.12x, `mlp-x` at 300 s *0.75x* [0.53, 0.92] / 1.01x / 0.46x; (h) `cnn` time "
     "1.11x / 1.10x, `mlp-x` at 300 s *0.84x* [0.65, 0.96] / 0.98x / 0.97x; (i) against "
     "`st-moasha-fixed` `cnn` time 1.24x [0.96, 1.64] / **1.35x** [1.06, 1.66] (`moasha-"
     "promotion` 1.08x / 1.16x), dollars **1.42x** / **1.57x**; (j) `cnn` time **1.17x** "
     "[1.02, 1.35] / 1.14x (independent draws 1.10x / 1.05x), `mlp-x` at 300 s 0.84x / 0.95x "
     "/ 0.47x [0.28, 1.02]; (k) `cnn` time 1.15x / **1.25x** (5), **1.18x** / **1.14x** (10), "
     "`mlp-x` at 300 s dollars *0.76x* (5), *0.90x* [0.81, 0.96] (10), found model *0.62x* / "
     "0.88x; (l) tuning time on every table measured: `cnn` **1.15x** [1.02, 1.31] / 1.03x, "
     "`mlp` **1.26x** [1.07, 1.50], `hgb` 1.10x [1.00, 1.20], `linear` 0.86x [0.70, 1.00], "
     "`mlp-x` 0.98x, `hgb-x` 1.01x, `linear-x` 0.84x [0.71, 1.05], at 300 s `mlp-x` 1.07x, "
     "`hgb-x` 1.00x, `linear-x` 0.94x; dollars ties everywhere (0.84x-1.17x): milder than "
     "the bilinear model in both directions; (m) `cnn` development time **1.27x** [1.07, "
     "1.58] (the bilinear model in the same runs 1.30x), `mlp-x` at 300 s dollars *0.77x* "
     "[0.61, 0.83] (0.79x), found model 0.42x (0.54x): the sparse prior keeps both the gain "
     "and the loss. The gain on `cnn` "
     "and the loss on `mlp-x` both come from the placements of the first segments: the "
     "bilinear model's extrapolation sends "
     "more early trials to the GPU types (on `mlp-x` at 300 s ml.p3.2xlarge and "
     "ml.g5.xlarge take 6% and 8% of the worker time against 3% and 4%), right on `cnn`, "
     "dearer on `mlp-x`.",
     "Scratch code (2026-12-05), not kept; `estimator=\"bilinear\"` itself is an option."),
    ("Thompson exploration of pricier types capped",
     "A new trial's Thompson draw may put it on a pricier type than the posterior mean's "
     "choice (exploration) only while such placements, weighted by their price, stay under "
     "a share rho of all placements so far (rho = 0.1 or 0.25), with the bilinear model or "
     "the extra trees: the bilinear model's `cnn` gain without its `mlp-x` cost?",
     "Development `cnn`, 20 seeds against `moasha`, tuning $ / time / found model's $: "
     "bilinear, rho = 0.1 **1.23x** [1.06, 1.48] / 1.09x [0.96, 1.24] / 1.53x; rho = 0.25 "
     "1.07x / 0.95x / **1.86x**; extra trees, rho = 0.25 **1.31x** [1.14, 1.51] / 0.91x "
     "[0.81, 1.03] / 1.58x (the bilinear model uncapped in the same runs: 0.96x / **1.30x**). "
     "The cap turns the time gain back into dollars: the gain on `cnn` is the exploration "
     "itself, not the model's mean. Not taken further.",
     "A policy proxy in a scratch script (2026-12-05), never an option."),
    ("An oracle searcher (a bound, not a method)",
     "A searcher that proposes only the table's k most accurate configurations (mean final "
     "accuracy over types and seeds), drawn at random with repeats (k = 5, 10), with the "
     "default hardware policy; on `cnn` also with the perfect runtime model above. How much "
     "tuning time any searcher could gain over the default's, for issue 22's criterion.",
     "20 seeds against `moasha`, tuning time to ASHA-p3's accuracy: `cnn` development k = 5 "
     "**1.58x** [1.34, 1.85], k = 10 **1.47x**, k = 5 with the perfect runtime model **2.19x** "
     "(the perfect runtime model alone **1.71x**); `cnn` untouched **1.46x** [1.22, 1.79], "
     "1.11x, **3.12x** (alone **1.74x**); at 300 s on Syne Tune's simulator (3 tasks each) "
     "`mlp-x` **1.43x** / **1.79x**, `linear-x` **1.84x** / **2.04x**, `hgb-x` 1.26x [0.91, "
     "1.63] / 1.20x [0.89, 1.59] (ties: there even knowing the best configurations does not "
     "reach the target measurably sooner); hypervolume at half budget 0.74x-0.89x (it trains "
     "a handful of configurations), `linear-x` 1.02x-1.03x. `moasha-random` in the same runs: "
     "0.93x-1.29x, ties.",
     "A searcher that reads the answer off the table, in a scratch script (2026-12-05); it "
     "can never be an option."),
    ("The searcher's acquisition at 300 s: accuracy alone",
     "Every model-based suggestion (from the 11th trial on) with the weights (1, 0, 0), "
     "Thompson sampling for accuracy alone (`a-acc`), or half of them (`a-half`): can the "
     "searcher's model find the configurations that reach the target in a 300-s run at all, "
     "and does it matter? A diagnostic on the untouched 300-s tasks (it chose nothing): "
     "the table's chance that one training of a configuration reaches the target, averaged "
     "over the trials a run proposed, and the position of the trial that first reached it.",
     "50 paired seeds against `moasha`, Syne Tune's simulator, 300 s, tuning $ / time / "
     "found model's $ / hypervolume at half the budget / at the end: `mlp-x` (german, "
     "spambase, satimage, texture) `a-acc` 0.99x / 1.00x [0.98, 1.02] / 0.91x / *0.99x* / "
     "*0.97x* [0.96, 0.98], `a-half` 1.04x / 1.02x / 1.03x / 0.99x / *0.99x*; `hgb-x` (banana, "
     "magic, phoneme, twonorm) `a-acc` 0.99x / 1.00x [0.95, 1.02] / 0.88x / 1.00x / 1.00x. "
     "The model does find them: from the 11th trial on, the chance per proposed trial is "
     "0.21-0.42 with `a-acc`, 0.19-0.35 with the default, 0.17-0.30 with the peer's random "
     "search (per task). It does not matter: in 56-72% of the runs of every method (ours, "
     "the peer, ASHA-p3) the trial that first reaches the target is among the first 10 "
     "trials (median: the 6th to the 8th), which every searcher draws at random without "
     "related tasks; by the time it reaches the target, 11-22 trials have started.",
     "Searcher proxies in a scratch script (2026-12-05), never options."),
    ("A Latin-hypercube initial design",
     "The first 10 (or 6) configurations balanced over every hyperparameter's levels (each "
     "level as often as the others, the levels' order shuffled per hyperparameter) instead "
     "of uniform random draws, since those first trials decide the time to the target at "
     "300 s (see the row above).",
     "Development tasks, 50 paired seeds against `moasha`, tuning $ / time / found model's $: "
     "`hgb-x` breast_cancer, pima (300 s) **1.30x** [1.03, 1.69] / **1.23x** [1.04, 1.47] / "
     "1.24x, the first 6 only 1.09x / 1.11x / 0.96x; `mlp-x` digits, vehicle (300 s) 1.11x / "
     "1.04x [0.92, 1.19] / 1.04x, first 6 1.16x / 1.10x [0.98, 1.24] / 0.89x; `cnn` mnist, "
     "mnist_rot90 (our simulator) 0.98x / 0.92x [0.83, 1.02] / 1.20x, first 6 0.95x / 0.93x "
     "/ 1.05x; hypervolume 1.00x-1.01x. One development benchmark ahead, one tied, one "
     "leaning behind: not taken to the untouched tasks.",
     "A searcher proxy in a scratch script (2026-12-05), never an option."),
    ("Fewer random trials before the searcher's model",
     "`ModelBasedSearcher(num_initial=k)` with k = 2, 4, 6 instead of 10: at 300 s the target "
     "is reached after about 11-22 trials, so the model decides few of them.",
     "20 seeds against `moasha`, tuning $ / time: at 300 s on Syne Tune's simulator, "
     "development `hgb-x` (breast_cancer, pima) k = 4 **1.22x** [1.02, 1.55] / **1.26x** "
     "[1.03, 1.59], k = 2 **1.19x** / **1.22x**; on every `hgb-x` task k = 4 1.03x / 0.98x, "
     "k = 2 1.00x / 0.95x; every `linear-x` task 1.05x / 1.01x; every `mlp-x` task 1.01x / "
     "1.04x; development `cnn` 0.98x / 0.92x. The gain on two development tasks did not "
     "carry to the others.",
     "An existing searcher argument set from a scratch script (2026-12-05)."),
    ("Accuracy-corner suggestions trained on the fastest type; uniformly drawn types first",
     "(a) A share p of the searcher's suggestions uses the weights (1, 0, 0) (accuracy alone) "
     "and its trial the policy weight w = 1 (the fastest type): the accurate, fast corner of "
     "the front aimed at on purpose (p = 0.2, 0.33; also with the accuracy quota in the rungs "
     "above); (b) the policy weight raised to the suggestion's accuracy weight, w = max(U, "
     "lambda_accuracy); (c) the first 8, 16 or 32 trials on a uniformly drawn type (data on "
     "every type before the model decides).",
     "Development `cnn`, 20 seeds against `moasha`, tuning $ / time / reached of 40 (`moasha` "
     "24): (a) p = 0.2 0.95x / 1.10x / 31, p = 0.33 0.89x / **1.18x** [1.06, 1.32] / 33 with "
     "hypervolume *0.98x*, with the quota 0.98x / 1.14x / 36; against ASHA-p3 time 0.51x-0.55x "
     "(the default 0.47x); (b) 1.00x / 0.99x; (c) 0.82x-0.92x / 0.95x-1.09x. None brings "
     "`cnn` near ASHA-p3's time.",
     "Subclasses and proxies in a scratch script (2026-12-05), never options."),
    ("The runtime model as overhead plus compute (two regimes)",
     "`log seconds = log(exp(overhead) + exp(compute))`, each branch linear in the encoded "
     "hyperparameters with a per-type offset (a roofline: small models are bound by per-step "
     "overheads a GPU does not shorten, large ones by their math, which it does), fitted as a "
     "MAP estimate with Gaussian priors (`scipy.optimize.least_squares`) and drawn from its "
     "Laplace posterior for the Thompson draws, in place of the extra trees: a form with the "
     "kink the Bayesian bilinear model lacks, so that its `cnn` gain might come without its "
     "`mlp-x` cost. Priors tried for a type's compute offset: none (every type as fast), or "
     "`-log throughput` from its specs (vCPUs^0.7 plus 16 or 64 vCPU-equivalents per V100 of "
     "published GPU speed); the draws' deviation from the posterior mode scaled by 1, 0.5, "
     "0.25, 0.1 or 0.",
     "20 seeds against `moasha`, tuning $ / time / found model's $. Development (`cnn` mnist, "
     "mnist_rot90 on our simulator; `mlp-x` digits, vehicle and `hgb-x` breast_cancer, pima "
     "at 300 s on Syne Tune's simulator): no prior, full draws `cnn` 0.99x / **1.22x** [1.06, "
     "1.42] / 1.22x, `hgb-x` dollars *0.79x* [0.64, 0.93]; the specs' prior (16 / 64) `cnn` "
     "time **1.24x** / **1.28x**, `mlp-x` dollars *0.70x* / *0.60x*, `hgb-x` *0.76x* / "
     "*0.61x*; no prior, draws x0.25: `cnn` 1.14x [1.00, 1.29] / **1.19x** [1.04, 1.35] / "
     "1.60x, `mlp-x` 0.99x / 1.07x / 0.55x [0.34, 1.08], `hgb-x` 0.92x / 1.00x / 0.89x; x0.1: "
     "`cnn` **1.15x** / 1.11x, `mlp-x` 1.02x / 1.05x, `hgb-x` 0.97x / 1.00x. Untouched tasks "
     "(x0.25; x0.1): `cnn` mnist_parity, mnist_flip 0.97x / 1.07x / **1.49x**; 1.01x / 1.09x "
     "/ 0.86x; at 300 s `mlp-x` (german, spambase, satimage, texture) 0.91x / 1.02x / *0.82x* "
     "[0.66, 0.95]; 0.97x / 0.99x / 0.67x; `hgb-x` (banana, magic, phoneme, twonorm) 0.89x / "
     "0.95x / 1.16x; 0.95x / 1.00x / 1.01x; `linear-x` (all 8) 0.94x / 0.97x / 0.97x; 1.12x / "
     "1.13x / 1.14x; our simulator, first 3 tasks, `mlp-x` 1.11x / 1.07x / 0.97x; 1.19x / "
     "1.16x / 0.90x, `hgb-x` 1.04x / 0.98x / 1.00x; 1.01x / 0.94x / 1.00x, `linear-x` 0.86x "
     "/ 0.85x / 0.91x; 0.94x / 0.97x / 0.66x, `hgb` 1.22x / 1.22x / 1.00x; 1.25x / 1.12x / "
     "1.00x, `linear` 1.01x / 1.06x / 0.76x; 1.20x / 1.15x / 0.76x, `mlp` (german, spambase) "
     "1.16x / 1.14x / 1.02x; 1.11x / 1.08x / 0.92x. Held-out prediction error "
     "(`bench_hardware_model.py --observations 20,50,150 --repeats 3`, no prior), RMSE of "
     "log seconds on held-out configurations against the extra trees: lower on `cnn` (0.57 / "
     "0.25 / 0.22 against 0.68 / 0.33 / 0.20) and `mlp-x` (0.26 / 0.18 / 0.12 against 0.29 / "
     "0.21 / 0.14), higher on `hgb`, `linear`, `hgb-x` (0.23 / 0.14 / 0.10 against 0.13 / "
     "0.09 / 0.07) and `linear-x`; on a type never observed 0.94-1.14 on `cnn` and `mlp` "
     "against 0.21-0.61 (the specs enter only through the prior). Ties on the untouched "
     "tasks, one cell behind: not kept. The `cnn` gain comes with exploration of the GPU types "
     "(full posterior draws, or a prior that they are faster), which costs dollars where they "
     "do not pay.",
     "An estimator option in a scratch patch (2026-12-05), never merged."),
    ("Finishing fast by restart (stopping)",
     "The stopping-type analogue of `finish_fast`: a survivor's restart check past rung 0 "
     "uses the weight w = 1 (time alone; or w_k = 1 - (1 - w)^(2 (k + 1)), twice the default "
     "shift towards time), so that an accurate trial on a slow type is trained again on the "
     "fastest one.",
     "20 seeds against `moasha`, our simulator, tuning $ / time / found model's $ (w = 1; "
     "twice the shift): `cnn` development 0.96x / 1.00x / 0.96x; 0.96x / 0.97x / 0.92x, "
     "untouched 0.95x / 0.99x / 0.93x; 0.95x / 0.99x / 0.97x; `mlp-x` digits, vehicle 1.03x "
     "/ **1.08x** [1.01, 1.18] / 1.15x; 1.05x / **1.07x** [1.01, 1.15] / 1.11x; `hgb-x` "
     "breast_cancer, pima 0.96x / 0.97x / 1.01x; 0.96x / 0.96x / 1.01x. On `cnn` the restart "
     "check lets 1-2 restarts per run through (the default 0.1-0.4; on `mlp-x` 19): 70% of "
     "the rung-0 survivors run on CPU types, but for 88% of those no type is 1.36x faster "
     "(the median ratio to their fastest type is 1.0). The survivors mostly run on their "
     "fastest type already; the wide networks placed on a CPU type lose their time before "
     "the first rung, where no restart is considered. Not kept.",
     "A policy proxy in a scratch script (2026-12-05), never an option."),
    ("Thompson draws no faster than the fastest epoch seen",
     "Every drawn log seconds per unit clamped from below at the fastest seconds per unit "
     "observed in the run (any configuration, any type): a type cannot make a configuration "
     "that is already near the fastest epoch seen much faster, so a small model should not be "
     "sent to a GPU to explore it, while a slow wide one still can be. With the extra trees "
     "(the default's draws), with the bilinear model, or with the wider draws of the previous "
     "default (`prior_std=1.0`, `draw_fraction=4`).",
     "20 seeds against `moasha`, tuning $ / time / found model's $, development tasks (`cnn` "
     "mnist, mnist_rot90 on our simulator; `mlp-x` digits, vehicle and `hgb-x` breast_cancer, "
     "pima at 300 s on Syne Tune's simulator): trees **1.07x** [1.02, 1.13] / 1.05x [1.00, "
     "1.10] / 0.97x, 1.01x / 1.00x / 1.00x, 1.07x / 1.01x / *0.78x* [0.64, 0.99]; bilinear "
     "0.86x / 1.01x / 1.15x (unclamped in the same runs 0.96x / **1.30x** / 1.51x), 0.93x / "
     "1.02x / 0.68x (0.86x / 1.01x / 0.60x), 1.07x / 1.03x / 1.00x (0.90x / 0.94x / 0.92x); "
     "wider draws 0.91x / 1.08x / 1.54x, *0.77x* / 0.97x / 0.66x, *0.68x* / 0.98x / 0.52x. "
     "The clamp removes the bilinear model's `cnn` gain with its cost; with the trees one "
     "small gain in dollars on `cnn` and a dearer found model on `hgb-x`. Not kept.",
     "A model proxy in a scratch script (2026-12-05), never an option."),
    ("MO-ASHA's reduction factor",
     "`MOASHA(reduction_factor=eta)` with eta = 2, 4, 5, 6 instead of 3 (Syne Tune's default, "
     "which the patched peer keeps): a larger eta stops more trials at each rung, so a worker "
     "is free sooner for the next configuration; at 300 s the trial that first reaches the "
     "target is the 6th to 8th one started (the searcher row above), and it trains for about "
     "as long as it waits to start.",
     "20 seeds against `moasha`, tuning $ / time / found model's $, development tasks: `cnn` "
     "(mnist, mnist_rot90, our simulator) eta = 2 0.95x / 0.92x / 1.20x, 4 1.03x / 0.95x / "
     "1.59x, 5 **1.19x** [1.01, 1.44] / 1.10x [0.95, 1.28] / 1.63x; at 300 s on Syne Tune's "
     "simulator, eta = 4 / 5 / 6: `hgb-x` (breast_cancer, pima) **1.21x** [1.01, 1.57] / "
     "**1.31x** [1.07, 1.69] / 1.01x, 1.06x / 1.13x / 0.78x, 1.06x / 1.10x / 0.80x; `mlp-x` "
     "(digits, vehicle) 1.02x / 1.06x / *0.65x* [0.49, 0.94], 0.98x / 0.97x / 1.01x, 1.03x / "
     "1.03x / 0.78x; `linear-x` (breast_cancer, digits) 1.11x / 1.04x / **1.58x**, 0.93x / "
     "0.83x / 1.52x, 1.05x / 0.98x / **1.55x**; hypervolume 0.98x-1.02x. No eta ahead on every "
     "development table and each one behind or tied on another: not taken to the untouched "
     "tasks. The development `hgb-x` pair at 300 s has now shown a 95% lead for three unrelated "
     "variants (this one, the Latin-hypercube design, `num_initial=4`), none of which carried "
     "to the other tasks: with about 60 cells in this row alone, a few leads at 95% are "
     "expected by chance.",
     "A scheduler argument from a scratch script (2026-12-05), never a default."),
    ("Trial weights nearer the fastest and the cheapest type",
     "The policy's weight of a trial drawn from Beta(a, a) (a = 0.5, the arcsine law, or 0.3) "
     "instead of U(0, 1): more trials on the configuration's fastest and on its cheapest "
     "type, fewer in between, so that the corners of the (time, cost) front, which the "
     "hypervolume rewards, are trained more often. Aimed at the one cell where `moasha-related` "
     "is behind the transfer searcher (hypervolume at half the budget, `mlp-x` at 300 s: the "
     "transfer searcher spends 14% of its worker time on ml.p3.2xlarge, `moasha-related` 5%).",
     "20 seeds, tuning $ / time / found model's $ / hypervolume at half the budget: with "
     "related tasks, `mlp-x` at 300 s (every task) against `moasha-transfer`, a = 0.5 2.47x / "
     "2.28x / 1.61x / 0.99x [0.98, 1.00] (`moasha-related` in the same runs 2.70x / 2.18x / "
     "1.82x / *0.98x* [0.97, 0.99]); without, against `moasha`: development `cnn` a = 0.5 "
     "0.93x / 1.08x / 1.45x / 1.00x, a = 0.3 *0.85x* [0.74, 0.97] / 1.07x / 1.66x / 1.00x; "
     "at 300 s a = 0.5 `hgb-x` (breast_cancer, pima) 0.88x / 0.99x / **1.26x** / 1.01x, "
     "`mlp-x` (digits, vehicle) *0.77x* [0.62, 0.92] / 1.00x / 0.70x / 1.00x. It closes the "
     "related-tasks cell to a tie by spending dollars everywhere, and loses them at 95% on "
     "the development `mlp-x` at 300 s: not kept.",
     "A wrapper of the policy's scalarisation in a scratch script (2026-12-05), never an "
     "option."),
    ("A learned size feature for the runtime model's trees",
     "At every refit, a ridge regression of log seconds per unit on the encoded "
     "hyperparameters and one indicator per type gives each configuration a size index, its "
     "main effect; the index is one more feature of the extra trees (also with its products "
     "with the accelerator count, memory and speed), so that one split on the size under a "
     "split on the GPU can say \"GPU for large configurations\" whatever hyperparameters make "
     "them large, where the trees otherwise need a split per hyperparameter. Aimed at the "
     "default's learning early in the run on `cnn` (the bilinear model's gain without its "
     "exploration of the dear types?).",
     "Development `cnn` (mnist, mnist_rot90, our simulator), 20 seeds against `moasha`, tuning "
     "$ / time / found model's $: 1.08x / 1.03x [0.94, 1.15] / 1.19x; with the products 0.97x "
     "/ 1.08x [0.99, 1.18] / 1.29x; hypervolume 1.00x-1.01x. Ties: the bilinear model's gain "
     "on `cnn` (1.30x) comes with its exploration of the GPU types, not with a better "
     "ranking of the sizes. Not taken further.",
     "A model subclass in a scratch script (2026-12-05), never an option."),
    ("The model-based searcher's acquisition without the pairs already observed",
     "A candidate's value is its best over the acquisition levels it has not reached yet: the "
     "(configuration, level) pairs a trial already trained are left out (a configuration that "
     "reached the maximum resource keeps it, a new draw of a noisy objective), so that a "
     "suggestion is not a repeat that ends where the same configuration ended before (13-20% "
     "of the default's trials); (b) the same, and when no candidate's drawn value beats the "
     "drawn value of the pairs already observed, the weights are drawn again (up to 5 times). "
     "Aimed at `cnn`, where runs that miss ASHA-p3's accuracy never tried the configurations "
     "that reach it.",
     "20 paired seeds against `moasha-bo`, tuning $ / time / found model's $ / hypervolume at "
     "half the budget / at the end; `cnn` (4 tasks) 1.06x / 1.04x [1.00, 1.11] / 1.20x / "
     "1.00x / 1.01x, ASHA-p3's accuracy reached in 60 of 80 runs against 49; (b) 1.10x / "
     "1.09x / 1.09x / 1.00x / 1.00x, 62/80; `mlp-x` found model *0.77x* [0.45, 0.88], "
     "hypervolume *0.99x* / *0.98x*, reached 56/60 against 60/60; (b) found model *0.86x* "
     "[0.53, 0.96]; `hgb-x` found model *0.92x* / (b) *0.97x*; `linear-x` ties (reached "
     "50/60 and 53/60 against 57). More configurations tried on `cnn`, fewer lucky seeds of "
     "the cheap ones on the others: as `repeats=\"when_exhausted\"` (searcher-repeats page). "
     "Not kept.",
     "A searcher subclass in a scratch script (2026-12-07), never an option."),
    ("At most k trials per (configuration, level) pair",
     "As the row above, but a (configuration, level) pair is left out of the acquisition only "
     "once k = 2 or 3 trials of the configuration trained that level: a few repeats, new "
     "seeds of a noisy objective, then no more (a larger budget's extreme: a good "
     "configuration of `mlp`/vehicle trained 519 times, 493 of them stopped after one epoch).",
     "20 paired seeds against `moasha-bo`, tuning $ / time / found model's $: `cnn` (4 tasks) "
     "k = 2 1.03x / 1.03x / 1.10x, k = 3 1.00x / 1.00x / 1.03x, hypervolume 1.00x, reached "
     "53/80 and 51/80 against 49; `mlp-x` k = 2 0.97x / 0.93x [0.83, 1.00] / *0.85x* [0.61, "
     "0.96], k = 3 0.99x / 0.97x / *0.92x* [0.84, 0.98]. Even a cap of 3 loses the found "
     "model's dollars on `mlp-x`: not taken to the other tables.",
     "A searcher subclass in a scratch script (2026-12-07), never an option."),
    ("A larger initial design or more random suggestions for the model-based searcher",
     "`ModelBasedSearcher(num_initial=20)` instead of 10 (random trials before the model), or "
     "`exploration=0.2` instead of 0 (a share of uniformly random suggestions): more of "
     "`cnn`'s 72 configurations tried, keeping repeats.",
     "20 paired seeds against `moasha-bo`, tuning $ / time / found model's $ / hypervolume at "
     "half the budget: `cnn` (4 tasks) `num_initial=20` 1.10x / **1.14x** [1.02, 1.28] / "
     "1.24x / 1.00x, reached 61/80 against 49; `exploration=0.2` 1.05x / 1.06x / 1.18x / "
     "1.00x, 56/80; `mlp-x` `num_initial=20` ties (hypervolume at half the budget 0.99x "
     "[0.98, 1.00]), `exploration=0.2` hypervolume *0.97x* [0.95, 0.99]; `hgb-x` "
     "`num_initial=20` 0.79x [0.55, 1.00] / *0.75x* [0.54, 0.95] (there the model finds the "
     "target early), `linear-x` ties. The gain on `cnn` is paid for on `hgb-x`: not a "
     "default.",
     "Existing searcher arguments from a scratch script (2026-12-07)."),
    ("The model-based searcher's Thompson draw as the mean of a few trees",
     "`ModelBasedSearcher`'s posterior draw for a suggestion is one tree of its 32 (bootstrap, "
     "two rows per leaf: a noisy draw, which may be why the searcher ties random search); "
     "instead, the mean of k trees drawn at random (k = 2, 4, 8), as the hardware policy's "
     "runtime model draws. k = 4 was then made the default in a branch (`draw_fraction=8`) and "
     "run on every table against the same searcher with one tree (`moasha-bo-one-tree`), "
     "random search (`moasha-random`) and the patched peer.",
     "20 paired seeds against one tree, tuning $ / time / found model's $ / hypervolume at "
     "half the budget. Scratch, k = 4: `cnn` (4 tasks) **1.12x** [1.02, 1.23] / 1.04x / "
     "1.38x / 1.00x (k = 2, 8: ties); `mlp-x` **1.55x** [1.18, 1.96] / **1.42x** [1.14, "
     "1.73] / 1.22x / **1.03x** (k = 2 and 8 ahead too); `hgb-x` 0.80x [0.59, 1.08] / 0.96x "
     "/ 1.00x / 0.99x (k = 2, 8: 0.69x / 0.82x, 0.67x / 0.85x, ties); `linear-x`, `mlp`, "
     "`hgb`, `linear` ties. As the default, every table again (`python "
     "benchmarking/compare_methods.py --seeds 20 --processes 2 --methods moasha-bo,"
     "moasha-bo-one-tree,moasha-random,st-moasha-fixed --output benchmarking/_results/draws "
     "--benchmarks mlp-x,hgb-x,linear-x --tasks-per-benchmark 3 --versus moasha-bo-one-tree`, "
     "and `cnn` with 4 tasks, `mlp,hgb,linear` with 3): `mlp-x` **1.32x** [1.03, 1.50] / "
     "**1.23x** [1.03, 1.38] / 1.11x / 0.99x, `hgb-x` *0.64x* [0.51, 0.94] / *0.75x* "
     "[0.62, 0.92] / 0.99x / 1.00x, `cnn` 0.97x / 0.96x / 1.10x / **1.01x**, `linear-x` "
     "0.84x / 0.85x (ASHA-p3's accuracy reached in 49 of 60 runs against 57), `mlp`, `hgb`, "
     "`linear` ties; against random search in the same runs `mlp-x` time **1.32x**, found "
     "model **1.55x**, hypervolume **1.06x**, but `cnn` time *0.81x* [0.70, 0.90] and "
     "`linear-x` *0.78x* / *0.76x*. The scratch and the branch differ only in their random "
     "streams, and `hgb-x` moved from a tie to a loss at 95%: a gain on `mlp-x`, a loss on "
     "`hgb-x`. Not kept.",
     "A scratch subclass, then a branch of the searcher (2026-12-07); neither kept."),
    ("Censored runtimes: a running unit that is late teaches the runtime model",
     "A trial segment still running past c = 2 (or 4) times the model's mean seconds for its "
     "unit enters the model, before its unit ends, as a row of one unit at its elapsed seconds "
     "(a lower bound, raised as it grows; replaced by the real result), refitted at once: the "
     "policy's next placements learn that the pair is slow while it still runs (a wide network "
     "on a CPU type: up to 25x a GPU's seconds per epoch on `cnn`). Also with the Bayesian "
     "bilinear runtime model, whose products could carry the lesson to the other CPU types.",
     "20 paired seeds against `moasha`, tuning $ / time / found model's $ / hypervolume at "
     "half the budget: development `cnn` c = 2 1.07x [0.97, 1.19] / 1.05x [0.96, 1.17] / 1.32x "
     "[0.98, 1.67] / 1.00x (ASHA-p3's accuracy reached in 30 of 40 runs against 24), c = 4 "
     "1.02x / 1.03x / 1.16x / 1.01x; with the bilinear model 0.97x / **1.28x** [1.10, 1.52] "
     "against the bilinear model alone 0.96x / **1.30x** in the same runs; development `mlp` "
     "c = 2 0.82x [0.64, 1.00] / 0.81x [0.63, 1.00] / *0.85x* [0.76, 0.96], c = 4 ties; at 300 "
     "s on Syne Tune's simulator (`hgb-x` breast_cancer, pima; `mlp-x` digits, vehicle) "
     "0.97x-1.01x, c = 4 never fired on `hgb-x`. Where the time goes "
     "(`target_anatomy.py`, `placement_waste.py`, development `cnn`): the first trial at the "
     "target is the default's 13.5th against ASHA-p3's 16th but starts at 2.6 s against 1.6 "
     "s, and 46% of the first quarter's worker time is on a type at least 2x slower than the "
     "configuration's fastest (45% with c = 2; uniform sampling 26%): a late unit keeps its "
     "worker whatever the model learns meanwhile (Syne Tune's `Tuner` asks a scheduler to "
     "decide only on the trial that reported; stopping a late one would take a tuner "
     "callback). Not kept.",
     "A policy subclass in a scratch script (2026-12-07), never an option."),
    ("Late first units: where a stopped configuration trains next",
     "Two changes to `HardwarePolicy(late_factor=3.0)` (`moasha-late`), whose late retries on "
     "`cnn` land on a type at least 2x slower than the configuration's fastest in 57% of "
     "cases (median 7.1x; 202 retries over the four tasks x 20 seeds, 116 of them on CPU "
     "types: the one lower-bound row teaches the trees nothing of the other CPU types): "
     "(multi) a configuration may be stopped as late once per type (each type it was late on "
     "avoided) instead of once; (fast) a late retry is placed by time alone (the trial's "
     "weight set to 1: the fastest predicted of the types left), which cuts those retries to "
     "22% (median 1.03x); (bound) the late unit's elapsed seconds also bound the "
     "configuration's seconds from below on every type of the same accelerator, by core "
     "count (Amdahl: x min(1, vCPUs / vCPUs') x 0.75, or x 1), as rows of the runtime model "
     "or (clamp) as a floor on the policy's draws for that configuration; (sharp) the runtime "
     "model refitted at 5% more rows (`refit_growth=1.05`), with or without leaves of one "
     "row, so that single rows count.",
     "20 paired seeds against `moasha-late`, tuning $ / time / found model's $: `cnn` (four "
     "tasks) multi 0.96x / 0.98x / 0.98x, fast 1.00x / 1.06x [1.00, 1.15] / 1.05x, both "
     "0.91x / 1.03x / 0.97x; fast on three tasks each of the other six benchmarks: `mlp-x` "
     "*0.85x* [0.75, 0.93] / 0.92x [0.83, 1.00] / 1.02x, `mlp` 0.87x / 0.91x / 0.96x [0.92, "
     "1.00], `hgb-x`, `linear-x`, `hgb`, `linear` identical (no late unit); `cnn` bound rows "
     "*0.84x* [0.71, 0.94] / *0.91x* [0.79, 0.99] / 0.79x (x 1: *0.87x* / 0.90x), the trees "
     "dilute a single row (retries on slow types still 64%); clamp 0.99x / 1.00x / 0.99x "
     "(42%: a unit stopped at 3x its prediction bounds a type with twice the cores at half "
     "that, too weak to move the choice); sharp 0.95x / 0.98x (refits), 1.02x / 1.03x / "
     "1.12x (with one-row leaves). The retries are not where the time goes; placing "
     "them by time costs dollars on `mlp-x`. Not kept.",
     "A policy subclass in a scratch script (2026-12-07), never an option."),
    ("Late first units with the searcher's no-repeats option",
     "`moasha-late` (`HardwarePolicy(late_factor=3.0)`) with `MOASHA(searcher_kwargs="
     "{\"repeats\": \"when_exhausted\"})`: the two options that each raised `cnn`'s reach "
     "of ASHA-p3's accuracy (the searcher-repeats and late-units pages), together.",
     "Four `cnn` tasks, 20 paired seeds against the patched peer, tuning $ / time / found "
     "model's $: **1.96x** [1.53, 2.28] / 1.09x [0.85, 1.33] / **1.66x**, where `moasha-late` "
     "has **2.20x** / 1.15x [0.92, 1.52] / **1.72x** and `moasha` **2.00x** / 1.05x / **1.72x** "
     "in the same runs: no gain from the pair. Not measured further.",
     "Two existing options combined in a scratch script (2026-12-07)."),
    ("A throughput prior from the specs, with late first units",
     "The cold start of the policy: early in a `cnn` run a type without results is "
     "predicted as fast as the types seen so far (the trees have no rows to split its "
     "specs on), so the cost term sends most new trials to the cheapest type: in the first"
     " 20 trials `moasha` placed 74% of the configurations that run 3x faster on a GPU on "
     "a CPU type, the uniform peer 45% (86% of the first five on a CPU type; "
     "`placement_waste.py`). "
     "Tried: the two-term runtime model (`estimator=\"two_term\"`) whose throughput term "
     "starts from a prior per type instead of from nothing (a GPU type's work goes K x its"
     " published relative speed times one vCPU's, a CPU type's vCPUs ** 0.5 times; the "
     "type offsets, regularised towards the prior, learn the rest), with "
     "`late_factor=3.0`. K = 32 was set beforehand from public figures (DAWNBench and "
     "XGBoost `gpu_hist` put a V100 at about 20-200 vCPUs), then swept on development "
     "tasks; also a prior that fades with a type's rows (weight k / (k + n)).",
     "20 paired seeds against `moasha-late`, tuning $ / time / found model's $. K = 32: "
     "**`cnn` (four tasks) 1.26x [1.06, 1.43] faster**, *0.84x [0.72, 0.97] dollars*, "
     "1.09x; against the patched peer **1.84x** [1.45, 2.30] / **1.39x** [1.08, 1.79] "
     "(`moasha-late` 2.20x / 1.15x [0.92, 1.52]), against ASHA-p3 time 0.71x [0.55, 0.95] "
     "(`moasha-late` 0.61x), the target reached in 68 of 80 runs (65, `moasha` 50); in "
     "trials 15-19 of the development tasks 59% on a GPU type against 38%. Everywhere else"
     " *dollars behind at 95%*, time ties: `mlp-x` / `hgb-x` / `linear-x` (3 tasks) "
     "*0.64x* / *0.61x* / *0.61x*, time 0.97x / 1.00x / 0.90x; at 300 s on Syne Tune's "
     "simulator *0.63x* / *0.66x* / *0.61x*, time 0.91x-0.96x, found model's $ on `hgb-x` "
     "*0.62x*, and against the patched peer there dollars 1.54x / 2.05x / 1.15x [0.82, "
     "1.70] (`moasha` 2.53x / 3.20x / 2.18x: the lead lost on `linear-x`); `mlp` / `hgb` /"
     " `linear` *0.54x* / *0.61x* / *0.68x*, time 0.77x-0.89x. Without late stops (`cnn` "
     "development): *0.68x* / 0.99x. The sweep (development tasks: `cnn` mnist, "
     "mnist_rot90; `hgb-x` breast_cancer, pima; `mlp-x` digits, vehicle), $ / time: K = 2 "
     "0.83x / 0.92x, 0.91x / 0.90x, 1.01x / 1.03x; K = 4 *0.74x* / 0.93x, *0.82x* / 0.95x,"
     " 0.92x / 1.00x; K = 8 *0.80x* / **1.16x**, *0.63x* / 0.92x, *0.82x* / 0.91x; K = 16 "
     "*0.75x* / 1.14x, *0.69x* / 1.01x, *0.79x* / 0.96x; K = 32 fading with k = 3 / 10: "
     "*0.79x* / **1.20x**, *0.85x* / **1.33x** on `cnn`, *0.68x*, *0.69x* on `hgb-x`, "
     "*0.71x*, *0.76x* on `mlp-x` (time ties); the prior on the cheapest accelerator type "
     "only (ml.g4dn.xlarge; a new kind of hardware explored on its cheapest type first): "
     "ties, 1.03x / 1.13x [0.96, 1.34] on `cnn`, 0.89x / 0.95x on `hgb-x`, 0.96x / 0.93x "
     "on `mlp-x`; the prior only for the choices of trials that weigh time more (w > 0.5; "
     "the extra trees for the others): `cnn` 0.85x / 1.06x, `hgb-x` *0.83x* [0.72, 0.94] /"
     " 0.93x, `mlp-x` 0.96x / 1.06x (`cnn`'s gain came from the cost-leaning trials too: a"
     " T4 is the cheaper type for its wide networks); the prior only where a configuration is"
     " known to be heavy, for the type a late first unit's configuration is trained again on:"
     " `cnn` 0.99x / 1.11x [0.98, 1.28], `hgb-x` identical runs (no unit was late), `mlp-x` "
     "*0.89x* [0.84, 0.99] / 0.98x. The prior is right on `cnn` (a T4 "
     "both faster and cheaper than a CPU for wide networks) and wrong on the others, where"
     " the first GPU trials it buys are what a run spends before the target; a prior "
     "strong enough to move `cnn`'s time costs those dollars. As with the price prior and "
     "the two-regime model's specs prior above (the same trade without late stops): "
     "dollars traded for time. Not kept.",
     "A model subclass in a scratch script (2026-12-07), never an option."),
    ("With related tasks: more random suggestions, wider draws, a weaker prior",
     "The one cell where `moasha-related` is behind the transfer searcher (hypervolume at "
     "half the budget, `mlp-x` at 300 s, every task): at 150 s it has 105 results of 25.7 "
     "trials against 147 of 32.2, a better best accuracy (0.894 against 0.887) but slower "
     "and dearer fastest and cheapest results (least runtime 1.80 against 1.63); 10.5% of "
     "its results are on ml.p3.2xlarge against 18.7%, whose results alone add 0.006 of "
     "hypervolume to its front against 0.013 to the transfer searcher's (the gap: 0.014). "
     "Tried: the searcher's `exploration=0.2` instead of 0.1 (more uniformly random "
     "suggestions), the policy's wide draws (`prior_std=1.0, draw_fraction=4`), "
     "`transfer_strength=20` instead of 5.",
     "20 paired seeds against `moasha-transfer`, tuning $ / time / found model's $ / "
     "hypervolume at half the budget: exploration 0.2 2.61x / 1.99x / 1.83x / *0.97x* [0.97,"
     " 0.98]; wide draws 2.42x / 2.34x / 1.69x / *0.97x* [0.96, 0.98]; strength 20 2.69x / "
     "2.07x / 1.73x / *0.98x* [0.97, 0.99]; `moasha-related` in the same runs 2.71x / 2.08x "
     "/ 1.74x / *0.98x* [0.97, 0.99]. None closes it (the arcsine weights above close it to "
     "a tie by spending dollars). Not kept.",
     "Searcher and policy arguments set from a scratch script (2026-12-07), never options."),
    ("With related tasks: trial weights from the related tasks' fronts; one scalarisation",
     "The same `mlp-x` cell at 300 s. (a) The policy's time/cost weight of a new trial drawn, "
     "half of the time, from the weights at which the related tasks' Pareto-front points "
     "(last epoch; accuracy, runtime, cost; mean over seeds) are their configurations' choice "
     "under the policy's scalarisation (each front point spreads one unit of mass over the "
     "weights of a 101-point grid at which its type wins), U(0, 1) otherwise: the related "
     "tasks say where on the time/cost trade-off the front lies. The densities' means: `mlp-x`"
     " 0.63, `hgb-x` 0.77, `cnn` 0.70, `mlp` 0.72, `linear` 0.83 (towards time); `linear-x` "
     "and `hgb` 0.50 (uniform: each front point's type is its configuration's choice at every "
     "weight). Also with every epoch's front, and from the fronts 80% of the time. (b) The "
     "policy's weight of a model-based suggestion taken from the searcher's Dirichlet weights "
     "of that suggestion, w = l_runtime / (l_runtime + l_cost), with related tasks.",
     "20 paired seeds against `moasha-related`, tuning $ / time / found model's $ / "
     "hypervolume at half the budget: (a) `mlp-x` at 300 s (every task) 0.99x / **1.12x** "
     "[1.04, 1.24] / 0.87x / 1.00x (every epoch's front 0.99x / **1.11x** / *0.85x* [0.74, "
     "0.99]; 80%: 0.95x / **1.12x** / *0.89x* [0.75, 0.98]), and against `moasha-transfer` "
     "the hypervolume at half the budget stays *0.98x* [0.97, 0.99] (80%: *0.97x*); `hgb-x` "
     "at 300 s 0.83x [0.64, 1.07] / 0.97x / **1.44x** / 1.01x; `linear-x` at 300 s (every "
     "task) 1.01x / 0.97x / 1.00x / 1.00x; `cnn` (four tasks) *0.85x* [0.72, 0.95] / 1.00x "
     "/ 0.96x / 0.99x; our simulator, first 3 tasks: `mlp` 0.87x [0.66, 1.00] / 0.94x, `hgb` "
     "0.97x / 1.00x, `linear` 0.86x [0.67, 1.05] / 1.19x [0.93, 1.45]. (b) `mlp-x` at 300 s "
     "1.15x [0.92, 1.56] / 1.07x [0.97, 1.20] / 0.96x / 0.99x; against `moasha-transfer` "
     "*0.98x* [0.97, 0.98]. The cell's gap is not in the weights: at 150 s (a) has 108 "
     "results of 25.6 trials, 13.5 of them on ml.p3.2xlarge (`moasha-related` 105, 25.7, "
     "11.5; the transfer searcher 147, 32.2, 27.5), and its fastest result is still slower "
     "(least runtime 1.77 against 1.63): the transfer searcher's corners come from its "
     "proposals. (a) buys time on `mlp-x` with dollars elsewhere (behind at 95% on `cnn`); "
     "(b) ties. Not kept.",
     "A policy subclass and a searcher wrapper in a scratch script (2026-12-07), never "
     "options."),
    ("With related tasks: a share of the transfer searcher's joint proposals",
     "The row above found the `mlp-x` cell's gap in the proposals. Here a share of "
     "`moasha-related`'s suggestions is the transfer searcher's (`ParetoTransferSearcher`, "
     "configuration and instance type together; the policy places the rest): half or 30% of "
     "them at random, or the first 8 or 16.",
     "20 paired seeds, tuning $ / time / found model's $ / hypervolume at half the budget. "
     "Against `moasha-transfer`, half of them: `mlp-x` at 300 s (every task) 2.53x / 1.80x /"
     " 1.76x / 1.00x [0.99, 1.00] (the cell closed to a tie; 30%: 0.99x [0.98, 1.00]; first 8"
     " 0.99x [0.99, 1.00], first 16 1.00x), and nowhere behind at 95%: `hgb-x` and "
     "`linear-x` at 300 s 1.82x / 1.03x / 2.25x / **1.03x**, 1.06x / 0.98x / 1.06x / 1.00x; "
     "`cnn` (four tasks) 1.65x / 1.43x / 1.28x / 1.01x; our simulator, first 3 tasks, `mlp` "
     "3.20x / 1.67x / 2.28x / **1.01x**, `hgb` 1.17x / 0.99x / 1.10x / 1.00x, `linear` 1.34x"
     " / 0.88x / 1.81x / 0.99x [0.98, 1.00], `mlp-x` 2.58x / 1.88x / 1.51x / **1.01x**, "
     "`hgb-x` 1.75x / 1.30x / 1.04x / 1.00x [0.99, 1.00], `linear-x` 1.51x / 1.10x / 1.17x / "
     "0.99x [0.98, 1.01]. Against `moasha-related` it costs what the "
     "transfer searcher's proposals cost: half of them `mlp-x` 0.93x / *0.82x* [0.70, 0.97] "
     "/ 0.99x / **1.01x**, `hgb-x` *0.60x* [0.53, 0.80] / 0.90x, `cnn` 0.83x / 1.01x, `mlp` "
     "*0.43x* [0.30, 0.66] / *0.51x* [0.39, 0.77], `hgb` 1.25x / 1.32x, `linear` 1.06x / "
     "1.16x, `linear-x` 0.85x / 0.93x, on our simulator `mlp-x` 0.72x [0.49, 1.04] / 0.77x "
     "[0.50, 1.08], `hgb-x` 0.70x / 1.09x, `linear-x` 1.06x / 1.19x; 30% on `mlp-x` 0.90x / "
     "*0.88x* [0.82, 0.97]; the "
     "first 8 on `mlp` *0.59x* [0.38, 0.79] / *0.64x* [0.43, 0.90], the first 16 *0.62x* / "
     "*0.71x*. Its configurations alone, half of the suggestions, placed by the policy: "
     "`mlp-x` against `moasha-transfer` 0.99x [0.98, 1.00] at half the budget, against "
     "`moasha-related` 0.86x / *0.79x* [0.66, 0.92], `mlp` *0.65x* [0.50, 0.87] / *0.67x* "
     "[0.53, 0.89]: the cost is in the configurations (near the related fronts, cheap and "
     "inaccurate ones too), not in their types. The fast and cheap corners are bought with "
     "tuning dollars and time: a hypervolume tie at half the budget is not worth half of "
     "`mlp`'s dollar lead. Not kept.",
     "A searcher and policy wrapper in a scratch script (2026-12-07), never an option."),
    ("A Gaussian process instead of the model-based searcher's trees",
     "The searcher's surrogate as one scikit-learn GP per objective (Matern 5/2 with a length "
     "scale per feature, plus white noise; copula scores, at most 200 rows) instead of the "
     "extra trees: GPs are the usual choice for a few dozen results. Its draws: randomised "
     "GP-UCB (mean minus b x standard deviation, b a quantile of |N(0, 1)|, or half that), "
     "or independent samples per candidate; also with 5 random trials first instead of 10.",
     "20 paired seeds, development tasks, our simulator, tuning $ / time / found model's $ / "
     "hypervolume at half the budget. Against `moasha-bo` (the trees, built the same way): "
     "`cnn` 1.05x / 1.00x / 1.16x / 1.01x, samples 0.95x / 0.92x, half b 1.03x / 0.99x, 5 "
     "first **1.16x** [1.02, 1.32] / **1.13x** [1.01, 1.25] / 0.97x / **1.03x**; `mlp` 1.03x "
     "/ 1.01x / 0.86x / 1.00x. Against random search (`moasha-random`) on `cnn` every "
     "model-based searcher is behind in time: GP 0.78x [0.67, 0.90], 5 first 0.88x "
     "[0.77, 1.00], the trees 0.78x [0.66, 0.93] (ASHA-p3's accuracy reached in 23-25 of 40 "
     "runs against random's 34); `mlp` GP 1.28x / 1.18x, trees 1.25x / 1.16x (ties). On "
     "`cnn` the models' proposals are the more accurate (from the 11th trial on, mean final "
     "accuracy 0.91-0.93 against random's 0.88-0.90), but fewer are in the slowest third of "
     "the configurations (GP 10-21%, trees 28-34%, random 33-37% of the trials), where 11 of "
     "the 12 configurations that can reach the target lie: the multi-objective acquisition "
     "trades the accuracy extreme for the cheap and fast part of the front, whatever the "
     "surrogate. A run took 8-10x the wall time of the trees' (about 10 s on `cnn`, 33 s "
     "on `mlp`). Not kept.",
     "A searcher subclass in a scratch script (2026-12-07), never an option."),
    ("No repeats at 300 s",
     "`moasha-bo-no-repeats` (`ModelBasedSearcher(repeats=\"when_exhausted\")`: no "
     "configuration proposed twice until every one was tried) in the independent benchmarks' "
     "setting, where the found model is short of the table's cheapest mostly because a 300-s "
     "run tries few configurations (the default a median of 12-35 of 108 per task on `hgb-x` "
     "and `mlp-x`; How runs are compared, \"What the open targets would need\"); the searcher-"
     "repeats page measured it on our simulator only.",
     "Every task of the `-x` families, Syne Tune's simulator, 300 s, 20 paired seeds against "
     "`moasha`, tuning $ / time / found model's $ / hypervolume at half the budget: `hgb-x` "
     "1.04x / 0.91x / 1.51x [0.93, 1.72] / 1.00x, `mlp-x` 1.12x / 0.95x / 0.99x / 0.99x, "
     "`linear-x` 1.16x [0.97, 1.41] / 1.13x [0.97, 1.37] / 1.12x [0.99, 1.32] / **1.01x** "
     "[1.00, 1.01]. With 50 paired seeds (the same commands, `--seeds 50`): `hgb-x` 0.89x "
     "[0.77, 1.04] / 0.89x / 0.91x / 1.00x, `mlp-x` 1.06x / 1.03x / 1.03x / 0.99x, `linear-x` "
     "1.13x [0.98, 1.34] / 1.09x / 1.20x [1.00, 1.39] / 1.00x: ties (the 20-seed `hgb-x` "
     "found model's 1.51x is gone); not a default.",
     "A `compare_methods.py` run to a scratch folder (2026-12-08): `--methods "
     "moasha,moasha-bo-no-repeats,moasha-no-restart,st-moasha-fixed,asha-p3 --simulator stock "
     "--budget-seconds 300 --seeds 20 --versus moasha`; an existing option."),
    ("Hardware policy on `mlp-x`",
     "The per-configuration policy where all six types are on some configuration's front.",
     "A tie with uniform sampling, behind the per-type preference: see the hardware-decision "
     "page (`mlp-x` rows, regenerated by `hardware_tables.py`).",
     "A live comparison."),
]


def variants_page(args) -> BenchmarkPage:
    used = [(Path(o), t) for _, o, ts, _ in VARIANT_SECTIONS if not isinstance(ts, str)
            for t in ts]
    seeds = sorted({str(p["seeds"]) for o, t in used if (p := read_provenance(o, t))})
    page = BenchmarkPage("variants", "Variants that did not help",
                         seeds=(", ".join(seeds) + " paired seeds") if seeds else None,
                         docs_dir=args.docs_dir, argv=args.argv)
    page.add("Options tried and not kept. Where a table exists it is regenerated from the "
             "cached runs of the `compare_methods.py` command named above it; the variants "
             "measured once, whose option no longer exists, are listed at the end with the "
             "numbers of that measurement. " + LEGEND)
    all_seeds: set[str] = set()
    for heading, output, tables, prose in VARIANT_SECTIONS:
        out = Path(output)
        names = (sorted(p.name for p in out.glob(tables) if not p.name.startswith("versus_"))
                 if isinstance(tables, str) else [t for t in tables if (out / t).exists()])
        page.add(f"## {heading}", prose)
        if not names:
            page.add(f"*Not run: no `{tables}` under `{out}`.*")
            continue
        page.add("Commands:\n\n" + "\n".join(provenance_line(out, t) for t in names))
        all_seeds.update(str(p["seeds"]) for t in names if (p := read_provenance(out, t)))
        against, versus, peers = [], [], set()
        for t in names:
            prov = read_provenance(out, t) or {}
            # the task names too: two tables of one benchmark (development, untouched) differ
            n = {b: ", ".join(ts) for b, ts in prov.get("tasks", {}).items()}
            df = _read(out / t)
            df = df[(df["baseline"] == "asha-p3") & ~df["method"].isin(BASELINES)]
            against += [describe(dict(r, tasks=n.get(r["benchmark"], "?")))
                        for r in df.to_dict("records")]
            if (out / ("versus_" + t)).exists():
                rows = _read(out / ("versus_" + t)).to_dict("records")
                peers.update(str(r.get("peer", "st-moasha-fixed")) for r in rows)
                versus += [describe(dict(r, tasks=n.get(r["benchmark"], "?"))) for r in rows]
        if versus:
            named = ", ".join(f"`{p}`" for p in sorted(peers))
            if peers == {"st-moasha-fixed"}:
                named = "the patched Syne Tune MOASHA (`st-moasha-fixed`)"
            page.add(f"Paired against {named} (mean(peer) / mean(method) for dollars and time, "
                     f"> 1: the method is better):", markdown_table(versus, VERSUS_COLS))
        page.add("Against ASHA on ml.p3.2xlarge:", markdown_table(against, AGAINST_COLS))
        cells = AGAINST_COLS[5:]
        same = [(a["method"], b["method"]) for i, a in enumerate(against)
                for b in against[i + 1:] if a["benchmark"] == b["benchmark"]
                and not a["method"].startswith("(") and all(a.get(c) == b.get(c) for c in cells)]
        if same:
            page.add("Identical rows (the runs made the same choices within the budget): "
                     + "; ".join(f"`{a}` and `{b}`" for a, b in same) + ".")
    if all_seeds:
        page.seeds = ", ".join(sorted(all_seeds, key=int)) + " paired seeds, per table"
    page.add("## Measured once, not regenerated",
             "The numbers below are those of the one measurement named; this page's command "
             "does not recompute them.",
             historical_table())
    return page


def historical_table() -> str:
    """The variants page's "Measured once" table: one line per :data:`HISTORICAL` row, in its
    order, after the header and the separator."""
    return markdown_table([dict(zip(HISTORICAL_COLUMNS, h)) for h in HISTORICAL],
                          HISTORICAL_COLUMNS)


#: ehvi: Syne Tune 0.16's EHVI (``st-ehvi``) and NePS's MO-BO (``neps-mobo``) against ours,
#: ``ehvi_<benchmark>`` and ``neps_<benchmark>`` tables
EHVI_OUTPUT = "benchmarking/_results/ehvi"
EHVI_BENCHMARKS = ["mlp", "hgb", "linear", "cnn", "mlp-x", "hgb-x", "linear-x"]
EHVI_PROSE = (
    "Two peers built on BoTorch's Gaussian processes, both at full fidelity (every trial to "
    "`max_t`, error / runtime / cost, the instance type one more hyperparameter): Syne Tune "
    "0.16's `EHVI` (`st-ehvi`: qLogExpectedHypervolumeImprovement) and NePS 0.17's "
    "multi-objective Bayesian optimisation (`neps-mobo`: `neps.algorithms."
    "bayesian_optimization`, qLogNoisyExpectedHypervolumeImprovement with the running trials "
    "as pending points, driven through NePS's ask/tell interface by "
    "`syne_mohb.schedulers.NePSAskTellScheduler`). Against them: our default (`moasha`) and "
    "our model-based searcher at full fidelity (`mo-bo`, the like-for-like row: plain "
    "multi-objective BO under a FIFO scheduler). They need torch and botorch, which only the "
    "`ehvi` and `neps` extras install (`pip install -e '.[neps]'` brings both peers; best in "
    "a virtual environment of its own: PyPI's Linux torch wheels bring their CUDA libraries, "
    "about 5 GB). NePS 0.17 pins gpytorch 1.13, hence botorch 0.12; EHVI works with botorch "
    "0.12 to 0.15 (its `cnn` table was measured with 0.15.1, the others with 0.12.0, in the "
    "`neps` extra's environment); with 0.18.1 every EHVI suggestion "
    "fails (its fused hypervolume kernel expects double-precision tensors, which Syne Tune "
    "0.16 does not pass). A suggestion of either takes seconds on a CPU and grows with the "
    "observations (an EHVI run at the other pages' budget of 8 full trainings took about 9 "
    "minutes on `cnn`), so these runs have a budget of 4 median full trainings on "
    "ml.g4dn.xlarge (`--budget-factor 4`), every method alike, and the target is ASHA-p3's "
    "mean best accuracy - 0.005 in that budget. A benchmark's EHVI and NePS tables come from "
    "the same runs (same seeds, same budget: `compare_methods.py` keeps finished runs; on "
    "`cnn`, `neps-mobo`'s runs were added to the EHVI table's). Benchmarks without a table "
    "here were not run for lack of time, not left out.")


def _tables(out: Path, prefix: str) -> list[tuple[str, str]]:
    """``(csv stem, the tasks its command ran)`` of the ``<prefix>_<benchmark>`` tables."""
    tables = []
    for b in EHVI_BENCHMARKS:
        if (out / f"{prefix}_{b}.csv").exists():
            prov = read_provenance(out, f"{prefix}_{b}.csv") or {}
            tables.append((f"{prefix}_{b}",
                           ", ".join((prov.get("tasks") or {}).get(b, [])) or "?"))
    return tables


STOCK1200_OUTPUT = "benchmarking/_results/stock1200"
STOCK1200_TABLES = ["stock1200_mlp-x", "stock1200_hgb-x", "stock1200_linear-x"]


def _budget_tables(out: Path, prefix: str) -> list[str]:
    """The tables ``<prefix><benchmark>`` of the -x families that exist under ``out``."""
    names = [n.replace("stock1200_", prefix) for n in STOCK1200_TABLES]
    return [n for n in names if (out / f"versus_{n}.csv").exists()]


def budget_page(args) -> BenchmarkPage:
    """The independent benchmarks' setting with four times the budget: does the default's
    standing hold when a run has time for more than its first few trials?"""
    out = Path(STOCK1200_OUTPUT)
    tables = _budget_tables(out, "stock1200_")
    page = paired_page("longer-budget", "A longer budget on Syne Tune's simulator",
                       [(out, f"{n}.csv") for n in tables], args)
    page.add(
        "The independent benchmarks' setting (`../shared/README.md`, section 5: Syne Tune's "
        "simulator, 4 workers, every task of the interaction families, 20 paired seeds) with "
        "four times its 300 s budget, in fresh runs. At 300 s the trial that first reaches the "
        "target is usually one of the first 10 of the run, drawn at random by every method, so "
        "the searcher and the runtime model have little to act on (the hardware-decision "
        "page, \"The same with 50 paired seeds\"); at 1,200 s they have more. Methods: the "
        "default (`moasha`), the same policy with random hyperparameters (`moasha-random`), "
        "the patched peer and ASHA-p3. The target is ASHA-p3's accuracy in these runs, higher "
        "than at 300 s. The 300-s tables are on the hardware-decision page.",
        "Commands:\n\n" + "\n".join(provenance_line(out, f"{n}.csv") for n in tables)
        if tables else f"*Not run: no `versus_stock1200_*.csv` under `{out}`.*")
    _stock_tables(page, out, tables, ", 1,200 s")
    _searcher_part(page, out, "vsrandom1200_", ", 1,200 s")
    # the same with 50 paired seeds (seeds 0..49: the 20 above and 30 more)
    s50 = _budget_tables(out, "s50_1200_")
    if s50:
        page.add("## The same with 50 paired seeds",
                 "The same commands with `--seeds 50` (seeds 0 to 49: the runs above and 30 "
                 "more per method and task): are the leads and ties of 20 seeds real?",
                 "Commands:\n\n" + "\n".join(provenance_line(out, f"{n}.csv") for n in s50))
        _stock_tables(page, out, s50, ", 1,200 s, 50 seeds")
        _searcher_part(page, out, "s50_vsrandom1200_", ", 1,200 s, 50 seeds")
    return page


def _searcher_part(page: BenchmarkPage, out: Path, prefix: str, where: str) -> None:
    """The default paired against the same hardware policy with random hyperparameters
    (tables ``<prefix><benchmark>``: the tables' command with ``--versus moasha-random``)."""
    rand = _budget_tables(out, prefix)
    rows = [r for n in rand for r in versus_rows(out, n, "all") if r["method"] == "moasha"]
    if rows:
        page.add(
            f"### The searcher's part: ours / `moasha-random`{where}",
            "The same runs, the default paired against the same hardware policy with random "
            "hyperparameters (the tables' command with `--versus moasha-random --table "
            f"{prefix}<benchmark>.csv`): what the model-based searcher adds when the run "
            "lasts long enough for it to propose more than a few trials. " + LEGEND,
            "\n".join(provenance_line(out, f"{n}.csv") for n in rand),
            markdown_table(rows, VERSUS_COLS),
            "What the default (`moasha`) row shows, read off the table above:",
            "\n".join(summary_lines(rows, "moasha", VERSUS_COLS[5:])))


def ehvi_page(args) -> BenchmarkPage:
    out = Path(EHVI_OUTPUT)
    ehvi, neps = _tables(out, "ehvi"), _tables(out, "neps")
    page = paired_page("ehvi", "Against Syne Tune's EHVI and NePS's MO-BO",
                       [(out, f"{t}.csv") for t, _ in ehvi + neps], args)
    page.add(EHVI_PROSE, "Every row names what chooses the instance type (**hardware "
             "logic**) and what proposes the hyperparameters (**searcher**). " + LEGEND)
    if not ehvi and not neps:
        page.add(f"*Not run: no `ehvi_*.csv` or `neps_*.csv` under `{out}`.*")
        return page
    if ehvi:
        paired_tables_section(page, [(out, t, k) for t, k in ehvi],
                              ("Syne Tune 0.16's EHVI, full fidelity",), against_p3=False)
    if neps:
        paired_tables_section(page, [(out, t, k) for t, k in neps],
                              ("NePS 0.17's MO-BO, full fidelity",), against_p3=False)
    # against ASHA-p3: a benchmark's NePS table where it has one (it holds every method),
    # else its EHVI table
    with_neps = {t.split("_", 1)[1] for t, _ in neps}
    tables = neps + [(t, k) for t, k in ehvi if t.split("_", 1)[1] not in with_neps]
    against_p3_section(page, [r for t, k in tables for r in against_rows(out, t, k, "asha-p3")])
    return page


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tables", nargs="*", help="hardware-decision: tables under --output, as "
                                              "compare_methods.py's --table (with or without "
                                              ".csv; default: the documented nine)")
    ap.add_argument("--page", default="hardware-decision",
                    choices=["hardware-decision", "tuning-effectiveness", "variants",
                             "default-searcher", "tempered-draws", "ehvi", "budget",
                             "startup-model", "warm-pools", "capacity-outages",
                             "searcher-repeats", "late-units", "related-fronts"])
    ap.add_argument("--output", default="benchmarking/_results/hardware")
    ap.add_argument("--stock-output", default="benchmarking/_results/hardware_stock",
                    help="hardware-decision: the runs on Syne Tune's own simulator")
    ap.add_argument("--stock300-output", default="benchmarking/_results/hardware_stock300",
                    help="hardware-decision: the runs on Syne Tune's own simulator with a "
                         "budget of 300 s (compare_methods.py --budget-seconds 300)")
    ap.add_argument("--figure-task", default="cnn/mnist_parity",
                    help="hardware-decision: benchmark/task of the figures")
    ap.add_argument("--no-figures", action="store_true")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    _TABLES_READ[0] = 0
    args.argv = None if argv is None else [__file__, *argv]  # the command the page names
    out = Path(args.output)
    if args.tables and args.page != "hardware-decision":
        ap.error(f"tables {' '.join(args.tables)}: only --page hardware-decision reads tables "
                 f"named on the command line; leave them out")
    # a name as listed under --output ("dev_cnn.csv") or as documented ("dev_cnn")
    args.tables = [t[:-len(".csv")] if t.endswith(".csv") else t for t in args.tables]
    for t in args.tables:
        if not (out / f"{t}.csv").exists() and not (out / f"versus_{t}.csv").exists():
            ap.error(f"table {t!r}: neither {out / (t + '.csv')} nor "
                     f"{out / ('versus_' + t + '.csv')} exists; give a table that "
                     f"compare_methods.py wrote under --output (its --table)")
    if args.page == "hardware-decision" and not args.no_figures:
        from syne_mohb.experiments.runner import get_benchmark

        benchmark, _, task = args.figure_task.partition("/")
        try:
            get_benchmark(benchmark).check_task(task)
        except ValueError as e:
            ap.error(f"--figure-task {args.figure_task!r} (benchmark/task, e.g. "
                     f"cnn/mnist_parity): {e}")
    if args.page == "hardware-decision":
        page = hardware_page(args, out)
    elif args.page == "tuning-effectiveness":
        page = tuning_page(args)
    elif args.page == "default-searcher":
        page = default_searcher_page(args)
    elif args.page == "tempered-draws":
        page = tempered_draws_page(args)
    elif args.page == "ehvi":
        page = ehvi_page(args)
    elif args.page == "budget":
        page = budget_page(args)
    elif args.page == "startup-model":
        page = startup_page(args)
    elif args.page == "warm-pools":
        page = warm_pools_page(args)
    elif args.page == "capacity-outages":
        page = capacity_outages_page(args)
    elif args.page == "searcher-repeats":
        page = searcher_repeats_page(args)
    elif args.page == "late-units":
        page = late_units_page(args)
    elif args.page == "related-fronts":
        page = related_fronts_page(args)
    else:
        page = variants_page(args)
    text = "\n\n".join(page.parts)
    print(text)
    if not args.no_docs:
        # no cached table read: the page measured nothing and would replace the page that
        # holds the measurements with "Not run" sections
        if _TABLES_READ[0] == 0 and page.path.exists():
            print(f"hardware_tables.py: nothing measured (no cached runs under the page's "
                  f"output folders): {page.path} is kept; run the commands it lists first, or "
                  f"pass --no-docs to only print the page", file=sys.stderr)
            return 1
        page.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
