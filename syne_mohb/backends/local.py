"""Local backend whose hardware dimension is real: local profiles pin trials to cores / a GPU.

:class:`LocalProfileBackend` is Syne Tune's ``LocalBackend`` plus

* **hardware profiles**: a trial whose ``config["instance_type"]`` is ``local-cpu-k`` runs with
  CPU affinity to k cores (``os.sched_setaffinity`` in a tiny exec-launcher,
  :mod:`syne_mohb.backends.local_launch`, so the PID and kill semantics of ``LocalBackend`` are
  unchanged) and with the OpenMP/MKL/OpenBLAS/NumExpr/torch thread pools sized to k;
  ``local-gpu-i`` sees only GPU i. Cores are handed out
  least-loaded first, so concurrent trials get disjoint cores while there are enough of them.
  A catalog name (``ml.m5.large``) is priced from the catalog and runs on
  ``min(vcpus, usable cores)`` cores.
* **cost accounting** (:class:`~syne_mohb.backends.cost.CostAccountingMixin`): every result
  carries ``st_worker_time`` / ``st_worker_cost`` before the scheduler sees it, and an optional
  per-trial cost cap ends trials that spend more than ``max_cost_per_trial``.

* **durable runs** (:class:`~syne_mohb.backends.local_recovery.LocalTrialControl`): the methods
  a ``DurableTuner`` resume calls, and ``durable_recovery()``.

Unknown profiles and missing prices raise when the backend is constructed with the
``config_space`` (recommended), at the latest when the first trial is started.

How a trial gets its cores and environment, using only what Syne Tune 0.16's ``LocalBackend``
documents: the backend is constructed with the launcher as its ``binary`` (a constructor
argument), and its ``_schedule`` (the method every ``TrialBackend`` implements) writes the
trial's cores, environment and exact command (a list) to ``<trial>/launch.json`` before
``LocalBackend._schedule`` starts the command, and names that file in ``os.environ`` for the
duration of the call (``LocalBackend`` copies ``os.environ`` for the trial). ``LocalBackend``
splits its command line on spaces; the launcher execs the spec's command instead, so a path
or a value with a space reaches the script whole, and a Python or launcher path with a space
runs through a space-free link (:mod:`~syne_mohb.backends.local_paths`). No attribute of
``LocalBackend`` is changed around the call.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Mapping

from syne_tune.backend import LocalBackend
from syne_tune.backend.trial_status import Status, TrialResult
from syne_tune.constants import ST_CHECKPOINT_DIR, ST_CONFIG_JSON_FNAME_ARG

from syne_mohb.backends import local_launch as _launch_module
from syne_mohb.backends.cost import CostAccountingMixin
from syne_mohb.backends.local_paths import space_free
from syne_mohb.backends.local_recovery import LocalTrialControl
from syne_mohb.durable.protocol import NO_METRICS_REASON
from syne_mohb.hardware.catalog import INSTANCE_TYPE, InstanceCatalog, UnknownInstanceTypeError
from syne_mohb.hardware.cost import PriceTable
from syne_mohb.hardware.profiles import (
    LocalProfile,
    available_cpus,
    get_local_profile,
    is_local_profile_name,
)
from syne_mohb.hardware.space import space_prices

logger = logging.getLogger(__name__)

LAUNCHER = Path(_launch_module.__file__)


class LocalProfileBackend(LocalTrialControl, CostAccountingMixin, LocalBackend):
    """Syne Tune ``LocalBackend`` with local hardware profiles, dollar cost and a cost cap.

    :param entry_point: training script (reports with ``syne_tune.Reporter``; unchanged)
    :param prices: $/hour of each local profile used, e.g. ``{"local-cpu-1": 0.05,
        "local-cpu-2": 0.10}``; may also override catalog prices. Not needed for the profiles
        of a ``config_space`` built with :func:`~syne_mohb.hardware.local_profiles`, which
        carries their prices (given ones override them)
    :param config_space: if given, every value of ``config_space[instance_key]`` is checked
        now (existing profile, known price); strongly recommended
    :param catalog: instance catalog for catalog names (default: ``load_catalog()``)
    :param instance_key: config key of the hardware dimension (default ``"instance_type"``)
    :param default_instance: profile used when a config has no ``instance_key``
    :param max_cost_per_trial: dollars after which a trial is ended (``None``: no cap)
    :param pin_cpus: set CPU affinity (``True``) or only the thread-count variables
    :param extra_env: environment variables for every trial, applied after the profile's
        (e.g. ``{"OMP_WAIT_POLICY": "ACTIVE"}`` on a machine reserved for one trial)
    :param pass_instance_type: pass ``--instance_type`` to the script like any hyperparameter
        (the profile is always in the ``SYNE_MOHB_PROFILE`` environment variable)
    :param binary: as in ``LocalBackend`` (default: this Python), run through the launcher
    :param delete_checkpoints, pass_args_as_json: as in ``LocalBackend``
    """

    def __init__(
        self,
        entry_point: str,
        prices: Mapping[str, float] | None = None,
        config_space: Mapping | None = None,
        catalog: InstanceCatalog | None = None,
        instance_key: str = INSTANCE_TYPE,
        default_instance: str | None = None,
        max_cost_per_trial: float | None = None,
        pin_cpus: bool = True,
        extra_env: Mapping[str, str] | None = None,
        pass_instance_type: bool = True,
        binary: str | None = None,
        delete_checkpoints: bool = False,
        pass_args_as_json: bool = False,
    ):
        if not Path(entry_point).is_file():
            raise ValueError(f"entry_point {entry_point!r} is not a file")
        # trials (and a durable run's resume) may start from another folder
        entry_point = os.path.abspath(entry_point)
        self._cpus = available_cpus()
        self._pin_cpus = bool(pin_cpus)
        self._extra_env = {str(k): str(v) for k, v in (extra_env or {}).items()}
        bad = [k for k in self._extra_env if not k or "=" in k or " " in k]
        if bad:
            raise ValueError(f"extra_env: names must be non-empty, without '=' or spaces, "
                             f"got {bad}")
        self._pass_instance_type = bool(pass_instance_type)
        self._trial_cores: dict[int, tuple[int, ...]] = {}
        # LocalBackend splits "binary entry_point args" on spaces: the launcher runs under
        # space-free paths (local_paths) and execs the exact command of the trial's spec
        self._command = binary.split(" ") if binary else [sys.executable]
        launcher = [space_free(sys.executable), "-S", space_free(str(LAUNCHER)),
                    "--trial-dir-of", f"--{ST_CHECKPOINT_DIR}", "--",
                    binary or space_free(sys.executable)]
        super().__init__(
            entry_point=entry_point,
            binary=" ".join(launcher),
            delete_checkpoints=delete_checkpoints,
            pass_args_as_json=pass_args_as_json,
            rotate_gpus=False,  # GPUs are assigned by the local-gpu-<i> profiles
        )
        prices = {**space_prices(config_space, instance_key), **(prices or {})} or None
        self._init_cost_accounting(
            PriceTable(prices, catalog),
            instance_key=instance_key,
            default_instance=default_instance,
            max_cost_per_trial=max_cost_per_trial,
            config_space=config_space,
        )
        if default_instance is not None:
            self.profile_of(default_instance)
        for name in prices or {}:  # a typo or an impossible profile in the price list
            try:
                self.profile_of(str(name))
            except UnknownInstanceTypeError as e:
                raise UnknownInstanceTypeError(f"prices[{name!r}]: {e}") from None

    # -- configuration ----------------------------------------------------------------------
    def validate_config_space(self, config_space: Mapping) -> list[str]:
        """Check prices (see the mixin) and that each local profile exists on this machine."""
        names = super().validate_config_space(config_space)
        for name in names:
            self.profile_of(name)
        return names

    def profile_of(self, name: str) -> LocalProfile:
        """Resources a trial on ``name`` gets (local profile, or catalog type emulated on cores)."""
        if is_local_profile_name(name):
            return get_local_profile(name, num_cpus=len(self._cpus))
        vcpus = self._price_table.catalog.get(name).vcpus
        return LocalProfile(name=name, cpus=min(vcpus or len(self._cpus), len(self._cpus)))

    # -- launching --------------------------------------------------------------------------
    def _pick_cores(self, trial_id: int, k: int) -> tuple[int, ...]:
        """``k`` cores, least used by running trials first (ties: lowest index)."""
        running = {tid for tid, _ in self.busy_trial_ids() if tid != trial_id}
        load = {c: 0 for c in self._cpus}
        for tid, cores in self._trial_cores.items():
            if tid in running:
                for c in cores:
                    load[c] = load.get(c, 0) + 1
        cores = tuple(sorted(sorted(self._cpus, key=lambda c: (load[c], c))[:k]))
        self._trial_cores[trial_id] = cores
        shared = [c for c in cores if load.get(c, 0) > 0]
        if shared and not getattr(self, "_warned_shared", False):
            self._warned_shared = True  # once per run: it is a property of the setup
            logger.warning(
                "trial %d shares cores %s with other running trials: the %d cores here cannot "
                "give every running trial its profile's own cores, so the times and dollars "
                "of such trials include the contention (the hardware comparison is then "
                "skewed). Use fewer workers (n_workers x the largest profile's cores <= %d) "
                "for clean measurements", trial_id, shared, len(self._cpus), len(self._cpus))
        return cores

    def _schedule(self, trial_id: int, config: dict[str, Any]):
        if self.is_cost_capped(trial_id):
            return super()._schedule(trial_id, config)  # the mixin keeps it ended
        profile = self.profile_of(self.instance_of(config))
        spec: dict[str, Any] = {"env": {**profile.env(), **self._extra_env}}
        if self._pin_cpus and hasattr(os, "sched_setaffinity"):
            spec["cpus"] = list(self._pick_cores(trial_id, profile.cpus))
            logger.info("trial %d on %s: cores %s", trial_id, profile.name, spec["cpus"])
        path = self.trial_path(trial_id)
        path.mkdir(parents=True, exist_ok=True)
        spec["argv"] = self._argv(trial_id, config)
        # a resumed durable run reads the links of its command line again (made if missing)
        space_free(sys.executable)
        space_free(str(LAUNCHER))
        spec_file = path / _launch_module.SPEC_FILENAME
        with open(spec_file, "w") as f:
            json.dump(spec, f)
        # the launcher finds its spec here (LocalBackend copies os.environ when it starts
        # the trial), not through the command line, which LocalBackend splits on spaces
        previous = os.environ.get(_launch_module.ENV_SPEC)
        os.environ[_launch_module.ENV_SPEC] = str(spec_file)
        try:
            super()._schedule(trial_id, config)
        finally:
            if previous is None:
                os.environ.pop(_launch_module.ENV_SPEC, None)
            else:
                os.environ[_launch_module.ENV_SPEC] = previous

    def _all_trial_results(self, trial_ids: list[int]) -> list[TrialResult]:
        results = super()._all_trial_results(trial_ids)
        for tr in results:
            if tr.status == Status.completed and not tr.metrics:
                # Syne Tune's Tuner would end the whole run ("trial N completed and no metrics
                # got observed"); it is one failed trial, and its stderr says why
                tr.status = Status.failed
                self._explain_silent_end(tr.trial_id)
        return results

    def _explain_silent_end(self, trial_id: int) -> None:
        """Once per trial: a line at the end of its ``std.err`` (what a failed trial's reason
        shows, in Syne Tune's output and in a durable run's journal) and a warning."""
        done = self.__dict__.setdefault("_silent_explained", set())
        if trial_id in done:
            return
        done.add(trial_id)
        why = ("max_cost_per_trial ended it before its first result: the cap is below the "
               "cost of one report" if self.is_cost_capped(trial_id) else NO_METRICS_REASON)
        try:
            with open(self.trial_path(trial_id) / "std.err", "a") as f:
                f.write(f"\nsyne-mohb: {why}\n")
        except OSError:
            pass
        logger.warning("trial %d failed: %s", trial_id, why)

    def _argv(self, trial_id: int, config: dict[str, Any]) -> list[str]:
        """The command ``LocalBackend._schedule`` starts for this config, as a list: the
        binary, the entry point, ``--key value`` per entry of the config it gets (or
        ``--st_config_json_filename`` with ``pass_args_as_json``) and ``--st_checkpoint_dir``,
        each in one piece (a space in a path or a value stays in it)."""
        if self.pass_args_as_json:
            args = {ST_CONFIG_JSON_FNAME_ARG: str(self.trial_path(trial_id) / "config.json")}
        else:
            args = dict(self._config_for_launch(config))
        args[ST_CHECKPOINT_DIR] = str(self.checkpoint_trial_path(trial_id))
        command = getattr(self, "_command", None) or [sys.executable]  # a backend pickled
        # before 2026-12-06 lacks it
        return [*command, str(self.entry_point),
                *[token for key, value in args.items() for token in (f"--{key}", f"{value}")]]

    def __str__(self) -> str:
        return f"local-profile entry_point {Path(self.entry_point).name}"

    def _config_for_launch(self, config: dict[str, Any]) -> dict[str, Any]:
        if self._pass_instance_type:
            return config
        return {k: v for k, v in config.items() if k != self._instance_key}
