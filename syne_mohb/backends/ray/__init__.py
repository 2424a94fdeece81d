"""Ray backend: trials as Ray actors on the node types of a (heterogeneous) Ray cluster.

>>> from syne_mohb.backends.ray import NodeType, RayBackend
>>> backend = RayBackend("train.py", address="head-node:6379", node_types={
...     "cpu-small": NodeType(price_per_hour=0.10, num_cpus=2),
...     "gpu-a100": NodeType(price_per_hour=2.50, num_cpus=8, num_gpus=1, accelerator_type="A100"),
... }, config_space=config_space)

The hardware dimension of a Ray cluster is its *node types*. ``config["instance_type"]`` names
one of the backend's ``node_types``; the trial's actor requests exactly that type's resources
(:meth:`NodeType.actor_options`: ``num_cpus``, ``num_gpus``, ``accelerator_type``, custom
resource labels, ``memory``), so Ray places it on a node that has them. The actor runs the
unchanged training script as a child process and keeps its output lines; every polling round
of the Tuner asks each running actor for the lines it has not read yet and parses the
``[tune-metric]`` lines of Syne Tune's ``Reporter``: results stream back while a trial runs.

A trial is billed from the moment its training process started on the node to its end, at the
node type's price (time waiting in Ray's queue is not billed), from the shared cost ledger;
``st_worker_time`` and ``st_worker_cost`` are in every result before the scheduler sees it,
and the per-trial cap ends trials that spend more than ``max_cost_per_trial``.

Stop and pause send SIGTERM (SIGKILL after ``stop_grace_s``) to the script, wait for it to end
(and for its checkpoint upload), then kill the actor, which frees its resources. A resumed
trial is a new attempt (a new actor, possibly on another node of the same type) that reads the
trial's checkpoint folder: ``checkpoint_root`` must be a path every node can reach, or an
fsspec URL (the actor then downloads it before the start and uploads it at the end).

A trial whose actor dies (its node died, the actor was killed outside the backend, the worker
ran out of memory) fails with the reason, written to its ``std.err`` (which the durable
tuner's failure policy records). An actor checks every half second that its node's raylet is
alive; once it is not, the actor stops the script and exits within seconds (the trial fails
with that reason) instead of running on unsupervised. A trial only *queued* on a node that
dies (its actor never ran) is re-queued while an alive node provides its node type, and fails
with the reason when none does. A trial whose node type no alive node provides any more fails
after ``unsatisfiable_timeout_s``.

One module per concern (:class:`RayBackend` is their composition, in ``backend``):

* ``attempts``: what the backend knows of each attempt (one actor of one trial) and its record
  in ``<trial>/attempts.jsonl``;
* ``cluster``: the connection (Ray is imported there, on first use), the cluster's nodes, the
  node-type checks, pickling;
* ``actors``: the actors' life cycle: create, look up by name, stop / pause, kill;
* ``poller``: the polling round that streams results and logs back and ends attempts;
* ``cost``: the queue-aware cost ledger and the cost of a resumed trial;
* ``paths``: the trials' folders on the driver, their checkpoint folders, the script;
* ``trials``: the ``TrialBackend`` hooks the cost mixin wraps;
* ``reattach``: what a resumed driver asks of the backend (restore, re-attach, restart, end);
* ``recovery``: crash recovery of durable runs (``RayBackend.durable_recovery()``);
* ``_nodes``: :class:`NodeType` and resource matching; ``_runner``: the actor class itself.

Importing this package does not import Ray, and ``import syne_mohb`` does not import this
package (its names are exported lazily). See ``docs/tutorials/ray.md`` and
``docs/reference/ray-backend.md``.
"""
from syne_mohb.backends.ray._nodes import (
    NodeType,
    UnknownNodeTypeError,
    UnsatisfiableNodeTypeError,
)
from syne_mohb.backends.ray.backend import RayBackend
from syne_mohb.backends.ray.cluster import RayClusterUnreachableError

__all__ = [
    "NodeType",
    "RayBackend",
    "RayClusterUnreachableError",
    "UnknownNodeTypeError",
    "UnsatisfiableNodeTypeError",
]
