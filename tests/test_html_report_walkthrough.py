"""The HTML report used as a demanding user would, in headless Chromium (one browser and one page
for the module, as in tests/test_html_report.py): the tables answer the keyboard, a long
hyperparameter value does not push the tooltip off its plot, and labels stay readable.

The page is one run with a hyperparameter whose values are 140 characters long, one method and
one seed, and no backend in its metadata.
"""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from syne_mohb.experiments.html_report import make_html_report
from test_html_report import _open, _wait_for, browser  # noqa: F401  (one Chromium per module)

LONG = "conv(" + ",".join(str(k) for k in range(30)) + ")-" + "x" * 50  # 140 characters


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):  # noqa: F811
    """A run of 12 trials x 3 epochs on 3 instance types; the page open in the browser."""
    out = tmp_path_factory.mktemp("walkthrough")
    rng = np.random.default_rng(3)
    trial = np.repeat(np.arange(12), 3)
    epoch = np.tile([1, 2, 3], 12)
    runtime = epoch * rng.lognormal(0.0, 1.0, 12)[trial]
    df = pd.DataFrame({
        "trial_id": trial, "epoch": epoch, "st_tuner_time": np.linspace(1.0, 90.0, len(trial)),
        "accuracy": 0.5 + 0.1 * epoch + rng.uniform(0, 0.15, len(trial)),
        "runtime": runtime, "cost": runtime * 2e-4, "st_worker_time": runtime,
        "config_instance_type": np.array(["ml.c5.xlarge", "ml.g4dn.xlarge",
                                          "ml.p3.2xlarge"])[trial % 3],
        "config_arch": [LONG + str(t % 2) for t in trial], "config_lr": 10.0 ** -(1 + trial % 4),
    })
    run = out / "run"
    run.mkdir()
    df.to_csv(run / "results.csv.zip", index=False)
    (run / "metadata.json").write_text(json.dumps({  # no "backend"
        "metric_names": ["accuracy", "runtime", "cost"], "metric_mode": ["max", "min", "min"],
        "entrypoint": "train.py", "scheduler_kwargs": {"time_attr": "epoch"}}))
    path = make_html_report(run, out / "walkthrough.html")
    browser.set_window_size(1600, 1000)
    _open(browser, path)
    return path


def _active(drv) -> list:
    return drv.execute_script(
        "var a = document.activeElement, t = a.closest('table');"
        " return [a.tagName, t ? t.id : null, a.getAttribute('aria-sort'),"
        " a.getAttribute('data-row')];")


def _tab_until(drv, tag: str, table: str, limit: int = 80) -> list:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        ActionChains(drv).send_keys(Keys.TAB).perform()
        a = _active(drv)
        if a[0] == tag and a[1] == table:
            return a
    pytest.fail(f"Tab never reached a {tag} of #{table}")


def test_keyboard_reaches_sorts_and_selects_in_the_tables(browser, page):  # noqa: F811
    """Tab reached no header or row of the Pareto table (only scrolling table boxes were
    focusable): a keyboard user could neither sort nor select. Headers and clickable rows are
    now in the tab order; Enter or Space sorts, Enter selects the row's model everywhere."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.execute_script("window.scrollTo(0, 0); document.activeElement.blur();")
    assert _tab_until(browser, "TH", "pareto-table")[2] == "none"  # the first header: trial
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert _active(browser)[2] == "ascending"
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    assert _active(browser)[2] == "descending"
    trials = [int(t) for t in browser.execute_script(
        "return Array.from(document.querySelectorAll('#pareto-table tbody tr')).map("
        "function (tr) { return tr.children[0].textContent; });")]
    assert trials == sorted(trials, reverse=True)
    row = _tab_until(browser, "TR", "pareto-table")[3]
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    _wait_for(browser, "return document.getElementById('details').getAttribute('data-row')"
                       " === arguments[0];",
              5.0, row)
    assert browser.execute_script(
        "return Array.from(document.querySelectorAll('.projection')).every(function (gd) {"
        " var t = gd.data[gd.data.length - 1];"
        " return t.meta.kind === 'selected' && t.x[0] != null; });")
    assert browser.execute_script(
        "return document.activeElement.classList.contains('selected')") is True
    # the per-instance table too
    assert _tab_until(browser, "TH", "instance-table")[2] == "none"


def _box(drv, selector: str) -> dict:
    return drv.execute_script(
        "var b = document.querySelector(arguments[0]).getBoundingClientRect();"
        " return {left: b.left, right: b.right, top: b.top, bottom: b.bottom};", selector)


def _overlap(a: dict, b: dict) -> bool:
    return (a["left"] < b["right"] and b["left"] < a["right"]
            and a["top"] < b["bottom"] and b["top"] < a["bottom"])


def test_long_values_missing_metadata_and_titles_read_right(browser, page):  # noqa: F811
    """A 140-character hyperparameter made the tooltip 1,200 px wide, cut off by its plot (trial
    and objectives hidden); a run without a recorded backend read "null"; the hypervolume plots'
    y title ran into their title; one method of one seed had no legend; the legend's marks wrapped
    away from their words at 800 px; one seed read "± 0" in the methods table."""
    browser.execute_script("window.scrollTo(0, 0);")
    browser.execute_script(
        "var gd = document.getElementById('projection-0');"
        " var t = gd.data.findIndex(function (t) {"
        " return t.meta && t.meta.kind === 'front' && t.x.length; });"
        " Plotly.Fx.hover(gd, [{curveNumber: t, pointNumber: 0}]);")
    text = _wait_for(browser, "var h = document.querySelector("
                              "'#projection-0 .hoverlayer .hovertext');"
                              " return h && h.textContent;", 5.0)
    assert "trial " in text and "accuracy: " in text and "arch = conv(" in text and "\u2026" in text
    assert LONG not in text
    tip, plot = (_box(browser, "#projection-0 .hoverlayer .hovertext"),
                 _box(browser, "#projection-0"))
    assert plot["left"] - 1 <= tip["left"] and tip["right"] <= plot["right"] + 1, (tip, plot)
    # the side panel has the whole value
    browser.execute_script("arguments[0].click();",
                           browser.find_element("css selector", "#pareto-table tbody tr"))
    dd = _wait_for(browser, "var d = document.querySelectorAll('#details dl.hp dd');"
                            " return d.length && Array.from(d).map("
                            "function (e) { return e.textContent; });", 5.0)
    assert any(v.startswith(LONG) for v in dd)
    # the Pareto table shortens it in its cell (one long column pushed the others out of view),
    # with the whole value as the cell's tooltip
    cell = browser.execute_script(
        "var h = Array.from(document.querySelectorAll('#pareto-table thead th .label')).map("
        "function (e) { return e.textContent; });"
        " var td = document.querySelectorAll('#pareto-table tbody tr')[0]"
        ".children[h.indexOf('arch')];"
        " var s = td.querySelector('span'); return [td.textContent, s && s.title];")
    assert cell[0].endswith("\u2026") and len(cell[0]) <= 40 and cell[1].startswith(LONG)
    # runs table: no backend recorded reads "–"
    cells = browser.execute_script(
        "var h = Array.from(document.querySelectorAll('#runs-table thead th .label')).map("
        "function (e) { return e.textContent; });"
        " var tds = document.querySelectorAll('#runs-table tbody tr')[0].children;"
        " return [tds[h.indexOf('backend')].textContent,"
        " tds[h.indexOf('tuning time (s)')].textContent];")
    assert cells[0] == "\u2013" and "null" not in cells[0]
    # methods table: one seed has no spread ("(1 seed)", not "± 0")
    best, hv = browser.execute_script(
        "var tds = document.querySelectorAll('#methods-table tbody tr')[0].children;"
        " return [tds[3].textContent, tds[4].textContent];")
    assert best.endswith(" (1 seed)") and hv.endswith(" (1 seed)") and "\u00b1" not in best + hv
    # hypervolume plots: the y title clear of the plot title; the one method named in a legend
    for hv in ("#hv-time", "#hv-dollars"):
        assert not _overlap(_box(browser, hv + " .gtitle"), _box(browser, hv + " .ytitle")), hv
        legend = browser.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0] + ' .legend .legendtext'))"
            ".map("
            "function (e) { return e.textContent; });", hv)
        assert legend == ["run"], (hv, legend)
    # 800 px: every legend mark on one line with its words
    browser.set_window_size(800, 1000)
    try:
        time.sleep(0.3)
        heights = browser.execute_script(
            "return Array.from(document.querySelectorAll('.legend-mark')).map(function (e) {"
            " return e.getClientRects().length; });")
        assert len(heights) == 5 and set(heights) == {1}, heights
        marks = browser.execute_script(
            "return Array.from(document.querySelectorAll('.legend-mark')).map(function (e) {"
            " var m = e.firstChild.getBoundingClientRect(), t = e.getBoundingClientRect();"
            " return Math.abs((m.top + m.bottom) / 2 - (t.top + t.bottom) / 2) < 8; });")
        assert all(marks), marks
    finally:
        browser.set_window_size(1600, 1000)
