"""A user's own table of evaluations as a benchmark: ``syne-mohb bench --benchmarks FOLDER``,
``syne-mohb demo --benchmark FOLDER`` and ``benchmarking/compare_methods.py`` on a folder that
:func:`syne_mohb.blackboxes.from_experiments` wrote from Syne Tune experiment folders (a grid
of two network sizes, each trained on every instance type). A folder that cannot serve (a table
of only the configurations that ran, accuracy minimised, a method that needs a type or related
tasks the table lacks) is refused before any run, with one line naming the folder or method and
what to do."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from syne_mohb.blackboxes import from_experiments
from syne_mohb.cli import main

M5, P3 = "ml.m5.xlarge", "ml.p3.2xlarge"


def _rows(trial_id: int, units: int, instance: str, seconds: float, accuracy: float):
    """One trial of a grid run: three epochs of ``units`` on ``instance``."""
    return [{"trial_id": trial_id, "epoch": e, "accuracy": accuracy + 0.05 * e,
             "st_worker_time": seconds * e, "config_units": units,
             "config_instance_type": instance} for e in (1, 2, 3)]


GRID = (_rows(0, 16, M5, 1.0, 0.50) + _rows(1, 16, P3, 0.8, 0.50)
        + _rows(2, 64, M5, 4.0, 0.60) + _rows(3, 64, P3, 0.9, 0.60))


def _table(tmp_path: Path, name: str, rows: list[dict], **kwargs) -> Path:
    """``from_experiments`` of one experiment folder holding ``rows`` (dollars from the
    catalog's prices) written to ``tmp_path / name``."""
    exp = tmp_path / f"{name}-runs"
    exp.mkdir()
    pd.DataFrame(rows).to_csv(exp / "results.csv.zip", index=False)
    (exp / "metadata.json").write_text(json.dumps({"metric_names": ["accuracy"],
                                                   "metric_mode": "max"}))
    kwargs.setdefault("objectives", ["accuracy"])
    kwargs.setdefault("metric_mode", ["max"])
    from_experiments([exp], task_names=["mytask"], out_dir=tmp_path / name, **kwargs)
    return tmp_path / name


def test_bench_and_demo_on_a_folder_of_measured_evaluations(tmp_path, capsys, monkeypatch):
    table = _table(tmp_path, "mygrid", GRID)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)  # the folder given relative to the working folder
    assert main(["bench", "--benchmarks", "mygrid", "--methods", "moasha,asha-default",
                 "--seeds", "1", "--budget", "20", "--output", str(out), "--quiet",
                 "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "x 1 benchmark (mygrid) x seed 0" in text
    # runs under the folder's name; each records the absolute path, for any later report
    run = out / "mygrid" / "mytask" / "moasha" / "seed-0"
    info = json.loads((run / "metadata.json").read_text())["syne_mohb"]
    assert info["benchmark"] == str(table.resolve())
    assert "mygrid / mytask: benchmark " + str(table.resolve()) in text
    # ASHA on the table's default type (it has no ml.g4dn.xlarge), and the tables say so
    assert f"asha-default: instance type: fixed {M5}" in text
    assert info["default_instance"] == M5
    assert "Pareto set mygrid/mytask/moasha/seed-0" in text
    # the same folder by its absolute path, from elsewhere: the same benchmark, runs reused
    monkeypatch.chdir(out)
    assert main(["bench", "--benchmarks", f"{table},{os.path.relpath(table)}", "--methods",
                 "moasha,asha-default", "--seeds", "1", "--budget", "20", "--output",
                 str(out), "--quiet", "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "x 1 benchmark (mygrid)" in text and "reusing 2 finished runs" in text
    assert main(["demo", "--benchmark", str(table), "--seeds", "1", "--budget", "20",
                 "--processes", "1", "--output", str(tmp_path / "demo"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "on benchmark" in text and f"ASHA on the default instance ({M5})" in text
    # the table moved away: the runs still report, on the log scales they recorded
    assert info["metric_log"] == {"accuracy": False, "runtime": True, "cost": True}
    table.rename(tmp_path / "elsewhere")
    assert main(["report", str(out)]) == 0
    captured = capsys.readouterr()
    assert "mygrid / mytask" in captured.out and "no log flags" not in captured.err


def test_a_folder_named_like_a_shipped_benchmark_is_not_read_silently(tmp_path, capsys,
                                                                      monkeypatch):
    """``--benchmarks linear`` is the shipped benchmark, also where the working folder holds a
    user's table ``./linear``: a one-line note says the folder is not read and how to name it;
    ``./linear`` runs it."""
    _table(tmp_path, "linear", GRID)
    monkeypatch.chdir(tmp_path)
    args = ["--methods", "asha-default", "--seeds", "1", "--quiet", "--no-plots"]
    assert main(["bench", "--benchmarks", "linear", "--tasks", "digits", "--budget", "0.5",
                 "--output", "shipped"] + args) == 0
    err = capsys.readouterr().err
    assert (f"note: 'linear' is the shipped benchmark; the folder {tmp_path.resolve() / 'linear'}"
            f" here is not read (give ./linear for it)") in err
    assert (tmp_path / "shipped" / "linear" / "digits").is_dir()
    assert main(["bench", "--benchmarks", "./linear", "--budget", "20", "--output", "mine"]
                + args) == 0
    assert "note:" not in capsys.readouterr().err
    assert (tmp_path / "mine" / "linear" / "mytask").is_dir()


@pytest.mark.parametrize("flaw, says", [
    ("ran only", "the table holds 3 of the 4 combinations of its hyperparameters' values"),
    ("accuracy minimised", "accuracy is maximised in a benchmark"),
    ("no accuracy", "has no objective ['accuracy']"),
    ("not a folder", "unknown benchmark"),
    ("percent", "accuracy runs from 55 to 75; a benchmark's accuracy is a fraction in [0, 1]"),
    ("continuous", "hyperparameter 'units' is"),
])
def test_a_folder_that_cannot_serve_is_refused_before_any_run(tmp_path, capsys, flaw, says):
    if flaw == "ran only":  # a converted run that never trained 64 units on ml.p3.2xlarge
        table = _table(tmp_path, "t", GRID[:9])
    elif flaw == "accuracy minimised":
        table = _table(tmp_path, "t", GRID, metric_mode=["min"])
    elif flaw == "no accuracy":
        rows = [{**{k: v for k, v in r.items() if k != "accuracy"}, "val_acc": r["accuracy"]}
                for r in GRID]
        table = _table(tmp_path, "t", rows, objectives=["val_acc"])
    elif flaw == "percent":
        table = _table(tmp_path, "t", [{**r, "accuracy": 100 * r["accuracy"]} for r in GRID])
    elif flaw == "continuous":  # a folder written by Syne Tune's serialize may have one
        table = _table(tmp_path, "t", GRID)
        space = json.loads((table / "configspace.json").read_text())
        space["units"] = {"domain_cls": "Float", "domain_kwargs": {"lower": 16, "upper": 64},
                          "sampler_cls": "Uniform", "sampler_kwargs": {}}
        (table / "configspace.json").write_text(json.dumps(space))
    else:
        table = tmp_path / "missing"
    out = tmp_path / "out"
    assert main(["bench", "--benchmarks", str(table), "--seeds", "1", "--output",
                 str(out)]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert str(table) in err or "'t'" in err or "missing" in err
    assert not out.exists()  # nothing ran


@pytest.mark.parametrize("method, says", [
    ("asha-p3", f"trains every trial on {P3}, which benchmark 't' does not offer"),
    ("moasha-related", "learns from related tasks (the benchmark's other tasks), and benchmark "
                       "'t' has one task (mytask)"),
])
def test_a_method_the_table_cannot_serve_is_refused_before_any_run(tmp_path, capsys, method,
                                                                   says):
    rows = [r for r in GRID if r["config_instance_type"] == M5]
    rows += [{**r, "trial_id": r["trial_id"] + 10, "config_instance_type": "ml.c5.2xlarge"}
             for r in rows]
    table = _table(tmp_path, "t", rows)
    out = tmp_path / "out"
    assert main(["bench", "--benchmarks", str(table), "--methods", f"moasha,{method}",
                 "--seeds", "1", "--output", str(out)]) == 2
    assert says in capsys.readouterr().err
    assert not out.exists()


def test_compare_methods_on_a_folder(tmp_path, capsys):
    from test_benchmark_pages_misc import _script

    table = _table(tmp_path, "mygrid", GRID)
    out = tmp_path / "cm"
    cm = _script("compare_methods")
    assert cm.main(["--benchmarks", str(table), "--methods", "moasha,st-moasha-fixed",
                    "--seeds", "2", "--budget-seconds", "20", "--processes", "1",
                    "--bootstrap", "50", "--output", str(out), "--table", "t.csv"]) == 0
    tab = pd.read_csv(out / "t.csv")
    assert set(tab["benchmark"]) == {"mygrid"}
    assert {"moasha", "st-moasha-fixed", "asha-default", "asha-p3"} <= set(tab["method"])
    versus = pd.read_csv(out / "versus_t.csv")
    assert list(versus["method"]) == ["moasha"]
    assert versus["tuning $ to target"].str.endswith("]").all()  # an interval
    # a table without ml.p3.2xlarge cannot give this script's baseline and target
    rows = [r for r in GRID if r["config_instance_type"] == M5]
    rows += [{**r, "trial_id": r["trial_id"] + 10, "config_instance_type": "ml.c5.2xlarge"}
             for r in rows]
    other = _table(tmp_path, "nop3", rows)
    with pytest.raises(SystemExit):
        cm.main(["--benchmarks", str(other), "--seeds", "1", "--output", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert "this script's baselines are asha-default and asha-p3" in err
    assert "syne-mohb bench" in err and not (tmp_path / "x").exists()


def test_syne_tunes_simulator_is_refused_a_table_with_missing_epochs(tmp_path, capsys):
    """Trials stopped early in the converted runs leave NaN epochs; Syne Tune's
    UserBlackboxBackend would wait for them forever (the run hangs), ours replays them."""
    from test_benchmark_pages_misc import _script

    from syne_mohb.experiments.runner import RunSpec, run_one

    rows = [r for r in GRID if not (r["trial_id"] == 2 and r["epoch"] > 1)]  # 64 on m5: 1 epoch
    table = _table(tmp_path, "early", rows)
    out = tmp_path / "cm"
    with pytest.raises(SystemExit):
        _script("compare_methods").main(["--benchmarks", str(table), "--simulator", "stock",
                                         "--seeds", "1", "--output", str(out)])
    err = capsys.readouterr().err
    assert "--simulator stock: Syne Tune's simulator (simulator 'stock') cannot replay " \
           "benchmark 'early', task 'mytask': 2 epochs of its table lack a value" in err
    assert not out.exists()
    # the same from the command line, before any run, naming the flag that replays it
    assert main(["bench", "--benchmarks", str(table), "--simulator", "stock", "--seeds", "1",
                 "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cannot replay benchmark 'early', task 'mytask'" in err
    assert "replay it with our simulator (--simulator ours, the default)" in err
    assert not out.exists()
    with pytest.raises(ValueError, match="waits for them forever"):
        run_one(RunSpec(method="moasha", benchmark=str(table), task="mytask", seed=0,
                        out_dir=str(out), budget=20, extra={"simulator": "stock"}))
    # our simulator replays it: the trial of 64 units on ml.m5.xlarge ends at its epoch 1
    assert run_one(RunSpec(method="moasha", benchmark=str(table), task="mytask", seed=0,
                           out_dir=str(out), budget=20))["num_trials"] > 0


def test_bench_replays_on_syne_tunes_simulator_when_asked(tmp_path, capsys):
    """``syne-mohb bench --simulator stock``: the runs replay the table with Syne Tune's own
    ``UserBlackboxBackend`` (results carry the table's runtime and cost, not our ledger's
    ``st_worker_*``), record it, and are a group of their own in the report; the same runs
    asked of our simulator are runs made with other parameters."""
    table = _table(tmp_path, "mygrid", GRID)
    out = tmp_path / "out"
    args = ["bench", "--benchmarks", str(table), "--methods", "moasha,asha-default", "--seeds",
            "1", "--budget", "20", "--output", str(out), "--quiet"]
    assert main(args + ["--simulator", "stock"]) == 0
    assert "budget 20 s, 4 workers, Syne Tune's simulator;" in capsys.readouterr().out
    run = out / "mygrid" / "mytask" / "moasha" / "seed-0"
    assert json.loads((run / "metadata.json").read_text())["syne_mohb"]["simulator"] == "stock"
    results = pd.read_csv(run / "results.csv.zip")
    assert len(results) and {"runtime", "cost"} <= set(results.columns)
    assert "st_worker_time" not in results.columns
    assert main(args) == 2  # our simulator asked of the same folder
    assert "simulator 'stock' there, 'ours' asked" in capsys.readouterr().err


def test_the_baselines_instance_is_a_flag(tmp_path, capsys):
    """``--default-instance`` picks the type of ASHA's baseline (the user's habit), checked
    against the table before any run; the tables name it."""
    table = _table(tmp_path, "mygrid", GRID)
    out = tmp_path / "out"
    assert main(["bench", "--benchmarks", str(table), "--default-instance", "ml.c5.2xlarge",
                 "--seeds", "1", "--output", str(out)]) == 2
    assert ("--default-instance: default instance 'ml.c5.2xlarge' is not offered by the "
            f"benchmark; choose one of ['{M5}', '{P3}']") in capsys.readouterr().err
    assert not out.exists()
    assert main(["bench", "--benchmarks", str(table), "--default-instance", P3, "--methods",
                 "moasha,asha-default", "--seeds", "1", "--budget", "20", "--output", str(out),
                 "--quiet", "--no-plots"]) == 0
    assert f"asha-default: instance type: fixed {P3}" in capsys.readouterr().out
    info = json.loads((out / "mygrid" / "mytask" / "asha-default" / "seed-0"
                       / "metadata.json").read_text())["syne_mohb"]
    assert info["default_instance"] == P3
    # the HTML page's methods list says it too
    assert main(["report", str(out), "--html", "--output", str(tmp_path / "page")]) == 0
    assert f"fixed {P3}" in (tmp_path / "page" / "report.html").read_text()
