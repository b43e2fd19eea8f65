"""Benchmark: many clusters per run, the snapshot and prune playbooks over a fleet inventory.

    .venv/bin/python bench/fleet_bench.py [--clusters 50] [--forks 1 10 25] [--docs 300] [--baseline-runs 3]

Against the local stack (tools/stack.py up; $SEARCHOPS_STACK says where it keeps endpoints.json).
Generates an inventory of --clusters hosts in a temporary folder, all pointing at the stack's plain
node (auth_type none), each with its own fs repository and its own index of --docs documents
(searchops_cluster, searchops_repository, searchops_indices host vars), and runs the collection's
own playbooks on it as a user does (ansible-playbook -i <inventory> --forks <n>
searchops.snapshots.snapshot, then searchops.snapshots.prune with searchops_prune_max_count=1): on
all hosts once with each --forks, and limited to one host (--limit) --baseline-runs times (the
median is the baseline). Every run does real work: the snapshot run takes a snapshot of a fresh
name on each host, the prune run that follows deletes the one before it.

Reported per run: the wall time of the ansible-playbook process, the time per cluster (total /
clusters), the ratio to the one-cluster run, the CPU seconds the controller (ansible-playbook, its
workers and modules) and the node spent, and the most hosts whose main task was in flight at once
(1 would mean the run was serialised). For each host of every snapshot run: how long after the
server's end of its snapshot (end_time in the module's result, the server's end_time_in_millis;
OpenSearch's clock ticks every 200 ms) the controller received the task's result
(bench/callbacks/fleet_times.py records when each host's result reached the callbacks); median
and max. Results go to bench/results/fleet.json. Not a test: it asserts nothing (issue 16's
targets: 50 clusters with forks 25 under 3x one cluster; es_snapshot within 0.5 s of the
server's end of the snapshot).
"""

import argparse
import datetime
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import children_cpu_seconds, header, stack, write  # noqa: E402
from tests.collection import use_checkout  # noqa: E402
from tests.integration.helpers import OpenSearch, bulk, path_repo  # noqa: E402

use_checkout()
CALLBACKS = ROOT / "bench" / "callbacks"
PREFIX = "bench-fleet-"  # host, repository and index names: bench-fleet-00, bench-fleet-01, ...
TASKS = {"snapshot": "Snapshot", "prune": "Prune"}  # each playbook's module task


def names(clusters):
    return [f"{PREFIX}{n:02d}" for n in range(clusters)]


def clean(node):
    """Remove what this benchmark creates (also what a killed run left): its snapshots,
    repositories and indices."""
    for repo in [name for name in node.request("GET", "_snapshot") if name.startswith(PREFIX)]:
        node.request("DELETE", f"_snapshot/{repo}/*", expect=(200, 404))
        node.request("DELETE", f"_snapshot/{repo}")
    node.request("DELETE", f"{PREFIX}*", params={"expand_wildcards": "all"})


def fill(node, clusters, docs):
    """Each cluster's index (one shard, docs documents) and fs repository (its own folder)."""
    folder = path_repo(node)
    for name in names(clusters):
        node.request("PUT", name, json={"settings": {"number_of_shards": 1, "number_of_replicas": 0}})
        bulk(node, name, [(None, {"n": n, "cluster": name}) for n in range(docs)])
        node.request("PUT", f"_snapshot/{name}", json={"type": "fs", "settings": {"location": f"{folder}/{name}"}})


def write_inventory(workdir, url, clusters):
    """The fleet as a user's inventory: one host per cluster, run from the control node."""
    hosts = {
        name: {
            "searchops_cluster": {"url": url, "auth_type": "none"},
            "searchops_repository": name,
            "searchops_indices": [name],
        }
        for name in names(clusters)
    }
    group = {
        "hosts": hosts,
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
    }
    path = Path(workdir) / "fleet.json"
    path.write_text(json.dumps({"searchops_clusters": group}))
    return path


def node_cpu_seconds(node):
    stats = node.request("GET", "_nodes/stats/process")["nodes"].values()
    return sum(n["process"]["cpu"]["total_in_millis"] for n in stats) / 1000


def run_playbook(node, workdir, inventory, playbook, forks, extra_vars, limit=None):
    """One ansible-playbook run of searchops.snapshots.<playbook>, as a user runs it. Returns
    (figures, {host: the module task's result}, {host: (its start, when its result came)})."""
    times = Path(workdir) / "times.jsonl"
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "--forks", str(forks)]
    cmd += ["--limit", limit] if limit else []
    cmd += [f"searchops.snapshots.{playbook}", "-e", json.dumps(extra_vars)]
    env = dict(
        os.environ,
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
        ANSIBLE_CALLBACKS_ENABLED="fleet_times",
        SEARCHOPS_FLEET_TIMES=str(times),
    )
    cpu, node_cpu = children_cpu_seconds(), node_cpu_seconds(node)
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": round(seconds, 3),
        "controller_cpu_seconds": round(children_cpu_seconds() - cpu, 2),
        "node_cpu_seconds": round(node_cpu_seconds(node) - node_cpu, 2),
    }
    if done.returncode != 0:
        raise SystemExit(f"{playbook} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    task = TASKS[playbook]
    taken = {
        host: result
        for play in json.loads(done.stdout)["plays"]
        for entry in play["tasks"]
        if entry["task"]["name"] == task
        for host, result in entry["hosts"].items()
    }
    events = [json.loads(line) for line in times.read_text().splitlines()]
    starts = {e["host"]: e["at"] for e in events if e["task"] == task and e["status"] == "start"}
    spans = {e["host"]: (starts[e["host"]], e["at"]) for e in events if e["task"] == task and e["status"] != "start"}
    figures.update(
        hosts=len(taken),
        peak_in_flight=peak(spans.values()),
        hosts_retried=sum(1 for r in taken.values() if any("retry" in w for w in r.get("warnings", []))),
    )
    return figures, taken, spans


def peak(spans):
    """The most (start, end) spans open at one time."""
    edges = sorted([(start, 1) for start, _end in spans] + [(end, -1) for _start, end in spans])
    open_now = most = 0
    for _at, step in edges:
        open_now += step
        most = max(most, open_now)
    return most


def epoch(iso):
    """Seconds since the epoch of the server's ISO time (2026-11-28T01:00:04.210Z)."""
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def snapshot_run(node, workdir, inventory, forks, name, limit=None):
    figures, taken, spans = run_playbook(
        node, workdir, inventory, "snapshot", forks, {"searchops_snapshot_name": name}, limit
    )
    # when the controller had each host's result, after the server's end of its snapshot
    lags = sorted(spans[host][1] - epoch(result["snapshot"]["end_time"]) for host, result in taken.items())
    figures["changed"] = sum(1 for r in taken.values() if r.get("changed"))
    figures["return_after_server_end"] = {
        "median_seconds": round(statistics.median(lags), 3),
        "max_seconds": round(lags[-1], 3),
        "min_seconds": round(lags[0], 3),
    }
    return figures


def prune_run(node, workdir, inventory, forks, limit=None):
    figures, taken, _spans = run_playbook(
        node, workdir, inventory, "prune", forks, {"searchops_prune_max_count": 1}, limit
    )
    figures["deleted"] = sum(len(r["deleted"]) for r in taken.values())
    return figures


def summary(runs, clusters, cpus, baseline=None):
    """The median run of each playbook: seconds, per cluster, ratio to the baseline, and the
    least time the CPU work allowed on this machine ((controller + node CPU) / cpus)."""
    row = {}
    for playbook in TASKS:
        median = sorted((run[playbook] for run in runs), key=lambda r: r["seconds"])[len(runs) // 2]
        row[playbook] = {
            "seconds": median["seconds"],
            "per_cluster_seconds": round(median["seconds"] / clusters, 3),
            "ratio_to_one_cluster": round(median["seconds"] / baseline[playbook]["seconds"], 2) if baseline else 1.0,
            "cpu_bound_seconds": round((median["controller_cpu_seconds"] + median["node_cpu_seconds"]) / cpus, 2),
            "controller_cpu_seconds_per_cluster": round(median["controller_cpu_seconds"] / clusters, 3),
        }
    row["runs"] = runs
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--forks", type=int, nargs="+", default=[1, 10, 25])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args()
    endpoints = stack()
    url = endpoints["opensearch"]
    node = OpenSearch(url)
    cpus = os.cpu_count()
    report = header(
        endpoints,
        clusters=args.clusters,
        docs_per_index=args.docs,
        targets={"ratio_forks_25_to_one_cluster": 3, "return_after_server_end_seconds": 0.5},
    )
    report["machine"]["load_average_at_start"] = os.getloadavg()
    started = time.perf_counter()
    clean(node)
    fill(node, args.clusters, args.docs)
    runs = itertools.count()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            inventory = write_inventory(workdir, url, args.clusters)

            def run_pair(forks, limit=None):
                taken = snapshot_run(node, workdir, inventory, forks, f"fleet-run-{next(runs)}", limit)
                return {"snapshot": taken, "prune": prune_run(node, workdir, inventory, forks, limit)}

            # one snapshot on every cluster first, so that each measured prune has one to delete
            snapshot_run(node, workdir, inventory, max(args.forks), "fleet-seed")
            one = [run_pair(1, names(1)[0]) for _run in range(args.baseline_runs)]
            report["one_cluster"] = baseline = summary(one, 1, cpus)
            print("one_cluster", json.dumps(one), flush=True)
            for forks in args.forks:
                pair = run_pair(forks)
                report[f"forks_{forks}"] = summary([pair], args.clusters, cpus, baseline)
                print(f"forks_{forks}", json.dumps(pair), flush=True)
    finally:
        clean(node)
    report["bench_seconds"] = round(time.perf_counter() - started, 1)
    for label in ["one_cluster"] + [f"forks_{forks}" for forks in args.forks]:
        print(label, json.dumps({key: value for key, value in report[label].items() if key != "runs"}))
    write("fleet", report)


if __name__ == "__main__":
    main()
