"""Ctrl-C on a durable run: one line saying how to resume it, no traceback.

When a ``KeyboardInterrupt`` ends :meth:`~syne_mohb.durable.DurableTuner.run` (or
:func:`~syne_mohb.durable.resume`), the run is journaled as interrupted, Syne Tune's end-of-run
printout is left out (:class:`~syne_mohb.durable.hooks.RunLogger`), and :func:`interrupted`
prints to stderr::

    syne-mohb: run interrupted; resume it with: syne-mohb resume /path/to/run

It returns the ``KeyboardInterrupt`` to raise (its message is that line, its ``run_dir`` the
folder), so that callers can still catch it as one and the process still ends as interrupted
(exit status 130). A ``sys.excepthook`` installed at that moment prints nothing for this one
exception when nobody catches it (the line was printed); every other exception goes to the
hook that was there before.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

__all__ = ["interrupted", "is_reported"]

_MARK = "_syne_mohb_reported"


def is_reported(error: BaseException) -> bool:
    """Whether ``error`` is the interrupt :func:`interrupted` already reported."""
    return bool(getattr(error, _MARK, False))


def interrupted(run_dir: str | Path) -> KeyboardInterrupt:
    """Print the one line (module docstring) and return the ``KeyboardInterrupt`` to raise."""
    line = f"run interrupted; resume it with: syne-mohb resume {shlex.quote(str(run_dir))}"
    print(f"syne-mohb: {line}", file=sys.stderr, flush=True)
    error = KeyboardInterrupt(line)
    error.run_dir = Path(run_dir)
    setattr(error, _MARK, True)
    _install_hook()
    return error


def _install_hook() -> None:
    previous = sys.excepthook
    if getattr(previous, _MARK, False):
        return

    def hook(exc_type, value, tb):
        if is_reported(value):
            return  # the line is printed; the interpreter still exits as interrupted
        previous(exc_type, value, tb)

    setattr(hook, _MARK, True)
    sys.excepthook = hook
