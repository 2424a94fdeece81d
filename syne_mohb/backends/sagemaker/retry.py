"""Retries for AWS API calls: exponential backoff with full jitter, and error classification.

The backoff follows "Exponential Backoff And Jitter" (M. Brooker, AWS Architecture Blog, 2015):
the k-th retry sleeps ``uniform(0, min(max_delay, base_delay * 2**k))`` seconds. Throttling,
HTTP 5xx and connection errors are retried; capacity errors are not (they fail one trial).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

logger = logging.getLogger(__name__)

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "ThrottledException",
        "Throttling",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# errors that mean "no capacity for this instance type right now" (or an account quota): the
# trial that asked for it fails with the reason, the run goes on
CAPACITY_CODES = frozenset({"ResourceLimitExceeded", "CapacityError", "InsufficientCapacityError"})
CAPACITY_MARKERS = ("CapacityError", "InsufficientCapacity", "ResourceLimitExceeded",
                    "insufficient capacity", "Unable to provision requested ML compute capacity")
# credentials / permissions: nothing else will work either, so these are raised, not retried
AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "MissingAuthenticationToken",
    }
)
CONNECTION_ERRORS = (
    EndpointConnectionError,
    ConnectionClosedError,
    ReadTimeoutError,
    ConnectTimeoutError,
    BotoConnectionError,
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ``ClientError`` (else the exception's class name)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    """``"<code>: <message>"`` of an AWS error, without request metadata."""
    if isinstance(exc, ClientError):
        msg = exc.response.get("Error", {}).get("Message", "")
        return f"{error_code(exc)}: {msg}".strip()
    return f"{type(exc).__name__}: {exc}"


def is_retryable(exc: BaseException) -> bool:
    """Throttling, HTTP 5xx and connection errors are worth retrying."""
    if isinstance(exc, CONNECTION_ERRORS):
        return True
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in THROTTLING_CODES or code in TRANSIENT_CODES:
            return True
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return isinstance(status, int) and status >= 500
    return False


def is_capacity_error(exc_or_reason: BaseException | str | None) -> bool:
    """A capacity or quota error (exception from CreateTrainingJob, or a job's FailureReason)."""
    if exc_or_reason is None:
        return False
    if isinstance(exc_or_reason, BaseException):
        if error_code(exc_or_reason) in CAPACITY_CODES:
            return True
        exc_or_reason = error_message(exc_or_reason)
    text = str(exc_or_reason)
    return any(marker.lower() in text.lower() for marker in CAPACITY_MARKERS)


def is_auth_error(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and error_code(exc) in AUTH_CODES


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter.

    :param max_attempts: calls per operation, the first included (>= 1)
    :param base_delay: seconds; the k-th retry sleeps ``uniform(0, min(max_delay, base*2**k))``
    :param max_delay: cap of one sleep in seconds
    """

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0

    def __post_init__(self):
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) \
                or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be an int >= 1, got {self.max_attempts!r}")
        if not self.base_delay >= 0:
            raise ValueError(f"base_delay must be >= 0, got {self.base_delay!r}")
        if not self.max_delay >= self.base_delay:
            raise ValueError(
                f"max_delay must be >= base_delay ({self.base_delay}), got {self.max_delay!r}"
            )

    def delay(self, retry_index: int, rng: random.Random) -> float:
        """Sleep before retry number ``retry_index`` (0-based)."""
        cap = min(self.max_delay, self.base_delay * (2.0 ** retry_index))
        return rng.uniform(0.0, cap)


class RetryingCaller:
    """Calls a function with retries per :class:`RetryPolicy`; counts retries and give-ups.

    ``stats`` counts ``"<operation>:<error code>"`` for every retried error and
    ``"<operation>:gave-up"`` when the attempts ran out. Thread-safe.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        random_seed: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.policy = policy
        self._rng = random.Random(random_seed)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.stats: Counter = Counter()

    def __call__(self, operation: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        for attempt in range(self.policy.max_attempts):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 -- classified below, re-raised if fatal
                if not is_retryable(exc):
                    raise
                code = error_code(exc)
                with self._lock:
                    self.stats[f"{operation}:{code}"] += 1
                    if attempt + 1 >= self.policy.max_attempts:
                        self.stats[f"{operation}:gave-up"] += 1
                        raise
                    delay = self.policy.delay(attempt, self._rng)
                logger.info(
                    "%s failed with %s (attempt %d/%d), retrying in %.2fs",
                    operation, code, attempt + 1, self.policy.max_attempts, delay,
                )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
