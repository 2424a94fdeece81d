"""Encode Syne Tune configurations as feature vectors in [0, 1], enumerate and sample them.

Private helper of :mod:`syne_mohb.searchers.transfer`. Encoding per hyperparameter:

* ``Float`` / ``Integer`` / ``FiniteRange``: one column, ``(v - lower) / (upper - lower)``,
  computed on ``log(v)`` for log-scaled domains; values outside the domain are clipped to [0, 1];
* ``Ordinal`` (ordered categories) and ``Categorical`` whose categories are all numbers (the
  grids of tabular benchmarks): one column, ``position / (k - 1)`` with positions in increasing
  order (equal spacing, which suits grids that are equally spaced in log or linear scale);
* other ``Categorical`` (including ``instance_type``): one-hot, one column per category.

Constants in the config space (values that are not a ``Domain``) are not encoded.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from syne_tune.config_space import (
    Categorical,
    Domain,
    FiniteRange,
    Float,
    Integer,
    Ordinal,
    is_log_space,
)

from syne_mohb.configspace import category_index, config_key, enumerate_configs


class ConfigEncoder:
    """Feature encoding, matching keys, enumeration and seeded sampling of one config space."""

    def __init__(self, config_space: dict[str, Any]):
        self.config_space = config_space
        self.hp_names = [k for k, v in config_space.items() if isinstance(v, Domain)]
        if not self.hp_names:
            raise ValueError(
                "config_space has no hyperparameter (no syne_tune Domain value) for a model to "
                "search; a space of constants has one configuration: use RandomSearcher")
        self._columns: list[tuple[str, str, Any]] = []  # (name, kind, extra)
        self._cat_index = {
            k: {c: i for i, c in enumerate(config_space[k].categories)}
            for k in self.hp_names
            if isinstance(config_space[k], Categorical)
        }
        self.feature_names: list[str] = []
        for name in self.hp_names:
            dom = config_space[name]
            if isinstance(dom, Ordinal):
                self._columns.append((name, "ordinal", self._cat_index[name]))
                self.feature_names.append(name)
            elif isinstance(dom, Categorical) and _all_numeric(dom.categories):
                # numbers offered as a choice (a tabular grid): keep their order, one column
                order = np.argsort(np.argsort(np.asarray(dom.categories, dtype=float)))
                index = {c: int(order[i]) for i, c in enumerate(dom.categories)}
                self._columns.append((name, "ordinal", index))
                self.feature_names.append(name)
            elif isinstance(dom, Categorical):
                self._columns.append((name, "onehot", self._cat_index[name]))
                self.feature_names.extend(f"{name}={c}" for c in dom.categories)
            elif isinstance(dom, (Float, Integer, FiniteRange)):
                log = bool(is_log_space(dom))
                lo, hi = float(dom.lower), float(dom.upper)
                if log:
                    lo, hi = np.log(lo), np.log(hi)
                self._columns.append((name, "numeric", (log, lo, hi)))
                self.feature_names.append(name)
            else:
                raise ValueError(
                    f"config_space[{name!r}] has unsupported domain type {type(dom).__name__}; "
                    "supported: Float, Integer, FiniteRange, Categorical, Ordinal"
                )
        self.num_features = len(self.feature_names)

    # ------------------------------------------------------------------ validation
    def invalid_values(self, name: str, values: pd.Series) -> list:
        """Distinct values of column ``name`` that do not belong to its domain."""
        dom = self.config_space[name]
        if isinstance(dom, Categorical):
            bad = []
            for v in pd.unique(values):
                try:
                    category_index(self._cat_index[name], v)
                except ValueError:
                    bad.append(v)
            return bad
        vals = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        bad_mask = ~np.isfinite(vals)
        return list(pd.unique(values[bad_mask]))

    # ------------------------------------------------------------------ encoding
    def encode_frame(self, df: pd.DataFrame) -> np.ndarray:
        """Encode the rows of a DataFrame holding one column per hyperparameter."""
        n = len(df)
        X = np.zeros((n, self.num_features))
        j = 0
        for name, kind, extra in self._columns:
            col = df[name]
            if kind == "numeric":
                log, lo, hi = extra
                v = col.to_numpy(dtype=float)
                if log:
                    v = np.log(np.maximum(v, 1e-300))
                X[:, j] = np.clip((v - lo) / (hi - lo), 0.0, 1.0) if hi > lo else 0.0
                j += 1
            elif kind == "ordinal":
                idx = np.array([category_index(extra, v) for v in col])
                X[:, j] = idx / max(len(extra) - 1, 1)
                j += 1
            else:
                idx = np.array([category_index(extra, v) for v in col], dtype=int)
                X[np.arange(n), j + idx] = 1.0
                j += len(extra)
        return X

    def encode_configs(self, configs: list[dict[str, Any]]) -> np.ndarray:
        if not configs:
            return np.zeros((0, self.num_features))
        return self.encode_frame(pd.DataFrame([{k: c[k] for k in self.hp_names} for c in configs]))

    # ------------------------------------------------------------------ identity
    def key(self, config: dict[str, Any]) -> str:
        """Hashable identity of a configuration under the space
        (:func:`syne_mohb.configspace.config_key` with the space), with the categoricals'
        indexes built once: O(number of hyperparameters), where ``config_key`` alone indexes a
        categorical's categories at every call, O(categories): minutes per refit of a searcher
        over a choice among 100,000 values."""
        return config_key(config, self.config_space, self._cat_index)

    def category_position(self, name: str, value: Any) -> int:
        """Index of ``value`` among categorical ``name``'s categories, from the index built once
        (O(1); ``ValueError`` when it is none of them)."""
        return category_index(self._cat_index[name], value)

    def check_config(self, config: Any, what: str) -> None:
        """Raise a one-line ``ValueError`` starting with ``what`` (e.g. ``"trial 3"``) when
        ``config``, a configuration told to a searcher, is not a dict, lacks a hyperparameter
        of the space, or holds a value that is none of a categorical's categories or not a
        finite number of a numeric domain's type (values outside a range's bounds are fine:
        they are clipped by the encoding). O(number of hyperparameters)."""
        if not isinstance(config, dict):
            raise ValueError(f"{what}: config must be a dict of hyperparameter -> value, got "
                             f"{type(config).__name__}")
        missing = [k for k in self.hp_names if k not in config]
        if missing:
            raise ValueError(f"{what}: config lacks hyperparameters {missing} of the config "
                             f"space; got keys {sorted(map(str, config))}")
        for name in self.hp_names:
            dom, value = self.config_space[name], config[name]
            index = self._cat_index.get(name)
            try:
                if index is not None:
                    category_index(index, value)
                    continue
                ok = bool(np.isfinite(float(dom.cast(value))))
            except (TypeError, ValueError, OverflowError):
                ok = False
            if not ok:
                raise ValueError(
                    f"{what}: config[{name!r}] = {value!r} is not a value of config_space"
                    f"[{name!r}] = {_short(dom)}; tell the searcher the configuration the trial "
                    f"ran with")

    def cast(self, config: dict[str, Any]) -> dict[str, Any]:
        """Full configuration (constants included) with values cast to the domains' types."""
        out = {}
        for name, dom in self.config_space.items():
            if isinstance(dom, Domain):
                value = config[name]
                if isinstance(dom, Categorical):
                    out[name] = dom.categories[category_index(self._cat_index[name], value)]
                else:
                    out[name] = dom.cast(value)
            else:
                out[name] = dom
        return out

    # ------------------------------------------------------------------ enumeration / sampling
    def size(self, limit: int) -> int | None:
        """Number of distinct configurations, or None if infinite or above ``limit``."""
        total = 1
        for name in self.hp_names:
            dom = self.config_space[name]
            if isinstance(dom, Float) and not isinstance(dom, FiniteRange):
                return None
            total *= len(dom)
            if total > limit:
                return None
        return total

    def enumerate(self) -> list[dict[str, Any]]:
        """All configurations of a finite space (call :meth:`size` first), cast to the domains'
        types, in :func:`syne_mohb.configspace.enumerate_configs` order."""
        return [self.cast(c) for c in enumerate_configs(self.config_space)]

    def sample(self, n: int, random_state: np.random.RandomState) -> list[dict[str, Any]]:
        """``n`` configurations drawn from the domains' own samplers, seeded."""
        if n <= 0:
            return []
        columns = {}
        for name in self.hp_names:
            values = self.config_space[name].sample(size=n, random_state=random_state)
            columns[name] = values if n > 1 else [values]
        return [self.cast({k: columns[k][i] for k in self.hp_names}) for i in range(n)]


def _all_numeric(values: list) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        for v in values
    )


def _short(domain: Any, limit: int = 10) -> str:
    """A domain as Syne Tune prints it, a categorical's categories cut after ``limit``."""
    if isinstance(domain, Categorical) and len(domain.categories) > limit:
        shown = ", ".join(repr(c) for c in domain.categories[:limit])
        return f"choice([{shown}, ... {len(domain.categories)} categories])"
    return str(domain)
