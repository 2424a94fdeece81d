"""A benchmark page is written by its script (issue 24): ``benchmarking/blackboxes_table.py`` on
one shipped benchmark, into a temporary docs folder. The page names the command that made it,
the date and the machine, and holds the script's measured table."""
from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarking"


def _script(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


def test_blackboxes_page_has_command_date_machine_and_table(tmp_path, capsys):
    blackboxes_table = _script("blackboxes_table")
    argv = ["--benchmarks", "hgb", "--no-variants", "--speedup-benchmarks", "", "--docs-dir",
            str(tmp_path)]
    blackboxes_table.main(argv)
    page = tmp_path / "benchmarks" / "blackboxes.md"
    text = page.read_text()
    assert text.startswith("# Shipped offline benchmarks\n")
    assert ("Command: `python benchmarking/blackboxes_table.py --benchmarks hgb "
            "--no-variants") in text
    assert re.search(r"Date: \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert re.search(r"Machine: \d+ cores", text)
    assert "Time taken: " in text
    # the measured table: its header and the one benchmark's row, as the script printed it
    assert "| benchmark | model | tasks (train/valid rows) |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `hgb` |"))
    assert re.search(r"\| \d+\.\d\d s \|$", row)  # its load time, measured now
    assert row in capsys.readouterr().out
    assert "| `hgb` | `accuracy`, `error`, `measured_epoch_time` | `runtime`, `cost` |" in text


def test_no_docs_writes_nothing(tmp_path):
    _script("blackboxes_table").main(["--benchmarks", "hgb", "--no-variants",
                                      "--speedup-benchmarks", "", "--docs-dir", str(tmp_path),
                                      "--no-docs"])
    assert not (tmp_path / "benchmarks").exists()


def test_placement_waste_charges_worker_seconds_to_dominated_types():
    """``benchmarking/placement_waste.py``: a type another type beats in seconds and dollars for
    a configuration is dominated for it, by the larger ratio to the best such type; each
    result's worker seconds since the trial's last result are charged to its (config, type)."""
    import pandas as pd

    waste = _script("placement_waste")
    table = pd.DataFrame({
        "key": ["small", "small", "wide", "wide"],
        "type": ["cpu", "gpu", "cpu", "gpu"],
        "seconds": [1.0, 0.8, 10.0, 1.0],
        "dollars": [1.0, 2.0, 10.0, 2.5],
    })
    factor = waste.dominance(table)
    # small: cpu is cheaper, gpu faster -> both on the front; wide: gpu is 10x faster, 4x cheaper
    assert factor == {("small", "cpu"): 1.0, ("small", "gpu"): 1.0,
                      ("wide", "cpu"): 10.0, ("wide", "gpu"): 1.0}
    results = pd.DataFrame({  # trial 1: wide on cpu (2 epochs), trial 2: small on gpu
        "trial_id": [1, 2, 1], "config_size": ["wide", "small", "wide"],
        "instance_type": ["cpu", "gpu", "cpu"], "st_worker_time": [10.0, 0.8, 20.0],
        "st_tuner_time": [10.0, 0.8, 20.0],
    })
    rows = waste.run_shares(waste.results_by_type(results), ["size"], factor)
    assert sorted(rows["dt"]) == [0.8, 10.0, 10.0]
    summary = waste.summarise(rows)
    assert summary["dominated"] == f"{20.0 / 20.8:.0%}"
    assert summary["dominated by >= 2x"] == f"{20.0 / 20.8:.0%}"
    assert summary["quarter 1"] == "0%"  # trial 2's only result ends in the first quarter


def test_placement_waste_reads_the_first_trials_in_order_of_start():
    """The second table of ``placement_waste.py``: each trial's first segment, in order of
    start, against the configuration's fastest type and the fastest type without accelerators
    (a wide network on the CPU is 10x slower there; a small one on the GPU 1.25x)."""
    import pandas as pd

    waste = _script("placement_waste")
    seconds = {"small": {"cpu": 0.8, "gpu": 1.0}, "wide": {"cpu": 10.0, "gpu": 1.0}}
    results = pd.DataFrame({  # trials 0 (wide, cpu), 1 (small, gpu), 2 (wide, gpu), in order
        "trial_id": [1, 0, 2, 0], "config_size": ["small", "wide", "wide", "wide"],
        "instance_type": ["gpu", "cpu", "gpu", "cpu"], "st_worker_time": [1.0, 10.0, 1.0, 20.0],
    })
    rows = waste.first_trials(waste.results_by_type(results), ["size"], seconds, {"cpu"}, first=2)
    assert rows["position"].tolist() == [0, 1]  # the third trial is past --first 2
    assert rows["slow"].tolist() == [10.0, 1.25] and rows["cpu"].tolist() == [True, False]
    summary = waste.summarise_first(rows, 2)
    assert summary["first 2 on a >= 2x slower type"] == "50%"
    assert summary["trials 1-5 without accelerator"] == "50%"
    assert summary["of those >= 3x faster with one: without"] == "100%"  # the wide network


def test_local_versus_asha_pairs_the_runs_and_keeps_finished_ones(tmp_path, monkeypatch):
    """``benchmarking/bench_local_versus_asha.py`` with its runs replaced by hand-made ones (as
    Syne Tune's ``Tuner`` writes them; the real runs take 40 s each): the page's table holds
    the report's paired ratios, and a second call runs nothing again."""
    from test_report_groups import _script_run

    bench = _script("bench_local_versus_asha")
    calls = []

    def fake_run(method, seed, prices, largest, budget, workers, output, workload):
        from syne_tune.config_space import choice, loguniform
        from syne_tune.optimizer.baselines import ASHA

        from syne_mohb import MOASHA, HardwarePolicy

        assert workload == "mlp" and budget == 40.0 and output.name == "mlp"
        calls.append((method, seed))
        base = {"lr": loguniform(1e-3, 1e-1), "epochs": 9}
        if method == "ASHA":  # 0.96 at 4 s on local-cpu-2 ($0.10/h): the target is 0.955
            sched = ASHA({**base, "instance_type": largest}, metric="accuracy",
                         do_minimize=False, time_attr="epoch", max_t=9, random_seed=seed)
            _script_run(output, f"asha-{seed}-x", sched, [(0, 1, 0.90, 2.0), (0, 2, 0.96, 4.0)],
                        price=prices[largest])
        else:  # 0.97 at 3 s on local-cpu-1 ($0.05/h)
            sched = MOASHA({**base, "instance_type": choice(list(prices))},
                           metrics=["accuracy", "st_worker_cost", "st_worker_time"],
                           mode=["max", "min", "min"], time_attr="epoch", max_t=9,
                           random_seed=seed, hardware=HardwarePolicy(prices=prices))
            _script_run(output, f"moasha-{seed}-x", sched, [(0, 1, 0.97, 3.0)],
                        price=prices["local-cpu-1"])

    monkeypatch.setattr(bench, "run", fake_run)
    monkeypatch.setattr(bench, "available_cpus", lambda: [0, 1])  # any machine: 2 cores
    argv = ["--workloads", "mlp", "--seeds", "2", "--cores", "2", "--output",
            str(tmp_path / "runs"), "--docs-dir", str(tmp_path / "docs")]
    bench.main(argv)
    assert sorted(calls) == [("ASHA", 0), ("ASHA", 1), ("MOASHA", 0), ("MOASHA", 1)]
    text = (tmp_path / "docs" / "benchmarks" / "local-versus-asha.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| MOASHA |"))
    # time 4 s / 3 s; dollars (4 s x $0.10) / (3 s x $0.05) per hour, the same in both seeds
    assert "| 2/2 |" in row and "| 2.67x [2.67, 2.67] | 1.33x [1.33, 1.33] |" in row
    assert "## `mlp`" in text and "s of tuning per run; target 0.9550." in text
    calls.clear()
    bench.main(argv + ["--no-docs"])
    assert calls == []  # finished runs are kept, not run again


def test_other_work_is_measured_recorded_and_warned_on_the_stock_simulator(
        tmp_path, caplog, monkeypatch):
    """OtherWork: the machine's busy CPU seconds less this process's and its waited-for
    children's, over the wall seconds (never below 0). compare_methods.py records it in the
    provenance; runs made on Syne Tune's simulator (whose clock takes real time) beside other
    work get a warning, runs on ours (deterministic) and reused runs do not."""
    from syne_mohb.experiments import runner

    with runner.OtherWork() as real:  # psutil reads /proc/stat: a number of cores, or None
        sum(range(10000))
    assert real.cores is None or real.cores >= 0.0
    for samples, cores in ((iter([(100.0, 10.0, 0.0), (106.0, 12.0, 2.0)]), 2.0),
                           (iter([(100.0, 10.0, 0.0), (101.0, 12.0, 2.0)]), 0.0),
                           (iter([None, (101.0, 12.0, 2.0)]), None)):
        monkeypatch.setattr(runner.OtherWork, "_sample", staticmethod(lambda s=samples: next(s)))
        with runner.OtherWork() as work:
            pass
        assert work.cores == cores
    monkeypatch.undo()

    cm = _script("compare_methods")

    made = []

    class Busy:
        cores = 3.0

        def __init__(self):
            made.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr(runner, "OtherWork", Busy)
    monkeypatch.setattr(cm, "OtherWork", Busy)
    argv = ["--benchmarks", "cnn", "--tasks", "mnist", "--methods", "moasha", "--seeds", "1",
            "--budget-seconds", "8", "--processes", "1", "--bootstrap", "20"]
    for simulator, warned in (("ours", False), ("stock", True), ("stock", False)):
        out = tmp_path / simulator  # the second stock call reuses every run: nothing to warn
        caplog.clear()
        made.clear()
        assert cm.main(argv + ["--simulator", simulator, "--output", str(out)]) == 0
        assert len(made) == 1  # one measurement, taken by run_many, read for the provenance
        assert ("made on Syne Tune's simulator while other processes kept 3.0 of the "
                "machine's cores busy" in caplog.text) == warned
        assert cm.read_provenance(out, "compare_methods.csv")["other_work_cores"] == 3.0


def test_target_anatomy_reads_real_runs(tmp_path, capsys):
    """``benchmarking/target_anatomy.py`` on two seeds of real simulated runs: one row per
    method; a found model never costs less than the table's cheapest draw at the target, nor
    the configurations a run tried less than the table's cheapest at the target."""
    out = tmp_path / "cm"
    assert _script("compare_methods").main([
        "--benchmarks", "cnn", "--tasks", "mnist", "--methods", "moasha", "--seeds", "2",
        "--budget-seconds", "8", "--processes", "1", "--bootstrap", "20",
        "--output", str(out)]) == 0
    capsys.readouterr()
    assert _script("target_anatomy").main([
        "--output", str(out), "--benchmark", "cnn", "--tasks", "mnist",
        "--methods", "moasha,asha-p3", "--seeds", "2"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {r[0]: dict(zip(header, r)) for r in
            ([c.strip() for c in ln.strip("|").split("|")] for ln in lines[1:])}
    assert set(rows) == {"moasha", "asha-p3"}
    for row in rows.values():
        reached, runs = row["reached"].split("/")
        assert runs == "2" and 0 <= int(reached) <= 2
        if int(reached):
            low = float(row["found model's $ / table's cheapest draw"].split("x")[0])
            assert low >= 1.0 - 1e-9
            assert float(row["first at target: position"]) >= 1
            # the configurations a run tried are some of the table's: never cheaper than it
            tried = row["configurations tried: their cheapest / table's"]
            assert tried == "-" or float(tried.rstrip("x")) >= 1.0 - 1e-9
            assert row["placement: found / its cheapest type"] != ""


def test_the_variants_page_holds_every_measured_once_row_as_its_script_writes_it():
    """The variants page's "Measured once" rows come from ``hardware_tables.HISTORICAL``; the
    page cannot be regenerated without the cached runs, so a row added to one and not the other
    (or edited by hand on the page) would go unnoticed: each row's table line, as
    ``markdown_table`` writes it, is on the committed page, in the list's order."""
    tables = _script("hardware_tables")
    page = (BENCH.parent / "docs" / "benchmarks" / "variants.md").read_text()
    lines = tables.historical_table().splitlines()[2:]  # after the header and the separator
    assert len(lines) == len(tables.HISTORICAL)
    at = []
    for row, line in zip(tables.HISTORICAL, lines):
        assert line + "\n" in page, f"variants.md lacks the HISTORICAL row {row[0]!r}"
        at.append(page.index(line + "\n"))
    assert at == sorted(at)
