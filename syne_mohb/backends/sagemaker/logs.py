"""Incremental reading of a training job's CloudWatch log streams and of its metric lines.

SageMaker writes a job's container output to the log group ``/aws/sagemaker/TrainingJobs``, one
stream per host and container start, named ``<job-name>/algo-<host>-<epoch seconds>``. Only the
leader host ``algo-1`` is read (every host of a distributed job runs the same script; metrics
from all of them would be duplicates). A spot restart opens a new ``algo-1`` stream, so streams
are re-listed from time to time. Each stream is read forward with ``GetLogEvents``
(``startFromHead=True``) from the stored ``nextForwardToken`` until the token repeats, which is
how CloudWatch signals the end of a stream.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import ClientError
from syne_tune.constants import ST_METRIC_TAG

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
METRIC_RE = re.compile(r"\[" + re.escape(ST_METRIC_TAG) + r"\]: (\{.*\})")


def parse_metric_line(line: str) -> dict[str, Any] | None:
    """The dict of a ``[tune-metric]: {...}`` line (as ``syne_tune.report.retrieve`` reads it),
    ``None`` for other lines or malformed JSON."""
    m = METRIC_RE.search(line)
    if m is None:
        return None
    try:
        value = json.loads(m.group(1))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass
class LogCursor:
    """Reading position in a job's log streams; JSON-serializable via :meth:`to_dict`."""

    job_name: str
    # stream name -> last nextForwardToken (None: not read yet)
    tokens: dict[str, str | None] = field(default_factory=dict)

    @property
    def stream_prefix(self) -> str:
        return f"{self.job_name}/algo-1-"

    def to_dict(self) -> dict[str, Any]:
        return {"job_name": self.job_name, "tokens": dict(self.tokens)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LogCursor":
        return cls(job_name=d["job_name"], tokens=dict(d.get("tokens", {})))


@dataclass
class LogEvent:
    stream: str
    timestamp_ms: int
    message: str


def list_streams(logs_client, cursor: LogCursor, call: Callable) -> None:
    """Add the job's ``algo-1`` streams not known yet to ``cursor`` (no-op without the group)."""
    kwargs: dict[str, Any] = {
        "logGroupName": LOG_GROUP,
        "logStreamNamePrefix": cursor.stream_prefix,
        "limit": 50,
    }
    while True:
        try:
            page = call("DescribeLogStreams", logs_client.describe_log_streams, **kwargs)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return  # no job has logged in this account/region yet
            raise
        for s in page.get("logStreams", []):
            name = s["logStreamName"]
            if name.startswith(cursor.stream_prefix):  # never trust a server-side filter blindly
                cursor.tokens.setdefault(name, None)
        token = page.get("nextToken")
        if not token or token == kwargs.get("nextToken"):
            return
        kwargs["nextToken"] = token


def read_new_events(
    logs_client, cursor: LogCursor, call: Callable, max_pages: int = 100,
    more_pages_from: int = 1000,
) -> tuple[list[LogEvent], Exception | None]:
    """Events appended to the known streams since the last call, and the error that cut the
    reading short (``None`` if nothing failed); advances ``cursor``.

    A stream is read on only after a page of at least ``more_pages_from`` events (a page that
    was probably cut by CloudWatch's 10,000 events / 1 MB limit); after a smaller page the rest,
    if any, comes in the next round. So a polling round costs one ``GetLogEvents`` per stream,
    and an empty page (its token repeats) means the stream was read to its end.

    The cursor moves page by page together with the returned events, so when a call fails (after
    the caller's retries) the events read before are still returned and nothing is lost or read
    twice. Streams are read in name order (their names end with the container's start time).
    """
    events: list[LogEvent] = []
    for stream in sorted(cursor.tokens):
        token = cursor.tokens[stream]
        for _ in range(max_pages):
            kwargs: dict[str, Any] = {
                "logGroupName": LOG_GROUP,
                "logStreamName": stream,
                "startFromHead": True,
            }
            if token is not None:
                kwargs["nextToken"] = token
            try:
                page = call("GetLogEvents", logs_client.get_log_events, **kwargs)
            except Exception as e:  # noqa: BLE001 -- handed to the caller with the events so far
                return events, e
            page_events = page.get("events", [])
            for ev in page_events:
                events.append(LogEvent(stream, int(ev.get("timestamp", 0)), ev.get("message", "")))
            new_token = page.get("nextForwardToken")
            if new_token is None or new_token == token:
                break
            token = new_token
            cursor.tokens[stream] = token
            if len(page_events) < more_pages_from:
                break
    return events, None
