"""Convert finished Syne Tune experiments into hardware-aware offline evaluations.

Input: experiments whose configurations have an ``instance_type`` dimension, each given as a folder
holding Syne Tune's ``results.csv.zip`` (or ``results.csv``) and ``metadata.json``, or as a
``syne_tune.experiments.ExperimentResult``. Each experiment is one task (name from ``task_names``,
else the folder / tuner name). Every distinct configuration becomes one row; repeated runs of a
configuration become seeds. Output: ``{task: BlackboxTabular}`` with objectives
``objectives + [runtime, cost]`` (cumulative seconds and dollars per fidelity), serialized with
Syne Tune's ``serialize`` when ``out_dir`` is given.

Cost comes from the ``cost_attr`` column when present (``st_worker_cost``), else from the runtime
and the instance type's price in ``syne_mohb.hardware.load_catalog()``
(:func:`syne_mohb.hardware.dollar_cost`). Fidelities a trial did not reach (stopped early) and
configurations a task did not run are NaN: converted data is a record of what ran, not a
complete table. A trial moved to another instance type mid-run (MO-ASHA's promotion with the
hardware policy: ``segment_instance_type`` changes) keeps its results up to the move, the epochs
it trained on its first type: its later ones ran on another type (a log line counts them).

The configuration space is the experiments' (``config_space`` in their ``metadata.json``):
where their spaces differ, a categorical holding the others' values, else the union of their
categories; other differing domains are an error (pass ``config_space``).

The serialized metadata records each objective's mode (``metric_mode``) and scale
(``metric_log``, see :mod:`syne_mohb.blackboxes.repository`): the given objectives are linear
unless ``metric_log`` says otherwise; runtime and cost are log10-scaled when every converted
value of theirs is positive (a run on a free local profile has zero cost: linear then).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from syne_mohb.hardware.catalog import SEGMENT_INSTANCE_TYPE

INSTANCE_TYPE = "instance_type"
#: the objectives ``from_experiments`` writes itself (from ``runtime_attr`` and ``cost_attr``)
WRITTEN_OBJECTIVES = ("runtime", "cost")

logger = logging.getLogger(__name__)


def _read_experiment(exp: Any) -> tuple[str, pd.DataFrame, dict]:
    if hasattr(exp, "results") and hasattr(exp, "metadata"):
        if exp.results is None:
            raise ValueError(f"experiment {getattr(exp, 'name', exp)!r} has no results")
        return str(getattr(exp, "name", "experiment")), exp.results, dict(exp.metadata or {})
    if not isinstance(exp, (str, Path)):
        raise ValueError(f"experiments must hold experiment folders (str or Path) or "
                         f"ExperimentResult objects, got {type(exp).__name__} {exp!r}")
    path = Path(exp).expanduser()
    if not path.is_dir():
        raise ValueError(f"experiment path {path} is not a folder")
    meta_path = path / "metadata.json"
    if not meta_path.is_file():
        inner = sorted(p.name for p in path.iterdir() if (p / "metadata.json").is_file())
        hint = (f"; it holds experiment folders {inner[:5]}: pass those, one per task"
                if inner else "")
        raise FileNotFoundError(f"experiment folder {path} lacks metadata.json{hint}")
    try:
        metadata = json.loads(meta_path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"corrupt file {meta_path}: {e}") from e
    for fname in ("results.csv.zip", "results.csv"):
        if (path / fname).is_file():
            try:
                results = pd.read_csv(path / fname)
            except Exception as e:
                raise ValueError(f"corrupt file {path / fname}: {e}") from e
            break
    else:
        raise FileNotFoundError(f"experiment folder {path} lacks results.csv.zip")
    return path.name, results, metadata


def _merged_space(spaces: list[tuple[str, dict]]) -> dict:
    """One configuration space of the experiments' ``[(experiment, space)]``: a
    hyperparameter's domain where they agree; where they differ, the categorical whose
    categories hold the others' (whatever the experiments' order), else for plain categoricals
    the union of their categories (sorted when they compare). Any other difference is a
    ``ValueError`` naming the experiment and the hyperparameter. O(experiments x categories)."""
    from syne_tune.config_space import Categorical, choice

    merged, source = {}, {}
    for exp_name, space in spaces:
        for name, domain in space.items():
            first = merged.get(name)
            if first is None:
                merged[name], source[name] = domain, exp_name
                continue
            if domain == first:
                continue
            if isinstance(first, Categorical) and type(first) is type(domain):
                have, new = list(first.categories), list(domain.categories)
                if set(new) <= set(have):
                    continue
                if set(have) <= set(new):
                    merged[name] = domain
                    continue
                if type(first) is Categorical:
                    union = have + [c for c in new if c not in have]
                    try:
                        union = sorted(union)
                    except TypeError:  # categories of several kinds: in the order seen
                        pass
                    merged[name] = choice(union)
                    continue
            raise ValueError(
                f"experiment {exp_name!r} has config_space[{name!r}] = {domain}, experiment "
                f"{source[name]!r} has {first}: they cannot be merged (only categoricals of one "
                f"kind are); pass config_space=... with one domain for {name!r} that holds "
                f"the values of every experiment")
    return merged


def from_experiments(
    experiments: Sequence[Any],
    objectives: Sequence[str],
    metric_mode: Sequence[str] | None = None,
    config_space: dict | None = None,
    fidelity_attr: str = "epoch",
    runtime_attr: str = "st_worker_time",
    cost_attr: str = "st_worker_cost",
    task_names: Sequence[str] | None = None,
    out_dir: str | Path | None = None,
    catalog: Any = None,
    metric_log: Sequence[bool] | None = None,
) -> dict:
    """Turn finished experiments into ``{task: BlackboxTabular}`` (see module docstring).

    :param experiments: experiment folders or ``ExperimentResult`` objects, one per task (one
        folder: a list of one)
    :param objectives: reported metric columns to keep (e.g. ``["accuracy"]``; one name: a list
        of one), not ``runtime`` or ``cost``: those are written from ``runtime_attr`` and
        ``cost_attr``
    :param metric_mode: "min"/"max" per objective (stored in the metadata), or one for all,
        default all "min"
    :param config_space: configuration space, one domain per hyperparameter of the
        experiments' configurations; default from the experiments' ``metadata.json``
        (``config_space`` key written by the Tuner; differing categoricals merged, see the
        module docstring), else choices of the values seen
    :param fidelity_attr: result column of the resource level (integers >= 1, e.g. epochs)
    :param runtime_attr: result column of the trial's cumulative time (seconds)
    :param cost_attr: result column of the trial's cumulative cost; computed from prices if absent
    :param out_dir: when given, also ``serialize`` there (readable by ``load(out_dir)``)
    :param metric_log: whether each objective is compared on a log10 scale (stored in the
        metadata), default all linear
    """
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular, serialize
    from syne_tune.config_space import choice, randint

    from syne_mohb.pareto import normalize_modes

    if isinstance(experiments, (str, Path)):  # one folder, not its letters
        experiments = [experiments]
    if not experiments:
        raise ValueError("experiments must not be empty")
    objectives = [objectives] if isinstance(objectives, str) else list(objectives)
    if not objectives:
        raise ValueError("objectives must not be empty")
    written = [o for o in objectives if o in WRITTEN_OBJECTIVES]
    if written:
        raise ValueError(
            f"objectives {written}: from_experiments writes 'runtime' and 'cost' itself (from "
            f"{runtime_attr!r} and {cost_attr!r}, see runtime_attr and cost_attr); leave them "
            f"out of objectives (or rename those result columns to keep them too)")
    if len(set(objectives)) != len(objectives):
        raise ValueError(f"objectives must name each metric once, got {objectives}")
    if metric_mode is not None:
        metric_mode = normalize_modes(metric_mode, len(objectives), name="metric_mode",
                                      metrics=objectives)
    if metric_log is not None and (isinstance(metric_log, (bool, str))
                                   or not hasattr(metric_log, "__len__")
                                   or len(metric_log) != len(objectives)
                                   or not all(isinstance(v, bool) for v in metric_log)):
        raise ValueError(f"metric_log must have one true/false per objective, got {metric_log!r}")
    if task_names is not None and len(task_names) != len(experiments):
        raise ValueError("task_names must have one entry per experiment")
    if out_dir is not None and Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ValueError(f"out_dir={str(out_dir)!r} is a file: pass a folder to write the "
                         f"blackbox to")

    loaded = [_read_experiment(e) for e in experiments]
    names = list(task_names) if task_names is not None else [n for n, _, _ in loaded]
    if len(set(names)) != len(names):
        raise ValueError(f"task names must be unique, got {names}")

    frames, hp_names, spaces = [], None, []
    for (exp_name, df, meta), task in zip(loaded, names):
        cfg_cols = [c for c in df.columns if c.startswith("config_")]
        hps = [c[len("config_"):] for c in cfg_cols]
        if INSTANCE_TYPE not in hps:
            raise ValueError(f"experiment {exp_name!r} has no config_{INSTANCE_TYPE} column")
        needed = ["trial_id", fidelity_attr, runtime_attr] + objectives
        missing = [c for c in needed if c not in df.columns]
        if missing:
            raise ValueError(f"experiment {exp_name!r} results lack columns {missing}")
        if df[fidelity_attr].notna().sum() == 0:
            raise ValueError(f"experiment {exp_name!r} has no results (no row with a "
                             f"{fidelity_attr!r}): let it report at least one, or leave it out")
        fid = pd.to_numeric(df[fidelity_attr], errors="coerce").dropna()
        if len(fid) < df[fidelity_attr].notna().sum() or (fid < 1).any() \
                or (fid != fid.round()).any():
            bad = df[fidelity_attr].dropna()
            bad = bad[~bad.isin(fid[(fid >= 1) & (fid == fid.round())])].unique()[:5].tolist()
            raise ValueError(f"experiment {exp_name!r}: fidelity_attr={fidelity_attr!r} must "
                             f"hold integers >= 1 (epochs), got {bad}; pass the result column "
                             f"that counts the resource as fidelity_attr")
        for col in objectives + [runtime_attr]:
            values = pd.to_numeric(df[col], errors="coerce")
            bad = df.loc[values.isna() & df[col].notna(), col].unique()[:5].tolist()
            if bad:
                raise ValueError(f"experiment {exp_name!r}: column {col!r} holds values that "
                                 f"are not numbers, e.g. {bad}; convert numeric metrics only")
        nan_hp = [h for h in cfg_cols if df[h].isna().any()]
        if nan_hp:
            trials = df.loc[df[nan_hp].isna().any(axis=1), "trial_id"].unique()[:5].tolist()
            raise ValueError(f"experiment {exp_name!r}: hyperparameters "
                             f"{[h[len('config_'):] for h in nan_hp]} have no value in trials "
                             f"{trials} (a conditional space?); every configuration needs a "
                             f"value of each: fill them in results.csv.zip or leave those "
                             f"trials out")
        if hp_names is None:
            hp_names = hps
        elif set(hps) != set(hp_names):
            raise ValueError(f"experiment {exp_name!r} has hyperparameters {hps}, "
                             f"others {hp_names}")
        df = df.rename(columns=dict(zip(cfg_cols, hps))).copy()
        if cost_attr not in df.columns or df[cost_attr].isna().all():
            if catalog is None:
                from syne_mohb.hardware import load_catalog

                catalog = load_catalog()
            prices = {}
            for it in df[INSTANCE_TYPE].unique():
                try:
                    prices[it] = catalog.price_per_hour(it)
                except ValueError as e:
                    bad = df.loc[df[INSTANCE_TYPE] == it, "trial_id"].unique()[:5].tolist()
                    raise ValueError(f"experiment {exp_name!r}, trials {bad}: {e}") from e
            from syne_mohb.hardware import dollar_cost

            seconds = pd.to_numeric(df[runtime_attr], errors="coerce").to_numpy(dtype=float)
            df[cost_attr] = [dollar_cost(t, prices[it]) if np.isfinite(t) else np.nan
                             for t, it in zip(seconds, df[INSTANCE_TYPE])]
        df["__task"] = task
        if config_space is None and isinstance(meta.get("config_space"), (str, dict)):
            from syne_tune.config_space import config_space_from_json_dict

            cs = meta["config_space"]
            try:
                cs = json.loads(cs) if isinstance(cs, str) else cs
                spaces.append((exp_name, {k: v for k, v in config_space_from_json_dict(cs).items()
                                          if k in hps}))
            except Exception:
                pass
        frames.append(df)
    if config_space is not None and not spaces and set(config_space) != set(hp_names):
        raise ValueError(f"config_space has hyperparameters {sorted(config_space)}, the "
                         f"experiments' configurations {sorted(hp_names)}: pass one domain "
                         f"for each of those")
    if config_space is None and spaces:
        config_space = _merged_space(spaces)
    all_df = pd.concat(frames, ignore_index=True)
    all_df = all_df.dropna(subset=[fidelity_attr])
    all_df[fidelity_attr] = all_df[fidelity_attr].astype(int)
    # a trial moved to another type mid-run: its results from the move on are not its first
    # type's (they ran on another one, after epochs on the first): keep those before the move
    ran_on = all_df[INSTANCE_TYPE]
    if SEGMENT_INSTANCE_TYPE in all_df.columns:
        ran_on = all_df[SEGMENT_INSTANCE_TYPE].where(all_df[SEGMENT_INSTANCE_TYPE].notna(), ran_on)
    ran_on, trial = ran_on.astype(str), [all_df["__task"], all_df["trial_id"]]
    moved = (ran_on != ran_on.groupby(trial).transform("first")).astype(int)
    moved = moved.groupby(trial).cummax().astype(bool)
    if moved.any():
        counts = all_df.loc[moved, ["__task", "trial_id"]].drop_duplicates()["__task"]
        for task, n in counts.value_counts(sort=False).items():
            logger.warning(
                f"from_experiments: task {task!r}: {n} trials moved to another instance type "
                f"mid-run; kept their results up to the move (the epochs on their first type)")
        all_df = all_df[~moved]
    if SEGMENT_INSTANCE_TYPE in all_df.columns:
        # each kept result on the type that trained it (its trial's first type): a line a
        # segment printed can be read after the trial moved, with the new type in its config
        all_df = all_df.assign(**{INSTANCE_TYPE: ran_on[~moved]})
    fidelities = np.arange(1, int(all_df[fidelity_attr].max()) + 1)

    configs = all_df[hp_names].drop_duplicates().sort_values(hp_names).reset_index(drop=True)
    key_of = {tuple(r): i for i, r in enumerate(configs.itertuples(index=False, name=None))}
    if config_space is None or set(config_space) != set(hp_names):
        config_space = {h: choice(sorted(configs[h].unique().tolist())) for h in hp_names}
    # seeds: the k-th run of a configuration within a task
    runs = all_df.groupby(["__task", "trial_id"], sort=False).first().reset_index()
    runs["__cfg"] = [key_of[tuple(r)] for r in runs[hp_names].itertuples(index=False, name=None)]
    runs["__seed"] = runs.groupby(["__task", "__cfg"]).cumcount()
    n_seeds = int(runs["__seed"].max()) + 1
    out_names = objectives + ["runtime", "cost"]
    fid_idx = {int(f): i for i, f in enumerate(fidelities)}
    blackboxes = {}
    for task in names:
        ev = np.full((len(configs), n_seeds, len(fidelities), len(out_names)), np.nan)
        tdf = all_df[all_df["__task"] == task]
        truns = runs[runs["__task"] == task].set_index("trial_id")
        for trial_id, g in tdf.groupby("trial_id"):
            c, s = int(truns.loc[trial_id, "__cfg"]), int(truns.loc[trial_id, "__seed"])
            g = g.sort_values(fidelity_attr).drop_duplicates(fidelity_attr, keep="last")
            for _, row in g.iterrows():
                f = fid_idx[int(row[fidelity_attr])]
                ev[c, s, f, : len(objectives)] = row[objectives].to_numpy(dtype=float)
                ev[c, s, f, -2] = row[runtime_attr]
                ev[c, s, f, -1] = row[cost_attr]
        blackboxes[task] = BlackboxTabular(
            hyperparameters=configs,
            configuration_space=config_space,
            fidelity_space={fidelity_attr: randint(1, int(fidelities[-1]))},
            objectives_evaluations=ev.astype(np.float32),
            fidelity_values=fidelities,
            objectives_names=out_names,
        )
    if out_dir is not None:
        modes = list(metric_mode) if metric_mode is not None else ["min"] * len(objectives)
        logs = list(metric_log) if metric_log is not None else [False] * len(objectives)
        for j in (-2, -1):  # runtime, cost: log10 when every converted value is positive
            values = np.concatenate([bb.objectives_evaluations[..., j].ravel()
                                     for bb in blackboxes.values()])
            values = values[np.isfinite(values)]
            logs.append(bool(len(values) and values.min() > 0))
        serialize(
            blackboxes,
            str(out_dir),
            metadata={
                "family": "converted",
                "metric_mode": dict(zip(out_names, modes + ["min", "min"])),
                "metric_log": dict(zip(out_names, logs)),
                "fidelity": fidelity_attr,
                "elapsed_time_attr": "runtime",
                "cost_attr": "cost",
                "instance_type_attr": INSTANCE_TYPE,
                "measured_columns": out_names if cost_attr in all_df else objectives + ["runtime"],
                "modelled_columns": [],
                "source_experiments": [n for n, _, _ in loaded],
                "nan_means": "fidelity not reached or configuration not run in that task",
            },
        )
    return blackboxes
