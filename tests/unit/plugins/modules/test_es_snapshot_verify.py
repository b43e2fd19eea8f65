"""es_snapshot_verify main() against a fake transport: refusals before any change, the plan in check
mode, the lost restore answer. The drills themselves run against the real node
(tests/integration/test_es_snapshot_verify.py)."""

import pytest

from ansible_collections.searchops.snapshots.plugins.modules.es_snapshot_verify import main

SNAP = "_snapshot/backups/snap"
GB = 1 << 30

pytestmark = pytest.mark.usefixtures("fast_clock")


def args(**kw):
    return dict({"url": "http://localhost:9200", "repository": "backups", "snapshot": "snap"}, **kw)


def snapshot(state="SUCCESS", indices=("orders",), manifest=None):
    metadata = {"searchops.manifest": manifest} if manifest else {}
    return {"snapshot": "snap", "uuid": "u1", "state": state, "indices": list(indices), "metadata": metadata}


@pytest.fixture
def cluster(server):
    """One data node with room, the snapshot's status, no index with the prefix, no drill record."""
    server.on(
        "GET",
        "",
        (
            200,
            {"cluster_name": "c", "cluster_uuid": "cu", "version": {"number": "3.6.0", "distribution": "opensearch"}},
        ),
    )
    server.on("GET", SNAP, (200, {"snapshots": [snapshot()]}))
    status = {"indices": {"orders": {"shards": {"0": {"stats": {"total": {"size_in_bytes": 1000}}}}}}}
    server.on("GET", f"{SNAP}/_status", (200, {"snapshots": [status]}))
    server.on("GET", "_cluster/state/metadata", (200, {"metadata": {"indices": {"orders": {"state": "open"}}}}))
    server.on("GET", "searchops-drills/_search", (404, {"error": {"type": "index_not_found_exception"}}))
    server.on("GET", "_cluster/settings", (200, {"persistent": {}, "transient": {}, "defaults": {}}))
    fs = {"total": {"total_in_bytes": 100 * GB, "available_in_bytes": 50 * GB}}
    server.on("GET", "_nodes/stats/fs", (200, {"nodes": {"n": {"name": "n1", "roles": ["data"], "fs": fs}}}))
    server.on("GET", "_cluster/health", (200, {"active_shards": 10, "initializing_shards": 0, "unassigned_shards": 0}))
    return server


def writes(server):
    return [r for r in server.sent if r["method"] != "GET"]


def test_check_mode_returns_the_plan_and_writes_nothing(cluster, run_module):
    failed, result = run_module(main, args(), check_mode=True)
    assert not failed and not result["changed"], result
    assert result["plan"] == {
        "targets": {"orders": "searchops-drill-orders"},
        "bytes": 1000,
        "shards": 1,
        "capacity": [],
        "leftovers": [],
        "unrecorded": [],
    }
    assert writes(cluster) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prefix": "Drill-"}, "prefix 'Drill-' has uppercase letters"),
        ({"count_tolerance": -1}, "count_tolerance -1 is negative"),
        ({"indices": ["nope"]}, "The snapshot has no index or data stream named 'nope'"),
        (
            {"queries": [{"index": "logs", "query": {"match_all": {}}}]},
            "queries name 'logs', which the drill does not restore",
        ),
    ],
)
def test_bad_input_is_refused_before_any_write(cluster, run_module, options, message):
    failed, result = run_module(main, args(**options))
    assert failed and message in result["msg"], result
    assert writes(cluster) == []


@pytest.mark.parametrize("state", ["FAILED", "IN_PROGRESS"])
def test_a_snapshot_with_nothing_complete_to_restore_is_refused(cluster, run_module, state):
    cluster.on("GET", SNAP, (200, {"snapshots": [snapshot(state=state)]}))
    failed, result = run_module(main, args())
    assert failed and f"Snapshot snap is {state}: there is nothing complete to restore" in result["msg"]
    assert writes(cluster) == []


def test_a_cluster_without_room_is_refused_with_the_figures(cluster, run_module):
    fs = {"total": {"total_in_bytes": 100 * GB, "available_in_bytes": 10 * GB}}  # exactly the 10 % kept free
    cluster.on("GET", "_nodes/stats/fs", (200, {"nodes": {"n": {"name": "n1", "roles": ["data"], "fs": fs}}}))
    failed, result = run_module(main, args())
    assert failed and "The cluster cannot take the drill of snapshot snap: not enough disk" in result["msg"]
    assert "n1: 0 bytes" in result["msg"] and "Nothing was changed" in result["msg"]
    assert writes(cluster) == []


def test_an_unrecorded_index_with_the_prefix_is_refused_and_not_deleted(cluster, run_module):
    state = {"orders": {"state": "open"}, "searchops-drill-mine": {"state": "open"}}
    cluster.on("GET", "_cluster/state/metadata", (200, {"metadata": {"indices": state}}))
    failed, result = run_module(main, args())
    assert failed and "no drill record names: searchops-drill-mine" in result["msg"]
    assert writes(cluster) == []
