"""es_restore main() against a fake transport replaying the server's answers."""

import json

import pytest
import requests

from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import snapshot_summary
from ansible_collections.searchops.snapshots.plugins.modules.es_restore import main

SNAP = "_snapshot/backups/snap"
RESTORE = f"{SNAP}/_restore"
STATE = "_cluster/state/metadata"
OK = (200, {"acknowledged": True})
ACCEPTED = (200, {"accepted": True})
GONE = (404, {"error": {"type": "index_not_found_exception", "reason": "no such index [orders]"}, "status": 404})
BUSY = (
    503,
    {"error": {"type": "concurrent_snapshot_execution_exception", "reason": "cannot restore while a deletion runs"}},
)
REFUSED = (
    500,
    {"error": {"type": "snapshot_restore_exception", "reason": "[backups:snap] cannot restore index [orders]"}},
)


# sleeps advance a fake clock instead of waiting (conftest.py)
pytestmark = pytest.mark.usefixtures("fast_clock")


def root(number, distribution=None):
    version = dict({"number": number}, **({"distribution": distribution} if distribution else {}))
    return (200, {"cluster_name": "c", "cluster_uuid": "u", "version": version})


@pytest.fixture(autouse=True)
def cluster_root(server):
    """GET / says which engine the cluster runs (a test may answer otherwise)."""
    server.on("GET", "", root("3.6.0", "opensearch"))


def args(**kw):
    return dict({"url": "http://localhost:9200", "repository": "backups", "snapshot": "snap"}, **kw)


def snapshot(state="SUCCESS", indices=("orders", "logs"), failures=(), name="snap", start=1):
    return {
        "snapshot": name,
        "state": state,
        "indices": list(indices),
        "failures": [{"index": i, "shard_id": 0, "reason": "primary shard is not allocated"} for i in failures],
        "shards": {"total": 2, "failed": len(failures), "successful": 2 - len(failures)},
        "start_time_in_millis": start,
    }


def found(*infos):
    return (200, {"snapshots": list(infos)})


def cluster(**indices):
    """_cluster/state/metadata with these indices; True open, False closed."""
    body = {
        n: {"state": "open" if o else "close", "settings": {"index": {"uuid": f"u-{n}"}}} for n, o in indices.items()
    }
    return (200, {"metadata": {"indices": body}})


def health(*names, active=True):
    shards = {"number_of_shards": 1, "active_primary_shards": int(active), "initializing_shards": int(not active)}
    return (200, {"indices": {n: dict(shards, status="green" if active else "red") for n in names}})


def stats(**counts):
    """The answer of the document-count search: one bucket per index that has documents."""
    buckets = [{"key": n, "doc_count": c} for n, c in counts.items() if c]
    return (200, {"hits": {"hits": []}, "aggregations": {"per_index": {"buckets": buckets}}})


def restorable(server, *states, snap=None):
    """The snapshot, the cluster (states in turn), a restore that is accepted and becomes active."""
    server.on("GET", SNAP, found(snap or snapshot()))
    server.on("GET", STATE, *(states or [cluster()]))
    server.on("POST", RESTORE, ACCEPTED)
    server.on("GET", "_cluster/health/orders", health("orders"))
    server.on("GET", "orders/_search", stats(orders=3))


def writes(server):
    return [(r["method"], r["path"]) for r in server.sent if r["method"] != "GET"]


def test_restores_a_missing_index_and_reports_it(server, run_module):
    restorable(server)
    failed, result = run_module(main, args(indices=["orders"]))
    assert not failed and result["changed"], result
    assert result["restored_indices"] == [{"index": "orders", "source": "orders", "docs": 3}]
    assert result["deleted_indices"] == [] and result["closed_indices"] == []
    assert result["plan"]["restore"] == ["orders"] and result["plan"]["delete"] == []
    assert writes(server) == [("POST", RESTORE)]
    # counted as _count does, by a read-only GET whose body is the `source` parameter
    (count,) = [r for r in server.sent if r["path"] == "orders/_search"]
    assert json.loads(count["query"]["source"])["aggs"]["per_index"]["terms"] == {"field": "_index", "size": 1}
    assert server.requests("POST")[0]["body"] == {
        "indices": "orders",
        "include_global_state": False,
        "include_aliases": True,
        "partial": False,
    }


def test_an_index_without_documents_counts_zero(server, run_module):
    restorable(server)
    server.on("GET", "orders/_search", stats(orders=0))  # no bucket for an empty index
    failed, result = run_module(main, args(indices=["orders"]))
    assert not failed and result["restored_indices"] == [{"index": "orders", "source": "orders", "docs": 0}]


def test_check_mode_plans_and_writes_nothing(server, run_module):
    restorable(server, cluster(orders=True))
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"), check_mode=True)
    assert not failed and result["changed"] and result["plan"]["delete"] == ["orders"]
    assert result["request"]["path"] == RESTORE and "restored_indices" not in result and "deleted_indices" not in result
    assert writes(server) == []


def test_skip_leaves_the_existing_index_and_changes_nothing(server, run_module):
    restorable(server, cluster(orders=True, logs=False))
    failed, result = run_module(main, args())
    assert not failed and not result["changed"] and result["plan"]["skipped"] == ["orders", "logs"]
    assert writes(server) == []


def test_fail_refuses_before_any_write(server, run_module):
    restorable(server, cluster(orders=True))
    failed, result = run_module(main, args(on_conflict="fail"))
    assert failed and "These indices exist already: orders" in result["msg"] and "Nothing was changed" in result["msg"]
    assert writes(server) == []


def test_close_then_restore_over_the_closed_index(server, run_module):
    restorable(server, cluster(orders=True))
    server.on("POST", "orders/_close", OK)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="close"))
    assert not failed and result["closed_indices"] == ["orders"] and result["deleted_indices"] == []
    assert writes(server) == [("POST", "orders/_close"), ("POST", RESTORE)]


def test_delete_then_restore(server, run_module):
    restorable(server, cluster(orders=True))
    server.on("DELETE", "orders", OK)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"))
    assert not failed and result["deleted_indices"] == ["orders"] and result["closed_indices"] == []
    assert result["restored_indices"] == [{"index": "orders", "source": "orders", "docs": 3}]
    assert writes(server) == [("DELETE", "orders"), ("POST", RESTORE)]


def restores_orders(server, snapshot_name):
    server.on("GET", STATE, cluster())
    server.on("POST", f"_snapshot/backups/{snapshot_name}/_restore", ACCEPTED)
    server.on("GET", "_cluster/health/orders", health("orders"))
    server.on("GET", "orders/_search", stats(orders=3))


def test_latest_is_the_newest_successful_snapshot(server, run_module):
    """OpenSearch's light listing has no times: the successful snapshots (and only they) are read in full."""
    older, newer_failed = snapshot(name="old", start=1), snapshot("FAILED", name="new", start=2)
    server.repository("backups", older, newer_failed)
    restores_orders(server, "old")
    failed, result = run_module(main, args(snapshot="latest", indices=["orders"]))
    assert not failed and result["snapshot"]["snapshot"] == "old"
    listings = [(r["path"], r["query"].get("verbose")) for r in server.requests("GET") if "backups/" in r["path"]]
    assert listings == [("_snapshot/backups/*", "false"), ("_snapshot/backups/old", "true")]


def test_latest_chooses_among_every_pattern_of_snapshots(server, run_module):
    """snapshots is a list: the server is asked for all its patterns at once, and the newest
    successful snapshot that matches any of them is restored."""
    nightly, weekly = snapshot(name="nightly-1", start=1), snapshot(name="weekly-1", start=2)
    server.repository("backups", nightly, weekly, snapshot(name="other", start=3))
    restores_orders(server, "weekly-1")
    latest = args(snapshot="latest", snapshots=["nightly-*", "weekly-*"], indices=["orders"])
    failed, result = run_module(main, latest)
    assert not failed and result["snapshot"]["snapshot"] == "weekly-1", result
    assert server.requests("GET")[1]["path"] == "_snapshot/backups/nightly-*,weekly-*"


def test_latest_on_elasticsearch_is_the_first_successful_one_of_its_sorted_pages(server, run_module):
    """Elasticsearch 7.14 and later sort and page the listing: newest first, page after page until a
    successful one, never the whole repository."""
    server.on("GET", "", root("8.19.21"))
    first = {"snapshots": [snapshot("IN_PROGRESS", name="now", start=9), snapshot("FAILED", name="f", start=8)]}
    server.on("GET", "_snapshot/backups/*", (200, dict(first, next="cursor-1")), found(snapshot(name="ok", start=7)))
    restores_orders(server, "ok")
    failed, result = run_module(main, args(snapshot="latest", indices=["orders"]))
    assert not failed and result["snapshot"]["snapshot"] == "ok", result
    pages = [r["query"] for r in server.requests("GET") if r["path"] == "_snapshot/backups/*"]
    sorted_newest_first = {"sort": "start_time", "order": "desc", "size": "25", "ignore_unavailable": "true"}
    assert pages == [sorted_newest_first, dict(sorted_newest_first, after="cursor-1")]


def test_latest_on_elasticsearch_without_a_successful_snapshot_says_so(server, run_module):
    server.on("GET", "", root("7.17.0"))
    server.on("GET", "_snapshot/backups/*", found(snapshot("FAILED", name="f", start=8)))
    failed, result = run_module(main, args(snapshot="latest", indices=["orders"]))
    assert failed and "No successful snapshot matching ['*'] in repository 'backups'" in result["msg"]
    assert len(server.requests("GET")) == 2


def test_snapshot_is_the_summary_es_snapshot_returns(server, run_module):
    """The same key means the same thing in every module: the snapshot's summary, a dict."""
    info = dict(snapshot(), uuid="u-snap", version="3.6.0", index_details={"orders": {}})
    restorable(server, snap=info)
    failed, result = run_module(main, args(indices=["orders"]), check_mode=True)
    assert not failed and result["snapshot"] == snapshot_summary(info)
    assert result["snapshot"]["uuid"] == "u-snap" and "index_details" not in result["snapshot"]


def test_wait_polls_until_the_restored_shards_are_active(server, run_module, fast_clock):
    restorable(server)
    server.on("GET", "_cluster/health/orders", health("orders", active=False), health("orders"))
    failed, result = run_module(main, args(indices=["orders"]))
    assert not failed and result["restored_indices"][0]["docs"] == 3
    health_polls = [r for r in server.requests("GET") if r["path"] == "_cluster/health/orders"]
    assert len(health_polls) == 2 and fast_clock[0] > 0


def test_no_wait_reports_the_restore_without_counts(server, run_module):
    restorable(server)
    failed, result = run_module(main, args(indices=["orders"], wait=False))
    assert not failed and result["restored_indices"] == [{"index": "orders", "source": "orders"}]


def test_wait_timeout_is_never_overshot_by_slow_requests(server, run_module, fast_clock):
    """Each health request takes 4 s and answers 503: the client's retries must stop at the
    wait's deadline instead of adding (retries + 1) x request_timeout per poll."""

    def slow_unavailable(request):
        fast_clock[0] += 4
        return (503, {"error": {"type": "unavailable", "reason": "busy"}})

    restorable(server)
    server.on("GET", "_cluster/health/orders", slow_unavailable)
    failed, result = run_module(main, args(indices=["orders"], wait_timeout=10))
    assert failed and "wait_timeout" in result["msg"] and "orders" in result["msg"]
    assert fast_clock[0] <= 10 + 4  # at most the one request under way when the deadline passed
    assert result["restored_indices"] == [{"index": "orders", "source": "orders"}]  # started, goes on on the server


@pytest.mark.parametrize(
    "snap, partial, message",
    [
        (snapshot("FAILED", failures=["orders"]), False, "Snapshot snap ended FAILED"),
        (snapshot("FAILED", failures=["orders"]), True, "Snapshot snap ended FAILED"),
        (snapshot("PARTIAL", failures=["logs"]), False, "Snapshot snap is PARTIAL"),
        (snapshot("PARTIAL", failures=["orders"]), True, "Snapshot snap lacks shards of orders"),
        (snapshot("IN_PROGRESS"), False, "Snapshot snap is still IN_PROGRESS"),
    ],
)
@pytest.mark.parametrize("mode", ["delete", "close"])
def test_an_incomplete_snapshot_named_explicitly_closes_and_deletes_nothing(
    server, run_module, snap, partial, message, mode
):
    restorable(server, cluster(orders=True), snap=snap)
    failed, result = run_module(main, args(indices=["orders"], on_conflict=mode, partial=partial))
    assert failed and message in result["msg"] and "Nothing was changed" in result["msg"], result
    assert writes(server) == []


def test_a_partial_snapshot_with_partial_replaces_a_complete_index(server, run_module):
    restorable(server, cluster(orders=True), snap=snapshot("PARTIAL", failures=["logs"]))
    server.on("DELETE", "orders", OK)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete", partial=True))
    assert not failed and result["deleted_indices"] == ["orders"]


def test_a_snapshot_without_the_named_index_changes_nothing(server, run_module):
    restorable(server, cluster(orders=True), snap=snapshot(indices=["logs"]))
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"))
    assert failed and "The snapshot has no index or data stream named 'orders'" in result["msg"]
    assert writes(server) == []


def test_empty_indices_is_an_error_not_every_index(server, run_module):
    restorable(server, cluster(orders=True, logs=True))
    failed, result = run_module(main, args(indices=[], on_conflict="delete"))
    assert failed and "indices is empty" in result["msg"] and "Omit indices" in result["msg"]
    assert writes(server) == []


@pytest.mark.parametrize(
    "lost",
    [
        (504, {"message": "gateway timeout"}),
        (502, b"<html>bad gateway</html>"),
        requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('closed'))"),
    ],
    ids=["504", "502", "dropped"],
)
def test_a_lost_delete_answer_is_reconciled_from_cluster_state(server, run_module, lost):
    """The DELETE happened, its answer was lost, the retry got 404: the index is gone, so the
    restore goes on and the index is reported deleted."""
    restorable(server, cluster(orders=True), cluster())
    server.on("DELETE", "orders", lost, GONE)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"))
    assert not failed, result
    assert result["deleted_indices"] == ["orders"] and result["restored_indices"][0]["index"] == "orders"
    assert writes(server) == [("DELETE", "orders"), ("DELETE", "orders"), ("POST", RESTORE)]


def test_a_delete_that_did_not_happen_stops_before_the_restore(server, run_module):
    forbidden = (403, {"error": {"type": "security_exception", "reason": "no permissions for [indices:admin/delete]"}})
    restorable(server, cluster(orders=True), cluster(orders=True))
    server.on("DELETE", "orders", forbidden)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"))
    assert failed and "security_exception" in result["msg"] and result["status"] == 403
    assert (
        result["deleted_indices"] == [] and result["restored_indices"] == [] and "Nothing was changed" in result["msg"]
    )
    assert writes(server) == [("DELETE", "orders")]


def test_delete_goes_on_with_what_is_left_when_another_actor_deleted_one(server, run_module):
    restorable(server, cluster(orders=True, logs=True), cluster(logs=True))
    server.on("DELETE", "orders,logs", GONE)
    server.on("DELETE", "logs", OK)
    server.on("GET", "_cluster/health/orders,logs", health("orders", "logs"))
    server.on("GET", "orders,logs/_search", stats(orders=3, logs=4))
    failed, result = run_module(main, args(on_conflict="delete"))
    assert not failed and result["deleted_indices"] == ["orders", "logs"], result
    assert writes(server) == [("DELETE", "orders,logs"), ("DELETE", "logs"), ("POST", RESTORE)]


def test_a_refused_restore_after_close_reopens_and_says_what_was_done(server, run_module):
    restorable(server, cluster(orders=True), cluster(orders=False))
    server.on("POST", "orders/_close", OK)
    server.on("POST", RESTORE, REFUSED)
    server.on("POST", "orders/_open", OK)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="close"))
    assert failed and "cannot restore index [orders]" in result["msg"]
    assert "Done before the failure: closed orders; reopened orders" in result["msg"]
    assert result["closed_indices"] == ["orders"] and result["reopened_indices"] == ["orders"]
    assert result["deleted_indices"] == [] and result["restored_indices"] == [] and result["status"] == 500
    assert writes(server) == [("POST", "orders/_close"), ("POST", RESTORE), ("POST", "orders/_open")]


def test_an_index_that_cannot_be_reopened_is_returned_as_still_closed(server, run_module):
    restorable(server, cluster(orders=True), cluster(orders=False))
    server.on("POST", "orders/_close", OK)
    server.on("POST", RESTORE, REFUSED)
    server.on("POST", "orders/_open", (403, {"error": {"type": "security_exception", "reason": "no permissions"}}))
    failed, result = run_module(main, args(indices=["orders"], on_conflict="close"))
    assert failed and "could not reopen orders" in result["msg"] and "POST orders/_open" in result["msg"]
    assert result["closed_indices"] == ["orders"] and result["reopened_indices"] == []
    assert result["still_closed_indices"] == ["orders"] and result["status"] == 500


def test_a_lost_restore_answer_is_reconciled_and_the_restore_waited_for(server, run_module):
    """The restore's answer is lost (a proxy's 504), but the node restores: the closed index is
    open again (being restored), so the module waits for it and reports it; nothing is reopened."""
    restorable(server, cluster(orders=True), cluster(orders=True))
    server.on("POST", "orders/_close", OK)
    server.on("POST", RESTORE, (504, {"message": "gateway timeout"}))
    failed, result = run_module(main, args(indices=["orders"], on_conflict="close"))
    assert not failed and result["changed"], result
    assert result["closed_indices"] == ["orders"] and result["restored_indices"] == [
        {"index": "orders", "source": "orders", "docs": 3}
    ]
    assert writes(server) == [("POST", "orders/_close"), ("POST", RESTORE)]


@pytest.mark.parametrize(
    "lost", [(504, "<html>gateway timeout</html>"), requests.exceptions.ReadTimeout("read timed out")]
)
def test_a_lost_restore_answer_for_a_restore_that_did_not_start_fails_saying_so(server, run_module, lost):
    restorable(server, cluster(), cluster())
    server.on("POST", RESTORE, lost)
    failed, result = run_module(main, args(indices=["orders"], retries=0))
    assert failed and result["restored_indices"] == [] and "Nothing was changed" in result["msg"], result


@pytest.mark.parametrize(
    "unreachable",
    [
        requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
        (503, {"error": {"type": "cluster_manager_not_discovered_exception", "reason": "no cluster manager"}}),
    ],
)
def test_the_recovery_wait_outlives_a_node_restart(server, run_module, unreachable):
    restorable(server)
    server.on("GET", "_cluster/health/orders", unreachable, unreachable, health("orders"))
    failed, result = run_module(main, args(indices=["orders"], retries=0))
    assert not failed and result["restored_indices"] == [{"index": "orders", "source": "orders", "docs": 3}], result
    assert "polling again until wait_timeout" in str(result["warnings"])


def test_a_refused_restore_after_delete_says_the_index_is_in_the_snapshot(server, run_module):
    restorable(server, cluster(orders=True), cluster())
    server.on("DELETE", "orders", OK)
    server.on("POST", RESTORE, REFUSED)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"))
    assert failed and result["deleted_indices"] == ["orders"] and result["restored_indices"] == []
    assert "deleted orders" in result["msg"] and "run again" in result["msg"]


def test_a_restore_refused_while_another_snapshot_operation_runs_is_retried(server, run_module, fast_clock):
    restorable(server, cluster(orders=True))
    server.on("DELETE", "orders", OK)
    server.on("POST", RESTORE, BUSY, BUSY, ACCEPTED)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"))
    assert not failed and result["restored_indices"][0]["docs"] == 3
    assert len(server.requests("POST")) == 3 and fast_clock[0] > 0


@pytest.mark.parametrize(
    "pattern, replacement, message",
    [
        ("(.+)", "${nope}", "rename_replacement '${nope}' refers to group 'nope'"),
        ("(a+)+c", "x", "catastrophic backtracking"),
        ("(", "x", "rename_pattern '(' is not a valid regular expression"),
    ],
)
def test_bad_renames_fail_cleanly_before_any_write(server, run_module, pattern, replacement, message):
    restorable(server, cluster(orders=True))
    rename = dict(rename_pattern=pattern, rename_replacement=replacement)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete", **rename))
    assert failed and message in result["msg"] and "Traceback" not in result["msg"]
    assert writes(server) == []


TASKS = [{"feature_name": "tasks", "indices": [".tasks"]}]


def test_global_state_restores_no_feature_state_unless_named(server, run_module):
    # Elasticsearch restores every feature state with include_global_state (overwriting system indices)
    restorable(server, snap=dict(snapshot(), feature_states=TASKS))
    server.on("GET", "", root("8.19.21"))
    failed, result = run_module(main, args(indices=["orders"], include_global_state=True))
    assert not failed and result["changed"], result
    assert server.requests("POST")[0]["body"]["feature_states"] == ["none"]
    assert "restored_feature_states" not in result


def test_global_state_on_engines_without_feature_states_sends_none_of_them(server, run_module):
    restorable(server)
    server.on("GET", "", root("2.19.6", "opensearch"))
    failed, result = run_module(main, args(indices=["orders"], include_global_state=True))
    assert not failed and "feature_states" not in server.requests("POST")[0]["body"]


def test_a_named_feature_state_alone_is_restored_at_every_run(server, run_module):
    restorable(server, cluster(orders=True, logs=True), snap=dict(snapshot(), feature_states=TASKS))
    server.on("GET", "", root("8.19.21"))
    # the feature's index recovers after the restore was accepted: the module waits for it
    server.on("GET", "_cluster/health/.tasks", health(".tasks", active=False), health(".tasks"))
    for _run in range(2):
        failed, result = run_module(main, args(feature_states=["tasks"]))
        assert not failed and result["changed"] and result["restored_feature_states"] == ["tasks"], result
    body = server.requests("POST")[-1]["body"]
    assert body["indices"] == "-*" and body["feature_states"] == ["tasks"]
    assert len([r for r in server.requests("GET") if r["path"] == "_cluster/health/.tasks"]) == 3


@pytest.mark.parametrize(
    "answer, expected",
    [
        (root("8.19.21"), "holds no feature state 'security'; it holds: tasks"),
        (root("7.10.2"), "this cluster runs Elasticsearch 7.10.2, which has no feature states"),
        (root("3.6.0", "opensearch"), "this cluster runs OpenSearch 3.6.0, which has no feature states"),
    ],
)
def test_feature_states_are_refused_before_any_write(server, run_module, answer, expected):
    restorable(server, snap=dict(snapshot(), feature_states=TASKS))
    server.on("GET", "", answer)
    failed, result = run_module(main, args(indices=["orders"], feature_states=["security"]))
    assert failed and expected in result["msg"], result
    assert writes(server) == []


# version_id and version as each engine writes them (measured)
OPENSEARCH_3_6 = {"version_id": 137277827, "version": "3.6.0"}
ELASTICSEARCH_8_19 = {"version_id": 8537000, "version": "8.19.9-8.19.21"}
ELASTICSEARCH_7_10 = {"version_id": 7100299, "version": "7.10.2"}


@pytest.mark.parametrize(
    "written, answer, refusal",
    [
        (OPENSEARCH_3_6, root("2.19.6", "opensearch"), "was taken by OpenSearch 3.6.0, newer than this cluster"),
        (OPENSEARCH_3_6, root("8.19.21"), "Elasticsearch cannot restore snapshots of OpenSearch"),
        (ELASTICSEARCH_8_19, root("3.6.0", "opensearch"), "OpenSearch restores snapshots of Elasticsearch up to 7.10"),
        (ELASTICSEARCH_8_19, root("7.10.2"), "was taken by Elasticsearch 8.19.9, newer than this cluster"),
        (OPENSEARCH_3_6, root("3.6.0", "opensearch"), None),
        (ELASTICSEARCH_7_10, root("2.19.6", "opensearch"), None),
        (ELASTICSEARCH_8_19, root("8.19.21"), None),
        ({}, root("7.10.2"), None),  # a snapshot that does not say: the server decides
    ],
)
def test_a_snapshot_the_cluster_cannot_restore_is_refused_before_any_write(
    server, run_module, written, answer, refusal
):
    restorable(server, cluster(orders=True), snap=dict(snapshot(), **written))
    server.on("GET", "", answer)
    server.on("DELETE", "orders", OK)
    failed, result = run_module(main, args(indices=["orders"], on_conflict="delete"))
    if refusal is None:
        assert not failed and result["deleted_indices"] == ["orders"], result
        return
    assert failed and refusal in result["msg"] and "Nothing was changed" in result["msg"], result
    assert writes(server) == []


# Data streams: restored whole by name, counted, deleted with DELETE _data_stream when in the way.

BACKING = [".ds-logs-000001", ".ds-logs-000002"]


def stream_state(streams=None, **indices):
    """The cluster state: indices (True open) for the indices read, data streams for the streams read."""

    def answer(request):
        if "data_stream" in request.url:
            body = {n: {"name": n, "indices": [{"index_name": i} for i in b]} for n, b in (streams or {}).items()}
            return (200, {"metadata": {"data_stream": {"data_stream": body}}} if body else {})
        return cluster(**indices)

    return answer


def stream_restorable(server, state):
    server.on("GET", SNAP, found(dict(snapshot(indices=["orders", *BACKING]), data_streams=["logs"])))
    server.on("GET", STATE, state)
    server.on("POST", RESTORE, ACCEPTED)
    server.on("GET", f"_cluster/health/{','.join(BACKING)}", health(*BACKING))
    server.on("GET", f"{','.join(BACKING)}/_search", stats(**{BACKING[0]: 2, BACKING[1]: 3}))


def test_a_data_stream_is_restored_by_name_and_counted(server, run_module):
    stream_restorable(server, stream_state())
    failed, result = run_module(main, args(indices=["logs"], include_aliases=False))
    assert not failed and result["changed"], result
    assert server.requests("POST")[0]["body"]["indices"] == "logs"  # the server brings the backing indices
    assert server.requests("POST")[0]["body"]["include_aliases"] is False
    assert result["restored_data_streams"] == [{"data_stream": "logs", "source": "logs", "docs": 5}]
    assert [(r["index"], r["docs"]) for r in result["restored_indices"]] == [(BACKING[0], 2), (BACKING[1], 3)]
    # the stream's count is its backing indices' from the one search, not a request of its own
    assert [r["path"] for r in server.sent if r["path"].endswith(("_search", "_count"))] == [
        f"{','.join(BACKING)}/_search"
    ]
    assert result["plan"]["excluded_system"] == []


def test_delete_replaces_an_existing_data_stream(server, run_module):
    stream_restorable(server, stream_state({"logs": [".ds-logs-000002", ".ds-logs-000003"]}))
    server.on("GET", "_data_stream/logs", (200, {"data_streams": [{"name": "logs"}]}))
    server.on("DELETE", "_data_stream/logs", OK)
    failed, result = run_module(main, args(indices=["logs"], on_conflict="delete"))
    assert not failed and result["deleted_data_streams"] == ["logs"] and result["deleted_indices"] == [], result
    assert writes(server) == [("DELETE", "_data_stream/logs"), ("POST", RESTORE)]


def test_without_a_data_stream_api_delete_fails_before_any_change(server, run_module):
    stream_restorable(server, stream_state({"logs": [".ds-logs-000002"]}))
    refused = "Incorrect HTTP method for uri [/_data_stream/logs] and method [GET], allowed: [POST]"
    server.on("GET", "_data_stream/logs", (405, {"error": refused, "status": 405}))
    for check_mode in (True, False):
        failed, result = run_module(main, args(indices=["logs"], on_conflict="delete"), check_mode=check_mode)
        assert failed and "This cluster has no data stream API" in result["msg"], result
        assert "rename_pattern" in result["msg"] and "on_conflict: skip" in result["msg"]
    assert writes(server) == []


def test_a_lost_data_stream_deletion_is_reconciled(server, run_module):
    gone = stream_state()
    stream_restorable(server, stream_state({"logs": [".ds-logs-000002"]}))
    server.on(
        "GET", STATE, stream_state({"logs": [".ds-logs-000002"]}), stream_state({"logs": [".ds-logs-000002"]}), gone
    )
    server.on("GET", "_data_stream/logs", (200, {"data_streams": [{"name": "logs"}]}))
    server.on(
        "DELETE", "_data_stream/logs", (502, b"Bad Gateway"), (404, {"error": {"type": "index_not_found_exception"}})
    )
    failed, result = run_module(main, args(indices=["logs"], on_conflict="delete"))
    assert not failed and result["deleted_data_streams"] == ["logs"], result


def test_a_selection_matching_nothing_fails_listing_the_snapshot(server, run_module):
    stream_restorable(server, stream_state())
    failed, result = run_module(main, args(indices=["metrics-*"]))
    assert failed and "match no index and no data stream" in result["msg"]
    assert "the indices orders; the data streams logs" in result["msg"] and writes(server) == []
