"""A runtime and cost model with configuration x hardware interactions, with uncertainty.

:class:`RuntimeCostModel` predicts ``log(seconds per unit of resource)`` (e.g. per epoch) of
training a configuration on an instance type; dollars follow from the type's price
(``seconds x $/h / 3600``). It can say "GPU for large models, CPU for small" and "more cores
help this configuration, not that one" because one regression sees both sides at once:

* features: the encoded hyperparameters (numbers scaled to [0, 1], log-scaled domains on the log
  scale, one-hot categoricals; :class:`~syne_mohb.searchers._config_encoding.ConfigEncoder`)
  next to the instance type's specs from the catalog (log2 vCPUs, log2 memory, accelerator
  count, log2 accelerator memory, log2 published relative accelerator speed,
  :mod:`syne_mohb.hardware.accelerators`), so that a type never run yet gets a prior from types
  with similar specs; plus one indicator per type, so a type's own measurements override what
  its specs suggest;
* regressor: an ensemble of randomised trees (scikit-learn ``ExtraTreesRegressor`` by default),
  whose splits form the interactions (a split on "has a GPU" under a split on the width is "GPU
  for wide models"). It was chosen by held-out prediction error on every shipped benchmark
  against a random forest, Gaussian processes and the additive per-type model the project used
  before (``benchmarking/bench_hardware_model.py``; README "Hardware as a decision").
  ``"bilinear"``, a Bayesian linear regression on the features and their hyperparameter x
  hardware products (:class:`_Bilinear`), extrapolates an interaction along a hyperparameter's
  axis from a few results, where trees average the rows of a leaf: in runs it places `cnn`'s
  wide networks on GPUs sooner (tuning time 1.24x-1.30x, at 95%, over the trees), but it lost
  dollars and the found model's dollars on `mlp-x` at 300 s and `linear-x`, so it is an
  option, not the default (docs' variants page);
  ``"two_term"`` (:class:`_TwoTermTrees`) gives the trees one more input, a fit of the
  seconds as per-unit overhead plus work over throughput (:class:`_TwoTerm`), and follows that
  fit beyond the range of the rows: on held-out configurations its error is lower on `cnn`,
  `mlp` and `mlp-x` (0.43 / 0.20 / 0.14 against 0.68 / 0.33 / 0.20 on `cnn` after 20 / 50 /
  150 results) and about the same elsewhere. In runs the policy with it ties the trees (the
  placement mistakes of a run's first quarter are exploration, not the model's mean; docs'
  variants page), so it is an option of the policy; the recommendations
  (:mod:`syne_mohb.experiments.recommendations`), which only predict, choose their regressor
  by their own measured error. ``"auto"`` chooses among the trees, the two-term trees and a
  GP with one length scale per feature by cross-validation on the rows, at each fit;
* uncertainty: the spread of the trees' predictions, plus a prior standard deviation for types
  with few observations that shrinks as ``prior_std * k / (k + n_type)`` (``k =
  prior_strength``):
  types the model is unsure about stay visible to Thompson sampling (:meth:`sample`).

Observations are *segments*: ``seconds`` spent training one configuration on one type from one
resource level to another (a trial's first result, every later result, a resumed segment on
another type); :meth:`observe` accumulates them per key (a trial's segment) so the number of
rows grows with segments, not with results. Related tasks' offline evaluations (the same space,
other data sets) enter through :meth:`add_prior_evaluations` as rows of a second task indicator:
they give the shape of the interactions, the run's own rows give its scale.

**Start-up** (``measure_startup=True``; the hardware policy turns it on where a job start-up
is given). A segment's first result also holds what the training spent before its first unit:
a process start and data loading (1 s for the local tutorial's MLP, whose epochs take 0.01 s),
a SageMaker job's provisioning and download (minutes). Left in (the model's default), it makes
a segment's seconds per unit depend on how far the segment trained (there, a trial stopped
after one epoch reads 8x slower per epoch than one that trained 9, and 100x slower than its
training was). With the option, each type's start-up is estimated at each fit from the
segments that went on after their first result (:func:`startup_seconds`) and subtracted from
every own segment on that type, so the model learns the training's own speed; it is counted
only where it is at least one unit's median seconds on the type (a smaller excess stays in the
seconds per unit: the shipped tables' first epochs are at most 0.25 units slower, so there it
changes nothing). The policy then weighs the start-up in its choices (its step 5).

Cost: a fit is ``O(T n log n · d)`` for ``T`` trees, ``n`` rows and ``d`` features (about 40 ms
at ``n = 1,000`` with the defaults, ``n`` capped at ``max_rows``); :meth:`fit` is cheap to call
often because it refits only when the rows grew by ``refit_growth`` (``O(log n)`` refits per
run). Tree predictions are cached per configuration until the next refit. A prediction for ``c``
configurations on ``k`` types costs ``O(T c k depth)``.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from syne_mohb.hardware.accelerators import GPU_RELATIVE_SPEED
from syne_mohb.hardware.catalog import _is_finite_real, _is_real, _same_but_case

__all__ = ["HardwareSpec", "RuntimeCostModel", "hardware_specs", "startup_seconds", "ESTIMATORS"]

logger = logging.getLogger(__name__)

ESTIMATORS = ("extra_trees", "two_term", "auto", "random_forest", "gp", "gp_ard", "bilinear",
              "additive")

#: the regressors ``estimator="auto"`` chooses among, by cross-validation on the rows
AUTO_CANDIDATES = ("extra_trees", "two_term", "gp_ard")


@dataclass(frozen=True)
class HardwareSpec:
    """What the model knows about one instance type (``None``: unknown)."""

    name: str
    vcpus: float | None = None
    memory_gib: float | None = None
    gpus: int = 0
    gpu_model: str | None = None
    gpu_memory_gib: float = 0.0
    price_per_hour: float | None = None

    def features(self) -> list[float]:
        """``[known, log2 vcpus, log2 memory, gpus, log2(1 + total accelerator memory),
        log2 accelerator speed]`` (0 where unknown)."""
        known = self.vcpus is not None
        speed = GPU_RELATIVE_SPEED.get(self.gpu_model or "", 0.5 if self.gpus else 0.0)
        return [
            1.0 if known else 0.0,
            math.log2(max(self.vcpus, 1)) if known else 0.0,
            math.log2(max(self.memory_gib or 1.0, 1.0)),
            float(self.gpus),
            math.log2(1.0 + self.gpus * (self.gpu_memory_gib or 0.0)),
            math.log2(speed * self.gpus) if self.gpus and speed > 0 else -4.0,
        ]


def check_estimator(estimator: Any) -> str:
    """``estimator`` if it is one of :data:`ESTIMATORS`, else a ``ValueError`` naming the
    parameter and the choices (:class:`RuntimeCostModel`, the hardware policy and the
    recommendations check it alike, before any work)."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    return estimator


def check_draw_options(prior_std: Any, draw_fraction: Any) -> None:
    """Raise a ``ValueError`` naming ``prior_std`` (a finite number >= 0) or ``draw_fraction``
    (an integer >= 1) when either is not one (:class:`RuntimeCostModel` and the hardware
    policy, which builds its model only once bound, check them alike)."""
    if not (_is_finite_real(prior_std) and prior_std >= 0):
        raise ValueError(f"prior_std must be a number >= 0, got {prior_std!r}")
    if isinstance(draw_fraction, bool) or not isinstance(draw_fraction, int) \
            or draw_fraction < 1:
        raise ValueError(f"draw_fraction must be an integer >= 1, got {draw_fraction!r}")


def hardware_specs(
    instance_types: Iterable[str],
    catalog: Any = None,
    specs: Mapping[str, Mapping[str, Any]] | None = None,
    prices: Mapping[str, float] | None = None,
) -> dict[str, HardwareSpec]:
    """Specs of ``instance_types``: the user's ``specs`` first (``{name: {"vcpus": 8, "gpus":
    1, "gpu_model": "T4", ...}}``, or a value with a ``hardware_spec()`` method returning such a
    dict, as :class:`syne_mohb.backends.ray.NodeType` has), then the catalog (SageMaker
    types), then local profiles (``local-cpu-k``: k cores); other names get an unknown spec
    (they are still learnt from their own results). Prices: ``prices`` first, then the
    catalog; ``None`` where neither has one. ``instance_types`` is one name or a list of them.

    A spec's ``vcpus``, ``gpus`` (a Ray node type may ask for a fraction), ``memory_gib`` and
    ``gpu_memory_gib`` are numbers >= 0, ``gpu_model`` a name; a ``gpu_model`` that
    :data:`~syne_mohb.hardware.accelerators.GPU_RELATIVE_SPEED` does not list (names are
    matched exactly: ``"T4"``, not ``"t4"``) counts as half a V100, with a warning. Other
    values raise a ``ValueError`` naming the type and the key.
    """
    if isinstance(instance_types, str):
        instance_types = [instance_types]
    try:
        names = [str(n) for n in instance_types]
    except TypeError:
        raise ValueError(f"instance_types must be a list of instance type names, got "
                         f"{type(instance_types).__name__}") from None
    for pname, mapping in (("specs", specs), ("prices", prices)):
        if mapping is not None and not isinstance(mapping, Mapping):
            raise ValueError(f"{pname} must be a dict instance type -> "
                             f"{'spec' if pname == 'specs' else '$/hour'}, got "
                             f"{type(mapping).__name__}")
    specs = dict(specs or {})
    prices = dict(prices or {})
    for pname, mapping in (("specs", specs), ("prices", prices)):
        unknown = sorted(set(mapping) - set(names))
        if unknown:
            raise ValueError(f"{pname} names instance types {unknown} that are not among the "
                             f"tuned ones {names}")
    if catalog is None:
        from syne_mohb.hardware.catalog import load_catalog

        catalog = load_catalog()
    elif not (hasattr(catalog, "get") and hasattr(catalog, "__contains__")
              and hasattr(catalog, "closest")):
        raise ValueError(f"catalog must be an instance catalog (syne_mohb.load_catalog()) or "
                         f"None, got {type(catalog).__name__}")
    if hasattr(catalog, "warn_stale_prices"):  # a price older than a year says so, once
        catalog.warn_stale_prices([n for n in names if n in catalog and n not in prices])
    out = {}
    for name in names:
        fields: dict[str, Any] = {}
        price = None
        if name in catalog:
            it = catalog.get(name)
            fields = dict(vcpus=it.vcpus, memory_gib=it.memory_gib, gpus=int(it.gpus),
                          gpu_model=it.gpu_model, gpu_memory_gib=float(it.gpu_memory_gib or 0.0))
            price = it.price_per_hour
        elif name.startswith("local-cpu-") and name[len("local-cpu-"):].isdigit():
            fields = dict(vcpus=int(name[len("local-cpu-"):]))
        if name in specs:
            raw = specs[name]  # a dict, or an object that describes itself (a Ray NodeType)
            raw = raw.hardware_spec() if hasattr(raw, "hardware_spec") else raw
            if not isinstance(raw, Mapping):
                raise ValueError(f"specs[{name!r}] must be a dict such as {{'vcpus': 8, "
                                 f"'gpus': 1, 'gpu_model': 'T4'}} (or have hardware_spec()), "
                                 f"got {raw!r}")
            user = dict(raw)
            bad = sorted(map(str, set(user) - {"vcpus", "memory_gib", "gpus", "gpu_model",
                                               "gpu_memory_gib", "price_per_hour"}))
            if bad:
                raise ValueError(f"specs[{name!r}] has unknown keys {bad}; known: vcpus, "
                                 f"memory_gib, gpus, gpu_model, gpu_memory_gib, price_per_hour")
            _check_spec(name, user)
            price = user.pop("price_per_hour", price)
            fields.update(user)
        if name in prices:
            price = prices[name]
        if price is not None and not (_is_finite_real(price) and price >= 0):
            raise ValueError(f"price of {name!r} must be a finite number >= 0 ($/hour), got "
                             f"{price!r}")
        out[name] = HardwareSpec(name=name, price_per_hour=None if price is None else float(price),
                                 **fields)
    return out


def _check_spec(name: str, spec: dict) -> None:
    """``ValueError`` naming ``specs[name][key]`` for a value of the wrong type; a warning for
    an accelerator model without a published speed (it counts as half a V100)."""
    for key in ("vcpus", "gpus", "memory_gib", "gpu_memory_gib"):
        val = spec.get(key)
        if val is not None and not (_is_finite_real(val) and val >= 0):
            raise ValueError(f"specs[{name!r}][{key!r}] must be a number >= 0, got {val!r}")
    for key in ("gpus", "gpu_memory_gib"):
        if key in spec and spec[key] is None:
            del spec[key]  # None: unknown, i.e. the default (0)
    model = spec.get("gpu_model")
    if model is not None and not isinstance(model, str):
        raise ValueError(f"specs[{name!r}]['gpu_model'] must be a name such as 'T4', got "
                         f"{model!r}")
    if model and spec.get("gpus") and model not in GPU_RELATIVE_SPEED:
        same = _same_but_case(model, list(GPU_RELATIVE_SPEED))
        logger.warning(f"specs[{name!r}]: gpu_model {model!r} has no published relative speed "
                       f"(counted as half a V100 until the run's results say otherwise)"
                       f"{'; did you mean ' + repr(same) + '?' if same else ''} Known: "
                       f"{', '.join(GPU_RELATIVE_SPEED)}")


class RuntimeCostModel:
    """Seconds per unit of resource of (configuration, instance type), with uncertainty.

    See the module docstring for the features, the regressor and the uncertainty.

    :param config_space: the hyperparameters (without the instance type). A configuration
        given to :meth:`observe` or a prediction must hold each of them (``ValueError``
        otherwise); a numeric value outside its domain is clipped to the domain's bounds (the
        model does not extrapolate beyond them), a category that is not offered is a
        ``ValueError``
    :param specs: ``{instance type: HardwareSpec}`` (:func:`hardware_specs`); the model
        predicts for these types only (another type is a ``ValueError``: build the model with
        it, a type never observed gets a prior from its specs)
    :param estimator: "extra_trees" (default), "two_term" (extra trees that also see a
        two-term fit, overhead + work / throughput, :class:`_TwoTermTrees`), "auto" (at every
        fit, the one of :data:`AUTO_CANDIDATES` with the lowest cross-validated error on the
        rows, :meth:`_choose`; attribute ``chosen``; 3 fits of each candidate per fit: meant
        for one prediction, e.g. the recommendations, not a policy that refits often),
        "random_forest",
        "gp", "gp_ard" (a GP with one
        length scale per feature), "bilinear" (a Bayesian linear regression with hyperparameter
        x hardware products, :class:`_Bilinear`) or "additive" (one fixed effect per type plus
        a linear effect of the hyperparameters: the old model, kept as the baseline of the
        model selection)
    :param n_estimators: trees of the ensemble
    :param prior_std: prior standard deviation (log scale) of a type without observations
    :param prior_strength: observations of a type at which its prior variance has halved
    :param refit_growth: refit once the observations grew by this factor
    :param random_seed: seed of the regressor
    :param draw_fraction: a Thompson draw averages ``1 / draw_fraction`` of the trees
    :param max_rows: a fit uses at most this many segments (the newest half and a random
        sample of the others), which bounds a fit's cost on long runs
    :param measure_startup: subtract each type's start-up from its segments (module docstring,
        "Start-up"); False (default): leave it in the seconds per unit
    """

    # class defaults: a model pickled before these existed (a durable run) loads with them
    measure_startup: bool = False
    startup: np.ndarray = np.zeros(0)
    #: the regressor of the last fit (``estimator``, or the one ``"auto"`` chose)
    chosen: str | None = None

    def __init__(
        self,
        config_space: Mapping[str, Any],
        specs: Mapping[str, HardwareSpec],
        estimator: str = "extra_trees",
        n_estimators: int = 32,
        prior_std: float = 1.0,
        prior_strength: float = 1.0,
        refit_growth: float = 1.25,
        random_seed: int | None = None,
        draw_fraction: int = 4,
        max_rows: int = 2000,
        measure_startup: bool = False,
    ):
        from syne_mohb.searchers._config_encoding import ConfigEncoder

        from syne_mohb.configspace import check_number, check_random_seed

        if not isinstance(config_space, Mapping):
            raise ValueError(f"config_space must be a dict of hyperparameters, got "
                             f"{type(config_space).__name__}")
        check_estimator(estimator)
        if isinstance(n_estimators, bool) or not isinstance(n_estimators, int) \
                or n_estimators < 1:
            raise ValueError(f"n_estimators must be an integer >= 1, got {n_estimators!r}")
        check_draw_options(prior_std, draw_fraction)
        check_number(prior_strength, "prior_strength", above=0)
        if not (_is_real(refit_growth) and refit_growth >= 1.0):  # inf: fit once
            raise ValueError(f"refit_growth must be a number >= 1, got {refit_growth!r}")
        check_random_seed(random_seed)
        if not isinstance(specs, Mapping) or not specs:
            raise ValueError(f"specs must be a non-empty dict instance type -> HardwareSpec "
                             f"(hardware_specs([...])), got {specs!r}")
        bad = [t for t, spec in specs.items() if not isinstance(spec, HardwareSpec)]
        if bad:
            raise ValueError(f"specs[{bad[0]!r}] must be a HardwareSpec, got "
                             f"{type(specs[bad[0]]).__name__}; build specs with "
                             f"syne_mohb.hardware.hardware_specs(types, specs={{...}})")
        self.specs = dict(specs)
        self.types = list(self.specs)
        self._type_index = {t: i for i, t in enumerate(self.types)}
        space = {k: v for k, v in config_space.items() if hasattr(v, "sample")}
        self._encoder = ConfigEncoder(space) if space else None
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.prior_std = float(prior_std)
        self.prior_strength = float(prior_strength)
        self.refit_growth = float(refit_growth)
        self.random_seed = random_seed
        self.draw_fraction = draw_fraction
        if not isinstance(max_rows, int) or max_rows < 2:
            raise ValueError(f"max_rows must be an integer >= 2, got {max_rows!r}")
        self.max_rows = max_rows
        if not isinstance(measure_startup, bool):
            raise ValueError(f"measure_startup must be True or False, got {measure_startup!r}")
        self.measure_startup = measure_startup
        self._hw = np.array([self.specs[t].features() for t in self.types])
        # key -> [config features, type index, resource, seconds, task (0: own, 1: prior),
        #         the first observation's resource, its seconds (it holds the start-up)]
        self._rows: dict[Any, list] = {}
        self._x_cache: dict[str, np.ndarray] = {}
        self._tree_cache: dict[str, np.ndarray] = {}
        self._model = None
        self._fitted_rows = 0
        self._counts = np.zeros(len(self.types))
        self._center = 0.0
        #: seconds of start-up per type (in ``types`` order) found at the last fit
        self.startup = np.zeros(len(self.types))

    # ------------------------------------------------------------------ data
    @property
    def num_observations(self) -> int:
        return len(self._rows)

    def observations_per_type(self) -> dict[str, int]:
        counts = np.zeros(len(self.types), dtype=int)
        for row in self._rows.values():
            if row[4] == 0:
                counts[row[1]] += 1
        return dict(zip(self.types, counts.tolist()))

    def _key(self, config: Mapping[str, Any]) -> str:
        """Identity of ``config``'s hyperparameters (the caches' key)."""
        from syne_mohb.configspace import config_key

        names = self._encoder.hp_names if self._encoder is not None else []
        if not isinstance(config, Mapping):
            raise ValueError(f"a configuration must be a dict of hyperparameter values, got "
                             f"{config!r}")
        missing = [k for k in names if k not in config]
        if missing:
            raise ValueError(f"configuration {dict(config)!r} lacks the hyperparameters "
                             f"{missing} of the model's config space")
        return config_key({k: config[k] for k in names})

    def _check_values(self, config: Mapping[str, Any]) -> None:
        """``ValueError`` naming the hyperparameter for a value the encoding cannot use: a
        category that is not offered, a numeric value that is not a number. (A number outside
        its domain is clipped to the domain's bounds, see the class docstring.) O(d)."""
        from syne_tune.config_space import Categorical

        for name in self._encoder.hp_names:
            dom, val = self._encoder.config_space[name], config[name]
            if isinstance(dom, Categorical):
                try:
                    self._encoder.category_position(name, val)  # index built once: O(1)
                except ValueError:
                    shown = list(dom.categories)
                    shown = shown if len(shown) <= 10 else [*shown[:10], "..."]
                    raise ValueError(f"configuration: {name}={val!r} is not one of the "
                                     f"categories {shown}") from None
            else:
                try:
                    float(val)
                except (TypeError, ValueError):
                    raise ValueError(f"configuration: {name}={val!r} must be a number "
                                     f"({dom})") from None

    def _check_configs(self, configs: Any) -> Sequence[Mapping[str, Any]]:
        if isinstance(configs, (Mapping, str)) or not isinstance(configs, Sequence):
            one = "; one configuration: [config]" if isinstance(configs, Mapping) else ""
            raise ValueError(f"configs must be a list of configurations (dicts), got "
                             f"{type(configs).__name__}{one}")
        names = self._encoder.hp_names if self._encoder is not None else []
        for config in configs:  # also before the first fit, which encodes nothing
            if not isinstance(config, Mapping) or any(k not in config for k in names):
                self._key(config)  # raises naming what is missing
        return configs

    def _encode(self, config: Mapping[str, Any], key: str | None = None) -> np.ndarray:
        if self._encoder is None:
            return np.zeros(0)
        key = self._key(config) if key is None else key
        x = self._x_cache.get(key)
        if x is None:
            self._check_values(config)
            x = self._encoder.encode_configs([{k: config[k] for k in self._encoder.hp_names}])[0]
            self._x_cache[key] = x
        return x

    def type_index(self, instance: Any) -> int:
        try:
            return self._type_index[str(instance)]
        except KeyError:
            raise ValueError(f"instance type {instance!r} is not one of the model's types "
                             f"{self.types}") from None

    def observe(self, key: Any, config: Mapping[str, Any], instance: Any, resource: float,
                seconds: float, task: int = 0) -> str | None:
        """Add (or, for a known ``key``, extend) a segment: ``seconds`` spent training
        ``config`` on ``instance`` for ``resource`` units; returns ``"added"`` or
        ``"extended"``. Non-finite or non-positive values are ignored, returning None (a failed
        or instantaneous result says nothing about speed); values that are not numbers (a
        string, None) are a ``ValueError``."""
        for pname, val in (("resource", resource), ("seconds", seconds)):
            if not _is_real(val):
                raise ValueError(f"{pname} must be a number, got {val!r}")
        if not (resource > 0 and seconds > 0 and math.isfinite(resource)
                and math.isfinite(seconds)):
            return None
        t = self.type_index(instance)
        row = self._rows.get(key)
        if row is None:
            # the segment's first observation is kept apart too: it holds the start-up
            self._rows[key] = [self._encode(config), t, float(resource), float(seconds), task,
                               float(resource), float(seconds)]
            return "added"
        row[2] += float(resource)
        row[3] += float(seconds)
        return "extended"

    def add_prior_evaluations(self, configs: Sequence[Mapping[str, Any]],
                              instances: Sequence[Any], seconds_per_unit: Sequence[float],
                              source: str = "prior evaluations") -> None:
        """Rows from related tasks' offline evaluations (seconds per unit of resource of a
        configuration on a type). They shape the prediction; the run's own rows set its level
        (a task indicator feature separates them). Rows of types that are not the model's are
        left out, with a warning naming them and ``source`` (the task's evaluations); a
        ``ValueError`` when that leaves none (e.g. types renamed), or when the three
        sequences differ in length."""
        lengths = {len(configs), len(instances), len(seconds_per_unit)}
        if len(lengths) > 1:
            raise ValueError(f"{source}: configs, instances and seconds_per_unit must have one "
                             f"entry per evaluation, got lengths {len(configs)}, "
                             f"{len(instances)}, {len(seconds_per_unit)}")
        unknown = sorted({str(i) for i in instances} - set(self._type_index))
        if unknown:
            if not any(str(i) in self._type_index for i in instances):
                raise ValueError(f"{source}: none of its instance types {unknown} is one of the "
                                 f"run's types {self.types}; name them as the config space's "
                                 f"instance types, or leave this task out")
            logger.warning(f"{source}: instance types {unknown} are not among the run's types "
                           f"{self.types}; their rows are left out of the runtime model's prior")
        start = sum(1 for row in self._rows.values() if row[4] == 1)
        for k, (c, i, s) in enumerate(zip(configs, instances, seconds_per_unit)):
            if str(i) in self._type_index:
                self.observe(("prior", start + k), c, i, 1.0, float(s), task=1)

    # ------------------------------------------------------------------ fit
    def _design(self, xs: np.ndarray, t_idx: np.ndarray, task: np.ndarray) -> np.ndarray:
        onehot = np.eye(len(self.types))[t_idx]
        parts = [xs, self._hw[t_idx], onehot, task[:, None].astype(float)]
        return np.hstack([p for p in parts if p.size])

    def fit(self, force: bool = False) -> bool:
        """Refit when the observations grew by ``refit_growth`` (or ``force``); True if refit."""
        n = len(self._rows)
        if n == 0 or (not force and self._model is not None
                      and n < max(self._fitted_rows * self.refit_growth, self._fitted_rows + 1)):
            return False
        rows = list(self._rows.values())
        if len(rows) > self.max_rows:  # the newest rows, and a random sample of the older ones
            rng = np.random.RandomState(len(rows))
            old = rng.choice(len(rows) - self.max_rows // 2, self.max_rows // 2, replace=False)
            rows = [rows[i] for i in sorted(old)] + rows[-(self.max_rows // 2):]
        xs = (np.vstack([r[0] for r in rows]) if self._encoder is not None
              else np.zeros((len(rows), 0)))
        t_idx = np.array([r[1] for r in rows], dtype=int)
        task = np.array([r[4] for r in rows], dtype=int)
        self.startup = (self._startup(rows) if self.measure_startup
                        else np.zeros(len(self.types)))
        # an own segment's start-up is not training: its seconds less the type's start-up (at
        # least 5% of them: a start-up is a median, one segment's may be shorter); related
        # tasks' rows are seconds per unit already
        y = np.log(np.array([(max(r[3] - self.startup[r[1]], 0.05 * r[3]) if r[4] == 0
                              else r[3]) / r[2] for r in rows]))
        own = task == 0
        self._center = float(np.median(y[own])) if own.any() else float(np.median(y))
        X = self._design(xs, t_idx, task)
        fitted = None
        if self.estimator == "auto":
            keys = [(r[0].tobytes(), int(r[1])) for r in rows]  # (configuration, type)
            self.chosen, fitted = self._choose(X, y - self._center, keys)
        else:
            self.chosen = self.estimator
        self._model = fitted or self._make(self.chosen).fit(X, y - self._center)
        self._tree_cache = {}
        self._counts = np.bincount(t_idx[own], minlength=len(self.types)).astype(float)
        self._fitted_rows = n
        return True

    def _startup(self, rows: list) -> np.ndarray:
        """Seconds of start-up per type (:func:`startup_seconds` of the own segments that go
        on after their first result), counted only where a type's start-up is at least the
        median seconds of one later unit on it; 0 elsewhere. O(rows)."""
        excess: dict[int, list[float]] = {}
        per_unit: dict[int, list[float]] = {}
        for r in rows:
            later_r, later_s = r[2] - r[5], r[3] - r[6]
            if r[4] == 0 and later_r > 0 and later_s > 0:
                excess.setdefault(r[1], []).append(r[6] - r[5] * later_s / later_r)
                per_unit.setdefault(r[1], []).append(later_s / later_r)
        found = startup_seconds(excess)
        unit = {t: float(np.median(v)) for t, v in per_unit.items()}
        unit[None] = float(np.median([v for vs in per_unit.values() for v in vs])) \
            if per_unit else 0.0
        out = np.zeros(len(self.types))
        for i in range(len(self.types)):
            key = i if i in found else None
            if found[key] > 0 and found[key] >= unit[key]:
                out[i] = found[key]
        return out

    def _choose(self, X: np.ndarray, y: np.ndarray, keys: list) -> tuple[str, Any]:
        """``estimator="auto"``: the candidate of :data:`AUTO_CANDIDATES` with the lowest mean
        absolute error of log seconds over a 3-fold cross-validation whose folds hold whole
        (configuration, type) pairs (``keys``), as a prediction for a pair the run did not
        train; "two_term" where there are fewer than 3 pairs or 20 rows (returns the name and,
        for the GP, its fit on all rows). The GP fits its
        kernel once, on at most 200 rows of all the rows, and keeps it in the folds (its 20-odd
        hyperparameters see the held-out rows: a small optimism, 4x fewer optimisations).
        Cost: 3 fits of each candidate, ``O(n log n)`` for the trees, ``O(200^2 d i)`` for the
        kernel's ``i`` optimiser steps plus ``O(600^3)`` per GP fit."""
        groups = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        if len(groups) < 3 or len(y) < 20:
            return "two_term", None
        rng = np.random.RandomState(0 if self.random_seed is None else self.random_seed)
        fold = rng.permutation(len(groups)) % 3
        row_fold = fold[[groups[k] for k in keys]]
        errors, on_all = {}, {}
        for name in AUTO_CANDIDATES:
            total = 0.0
            kernel = None
            if name in ("gp", "gp_ard"):  # the kernel fitted once on all rows, kept in folds
                on_all[name] = self._make(name).fit(X, y)
                kernel = on_all[name].gp.kernel_
            for f in range(3):
                train, test = row_fold != f, row_fold == f
                model = self._make(name) if kernel is None else _CappedGP(
                    int(rng.randint(2**31)), kernel=kernel)
                model.fit(X[train], y[train])
                if hasattr(model, "estimators_"):
                    pred = _tree_predictions(model, X[test]).mean(axis=0)
                else:
                    pred = model.predict_with_std(X[test])[0]
                total += float(np.abs(pred - y[test]).sum())
            errors[name] = total / len(y)
        #: each candidate's cross-validated error at the last fit (``estimator="auto"``)
        self.cv_errors = errors
        best = min(errors, key=errors.get)
        return best, on_all.get(best)

    def _make(self, estimator: str | None = None):
        estimator = self.estimator if estimator is None else estimator
        seed = None if self.random_seed is None else int(self.random_seed) % (2**31)
        if estimator == "extra_trees":
            from sklearn.ensemble import ExtraTreesRegressor

            return ExtraTreesRegressor(n_estimators=self.n_estimators, min_samples_leaf=2,
                                       max_features=0.7, random_state=seed, n_jobs=1)
        if estimator == "two_term":
            n_x = self._encoder.num_features if self._encoder is not None else 0
            return _TwoTermTrees(n_x, self._hw.shape[1], len(self.types),
                                 self._make("extra_trees"))
        if estimator == "random_forest":
            from sklearn.ensemble import RandomForestRegressor

            return RandomForestRegressor(n_estimators=self.n_estimators, min_samples_leaf=2,
                                         max_features=0.7, random_state=seed, n_jobs=1)
        if estimator in ("gp", "gp_ard"):
            # chosen by "auto": the kernel fitted on a subset (the prediction's cost bounded)
            return _CappedGP(seed, ard=estimator == "gp_ard",
                             kernel_rows=200 if self.estimator == "auto" else None)
        if estimator == "bilinear":
            n_x = self._encoder.num_features if self._encoder is not None else 0
            return _Bilinear(n_x, self._hw.shape[1] + len(self.types))
        from sklearn.linear_model import Ridge

        return _Additive(Ridge(alpha=1e-3))

    # ------------------------------------------------------------------ predict
    def predict_log(self, configs: Sequence[Mapping[str, Any]],
                    instances: Sequence[Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of ``log(seconds per unit)``, shape
        ``(len(configs), len(instances))`` (default: every type of the model). A model not
        fitted yet (no observation) predicts 1 second per unit (log 0) with the prior standard
        deviation; a type unknown to the model is a ``ValueError``."""
        configs = self._check_configs(configs)
        t_idx = self._type_indices(instances)
        c, k = len(configs), len(t_idx)
        prior_sd = self._prior_sd(t_idx)
        if self._model is None:
            return np.zeros((c, k)), np.broadcast_to(prior_sd, (c, k)).copy()
        if hasattr(self._model, "estimators_"):
            per_tree = self._per_tree(configs, t_idx)  # (trees, c, k)
            mean, spread = per_tree.mean(axis=0), per_tree.std(axis=0)
        else:
            mean, spread = self._model.predict_with_std(self._design_for(configs, t_idx))
            mean, spread = mean.reshape(c, k), spread.reshape(c, k)
        return mean + self._center, np.sqrt(spread ** 2 + prior_sd[None, :] ** 2)

    def _type_indices(self, instances: Sequence[Any] | None) -> np.ndarray:
        if isinstance(instances, str):
            raise ValueError(f"instances must be a list of instance types, got the string "
                             f"{instances!r}; one type: [{instances!r}]")
        instances = self.types if instances is None else [str(i) for i in instances]
        return np.array([self.type_index(i) for i in instances], dtype=int)

    def _prior_sd(self, t_idx: np.ndarray) -> np.ndarray:
        """Prior standard deviation of each type: ``prior_std * k / (k + n_type)``."""
        return self.prior_std * self.prior_strength / (self.prior_strength + self._counts[t_idx])

    def _design_for(self, configs: Sequence[Mapping[str, Any]], t_idx: np.ndarray,
                    keys: Sequence[str] | None = None) -> np.ndarray:
        """Design rows of every (configuration, type) pair, configurations outermost."""
        c, k = len(configs), len(t_idx)
        keys = [None] * c if keys is None else keys
        xs = (np.vstack([self._encode(cfg, key) for cfg, key in zip(configs, keys)])
              if self._encoder is not None else np.zeros((c, 0)))
        return self._design(np.repeat(xs, k, axis=0), np.tile(t_idx, c),
                            np.zeros(c * k, dtype=int))

    def _per_tree(self, configs: Sequence[Mapping[str, Any]], t_idx: np.ndarray) -> np.ndarray:
        """``(trees, configs, types)`` tree predictions (centred), cached per configuration
        until the next refit (a finite space repeats configurations)."""
        keys = [self._key(cfg) for cfg in configs]
        missing = [j for j, key in enumerate(keys) if key not in self._tree_cache]
        if missing:
            all_t = np.arange(len(self.types))
            X = self._design_for([configs[j] for j in missing], all_t, [keys[j] for j in missing])
            pred = _tree_predictions(self._model, X).reshape(-1, len(missing), len(all_t))
            for pos, j in enumerate(missing):
                self._tree_cache[keys[j]] = pred[:, pos, :]
        return np.stack([self._tree_cache[key] for key in keys], axis=1)[:, :, t_idx]

    def predict_seconds(self, configs: Sequence[Mapping[str, Any]], resource: float = 1.0,
                        instances: Sequence[Any] | None = None, level: float = 0.8
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted seconds to train ``resource`` units: median and the central ``level``
        interval (lognormal), each of shape ``(len(configs), len(instances))``."""
        from scipy.stats import norm

        if not (_is_real(level) and 0 < level < 1):
            raise ValueError(f"level must be a number in (0, 1), got {level!r}")
        if not (_is_finite_real(resource) and resource >= 0):
            raise ValueError(f"resource must be a finite number >= 0 (units to train), got "
                             f"{resource!r}")
        mu, sd = self.predict_log(configs, instances)
        z = float(norm.ppf(0.5 + level / 2))
        scale = float(resource)
        return scale * np.exp(mu), scale * np.exp(mu - z * sd), scale * np.exp(mu + z * sd)

    def sample(self, configs: Sequence[Mapping[str, Any]], rng: np.random.RandomState,
               instances: Sequence[Any] | None = None) -> np.ndarray:
        """One Thompson draw of ``log(seconds per unit)`` per (configuration, type).

        For a tree ensemble the draw is the mean prediction of a random ``1 / draw_fraction``
        of the trees for every type at once (the types' differences stay coherent: a draw does
        not make a type faster by independent noise on each type; one tree alone is too noisy
        to rank types), plus independent prior noise for types with few observations; for
        ``"bilinear"``, one draw of the regression's coefficients from their posterior (as
        coherent across the types), plus that prior noise; otherwise a Gaussian draw from the
        predictive mean and standard deviation."""
        configs = self._check_configs(configs)
        t_idx = self._type_indices(instances)
        if hasattr(self._model, "draw"):  # a coherent draw of the regression's coefficients
            c, k = len(configs), len(t_idx)
            draw = self._model.draw(self._design_for(configs, t_idx), rng).reshape(c, k)
            draw = draw + self._center
            return draw + self._prior_sd(t_idx)[None, :] * rng.standard_normal(draw.shape)
        if not hasattr(self._model, "estimators_"):
            mu, sd = self.predict_log(configs, instances)
            return mu + sd * rng.standard_normal(mu.shape)
        per_tree = self._per_tree(configs, t_idx)  # (trees, c, k)
        pick = rng.choice(len(per_tree), size=max(1, len(per_tree) // self.draw_fraction),
                          replace=False)
        draw = per_tree[pick].mean(axis=0) + self._center
        return draw + self._prior_sd(t_idx)[None, :] * rng.standard_normal(draw.shape)


def startup_seconds(excess: Mapping[Any, Sequence[float]]) -> dict[Any, float]:
    """Seconds a training spends before its first unit on each type (process or instance start,
    data loading), from ``{type: [excess, ...]}``: per training that went on after its first
    result, that result's seconds minus its units times the training's later seconds per unit.
    Returns ``{type: median excess, None: the median over all types}``, never below 0 (0 for
    ``None`` without any excess). A first epoch that costs what the later ones do gives about
    0; one that takes 1 s more (a local profile's process start; minutes for a SageMaker
    instance) gives that second. O(n log n) for n excesses."""
    out = {t: max(0.0, float(np.median(v))) for t, v in excess.items() if len(v)}
    pooled = [float(x) for v in excess.values() for x in v]
    out[None] = max(0.0, float(np.median(pooled))) if pooled else 0.0
    return out


def _tree_predictions(model, X: np.ndarray) -> np.ndarray:
    """``(trees, rows)`` predictions of a fitted scikit-learn tree ensemble. Calls each tree's
    low-level ``tree_.predict`` on float32 rows (what ``DecisionTreeRegressor.predict`` does
    after validating its input, which costs 50x more than the prediction for a few rows)."""
    offset = np.zeros(len(X))
    if hasattr(model, "augment"):  # a tree ensemble over an extra column (_TwoTermTrees)
        X, offset = model.augment(X)
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    return np.stack([t.tree_.predict(X32).reshape(len(X32), -1)[:, 0]
                     for t in model.estimators_]) + offset[None, :]


class _TwoTerm:
    """The seconds of one unit as two terms, ``t = overhead + work / throughput``:

    ``log t = logaddexp(g0 + g.x + u.h + o_type, f0 + f.x - v.h - b_type)``

    with ``x`` the encoded hyperparameters, ``h`` the type's spec features and one offset per
    type and term. The first term is a fixed cost per unit that grows with what the
    configuration does many times (e.g. steps of a small batch) and the type's per-step
    latency; the second is the configuration's work over the type's throughput. Where the
    second dominates, a faster device or more cores divide the time; where the first does, they
    do not: "GPU for large models, CPU for small" and "more cores help this configuration, not
    that one" follow from 2 numbers per type and 2 linear functions of the hyperparameters
    shared by all types, so a few results of each type already place every configuration (a
    tree needs results of a configuration's neighbourhood on that type). The spec coefficients
    ``u``, ``v`` give a type never run a prior. Fitted by regularised nonlinear least squares
    (SciPy ``least_squares``, trust region), started from an additive ridge fit read as the
    work term: ``O(i n p)`` for ``i`` iterations (at most 200), ``n`` rows and ``p = 2 d_x +
    2 d_h + 2 k + 4`` parameters."""

    def __init__(self, n_x: int, n_h: int, n_t: int, lam: tuple = (1e-2, 1e-1, 3e-1)):
        self.n_x, self.n_h, self.n_t, self.lam = n_x, n_h, n_t, lam
        self._sizes = (("g0", 1), ("g", n_x), ("f0", 1), ("f", n_x), ("u", n_h), ("v", n_h),
                       ("o", n_t), ("b", n_t), ("task", 2))

    def _unpack(self, th: np.ndarray) -> dict[str, np.ndarray]:
        out, i = {}, 0
        for name, n in self._sizes:
            out[name] = th[i:i + n]
            i += n
        return out

    def _predict(self, th: np.ndarray, X: np.ndarray) -> np.ndarray:
        nx, nh, nt = self.n_x, self.n_h, self.n_t
        x, h = X[:, :nx], X[:, nx:nx + nh]
        onehot, task = X[:, nx + nh:nx + nh + nt], X[:, -1]
        p = self._unpack(th)
        first = p["g0"][0] + x @ p["g"] + h @ p["u"] + onehot @ p["o"] + p["task"][0] * task
        second = p["f0"][0] + x @ p["f"] - h @ p["v"] - onehot @ p["b"] + p["task"][1] * task
        return np.logaddexp(first, second)

    def _residuals(self, th: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        p = self._unpack(th)
        l_x, l_h, l_t = (math.sqrt(v) for v in self.lam)
        return np.concatenate([self._predict(th, X) - y, l_x * p["g"], l_x * p["f"],
                               l_h * p["u"], l_h * p["v"], l_t * p["o"], l_t * p["b"]])

    def fit(self, X: np.ndarray, y: np.ndarray) -> "_TwoTerm":
        from scipy.optimize import least_squares
        from sklearn.linear_model import Ridge

        nx, nh, nt = self.n_x, self.n_h, self.n_t
        start = np.zeros(sum(n for _, n in self._sizes))
        p = self._unpack(start)  # views into start
        ridge = Ridge(alpha=1e-2).fit(np.hstack([X[:, :nx], X[:, nx + nh:nx + nh + nt]]), y)
        p["f0"][0], p["f"][:], p["b"][:] = ridge.intercept_, ridge.coef_[:nx], -ridge.coef_[nx:]
        p["g0"][0] = ridge.intercept_ - 2.0  # the overhead starts small: e^-2 of the work
        self.theta = least_squares(self._residuals, start, args=(X, y), method="trf",
                                   max_nfev=200).x
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self._predict(self.theta, X)


class _TwoTermTrees:
    """Extra trees on the design plus one column: the :class:`_TwoTerm` fit's prediction.
    Where the two terms explain the runtime (measured: ``cnn``, ``mlp``, ``mlp-x``), the trees
    split on that column and extrapolate the structure to configurations and types with few
    results; where they do not (``hgb-x``, ``linear-x``), the trees split on the
    hyperparameters and do what plain extra trees do. The uncertainty and the draws are the
    trees' (the policy's Thompson draws are unchanged). Fit: the two-term fit plus the trees'."""

    def __init__(self, n_x: int, n_h: int, n_t: int, trees: Any):
        self.two_term = _TwoTerm(n_x, n_h, n_t)
        self.trees = trees  # an unfitted scikit-learn tree ensemble (the model's extra trees)

    def augment(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The trees' rows (the design and the two-term prediction ``z``) and the offset added
        to every tree's prediction: ``z`` beyond the range of the fitted rows' ``z`` (0
        within it). A tree predicts no more than the slowest row it saw; the two terms carry
        on (a width twice the widest run is slower still on a CPU)."""
        z = self.two_term.predict(X)
        return np.hstack([X, z[:, None]]), z - np.clip(z, self._low, self._high)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "_TwoTermTrees":
        self.two_term.fit(X, y)
        z = self.two_term.predict(X)
        self._low, self._high = float(z.min()), float(z.max())
        self.trees.fit(np.hstack([X, z[:, None]]), y)
        self.estimators_ = self.trees.estimators_
        return self


class _CappedGP:
    """A scikit-learn GP (Matern 5/2 + white noise) on at most ``cap`` rows (random subset):
    exact GPs are cubic. ``ard``: one length scale per feature (automatic relevance
    determination), fitted by maximum marginal likelihood, so that a feature that does not
    change the runtime (e.g. the learning rate, or the vCPUs where cores do not help) stops
    blurring the comparison of those that do; otherwise one length scale for all features."""

    def __init__(self, seed, ard: bool = False, cap: int = 600, kernel_rows: int | None = None,
                 kernel: Any = None):
        self.ard, self.seed, self.cap, self.kernel_rows = ard, seed, cap, kernel_rows
        self.kernel = kernel  # fitted kernel to reuse as it is (no optimisation)
        self.rng = np.random.RandomState(seed)
        self.gp = None

    def fit(self, X, y):
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        if len(y) > self.cap:
            keep = self.rng.choice(len(y), self.cap, replace=False)
            X, y = X[keep], y[keep]
        if self.kernel is not None:
            self.gp = GaussianProcessRegressor(kernel=self.kernel, optimizer=None,
                                               normalize_y=True)
        else:
            scale = np.ones(X.shape[1]) if self.ard else 1.0
            bounds = (1e-2, 1e3) if self.ard else (1e-5, 1e5)
            kernel = (ConstantKernel(1.0) * Matern(length_scale=scale, length_scale_bounds=bounds,
                                                   nu=2.5) + WhiteKernel(0.01))
            self.gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True,
                                               random_state=self.seed)
        with warnings.catch_warnings():
            # a length scale at its bound (an irrelevant feature) is an answer, not a failure
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            if self.kernel is None and self.kernel_rows is not None \
                    and len(y) > self.kernel_rows:
                # the kernel's hyperparameters from a subset (cubic cost per optimiser step),
                # then the GP on every row with that kernel
                part = self.rng.choice(len(y), self.kernel_rows, replace=False)
                self.gp.fit(X[part], y[part])
                self.gp = GaussianProcessRegressor(kernel=self.gp.kernel_, optimizer=None,
                                                   normalize_y=True)
            self.gp.fit(X, y)
        return self

    def predict_with_std(self, X):
        return self.gp.predict(X, return_std=True)


class _Bilinear:
    """Bayesian linear regression (scikit-learn ``BayesianRidge``: Gaussian prior on the
    coefficients, its precision and the noise's fitted by maximum evidence, MacKay 1992) on the
    design's columns and their pairwise products *hyperparameter x hardware* (every encoded
    hyperparameter times every spec feature and every type indicator): "the width slows a
    CPU, not a GPU" is one coefficient, learnt from a few results of each side and extrapolated
    along the hyperparameter's axis, where a tree can only average the rows that share its leaf.
    Columns are standardised. :meth:`draw` samples the coefficients from their posterior, so a
    Thompson draw moves the types coherently. The hyperpriors are scikit-learn's
    non-informative ones: fitted on a handful of rows the posterior is very wide and the first
    placements are close to uniform draws (measured: starting it after 5 or 10 segments of the
    trees kept part of its `cnn` gain and part of its `mlp-x` loss, variants page). Fit
    ``O(n p^2 + p^3)`` for ``n`` rows and ``p = d_x (1 + d_h) + d_h + 1`` columns; a
    prediction ``O(p)`` per row, a draw ``O(p^2)``."""

    def __init__(self, n_x: int, n_h: int):
        self.n_x, self.n_h = n_x, n_h

    def _products(self, X: np.ndarray) -> np.ndarray:
        """The design's columns and every hyperparameter x hardware product (unscaled)."""
        x, h = X[:, :self.n_x], X[:, self.n_x:self.n_x + self.n_h]
        return np.hstack([X, (x[:, :, None] * h[:, None, :]).reshape(len(X), -1)])

    def _z(self, X: np.ndarray) -> np.ndarray:
        return (self._products(X) - self._mean) / self._scale

    def fit(self, X, y):
        from sklearn.linear_model import BayesianRidge

        Z = self._products(X)
        self._mean, self._scale = Z.mean(axis=0), Z.std(axis=0)
        self._scale[self._scale < 1e-12] = 1.0
        self.ridge = BayesianRidge().fit((Z - self._mean) / self._scale, y)
        cov = self.ridge.sigma_
        self._chol = np.linalg.cholesky(cov + 1e-10 * np.eye(len(cov)))
        return self

    def predict_with_std(self, X):
        return self.ridge.predict(self._z(X), return_std=True)

    def draw(self, X: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """One posterior draw of the coefficients, applied to every row of ``X``: the
        posterior mean's prediction plus the drawn deviation of the coefficients (on the
        columns centred as ``BayesianRidge`` centred them)."""
        delta = self._chol @ rng.standard_normal(len(self.ridge.coef_))
        Z = self._z(X)
        return self.ridge.predict(Z) + (Z - self.ridge.X_offset_) @ delta


class _Additive:
    """``y = linear(hyperparameters) + effect(type)``: no interaction (the baseline)."""

    def __init__(self, ridge):
        self.ridge = ridge

    def fit(self, X, y):
        self.ridge.fit(X, y)
        resid = y - self.ridge.predict(X)
        self.sigma = float(np.sqrt(np.mean(resid ** 2))) if len(y) > 1 else 1.0
        return self

    def predict_with_std(self, X):
        return self.ridge.predict(X), np.full(len(X), self.sigma)
