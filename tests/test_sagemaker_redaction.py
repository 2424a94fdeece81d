"""Secrets of the container environment never reach the logs, even with botocore at DEBUG
(issue 23 item 19): botocore logs the ``CreateTrainingJob`` request and the
``DescribeTrainingJob`` / ``Search`` responses with the job's ``Environment``; while a backend
is open, a filter on botocore's loggers redacts them. The end-to-end test runs against the
moto server and fake cluster of the other SageMaker tests."""
from __future__ import annotations

import logging

import pytest
from syne_tune.backend.trial_status import Status

from sagemaker_fixtures import poll_until
from syne_mohb.backends.sagemaker.redaction import REDACTOR, EnvironmentRedactor, redact

SECRET = "wandb-token-3b9f0e7d1c"


@pytest.mark.slow
def test_environment_values_are_redacted_from_botocore_debug_logs(sm, make_backend, caplog):
    server, cluster, clients = sm
    caplog.set_level(logging.DEBUG)  # the root: botocore's loggers included
    backend = make_backend(environment={"WANDB_API_KEY": SECRET, "SHORT": "x"})
    backend.start_trial({"learning_rate": 0.01, "epochs": 2, "instance_type": "ml.m5.large"})
    st, res = poll_until(backend, [0], lambda st, res: st[0] == Status.completed)
    assert st[0] == Status.completed and [r["epoch"] for _, r in res] == [1, 2]
    # the job really got the environment (the service returns it)
    job = backend.job_names(0)[0]
    described = clients["sagemaker"].describe_training_job(TrainingJobName=job)
    assert described["Environment"]["WANDB_API_KEY"] == SECRET
    botocore = [r.getMessage() for r in caplog.records if r.name.startswith("botocore")]
    requests = [m for m in botocore if "CreateTrainingJob" in m and '"Environment": {' in m]
    responses = [m for m in botocore if "Response body" in m and '"Environment": {' in m]
    assert requests and responses  # botocore did log the request and the responses
    assert all('"WANDB_API_KEY": "***"' in m for m in requests + responses)
    assert SECRET not in caplog.text
    assert REDACTOR.protects(backend)
    backend.close()
    assert not REDACTOR.protects(backend)  # only while the backend is open


def test_redact_rewrites_environment_mappings_in_every_form_botocore_logs():
    request = ("Making request for OperationModel(name=CreateTrainingJob) with params: "
               "{'body': b'{\"TrainingJobName\": \"j\", \"Environment\": {\"A\": \"s3cr3t\", "
               "\"B\": \"x\"}, \"Tags\": []}', 'url': 'http://h/'}")
    assert redact(request) == (
        "Making request for OperationModel(name=CreateTrainingJob) with params: "
        "{'body': b'{\"TrainingJobName\": \"j\", \"Environment\": {\"A\": \"***\", "
        "\"B\": \"***\"}, \"Tags\": []}', 'url': 'http://h/'}")
    # a Python dict, an escaped JSON string, and a value with a brace and a quote
    assert redact("{'Environment': {'A': 'v'}, 'z': 1}") == "{'Environment': {***}, 'z': 1}"
    assert "s3cr3t" not in redact('{\\"Environment\\": {\\"A\\": \\"s3cr3t\\"}}')
    assert redact('{"Environment": {"A": "a}\\"b"}, "c": 1}') == \
        '{"Environment": {"A": "***"}, "c": 1}'
    # the known values anywhere else; short ones only inside the mappings
    assert redact("token s3cr3t printed, x stays", ["s3cr3t", "x"]) == \
        "token *** printed, x stays"
    assert redact("no environment here") == "no environment here"


def test_the_filter_holds_while_any_backend_is_open():
    class Owner:
        pass

    redactor = EnvironmentRedactor()  # not the process's one: other tests' backends use that
    a, b = Owner(), Owner()
    redactor.protect(a, ["value-of-a"])
    redactor.protect(b, [])
    log = logging.getLogger("botocore.endpoint")
    assert redactor in log.filters and redactor in logging.getLogger("botocore.parsers").filters
    record = log.makeRecord(log.name, logging.DEBUG, __file__, 1, "got %s", ("value-of-a",),
                            None)
    assert log.filter(record) and record.getMessage() == "got ***"
    redactor.release(a)
    assert redactor.installed
    redactor.release(b)
    assert not redactor.installed and redactor not in log.filters
