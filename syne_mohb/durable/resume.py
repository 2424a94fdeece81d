"""Continue a durable run from its folder: :func:`restore` (rebuild), :func:`resume` (rebuild and
run), and :func:`failures` (the failed trials and their reasons, from the journal)."""
from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Callable

import dill
import numpy as np

from syne_mohb.durable.interrupt import interrupted, is_reported
from syne_mohb.durable.journal import read_journal
from syne_mohb.durable.replay import Reexecute, Replay
from syne_mohb.durable.tuner import SPEC_FILENAME, SPEC_VERSION, DurableTuner

logger = logging.getLogger(__name__)

__all__ = ["failures", "restore", "resume"]


def _load_spec(run_dir: Path) -> dict:
    path = run_dir / SPEC_FILENAME
    if not path.exists():
        raise ValueError(f"run_dir {str(run_dir)!r} has no {SPEC_FILENAME}: it was not started "
                         f"by a DurableTuner (or crashed before its first step)")
    try:
        with open(path, "rb") as f:
            spec = dill.load(f)
    except (ImportError, AttributeError, TypeError, EOFError, dill.UnpicklingError) as e:
        # e.g. a run written by an earlier syne-mohb whose classes have moved
        raise ValueError(
            f"{path} cannot be read by this syne-mohb ({type(e).__name__}: {e}); resume the run "
            f"with the syne-mohb version that started it. Its results so far stay in "
            f"{run_dir}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("tuner"), DurableTuner):
        raise ValueError(f"{path} does not hold a DurableTuner")
    if spec.get("version") != SPEC_VERSION:
        raise ValueError(
            f"{path} was written by another syne-mohb (run format {spec.get('version')!r}, this "
            f"one reads {SPEC_VERSION}); resume the run with the syne-mohb version that started "
            f"it. Its results so far stay in {run_dir}")
    return spec


def restore(run_dir: str | Path, *, strict: bool = True, stop_criterion: Callable | None = None,
            n_workers: int | None = None) -> DurableTuner:
    """Rebuild a durable run from its folder, ready for ``run()`` (nothing is started yet).

    :param run_dir: the run's folder (``tuner.tuner_path``)
    :param strict: raise :class:`~syne_mohb.durable.ReplayMismatchError` if the rebuilt
        scheduler does not repeat a journaled suggestion or decision (else warn and trust the
        journal)
    :param stop_criterion: replace the run's stop criterion (e.g. to extend a finished run)
    :param n_workers: replace the number of workers
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(f"run_dir {str(run_dir)!r} is not a folder")
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(n_workers, int)
                                  or n_workers < 1):
        raise ValueError(f"n_workers must be an int >= 1, got {n_workers!r}")
    entries = read_journal(run_dir)
    spec = _load_spec(run_dir)
    tuner: DurableTuner = spec["tuner"]
    old_path = str(tuner.tuner_path)
    tuner.tuner_path = run_dir
    if tuner.trial_backend_path == old_path:
        tuner.trial_backend_path = str(run_dir)
        tuner.trial_backend.set_path(results_root=str(run_dir), tuner_name=tuner.name)
    if stop_criterion is not None:
        tuner.stop_criterion = stop_criterion
    if n_workers is not None:
        tuner.n_workers = n_workers
    # the address the last session used (given to an earlier resume), over the one at the start
    used = [e["address"] for e in entries if e["e"] == "session" and e.get("address")]
    if used and hasattr(tuner.trial_backend, "set_address"):
        tuner.trial_backend.set_address(used[-1])
    # numpy's and Python's global generators as at the run's start: Syne Tune's samplers
    # (ASHA, MOASHA, RandomSearcher) draw from numpy's, so replaying the journaled calls on the
    # fresh scheduler draws the same configurations and leaves the state where the run was
    np.random.set_state(spec["numpy_random_state"])
    random.setstate(spec["python_random_state"])
    recovery = tuner.recovery
    if recovery.reexecute:
        restored = Reexecute(entries, strict)
        tuner.continue_from_journal(sessions=restored.sessions)
    else:
        restored = Replay(tuner, entries, strict)
        if len(restored.in_flight) > tuner.n_workers:
            raise ValueError(f"n_workers={tuner.n_workers} is less than the "
                             f"{len(restored.in_flight)} trials in flight at the interruption")
        restored.rebuild_tuner(recovery)
    tuner.restored = restored
    return tuner


def resume(run_dir: str | Path, *, strict: bool = True, stop_criterion: Callable | None = None,
           n_workers: int | None = None, environment: dict[str, str] | None = None,
           address: str | None = None, force: bool = False) -> DurableTuner:
    """Continue a durable run from its folder after a crash or a kill; returns the tuner.

    Rebuilds the scheduler from the journal (see :func:`restore`), recovers the trials that
    were in flight (local: leftover processes killed, lines they printed recovered, trials
    restarted from their checkpoints; SageMaker: jobs re-attached by name and tags, results
    of jobs that ended meanwhile harvested; simulation: deterministic re-execution), and runs
    until the (same) stop criterion, counting trials, wallclock and cost across the
    interruption. Results go to the same ``results.csv.zip``; trial ids are never reused.
    A run whose journal ends with a clean ``end`` is not run again unless ``force`` or a new
    ``stop_criterion`` is given.

    :param environment: container environment of a SageMaker backend (secrets are not saved)
    :param address: the Ray cluster of a Ray backend's run, if not the one it started on (e.g.
        the head node was started again: ``"host:port"``, as ``RayBackend``'s ``address``)
    :raises KeyboardInterrupt: Ctrl-C, after one line saying how to resume the run again
        (:mod:`~syne_mohb.durable.interrupt`)
    """
    try:
        return _resume(run_dir, strict=strict, stop_criterion=stop_criterion,
                       n_workers=n_workers, environment=environment, address=address,
                       force=force)
    except KeyboardInterrupt as e:
        if is_reported(e):
            raise
        raise interrupted(run_dir) from None


def _resume(run_dir, *, strict, stop_criterion, n_workers, environment, address,
            force) -> DurableTuner:
    tuner = restore(run_dir, strict=strict, stop_criterion=stop_criterion, n_workers=n_workers)
    for what, value in (("environment", environment), ("address", address)):
        if value is not None:
            setter = getattr(tuner.trial_backend, f"set_{what}", None)
            if setter is None:
                raise ValueError(f"{what} given, but {type(tuner.trial_backend).__name__} "
                                 f"takes no {what}")
            setter(value)
    if tuner.restored.ended and stop_criterion is None and not force:
        logger.info("run %s had finished; nothing to resume (pass force=True or a new "
                    "stop_criterion to extend it)", run_dir)
        tuner.restored = None
        return tuner
    check = getattr(tuner.recovery, "resume_problem", None)
    problem = check(tuner.trial_backend) if check is not None else None
    if problem:
        raise ValueError(f"cannot resume {run_dir}: {problem}")
    tuner.run()
    return tuner


def failures(run_dir: str | Path) -> list[dict]:
    """Failed trials of a run with their status and reason, from its journal."""
    return [{"trial_id": e["trial_id"], "status": e.get("status"), "reason": e.get("reason"),
             "time": e["t"]} for e in read_journal(run_dir) if e["e"] == "failed"]
