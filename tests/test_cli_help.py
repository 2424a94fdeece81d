"""``syne-mohb <command> --help`` (issue 23, item 10): every option has help text that says its
default; ``bench`` names the shipped benchmarks and defaults to the demo's (mlp)."""
import re

import pytest

from syne_mohb.cli import main
from syne_mohb.experiments.runner import benchmark_names

COMMANDS = ["demo", "bench", "report", "resume"]


def help_text(command, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def option_help(text: str) -> dict[str, str]:
    """``{"--flag": its help text}`` from an argparse help page."""
    options = text.split("\noptions:\n", 1)[1]
    entries = re.split(r"\n  (?=-)", "\n" + options)
    out = {}
    for entry in entries:
        entry = entry.strip()
        if not entry.startswith("-"):
            continue
        flag = entry.split()[0].rstrip(",")
        out[flag] = " ".join(entry.split()[1:])
    return out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_that_says_its_default(command, capsys):
    text = help_text(command, capsys)
    helps = option_help(text)
    assert len(helps) >= 3
    for flag, text_ in helps.items():
        if flag == "-h":
            continue
        assert "default" in text_, f"{command} {flag}: {text_!r}"


@pytest.mark.parametrize("command,flag,default", [
    ("demo", "--seeds", "5"), ("demo", "--processes", "2"), ("demo", "--rows", "15"),
    ("demo", "--quiet", "off"), ("bench", "--seeds", "2"), ("bench", "--processes", "2"),
    ("bench", "--quiet", "off"), ("bench", "--output", "syne-mohb-bench"),
    ("report", "--rows", "15"), ("report", "--html", "off"),
])
def test_defaults_shown_are_the_parsers(command, flag, default, capsys):
    assert f"(default: {default})" in option_help(help_text(command, capsys))[flag]


def test_bench_names_the_shipped_benchmarks_and_defaults_to_the_demos(capsys, monkeypatch):
    import syne_mohb.experiments.runner as runner
    from syne_mohb.cli import _demo_benchmark

    text = help_text("bench", capsys)
    benchmarks = option_help(text)["--benchmarks"]
    assert set(benchmark_names()) >= {"mlp", "hgb", "linear", "cnn"}
    assert all(name in benchmarks for name in benchmark_names())
    assert "(default: mlp, the demo's)" in benchmarks
    assert _demo_benchmark()[0] == "mlp"

    asked = []

    def grid(methods, benchmarks, *args, **kwargs):
        asked.append(list(benchmarks))
        raise ValueError("stop here")

    monkeypatch.setattr(runner, "grid", grid)
    assert main(["bench", "--output", "unused", "--quiet"]) == 2
    assert asked == [["mlp"]]
    assert "stop here" in capsys.readouterr().err


def test_resume_has_help(capsys):
    text = help_text("resume", capsys)
    assert "RUN_DIR" in text and "the run's folder" in text
    assert "--max-trials" in text and "--max-wallclock-time" in text


def test_top_level_help_is_plain_text(capsys):
    """Issue 25, item 9: it showed the module docstring's RST markup (``syne-mohb``)."""
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "syne-mohb command line: demo, bench, report, resume." in text
    assert "``" not in text


def test_the_cli_page_names_every_shipped_benchmark():
    """Issue 25, item 9: docs/reference/cli.md said --help names (cnn, hgb, linear, mlp)."""
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "reference" / "cli.md").read_text()
    named = re.search(r"`--help` names the shipped benchmarks \(([^)]*)\)", page)
    assert named, "the page no longer says which benchmarks --help names"
    assert sorted(n.strip() for n in named.group(1).split(",")) == sorted(benchmark_names())


def test_version_and_python_dash_m(capsys):
    import subprocess
    import sys

    import syne_mohb

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"syne-mohb {syne_mohb.__version__}"
    # `python -m syne_mohb` is the console script (where the script's folder is not on PATH)
    out = subprocess.run([sys.executable, "-m", "syne_mohb", "resume", "--help"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "usage: syne-mohb resume" in out.stdout
