"""Crash recovery of durable runs on local backends (``LocalProfileBackend``, Syne Tune's
``LocalBackend``).

:class:`LocalTrialControl` is what a local backend offers recovery: launch facts (pid and
process start time), the run's leftover processes, a trial restored as ended, a trial
relaunched under its id, and the cost ledger's per-trial segments. ``LocalProfileBackend``
inherits it; Syne Tune's own ``LocalBackend``, which cannot be given methods, is wrapped in
:meth:`LocalTrialControl.view` by :func:`~syne_mohb.durable.recovery.recovery_for`.

:class:`LocalRecovery` (the backend's :class:`~syne_mohb.durable.protocol.BackendRecovery`)
does, on resume, for every journaled trial:

* leftover training processes of the run are found (journaled pid and start time, or
  ``--st_checkpoint_dir <run>/<trial>/checkpoints`` on their command line) and killed: their
  exit code cannot be known, so they are not adopted;
* the cost ledger gets the journaled segments back (``trial_state`` entries); a segment that
  was open at the crash ends at the trial's last metric line;
* metric lines printed to ``<run>/<trial>/std.out`` after the last journal entry are delivered
  to the scheduler on the first poll (the backend's read position is the number of results
  journaled or dropped by the loop after a STOP or PAUSE in the same poll,
  ``JournaledTrial.read_position``, see ``BackendRecovery.restore_trials``);
* a trial whose process ran to completion while no driver was watching (exit code 0 in its
  ``exit.json``, written by the exit recorder :mod:`~syne_mohb.backends.local_exit` that
  :meth:`LocalRecovery.prepare` puts in front of the backend's ``binary``) is not restarted:
  everything it printed is delivered and it completes;
* an unfinished trial is restarted with the same trial id, reading its checkpoint folder,
  through the backend's public ``resume_trial`` (it is registered as paused for this); a trial
  the cost cap had ended is not restarted: its results up to the cap are delivered and it
  completes; an ended trial gets its status back (exit code, ``pause`` / ``stop`` marker).

What of Syne Tune's ``LocalBackend`` this relies on (0.16): its public ``trial_subprocess``
(one ``Popen`` per trial, polled for the status: an ended trial gets an :class:`EndedProcess`),
its marker files ``pause`` / ``stop`` / ``end`` in the trial folder, ``resume_trial``, its
constructor's ``binary`` (the command in front of the script, split on spaces) and the
``--st_checkpoint_dir`` argument it passes to every script. No private member.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from collections import defaultdict
from typing import Any, Mapping

from syne_tune.backend.trial_status import Status
from syne_tune.constants import ST_CHECKPOINT_DIR, ST_WORKER_TIMESTAMP
from syne_tune.report import retrieve

from syne_mohb.backends import local_exit as _exit_module
from syne_mohb.durable.protocol import BackendRecovery, missing_path_problem

logger = logging.getLogger(__name__)

__all__ = ["EndedProcess", "LocalRecovery", "LocalTrialControl"]

_MARKERS = ("stop", "pause", "end", _exit_module.EXIT_FILENAME)
EXIT_RECORDER = os.path.abspath(_exit_module.__file__)


class EndedProcess:
    """Stands in for the ``Popen`` of a trial that ended in an earlier session.

    Its ``pid`` is one no process can have (above every platform's maximum pid): Syne Tune's
    ``LocalBackend`` kills a paused or stopped trial's process tree through
    ``psutil.Process(pid)``, which for ``None`` is the *calling* process (the driver), and for a
    missing pid raises ``NoSuchProcess``, which it catches and then calls :meth:`kill`."""

    pid = 2**31 - 1

    def __init__(self, returncode: int):
        self.returncode = returncode

    def poll(self) -> int:
        return self.returncode

    def wait(self, timeout=None) -> int:
        return self.returncode

    def kill(self):
        pass


def _psutil():
    import psutil

    return psutil


def _kill_tree(p) -> None:
    psutil = _psutil()
    try:
        procs = p.children(recursive=True) + [p]
    except psutil.NoSuchProcess:
        return
    for q in procs:
        try:
            q.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=5)


class LocalTrialControl:
    """Methods of a Syne Tune ``LocalBackend`` (subclass) that durable recovery calls (mixin)."""

    @staticmethod
    def view(backend) -> LocalTrialControl:
        """These methods for a ``backend`` that does not have them (Syne Tune's own
        ``LocalBackend``): a view that forwards every other attribute to ``backend``."""
        return backend if isinstance(backend, LocalTrialControl) else _LocalBackendView(backend)

    def durable_recovery(self) -> LocalRecovery:
        """Crash recovery of ``DurableTuner`` runs (:class:`LocalRecovery`)."""
        return LocalRecovery()

    def trial_launch_info(self, trial_id: int) -> dict[str, Any]:
        """Pid and process start time of the trial's current process ({} if it has none)."""
        proc = self.trial_subprocess.get(trial_id)
        if proc is None or isinstance(proc, EndedProcess):
            return {}
        info: dict[str, Any] = {"pid": proc.pid}
        try:
            info["create_time"] = _psutil().Process(proc.pid).create_time()
        except Exception:  # noqa: BLE001 -- already gone
            pass
        return info

    def leftover_processes(self, launches: Mapping[int, list[dict]]) -> dict[int, list]:
        """Live processes of the given trials, ``trial_id -> [psutil.Process]``: the journaled
        launches' pids (``pid``, ``create_time`` from :meth:`trial_launch_info`; a pid reused by
        another process is skipped) and every process with the trial's checkpoint folder as
        ``--st_checkpoint_dir``."""
        psutil = _psutil()
        me = os.getpid()
        found: dict[int, dict[int, Any]] = defaultdict(dict)
        for tid, entries in launches.items():
            for launch in entries:
                pid = launch.get("pid")
                if not pid or pid == me:
                    continue
                try:
                    p = psutil.Process(pid)
                    ct = launch.get("create_time")
                    if ct is not None and abs(p.create_time() - ct) > 0.05:
                        continue  # pid reused by an unrelated process
                    if p.status() != psutil.STATUS_ZOMBIE:
                        found[tid][pid] = p
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
        ckpt = {str(self.checkpoint_trial_path(tid)): tid for tid in launches}
        for p in psutil.process_iter(["pid", "cmdline"]):
            cmd = p.info.get("cmdline") or []
            if p.info["pid"] == me or not cmd:
                continue
            for i, arg in enumerate(cmd[:-1]):
                if arg == f"--{ST_CHECKPOINT_DIR}" and cmd[i + 1] in ckpt:
                    found[ckpt[cmd[i + 1]]][p.info["pid"]] = p
        return {tid: list(ps.values()) for tid, ps in found.items()}

    def _ensure_logs(self, trial_id: int) -> None:
        path = self.trial_path(trial_id)
        path.mkdir(parents=True, exist_ok=True)
        for name in ("std.out", "std.err"):
            (path / name).touch()

    def restore_ended_trial(self, trial_id: int, status: str) -> None:
        """The trial ended in an earlier session with ``status``: polling it reports that
        status (``failed``: exit code 1; ``paused`` / ``stopped``: their marker file) from now
        on, and its logs can be read."""
        self._ensure_logs(trial_id)
        if getattr(self, "rotate_gpus", False) and getattr(self, "trial_gpu", {}) is None:
            # LocalBackend makes its map of GPUs at its first launch; this trial is polled
            # (and its GPUs released) before any launch of this session
            self.trial_gpu = {}
        self.trial_subprocess[trial_id] = EndedProcess(1 if status == Status.failed else 0)
        path = self.trial_path(trial_id)
        if status == Status.paused:
            (path / "pause").touch()
        elif status == Status.stopped:
            (path / "stop").touch()

    def relaunch_trial(self, trial_id: int) -> bool:
        """Start the trial again under its id with its config (the backend must hold it as
        paused, as :class:`LocalRecovery` registers it); the script finds its checkpoint
        folder. Returns whether that folder holds a checkpoint."""
        self._ensure_logs(trial_id)
        path = self.trial_path(trial_id)
        for name in _MARKERS:
            (path / name).unlink(missing_ok=True)
        ckpt = self.checkpoint_trial_path(trial_id)
        has_ckpt = ckpt.is_dir() and any(ckpt.iterdir())
        self.resume_trial(trial_id)
        return has_ckpt

    def record_exits(self) -> bool:
        """Put the exit recorder (:mod:`~syne_mohb.backends.local_exit`) in front of the
        backend's ``binary`` (once), so that every trial leaves its exit code in
        ``<trial>/exit.json``. Returns whether it is there (``LocalBackend`` splits the command
        on spaces: a path with one runs through a space-free link,
        :func:`~syne_mohb.backends.local_paths.space_free`)."""
        from syne_mohb.backends.local_paths import space_free

        try:
            prefix = (f"{space_free(sys.executable)} -S {space_free(EXIT_RECORDER)} "
                      f"--trial-dir-of --{ST_CHECKPOINT_DIR} --")
        except (OSError, ValueError) as e:
            logger.warning("exit codes of local trials are not recorded (%s): a resume "
                           "restarts every trial in flight", e)
            return False
        if self.binary.startswith(prefix):
            return True
        self.binary = f"{prefix} {self.binary}"
        return True

    def exit_record(self, trial_id: int, pid: int | None) -> dict[str, Any] | None:
        """``{"returncode", "pid", "time"}`` of the trial's process ``pid`` if it ended and the
        exit recorder wrote it, else None (a record of another process is ignored)."""
        if not pid:
            return None
        try:
            with open(self.trial_path(trial_id) / _exit_module.EXIT_FILENAME) as f:
                record = json.load(f)
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("pid") == pid else None

    def trial_states(self) -> dict[int, dict[str, Any]]:
        """``{trial_id: {"cost_segments": [...]}}`` from the cost ledger, if it has one."""
        ledger = getattr(self, "cost_ledger", None)
        if ledger is None:
            return {}
        return {int(tid): {"cost_segments": segs}
                for tid, segs in ledger.state_dict()["trials"].items()}

    def load_trial_states(self, states: Mapping[int, Any],
                          ended_at: Mapping[int, float] | None = None) -> None:
        """Give the cost ledger the segments of :meth:`trial_states` back; a segment still open
        (its trial's process is gone) ends when the process ended (``ended_at``, from its exit
        record), else at the trial's last metric line after its start."""
        ledger = getattr(self, "cost_ledger", None)
        if ledger is None:
            return
        ledger.load_state_dict({"trials": {str(tid): s["cost_segments"]
                                           for tid, s in states.items()}})
        for tid, state in states.items():
            start = state["cost_segments"][-1]["start"] if state["cost_segments"] else None
            if start is None or not ledger.is_running(tid):
                continue
            stamps = [m.get(ST_WORKER_TIMESTAMP) for m in retrieve(self.stdout(tid))]
            stamps = [s for s in stamps if isinstance(s, (int, float)) and s >= start]
            end = (ended_at or {}).get(tid)
            if end is not None and end >= start:
                stamps.append(end)
            ledger.end(tid, at=max(stamps) if stamps else start)


class _LocalBackendView(LocalTrialControl):
    """:class:`LocalTrialControl` for a backend without it (every other attribute is the
    backend's)."""

    def __init__(self, backend):
        object.__setattr__(self, "backend", backend)

    def __getattr__(self, name: str):
        if name == "backend" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.backend, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.backend, name, value)  # e.g. binary (record_exits)


class LocalRecovery(BackendRecovery):
    """Recovery of local backends through :class:`LocalTrialControl` (see the module doc)."""

    def prepare(self, backend) -> None:
        # the exit code of a trial that ends while no driver watches is recorded
        LocalTrialControl.view(backend).record_exits()
        # a resume may run from another folder: the pickled command holds an absolute path
        entry = getattr(backend, "entry_point", None)
        if isinstance(entry, str) and entry and not os.path.isabs(entry) \
                and os.path.isfile(entry):
            backend.entry_point = os.path.abspath(entry)

    def resume_problem(self, backend) -> str | None:
        entry = getattr(backend, "entry_point", None)
        if isinstance(entry, str) and entry:
            return missing_path_problem("training script", entry)
        return None

    def launch_info(self, backend, trial_id: int) -> dict[str, Any]:
        return LocalTrialControl.view(backend).trial_launch_info(trial_id)

    def trial_states(self, backend) -> Mapping[int, Any]:
        return LocalTrialControl.view(backend).trial_states()

    def registered_status(self, trial) -> str:
        # its process is gone: recover() restarts it through resume_trial (or ends it)
        return Status.paused if trial.status == Status.in_progress else trial.status

    def recover(self, tuner, replay, journal) -> list[int]:
        backend = LocalTrialControl.view(tuner.trial_backend)
        trials = replay.trials
        leftovers = backend.leftover_processes({t: tr.launches for t, tr in trials.items()})
        for tid, procs in leftovers.items():
            for p in procs:
                logger.warning("trial %d: killing leftover process %d of the crashed driver",
                               tid, p.pid)
                _kill_tree(p)
                journal.append("leftover_killed", trial_id=tid, pid=p.pid)
        # trials in flight whose process ran to completion while no driver was watching
        completed = {}
        for tid, tr in trials.items():
            if tr.status == Status.in_progress and tr.launches:
                record = backend.exit_record(tid, tr.launches[-1].get("pid"))
                if record is not None and record.get("returncode") == 0:
                    completed[tid] = float(record.get("time", 0.0))
        backend.load_trial_states({t: tr.backend_state for t, tr in trials.items()
                                   if tr.backend_state is not None}, ended_at=completed)
        is_capped = getattr(backend, "is_cost_capped", lambda t: False)
        running = []
        for tid, tr in trials.items():
            if tr.status != Status.in_progress:
                backend.restore_ended_trial(tid, tr.status)
            elif is_capped(tid):
                # ended by its cost cap just before the crash: never restarted; the first poll
                # delivers its results up to the cap and reports it completed
                backend.restore_ended_trial(tid, Status.completed)
                journal.append("cost_capped_kept_ended", trial_id=tid)
                running.append(tid)
            elif tid in completed:
                # ran to its end (exit code 0) while the driver was down: not restarted; the
                # first poll delivers every line it printed and reports it completed
                backend.restore_ended_trial(tid, Status.completed)
                journal.append("completed_while_down", trial_id=tid, ended=completed[tid])
                logger.info("trial %d completed while no driver was running: its results are "
                            "kept, it is not restarted", tid)
                running.append(tid)
            else:
                has_ckpt = backend.relaunch_trial(tid)
                entry = journal.append("relaunched", trial_id=tid, from_checkpoint=has_ckpt,
                                       **backend.trial_launch_info(tid))
                tuner.note_relaunch(tid, entry["t"])
                logger.info("trial %d restarted (%s)", tid,
                            "from its checkpoint" if has_ckpt else "no checkpoint: from scratch")
                running.append(tid)
        return running
