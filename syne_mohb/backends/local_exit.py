"""Exit recorder of local trials in durable runs: runs the trial's command as its child, waits
for it and writes its exit code to ``<trial>/exit.json`` (:data:`EXIT_FILENAME`).

A trial process outlives a driver that crashed (it is re-parented, and its exit code is then
lost to everyone). So that a resume can tell a trial that ran to completion while no driver
was watching (its results are kept, it is not restarted) from one that died, the durable
tuner's :class:`~syne_mohb.backends.local_recovery.LocalRecovery` puts this recorder in front of
a local backend's ``binary``::

    python -S local_exit.py --trial-dir-of --st_checkpoint_dir -- <binary> <entry_point> ...

The recorder forks, the child ``exec``s the command unchanged (same stdout / stderr files,
same arguments); the recorder forwards SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it and
ignores SIGINT (a Ctrl-C in the terminal reaches the child, which is in the same process group,
directly). When the child ends, the recorder writes ``{"returncode": ..., "pid": <recorder
pid>, "time": ...}`` (atomically: temporary file, then rename) and exits with the child's exit
code (or dies of the child's signal), so that ``LocalBackend``'s status (its ``Popen`` is the
recorder) is what it would be without it. Killing the process tree (``LocalBackend`` stops a
trial so) kills both; on Linux the child is also killed when the recorder dies
(``PR_SET_PDEATHSIG``), so a trial stopped a few milliseconds after its launch, before the
recorder had forked when the backend listed its children, leaves no process behind. Run by file
path with ``-S`` (standard library only): a few milliseconds.
"""

import json
import os
import signal
import sys
import time

EXIT_FILENAME = "exit.json"
FORWARDED = ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _fail(msg: str) -> None:
    sys.exit(f"local_exit.py: {msg}")


def _trial_dir(argv: list) -> tuple:
    if "--" not in argv:
        _fail("expected '-- CMD ...' after the options")
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    if len(opts) != 2 or opts[0] != "--trial-dir-of":
        _fail(f"expected '--trial-dir-of ARGUMENT' before '--', got {opts}")
    if not cmd:
        _fail("no command given after '--'")
    # LocalProfileBackend names the trial's launch spec (in the trial folder) for its launcher,
    # which reads the exact command there: the path after the option may hold a space, which
    # LocalBackend's command line split. The name is local_launch.ENV_SPEC, written out: this
    # file runs by path with -S and imports no package
    spec = os.environ.get("SYNE_MOHB_LAUNCH_SPEC")
    if spec:
        return os.path.dirname(spec), cmd
    if opts[1] not in cmd[:-1]:
        _fail(f"the command has no {opts[1]} argument: cannot find the trial folder")
    # the last one: a launcher in the command (LocalProfileBackend's) names the option too
    last = len(cmd) - 2 - cmd[:-1][::-1].index(opts[1])
    return os.path.dirname(cmd[last + 1]), cmd


def _record(trial_dir: str, returncode: int) -> None:
    path = os.path.join(trial_dir, EXIT_FILENAME)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w") as f:
            json.dump({"returncode": returncode, "pid": os.getpid(), "time": time.time()}, f)
        os.replace(tmp, path)
    except OSError as e:  # the trial's status still comes from the exit code
        sys.stderr.write(f"local_exit.py: cannot write {path}: {e}\n")


def _die_with(parent: int) -> None:
    """In the forked child: be killed when the recorder dies (Linux ``PR_SET_PDEATHSIG``, kept
    across ``exec``). Without it a recorder killed between its fork and the backend's look at
    its children (a trial stopped right after its launch) would leave the command running,
    re-parented, with no one to stop it."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the race stays (as on other systems)
            pass
    if os.getppid() != parent:  # the recorder died before that took effect
        os._exit(128 + signal.SIGKILL)


def main(argv: list) -> None:
    trial_dir, cmd = _trial_dir(argv)
    me = os.getpid()
    child = os.fork()
    if child == 0:
        _die_with(me)
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write(f"local_exit.py: cannot run {cmd[0]}: {e}\n")
            os._exit(127)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def forward(signum, frame):
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for name in FORWARDED:
        signal.signal(getattr(signal, name), forward)
    _, status = os.waitpid(child, 0)  # retried after a handled signal (PEP 475)
    code = os.waitstatus_to_exitcode(status)
    _record(trial_dir, code)
    if code < 0:  # the child died of a signal: so does the recorder
        try:
            signal.signal(-code, signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL, SIGSTOP: default already
            pass
        os.kill(os.getpid(), -code)
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
