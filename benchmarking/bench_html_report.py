"""Size and render time of the interactive HTML report (``syne-mohb report --html``) for a run
with 10,000+ results, in headless Chromium (Debian ``chromium`` + ``chromium-driver``, selenium).

The run is real: a simulated random search on the shipped ``linear`` benchmark (task ``digits``),
every trial trained for all 20 epochs, so that 510 trials give ~10,200 results. The page is
opened ``--loads`` times in one browser, each time from a new copy of the file, so that the
browser cannot reuse its compiled code of an earlier load (the first load of a fresh browser is
reported apart); for each load the script reads, in ms after navigation start:

* ``script``: the page's own script starts (the 5.6 MB file parsed);
* ``first contentful paint``: the browser's first paint of the page (header and tables);
* ``plotly.js started``: the embedded plotly.js (4.8 MB) compiled and run, after that paint;
* ``plots drawn``: every plot drawn and painted (the page's ``report-ready`` mark);

and the time from moving the mouse onto a point to the tooltip showing it. Prints mean, min
and max over the loads.

    python benchmarking/bench_html_report.py [--trials 510] [--loads 5] [--no-webgl]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _browser(webgl: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        sys.exit("needs headless Chromium: apt-get install -y chromium chromium-driver")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1600,1000", "--enable-unsafe-swiftshader",
                f"--user-data-dir={tempfile.mkdtemp(prefix='bench-html-')}"):
        opts.add_argument(arg)
    if not webgl:
        opts.add_argument("--disable-webgl")  # the page then draws every point as SVG
    return webdriver.Chrome(options=opts, service=Service(driver))


def _load(drv, page: Path) -> dict[str, float]:
    drv.get(page.resolve().as_uri())
    t_end = time.monotonic() + 120
    while drv.execute_script("return document.body && document.body.getAttribute('data-ready')") != "1":
        if time.monotonic() > t_end:
            raise RuntimeError("page not drawn within 120 s")
        time.sleep(0.02)
    marks = drv.execute_script("""
        var m = function (n) { var e = performance.getEntriesByName(n); return e.length ? e[0].startTime : NaN; };
        return {script: m('report-script-start'), fcp: m('first-contentful-paint'),
                plotly: m('report-plotly-loaded'), ready: m('report-ready')};""")
    # hover: move the mouse onto a Pareto-set point of the first projection, wait for the tooltip
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    pos = drv.execute_script("""
        var gd = document.getElementById('projection-0'), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        gd.scrollIntoView({block: 'center'});
        var box = gd.getBoundingClientRect();
        var t = gd.data.filter(function (t) { return t.meta && t.meta.kind === 'front' && t.x.length; })[0];
        return [box.left + xa._offset + xa.l2p(xa.d2l(t.x[0])), box.top + ya._offset + ya.l2p(ya.d2l(t.y[0]))];""")
    t0 = time.perf_counter()
    ab = ActionBuilder(drv)
    ab.pointer_action.move_to_location(int(round(pos[0])), int(round(pos[1])))
    ab.perform()
    while not drv.execute_script("return !!document.querySelector('#projection-0 .hoverlayer .hovertext')"):
        time.sleep(0.005)
    marks["hover"] = (time.perf_counter() - t0) * 1000
    ab = ActionBuilder(drv)
    ab.pointer_action.move_to_location(5, 5)
    ab.perform()
    return marks


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=510)
    p.add_argument("--loads", type=int, default=5)
    p.add_argument("--no-webgl", action="store_true", help="browser without WebGL: SVG plots")
    args = p.parse_args()

    from syne_mohb.experiments.html_report import make_html_report
    from syne_mohb.experiments.runner import RunSpec, run_one

    out = Path(tempfile.mkdtemp(prefix="bench-html-run-"))
    t0 = time.perf_counter()
    r = run_one(RunSpec(method="mo-random", benchmark="linear", task="digits", seed=0,
                        out_dir=str(out), budget=1e9, max_trials=args.trials))
    t_run = time.perf_counter() - t0
    t0 = time.perf_counter()
    page = make_html_report(r["path"], out / "report.html")
    t_page = time.perf_counter() - t0
    import pandas as pd

    n = len(pd.read_csv(Path(r["path"]) / "results.csv.zip"))
    print(f"{n} results ({r['num_trials']} trials), replay {t_run:.1f} s; page written in {t_page:.2f} s: "
          f"{page.stat().st_size / 1e6:.2f} MB")
    drv = _browser(webgl=not args.no_webgl)
    try:
        loads = []
        for i in range(args.loads + 1):
            copy = page.with_name(f"report-{i}.html")
            shutil.copyfile(page, copy)
            loads.append(_load(drv, copy))
    finally:
        drv.quit()
    first, rest = loads[0], loads[1:]
    print(f"first load in a fresh browser: script {first['script']:.0f} ms, first contentful paint "
          f"{first['fcp']:.0f} ms, plotly.js started {first['plotly']:.0f} ms, plots drawn "
          f"{first['ready']:.0f} ms, hover {first['hover']:.0f} ms")
    for key, name in (("script", "page script starts"), ("fcp", "first contentful paint"),
                      ("plotly", "plotly.js started"), ("ready", "all plots drawn"),
                      ("hover", "hover -> tooltip")):
        v = [m[key] for m in rest]
        print(f"{name:>24}: mean {statistics.mean(v):6.0f} ms  [min {min(v):.0f}, max {max(v):.0f}] "
              f"over {len(v)} loads")


if __name__ == "__main__":
    main()
