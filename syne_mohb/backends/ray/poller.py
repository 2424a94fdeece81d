"""Results stream back while a Ray trial runs: every polling round of the Tuner asks each
running actor for the lines it has not read yet (one ``poll`` call per actor, all in flight at
once), appends them to ``<trial>/std.out`` / ``std.err`` of the driver's results folder and
parses the ``[tune-metric]`` lines of Syne Tune's ``Reporter``.

The same round ends attempts: a script that exited (completed, or failed with its exit code),
a script its actor stopped because the node's raylet died, an actor that died (with the
reason: its node's death, else Ray's message), an actor that no longer exists, a trial whose
node type no alive node provides after ``unsatisfiable_timeout_s``. Each such reason is
written to the trial's ``std.err``.

A trial only *queued* on a node that died (its actor never ran: Ray had queued its creation
on that node) is re-queued, as a new attempt of the same node type, while an alive node
provides that type; it fails with the reason only when none does. An actor Ray cannot reach
for a moment (``ActorUnavailableError``) is asked again in the next round.
"""
from __future__ import annotations

import logging
import re
import time
from datetime import datetime

from syne_tune.backend.trial_status import Status, TrialResult
from syne_tune.report import retrieve

from syne_mohb.backends.cost import SEGMENT_INSTANCE_TYPE
from syne_mohb.backends.ray._nodes import describe_nodes, format_resources, provides
from syne_mohb.backends.ray.attempts import MARKER, Attempt
from syne_mohb.durable.protocol import NO_METRICS_REASON

logger = logging.getLogger(__name__)

__all__ = ["ResultPoller", "REQUEUED", "dead_node_of"]

REQUEUED = "requeued"
"""``end`` of an attempt whose trial was re-queued because its node died before it ran."""
_NODE_DIED = re.compile(r"its node has died\. Node Id: ([0-9a-f]+)")
_NEVER_RAN = "The actor never ran"


def dead_node_of(error: Exception) -> tuple[str | None, bool]:
    """``(node id, never ran)`` from a Ray actor-death error: the node whose death killed
    the actor (None if the error gives no node death) and whether the actor never ran (Ray
    had only queued its creation there). Ray gives both only in the error's text
    (``ActorDiedError``; stable since Ray 2.x): without them a death is treated as any other."""
    text = str(error)
    m = _NODE_DIED.search(text)
    return (m.group(1) if m else None), _NEVER_RAN in text


class ResultPoller:
    """Mixin of :class:`~syne_mohb.backends.ray.RayBackend`: the polling round, result and
    log ingestion, the end of attempts. Uses the backend's connection, attempts, actors
    (``_lookup_actor``, ``_kill_actor``), cost ledger and ``poll_timeout_s``."""

    def _collect(self, trial_ids: list[int]) -> list[TrialResult]:
        """``_all_trial_results``: one polling round, then every result of ``trial_ids``."""
        self._poll(trial_ids)
        out = []
        for tid in trial_ids:
            if tid not in self._trial_dict:
                # its start failed (e.g. an unknown node type): Syne Tune lists it in
                # trial_ids, and its stop_all would hide the start's error behind a KeyError
                continue
            status = self._status.get(tid, Status.in_progress)
            end = self._end_time.get(tid) if status != Status.in_progress else None
            out.append(self._trial_dict[tid].add_results(
                metrics=list(self._metrics.get(tid, [])), status=status,
                training_end_time=end or datetime.now()))
        return out

    def _poll(self, trial_ids: list[int]) -> None:
        """One round: ask every running attempt of ``trial_ids`` for its new lines."""
        live = [(tid, att) for tid in trial_ids
                if (att := self._current(tid)) is not None and not att.ended]
        if not live:
            return
        ray = self.connect()
        for tid, att in live:
            if att.handle is None:
                att.handle = self._lookup_actor(att.actor_name)
                if att.handle is None:
                    self._fail(tid, att, f"its Ray actor {att.actor_name} no longer exists "
                                         f"(killed outside the backend or by its orphan timeout)")
                    continue
            if att.ref is None:
                att.ref = att.handle.poll.remote(att.out_count, att.err_count)
        started = [att.ref for _, att in live if att.ref is not None and att.started_at is not None]
        pending = [att.ref for _, att in live if att.ref is not None and att.started_at is None]
        ready = set()
        if started:
            done, _ = ray.wait(started, num_returns=len(started), timeout=self.poll_timeout_s)
            ready.update(done)
        if pending:
            done, _ = ray.wait(pending, num_returns=len(pending), timeout=0)
            ready.update(done)
        for tid, att in live:
            if att.ended or att.ref is None:
                continue
            if att.ref not in ready:
                if att.started_at is None:
                    self._check_pending(tid, att)
                continue
            ref, att.ref = att.ref, None
            try:
                res = ray.get(ref)
            except ray.exceptions.ActorUnavailableError:
                continue  # not reachable for now: ask again next round (Ray says if it died)
            except ray.exceptions.RayActorError as e:
                node, never_ran = dead_node_of(e)
                if att.started_at is None and never_ran and node is not None:
                    self._requeue_or_fail(tid, att, node)
                else:
                    self._fail(tid, att, self._death_reason(att, e),
                               node_failed=self._node_dead(att, e))
                continue
            except ray.exceptions.RayError as e:
                self._fail(tid, att, f"polling its Ray actor failed: {str(e).strip()[:2000]}")
                continue
            self._ingest(tid, att, res)

    def _ingest(self, tid: int, att: Attempt, res: dict) -> None:
        """Take an actor's answer to ``poll``: its start, new lines and results, its end."""
        if att.started_at is None:
            att.started_at, att.node_id, att.pid = res["started_at"], res["node_id"], res["pid"]
            self.cost_ledger.release(tid, att.started_at)
            self._write_attempt(tid, att, "started")
        path = self.trial_path(tid)
        out = res["stdout"][max(0, att.out_count - res["out_first"]):]
        err = res["stderr"][max(0, att.err_count - res["err_first"]):]
        if out:
            with open(path / "std.out", "a") as f:
                f.writelines(out)
            att.out_count += len(out)
            metrics = retrieve(out)
            for m in metrics:  # the attempt's node type (a resume may run on another one)
                m.setdefault(SEGMENT_INSTANCE_TYPE, att.node_type)
            self._metrics[tid].extend(metrics)
        if err:
            with open(path / "std.err", "a") as f:
                f.writelines(err)
            att.err_count += len(err)
        if res["ended"]:
            code = res["returncode"]
            att.ended, att.ended_at = True, res["ended_at"]
            if self._status.get(tid) == Status.in_progress:
                if code == 0 and not self._metrics[tid]:
                    # Syne Tune's Tuner would end the whole run ("trial N completed and no
                    # metrics got observed"); it is one failed trial, and its stderr says why
                    self._finish(tid, att, Status.failed, NO_METRICS_REASON)
                elif code == 0:
                    self._finish(tid, att, Status.completed)
                elif res.get("node_lost"):
                    att.node_failed = True
                    self._finish(tid, att, Status.failed,
                                 f"its node {att.node_id} (node type {att.node_type}) died: "
                                 f"{res['node_lost']}; its actor stopped the training script "
                                 f"(exit code {code}) and exited")
                else:
                    self._finish(tid, att, Status.failed,
                                 f"the training script exited with code {code} on node "
                                 f"{att.node_id} (node type {att.node_type})")
            self._kill_actor(att)

    def _finish(self, tid: int, att: Attempt, status: str, reason: str | None = None) -> None:
        att.ended = True
        att.end = status
        att.reason = reason
        att.ended_at = att.ended_at or time.time()
        self._status[tid] = status
        self._end_time[tid] = datetime.fromtimestamp(att.ended_at)
        if reason:
            with open(self.trial_path(tid) / "std.err", "a") as f:
                f.write(f"{MARKER} trial {tid} {status}: {reason}\n")
            logger.warning("trial %d %s: %s", tid, status, reason)
        self._write_attempt(tid, att, "ended")

    def _fail(self, tid: int, att: Attempt, reason: str, node_failed: bool = False) -> None:
        """End ``att`` and its trial as failed (``node_failed``: its node died or no node
        provides its type, see :meth:`failure_kind`)."""
        att.node_failed = node_failed
        att.ref = None
        self._kill_actor(att)
        self._finish(tid, att, Status.failed, reason)

    def _node(self, node_id: str | None) -> dict | None:
        if node_id is None:
            return None
        return next((n for n in self.nodes(max_age_s=0.0) if n.get("NodeID") == node_id), None)

    def _node_dead(self, att: Attempt, e: Exception) -> bool:
        """Whether the actor of ``att`` died with its node (not, e.g., killed by Ray's memory
        monitor on a node that lives on)."""
        node = self._node(att.node_id or dead_node_of(e)[0])
        return node is not None and not node.get("Alive")

    def _death_reason(self, att: Attempt, e: Exception) -> str:
        node_id = att.node_id or dead_node_of(e)[0]
        node = self._node(node_id)
        if node is not None and not node.get("Alive"):
            why = node.get("DeathReasonMessage") or "no reason given"
            return (f"its node {node_id} ({node.get('NodeManagerAddress')}, node type "
                    f"{att.node_type}) died: {why}")
        text = " ".join(str(e).split())
        return f"its Ray actor {att.actor_name} died: {text[:2000]}"

    def _requeue_or_fail(self, tid: int, att: Attempt, node_id: str) -> None:
        """The actor of ``att`` never ran: Ray had queued it on node ``node_id``, which died.
        A new attempt of the same node type while an alive node provides it, else fail."""
        node = self._node(node_id) or {}
        died = (f"its node {node_id} ({node.get('NodeManagerAddress', 'address unknown')}) "
                f"died before the trial ran there: "
                f"{node.get('DeathReasonMessage') or 'no reason given'}")
        req = self.node_types[att.node_type].request()
        alive = [n for n in self.nodes(max_age_s=0.0)
                 if n.get("Alive") and n.get("NodeID") != node_id]
        if not any(provides(n.get("Resources") or {}, req) for n in alive):
            self._fail(tid, att, f"{died}; no alive node provides node type "
                                 f"{att.node_type!r} {format_resources(req)}. The cluster has: "
                                 f"{describe_nodes(alive)}", node_failed=True)
            return
        att.ref = None
        self._kill_actor(att)
        att.ended, att.end, att.reason = True, REQUEUED, died
        att.ended_at = time.time()
        with open(self.trial_path(tid) / "std.err", "a") as f:
            f.write(f"{MARKER} trial {tid} attempt {att.index} re-queued: {died}\n")
        logger.warning("trial %d re-queued on node type %s: %s", tid, att.node_type, died)
        self._write_attempt(tid, att, "ended")
        # a new attempt of the same type; the cost segment stays held (nothing ran yet)
        self._launch_type[tid] = att.node_type
        self._launch(tid, self._config_for_launch(dict(self._trial_dict[tid].config)))

    def _check_pending(self, tid: int, att: Attempt) -> None:
        """A trial still queued after ``unsatisfiable_timeout_s``: it fails if no alive node
        provides its node type; else the nodes that do are busy, which is said once."""
        waited = time.time() - att.scheduled_at
        if waited < self.unsatisfiable_timeout_s:
            return
        req = self.node_types[att.node_type].request()
        nodes = self._alive_nodes()
        if not any(provides(n.get("Resources") or {}, req) for n in nodes):
            self._fail(tid, att, f"no alive node provides node type {att.node_type!r} "
                                 f"{format_resources(req)} (waited {waited:.0f} s). The "
                                 f"cluster has: {describe_nodes(nodes)}", node_failed=True)
        elif tid not in self._queue_warned:
            self._queue_warned.add(tid)
            logger.warning("trial %d has waited %.0f s for a node of type %r %s: every node "
                           "that provides it is busy%s; it starts once one is free", tid, waited,
                           att.node_type, format_resources(req), self._other_runs())

    def _other_runs(self) -> str:
        """What else holds the cluster's nodes, as far as Ray says (named actors of other runs
        of this namespace, e.g. the detached actors of a killed driver), for a message."""
        try:
            named = self._ray.util.list_named_actors(all_namespaces=True)
        except Exception as e:  # noqa: BLE001 -- a message only
            logger.debug("listing Ray's named actors: %s", e)
            return ""
        runs: dict[str, list[str]] = {}
        for actor in named:
            name = actor.get("name", "") if isinstance(actor, dict) else str(actor)
            namespace = actor.get("namespace") if isinstance(actor, dict) else self.namespace
            run, sep, _ = name.partition("/trial-")
            if namespace == self.namespace and sep and run != self.run_id:
                runs.setdefault(run, []).append(name)
        if not runs:
            return ""
        held = "; ".join(f"run {run!r}: {len(names)} actor{'s' if len(names) > 1 else ''} "
                         f"({', '.join(sorted(names)[:3])}{', ...' if len(names) > 3 else ''})"
                         for run, names in sorted(runs.items()))
        return (f" (Ray actors of other runs are alive in namespace {self.namespace!r}: {held}; "
                f"those of a killed driver hold their nodes until that run is resumed, or for "
                f"its orphan_timeout_s: resume it, or free them with ray.kill(ray.get_actor("
                f"NAME, namespace={self.namespace!r})))")
