"""Pure helpers of the SageMaker backend's job requests: job names, tags, hyperparameters,
S3 URIs, code packing, and the checks of the job settings the backend is constructed with."""

from __future__ import annotations

import gzip
import io
import json
import math
import re
import secrets
import tarfile
import time
from pathlib import Path
from typing import Any, Mapping

from syne_mohb.configspace import plain

# SageMaker's pattern for training job names: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$
JOB_NAME_MAX_LEN = 63
JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
RUN_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{1,20}$")
# an IAM role ARN (aws, aws-cn, aws-us-gov partitions; a role name may have a path)
ROLE_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")

TAG_RUN_ID = "syne-mohb:run-id"
TAG_TRIAL_ID = "syne-mohb:trial-id"
TAG_ATTEMPT = "syne-mohb:attempt"
TAG_TUNER_NAME = "syne-mohb:tuner-name"
RESERVED_TAG_PREFIX = "syne-mohb:"

# limits of CreateTrainingJob.HyperParameters
HP_MAX_ITEMS = 100
HP_KEY_MAX_LEN = 256
HP_VALUE_MAX_LEN = 2500

CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"

# ResourceConfig.KeepAlivePeriodInSeconds: 0..21600 in the SageMaker API model (botocore); the
# developer guide's older text says 3600
KEEP_ALIVE_MAX_SECONDS = 21600


def check_int(parameter: str, value: Any, lowest: int) -> int:
    """``value`` if it is an ``int >= lowest`` (not a bool), else ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise ValueError(f"{parameter} must be an int >= {lowest}, got {value!r}")
    return value


def check_job_settings(
    *, image_uri: Any, role_arn: Any, volume_size_gb: Any, max_run_seconds: Any,
    use_spot_instances: bool, max_wait_seconds: Any, keep_alive_seconds: Any,
    subnets: Any, security_group_ids: Any, output_path: Any,
    inputs: Mapping[str, str] | None, environment: Mapping[str, str] | None, run_id: Any,
) -> None:
    """Check the settings every job request of a backend carries; ``ValueError`` naming the
    first bad parameter (see :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`)."""
    if not isinstance(image_uri, str) or not image_uri.strip():
        raise ValueError(f"image_uri must be a container image URI, got {image_uri!r}")
    check_role_arn(role_arn)
    check_int("volume_size_gb", volume_size_gb, 1)
    check_int("max_run_seconds", max_run_seconds, 1)
    if max_wait_seconds is not None:
        if not use_spot_instances:
            raise ValueError("max_wait_seconds is only used with use_spot_instances=True")
        if not isinstance(max_wait_seconds, int) or max_wait_seconds < max_run_seconds:
            raise ValueError(
                f"max_wait_seconds must be an int >= max_run_seconds ({max_run_seconds}), "
                f"got {max_wait_seconds!r}"
            )
    if keep_alive_seconds is not None:
        if isinstance(keep_alive_seconds, bool) or not isinstance(keep_alive_seconds, int) \
                or not 1 <= keep_alive_seconds <= KEEP_ALIVE_MAX_SECONDS:
            raise ValueError(
                f"keep_alive_seconds must be an int in 1..{KEEP_ALIVE_MAX_SECONDS} (seconds "
                f"a warm pool is kept) or None, got {keep_alive_seconds!r}"
            )
        if use_spot_instances:
            raise ValueError(
                "keep_alive_seconds cannot be combined with use_spot_instances=True: "
                "SageMaker managed warm pools do not work with spot instances"
            )
    if (subnets is None) != (security_group_ids is None):
        raise ValueError("subnets and security_group_ids must be given together (VpcConfig)")
    if output_path is not None:
        parse_s3_uri(output_path, "output_path")
    for ch, uri in (inputs or {}).items():
        parse_s3_uri(uri, f"inputs[{ch!r}]")
    check_environment(environment or {})
    if run_id is not None and not RUN_ID_PATTERN.match(str(run_id)):
        raise ValueError(f"run_id must be 1-20 letters or digits, got {run_id!r}")


def check_role_arn(value: Any, parameter: str = "role_arn") -> str:
    """``value`` if it is an IAM role ARN, else ``ValueError`` naming ``parameter`` (a user's
    ARN, a made-up one or a role name alone would fail every job at its creation)."""
    if not isinstance(value, str) or not ROLE_ARN_PATTERN.match(value):
        raise ValueError(
            f"{parameter} {value!r} is not an IAM role ARN; expected "
            f"arn:aws:iam::<12-digit account>:role/<name>, the execution role of the jobs"
        )
    return value


def check_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``environment`` if it maps str -> str, else ``ValueError``."""
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in environment.items()):
        raise ValueError("environment must map str -> str")
    return dict(environment)


def make_run_id() -> str:
    """A fresh run id: month-day-hour-minute-second plus 4 random hex characters (14 chars).

    An identifier, not a random experiment choice, so it is deliberately not seeded.
    """
    return time.strftime("%m%d%H%M%S", time.gmtime()) + secrets.token_hex(2)


def sanitize_name(text: str) -> str:
    """Map ``text`` onto SageMaker's job-name alphabet (letters, digits, single hyphens)."""
    cleaned = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-")
    return cleaned


def job_name(prefix: str, run_id: str, trial_id: int, attempt: int) -> str:
    """``<prefix>-<run_id>-<trial_id>-<attempt>``, ``prefix`` truncated to fit 63 characters.

    Unique per run as long as ``run_id`` is unique; the suffix is never truncated.
    """
    suffix = f"{run_id}-{int(trial_id)}-{int(attempt)}"
    room = JOB_NAME_MAX_LEN - len(suffix) - 1
    if room < 1:
        raise ValueError(f"run_id {run_id!r} is too long to build job names (<= 63 characters)")
    head = sanitize_name(prefix)[:room].strip("-") or "st"
    name = f"{head}-{suffix}"
    if not JOB_NAME_PATTERN.match(name):  # pragma: no cover -- guaranteed by construction
        raise ValueError(f"invalid SageMaker job name {name!r}")
    return name


def job_tags(
    run_id: str,
    trial_id: int,
    attempt: int,
    tuner_name: str | None,
    user_tags: Mapping[str, str],
) -> list[dict[str, str]]:
    """Tags identifying a job's run, trial and attempt (so a driver can re-attach), + user tags."""
    tags = {
        TAG_RUN_ID: run_id,
        TAG_TRIAL_ID: str(int(trial_id)),
        TAG_ATTEMPT: str(int(attempt)),
    }
    if tuner_name:
        tags[TAG_TUNER_NAME] = sanitize_tag_value(tuner_name)
    for k, v in user_tags.items():
        tags.setdefault(k, v)
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def sanitize_tag_value(text: str) -> str:
    return re.sub(r"[^\w.:/=+\-@ ]", "-", str(text))[:256]


def validate_user_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """Check user tags (str -> str, no reserved ``syne-mohb:`` / ``aws:`` keys)."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise ValueError(f"tags must be a dict of str -> str, got {type(tags).__name__}")
    out = {}
    for k, v in tags.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k or len(k) > 128 \
                or len(v) > 256:
            raise ValueError(
                f"tags: each key must be a non-empty str (<= 128 chars) and each value a str "
                f"(<= 256 chars), got {k!r}: {v!r}"
            )
        if k.startswith(RESERVED_TAG_PREFIX) or k.lower().startswith("aws:"):
            raise ValueError(f"tags: key {k!r} uses a reserved prefix ('syne-mohb:' or 'aws:')")
        out[k] = v
    return out


def encode_hyperparameters(config: Mapping[str, Any], trial_id: int) -> dict[str, str]:
    """Config -> ``HyperParameters`` (str -> str), every value JSON-encoded.

    Strings are JSON-encoded too (``"ml.m5.large"`` -> ``'"ml.m5.large"'``), as the SageMaker SDK
    does: the training toolkit in framework containers ``json.loads`` each value and turns it
    into ``--key value`` arguments of the entry point (a list, no shell). Encoding strings keeps
    a categorical value such as ``"true"`` or ``"1e-3"`` a string instead of letting the toolkit
    re-parse it. Raises ``ValueError`` naming the trial and key when a value cannot be encoded
    or a SageMaker limit (256-char keys, 2,500-char values, 100 entries) is exceeded.
    """
    if len(config) > HP_MAX_ITEMS:
        raise ValueError(
            f"trial {trial_id}: the config has {len(config)} entries, SageMaker accepts at most "
            f"{HP_MAX_ITEMS} hyperparameters (including the backend's own)"
        )
    out = {}
    for key, value in config.items():
        if not isinstance(key, str) or not 0 < len(key) <= HP_KEY_MAX_LEN:
            raise ValueError(
                f"trial {trial_id}: hyperparameter name {key!r} must be a str of 1..256 characters"
            )
        value = plain(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(
                f"trial {trial_id}: hyperparameter {key!r} is {value!r}, not a finite number"
            )
        try:
            encoded = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"trial {trial_id}: hyperparameter {key!r}={value!r} is not JSON-serializable: {e}"
            ) from None
        if len(encoded) > HP_VALUE_MAX_LEN:
            raise ValueError(
                f"trial {trial_id}: hyperparameter {key!r} encodes to {len(encoded)} characters, "
                f"SageMaker accepts at most {HP_VALUE_MAX_LEN}"
            )
        out[key] = encoded
    return out


def decode_hyperparameters(hyperparameters: Mapping[str, str]) -> dict[str, Any]:
    """Inverse of :func:`encode_hyperparameters` as the training toolkit does it (values that
    are not JSON stay raw strings)."""
    out = {}
    for k, v in hyperparameters.items():
        try:
            out[k] = json.loads(v)
        except (TypeError, ValueError):
            out[k] = v
    return out


def parse_s3_uri(uri: str, parameter: str = "s3_root") -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")`` (no slashes at the ends)."""
    m = re.match(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(/.*)?$", str(uri))
    if not m:
        raise ValueError(f"{parameter} must look like 's3://bucket/prefix', got {uri!r}")
    return m.group(1), (m.group(2) or "").strip("/")


def s3_join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def pack_source_dir(source_dir: Path, max_bytes: int = 512 * 1024 * 1024) -> bytes:
    """A reproducible ``.tar.gz`` of ``source_dir`` (sorted entries, zeroed mtimes and owners,
    zeroed gzip header time).

    Skips ``__pycache__``, ``.git`` and ``*.pyc``; symbolic links are stored as links.
    """
    skip_dirs = {"__pycache__", ".git", ".ipynb_checkpoints", ".pytest_cache"}
    buf = io.BytesIO()

    def _reset(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    # the gzip header's own time zeroed too: tarfile's "w:gz" writes the current second there,
    # so two packings a second apart differed
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(source_dir.rglob("*")):
            rel = path.relative_to(source_dir)
            if any(part in skip_dirs for part in rel.parts) or path.suffix == ".pyc":
                continue
            if path.is_dir() and not path.is_symlink():
                continue
            tar.add(str(path), arcname=str(rel), recursive=False, filter=_reset)
            if buf.tell() > max_bytes:
                raise ValueError(
                    f"source_dir {str(source_dir)!r} packs to more than {max_bytes} bytes; "
                    f"move data to S3 and pass it with inputs=..."
                )
    return buf.getvalue()
