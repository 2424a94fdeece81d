"""``syne-mohb report`` on folders a user points it at (issue 23, items 1-5 and 8): runs of
different objectives or scripts in one folder, an unknown baseline, the Pareto rows printed and
written, an output path that is a file, and the one rule for a method that misses the target.

The local runs are written as Syne Tune 0.16's ``Tuner`` writes a ``LocalBackend`` run of our
MO-ASHA (``test_report_tables.write_local_run``); the target comparison uses small hand-made
runs of a benchmark-like group, so that which seeds reach the target is known.
"""
import json

import numpy as np
import pandas as pd
import pytest
from test_report_tables import write_local_run

from syne_mohb.cli import main
from syne_mohb.experiments.analysis import find_runs
from syne_mohb.experiments.metrics import normalizer_from_runs
from syne_mohb.experiments.report import make_report


def _report(argv: list[str]) -> int:
    """``syne-mohb report ARGV --no-plots``: the tables these tests read, without the PNG plots
    (``test_no_plots_writes_the_same_tables`` checks that they are the same tables)."""
    return main(["report", *argv, "--no-plots"])


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


# ------------------------------------------------------------------ items 1 and 2: groups
@pytest.fixture()
def mixed_folder(tmp_path):
    """What ~/syne-tune holds after a local-profile run and moasha_local_digits.py's run: two
    scripts, two lists of objectives, in one folder (the profile run sorts first)."""
    root = tmp_path / "syne-tune"
    write_local_run(root, "a-profile-run", entrypoint="train_digits_hw",
                    metrics=["accuracy", "st_worker_cost", "st_worker_time"])
    write_local_run(root, "b-digits-run", with_cost=False)
    return root


def test_report_of_runs_with_different_objectives(mixed_folder, tmp_path, capsys):
    """Item 1: it crashed with KeyError "['st_worker_cost'] not in index"."""
    assert _report([str(mixed_folder), "--output", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert ("Pareto set a-profile-run (MOASHA) (" in out
            and "Pareto set b-digits-run (MOASHA) (" in out)
    summary = pd.read_csv(tmp_path / "rep" / "summary.csv")
    assert sorted(summary["group"]) == ["a-profile-run", "b-digits-run"]
    assert (summary["seeds"] == 1).all()  # not pooled as 2 seeds of one method


def test_one_normalisation_needs_one_list_of_objectives(mixed_folder):
    runs = find_runs(mixed_folder)
    with pytest.raises(ValueError, match="have different objectives .* separate groups"):
        normalizer_from_runs(runs)


def test_runs_are_grouped_by_entry_point_objectives_and_search_space(tmp_path, capsys):
    """Item 2: runs of other scripts, objectives or search spaces are not seeds of one method;
    repeats of one script with the same objectives and space are; the report says so."""
    from syne_mohb.experiments.analysis import group_labels, group_runs

    root = tmp_path / "runs"
    same = [write_local_run(root, f"digits-{k}") for k in range(2)]
    other_script = write_local_run(root, "ray-run", entrypoint="train_ray")
    other_space = write_local_run(root, "digits-27-epochs", epochs=27)
    groups = group_runs(find_runs(root))
    labels = group_labels(groups)
    members = {labels[k]: sorted(r.path.name for lst in m.values() for r in lst)
               for k, m in groups.items()}
    assert sorted(members.values()) == sorted([[p.name for p in same], [other_script.name],
                                               [other_space.name]])
    assert len(set(labels.values())) == 3

    assert _report([str(root), "--output", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    block = out.split("Groups (")[1].split("\n\n")[0]
    assert "entry point train_digits, objectives accuracy (max), elapsed_time (min), " \
           "st_worker_cost (min), the same search space; " \
           "MOASHA (2 runs: digits-0, digits-1)" in block
    assert "entry point train_ray" in block and "MOASHA (1 run: ray-run)" in block
    summary = pd.read_csv(tmp_path / "rep" / "summary.csv")
    assert sorted(summary["seeds"]) == [1, 1, 2]


def test_html_report_draws_one_pareto_set_per_group(mixed_folder):
    """Item 2, HTML: a local-profile run and a run of another script are two groups of the
    page, each with its own Pareto set."""
    from syne_mohb.experiments.html_report import report_data

    data = report_data(find_runs(mixed_folder), root=mixed_folder)
    assert [g["label"] for g in data["groups"]] == ["a-profile-run", "b-digits-run"]
    assert all(len(g["runs"]) == 1 for g in data["groups"])
    assert "entry point train_digits_hw" in data["groups"][0]["description"]


# ------------------------------------------------------------------ item 3: baseline
def test_unknown_baseline_is_an_error_listing_the_valid_ones(tmp_path, capsys):
    root = tmp_path / "runs"
    write_local_run(root, "digits-0")
    out = tmp_path / "rep"
    assert _report([str(root), "--baseline", "ashaa", "--output", str(out)]) == 2
    err = one_line_error(capsys)
    assert "unknown baseline 'ashaa'" in err and "valid baselines: MOASHA" in err
    assert not out.exists()  # stopped before writing anything


# ------------------------------------------------------------------ item 4: rows
def test_pareto_rows_printed_and_written(tmp_path, capsys):
    root = tmp_path / "runs"
    run = write_local_run(root, "digits-0")  # 7 models on the Pareto set
    assert _report([str(root), "--output", str(tmp_path / "rep"), "--rows", "3"]) == 0
    out = capsys.readouterr().out
    csv = tmp_path / "rep" / f"{run.name}__pareto.csv"
    assert f"Pareto set {run.name} (MOASHA) (3 of 7 shown; all in {csv}):" in out
    table = out.split(f"Pareto set {run.name}")[1].split("\n\n")[0].splitlines()[2:]
    assert len(table) == 3
    assert len(pd.read_csv(csv)) == 7
    assert _report([str(root), "--output", str(tmp_path / "rep"), "--rows", "0"]) == 2
    assert one_line_error(capsys) == ("syne-mohb report: error: "
                                      "--rows must be an integer >= 1, got 0")


def test_make_report_returns_whole_pareto_tables(tmp_path):
    root = tmp_path / "runs"
    run = write_local_run(root, "digits-0")
    rep = make_report(root, out_dir=tmp_path / "rep", plots=False)
    key = f"{run.name} (MOASHA)"
    assert len(rep["pareto"][key]) == 7 == len(pd.read_csv(rep["pareto_csv"][key]))


# ------------------------------------------------------------------ item 5: output is a file
@pytest.mark.parametrize("where", ["file", "below a file"])
def test_output_that_is_a_file_is_a_one_line_error(tmp_path, capsys, where):
    root = tmp_path / "runs"
    write_local_run(root, "digits-0")
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    output = blocker if where == "file" else blocker / "report"
    assert _report([str(root), "--output", str(output)]) == 2
    err = one_line_error(capsys)
    assert err.startswith(f"syne-mohb report: error: --output {output} ")
    assert "is a file, not a folder" in err
    assert blocker.read_text() == "keep me"


# ------------------------------------------------------------------ item 8: one rule
def _toy_run(root, method, seed, accuracies, budget=10.0, task="t"):
    """A run of a benchmark-like group: one trial per accuracy, each 1 s and $0.1 later."""
    n = len(accuracies)
    df = pd.DataFrame({
        "trial_id": np.arange(n), "epoch": 1, "st_tuner_time": np.arange(1.0, n + 1),
        "accuracy": accuracies, "runtime": np.full(n, 2.0), "cost": np.full(n, 0.1),
        "st_worker_cost": np.full(n, 0.1), "config_x": np.arange(n)})
    folder = root / "toy" / task / method / f"seed-{seed}"
    folder.mkdir(parents=True)
    df.to_csv(folder / "results.csv.zip", index=False)
    info = {"benchmark": "toy", "task": task, "method": method, "seed": seed, "budget_s": budget,
            "objectives": ["accuracy", "runtime", "cost"],
            "objective_modes": ["max", "min", "min"],
            "metric_log": {"accuracy": False, "runtime": False, "cost": False}}
    (folder / "metadata.json").write_text(json.dumps({"syne_mohb": info}))
    return folder


@pytest.fixture()
def target_runs(tmp_path):
    """asha-default reaches 0.9 in both seeds; "late" only in seed 0 (at 4 s); "never" never."""
    root = tmp_path / "runs"
    for seed in (0, 1):
        _toy_run(root, "asha-default", seed, [0.5, 0.9, 0.7])
        _toy_run(root, "late", seed, [0.5, 0.6, 0.7, 0.9] if seed == 0 else [0.5, 0.6])
        _toy_run(root, "never", seed, [0.5, 0.6, 0.7])
    return root


def test_a_method_that_misses_the_target_counts_with_its_whole_budget(target_runs, tmp_path,
                                                                      capsys):
    """Item 8: it was shown as reduction 0 (inf in the CSV); the demo counts the whole budget."""
    assert _report([str(target_runs), "--output", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    per_run = pd.read_csv(tmp_path / "rep" / "time_to_target.csv")
    assert np.isfinite(per_run[["tune_time", "tune_dollars"]].to_numpy()).all()
    never = per_run[per_run["method"] == "never"]
    assert (never["reached"] == 0).all() and (never["tune_time"] == 10.0).all()
    assert np.allclose(never["tune_dollars"], 0.3)  # everything it spent
    late = per_run[per_run["method"] == "late"].set_index("seed")
    assert late.loc[0, "tune_time"] == 4.0 and late.loc[1, "tune_time"] == 10.0
    ratios = pd.read_csv(tmp_path / "rep" / "time_to_target_ratios.csv").set_index("method")
    # ratio of the means over the paired seeds: asha needs 2 s in both, "never" its 10 s budget
    assert ratios.loc["never", "tune_time"] == pytest.approx(2.0 / 10.0)
    assert ratios.loc["late", "tune_time"] == pytest.approx(2.0 / 7.0)
    assert ratios.loc["late", "reached"] == 1 and ratios.loc["never", "reached"] == 0
    assert "ratio of the means over paired seeds" in out and "median" not in out
    assert "a run that never reached it counts with its whole budget" in out


def test_report_pairs_every_method_with_a_peer_at_the_baselines_target(target_runs, tmp_path,
                                                                       capsys):
    """``report --versus PEER``: at the baseline's target, mean(PEER) / mean(method) over the
    paired seeds for every other method (the baseline too), printed and in
    ``time_to_target_versus.csv``; an unknown peer is one line naming the valid ones."""
    rep = tmp_path / "rep"
    assert _report([str(target_runs), "--output", str(rep), "--versus", "never"]) == 0
    out = capsys.readouterr().out
    assert "Against never, at the same targets" in out
    versus = pd.read_csv(rep / "time_to_target_versus.csv").set_index("method")
    assert sorted(versus.index) == ["asha-default", "late"]
    assert (versus["peer"] == "never").all() and (versus["baseline"] == "asha-default").all()
    # "never" spends its whole 10 s in both seeds; "late" needs 4 s and 10 s, asha 2 s and 2 s
    assert versus.loc["late", "tune_time"] == pytest.approx(10.0 / 7.0)
    assert versus.loc["asha-default", "tune_time"] == pytest.approx(10.0 / 2.0)
    assert versus.loc["late", "tune_time_low"] <= versus.loc["late", "tune_time"]
    assert _report([str(target_runs), "--output", str(rep), "--versus", "lat"]) == 2
    assert ("unknown peer 'lat' (did you mean 'late'?): it is not a method of these runs; "
            "valid peers: asha-default, late, never") in capsys.readouterr().err
    # the baseline as the peer would repeat the first table
    for extra in (["--versus", "asha-default"], ["--baseline", "late", "--versus", "late"]):
        assert _report([str(target_runs), "--output", str(rep)] + extra) == 2
        assert "is the baseline: every method's ratios against it" in one_line_error(capsys)


def test_without_the_default_baseline_the_report_says_how_to_compare(target_runs, tmp_path,
                                                                     capsys):
    """Runs without ``asha-default`` (e.g. ``bench --methods moasha,st-moasha-fixed,asha-p3``)
    had no time / dollars comparison and no word why: one line names the missing baseline and
    the methods ``--baseline`` can take."""
    import shutil

    shutil.rmtree(target_runs / "toy" / "t" / "asha-default")
    assert _report([str(target_runs), "--output", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert ("No time / dollars comparison: no group holds the baseline 'asha-default'; "
            "--baseline names another, one of: late, never") in out
    assert _report([str(target_runs), "--output", str(tmp_path / "rep"),
                    "--baseline", "late"]) == 0
    out = capsys.readouterr().out
    assert "No time / dollars comparison" not in out and "Time / dollars to reach" in out


def test_the_html_page_shows_the_same_comparison(target_runs, tmp_path, capsys):
    """``report --html --baseline / --versus``: the page holds the text report's numbers (one
    computation, :func:`~syne_mohb.experiments.report.comparison_tables`): per method the runs
    that reached the target, the means and the ratios against the baseline and the peer, and
    the medians over a benchmark's tasks; an unknown name is one line, before any page."""
    import re

    for seed in (0, 1):  # a second task of the benchmark: the medians over tasks
        _toy_run(target_runs, "asha-default", seed, [0.9, 0.5], task="u")
        _toy_run(target_runs, "late", seed, [0.5, 0.9], task="u")
        _toy_run(target_runs, "never", seed, [0.5, 0.6], task="u")
    page = tmp_path / "page.html"
    assert main(["report", str(target_runs), "--html", "--output", str(page),
                 "--baseline", "asha-default", "--versus", "never"]) == 0
    capsys.readouterr()
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                     page.read_text(encoding="utf-8"), re.S).group(1)
    data = json.loads(blob)
    group = next(g for g in data["groups"] if g["label"].endswith("/ t"))
    cmp = group["comparison"]
    assert cmp["baseline"] == "asha-default" and cmp["versus"] == "never"
    assert cmp["target"] == pytest.approx(0.895)
    rows = {r["method"]: r for r in cmp["rows"]}
    assert sorted(rows) == ["asha-default", "late", "never"]
    late = rows["late"]
    assert (late["reached"], late["seeds"]) == (1, 2)
    assert late["means"]["tune_time"] == pytest.approx(7.0)  # 4 s and its whole 10 s budget
    # the page's numbers have 6 significant digits
    assert late["vs_baseline"]["tune_time"][0] == pytest.approx(2.0 / 7.0, rel=1e-5)
    assert late["vs_peer"]["tune_time"][0] == pytest.approx(10.0 / 7.0, rel=1e-5)
    assert rows["asha-default"]["vs_baseline"] is None and rows["never"]["vs_peer"] is None
    # the text report's CSV files hold the same numbers
    rep = tmp_path / "rep"
    assert _report([str(target_runs), "--output", str(rep), "--versus", "never"]) == 0
    capsys.readouterr()
    versus = pd.read_csv(rep / "time_to_target_versus.csv")
    row = versus[(versus["group"] == group["label"]) & (versus["method"] == "late")].iloc[0]
    assert late["vs_peer"]["tune_time"] == pytest.approx(
        [row["tune_time"], row["tune_time_low"], row["tune_time_high"]], rel=1e-5)
    over = pd.read_csv(rep / "time_to_target_over_tasks.csv")
    assert len(data["over_tasks"]) == len(over) > 0
    first = data["over_tasks"][0]
    assert first["benchmark"] == over["group"].iloc[0] == "toy (2 tasks)"
    assert first["ratios"]["tune_time"][0] == pytest.approx(over["tune_time"].iloc[0], rel=1e-5)

    assert main(["report", str(target_runs), "--html", "--output", str(tmp_path / "x.html"),
                 "--versus", "lat"]) == 2
    assert "unknown peer 'lat' (did you mean 'late'?)" in one_line_error(capsys)
    assert not (tmp_path / "x.html").exists()


def test_a_benchmarks_tasks_give_the_median_over_tasks(target_runs, tmp_path, capsys):
    """With two tasks or more of one benchmark (same run parameters), the report also gives
    each method's ratio as the median over the tasks, the seeds resampled together: the
    statistic of compare_methods.py and of the independent benchmarks."""
    from syne_mohb.experiments.metrics import target_measures, target_ratios
    from syne_mohb.experiments.analysis import load_run

    for seed in (0, 1):  # task "u": "late" reaches 0.9 at 2 s in both seeds, "never" never
        _toy_run(target_runs, "asha-default", seed, [0.9, 0.5], task="u")
        _toy_run(target_runs, "late", seed, [0.5, 0.9], task="u")
        _toy_run(target_runs, "never", seed, [0.5, 0.6], task="u")
    rep = tmp_path / "rep"
    assert _report([str(target_runs), "--output", str(rep), "--versus", "never"]) == 0
    assert "the median over the tasks of the same ratio" in capsys.readouterr().out
    over = pd.read_csv(rep / "time_to_target_over_tasks.csv")
    assert set(over["group"]) == {"toy (2 tasks)"} and (over["tasks"] == 2).all()
    late = over[(over["peer"] == "asha-default") & (over["method"] == "late")].iloc[0]
    # task t: 2 / 7 (means over the seeds); task u: 1 / 2; the median of two is their mean
    assert late["tune_time"] == pytest.approx((2.0 / 7.0 + 1.0 / 2.0) / 2)
    assert late["reached"] == 1 + 2
    assert late["tune_time_low"] <= late["tune_time"] <= late["tune_time_high"]
    versus = over[over["peer"] == "never"].set_index("method")
    assert sorted(versus.index) == ["asha-default", "late"]
    # one task's table gives what the per-task ratios give
    tables = []
    for task in ("t", "u"):
        runs = {m: [load_run(target_runs / "toy" / task / m / f"seed-{s}") for s in (0, 1)]
                for m in ("asha-default", "late", "never")}
        tables.append(target_measures(runs, "asha-default")[1])
    one = target_ratios(tables[0], "asha-default").set_index("method")
    assert one.loc["late", "tune_time"] == pytest.approx(2.0 / 7.0) and "tasks" not in one
    both = target_ratios(tables, "asha-default").set_index("method")
    assert both.loc["late", "tune_time"] == pytest.approx(late["tune_time"])


def test_demo_and_report_print_the_same_ratios(target_runs, tmp_path, capsys):
    """Item 8: one rule and one statistic in the demo's printout and in the report's."""
    from syne_mohb.cli import _demo_measures
    from syne_mohb.experiments.analysis import load_run
    from syne_mohb.experiments.runner import get_benchmark

    def runs(method):
        return [load_run(target_runs / "toy" / "t" / method / f"seed-{s}") for s in (0, 1)]

    demo = _demo_measures(get_benchmark("linear"), "digits", "late", runs("late"),
                          runs("asha-default"))
    assert _report([str(target_runs), "--output", str(tmp_path / "rep")]) == 0
    report = capsys.readouterr().out
    row = next(line for line in report.splitlines() if " late " in line and "x [" in line)
    for what in ("(a) tuning dollars to the target", "(a) tuning time to the target"):
        value = next(line for line in demo.splitlines() if what in line).split(what)[1].strip()
        assert value in row, (value, row)
    statistic = "ratio of the means over paired seeds"
    assert statistic in demo and statistic in report
    assert "reached the target in 1 of 2 seeds" in demo
    # the found model next to both references: the best draw and training every row once
    best = next(line for line in demo.splitlines() if "(b) best possible" in line)
    once = next(line for line in demo.splitlines() if "trained once" in line)
    assert float(once.split()[-1].rstrip("x")) <= float(best.split()[-1].rstrip("x"))


# ------------------------------------------------------------------ one script, several groups
def _script_run(root, name, scheduler, rows, price, epochs=9):
    """A local-backend run of ``train_digits_hw`` as Syne Tune 0.16's ``Tuner`` writes it
    (``dump_json_with_numpy`` of the scheduler's metadata): ``rows`` are (trial, epoch,
    accuracy, tuner seconds); the trial's worker seconds are its tuner seconds and its dollars
    ``price`` per hour of them, as ``LocalProfileBackend`` reports them."""
    from syne_tune.util import dump_json_with_numpy

    df = pd.DataFrame(rows, columns=["trial_id", "epoch", "accuracy", "st_tuner_time"])
    df["st_worker_time"] = df["st_tuner_time"]
    df["st_worker_cost"] = df["st_worker_time"] * price / 3600
    df["config_lr"], df["config_epochs"] = 0.01, epochs
    folder = root / name
    folder.mkdir(parents=True)
    df.to_csv(folder / "results.csv.zip", index=False)
    meta = {"entrypoint": "train_digits_hw", "backend": "LocalProfileBackend",
            **scheduler.metadata()}
    dump_json_with_numpy(meta, folder / "metadata.json")
    return folder


PRICES = {"local-cpu-1": 0.05, "local-cpu-2": 0.10}


@pytest.fixture()
def script_runs(tmp_path):
    """Syne Tune's ASHA on local-cpu-2 ($0.10/h, accuracy alone) and our MO-ASHA over the
    profiles ($0.05/h here; accuracy, dollars, time) on one script, seeds 0 and 1: two groups.
    ASHA's best accuracies 0.96 and 0.94 set the target 0.945; its seed 1 misses it and counts
    with its 6 s and all it spent; MO-ASHA reaches it at 3 s and at 4 s."""
    from syne_tune.config_space import choice, loguniform
    from syne_tune.optimizer.baselines import ASHA

    from syne_mohb import MOASHA, HardwarePolicy

    root = tmp_path / "syne-tune"
    base = {"lr": loguniform(1e-4, 1e-1), "epochs": 9}
    for seed, rows in ((0, [(0, 1, 0.90, 2.0), (0, 2, 0.94, 4.0), (0, 3, 0.96, 6.0)]),
                       (1, [(0, 1, 0.90, 3.0), (0, 2, 0.94, 6.0)])):
        asha = ASHA({**base, "instance_type": "local-cpu-2"}, metric="accuracy",
                    do_minimize=False, time_attr="epoch", max_t=9, random_seed=seed)
        # written later than MO-ASHA's runs: the seed, not the folder order, pairs them
        _script_run(root, f"z-asha-{seed}", asha, rows, price=0.10)
    for seed, rows in ((1, [(0, 1, 0.50, 2.0), (0, 2, 0.97, 4.0)]),
                       (0, [(0, 1, 0.95, 3.0)])):
        moasha = MOASHA({**base, "instance_type": choice(["local-cpu-1", "local-cpu-2"])},
                        metrics=["accuracy", "st_worker_cost", "st_worker_time"],
                        mode=["max", "min", "min"], time_attr="epoch", max_t=9, random_seed=seed,
                        hardware=HardwarePolicy(prices=PRICES))
        _script_run(root, f"a-moasha-{seed}", moasha, rows, price=0.05)
    return root


def test_one_scripts_groups_are_compared_at_a_target_as_one_pool(script_runs, tmp_path, capsys):
    """ASHA with accuracy alone and MO-ASHA with dollars and time are two groups (no shared
    Pareto set or hypervolume) but one question: which reached the accuracy sooner, for fewer
    dollars. Before, ``report --baseline ASHA`` printed no comparison and no word why."""
    rep = tmp_path / "rep"
    assert _report([str(script_runs), "--output", str(rep), "--baseline", "ASHA"]) == 0
    out = capsys.readouterr().out
    pool = "train_digits_hw (4 runs in 2 groups)"
    assert f"The time / dollars comparison takes one script's runs of several groups " \
           f"together, as {pool}" in out
    per_run = pd.read_csv(rep / "time_to_target.csv")
    assert (per_run["group"] == pool).all()
    assert per_run["target"].iloc[0] == pytest.approx(0.945)
    by = per_run.set_index(["method", "seed"])
    # the scheduler's random_seed pairs the runs (MO-ASHA's folders sort first, seed 1 first)
    assert by.loc[("ASHA", 0), "tune_time"] == 6.0 and by.loc[("ASHA", 1), "reached"] == 0
    assert by.loc[("ASHA", 1), "tune_time"] == 6.0  # its whole run
    assert by.loc[("ASHA", 1), "tune_dollars"] == pytest.approx(6.0 * 0.10 / 3600)
    assert by.loc[("MOASHA", 0), "tune_time"] == 3.0 and by.loc[("MOASHA", 1), "tune_time"] == 4.0
    # the found model's own training: what the backend billed its trial up to that result
    assert by.loc[("MOASHA", 1), "model_dollars"] == pytest.approx(4.0 * 0.05 / 3600)
    assert by.loc[("ASHA", 0), "model_time"] == 6.0
    ratios = pd.read_csv(rep / "time_to_target_ratios.csv").set_index("method")
    assert list(ratios.index) == ["MOASHA"] and ratios.loc["MOASHA", "group"] == pool
    assert ratios.loc["MOASHA", "tune_time"] == pytest.approx(6.0 / 3.5)
    assert ratios.loc["MOASHA", "tune_dollars"] == pytest.approx(
        (6.0 * 0.10 + 6.0 * 0.10) / (3.0 * 0.05 + 4.0 * 0.05))
    # the Pareto sets and hypervolumes stay per group
    summary = pd.read_csv(rep / "summary.csv")
    assert sorted(summary["group"]) == ["train_digits_hw (2 runs) [objectives accuracy, "
                                        "st_worker_cost, st_worker_time]",
                                        "train_digits_hw (2 runs) [objectives accuracy]"]

    # without --baseline: one line names the methods it can take
    assert _report([str(script_runs), "--output", str(rep)]) == 0
    assert "--baseline names another, one of: ASHA, MOASHA" in capsys.readouterr().out

    # the page shows the pool's table in both groups
    from syne_mohb.experiments.html_report import report_data
    from syne_mohb.experiments.report import load_runs

    data = report_data(load_runs(script_runs)[0], root=script_runs, baseline="ASHA")
    cmps = [g["comparison"] for g in data["groups"]]
    assert all(c["pool"]["label"] == pool and len(c["pool"]["groups"]) == 2 for c in cmps)
    assert cmps[0]["rows"] == cmps[1]["rows"]
    ours = {r["method"]: r for r in cmps[0]["rows"]}["MOASHA"]
    assert ours["vs_baseline"]["tune_time"][0] == pytest.approx(6.0 / 3.5, rel=1e-5)


def test_a_method_of_two_groups_of_the_pool_is_named_by_its_group(script_runs, tmp_path,
                                                                  capsys):
    """A second MO-ASHA group of the script (another search space) does not add seeds to the
    first: each is named by what tells its group apart, and --baseline takes that name."""
    from syne_tune.config_space import choice, loguniform

    from syne_mohb import MOASHA, HardwarePolicy

    space = {"lr": loguniform(1e-4, 1e-1), "epochs": 27,
             "instance_type": choice(["local-cpu-1", "local-cpu-2"])}
    moasha = MOASHA(space, metrics=["accuracy", "st_worker_cost", "st_worker_time"],
                    mode=["max", "min", "min"], time_attr="epoch", max_t=27, random_seed=0,
                    hardware=HardwarePolicy(prices=PRICES))
    _script_run(script_runs, "m-moasha-27", moasha, [(0, 1, 0.99, 1.0)], price=0.05, epochs=27)
    rep = tmp_path / "rep"
    assert _report([str(script_runs), "--output", str(rep), "--baseline", "ASHA"]) == 0
    ratios = pd.read_csv(rep / "time_to_target_ratios.csv").set_index("method")
    assert ratios.loc["MOASHA [search space 1]", "seeds"] == 2
    assert ratios.loc["MOASHA [search space 2]", "seeds"] == 1
    named = sorted(ratios.index)
    assert _report([str(script_runs), "--output", str(rep), "--baseline", named[0]]) == 0
    assert _report([str(script_runs), "--output", str(rep), "--baseline", "MOASHA [x]"]) == 2
    assert "valid baselines: ASHA, MOASHA, " + named[0] in one_line_error(capsys)


def test_a_runs_seed_is_its_schedulers_random_seed():
    from syne_mohb.experiments.analysis import scheduler_seed

    assert scheduler_seed({"scheduler_kwargs": {"random_seed": 4}}) == 4
    # Syne Tune's Tuner may store the arguments' repr
    assert scheduler_seed({"scheduler_kwargs": "{'random_seed': 7, 'metric': 'acc'}"}) == 7
    assert scheduler_seed({"scheduler_kwargs": "{'metric': 'acc'}"}) is None
    assert scheduler_seed({}) is None


def test_a_user_names_a_runs_method_in_the_tuners_metadata(script_runs, tmp_path):
    """``Tuner(..., metadata={"syne_mohb": {"method": NAME}})`` names the run's method in the
    report (instead of the scheduler's class name), e.g. to tell two MO-ASHA setups apart."""
    for seed in (0, 1):
        path = script_runs / f"a-moasha-{seed}" / "metadata.json"
        meta = json.loads(path.read_text())
        meta["syne_mohb"] = {"method": "moasha-profiles"}
        path.write_text(json.dumps(meta))
    rep = make_report(script_runs, tmp_path / "rep", baseline="ASHA", plots=False)
    assert list(rep["target_ratios"]["method"]) == ["moasha-profiles"]
    assert rep["target_ratios"]["tune_time"].iloc[0] == pytest.approx(6.0 / 3.5)


def test_no_plots_writes_the_same_tables(target_runs, tmp_path, capsys):
    """``report --no-plots`` (``make_report(plots=False)``) writes every table of a report with
    plots, and no PNG; it says so; with ``--html`` it is one error naming both flags; a
    ``plots`` that is not a bool is an error naming it."""
    assert main(["report", str(target_runs), "--output", str(tmp_path / "with")]) == 0
    assert "Plots: none" not in capsys.readouterr().out
    assert _report([str(target_runs), "--output", str(tmp_path / "without")]) == 0
    assert "Plots: none (--no-plots)" in capsys.readouterr().out
    with_plots = {p.name for p in (tmp_path / "with").iterdir()}
    without = {p.name for p in (tmp_path / "without").iterdir()}
    pngs = {n for n in with_plots if n.endswith(".png")}
    assert pngs and without == with_plots - pngs
    for name in without:
        assert (tmp_path / "with" / name).read_bytes() == (tmp_path / "without" / name).read_bytes()
    assert main(["report", str(target_runs), "--html", "--no-plots"]) == 2
    err = one_line_error(capsys)
    assert "--no-plots" in err and "--html" in err
    with pytest.raises(ValueError, match="plots must be True or False"):
        make_report(target_runs, tmp_path / "bad", plots="no")
