"""Tuner callbacks that show the Pareto set: at the end of a run (:class:`ParetoSummary`) and
while it runs (:class:`ProgressReport`).

>>> from syne_tune.results_callback import StoreResultsCallback
>>> from syne_mohb import ParetoSummary, ProgressReport
>>> tuner = Tuner(..., callbacks=[StoreResultsCallback(), ParetoSummary(),
...                               ProgressReport(every_seconds=60, html=True)])

Syne Tune ends a run with one line about the *first* metric ("accuracy: best 0.985 for trial
16"), which a multi-objective user cannot act on (and which can name a result printed after the
scheduler's STOP, which is not recorded). :class:`ParetoSummary` prints the run's Pareto set
(:func:`syne_mohb.pareto_set`) right after it; :class:`ProgressReport` prints it every N seconds
while the run goes on and/or rewrites the interactive HTML report
(:func:`syne_mohb.experiments.html_report.make_html_report`), so that a long SageMaker or Ray
run can be watched in a browser. Both read the results the tuner's ``StoreResultsCallback``
holds (pass it too when you pass ``callbacks``: Syne Tune only adds it when ``callbacks`` is
None); without one they keep the results they see themselves (the HTML report needs the file).
A failure of theirs is logged, never raised: it must not end a tuning run.
"""
from __future__ import annotations

import logging
import math
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from syne_tune.constants import ST_TRIAL_ID
from syne_tune.results_callback import StoreResultsCallback
from syne_tune.tuner_callback import TunerCallback

from syne_mohb._lazy import require_installed
from syne_mohb.experiments.results import pareto_set

logger = logging.getLogger(__name__)

__all__ = ["ParetoSummary", "ProgressReport", "format_pareto"]


def format_pareto(front: pd.DataFrame, metrics: list[str], modes: list[str],
                  max_rows: int | None = 10) -> str:
    """A compact Pareto table: a header (size, objectives and modes, how many rows are shown)
    and the first ``max_rows`` rows (numbers to 4 significant digits)."""
    n = len(front)
    what = ", ".join(f"{m} {mo}" for m, mo in zip(metrics, modes))
    shown = n if max_rows is None else min(n, max_rows)
    cut = f"; {shown} of {n} shown" if shown < n else ""
    head = f"Pareto set of {n} model{'s' if n != 1 else ''} ({what}{cut})"
    if n == 0:
        return f"{head}: no result with every objective yet"
    with pd.option_context("display.width", 160, "display.max_columns", 40):
        table = front.head(shown).to_string(
            index=False, float_format=lambda v: f"{v:.4g}")
    return f"{head}:\n{table}"


def _check_rows(max_rows: Any) -> int:
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise ValueError(f"max_rows must be an int >= 1, got {max_rows!r}")
    return max_rows


class _ParetoView(TunerCallback):
    """What both callbacks share: the tuner, its results, the current Pareto set."""

    def __init__(self, max_rows: int = 10, stream: TextIO | None = None):
        self.max_rows = _check_rows(max_rows)
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise ValueError(f"stream must be an open text stream with a write method (e.g. "
                             f"sys.stdout, or open('summary.txt', 'w')), got {stream!r}")
        self.stream = stream
        self._tuner = None
        self._rows: list[dict] | None = None  # only without a StoreResultsCallback
        self._warned: set[str] = set()

    def __getstate__(self):  # pickled with the tuner: not the tuner itself, not the stream
        state = self.__dict__.copy()
        state.update(_tuner=None, _rows=None, stream=None)
        return state

    def _store(self) -> StoreResultsCallback | None:
        for cb in getattr(self._tuner, "callbacks", None) or []:
            if isinstance(cb, StoreResultsCallback):
                return cb
        return None

    def on_tuning_start(self, tuner):
        self._tuner = tuner
        self._rows = None if self._store() is not None else []

    def on_trial_result(self, trial, status: str, result: dict[str, Any], decision: str):
        if self._rows is not None:
            row = {**result, ST_TRIAL_ID: trial.trial_id}
            row.update({f"config_{k}": v for k, v in trial.config.items()})
            self._rows.append(row)

    def _objectives(self) -> tuple[list[str], list[str]]:
        scheduler = self._tuner.scheduler
        metrics = list(scheduler.metric_names())
        mode = scheduler.metric_mode()
        modes = [mode] * len(metrics) if isinstance(mode, str) else list(mode)
        return metrics, modes

    def _front(self) -> tuple[pd.DataFrame, list[str], list[str], int]:
        """(Pareto set, metrics, modes, number of results)."""
        metrics, modes = self._objectives()
        if self._rows is not None:
            df = pd.DataFrame(self._rows)
            front = pareto_set(df, metrics, modes) if len(df) else \
                pd.DataFrame(columns=["trial_id", *metrics])
            return front, metrics, modes, len(df)
        store = self._store()
        n = len(store.results) if store is not None else 0
        front = pareto_set(self._tuner, metrics, modes) if n else \
            pd.DataFrame(columns=["trial_id", *metrics])
        return front, metrics, modes, n

    def _print(self, text: str) -> None:
        print(text, file=self.stream if self.stream is not None else sys.stdout, flush=True)

    def _warn_once(self, what: str, error: BaseException) -> None:
        msg = f"{type(self).__name__}: {what} failed: {type(error).__name__}: {error}"
        if msg not in self._warned:
            self._warned.add(msg)
            logger.warning(msg)


class ParetoSummary(_ParetoView):
    """Print the run's Pareto set at the end of tuning (after Syne Tune's summary).

    :param max_rows: rows printed (the header says how many the set has)
    :param stream: where to print (default: ``sys.stdout`` at the time; a stream is not saved
        with a pickled tuner: after ``Tuner.load`` it prints to ``sys.stdout``)
    """

    def on_tuning_end(self):
        if self._tuner is None:
            return
        try:
            front, metrics, modes, n = self._front()
            self._print(f"\n{format_pareto(front, metrics, modes, self.max_rows)}")
        except Exception as e:  # noqa: BLE001 -- Syne Tune still has to stop the trials
            self._warn_once("the Pareto set at the end of tuning", e)


class ProgressReport(_ParetoView):
    """Show the Pareto set every ``every_seconds`` while the tuner runs.

    :param every_seconds: wall-clock seconds between two refreshes (checked after each loop of
        the tuner, so a refresh comes at most one ``sleep_time`` late); 0: every loop
    :param html: rewrite the interactive HTML report
        (:func:`~syne_mohb.experiments.html_report.make_html_report`) at each refresh and at
        the end: ``True`` for ``<run folder>/report/report.html``, or the ``*.html`` file (or
        folder) to write; needs plotly (the ``[report]`` extra). Writing the page costs about
        as much as reading the results and 5 MB of plotly.js: keep ``every_seconds`` at a
        minute or more on long runs
    :param table: print a compact Pareto table (with the number of trials and results) at each
        refresh
    :param max_rows: rows of the printed table
    :param stream: where to print (default: ``sys.stdout`` at the time; a stream is not saved
        with a pickled tuner: after ``Tuner.load`` it prints to ``sys.stdout``)
    """

    def __init__(self, every_seconds: float = 60.0, html: bool | str | Path = False,
                 table: bool = True, max_rows: int = 10, stream: TextIO | None = None):
        super().__init__(max_rows=max_rows, stream=stream)
        if isinstance(every_seconds, bool) or not isinstance(every_seconds, (int, float)) or \
                not math.isfinite(every_seconds) or every_seconds < 0:
            raise ValueError(f"every_seconds must be a number of seconds >= 0, got "
                             f"{every_seconds!r}")
        if not isinstance(html, (bool, str, Path)) or (isinstance(html, str) and not html):
            raise ValueError(f"html must be True, False or the path of the HTML file, got "
                             f"{html!r}")
        if not isinstance(table, bool):
            raise ValueError(f"table must be True or False, got {table!r}")
        if html is False and not table:
            raise ValueError("ProgressReport(table=False, html=False) shows nothing: pass "
                             "table=True or html=True (or a path)")
        if html is not False:
            require_installed("plotly", "ProgressReport(html=...)")
        self.every_seconds = float(every_seconds)
        self.html = html
        self.table = table
        self._last = 0.0
        self._start = 0.0
        self.refreshes = 0
        self.html_path: Path | None = None

    def on_tuning_start(self, tuner):
        super().on_tuning_start(tuner)
        self._start = self._last = time.monotonic()
        if self.html is True:
            self.html_path = Path(tuner.tuner_path) / "report" / "report.html"
        elif self.html is not False:
            path = Path(self.html)
            self.html_path = path if path.suffix.lower() in (".html", ".htm") else \
                path / "report.html"

    def on_loop_end(self):
        if self._tuner is not None and time.monotonic() - self._last >= self.every_seconds:
            self.refresh()

    def on_tuning_end(self):
        if self._tuner is not None and self.html_path is not None:
            self._write_html()

    def refresh(self) -> None:
        """Print the table and / or rewrite the page now."""
        self._last = time.monotonic()
        self.refreshes += 1
        if self.table:
            try:
                front, metrics, modes, n = self._front()
                status = self._tuner.tuning_status
                trials = status.num_trials_started if status is not None else 0
                self._print(f"\n[progress after {self._last - self._start:.0f} s: {trials} "
                            f"trials, {n} results] "
                            f"{format_pareto(front, metrics, modes, self.max_rows)}")
            except Exception as e:  # noqa: BLE001 -- never end the tuning run
                self._warn_once("the progress table", e)
        if self.html_path is not None:
            self._write_html()

    def _write_html(self) -> None:
        store = self._store()
        if store is None:
            self._warn_once("the HTML report", ValueError(
                "the tuner has no StoreResultsCallback, so no results.csv.zip to read: pass "
                "callbacks=[StoreResultsCallback(), ProgressReport(...)]"))
            return
        if not store.results:
            return  # nothing to show yet
        try:
            from syne_mohb.experiments.html_report import make_html_report

            store.store_results()  # the file as of now (Syne Tune writes it every few seconds)
            skipped: list[str] = []
            make_html_report(self._tuner.tuner_path, self.html_path,
                             on_skip=lambda folder, reason: skipped.append(f"{folder}: {reason}"))
            if skipped:
                logger.info("HTML report: left out %s", "; ".join(skipped))
        except Exception as e:  # noqa: BLE001 -- never end the tuning run
            self._warn_once(f"writing the HTML report {self.html_path}", e)
