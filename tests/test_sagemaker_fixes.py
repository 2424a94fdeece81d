"""The SageMaker backend as a user meets it, against the moto server and the fake cluster
(tests/moto_cluster.py): a relative entry point resumed from another folder, a resume that
needs its container environment or whose code is gone, a bucket that does not exist, a script
that exits 0 without reporting under a plain Syne Tune ``Tuner``, and the SageMaker example
(max_failures, budget, its temporary code folder)."""
from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import pytest
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend.trial_status import Status
from syne_tune.config_space import choice, loguniform
from syne_tune.optimizer.baselines import RandomSearch

from sagemaker_example import IMAGE_US, ROLE
from sagemaker_fixtures import BUCKET, SIM_SCRIPT
from syne_mohb.durable import DurableTuner, read_journal, resume
from syne_mohb.scheduler import MOASHA

pytestmark = pytest.mark.slow


def durable_run(backend, name: str) -> DurableTuner:
    """A short durable MO-ASHA run (2 trials of 2 epochs) on ``backend``, run to its end."""
    space = {"learning_rate": loguniform(1e-3, 0.3), "epochs": 2,
             "instance_type": choice(["ml.m5.large", "ml.c5.xlarge"])}
    scheduler = MOASHA(space, metrics=["accuracy", "st_worker_cost"], mode=["max", "min"],
                       time_attr="epoch", max_t=2, grace_period=1, random_seed=1)
    tuner = DurableTuner(trial_backend=backend, scheduler=scheduler,
                         stop_criterion=StoppingCriterion(max_num_trials_started=1), n_workers=2,
                         sleep_time=0.05, tuner_name=name, suffix_tuner_name=False,
                         print_update_interval=3600, wait_trial_completion_when_stopping=True)
    tuner.run()
    return tuner


def code_in_s3(clients, backend) -> list[str]:
    key = f"tuning/{backend.run_id}/code/sourcedir.tar.gz"
    body = clients["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        return sorted(tar.getnames())


def trained_after_resume(tuner, started_before: int) -> list[int]:
    """The trials the resumed session started; each of them trained (reported results) and
    none failed."""
    backend = tuner.trial_backend
    new = [tid for tid in sorted(backend._records) if tid >= started_before]
    assert new
    for tid in new:
        assert backend.trial_record(tid)["status"] != Status.failed, backend.stderr(tid)
        assert backend._records[tid].metrics, backend.stdout(tid)
    return new


def test_relative_entry_point_resumed_from_another_folder_runs_the_same_code(
        sm, make_backend, monkeypatch, tmp_path):
    """entry_point="train.py" (as in the tutorial); `syne-mohb resume` from another folder
    ships the run's code folder, not the current one: the new trials complete. A resume whose
    code is gone is one clear error before anything starts."""
    server, cluster, clients = sm
    code, elsewhere = tmp_path / "code", tmp_path / "elsewhere"
    code.mkdir()
    elsewhere.mkdir()
    shutil.copy(SIM_SCRIPT, code / "train.py")
    (elsewhere / "notes.txt").write_text("not the run's code\n")
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path / "runs"))
    monkeypatch.chdir(code)
    backend = make_backend(entry_point="train.py", install_signal_handlers=False,
                           run_id="relentry")
    tuner = durable_run(backend, "relentry")
    run_dir = Path(tuner.tuner_path)
    before = len(backend.trial_ids)
    assert code_in_s3(clients, backend) == ["train.py"]

    monkeypatch.chdir(elsewhere)
    (code / "train.py").rename(code / "moved.py")
    creates = server.plan.requests.count("CreateTrainingJob")
    more = StoppingCriterion(max_num_trials_started=before + 1)
    with pytest.raises(ValueError, match=rf"cannot resume {run_dir}: the run's training script "
                                         rf"{code / 'train.py'} is not there: put it back at "
                                         rf"that path and resume again; nothing was started"):
        resume(run_dir, stop_criterion=more)
    assert server.plan.requests.count("CreateTrainingJob") == creates

    (code / "moved.py").rename(code / "train.py")
    resumed = resume(run_dir, stop_criterion=more)
    try:
        trained_after_resume(resumed, before)
        assert code_in_s3(clients, resumed.trial_backend) == ["train.py"]
        assert not [e for e in read_journal(run_dir) if e["e"] == "failed"]
    finally:
        resumed.trial_backend.stop_all_jobs()
        resumed.trial_backend.close()


def test_resume_of_a_run_with_a_container_environment_asks_for_it_first(
        sm, make_backend, monkeypatch, tmp_path):
    """The environment's values are not saved: a resume without them stops before it starts
    anything, saying how to give them; with them, the new jobs get them."""
    server, cluster, clients = sm
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path / "runs"))
    backend = make_backend(environment={"API_TOKEN": "tok-secret-1"},
                           install_signal_handlers=False, run_id="withenv")
    tuner = durable_run(backend, "withenv")
    run_dir = Path(tuner.tuner_path)
    before = len(backend.trial_ids)
    creates = server.plan.requests.count("CreateTrainingJob")
    more = StoppingCriterion(max_num_trials_started=before + 1)
    with pytest.raises(ValueError) as err:
        resume(run_dir, stop_criterion=more)
    assert str(err.value).startswith(f"cannot resume {run_dir}: the run's jobs need their "
                                     f"container environment variables ['API_TOKEN']")
    assert "syne_mohb.durable.resume(RUN_DIR, environment={'API_TOKEN': ...})" in str(err.value)
    assert server.plan.requests.count("CreateTrainingJob") == creates

    resumed = resume(run_dir, stop_criterion=more, environment={"API_TOKEN": "tok-secret-1"})
    try:
        for tid in trained_after_resume(resumed, before):
            for name in resumed.trial_backend.job_names(tid):
                assert cluster.jobs[name].environment == {"API_TOKEN": "tok-secret-1"}
    finally:
        resumed.trial_backend.stop_all_jobs()
        resumed.trial_backend.close()


def test_a_bucket_that_does_not_exist_is_one_clear_error(sm, make_backend):
    server, cluster, clients = sm
    backend = make_backend(s3_root="s3://no-such-bucket-7f3a/tuning")
    with pytest.raises(ValueError, match=r"s3_root 's3://no-such-bucket-7f3a/tuning': the "
                                         r"bucket 'no-such-bucket-7f3a' does not exist "
                                         r"\(region us-east-1\); create it or fix the name"):
        backend.start_trial({"learning_rate": 0.01, "epochs": 1, "instance_type": "ml.m5.large"})
    assert backend._records == {}  # nothing half-made
    assert "CreateTrainingJob" not in server.plan.requests


def test_a_script_that_reports_nothing_fails_its_trial_and_the_run_goes_on(
        sm, make_backend, monkeypatch, tmp_path):
    """Under a plain Syne Tune Tuner (which raises "completed and no metrics got observed"
    for such a trial) the run goes on; the trial fails with the reason."""
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    backend = make_backend(install_signal_handlers=False)
    space = {"learning_rate": 0.01, "epochs": choice([0, 2]), "instance_type": "ml.m5.large"}
    scheduler = RandomSearch(space, metrics=["accuracy"], do_minimize=False, random_seed=0,
                             points_to_evaluate=[{"epochs": 0}, {"epochs": 2}])
    tuner = Tuner(trial_backend=backend, scheduler=scheduler,
                  stop_criterion=StoppingCriterion(max_num_trials_started=1), n_workers=2,
                  sleep_time=0.05, max_failures=1, print_update_interval=3600,
                  wait_trial_completion_when_stopping=True, save_tuner=False)
    tuner.run()
    assert backend.trial_record(0)["status"] == Status.failed
    assert "without reporting any metric" in backend.stderr(0)[-1]
    assert backend.trial_record(1)["status"] == Status.completed
    assert tuner.tuning_status.num_trials_failed == 1


def test_example_run_over_max_failures_prints_what_it_got(sm, make_backend, example,
                                                          monkeypatch, tmp_path, capsys):
    """examples/sagemaker_instance_tuning.py against the moto server: trial 0 trains, the
    next ones fail (no capacity) until max_failures is passed. No traceback: the Pareto front
    of what was obtained and one line; the budget as given; no temporary folder left."""
    server, cluster, clients = sm
    # job names end with -<trial>-<attempt>
    cluster.behaviour = lambda name, hp: {} if name.split("-")[-2] == "0" else {"capacity": True}
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path / "runs"))
    monkeypatch.setattr(example, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(example, "SageMakerBackend",
                        lambda **kw: make_backend(**{**kw, "install_signal_handlers": False}))

    def light_code() -> Path:  # the example's folder, with the light script of the tests
        folder = Path(example.tempfile.mkdtemp(prefix="syne-mohb-sm-"))
        shutil.copy(SIM_SCRIPT, folder / "sagemaker_train.py")
        return folder

    monkeypatch.setattr(example, "source_folder", light_code)
    argv = [*ROLE, "--bucket", BUCKET, "--image-uri", IMAGE_US, "--prefix", "tuning",
            "--n-workers", "1", "--max-cost", "0.001"]
    assert example.main(argv) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(
        "error: the run stopped after 3 failed trials (more than max_failures=2)")
    assert "Pareto front (accuracy max, cost min, time min):" in out
    assert "budget $0.001;" in out
    assert not list(tmp_path.glob("syne-mohb-sm-*"))


def test_example_check_only_leaves_no_temporary_folder(example, tmp_path, capsys):
    argv = ["--check-only", *ROLE, "--bucket", "my-bucket", "--image-uri", IMAGE_US]
    assert example.main(argv) == 0
    assert "check passed" in capsys.readouterr().out
    assert not list(tmp_path.glob("syne-mohb-sm-*"))
