"""The syne-mohb command line: commands and their error messages."""
import pandas as pd
import pytest

from syne_mohb.cli import main
from syne_mohb.experiments.methods import method_names


def test_unknown_method_is_a_clear_error(capsys):
    assert main(["bench", "--methods", "moasha,hyperband", "--output", "unused"]) == 2
    err = capsys.readouterr().err
    assert "unknown method 'hyperband'" in err
    assert all(m in err for m in method_names())


def test_unknown_benchmark_is_a_clear_error(capsys):
    from syne_mohb.experiments.runner import benchmark_names

    assert main(["bench", "--benchmarks", "imagenet", "--output", "unused"]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark 'imagenet'" in err and benchmark_names()[0] in err


def test_unknown_task_is_a_clear_error(capsys):
    assert main(["demo", "--task", "mnist-9000", "--output", "unused"]) == 2
    assert "unknown task 'mnist-9000'" in capsys.readouterr().err


def test_report_on_missing_or_empty_folder(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2
    assert "no Syne Tune results" in capsys.readouterr().err


def test_resume_missing_folder(tmp_path, capsys):
    assert main(["resume", str(tmp_path / "gone")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_demo_rejects_unknown_method(capsys):
    assert main(["demo", "--method", "moasah", "--output", "unused"]) == 2
    assert "did you mean 'moasha'" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_prints_pareto_set_and_writes_plots(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--budget", "0.5", "--processes", "1",
                 "--seeds", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "(a) tuning dollars to the target" in out and "(b) the found model's own" in out
    assert "2 seeds" in out
    assert "Pareto set found by moasha," in out and "instance_type" in out
    assert "Single-objective ASHA on the default instance" in out
    pngs = [line.strip() for line in out.splitlines() if line.strip().endswith(".png")]
    assert len(pngs) >= 3
    assert all((tmp_path / "report").joinpath(p.split("/")[-1]).exists() for p in pngs)


@pytest.mark.slow
def test_bench_then_report(tmp_path, capsys):
    from syne_mohb.experiments.runner import benchmark_names, get_benchmark

    name = benchmark_names()[0]
    task = get_benchmark(name).tasks[0]
    assert main(["bench", "--methods", "moasha,nsga2", "--seeds", "2", "--benchmarks", name,
                 "--tasks", task,
                 "--max-trials", "12", "--processes", "1", "--quiet", "--output",
                 str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["report", str(tmp_path), "--output", str(tmp_path / "r2")]) == 0
    out = capsys.readouterr().out
    assert "moasha" in out and "nsga2" in out and "hypervolume" in out
    assert (tmp_path / "r2" / "summary.csv").exists()
    # what each method is, next to its name (compare like with like)
    assert ("\n  nsga2: instance type: searcher: NSGA-II (joint); "
            "hyperparameters: Optuna NSGA-II") in out
    legend = pd.read_csv(tmp_path / "r2" / "methods.csv")
    assert legend["method"].tolist() == ["moasha", "nsga2"]


def test_list_methods_describes_every_registered_method(capsys):
    from syne_mohb.experiments.methods import MAIN_METHODS

    assert main(["bench", "--list-methods"]) == 0
    out = capsys.readouterr().out
    listed = [line.split(" (needs ")[0].strip() for line in out.splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert sorted(listed) == sorted(method_names())
    assert listed[:len(MAIN_METHODS)] == MAIN_METHODS
    assert "not described" not in out
    assert out.count("instance type: ") == out.count("hyperparameters: ") == len(listed)
