"""Command-line answers to bad input and to folders left by earlier runs (issue 17, items 13,
14 and 16): one line naming the flag or folder and what to do, never a traceback; ``bench``
reuses a run only when its stored parameters are the requested ones.

Everything runs in-process (``syne_mohb.cli.main`` and the example's ``main``) on the small
``linear`` benchmark.
"""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sagemaker_example import IMAGE_US, ROLE
from syne_mohb.cli import main
from syne_mohb.experiments.runner import RunSpec, run_dir, run_one

BENCH = ["bench", "--methods", "moasha", "--benchmarks", "linear", "--tasks", "digits",
         "--seeds", "1", "--processes", "1", "--quiet"]
IMAGE_EU = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


def spec(out, **kwargs) -> RunSpec:
    return RunSpec(**{"method": "moasha", "benchmark": "linear", "task": "digits", "seed": 0,
                      "out_dir": str(out), "max_trials": 4, **kwargs})


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A finished simulated run (a plain Syne Tune run folder): copy it before changing it."""
    out = tmp_path_factory.mktemp("bench")
    run_one(spec(out))
    return out


# ------------------------------------------------------------------ item 13: bench
@pytest.mark.parametrize("flags,message", [
    (["--budget", "-1"], "--budget must be a number of simulated seconds > 0, got -1"),
    (["--budget", "nan"], "--budget must be a number of simulated seconds > 0, got nan"),
    (["--workers", "0"], "--workers must be an integer >= 1, got 0"),
    (["--processes", "0"], "--processes must be an integer >= 1, got 0"),
    (["--max-trials", "0"], "--max-trials must be an integer >= 1, got 0"),
    (["--seeds", "0"], "--seeds must be an integer >= 1, got 0"),
])
def test_bench_rejects_invalid_values_in_one_line(tmp_path, capsys, flags, message):
    out = tmp_path / "out"
    assert main(BENCH + flags + ["--output", str(out)]) == 2
    assert one_line_error(capsys) == f"syne-mohb bench: error: {message}"
    assert not out.exists()  # nothing was written


@pytest.mark.parametrize("flags,message", [
    (["--budget", "-1"], "--budget must be a number of simulated seconds > 0, got -1"),
    (["--processes", "0"], "--processes must be an integer >= 1, got 0"),
])
def test_demo_rejects_invalid_values_in_one_line(tmp_path, capsys, flags, message):
    assert main(["demo", "--output", str(tmp_path / "demo"), "--quiet"] + flags) == 2
    assert one_line_error(capsys) == f"syne-mohb demo: error: {message}"


@pytest.mark.parametrize("kwargs,name", [
    ({"budget": -1.0}, "budget"), ({"budget": float("inf")}, "budget"),
    ({"n_workers": 0}, "n_workers"), ({"max_trials": 0}, "max_trials"), ({"seed": -1}, "seed"),
])
def test_run_spec_validates_its_parameters(tmp_path, kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        spec(tmp_path, **kwargs)


def test_bench_reuses_only_runs_with_the_same_parameters(finished_run, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(finished_run, out)
    path = out / "linear" / "digits" / "moasha" / "seed-0"
    before = (path / "results.csv.zip").read_bytes(), (path / "metadata.json").read_bytes()
    args = BENCH + ["--output", str(out), "--max-trials", "4"]

    assert main(args) == 0
    assert ("reusing 1 finished runs with the same parameters (budget, workers, max trials, "
            "default instance): linear/digits/moasha/seed-0") in capsys.readouterr().out
    files = (path / "results.csv.zip", path / "metadata.json")
    assert tuple(f.read_bytes() for f in files) == before

    for flags, diff in [(["--max-trials", "5"], "max_trials 4 there, 5 asked"),
                        (["--max-trials", "4", "--workers", "2"], "n_workers 4 there, 2 asked"),
                        (["--max-trials", "4", "--budget", "0.5"], "budget_s ")]:
        assert main(BENCH + ["--output", str(out)] + flags) == 2
        err = one_line_error(capsys)
        assert "1 of 1 runs below" in err and "were made with other parameters" in err
        assert diff in err and "--overwrite" in err
        assert tuple(f.read_bytes() for f in files) == before  # nothing lost

    assert main(BENCH + ["--output", str(out), "--max-trials", "5", "--overwrite"]) == 0
    assert "running again linear/digits/moasha/seed-0: max_trials 4 there, 5 asked" in \
        capsys.readouterr().out
    info = json.loads((path / "metadata.json").read_text())["syne_mohb"]
    assert info["max_trials"] == 5 and info["finished"] is True and info["num_trials"] == 5


def test_bench_runs_again_a_run_left_with_an_empty_results_file(finished_run, tmp_path, capsys):
    """The folder an earlier `--max-trials 0` left: metadata with num_trials, empty results."""
    out = tmp_path / "out"
    shutil.copytree(finished_run, out)
    path = out / "linear" / "digits" / "moasha" / "seed-0"
    pd.DataFrame().to_csv(path / "results.csv.zip", index=False)  # what the Tuner wrote
    assert main(BENCH + ["--output", str(out), "--max-trials", "4"]) == 0
    captured = capsys.readouterr()
    assert "running again linear/digits/moasha/seed-0: results.csv.zip is empty" in captured.out
    assert "EmptyDataError" not in captured.err
    assert len(pd.read_csv(path / "results.csv.zip")) > 0


@pytest.mark.parametrize("max_trials", [1, 3])
def test_max_trials_below_the_workers_gives_that_many_trials_with_results(tmp_path, max_trials):
    """A cap on trials, not Syne Tune's max_num_trials_started (which ends the run once the
    cap is reached, before any of these trials reported)."""
    res = run_one(spec(tmp_path, max_trials=max_trials))  # 4 workers
    results = pd.read_csv(run_dir(spec(tmp_path)) / "results.csv.zip")
    assert res["num_trials"] == max_trials
    assert sorted(results.trial_id.unique()) == list(range(max_trials))  # each one reported


def test_run_state_never_counts_partial_results_as_finished(finished_run, tmp_path):
    from syne_mohb.experiments.runner import run_state

    s = spec(tmp_path)
    assert run_state(s).status == "missing"
    shutil.copytree(finished_run, tmp_path, dirs_exist_ok=True)
    path = run_dir(s)
    assert run_state(s).status == "finished"
    results = (path / "results.csv.zip").read_bytes()
    meta = json.loads((path / "metadata.json").read_text())

    (path / "results.csv.zip").write_bytes(results[: len(results) // 2])
    st = run_state(s)
    assert st.status == "unfinished" and "results.csv.zip is unreadable" in st.reason
    pd.DataFrame(columns=["trial_id", "st_tuner_time"]).to_csv(path / "results.csv.zip",
                                                               index=False)
    assert run_state(s).reason == "results.csv.zip holds no result"
    (path / "results.csv.zip").write_bytes(results)
    interrupted = {**meta, "syne_mohb": {k: v for k, v in meta["syne_mohb"].items()
                                         if k not in ("finished", "num_trials", "wall_s")}}
    (path / "metadata.json").write_text(json.dumps(interrupted))
    st = run_state(s)
    assert st.status == "unfinished" and "interrupted" in st.reason
    again = run_one(s)
    assert again["skipped"] is False and run_state(s).status == "finished"


def test_run_without_any_result_fails_and_stays_unfinished(tmp_path, monkeypatch):
    """A run whose Tuner wrote an empty results file (no result within the budget) is an
    error naming the budget, and its folder is not counted as finished."""
    import syne_mohb.experiments.runner as runner

    real = runner.run_replay

    def no_result(*args, **kwargs):
        tuner = real(*args, **kwargs)
        folder = Path(kwargs["results_root"]) / kwargs["tuner_name"]
        pd.DataFrame().to_csv(folder / "results.csv.zip", index=False)
        return tuner

    monkeypatch.setattr(runner, "run_replay", no_result)
    with pytest.raises(ValueError, match=r"reported no result within its budget of 2 simulated "
                                         r"seconds \(max_trials 4\); give a larger budget"):
        run_one(spec(tmp_path, budget=2.0))
    assert runner.run_state(spec(tmp_path, budget=2.0)).status == "unfinished"


# ------------------------------------------------------------------ item 16: resume
def test_resume_of_a_plain_syne_tune_run_says_what_can_be_resumed(finished_run, capsys):
    path = finished_run / "linear" / "digits" / "moasha" / "seed-0"
    assert main(["resume", str(path)]) == 2
    err = one_line_error(capsys)
    assert err.startswith(f"syne-mohb resume: error: {path} is a plain Syne Tune run folder")
    assert "only runs started with syne_mohb.durable.DurableTuner can be resumed" in err
    assert "DurableTuner(...) in place of syne_tune.Tuner" in err


def test_resume_of_a_parent_folder_lists_the_durable_runs_below(tmp_path, capsys):
    (tmp_path / "run-a").mkdir()
    (tmp_path / "run-a" / "journal.jsonl").write_text("")
    assert main(["resume", str(tmp_path)]) == 2
    err = one_line_error(capsys)
    assert "not a tuning run folder" in err
    assert f"durable runs below it: {tmp_path / 'run-a'}" in err
    assert main(["resume", str(tmp_path / "run-a")]) == 2
    assert "stopped before its first step" in one_line_error(capsys)


@pytest.fixture()
def finished_durable_run(tmp_path, monkeypatch, capsys):
    """A durable simulated run that ended by its stop criterion after 3 trials."""
    from durable_helpers.sim_driver import make_tuner

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))  # make_tuner sets it; restored after
    tuner = make_tuner(str(tmp_path), "durable", 0, max_trials=2)
    tuner.run()
    capsys.readouterr()
    return Path(tuner.tuner_path)


def _trials(run_dir: Path) -> int:
    """Trials started, as the run's journal records them."""
    from syne_mohb.durable import read_journal

    return sum(1 for e in read_journal(run_dir) if e["e"] == "start")


def test_resume_of_a_finished_durable_run_offers_to_extend_it(finished_durable_run, capsys):
    """Issue 23, item 11: it said "resumed and ended" (a local run) and offered nothing."""
    before = (finished_durable_run / "journal.jsonl").read_bytes()
    assert main(["resume", str(finished_durable_run)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"run {finished_durable_run} had already finished (stop criterion or "
                          f"search space exhausted; 3 trials started): nothing to resume")
    assert "resumed" not in out
    assert f"syne-mohb resume {finished_durable_run} --max-trials N and/or " \
           f"--max-wallclock-time SECONDS" in out
    assert (finished_durable_run / "journal.jsonl").read_bytes() == before  # nothing ran


def test_resume_extends_a_finished_run(finished_durable_run, capsys):
    assert main(["resume", str(finished_durable_run), "--max-trials", "5"]) == 0
    out = capsys.readouterr().out
    assert f"run {finished_durable_run} extended and ended" in out
    assert "2 new trials, 5 started in all" in out
    assert _trials(finished_durable_run) == 5
    # limits already reached: said, nothing started
    assert main(["resume", str(finished_durable_run), "--max-trials", "5"]) == 0
    out = capsys.readouterr().out
    assert "0 new trials, 5 started in all" in out and "nothing was started" in out
    assert _trials(finished_durable_run) == 5


@pytest.mark.parametrize("flags,message", [
    (["--max-trials", "0"], "--max-trials must be an integer >= 1, got 0"),
    (["--max-wallclock-time", "-5"], "--max-wallclock-time must be a number of seconds > 0, got -5"),
])
def test_resume_rejects_invalid_limits(finished_durable_run, capsys, flags, message):
    assert main(["resume", str(finished_durable_run)] + flags) == 2
    assert one_line_error(capsys) == f"syne-mohb resume: error: {message}"


# ------------------------------------------------------------------ issue 23, item 9
def test_demo_keeps_runs_made_with_other_parameters(finished_run, tmp_path, capsys):
    """The demo replaced them silently; like bench, it stops and names --overwrite."""
    out = tmp_path / "out"
    shutil.copytree(finished_run, out)
    path = out / "linear" / "digits" / "moasha" / "seed-0"
    before = (path / "results.csv.zip").read_bytes(), (path / "metadata.json").read_bytes()
    argv = ["demo", "--benchmark", "linear", "--task", "digits", "--seeds", "1", "--budget",
            "0.5", "--processes", "1", "--quiet", "--output", str(out)]
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert "1 of 2 runs below" in err and "were made with other parameters" in err
    assert "linear/digits/moasha/seed-0" in err and "--overwrite" in err
    assert ((path / "results.csv.zip").read_bytes(), (path / "metadata.json").read_bytes()) == before


@pytest.mark.parametrize("command", [BENCH, ["demo", "--quiet"]])
@pytest.mark.parametrize("where", ["file", "below a file"])
def test_output_that_is_a_file_is_a_one_line_error(tmp_path, capsys, command, where):
    blocker = tmp_path / "results.txt"
    blocker.write_text("keep me")
    output = blocker if where == "file" else blocker / "runs"
    assert main(command + ["--output", str(output)]) == 2
    err = one_line_error(capsys)
    assert err.startswith(f"syne-mohb {command[0]}: error: --output {output} ")
    assert "is a file, not a folder" in err
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize("command", [BENCH, ["demo", "--quiet"]])
def test_output_that_cannot_be_created_fails_once_before_any_run(tmp_path, capsys, monkeypatch,
                                                                  command):
    """A folder the file system refuses (read-only, /proc, ...) as root too, where the
    permission check passes: one line naming --output and the reason, before any run (the
    runs used to fail one by one, each with the same error)."""
    import errno
    import pathlib

    output = tmp_path / "ro" / "runs"
    real_mkdir = pathlib.Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self == output:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    assert main(command + ["--output", str(output)]) == 2
    err = one_line_error(capsys)
    assert err == (f"syne-mohb {command[0]}: error: --output {output} cannot be created: "
                   f"Read-only file system; give another folder")
    assert not (tmp_path / "ro").exists() or not any((tmp_path / "ro").iterdir())


# ------------------------------------------------------------------ item 14: SageMaker example
def example_error(example, argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        example.main(["--check-only"] + argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_example_check_only_needs_role_bucket_and_image(example, capsys):
    err = example_error(example, [], capsys)
    assert "missing --role-arn (or $SAGEMAKER_ROLE_ARN), --bucket (or $SYNE_MOHB_BUCKET), " \
           "--image-uri (or $SAGEMAKER_IMAGE_URI); --check-only needs them too" in err


@pytest.mark.parametrize("argv,message", [
    (ROLE + ["--bucket", "ab", "--image-uri", IMAGE_US],
     "--bucket 'ab' has 2 characters; S3 bucket names have 3 to 63 characters"),
    (ROLE + ["--bucket", "s3://my-bucket", "--image-uri", IMAGE_US], "without s3://"),
    (ROLE + ["--bucket", "My_Bucket", "--image-uri", IMAGE_US], "only lowercase letters"),
    (ROLE + ["--bucket", "my-bucket", "--image-uri", ""], "missing --image-uri"),
    (ROLE + ["--bucket", "my-bucket", "--image-uri", "   "], "missing --image-uri"),
    (ROLE + ["--bucket", "my-bucket", "--image-uri", "garbage"],
     "--image-uri 'garbage' is not an ECR image URI"),
    (ROLE + ["--bucket", "my-bucket", "--image-uri", IMAGE_US, "--region", "eu-west-1"],
     "--image-uri is in region 'us-east-1' but the jobs run in 'eu-west-1'"),
    (["--role-arn", "SageMakerTuning", "--bucket", "my-bucket", "--image-uri", IMAGE_US],
     "--role-arn 'SageMakerTuning' is not an IAM role ARN"),
    (ROLE + ["--bucket", "my-bucket", "--image-uri", IMAGE_US, "--prices", "ml.m5.large"],
     "--prices entries are TYPE=DOLLARS_PER_HOUR"),
])
def test_example_check_only_rejects_bad_arguments(example, capsys, argv, message):
    assert message in example_error(example, argv, capsys)


def test_example_in_a_region_without_prices_says_how_to_get_them(example, capsys):
    argv = ["--check-only", *ROLE, "--bucket", "my-bucket", "--image-uri", IMAGE_EU,
            "--region", "eu-west-1"]
    assert example.main(argv) == 2
    err = capsys.readouterr().err
    assert "no prices are known for region 'eu-west-1'" in err
    assert "refresh_prices('eu-west-1')" in err and "--prices" in err
    assert "loosen the filter" not in err
    assert example.main(argv + ["--prices", "ml.m5.large=0.128,ml.c5.xlarge=0.23"]) == 0
    out = capsys.readouterr().out
    assert "instance types ['ml.m5.large', 'ml.c5.xlarge']" in out and "check passed" in out


def test_example_check_only_passes_with_valid_arguments(example, capsys):
    assert example.main(["--check-only", *ROLE, "--bucket", "my-bucket",
                         "--image-uri", IMAGE_US]) == 0
    assert "check passed" in capsys.readouterr().out


def test_instance_types_without_prices_for_the_region():
    from syne_mohb.hardware import instance_types, load_catalog
    from syne_mohb.hardware.catalog import MissingPriceError

    catalog = load_catalog(region="ap-south-1", use_cache=False)
    with pytest.raises(MissingPriceError, match=r"no prices are known for region 'ap-south-1'"):
        instance_types(catalog=catalog, max_gpus=0)
    with pytest.raises(ValueError, match="loosen the filter"):  # priced, but too tight a filter
        instance_types(catalog=load_catalog(use_cache=False), max_price_per_hour=0.01)


def test_a_cached_run_made_by_other_code_is_reused_and_named(finished_run, tmp_path, caplog):
    """A finished run is reused by its parameters; when its ``code_version`` stamp is not this
    checkout's (a method's default changed since it ran), ``run_many`` says so, naming a
    run, and ``other_code_runs`` lists it."""
    import logging

    from syne_mohb.experiments.runner import code_version, other_code_runs, run_many

    shutil.copytree(finished_run, tmp_path, dirs_exist_ok=True)
    s = spec(tmp_path)
    path = run_dir(s)
    meta = json.loads((path / "metadata.json").read_text())
    assert meta["syne_mohb"]["code_version"] == code_version()
    assert len(code_version()) == 12 and code_version() == code_version()

    same = run_many([s], processes=1, progress=False)
    assert same[0]["skipped"] and other_code_runs(same) == []

    meta["syne_mohb"]["code_version"] = "0123456789ab"
    (path / "metadata.json").write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING, logger="syne_mohb.experiments.runner"):
        again = run_many([s], processes=1, progress=False)
    assert again[0]["skipped"] and other_code_runs(again) == [str(path)]
    assert "1 of the 1 reused runs were made by other code" in caplog.text
    assert str(path) in caplog.text and code_version() in caplog.text
