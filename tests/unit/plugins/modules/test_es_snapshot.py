"""es_snapshot main() against a fake transport replaying the server's answers."""

import datetime

import pytest
import requests

from ansible_collections.searchops.snapshots.plugins.modules.es_snapshot import main

PATH = "_snapshot/nightly/snap-1"
MISSING = (404, {"error": {"type": "snapshot_missing_exception", "reason": "[nightly:snap-1] is missing"}})


def info(state, **extra):
    body = {
        "snapshot": "snap-1",
        "uuid": "u1",
        "state": state,
        "indices": ["logs"],
        "shards": {"total": 1, "failed": 0, "successful": 1},
    }
    body.update(extra)
    return (200, {"snapshots": [body]})


ACCEPTED = (200, {"accepted": True})
BUSY = (
    503,
    {"error": {"type": "concurrent_snapshot_execution_exception", "reason": "cannot snapshot while a deletion runs"}},
)


OURS = {"searchops.cluster_uuid": "uuid-ours", "searchops.cluster_name": "ours"}
THEIRS = {"searchops.cluster_uuid": "uuid-theirs", "searchops.cluster_name": "theirs", "searchops.create_id": "x"}


@pytest.fixture(autouse=True)
def cluster(server):
    """GET / names the cluster the module talks to."""
    server.on("GET", "", (200, {"cluster_name": "ours", "cluster_uuid": "uuid-ours", "version": {"number": "3.6.0"}}))


def sent_metadata(server):
    return creates(server)[0]["body"]["metadata"]


# sleeps advance a fake clock instead of waiting (conftest.py)
pytestmark = pytest.mark.usefixtures("fast_clock")


def args(**kw):
    return dict(
        {"url": "http://localhost:9200", "repository": "nightly", "snapshot": "snap-1", "indices": ["logs"]}, **kw
    )


def creates(server):
    return [r for r in server.sent if r["method"] == "PUT"]


def test_create_then_wait_until_success(server, run_module):
    server.on("GET", PATH, MISSING, info("IN_PROGRESS"), info("IN_PROGRESS"), info("SUCCESS", duration_in_millis=1200))
    server.on("PUT", PATH, ACCEPTED)
    server.index("logs", docs=3, mappings={"properties": {"n": {"type": "long"}}})
    failed, result = run_module(main, args(metadata={"by": "ansible"}))
    assert not failed and result["changed"]
    (put,) = creates(server)
    assert put["query"] == {"wait_for_completion": "false"}
    create_id = put["body"]["metadata"].pop("searchops.create_id")
    assert put["body"] == {
        "indices": "logs",
        "ignore_unavailable": False,
        "include_global_state": False,
        "partial": False,
        "metadata": dict(
            OURS,
            by="ansible",
            **{"searchops.manifest": {"v": 1, "version": "0.1.0", "indices": {"logs": [3, 2, "9e02491d1ebc2e40"]}}},
        ),
    }
    assert len(create_id) == 32
    assert result["snapshot"]["state"] == "SUCCESS" and result["snapshot"]["duration_in_millis"] == 1200


def test_cluster_without_a_root_endpoint_is_named_by_its_cluster_state(server, run_module):
    # Elasticsearch 8 without its rest-root module (the integ-test-zip): GET / is not served
    no_root = {"error": "Incorrect HTTP method for uri [/] and method [GET], allowed: [DELETE]", "status": 405}
    server.on("GET", "", (405, no_root))
    server.on(
        "GET", "_cluster/state/metadata", (200, {"cluster_name": "ours", "metadata": {"cluster_uuid": "uuid-ours"}})
    )
    server.on("GET", "_nodes/_local", (200, {"nodes": {"n1": {"version": "8.19.21"}}}))
    server.on("GET", PATH, MISSING, info("SUCCESS"))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args())
    assert not failed and result["changed"], result
    metadata = sent_metadata(server)
    assert {k: metadata[k] for k in OURS} == OURS


def test_other_errors_of_the_root_endpoint_are_not_hidden(server, run_module):
    server.on("GET", "", (403, {"error": {"type": "security_exception", "reason": "no permissions"}}))
    server.on("GET", PATH, MISSING)
    failed, result = run_module(main, args())
    assert failed and "security_exception" in result["msg"] and not creates(server)


NO_MONITOR_MAIN = {
    "error": {
        "type": "security_exception",
        "reason": "no permissions for [cluster:monitor/main] and User [name=snapshots, backend_roles=[], "
        "requestedTenant=null]",
    },
    "status": 403,
}


def test_without_leave_to_read_the_cluster_the_snapshot_records_none_and_says_so(server, run_module):
    # AWS's manage_snapshots role: no cluster:monitor/main
    server.on("GET", "", (403, NO_MONITOR_MAIN))
    server.on("GET", PATH, MISSING, info("SUCCESS"))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args())
    assert not failed and result["changed"], result
    assert list(sent_metadata(server)) == ["searchops.create_id", "searchops.manifest"]
    assert "GET / needs cluster:monitor/main" in str(result["warnings"])


def test_without_leave_to_read_the_cluster_a_snapshot_that_records_one_is_not_attached_to(server, run_module):
    server.on("GET", "", (403, NO_MONITOR_MAIN))
    server.on("GET", PATH, info("SUCCESS", metadata=OURS))
    failed, result = run_module(main, args())
    assert failed and not result["changed"] and not creates(server)
    assert "records the cluster that took it (uuid-ours)" in result["msg"]
    assert "grants cluster:monitor/main" in result["msg"]


def test_feature_states_still_need_the_cluster(server, run_module):
    server.on("GET", "", (403, NO_MONITOR_MAIN))
    server.on("GET", PATH, MISSING)
    failed, result = run_module(main, args(feature_states=["none"]))
    assert failed and "cluster:monitor/main" in result["msg"] and not creates(server)


def test_existing_success_is_unchanged(server, run_module):
    server.on("GET", PATH, info("SUCCESS"))
    failed, result = run_module(main, args())
    assert not failed and not result["changed"] and creates(server) == []


def test_existing_in_progress_is_attached_to(server, run_module):
    server.on("GET", PATH, info("IN_PROGRESS"), info("SUCCESS"))
    failed, result = run_module(main, args())
    assert not failed and not result["changed"] and creates(server) == []
    assert result["snapshot"]["state"] == "SUCCESS"


def test_no_wait_returns_in_progress(server, run_module):
    server.on("GET", PATH, MISSING, info("IN_PROGRESS"))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args(wait=False))
    assert not failed and result["changed"] and result["snapshot"]["state"] == "IN_PROGRESS"


def test_partial_fails_with_shard_reasons(server, run_module):
    failures = [{"index": "logs", "shard_id": 0, "reason": "primary shard is not allocated"}]
    server.on(
        "GET", PATH, MISSING, info("PARTIAL", failures=failures, shards={"total": 1, "failed": 1, "successful": 0})
    )
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args())
    assert failed
    assert "PARTIAL (1 of 1 shards failed): logs[0]: primary shard is not allocated" in result["msg"]
    assert result["snapshot"]["state"] == "PARTIAL"


def test_partial_accepted_when_asked(server, run_module):
    server.on("GET", PATH, MISSING, info("PARTIAL"))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args(partial=True))
    assert not failed and result["changed"] and creates(server)[0]["body"]["partial"] is True


def test_failed_snapshot_fails_and_existing_failure_says_to_delete(server, run_module):
    server.on("GET", PATH, info("FAILED", reason="disk full"))
    failed, result = run_module(main, args())
    assert failed and "ended FAILED" in result["msg"] and "disk full" in result["msg"]
    assert "Delete it (state: absent)" in result["msg"]


def test_concurrent_operation_is_waited_out(server, run_module, fast_clock):
    server.on("GET", PATH, MISSING, MISSING, info("SUCCESS"))
    server.on("PUT", PATH, BUSY, BUSY, ACCEPTED)
    failed, result = run_module(main, args())
    assert not failed and result["changed"] and len(creates(server)) == 3
    assert fast_clock[0] > 0


def test_concurrent_operation_gives_up_within_wait_timeout(server, run_module):
    server.on("GET", PATH, MISSING)
    server.on("PUT", PATH, BUSY)
    failed, result = run_module(main, args(wait_timeout=5))
    assert failed and "no time left for a retry within wait_timeout" in result["msg"]


@pytest.mark.parametrize(
    "lost",
    [
        (504, "<html>504 Gateway Time-out</html>"),
        (502, "<html>502 Bad Gateway</html>"),
        requests.exceptions.ReadTimeout("read timed out"),
    ],
)
def test_lost_answer_is_looked_up_not_resent_and_reports_the_change(server, run_module, lost):
    # the server accepted the create, but its answer never arrived: the snapshot found is this
    # run's (it carries the create id this run sent)
    server.on(
        "GET",
        PATH,
        MISSING,
        lambda request: info("IN_PROGRESS", metadata=sent_metadata(server)),
        lambda request: info("SUCCESS", metadata=sent_metadata(server)),
    )
    server.on("PUT", PATH, lost)
    failed, result = run_module(main, args())
    assert not failed and result["snapshot"]["state"] == "SUCCESS"
    assert len(creates(server)) == 1
    assert result["changed"] and result["request"]["method"] == "PUT"


def test_lost_answer_and_a_snapshot_someone_else_took_meanwhile_is_no_change(server, run_module):
    theirs = dict(OURS, **{"searchops.create_id": "another-run"})
    server.on("GET", PATH, MISSING, info("SUCCESS", metadata=theirs))
    server.on("PUT", PATH, (504, "gateway timeout"))
    failed, result = run_module(main, args())
    assert not failed and not result["changed"] and "request" not in result


def test_lost_answer_for_a_create_that_never_happened_is_sent_again(server, run_module):
    server.on("GET", PATH, MISSING, MISSING, MISSING, info("SUCCESS"))
    server.on("PUT", PATH, (504, "gateway timeout"), ACCEPTED)
    failed, result = run_module(main, args())
    assert not failed and result["changed"] and len(creates(server)) == 2


TAKEN_OPENSEARCH = (
    400,
    {
        "error": {
            "type": "invalid_snapshot_name_exception",
            "reason": "[nightly:snap-1] snapshot with the same name already exists",
        }
    },
)
# Elasticsearch 8
TAKEN_ES8 = (
    400,
    {
        "error": {
            "type": "snapshot_name_already_in_use_exception",
            "reason": "[nightly:snap-1] Invalid snapshot name [snap-1], snapshot with the same name already exists",
        },
        "status": 400,
    },
)


@pytest.mark.parametrize("taken", [TAKEN_OPENSEARCH, TAKEN_ES8])
def test_already_exists_race_attaches(server, run_module, taken):
    server.on("GET", PATH, MISSING, info("SUCCESS", metadata=dict(OURS, **{"searchops.create_id": "other-run"})))
    server.on("PUT", PATH, taken)
    failed, result = run_module(main, args())
    assert not failed and not result["changed"] and "request" not in result
    assert len(creates(server)) == 1


@pytest.mark.parametrize(
    "answers",
    [
        [info("SUCCESS", metadata=THEIRS)],  # there before this run
        [MISSING, info("IN_PROGRESS", metadata=THEIRS)],  # a concurrent create won the name
    ],
)
def test_a_snapshot_taken_by_another_cluster_is_never_attached_to(server, run_module, answers):
    server.on("GET", PATH, *answers)
    server.on("PUT", PATH, TAKEN_ES8)
    failed, result = run_module(main, args())
    assert failed and not result.get("changed") and len(creates(server)) <= 1
    assert (
        "was taken by another cluster (theirs, uuid uuid-theirs), not by this one (ours, uuid uuid-ours)"
        in result["msg"]
    )
    assert "repository of its own" in result["msg"]


def test_a_snapshot_without_a_cluster_record_is_attached_to_with_a_warning(server, run_module):
    server.on("GET", PATH, info("SUCCESS", metadata={"taken_by": "hand"}))
    failed, result = run_module(main, args())
    assert not failed and not result["changed"]
    assert "does not record which cluster took it" in str(result["warnings"])


def test_wait_timeout_leaves_the_snapshot_running(server, run_module):
    server.on("GET", PATH, MISSING, info("IN_PROGRESS"))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args(wait_timeout=30))
    assert failed and "still IN_PROGRESS after 30s" in result["msg"] and "goes on on the server" in result["msg"]


def test_check_mode_sends_nothing(server, run_module):
    server.on("GET", PATH, MISSING)
    failed, result = run_module(main, args(), check_mode=True, diff=True)
    assert not failed and result["changed"] and creates(server) == []
    assert result["request"]["path"] == PATH and result["diff"]["before"] == {}


def test_date_math_name_is_resolved_before_any_request(server, run_module):
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y.%m.%d")
    path = f"_snapshot/nightly/nightly-{today}"
    server.on("GET", path, info("SUCCESS", snapshot=f"nightly-{today}"))
    failed, result = run_module(main, args(snapshot="<nightly-{now/d}>"))
    assert not failed and server.sent[0]["path"] == path


def test_invalid_name_fails_before_any_request(server, run_module):
    failed, result = run_module(main, args(snapshot="Nightly"))
    assert failed and "must be lowercase" in result["msg"] and server.sent == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_delete(server, run_module, check_mode):
    server.on("GET", PATH, info("SUCCESS"))
    server.on("DELETE", PATH, (200, {"acknowledged": True}))
    failed, result = run_module(main, args(state="absent"), check_mode=check_mode)
    assert not failed and result["changed"] and result["snapshot"] is None
    assert len([r for r in server.sent if r["method"] == "DELETE"]) == (0 if check_mode else 1)


def test_delete_absent_is_unchanged(server, run_module):
    server.on("GET", PATH, MISSING)
    failed, result = run_module(main, args(state="absent"))
    assert not failed and not result["changed"]


def test_running_snapshot_is_not_aborted_unless_asked(server, run_module):
    server.on("GET", PATH, info("IN_PROGRESS"), info("IN_PROGRESS"), info("SUCCESS"))
    server.on("DELETE", PATH, (200, {"acknowledged": True}))
    failed, result = run_module(main, args(state="absent"))
    assert not failed
    methods = [r["method"] for r in server.sent]
    assert methods == ["GET", "GET", "GET", "DELETE"]  # waited for it to end, then deleted


def test_abort_deletes_a_running_snapshot_at_once(server, run_module):
    server.on("GET", PATH, info("IN_PROGRESS"))
    server.on("DELETE", PATH, (200, {"acknowledged": True}))
    failed, result = run_module(main, args(state="absent", abort=True))
    assert not failed and [r["method"] for r in server.sent] == ["GET", "DELETE"]


@pytest.mark.parametrize("repository", ["*", "_all", "..", ".", "a,b"])
@pytest.mark.parametrize("module", ["es_snapshot", "es_snapshot_prune", "es_restore", "es_snapshot_info"])
def test_every_module_refuses_a_bad_repository_name(server, run_module, module, repository):
    import importlib

    entry = importlib.import_module(f"ansible_collections.searchops.snapshots.plugins.modules.{module}").main
    extra = {
        "es_snapshot": {"snapshot": "snap-1"},
        "es_snapshot_prune": {"max_count": 1},
        "es_restore": {"snapshot": "snap-1"},
    }.get(module, {})
    server.on("GET", "_snapshot", (200, {}))
    failed, result = run_module(entry, dict({"url": "http://localhost:9200", "repository": repository}, **extra))
    assert failed and f"Repository name {repository!r}" in result["msg"]
    assert [r["path"] for r in server.sent] in ([], ["_snapshot"])


def test_delete_of_a_snapshot_deleted_meanwhile_is_no_change(server, run_module):
    server.on("GET", PATH, info("SUCCESS"))
    server.on("DELETE", PATH, MISSING)
    server.on("GET", "_snapshot/nightly/snap-1", info("SUCCESS"), (200, {"snapshots": []}))
    failed, result = run_module(main, args(state="absent"))
    assert not failed and not result["changed"] and "request" not in result


def test_delete_in_a_missing_repository_fails(server, run_module):
    server.on("GET", PATH, info("SUCCESS"))
    gone = {"error": {"type": "repository_missing_exception", "reason": "[nightly] missing"}, "status": 404}
    server.on("DELETE", PATH, (404, gone))
    failed, result = run_module(main, args(state="absent"))
    assert failed and "Register the repository 'nightly' first" in result["msg"]


@pytest.mark.parametrize("indices", [[], [""], ["logs", " "]])
def test_an_empty_index_list_is_refused_not_sent_as_every_index(server, run_module, indices):
    server.on("GET", PATH, MISSING)
    failed, result = run_module(main, args(indices=indices))
    assert failed and "indices" in result["msg"] and "omit indices" in result["msg"]
    assert creates(server) == []


def test_one_deadline_bounds_every_request_of_the_wait(server, run_module, fast_clock):
    timeouts = []

    def running(request):
        timeouts.append((fast_clock[0], server.last_timeout))
        return info("IN_PROGRESS")

    server.on("GET", PATH, MISSING, running)
    server.on("PUT", PATH, lambda request: timeouts.append((fast_clock[0], server.last_timeout)) or ACCEPTED)
    failed, result = run_module(main, args(wait_timeout=30, request_timeout=60))
    assert failed and "still IN_PROGRESS" in result["msg"]
    assert len(timeouts) > 3 and all(at + timeout <= 30 for at, timeout in timeouts)
    assert fast_clock[0] <= 30


def test_lost_answer_then_already_exists_for_this_runs_own_create_is_a_change(server, run_module):
    # the first create went through but was not listed yet when looked up; the second is refused
    server.on("GET", PATH, MISSING, MISSING, lambda request: info("SUCCESS", metadata=sent_metadata(server)))
    server.on("PUT", PATH, (504, "gateway timeout"), TAKEN_ES8)
    failed, result = run_module(main, args())
    assert not failed and result["changed"] and len(creates(server)) == 2


# Property: whatever the options, main() ends in exit_json or a clean fail_json, never a traceback
# (hypothesis; 150 generated option sets).
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

MAIN_EXAMPLES = 150
texts = st.text(max_size=10) | st.sampled_from([".", "..", "*", "_all", "<x-{now-3000y}>", "<x-{now/d{|+25:00}}>"])


@settings(
    max_examples=MAIN_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    repository=texts,
    name=texts,
    indices=st.none() | st.lists(st.text(max_size=5), max_size=3),
    state=st.sampled_from(["present", "absent"]),
    wait_timeout=st.integers(-5, 100),
    check_mode=st.booleans(),
)
def test_main_fails_only_cleanly(server, run_module, repository, name, indices, state, wait_timeout, check_mode):
    failed, result = run_module(
        main,
        dict(args(repository=repository, snapshot=name, indices=indices, state=state), wait_timeout=wait_timeout),
        check_mode=check_mode,
    )
    assert not failed or (result["msg"] and "Traceback" not in result["msg"])


def test_a_snapshot_this_run_took_that_then_failed_reports_the_change(server, run_module):
    """The failure says what happened: this run did create a snapshot (it ended PARTIAL)."""
    server.on("GET", PATH, MISSING, info("PARTIAL", shards={"total": 1, "failed": 1, "successful": 0}))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args())
    assert failed and result["changed"] is True and result["snapshot"]["state"] == "PARTIAL"


def test_an_existing_failed_snapshot_is_no_change(server, run_module):
    server.on("GET", PATH, info("FAILED", reason="disk full"))
    failed, result = run_module(main, args())
    assert failed and result["changed"] is False


@pytest.mark.parametrize("refused", [429, 503])
def test_a_create_refused_as_too_many_or_unavailable_is_retried(server, run_module, refused):
    """429/503 mean the create was not carried out: back off and send it again (a proxy that
    did pass it on makes the retry answer 'already exists', which the create id settles)."""
    server.on("GET", PATH, MISSING, MISSING, info("SUCCESS"))
    server.on("PUT", PATH, (refused, {"error": {"type": "rejected", "reason": "slow down"}}), ACCEPTED)
    failed, result = run_module(main, args(retries=0))
    assert not failed and result["changed"] and len(creates(server)) == 2


@pytest.mark.parametrize(
    "unreachable",
    [
        requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
        (503, {"error": {"type": "cluster_manager_not_discovered_exception", "reason": "no cluster manager"}}),
        (502, "<html>bad gateway</html>"),
    ],
)
def test_the_wait_outlives_a_node_restart(server, run_module, unreachable):
    """While the node restarts, polls fail; the wait goes on until wait_timeout, not just retries times."""
    server.on("GET", PATH, MISSING, info("IN_PROGRESS"), unreachable, unreachable, unreachable, info("SUCCESS"))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args(retries=0, wait_timeout=600))
    assert not failed and result["changed"] and result["snapshot"]["state"] == "SUCCESS", result
    assert "polling again until wait_timeout" in str(result["warnings"]), result


def test_a_wait_on_an_unreachable_node_ends_at_wait_timeout(server, run_module, fast_clock):
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    server.on("GET", PATH, MISSING, info("IN_PROGRESS"), refused)
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args(retries=0, wait_timeout=120))
    assert failed and "refused" in result["msg"] and 120 <= fast_clock[0] <= 121, (fast_clock, result["msg"])


AWS = {"url": "https://search-d-x.us-east-1.es.amazonaws.com", "access_key": "AKIDEXAMPLE", "secret_key": "secret"}


@pytest.mark.parametrize("state, verb", [("present", "take"), ("absent", "delete")])
@pytest.mark.parametrize("check_mode", [False, True])
def test_automated_snapshot_repository_on_aws_is_refused_before_any_request(
    server, run_module, state, verb, check_mode
):
    """cs-automated(-enc) is the service's: it takes and deletes those snapshots itself and refuses both to clients."""
    failed, result = run_module(main, args(repository="cs-automated-enc", state=state, **AWS), check_mode=check_mode)
    assert failed and server.sent == []
    assert f"Amazon OpenSearch Service refuses to {verb} snapshots in it" in result["msg"]
    assert "'cs-automated-enc' holds Amazon OpenSearch Service's automated snapshots" in result["msg"]


def test_cs_repository_of_a_self_managed_cluster_is_an_ordinary_one(server, run_module):
    server.on("GET", "_snapshot/cs-nightly/snap-1", MISSING, info("SUCCESS"))
    server.on("PUT", "_snapshot/cs-nightly/snap-1", ACCEPTED)
    failed, result = run_module(main, args(repository="cs-nightly"))
    assert not failed and result["changed"]


def test_feature_states_are_sent_to_elasticsearch_8(server, run_module):
    server.on("GET", "", (200, {"cluster_name": "ours", "cluster_uuid": "uuid-ours", "version": {"number": "8.19.21"}}))
    server.on("GET", PATH, MISSING, info("SUCCESS", feature_states=[{"feature_name": "tasks", "indices": [".tasks"]}]))
    server.on("PUT", PATH, ACCEPTED)
    failed, result = run_module(main, args(include_global_state=True, feature_states=["tasks"]))
    assert not failed, result
    assert creates(server)[0]["body"]["feature_states"] == ["tasks"]
    assert result["snapshot"]["feature_states"] == [{"feature_name": "tasks", "indices": [".tasks"]}]


@pytest.mark.parametrize(
    "version, engine",
    [
        ({"number": "2.19.6", "distribution": "opensearch"}, "OpenSearch 2.19.6"),
        ({"number": "7.10.2", "build_flavor": "oss"}, "Elasticsearch 7.10.2"),
        # an OpenSearch domain answering as 7.10.2 (compatibility mode) is still OpenSearch
        ({"number": "7.10.2", "distribution": "opensearch"}, "OpenSearch 7.10.2"),
    ],
)
def test_feature_states_are_refused_where_the_engine_would_ignore_them(server, run_module, version, engine):
    server.on("GET", "", (200, {"cluster_name": "ours", "cluster_uuid": "uuid-ours", "version": version}))
    server.on("GET", PATH, MISSING)
    failed, result = run_module(main, args(feature_states=["security"]))
    assert failed and not creates(server)
    assert f"feature_states is an Elasticsearch 7.12+ feature; this cluster runs {engine}" in result["msg"]


def test_the_manifest_of_many_indices_is_read_in_requests_that_fit_a_url(server, run_module):
    """Found by bench/drill_bench.py: 200 indices' names in one statistics request made a request line
    over the engines' 4 KB ("An HTTP line is larger than 4096 bytes"), and the snapshot failed."""
    names = [f"logs-application-with-a-long-name-{i:04d}" for i in range(200)]
    for name in names:
        server.index(name, docs=2)
    server.on("GET", PATH, MISSING, info("SUCCESS"))
    server.on("PUT", PATH, ACCEPTED)
    server.fallback = (200, {"acknowledged": True})  # the manifest's index and document
    failed, result = run_module(main, args(indices=names))
    assert not failed and result["changed"], result
    assert max(len(url) for url in server.urls) < 4096
    (put,) = [r for r in creates(server) if r["path"] == PATH]
    pointer = put["body"]["metadata"]["searchops.manifest"]
    assert pointer["count"] == 200 and pointer["docs"] == 400
