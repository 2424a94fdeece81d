"""The searcher MO-ASHA builds by name, configured by the user's ``searcher_kwargs``.

:func:`check_searcher_kwargs` validates ``MOASHA(searcher_kwargs=...)`` at the boundary (before
any work): a dict of the named searcher's own arguments, none of those MO-ASHA sets itself.
:func:`default_searcher` builds :class:`~syne_mohb.searchers.model_based.ModelBasedSearcher`
(``searcher="model-based"``, where the space left to it has a hyperparameter) or
:class:`~syne_mohb.searchers.random.RandomSearcher` with them. Syne Tune's schedulers take the
same ``searcher_kwargs`` for the searcher they build by name. O(number of arguments).
"""
from __future__ import annotations

import difflib
import inspect
import logging
from typing import Any

from syne_mohb.configspace import hyperparameter_names
from syne_mohb.searchers.random import RandomSearcher

__all__ = ["check_searcher_kwargs", "default_searcher"]

logger = logging.getLogger(__name__)

#: the searcher's arguments that MO-ASHA sets, and the argument of MOASHA that sets each (its
#: config_space less the instance type when a hardware policy chooses it)
SET_BY_MOASHA = {
    "config_space": "config_space",
    "metrics": "metrics",
    "mode": "mode",
    "random_seed": "random_seed",
    "points_to_evaluate": "points_to_evaluate",
    "max_resource": "max_t",
    "context_attr": "instance_attr",
    "transfer_evaluations": "transfer_evaluations",
}


def _searcher_class(kind: str) -> type:
    if kind == "model-based":
        from syne_mohb.searchers.model_based import ModelBasedSearcher

        return ModelBasedSearcher
    return RandomSearcher


def _own_arguments(cls: type) -> list[str]:
    return [p for p in inspect.signature(cls.__init__).parameters
            if p not in ("self", "args", "kwargs") and p not in SET_BY_MOASHA]


def check_searcher_kwargs(searcher_kwargs: Any, kind: str, searcher: Any) -> dict[str, Any]:
    """``searcher_kwargs`` as a dict (empty for None), or a ``ValueError`` naming the key that
    MO-ASHA's ``searcher=kind`` does not take (with the closest name and the ones it takes),
    a key MO-ASHA sets itself (with the MOASHA argument to use), or a searcher object given
    as well (whose arguments are the user's to set)."""
    if searcher_kwargs is None:
        return {}
    if searcher is not None:
        raise ValueError("searcher_kwargs configures the searcher MO-ASHA builds (searcher="
                         "'model-based' or 'random'); with searcher=<a searcher object>, give "
                         "those arguments to that searcher")
    if not isinstance(searcher_kwargs, dict) or not all(isinstance(k, str)
                                                        for k in searcher_kwargs):
        raise ValueError(f"searcher_kwargs must be a dict of argument name -> value, got "
                         f"{searcher_kwargs!r}")
    cls = _searcher_class(kind)
    accepted = _own_arguments(cls)
    for key in searcher_kwargs:
        if key in SET_BY_MOASHA:
            raise ValueError(f"searcher_kwargs[{key!r}]: MO-ASHA sets the searcher's {key}; "
                             f"give MOASHA({SET_BY_MOASHA[key]}=...) instead")
        if key not in accepted:
            close = difflib.get_close_matches(key, accepted, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"searcher_kwargs[{key!r}]: not an argument of {cls.__name__} "
                             f"(searcher={kind!r}){hint}; it takes {', '.join(accepted)}")
    return dict(searcher_kwargs)


def default_searcher(kind: str, space: dict[str, Any], metrics: list[str], modes: list[str],
                     points_to_evaluate: list[dict[str, Any]] | None, random_seed: int,
                     max_t: float, instance_attr: str, transfer_evaluations: Any,
                     searcher_kwargs: dict[str, Any]) -> Any:
    """The searcher of ``searcher=kind`` (``"model-based"`` or ``"random"``) for ``space``,
    with ``searcher_kwargs`` (checked by :func:`check_searcher_kwargs`). A space without a
    hyperparameter (only the instance type, which the policy chooses) gets the random
    searcher whatever ``kind``; of the model-based searcher's arguments it keeps those the
    random searcher takes too (``repeats``) and logs the others. A value a searcher refuses is
    its ``ValueError``, prefixed with the ``searcher_kwargs`` key it names."""
    try:
        if kind == "model-based" and hyperparameter_names(space):
            return _searcher_class(kind)(
                space, metrics=metrics, mode=modes, points_to_evaluate=points_to_evaluate,
                random_seed=random_seed, max_resource=max_t, context_attr=instance_attr,
                transfer_evaluations=transfer_evaluations, **searcher_kwargs)
        accepted = _own_arguments(RandomSearcher)
        dropped = sorted(k for k in searcher_kwargs if k not in accepted)
        if dropped:
            logger.warning("MOASHA: the space left to the searcher has no hyperparameter, so "
                           "the random searcher proposes; searcher_kwargs %s do not apply",
                           dropped)
        kwargs = {"repeats": "always",
                  **{k: v for k, v in searcher_kwargs.items() if k in accepted}}
        return RandomSearcher(space, points_to_evaluate=points_to_evaluate,
                              random_seed=random_seed, **kwargs)
    except ValueError as e:
        named = [k for k in searcher_kwargs if str(e).startswith(k)]
        if named:
            raise ValueError(f"searcher_kwargs[{named[0]!r}]: {e}") from None
        raise
