"""Benchmark: what one task of a module costs, against ansible.builtin.uri sending the same request.

    .venv/bin/python bench/task_cost_bench.py [--tasks 10] [--rounds 3]

Against the local stack (tools/stack.py up). For each pair, --rounds rounds of three
ansible-playbook runs back to back: an empty play, a play of --tasks identical module tasks, a
play of --tasks identical uri tasks (side by side, so that the machine's drift between rounds
falls on both); a task's cost is (play - empty play) / tasks, the median of the rounds, in wall
time and in CPU time (ansible-playbook and every process it starts: steadier than wall time on a
shared machine, whose rounds vary by 15 %). The pairs are no-op tasks that send one
request: es_request GET _cluster/health, es_snapshot_info listing the repositories (GET
_snapshot), es_snapshot_repo finding its repository as given (GET _snapshot/<name>); each
against uri with the same URL. The other modules' no-ops send a few requests (es_snapshot finding
its snapshot: the cluster's identity and the snapshot; es_snapshot_prune with nothing to delete:
the identity, the light listing and the verbose read; es_restore of an index that exists, with
on_conflict skip: the engine, the snapshot and the cluster state; es_security_role_mapping
finding its users mapped: the mapping, over HTTPS with basic auth on the secured node), each
against uri sending the main one of them. Results go to bench/results/task_cost.json. Not a test:
it asserts nothing (issue 16's target is "within 5 % of ansible.builtin.uri").
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import header, median, stack, task_costs, write  # noqa: E402
from tests.collection import use_checkout  # noqa: E402
from tests.integration.helpers import OpenSearch, path_repo  # noqa: E402

use_checkout()
REPOSITORY = "bench-task-cost"
INDEX = "bench-task-cost-data"
SNAPSHOT = "noop"
ROLE = "bench_task_cost"


def pairs(url, location, secured):
    """name -> (module task, uri task): the same request (the module's main one)."""
    repo_args = {"url": url, "repository": REPOSITORY, "type": "fs", "settings": {"location": location}}
    snapshot_url = f"{url}/_snapshot/{REPOSITORY}/{SNAPSHOT}"
    admin = secured["users"]["admin"]
    mapping = {"url": secured["url"], "ca_path": secured["ca_path"], "role": ROLE, "users": ["bench"]}
    mapping.update(username=admin["username"], password=admin["password"])
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
        "es_snapshot": (
            {"searchops.snapshots.es_snapshot": {"url": url, "repository": REPOSITORY, "snapshot": SNAPSHOT}},
            {"ansible.builtin.uri": {"url": snapshot_url}},
        ),
        "es_snapshot_prune": (
            {"searchops.snapshots.es_snapshot_prune": {"url": url, "repository": REPOSITORY, "max_count": 10}},
            {"ansible.builtin.uri": {"url": f"{url}/_snapshot/{REPOSITORY}/*"}},
        ),
        "es_restore": (
            {"searchops.snapshots.es_restore": {"url": url, "repository": REPOSITORY, "snapshot": SNAPSHOT}},
            {"ansible.builtin.uri": {"url": snapshot_url}},
        ),
        "es_security_role_mapping": (
            {"searchops.snapshots.es_security_role_mapping": mapping},
            {
                "ansible.builtin.uri": {
                    "url": f"{secured['url']}/_plugins/_security/api/rolesmapping/{ROLE}",
                    "ca_path": secured["ca_path"],
                    "url_username": admin["username"],
                    "url_password": admin["password"],
                    "force_basic_auth": True,
                }
            },
        ),
    }


def prepare(url, location, secured):
    """The no-ops' server state: the repository holding a snapshot of an index, and a role mapped."""
    requests.put(f"{url}/_snapshot/{REPOSITORY}", json={"type": "fs", "settings": {"location": location}}, timeout=60)
    requests.put(f"{url}/{INDEX}", json={"settings": {"number_of_shards": 1, "number_of_replicas": 0}}, timeout=60)
    requests.put(
        f"{url}/_snapshot/{REPOSITORY}/{SNAPSHOT}",
        params={"wait_for_completion": "true"},
        json={"indices": INDEX, "include_global_state": False},
        timeout=60,
    )
    api = f"{secured['url']}/_plugins/_security/api"
    admin = secured["users"]["admin"]
    auth = (admin["username"], admin["password"])
    requests.put(
        f"{api}/roles/{ROLE}",
        json={"cluster_permissions": ["cluster_monitor"]},
        auth=auth,
        verify=secured["ca_path"],
        timeout=60,
    ).raise_for_status()
    requests.put(
        f"{api}/rolesmapping/{ROLE}", json={"users": ["bench"]}, auth=auth, verify=secured["ca_path"], timeout=60
    ).raise_for_status()


def clean(url, secured):
    requests.delete(f"{url}/_snapshot/{REPOSITORY}/{SNAPSHOT}", timeout=60)
    requests.delete(f"{url}/_snapshot/{REPOSITORY}", timeout=60)
    requests.delete(f"{url}/{INDEX}", timeout=60)
    api = f"{secured['url']}/_plugins/_security/api"
    admin = secured["users"]["admin"]
    for path in (f"rolesmapping/{ROLE}", f"roles/{ROLE}"):
        requests.delete(
            f"{api}/{path}", auth=(admin["username"], admin["password"]), verify=secured["ca_path"], timeout=60
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    endpoints = stack()
    url = endpoints["opensearch"]
    folder = path_repo(OpenSearch(url))
    location = f"{folder}/{REPOSITORY}"
    secured = endpoints["secured"]
    clean(url, secured)  # a killed run's leftovers
    prepare(url, location, secured)
    report = header(endpoints, tasks_per_play=args.tasks, pairs={})
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for name, (module_task, uri_task) in pairs(url, location, secured).items():
                module, uri = task_costs(workdir, (module_task, uri_task), args.tasks, args.rounds)
                row = {
                    "module_seconds": median([wall for wall, _cpu in module]),
                    "uri_seconds": median([wall for wall, _cpu in uri]),
                    "module_cpu_seconds": median([cpu for _wall, cpu in module]),
                    "uri_cpu_seconds": median([cpu for _wall, cpu in uri]),
                    "rounds": {
                        "module": [[round(v, 3) for v in r] for r in module],
                        "uri": [[round(v, 3) for v in r] for r in uri],
                    },
                }
                row["ratio"] = round(row["module_seconds"] / row["uri_seconds"], 3)
                row["cpu_ratio"] = round(row["module_cpu_seconds"] / row["uri_cpu_seconds"], 3)
                report["pairs"][name] = row
                print(name, json.dumps({k: v for k, v in row.items() if k != "rounds"}), flush=True)
    finally:
        clean(url, secured)
    write("task_cost", report)


if __name__ == "__main__":
    main()
