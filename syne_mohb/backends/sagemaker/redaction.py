"""The container environment never reaches a log: a logging filter on botocore's loggers.

With logging at DEBUG, botocore logs every request it sends (``botocore.endpoint``: the
``CreateTrainingJob`` body with its ``Environment``) and every response body it parses
(``botocore.parsers``: ``DescribeTrainingJob`` and ``Search`` return the job's
``Environment``). While a :class:`~syne_mohb.backends.sagemaker.SageMakerBackend` is open (from
its construction to :meth:`~syne_mohb.backends.sagemaker.SageMakerBackend.close`),
:data:`REDACTOR` sits on the loggers of botocore, boto3, s3transfer and urllib3 and rewrites
each record before any handler sees it:

* the value of every ``Environment`` mapping in the message (JSON, a Python dict or bytes
  repr, escaped or not) becomes ``"***"`` (the variable names stay, so a debug log still shows
  which variables a job got);
* every value of an open backend's ``environment`` (4 characters or more) is replaced by
  ``***`` wherever else it appears (e.g. a training script that prints it).

A logger's filter applies to the records of that logger only (not to those of its children),
so the filter is added to every logger of these packages that exists when a backend opens (the
clients it creates import botocore's modules first) and to the loggers named in
:data:`LOGGERS`. Cost: one ``str`` scan per botocore record while a backend is open.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from typing import Any, Iterable

__all__ = ["LOGGERS", "REDACTED", "REDACTOR", "EnvironmentRedactor", "redact"]

REDACTED = "***"
MIN_VALUE_LENGTH = 4
"""Shorter environment values are redacted inside ``Environment`` mappings only (replacing
e.g. every ``1`` of a log would make it unreadable)."""

PACKAGES = ("botocore", "boto3", "s3transfer", "urllib3")
LOGGERS = ("botocore.endpoint", "botocore.parsers", "botocore.hooks", "botocore.auth",
           "botocore.awsrequest", "botocore.httpsession", "botocore.retryhandler",
           "botocore.retries.standard", "botocore.client", "botocore.utils",
           "urllib3.connectionpool")
"""Loggers that get the filter even if their module is not imported yet."""

_KEY = re.compile(r"Environment[\\\"']{0,4}\s*:\s*\{")


def _object_end(text: str, start: int) -> int:
    """Index after the ``}`` that closes the ``{`` at ``start`` (quotes and backslash escapes
    respected); the end of ``text`` if it is not closed. O(len)."""
    depth, quote, i, n = 0, None, start, len(text)
    while i < n:
        c = text[i]
        if quote is not None:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _redacted_mapping(obj: str) -> str:
    try:
        names = json.loads(obj)
    except ValueError:
        names = None
    if isinstance(names, dict):
        return json.dumps({str(k): REDACTED for k in names})
    return "{" + REDACTED + "}"


def redact(text: str, values: Iterable[str] = ()) -> str:
    """``text`` with the values of every ``Environment`` mapping and every one of ``values``
    (of :data:`MIN_VALUE_LENGTH` characters or more) replaced by :data:`REDACTED`."""
    out, pos = [], 0
    for m in _KEY.finditer(text):
        if m.start() < pos:
            continue  # inside a mapping already redacted
        brace = m.end() - 1
        end = _object_end(text, brace)
        out += [text[pos:brace], _redacted_mapping(text[brace:end])]
        pos = end
    out.append(text[pos:])
    text = "".join(out)
    for v in sorted({v for v in values if len(v) >= MIN_VALUE_LENGTH}, key=len, reverse=True):
        text = text.replace(v, REDACTED)
    return text


class EnvironmentRedactor(logging.Filter):
    """The filter (module docstring); :meth:`protect` / :meth:`release` per backend."""

    def __init__(self):
        super().__init__()
        self._owners: weakref.WeakKeyDictionary[Any, tuple[str, ...]] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._loggers: list[logging.Logger] = []

    @property
    def installed(self) -> bool:
        """Whether the filter is on the loggers (some owner is open)."""
        return bool(self._loggers)

    def protects(self, owner: Any) -> bool:
        """Whether ``owner`` is open (between :meth:`protect` and :meth:`release`)."""
        return owner in self._owners

    def protect(self, owner: Any, values: Iterable[str] = ()) -> None:
        """Keep the filter on the loggers while ``owner`` is open; redact ``values`` too
        (replacing the ones given before for ``owner``)."""
        with self._lock:
            self._owners[owner] = tuple(str(v) for v in values)
            self._install()

    def release(self, owner: Any) -> None:
        """``owner`` closed: take the filter off once no open owner is left."""
        with self._lock:
            self._owners.pop(owner, None)
            if not len(self._owners):
                for lg in self._loggers:
                    lg.removeFilter(self)
                self._loggers = []

    def _install(self) -> None:
        manager = logging.Logger.manager
        names = set(LOGGERS) | set(PACKAGES) | {
            name for name, lg in list(manager.loggerDict.items())
            if isinstance(lg, logging.Logger) and name.split(".")[0] in PACKAGES}
        for name in sorted(names):
            lg = logging.getLogger(name)
            if self not in lg.filters:
                lg.addFilter(self)
                self._loggers.append(lg)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 -- a broken record is the handler's to report
            return True
        values = [v for vs in list(self._owners.values()) for v in vs]
        clean = redact(msg, values)
        if clean != msg:
            record.msg, record.args = clean, ()
        return True


REDACTOR = EnvironmentRedactor()
"""The one filter of the process (shared by all open backends)."""
