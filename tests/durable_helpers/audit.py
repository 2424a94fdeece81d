"""Audit of a local run folder: metric lines printed by the training scripts vs results recorded."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
from syne_tune.constants import ST_RESULTS_DATAFRAME_FILENAME

TAG = "[tune-metric]: "


def printed_lines(run_dir: Path) -> list[dict]:
    """Every metric line in ``<run>/<trial>/std.out``, with its trial id."""
    out = []
    for d in sorted(Path(run_dir).iterdir()):
        if d.is_dir() and d.name.isdigit():
            for line in (d / "std.out").read_text().splitlines():
                if line.startswith(TAG):
                    m = json.loads(line[len(TAG):])
                    m["trial_id"] = int(d.name)
                    out.append(m)
    return out


def audit(run_dir: Path) -> dict:
    """Counts and violations: every printed line is recorded exactly once, or was printed after
    the scheduler's STOP/PAUSE decision for its trial (discarded by design, as Syne Tune does)."""
    run_dir = Path(run_dir)
    printed = printed_lines(run_dir)
    # timestamps parsed exactly, as json.loads parses the printed ones: pandas < 3's default
    # float parser can be one ulp off (2.4e-7 s at 1.8e9), which moves round(ts, 6) across a
    # boundary now and then (a line "lost" that was recorded)
    results = pd.read_csv(run_dir / ST_RESULTS_DATAFRAME_FILENAME, float_precision="round_trip")
    key = lambda tid, ts: (int(tid), round(float(ts), 6))  # noqa: E731
    recorded = Counter(key(t, s) for t, s in zip(results.trial_id, results.st_worker_timestamp))
    last_decision_ts = {}
    for tid, grp in results.groupby("trial_id"):
        stops = grp[grp.st_decision.isin(["STOP", "PAUSE"])]
        if len(stops):
            last_decision_ts[int(tid)] = float(stops.st_worker_timestamp.max())
    lost, after_decision, once = [], 0, 0
    for m in printed:
        k = key(m["trial_id"], m["st_worker_timestamp"])
        if recorded.get(k, 0) == 1:
            once += 1
        elif recorded.get(k, 0) == 0 and m["st_worker_timestamp"] > last_decision_ts.get(
                m["trial_id"], float("inf")):
            after_decision += 1
        else:
            lost.append((m["trial_id"], m["epoch"], recorded.get(k, 0)))
    # lines printed while no driver was running, delivered by a later session
    from syne_mohb.durable import read_journal

    recovered, session_start = 0, None
    for e in read_journal(run_dir):
        if e["e"] == "session":
            session_start = e["t"] if e["index"] > 0 else None
        elif e["e"] == "result" and session_start is not None and \
                e["result"]["st_worker_timestamp"] < session_start:
            recovered += 1
    printed_keys = {key(m["trial_id"], m["st_worker_timestamp"]) for m in printed}
    return {
        "printed": len(printed),
        "recorded_once": once,
        "after_stop_decision": after_decision,
        "printed_while_driver_down": recovered,
        "lost_or_duplicated": lost,
        "duplicated_rows": [k for k, c in recorded.items() if c > 1],
        "rows_not_printed": [k for k in recorded if k not in printed_keys],
        "trials": sorted(results.trial_id.unique().tolist()),
    }
