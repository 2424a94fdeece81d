"""Simulated experiments, analysis and plots (see ``docs/reference/cli.md`` and
``docs/concepts/evaluation.md``)."""
from syne_mohb.experiments.analysis import find_runs, load_run, pareto_table
from syne_mohb.experiments.methods import method_names
from syne_mohb.experiments.report import make_report
from syne_mohb.experiments.runner import RunSpec, benchmark_names, grid, run_many, run_one
from syne_mohb.experiments.simulation import run_replay

__all__ = ["RunSpec", "benchmark_names", "find_runs", "grid", "load_run",
           "make_report", "method_names", "pareto_table", "run_many", "run_one", "run_replay"]
