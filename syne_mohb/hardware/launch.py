"""Launcher that pins a command to CPU cores and sets environment variables, then execs it.

Usage: ``python -S launch.py --cpus 0,1 --env OMP_NUM_THREADS=2 [--env K=V ...] -- CMD ARGS``.
Run by file path (stdlib only, no package import) so it adds a few milliseconds; ``exec`` keeps
the PID, so the backend can still kill the trial. Affinity is inherited by every thread and
child process of the command.
"""

import os
import sys


def main(argv: list) -> None:
    if "--" not in argv:
        sys.exit("launch.py: expected '-- CMD ...' after the options")
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    if not cmd:
        sys.exit("launch.py: no command given after '--'")
    cpus, env = None, {}
    i = 0
    while i < len(opts):
        if opts[i] == "--cpus" and i + 1 < len(opts):
            cpus = {int(c) for c in opts[i + 1].split(",") if c}
        elif opts[i] == "--env" and i + 1 < len(opts) and "=" in opts[i + 1]:
            key, val = opts[i + 1].split("=", 1)
            env[key] = val
        else:
            sys.exit(f"launch.py: cannot parse option {opts[i]!r}")
        i += 2
    if cpus:
        os.sched_setaffinity(0, cpus)
    os.environ.update(env)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
