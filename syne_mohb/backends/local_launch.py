"""Launcher of ``LocalProfileBackend`` trials: pins the training command to its CPU cores, sets its
environment variables, then execs it.

``LocalProfileBackend`` gives Syne Tune's ``LocalBackend`` the binary
``python -S local_launch.py --trial-dir-of --st_checkpoint_dir -- <binary>``, so that every
trial runs ``... -- <binary> <entry_point> --key value ... --st_checkpoint_dir
<trial>/checkpoints``.
Before each launch the backend writes the trial's cores, environment and exact command to
``<trial>/launch.json`` (:data:`SPEC_FILENAME`, ``{"cpus": [0, 1], "env": {"K": "V"}, "argv":
[...]}``) and names that file in the launcher's environment (:data:`ENV_SPEC`); without it the
launcher finds the trial folder as the parent of the path after the ``--trial-dir-of`` option.
It applies the spec and ``exec``s the command, the spec's ``argv`` where it has one:
``LocalBackend`` splits its command line on spaces, the spec keeps a path or a value with a
space in one piece. The PID stays the one ``LocalBackend`` started, so
its kill and exit-code handling are unchanged, and affinity is inherited by every thread and
child process of the command. Run by file path with ``-S`` (standard library only, no package
import), it adds a few milliseconds.
"""

import json
import os
import sys

SPEC_FILENAME = "launch.json"
#: environment variable naming the trial's launch spec (set by the backend for one launch)
ENV_SPEC = "SYNE_MOHB_LAUNCH_SPEC"


def _fail(msg: str) -> None:
    sys.exit(f"local_launch.py: {msg}")


def main(argv: list) -> None:
    if "--" not in argv:
        _fail("expected '-- CMD ...' after the options")
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    if len(opts) != 2 or opts[0] != "--trial-dir-of":
        _fail(f"expected '--trial-dir-of ARGUMENT' before '--', got {opts}")
    if not cmd:
        _fail("no command given after '--'")
    spec_path = os.environ.pop(ENV_SPEC, None)
    if spec_path is None:
        arg = opts[1]
        if arg not in cmd[:-1]:
            _fail(f"the command has no {arg} argument: cannot find the trial folder")
        spec_path = os.path.join(os.path.dirname(cmd[cmd.index(arg) + 1]), SPEC_FILENAME)
    try:
        with open(spec_path) as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        _fail(f"cannot read the launch spec {spec_path}: {e}")
    if spec.get("cpus"):
        os.sched_setaffinity(0, {int(c) for c in spec["cpus"]})
    os.environ.update({str(k): str(v) for k, v in spec.get("env", {}).items()})
    if spec.get("argv"):
        cmd = [str(a) for a in spec["argv"]]
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
