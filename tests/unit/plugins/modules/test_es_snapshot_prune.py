import time

import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._client import NAMES_PER_URL
from ansible_collections.searchops.snapshots.plugins.modules.es_snapshot_prune import main
from tests.unit.plugins.modules.test_es_snapshot import NO_MONITOR_MAIN

# sleeps advance a fake clock instead of waiting (conftest.py)
pytestmark = pytest.mark.usefixtures("fast_clock")

DAY = 86400 * 1000
ARGS = {"url": "http://localhost:9200", "repository": "nightly"}


@pytest.fixture(autouse=True)
def cluster(server):
    server.on("GET", "", (200, {"cluster_name": "ours", "cluster_uuid": "uuid-ours"}))


def snaps(*ages_and_states):
    now = int(time.time() * 1000)
    return [
        {"snapshot": f"s{days}", "state": state, "start_time_in_millis": now - days * DAY}
        for days, state in ages_and_states
    ]


def listing(*ages_and_states):
    return (200, {"snapshots": snaps(*ages_and_states)})


def test_check_mode_lists_exactly_what_would_go_and_sends_no_delete(server, run_module):
    server.repository("nightly", *snaps((1, "SUCCESS"), (40, "SUCCESS"), (50, "FAILED")))
    failed, result = run_module(main, dict(ARGS, max_age="30d"), check_mode=True, diff=True)
    assert not failed and result["changed"]
    assert result["deleted"] == ["s40", "s50"] and result["kept"] == ["s1"]
    assert result["diff"] == {"before": {"snapshots": ["s1", "s40", "s50"]}, "after": {"snapshots": ["s1"]}}
    assert server.requests("DELETE") == []
    assert server.requests("GET")[-1]["query"]["verbose"] == "true"


def test_deletes_in_one_batch_request_and_a_second_run_changes_nothing(server, run_module):
    server.repository("nightly", *snaps((1, "SUCCESS"), (40, "SUCCESS"), (50, "PARTIAL")))
    args = dict(ARGS, max_count=1, min_count=0)
    failed, result = run_module(main, args)
    assert not failed and result["changed"] and result["deleted"] == ["s40", "s50"]
    assert [r["path"] for r in server.requests("DELETE")] == ["_snapshot/nightly/s40,s50"]

    failed, result = run_module(main, args)
    assert not failed and not result["changed"] and result["deleted"] == [] and result["kept"] == ["s1"]


def test_needs_max_age_or_max_count_and_a_real_duration(server, run_module):
    failed, result = run_module(main, ARGS)
    assert failed and "one of the following is required: max_age, max_count" in result["msg"]
    failed, result = run_module(main, dict(ARGS, max_age="a month"))
    assert failed and "like 30d, 12h or 2w" in result["msg"] and "traceback" not in result["msg"].lower()
    assert server.sent == []


def test_missing_repository_says_to_register_it(server, run_module):
    missing = {"error": {"type": "repository_missing_exception", "reason": "[nightly] missing"}, "status": 404}
    server.on("GET", "_snapshot/nightly/*", (404, missing))
    failed, result = run_module(main, dict(ARGS, max_count=5))
    assert failed and "Register the repository 'nightly' first" in str(result)


def missing(*names):
    reason = f"[nightly:{names[0]}] is missing"
    return (404, {"error": {"type": "snapshot_missing_exception", "reason": reason}, "status": 404})


OLD = ((40, "SUCCESS"), (50, "SUCCESS"), (60, "SUCCESS"))


def test_a_snapshot_deleted_meanwhile_fails_the_whole_batch_the_rest_is_deleted_again(server, run_module):
    # a batch DELETE is all-or-nothing: someone else deleted s50 between the listing and the delete
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", missing("s50"))
    server.on("GET", "_snapshot/nightly/s40,s50,s60", listing((40, "SUCCESS"), (60, "SUCCESS")))
    server.on("DELETE", "_snapshot/nightly/s40,s60", (200, {"acknowledged": True}))
    failed, result = run_module(main, dict(ARGS, max_age="30d"))
    assert not failed and result["changed"]
    assert result["deleted"] == ["s40", "s60"] and result["already_gone"] == ["s50"]
    assert [r["path"] for r in server.requests("DELETE")] == [
        "_snapshot/nightly/s40,s50,s60",
        "_snapshot/nightly/s40,s60",
    ]


def test_everything_deleted_meanwhile_is_no_change(server, run_module):
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", missing("s40"))
    server.on("GET", "_snapshot/nightly/s40,s50,s60", (200, {"snapshots": []}))
    failed, result = run_module(main, dict(ARGS, max_age="30d"))
    assert not failed and not result["changed"]
    assert result["deleted"] == [] and result["already_gone"] == ["s40", "s50", "s60"]


def test_a_lost_delete_answer_is_reconciled_by_listing_again(server, run_module):
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", (504, "<html>504 Gateway Time-out</html>"))
    server.on("GET", "_snapshot/nightly/s40,s50,s60", (200, {"snapshots": []}))
    failed, result = run_module(main, dict(ARGS, max_age="30d"))
    assert not failed and result["changed"] and result["deleted"] == ["s40", "s50", "s60"]
    assert len(server.requests("DELETE")) == 1


def test_a_lost_delete_that_never_happened_is_sent_again(server, run_module):
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", (502, "bad gateway"), (200, {"acknowledged": True}))
    server.on("GET", "_snapshot/nightly/s40,s50,s60", listing(*OLD))
    failed, result = run_module(main, dict(ARGS, max_age="30d"))
    assert not failed and result["deleted"] == ["s40", "s50", "s60"] and result["already_gone"] == []
    assert len(server.requests("DELETE")) == 2


def test_a_404_for_the_repository_is_no_deletion(server, run_module):
    gone = {"error": {"type": "repository_missing_exception", "reason": "[nightly] missing"}, "status": 404}
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", (404, gone))
    failed, result = run_module(main, dict(ARGS, max_age="30d"))
    assert failed and "repository_missing_exception" in result["msg"] and "deleted" not in result


def test_a_missing_answer_for_names_still_listed_fails_instead_of_looping(server, run_module):
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", missing("s40"))
    server.on("GET", "_snapshot/nightly/s40,s50,s60", listing(*OLD))
    failed, result = run_module(main, dict(ARGS, max_age="30d"))
    assert failed and "still listed" in result["msg"] and len(server.requests("DELETE")) == 1


def test_a_long_backlog_goes_in_as_few_requests_as_urls_hold(server, run_module):
    """45 names of 100 characters: 4,545 characters joined, more than one URL holds (NAMES_PER_URL)."""
    now = int(time.time() * 1000)
    names = [f"s{days}-{'x' * 96}"[:100] for days in range(31, 76)]
    backlog = [{"snapshot": n, "state": "SUCCESS", "start_time_in_millis": now - 40 * DAY} for n in names]
    server.repository("nightly", *backlog)
    server.on("DELETE", f"_snapshot/nightly/{','.join(names[:29])}", (200, {"acknowledged": True}))
    server.on("DELETE", f"_snapshot/nightly/{','.join(names[29:])}", (200, {"acknowledged": True}))
    failed, result = run_module(main, dict(ARGS, max_age="30d", min_count=0))
    assert not failed and len(result["deleted"]) == 45
    sent = [r["path"].split("/")[-1] for r in server.requests("DELETE")]
    assert [len(s.split(",")) for s in sent] == [29, 16] and all(len(s) <= NAMES_PER_URL for s in sent)
    # the times are read the same way: the light listing names them, verbose reads go in URL-sized batches
    listings = [(r["path"].split("/")[-1], r["query"]["verbose"]) for r in server.requests("GET") if r["path"] != ""]
    assert listings[0] == ("*", "false")
    assert sorted(len(names.split(",")) for names, verbose in listings[1:] if verbose == "true") == [16, 29]


def test_another_clusters_snapshots_are_left_alone_unless_included(server, run_module):
    now = int(time.time() * 1000)
    theirs = {"snapshot": "theirs", "state": "SUCCESS", "start_time_in_millis": now - 90 * DAY}
    theirs["metadata"] = {"searchops.cluster_uuid": "uuid-theirs", "searchops.cluster_name": "theirs"}
    server.on("GET", "", (200, {"cluster_name": "ours", "cluster_uuid": "uuid-ours"}))
    server.repository("nightly", *snaps((1, "SUCCESS")), theirs)
    failed, result = run_module(main, dict(ARGS, max_age="30d"), check_mode=True)
    assert not failed and not result["changed"] and result["deleted"] == []
    assert result["other_clusters"] == ["theirs"]
    failed, result = run_module(main, dict(ARGS, max_age="30d", include_other_clusters=True), check_mode=True)
    assert not failed and result["deleted"] == ["theirs"] and result["other_clusters"] == []


def test_without_leave_to_read_the_cluster_snapshots_that_record_one_are_left_alone(server, run_module):
    now = int(time.time() * 1000)
    theirs = {"snapshot": "theirs", "state": "SUCCESS", "start_time_in_millis": now - 90 * DAY}
    theirs["metadata"] = {"searchops.cluster_uuid": "uuid-theirs", "searchops.cluster_name": "theirs"}
    server.on("GET", "", (403, NO_MONITOR_MAIN))
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD), theirs)
    failed, result = run_module(main, dict(ARGS, max_age="30d"), check_mode=True)
    assert not failed and result["other_clusters"] == ["theirs"] and "theirs" not in result["deleted"]
    assert result["deleted"], result
    assert "GET / needs cluster:monitor/main" in str(result["warnings"])


def test_one_deadline_bounds_every_delete_and_back_off(server, run_module, fast_clock):
    timeouts = []
    busy = (503, {"error": {"type": "concurrent_snapshot_execution_exception", "reason": "a snapshot is running"}})
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", lambda r: timeouts.append(server.last_timeout) or busy)
    failed, result = run_module(main, dict(ARGS, max_age="30d", wait_timeout=10, request_timeout=60))
    assert failed and "no time left for a retry within wait_timeout" in result["msg"]
    assert len(timeouts) > 1 and all(timeout <= 10 for timeout in timeouts) and fast_clock[0] <= 10


# Property: whatever the options, main() ends in exit_json or a clean fail_json (hypothesis; 150 sets).
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    repository=st.text(max_size=8) | st.sampled_from(["nightly", "..", "_all"]),
    max_age=st.none() | st.text(max_size=5) | st.sampled_from(["30d", "0s", "99999999999w"]),
    max_count=st.none() | st.integers(-3, 5),
    min_count=st.integers(-3, 5),
    check_mode=st.booleans(),
)
def test_main_fails_only_cleanly(server, run_module, repository, max_age, max_count, min_count, check_mode):
    server.repository("nightly", *snaps((1, "SUCCESS"), *OLD))
    server.on("DELETE", "_snapshot/nightly/s40,s50,s60", (200, {"acknowledged": True}))
    options = dict(ARGS, repository=repository, max_age=max_age, max_count=max_count, min_count=min_count)
    failed, result = run_module(main, options, check_mode=check_mode)
    assert not failed or (result["msg"] and "Traceback" not in result["msg"])


@pytest.mark.parametrize("check_mode", [False, True])
def test_automated_snapshots_on_aws_are_never_pruned(server, run_module, check_mode):
    """The service keeps its automated snapshots for 14 days and deletes them itself: retention aimed at them is
    refused before any request rather than reported as nothing to do."""
    aws = {
        "url": "https://search-d-x.us-east-1.es.amazonaws.com",
        "access_key": "AKIDEXAMPLE",
        "secret_key": "secret-key-x",
    }
    failed, result = run_module(main, dict(ARGS, repository="cs-automated", max_count=1, **aws), check_mode=check_mode)
    assert failed and server.sent == []
    assert "Amazon OpenSearch Service refuses to delete snapshots in it" in result["msg"]
