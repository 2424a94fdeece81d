"""The contract between the SageMaker backend and the real SageMaker training toolkit
(``sagemaker-training``), which runs every job's container in the fake cluster
(tests/moto_cluster.py): what a script in ``source_dir`` receives, how a ``requirements.txt`` is
installed, where checkpoints and the model go.

Findings pinned here (the toolkit's behaviour, not ours): hyperparameters reach the script as
``--key value`` pairs sorted by key; strings arrive unquoted (spaces intact, one argument), floats
as ``repr``, booleans as ``True`` / ``False`` (Python's spelling: ``argparse``'s ``type=bool``
would read both as true), a dict as ``k1=v1,k2=v2`` and a list as its Python ``str``; the exact
JSON of every hyperparameter is in the ``SM_HPS`` environment variable.
"""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from syne_tune.backend.trial_status import Status

from sagemaker_fixtures import BUCKET
from moto_cluster import toolkit_version

pytestmark = pytest.mark.slow

TRAIN = '''
import argparse, json, os, sys
import common  # a module at the top of source_dir: the toolkit puts it on PYTHONPATH
import tinydep  # installed by the toolkit from requirements.txt (a local wheel)

print("ARGV " + json.dumps(sys.argv[1:]), flush=True)
print("ENV " + json.dumps({k: os.environ.get(k) for k in (
    "SM_HPS", "SM_CURRENT_HOST", "SM_CURRENT_INSTANCE_TYPE", "SM_MODEL_DIR",
    "TRAINING_JOB_NAME", "SM_MODULE_DIR")}), flush=True)
p = argparse.ArgumentParser()
p.add_argument("--st_checkpoint_dir")
p.add_argument("--epochs", type=int)
args, _ = p.parse_known_args()
os.makedirs(os.path.join(args.st_checkpoint_dir, "state"), exist_ok=True)
with open(os.path.join(args.st_checkpoint_dir, "state", "weights.bin"), "wb") as f:
    f.write(b"w" * 1000)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
    f.write(common.HELPER)
print("[tune-metric]: " + json.dumps({"epoch": 1, "accuracy": tinydep.VALUE / 100}), flush=True)
'''


def make_wheel(folder: Path, name: str = "tinydep", version: str = "0.1") -> Path:
    """A minimal pure-Python wheel (a zip with the dist-info files pip needs)."""
    path = folder / f"{name}-{version}-py3-none-any.whl"
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "VALUE = 42\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{n},,\n" for n in files) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for n, text in files.items():
            z.writestr(n, text)
    return path


def wait_done(backend, trial_ids, timeout=40.0):
    deadline = time.time() + timeout
    results = []
    while time.time() < deadline:
        statuses, new = backend.fetch_status_results(trial_ids)
        results += new
        st = {t: s for t, (_, s) in statuses.items()}
        if all(s in (Status.completed, Status.failed) for s in st.values()):
            return st, results
        time.sleep(0.05)
    return st, results


def test_toolkit_runs_script_in_subfolder_with_requirements_and_typed_hyperparameters(
        sm, make_backend, tmp_path):
    server, cluster, clients = sm
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "wheels").mkdir()
    (src / "common.py").write_text('HELPER = "from the top of source_dir"\n')
    (src / "sub" / "train.py").write_text(TRAIN)
    wheel = make_wheel(src / "wheels")
    (src / "requirements.txt").write_text(f"./wheels/{wheel.name}\n")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "train.py").write_text("print('never runs')\n")
    (broken / "requirements.txt").write_text("no-such-package-for-syne-mohb==0.0.1\n")

    backend = make_backend(entry_point=str(src / "sub" / "train.py"), source_dir=str(src))
    bad = make_backend(entry_point=str(broken / "train.py"), job_name_prefix="broken")
    config = {"name": "resnet 50 (v1.5)", "lr": 0.003, "use_bn": True,
              "layers": {"depth": 3, "widths": [8, 16]}, "sizes": [1, 2], "epochs": 1,
              "instance_type": "ml.m5.large"}
    backend.start_trial(config)
    bad.start_trial({"epochs": 1, "instance_type": "ml.m5.large"})
    st, results = wait_done(backend, [0])
    st_bad, _ = wait_done(bad, [0])
    assert st[0] == Status.completed, backend.stderr(0)
    assert [r["accuracy"] for _, r in results] == [0.42]  # tinydep.VALUE from the local wheel

    out = backend.stdout(0)
    argv = json.loads(next(line for line in out if line.startswith("ARGV "))[5:])
    env = json.loads(next(line for line in out if line.startswith("ENV "))[4:])
    pairs = dict(zip(argv[0::2], argv[1::2]))
    assert argv[0::2] == sorted(argv[0::2])  # the toolkit sorts the keys
    assert pairs["--name"] == "resnet 50 (v1.5)"  # one argument, spaces intact
    assert pairs["--lr"] == "0.003"
    assert pairs["--use_bn"] == "True"
    assert pairs["--layers"] == "depth=3,widths=[8, 16]"
    assert pairs["--sizes"] == "[1, 2]"
    assert pairs["--epochs"] == "1" and pairs["--instance_type"] == "ml.m5.large"
    assert not any(k.startswith("--sagemaker_") for k in pairs)
    hps = json.loads(env["SM_HPS"])
    assert {k: hps[k] for k in ("name", "lr", "use_bn", "layers", "sizes")} == \
        {k: config[k] for k in ("name", "lr", "use_bn", "layers", "sizes")}
    job = backend.job_names(0)[0]
    assert env["TRAINING_JOB_NAME"] == job and env["SM_CURRENT_HOST"] == "algo-1"
    assert env["SM_CURRENT_INSTANCE_TYPE"] == "ml.m5.large"
    # /opt/ml/checkpoints of the job is the container's checkpoint folder
    assert pairs["--st_checkpoint_dir"].endswith("/opt/ml/checkpoints")
    assert env["SM_MODEL_DIR"] == pairs["--st_checkpoint_dir"][:-len("checkpoints")] + "model"

    # what the container wrote reached S3: the checkpoint (nested) and the model archive
    s3 = clients["s3"]
    key = backend._checkpoint_key_prefix(0) + "state/weights.bin"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"w" * 1000
    d = clients["sagemaker"].describe_training_job(TrainingJobName=job)
    mbucket, _, mkey = d["ModelArtifacts"]["S3ModelArtifacts"][len("s3://"):].partition("/")
    body = s3.get_object(Bucket=mbucket, Key=mkey)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        assert tar.extractfile("model.txt").read() == b"from the top of source_dir"
    # the requirement went into the container, not into this environment
    assert importlib.util.find_spec("tinydep") is None

    # a requirement pip cannot install fails the job with the toolkit's error
    assert st_bad[0] == Status.failed
    reason = " ".join(bad.stderr(0))
    assert "AlgorithmError" in reason and "InstallRequirementsError" in reason, reason
    assert not any("never runs" in line for line in bad.stdout(0))
    assert any("no-such-package-for-syne-mohb" in line for line in bad.stdout(0))  # pip's log
    assert toolkit_version().startswith("5.")
