"""Benchmark: what manifests and restore drills cost.

    .venv/bin/python bench/drill_bench.py [--indices 10 200] [--rounds 3]

For each count of indices (one shard, 500 small documents each, in an fs repository on the local
stack): the wall time of an es_snapshot task with its manifest and without (manifest: false), side by
side in each round, each taking a new snapshot of the same indices (incremental: nothing new to copy,
so the difference is the manifest's reads); then the wall time of an es_snapshot_verify task (a full
drill: plan, capacity, record, restore, compare, delete) against an es_restore task of the same
indices under a prefix plus the DELETE of its copies (what a user scripted by hand before). Results
go to bench/results/drill.json. Not a test: it asserts nothing.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import header, play_seconds, stack, write  # noqa: E402
from tests.collection import use_checkout  # noqa: E402
from tests.integration.helpers import OpenSearch, bulk, path_repo  # noqa: E402

use_checkout()
DOCS = 500
REPO = "bench-drill"


def fill(node, prefix, count):
    """count indices of DOCS documents each, unless they are there."""
    names = [f"{prefix}-{i:04d}" for i in range(count)]
    for name in names:
        if node.session.head(f"{node.url}/{name}").status_code == 200:
            continue
        node.request("PUT", name, json={"settings": {"number_of_shards": 1, "number_of_replicas": 0}})
        bulk(node, name, [(None, {"n": n, "text": f"document {n} of {name}"}) for n in range(DOCS)])
    return names


def median(values):
    return round(statistics.median(values), 3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--indices", type=int, nargs="+", default=[10, 200])
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    endpoints = stack()
    url = endpoints["opensearch"]
    node = OpenSearch(url)
    location = f"{path_repo(node)}/{REPO}"
    node.request("PUT", f"_snapshot/{REPO}", json={"type": "fs", "settings": {"location": location}})
    connection = {"url": url}
    report = header(endpoints, docs_per_index=DOCS, rounds=options.rounds, counts={})
    with tempfile.TemporaryDirectory() as workdir:
        for count in options.indices:
            prefix = f"bench-drill-{count}"
            fill(node, prefix, count)
            with_manifest, without = [], []
            drill, by_hand = [], []
            snapshot = None
            for round_ in range(options.rounds):
                for manifest, times in ((True, with_manifest), (False, without)):
                    snapshot = f"{prefix}-{round_}-{int(manifest)}-{int(time.time())}"
                    task = {
                        "searchops.snapshots.es_snapshot": dict(
                            connection, repository=REPO, snapshot=snapshot, indices=[f"{prefix}-*"], manifest=manifest
                        )
                    }
                    times.append(play_seconds(workdir, [task]))
                # the last snapshot taken had no manifest: drill the one before it, which has one
                listing = node.request("GET", f"_snapshot/{REPO}/{prefix}-{round_}-1-*")["snapshots"]
                drilled = listing[0]["snapshot"]
                verify = {
                    "searchops.snapshots.es_snapshot_verify": dict(
                        connection, repository=REPO, snapshot=drilled, wait_timeout=600
                    )
                }
                drill.append(play_seconds(workdir, [verify]))
                restore = {
                    "searchops.snapshots.es_restore": dict(
                        connection,
                        repository=REPO,
                        snapshot=drilled,
                        rename_pattern="(.+)",
                        rename_replacement="byhand-$1",
                        index_settings={"index.number_of_replicas": 0},
                        include_aliases=False,
                    )
                }
                delete = {"ansible.builtin.uri": {"url": f"{url}/byhand-{prefix}-*", "method": "DELETE"}}
                by_hand.append(play_seconds(workdir, [restore, delete]))
            report["counts"][str(count)] = {
                "es_snapshot_with_manifest_seconds": with_manifest,
                "es_snapshot_without_manifest_seconds": without,
                "manifest_cost_seconds_median": median([a - b for a, b in zip(with_manifest, without)]),
                "drill_seconds": drill,
                "restore_and_delete_by_hand_seconds": by_hand,
                "drill_over_by_hand_seconds_median": median([a - b for a, b in zip(drill, by_hand)]),
            }
            print(count, report["counts"][str(count)])
    requests.delete(f"{url}/_snapshot/{REPO}/bench-drill-*", timeout=600)
    requests.delete(f"{url}/_snapshot/{REPO}", timeout=60)
    write("drill", report)


if __name__ == "__main__":
    main()
