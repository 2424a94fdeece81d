"""The SageMaker example (examples/sagemaker_instance_tuning.py) loaded as a module, with no AWS
settings from the environment, and the arguments the tests give it.

``example`` is registered in ``conftest.py`` (one fixture for the test modules that use it)."""
import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sagemaker_instance_tuning.py"
ROLE = ["--role-arn", "arn:aws:iam::111122223333:role/SageMakerTuning"]
IMAGE_US = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


@pytest.fixture()
def example(monkeypatch, tmp_path):
    for name in ("SAGEMAKER_ROLE_ARN", "SYNE_MOHB_BUCKET", "SAGEMAKER_IMAGE_URI",
                 "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNE_MOHB_CACHE_DIR", str(tmp_path / "no-cached-prices"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # the example's source folder
    spec = importlib.util.spec_from_file_location("sagemaker_instance_tuning", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
