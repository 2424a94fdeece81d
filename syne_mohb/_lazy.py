"""Names a package exports without importing their modules until first use, and the optional
packages of the install extras.

``import syne_mohb`` must stay light (no boto3, no Ray, no plotly, no Optuna): the packages that
re-export the SageMaker and Ray backends build their module ``__getattr__`` / ``__dir__`` here
(PEP 562). A feature that needs an optional package asks for it with :func:`require` (import
it) or :func:`require_installed` (check without importing): when it is missing, the error is
one line naming the ``pip install`` extra that brings it (:data:`EXTRAS`).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Callable

__all__ = ["EXTRAS", "MissingExtraError", "lazy_exports", "require", "require_installed"]

EXTRAS = {"ray": "ray", "optuna": "optuna", "plotly": "report", "botorch": "ehvi", "neps": "neps"}
"""Optional package -> the extra of ``pyproject.toml`` that installs it."""


class MissingExtraError(ImportError):
    """An optional package a feature needs is not installed (the message names the extra)."""


def lazy_exports(package: str, names: dict[str, str], eager: dict) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for ``package`` whose ``names[name]`` module (absolute, or
    relative to ``package`` when it starts with a dot) holds ``name``; ``eager`` is the
    package's ``globals()`` (for ``__dir__``). O(1) per lookup after the first import."""

    def __getattr__(name: str):
        if name in names:
            value = getattr(importlib.import_module(names[name], package), name)
            eager[name] = value  # later lookups do not come here again
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(eager) | set(names))

    return __getattr__, __dir__


def _missing(module: str, feature: str, why: str = "") -> MissingExtraError:
    extra = EXTRAS.get(module.split(".")[0])
    how = (f"pip install 'syne-mohb[{extra}]' (in a clone: pip install -e '.[{extra}]')"
           if extra else f"pip install {module.split('.')[0]}")
    return MissingExtraError(f"{feature} needs {module.split('.')[0]}, which "
                             f"{why or 'is not installed'}: {how}")


def require_installed(module: str, feature: str) -> None:
    """Raise :class:`MissingExtraError` (one line, naming the extra) if ``module`` cannot be
    found; imports nothing (Ray takes seconds to import)."""
    top = module.split(".")[0]
    if top in sys.modules:
        if sys.modules[top] is None:  # blocked, as ``import`` reports it
            raise _missing(module, feature)
        return
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise _missing(module, feature)


def require(module: str, feature: str) -> ModuleType:
    """``import module`` for ``feature`` (e.g. ``"RayBackend"``); :class:`MissingExtraError`
    naming the extra if it is not installed or cannot be imported."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        if e.name is not None and e.name.split(".")[0] != top:
            raise _missing(module, feature, f"cannot be imported ({e})") from None
        raise _missing(module, feature) from None
