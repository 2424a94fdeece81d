"""The Ray trial backend: :class:`RayBackend`, composed of the package's concerns (see
:mod:`syne_mohb.backends.ray` for the layout and the whole design): the constructor and its
checks."""
from __future__ import annotations

import math
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from syne_tune.util import experiment_path

from syne_mohb._lazy import require_installed
from syne_mohb.backends.cost import CostAccountingMixin
from syne_mohb.backends.ray._nodes import NodeType, node_types_from
from syne_mohb.backends.ray.actors import ActorLifecycle
from syne_mohb.backends.ray.attempts import Attempt, AttemptLog
from syne_mohb.backends.ray.cluster import RayCluster, check_address
from syne_mohb.backends.ray.cost import QueueAwareLedger, RayCost
from syne_mohb.backends.ray.paths import TrialFolders, is_url
from syne_mohb.backends.ray.poller import ResultPoller
from syne_mohb.backends.ray.reattach import Reattach
from syne_mohb.backends.ray.trials import RayTrials
from syne_mohb.hardware.catalog import INSTANCE_TYPE
from syne_mohb.hardware.cost import PriceTable

__all__ = ["RayBackend"]


class RayBackend(Reattach, ResultPoller, ActorLifecycle, AttemptLog, TrialFolders, RayCluster,
                 RayCost, CostAccountingMixin, RayTrials):
    """Syne Tune ``TrialBackend`` running each trial as a Ray actor on a heterogeneous cluster.

    :param entry_point: training script (reports with ``syne_tune.Reporter``; unchanged)
    :param address: Ray cluster to use: ``"host:port"`` of a running head node (what
        ``ray start --head`` prints), ``"ray://host:10001"`` (Ray client), ``"auto"``, or
        ``None``: an existing connection (``ray.init`` called before), else ``RAY_ADDRESS``,
        else a new local cluster started by ``ray.init()``. A resumed durable run can be given
        another one (``resume(run_dir, address=...)``, :meth:`set_address`)
    :param node_types: node type name -> :class:`NodeType` (or a dict of its arguments): the
        values ``config_space["instance_type"]`` can take, their resources and prices
    :param config_space: if given, validated now (see :meth:`validate_config_space`);
        strongly recommended
    :param instance_key: config key naming the node type (default ``"instance_type"``)
    :param default_instance: node type of configs without ``instance_key``
    :param max_cost_per_trial: dollars after which a trial is ended (``None``: no cap)
    :param checkpoint_root: folder every node can reach (a shared filesystem; a relative one
        is taken from the current folder, once) or an fsspec URL (``s3://bucket/prefix``,
        ``gs://...``, ``file:///nfs/...``); a trial's checkpoints are
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
    :param connect_timeout_s: how long to try reaching ``address`` (its port, then the Ray
        cluster behind it) before :class:`RayClusterUnreachableError`
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
        require_installed("ray", "RayBackend")  # the [ray] extra, checked without importing
        super().__init__(delete_checkpoints=delete_checkpoints,
                         pass_args_as_json=pass_args_as_json)
        entry = Path(entry_point)
        if not entry.is_file():
            raise ValueError(f"entry_point {entry_point!r} is not an existing file")
        address = check_address(address)
        self.node_types = node_types_from(node_types)
        if default_instance is not None:  # before the mixin's check against its price table
            self._node_type(default_instance, "default_instance")
        src = Path(source_dir) if source_dir is not None else entry.parent
        if ship_code and not src.is_dir():
            raise ValueError(f"source_dir {source_dir!r} is not an existing folder")
        self._program = self._program_of(entry, src if ship_code else None)
        if ship_code and runtime_env and "working_dir" in runtime_env:
            raise ValueError("runtime_env['working_dir'] conflicts with ship_code=True "
                             "(which ships source_dir): pass one of them")
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
        if checkpoint_root is not None and is_url(checkpoint_root):
            try:
                import fsspec

                fsspec.core.url_to_fs(checkpoint_root)
            except (ImportError, ValueError) as e:
                raise ValueError(f"checkpoint_root {checkpoint_root!r}: fsspec cannot open it "
                                 f"({e})") from None
        elif checkpoint_root is not None:
            # a relative folder is the one it names now, not in the folder of a later resume
            checkpoint_root = str(Path(checkpoint_root).expanduser().resolve())
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
        self._attempts: dict[int, list[Attempt]] = {}
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
        self.cost_ledger = QueueAwareLedger(self.cost_ledger.clock)
        if config_space is not None:
            self.validate_config_space(config_space)

    def __str__(self) -> str:
        return f"Ray entry_point {Path(self.entry_point).name} run {self.run_id}"

    def durable_recovery(self):
        """Crash recovery of ``DurableTuner`` runs (:class:`~syne_mohb.backends.ray.recovery.
        RayRecovery`): detached actors, re-attached by name after a driver restart."""
        from syne_mohb.backends.ray.recovery import RayRecovery

        return RayRecovery()
