"""Unit tests of the SageMaker backend's pieces that need no server: job names, hyperparameter
encoding, retry policy and error classification, metric parsing, cost math, validation, pickling."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import dill
import numpy as np
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError
from syne_tune.config_space import choice, randint, uniform

from syne_mohb.backends.sagemaker.jobs import (
    JOB_NAME_PATTERN,
    decode_hyperparameters,
    encode_hyperparameters,
    job_name,
    job_tags,
    make_run_id,
    pack_source_dir,
    parse_s3_uri,
    validate_user_tags,
)
from syne_mohb.backends.sagemaker.logs import parse_metric_line
from syne_mohb.backends.sagemaker.retry import (
    RetryingCaller,
    RetryPolicy,
    is_capacity_error,
    is_retryable,
)
from syne_mohb.backends.sagemaker.records import Attempt, TrialRecord
from syne_mohb.backends.sagemaker import SageMakerBackend
from syne_mohb.hardware import MissingPriceError, UnknownInstanceTypeError

from sagemaker_fixtures import BUCKET, DUMMY_SECRET, IMAGE, ROLE, TRAIN_SCRIPT


def client_error(code: str, status: int = 400, message: str = "boom") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


def offline_backend(**kw) -> SageMakerBackend:
    args = dict(entry_point=str(TRAIN_SCRIPT), image_uri=IMAGE, role_arn=ROLE,
                s3_root=f"s3://{BUCKET}/x", region_name="us-east-1",
                install_signal_handlers=False)
    args.update(kw)
    return SageMakerBackend(**args)


def test_import_syne_mohb_does_not_import_boto3():
    code = ("import sys, syne_mohb, syne_mohb.backends, syne_mohb.backends.sagemaker\n"
            "light = lambda: not {'boto3', 'botocore'} & set(sys.modules)\n"
            "assert light(), sorted(m for m in sys.modules if m.startswith('boto'))[:3]\n"
            "from syne_mohb import SageMakerBackend\n"
            "assert not light()  # the backend itself needs boto3, on first use\n"
            "from syne_mohb.backends import RetryPolicy, SageMakerBackend as B2\n"
            "from syne_mohb.backends.sagemaker import SageMakerBackend as B3, RetryPolicy as R3\n"
            "assert SageMakerBackend is B2 is B3 and RetryPolicy is R3\n")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parent.parent)


# -- names, tags, hyperparameters -------------------------------------------------------------
def test_job_names_are_valid_unique_and_fit_63_chars():
    run = make_run_id()
    assert re.fullmatch(r"[0-9]{10}[0-9a-f]{4}", run)
    names = {job_name("my_train.script v2!" * 10, run, t, a) for t in (0, 7, 123456)
             for a in (0, 1, 42)}
    assert len(names) == 9
    for n in names:
        assert len(n) <= 63 and JOB_NAME_PATTERN.match(n), n
        assert n.endswith(tuple(f"{run}-{t}-{a}" for t in (0, 7, 123456) for a in (0, 1, 42)))
    assert job_name("___", run, 1, 0) == f"st-{run}-1-0"


def test_tags_identify_run_trial_attempt_and_reserved_keys_are_refused():
    tags = {t["Key"]: t["Value"] for t in job_tags("r1", 3, 2, "tuner 1", {"team": "ml"})}
    assert tags == {"syne-mohb:run-id": "r1", "syne-mohb:trial-id": "3",
                    "syne-mohb:attempt": "2", "syne-mohb:tuner-name": "tuner 1", "team": "ml"}
    with pytest.raises(ValueError, match="reserved"):
        validate_user_tags({"syne-mohb:run-id": "x"})
    with pytest.raises(ValueError, match="reserved"):
        validate_user_tags({"aws:x": "y"})
    with pytest.raises(ValueError, match="tags"):
        validate_user_tags({"k": 1})


def test_hyperparameters_are_json_strings_and_round_trip():
    config = {"lr": np.float64(0.001), "layers": np.int64(3), "act": "relu", "flag": True,
              "sizes": [1, 2], "looks_numeric": "1e-3", "instance_type": "ml.m5.large"}
    hps = encode_hyperparameters(config, trial_id=4)
    assert all(isinstance(v, str) for v in hps.values())
    assert hps["lr"] == "0.001" and hps["layers"] == "3" and hps["flag"] == "true"
    assert hps["act"] == '"relu"' and hps["looks_numeric"] == '"1e-3"'
    assert decode_hyperparameters(hps) == {**config, "lr": 0.001, "layers": 3}
    assert decode_hyperparameters({"raw": "not json"}) == {"raw": "not json"}


@pytest.mark.parametrize("config, match", [
    ({"text": "x" * 3000}, r"trial 9: hyperparameter 'text' encodes to 3002 characters"),
    ({"lr": float("nan")}, r"trial 9: hyperparameter 'lr' is nan"),
    ({"obj": object()}, r"trial 9: hyperparameter 'obj'=.* is not JSON-serializable"),
    ({f"k{i}": i for i in range(101)}, r"at most 100"),
])
def test_bad_hyperparameters_name_trial_and_key(config, match):
    with pytest.raises(ValueError, match=match):
        encode_hyperparameters(config, trial_id=9)


def test_s3_uris_and_source_packing(tmp_path):
    assert parse_s3_uri("s3://my-bucket/a/b/") == ("my-bucket", "a/b")
    assert parse_s3_uri("s3://my-bucket") == ("my-bucket", "")
    with pytest.raises(ValueError, match="s3_root"):
        parse_s3_uri("my-bucket/a")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "train.py").write_text("print(1)\n")
    (tmp_path / "pkg" / "util.py").write_text("X = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0")
    blob = pack_source_dir(tmp_path)
    assert blob == pack_source_dir(tmp_path)  # reproducible
    # also a second later: the gzip header held the current time (bytes 4-7, MTIME), so
    # two packings that straddled a second differed
    assert blob[4:8] == b"\0\0\0\0"
    import io
    import tarfile
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        assert sorted(tar.getnames()) == ["pkg/util.py", "train.py"]


# -- retries and error classes ----------------------------------------------------------------
def test_retry_with_backoff_survives_throttling_and_connection_errors():
    sleeps = []
    caller = RetryingCaller(RetryPolicy(max_attempts=6, base_delay=0.5, max_delay=4.0),
                            random_seed=0, sleep=sleeps.append)
    errors = [client_error("ThrottlingException"), client_error("ThrottledException"),
              client_error("RequestLimitExceeded"), client_error("InternalError", 500),
              ConnectionClosedError(endpoint_url="http://x")]
    calls = []

    def flaky(x):
        calls.append(x)
        if errors:
            raise errors.pop(0)
        return x * 2

    assert caller("Describe", flaky, 21) == 42
    assert len(calls) == 6 and len(sleeps) == 5
    # full jitter: the k-th sleep lies in [0, min(max_delay, base * 2**k)]
    for k, s in enumerate(sleeps):
        assert 0 <= s <= min(4.0, 0.5 * 2 ** k)
    assert caller.stats["Describe:ThrottlingException"] == 1
    assert caller.stats["Describe:ConnectionClosedError"] == 1
    # the jitter is seeded
    again = []
    c2 = RetryingCaller(RetryPolicy(max_attempts=6, base_delay=0.5, max_delay=4.0),
                        random_seed=0, sleep=again.append)
    errs = [client_error("Throttling") for _ in range(5)]

    def throttled():
        if errs:
            raise errs.pop(0)
        return 1

    assert c2("Describe", throttled) == 1
    assert again == sleeps


def test_retry_gives_up_and_does_not_retry_fatal_errors():
    sleeps = []
    caller = RetryingCaller(RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0),
                            sleep=sleeps.append)

    def always(exc):
        raise exc

    with pytest.raises(EndpointConnectionError):
        caller("Get", always, EndpointConnectionError(endpoint_url="http://x"))
    assert caller.stats["Get:gave-up"] == 1 and len(sleeps) == 2
    with pytest.raises(ClientError):
        caller("Create", always, client_error("ResourceLimitExceeded"))
    with pytest.raises(ClientError):
        caller("Create", always, client_error("ValidationException"))
    assert len(sleeps) == 2  # neither was retried
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="max_delay"):
        RetryPolicy(base_delay=2.0, max_delay=1.0)


def test_error_classification():
    assert is_retryable(client_error("ThrottlingException"))
    assert is_retryable(client_error("Whatever", status=502))
    assert not is_retryable(client_error("ValidationException"))
    assert is_capacity_error(client_error("ResourceLimitExceeded"))
    assert is_capacity_error("CapacityError: Unable to provision requested ML compute capacity.")
    assert is_capacity_error("InsufficientCapacityError: no ml.p4d.24xlarge in us-east-1a")
    assert not is_capacity_error("AlgorithmError: ExecuteUserScriptError")
    assert not is_capacity_error(None)


# -- metrics and cost -------------------------------------------------------------------------
def test_metric_lines_are_parsed_like_syne_tune():
    line = '2026-01-01 [tune-metric]: {"epoch": 2, "accuracy": 0.9, "st_worker_iter": 1}'
    assert parse_metric_line(line) == {"epoch": 2, "accuracy": 0.9, "st_worker_iter": 1}
    assert parse_metric_line("[tune-metric]: {broken") is None
    assert parse_metric_line("epoch 2 accuracy 0.9") is None


def _job(backend, trial_id=0, **kw):
    """A trial with one job (``Attempt``) held by ``backend``, as the poller keeps it."""
    a = Attempt(job_name=f"j{trial_id}", attempt=0, trial_id=trial_id, **kw)
    backend._records[trial_id] = TrialRecord(trial_id=trial_id, config={}, attempts=[a])
    return backend._records[trial_id], a


def test_job_cost_uses_billable_seconds_once_ended(monkeypatch):
    b = offline_backend()
    rec, a = _job(b, instance_type="ml.g5.xlarge", instance_count=2, price_per_hour=1.006,
                  created=True, status="InProgress", training_start=1000.0)
    b._sync_job_cost(a)
    # running: elapsed training seconds x price x count
    assert math.isclose(b._result_time_cost(rec, 0, 1360.0, None)[1], 360 * 1.006 / 3600 * 2)
    monkeypatch.setattr(b.cost_ledger, "clock", lambda: 1720.0)
    assert math.isclose(b.job_cost(a), 720 * 1.006 / 3600 * 2)
    assert math.isclose(b.trial_cost(0), 720 * 1.006 / 3600 * 2)
    # ended on spot: 720 s trained, 288 s billed -> every result is scaled by 0.4
    a.status, a.training_end, a.training_seconds, a.billable_seconds = "Completed", 1720.0, 720, 288
    b._sync_job_cost(a)
    monkeypatch.setattr(b.cost_ledger, "clock", lambda: 99999.0)  # ended: the clock is moot
    assert math.isclose(b.job_cost(a), 288 * 1.006 / 3600 * 2)
    assert math.isclose(b.total_cost(), 288 * 1.006 / 3600 * 2)
    rec.last_time = 0.0
    t, cost = b._result_time_cost(rec, 0, 1360.0, None)
    assert t == 360.0 and math.isclose(cost, 360 * 0.4 * 1.006 / 3600 * 2)
    t, cost = b._result_time_cost(rec, 0, 9999.0, None)
    assert t == 720.0 and math.isclose(cost, b.job_cost(a))  # clamped to the job's end
    # a second job of the trial adds to the first one's bill; time never decreases
    b2 = Attempt(job_name="j0-1", attempt=1, trial_id=0, instance_type="ml.m5.large",
                 instance_count=1, price_per_hour=0.134, created=True, status="InProgress",
                 training_start=2000.0)
    rec.attempts.append(b2)
    b._sync_job_cost(b2)
    t, cost = b._result_time_cost(rec, 1, 2036.0, None)
    assert t == 720.0 + 36.0
    assert math.isclose(cost, 288 * 1.006 / 3600 * 2 + 36 * 0.134 / 3600)
    assert b._result_time_cost(rec, 1, 2010.0, None)[0] == t  # a clock going back
    # no TrainingStartTime known: the script's own time is the fallback
    rec2, c = _job(b, trial_id=1, instance_type="ml.m5.large", instance_count=1,
                   price_per_hour=0.134)
    b._sync_job_cost(c)
    assert 1 not in b.cost_ledger
    assert b._result_time_cost(rec2, 0, 5000.0, 36.0) == (36.0, 36 * 0.134 / 3600)


# -- validation at the boundary ---------------------------------------------------------------
def test_constructor_names_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="entry_point"):
        offline_backend(entry_point=str(tmp_path / "missing.py"))
    with pytest.raises(ValueError, match="role_arn"):
        offline_backend(role_arn="SageMakerRole")
    with pytest.raises(ValueError, match="s3_root"):
        offline_backend(s3_root="bucket/prefix")
    with pytest.raises(ValueError, match="instance_count"):
        offline_backend(instance_count=0)
    with pytest.raises(ValueError, match="max_wait_seconds"):
        offline_backend(max_wait_seconds=100)
    with pytest.raises(ValueError, match="max_wait_seconds must be an int >= max_run_seconds"):
        offline_backend(use_spot_instances=True, max_run_seconds=600, max_wait_seconds=100)
    with pytest.raises(ValueError, match="subnets and security_group_ids"):
        offline_backend(subnets=["subnet-1"])
    with pytest.raises(ValueError, match="source_dir"):
        offline_backend(source_dir=str(tmp_path))
    with pytest.raises(ValueError, match="run_id"):
        offline_backend(run_id="has-dash")


def test_validate_config_space_catches_unknown_types_before_tuning():
    b = offline_backend()
    good = {"lr": uniform(0, 1), "instance_type": choice(["ml.m5.large", "ml.g5.xlarge"])}
    assert b.validate_config_space(good) == ["ml.m5.large", "ml.g5.xlarge"]
    with pytest.raises(UnknownInstanceTypeError, match="ml.m5.large"):  # closest names listed
        b.validate_config_space({"instance_type": choice(["ml.m5.largee"])})
    with pytest.raises(ValueError, match="no 'instance_type'"):
        b.validate_config_space({"lr": uniform(0, 1)})
    assert offline_backend(instance_type="ml.c5.xlarge").validate_config_space({}) == \
        ["ml.c5.xlarge"]
    with pytest.raises(ValueError, match="instance_count"):
        b.validate_config_space({**good, "instance_count": choice([0, 1])})
    assert b.validate_config_space({**good, "instance_count": randint(1, 4)})
    with pytest.raises(ValueError, match="instance_type"):
        b.validate_config_space({"instance_type": uniform(0, 1)})
    # another region without refreshed prices: a clear error, or prices given by the user
    eu = offline_backend(region_name="eu-west-1")
    with pytest.raises(MissingPriceError, match="ml.m5.large"):
        eu.validate_config_space(good)
    eu2 = offline_backend(region_name="eu-west-1", prices={"ml.m5.large": 0.15,
                                                           "ml.g5.xlarge": 1.2})
    assert eu2.validate_config_space(good) == ["ml.m5.large", "ml.g5.xlarge"]


def test_start_trial_with_unknown_instance_type_names_the_trial():
    b = offline_backend()
    with pytest.raises(UnknownInstanceTypeError, match=r"trial 0: instance_type 'ml.x9.huge'"):
        b.start_trial({"lr": 0.1, "instance_type": "ml.x9.huge"})
    with pytest.raises(ValueError, match="trial 1: the config has no 'instance_type'"):
        b.start_trial({"lr": 0.1})


def test_pickle_holds_no_credentials_or_environment_secrets():
    session = boto3.Session(aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key=DUMMY_SECRET,
                            region_name="us-east-1")
    b = offline_backend(boto3_session=session, environment={"WANDB_API_KEY": "wandb-secret-1"},
                        sagemaker_client=session.client("sagemaker"))
    blob = dill.dumps(b)
    assert DUMMY_SECRET.encode() not in blob and b"wandb-secret-1" not in blob
    b2 = dill.loads(blob)  # the Tuner saves itself with dill
    assert b2.run_id == b.run_id and b2.region_name == "us-east-1"
    with pytest.raises(ValueError, match="set_environment"):
        b2.start_trial({"instance_type": "ml.m5.large"})
    b2.set_environment({"WANDB_API_KEY": "wandb-secret-1"})
    assert json.loads(json.dumps(b2.state_dict()))["run_id"] == b.run_id


# -- user mistakes named at construction, resumes checked before they start -----------------
def test_role_arn_must_be_an_iam_role_arn():
    for bad in ("arn:foo", "arn:aws:iam::123456789012:user/bob", "arn:aws:iam::1:role/r",
                "SageMakerRole"):
        with pytest.raises(ValueError, match=r"role_arn .* is not an IAM role ARN; expected "
                                             r"arn:aws:iam::<12-digit account>:role/<name>"):
            offline_backend(role_arn=bad)
    for good in ("arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-Exec",
                 "arn:aws-cn:iam::123456789012:role/SageMakerTuning"):
        assert offline_backend(role_arn=good).role_arn == good


def test_prices_must_name_instance_types_of_the_catalog():
    with pytest.raises(UnknownInstanceTypeError,
                       match=r"prices\['ml.m5.larg'\]: Unknown instance type 'ml.m5.larg'\. "
                             r"Closest known names: ml.m5.large"):
        offline_backend(prices={"ml.m5.larg": 0.1})
    with pytest.raises(UnknownInstanceTypeError, match=r"prices\['local-cpu-2'\]"):
        offline_backend(prices={"ml.m5.large": 0.1, "local-cpu-2": 0.2})
    b = offline_backend(prices={"ml.m5.large": 0.1})
    assert b.validate_config_space({"instance_type": "ml.m5.large"}) == ["ml.m5.large"]
    assert b._price_of("ml.m5.large") == 0.1


def test_config_space_is_checked_at_construction():
    with pytest.raises(UnknownInstanceTypeError, match="ml.m5.largee"):
        offline_backend(config_space={"instance_type": choice(["ml.m5.large", "ml.m5.largee"])})
    with pytest.raises(ValueError, match="instance_count"):
        offline_backend(config_space={"instance_type": "ml.m5.large",
                                      "instance_count": choice([0, 1])})
    offline_backend(config_space={"lr": uniform(0, 1), "instance_type": "ml.m5.large"})


def test_relative_entry_point_is_kept_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(TRAIN_SCRIPT.parent)
    b = offline_backend(entry_point=TRAIN_SCRIPT.name)
    assert b.entry_point == str(TRAIN_SCRIPT) and b.source_dir == str(TRAIN_SCRIPT.parent)
    b.set_entrypoint(TRAIN_SCRIPT.name)
    assert b.entry_point == str(TRAIN_SCRIPT)
    monkeypatch.chdir(tmp_path)  # a resume from another folder packs the same folder
    b2 = dill.loads(dill.dumps(b))
    assert b2.source_dir == str(TRAIN_SCRIPT.parent) and b2._program == TRAIN_SCRIPT.name


def test_resume_problem_names_missing_code_and_environment(tmp_path):
    from syne_mohb.backends.sagemaker import SageMakerRecovery

    code = tmp_path / "code"
    code.mkdir()
    (code / "train.py").write_text("print(1)\n")
    b = dill.loads(dill.dumps(offline_backend(entry_point=str(code / "train.py"),
                                              environment={"API_TOKEN": "tok-1"})))
    check = SageMakerRecovery().resume_problem
    problem = check(b)
    assert "['API_TOKEN']" in problem and "not saved" in problem
    assert "syne_mohb.durable.resume(RUN_DIR, environment={'API_TOKEN': ...})" in problem
    assert "nothing was started" in problem and "tok-1" not in problem
    b.set_environment({"API_TOKEN": "tok-1"})  # what resume(run_dir, environment=...) does
    assert check(b) is None
    (code / "train.py").rename(code / "moved.py")
    problem = check(b)
    assert f"training script {code / 'train.py'} is not there: put it back" in problem
    assert "nothing was started" in problem


class _DeniedS3:
    def put_object(self, **kw):
        raise client_error("AccessDenied", 403, "Access Denied")


def test_denied_code_upload_points_to_the_iam_permissions_and_keeps_no_trial():
    b = offline_backend(s3_client=_DeniedS3())
    with pytest.raises(RuntimeError, match=r"uploading the code to s3://.*was denied "
                                           r"\(AccessDenied: Access Denied\); check the "
                                           r"credentials and the IAM permissions listed in "
                                           r"docs/reference/sagemaker-backend.md"):
        b.start_trial({"instance_type": "ml.m5.large"})
    assert b._records == {}  # nothing half-made


@pytest.fixture()
def default_sigint():
    """SIGINT starts with Python's default handler and is put back after the test."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")
    original = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, original)


def _hooks(stopped: list[str], name: str):
    from syne_mohb.backends.sagemaker.safety import SafetyHooks

    def stop():
        stopped.append(name)
        return []

    return SafetyHooks(stop, lambda: f"run {name}")


def test_two_backends_closed_in_the_order_they_were_made_leave_no_handler(default_sigint):
    """Closing backend a, then b (made after a) put a's handler back as SIGINT's handler: a
    later Ctrl-C stopped the jobs of a closed backend (and a test that sent SIGINT later in the
    same process got no KeyboardInterrupt in time)."""
    import signal

    stopped: list[str] = []
    a, b = _hooks(stopped, "a"), _hooks(stopped, "b")
    a.install()
    b.install()
    a.uninstall()
    with pytest.raises(KeyboardInterrupt):  # b stops its jobs; closed a is skipped
        signal.raise_signal(signal.SIGINT)
    assert stopped == ["b"]
    b.uninstall()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_backend_used_again_after_close_makes_no_loop_of_handlers(default_sigint):
    import signal

    stopped: list[str] = []
    a, b = _hooks(stopped, "a"), _hooks(stopped, "b")
    a.install()
    b.install()
    a.uninstall()
    a.install()  # a job started again by a closed backend
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
    assert sorted(stopped) == ["a", "b"]
    b.uninstall()
    a.uninstall()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
