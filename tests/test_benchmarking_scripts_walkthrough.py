"""The scripts of ``benchmarking/`` used as their ``--help`` says, with wrong input: a user's
mistake (an unknown method, benchmark or task name, a count that is not positive, an output
folder that cannot be one, Ctrl-C) ends with one line naming the parameter, no traceback and
nothing computed lost; nothing is simulated first.

Every test calls a script's ``main(argv)`` in this process, with the simulation stubbed where
one would start."""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarking"


from test_benchmark_pages_misc import _script  # noqa: E402  (imports a benchmarking script)


def _usage_error(capsys, script: str, argv: list[str]) -> str:
    """The one error line of ``script``'s ``main(argv)`` (argparse's exit status 2)."""
    with pytest.raises(SystemExit) as e:
        _script(script).main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, says", [
    (["--benchmarks", "nope"], "--benchmarks: unknown benchmark 'nope'"),
    (["--benchmarks", ","], "--benchmarks names no benchmark"),
    (["--methods", "moasha,nope"], "--methods: unknown method 'nope'"),
    (["--versus", "nope"], "--versus: unknown method 'nope'"),
    (["--methods", "moasha", "--versus", "mo-random"], "--versus 'mo-random' is not among"),
    (["--tasks-per-benchmark", "0"], "--tasks-per-benchmark must be >= 1, got 0"),
    (["--tasks-per-benchmark", "-1"], "--tasks-per-benchmark must be >= 1, got -1"),
    (["--keep-alive", "-5"], "--keep-alive must be >= 0"),
    (["--benchmarks", "cnn", "--tasks", "nope"], "--tasks: unknown task 'nope' for benchmark"),
    (["--methods", "moasha", "--table", "sub/t.csv"], "--table must be a file name"),
])
def test_compare_methods_refuses_bad_names_and_numbers_before_any_run(tmp_path, capsys, argv,
                                                                      says):
    out = tmp_path / "out"
    assert says in _usage_error(capsys, "compare_methods",
                                argv + ["--seeds", "1", "--output", str(out)])
    assert not out.exists()  # nothing simulated


def test_an_output_that_is_a_file_is_refused_with_its_flag(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    line = _usage_error(capsys, "compare_methods", ["--methods", "moasha", "--seeds", "1",
                                                    "--output", str(afile)])
    assert "--output" in line and "is a file, not a folder" in line
    assert afile.read_text() == "mine"
    ap = argparse.ArgumentParser(prog="x")
    with pytest.raises(SystemExit):
        _script("script_args").output_folder(ap, "--out", afile / "sub")
    assert "--out" in capsys.readouterr().err


def test_ctrl_c_during_the_runs_prints_one_line_and_keeps_the_runs(tmp_path, capsys,
                                                                   monkeypatch):
    cm = _script("compare_methods")

    def interrupted(specs, processes, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cm, "run_many", interrupted)
    out = tmp_path / "out"
    (out / "kept").mkdir(parents=True)
    assert cm.main(["--benchmarks", "cnn", "--tasks", "mnist", "--methods", "moasha",
                    "--seeds", "1", "--output", str(out)]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"interrupted; finished runs are kept under {out}: run the same command" in err
    assert (out / "kept").is_dir()


def test_compare_searchers_names_its_own_flags_and_stops_when_the_runs_failed(tmp_path, capsys,
                                                                              monkeypatch):
    assert "--ours: unknown method 'nope'" in _usage_error(
        capsys, "compare_searchers", ["--ours", "nope", "--against", "moasha"])
    assert "--against: unknown method 'nope'" in _usage_error(
        capsys, "compare_searchers", ["--ours", "moasha", "--against", "nope"])
    assert "--tasks-per-benchmark must be >= 1" in _usage_error(
        capsys, "compare_searchers", ["--ours", "moasha", "--against", "mo-random",
                                      "--tasks-per-benchmark", "0"])
    assert "--figure-task 'mlp' (benchmark/task" in _usage_error(
        capsys, "compare_searchers", ["--page", "--figure-task", "mlp", "--no-docs"])
    # compare_methods failed (runs of other parameters in the folder) or was interrupted: no
    # paired table is computed over the runs there, and its status is returned
    cs = _script("compare_searchers")
    for status in (1, 130):
        monkeypatch.setattr(cs.compare_methods, "main", lambda argv, s=status: s)
        assert cs.main(["--ours", "moasha", "--against", "mo-random", "--seeds", "1",
                        "--output", str(tmp_path)]) == status
    assert not (tmp_path / "compare_searchers.csv").exists()


def test_compare_searchers_pairs_real_runs_and_records_their_other_work(tmp_path,
                                                                        monkeypatch):
    """Two seeds of real runs on ``cnn``/mnist: one paired row (ours against the peer) with
    an interval per measure, and the provenance of its table carries the other work that
    ``compare_methods.py`` measured while its runs ran."""
    cs = _script("compare_searchers")

    class Busy:  # the measurement itself is tested with compare_methods.py
        cores = 1.5

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr(cs.compare_methods, "OtherWork", Busy)
    out = tmp_path / "cs"
    assert cs.main(["--ours", "moasha", "--against", "moasha-random", "--benchmarks", "cnn",
                    "--tasks", "mnist", "--seeds", "2", "--budget-factor", "1",
                    "--processes", "1", "--bootstrap", "20", "--output", str(out)]) == 0
    table = pd.read_csv(out / "compare_searchers.csv")
    assert table[["ours", "peer"]].values.tolist() == [["moasha", "moasha-random"]]
    for label in ("tuning $ (peer/ours)", "HV at half budget (ours/peer)"):
        point, lo, hi = map(float, table[label].iloc[0].replace("[", "").replace(
            "]", "").replace(",", "").split())
        assert lo <= point <= hi
    prov = cs.compare_methods.read_provenance(out, "compare_searchers.csv")
    assert prov["other_work_cores"] == 1.5 and prov["seeds"] == 2


@pytest.mark.parametrize("argv, says", [
    (["--benchmarks", "nope"], "--benchmarks: unknown benchmark 'nope'"),
    (["--benchmarks", ","], "--benchmarks names no benchmark"),
    (["--processes", "0"], "--processes must be >= 1, got 0"),
    (["--seeds", "-1"], "--seeds must be >= 1, got -1"),
    (["--tasks-per-benchmark", "0"], "--tasks-per-benchmark must be >= 1, got 0"),
])
def test_reproduce_paper_refuses_bad_input(tmp_path, capsys, argv, says):
    out = tmp_path / "out"
    assert says in _usage_error(capsys, "reproduce_paper",
                                argv + ["--output", str(out), "--no-docs"])
    assert not out.exists()


def test_reproduce_paper_ctrl_c_and_the_command_it_prints(tmp_path, capsys, monkeypatch):
    rp = _script("reproduce_paper")

    def interrupted(specs, processes, **kwargs):
        raise KeyboardInterrupt

    argv = ["--benchmarks", "cnn", "--quick", "--no-transfer", "--output", str(tmp_path),
            "--no-docs"]
    monkeypatch.setattr(rp, "run_many", interrupted)
    assert rp.main(argv) == 130
    assert "interrupted; finished runs are kept under" in capsys.readouterr().err
    # the command printed at the end is the one that ran, every option included
    monkeypatch.setattr(rp, "run_many", lambda specs, processes: [])
    assert rp.main(argv) == 0
    assert ("command: python benchmarking/reproduce_paper.py --benchmarks cnn --quick "
            "--no-transfer --output") in capsys.readouterr().out


@pytest.mark.parametrize("argv, says", [
    (["--figure-task", "cnn"], "--figure-task 'cnn' (benchmark/task"),
    (["--figure-task", "cnn/nope"], "unknown task 'nope' for benchmark 'cnn'"),
    (["nope"], "table 'nope': neither"),
    (["x", "--page", "variants"], "only --page hardware-decision reads tables"),
])
def test_hardware_tables_refuses_bad_tables_and_figure_tasks(tmp_path, capsys, argv, says):
    docs = tmp_path / "docs"
    assert says in _usage_error(capsys, "hardware_tables",
                                argv + ["--output", str(tmp_path), "--docs-dir", str(docs)])
    assert not docs.exists()


def test_hardware_tables_reads_a_table_named_with_its_file_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the other sections' fixed folders: empty
    (tmp_path / "t.csv").write_text("benchmark,baseline,method\nmlp,asha-p3,moasha\n")
    docs = tmp_path / "docs"
    assert _script("hardware_tables").main(["t.csv", "--output", str(tmp_path), "--docs-dir",
                                            str(docs), "--no-figures"]) == 0
    assert f"`{tmp_path / 't.csv'}`" in (docs / "benchmarks" / "hardware-decision.md").read_text()


def test_no_docs_draws_the_figures_outside_the_docs(tmp_path):
    images_dir = _script("hardware_tables").images_dir
    docs = tmp_path / "docs"
    assert images_dir(argparse.Namespace(docs_dir=str(docs), no_docs=False)) == \
        docs / "images" / "benchmarks"
    elsewhere = images_dir(argparse.Namespace(docs_dir=str(docs), no_docs=True))
    assert docs not in elsewhere.parents and elsewhere.is_dir()
    elsewhere.rmdir()


@pytest.mark.parametrize("argv, says", [
    (["--benchmarks", "nope"], "--benchmarks: unknown blackbox 'nope'"),
    (["--benchmarks", "cnn", "--tasks", "nope"], "--tasks: unknown task 'nope' for benchmark"),
    (["--seeds", "0"], "--seeds must be >= 1, got 0"),
    (["--quantile-seeds", "0"], "--quantile-seeds must be >= 1, got 0"),
    (["--budget-factor", "-1"], "--budget-factor must be > 0"),
    (["--cached-only", "--overwrite"], "--cached-only runs nothing and --overwrite"),
])
def test_bench_transfer_refuses_bad_input(tmp_path, capsys, argv, says):
    out = tmp_path / "out"
    assert says in _usage_error(capsys, "bench_transfer",
                                argv + ["--output", str(out), "--no-docs"])
    assert not out.exists()


def test_bench_transfer_ctrl_c_keeps_the_finished_runs(tmp_path, capsys, monkeypatch):
    bt = _script("bench_transfer")
    calls = []

    def run_one(job):
        if calls:
            raise KeyboardInterrupt
        calls.append(job)
        return {"name": job[0], "task": job[1], "method": job[2], "seed": job[3]}

    monkeypatch.setattr(bt, "run_one", run_one)
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path / "st"))  # main sets it when unset
    argv = ["--benchmarks", "cnn", "--tasks", "mnist", "--methods", "random", "--seeds", "2",
            "--output", str(tmp_path), "--no-docs"]
    assert bt.main(argv) == 130
    assert "interrupted; finished runs are kept under" in capsys.readouterr().err
    assert bt.load_cached(tmp_path, calls[0])["seed"] == 0


def test_bench_transfer_names_a_folder_outside_the_repository_as_given(tmp_path):
    shown = _script("bench_transfer")._shown
    assert shown(tmp_path) == str(tmp_path)
    assert shown(BENCH / "_results" / "transfer") == "benchmarking/_results/transfer"


@pytest.mark.parametrize("script", ["bench_rung_decisions", "compare_searchers",
                                    "blackboxes_table"])
def test_a_docs_dir_that_is_a_file_is_refused_before_anything_is_measured(tmp_path, capsys,
                                                                          script):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    for docs in (afile, afile / "sub"):
        line = _usage_error(capsys, script, ["--docs-dir", str(docs)])
        assert "--docs-dir" in line and "is a file, not a folder" in line
    assert afile.read_text() == "mine"


def test_placement_waste_names_an_unknown_method(tmp_path, capsys):
    base = ["--output", str(tmp_path), "--benchmark", "cnn", "--tasks", "mnist"]
    assert "--methods: unknown method 'nope'" in _usage_error(
        capsys, "placement_waste", base + ["--methods", "nope"])
    assert "--methods names no method" in _usage_error(
        capsys, "placement_waste", base + ["--methods", ","])
    assert "--first must be >= 1, got 0" in _usage_error(
        capsys, "placement_waste", base + ["--methods", "moasha", "--first", "0"])


def test_target_anatomy_names_bad_input_and_missing_runs(tmp_path, capsys):
    base = ["--output", str(tmp_path), "--benchmark", "cnn", "--tasks", "mnist"]
    assert "--methods: unknown method 'nope'" in _usage_error(
        capsys, "target_anatomy", base + ["--methods", "nope"])
    assert "--tasks: 'nope' is not a task of cnn" in _usage_error(
        capsys, "target_anatomy", base[:-1] + ["nope", "--methods", "moasha"])
    assert "no run at" in _usage_error(capsys, "target_anatomy", base + ["--methods", "moasha"])


@pytest.mark.parametrize("argv, says", [
    (["--processes", "0"], "--processes must be >= 1, got 0"),
    (["--families", "linear", "--seeds", "-1"], "--seeds must be >= 0, got -1"),
    (["--families", "linear", "--assemble-seeds", "-2"], "--assemble-seeds must be >= 0"),
    (["--families", "linear", "--tasks", "nope"], "--tasks ['nope'] not in family 'linear'"),
    (["--families", "linear", "--calibration-tasks", "nope"], "--calibration-tasks ['nope']"),
    (["--families", "linear", "--calibration-epochs", "0"], "--calibration-epochs must be >= 1"),
])
def test_generate_blackboxes_refuses_bad_input(tmp_path, capsys, argv, says):
    work, out = tmp_path / "work", tmp_path / "out"
    assert says in _usage_error(capsys, "generate_blackboxes",
                                argv + ["--workdir", str(work), "--out", str(out)])
    assert not work.exists() and not out.exists()


def test_generate_blackboxes_workers_leave_ctrl_c_to_the_parent():
    import queue
    import signal

    gb = _script("generate_blackboxes")
    q = queue.Queue()
    q.put(0)
    before = signal.getsignal(signal.SIGINT)
    try:
        gb._init_worker(q)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("argv, says", [
    (["--benchmarks", "nope"], "--benchmarks: unknown benchmark 'nope'"),
    (["--benchmarks", ","], "--benchmarks names no benchmark"),
    (["--speedup-benchmarks", "nope"], "--speedup-benchmarks: unknown benchmark 'nope'"),
    (["--speedups", "nope"], "--speedups: unknown benchmark 'nope'"),
])
def test_blackboxes_table_refuses_unknown_benchmarks(tmp_path, capsys, argv, says):
    assert says in _usage_error(capsys, "blackboxes_table",
                                argv + ["--docs-dir", str(tmp_path / "docs"), "--no-docs"])


@pytest.mark.parametrize("script, argv, says", [
    ("bench_durable_kill", ["--seeds", "0"], "--seeds must be >= 1, got 0"),
    ("bench_hardware_model", ["--benchmarks", "nope"], "--benchmarks: unknown benchmark 'nope'"),
    ("bench_hardware_model", ["--repeats", "0"], "--repeats must be >= 1, got 0"),
    ("bench_hardware_model", ["--tasks-per-benchmark", "0"], "--tasks-per-benchmark must be"),
    ("bench_sagemaker_polling", ["--jobs", "abc"], "--jobs must be comma-separated integers"),
    ("bench_sagemaker_polling", ["--jobs", "4,0"], "--jobs must be comma-separated integers >= 1"),
    ("bench_sagemaker_polling", ["--rounds", "0"], "--rounds must be >= 1, got 0"),
    ("bench_searcher_speed", ["--sizes", "abc"], "--sizes must be comma-separated integers"),
    ("bench_searcher_speed", ["--settings", "nope"], "--settings: unknown setting 'nope'"),
    ("bench_replay", ["--benchmark", "nope"], "--benchmark: unknown benchmark 'nope'"),
    ("bench_replay", ["--benchmark", "cnn", "--task", "nope"], "--task: unknown task 'nope'"),
    ("bench_replay", ["--st-cap", "-1"], "--st-cap must be > 0"),
    ("bench_rung_decisions", ["--seed", "-1"], "--seed must be >= 0, got -1"),
    ("bench_html_report", ["--trials", "0"], "--trials must be >= 1, got 0"),
    ("bench_html_report", ["--loads", "0"], "--loads must be >= 1, got 0"),
    ("bench_local_profiles", ["--timeout", "0"], "--timeout must be > 0"),
    ("bench_local_profiles", ["--price_per_core_hour", "-1"], "--price_per_core_hour must be"),
    ("bench_local_versus_asha", ["--seeds", "1"], "--seeds must be >= 2 (paired intervals)"),
    ("bench_local_versus_asha", ["--budget", "0"], "--budget must be > 0 seconds"),
    ("bench_local_versus_asha", ["--workers", "64"], "--workers x --cores must be 1.."),
])
def test_bench_scripts_refuse_bad_numbers_and_names(tmp_path, capsys, script, argv, says):
    assert says in _usage_error(capsys, script,
                                argv + ["--docs-dir", str(tmp_path / "docs"), "--no-docs"])


def test_speedups_of_a_variant_count_its_larger_data():
    """An ``-x`` variant trains on data ``data_scale`` (1,000) times larger: its 1-core time is
    the measured one times that, or every speed-up reads 0.00x."""
    table = _script("blackboxes_table").speedup_table("linear-x")
    medians = [float(row.split(" | ")[4].rstrip("x")) for row in table.splitlines()[2:]]
    assert medians and min(medians) > 0.1, table


def test_bench_transfer_stamps_its_runs_and_counts_those_of_other_code(tmp_path):
    """A kept run of bench_transfer.py was reused whatever code had made it; it is now stamped
    with the package's code_version, and the runs of other code are counted and named."""
    from syne_mohb.experiments.runner import code_version

    bt = _script("bench_transfer")
    job = ("mlp", "digits", "random", 0, 1.0)
    bt.save_cached(tmp_path, job, {"name": "mlp", "hv": [0.1]})
    kept = bt.load_cached(tmp_path, job)
    assert kept["code_version"] == code_version() and kept["hv"] == [0.1]
    assert bt.other_code([kept, {"hv": [0.2]}, {"code_version": "0" * 12}]) == 2


def test_hardware_tables_keeps_a_page_when_nothing_was_measured(tmp_path, capsys, monkeypatch):
    """Without cached runs, hardware_tables.py wrote an all-"Not run" page over the committed
    one; it now keeps the page and says why (exit status 1)."""
    monkeypatch.chdir(tmp_path)  # the sections' default folders are relative: none here
    page = tmp_path / "docs" / "benchmarks" / "hardware-decision.md"
    page.parent.mkdir(parents=True)
    page.write_text("measured\n")
    empty = tmp_path / "none"
    status = _script("hardware_tables").main([
        "--output", str(empty), "--stock-output", str(empty), "--stock300-output", str(empty),
        "--no-figures", "--docs-dir", str(tmp_path / "docs")])
    assert status == 1 and page.read_text() == "measured\n"
    assert "nothing measured" in capsys.readouterr().err


def test_compare_searchers_keeps_its_page_when_nothing_was_measured(tmp_path, capsys,
                                                                    monkeypatch):
    page = tmp_path / "docs" / "benchmarks" / "searcher.md"
    page.parent.mkdir(parents=True)
    page.write_text("measured\n")
    cs = _script("compare_searchers")
    monkeypatch.setattr(cs, "SECTIONS", [(h, str(tmp_path / "none"), p)
                                         for h, _, p in cs.SECTIONS])
    assert cs.main(["--page", "--no-figures", "--docs-dir", str(tmp_path / "docs")]) == 1
    assert page.read_text() == "measured\n"
    assert "nothing measured" in capsys.readouterr().err
