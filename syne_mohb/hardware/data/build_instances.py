"""Rebuild ``instances.json``: every SageMaker training instance type offered in us-east-1, with
specs and (where a published figure is known) the on-demand price. Not imported by syne_mohb;
run it by hand after upgrading botocore / moto::

    .venv/bin/python syne_mohb/hardware/data/build_instances.py

Sources, in this order:

* instance types: ``TrainingInstanceType`` of the SageMaker API model shipped in ``botocore``
  (the values ``CreateTrainingJob`` accepts);
* availability in us-east-1 and specs (vCPUs, memory, GPUs / Trainium devices with their memory):
  the EC2 ``DescribeInstanceTypes`` / ``DescribeInstanceTypeOfferings`` snapshot shipped in
  ``moto`` (``moto/ec2/resources``), for the EC2 type behind each ``ml.`` type;
* prices: the rows of the previous ``instances.json`` that have one (public SageMaker on-demand
  training prices, us-east-1, as recorded in the project's snapshot of 2026-06). No other current
  price was found in the sources searched; those types get ``price_per_hour: null``.
  ``load_catalog()`` fills some of them at load time from ``published_prices_2022-03.csv``
  (Syne Tune 0.13.0's published prices, kept apart with their own source and date, not merged
  into this file) and ``refresh_prices("us-east-1")`` fetches current ones from the AWS Price
  List API;
* a type without EC2 data keeps the specs of the previous file if it had them (p3), else it is
  left out and listed under ``excluded`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "instances.json"
REGION = "us-east-1"
PREVIOUS_PRICE_SOURCE = ("SageMaker pricing page, Training, On-Demand, us-east-1 "
                         "(aws.amazon.com/sagemaker/pricing), recorded 2026-06")
ACCELERATORS = {"GpuInfo": ("Gpus", "nvidia-gpu"), "NeuronInfo": ("NeuronDevices", "aws-trainium")}


def _ec2_data():
    import moto

    res = Path(moto.__file__).parent / "ec2" / "resources"
    types = json.load(gzip.open(res / "instance_types.json.gz"))
    offered = {o["InstanceType"] for o in json.load(
        gzip.open(res / "instance_type_offerings" / "region" / f"{REGION}.json.gz"))}
    return types, offered, moto.__version__


def _row_from_ec2(name: str, it: dict) -> dict:
    row = {"name": name, "vcpus": int(it["VCpuInfo"]["DefaultVCpus"]),
           "memory_gib": round(it["MemoryInfo"]["SizeInMiB"] / 1024, 2),
           "gpus": 0, "gpu_model": None, "gpu_memory_gib": 0.0, "accelerator": None}
    for key, (devices, kind) in ACCELERATORS.items():
        if key in it:
            devs = it[key][devices]
            if len({d["Name"] for d in devs}) != 1:  # pragma: no cover -- not seen so far
                raise ValueError(f"{name}: mixed accelerators {devs}")
            row.update(gpus=sum(int(d["Count"]) for d in devs), gpu_model=devs[0]["Name"],
                       gpu_memory_gib=round(devs[0]["MemoryInfo"]["SizeInMiB"] / 1024, 2),
                       accelerator=kind)
    return row


def build() -> dict:
    import botocore
    import botocore.session

    enum = botocore.session.get_session().get_service_model("sagemaker").shape_for(
        "TrainingInstanceType").enum
    types, offered, moto_version = _ec2_data()
    previous = {r["name"]: r for r in json.loads(TARGET.read_text())["instances"]}
    rows, excluded, unpriced = [], {}, []
    for name in enum:
        ec2 = name[len("ml."):]
        old = previous.get(name)
        if ec2 in types:
            if ec2 not in offered:
                excluded[name] = f"EC2 type {ec2} not offered in {REGION} (moto {moto_version})"
                continue
            row = _row_from_ec2(name, types[ec2])
            row["spec_source"] = "ec2"
        elif old is not None:
            row = {k: old[k] for k in ("name", "vcpus", "memory_gib", "gpus", "gpu_model",
                                       "gpu_memory_gib")}
            row["accelerator"] = "nvidia-gpu" if row["gpus"] else None
            row["spec_source"] = "previous"
        else:
            excluded[name] = (f"no EC2 data for {ec2} in moto {moto_version} and no earlier "
                              f"record: specs not found")
            continue
        price = old.get("price_per_hour") if old else None
        row["price_per_hour"] = price
        row["price_source"] = (old.get("price_source") or PREVIOUS_PRICE_SOURCE) \
            if price is not None else None
        if price is None:
            unpriced.append(name)
        rows.append(row)
    # families in the API's order, sizes by vCPUs
    family_rank = {}
    for r in rows:
        family_rank.setdefault(r["name"].split(".")[1], len(family_rank))
    rows.sort(key=lambda r: (family_rank[r["name"].split(".")[1]], r["vcpus"], r["name"]))
    return {
        "format_version": 2,
        "description": (
            "SageMaker training instance types offered in us-east-1 (Linux). gpus counts "
            "accelerators (NVIDIA GPUs or AWS Trainium devices, see accelerator); "
            "gpu_memory_gib is per accelerator as EC2 DescribeInstanceTypes reports it (e.g. "
            "22.35 GiB for the '24 GB' A10G and L4, 44.7 GiB for the '48 GB' L40S). "
            "price_per_hour null: no current published price was found when this file was "
            "built; load_catalog() fills some of them from published_prices_2022-03.csv (Syne "
            "Tune 0.13.0, dated 2022-03-17, recorded with that source and date) and "
            "syne_mohb.hardware.refresh_prices(region) fetches current prices from the AWS "
            "Price List API."),
        "region": REGION,
        "currency": "USD",
        "price_date": "2026-06",
        "specs_date": dt.date.today().isoformat(),
        "sources": {
            "instance_types": f"botocore {botocore.__version__} SageMaker API model, "
                              f"shape TrainingInstanceType ({len(enum)} values)",
            "ec2": f"EC2 DescribeInstanceTypes and DescribeInstanceTypeOfferings ({REGION}) "
                   f"snapshot shipped in moto {moto_version} (moto/ec2/resources)",
            "previous": "instances.json of 2026-06, the project's snapshot of public SageMaker "
                        "figures (used for p3: no EC2 data)",
            "prices": PREVIOUS_PRICE_SOURCE,
        },
        "prices_not_found": unpriced,
        "excluded": excluded,
        "instances": rows,
    }


def main() -> None:
    doc = build()
    lines = [json.dumps({k: v for k, v in doc.items() if k != "instances"}, indent=1)[:-2]
             + ',\n "instances": [']
    lines += [" " + json.dumps(r) + ("," if i < len(doc["instances"]) - 1 else "")
              for i, r in enumerate(doc["instances"])]
    TARGET.write_text("\n".join(lines) + "\n ]\n}\n")
    print(f"{TARGET}: {len(doc['instances'])} types, {len(doc['prices_not_found'])} without "
          f"price, {len(doc['excluded'])} excluded")


if __name__ == "__main__":
    main()
