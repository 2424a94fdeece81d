"""One way for a benchmarking script to write its page of the docs site.

Every table on ``docs/benchmarks/`` is written by the script that measures it, so a table can
only change by re-running its script. A page says the exact command, the date, the machine, the
seeds and the time taken, above the body the script produced::

    from docs_page import BenchmarkPage        # benchmarking/ is on sys.path when run as a script

    page = BenchmarkPage("hardware-model", "Choice of the runtime model", seeds="3 splits")
    ...                                          # measure
    page.add("Some prose.", markdown_table(rows, columns))
    page.add_image(fig_path, "Pareto front by instance type")  # a file under docs/
    page.write()                                 # docs/benchmarks/hardware-model.md

``--docs-dir`` (see :func:`add_docs_argument`) lets a test or a user write elsewhere;
``--no-docs`` writes nothing.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Iterable, Mapping, Sequence

#: the repository's docs folder; pages go to its ``benchmarks/`` subfolder
DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"


def _docs_folder(text: str) -> str:
    """``--docs-dir``: refused when a file is there, before anything is measured (the page is
    written at the end)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise argparse.ArgumentTypeError(f"{str(parent)!r} (in {text!r}) is a file, not "
                                             f"a folder")
    return text


def add_docs_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--docs-dir`` and ``--no-docs`` to a script's argument parser."""
    parser.add_argument("--docs-dir", default=str(DOCS_DIR), type=_docs_folder,
                        help="docs folder the page is written under (benchmarks/<name>.md)")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not write the docs page")


def machine() -> str:
    """One line naming this machine: cores, memory, processor, OS, Python."""
    cores = os.cpu_count() or 0
    try:
        import psutil
        mem = f", {psutil.virtual_memory().total / 2**30:.0f} GiB"
    except Exception:  # pragma: no cover - psutil is a dependency
        mem = ""
    proc = platform.processor() or platform.machine()
    return (f"{cores} cores{mem}, {proc}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - not on every OS
        return None


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command that ran this script, relative to the repository root."""
    argv = list(sys.argv if argv is None else argv)
    script = Path(argv[0])
    try:
        script = script.resolve().relative_to(DOCS_DIR.parent)
    except ValueError:
        pass
    return "python " + " ".join(shlex.quote(a) for a in [str(script), *argv[1:]])


def markdown_table(rows: Iterable[Mapping], columns: Sequence[str],
                   headers: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured markdown table of ``rows`` (mappings) in ``columns`` order."""
    headers = list(headers or columns)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for r in rows:
        cells = ["" if r.get(c) is None else str(r.get(c)).replace("|", "\\|")
                 for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def frame_table(df, float_format: str = "{:.3g}") -> str:
    """A markdown table of a pandas DataFrame (index dropped; floats with ``float_format``)."""
    rows = []
    for rec in df.to_dict("records"):
        rows.append({k: (float_format.format(v) if isinstance(v, float) else v)
                     for k, v in rec.items()})
    return markdown_table(rows, [str(c) for c in df.columns])


class BenchmarkPage:
    """A page of ``docs/benchmarks/``, written by the script that measures its tables.

    ``name`` is the file name (without ``.md``), ``title`` the page's heading, ``seeds`` a short
    text ("20 paired seeds", "3 repeats"). The clock starts when the page is created.
    """

    def __init__(self, name: str, title: str, seeds: str | None = None,
                 docs_dir: str | Path | None = None, argv: Sequence[str] | None = None):
        self.name = name
        self.title = title
        self.seeds = seeds
        self.docs_dir = Path(docs_dir) if docs_dir is not None else DOCS_DIR
        self.command = command_line(argv)
        self.started = time.time()
        self.load_start = _load_average()
        self.parts: list[str] = []

    @property
    def path(self) -> Path:
        return self.docs_dir / "benchmarks" / f"{self.name}.md"

    def add(self, *blocks: str) -> "BenchmarkPage":
        """Append markdown blocks (prose, tables, headings) in order."""
        self.parts.extend(b.strip("\n") for b in blocks if b)
        return self

    def add_image(self, image: str | Path, caption: str) -> "BenchmarkPage":
        """Embed an image that lies under the docs folder (written by the same script)."""
        rel = os.path.relpath(Path(image).resolve(), self.path.parent.resolve())
        self.parts.append(f"![{caption}]({Path(rel).as_posix()})")
        return self

    def header(self) -> str:
        took = time.time() - self.started
        date = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines = [f"# {self.title}", "",
                 "!!! info \"Written by a script: do not edit by hand\"",
                 f"    Command: `{self.command}`  ",
                 f"    Date: {date}  ",
                 f"    Machine: {machine()}  "]
        load_end = _load_average()
        if self.load_start is not None and load_end is not None:
            # the machine may be shared: other jobs' load moves every time measured here
            lines.append(f"    Load average (1 min): {self.load_start:.1f} at the start, "
                         f"{load_end:.1f} at the end  ")
        if self.seeds:
            lines.append(f"    Seeds: {self.seeds}  ")
        lines.append(f"    Time taken: {took:.0f} s")
        return "\n".join(lines)

    def write(self) -> Path:
        """Write the page (creating ``docs/benchmarks/``) and return its path."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = self.header() + "\n\n" + "\n\n".join(self.parts) + "\n"
        self.path.write_text(text)
        print(f"docs page written: {self.path}")
        return self.path
