/* syne-mohb interactive report (see syne_mohb/experiments/html_report.py).
 *
 * Draws and links only: every number (Pareto sets, 2-D fronts, per-instance summaries,
 * hypervolume curves) was computed in Python and is read from the embedded JSON. Plotly.js is
 * inlined in the page; nothing is fetched.
 */
(function () {
  "use strict";

  if (window.performance && performance.mark) performance.mark("report-script-start");
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"];
  var PLOT_CONFIG = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]};
  var HAS_WEBGL = (function () {
    try {
      var c = document.createElement("canvas");
      return !!(c.getContext("webgl") || c.getContext("experimental-webgl"));
    } catch (e) {
      return false;
    }
  })();

  var state = {g: 0, s: 0, selected: null, hoverCache: {}, hidden: {}};
  var ui = {};

  // ---------------------------------------------------------------- helpers
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v == null) return;
        if (k === "class") e.className = v;
        else if (k === "text") e.textContent = v;
        else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }
  function val(col, i) {
    if (!col) return null;
    if (col.levels) {
      var k = col.codes[i];
      return k == null ? null : col.levels[k];
    }
    return col.values[i];
  }
  function fmtNum(v, digits) {
    if (v == null || typeof v !== "number" || !isFinite(v)) return v == null ? "\u2013" : String(v);
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3).replace(/\.?0+e/, "e");
    return String(+v.toPrecision(digits || 4));
  }
  function fmtVal(v) {
    return typeof v === "number" ? fmtNum(v, 6) : (v == null ? "\u2013" : String(v));
  }
  function fmtObj(o, v) {
    return v == null ? "\u2013" : o.prefix + fmtNum(v, 5) + o.suffix;
  }
  function dirWord(o) { return o.mode === "max" ? "higher is better" : "lower is better"; }
  function arrow(o) { return o.mode === "max" ? "\u2191" : "\u2193"; }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function group() { return DATA.groups[state.g]; }
  function selection() { return group().selections[state.s]; }
  function multiRun(g) { return g.runs.length > 1; }
  function instName(g, k) { return g.instance_types.length ? g.instance_types[k] : "all models"; }
  function color(k) { return PALETTE[k % PALETTE.length]; }
  function fidName(g) { return g.fidelity || "epoch"; }

  // a hyperparameter value longer than this is shortened in the tooltip (a tooltip wider than
  // its plot is cut off, hiding the trial and the objectives); the side panel shows it in full
  var HOVER_MAX_CHARS = 40;
  function shorten(text, n) { return text.length <= n ? text : text.slice(0, n - 1) + "\u2026"; }

  function hoverTexts(g) {
    if (state.hoverCache[state.g]) return state.hoverCache[state.g];
    var H = new Array(g.n), c = g.columns, multi = multiRun(g);
    for (var i = 0; i < g.n; i++) {
      var head = "<b>trial " + esc(fmtVal(val(c.trial, i))) + "</b>";
      if (c.epoch) head += ", " + esc(fidName(g)) + " " + esc(fmtVal(val(c.epoch, i)));
      var lines = [head];
      if (multi) lines.push("run: " + esc(g.runs[c.run.values[i]].label));
      if (g.instance_attr) lines.push(esc(g.instance_attr) + ": " + esc(instName(g, c.inst.values[i])));
      for (var j = 0; j < g.objectives.length; j++) {
        var o = g.objectives[j];
        lines.push(esc(o.name) + ": " + esc(fmtObj(o, c.obj[j].values[i])) + " (" + arrow(o) + ")");
      }
      for (var h = 0; h < g.hp.length; h++) {
        lines.push(esc(g.hp[h]) + " = " + esc(shorten(fmtVal(val(c.hp[h], i)), HOVER_MAX_CHARS)));
      }
      H[i] = lines.join("<br>");
    }
    state.hoverCache[state.g] = H;
    return H;
  }

  // Enter or Space on a focused element that is not a button acts as a click
  function onActivate(e, fn) {
    e.addEventListener("keydown", function (ev) {
      if (ev.target !== e || (ev.key !== "Enter" && ev.key !== " ")) return;
      ev.preventDefault();
      fn();
    });
  }

  // ---------------------------------------------------------------- generic sortable table
  function makeTable(columns, rows, opts) {
    opts = opts || {};
    var table = el("table", {class: "data" + (opts.clickable ? " clickable" : ""), id: opts.id});
    var thead = el("thead"), tbody = el("tbody"), tr = el("tr");
    var sortCol = -1, asc = true, current = rows.slice();
    columns.forEach(function (col, ci) {
      var th = el("th", {title: col.title || null, scope: "col"});
      th.appendChild(el("span", {class: "label", text: col.label}));
      if (opts.sortable !== false) {
        th.classList.add("sortable");
        th.setAttribute("aria-sort", "none");
        th.appendChild(el("span", {class: "sort-indicator", "aria-hidden": "true"}));
        th.tabIndex = 0;  // keyboard: Tab reaches the header, Enter or Space sorts
        onActivate(th, function () { th.click(); });
        th.addEventListener("click", function () {
          if (sortCol === ci) asc = !asc; else { sortCol = ci; asc = true; }
          current = rows.slice().sort(function (p, q) {
            var a = col.get(p), b = col.get(q);
            if (a == null && b == null) return 0;
            if (a == null) return 1;
            if (b == null) return -1;
            var r = (typeof a === "number" && typeof b === "number") ? a - b : String(a).localeCompare(String(b), undefined, {numeric: true});
            return asc ? r : -r;
          });
          Array.prototype.forEach.call(tr.children, function (h, hi) {
            h.setAttribute("aria-sort", hi === sortCol ? (asc ? "ascending" : "descending") : "none");
          });
          fill();
        });
      }
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    function fill() {
      var frag = document.createDocumentFragment();
      current.forEach(function (r) {
        var row = el("tr");
        if (opts.rowId) row.setAttribute("data-row", String(opts.rowId(r)));
        columns.forEach(function (col) {
          var v = col.get(r);
          var td = el("td", {class: col.numeric ? "num" : null});
          if (col.render) td.appendChild(col.render(r, v));
          else td.textContent = col.fmt ? col.fmt(v, r) : fmtVal(v);
          row.appendChild(td);
        });
        if (opts.onRowClick) {
          row.tabIndex = 0;  // keyboard: Tab reaches the row, Enter or Space selects its model
          row.addEventListener("click", function () { opts.onRowClick(r); });
          onActivate(row, function () { opts.onRowClick(r); });
        }
        frag.appendChild(row);
      });
      tbody.replaceChildren(frag);
      if (opts.afterFill) opts.afterFill(tbody);
    }
    fill();
    table.appendChild(thead);
    table.appendChild(tbody);
    return el("div", {class: "table-wrap"}, table);
  }

  // ---------------------------------------------------------------- page skeleton
  function section(id, title, help) {
    var s = el("section", {id: id});
    var h = el("h2", {text: title});
    s.appendChild(h);
    if (help) s.appendChild(el("p", {class: "help", text: help}));
    ui[id] = s;
    app.appendChild(s);
    return s;
  }

  // a section's own content, after what the section holds so far
  function bodyIn(s) {
    var b = el("div");
    s.appendChild(b);
    return b;
  }

  var app = document.getElementById("app");

  function buildSkeleton() {
    var header = el("header");
    header.appendChild(el("h1", {text: DATA.title}));
    header.appendChild(el("p", {class: "meta", text: DATA.num_runs + " run" + (DATA.num_runs === 1 ? "" : "s") + ", " +
      DATA.num_results.toLocaleString("en") + " results (trained models) from " + DATA.source +
      "; generated " + DATA.generated + " by syne-mohb."}));
    var controls = el("div", {class: "controls"});
    ui.groupSelect = el("select", {id: "group-select", "aria-label": "group of comparable runs"});
    DATA.groups.forEach(function (g, i) { ui.groupSelect.appendChild(el("option", {value: String(i), text: g.label})); });
    ui.groupSelect.addEventListener("change", function () { state.g = +ui.groupSelect.value; state.s = 0; state.selected = null; renderGroup(); });
    var gl = el("label", {id: "group-control", title: "runs are compared only with runs of the same benchmark, task and run parameters, " +
      "or of the same entry point, objectives and search space"}, "group ", ui.groupSelect);
    if (DATA.groups.length < 2) gl.hidden = true;
    ui.selSelect = el("select", {id: "selection-select", "aria-label": "runs shown"});
    ui.selSelect.addEventListener("change", function () { state.s = +ui.selSelect.value; state.selected = null; renderSelection(); });
    ui.selControl = el("label", {id: "selection-control"}, "runs shown ", ui.selSelect);
    controls.appendChild(gl);
    controls.appendChild(ui.selControl);
    header.appendChild(controls);
    if (DATA.skipped && DATA.skipped.length) {
      var sk = el("details", {class: "skipped", id: "skipped"});
      sk.appendChild(el("summary", {text: DATA.skipped.length + " run folder" + (DATA.skipped.length === 1 ? "" : "s") +
        " left out (unreadable, empty or interrupted)"}));
      var ul = el("ul");
      DATA.skipped.forEach(function (k) { ul.appendChild(el("li", null, el("code", {text: k.path}), ": " + k.reason)); });
      sk.appendChild(ul);
      header.appendChild(sk);
    }
    ui.groupNote = el("p", {class: "meta", id: "group-note"});
    header.appendChild(ui.groupNote);
    app.appendChild(header);

    var ex = section("explorer", "Pareto front: every trained model in each 2-D projection of the objectives",
      "One point per trained model (a configuration at one " + "epoch/fidelity), coloured by instance type where the " +
      "runs tune it. Outlined points form the Pareto set over all objectives; faded points are dominated by some other model " +
      "in all objectives; the black step line is the 2-D front of the projection. Hover a point for its " +
      "configuration, click it to select it in every projection and in the table below. Click a legend entry " +
      "to hide or show it; drag to zoom, double-click to reset.");
    ui.legend = el("div", {id: "legend", class: "legend", role: "group", "aria-label": "legend"});
    ex.appendChild(ui.legend);
    var wrap = el("div", {class: "explorer"});
    ui.projections = el("div", {id: "projections", class: "projections"});
    ui.details = el("aside", {id: "details", class: "details", "aria-live": "polite"});
    wrap.appendChild(ui.projections);
    wrap.appendChild(ui.details);
    ex.appendChild(wrap);
    ui.dropped = el("p", {class: "help", id: "dropped"});
    ex.appendChild(ui.dropped);

    ui.paretoTitle = section("pareto-set", "Pareto set",
      "Models no other model beats in every objective (identical models reached by several trials are listed " +
      "once). Click a column header to sort, a row to select the model in the plots.").querySelector("h2");
    ui.paretoBody = bodyIn(ui["pareto-set"]);

    section("instances", "Per instance type",
      "Trials and models trained on each instance type, how many models are on the Pareto set, the best value of " +
      "the first objective, the cheapest model reaching that value, and the dollars the tuning job spent there " +
      "(sum over trials of their training dollars). Click a row to select that cheapest model.");
    ui.instBody = bodyIn(ui.instances);

    section("recommendations", "Hardware recommendations (predicted)",
      "Each model of the Pareto set of all runs of this group, trained to its " + "epoch/fidelity on each instance type: " +
      "the predicted time and dollars (median and interval of a runtime model with configuration x hardware " +
      "interactions, fitted on every result of the runs; dollars = time x the type's $/hour), next to what the runs " +
      "measured where they trained that configuration on that type to that fidelity. Rows marked measured hold both; " +
      "rows marked predicted are a model's estimate, not a measurement. Click a row to select its model in the plots.");
    ui.recBody = bodyIn(ui.recommendations);

    section("target", "Time and dollars to the target accuracy",
      "Each method against the baseline at one target: the baseline's best accuracy, averaged over its seeds, minus 0.5 " +
      "points. (a) Tuning time and tuning dollars until a run first reports a model at the target (a run that never " +
      "reaches it counts with its whole budget and all it spent); (b) the found model's own training time and dollars. " +
      "Ratios: mean(baseline) / mean(method) over the paired seeds (> 1: the method is better) with the 95% bootstrap " +
      "interval; bold: the interval lies above 1, italic: below 1, plain: a tie at 95%.");
    ui.targetBody = bodyIn(ui.target);

    section("hypervolume", "Hypervolume against tuning time and tuning dollars",
      "Hypervolume of the models trained so far, as a fraction of the reference box (higher is better), " +
      "per method: line = mean over seeds, band = one standard deviation (3 or more seeds) or min-max " +
      "(2 seeds). Objectives are log10-scaled where flagged (metric_log; listed below), turned into minimisation, " +
      "normalised to [0, 1] with " +
      "bounds common to all methods and seeds, reference point 1.1 in every objective.");
    ui.hvPlots = el("div", {class: "hv-plots"});
    ui.hvTime = el("div", {id: "hv-time", class: "plot hv"});
    ui.hvDollars = el("div", {id: "hv-dollars", class: "plot hv"});
    ui.hvPlots.appendChild(ui.hvTime);
    ui.hvPlots.appendChild(ui.hvDollars);
    ui.hypervolume.appendChild(ui.hvPlots);
    ui.hvNote = el("p", {class: "help", id: "hv-note"});
    ui.hypervolume.appendChild(ui.hvNote);
    ui.methodsBody = bodyIn(ui.hypervolume);

    section("runs", "Runs (metadata)", "What each run optimised, with which scheduler, budget and workers, and when.");
    ui.runsBody = bodyIn(ui.runs);
  }

  // ---------------------------------------------------------------- rendering
  // Tables are filled at once; the plots are drawn one per animation frame afterwards, so that
  // the page paints before the (large) scatter plots are ready. body[data-ready] becomes "1"
  // when every plot of the current view has been drawn and painted.
  var generation = 0;

  function nextFrame() {
    return new Promise(function (resolve) { requestAnimationFrame(function () { setTimeout(resolve, 0); }); });
  }
  // plotly.js (4.8 MB) is embedded as text and compiled only after the first paint, so that the
  // header and the tables show while the plots are prepared
  function ensurePlotly() {
    if (window.Plotly) return;
    var src = document.getElementById("plotly-js");
    if (!src) throw new Error("plotly.js is missing from the page");
    var script = document.createElement("script");
    script.textContent = src.textContent;
    document.head.appendChild(script);
    src.parentNode.removeChild(src);
    if (!window.Plotly) throw new Error("plotly.js could not be started");
    if (performance.mark) performance.mark("report-plotly-loaded");
  }

  function drawLater(tasks) {
    var mine = ++generation;
    document.body.setAttribute("data-ready", "0");
    var chain = nextFrame().then(ensurePlotly);
    tasks.forEach(function (task) {
      chain = chain.then(nextFrame).then(function () { return mine === generation ? task() : null; });
    });
    chain.then(nextFrame).then(function () {
      if (mine !== generation) return;
      if (performance.mark) performance.mark("report-ready");
      document.body.setAttribute("data-ready", "1");
    }, showError);
  }
  function showError(err) {
    var msg = (err && err.message) ? err.message : String(err);
    document.body.setAttribute("data-error", msg);
    app.insertBefore(el("p", {class: "error", text: "The report could not be drawn: " + msg}), app.firstChild);
  }

  function renderGroup() {
    var g = group();
    ui.selSelect.replaceChildren();
    g.selections.forEach(function (s, i) {
      ui.selSelect.appendChild(el("option", {value: String(i), text: s.label}));
    });
    ui.selSelect.value = String(state.s);
    ui.selControl.hidden = g.selections.length < 2;
    // one plot container per projection
    if (window.Plotly) ui.projections.querySelectorAll(".plot").forEach(function (d) { Plotly.purge(d); });
    ui.projections.replaceChildren();
    ui.projDivs = g.pairs.map(function (p, k) {
      var d = el("div", {class: "plot projection", id: "projection-" + k});
      ui.projections.appendChild(d);
      return d;
    });
    state.hidden = {};
    renderLegend();
    ui.groupNote.textContent = g.description ? "Compared here: " + g.description + "." : "";
    // no instance dimension (e.g. a local run): no per-instance-type section
    ui.instances.hidden = !g.instance_attr;
    ui.recommendations.hidden = !g.recommendations;
    renderRecommendations();
    renderTarget();
    ui.dropped.textContent = g.dropped ? (g.dropped + " results without a value for every objective are not shown.") : "";
    renderRuns();
    var tasks = renderSelection(true);
    drawLater(tasks.concat(renderHypervolume()));
  }

  function renderLegend() {
    var g = group(), counts = {};
    var inst = g.columns.inst.values;
    for (var i = 0; i < g.n; i++) counts[inst[i]] = (counts[inst[i]] || 0) + 1;
    ui.legend.replaceChildren();
    var title = g.instance_attr ? g.instance_attr + " (click to hide / show):" : "models:";
    ui.legend.appendChild(el("span", {class: "legend-title", text: title}));
    var n = Math.max(1, g.instance_types.length);
    for (var k = 0; k < n; k++) {
      (function (k) {
        var item = el("button", {type: "button", class: "legend-item", "data-instance": instName(g, k), "aria-pressed": "true",
          title: counts[k] + " results in all runs of this task"},
          el("span", {class: "swatch", style: "background:" + color(k)}), instName(g, k));
        item.addEventListener("click", function () {
          state.hidden[k] = !state.hidden[k];
          item.setAttribute("aria-pressed", state.hidden[k] ? "false" : "true");
          item.classList.toggle("off", !!state.hidden[k]);
          ui.projDivs.forEach(function (d) {
            if (!d.data) return;
            var idx = [];
            d.data.forEach(function (t, ti) { if (t.meta && t.meta.k === k) idx.push(ti); });
            Plotly.restyle(d, {visible: state.hidden[k] ? false : true}, idx);
          });
        });
        ui.legend.appendChild(item);
      })(k);
    }
    // each mark and its words in one unbreakable span: a narrow window wraps between entries
    var entry = function (mark, text) { return el("span", {class: "legend-mark"}, mark, text); };
    var marks = el("span", {class: "legend-marks"},
      entry(el("span", {class: "mark mark-front"}), "outlined: on the Pareto set (all objectives)"),
      entry(el("span", {class: "mark mark-dominated"}), "faded: dominated in all objectives"),
      entry(el("span", {class: "mark mark-line"}), "2-D front of the projection"),
      entry(el("span", {class: "mark mark-selected"}), "selected model"),
      entry(el("span", {class: "mark-arrows", text: "\u2191 / \u2193"}), "higher / lower is better"));
    ui.legend.appendChild(marks);
  }

  function renderSelection(inGroup) {
    renderParetoTable();
    renderInstances();
    showDetails(state.selected, false);
    var tasks = ui.projDivs.map(function (d, p) { return function () { return drawProjection(d, p); }; });
    if (!inGroup) drawLater(tasks);
    return tasks;
  }

  function projectionFigure(g, sel, p) {
    var a = g.pairs[p][0], b = g.pairs[p][1];
    var single = a === b;
    var oy = g.objectives[a], ox = g.objectives[b];
    var n = sel.end - sel.start;
    var type = (HAS_WEBGL && n > DATA.webgl_min_points) ? "scattergl" : "scatter";
    var H = hoverTexts(g);
    var X = g.columns.obj[b].values, Y = g.columns.obj[a].values, inst = g.columns.inst.values;
    if (single) X = g.columns.t.values;
    var isFront = new Uint8Array(g.n);
    sel.front.forEach(function (i) { isFront[i] = 1; });
    var nInst = Math.max(1, g.instance_types.length);
    var dom = [], fr = [], k, i;
    for (k = 0; k < nInst; k++) { dom.push([]); fr.push([]); }
    for (i = sel.start; i < sel.end; i++) (isFront[i] ? fr : dom)[inst[i]].push(i);
    function pts(rows, marker, name, showlegend, kind) {
      return {
        type: type, mode: "markers", name: name, legendgroup: "inst" + kind.k, showlegend: showlegend,
        x: rows.map(function (r) { return X[r]; }), y: rows.map(function (r) { return Y[r]; }),
        text: rows.map(function (r) { return H[r]; }), customdata: rows,
        hovertemplate: "%{text}<extra></extra>", marker: marker, meta: {kind: kind.kind, k: kind.k},
        visible: state.hidden[kind.k] ? false : true
      };
    }
    var traces = [];
    for (k = 0; k < nInst; k++) {
      traces.push(pts(dom[k], {color: color(k), size: 5, opacity: 0.25}, instName(g, k), false, {k: k, kind: "dominated"}));
    }
    for (k = 0; k < nInst; k++) {
      traces.push(pts(fr[k], {color: color(k), size: 9, opacity: 1, line: {color: "#111", width: 1}},
        instName(g, k), true, {k: k, kind: "front"}));
    }
    if (!single) {
      var f2 = sel.front2d[p];
      traces.push({
        type: "scatter", mode: "lines", name: "2-D front of this projection",
        x: f2.map(function (r) { return X[r]; }), y: f2.map(function (r) { return Y[r]; }),
        line: {color: "#111", width: 1.2, shape: ox.mode === "min" ? "hv" : "vh"}, hoverinfo: "skip", meta: {kind: "front2d"}
      });
    }
    var s = state.selected;
    var inSel = s != null && s >= sel.start && s < sel.end;
    traces.push({type: "scatter", mode: "markers", name: "selected model (click a point or a table row)",
      x: inSel ? [X[s]] : [null], y: inSel ? [Y[s]] : [null], hoverinfo: "skip", meta: {kind: "selected"},
      marker: {symbol: "circle-open", size: 18, color: "#d6001c", line: {width: 2.5, color: "#d6001c"}}});
    var xTitle = single ? "tuning time (seconds since the tuning job started)" : ox.label;
    var layout = {
      title: {text: single ? esc(oy.name) + " over tuning time" : esc(oy.name) + " vs " + esc(ox.name), font: {size: 14},
              x: 0.01, xanchor: "left"},
      xaxis: axis(xTitle, (!single && ox.log), single ? null : ox),
      yaxis: axis(oy.label, oy.log, oy),
      hovermode: "closest", margin: {l: 60, r: 12, t: 36, b: 10}, showlegend: false,
      hoverlabel: {align: "left"}, paper_bgcolor: "#fff", plot_bgcolor: "#fafafa",
      uirevision: state.g + ":" + state.s + ":" + p
    };
    return {data: traces, layout: layout, xObjective: single ? null : ox};
  }

  function axis(title, log, o) {
    // "1e-4" rather than "1x10^-4": the PNG plots' notation, and narrow enough for a cost axis
    var ax = {title: {text: esc(title)}, type: log ? "log" : "linear", zeroline: false, automargin: true,
              exponentformat: "e", showexponent: "all"};
    if (o && o.prefix) ax.tickprefix = o.prefix;
    if (log && o && o.ticks) {
      // the ticks and labels of the PNG plots' rule (one notation per axis), from Python
      ax.tickmode = "array";
      ax.tickvals = o.ticks.values;
      ax.ticktext = tickText(o.ticks, o.prefix);
    } else if (log) {
      ax.dtick = "D2";  // label 1, 2 and 5 of each decade, not every digit
    }
    return ax;
  }

  function tickText(ticks, prefix) {
    return ticks.labels.map(function (t) { return (prefix || "") + t; });
  }

  // Whether two tick labels of the drawn x axis of plot d overlap (or come closer than 3 px).
  function xLabelsOverlap(d) {
    var boxes = Array.prototype.map.call(d.querySelectorAll(".xaxislayer-above .xtick text"), function (t) {
      return t.getBoundingClientRect();
    }).filter(function (b) { return b.width > 0; });
    boxes.sort(function (a, b) { return a.left - b.left; });
    for (var i = 1; i < boxes.length; i++) {
      if (boxes[i - 1].right + 3 > boxes[i].left) return true;
    }
    return false;
  }

  // Thin the x tick labels of plot d until they do not overlap at its current size: a log axis
  // steps through the sparser tick sets computed in Python (o.ticks.sparser), a linear axis gets
  // fewer ticks. Runs after every draw (a narrow window, a resize), so the labels of a cost
  // axis near $1e-4 never run into each other.
  function fitXTicks(d, o) {
    if (d._synemohbFitting || !d._fullLayout || !d._fullLayout.xaxis) return Promise.resolve();
    d._synemohbFitting = true;
    var step = function () {
      if (!xLabelsOverlap(d)) return Promise.resolve();
      var xa = d._fullLayout.xaxis, update = null;
      if (xa.type === "log" && xa.tickmode === "array" && o && o.ticks && o.ticks.sparser) {
        var n = (xa.tickvals || []).length;
        var next = o.ticks.sparser.filter(function (t) { return t.values.length < n && t.values.length >= 2; })[0];
        if (next) update = {"xaxis.tickvals": next.values, "xaxis.ticktext": tickText(next, o.prefix)};
      } else if (xa.type === "linear") {
        var shown = (xa._vals || []).length;
        if (shown > 2) update = {"xaxis.nticks": shown - 1};
      }
      if (!update) return Promise.resolve();
      return Plotly.relayout(d, update).then(step);
    };
    return step().then(function () { d._synemohbFitting = false; },
                        function (e) { d._synemohbFitting = false; throw e; });
  }

  function drawProjection(d, p) {
    var fig = projectionFigure(group(), selection(), p);
    d._synemohbAxis = fig.xObjective;
    return Plotly.react(d, fig.data, fig.layout, PLOT_CONFIG).then(function () {
      return fitXTicks(d, d._synemohbAxis);
    }).then(function () {
      if (d._synemohbBound) return;
      d._synemohbBound = true;
      d.on("plotly_afterplot", function () { fitXTicks(d, d._synemohbAxis); });
      d.on("plotly_click", function (ev) {
        var row = rowOf(ev);
        if (row != null) select(row);
      });
      d.on("plotly_hover", function (ev) {
        var row = rowOf(ev);
        if (row != null) showDetails(row, true);
      });
      d.on("plotly_unhover", function () { showDetails(state.selected, false); });
    });
  }

  function rowOf(ev) {
    if (!ev || !ev.points || !ev.points.length) return null;
    for (var i = 0; i < ev.points.length; i++) {
      var pt = ev.points[i], cd = pt.data && pt.data.customdata;
      if (cd) {
        var idx = pt.pointIndex != null ? pt.pointIndex : pt.pointNumber;
        if (cd[idx] != null) return cd[idx];
      }
    }
    return null;
  }

  function select(row) {
    state.selected = row;
    var g = group(), sel = selection();
    ui.projDivs.forEach(function (d, p) {
      if (!d.data) return;
      var a = g.pairs[p][0], b = g.pairs[p][1];
      var X = a === b ? g.columns.t.values : g.columns.obj[b].values, Y = g.columns.obj[a].values;
      var idx = d.data.length - 1;
      var inSel = row != null && row >= sel.start && row < sel.end;
      Plotly.restyle(d, {x: [inSel ? [X[row]] : [null]], y: [inSel ? [Y[row]] : [null]]}, [idx]);
    });
    highlightRows();
    showDetails(row, false);
  }

  function highlightRows() {
    document.querySelectorAll("tr.selected").forEach(function (tr) { tr.classList.remove("selected"); });
    if (state.selected == null) return;
    document.querySelectorAll('tr[data-row="' + state.selected + '"]').forEach(function (tr) { tr.classList.add("selected"); });
  }

  function showDetails(row, hovered) {
    var g = group(), sel = selection(), c = g.columns;
    ui.details.replaceChildren();
    ui.details.setAttribute("data-row", row == null ? "" : String(row));
    if (row == null) {
      ui.details.appendChild(el("h3", {text: "Model"}));
      ui.details.appendChild(el("p", {class: "help", text: "Hover a point to see its configuration; click it to select it."}));
      return;
    }
    ui.details.appendChild(el("h3", {text: hovered ? "Model under the pointer" : "Selected model"}));
    var onFront = sel.front.indexOf(row) >= 0;
    var items = [];
    if (multiRun(g)) items.push(["run", g.runs[c.run.values[row]].label]);
    items.push(["trial", fmtVal(val(c.trial, row))]);
    if (c.epoch) items.push([fidName(g), fmtVal(val(c.epoch, row))]);
    if (g.instance_attr) items.push([g.instance_attr, instName(g, c.inst.values[row])]);
    if (g.moved && g.moved[row] != null) items.push(["ran before on", g.moved[row] + " (time and dollars count it)"]);
    g.objectives.forEach(function (o, j) {
      items.push([o.name + " " + arrow(o), fmtObj(o, c.obj[j].values[row]) + (o.unit ? " (" + o.unit + ")" : "")]);
    });
    var dl = el("dl", {class: "kv"});
    items.forEach(function (kv) { dl.appendChild(el("dt", {text: kv[0]})); dl.appendChild(el("dd", {text: kv[1]})); });
    ui.details.appendChild(dl);
    ui.details.appendChild(el("h4", {text: "Hyperparameters"}));
    var hp = el("dl", {class: "kv hp"});
    g.hp.forEach(function (name, h) { hp.appendChild(el("dt", {text: name})); hp.appendChild(el("dd", {text: fmtVal(val(c.hp[h], row))})); });
    ui.details.appendChild(hp);
    var status = el("dl", {class: "kv"});
    status.appendChild(el("dt", {text: "Pareto set"}));
    status.appendChild(el("dd", {text: onFront ? "yes" : "no (dominated)"}));
    status.appendChild(el("dt", {text: "reported at tuning time"}));
    status.appendChild(el("dd", {text: fmtNum(c.t.values[row], 5) + " s"}));
    if (c.spent.values[row] != null) {
      status.appendChild(el("dt", {text: "tuning dollars spent by then"}));
      status.appendChild(el("dd", {text: "$" + fmtNum(c.spent.values[row], 5)}));
    }
    ui.details.appendChild(status);
  }

  function objColumn(g, j) {
    var o = g.objectives[j];
    return {label: o.name + " " + arrow(o) + (o.unit ? " (" + o.unit + ")" : ""), title: o.name + ": " + dirWord(o) + (o.unit ? ", " + o.unit : ""),
            numeric: true, get: function (r) { return g.columns.obj[j].values[r]; }, fmt: function (v) { return fmtObj(o, v); }};
  }

  function renderParetoTable() {
    var g = group(), sel = selection(), c = g.columns;
    ui.paretoTitle.textContent = "Pareto set: " + sel.table.length + " model" + (sel.table.length === 1 ? "" : "s") +
      " of " + (sel.end - sel.start).toLocaleString("en");
    var cols = [];
    if (multiRun(g) && sel.run == null) cols.push({label: "run", get: function (r) { return g.runs[c.run.values[r]].label; }});
    cols.push({label: "trial", numeric: true, get: function (r) { return val(c.trial, r); }});
    if (c.epoch) cols.push({label: fidName(g), numeric: true, get: function (r) { return val(c.epoch, r); }});
    if (g.instance_attr) cols.push({label: g.instance_attr, get: function (r) { return instName(g, c.inst.values[r]); },
      title: "the type that trained the model's last segment; \"after\": the types its trial ran on before (its time and dollars count them too)",
      render: function (r, v) {
        var cell = swatch(c.inst.values[r], v);
        if (g.moved && g.moved[r] != null) cell.appendChild(el("span", {class: "moved", text: " (after " + g.moved[r] + ")"}));
        return cell;
      }});
    g.objectives.forEach(function (o, j) { cols.push(objColumn(g, j)); });
    g.hp.forEach(function (name, h) {
      // a long value (an architecture string) is shortened in its cell, whole in its tooltip
      // and in the side panel: one long column pushed every column after it out of view
      cols.push({label: name, get: function (r) { return val(c.hp[h], r); }, numeric: typeof val(c.hp[h], sel.table[0]) === "number",
        render: function (r, v) {
          var text = fmtVal(v);
          return text.length <= HOVER_MAX_CHARS ? el("span", {text: text}) : el("span", {text: shorten(text, HOVER_MAX_CHARS), title: text});
        }});
    });
    ui.paretoBody.replaceChildren(makeTable(cols, sel.table, {id: "pareto-table", clickable: true,
      rowId: function (r) { return r; }, onRowClick: function (r) { select(r); }, afterFill: highlightRows}));
  }

  function swatch(k, text) {
    return el("span", {class: "inst"}, el("span", {class: "swatch", style: "background:" + color(k)}), text);
  }

  function renderInstances() {
    var g = group(), sel = selection(), c = g.columns, o0 = g.objectives[0];
    if (!sel.instances) { ui.instBody.replaceChildren(); return; }
    var cheapObj = g.objectives.map(function (o, j) { return j; }).filter(function (j) { return j > 0; });
    var cols = [
      {label: g.instance_attr || "models", get: function (s) { return s.instance; },
        render: function (s) { return swatch(Math.max(0, g.instance_types.indexOf(s.instance)), s.instance); }},
      {label: "trials", numeric: true, get: function (s) { return s.trials; }},
      {label: "models", numeric: true, title: "trained models (results) shown", get: function (s) { return s.models; }},
      {label: "on Pareto set", numeric: true, get: function (s) { return s.front; }},
      {label: "best " + o0.name + " " + arrow(o0), title: o0.name + ": " + dirWord(o0), numeric: true,
        get: function (s) { return s.best; }, fmt: function (v) { return fmtObj(o0, v); }},
      {label: "cheapest model at that " + o0.name, title: "the model of this instance type with the best " + o0.name +
        " and, among those, the lowest dollars (or time)", get: function (s) {
        var r = s.cheapest_row;
        return "trial " + fmtVal(val(c.trial, r)) + (c.epoch ? ", " + fidName(g) + " " + fmtVal(val(c.epoch, r)) : "") +
          (multiRun(g) && sel.run == null ? " (" + g.runs[c.run.values[r]].label + ")" : "");
      }}
    ];
    cheapObj.forEach(function (j) {
      var o = g.objectives[j];
      cols.push({label: "its " + o.name + " " + arrow(o) + (o.unit ? " (" + o.unit + ")" : ""), numeric: true,
        title: "of the cheapest model at the best " + o0.name,
        get: function (s) { return c.obj[j].values[s.cheapest_row]; }, fmt: function (v) { return fmtObj(o, v); }});
    });
    cols.push({label: "dollars spent ($)", numeric: true, title: "sum over this instance type's trials of their training dollars",
      get: function (s) { return s.dollars_spent; }, fmt: function (v) { return v == null ? "\u2013" : "$" + fmtNum(v, 5); }});
    ui.instBody.replaceChildren(makeTable(cols, sel.instances, {id: "instance-table", clickable: true,
      rowId: function (s) { return s.cheapest_row; }, onRowClick: function (s) { select(s.cheapest_row); }, afterFill: highlightRows}));
  }

  function fmtDuration(s) {
    if (s == null || !isFinite(s)) return "\u2013";
    if (s < 60) return (s < 10 ? +s.toPrecision(2) : Math.round(s)) + " s";
    if (s < 3600) { var m = s / 60; return (m < 10 ? m.toFixed(1) : Math.round(m)) + " min"; }
    if (s < 172800) { var h = s / 3600; return (h < 10 ? h.toFixed(1) : Math.round(h)) + " h"; }
    return (s / 86400).toFixed(1) + " days";
  }
  function fmtDollars(d) {
    if (d == null || !isFinite(d)) return "\u2013";
    if (d >= 100) return "$" + Math.round(d).toLocaleString("en");
    if (d >= 0.01 || d === 0) return "$" + d.toFixed(2);
    return "$" + d.toFixed(1 - Math.floor(Math.log10(d)));
  }

  function renderRecommendations() {
    var g = group(), rec = g.recommendations;
    ui.recBody.replaceChildren();
    if (!rec) return;
    if (rec.error) {
      ui.recBody.appendChild(el("p", {class: "help", id: "recommendations-error", text: "No recommendations: " + rec.error}));
      return;
    }
    var pct = Math.round(rec.level * 100) + "%", o0 = g.objectives[0];
    ui.recBody.appendChild(el("p", {class: "help", id: "recommendations-count", text: rec.models + " model" + (rec.models === 1 ? "" : "s") +
      " x " + rec.types.length + " instance types = " + rec.rows.length + " rows; intervals: central " + pct +
      " of the prediction. Sort by a column to find the fastest or cheapest type for a model."}));
    var cols = [
      {label: "model", numeric: true, title: "position among the Pareto set's distinct models (best first in " + o0.name + "; one model trained on several types counts once)", get: function (r) { return r.model; }}
    ];
    if (multiRun(g)) cols.push({label: "run", get: function (r) { return g.runs[r.run].label; }});
    cols.push({label: "trial", numeric: true, get: function (r) { return r.trial; }});
    cols.push({label: rec.fidelity, numeric: true, get: function (r) { return r.fidelity; }});
    cols.push({label: o0.name + " " + arrow(o0), numeric: true, title: o0.name + " of the model (as the run measured it)",
      get: function (r) { return r.objectives[0]; }, fmt: function (v) { return fmtObj(o0, v); }});
    cols.push({label: g.instance_attr, get: function (r) { return r.instance; },
      render: function (r) { var k = g.instance_types.indexOf(r.instance); return k >= 0 ? swatch(k, r.instance) : el("span", {text: r.instance}); }});
    cols.push({label: "kind", title: "measured: the runs trained this configuration on this type to this fidelity; failed: a trial of it failed on this type (e.g. out of memory), not a recommendation; predicted: an estimate",
      get: function (r) { return r.kind; }, render: function (r) { return el("span", {class: "kind kind-" + r.kind, text: r.kind}); }});
    cols.push({label: "time", numeric: true, title: "measured where measured, else the predicted median",
      get: function (r) { return r.kind === "measured" ? r.measured_seconds : r.seconds[0]; }, fmt: fmtDuration});
    cols.push({label: "dollars", numeric: true, title: "measured where measured, else the predicted median",
      get: function (r) { return r.kind === "measured" ? r.measured_dollars : r.dollars[0]; }, fmt: fmtDollars});
    cols.push({label: "predicted time (" + pct + " interval)", numeric: true, get: function (r) { return r.seconds[0]; },
      fmt: function (v, r) { return fmtDuration(v) + " [" + fmtDuration(r.seconds[1]) + ", " + fmtDuration(r.seconds[2]) + "]"; }});
    cols.push({label: "predicted dollars (" + pct + " interval)", numeric: true, get: function (r) { return r.dollars[0]; },
      fmt: function (v, r) { return v == null ? "\u2013" : fmtDollars(v) + " [" + fmtDollars(r.dollars[1]) + ", " + fmtDollars(r.dollars[2]) + "]"; }});
    cols.push({label: "measured in trial", get: function (r) { return r.measured_trial; },
      fmt: function (v, r) { return v == null ? "\u2013" : (r.measured_run ? r.measured_run + ", trial " : "") + v; }});
    cols.push({label: "$/hour", numeric: true, get: function (r) { return r.price; }, fmt: function (v) { return v == null ? "\u2013" : "$" + fmtNum(v, 4); }});
    cols.push({label: "note", get: function (r) { return r.note || null; }});
    ui.recBody.appendChild(makeTable(cols, rec.rows, {id: "recommendations-table", clickable: true,
      rowId: function (r) { return r.page_row == null ? "" : r.page_row; },
      onRowClick: function (r) { if (r.page_row != null) select(r.page_row); }, afterFill: highlightRows}));
  }

  // "2.58x [1.87, 3.45]", bold where the interval lies above 1, italic below 1 (a tie otherwise)
  function ratioCell(cell) {
    if (!cell || cell[0] == null) return el("span", {text: "\u2013"});
    // two decimals, as the text report prints them
    var text = cell[0].toFixed(2) + "x" + (cell[1] != null && cell[2] != null ? " [" + cell[1].toFixed(2) + ", " + cell[2].toFixed(2) + "]" : "");
    var kind = cell[1] != null && cell[1] > 1 ? "ahead" : (cell[2] != null && cell[2] < 1 ? "behind" : "tie");
    return el("span", {class: "ratio ratio-" + kind, text: text,
      title: kind === "ahead" ? "better at 95%" : (kind === "behind" ? "worse at 95%" : (cell[1] == null ? "one seed: no interval" : "a tie at 95%"))});
  }

  var MEASURES = [["tune_time", "tuning time"], ["tune_dollars", "tuning $"], ["model_time", "found model's time"],
                  ["model_dollars", "found model's $"]];

  function ratioColumns(key, what) {
    return MEASURES.map(function (m) {
      return {label: m[1] + " " + what, numeric: true, title: "mean(" + what.replace(/^vs /, "") + ") / mean(method) over paired seeds [95% bootstrap interval]",
        get: function (r) { var c = key(r); return c && c[m[0]] ? c[m[0]][0] : null; },
        render: function (r) { var c = key(r); return ratioCell(c ? c[m[0]] : null); }};
    });
  }

  function renderTarget() {
    var g = group(), cmp = g.comparison, parts = [];
    ui.targetBody.replaceChildren();
    // no cmp: nothing to compare in this group (no baseline); the medians over tasks still hold
    if (cmp && cmp.missing) {
      parts.push(el("p", {class: "help", id: "target-missing", text: "No comparison in this group: " + cmp.missing + "."}));
    } else if (cmp) {
      parts.push(el("p", {class: "help", id: "target-value", text: "Baseline " + cmp.baseline + "; target accuracy " +
        fmtNum(cmp.target, 4) + (cmp.versus ? "; peer " + cmp.versus + (cmp.peer_in_group ? "" : " (not in this group)") : "") + "."}));
      if (cmp.pool) {
        parts.push(el("p", {class: "help", id: "target-pool", text: "The runs of this script in " + cmp.pool.groups.length +
          " groups, compared together as " + cmp.pool.label + " (the same table in each of them): " + cmp.pool.groups.join("; ") +
          ". Their objectives or search spaces differ, so they share no Pareto set or hypervolume, but their time and dollars to one accuracy compare."}));
      }
      var fmtS = function (v) { return v == null ? "\u2013" : fmtNum(v, 4) + " s"; };
      var fmtD = function (v) { return v == null ? "\u2013" : "$" + fmtNum(v, 4); };
      var cols = [
        {label: "method", get: function (r) { return r.method; }},
        {label: "reached", numeric: true, title: "runs that reached the target / runs", get: function (r) { return r.reached / r.seeds; },
          fmt: function (v, r) { return r.reached + "/" + r.seeds; }},
        {label: "tuning time (mean)", numeric: true, get: function (r) { return r.means.tune_time; }, fmt: fmtS},
        {label: "tuning $ (mean)", numeric: true, get: function (r) { return r.means.tune_dollars; }, fmt: fmtD},
        {label: "found model's time (mean)", numeric: true, get: function (r) { return r.means.model_time; }, fmt: fmtS},
        {label: "found model's $ (mean)", numeric: true, get: function (r) { return r.means.model_dollars; }, fmt: fmtD}
      ].concat(ratioColumns(function (r) { return r.vs_baseline; }, "vs " + cmp.baseline));
      parts.push(makeTable(cols, cmp.rows, {id: "target-table"}));
      var bd = cmp.bounds;
      if (bd && bd.best_possible != null) {
        parts.push(el("p", {class: "help", id: "target-bounds", text: "Bounds from the benchmark's table: the cheapest model at the " +
          "target costs $" + fmtNum(bd.cheapest_dollars, 4) + ", " + bd.best_possible.toFixed(2) + "x less than " + cmp.baseline +
          "'s found model ($" + fmtNum(bd.found_dollars, 4) + "; best possible: no method's found model's $ ratio can exceed it)" +
          (bd.exhaustive_once != null ? "; an exhaustive search that trains every configuration on every type once finds one " +
          bd.exhaustive_once.toFixed(2) + "x cheaper on average" : "") + "."}));
      }
      var paired = cmp.rows.filter(function (r) { return r.vs_peer; });
      if (paired.length) {
        parts.push(el("h3", {text: "Against " + cmp.versus + ", at the same target"}));
        parts.push(makeTable([
          {label: "method", get: function (r) { return r.method; }},
          {label: "reached", numeric: true, get: function (r) { return r.reached / r.seeds; }, fmt: function (v, r) { return r.reached + "/" + r.seeds; }}
        ].concat(ratioColumns(function (r) { return r.vs_peer; }, "vs " + cmp.versus)), paired, {id: "versus-table"}));
      }
    }
    var over = DATA.over_tasks || [];
    if (over.length) {
      parts.push(el("h3", {text: "Per benchmark: the median over its tasks"}));
      parts.push(el("p", {class: "help", text: "Where a benchmark's tasks were run with the same parameters: the median over the tasks of " +
        "the same ratio (peer / method), the seeds resampled together across tasks; reached: over all tasks. The same for every group."}));
      parts.push(makeTable([
        {label: "benchmark", get: function (r) { return r.benchmark; }},
        {label: "peer", get: function (r) { return r.peer; }},
        {label: "method", get: function (r) { return r.method; }},
        {label: "tasks", numeric: true, get: function (r) { return r.tasks; }},
        {label: "reached", numeric: true, get: function (r) { return r.reached; }, fmt: function (v, r) { return v + "/" + (r.tasks * r.seeds); }}
      ].concat(ratioColumns(function (r) { return r.ratios; }, "vs peer")), over, {id: "over-tasks-table"}));
    }
    parts.forEach(function (e) { ui.targetBody.appendChild(e); });
    ui.target.hidden = !cmp && !over.length;
  }

  function renderHypervolume() {
    var g = group(), hv = g.hypervolume, tasks = [];
    [["time", ui.hvTime], ["dollars", ui.hvDollars]].forEach(function (pair) {
      var which = pair[0], div = pair[1];
      if (window.Plotly) Plotly.purge(div);
      if (!hv || !hv[which]) {
        div.replaceChildren(el("p", {class: "help", text: which === "dollars" ? "No dollars reported: no hypervolume against tuning dollars." : "No results."}));
        return;
      }
      div.replaceChildren();
      var traces = [];
      hv[which].curves.forEach(function (cv, k) {
        var col = PALETTE[k % PALETTE.length];
        if (cv.seeds > 1) {
          traces.push({type: "scatter", mode: "lines", x: cv.x.concat(cv.x.slice().reverse()), y: cv.hi.concat(cv.lo.slice().reverse()),
            fill: "toself", fillcolor: col, opacity: 0.18, line: {width: 0}, hoverinfo: "skip", legendgroup: cv.method,
            showlegend: true, name: cv.method + " spread (" + cv.band + ")"});
        }
        traces.push({type: "scatter", mode: "lines", x: cv.x, y: cv.mean, line: {color: col, width: 2}, legendgroup: cv.method,
          name: cv.method + (cv.seeds > 1 ? " mean of " + cv.seeds + " seeds" : ""),
          hovertemplate: esc(cv.method) + "<br>" + (which === "time" ? "%{x:.4g} s" : "$%{x:.4g}") + ": hypervolume %{y:.4f}<extra></extra>"});
      });
      var layout = {
        title: {text: "hypervolume vs tuning " + (which === "time" ? "time" : "dollars"), font: {size: 14}, x: 0.01, xanchor: "left"},
        xaxis: {title: {text: esc(hv[which].x_label)}, zeroline: false, automargin: true, tickprefix: which === "time" ? "" : "$", exponentformat: "e"},
        yaxis: {title: {text: "hypervolume (higher is better)<br>fraction of the reference box"}, rangemode: "tozero", automargin: true},
        margin: {l: 60, r: 10, t: 40, b: 10}, showlegend: true, legend: {orientation: "h", x: 0, y: -0.2, yanchor: "top", font: {size: 11}},
        paper_bgcolor: "#fff", plot_bgcolor: "#fafafa", hovermode: "closest"
      };
      tasks.push(function () {
        return Plotly.newPlot(div, traces, layout, PLOT_CONFIG).then(function () {
          div.on("plotly_afterplot", function () { fitXTicks(div, null); });
          return fitXTicks(div, null);
        });
      });
    });
    if (hv && hv.normalisation) {
      var nm = hv.normalisation;
      ui.hvNote.textContent = "Normalisation bounds (from " + nm.bounds_from + "), in the objectives' own units: " +
        nm.objectives.map(function (o) {
          var unit = function (v) { return o.unit === "$" ? "$" + fmtNum(v) : fmtNum(v) + (o.unit ? " " + o.unit : ""); };
          return o.name + " " + (o.mode === "max" ? "\u2191" : "\u2193") + (o.log10 ? " (log scale)" : "") +
            " from " + unit(o.best) + " (best, 0) to " + unit(o.worst) + " (worst, 1)";
        }).join("; ") + "; reference point " + nm.reference_point.join(", ") + " in every normalised objective.";
    } else {
      ui.hvNote.textContent = "";
    }
    var rows = g.methods || [];
    if (!rows.length) { ui.methodsBody.replaceChildren(); return tasks; }
    var bestKey = Object.keys(rows[0]).filter(function (k) { return k.slice(0, 5) === "best_" && k.slice(-4) !== "_std"; })[0];
    var o0 = g.objectives[0];
    // one seed has no spread: no "\u00b1 0"
    var spread = function (r, sd) { return r.seeds > 1 ? " \u00b1 " + fmtNum(sd, 3) : " (1 seed)"; };
    var cols = [
      {label: "method", get: function (r) { return r.method; }},
      {label: "seeds", numeric: true, get: function (r) { return r.seeds; }},
      {label: "trials (mean)", numeric: true, get: function (r) { return r.trials; }, fmt: function (v) { return fmtNum(v, 4); }},
      {label: "best " + o0.name + " " + arrow(o0) + " (mean \u00b1 std)", numeric: true, get: function (r) { return r[bestKey]; },
        fmt: function (v, r) { return fmtObj(o0, v) + spread(r, r[bestKey + "_std"]); }},
      {label: "final hypervolume \u2191 (mean \u00b1 std)", numeric: true, get: function (r) { return r.hypervolume; },
        fmt: function (v, r) { return fmtNum(v, 4) + spread(r, r.hypervolume_std); }},
      {label: "dollars spent ($, mean)", numeric: true, get: function (r) { return r.dollars_spent; }, fmt: function (v) { return v == null ? "\u2013" : "$" + fmtNum(v, 5); }},
      {label: "tuning time (s)", numeric: true, get: function (r) { return r.tuning_time_s; }, fmt: function (v) { return v == null ? "\u2013" : fmtNum(v, 5) + " s"; }}
    ];
    var parts = [makeTable(cols, rows, {id: "methods-table"})];
    var described = rows.filter(function (r) { return r.hardware_logic; });
    if (described.length) {
      // simulated runs of registered methods: what each one is, to compare like with like
      var list = el("ul", {class: "help", id: "methods-legend"});
      described.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("code", {text: r.method}));
        li.appendChild(document.createTextNode(": instance type chosen by " + r.hardware_logic +
                                                "; hyperparameters proposed by " + r.searcher));
        list.appendChild(li);
      });
      parts.push(list);
    }
    ui.methodsBody.replaceChildren.apply(ui.methodsBody, parts);
    return tasks;
  }

  function renderRuns() {
    var g = group();
    var cols = [
      {label: "run", get: function (r) { return r.label; }},
      {label: "seed", numeric: true, get: function (r) { return r.seed; }},
      {label: "scheduler", get: function (r) { return r.scheduler; }},
      {label: "scheduler arguments", get: function (r) { return r.scheduler_kwargs || null; }},
      {label: "objectives (mode)", get: function (r) { return r.objectives; }},
      {label: "backend", get: function (r) {
        return r.backend == null ? (r.simulated ? "simulated" : null) : r.backend + (r.simulated ? " (simulated)" : "");
      }},
      {label: "budget (s)", numeric: true, get: function (r) { return r.budget_s; }, fmt: function (v) { return v == null ? "\u2013" : fmtNum(v, 5) + " s"; }},
      {label: "workers", numeric: true, get: function (r) { return r.n_workers; }},
      {label: "trials", numeric: true, get: function (r) { return r.trials; }},
      {label: "results", numeric: true, get: function (r) { return r.results; }},
      {label: "tuning time (s)", numeric: true, get: function (r) { return r.tuning_time_s; }, fmt: function (v) { return v == null ? "\u2013" : fmtNum(v, 5) + " s"; }},
      {label: "dollars spent ($)", numeric: true, get: function (r) { return r.dollars_spent; }, fmt: function (v) { return v == null ? "\u2013" : "$" + fmtNum(v, 5); }},
      {label: "created (UTC)", get: function (r) { return r.created; }},
      {label: "folder", get: function (r) { return r.path; }}
    ];
    ui.runsBody.replaceChildren(makeTable(cols, g.runs, {id: "runs-table"}));
    var space = g.runs[0].search_space || [];
    if (space.length) {
      var ul = el("ul", {class: "space"});
      space.forEach(function (s) { ul.appendChild(el("li", null, el("code", {text: s.name}), ": " + s.domain)); });
      ui.runsBody.appendChild(el("h3", {text: "Search space (" + g.runs[0].label + ")"}));
      ui.runsBody.appendChild(ul);
    }
  }

  try {
    buildSkeleton();
    if (performance.mark) performance.mark("report-data-parsed");
    renderGroup();
    if (performance.mark) performance.mark("report-plots-requested");
  } catch (err) {
    showError(err);
    throw err;
  }
})();
