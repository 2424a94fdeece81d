"""Life cycle of the trials' Ray actors: create one per attempt (on the node type of its
trial, named ``<run_id>/trial-<id>/attempt-<k>``), look one up by name (a resumed driver, an
attempt whose handle was lost), stop or pause one (SIGTERM, SIGKILL after ``stop_grace_s``,
then ``ray.kill``), kill the rest when the backend closes.

Actors are *detached* (they outlive the driver) only with ``detached=True``, which the durable
tuner sets; they then run an orphan watchdog of ``orphan_timeout_s``
(:mod:`syne_mohb.backends.ray._runner`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from syne_tune.backend.trial_status import Status
from syne_tune.constants import ST_CHECKPOINT_DIR, ST_CONFIG_JSON_FNAME_ARG

from syne_mohb.backends.ray._nodes import NodeType, format_resources
from syne_mohb.backends.ray.attempts import Attempt, marker_line
from syne_mohb.backends.ray.paths import is_url
from syne_mohb.hardware.profiles import THREAD_ENV_VARS

logger = logging.getLogger(__name__)

__all__ = ["ActorLifecycle", "MAX_CODE_BYTES", "SYNE_MOHB_NODE_TYPE"]

MAX_CODE_BYTES = 100 * 2**20
"""Most bytes ``source_dir`` may pack to when the code is shipped with the actors."""
SYNE_MOHB_NODE_TYPE = "SYNE_MOHB_NODE_TYPE"
"""Environment variable of every training process: the node type its trial runs on."""


class ActorLifecycle:
    """Mixin of :class:`~syne_mohb.backends.ray.RayBackend`: creating, finding, stopping and
    killing the attempts' actors. Uses the backend's connection (``connect``, ``_ray``,
    ``_runner``), its attempts, statuses and cost ledger, and its settings (``namespace``,
    ``detached``, ``runtime_env``, ``env``, ``stop_grace_s``, ...)."""

    def actor_name(self, trial_id: int, attempt: int) -> str:
        """Name of the actor of attempt ``attempt`` of ``trial_id`` (in ``namespace``)."""
        return f"{self.run_id}/trial-{trial_id}/attempt-{attempt}"

    @staticmethod
    def _thread_env(nt: NodeType) -> dict[str, str]:
        """Thread pools (OpenMP, MKL, OpenBLAS, NumExpr) sized to the node type's CPUs: the
        node's own environment would otherwise decide (Syne Tune sets OMP_NUM_THREADS=1)."""
        n = str(max(1, math.floor(nt.num_cpus)))
        return {var: n for var in THREAD_ENV_VARS}

    def _code_archive(self) -> tuple[bytes, str] | None:
        """``source_dir`` packed once per backend (``.tar.gz`` and its SHA-256)."""
        if not self.ship_code:
            return None
        if self._code is None:
            from syne_mohb.backends.sagemaker.jobs import pack_source_dir

            try:
                data = pack_source_dir(Path(self.source_dir), max_bytes=MAX_CODE_BYTES)
            except ValueError:
                raise ValueError(
                    f"source_dir {self.source_dir!r} packs to more than {MAX_CODE_BYTES >> 20} "
                    f"MiB: ship less (source_dir=...), or put the code on a path every node "
                    f"sees and pass ship_code=False") from None
            self._code = (data, hashlib.sha256(data).hexdigest()[:24])
        return self._code

    def _spec(self, trial_id: int, config: dict[str, Any], nt_name: str) -> dict[str, Any]:
        """What the actor of an attempt of ``trial_id`` needs to run the script."""
        loc = self.checkpoint_location(trial_id)
        code = self._code_archive()
        if self.pass_args_as_json:
            args, config_json = {}, json.dumps(config, default=str)
        else:
            args, config_json = dict(config), None
        return {
            "trial_id": trial_id, "program": self._program, "python": self.python,
            "args": args, "config_json": config_json, "config_json_arg": ST_CONFIG_JSON_FNAME_ARG,
            "checkpoint_arg": ST_CHECKPOINT_DIR,
            "checkpoint_dir": None if is_url(loc) else loc,
            "checkpoint_url": loc if is_url(loc) else None,
            "env": {**self._thread_env(self.node_types[nt_name]), SYNE_MOHB_NODE_TYPE: nt_name,
                    **self.env},
            "stop_grace_s": self.stop_grace_s,
            "code": code[0] if code else None, "code_digest": code[1] if code else None,
            "orphan_timeout_s": self.orphan_timeout_s if self.detached else None,
        }

    def _launch(self, trial_id: int, config: dict[str, Any]) -> Attempt:
        """Create the actor of a new attempt of ``trial_id`` (called through the cost mixin's
        ``_schedule``, which opened the attempt's cost segment)."""
        self.connect()
        nt_name = self._launch_type.pop(trial_id)
        nt = self.node_types[nt_name]
        atts = self._attempts.setdefault(trial_id, [])
        att = Attempt(index=len(atts), actor_name=self.actor_name(trial_id, len(atts)),
                      node_type=nt_name, scheduled_at=time.time())
        path = self.trial_path(trial_id)
        path.mkdir(parents=True, exist_ok=True)
        with open(path / "config.json", "w") as f:
            json.dump(config, f, default=str)
        spec = self._spec(trial_id, config, nt_name)
        options: dict[str, Any] = nt.actor_options()
        options.update(name=att.actor_name, namespace=self.namespace, max_restarts=0,
                       max_task_retries=0)
        if self.detached:
            options["lifetime"] = "detached"
        if self.runtime_env:
            options["runtime_env"] = dict(self.runtime_env)
        marker = marker_line(trial_id, att.index,
                             f"actor {att.actor_name} requesting node "
                             f"type {nt_name} {format_resources(nt.request())}")
        for name in ("std.out", "std.err"):
            with open(path / name, "a") as f:
                f.write(marker)
        try:
            att.handle = self._runner.options(**options).remote(spec)
        except self._ray.exceptions.ActorAlreadyExistsError:
            raise ValueError(
                f"run_id={self.run_id!r}: the Ray actor {att.actor_name} exists already, in "
                f"namespace {self.namespace!r}: live actors of an earlier run with this name "
                f"(the detached actors of a killed durable run live on until it is resumed, "
                f"or for its orphan_timeout_s). Resume that run, free them with ray.kill("
                f"ray.get_actor(NAME, namespace={self.namespace!r})) for each NAME starting "
                f"with {self.run_id + '/'!r} (ray.util.list_named_actors(all_namespaces=True) "
                f"lists them), or give this run another name (tuner_name=..., or the "
                f"backend's run_id=...)") from None
        atts.append(att)
        self._status[trial_id] = Status.in_progress
        self._end_time.pop(trial_id, None)
        self._metrics.setdefault(trial_id, [])
        self.cost_ledger.hold(trial_id)
        self._write_attempt(trial_id, att, "scheduled")
        logger.info("trial %d attempt %d: actor %s on node type %s", trial_id, att.index,
                    att.actor_name, nt_name)
        return att

    def _lookup_actor(self, actor_name: str):
        """Handle of the live actor named ``actor_name`` (in ``namespace``), else None."""
        ray = self.connect()
        try:
            return ray.get_actor(actor_name, namespace=self.namespace)
        except ValueError:
            return None

    def _kill_actor(self, att: Attempt) -> None:
        handle = att.handle or (self._lookup_actor(att.actor_name) if self._ray is not None
                                else None)
        att.handle = None
        att.ref = None
        if handle is None:
            return
        try:
            self._ray.kill(handle, no_restart=True)
        except Exception as e:  # noqa: BLE001 -- already gone
            logger.debug("killing actor %s: %s", att.actor_name, e)

    def _end_attempt(self, trial_id: int, status: str) -> None:
        """Stop or pause: SIGTERM/SIGKILL the script, wait for it, kill the actor."""
        att = self._current(trial_id)
        self._status[trial_id] = status
        self._end_time[trial_id] = datetime.now()
        if att is None or att.ended:
            return
        ray = self.connect()
        if att.handle is None:
            att.handle = self._lookup_actor(att.actor_name)
        if att.started_at is None and att.ref is not None:
            # started since the last poll? (then it has a process to stop)
            done, _ = ray.wait([att.ref], timeout=0)
            if done:
                ref, att.ref = att.ref, None
                try:
                    self._ingest(trial_id, att, ray.get(ref))
                except ray.exceptions.RayError:
                    pass
        if att.handle is not None and att.started_at is not None and not att.ended:
            try:
                res = ray.get(att.handle.stop.remote(self.stop_grace_s),
                              timeout=self.stop_grace_s + 60.0)
                att.ended_at = res.get("ended_at") or time.time()
                if res.get("sync_error"):
                    logger.warning("trial %d: %s", trial_id, res["sync_error"])
            except ray.exceptions.GetTimeoutError:
                logger.warning("trial %d: actor %s did not stop in time; killing it", trial_id,
                               att.actor_name)
            except ray.exceptions.RayError as e:
                logger.info("trial %d: actor %s already gone (%s)", trial_id, att.actor_name,
                            type(e).__name__)
        self._kill_actor(att)
        att.ended = True
        att.end = status
        att.ended_at = att.ended_at or time.time()
        self._end_time[trial_id] = datetime.fromtimestamp(att.ended_at)
        self.cost_ledger.end(trial_id, att.ended_at)  # billed to the process's end
        self._write_attempt(trial_id, att, "ended")

    def close(self) -> None:
        """Kill every actor of this backend that is still alive (trials end as stopped)."""
        for tid, atts in self._attempts.items():
            for att in atts:
                if not att.ended:
                    self._kill_actor(att)
                    att.ended = True
                    if self._status.get(tid) == Status.in_progress:
                        self._status[tid] = Status.stopped
