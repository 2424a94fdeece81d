"""The project's own style limits (``setup.cfg``'s ``[flake8]``: lines of at most 100
characters) hold in every Python file of the package, the benchmarks, the examples and the
tests, checked with the standard library alone (flake8 is not a dependency); a line that must
stay long says so with ``# noqa: E501``."""
from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("syne_mohb", "benchmarking", "examples", "tests")


def _max_line_length() -> int:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg.getint("flake8", "max-line-length")


def test_python_lines_keep_the_projects_length_limit_and_no_trailing_spaces():
    limit = _max_line_length()
    files = sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py"))
    assert len(files) > 100
    bad = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if len(line) > limit and "noqa: E501" not in line:
                bad.append(f"{path.relative_to(ROOT)}:{number}: {len(line)} > {limit} characters")
            if line != line.rstrip():
                bad.append(f"{path.relative_to(ROOT)}:{number}: trailing whitespace")
    assert not bad, "\n".join(bad[:30]) + (f"\n... and {len(bad) - 30} more" if len(bad) > 30
                                           else "")
