"""Tuner callbacks that show the Pareto set (issue 23 items 13 and 14): ``ParetoSummary``
prints it at the end of tuning, after Syne Tune's single-metric line; ``ProgressReport``
prints it and rewrites the HTML report while the tuner runs. Real tuning runs: simulated, and
local training processes (tests/durable_helpers/train_quick.py)."""
from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pandas as pd
import pytest
from syne_tune import StoppingCriterion, Tuner
from syne_tune.backend import LocalBackend
from syne_tune.config_space import uniform
from syne_tune.results_callback import StoreResultsCallback
from syne_tune.tuner_callback import TunerCallback

import syne_mohb
from syne_mohb import MOASHA, ParetoSummary, ProgressReport
from syne_mohb._lazy import MissingExtraError
from syne_mohb.backends.simulated import SimulatedClock
from syne_mohb.blackboxes import load, make_backend

QUICK = str(Path(__file__).resolve().parent / "durable_helpers" / "train_quick.py")


def _simulated_tuner(callbacks, name: str) -> Tuner:
    space = dict(load("linear")["digits"].configuration_space)
    space["epoch"] = 10
    backend = make_backend("linear", "digits", max_resource_attr="epoch", random_seed=1)
    scheduler = MOASHA(space, metrics=["accuracy", "cost"], mode=["max", "min"],
                       time_attr="epoch", max_t=10, grace_period=1, reduction_factor=3,
                       random_seed=1)
    return Tuner(backend, scheduler, StoppingCriterion(max_num_trials_started=9), n_workers=2,
                 sleep_time=0, callbacks=callbacks, tuner_name=name,
                 print_update_interval=1e9, results_update_interval=1e9)


def _local_tuner(callbacks, name: str, epochs: int = 3) -> Tuner:
    space = {"x": uniform(0, 1), "fail": 0, "epochs": epochs, "epoch_sleep": 0.05}
    scheduler = MOASHA(space, metrics=["loss", "st_worker_time"], mode=["min", "min"],
                       time_attr="epoch", max_t=epochs, grace_period=1, random_seed=0)
    return Tuner(LocalBackend(entry_point=QUICK), scheduler,
                 StoppingCriterion(max_num_trials_started=1), n_workers=1, sleep_time=0.1,
                 callbacks=callbacks, tuner_name=name, print_update_interval=3600,
                 wait_trial_completion_when_stopping=True)


# -------------------------------------------------------------------------- item 13
def test_pareto_summary_prints_the_pareto_set_after_syne_tunes_best_line(tmp_path, monkeypatch,
                                                                         capsys):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    tuner = _simulated_tuner([SimulatedClock(), ParetoSummary(max_rows=3)], "summary")
    tuner.run()
    out = capsys.readouterr().out
    front = syne_mohb.pareto_set(tuner)
    n = len(front)
    assert n > 3  # so that the table is cut, and says so
    head = f"Pareto set of {n} models (accuracy max, cost min; 3 of {n} shown):"
    assert head in out
    # after Syne Tune's line about the first metric only
    assert out.index("accuracy: best") < out.index(head)
    table = out[out.index(head):].splitlines()[1:5]
    assert table[0].split()[:2] == ["trial_id", "epoch"]
    assert [int(line.split()[0]) for line in table[1:]] == list(front.trial_id[:3])


@pytest.mark.slow
def test_pareto_summary_without_a_store_callback_uses_what_it_saw(tmp_path, monkeypatch):
    """``callbacks=[ParetoSummary()]`` replaces Syne Tune's StoreResultsCallback (no results
    file): the summary is made from the results the callback saw itself."""
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    stream = io.StringIO()
    tuner = _local_tuner([ParetoSummary(stream=stream)], "no-store")
    tuner.run()
    assert not (tuner.tuner_path / "results.csv.zip").exists()
    text = stream.getvalue()
    assert re.search(r"Pareto set of \d+ models? \(loss min, st_worker_time min\):", text), text
    assert "trial_id" in text and "loss" in text


# -------------------------------------------------------------------------- item 14
class _SeePage(TunerCallback):
    """After the ProgressReport (it comes later in the list): what the page held mid-run."""

    def __init__(self, page: Path):
        self.page = page
        self.seen: list[int] = []

    def on_loop_end(self):
        if self.page.exists():
            self.seen.append(_page_data(self.page)["num_results"])


def _page_data(page: Path) -> dict:
    html = page.read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="report-data">')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)].replace("<\\/", "</"))


@pytest.mark.slow
def test_progress_report_refreshes_the_table_and_the_page_while_tuning(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    page = tmp_path / "live" / "progress.html"
    stream = io.StringIO()
    report = ProgressReport(every_seconds=0, html=page, stream=stream, max_rows=2)
    probe = _SeePage(page)
    tuner = _local_tuner([StoreResultsCallback(), report, probe], "live", epochs=6)
    tuner.run()
    results = pd.read_csv(tuner.tuner_path / "results.csv.zip")
    assert report.refreshes >= 2
    # the page was there while the trials ran, with the results of that moment
    assert probe.seen and min(probe.seen) < len(results)
    assert probe.seen == sorted(probe.seen)
    assert _page_data(page)["num_results"] == len(results)  # and final at the end
    text = stream.getvalue()
    assert re.search(r"\[progress after \d+ s: \d trials, \d+ results\] Pareto set of", text)
    assert text.count("[progress after") == report.refreshes


def test_progress_report_failure_is_logged_and_the_run_goes_on(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    report = ProgressReport(every_seconds=0, html=blocker / "page.html", table=False)
    tuner = _simulated_tuner([SimulatedClock(), report], "failing-page")
    with caplog.at_level(logging.WARNING, logger="syne_mohb.experiments.callbacks"):
        tuner.run()
    assert tuner.tuning_status.num_trials_started == 10  # the run finished
    warnings = [r for r in caplog.records if "writing the HTML report" in r.getMessage()]
    assert len(warnings) == 1  # once, not at every loop


def test_progress_report_arguments_are_checked(monkeypatch):
    for kwargs, match in [({"every_seconds": -1}, "every_seconds must be a number"),
                          ({"every_seconds": float("nan")}, "every_seconds"),
                          ({"html": ""}, "html must be True, False or the path"),
                          ({"table": "yes"}, "table must be True or False"),
                          ({"table": False}, "shows nothing: pass table=True or html=True"),
                          ({"max_rows": 0}, "max_rows must be an int >= 1")]:
        with pytest.raises(ValueError, match=match):
            ProgressReport(**kwargs)
    with pytest.raises(ValueError, match="max_rows"):
        ParetoSummary(max_rows=True)
    with pytest.raises(ValueError, match="stream must be an open text stream"):
        ParetoSummary(stream="summary.txt")  # a path: the summary was lost at the end
    monkeypatch.setitem(__import__("sys").modules, "plotly", None)  # not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'syne-mohb\[report\]'"):
        ProgressReport(html=True)
    ProgressReport(table=True)  # a table needs no plotly
