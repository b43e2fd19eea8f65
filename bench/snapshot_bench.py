"""Benchmark: how soon after the server finishes a snapshot does es_snapshot return?

    .venv/bin/python bench/snapshot_bench.py [--size-mb 300] [--runs 3]

Indexes --size-mb of incompressible documents into the local stack (tools/stack.py up), then
takes snapshots into an fs and an S3 (moto) repository with the module through
ansible-playbook, as a user would. For each: the server's own duration (end - start time;
OpenSearch's clock ticks every 200 ms), the module's wall time, and the fixed cost of an
ansible-playbook run (the same task again, which finds the snapshot and only reads it).
Results go to bench/results/snapshot.json. Not a test: it asserts nothing.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import header, stack, write  # noqa: E402
from tests.collection import use_checkout  # noqa: E402
from tests.integration.helpers import Ansible, OpenSearch, path_repo  # noqa: E402

use_checkout()
INDEX = "bench-snapshot"
DOC_BYTES = 100_000


def fill(url, size_mb):
    """An index of size_mb of random hex (incompressible), unless it is already there."""
    stats = requests.get(f"{url}/{INDEX}/_stats/store", timeout=60)
    if stats.status_code == 200 and stats.json()["_all"]["primaries"]["store"]["size_in_bytes"] >= size_mb * 0.9e6:
        return
    requests.delete(f"{url}/{INDEX}", timeout=60)
    requests.put(
        f"{url}/{INDEX}",
        json={"settings": {"number_of_shards": 2, "number_of_replicas": 0, "refresh_interval": "-1"}},
        timeout=60,
    ).raise_for_status()
    docs = size_mb * 1_000_000 // DOC_BYTES
    batch = 50
    for start in range(0, docs, batch):
        lines = []
        for i in range(start, min(docs, start + batch)):
            lines.append(json.dumps({"index": {"_id": str(i)}}))
            lines.append(json.dumps({"n": i, "blob": os.urandom(DOC_BYTES // 2).hex()}))
        response = requests.post(
            f"{url}/{INDEX}/_bulk",
            data="\n".join(lines) + "\n",
            headers={"Content-Type": "application/x-ndjson"},
            timeout=300,
        )
        response.raise_for_status()
    requests.post(f"{url}/{INDEX}/_refresh", timeout=300).raise_for_status()
    requests.post(f"{url}/{INDEX}/_flush", timeout=300).raise_for_status()


def run_module(ansible, args):
    """es_snapshot through ansible-playbook, as a user runs it; returns (wall seconds, result)."""
    started = time.monotonic()
    result = ansible("searchops.snapshots.es_snapshot", args)
    wall = time.monotonic() - started
    if result.get("failed"):
        raise SystemExit(f"module failed: {result['msg']}")
    return wall, result


def measure(url, repo, runs, ansible):
    rows = []
    for run in range(runs):
        name = f"bench-{run}-{int(time.time())}"
        args = {"url": url, "repository": repo, "snapshot": name, "indices": [INDEX]}
        wall, result = run_module(ansible, args)
        rerun_wall = run_module(ansible, args)[0]  # finds the snapshot: the fixed cost of one run
        snap = requests.get(f"{url}/_snapshot/{repo}/{name}", timeout=60).json()["snapshots"][0]
        server = (snap["end_time_in_millis"] - snap["start_time_in_millis"]) / 1000
        rows.append(
            {
                "snapshot": name,
                "state": result["snapshot"]["state"],
                "server_seconds": server,
                "module_wall_seconds": round(wall, 3),
                "ansible_fixed_cost_seconds": round(rerun_wall, 3),
                "ratio_wall_to_server": round(wall / server, 3) if server else None,
                "wait_overhead_seconds": round(wall - rerun_wall - server, 3),
            }
        )
        requests.delete(f"{url}/_snapshot/{repo}/{name}", timeout=600)
    return rows


def summary(rows):
    return {
        key: round(statistics.median(r[key] for r in rows), 3)
        for key in ("server_seconds", "module_wall_seconds", "ansible_fixed_cost_seconds", "wait_overhead_seconds")
    } | {"ratio_wall_to_server": round(statistics.median(r["ratio_wall_to_server"] for r in rows), 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    endpoints = stack()
    url = endpoints["opensearch"]
    fill(url, args.size_mb)
    store = requests.get(f"{url}/{INDEX}/_stats/store", timeout=60).json()["_all"]["primaries"]["store"][
        "size_in_bytes"
    ]

    folder = path_repo(OpenSearch(url))
    requests.put(
        f"{url}/_snapshot/bench-fs", json={"type": "fs", "settings": {"location": f"{folder}/bench-fs"}}, timeout=60
    ).raise_for_status()
    s3 = boto3.client(
        "s3", endpoint_url=endpoints["moto"], region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    s3.create_bucket(Bucket="bench-snapshots")
    requests.put(
        f"{url}/_snapshot/bench-s3", json={"type": "s3", "settings": {"bucket": "bench-snapshots"}}, timeout=60
    ).raise_for_status()

    report = header(endpoints, index_bytes=store, repositories={})
    with tempfile.TemporaryDirectory() as workdir:
        for repo in ("bench-fs", "bench-s3"):
            rows = measure(url, repo, args.runs, Ansible(Path(workdir)))
            report["repositories"][repo] = {"runs": rows, "median": summary(rows)}
            print(repo, json.dumps(report["repositories"][repo]["median"]), flush=True)
    for repo in ("bench-fs", "bench-s3"):
        requests.delete(f"{url}/_snapshot/{repo}", timeout=60)
    write("snapshot", report)


if __name__ == "__main__":
    main()
