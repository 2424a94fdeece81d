"""README's commands work (issue 24): every command the README shows either runs here (the
offline ones that take seconds: the simulated quick start and the report on its run folder) or
is mapped to the existing test that covers it (the local, SageMaker and Ray quick starts, which
start processes, a fake AWS or a Ray cluster; ``make demo``; ``make test``; ``make docs``).

A command is one line of a ```` ```bash ```` block (``\\`` continuations joined, a trailing
``# comment`` dropped) or one whole ```` ```python ```` block, named by the README heading it
sits under. A command added to the README without either fails
:func:`test_every_readme_command_is_run_or_covered` with what to do.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: python blocks run by this test, by the heading they sit under (in this order, in one folder)
RUN_PYTHON = ["Simulated replay on a shipped benchmark"]
#: shell commands run by this test, after the python blocks, in the same folder
RUN_SHELL = ["syne-mohb report runs/"]
#: command -> (file of the test that covers it, text that file must contain)
COVERED = {
    "make demo": ("tests/test_cli.py", "def test_demo_prints_pareto_set_and_writes_plots("),
    "make test": (".ci/run", "make test"),
    "make docs": (".ci/run", "make docs"),
    "make lint": (".ci/run", "make lint"),
    "python: Your own script on the local backend, with hardware profiles": (
        "tests/test_local_backend_e2e.py", "def test_local_profiles_cost_cap_and_max_cost("),
    "python: SageMaker: one training job per trial, on the instance type it chose": (
        "tests/test_sagemaker_moto.py",
        "def test_moasha_run_over_instance_types_runs_real_script("),
    "python: Ray: trials on the node types of your own cluster": (
        "tests/test_ray_backend.py", "def test_moasha_end_to_end_across_node_types("),
}
#: seconds one command may take (the machine may be loaded; each takes a few CPU seconds)
TIMEOUT_S = 180


def readme_blocks(text: str) -> list[tuple[str, str, str]]:
    """``(language, heading, code)`` of every fenced code block, with the last heading above it."""
    blocks, heading, lang, code = [], "", None, []
    for line in text.splitlines():
        if lang is None:
            m = re.match(r"^(#{1,6})\s+(.*)$", line)
            if m:
                heading = m.group(2).strip()
            m = re.match(r"^```(\w*)\s*$", line)
            if m:
                lang, code = m.group(1), []
        elif line.startswith("```"):
            blocks.append((lang, heading, "\n".join(code) + "\n"))
            lang = None
        else:
            code.append(line)
    return blocks


def shell_commands(code: str) -> list[str]:
    """The commands of a shell block: continuations joined, comments and blank lines dropped."""
    out, pending = [], ""
    for line in code.splitlines():
        line = pending + line.strip()
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        pending = ""
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(re.sub(r"\s+", " ", line))
    return out


def readme_commands() -> dict[str, str]:
    """Every README command by its key (the shell command, or ``python: <heading>``) -> code."""
    commands: dict[str, str] = {}
    for lang, heading, code in readme_blocks(README.read_text(encoding="utf-8")):
        if lang in ("bash", "sh", "shell", "console"):
            for cmd in shell_commands(code):
                commands[cmd] = cmd
        elif lang == "python":
            key = f"python: {heading}"
            assert key not in commands, f"two python blocks under the heading {heading!r}"
            commands[key] = code
        else:
            raise AssertionError(f"README code block of language {lang!r} under {heading!r}: "
                                 "mark it ```bash or ```python so this test can check it")
    return commands


def _run_keys() -> list[str]:
    return [f"python: {h}" for h in RUN_PYTHON] + RUN_SHELL


def test_every_readme_command_is_run_or_covered():
    commands = readme_commands()
    unknown = [k for k in commands if k not in COVERED and k not in _run_keys()]
    assert not unknown, (
        "README commands that no test runs or covers: " + "; ".join(map(repr, unknown)) +
        ". Either make it run offline in seconds and add it to RUN_PYTHON (python blocks, by "
        "heading) or RUN_SHELL in tests/test_readme_commands.py, or add it to COVERED there "
        "with the test file that exercises it.")
    stale = [k for k in list(COVERED) + _run_keys() if k not in commands]
    assert not stale, (f"tests/test_readme_commands.py names commands the README no longer "
                       f"has: {stale}; remove or rename them there")


@pytest.mark.parametrize("key", sorted(COVERED))
def test_covering_test_exists(key):
    path, needle = COVERED[key]
    file = ROOT / path
    assert file.is_file(), f"{key!r} is mapped to {path}, which does not exist"
    assert needle in file.read_text(encoding="utf-8"), (
        f"{key!r} is mapped to {path}, which no longer contains {needle!r}")


def _executable(name: str) -> str:
    """A console script of this interpreter's environment (the venv the tests run in)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def test_readme_commands_run(tmp_path):
    commands = readme_commands()
    env = dict(os.environ, SYNETUNE_FOLDER=str(tmp_path / "syne-tune"), MPLBACKEND="Agg",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    started = time.monotonic()
    for i, heading in enumerate(RUN_PYTHON):
        script = tmp_path / f"readme_snippet_{i}.py"
        script.write_text(commands[f"python: {heading}"], encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        assert done.returncode == 0, (
            f"README's python block under {heading!r} failed:\n{done.stdout}\n{done.stderr}")
        assert "instance_type" in done.stdout, done.stdout  # it printed the Pareto set
    for cmd in RUN_SHELL:
        argv = shlex.split(cmd)
        done = subprocess.run([_executable(argv[0]), *argv[1:]], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        assert done.returncode == 0, f"README's {cmd!r} failed:\n{done.stdout}\n{done.stderr}"
    assert (tmp_path / "runs" / "report").is_dir()
    print(f"README commands ran in {time.monotonic() - started:.1f} s")
