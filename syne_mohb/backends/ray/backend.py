"""Ray trial backend: each trial attempt is a Ray actor on a node of the type the trial chose.

The hardware dimension of a Ray cluster is its *node types*. ``config["instance_type"]`` names
one of the backend's ``node_types``; the trial's actor requests exactly that type's resources
(:meth:`NodeType.actor_options`: ``num_cpus``, ``num_gpus``, ``accelerator_type``, custom
resource labels, ``memory``), so Ray places it on a node that has them. The actor
(:mod:`syne_mohb.backends.ray._runner`) runs the unchanged training script as a child process
and keeps its output lines; every polling round of the Tuner asks each running actor for the
lines it has not read yet (one ``poll`` call per actor, all in flight at once), appends them to
``<trial>/std.out`` / ``std.err`` of the driver's results folder, and parses the
``[tune-metric]`` lines of Syne Tune's ``Reporter``. Results therefore stream back while a
trial runs.

Cost (:class:`~syne_mohb.backends.cost.CostAccountingMixin`): a trial is billed from the moment
its training process started on the node (reported by the actor) to its end, at the node
type's price; time waiting in Ray's queue for a free node is not billed. ``st_worker_time`` and
``st_worker_cost`` are in every result before the scheduler sees it, and the per-trial cap ends
trials that spend more than ``max_cost_per_trial``.

Stop and pause send SIGTERM (SIGKILL after ``stop_grace_s``) to the script, wait for it to end
(and for its checkpoint upload), then kill the actor, which frees its resources. A resumed
trial is a new attempt (a new actor, possibly on another node of the same type) that reads the
trial's checkpoint folder: ``checkpoint_root`` must be a path every node can reach, or an
fsspec URL (the actor then downloads it before the start and uploads it at the end).

A trial whose actor dies (its node died, the actor was killed outside the backend, the worker
ran out of memory) fails with the reason, written to its ``std.err`` (which the durable
tuner's failure policy records). A trial whose node type no alive node provides any more fails
after ``unsatisfiable_timeout_s``.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import secrets
import shutil
import socket
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from syne_tune.backend.trial_backend import TrialBackend
from syne_tune.backend.trial_status import Status, TrialResult
from syne_tune.constants import ST_CHECKPOINT_DIR, ST_CONFIG_JSON_FNAME_ARG
from syne_tune.report import retrieve
from syne_tune.util import experiment_path

from syne_mohb.backends.cost import CostAccountingMixin, TrialCostLedger
from syne_mohb.backends.ray._nodes import (
    NodeType,
    UnknownNodeTypeError,
    UnsatisfiableNodeTypeError,
    closest,
    describe_nodes,
    format_resources,
    node_types_from,
    provides,
)
from syne_mohb.backends.ray._runner import runner_class
from syne_mohb.hardware.catalog import INSTANCE_TYPE
from syne_mohb.hardware.cost import PriceTable, instance_names_in
from syne_mohb.hardware.profiles import THREAD_ENV_VARS

logger = logging.getLogger(__name__)

__all__ = ["RayBackend", "RayClusterUnreachableError"]

ATTEMPTS_FILENAME = "attempts.jsonl"
"""Per trial: one JSON line per attempt event (scheduled, started, ended), written by the driver."""
MARKER = "[syne-mohb]"
MAX_CODE_BYTES = 100 * 2**20
SYNE_MOHB_NODE_TYPE = "SYNE_MOHB_NODE_TYPE"
"""Environment variable of every training process: the node type its trial runs on."""


class RayClusterUnreachableError(ConnectionError):
    """No Ray cluster answers at the backend's ``address``."""


class _QueueAwareLedger(TrialCostLedger):
    """Cost ledger whose open segment starts when the trial's process started on its node.

    :meth:`hold` marks the segment just opened (at scheduling) as not started: until
    :meth:`release` gives the start time reported by the node, it contributes nothing (its start
    is +inf), so time spent waiting for a free node is not billed."""

    def hold(self, trial_id: int) -> None:
        segs = self._segments.get(trial_id)
        if segs and segs[-1].end is None:
            segs[-1].start = math.inf

    def release(self, trial_id: int, at: float) -> None:
        segs = self._segments.get(trial_id)
        if segs and math.isinf(segs[-1].start):
            segs[-1].start = float(at)
            if segs[-1].end is not None:
                segs[-1].end = max(segs[-1].end, segs[-1].start)

    def segments(self, trial_id: int) -> list[tuple[float, float | None]]:
        """``(start, end)`` of each run of ``trial_id`` (``end`` None while it runs)."""
        return [(s.start, s.end) for s in self._segments.get(trial_id, [])]


@dataclass
class _Attempt:
    """One actor of one trial (a start or a resume)."""

    index: int
    actor_name: str
    node_type: str
    scheduled_at: float
    started_at: float | None = None
    node_id: str | None = None
    pid: int | None = None
    out_count: int = 0  # lines of this attempt already in <trial>/std.out
    err_count: int = 0
    ended: bool = False
    ended_at: float | None = None
    end: str | None = None  # completed | failed | stopped | paused
    reason: str | None = None
    # runtime only (never pickled)
    handle: Any = field(default=None, repr=False, compare=False)
    ref: Any = field(default=None, repr=False, compare=False)

    def record(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("handle")
        d.pop("ref")
        return d


def _is_url(path: str) -> bool:
    return "://" in str(path)


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``host:port`` / ``ray://host:port``; None for ``auto``/``local``."""
    addr = address[len("ray://"):] if address.startswith("ray://") else address
    if addr in ("auto", "local") or ":" not in addr:
        return None
    host, _, port = addr.rpartition(":")
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        return None


class _RayTrials(TrialBackend):
    """The ``TrialBackend`` hooks the cost mixin wraps (``RayBackend`` = mixin + this): each
    delegates to the :class:`RayBackend` method that does the work."""

    def _schedule(self, trial_id: int, config: dict[str, Any]):
        self._launch(trial_id, config)

    def _all_trial_results(self, trial_ids: list[int]) -> list[TrialResult]:
        return self._collect(trial_ids)

    def _pause_trial(self, trial_id: int, result: dict | None):
        self._end_attempt(trial_id, Status.paused)

    def _stop_trial(self, trial_id: int, result: dict | None):
        self._end_attempt(trial_id, Status.stopped)

    def _resume_trial(self, trial_id: int):
        pass  # the next _schedule creates a new attempt reading the trial's checkpoint


class RayBackend(CostAccountingMixin, _RayTrials):
    """Syne Tune ``TrialBackend`` running each trial as a Ray actor on a heterogeneous cluster.

    :param entry_point: training script (reports with ``syne_tune.Reporter``; unchanged)
    :param address: Ray cluster to use: ``"host:port"`` of a running head node (what
        ``ray start --head`` prints), ``"ray://host:10001"`` (Ray client), ``"auto"``, or
        ``None``: an existing connection (``ray.init`` called before), else ``RAY_ADDRESS``,
        else a new local cluster started by ``ray.init()``
    :param node_types: node type name -> :class:`NodeType` (or a dict of its arguments): the
        values ``config_space["instance_type"]`` can take, their resources and prices
    :param config_space: if given, validated now (see :meth:`validate_config_space`);
        strongly recommended
    :param instance_key: config key naming the node type (default ``"instance_type"``)
    :param default_instance: node type of configs without ``instance_key``
    :param max_cost_per_trial: dollars after which a trial is ended (``None``: no cap)
    :param checkpoint_root: folder every node can reach (a shared filesystem) or an fsspec URL
        (``s3://bucket/prefix``, ``gs://...``, ``file:///nfs/...``); a trial's checkpoints are
        in ``<checkpoint_root>/<run_id>/<trial_id>/``. Default: ``<trial folder>/checkpoints``
        in the driver's results folder, right when the nodes share it (one machine, NFS)
    :param ship_code: send ``source_dir`` (packed as ``.tar.gz``, at most 100 MiB) with each
        trial's actor, which unpacks it once per node (cached by content hash) and runs the
        script from there, so that nodes need not see the driver's files; ``False``: the
        script must exist at its absolute path on every node (shared filesystem, image)
    :param source_dir: folder shipped with the script (default: the script's folder)
    :param runtime_env: more Ray runtime environment for the trials' actors (``env_vars``,
        ``pip``, a remote ``working_dir`` URI, ...); ``working_dir`` only with
        ``ship_code=False``
    :param python: interpreter of the training script on the nodes (default: the one running
        Ray's workers there)
    :param env: environment variables of every training process (after the defaults:
        ``OMP_NUM_THREADS`` & co. = the node type's ``num_cpus``, ``SYNE_MOHB_NODE_TYPE``)
    :param namespace: Ray namespace of the trials' named actors
    :param run_id: identifier in actor names and checkpoint paths (default: the tuner name
        given by ``set_path``, else a random one)
    :param detached: ``False`` (default): actors die with the driver (Ray fate-sharing), so a
        crashed driver leaves nothing running. ``True`` (set by ``DurableTuner``): actors
        survive the driver so that a resumed run re-attaches to them
    :param orphan_timeout_s: detached actors that no driver polled for this long stop their
        trial and exit (frees the resources of a run nobody resumes)
    :param stop_grace_s: seconds between SIGTERM and SIGKILL when a trial is stopped or paused
    :param poll_timeout_s: how long one polling round waits for started actors to answer
    :param unsatisfiable_timeout_s: a trial waiting for a node that no alive node of the
        cluster provides fails after this many seconds (leaves an autoscaler time to add one)
    :param require_nodes: ``False`` for autoscaling clusters: a node type no current node
        provides is a warning at validation, not an error
    :param connect_timeout_s: how long to try reaching ``address`` before
        :class:`RayClusterUnreachableError`
    :param ray_init_kwargs: more arguments of ``ray.init`` (e.g. ``num_cpus`` of a local cluster)
    :param pass_instance_type: pass ``--instance_type <node type>`` to the script
    :param delete_checkpoints, pass_args_as_json: as in Syne Tune's ``TrialBackend``
    """

    def __init__(
        self,
        entry_point: str,
        address: str | None = None,
        node_types: Mapping[str, NodeType | Mapping[str, Any]] | None = None,
        *,
        config_space: Mapping | None = None,
        instance_key: str = INSTANCE_TYPE,
        default_instance: str | None = None,
        max_cost_per_trial: float | None = None,
        checkpoint_root: str | None = None,
        ship_code: bool = True,
        source_dir: str | None = None,
        runtime_env: Mapping[str, Any] | None = None,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        namespace: str = "syne_mohb",
        run_id: str | None = None,
        detached: bool = False,
        orphan_timeout_s: float = 600.0,
        stop_grace_s: float = 2.0,
        poll_timeout_s: float = 10.0,
        unsatisfiable_timeout_s: float = 60.0,
        require_nodes: bool = True,
        connect_timeout_s: float = 10.0,
        ray_init_kwargs: Mapping[str, Any] | None = None,
        pass_instance_type: bool = True,
        delete_checkpoints: bool = False,
        pass_args_as_json: bool = False,
    ):
        super().__init__(delete_checkpoints=delete_checkpoints,
                         pass_args_as_json=pass_args_as_json)
        entry = Path(entry_point)
        if not entry.is_file():
            raise ValueError(f"entry_point {entry_point!r} is not an existing file")
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise ValueError(f"address must be 'host:port', 'ray://host:port', 'auto' or None, "
                             f"got {address!r}")
        self.node_types = node_types_from(node_types)
        src = Path(source_dir) if source_dir is not None else entry.parent
        if ship_code:
            if not src.is_dir():
                raise ValueError(f"source_dir {source_dir!r} is not an existing folder")
            try:
                self._program = str(entry.resolve().relative_to(src.resolve()))
            except ValueError:
                raise ValueError(f"entry_point {entry_point!r} must lie inside source_dir "
                                 f"{str(src)!r}") from None
            if runtime_env and "working_dir" in runtime_env:
                raise ValueError("runtime_env['working_dir'] conflicts with ship_code=True "
                                 "(which ships source_dir): pass one of them")
        else:
            self._program = str(entry.resolve())
        for pname, val, positive in [("orphan_timeout_s", orphan_timeout_s, True),
                                     ("stop_grace_s", stop_grace_s, False),
                                     ("poll_timeout_s", poll_timeout_s, False),
                                     ("unsatisfiable_timeout_s", unsatisfiable_timeout_s, False),
                                     ("connect_timeout_s", connect_timeout_s, True)]:
            if isinstance(val, bool) or not isinstance(val, (int, float)) or \
                    not math.isfinite(val) or val < 0 or (positive and val == 0):
                raise ValueError(f"{pname} must be a number {'> 0' if positive else '>= 0'}, "
                                 f"got {val!r}")
        if runtime_env is not None and not isinstance(runtime_env, Mapping):
            raise ValueError(f"runtime_env must be a dict, got {type(runtime_env).__name__}")
        env = {str(k): str(v) for k, v in (env or {}).items()}
        if checkpoint_root is not None and (not isinstance(checkpoint_root, str)
                                            or not checkpoint_root.strip()):
            raise ValueError(f"checkpoint_root must be a path or an fsspec URL, got "
                             f"{checkpoint_root!r}")
        if checkpoint_root is not None and _is_url(checkpoint_root):
            try:
                import fsspec

                fsspec.core.url_to_fs(checkpoint_root)
            except (ImportError, ValueError) as e:
                raise ValueError(f"checkpoint_root {checkpoint_root!r}: fsspec cannot open it "
                                 f"({e})") from None
        self.entry_point = str(entry)
        self.source_dir = str(src.resolve())
        self.address = address
        self.ship_code = bool(ship_code)
        self.runtime_env = dict(runtime_env or {})
        self.python = python
        self.env = env
        self.namespace = str(namespace)
        self.run_id = run_id or f"run-{secrets.token_hex(4)}"
        self._run_id_given = run_id is not None
        self.checkpoint_root = checkpoint_root
        self.detached = bool(detached)
        self.orphan_timeout_s = float(orphan_timeout_s)
        self.stop_grace_s = float(stop_grace_s)
        self.poll_timeout_s = float(poll_timeout_s)
        self.unsatisfiable_timeout_s = float(unsatisfiable_timeout_s)
        self.require_nodes = bool(require_nodes)
        self.connect_timeout_s = float(connect_timeout_s)
        self.ray_init_kwargs = dict(ray_init_kwargs or {})
        self._pass_instance_type = bool(pass_instance_type)
        self.local_path = Path(experiment_path(tuner_name=self.run_id))
        self._attempts: dict[int, list[_Attempt]] = {}
        self._status: dict[int, str] = {}
        self._metrics: dict[int, list[dict]] = {}
        self._end_time: dict[int, datetime] = {}
        self._launch_type: dict[int, str] = {}
        self._init_runtime()
        self._init_cost_accounting(
            PriceTable({name: nt.price_per_hour for name, nt in self.node_types.items()}),
            instance_key=instance_key, default_instance=default_instance,
            max_cost_per_trial=max_cost_per_trial,
        )
        self.cost_ledger = _QueueAwareLedger(self.cost_ledger.clock)
        if default_instance is not None:
            self.node_type_of({instance_key: default_instance})
        if config_space is not None:
            self.validate_config_space(config_space)

    # -- runtime (not pickled: the durable tuner dill-dumps the backend) --------------------
    def _init_runtime(self):
        self._ray = None
        self._runner = None
        self._nodes_cache: tuple[float, list[dict]] | None = None
        self._code: tuple[bytes, str] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_ray", "_runner", "_nodes_cache", "_code"):
            state.pop(key, None)
        state["_attempts"] = {
            tid: [_Attempt(**a.record()) for a in atts] for tid, atts in self._attempts.items()}
        return state

    def __setstate__(self, state: dict[str, Any]):
        self.__dict__.update(state)
        self._init_runtime()

    # -- connection -------------------------------------------------------------------------
    def connect(self):
        """Connect to the cluster (once); returns the ``ray`` module.

        Raises :class:`RayClusterUnreachableError` naming ``address`` when no cluster answers.
        """
        if self._ray is not None:
            return self._ray
        import ray

        addr = self.address
        hp = _host_port(addr) if addr else None
        if hp is not None:
            try:
                socket.create_connection(hp, timeout=self.connect_timeout_s).close()
            except OSError as e:
                raise RayClusterUnreachableError(
                    f"address={addr!r}: no Ray cluster reachable at {hp[0]}:{hp[1]} ({e}). "
                    f"Start one with `ray start --head --port={hp[1]}`, or pass the address "
                    f"printed by `ray start --head` (address=None starts a local cluster)"
                ) from None
        if ray.is_initialized():
            current = ray.get_runtime_context().gcs_address
            if hp is not None and not addr.startswith("ray://") and \
                    not self._same_address(hp, current):
                raise ValueError(
                    f"address={addr!r}, but this process is already connected to the Ray "
                    f"cluster at {current}: call ray.shutdown() first, or pass address=None "
                    f"to use the current connection")
        else:
            kwargs: dict[str, Any] = {"address": addr, "namespace": self.namespace}
            if addr is None and not os.environ.get("RAY_ADDRESS"):
                kwargs["include_dashboard"] = False
            kwargs.update(self.ray_init_kwargs)
            try:
                ray.init(**kwargs)
            except ConnectionError as e:
                raise RayClusterUnreachableError(
                    f"address={addr!r}: could not connect to a Ray cluster: {e}") from None
        self._ray = ray
        self._runner = ray.remote(runner_class())
        return ray

    @staticmethod
    def _same_address(hp: tuple[str, int], current: str) -> bool:
        """Whether ``host:port`` names the cluster at ``current`` (same port, same host or
        two addresses of this machine)."""
        cur = _host_port(str(current))
        if cur is None or cur[1] != hp[1]:
            return False

        def ip(host: str) -> str:
            try:
                return socket.gethostbyname(host)
            except OSError:
                return host

        a, b = ip(hp[0]), ip(cur[0])
        if a == b:
            return True
        import psutil

        local = {x.address for addrs in psutil.net_if_addrs().values() for x in addrs}
        return a in local and b in local

    def nodes(self, max_age_s: float = 1.0) -> list[dict]:
        """``ray.nodes()`` of the cluster, cached for ``max_age_s`` seconds."""
        ray = self.connect()
        now = time.monotonic()
        if self._nodes_cache is None or now - self._nodes_cache[0] > max_age_s:
            self._nodes_cache = (now, ray.nodes())
        return self._nodes_cache[1]

    def _alive_nodes(self) -> list[dict]:
        return [n for n in self.nodes() if n.get("Alive")]

    def close(self):
        """Kill every actor of this backend that is still alive (trials end as stopped)."""
        for tid, atts in self._attempts.items():
            for att in atts:
                if not att.ended:
                    self._kill_actor(att)
                    att.ended = True
                    if self._status.get(tid) == Status.in_progress:
                        self._status[tid] = Status.stopped

    # -- configuration ----------------------------------------------------------------------
    def node_type_of(self, config: Mapping[str, Any]) -> tuple[str, NodeType]:
        """``(name, NodeType)`` a trial with ``config`` runs on; ``UnknownNodeTypeError``."""
        name = self.instance_of(config)
        nt = self.node_types.get(name)
        if nt is None:
            close = closest(name, self.node_types)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownNodeTypeError(
                f"{self._instance_key}={name!r} is not a node type of this backend.{hint} "
                f"Declared node types: {', '.join(sorted(self.node_types))}. Declare it in "
                f"node_types={{{name!r}: NodeType(price_per_hour=..., num_cpus=..., ...)}}")
        return name, nt

    def validate_config_space(self, config_space: Mapping) -> list[str]:
        """Check that each node type ``config_space[instance_key]`` can choose is declared and
        provided by at least one alive node of the cluster (connects to it).

        Raises :class:`UnknownNodeTypeError` (listing the declared types) or
        :class:`UnsatisfiableNodeTypeError` naming the type, what it requests and what the
        cluster's nodes have (a warning with ``require_nodes=False``); returns the names.
        """
        names = instance_names_in(config_space, self._instance_key)
        if not names and self._default_instance is None:
            raise ValueError(
                f"config_space has no {self._instance_key!r} entry and no default_instance was "
                f"given: no trial would know its node type")
        names = names or [self._default_instance]
        for name in names:
            self.node_type_of({self._instance_key: name})
        nodes = self._alive_nodes()
        for name in names:
            req = self.node_types[name].request()
            if not any(provides(n.get("Resources") or {}, req) for n in nodes):
                msg = (f"node type {name!r} requests {format_resources(req)}, which no node of "
                       f"the Ray cluster{f' at {self.address}' if self.address else ''} "
                       f"provides. The cluster has: {describe_nodes(nodes)}. Add such a node "
                       f"(ray start --address=... --resources=...), or change node_types"
                       f"[{name!r}]")
                if self.require_nodes:
                    raise UnsatisfiableNodeTypeError(msg)
                logger.warning("%s (require_nodes=False: trials wait up to %g s for one)", msg,
                               self.unsatisfiable_timeout_s)
        super().validate_config_space(config_space)  # prices (always there: one per type)
        return names

    # -- paths ------------------------------------------------------------------------------
    def set_path(self, results_root: str | None = None, tuner_name: str | None = None):
        if results_root is not None:
            self.local_path = Path(results_root)
        if tuner_name and not self._run_id_given and not self._attempts:
            self.run_id = tuner_name

    def trial_path(self, trial_id: int) -> Path:
        """Driver-side folder of a trial: std.out, std.err, config.json, attempts.jsonl."""
        return self.local_path / str(trial_id)

    def checkpoint_location(self, trial_id: int) -> str:
        """Checkpoint folder (path or URL) of ``trial_id``, as the nodes see it."""
        if self.checkpoint_root is None:
            return str((self.trial_path(trial_id) / "checkpoints").resolve())
        root = self.checkpoint_root.rstrip("/")
        if _is_url(root):
            return f"{root}/{self.run_id}/{trial_id}"
        return str(Path(root).resolve() / self.run_id / str(trial_id))

    def checkpoint_trial_path(self, trial_id: int) -> Path:
        """Checkpoint folder as a local path (not defined for URL checkpoint roots)."""
        loc = self.checkpoint_location(trial_id)
        if _is_url(loc):
            raise ValueError(f"checkpoint_root {self.checkpoint_root!r} is a URL: use "
                             f"checkpoint_location({trial_id})")
        return Path(loc)

    def copy_checkpoint(self, src_trial_id: int, tgt_trial_id: int):
        src, tgt = self.checkpoint_location(src_trial_id), self.checkpoint_location(tgt_trial_id)
        if _is_url(src):
            import fsspec

            fs, spath = fsspec.core.url_to_fs(src)
            _, tpath = fsspec.core.url_to_fs(tgt)
            if fs.exists(spath):
                fs.copy(spath.rstrip("/") + "/", tpath, recursive=True)
        elif Path(src).is_dir():
            shutil.copytree(src, tgt, dirs_exist_ok=True)

    def delete_checkpoint(self, trial_id: int):
        loc = self.checkpoint_location(trial_id)
        if _is_url(loc):
            import fsspec

            fs, path = fsspec.core.url_to_fs(loc)
            if fs.exists(path):
                fs.rm(path, recursive=True)
        else:
            shutil.rmtree(loc, ignore_errors=True)

    def entrypoint_path(self) -> Path:
        return Path(self.entry_point)

    def set_entrypoint(self, entry_point: str):
        entry = Path(entry_point)
        if self.ship_code:
            try:
                self._program = str(entry.resolve().relative_to(Path(self.source_dir)))
            except ValueError:
                raise ValueError(f"entry_point {entry_point!r} must lie inside source_dir "
                                 f"{self.source_dir!r}") from None
        else:
            self._program = str(entry.resolve())
        self.entry_point = str(entry)

    def __str__(self) -> str:
        return f"Ray entry_point {Path(self.entry_point).name} run {self.run_id}"

    # -- launching --------------------------------------------------------------------------
    def actor_name(self, trial_id: int, attempt: int) -> str:
        return f"{self.run_id}/trial-{trial_id}/attempt-{attempt}"

    def _config_for_launch(self, config: dict[str, Any]) -> dict[str, Any]:
        if self._pass_instance_type:
            return config
        return {k: v for k, v in config.items() if k != self._instance_key}

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

    def _schedule(self, trial_id: int, config: dict[str, Any]):
        if self.is_cost_capped(trial_id):
            return super()._schedule(trial_id, config)  # the mixin keeps it ended
        # unknown type: raise before the mixin opens a cost segment; the mixin may drop the
        # instance key from the config the script gets, so the type is remembered here
        self._launch_type[trial_id] = self.node_type_of(config)[0]
        super()._schedule(trial_id, config)  # mixin: cost segment, then _launch

    def _launch(self, trial_id: int, config: dict[str, Any]) -> _Attempt:
        """Create the actor of a new attempt of ``trial_id`` (called through the mixin)."""
        self.connect()
        nt_name = self._launch_type.pop(trial_id)
        nt = self.node_types[nt_name]
        atts = self._attempts.setdefault(trial_id, [])
        att = _Attempt(index=len(atts), actor_name=self.actor_name(trial_id, len(atts)),
                       node_type=nt_name, scheduled_at=time.time())
        path = self.trial_path(trial_id)
        path.mkdir(parents=True, exist_ok=True)
        with open(path / "config.json", "w") as f:
            json.dump(config, f, default=str)
        loc = self.checkpoint_location(trial_id)
        code = self._code_archive()
        if self.pass_args_as_json:
            args, config_json = {}, json.dumps(config, default=str)
        else:
            args, config_json = dict(config), None
        spec = {
            "trial_id": trial_id, "program": self._program, "python": self.python,
            "args": args, "config_json": config_json, "config_json_arg": ST_CONFIG_JSON_FNAME_ARG,
            "checkpoint_arg": ST_CHECKPOINT_DIR,
            "checkpoint_dir": None if _is_url(loc) else loc,
            "checkpoint_url": loc if _is_url(loc) else None,
            "env": {**self._thread_env(nt), SYNE_MOHB_NODE_TYPE: nt_name, **self.env},
            "stop_grace_s": self.stop_grace_s,
            "code": code[0] if code else None, "code_digest": code[1] if code else None,
            "orphan_timeout_s": self.orphan_timeout_s if self.detached else None,
        }
        options: dict[str, Any] = nt.actor_options()
        options.update(name=att.actor_name, namespace=self.namespace, max_restarts=0,
                       max_task_retries=0)
        if self.detached:
            options["lifetime"] = "detached"
        if self.runtime_env:
            options["runtime_env"] = dict(self.runtime_env)
        marker = (f"{MARKER} trial {trial_id} attempt {att.index}: actor {att.actor_name} "
                  f"requesting node type {nt_name} {format_resources(nt.request())}\n")
        for name in ("std.out", "std.err"):
            with open(path / name, "a") as f:
                f.write(marker)
        att.handle = self._runner.options(**options).remote(spec)
        atts.append(att)
        self._status[trial_id] = Status.in_progress
        self._end_time.pop(trial_id, None)
        self._metrics.setdefault(trial_id, [])
        self.cost_ledger.hold(trial_id)
        self._write_attempt(trial_id, att, "scheduled")
        logger.info("trial %d attempt %d: actor %s on node type %s", trial_id, att.index,
                    att.actor_name, nt_name)
        return att

    def _write_attempt(self, trial_id: int, att: _Attempt, event: str):
        try:
            with open(self.trial_path(trial_id) / ATTEMPTS_FILENAME, "a") as f:
                f.write(json.dumps({"event": event, "t": time.time(), **att.record()}) + "\n")
        except OSError as e:  # bookkeeping only
            logger.warning("trial %d: could not write %s: %s", trial_id, ATTEMPTS_FILENAME, e)

    def _current(self, trial_id: int) -> _Attempt | None:
        atts = self._attempts.get(trial_id)
        return atts[-1] if atts else None

    # -- polling ----------------------------------------------------------------------------
    def _poll(self, trial_ids: list[int]) -> None:
        """One round: ask every running attempt of ``trial_ids`` for its new lines."""
        live = [(tid, att) for tid in trial_ids
                if (att := self._current(tid)) is not None and not att.ended]
        if not live:
            return
        ray = self.connect()
        for tid, att in live:
            if att.handle is None:
                att.handle = self._lookup_actor(att)
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
            except ray.exceptions.RayActorError as e:
                self._fail(tid, att, self._death_reason(att, e))
                continue
            except ray.exceptions.RayError as e:
                self._fail(tid, att, f"polling its Ray actor failed: {str(e).strip()[:2000]}")
                continue
            self._ingest(tid, att, res)

    def _lookup_actor(self, att: _Attempt):
        ray = self.connect()
        try:
            return ray.get_actor(att.actor_name, namespace=self.namespace)
        except ValueError:
            return None

    def _ingest(self, tid: int, att: _Attempt, res: dict) -> None:
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
            self._metrics[tid].extend(retrieve(out))
        if err:
            with open(path / "std.err", "a") as f:
                f.writelines(err)
            att.err_count += len(err)
        if res["ended"]:
            code = res["returncode"]
            att.ended, att.ended_at = True, res["ended_at"]
            if self._status.get(tid) == Status.in_progress:
                if code == 0:
                    self._finish(tid, att, Status.completed)
                else:
                    self._finish(tid, att, Status.failed,
                                 f"the training script exited with code {code} on node "
                                 f"{att.node_id} (node type {att.node_type})")
            self._kill_actor(att)

    def _finish(self, tid: int, att: _Attempt, status: str, reason: str | None = None):
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

    def _fail(self, tid: int, att: _Attempt, reason: str):
        att.ref = None
        self._kill_actor(att)
        self._finish(tid, att, Status.failed, reason)

    def _death_reason(self, att: _Attempt, e: Exception) -> str:
        node = None
        if att.node_id is not None:
            node = next((n for n in self.nodes(max_age_s=0.0) if n.get("NodeID") == att.node_id),
                        None)
        if node is not None and not node.get("Alive"):
            why = node.get("DeathReasonMessage") or "no reason given"
            return (f"its node {att.node_id} ({node.get('NodeManagerAddress')}, node type "
                    f"{att.node_type}) died: {why}")
        text = " ".join(str(e).split())
        return f"its Ray actor {att.actor_name} died: {text[:2000]}"

    def _check_pending(self, tid: int, att: _Attempt) -> None:
        waited = time.time() - att.scheduled_at
        if waited < self.unsatisfiable_timeout_s:
            return
        req = self.node_types[att.node_type].request()
        nodes = self._alive_nodes()
        if not any(provides(n.get("Resources") or {}, req) for n in nodes):
            self._fail(tid, att, f"no alive node provides node type {att.node_type!r} "
                                 f"{format_resources(req)} (waited {waited:.0f} s). The "
                                 f"cluster has: {describe_nodes(nodes)}")

    def _kill_actor(self, att: _Attempt):
        handle = att.handle or (self._lookup_actor(att) if self._ray is not None else None)
        att.handle = None
        att.ref = None
        if handle is None:
            return
        try:
            self._ray.kill(handle, no_restart=True)
        except Exception as e:  # noqa: BLE001 -- already gone
            logger.debug("killing actor %s: %s", att.actor_name, e)

    def _end_attempt(self, trial_id: int, status: str):
        """Stop or pause: SIGTERM/SIGKILL the script, wait for it, kill the actor."""
        att = self._current(trial_id)
        self._status[trial_id] = status
        self._end_time[trial_id] = datetime.now()
        if att is None or att.ended:
            return
        ray = self.connect()
        if att.handle is None:
            att.handle = self._lookup_actor(att)
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

    # -- TrialBackend interface -------------------------------------------------------------
    def _collect(self, trial_ids: list[int]) -> list[TrialResult]:
        self._poll(trial_ids)
        out = []
        for tid in trial_ids:
            status = self._status.get(tid, Status.in_progress)
            end = self._end_time.get(tid) if status != Status.in_progress else None
            out.append(self._trial_dict[tid].add_results(
                metrics=list(self._metrics.get(tid, [])), status=status,
                training_end_time=end or datetime.now()))
        return out

    def busy_trial_ids(self) -> list[tuple[int, str]]:
        return [(tid, Status.in_progress) for tid, st in self._status.items()
                if st == Status.in_progress]

    def stdout(self, trial_id: int) -> list[str]:
        return self._read_log(trial_id, "std.out")

    def stderr(self, trial_id: int) -> list[str]:
        return self._read_log(trial_id, "std.err")

    def _read_log(self, trial_id: int, name: str) -> list[str]:
        try:
            with open(self.trial_path(trial_id) / name) as f:
                return f.readlines()
        except FileNotFoundError:
            return []

    def durable_recovery(self):
        """Crash recovery of ``DurableTuner`` runs (:class:`~syne_mohb.backends.ray.recovery.
        RayRecovery`): detached actors, re-attached by name after a driver restart."""
        from syne_mohb.backends.ray.recovery import RayRecovery

        return RayRecovery()

    # -- inspection -------------------------------------------------------------------------
    def attempts(self, trial_id: int) -> list[dict[str, Any]]:
        """Attempts of ``trial_id``: actor name, node type, node id, pid, start/end times, how
        it ended and why."""
        return [a.record() for a in self._attempts.get(trial_id, [])]
