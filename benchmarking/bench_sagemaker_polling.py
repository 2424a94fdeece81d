"""API calls and latency of one polling round of SageMakerBackend vs running jobs (moto server).

With 4, 16 and 32 training jobs running against a local moto server (the fake cluster of
``tests/moto_cluster.py``: one log stream per job, new lines in every round), counts the requests
of one ``fetch_status_results`` round (mean of 5 rounds after 3 warm-up rounds) and its latency
(median), without and with ``Search`` (``search_min_jobs``).

    python benchmarking/bench_sagemaker_polling.py

writes ``docs/benchmarks/sagemaker-polling.md`` (``--docs-dir``, ``--no-docs``).
"""
from __future__ import annotations

import argparse
import collections
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarking"))
from docs_page import BenchmarkPage, add_docs_argument, markdown_table  # noqa: E402
from script_args import int_list  # noqa: E402


def measure(job_counts, rounds: int = 5) -> list[dict]:
    os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y",
                      AWS_DEFAULT_REGION="us-east-1",
                      AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from moto_cluster import FakeCluster, FaultInjectingMotoServer, FaultPlan, make_clients
    from sagemaker_fixtures import BUCKET, IMAGE, ROLE, TRAIN_SCRIPT

    from syne_mohb.backends import SageMakerBackend

    plan = FaultPlan()
    server = FaultInjectingMotoServer(plan)
    server.start()
    rows = []
    try:
        c = FakeCluster(server.url)
        c.install()
        c.clients["s3"].create_bucket(Bucket=BUCKET)
        c.epoch_seconds = {"*": 0.5}
        clients = make_clients(server.url)
        for n in job_counts:
            for search_min in (1000, 1):
                b = SageMakerBackend(
                    entry_point=str(TRAIN_SCRIPT), image_uri=IMAGE, role_arn=ROLE,
                    s3_root=f"s3://{BUCKET}/b", sagemaker_client=clients["sagemaker"],
                    logs_client=clients["logs"], s3_client=clients["s3"],
                    install_signal_handlers=False, search_min_jobs=search_min)
                for _ in range(n):
                    b.start_trial({"learning_rate": 0.01, "epochs": 1000,
                                   "instance_type": "ml.m5.large"})
                ids = list(range(n))
                for _ in range(3):  # warm up: streams known
                    b.fetch_status_results(ids)
                    time.sleep(0.3)
                plan.requests.clear()
                t = []
                for _ in range(rounds):
                    t0 = time.perf_counter()
                    b.fetch_status_results(ids)
                    t.append(time.perf_counter() - t0)
                    time.sleep(0.3)
                cnt = collections.Counter(plan.requests)
                latency = sorted(t)[len(t) // 2]
                row = {"jobs": n, "search": search_min == 1, "latency_ms": latency * 1000,
                       "calls": {k: v / rounds for k, v in sorted(cnt.items())}}
                rows.append(row)
                print(f"jobs={n:3d} search={'yes' if row['search'] else 'no ':3s} calls/round: "
                      + ", ".join(f"{k}={v:.1f}" for k, v in row["calls"].items())
                      + f"  round latency median={row['latency_ms']:.0f} ms", flush=True)
                b.stop_all()
                b.close()
                c.wait_until_ended([name for i in ids for name in b.job_names(i)])
    finally:
        server.stop()
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", default="4,16,32", help="comma-separated numbers of running jobs")
    ap.add_argument("--rounds", type=int, default=5, help="rounds measured per setting")
    add_docs_argument(ap)
    args = ap.parse_args(argv)
    jobs = int_list(ap, "--jobs", args.jobs)
    if args.rounds < 1:
        ap.error(f"--rounds must be >= 1, got {args.rounds}")
    page = BenchmarkPage("sagemaker-polling", "SageMaker backend: the cost of one polling round",
                         seeds=f"{args.rounds} rounds per setting", docs_dir=args.docs_dir,
                         argv=None if argv is None else [__file__, *argv])
    rows = measure(jobs, args.rounds)
    if args.no_docs:
        return 0
    table = [{"jobs": r["jobs"], "search": "yes" if r["search"] else "no",
              "calls": " + ".join(f"{v:g} {k}" for k, v in r["calls"].items()),
              "total": f"{sum(r['calls'].values()):g}", "latency": f"{r['latency_ms']:.0f} ms"}
             for r in rows]
    page.add(
        "`SageMakerBackend.fetch_status_results` polls every running training job once per "
        "round: its status (`DescribeTrainingJob` per job, or one `Search` for many jobs when "
        "`search_min_jobs` allows it) and its new log lines (`GetLogEvents` per stream; the reader "
        "stops after a page shorter than a full one). Measured against a local moto server with "
        "the fake cluster of the tests (one log stream per job, new lines in every round): "
        f"requests per round (mean of {args.rounds} rounds after 3 warm-up rounds) and the "
        "round's latency (median).",
        markdown_table(table, ["jobs", "search", "calls", "total", "latency"],
                       ["running jobs", "`Search` used", "requests per round", "requests",
                        "round latency"]),
        "The latency is that of a local moto server on this machine, not of AWS; the request "
        "counts are what carries over. CloudWatch Logs allows about 25 `GetLogEvents` per second "
        "and account: with many workers, use `Tuner(sleep_time=10..30)` (jobs take minutes "
        "anyway). Throttling that still happens is retried.")
    page.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
