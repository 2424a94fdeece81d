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

It also takes the docs site's screenshot of the report, ``docs/images/report.png``: the page of a
``syne-mohb bench`` grid (MO-ASHA and ASHA, 2 seeds each, on ``linear`` / ``digits``) with a
Pareto-set model of the accuracy-vs-cost projection hovered and selected.

    python benchmarking/bench_html_report.py [--trials 510] [--loads 5] [--no-webgl]

writes ``docs/benchmarks/html-report.md`` (``--docs-dir``, ``--no-docs``) and the screenshot
(``--no-screenshot``).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402

# a Pareto-set point of projection `arguments[0]` far from every other point, its viewport pixel
# (the HTML report test hovers it too)
PICK_POINT = """
var gd = document.getElementById('projection-' + arguments[0]);
var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis,
    box = gd.getBoundingClientRect(), pts = [];
gd.data.forEach(function (t) {
  if (!t.meta || (t.meta.kind !== 'front' && t.meta.kind !== 'dominated')
      || t.visible === false) return;
  t.x.forEach(function (x, i) {
    pts.push({row: t.customdata[i], front: t.meta.kind === 'front',
              px: box.left + xa._offset + xa.l2p(xa.d2l(x)),
              py: box.top + ya._offset + ya.l2p(ya.d2l(t.y[i]))});
  });
});
var best = null, bestGap = -1;
pts.forEach(function (p) {
  if (!p.front) return;
  var gap = Infinity;
  pts.forEach(function (q) {
    if (q !== p) gap = Math.min(gap, Math.hypot(p.px - q.px, p.py - q.py));
  });
  if (gap > bestGap) { bestGap = gap; best = p; }
});
return {row: best.row, x: best.px, y: best.py, gap: bestGap};"""


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
    while drv.execute_script(
            "return document.body && document.body.getAttribute('data-ready')") != "1":
        if time.monotonic() > t_end:
            raise RuntimeError("page not drawn within 120 s")
        time.sleep(0.02)
    marks = drv.execute_script("""
        var m = function (n) {
          var e = performance.getEntriesByName(n);
          return e.length ? e[0].startTime : NaN;
        };
        return {script: m('report-script-start'), fcp: m('first-contentful-paint'),
                plotly: m('report-plotly-loaded'), ready: m('report-ready')};""")
    # hover: move the mouse onto a Pareto-set point of the first projection, wait for the tooltip
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    pos = drv.execute_script("""
        var gd = document.getElementById('projection-0'), xa = gd._fullLayout.xaxis,
            ya = gd._fullLayout.yaxis;
        gd.scrollIntoView({block: 'center'});
        var box = gd.getBoundingClientRect();
        var t = gd.data.filter(function (t) {
          return t.meta && t.meta.kind === 'front' && t.x.length;
        })[0];
        return [box.left + xa._offset + xa.l2p(xa.d2l(t.x[0])),
                box.top + ya._offset + ya.l2p(ya.d2l(t.y[0]))];""")
    t0 = time.perf_counter()
    ab = ActionBuilder(drv)
    ab.pointer_action.move_to_location(int(round(pos[0])), int(round(pos[1])))
    ab.perform()
    while not drv.execute_script(
            "return !!document.querySelector('#projection-0 .hoverlayer .hovertext')"):
        time.sleep(0.005)
    marks["hover"] = (time.perf_counter() - t0) * 1000
    ab = ActionBuilder(drv)
    ab.pointer_action.move_to_location(5, 5)
    ab.perform()
    return marks


def _wait_ready(drv, timeout: float = 120.0) -> None:
    t_end = time.monotonic() + timeout
    while drv.execute_script(
            "return document.body && document.body.getAttribute('data-ready')") != "1":
        if time.monotonic() > t_end:
            raise RuntimeError(f"page not drawn within {timeout} s")
        time.sleep(0.05)


def screenshot(drv, png: Path) -> Path:
    """The report of a 2-method x 2-seed bench grid, a Pareto-set model of the accuracy-vs-cost
    projection hovered and clicked (tooltip, details panel, selection ring), as a PNG."""
    from PIL import Image
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    from syne_mohb.experiments.html_report import make_html_report
    from syne_mohb.experiments.runner import grid, run_many

    out = Path(tempfile.mkdtemp(prefix="bench-html-")) / "grid"  # the page's title: "grid"
    specs = grid(["moasha", "asha-default"], ["linear"], {"linear": ["digits"]}, [0, 1], out,
                 max_trials=40)
    errors = [r["error"] for r in run_many(specs, processes=1, progress=False) if "error" in r]
    if errors:
        raise RuntimeError(f"grid runs failed: {errors}")
    page = make_html_report(out, out / "grid.html")
    drv.get(page.resolve().as_uri())
    _wait_ready(drv)
    drv.execute_script("window.scrollTo(0, 0);")
    p = drv.execute_script(PICK_POINT, 1)
    x, y = p["x"], p["y"]
    for click in (False, True):
        ab = ActionBuilder(drv)
        ab.pointer_action.move_to_location(int(round(x)), int(round(y)))
        if click:
            ab.pointer_action.click()
        ab.perform()
        time.sleep(0.5)
    ab = ActionBuilder(drv)  # hover again after the click: the tooltip stays in the picture
    ab.pointer_action.move_to_location(int(round(x)) + 1, int(round(y)))
    ab.perform()
    time.sleep(0.5)
    raw = out / "raw.png"
    drv.save_screenshot(str(raw))
    png.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(raw) as im:
        im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
            png, optimize=True)
    return png


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=510)
    p.add_argument("--loads", type=int, default=5)
    p.add_argument("--no-webgl", action="store_true", help="browser without WebGL: SVG plots")
    p.add_argument("--no-screenshot", action="store_true",
                   help="do not write docs/images/report.png")
    add_docs_argument(p)
    args = p.parse_args(argv)
    for name, value in (("--trials", args.trials), ("--loads", args.loads)):
        if value < 1:
            p.error(f"{name} must be >= 1, got {value}")
    page_doc = BenchmarkPage("html-report", "Interactive HTML report: size and render time",
                             seeds=f"one simulated run (seed 0); {args.loads} loads in one browser",
                             docs_dir=args.docs_dir,
                             argv=None if argv is None else [__file__, *argv])

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
    print(f"{n} results ({r['num_trials']} trials), replay {t_run:.1f} s; "
          f"page written in {t_page:.2f} s: "
          f"{page.stat().st_size / 1e6:.2f} MB")
    drv = _browser(webgl=not args.no_webgl)
    shot = None
    try:
        loads = []
        for i in range(args.loads + 1):
            copy = page.with_name(f"report-{i}.html")
            shutil.copyfile(page, copy)
            loads.append(_load(drv, copy))
        version = drv.capabilities.get("browserVersion", "?")
        webgl = drv.execute_script("var c = document.createElement('canvas');"
                                   " return !!(c.getContext('webgl') || "
                                   "c.getContext('experimental-webgl'));")
        if not args.no_docs and not args.no_screenshot:
            shot = screenshot(drv, Path(args.docs_dir) / "images" / "report.png")
            print(f"screenshot written: {shot}")
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
        print(f"{name:>24}: mean {statistics.mean(v):6.0f} ms  "
              f"[min {min(v):.0f}, max {max(v):.0f}] "
              f"over {len(v)} loads")
    if args.no_docs:
        return

    def cell(key):
        v = [m[key] for m in rest]
        return f"{statistics.mean(v):,.0f} ms [{min(v):,.0f}, {max(v):,.0f}]"

    kind = "software WebGL (SwiftShader)" if webgl and not args.no_webgl else "no WebGL: SVG plots"
    rows = [{"page": f"{n:,} results, {kind}", "file": f"{page.stat().st_size / 1e6:.2f} MB",
             "fcp": cell("fcp"), "plotly": cell("plotly"), "ready": cell("ready"),
             "hover": cell("hover")},
            {"page": "same, first load of a fresh browser", "file": "",
             "fcp": f"{first['fcp']:,.0f} ms", "plotly": f"{first['plotly']:,.0f} ms",
             "ready": f"{first['ready']:,.0f} ms", "hover": f"{first['hover']:,.0f} ms"}]
    page_doc.add(
        "`syne-mohb report RESULTS --html` writes one HTML file that opens offline (plotly.js, the "
        "page's script, style and data inlined). Measured here for a run with more than 10,000 "
        f"results: a real simulated random search on `linear` / `digits`, {r['num_trials']} trials "
        f"trained for all 20 epochs = {n:,} results (replayed in {t_run:.1f} s; the page written "
        f"in {t_page:.2f} s), opened in headless Chromium {version} on this machine, {kind}, no "
        f"GPU. Milliseconds after navigation start, mean [min, max] over {len(rest)} loads in one "
        "browser, each load from a new copy of the file so that no compiled code is reused:",
        markdown_table(rows, ["page", "file", "fcp", "plotly", "ready", "hover"],
                       ["page", "file", "first contentful paint (header, tables)",
                        "plotly.js started", "all plots drawn", "hover -> tooltip"]),
        "The page's header and tables paint first: plotly.js is embedded as text and compiled "
        "only after that first paint; the plots are then drawn one per animation frame. Above "
        "2,000 points per view the scatter plots use WebGL (`scattergl`); a browser without "
        "WebGL draws SVG (`--no-webgl` measures that case). WebGL here is software "
        "(SwiftShader, no GPU): it composites the three 10,000-point canvases on the CPU, so a "
        "desktop browser with a GPU draws faster.")
    if shot is not None:
        page_doc.add("The report of a `syne-mohb bench` grid (MO-ASHA and ASHA, 2 seeds each, on "
                     "`linear` / `digits`), a Pareto-set model of the accuracy-vs-cost projection "
                     "hovered and selected, taken by this script:")
        page_doc.add_image(shot, "The HTML report of a 2-method x 2-seed bench grid: Pareto "
                                 "projections coloured by instance type, a hovered model's tooltip "
                                 "and the selected model's configuration")
    page_doc.write()


if __name__ == "__main__":
    main()
