"""Tables and plots for a folder of finished runs (simulated, local or SageMaker)."""
from __future__ import annotations

import difflib
import logging
import os
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from syne_mohb.experiments.analysis import (
    Run,
    UnreadableRunFile,
    _base_label,
    default_instances,
    describe_group,
    group_labels,
    group_runs,
    load_run,
    pareto_table,
    run_folders,
    script_pools,
    summarize,
)
from syne_mohb.experiments.final_metadata import end_state_table
from syne_mohb.experiments.metrics import (found_model_bounds, normalizer_for, target_measures,
                                           target_ratios)
from syne_mohb.experiments.plots import plot_hypervolume, plot_pareto, run_title

__all__ = ["DEFAULT_BASELINE", "check_compared", "check_output_folder", "check_peer",
           "comparison_tables", "comparison_units", "load_runs", "make_report"]

logger = logging.getLogger(__name__)

#: the method whose best accuracy sets the target where no ``baseline`` is given
DEFAULT_BASELINE = "asha-default"


def load_runs(results: str | Path) -> tuple[list[Run], list[tuple[Path, str]]]:
    """Every readable run folder (with ``results.csv.zip``) below ``results`` (included), and
    the folders left out with the reason: an empty or unreadable results file, an unreadable
    ``metadata.json`` (the reason names the file), no result rows, or a simulated run of
    :mod:`~syne_mohb.experiments.runner` that was interrupted (no end marker; ``syne-mohb
    bench`` runs it again).

    :raises FileNotFoundError: ``results`` does not exist, holds no results file, or no
        readable run (the message gives the reasons)
    """
    from syne_mohb.experiments.runner import is_finished_run

    root = Path(results)
    paths = run_folders(root)
    runs: list[Run] = []
    skipped: list[tuple[Path, str]] = []
    for path in _progress(paths, len(paths), f"reading runs below {root}", "run"):
        try:
            run = load_run(path)
        except pd.errors.EmptyDataError:
            skipped.append((path, "results.csv.zip is empty (the run reported no result)"))
            continue
        except (zipfile.BadZipFile, EOFError) as e:
            skipped.append((path, f"results.csv.zip is not a valid zip file (truncated or "
                                  f"overwritten: {e})"))
            continue
        except UnreadableRunFile as e:
            skipped.append((path, f"{e.name} is unreadable ({e.reason})"))
            continue
        except (pd.errors.ParserError, UnicodeDecodeError) as e:  # metadata.json: just above
            skipped.append((path, f"results.csv.zip is unreadable ({type(e).__name__}: {e})"))
            continue
        except (ValueError, OSError) as e:
            skipped.append((path, f"unreadable: {type(e).__name__}: {e}"))
            continue
        if len(run.results) == 0:
            skipped.append((path, "results.csv.zip holds no result"))
        elif run.info.get("simulated") and not is_finished_run(run.info):
            skipped.append((path, "interrupted simulated run (no end marker in metadata.json); "
                                  "syne-mohb bench runs it again"))
        else:
            runs.append(run)
    if not runs:
        reasons = "; ".join(f"{p}: {r}" for p, r in skipped[:3])
        raise FileNotFoundError(f"no readable run below {root} ({reasons}"
                                f"{' ...' if len(skipped) > 3 else ''})")
    return runs, skipped


def _slug(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in s)


def _progress(items, num_runs: int, desc: str, unit: str, total: int | None = None):
    """``items`` with a progress bar where a person waits on many runs (100 or more, on a
    terminal); nothing in logs and tests."""
    return tqdm(items, desc=desc, unit=unit, leave=False, total=total,
                disable=num_runs < 100 or not sys.stderr.isatty())


def check_output_folder(path: str | Path, what: str = "output") -> Path:
    """``path`` as a folder that can be created or written to: one-line errors before any work.

    :param what: how the message names the parameter (e.g. ``"--output"``)
    :raises ValueError: ``path`` (or a folder above it) is a file, or the first existing folder
        above it is not writable
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path} is a file, not a folder: give a folder (it is created "
                         f"if missing)")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ValueError(f"{what} {path} cannot be created: {existing} is a file, not a folder")
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {path} cannot be written: {existing} is not writable "
                         f"(permission denied); give another folder")
    return path


def _methods_message(baseline: str, valid: list[str], role: str = "baseline") -> str:
    close = difflib.get_close_matches(baseline, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (f"unknown {role} {baseline!r}{hint}: it is not a method of these runs; valid "
            f"{role}s: {', '.join(valid)}")


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name}-{k}", k + 1
    taken.add(out)
    return out


def _no_dollars(runs: list[Run]) -> bool:
    spent = [r.dollars_spent() for r in runs]
    return all(np.all(np.nan_to_num(d, nan=0.0) == 0) for d in spent)


def _relative(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root)
    except ValueError:
        return path.name
    return str(rel) if str(rel) != "." else path.name


def _but_task(key: Any) -> tuple:
    """A benchmark group's key without its task (nor its search space, which is the task's):
    the groups of one benchmark's tasks, run with the same parameters."""
    return (key.name, key.objectives, key.modes, key.parameters, key.folder)


def _ratios_over_tasks(tasks_of: dict[tuple, list[tuple[Any, str, pd.DataFrame]]],
                       baseline: str, versus: str | None) -> pd.DataFrame:
    """Per benchmark with two tasks or more (same run parameters): each method's ratios against
    the baseline and against ``versus``, the median over the tasks
    (:func:`~syne_mohb.experiments.metrics.target_ratios` of the tasks' measures); ``group`` is
    the first task's group label with ``benchmark / task`` replaced by the benchmark and its
    number of tasks (what tells groups apart, e.g. ``[budget 5 s]``, kept)."""
    from syne_mohb.blackboxes.repository import label as benchmark_label
    rows = []
    for tasks in tasks_of.values():
        if len(tasks) < 2:
            continue
        key, first, _ = tasks[0]
        name = benchmark_label(key.name)
        suffix = first[len(_base_label(key, {})):]  # "benchmark / task" is the label's start
        tables = [m for _, _, m in tasks]
        for peer in dict.fromkeys(p for p in (baseline, versus) if p is not None):
            if not all((t["method"] == peer).any() for t in tables):
                continue
            rat = target_ratios(tables, peer)
            if len(rat):
                rat.insert(0, "peer", peer)
                rat.insert(0, "baseline", baseline)
                rat.insert(0, "group", f"{name} ({len(tables)} tasks){suffix}")
                rows.append(rat)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def comparison_units(groups: Mapping[Any, Mapping[str, Sequence[Run]]],
                     labels: Mapping[Any, str]) -> list[tuple[Any, str, Mapping[str, Any], Any]]:
    """What the time / dollars comparison compares: ``(group key, label, {method: runs},
    None)`` per group, except that the groups of one training script (runs of Syne Tune's
    ASHA with accuracy alone and of MO-ASHA with dollars and time, say) are compared as one
    pool, ``(None, pool label, its methods, the pool)``
    (:func:`~syne_mohb.experiments.analysis.script_pools`), in the place of its first group."""
    pools = script_pools(groups)
    units, seen = [], set()
    for key, methods in groups.items():
        pool = pools.get(key)
        if pool is None:
            units.append((key, labels[key], methods, None))
        elif id(pool) not in seen:
            seen.add(id(pool))
            units.append((None, pool.label, pool.methods, pool))
    return units


def check_compared(groups: Mapping[Any, Mapping[str, Any]], baseline: str | None,
                   versus: str | None, labels: Mapping[Any, str] | None = None) -> None:
    """``baseline`` and ``versus`` (None: not given) as methods of ``groups``
    (:func:`~syne_mohb.experiments.analysis.group_runs`; with their ``labels``, also the
    methods of :func:`comparison_units`' pools, e.g. ``MOASHA [search space 2]``).

    :raises ValueError: one of them is not a method of the runs (the message lists the valid
        ones and the closest name), or the peer is the baseline (``asha-default`` unless
        ``baseline`` names another), whose ratios the report gives already
    """
    units = comparison_units(groups, labels) if labels is not None else []
    valid = sorted({m for methods in groups.values() for m in methods}
                   | {m for _, _, methods, _ in units for m in methods})
    for role, name in (("baseline", baseline), ("peer", versus)):
        if name is not None and name not in valid:
            raise ValueError(_methods_message(name, valid, role))
    check_peer(baseline, versus)


def check_peer(baseline: str | None, versus: str | None, peer_name: str = "peer",
               baseline_name: str = "baseline") -> None:
    """The peer is not the baseline (``baseline``, else :data:`DEFAULT_BASELINE`): its
    ratios would repeat the report's first comparison. Needs no runs (``syne-mohb bench``
    checks it before any run); ``peer_name`` / ``baseline_name`` name the two in the message
    (e.g. the flags ``--versus`` / ``--baseline``).

    :raises ValueError: ``versus`` is the baseline
    """
    if versus is not None and versus == (baseline or DEFAULT_BASELINE):
        raise ValueError(f"{peer_name} {versus!r} is the baseline: every method's ratios against "
                         f"it are the report's first comparison already; name another peer, or "
                         f"another {baseline_name}")


def comparison_tables(groups: Mapping[Any, Mapping[str, Sequence[Run]]],
                      labels: Mapping[Any, str], baseline: str | None = None,
                      versus: str | None = None) -> dict[str, Any]:
    """The time / dollars comparison of the report, for the text tables and the HTML page alike.

    In every group that holds the baseline and whose runs all report ``accuracy``, every run is
    measured at the target (the baseline's mean best accuracy minus 0.5 points:
    :func:`~syne_mohb.experiments.metrics.target_measures`), and every other method is paired
    with the baseline and with ``versus`` over the seeds
    (:func:`~syne_mohb.experiments.metrics.target_ratios`); a benchmark's tasks run with the
    same parameters also get the median over the tasks (:func:`_ratios_over_tasks`).

    :param groups: :func:`~syne_mohb.experiments.analysis.group_runs`' groups
    :param labels: each group's label (:func:`~syne_mohb.experiments.analysis.group_labels`)
    :param baseline: the method setting the target (default: ``asha-default``)
    :return: ``{"baseline", "versus", "pools", "methods", "targets", "target_ratios",
        "versus_ratios", "over_tasks", "bounds"}``: the baseline's name, ``versus``, the pools
        of a script's groups (``{"label", "groups"}``: :func:`comparison_units`), the methods
        that can be compared (pooled names included), and five tables (empty where no group
        could be compared); each table's ``group`` column holds the group's label (a pool's
        label for a pool; the benchmark and its number of tasks in ``over_tasks``).
        ``bounds``: per simulated group, the baseline's mean found model's dollars against
        the benchmark table's cheapest model at the target and the expected cheapest of
        training every row once (:func:`~syne_mohb.experiments.metrics.found_model_bounds`):
        how far a method's "found model's $" ratio could go
    """
    b = baseline if baseline is not None else DEFAULT_BASELINE
    targets, ratios, versus_ratios, bounds = [], [], [], []
    # a benchmark's tasks with the same run parameters: their measures, for the median over tasks
    tasks_of: dict[tuple, list[tuple[Any, str, pd.DataFrame]]] = {}
    units = comparison_units(groups, labels)
    pools = [{"label": label, "groups": [labels[k] for k in pool.members]}
             for _, label, _, pool in units if pool is not None]
    for key, label, methods, _ in units:
        if b not in methods or not all("accuracy" in r.results.columns
                                       for lst in methods.values() for r in lst):
            continue
        target, measures = target_measures(methods, b)
        measures.insert(0, "group", label)
        targets.append(measures)
        if key is not None and key.source == "benchmark":
            tasks_of.setdefault(_but_task(key), []).append((key, label, measures))
            bound = _found_model_bounds(key, target, measures, b)
            if bound is not None:
                bounds.append({"group": label, "baseline": b, "target": target, **bound})
        for peer, into in ((b, ratios), (versus, versus_ratios)):
            rat = target_ratios(measures, peer) if peer in methods else []
            if len(rat):
                rat.insert(0, "target", target)
                rat.insert(0, "baseline", b)
                if peer != b:
                    rat.insert(1, "peer", peer)
                rat.insert(0, "group", label)
                into.append(rat)

    def frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    return {"baseline": b, "versus": versus, "pools": pools,
            "methods": sorted({m for _, _, methods, _ in units for m in methods}),
            "targets": frame(targets),
            "target_ratios": frame(ratios), "versus_ratios": frame(versus_ratios),
            "over_tasks": _ratios_over_tasks(tasks_of, b, versus),
            "bounds": pd.DataFrame(bounds, columns=_BOUND_COLUMNS)}


#: the columns of :func:`comparison_tables`' ``bounds``
_BOUND_COLUMNS = ["group", "baseline", "target", "found_dollars", "cheapest_dollars",
                  "once_dollars", "best_possible", "exhaustive_once"]


def _found_model_bounds(key: Any, target: float, measures: pd.DataFrame,
                        baseline: str) -> dict[str, float] | None:
    """A simulated group's bounds of the found model's dollars, from its benchmark's table
    (:func:`~syne_mohb.experiments.metrics.found_model_bounds` of the baseline's mean found
    model); None where the table cannot be read any more (e.g. a user's folder moved away:
    the rest of the report does not need it) or holds no model at the target."""
    from syne_mohb.experiments.runner import get_benchmark

    try:
        table = get_benchmark(key.name).blackbox(key.task)
    except (ValueError, OSError, KeyError) as e:
        logger.info(f"no bounds of the found model's dollars for {key.name} / {key.task}: {e}")
        return None
    found = measures.loc[measures["method"] == baseline, "model_dollars"].to_numpy(dtype=float)
    mean = float(np.mean(found[np.isfinite(found)])) if np.isfinite(found).any() else np.nan
    bounds = found_model_bounds(table, target, mean)
    if not np.isfinite(bounds["cheapest_dollars"]):
        return None
    return {"found_dollars": mean, **bounds}


def make_report(results: str | Path, out_dir: str | Path | None = None,
                baseline: str | None = None, versus: str | None = None,
                plots: bool = True) -> dict[str, Any]:
    """Read every run below ``results``; write CSV tables and PNG plots to ``out_dir`` (default
    ``results/report``).

    Runs are compared within groups of comparable runs (same benchmark, task and run parameters,
    or same entry point, objectives and search space:
    :func:`~syne_mohb.experiments.analysis.group_runs`).
    Simulated runs get one Pareto table and plot per method (first seed); other runs (local,
    SageMaker, Ray) one per run; a run without a result that has a value for every objective
    gets its table but no plot (logged, and listed in ``plots_skipped``). The Pareto tables
    list the fidelity (e.g. ``epoch``) of each model; their CSV files hold every row. Where a
    group holds the baseline and reports ``accuracy``, every method is compared with it at the
    baseline's mean best accuracy minus 0.5 points (the groups of one training script, e.g.
    Syne Tune's ASHA with accuracy alone and MO-ASHA with dollars and time, as one pool:
    :func:`comparison_units`)
    (:func:`~syne_mohb.experiments.metrics.target_measures` and
    :func:`~syne_mohb.experiments.metrics.target_ratios`, the rule of ``syne-mohb demo``).
    Every group with an instance dimension gets ``<group>__recommendations.csv``: each model on
    its Pareto set (over all its runs) on every instance type, predicted time and dollars with
    an 80% interval next to what was measured
    (:mod:`~syne_mohb.experiments.recommendations`).

    :param baseline: the method whose best accuracy sets the target (default: ``asha-default``
        where a group has it)
    :param versus: a peer method: every other method of a group is also paired with it, at the
        same target (``versus_ratios``: mean(peer) / mean(method) over the paired seeds, with
        the 95% bootstrap interval; also ``time_to_target_versus.csv``), e.g. our MO-ASHA
        against Syne Tune's MOASHA
    :param plots: draw the PNG plots (``False``: the tables only; a plot takes about a third
        of a second, most of a report's time over many runs)
    :return: ``{"summary", "groups", "pareto", "pareto_csv", "targets", "target_ratios",
        "versus_ratios", "versus", "baseline", "over_tasks", "bounds", "pools",
        "compared_methods", "plots", "out_dir",
        "skipped",
        "recommendations", "recommendations_csv",
        "recommendations_skipped", "plots_skipped", "scheduler_end", "methods"}``: ``groups``
        lists ``(label, description)`` of each group, ``pareto`` maps a run's name to its whole
        Pareto table, ``pareto_csv`` to the CSV file it was written to, ``targets`` holds every
        run's measures, ``target_ratios`` each method's ratios against the baseline,
        ``versus_ratios`` against ``versus`` (``baseline``: the method that set the target,
        given or ``asha-default``), ``over_tasks`` both as the median over each
        benchmark's tasks (two or more run with the same parameters; also
        ``time_to_target_over_tasks.csv``), ``bounds`` what the found model's dollars could
        reach in each simulated group's benchmark table (:func:`comparison_tables`; also
        ``found_model_bounds.csv``), ``pools`` the pools of a script's groups and
        ``compared_methods`` the methods ``baseline`` can name (:func:`comparison_tables`),
        ``skipped`` the
        ``(folder, reason)`` of the runs left out (:func:`load_runs`), ``recommendations``
        maps a group's label to its hardware recommendations, ``recommendations_csv`` to their
        CSV file,
        ``recommendations_skipped`` lists ``(group label, reason)`` where they could not be made,
        ``plots_skipped`` ``(run folder, reason)`` of the Pareto plots that could not be drawn,
        ``scheduler_end`` the schedulers' state at the end per group and method
        (:func:`~syne_mohb.experiments.final_metadata.end_state_table`, also written to
        ``scheduler_end.csv``; empty where no run recorded it), ``methods`` what chooses the
        instance type and what proposes the hyperparameters of each registered method the
        simulated runs used (:func:`~syne_mohb.experiments.methods.method_table`; also
        ``methods.csv``)
    :raises FileNotFoundError: no readable run below ``results``
    :raises ValueError: ``out_dir`` is a file, or ``baseline`` or ``versus`` is not a method
        of the runs
    """
    if not isinstance(plots, bool):
        raise ValueError(f"plots must be True or False, got {plots!r}")
    root = Path(results)
    out = check_output_folder(out_dir if out_dir is not None else root / "report", "output")
    runs, skipped = load_runs(results)
    groups = group_runs(runs)
    labels = group_labels(groups)
    check_compared(groups, baseline, versus, labels)
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of runs without dollars
        summary = summarize(runs)
    summary.to_csv(out / "summary.csv", index=False)
    drawn: list[Path] = []
    pareto: dict[str, pd.DataFrame] = {}
    pareto_csv: dict[str, Path] = {}
    described = []
    recs: dict[str, pd.DataFrame] = {}
    recs_csv: dict[str, Path] = {}
    recs_skipped: list[tuple[str, str]] = []
    plots_skipped: list[tuple[Path, str]] = []
    ends: list[pd.DataFrame] = []
    taken: set[str] = set()  # file prefixes of groups
    run_stems: set[str] = set()  # file stems of runs that are not simulations
    for key, methods in _progress(groups.items(), len(runs), "tables and plots", "group",
                                  total=len(groups)):
        label = labels[key]
        described.append((label, describe_group(key, methods, root)))
        all_runs = [r for lst in methods.values() for r in lst]
        norm = normalizer_for(all_runs)
        prefix = out / _unique(_slug(label.replace(" / ", "__")), taken)
        for axis in ("time", "dollars") if plots else ():
            if axis == "dollars" and _no_dollars(all_runs):
                continue
            drawn.append(plot_hypervolume(methods, norm, f"{prefix}__hypervolume_vs_{axis}.png",
                                          axis=axis, title=f"{label}: hypervolume vs {axis}"))
        simulated = key.source == "benchmark"
        if simulated:
            from syne_mohb.blackboxes.repository import label as benchmark_label
        for method, lst in methods.items():
            for r in lst[:1] if simulated else lst:
                tab = pareto_table(r)
                if simulated:
                    # what tells groups of one benchmark and task apart (e.g. "[budget 5 s]")
                    apart = f" [{label.split(' [', 1)[1]}" if " [" in label else ""
                    name = (f"{benchmark_label(key.name)}/{key.task}/{method}/{r.path.name}"
                            f"{apart}")
                    stem = f"{prefix}__{_slug(method)}__{r.path.name}"
                else:
                    rel = _relative(r.path, root)
                    name = f"{rel} ({method})"
                    stem = str(out / _unique(_slug(rel), run_stems))
                pareto[name] = tab
                pareto_csv[name] = Path(f"{stem}__pareto.csv")
                tab.to_csv(pareto_csv[name], index=False)
                try:
                    if plots:
                        drawn.append(plot_pareto(r, f"{stem}__pareto.png", title=run_title(r)))
                except ValueError as e:  # e.g. an objective without a value: the rest is kept
                    logger.warning(f"no Pareto plot of {r.path}: {e}")
                    plots_skipped.append((r.path, str(e)))
        if any(r.instance_column for r in all_runs):
            try:
                rec = _recommendations(all_runs, simulated, root)
            except Exception as e:  # never lose the rest of the report to this table
                recs_skipped.append((label, str(e) if isinstance(e, ValueError)
                                     else f"{type(e).__name__}: {e}"))
            else:
                recs[label] = rec
                recs_csv[label] = Path(f"{prefix}__recommendations.csv")
                rec.to_csv(recs_csv[label], index=False)
        end = end_state_table(methods)
        if len(end):
            end.insert(0, "group", label)
            ends.append(end)
    compared = comparison_tables(groups, labels, baseline, versus)
    targets_df, ratios_df = compared["targets"], compared["target_ratios"]
    versus_df, over_tasks = compared["versus_ratios"], compared["over_tasks"]
    bounds = compared["bounds"]
    ends_df = pd.concat(ends, ignore_index=True) if ends else pd.DataFrame()
    from syne_mohb.experiments.methods import METHODS, hardware_logic, searcher_of

    # simulated runs are named by their registered method: say what each one is
    named = [m for m in dict.fromkeys(m for key, methods in groups.items()
                                      if key.source == "benchmark" for m in methods)
             if m in METHODS]
    defaults = default_instances(runs)
    legend = pd.DataFrame([{"method": m,
                            "hardware logic": hardware_logic(m, defaults.get(m)),
                            "searcher": searcher_of(m)} for m in named],
                          columns=["method", "hardware logic", "searcher"])
    for table, name in ((legend, "methods.csv"), (ends_df, "scheduler_end.csv"),
                        (targets_df, "time_to_target.csv"),
                        (ratios_df, "time_to_target_ratios.csv"),
                        (versus_df, "time_to_target_versus.csv"),
                        (over_tasks, "time_to_target_over_tasks.csv"),
                        (bounds, "found_model_bounds.csv")):
        if len(table):  # an empty table writes no file
            table.to_csv(out / name, index=False)
    return {"summary": summary, "groups": described, "pareto": pareto, "pareto_csv": pareto_csv,
            "targets": targets_df, "target_ratios": ratios_df, "versus_ratios": versus_df,
            "over_tasks": over_tasks, "bounds": bounds, "pools": compared["pools"],
            "compared_methods": compared["methods"], "versus": versus,
            "baseline": compared["baseline"], "plots": drawn, "out_dir": out,
            "skipped": skipped, "recommendations": recs, "recommendations_csv": recs_csv,
            "recommendations_skipped": recs_skipped, "plots_skipped": plots_skipped,
            "scheduler_end": ends_df, "methods": legend}


def _recommendations(runs: list[Run], simulated: bool, root: Path) -> pd.DataFrame:
    """The hardware recommendations of a group
    (:func:`~syne_mohb.experiments.recommendations.recommendations_for_runs`): one model on all
    its runs, the Pareto set over their union; runs named ``method/seed-k`` (simulated) or by
    their folder."""
    from syne_mohb.experiments.recommendations import recommendations_for_runs

    labels = None
    if len(runs) > 1:
        labels = [f"{r.label}/{r.path.name}" if simulated else _relative(r.path, root)
                  for r in runs]
    rec = recommendations_for_runs(runs, labels=labels)
    out = rec.drop(columns=["_run", "_row"])
    out.attrs = dict(rec.attrs)
    return out
