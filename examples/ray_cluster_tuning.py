"""Tune an MLP's hyperparameters *and* the node type of a Ray cluster jointly with MO-ASHA.

Objectives: validation accuracy (max), dollars spent (min) and training time (min). Each node
type of the cluster declares the Ray resources a trial on it requests and a price per hour set
by you; ``config["instance_type"]`` picks one, the trial's actor requests exactly those
resources, so Ray runs it on a matching node. The training script (``examples/train_digits.py``)
is an unchanged Syne Tune script. At the end the Pareto set is printed grouped by node type.

Without ``--address`` the example starts a two-node cluster on this machine
(``ray.cluster_utils.Cluster``): a head node ``small`` (1 CPU, resource ``node_small``) and a
worker node ``large`` (2 CPUs, resource ``node_large``), and stops it at the end::

    .venv/bin/python examples/ray_cluster_tuning.py [--max_wallclock 90] [--n_workers 2]

On an existing cluster, describe its node types in a JSON file and pass the head's address::

    ray start --head --port=6379 --resources='{"node_small": 1}'            # on the head
    ray start --address=HEAD:6379 --num-gpus=1 --resources='{"node_gpu": 1}'  # on a worker
    .venv/bin/python examples/ray_cluster_tuning.py --address HEAD:6379 --node_types types.json

``types.json``: ``{"cpu-small": {"price_per_hour": 0.10, "num_cpus": 1, "resources":
{"node_small": 1}}, "gpu": {"price_per_hour": 1.20, "num_cpus": 4, "num_gpus": 1}}``.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from syne_tune import StoppingCriterion, Tuner
from syne_tune.config_space import choice, loguniform, randint
from syne_tune.constants import ST_WORKER_COST, ST_WORKER_TIME
from syne_tune.experiments import load_experiment
from syne_tune.results_callback import StoreResultsCallback

from syne_mohb import MOASHA, HardwarePolicy, ParetoSummary
from syne_mohb.backends.ray import NodeType, RayBackend
from syne_mohb.hardware import INSTANCE_TYPE
from syne_mohb.pareto import pareto_mask

SCRIPT = Path(__file__).resolve().parent / "train_digits.py"
METRICS = ["accuracy", ST_WORKER_COST, ST_WORKER_TIME]
MODES = ["max", "min", "min"]
LOCAL_NODE_TYPES = {
    "small": NodeType(price_per_hour=0.10, num_cpus=1, resources={"node_small": 1}),
    "large": NodeType(price_per_hour=0.25, num_cpus=2, resources={"node_large": 1}),
}


def start_local_cluster():
    """A head node (1 CPU, ``node_small``) and a worker node (2 CPUs, ``node_large``)."""
    import ray
    from ray.cluster_utils import Cluster

    store = 100 * 2**20
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "resources": {"node_small": 1}, "object_store_memory": store,
        "include_dashboard": False})
    cluster.add_node(num_cpus=2, resources={"node_large": 1}, object_store_memory=store)
    ray.init(address=cluster.address, log_to_driver=False)
    cluster.wait_for_nodes()
    return cluster


def stop_local_cluster(cluster) -> None:
    """Shut down Ray and the cluster, and remove the cluster's session folder (its logs; the
    trials' own output is in the run folder)."""
    import ray

    session = Path(cluster.head_node.get_session_dir_path())
    ray.shutdown()
    cluster.shutdown()
    shutil.rmtree(session, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--address", default=None,
                   help="head node host:port (default: start a local two-node cluster)")
    # each flag also takes its dashed spelling (--max-wallclock)
    p.add_argument("--node_types", "--node-types", default=None,
                   help="JSON file: node type -> NodeType arguments (needed with --address)")
    p.add_argument("--max_wallclock", "--max-wallclock", type=float, default=90.0,
                   help="seconds of tuning")
    p.add_argument("--max_cost", "--max-cost", type=float, default=1.0,
                   help="total dollars for the run")
    p.add_argument("--max_cost_per_trial", "--max-cost-per-trial", type=float, default=None)
    p.add_argument("--epochs", type=int, default=9)
    p.add_argument("--n_workers", "--n-workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for name in ("max_wallclock", "max_cost", "epochs", "n_workers"):
        if not getattr(args, name) > 0:
            p.error(f"--{name} must be > 0, got {getattr(args, name):g}")
    if args.max_cost_per_trial is not None and not args.max_cost_per_trial > 0:
        p.error(f"--max_cost_per_trial must be > 0 dollars (or left out), got "
                f"{args.max_cost_per_trial:g}")
    if args.address is not None and args.node_types is None:
        p.error("--address needs --node_types FILE describing the cluster's node types")
    if args.node_types is not None:
        try:
            args.node_types = json.loads(Path(args.node_types).read_text())
        except (OSError, json.JSONDecodeError) as e:
            p.error(f"--node_types {args.node_types}: {e}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    node_types = args.node_types if args.node_types is not None else LOCAL_NODE_TYPES
    cluster = start_local_cluster() if args.address is None else None
    try:
        run(args, node_types)
    except ValueError as e:  # bad node types, unknown or unsatisfiable: no traceback
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as e:  # Ctrl-C: one line saying where the results are
        print(e, file=sys.stderr)
        sys.exit(130)
    finally:
        if cluster is not None:
            stop_local_cluster(cluster)


def run(args, node_types) -> None:
    config_space = {
        "lr": loguniform(1e-4, 1e-1),
        "hidden": randint(8, 256),
        "alpha": loguniform(1e-6, 1e-2),
        "batch_size": choice([32, 64, 128]),
        "epochs": args.epochs,
        INSTANCE_TYPE: choice(sorted(node_types)),
    }
    # validates the node types against the cluster now: an unknown or unsatisfiable type
    # fails here, naming it and listing the cluster's nodes
    backend = RayBackend(str(SCRIPT), address=args.address, node_types=node_types,
                         config_space=config_space, max_cost_per_trial=args.max_cost_per_trial)
    scheduler = MOASHA(config_space, metrics=METRICS, mode=MODES, time_attr="epoch",
                       max_t=args.epochs, grace_period=1, reduction_factor=3,
                       random_seed=args.seed,
                       # the policy knows each node type's resources and price from the start
                       hardware=HardwarePolicy(specs=node_types))
    tuner = Tuner(
        backend, scheduler,
        StoppingCriterion(max_wallclock_time=args.max_wallclock, max_cost=args.max_cost),
        n_workers=args.n_workers, sleep_time=0.5, print_update_interval=30,
        tuner_name="ray-cluster-tuning",
        # the Pareto set over all node types is printed at the end of tuning
        callbacks=[StoreResultsCallback(), ParetoSummary()],
    )
    try:
        tuner.run()
    except KeyboardInterrupt:  # the results so far are saved: say where
        raise KeyboardInterrupt(f"interrupted: the results so far are in "
                                f"{tuner.tuner_path}") from None

    results = load_experiment(tuner.name).results
    started = len(backend.trial_ids)
    if results is None or results.empty:
        print(f"\nno trial reported a result within --max_wallclock {args.max_wallclock:g} "
              f"seconds ({started} started); raise it")
        return
    last = results.sort_values("epoch").groupby("trial_id").tail(1).set_index("trial_id")
    on_front = pareto_mask(last[METRICS].to_numpy(dtype=float), MODES)
    key = f"config_{INSTANCE_TYPE}"
    prices = {name: backend.node_types[name].price_per_hour for name in backend.node_types}
    print(f"\n{started} trials started, {len(last)} with results, "
          f"${last[ST_WORKER_COST].sum():.4f} spent by them; $/hour: {prices}")
    print("per node type, over each trial's last result:")
    cols = ["config_lr", "config_hidden", "epoch", *METRICS]
    with pd.option_context("display.width", 140, "display.float_format", "{:.5g}".format):
        for name, sub in last.groupby(key):
            front = sub[on_front[last.index.get_indexer(sub.index)]]
            print(f"\nnode type {name}: {len(sub)} trials, best last accuracy "
                  f"{sub['accuracy'].max():.4f}, median $/epoch "
                  f"{np.median(sub[ST_WORKER_COST] / sub['epoch']):.2e}; "
                  f"{len(front)} on the Pareto front of the last results (accuracy max, cost min, "
                  f"time min)")
            if len(front):
                print(front.sort_values(ST_WORKER_COST)[cols].to_string())
    for tid in sorted(last.index)[:3]:
        att = backend.attempts(int(tid))[-1]
        print(f"trial {tid} ran on node {att['node_id'][:12]} (type {att['node_type']})")


if __name__ == "__main__":
    main()
