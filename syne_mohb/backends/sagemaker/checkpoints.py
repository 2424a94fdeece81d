"""S3 storage of the SageMaker backend: the run's code upload and each trial's checkpoint prefix
``<s3_root>/<run_id>/checkpoints/<trial_id>/``, which SageMaker syncs with the job's
``/opt/ml/checkpoints`` (a resumed trial's next job starts from it)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from syne_mohb.backends.sagemaker.jobs import pack_source_dir, s3_join
from syne_mohb.backends.sagemaker.retry import error_code, error_message, is_auth_error

logger = logging.getLogger(__name__)


class S3Storage:
    """Mixin of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`: ``TrialBackend``'s
    checkpoint copy and delete, on S3, and the upload of the packed ``source_dir``."""

    def _s3_uri(self, *parts: str) -> str:
        return "s3://" + s3_join(self._bucket, self._prefix, self.run_id, *parts)

    def checkpoint_uri(self, trial_id: int) -> str:
        """S3 prefix the trial's jobs sync ``/opt/ml/checkpoints`` with."""
        return self._s3_uri("checkpoints", str(int(trial_id))) + "/"

    def _checkpoint_key_prefix(self, trial_id: int) -> str:
        return s3_join(self._prefix, self.run_id, "checkpoints", str(int(trial_id))) + "/"

    def _list_keys(self, prefix: str) -> list[str]:
        keys = []
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        while True:
            page = self._call("ListObjectsV2", self.s3.list_objects_v2, **kwargs)
            keys += [o["Key"] for o in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return keys
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def copy_checkpoint(self, src_trial_id: int, tgt_trial_id: int):
        src = self._checkpoint_key_prefix(src_trial_id)
        tgt = self._checkpoint_key_prefix(tgt_trial_id)
        for key in self._list_keys(src):
            self._call("CopyObject", self.s3.copy_object, Bucket=self._bucket,
                       Key=tgt + key[len(src):], CopySource={"Bucket": self._bucket, "Key": key})

    def delete_checkpoint(self, trial_id: int):
        keys = self._list_keys(self._checkpoint_key_prefix(trial_id))
        for i in range(0, len(keys), 1000):
            self._call("DeleteObjects", self.s3.delete_objects, Bucket=self._bucket,
                       Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})

    def _ensure_code_uploaded(self) -> str:
        """``s3://`` URI of the packed ``source_dir`` (packed and uploaded once per run, and
        once more by a driver that resumes the run: ``source_dir`` is an absolute path and the
        packing reproducible, so the same code gives the same archive).

        A bucket that does not exist is a ``ValueError`` naming ``s3_root``; a denied upload a
        ``RuntimeError`` pointing to the IAM permissions."""
        if self._code_uri is None:
            body = pack_source_dir(Path(self.source_dir))
            key = s3_join(self._prefix, self.run_id, "code", "sourcedir.tar.gz")
            try:
                self._call("PutObject", self.s3.put_object, Bucket=self._bucket, Key=key,
                           Body=body)
            except ClientError as e:
                if error_code(e) == "NoSuchBucket":
                    raise ValueError(
                        f"s3_root {self.s3_root!r}: the bucket {self._bucket!r} does not exist "
                        f"(region {self.region_name}); create it or fix the name"
                    ) from None
                if is_auth_error(e):
                    raise RuntimeError(
                        f"uploading the code to s3://{self._bucket}/{key} was denied "
                        f"({error_message(e)}); check the credentials and the IAM permissions "
                        f"listed in docs/reference/sagemaker-backend.md"
                    ) from None
                raise
            self._code_uri = f"s3://{self._bucket}/{key}"
            logger.info("uploaded %s (%d bytes) to %s", self.source_dir, len(body), self._code_uri)
        return self._code_uri
