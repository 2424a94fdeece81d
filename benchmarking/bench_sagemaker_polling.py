"""API calls and latency of one polling round of SageMakerBackend vs running jobs (moto server)."""
import os, sys, time, collections, logging
sys.path.insert(0, "tests")
os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_DEFAULT_REGION="us-east-1",
                  AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
logging.getLogger("werkzeug").setLevel(logging.WARNING)
from moto_cluster import FakeCluster, FaultInjectingMotoServer, FaultPlan, make_clients
from sagemaker_fixtures import BUCKET, IMAGE, ROLE, TRAIN_SCRIPT
from syne_mohb.backends import SageMakerBackend
plan = FaultPlan(); server = FaultInjectingMotoServer(plan); server.start()
c = FakeCluster(server.url); c.install(); c.clients["s3"].create_bucket(Bucket=BUCKET)
c.epoch_seconds = {"*": 0.5}
clients = make_clients(server.url)
for n in (4, 16, 32):
  for search_min in (1000, 1):
    b = SageMakerBackend(entry_point=str(TRAIN_SCRIPT), image_uri=IMAGE, role_arn=ROLE,
        s3_root=f"s3://{BUCKET}/b", sagemaker_client=clients["sagemaker"], logs_client=clients["logs"],
        s3_client=clients["s3"], install_signal_handlers=False, search_min_jobs=search_min)
    for i in range(n):
        b.start_trial({"learning_rate": 0.01, "epochs": 1000, "instance_type": "ml.m5.large"})
    ids = list(range(n))
    for _ in range(3): b.fetch_status_results(ids); time.sleep(0.3)   # warm up: streams known
    plan.requests.clear(); t = []
    for _ in range(5):
        t0 = time.perf_counter(); b.fetch_status_results(ids); t.append(time.perf_counter() - t0)
        time.sleep(0.3)
    cnt = collections.Counter(plan.requests)
    print(f"jobs={n:3d} search={'yes' if search_min == 1 else 'no ':3s} calls/round: "
          + ", ".join(f"{k}={v/5:.1f}" for k, v in sorted(cnt.items()))
          + f"  round latency median={sorted(t)[2]*1000:.0f} ms")
    b.stop_all(); b.close()
    c.wait_until_ended([n for i in ids for n in b.job_names(i)])
server.stop()
