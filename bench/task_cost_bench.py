"""Benchmark: what one task of a module costs, against ansible.builtin.uri sending the same request.

    .venv/bin/python bench/task_cost_bench.py [--tasks 15] [--rounds 3]

Against the local stack (tools/stack.py up). For each pair, a play of --tasks identical tasks and
an empty play run through ansible-playbook in turn, --rounds times; a task's cost is
(play - empty play) / tasks, the median of the rounds. The pairs are no-op tasks that send one
request: es_request GET _cluster/health, es_snapshot_info listing the repositories (GET
_snapshot), es_snapshot_repo finding its repository as given (GET _snapshot/<name>); each
against uri with the same URL. Results go to bench/results/task_cost.json. Not a test: it asserts
nothing (issue 16's target is "within 5 % of ansible.builtin.uri").
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.collection import use_checkout  # noqa: E402

use_checkout()
RESULTS = ROOT / "bench" / "results" / "task_cost.json"
REPOSITORY = "bench-task-cost"


def stack():
    subprocess.run([sys.executable, str(ROOT / "tools" / "stack.py"), "up"], check=True)
    return json.loads((ROOT / ".stack" / "endpoints.json").read_text())


def pairs(url, location):
    """name -> (module task, uri task): the same request."""
    repo_args = {"url": url, "repository": REPOSITORY, "type": "fs", "settings": {"location": location}}
    return {
        "es_request": (
            {"searchops.snapshots.es_request": {"url": url, "path": "_cluster/health"}},
            {"ansible.builtin.uri": {"url": f"{url}/_cluster/health"}},
        ),
        "es_snapshot_info": (
            {"searchops.snapshots.es_snapshot_info": {"url": url}},
            {"ansible.builtin.uri": {"url": f"{url}/_snapshot"}},
        ),
        "es_snapshot_repo": (
            {"searchops.snapshots.es_snapshot_repo": repo_args},
            {"ansible.builtin.uri": {"url": f"{url}/_snapshot/{REPOSITORY}"}},
        ),
    }


def play_seconds(workdir, tasks):
    """Wall time of one ansible-playbook run of these tasks on localhost."""
    playbook = Path(workdir) / "play.yml"
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    playbook.write_text(json.dumps(play))
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(playbook)]
    cmd += ["-e", f"ansible_connection=local ansible_python_interpreter={sys.executable}"]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"))
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def measure(workdir, task, count, rounds):
    """Per-task seconds, one value per round: (count tasks - no task) / count."""
    values = []
    for _round in range(rounds):
        empty = play_seconds(workdir, [])
        full = play_seconds(workdir, [dict(task, name=f"task {n}") for n in range(count)])
        values.append((full - empty) / count)
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    endpoints = stack()
    url = endpoints["opensearch"]
    path_repo = next(iter(requests.get(f"{url}/_nodes/settings", timeout=60).json()["nodes"].values()))["settings"][
        "path"
    ]["repo"][0]
    location = f"{path_repo}/{REPOSITORY}"
    requests.put(f"{url}/_snapshot/{REPOSITORY}", json={"type": "fs", "settings": {"location": location}}, timeout=60)
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "opensearch": endpoints["opensearch_version"],
        "tasks_per_play": args.tasks,
        "pairs": {},
    }
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for name, (module_task, uri_task) in pairs(url, location).items():
                module = measure(workdir, module_task, args.tasks, args.rounds)
                uri = measure(workdir, uri_task, args.tasks, args.rounds)
                row = {
                    "module_seconds": round(statistics.median(module), 3),
                    "uri_seconds": round(statistics.median(uri), 3),
                    "rounds": {"module": [round(v, 3) for v in module], "uri": [round(v, 3) for v in uri]},
                }
                row["ratio"] = round(row["module_seconds"] / row["uri_seconds"], 3)
                report["pairs"][name] = row
                print(name, json.dumps({k: v for k, v in row.items() if k != "rounds"}), flush=True)
    finally:
        requests.delete(f"{url}/_snapshot/{REPOSITORY}", timeout=60)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
