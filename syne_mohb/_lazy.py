"""Names a package exports without importing their modules until first use.

``import syne_mohb`` must stay light (no boto3, no Ray): the packages that re-export the
SageMaker and Ray backends build their module ``__getattr__`` / ``__dir__`` here (PEP 562).
"""
from __future__ import annotations

import importlib
from typing import Callable

__all__ = ["lazy_exports"]


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
