"""Benchmark: large repositories. Listing 5,000 snapshots, `latest` among them, and pruning
1,000 snapshots down to 10 against one DELETE per snapshot.

    .venv/bin/python bench/listing_bench.py [--snapshots 5000] [--prune 1000] [--s3-snapshots 300]
        [--s3-latency-ms 20]

Against the local stack (tools/stack.py up), through ansible-playbook as users run the modules.
A task's cost is (a play of --tasks identical tasks - an empty play) / --tasks, the median of
--rounds rounds (as in task_cost_bench.py), so it is the whole task: module start, every request,
the result. Measured:

- es_snapshot_info listing the whole --snapshots repository (fs), light (verbose: false) and verbose;
- es_restore snapshot: latest in check mode on that repository (the choice of the snapshot and the
  restore's plan; nothing is restored);
- es_snapshot_prune keeping 10 of --prune snapshots, against a loop of one DELETE per snapshot sent
  with plain requests (no Ansible: the fastest a per-snapshot loop gets), each on its own fresh
  repository of --prune snapshots;
- the server's time for the reads behind `latest` on OpenSearch, on the fs repository and on an S3
  (moto) repository of --s3-snapshots: one verbose listing of every snapshot (what the modules read
  before) against the modules' way: the light listing, then verbose reads of the successful ones
  shared out among DETAIL_READERS requests side by side; on S3 also with --s3-latency-ms added to
  every answer from S3 (moto on loopback answers at once; real S3 does not).

The --snapshots repository takes minutes to fill (the node writes its repository index once per
snapshot), so it is kept between runs (bench-listing in the node's path.repo) and filled only up
to --snapshots; --fresh starts it again. Results go to bench/results/listing.json. Not a test: it
asserts nothing.
"""

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import header, median, play_seconds, stack, task_costs, write  # noqa: E402
from tests.collection import use_checkout  # noqa: E402
from tests.integration.faults import Toxiproxy  # noqa: E402
from tests.integration.helpers import OpenSearch, path_repo  # noqa: E402

use_checkout()
from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client  # noqa: E402
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (  # noqa: E402
    DETAIL_READERS,
    Snapshots,
)

LISTING, PRUNE_MODULE, PRUNE_LOOP = "bench-listing", "bench-prune-module", "bench-prune-loop"
S3, S3_FAR = "bench-listing-s3", "bench-listing-s3-far"
INDEX = "bench-listing-data"
BUCKET = "bench-listing"
CREATORS = 4  # snapshot creations in flight while filling a repository


def names_in(url, repo):
    response = requests.get(f"{url}/_snapshot/{repo}/*", params={"verbose": "false"}, timeout=300)
    return [] if response.status_code == 404 else [s["snapshot"] for s in response.json()["snapshots"]]


def fill(url, repo, count, prefix="snap"):
    """Snapshots of INDEX in repo, named prefix-00000 on, until it holds count; seconds taken."""
    started = time.perf_counter()
    have = set(names_in(url, repo))
    wanted = [f"{prefix}-{i:05d}" for i in range(count) if f"{prefix}-{i:05d}" not in have]

    def create(name):
        response = requests.put(
            f"{url}/_snapshot/{repo}/{name}",
            params={"wait_for_completion": "true"},
            json={"indices": INDEX, "include_global_state": False},
            timeout=300,
        )
        response.raise_for_status()

    with ThreadPoolExecutor(CREATORS) as pool:
        list(pool.map(create, wanted))
    return round(time.perf_counter() - started, 1)


def register(url, repo, body):
    requests.put(f"{url}/_snapshot/{repo}", json=body, timeout=60).raise_for_status()


def fs(folder, repo):
    return {"type": "fs", "settings": {"location": f"{folder}/{repo}"}}


def server_reads(url, repo, rounds):
    """Seconds (median) of the two ways to read what `latest` needs on OpenSearch: one verbose
    listing of the whole repository, and the modules' way (Snapshots.listing: the light listing,
    then the successful snapshots' verbose reads, shared out among DETAIL_READERS requests)."""
    snapshots = Snapshots(Client({"url": url, "auth_type": "none"}), repo)
    ways = {
        "one_verbose_listing": lambda: snapshots.list(["*"], verbose=True),
        "light_then_verbose_reads": lambda: snapshots.listing(["*"], ("SUCCESS",)),
    }
    row = {}
    for name, read in ways.items():
        seconds = []
        for _round in range(rounds):
            started = time.perf_counter()
            read()
            seconds.append(time.perf_counter() - started)
        row[name] = median(seconds)
    row["ratio"] = round(row["one_verbose_listing"] / row["light_then_verbose_reads"], 2)
    return row


def s3_reads(endpoints, count, latency_ms, rounds):
    """server_reads() on an S3 (moto) repository of count snapshots, as it is and with latency_ms
    added to every answer from S3 (toxiproxy between the node and moto: the node's S3 client
    `faults`, tools/stack.py), for the round trip to real S3 that moto on loopback lacks."""
    url = endpoints["opensearch"]
    s3 = boto3.client(
        "s3", endpoint_url=endpoints["moto"], region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    s3.create_bucket(Bucket=BUCKET)
    base_path = str(time.time_ns())
    register(url, S3, {"type": "s3", "settings": {"bucket": BUCKET, "base_path": base_path}})
    far = {"bucket": BUCKET, "base_path": base_path, "client": "faults", "readonly": True}
    toxiproxy = Toxiproxy(endpoints["toxiproxy"])
    try:
        row = {"snapshots": count, "fill_seconds": fill(url, S3, count), "latency_ms": latency_ms}
        row["server_reads_for_latest"] = server_reads(url, S3, rounds)
        register(url, S3_FAR, {"type": "s3", "settings": far})
        toxiproxy.add("s3", "latency", latency=latency_ms)
        row["server_reads_for_latest_with_latency"] = server_reads(url, S3_FAR, rounds)
    finally:
        toxiproxy.reset()
        for repo in (S3_FAR, S3):
            requests.delete(f"{url}/_snapshot/{repo}", timeout=60)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=base_path):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    return row


def prune(workdir, url, folder, count):
    """es_snapshot_prune (one task, through ansible-playbook) against one DELETE per snapshot, each
    keeping the 10 newest of count snapshots in a fresh repository."""
    for repo in (PRUNE_MODULE, PRUNE_LOOP):
        requests.delete(f"{url}/_snapshot/{repo}", timeout=60)
        register(url, repo, fs(folder, f"{repo}-{time.time_ns()}"))
    with ThreadPoolExecutor(2) as pool:
        filled = list(pool.map(lambda repo: fill(url, repo, count), (PRUNE_MODULE, PRUNE_LOOP)))
    task = {"searchops.snapshots.es_snapshot_prune": {"url": url, "repository": PRUNE_MODULE, "max_count": 10}}
    empty = play_seconds(workdir, [])
    module = play_seconds(workdir, [dict(task, name="prune")]) - empty
    kept = len(names_in(url, PRUNE_MODULE))
    started = time.perf_counter()
    doomed = sorted(names_in(url, PRUNE_LOOP))[:-10]  # names sort as they were taken
    for name in doomed:
        requests.delete(f"{url}/_snapshot/{PRUNE_LOOP}/{name}", timeout=300).raise_for_status()
    loop = time.perf_counter() - started
    for repo in (PRUNE_MODULE, PRUNE_LOOP):
        requests.delete(f"{url}/_snapshot/{repo}", timeout=60)
    return {
        "snapshots": count,
        "kept": kept,
        "fill_seconds": filled,
        "module_task_seconds": round(module, 3),
        "one_delete_per_snapshot_seconds": round(loop, 3),
        "speedup": round(loop / module, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshots", type=int, default=5000)
    parser.add_argument("--prune", type=int, default=1000)
    parser.add_argument("--s3-snapshots", type=int, default=300)
    parser.add_argument("--s3-latency-ms", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="empty the kept repository first")
    args = parser.parse_args()
    endpoints = stack()
    url = endpoints["opensearch"]
    folder = path_repo(OpenSearch(url))
    if requests.head(f"{url}/{INDEX}", timeout=60).status_code == 404:
        requests.put(f"{url}/{INDEX}", json={"settings": {"number_of_shards": 1, "number_of_replicas": 0}}, timeout=60)
        requests.post(f"{url}/{INDEX}/_doc", params={"refresh": "true"}, json={"n": 1}, timeout=60).raise_for_status()
    if args.fresh:
        requests.delete(f"{url}/_snapshot/{LISTING}", timeout=60)
        register(url, LISTING, fs(folder, f"{LISTING}-{time.time_ns()}"))
    elif requests.get(f"{url}/_snapshot/{LISTING}", timeout=60).status_code == 404:
        register(url, LISTING, fs(folder, LISTING))
    report = header(endpoints, tasks_per_play=args.tasks, detail_readers=DETAIL_READERS)
    report["listing"] = {"fill_seconds": fill(url, LISTING, args.snapshots), "snapshots": len(names_in(url, LISTING))}
    print("filled", json.dumps(report["listing"]), flush=True)
    info = {"url": url, "repository": LISTING}
    latest = {"url": url, "repository": LISTING, "snapshot": "latest", "indices": [INDEX]}
    latest.update(rename_pattern="(.+)", rename_replacement="restored-$1")
    tasks = {
        "es_snapshot_info_light": {"searchops.snapshots.es_snapshot_info": info},
        "es_snapshot_info_verbose": {"searchops.snapshots.es_snapshot_info": dict(info, verbose=True)},
        "es_restore_latest_check_mode": {"searchops.snapshots.es_restore": latest, "check_mode": True},
        "es_request_cluster_health": {"searchops.snapshots.es_request": {"url": url, "path": "_cluster/health"}},
    }
    with tempfile.TemporaryDirectory() as workdir:
        for name, task in tasks.items():
            (costs,) = task_costs(workdir, (task,), args.tasks, args.rounds)
            report["listing"][name + "_task_seconds"] = median([wall for wall, _cpu in costs])
            print(name, report["listing"][name + "_task_seconds"], flush=True)
        report["listing"]["server_reads_for_latest"] = server_reads(url, LISTING, args.rounds)
        print("fs reads", json.dumps(report["listing"]["server_reads_for_latest"]), flush=True)

        report["s3"] = s3_reads(endpoints, args.s3_snapshots, args.s3_latency_ms, args.rounds)
        print("s3 reads", json.dumps(report["s3"]), flush=True)

        report["prune"] = prune(workdir, url, folder, args.prune)
        print("prune", json.dumps(report["prune"]), flush=True)
    write("listing", report)


if __name__ == "__main__":
    main()
