"""Griffe extension for the docs site: Sphinx cross-reference roles in our docstrings
(``:class:`~syne_mohb.pareto.pareto_mask```) become inline code (``pareto_mask``), so that
reST roles do not show up verbatim in the Markdown the API pages are rendered from.

``~`` keeps only the last component of the name, as Sphinx does; ``:role:`text <target>```
keeps the text. The ``:param:`` / ``:raises:`` / ``:return:`` fields are parsed by griffe's
Sphinx docstring parser (mkdocs.yml: ``docstring_style: sphinx``), not here.
"""
from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const|ref):`([^`]+)`")


def _plain(match: re.Match) -> str:
    target = match.group(1).strip()
    named = re.fullmatch(r"(.+?)\s*<[^>]+>", target)
    if named:
        target = named.group(1)
    elif target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    elif target.startswith("."):
        target = target.lstrip(".")
    return f"`{target}`"


def replace_roles(text: str) -> str:
    """``text`` with every Sphinx role replaced by inline code."""
    return _ROLE.sub(_plain, text)


class SphinxRoles(griffe.Extension):
    """Rewrites the roles of every docstring once the object is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = replace_roles(obj.docstring.value)
