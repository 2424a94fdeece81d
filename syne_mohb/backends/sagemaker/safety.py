"""Safety hooks of the SageMaker backend: no training job outlives the driver that started it.

On the first job a backend creates, :class:`SafetyHooks` registers an ``atexit`` hook and (in
the main thread only) SIGINT / SIGTERM handlers that stop every job of the backend. A signal is
then handed on as it would have been without them: to the previous handler, ignored if it was
ignored, ``KeyboardInterrupt`` for SIGINT, else the default action (the process ends).
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import weakref
from typing import Any, Callable

from syne_mohb.backends.sagemaker.retry import error_message

logger = logging.getLogger(__name__)

# the hooks installed now: a backend's close() takes its handler out of the chain of handlers
# the others hand signals on to
_INSTALLED: weakref.WeakSet = weakref.WeakSet()


class SafetyHooks:
    """Signal handlers and an ``atexit`` hook that call ``stop_jobs`` (see the module).

    :param stop_jobs: stops every job; returns the names of jobs it could not stop
    :param owner: what the jobs belong to, for the log lines (e.g. ``"run 1234"``)
    """

    def __init__(self, stop_jobs: Callable[[], list[str]], owner: Callable[[], str]):
        self._stop_jobs = stop_jobs
        self._owner = owner
        self._prev_handlers: dict[int, Any] = {}
        self.installed = False

    def install(self) -> None:
        """Register the hooks (idempotent; signal handlers only from the main thread)."""
        if self.installed:
            return
        self.installed = True
        _INSTALLED.add(self)
        atexit.register(self.at_exit)
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._prev_handlers[sig] = signal.getsignal(sig)
                signal.signal(sig, self.on_signal)
            except (ValueError, OSError):  # pragma: no cover -- not allowed here
                self._prev_handlers.pop(sig, None)

    def on_signal(self, signum: int, frame) -> None:
        """Stop the jobs, then hand the signal on (see the module docstring)."""
        logger.warning("signal %d: stopping the SageMaker jobs of %s", signum, self._owner())
        self._stop_jobs()
        prev = self._prev_handlers.get(signum)
        if callable(prev):
            prev(signum, frame)
        elif prev == signal.SIG_IGN:
            return
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def at_exit(self) -> None:
        """Stop the jobs at interpreter exit; errors are logged, never raised."""
        try:
            left = self._stop_jobs()
            if left:
                logger.error("jobs possibly still running after exit: %s", ", ".join(left))
        except Exception as e:  # noqa: BLE001 -- at exit, report and go on
            logger.error("stopping jobs at exit failed: %s", error_message(e))

    def uninstall(self) -> None:
        """Remove the hooks, whatever order backends are closed in: a backend that installed
        its handler over this one's hands signals on to the handler this one replaced, so that
        a closed backend's handler is never called again."""
        if not self.installed:
            return
        atexit.unregister(self.at_exit)
        self.installed = False
        _INSTALLED.discard(self)
        for sig, prev in self._prev_handlers.items():
            for other in list(_INSTALLED):
                if other._prev_handlers.get(sig) == self.on_signal:
                    other._prev_handlers[sig] = prev
            if threading.current_thread() is threading.main_thread() \
                    and signal.getsignal(sig) == self.on_signal:
                signal.signal(sig, prev)
        self._prev_handlers.clear()
