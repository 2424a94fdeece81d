"""The Ray cluster the backend runs on: the connection (Ray is imported here, on first use),
its nodes, and the check that the node types a config space can choose exist on them.

The connection and the other runtime state are never pickled (the durable tuner dill-dumps
the backend): :meth:`RayCluster.__setstate__` starts without them and :meth:`connect` makes
them again.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Mapping

from syne_mohb._lazy import require
from syne_mohb.backends.ray._nodes import (
    NodeType,
    UnknownNodeTypeError,
    UnsatisfiableNodeTypeError,
    closest,
    describe_nodes,
    format_resources,
    provides,
)
from syne_mohb.backends.ray._runner import runner_class
from syne_mohb.backends.ray.attempts import Attempt
from syne_mohb.hardware.cost import instance_names_in

logger = logging.getLogger(__name__)

__all__ = ["RayCluster", "RayClusterUnreachableError", "check_address", "host_port"]

# attributes rebuilt by _init_runtime after unpickling, never pickled
_RUNTIME = ("_ray", "_runner", "_nodes_cache", "_code", "_queue_warned")

# Asks the GCS at argv[1] for its cluster id, in a process of its own (see RayCluster.
# _probe_gcs): exit 0 when it answers, 3 when it does not (its error on stdout), 4 when this
# Ray has no such client; the timer (argv[2] seconds, armed once Ray is imported) ends it,
# wherever Ray's C++ client waits (it retries for 40 s per attempt, printing warnings).
_GCS_PROBE = """
import signal, sys
try:
    from ray._raylet import GcsClient
except Exception as e:
    print(repr(e)); sys.exit(4)
signal.setitimer(signal.ITIMER_REAL, float(sys.argv[2]))
try:
    GcsClient(address=sys.argv[1])
except Exception as e:
    print(" ".join(str(e).split())[:500]); sys.exit(3)
"""


class RayClusterUnreachableError(ConnectionError):
    """No Ray cluster answers at the backend's ``address``."""


def host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``host:port`` / ``ray://host:port``; None for ``auto``/``local``."""
    addr = address[len("ray://"):] if address.startswith("ray://") else address
    if addr in ("auto", "local") or ":" not in addr:
        return None
    host, _, port = addr.rpartition(":")
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        return None


def check_address(address: Any) -> str | None:
    """The backend's ``address`` argument, checked: ``None``, ``"auto"``, ``"local"``,
    ``"ray://host:port"`` or ``"host:port"`` (``ValueError`` naming it otherwise)."""
    if address is None:
        return None
    what = ("address must be 'host:port' (what `ray start --head` prints, e.g. "
            "'10.0.0.5:6379'), 'ray://host:port' (Ray client), 'auto' or None")
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"{what}, got {address!r}")
    address = address.strip()
    if address in ("auto", "local") or (address.startswith("ray://") and
                                        ":" not in address[len("ray://"):]):
        return address  # Ray's client has a default port
    hp = host_port(address)
    if hp is None or not hp[0] or not 0 < hp[1] < 65536:
        raise ValueError(f"{what}, got {address!r}: it needs the head node's host and port")
    return address


class RayCluster:
    """Mixin of :class:`~syne_mohb.backends.ray.RayBackend`: connection, nodes, node-type
    checks, pickling. Uses the backend's ``address``, ``namespace``, ``connect_timeout_s``,
    ``ray_init_kwargs``, ``node_types``, ``require_nodes`` and ``unsatisfiable_timeout_s``."""

    # -- runtime (not pickled) --------------------------------------------------------------
    def _init_runtime(self) -> None:
        self._ray = None
        self._runner = None
        self._nodes_cache: tuple[float, list[dict]] | None = None
        self._code: tuple[bytes, str] | None = None
        self._queue_warned: set[int] = set()  # trials warned of as waiting for a busy node

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in _RUNTIME:
            state.pop(key, None)
        state["_attempts"] = {
            tid: [Attempt.from_record(a.record()) for a in atts]
            for tid, atts in self._attempts.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_runtime()

    # -- connection -------------------------------------------------------------------------
    def connect(self):
        """Connect to the cluster (once); returns the ``ray`` module.

        Raises :class:`RayClusterUnreachableError` naming ``address`` when no cluster answers.
        """
        if self._ray is not None:
            return self._ray
        ray = require("ray", "RayBackend")  # one line naming the [ray] extra if missing

        addr = self.address
        hp = host_port(addr) if addr else None
        if hp is not None:
            try:
                socket.create_connection(hp, timeout=self.connect_timeout_s).close()
            except OSError as e:
                raise RayClusterUnreachableError(
                    f"address={addr!r}: no Ray cluster reachable at {hp[0]}:{hp[1]} ({e}). "
                    f"Start one with `ray start --head --port={hp[1]}`, or pass the address "
                    f"printed by `ray start --head` (address=None starts a local cluster)"
                ) from None
            if not addr.startswith("ray://") and not ray.is_initialized():
                silent = self._probe_gcs(addr)
                if silent:
                    raise RayClusterUnreachableError(
                        f"address={addr!r}: {hp[0]}:{hp[1]} accepts connections, but no Ray "
                        f"cluster answers there ({silent}): is it another service (the "
                        f"dashboard's port 8265, say)? Pass the address printed by `ray start "
                        f"--head` (the head node's port, 6379 unless --port said otherwise)"
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

    def _probe_gcs(self, addr: str) -> str | None:
        """Why no Ray GCS answers at ``addr`` within ``connect_timeout_s``, else None.

        ``ray.init`` gives a port that accepts connections but is not Ray's GCS (a dashboard,
        a proxy) minutes of retries, flooding stderr, and cannot be interrupted meanwhile: a
        separate process asks the GCS for its cluster id and is ended after
        ``connect_timeout_s`` (counted once it has imported Ray). If that process cannot ask
        (another Ray), nothing is known: None."""
        timeout = self.connect_timeout_s
        try:
            proc = subprocess.run([sys.executable, "-c", _GCS_PROBE, addr, repr(timeout)],
                                  capture_output=True, text=True, timeout=timeout + 120.0)
        except subprocess.TimeoutExpired:  # Ray's import itself did not finish
            return f"no answer within connect_timeout_s={timeout:g} s"
        if proc.returncode == 0:
            return None
        if proc.returncode == -signal.SIGALRM:
            return f"no answer within connect_timeout_s={timeout:g} s"
        if proc.returncode == 3:
            return proc.stdout.strip() or "no answer"
        logger.debug("GCS probe of %s not possible (exit %s): %s", addr, proc.returncode,
                     (proc.stdout + proc.stderr)[-500:])
        return None

    def set_address(self, address: str | None) -> None:
        """Use the Ray cluster at ``address`` from now on (e.g. to resume a durable run on a
        cluster started again at another address); as the constructor's ``address``."""
        address = check_address(address)
        if self._ray is not None and address != self.address:
            raise ValueError(f"address={address!r}: this backend is connected to the cluster "
                             f"at {self.address!r} already")
        self.address = address

    @staticmethod
    def _same_address(hp: tuple[str, int], current: str) -> bool:
        """Whether ``host:port`` names the cluster at ``current`` (same port, same host or
        two addresses of this machine)."""
        cur = host_port(str(current))
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

    # -- nodes ------------------------------------------------------------------------------
    def nodes(self, max_age_s: float = 1.0) -> list[dict]:
        """``ray.nodes()`` of the cluster, cached for ``max_age_s`` seconds."""
        ray = self.connect()
        now = time.monotonic()
        if self._nodes_cache is None or now - self._nodes_cache[0] > max_age_s:
            self._nodes_cache = (now, ray.nodes())
        return self._nodes_cache[1]

    def _alive_nodes(self) -> list[dict]:
        return [n for n in self.nodes() if n.get("Alive")]

    # -- node types -------------------------------------------------------------------------
    def node_type_of(self, config: Mapping[str, Any]) -> tuple[str, NodeType]:
        """``(name, NodeType)`` a trial with ``config`` runs on; ``UnknownNodeTypeError``."""
        name = self.instance_of(config)
        return name, self._node_type(name, self._instance_key)

    def _node_type(self, name: Any, what: str) -> NodeType:
        """The declared node type ``name`` (the value of ``what``); ``UnknownNodeTypeError``."""
        nt = self.node_types.get(name) if isinstance(name, str) else None
        if nt is None:
            close = closest(name, self.node_types)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownNodeTypeError(
                f"{what}={name!r} is not a node type of this backend.{hint} "
                f"Declared node types: {', '.join(sorted(self.node_types))}. Declare it in "
                f"node_types={{{name!r}: NodeType(price_per_hour=..., num_cpus=..., ...)}}")
        return nt

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
