"""The examples as a new user runs them: a wrong flag value is one line naming the flag (before
anything starts), a flag in the other examples' spelling is understood, a run with no result
says so instead of a traceback, Ctrl-C is one line saying where the results are, and the
training scripts check their hyperparameters and say which arguments they ignore. Fast: the
argument checks and small functions only (full runs: test_e2e_local.py,
test_simulated_backend.py, test_sagemaker_*.py)."""
from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"walkthrough_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _error_line(call, capsys) -> str:
    """The last stderr line of ``call()``, which must exit with argparse's status 2."""
    with pytest.raises(SystemExit) as e:
        call()
    assert e.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, message", [
    (["--task", "nope"], "--task 'nope' is not a task of --benchmark mlp; choose one of digits"),
    (["--benchmark", "cnn", "--task", "digits"], "choose one of mnist"),
    (["--budget", "0"], "--budget must be > 0"),
    (["--workers", "0"], "--workers must be >= 1"),
    (["--keep-alive", "-1"], "--keep-alive must be >= 0"),
])
def test_simulated_tuning_refuses_bad_values_in_one_line(argv, message, capsys):
    example = _load("simulated_tuning")
    assert message in _error_line(lambda: example.main(argv), capsys)


def test_local_hardware_tuning_checks_its_flags_before_starting(capsys):
    example = _load("local_hardware_tuning")
    line = _error_line(lambda: example.main(["--max_cores", "999"]), capsys)
    assert "--max_cores must be 1.." in line and "got 999" in line
    # the dashed spelling of moasha_local_digits.py is understood
    line = _error_line(lambda: example.main(["--max-wallclock", "5", "--n-workers", "0"]), capsys)
    assert line.endswith("--n_workers must be >= 1, got 0")
    for argv, message in ((["--epochs", "0"], "--epochs must be >= 1"),
                          (["--max_cost_per_trial", "-1"], "--max_cost_per_trial must be > 0")):
        assert message in _error_line(lambda: example.main(argv), capsys)


def test_moasha_local_digits_checks_its_flags(capsys):
    example = _load("moasha_local_digits")
    # the underscore spelling of the other examples is understood
    line = _error_line(lambda: example.main(["--max_wallclock", "5", "--workers", "0"]), capsys)
    assert line.endswith("--workers must be >= 1, got 0")
    assert "--max-wallclock must be > 0" in _error_line(
        lambda: example.main(["--max-wallclock", "-1"]), capsys)


def test_ray_cluster_tuning_checks_its_flags_before_starting_a_cluster(tmp_path, capsys):
    example = _load("ray_cluster_tuning")
    assert "--max_cost_per_trial must be > 0" in _error_line(
        lambda: example.parse_args(["--max-cost-per-trial", "-1"]), capsys)
    assert "--address needs --node_types" in _error_line(
        lambda: example.parse_args(["--address", "h:6379"]), capsys)
    types_json = tmp_path / "types.json"
    types_json.write_text('{"cpu": {"price_per_hour": 0.1, "num_cpus": 1}}')
    args = example.parse_args(["--address", "h:6379", "--node-types", str(types_json),
                               "--max-wallclock", "5"])
    assert args.node_types == {"cpu": {"price_per_hour": 0.1, "num_cpus": 1}}
    assert args.max_wallclock == 5


def test_ray_local_cluster_leaves_no_session_folder(tmp_path, monkeypatch):
    example = _load("ray_cluster_tuning")
    session = tmp_path / "session_x"
    (session / "logs").mkdir(parents=True)
    calls = []
    monkeypatch.setitem(sys.modules, "ray",
                        types.SimpleNamespace(shutdown=lambda: calls.append("ray")))
    cluster = types.SimpleNamespace(
        head_node=types.SimpleNamespace(get_session_dir_path=lambda: str(session)),
        shutdown=lambda: calls.append("cluster"))
    example.stop_local_cluster(cluster)
    assert calls == ["ray", "cluster"] and not session.exists()


def test_sagemaker_pareto_front_of_a_run_without_results(example, capsys):
    example.print_pareto_front(pd.DataFrame(), ["max", "min", "min"])
    assert capsys.readouterr().out.strip() == "no results: none of the 0 trials reported a metric"
    failed = pd.DataFrame({"trial_id": [0, 1], "status": ["Failed", "Failed"]})
    example.print_pareto_front(failed, ["max", "min", "min"])
    assert capsys.readouterr().out.strip() == "no results: none of the 2 trials reported a metric"


def test_sagemaker_pareto_front_leaves_out_trials_without_results(example, capsys):
    df = pd.DataFrame({"trial_id": [0, 0, 1, 2], "accuracy": [0.5, 0.9, 0.8, None],
                       "worker-cost": [1e-4, 2e-4, 1e-4, None],
                       "worker-time": [1.0, 2.0, 1.0, None],
                       "instance_type": ["ml.m5.large"] * 4, "learning_rate": [0.1] * 4,
                       "batch_size": [16] * 4})
    example.print_pareto_front(df, ["max", "min", "min"])
    out = capsys.readouterr().out
    # the last result of each trial: the best of them, not the best result ever reported
    assert out.strip().splitlines()[-1] == "trials with results: 2 of 3, best last accuracy 0.9000"


def test_sagemaker_ctrl_c_prints_what_was_obtained_then_one_line(example, monkeypatch, capsys):
    class Backend:
        run_id = "r1"

        def __init__(self, **kwargs):
            pass

        def validate_config_space(self, space):
            return ["ml.m5.large"]

        def wait_for_jobs(self, timeout_s, poll_s):
            return []

        def total_cost(self):
            return 0.01

        def close(self):
            pass

    class Tuner:
        tuner_path = "/runs/sm-instance-tuning-r1"

        def __init__(self, **kwargs):
            self.tuning_status = types.SimpleNamespace(get_dataframe=pd.DataFrame)

        def run(self):
            raise KeyboardInterrupt

    monkeypatch.setattr(example, "SageMakerBackend", Backend)
    monkeypatch.setattr(example, "Tuner", Tuner)
    args = example.parse_args(["--role-arn", "arn:aws:iam::111122223333:role/R", "--bucket",
                               "my-bucket", "--image-uri",
                               "683313688378.dkr.ecr.us-east-1.amazonaws.com/sklearn:1"])
    assert example.tune(args, None, {"epochs": 1}, Path("/src")) == 130
    out, err = capsys.readouterr()
    assert "billed cost of all jobs: $0.010000 (budget $2; not reached)\n" in out
    assert "no results" in out
    assert err.strip() == "interrupted: the results so far are in /runs/sm-instance-tuning-r1"


@pytest.mark.parametrize("name, flags", [
    ("train_digits", ["--lr", "0.01"]),
    ("train_digits_hw", ["--lr", "0.01"]),
    ("sagemaker_train", ["--learning_rate", "0.01"]),
])
def test_training_scripts_check_values_and_name_ignored_arguments(name, flags, monkeypatch,
                                                                  capsys):
    script = _load(name)
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / f"{name}.py")])  # argparse's prog
    args = script.parse_args([*flags, "--instance_type", "x", "--epochs", "2"])
    assert args.epochs == 2 and capsys.readouterr().err == ""  # the backend's own: silent
    script.parse_args([*flags, "--lrr", "3"])  # a typo is not silently dropped
    assert capsys.readouterr().err.strip() == f"{name}.py: ignoring unknown arguments --lrr 3"
    for bad, message in ((["--alpha", "-1"], "--alpha must be >= 0, got -1.0"),
                         (["--epochs", "0"], "--epochs must be >= 1, got 0")):
        assert _error_line(lambda: script.parse_args([*flags, *bad]), capsys).endswith(message)


def test_train_digits_says_when_its_checkpoint_has_nothing_left_to_train(tmp_path, monkeypatch,
                                                                         capsys):
    script = _load("train_digits")
    argv = ["train_digits.py", "--epochs", "1", "--hidden", "8", "--st_checkpoint_dir",
            str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    script.main()
    assert capsys.readouterr().out.count("[tune-metric]") == 1
    script.main()  # the same folder again: nothing lost, nothing trained, and said so
    out, err = capsys.readouterr()
    assert "[tune-metric]" not in out
    assert "is at epoch 1 >= --epochs 1: nothing to train" in err
