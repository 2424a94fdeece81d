"""Per-backend recovery of the trials that were in flight when a durable run's driver died.

* :class:`LocalRecovery` (Syne Tune ``LocalBackend`` and subclasses, e.g.
  ``LocalProfileBackend``): leftover training processes of the run are found (journaled pid
  and start time, or ``--st_checkpoint_dir <run>/<trial>/checkpoints`` on their command line)
  and killed; metric lines they printed to ``<run>/<trial>/std.out`` after the last journal
  entry are delivered to the scheduler on the first poll (the backend's per-trial read
  position is set to the number of journaled results); unfinished trials are restarted with
  the same trial id, reading their checkpoint folder. A trial the backend's cost cap had ended
  (journaled ``cost_capped``) is not restarted: its results up to the cap are delivered and it
  completes.
* :class:`SageMakerRecovery` (:class:`~syne_mohb.backends.sagemaker.SageMakerBackend`): the
  run's jobs are listed by name and run-id tag, every trial's jobs are re-attached (logs read
  again from the start, only lines beyond the journaled count are new results), jobs that
  ended while the driver was down contribute their logged results, jobs of trials the
  scheduler had already stopped or paused are stopped, jobs unknown to the journal are
  stopped (never orphaned), and a trial whose job was never created is launched (an existing
  job of the same name is adopted, never duplicated).
* :class:`SimulatorRecovery` (Syne Tune ``SimulatorBackend``, e.g. the blackbox backends):
  deterministic re-execution from the run's construction and random states, checked against
  the journal.
"""
from __future__ import annotations

import logging
import math
import os
from collections import defaultdict
from typing import Any

from syne_tune.backend import LocalBackend
from syne_tune.backend.simulator_backend.simulator_backend import SimulatorBackend
from syne_tune.backend.simulator_backend.time_keeper import SimulatedTimeKeeper
from syne_tune.backend.trial_status import Status
from syne_tune.constants import ST_CHECKPOINT_DIR, ST_WORKER_TIMESTAMP
from syne_tune.report import retrieve

from syne_mohb.durable.protocol import BackendRecovery as _Recovery

logger = logging.getLogger(__name__)

__all__ = ["LocalRecovery", "SageMakerRecovery", "SimulatorRecovery", "recovery_for"]


class _DeterministicTimeKeeper(SimulatedTimeKeeper):
    """Simulated clock that does not add the tuner's own (real) compute time, which Syne Tune's
    ``SimulatedTimeKeeper`` does and which makes two runs with the same seed differ."""

    def real_time_since_last_recent_exit(self) -> float:
        self._assert_has_started()
        return 0.0


class SimulatorRecovery(_Recovery):
    reexecute = True

    def prepare(self, backend) -> None:
        if type(backend.time_keeper) is SimulatedTimeKeeper:
            # SimulatorBackend has no setter for its clock (Syne Tune private, unavoidable)
            backend._time_keeper = _DeterministicTimeKeeper()


class _Ended:
    """Stands in for the ``Popen`` of a trial that ended in an earlier session."""

    pid = None

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


class LocalRecovery(_Recovery):
    """Recovery for Syne Tune's ``LocalBackend`` (see the module docstring)."""

    def launch_info(self, backend, trial_id: int) -> dict[str, Any]:
        proc = backend.trial_subprocess.get(trial_id)
        if proc is None or getattr(proc, "pid", None) is None:
            return {}
        info: dict[str, Any] = {"pid": proc.pid}
        try:
            info["create_time"] = _psutil().Process(proc.pid).create_time()
        except Exception:  # noqa: BLE001 -- already gone
            pass
        return info

    def leftovers(self, backend, trials) -> dict[int, list]:
        """Live processes of the run's trials: ``trial_id -> [psutil.Process]``."""
        psutil = _psutil()
        me = os.getpid()
        found: dict[int, dict[int, Any]] = defaultdict(dict)
        for tid, tr in trials.items():
            for launch in tr.launches:
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
        ckpt = {str(backend.checkpoint_trial_path(tid)): tid for tid in trials}
        for p in psutil.process_iter(["pid", "cmdline"]):
            cmd = p.info.get("cmdline") or []
            if p.info["pid"] == me or not cmd:
                continue
            for i, arg in enumerate(cmd[:-1]):
                if arg == f"--{ST_CHECKPOINT_DIR}" and cmd[i + 1] in ckpt:
                    found[ckpt[cmd[i + 1]]][p.info["pid"]] = p
        return {tid: list(ps.values()) for tid, ps in found.items()}

    @staticmethod
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

    def recover(self, tuner, replay, journal) -> list[int]:
        backend = tuner.trial_backend
        for tid, procs in self.leftovers(backend, replay.trials).items():
            for p in procs:
                logger.warning("trial %d: killing leftover process %d of the crashed driver",
                               tid, p.pid)
                self._kill_tree(p)
                journal.append("leftover_killed", trial_id=tid, pid=p.pid)
        running = []
        for tid, tr in replay.trials.items():
            path = backend.trial_path(tid)
            path.mkdir(parents=True, exist_ok=True)
            for name in ("std.out", "std.err"):
                (path / name).touch()
            self._restore_cost_ledger(backend, tid, tr)
            capped = getattr(backend, "is_cost_capped", lambda t: False)(tid)
            if tr.status == Status.in_progress and capped:
                # ended by its cost cap just before the crash: never restarted; the first poll
                # delivers its results up to the cap and reports it completed
                backend.trial_subprocess[tid] = _Ended(0)
                backend._trial_dict[tid].status = Status.in_progress
                journal.append("cost_capped_kept_ended", trial_id=tid)
                running.append(tid)
            elif tr.status == Status.in_progress:
                for name in ("stop", "pause", "end"):
                    (path / name).unlink(missing_ok=True)
                ckpt = backend.checkpoint_trial_path(tid)
                has_ckpt = ckpt.is_dir() and any(ckpt.iterdir())
                backend._trial_dict[tid].status = Status.in_progress
                backend._schedule(tid, tr.config)
                entry = journal.append("relaunched", trial_id=tid, from_checkpoint=has_ckpt,
                                       **self.launch_info(backend, tid))
                tuner.note_relaunch(tid, entry["t"])
                logger.info("trial %d restarted (%s)", tid,
                            "from its checkpoint" if has_ckpt else "no checkpoint: from scratch")
                running.append(tid)
            else:
                backend.trial_subprocess[tid] = _Ended(1 if tr.status == Status.failed else 0)
                if tr.status == Status.paused:
                    (path / "pause").touch()
                elif tr.status == Status.stopped:
                    (path / "stop").touch()
        return running

    @staticmethod
    def _restore_cost_ledger(backend, tid: int, tr) -> None:
        """Time segments of earlier sessions for backends with a cost ledger (cost mixin)."""
        ledger = getattr(backend, "cost_ledger", None)
        if ledger is None or not tr.launches or tid in ledger:
            return
        try:
            price = backend.price_per_hour_of(tr.config)
            count = backend.instance_count_of(tr.config)
        except Exception as e:  # noqa: BLE001 -- cost is best effort, results are not
            logger.warning("trial %d: cost of earlier sessions unknown (%s)", tid, e)
            return
        stamps = [m.get(ST_WORKER_TIMESTAMP) for m in retrieve(backend.stdout(tid))]
        stamps = [s for s in stamps if isinstance(s, (int, float))]
        starts = [launch["t"] for launch in tr.launches]
        for i, t0 in enumerate(starts):
            t1 = starts[i + 1] if i + 1 < len(starts) else math.inf
            inside = [s for s in stamps if t0 - 5.0 <= s < t1]
            ledger.start(tid, price, count, at=t0)
            ledger.end(tid, at=max(inside) if inside else t0)


class SageMakerRecovery(_Recovery):
    """Recovery for :class:`~syne_mohb.backends.sagemaker.SageMakerBackend`."""

    def launch_info(self, backend, trial_id: int) -> dict[str, Any]:
        names = backend.job_names(trial_id)
        return {"job_name": names[-1]} if names else {}

    def recover(self, tuner, replay, journal) -> list[int]:
        backend = tuner.trial_backend
        jobs = backend.find_run_jobs()
        by_trial: dict[int, list[dict]] = defaultdict(list)
        for j in jobs:
            by_trial[j["trial_id"]].append(j)
        # drop any state the pickled backend held: it then holds exactly the journaled trials,
        # and adopts existing jobs by name before it creates one
        backend.load_state_dict({"run_id": backend.run_id, "code_uri": None, "trials": {}})
        relaunch, running = [], []
        for tid, tr in replay.trials.items():
            found = backend.reattach_trial(tid, tr.config, tr.status, by_trial.pop(tid, []))
            for name in found.stopped_jobs:
                journal.append("job_stopped", trial_id=tid, job_name=name,
                               why=f"trial is {tr.status}")
            if tr.status != Status.in_progress:
                continue
            running.append(tid)
            if found.action == "launch":
                relaunch.append(tid)  # the crash came before CreateTrainingJob
            elif found.action == "resume" and getattr(backend, "is_cost_capped")(tid):
                # its job was stopped by the cost cap: the backend launches nothing, reads its
                # logs up to the cap and reports it completed
                journal.append("cost_capped_kept_ended", trial_id=tid, after=found.jobs[-1])
            elif found.action == "resume":
                entry = journal.append("relaunched", trial_id=tid, after=found.jobs[-1])
                tuner.note_relaunch(tid, entry["t"])
            else:
                journal.append("reattached", trial_id=tid, jobs=list(found.jobs),
                               status=found.last_job_status)
        for tid, js in sorted(by_trial.items()):
            for j in js:  # jobs of this run no journaled trial owns: never leave them running
                if j["status"] in ("InProgress", "Stopping"):
                    try:
                        backend.sagemaker.stop_training_job(TrainingJobName=j["job_name"])
                    except Exception as e:  # noqa: BLE001
                        logger.error("could not stop orphan job %s: %s", j["job_name"], e)
                    journal.append("job_stopped", trial_id=tid, job_name=j["job_name"],
                                   why="not in the journal")
        for tid in relaunch:
            backend.launch_job(tid, replay.trials[tid].config)
            entry = journal.append("relaunched", trial_id=tid, **self.launch_info(backend, tid))
            tuner.note_relaunch(tid, entry["t"])
        return running


def recovery_for(backend) -> _Recovery:
    """The recovery strategy of a trial backend; ``ValueError`` if it has none.

    A backend may bring its own: a ``durable_recovery()`` method returning an object with
    ``reexecute``, ``prepare``, ``launch_info`` and ``recover`` like the classes above (the Ray
    backend does)."""
    own = getattr(backend, "durable_recovery", None)
    if callable(own):
        return own()
    if isinstance(backend, SimulatorBackend):
        return SimulatorRecovery()
    if isinstance(backend, LocalBackend):
        return LocalRecovery()
    try:
        from syne_mohb.backends.sagemaker import SageMakerBackend
    except ImportError:  # pragma: no cover
        SageMakerBackend = ()
    if SageMakerBackend and isinstance(backend, SageMakerBackend):
        return SageMakerRecovery()
    raise ValueError(
        f"trial_backend {type(backend).__name__} has no crash recovery; DurableTuner supports "
        f"LocalBackend (and subclasses), SimulatorBackend (blackboxes) and SageMakerBackend"
    )
