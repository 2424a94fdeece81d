"""One identity, size, enumeration and sampling of a Syne Tune configuration space.

Every part of syne-mohb that needs to know whether two configurations are the same (the
searchers' no-repeat rule, the simulated backend's table lookup, the journal) or how large a
finite space is uses these functions, so that they all agree.

* :func:`plain` turns numpy scalars and arrays into Python values (JSON-ready, hash alike).
* :func:`config_key` is the canonical string identity of a configuration; given the space, the
  identity under its domains (categories matched by value or spelling, numbers by Syne Tune's
  match strings), which is what the transfer searcher compares table rows with.
* :func:`space_size` is the number of distinct configurations of a finite space (product of
  the domains' sizes), or None when a domain is continuous. O(number of hyperparameters).
* :func:`domain_values` lists the values of one finite domain; :func:`enumerate_configs`
  yields every configuration of a finite space in mixed-radix order (the last hyperparameter
  varies fastest). O(size) in total.
* :func:`check_points_to_evaluate` validates a user's initial configurations against the space
  (known keys, values of the right kind), naming the point, the key and the domain.
* :func:`check_random_seed` validates a seed where a user gives one; :func:`check_number` a
  finite number (a resource level, a factor, a level of significance) likewise.
* :func:`sample_config` draws one configuration with each domain's own sampler from a seeded
  ``RandomState`` (Syne Tune 0.16's ``RandomSearcher`` draws from numpy's global state).
"""
from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
from syne_tune.config_space import Categorical, Domain, FiniteRange, Float, Integer

__all__ = [
    "category_index",
    "check_number",
    "check_points_to_evaluate",
    "check_random_seed",
    "config_key",
    "domain_values",
    "enumerate_configs",
    "hyperparameter_names",
    "plain",
    "sample_config",
    "space_size",
]


def plain(value: Any) -> Any:
    """``value`` with numpy scalars / arrays turned into Python values, recursively."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def config_key(config: dict[str, Any], config_space: dict[str, Any] | None = None,
               category_indexes: dict[str, dict] | None = None) -> str:
    """Canonical, hashable identity of a configuration: sorted keys, Python scalars.

    ``{"a": np.int64(1)}`` and ``{"a": 1}`` get the same key; ``1`` and ``1.0`` do too (JSON
    writes both as numbers that compare equal only if spelled alike, so floats that are whole
    numbers are written as integers).

    With ``config_space``, the identity under its domains: only the space's hyperparameters
    count (constants and other entries are ignored), a categorical value is its category's
    index (:func:`category_index`), any other value Syne Tune's match string of the value cast
    to its domain (floats to 7 significant digits). O(number of hyperparameters), plus, for a
    categorical, building its ``{category: index}`` once per call unless ``category_indexes``
    holds it (``{name: {category: index}}``: a caller that keys many configurations of a
    space with a categorical of 100,000 values passes them once built).

    :raises ValueError: with ``config_space``, ``config`` lacks a hyperparameter or holds a
        value that is not one of its categories
    """
    if config_space is None:
        return json.dumps(
            {k: _canonical_scalar(plain(v)) for k, v in sorted(config.items())},
            sort_keys=True,
            default=str,
        )
    names = hyperparameter_names(config_space)
    missing = [k for k in names if k not in config]
    if missing:
        raise ValueError(f"configuration {config} lacks hyperparameters {missing}")
    out = []
    for name in names:
        dom = config_space[name]
        if isinstance(dom, Categorical):
            out.append(category_index((category_indexes or {}).get(name, dom.categories),
                                      config[name]))
        else:
            out.append(dom.match_string(dom.cast(config[name])))
    return json.dumps(out)


def category_index(categories: Any, value: Any) -> int:
    """Index of ``value`` among ``categories`` (a list, or a ``{category: index}`` dict),
    matched by value, else by its string: values read back from parquet or JSON may be
    ``np.int64`` or ``"1"`` for a category ``1``.

    :raises ValueError: ``value`` is none of the categories
    """
    index = categories if isinstance(categories, dict) else {c: i for i, c in enumerate(categories)}
    try:
        return index[value]
    except (KeyError, TypeError):
        pass
    for cat, i in index.items():
        if str(cat) == str(value):
            return i
    raise ValueError(f"value {value!r} is not one of the categories {list(index)}")


def _canonical_scalar(v: Any) -> Any:
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


def hyperparameter_names(config_space: dict[str, Any]) -> list[str]:
    """Names of the entries of ``config_space`` that are domains (not constants)."""
    return [k for k, v in config_space.items() if isinstance(v, Domain)]


def check_searcher_fits(searcher: Any, search_space: dict[str, Any], metrics: list[str],
                        modes: list[str] | None = None) -> None:
    """Raise ``ValueError`` when a searcher given to a scheduler would fail it later: its
    ``config_space`` lacks hyperparameters of ``search_space`` (their trials would get the
    unsampled domain as a value), or its ``metrics`` (where it has them) are not as many as the
    scheduler's ``metrics`` or are the same names in another order (the scheduler passes the
    values by position), or its ``modes`` (where it has them) are not the scheduler's
    ``modes`` (it would search for the models the scheduler stops)."""
    theirs = getattr(searcher, "config_space", None)
    if isinstance(theirs, dict):
        missing = [k for k in hyperparameter_names(search_space)
                   if not isinstance(theirs.get(k), Domain)]
        if missing:
            raise ValueError(
                f"searcher {type(searcher).__name__}'s config_space lacks the hyperparameters "
                f"{missing} of the scheduler's; build it on the same config space (without the "
                f"instance type when a hardware policy chooses it)")
    names = getattr(searcher, "metrics", None)
    if isinstance(names, (list, tuple)) and (
            len(names) != len(metrics)
            or (list(names) != list(metrics) and sorted(names) == sorted(metrics))):
        # other names in the same positions may be a renaming (related tasks' evaluations
        # that call "val_acc" "accuracy"); the same names in another order never are
        raise ValueError(
            f"searcher {type(searcher).__name__}'s metrics {list(names)} do not match the "
            f"scheduler's {list(metrics)}: the scheduler passes the values in its own order; "
            f"build the searcher with metrics={list(metrics)} (and the same modes)")
    theirs_modes = getattr(searcher, "modes", None)
    if modes is not None and isinstance(theirs_modes, (list, tuple)) \
            and len(theirs_modes) == len(modes) and list(theirs_modes) != list(modes):
        raise ValueError(
            f"searcher {type(searcher).__name__}'s modes {list(theirs_modes)} are not the "
            f"scheduler's {list(modes)} (for {list(metrics)}): build the searcher with "
            f"mode={list(modes)}")


def check_points_to_evaluate(points: Any, config_space: dict[str, Any],
                             pname: str = "points_to_evaluate") -> list[dict[str, Any]]:
    """``points`` (a user's initial configurations) as a list of dicts, after checking that
    each names only entries of ``config_space`` and gives each a value of the right kind: one
    of a categorical's categories (a finite range's values), a finite number for a range (a
    whole number for an integer range; NaN or inf is an error), a constant entry's own value.
    Keys a point leaves out are the searcher's to fill; a float within rounding of a numeric
    category (or of a finite range's value), e.g. ``0.1 * 0.01`` for ``0.001``, is replaced by
    it. A number outside its range's bounds only warns, as Optuna's ``enqueue_trial`` does:
    evaluating a known configuration beyond the range searched is legitimate. O(total number
    of keys).

    :raises ValueError: naming ``pname``, the point's index, the key, the value and the domain
    """
    if points is None:
        return []
    if isinstance(points, dict) or not isinstance(points, (list, tuple)):
        raise ValueError(f"{pname} must be a list of configurations (dicts), got "
                         f"{type(points).__name__}")
    out = []
    for i, point in enumerate(points):
        if not isinstance(point, dict):
            raise ValueError(f"{pname}[{i}] must be a dict of hyperparameter -> value, got "
                             f"{type(point).__name__}")
        point = dict(point)  # the caller's dict stays as it is
        unknown = sorted(map(str, set(point) - set(config_space)))
        if unknown:
            raise ValueError(f"{pname}[{i}] has keys {unknown} that are not in the config "
                             f"space (known: {sorted(config_space)})")
        for key, value in point.items():
            domain, where = config_space[key], f"{pname}[{i}][{key!r}] = {value!r}"
            if not isinstance(domain, Domain):
                try:
                    differs = bool(value != domain)
                except (TypeError, ValueError):  # e.g. arrays, whose != is elementwise
                    differs = not np.array_equal(np.asarray(value), np.asarray(domain))
                if differs:
                    raise ValueError(f"{where}, but the config space fixes {key!r} to "
                                     f"{domain!r}; leave it out of the point")
                continue
            fits, point[key] = _fits(domain, value)
            if fits is None:
                raise ValueError(f"{where} is not a value of its domain {domain!r}; give one "
                                 f"the config space holds")
            if not fits:
                # a UserWarning shows once per message: a scheduler and its searcher both check
                warnings.warn(f"{where} is outside its domain {domain!r}: evaluated as given, "
                              f"but the searcher will not propose values there", UserWarning)
        out.append(point)
    return out


def _fits(domain: Domain, value: Any) -> tuple[bool | None, Any]:
    """``(True, value)``: in ``domain`` (a float within rounding of a numeric category becomes
    that category); ``(False, value)``: a number of the right kind outside a range's bounds;
    ``(None, value)``: not a value of that domain at all (NaN or inf for a range)."""
    number = isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
    if isinstance(domain, Categorical):
        try:
            if value in domain.categories:
                return True, value
        except Exception:  # e.g. an array compared with numbers
            return None, value
        for c in domain.categories if number else []:  # 0.1 * 0.01 for a category 0.001
            if isinstance(c, (int, float, np.number)) and not isinstance(c, bool) \
                    and math.isclose(float(value), float(c), rel_tol=1e-9):
                return True, c
        return None, value
    if not number or not math.isfinite(value):  # NaN or inf is no value of a range
        return None, value
    if isinstance(domain, FiniteRange):
        hit = [v for v in domain.values
               if math.isclose(float(value), float(v), rel_tol=1e-9, abs_tol=1e-12)]
        return (True, hit[0]) if hit else (None, value)
    if isinstance(domain, Integer) and not float(value).is_integer():
        return None, value
    try:
        return bool(domain.is_valid(value)), value
    except Exception:
        return None, value


def domain_values(domain: Domain) -> list[Any] | None:
    """All values of a finite domain in its natural order, or None for a continuous one."""
    if isinstance(domain, Categorical):
        return list(domain.categories)
    if isinstance(domain, FiniteRange):
        return list(domain.values)
    if isinstance(domain, Integer):
        return list(range(int(domain.lower), int(domain.upper) + 1))
    if isinstance(domain, Float):
        return [domain.lower] if domain.lower == domain.upper else None
    return None  # an unknown domain type is treated as not enumerable


def space_size(config_space: dict[str, Any]) -> int | None:
    """Number of distinct configurations of a finite space, None if a domain is continuous."""
    size = 1
    for value in config_space.values():
        if isinstance(value, Domain):
            try:
                n = len(value)
            except Exception:  # continuous domains have no length
                return None
            if n <= 0:
                return None
            size *= int(n)
    return size


def enumerate_configs(config_space: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every configuration of a finite space (constants included), last hyperparameter fastest.

    :raises ValueError: if a domain is continuous (name it)
    """
    names = hyperparameter_names(config_space)
    grids = []
    for name in names:
        values = domain_values(config_space[name])
        if values is None:
            raise ValueError(
                f"config_space[{name!r}] ({type(config_space[name]).__name__}) is not finite: "
                "only spaces of finite domains can be enumerated"
            )
        grids.append(values)
    constants = {k: v for k, v in config_space.items() if not isinstance(v, Domain)}
    for combo in itertools.product(*grids):
        config = dict(constants)
        config.update(zip(names, combo))
        yield {k: config[k] for k in config_space}


def check_random_seed(value: Any, pname: str = "random_seed") -> int | None:
    """``value`` as an int seed for ``numpy.random.RandomState`` (or None), else a
    ``ValueError`` naming ``pname`` (numpy's own error names no parameter)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or not 0 <= value < 2**32:
        raise ValueError(f"{pname} must be an integer in [0, 2**32) or None, got {value!r}")
    return int(value)


def check_number(value: Any, pname: str, above: float | None = None,
                 at_least: float | None = None) -> Any:
    """``value`` (unchanged) if it is a finite real number (not a bool, not a string) ``>
    above`` and ``>= at_least`` where given, else a ``ValueError`` naming ``pname`` and what
    is expected (a comparison with a string or None would raise a bare ``TypeError``)."""
    real = isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, (bool, np.bool_))
    if not (real and math.isfinite(value) and (above is None or value > above)
            and (at_least is None or value >= at_least)):
        bound = (f" > {above}" if above is not None else "") + (
            f" >= {at_least}" if at_least is not None else "")
        raise ValueError(f"{pname} must be a finite number{bound}, got {value!r}")
    return value


def sample_config(config_space: dict[str, Any], rng: np.random.RandomState) -> dict[str, Any]:
    """One configuration drawn with each domain's own sampler from ``rng`` (constants kept)."""
    return {
        k: (v.sample(random_state=rng) if isinstance(v, Domain) else v)
        for k, v in config_space.items()
    }
