"""A benchmark page is written by its script (issue 24): ``benchmarking/blackboxes_table.py`` on
one shipped benchmark, into a temporary docs folder. The page names the command that made it,
the date and the machine, and holds the script's measured table."""
from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarking"


def _script(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


def test_blackboxes_page_has_command_date_machine_and_table(tmp_path, capsys):
    blackboxes_table = _script("blackboxes_table")
    argv = ["--benchmarks", "hgb", "--no-variants", "--speedup-benchmarks", "", "--docs-dir",
            str(tmp_path)]
    blackboxes_table.main(argv)
    page = tmp_path / "benchmarks" / "blackboxes.md"
    text = page.read_text()
    assert text.startswith("# Shipped offline benchmarks\n")
    assert "Command: `python benchmarking/blackboxes_table.py --benchmarks hgb --no-variants" in text
    assert re.search(r"Date: \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert re.search(r"Machine: \d+ cores", text)
    assert "Time taken: " in text
    # the measured table: its header and the one benchmark's row, as the script printed it
    assert "| benchmark | model | tasks (train/valid rows) |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `hgb` |"))
    assert re.search(r"\| \d+\.\d\d s \|$", row)  # its load time, measured now
    assert row in capsys.readouterr().out
    assert "| `hgb` | `accuracy`, `error`, `measured_epoch_time` | `runtime`, `cost` |" in text


def test_no_docs_writes_nothing(tmp_path):
    _script("blackboxes_table").main(["--benchmarks", "hgb", "--no-variants",
                                      "--speedup-benchmarks", "", "--docs-dir", str(tmp_path),
                                      "--no-docs"])
    assert not (tmp_path / "benchmarks").exists()
