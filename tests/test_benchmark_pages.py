"""A docs page of docs/benchmarks/ is written by the script that measures it (issue 24).

``benchmarking/hardware_tables.py`` on a fabricated pair of ``compare_methods.py`` outputs: the
page names its own command, the date, the seeds and the command that made its input, and holds
every row of the input (including the cells where ours loses, marked).
"""
from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

import pandas as pd

BENCH = Path(__file__).resolve().parents[1] / "benchmarking"


def _hardware_tables():
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("hardware_tables")
    finally:
        sys.path.remove(str(BENCH))


def _fabricate(out: Path) -> str:
    out.mkdir(parents=True)
    versus = pd.DataFrame([
        {"benchmark": "mlp", "method": "moasha", "hardware logic": "x", "peer": "st-moasha-fixed",
         "tuning $ to target": "3.01x [2.17, 4.43]", "tuning time to target": "1.39x [1.03, 2.00]",
         "found model's $": "1.54x [1.26, 1.90]", "HV at half budget": "1.02x [1.02, 1.03]",
         "HV end": "1.01x [1.01, 1.02]"},
        {"benchmark": "mlp", "method": "mo-random", "hardware logic": "x",
         "peer": "st-moasha-fixed",
         "tuning $ to target": "0.37x [0.24, 0.66]", "tuning time to target": "0.44x [0.29, 0.80]",
         "found model's $": "0.17x [0.13, 0.29]", "HV at half budget": "0.91x [0.89, 0.92]",
         "HV end": "0.92x [0.91, 0.93]"},
    ])
    versus.to_csv(out / "versus_untouched_mlp.csv", index=False)
    rows = []
    for base in ("asha-p3", "asha-default"):
        for m in ("asha-p3", "moasha", "st-moasha-fixed"):
            rows.append({"benchmark": "mlp", "baseline": base, "method": m, "hardware logic": "x",
                         "tuning $ to target": "19.42x [14.15, 27.10]",
                         "tuning time to target": "0.62x [0.45, 0.80]",
                         "found model's $": "92.11x [76.76, 114.79]",
                         "found model's time": "5.74x [5.05, 6.53]", "reached": "40/40",
                         "HV end": "0.887", "HV mean": "0.834"})
        rows.append({"benchmark": "mlp", "baseline": base, "method": "(best possible)",
                     "found model's $": "113.19x"})
    pd.DataFrame(rows).to_csv(out / "untouched_mlp.csv", index=False)
    command = ("python benchmarking/compare_methods.py --seeds 20 --processes 1 --output OUT "
               "--benchmarks mlp --tasks german,spambase --table untouched_mlp.csv")
    (out / "untouched_mlp.provenance.json").write_text(json.dumps({
        "command": command, "date": "2026-01-02 03:04 UTC", "seeds": 20, "runs": 360,
        "total_s": 68.0, "tasks": {"mlp": ["german", "spambase"]}}))
    return command


def test_hardware_tables_writes_its_page(tmp_path, monkeypatch):
    # the page's other sections read fixed folders under benchmarking/_results: from an empty
    # folder they are "not run", whatever a developer's checkout has cached there
    monkeypatch.chdir(tmp_path)
    out, docs = tmp_path / "out", tmp_path / "docs"
    input_command = _fabricate(out)
    argv = ["untouched_mlp", "--output", str(out), "--docs-dir", str(docs), "--no-figures"]
    assert _hardware_tables().main(argv) == 0
    text = (docs / "benchmarks" / "hardware-decision.md").read_text()
    # its own command, the date, the seeds; the command and date of its input
    assert f"Command: `python benchmarking/hardware_tables.py untouched_mlp --output {out}" in text
    assert re.search(r"Date: \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "Seeds: 20 paired seeds" in text
    assert input_command in text and "2026-01-02 03:04 UTC" in text
    # every row, each naming its hardware logic and searcher; a win bold, a loss italic
    assert ("| mlp | untouched | moasha | policy: runtime/cost model, per config; survivors "
            "restarted on a better type | model-based (trees), MO-ASHA stopping | "
            "**3.01x [2.17, 4.43]** |") in text
    assert "| mlp | untouched | mo-random | searcher: uniform (joint) |" in text
    assert "*0.37x [0.24, 0.66]*" in text
    assert text.count("| mlp | untouched | st-moasha-fixed |") == 2  # against p3 and g4dn
    assert text.count("| mlp | untouched | (best possible) |") == 2
    assert "| asha-p3 |" not in text.replace("(`asha-p3`)", "")  # no baseline-vs-itself row
    assert "reused from a cache made by other code" not in text


def test_a_table_from_runs_of_other_code_says_so(tmp_path):
    """compare_methods.py records how many reused runs other code made; the page's input
    line says it next to the command."""
    out, docs = tmp_path / "out", tmp_path / "docs"
    _fabricate(out)
    prov = out / "untouched_mlp.provenance.json"
    prov.write_text(json.dumps({**json.loads(prov.read_text()), "code_version": "cf71d39ae8c4",
                                "reused_from_other_code": 12}))
    argv = ["untouched_mlp", "--output", str(out), "--docs-dir", str(docs), "--no-figures"]
    assert _hardware_tables().main(argv) == 0
    text = (docs / "benchmarks" / "hardware-decision.md").read_text()
    assert ("**12 of the runs reused from a cache made by other code** (code_version other "
            "than cf71d39ae8c4)") in text


def test_a_table_on_syne_tunes_simulator_names_the_other_work_it_was_made_beside(tmp_path):
    """Syne Tune's simulator adds real time to its clock, so a table run on it names the cores
    other processes kept busy during its runs; a table on our simulator (deterministic) does
    not."""
    out, docs = tmp_path / "out", tmp_path / "docs"
    _fabricate(out)
    prov = out / "untouched_mlp.provenance.json"
    base = json.loads(prov.read_text())
    argv = ["untouched_mlp", "--output", str(out), "--docs-dir", str(docs), "--no-figures"]
    page = docs / "benchmarks" / "hardware-decision.md"
    for simulator, shown in (("stock", True), ("ours", False)):
        prov.write_text(json.dumps({**base, "simulator": simulator, "other_work_cores": 1.73}))
        assert _hardware_tables().main(argv) == 0
        assert ("360 runs, 68 s, other work 1.7 cores; tasks:" in page.read_text()) == shown


def test_tempered_draws_page_reads_the_stock300_tables(tmp_path):
    out, docs = tmp_path / "stock300", tmp_path / "docs"
    _fabricate(out)
    for kind in ("", "versus_"):
        table = pd.read_csv(out / f"{kind}untouched_mlp.csv")
        table["benchmark"] = "linear-x"
        table.to_csv(out / f"{kind}tempered_linear-x.csv", index=False)
    (out / "tempered_linear-x.provenance.json").write_text(
        (out / "untouched_mlp.provenance.json").read_text())
    argv = ["--page", "tempered-draws", "--stock300-output", str(out), "--docs-dir", str(docs)]
    assert _hardware_tables().main(argv) == 0
    text = (docs / "benchmarks" / "tempered-draws.md").read_text()
    section = text.split("## Untouched tasks: Syne Tune's simulator")[1].split("\n## ")[0]
    assert "| linear-x | all 8 tasks | moasha |" in section and "**3.01x [2.17, 4.43]**" in section
    assert "2026-01-02 03:04 UTC" in section


def test_default_searcher_page_compares_with_one_fixed_type(tmp_path, monkeypatch):
    """The default-searcher page's last section reads the ``fixed_*`` tables: the default
    against MO-ASHA on one fixed type, with the same searcher (``moasha-hp-bo``)."""
    ht = _hardware_tables()
    ours, stock, docs = tmp_path / "ours", tmp_path / "stock300", tmp_path / "docs"
    _fabricate(ours)
    stock.mkdir()
    versus = pd.read_csv(ours / "versus_untouched_mlp.csv")
    versus["benchmark"], versus["peer"] = "cnn", "moasha-hp-bo"
    versus.to_csv(ours / "versus_fixed_untouched_cnn.csv", index=False)
    table = pd.read_csv(ours / "untouched_mlp.csv")
    table["benchmark"] = "cnn"
    table.to_csv(ours / "fixed_untouched_cnn.csv", index=False)
    (ours / "fixed_untouched_cnn.provenance.json").write_text(
        (ours / "untouched_mlp.provenance.json").read_text())
    monkeypatch.setattr(ht, "DEFAULT_SEARCHER_OUTPUT", str(ours))
    argv = ["--page", "default-searcher", "--stock300-output", str(stock), "--docs-dir",
            str(docs)]
    assert ht.main(argv) == 0
    text = (docs / "benchmarks" / "default-searcher.md").read_text()
    section = text.split("## Against MO-ASHA on one fixed type")[1]
    assert "### Ours / `moasha-hp-bo` (the same searcher on one type)" in section
    assert "| cnn | untouched | moasha |" in section and "**3.01x [2.17, 4.43]**" in section
    assert "*0.37x [0.24, 0.66]*" in section  # where a method loses, it is shown
    assert "2026-01-02 03:04 UTC" in section


def test_ehvi_page_pairs_ours_with_syne_tunes_ehvi_and_neps(tmp_path, monkeypatch):
    """The EHVI page reads the ``ehvi_<benchmark>`` and ``neps_<benchmark>`` tables: ours /
    ``st-ehvi`` and ours / ``neps-mobo`` with the tasks of each table's command, losses in
    italics, one section against ASHA-p3 (from the NePS tables, which hold every method);
    without tables it says they were not run."""
    ht = _hardware_tables()
    out, docs = tmp_path / "ehvi", tmp_path / "docs"
    monkeypatch.setattr(ht, "EHVI_OUTPUT", str(out))
    assert ht.main(["--page", "ehvi", "--docs-dir", str(docs)]) == 0
    assert "*Not run: no `ehvi_*.csv` or `neps_*.csv`" in (docs / "benchmarks" /
                                                           "ehvi.md").read_text()

    _fabricate(out)
    versus = pd.read_csv(out / "versus_untouched_mlp.csv")
    for prefix, peer in (("ehvi", "st-ehvi"), ("neps", "neps-mobo")):
        versus["peer"] = peer
        versus.to_csv(out / f"versus_{prefix}_mlp.csv", index=False)
        for suffix in (".csv", ".provenance.json"):
            (out / f"{prefix}_mlp{suffix}").write_text(
                (out / f"untouched_mlp{suffix}").read_text())
    assert ht.main(["--page", "ehvi", "--docs-dir", str(docs)]) == 0
    text = (docs / "benchmarks" / "ehvi.md").read_text()
    assert "### Ours / `st-ehvi` (Syne Tune 0.16's EHVI, full fidelity)" in text
    assert "### Ours / `neps-mobo` (NePS 0.17's MO-BO, full fidelity)" in text
    assert text.count("| mlp | german, spambase | moasha |") == 3  # two peers, ASHA-p3
    assert "**3.01x [2.17, 4.43]**" in text
    assert "*0.37x [0.24, 0.66]*" in text  # where a method loses, it is shown
    assert text.count("### Against ASHA on ml.p3.2xlarge") == 1
    assert text.index("`neps-mobo` (NePS") < text.index("### Against ASHA on ml.p3.2xlarge")
    assert "2026-01-02 03:04 UTC" in text and "20 paired seeds" in text

    # a benchmark with an EHVI table only still gets its rows against ASHA-p3
    table = pd.read_csv(out / "ehvi_mlp.csv")
    table["benchmark"] = "hgb"
    table.to_csv(out / "ehvi_hgb.csv", index=False)
    (out / "ehvi_hgb.provenance.json").write_text((out / "ehvi_mlp.provenance.json").read_text())
    assert ht.main(["--page", "ehvi", "--docs-dir", str(docs)]) == 0
    text = (docs / "benchmarks" / "ehvi.md").read_text()
    against = text.split("### Against ASHA on ml.p3.2xlarge")[1]
    assert "| hgb | ? | moasha |" in against and "| mlp | german, spambase | moasha |" in against


def test_budget_page_reads_the_1200s_tables_and_the_searchers_part(tmp_path, monkeypatch):
    """``--page budget``: the ``stock1200_*`` tables (ours / the patched peer, every method
    against ASHA-p3) and their ``vsrandom1200_*`` twins (the default paired against
    ``moasha-random``); a benchmark not run is absent, none run says so."""
    monkeypatch.chdir(tmp_path)
    ht = _hardware_tables()
    out, docs = tmp_path / ht.STOCK1200_OUTPUT, tmp_path / "docs"
    assert ht.main(["--page", "budget", "--docs-dir", str(docs)]) == 0
    assert "*Not run: no `versus_stock1200_*.csv`" in (
        docs / "benchmarks" / "longer-budget.md").read_text()
    _fabricate(out)
    for kind in ("", "versus_"):
        table = pd.read_csv(out / f"{kind}untouched_mlp.csv")
        table["benchmark"] = "mlp-x"
        table.to_csv(out / f"{kind}stock1200_mlp-x.csv", index=False)
        if kind:
            table["peer"] = "moasha-random"
            table.loc[table.method == "moasha", "tuning time to target"] = "1.36x [1.04, 1.60]"
            table.to_csv(out / f"{kind}vsrandom1200_mlp-x.csv", index=False)
    for name in ("stock1200_mlp-x", "vsrandom1200_mlp-x"):
        (out / f"{name}.provenance.json").write_text(
            (out / "untouched_mlp.provenance.json").read_text())
    assert ht.main(["--page", "budget", "--docs-dir", str(docs)]) == 0
    text = (docs / "benchmarks" / "longer-budget.md").read_text()
    assert "Command: `python benchmarking/hardware_tables.py --page budget" in text
    peer = text.split("### Ours / `st-moasha-fixed`, 1,200 s")[1].split("\n### ")[0]
    assert "| mlp-x | all | moasha |" in peer and "**3.01x [2.17, 4.43]**" in peer
    assert "| mlp-x | all | mo-random |" in peer and "*0.37x [0.24, 0.66]*" in peer
    assert "### Against ASHA on ml.p3.2xlarge, 1,200 s" in text
    searcher = text.split("### The searcher's part: ours / `moasha-random`, 1,200 s")[1]
    assert "**1.36x [1.04, 1.60]**" in searcher and "mo-random" not in searcher
    assert "hgb-x" not in text.split("Commands:")[1]  # not run: no row, no command


def test_startup_page_pairs_the_default_with_the_per_unit_choice(tmp_path, monkeypatch):
    """The start-up page reads its sections' tables: ours / the per-unit choice
    (``moasha-startup-per-unit``), the command and date of each table, and every method
    against ASHA-p3."""
    ht = _hardware_tables()
    out, docs = tmp_path / "startup", tmp_path / "docs"
    _fabricate(out)
    versus = pd.read_csv(out / "versus_untouched_mlp.csv")
    versus["peer"] = "moasha-startup-per-unit"
    versus.to_csv(out / "versus_startup_cnn_mlp.csv", index=False)
    pd.read_csv(out / "untouched_mlp.csv").to_csv(out / "startup_cnn_mlp.csv", index=False)
    (out / "startup_cnn_mlp.provenance.json").write_text(
        (out / "untouched_mlp.provenance.json").read_text())
    monkeypatch.setattr(ht, "STARTUP_SECTIONS", [
        ("With SageMaker job start-up, cold starts",
         [(str(out), "startup_cnn_mlp", "4 tasks each"), (str(out), "startup_x", "3 tasks")],
         "Cold starts."),
        # a section with its own peer list: the methods against the patched peer
        ("Against the peers with start-up", [(str(out), "untouched_mlp", "4 tasks")],
         "Peers.", ("the patched peer",))])
    assert ht.main(["--page", "startup-model", "--docs-dir", str(docs)]) == 0
    text = (docs / "benchmarks" / "startup-model.md").read_text()
    assert text.startswith("# Start-up in the hardware policy")
    section, peers = text.split("## With SageMaker job start-up, cold starts")[1].split(
        "## Against the peers with start-up")
    assert "### Ours / `st-moasha-fixed` (the patched peer)" in peers
    assert "per-unit choice" not in peers and "Peers." in peers
    assert "### Ours / `moasha-startup-per-unit` (the per-unit choice)" in section
    assert "| mlp | 4 tasks each | moasha |" in section and "**3.01x [2.17, 4.43]**" in section
    assert "### Against ASHA on ml.p3.2xlarge" in section
    assert "2026-01-02 03:04 UTC" in section


def _fabricate_copy(out, table: str, peer: str, method: str = "moasha") -> None:
    """:func:`_fabricate`'s ``untouched_mlp`` tables under ``out`` as ``table``, paired against
    ``peer``, our row named ``method`` (fabricated once per folder)."""
    if not (out / "versus_untouched_mlp.csv").exists():
        _fabricate(out)
    versus = pd.read_csv(out / "versus_untouched_mlp.csv")
    versus["peer"] = peer
    versus.loc[versus["method"] == "moasha", "method"] = method
    versus.to_csv(out / f"versus_{table}.csv", index=False)
    for suffix in (".csv", ".provenance.json"):
        (out / f"{table}{suffix}").write_text((out / f"untouched_mlp{suffix}").read_text())


def test_capacity_outages_page_pairs_the_default_with_the_kind_blind_policy(tmp_path,
                                                                            monkeypatch):
    """``--page capacity-outages`` reads the outage tables: ours / ``moasha-kind-blind`` with
    the command and date of each table, losses in italics, and every method against ASHA-p3;
    without tables it says they were not run."""
    ht = _hardware_tables()
    out, docs = tmp_path / "outage", tmp_path / "docs"
    monkeypatch.setattr(ht, "OUTAGE_OUTPUT", str(out))
    assert ht.main(["--page", "capacity-outages", "--docs-dir", str(docs), "--no-docs"]) == 0
    _fabricate_copy(out, "outage_dev", "moasha-kind-blind")
    assert ht.main(["--page", "capacity-outages", "--docs-dir", str(docs)]) == 0
    text = (docs / "benchmarks" / "capacity-outages.md").read_text()
    assert text.startswith("# Capacity outages")
    assert "### Ours / `moasha-kind-blind` (every failure taken as the configuration's)" in text
    assert "| mlp | 4 tasks, development | moasha |" in text and "**3.01x [2.17, 4.43]**" in text
    assert "*0.37x [0.24, 0.66]*" in text
    assert "### Against ASHA on ml.p3.2xlarge" in text and "2026-01-02 03:04 UTC" in text


def test_searcher_repeats_page_pairs_no_repeats_with_the_default(tmp_path, monkeypatch):
    """``--page searcher-repeats`` reads the repeats tables: ``moasha-bo-no-repeats`` /
    ``moasha-bo`` with each table's command, and every method against ASHA-p3."""
    ht = _hardware_tables()
    out, docs = tmp_path / "repeats", tmp_path / "docs"
    monkeypatch.setattr(ht, "REPEATS_OUTPUT", str(out))
    monkeypatch.setattr(ht, "REPEATS_FIXED_OUTPUT", str(tmp_path / "fixed"))
    monkeypatch.setattr(ht, "REPEATS_B25_OUTPUT", str(tmp_path / "b25"))
    _fabricate_copy(out, "repeats_x", "moasha-bo", method="moasha-bo-no-repeats")
    assert ht.main(["--page", "searcher-repeats", "--docs-dir", str(docs)]) == 0
    text = (docs / "benchmarks" / "searcher-repeats.md").read_text()
    assert text.startswith("# Repeats of the model-based searcher")
    assert "### Ours / `moasha-bo` (repeats allowed, the default)" in text
    assert "| mlp | 3 tasks each | moasha-bo-no-repeats |" in text
    assert "### Against ASHA on ml.p3.2xlarge" in text and "2026-01-02 03:04 UTC" in text
    # the fixed-seed tables and the larger budget's are not there: said, not left out
    fixed = text.split("## With a fixed seed")[1].split("## ")[0]
    assert "*Not run.*" in fixed
    assert text.rstrip().endswith("*Not run.*")


def test_related_fronts_page_pairs_the_new_default_with_the_transfer_searcher(tmp_path,
                                                                              monkeypatch):
    """``--page related-fronts`` reads the related-tasks tables: ``moasha-related`` / the
    transfer searcher, / the previous default and / the patched peer, each table's command,
    losses in italics; a section whose tables were not run says so."""
    ht = _hardware_tables()
    out, docs = tmp_path / "fronts", tmp_path / "docs"
    monkeypatch.setattr(ht, "FRONTS_OUTPUT", str(out))
    monkeypatch.setattr(ht, "FRONTS_STOCK_OUTPUT", str(tmp_path / "stock"))
    _fabricate_copy(out, "fronts_cnn", "moasha-transfer", method="moasha-related")
    _fabricate_copy(out, "fronts_cnn_prior", "moasha-related-prior-only",
                    method="moasha-related")
    _fabricate_copy(out, "fronts_cnn_peer", "st-moasha-fixed", method="moasha-related")
    assert ht.main(["--page", "related-fronts", "--docs-dir", str(docs)]) == 0
    text = (docs / "benchmarks" / "related-fronts.md").read_text()
    assert text.startswith("# With related tasks: proposals from their fronts")
    assert "### Ours / `moasha-transfer` (the transfer searcher)" in text
    assert ("### Ours / `moasha-related-prior-only` (the related tasks as a prior only (the "
            "previous default))") in text
    assert ("### Ours / `st-moasha-fixed` (the patched peer, which has no related tasks: what "
            "they are worth)") in text
    ours = text.split("## Our simulator")[1].split("## Syne Tune's simulator")[0]
    assert ours.split("### ")[0].count("\n- `python ") == 3  # each table's command
    assert "| mlp | 4 tasks | moasha-related |" in text and "*0.37x [0.24, 0.66]*" in text
    stock = text.split("## Syne Tune's simulator, 300 s")[1]
    assert "*Not run.*" in stock
