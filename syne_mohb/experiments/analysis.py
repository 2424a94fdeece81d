"""Analysis of tuning runs: loading run folders, Pareto sets, per-method summary tables.

Works on any folder written by a Syne Tune ``Tuner`` (``results.csv.zip`` + ``metadata.json``):
simulated runs of :mod:`syne_mohb.experiments.runner`, local runs and SageMaker runs. Each
reported result row is one trained model (a configuration at a fidelity) with its objectives;
the *tuning* clock is ``st_tuner_time`` and the dollars spent so far are the sum over trials of
their cumulative ``st_worker_cost`` (or of the ``cost`` objective when no worker cost is
reported).

Runs are compared only with comparable runs (:func:`group_runs`, :class:`GroupKey`): the same
benchmark, task and run parameters (budget, workers, trial cap, ...), or the same entry point,
objectives and search space.

Every number that compares runs (normalisation with the benchmark's log flags, hypervolume
over time and dollars, dollars spent, time to a target) comes from
:mod:`syne_mohb.experiments.metrics`; this module loads runs, groups them and tabulates.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from syne_mohb.experiments import metrics
from syne_mohb.hardware.catalog import SEGMENT_INSTANCE_TYPE
from syne_mohb.pareto import normalize_modes, pareto_mask

__all__ = [
    "GroupKey",
    "Run",
    "ScriptPool",
    "UnreadableRunFile",
    "with_segment_types",
    "default_instances",
    "describe_group",
    "find_runs",
    "group_key",
    "group_labels",
    "group_runs",
    "load_run",
    "moved_from",
    "pareto_table",
    "run_folders",
    "script_pools",
    "scheduler_seed",
    "summarize",
    "unique_results",
]


@dataclass
class Run:
    """One tuning run: its results table and what it optimised."""

    path: Path
    results: pd.DataFrame
    metadata: dict[str, Any]
    objectives: list[str]
    modes: list[str]
    instance_attr: str | None = "instance_type"
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        # one mode for all objectives, a tuple or a dict: one "min"/"max" per objective, checked
        self.objectives = list(self.objectives)
        self.modes = normalize_modes(self.modes, len(self.objectives), "modes", self.objectives)

    @property
    def label(self) -> str:
        return str(self.info.get("method") or self.metadata.get("scheduler_name") or self.path.name)

    @property
    def seed(self) -> int | None:
        """The run's seed: the one a simulated run recorded, else the scheduler's
        ``random_seed`` (its ``scheduler_kwargs`` in ``metadata.json``), else None."""
        seed = self.info.get("seed")
        if seed is None:
            seed = scheduler_seed(self.metadata)
        try:
            return None if seed is None else int(seed)
        except (TypeError, ValueError):
            return None

    @property
    def instance_column(self) -> str | None:
        if self.instance_attr is None:
            return None
        col = f"config_{self.instance_attr}"
        return col if col in self.results.columns else None

    def dollars_spent(self) -> np.ndarray:
        """Cumulative dollars spent by the tuning job at each row
        (:func:`syne_mohb.experiments.metrics.dollars_spent`)."""
        return metrics.dollars_spent(self.results)


_SEED = re.compile(r"""['"]random_seed['"]\s*:\s*(-?\d+)""")


def scheduler_seed(metadata: dict[str, Any]) -> int | None:
    """The ``random_seed`` a run's scheduler was given, from ``metadata.json``'s
    ``scheduler_kwargs`` (a dict, or the string Syne Tune 0.16's ``Tuner`` writes: the
    arguments' ``repr``), or None where it is not recorded."""
    kwargs = metadata.get("scheduler_kwargs")
    if isinstance(kwargs, dict):
        seed = kwargs.get("random_seed")
        return seed if isinstance(seed, int) and not isinstance(seed, bool) else None
    m = _SEED.search(kwargs) if isinstance(kwargs, str) else None
    return int(m.group(1)) if m else None


RERUN_COLUMN = "st_rerun"
"""Column of durable runs (:data:`syne_mohb.durable.ST_RERUN`): the trial's attempt."""


def unique_results(df: pd.DataFrame, resource_attr: str | None = None) -> pd.DataFrame:
    """The rows of a results table with each (trial, resource level) once.

    A durable run that is resumed restarts the trials that were in flight; one without a
    checkpoint reports its first epochs again. ``DurableTuner`` keeps those rows and marks them
    with ``st_rerun`` (the attempt: 0 for the first launch, k after the k-th relaunch). This
    keeps, for each ``(trial_id, resource_attr)``, the row of the lowest attempt (of those, the
    first in row order) and drops the others; rows without a resource value are kept. Every
    analysis of a run counts a trained model once through it (:func:`load_run` applies it, so
    the Pareto table, hypervolume, best values and reports do).

    :param df: results table (``results.csv.zip``), rows in any order; returned unchanged if it
        has no ``st_rerun`` column (not a durable run) or no resource column
    :param resource_attr: the fidelity column (the scheduler's ``time_attr``); default
        ``"epoch"`` if the table has it
    :return: the kept rows, in their original order and with their original index
    """
    if RERUN_COLUMN not in df.columns or "trial_id" not in df.columns or len(df) == 0:
        return df
    attr = resource_attr if resource_attr is not None else "epoch"
    if attr not in df.columns:
        return df
    attempt = pd.to_numeric(df[RERUN_COLUMN], errors="coerce").fillna(0).to_numpy()
    order = np.lexsort((np.arange(len(df)), attempt))  # by attempt, then row order
    ranked = df.iloc[order]
    repeat = ranked.duplicated(subset=["trial_id", attr], keep="first").to_numpy() \
        & ranked[attr].notna().to_numpy()
    drop = np.zeros(len(df), dtype=bool)
    drop[order[repeat]] = True
    return df.iloc[~drop]


class UnreadableRunFile(ValueError):
    """A file of a run folder that exists but cannot be read (e.g. a truncated
    ``metadata.json``): ``name`` is the file's name, ``reason`` what went wrong; the message
    names the file's path."""

    def __init__(self, path: Path, error: BaseException | str):
        self.name = path.name
        self.reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        super().__init__(f"{path} is unreadable ({self.reason})")


def _read_metadata(path: Path) -> dict[str, Any]:
    """The run's ``metadata.json`` (``{}`` if there is none).

    :raises UnreadableRunFile: it cannot be read or is not a JSON object
    """
    meta_file = path / "metadata.json"
    if not meta_file.exists():
        return {}
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError) as e:
        raise UnreadableRunFile(meta_file, e) from None
    if not isinstance(meta, dict):
        raise UnreadableRunFile(meta_file, f"a JSON {type(meta).__name__}, not an object")
    return meta


def _recorded_objectives(meta: dict[str, Any]) -> tuple[list[str], Any] | None:
    """The objectives and modes the run recorded
    (:func:`syne_mohb.experiments.results.run_objectives`), or None."""
    from syne_mohb.experiments.results import run_objectives  # it imports this module

    return run_objectives(meta)


def with_segment_types(df: pd.DataFrame, instance_attr: str | None) -> pd.DataFrame:
    """``df`` with ``config_<instance_attr>`` holding, per result, the type that trained the
    result's segment (``segment_instance_type``, where the backend recorded it). The config
    column is the trial's type at its last (re)start: under promotion a trial moved to another
    type, and a line its previous segment printed can be read after the move. Every reader
    (Pareto tables, plots, the HTML page, the recommendations) labels, colours and counts a
    result by the type that produced it; its time and dollars stay cumulative over its
    segments. O(rows)."""
    col = f"config_{instance_attr}" if instance_attr else None
    if col is None or col not in df.columns or SEGMENT_INSTANCE_TYPE not in df.columns:
        return df
    seg = df[SEGMENT_INSTANCE_TYPE]
    if seg.isna().all():
        return df
    df = df.copy()
    df[col] = seg.where(seg.notna(), df[col])
    return df


def moved_from(df: pd.DataFrame, rows: Sequence, instance_col: str | None,
               fidelity: str | None) -> list[str | None]:
    """For each of ``rows`` (index labels of ``df``), the types its trial's earlier segments
    trained on before the segment that produced the row, in order (``"a, b"``), or None if the
    whole trial up to that row ran on one type. ``df``'s ``instance_col`` must hold each
    result's own type (:func:`with_segment_types`); a trial's earlier results are those at a
    lower ``fidelity`` (row order without one). Under promotion a trial can move to another
    type, and the time and dollars of its later results are cumulative over every type it ran
    on: this says which. O(len(df) + len(rows)) to find the trials of ``rows`` and which of them
    moved, plus, for each row of a moved trial, O(that trial's rows)."""
    if instance_col is None or instance_col not in df.columns or not len(rows):
        return [None] * len(rows)
    rows = list(rows)
    trial_of = df.loc[rows, "trial_id"].to_numpy()
    theirs = df[df["trial_id"].isin(set(trial_of))]
    n_types = theirs.groupby("trial_id", sort=False)[instance_col].nunique()
    moving = set(n_types.index[n_types > 1])  # trials that ran on more than one type
    if not moving:
        return [None] * len(rows)
    by_trial = {t: g for t, g in theirs[theirs["trial_id"].isin(moving)].groupby(
        "trial_id", sort=False)}
    out: list[str | None] = []
    for label, trial in zip(rows, trial_of):
        g = by_trial.get(trial)
        if g is None:  # a trial that never moved
            out.append(None)
            continue
        row = df.loc[label]
        if fidelity is not None and fidelity in g.columns:
            level = pd.to_numeric(g[fidelity], errors="coerce").to_numpy(dtype=float)
            keep = level < _number_or_inf(row[fidelity])
            types = g[instance_col].to_numpy()[keep][np.argsort(level[keep], kind="stable")]
        else:
            types = g.loc[g.index < label, instance_col].to_numpy()
        path: list[str] = []
        for t in types:
            if pd.isna(t):
                continue
            if not path or path[-1] != str(t):
                path.append(str(t))
        own = row[instance_col]
        if path and not pd.isna(own) and path[-1] == str(own):
            path.pop()
        out.append(", ".join(path) if path else None)
    return out


def _number_or_inf(value) -> float:
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float("inf") if pd.isna(v) else float(v)


def _read_results(path: Path) -> pd.DataFrame:
    for name in ("results.csv.zip", "results.csv"):
        if (path / name).exists():
            return pd.read_csv(path / name)
    raise FileNotFoundError(f"no results.csv.zip in {path}: not a finished Syne Tune run folder")


def load_run(path: str | Path, objectives: Sequence[str] | None = None,
             modes: Sequence[str] | str | None = None) -> Run:
    """Load a run folder (``results.csv.zip`` + ``metadata.json``) written by a Syne Tune Tuner.

    Objectives and modes default to those the run recorded, as :func:`syne_mohb.pareto_set`
    reads them (:func:`syne_mohb.experiments.results.run_objectives`: the ``syne_mohb`` entry of
    the metadata of a simulated run, else the scheduler's ``metric_names``/``metric_mode``, else
    its ``scheduler_kwargs``); only a run that records none is read with
    ``accuracy``/``runtime``/``cost`` where it reports them.

    :raises FileNotFoundError: the folder has no results
    :raises UnreadableRunFile: its ``metadata.json`` cannot be read (a ``ValueError``)
    :raises ValueError: an objective is not a column of the results
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"run folder {path} does not exist")
    df = _read_results(path)
    meta = _read_metadata(path)
    info = dict(meta.get("syne_mohb") or {})
    if objectives is None:
        recorded = _recorded_objectives(meta)
        if recorded is not None:
            objectives = recorded[0]
            modes = recorded[1] if modes is None else modes
        elif all(c in df.columns for c in ("accuracy", "runtime", "cost")):
            objectives, modes = ["accuracy", "runtime", "cost"], modes or ["max", "min", "min"]
        else:
            objectives = []
    objectives = list(objectives)
    if not objectives:
        raise ValueError(f"cannot tell the objectives of run {path}; pass objectives=[...]")
    missing = [o for o in objectives if o not in df.columns]
    if missing:
        raise ValueError(f"objectives {missing} are not columns of {path}/results.csv.zip; "
                         f"columns: {sorted(df.columns)}")
    modes = normalize_modes(modes if modes is not None else "min", len(objectives), "modes")
    if "st_tuner_time" not in df.columns:
        raise ValueError(f"{path}/results.csv.zip has no st_tuner_time column")
    df = df.sort_values("st_tuner_time", kind="stable").reset_index(drop=True)
    if not info.get("fidelity_attr"):
        fidelity = _resource_attr(meta, df)
        if fidelity is not None:
            info["fidelity_attr"] = fidelity
    # each (trial, epoch) once: a durable resume may have re-recorded restarted trials
    df = unique_results(df, info.get("fidelity_attr")).reset_index(drop=True)
    instance_attr = info.get("instance_attr", "instance_type")
    return Run(path=path, results=with_segment_types(df, instance_attr), metadata=meta,
               objectives=objectives, modes=modes, instance_attr=instance_attr, info=info)


def _resource_attr(meta: dict[str, Any], df: pd.DataFrame) -> str | None:
    """The fidelity column of a run that is not one of our simulations: the scheduler's
    ``time_attr`` (our and Syne Tune's schedulers store it in ``scheduler_kwargs``), else a
    reported ``epoch`` column; None if neither is in the results."""
    kwargs = meta.get("scheduler_kwargs")
    time_attr = kwargs.get("time_attr") if isinstance(kwargs, dict) else None
    for name in (time_attr, "epoch"):
        if isinstance(name, str) and name in df.columns:
            return name
    return None


def run_folders(root: str | Path) -> list[Path]:
    """The folders holding a ``results.csv.zip`` below ``root`` (``root`` included), sorted.

    :raises FileNotFoundError: ``root`` does not exist or holds no results file
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"results folder {root} does not exist")
    paths = sorted({p.parent for p in root.rglob("results.csv.zip")})
    if not paths:
        raise FileNotFoundError(f"no Syne Tune results (results.csv.zip) below {root}")
    return paths


def find_runs(root: str | Path) -> list[Run]:
    """All run folders (containing ``results.csv.zip``) below ``root`` (``root`` included)."""
    return [load_run(p) for p in run_folders(root)]


def pareto_table(run: Run, max_rows: int | None = None) -> pd.DataFrame:
    """Pareto set of all models a run trained (rows = configuration at a fidelity).

    Columns: trial_id, the fidelity (if known), instance type (the type that trained the
    model's last segment), ``moved_from`` (only when a model on the set ran on other types
    before: those types, in order, :func:`moved_from`; its time and dollars are cumulative over
    all of them), the other hyperparameters and every objective; sorted by the first
    objective, best first. A hyperparameter is listed
    without its ``config_`` prefix, unless it is named like another column of the table (e.g.
    a hyperparameter ``epoch`` next to the fidelity ``epoch``, or ``loss`` next to an objective
    ``loss``): then it keeps it.
    """
    df = run.results
    if len(df) == 0 and not set(run.objectives) <= set(df.columns):
        return pd.DataFrame(columns=["trial_id", *run.objectives])
    Y = df[run.objectives].to_numpy(dtype=float)
    # an empty run keeps the columns it has (the same selection as a run with results)
    mask = pareto_mask(Y, run.modes) if len(df) else np.zeros(0, dtype=bool)
    front = df.loc[mask]
    cfg_cols = [c for c in df.columns if c.startswith("config_")]
    inst = run.instance_column
    cols = ["trial_id"]
    fid = run.info.get("fidelity_attr")
    if fid and fid in df.columns:
        cols.append(fid)
    if inst:
        cols.append(inst)
    cols += [c for c in cfg_cols if c != inst] + list(run.objectives)
    taken = {c for c in cols if not c.startswith("config_")}
    out = front[cols].rename(columns={c: c[len("config_"):] for c in cfg_cols
                                      if c[len("config_"):] not in taken})
    if inst and SEGMENT_INSTANCE_TYPE in df.columns and "moved_from" not in out.columns:
        earlier = moved_from(df, list(front.index), inst, fid)
        if any(e is not None for e in earlier):
            out.insert(cols.index(inst) + 1, "moved_from", earlier)
    out = out.drop_duplicates(subset=[c for c in out.columns if c != "trial_id"])
    out = out.sort_values(run.objectives[0], ascending=run.modes[0] == "min", kind="stable")
    if max_rows is not None:
        out = out.head(max_rows)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class GroupKey:
    """What makes runs comparable, so that a report puts them in one table, one normalisation
    and one Pareto plot.

    * ``source == "benchmark"``: runs simulated on one benchmark and task (``name`` /
      ``task``) with the same objectives, modes and run parameters (``parameters``: the stored
      :data:`~syne_mohb.experiments.runner.RUN_PARAMETERS` but benchmark, task, method and
      seed, e.g. the budget and the workers, as ``syne-mohb bench`` compares them); their
      search spaces may differ by method (e.g. ASHA on a fixed instance type), the benchmark's
      table makes them comparable. Runs that would repeat a method's seed (copies of one run,
      e.g. two ``bench`` output folders with the same parameters) are told apart by
      ``folder``: their ``bench`` output folder (:func:`group_runs`), so that no seed counts
      twice;
    * ``source == "entry point"``: runs of one training script (Syne Tune's
      ``metadata["entrypoint"]``) with the same objectives, modes and search space
      (``space``: a digest of ``metadata["config_space"]``, "" when none is recorded);
    * ``source == "folder"``: runs that record no entry point, by their parent folder, with
      the same objectives, modes and search space.
    """

    source: str
    name: str
    task: str
    objectives: tuple[str, ...]
    modes: tuple[str, ...]
    space: str = ""
    parameters: tuple[tuple[str, str], ...] = ()
    folder: str = ""


def _run_parameters(info: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """``(name, value as JSON)`` of each stored run parameter of a simulated run that makes its
    runs comparable (:data:`~syne_mohb.experiments.runner.RUN_PARAMETERS` but benchmark, task,
    method and seed; a budget as a float, as the runner compares it; one not recorded as
    None, as the runner reads runs written before it existed)."""
    from syne_mohb.experiments.runner import RUN_PARAMETERS

    out = []
    for name in RUN_PARAMETERS:
        if name in ("benchmark", "task", "method", "seed"):
            continue
        value = info.get(name)
        if name == "budget_s":
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
        out.append((name, json.dumps(value, sort_keys=True, default=str)))
    return tuple(out)


def _parameter_text(name: str, value: str) -> str:
    """A stored run parameter (:func:`_run_parameters`) as a label reads it."""
    v = json.loads(value)
    if name == "simulator":
        return "Syne Tune's simulator" if v == "stock" else "our simulator" if v is None \
            else f"simulator {v}"
    if v is None and name not in ("max_trials", "startup"):
        return f"{name} not recorded"
    if name == "budget_s":
        return f"budget {v:g} s" if isinstance(v, (int, float)) else f"budget {v}"
    if name == "n_workers":
        return f"{v} workers"
    if name == "max_trials":
        return "no trial cap" if v is None else f"at most {v} trials"
    if name == "default_instance":
        return f"default instance {v}"
    if name == "startup":
        from syne_mohb.hardware.startup import startup_text

        return startup_text(v)
    return f"{name} {value}"


def _space_digest(meta: dict[str, Any]) -> str:
    raw = meta.get("config_space")
    if raw is None:
        return ""
    try:
        space = json.loads(raw) if isinstance(raw, str) else raw
        text = json.dumps(space, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = str(raw)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def group_key(run: Run) -> GroupKey:
    """The :class:`GroupKey` of a run: runs with equal keys are compared with each other."""
    objectives, modes = tuple(run.objectives), tuple(run.modes)
    if run.info.get("benchmark"):
        return GroupKey("benchmark", str(run.info["benchmark"]), str(run.info.get("task", "-")),
                        objectives, modes, parameters=_run_parameters(run.info))
    entry = run.metadata.get("entrypoint")
    if entry:
        return GroupKey("entry point", str(entry), "-", objectives, modes,
                        _space_digest(run.metadata))
    return GroupKey("folder", run.path.parent.name, "-", objectives, modes,
                    _space_digest(run.metadata))


def group_runs(runs: Iterable[Run]) -> dict[GroupKey, dict[str, list[Run]]]:
    """``{group key: {method: [runs sorted by seed]}}``, groups in order of first appearance.

    Runs are grouped by what makes them comparable (:class:`GroupKey`): a simulated run by its
    benchmark, task, objectives and run parameters (budget, workers, trial cap, ...); a local,
    SageMaker or Ray run by its entry point (else its parent folder), objectives and search
    space. Within a group, runs of one method (the runner's method name, else the scheduler's)
    are its seeds, each seed once: a simulated group in which a method's seed repeats is split
    by the runs' ``bench`` output folders (else their parent folders, else the runs).
    :func:`group_labels` names the groups, :func:`describe_group` says what each holds.
    """
    grouped: dict[GroupKey, list[Run]] = {}
    for r in runs:
        grouped.setdefault(group_key(r), []).append(r)
    out: dict[GroupKey, dict[str, list[Run]]] = {}
    for key, members in grouped.items():
        folder_of = _seed_folders(members) if key.source == "benchmark" else None
        for r in members:
            k = key if folder_of is None else dataclasses.replace(key, folder=folder_of(r))
            out.setdefault(k, {}).setdefault(r.label, []).append(r)
    for methods in out.values():
        for lst in methods.values():
            lst.sort(key=_seed_order)
    return out


def _seed_order(run: Run) -> tuple:
    seed = run.seed
    return (seed is None, seed if seed is not None else 0, str(run.path))


@dataclass
class ScriptPool:
    """The runs of one training script spread over several groups (:func:`script_pools`):
    ``label`` names it, ``members`` are the groups' keys in order, ``methods`` maps a method
    to its runs in seed order (a method of several groups named with what tells its group
    apart, e.g. ``MOASHA [search space 2]``)."""

    label: str
    members: tuple[GroupKey, ...]
    methods: dict[str, list[Run]]


def _what_differs(key: GroupKey, keys: list[GroupKey]) -> str:
    """What tells ``key`` apart from the other ``keys`` of one script (their objectives, modes
    and search spaces are all that can differ): its objectives (else its modes), and its
    search space's number among theirs (in order of first appearance)."""
    parts = []
    if len({k.objectives for k in keys}) > 1:
        parts.append(f"objectives {', '.join(key.objectives)}")
    elif len({k.modes for k in keys}) > 1:
        parts.append(f"modes {', '.join(key.modes)}")
    spaces = list(dict.fromkeys(k.space for k in keys))
    if len(spaces) > 1:
        parts.append(f"search space {spaces.index(key.space) + 1}")
    return "; ".join(parts)


def script_pools(groups: dict[GroupKey, dict[str, list[Run]]]) -> dict[GroupKey, ScriptPool]:
    """For every group of local, SageMaker or Ray runs whose training script (entry point, else
    folder) has runs in other groups too, the pool of all that script's runs; groups of
    simulated runs and a script's only group are left out.

    A script run with Syne Tune's ASHA on one instance type (accuracy alone) and with MO-ASHA
    over several types (accuracy, dollars, time) gives two groups: they cannot share a Pareto
    front or a hypervolume, but they answer one question, which found the accuracy sooner and
    for fewer dollars; :func:`~syne_mohb.experiments.report.comparison_tables` asks it of the
    pool. A method name held by several of the script's groups is suffixed with what tells
    its groups apart (objectives, the search space's number), so that no run counts as a seed
    of another group's method. O(runs).

    :return: ``{group key: its pool}``, every member of a pool mapping to the same object
    """
    by_script: dict[tuple[str, str], list[GroupKey]] = {}
    for key in groups:
        if key.source != "benchmark":
            by_script.setdefault((key.source, key.name), []).append(key)
    out: dict[GroupKey, ScriptPool] = {}
    for (_, name), keys in by_script.items():
        if len(keys) < 2:
            continue
        holders: dict[str, list[GroupKey]] = {}
        for k in keys:
            for method in groups[k]:
                holders.setdefault(method, []).append(k)
        methods: dict[str, list[Run]] = {}
        for k in keys:
            for method, runs in groups[k].items():
                others = holders[method]
                methods[method if len(others) == 1 else
                        f"{method} [{_what_differs(k, others)}]"] = list(runs)
        num_runs = sum(len(lst) for lst in methods.values())
        pool = ScriptPool(f"{name} ({num_runs} runs in {len(keys)} groups)", tuple(keys), methods)
        for k in keys:
            out[k] = pool
    return out


def default_instances(runs: Iterable[Run]) -> dict[str, set[str]]:
    """The default instance types the simulated runs of each method (by the runs' label)
    recorded (``metadata.json["syne_mohb"]["default_instance"]``): what
    :func:`~syne_mohb.experiments.methods.hardware_logic` names for the methods fixed to it."""
    out: dict[str, set[str]] = {}
    for r in runs:
        if r.info.get("default_instance"):
            out.setdefault(r.label, set()).add(str(r.info["default_instance"]))
    return out


def _bench_folder(run: Run) -> str:
    """The ``syne-mohb bench`` output folder of a simulated run
    (``<output>/<benchmark>/<task>/<method>/seed-<k>``), else its parent folder."""
    from syne_mohb.blackboxes.repository import label as benchmark_label

    p = run.path
    layout = (benchmark_label(str(run.info.get("benchmark"))), str(run.info.get("task")),
              run.label)
    if len(p.parents) > 3 and (p.parents[2].name, p.parents[1].name, p.parent.name) == layout:
        return str(p.parents[3])
    return str(p.parent)


def _seed_folders(runs: list[Run]):
    """None if no method repeats a seed among ``runs`` (one group), else what tells the repeats
    apart: the runs' ``bench`` output folder, else their parent folder, else their folder."""
    def repeats(folder_of) -> bool:
        seen = [(folder_of(r), r.label, r.info.get("seed")) for r in runs]
        return len(set(seen)) < len(seen)

    if not repeats(lambda r: ""):
        return None
    for folder_of in (_bench_folder, lambda r: str(r.path.parent)):
        if not repeats(folder_of):
            return folder_of
    return lambda r: str(r.path)


def _base_label(key: GroupKey, methods: dict[str, list[Run]]) -> str:
    if key.source == "benchmark":
        from syne_mohb.blackboxes.repository import label as benchmark_label

        name = benchmark_label(key.name)  # a user's folder by its folder name
        return f"{name} / {key.task}" if key.task not in ("", "-") else name
    runs = [r for lst in methods.values() for r in lst]
    if len(runs) == 1:
        return runs[0].path.name
    return f"{key.name} ({len(runs)} runs)"


def _but_space(key: GroupKey) -> tuple:
    return (key.source, key.name, key.objectives, key.modes, key.parameters, key.folder)


def group_labels(groups: dict[GroupKey, dict[str, list[Run]]]) -> dict[GroupKey, str]:
    """A distinct, readable name per group: ``benchmark / task`` for simulated runs, the run's
    folder name for a group of one run, ``entry point (n runs)`` otherwise; groups that would
    share a name get what tells them apart appended: their entry point (or folder), their
    objectives, the run parameters that differ (e.g. ``budget 5 s``), the runs' folder, else a
    search-space number."""
    base = {k: _base_label(k, m) for k, m in groups.items()}
    labels = dict(base)
    names = list(base.values())
    for name in {v for v in names if names.count(v) > 1}:
        keys = [k for k in groups if base[k] == name]
        spaces: dict[tuple, list[str]] = {}
        for k in keys:
            spaces.setdefault(_but_space(k), []).append(k.space)
        for k in keys:
            parts = []
            if len({(o.source, o.name) for o in keys}) > 1:
                parts.append(f"{k.source} {k.name}")
            if len({(o.objectives, o.modes) for o in keys}) > 1:
                parts.append(f"objectives {', '.join(k.objectives)}")
            differ = [n for n, _ in k.parameters
                      if len({dict(o.parameters).get(n) for o in keys}) > 1]
            parts += [_parameter_text(n, dict(k.parameters)[n]) for n in differ]
            if len({o.folder for o in keys}) > 1:
                parts.append(f"runs in {k.folder}")
            same = spaces[_but_space(k)]
            if len(same) > 1:
                parts.append(f"search space {same.index(k.space) + 1}")
            labels[k] = f"{name} [{'; '.join(parts)}]"
    return labels


def describe_group(key: GroupKey, methods: dict[str, list[Run]], root: str | Path | None = None
                   ) -> str:
    """One line: why these runs are compared with each other, and which runs they are."""
    objectives = ", ".join(f"{o} ({m})" for o, m in zip(key.objectives, key.modes))
    if key.source == "benchmark":
        params = dict(key.parameters)
        shown = [_parameter_text(n, params[n]) for n in ("budget_s", "n_workers", "max_trials",
                                                         "startup", "simulator")
                 if params.get(n, "null") != "null"]
        why = f"benchmark {key.name}, task {key.task}, objectives {objectives}" + \
            "".join(f", {p}" for p in shown) + (f", runs in {key.folder}" if key.folder else "")
    else:
        where = (f"entry point {key.name}" if key.source == "entry point"
                 else f"runs in folder {key.name} (no entry point recorded)")
        several = sum(len(lst) for lst in methods.values()) > 1
        space = ("no search space recorded" if not key.space
                 else "the same search space" if several else "its search space")
        why = f"{where}, objectives {objectives}, {space}"

    def name(r: Run) -> str:
        if root is not None:
            try:
                rel = str(r.path.relative_to(root))
            except ValueError:
                return r.path.name
            return r.path.name if rel == "." else rel
        return r.path.name

    parts = []
    for method, lst in methods.items():
        if key.source == "benchmark":
            parts.append(f"{method} ({len(lst)} seed{'s' if len(lst) != 1 else ''})")
        else:
            shown = ", ".join(name(r) for r in lst[:4]) + (" ..." if len(lst) > 4 else "")
            parts.append(f"{method} ({len(lst)} run{'s' if len(lst) != 1 else ''}: {shown})")
    return f"{why}; {'; '.join(parts)}"


def summarize(runs: Sequence[Run], num_points: int = 60) -> pd.DataFrame:
    """One row per (group, method) of :func:`group_runs` (``group``: :func:`group_labels`):
    seeds, trials, best value of the first objective, final hypervolume (mean and std over
    seeds, one normalisation per group: :func:`syne_mohb.experiments.metrics.normalizer_for`),
    dollars spent, tuning time."""
    rows = []
    groups = group_runs(runs)
    labels = group_labels(groups)
    for key, methods in groups.items():
        all_runs = [r for lst in methods.values() for r in lst]
        norm = metrics.normalizer_for(all_runs)
        t_max = max(float(r.results["st_tuner_time"].max()) for r in all_runs if len(r.results))
        for method, lst in methods.items():
            hv = np.array([metrics.final_hypervolume(r, norm) for r in lst])
            first = lst[0].objectives[0]
            best = np.array([metrics.best_value(r, first, lst[0].modes[0]) for r in lst])
            dollars = np.array([r.dollars_spent()[-1] if len(r.results) else np.nan for r in lst])
            rows.append({
                "group": labels[key], "method": method, "seeds": len(lst),
                "trials": float(np.mean([r.results["trial_id"].nunique() for r in lst])),
                f"best_{first}": float(np.nanmean(best)),
                f"best_{first}_std": float(np.nanstd(best)),
                "hypervolume": float(np.mean(hv)), "hypervolume_std": float(np.std(hv)),
                "dollars_spent": float(np.nanmean(dollars)),
                "tuning_time_s": t_max,
            })
    return pd.DataFrame(rows)
