"""ARCHITECTURE.md's list of the private Syne Tune members we use is exact (issue 23 item 22):
every private member of a Syne Tune class that our code overrides (found through the classes'
MROs) or reads (an attribute name Syne Tune defines and we never define ourselves) is named
there, and every member the table names is still used."""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import syne_tune

import syne_mohb

ROOT = Path(__file__).resolve().parents[1]
ARCH = ROOT / "ARCHITECTURE.md"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _attribute_names(root: Path) -> tuple[set[str], set[str]]:
    """(private attribute names read, private names defined) in the Python files below root."""
    used, defined = set(), set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(node.name):
                defined.add(node.name)
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                (defined if isinstance(node.ctx, ast.Store) else used).add(node.attr)
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                        [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
                    defined.update(t.id for t in targets
                                   if isinstance(t, ast.Name) and _private(t.id))
    return used, defined


def _overridden() -> dict[str, set[str]]:
    """Private members of Syne Tune classes that a class of ours defines again."""
    out: dict[str, set[str]] = {}
    for info in pkgutil.walk_packages(syne_mohb.__path__, "syne_mohb."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name in cls.__dict__:
                if not _private(name):
                    continue
                for base in cls.__mro__[1:]:
                    if base.__module__.startswith("syne_tune.") and name in base.__dict__:
                        out.setdefault(name, set()).add(f"{cls.__qualname__} < {base.__name__}")
    return out


def _documented() -> tuple[set[str], set[str]]:
    """(private names anywhere in ARCHITECTURE.md's backticks, names in the first column of
    the table of private members)."""
    text = re.sub(r"```.*?```", "", ARCH.read_text(encoding="utf-8"), flags=re.S)
    anywhere = {m for tick in re.findall(r"`([^`]+)`", text)
                for m in re.findall(r"(?:^|\.)(_[A-Za-z]\w*)", tick)}
    table = set()
    start = text.index("| member | where | why |")
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        first = line.split("|")[1]
        table.update(m for tick in re.findall(r"`([^`]+)`", first)
                     for m in re.findall(r"(?:^|\.)(_[A-Za-z]\w*)", tick))
    return anywhere, table


def test_architecture_lists_every_private_syne_tune_member_we_use():
    st_used, st_defined = _attribute_names(Path(syne_tune.__file__).parent)
    our_used, our_defined = _attribute_names(Path(syne_mohb.__file__).parent)
    read = {n for n in our_used if n in st_defined and n not in our_defined}
    overridden = _overridden()
    anywhere, table = _documented()
    missing = sorted((read | set(overridden)) - anywhere)
    assert not missing, (f"private Syne Tune members used but not in ARCHITECTURE.md: {missing} "
                         f"(overrides: { {n: overridden.get(n) for n in missing} })")
    stale = sorted(table - read - set(overridden))
    assert not stale, f"ARCHITECTURE.md lists private members no longer used: {stale}"
    assert "_next_points_to_evaluate" in table
