"""AWS access of the SageMaker backend: the boto3 session and clients (made on first use, never
pickled), the retrying caller, the lock and the poll threads, and what of the backend is
pickled (the Tuner dill-dumps itself with its backend: no credentials, no environment values).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import boto3
from botocore.config import Config

from syne_mohb.backends.sagemaker.redaction import REDACTOR
from syne_mohb.backends.sagemaker.retry import RetryingCaller
from syne_mohb.backends.sagemaker.safety import SafetyHooks

# attributes rebuilt by _init_runtime after unpickling, never pickled
_RUNTIME = ("_call", "_lock", "_executor", "_safety", "_session", "_clients")


class AwsAccess:
    """Mixin of :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`: clients, retries,
    threads. Uses the backend's ``retry_policy``, ``random_seed``, ``region_name``,
    ``max_poll_threads``, ``run_id`` and ``stop_all_jobs``."""

    def _init_clients(self, boto3_session, clients: dict[str, Any]) -> None:
        self._session = boto3_session
        self._clients = clients
        self._endpoints: dict[str, str | None] = {}

    def _init_runtime(self) -> None:
        self._call = RetryingCaller(self.retry_policy, random_seed=self.random_seed)
        self._lock = threading.RLock()
        self._executor: ThreadPoolExecutor | None = None
        self._safety = SafetyHooks(self.stop_all_jobs, lambda: f"run {self.run_id}")
        # botocore's debug logs show request and response bodies: no environment value in them
        REDACTOR.protect(self, getattr(self, "_environment", {}).values())

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_endpoints"] = {
            name: getattr(getattr(c, "meta", None), "endpoint_url", None)
            for name, c in self._clients.items()
            if c is not None
        } or self._endpoints
        for key in _RUNTIME:
            state.pop(key, None)
        # environment values may be secrets: never written to the Tuner's pickle
        state["_environment"] = {}
        state["_environment_missing"] = sorted(self._environment)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._session = None
        self._clients = {"sagemaker": None, "logs": None, "s3": None}
        self._init_runtime()

    def _guess_region(self) -> str:
        for c in self._clients.values():
            region = getattr(getattr(c, "meta", None), "region_name", None)
            if region:
                return region
        session = self._session or boto3.Session()
        if not session.region_name:
            raise ValueError("region_name is not set and the boto3 session has no default region")
        return session.region_name

    def _client(self, name: str):
        c = self._clients.get(name)
        if c is None:
            if self._session is None:
                self._session = boto3.Session(region_name=self.region_name)
            config = Config(
                retries={"mode": "standard", "total_max_attempts": 2},
                connect_timeout=10,
                read_timeout=60,
                s3={"addressing_style": "path"} if name == "s3" else None,
            )
            c = self._session.client(
                name, region_name=self.region_name, config=config,
                endpoint_url=self._endpoints.get(name),
            )
            self._clients[name] = c
        return c

    @property
    def sagemaker(self):
        """The SageMaker client (calls through it are not retried: use the backend's methods)."""
        return self._client("sagemaker")

    @property
    def logs(self):
        """The CloudWatch Logs client."""
        return self._client("logs")

    @property
    def s3(self):
        """The S3 client."""
        return self._client("s3")

    @property
    def retry_stats(self) -> dict[str, int]:
        """Retried errors per ``"<operation>:<code>"`` and give-ups (``"<op>:gave-up"``)."""
        return dict(self._call.stats)

    def _parallel(self, fn: Callable, items: list) -> list:
        """``[fn(x) for x in items]`` on up to ``max_poll_threads`` threads."""
        if len(items) <= 1 or self.max_poll_threads == 1:
            return [fn(x) for x in items]
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.max_poll_threads, thread_name_prefix="sagemaker-poll"
            )
        return list(self._executor.map(fn, items))

    def close(self) -> None:
        """Remove the signal handlers, the ``atexit`` hook and the log redaction
        (:mod:`~syne_mohb.backends.sagemaker.redaction`), shut the poll threads down. Does not
        stop jobs (call :meth:`stop_all` for that)."""
        self._safety.uninstall()
        REDACTOR.release(self)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
