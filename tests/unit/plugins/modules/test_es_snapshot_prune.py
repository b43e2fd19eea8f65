import time

from ansible_collections.searchops.snapshots.plugins.modules.es_snapshot_prune import main

DAY = 86400 * 1000
ARGS = {"url": "http://localhost:9200", "repository": "nightly"}


def listing(*ages_and_states):
    now = int(time.time() * 1000)
    return (
        200,
        {
            "snapshots": [
                {"snapshot": f"s{days}", "state": state, "start_time_in_millis": now - days * DAY}
                for days, state in ages_and_states
            ]
        },
    )


def test_check_mode_lists_exactly_what_would_go_and_sends_no_delete(server, run_module):
    server.on("GET", "_snapshot/nightly/*", listing((1, "SUCCESS"), (40, "SUCCESS"), (50, "FAILED")))
    failed, result = run_module(main, dict(ARGS, max_age="30d"), check_mode=True, diff=True)
    assert not failed and result["changed"]
    assert result["deleted"] == ["s40", "s50"] and result["kept"] == ["s1"]
    assert result["diff"] == {"before": {"snapshots": ["s1", "s40", "s50"]}, "after": {"snapshots": ["s1"]}}
    assert server.requests("DELETE") == []
    assert server.requests("GET")[0]["query"]["verbose"] == "true"


def test_deletes_in_one_batch_request_and_a_second_run_changes_nothing(server, run_module):
    server.on(
        "GET",
        "_snapshot/nightly/nightly-*",
        listing((1, "SUCCESS"), (40, "SUCCESS"), (50, "PARTIAL")),
        listing((1, "SUCCESS")),
    )
    server.on("DELETE", "_snapshot/nightly/s40,s50", (200, {"acknowledged": True}))
    args = dict(ARGS, name_pattern=["nightly-*"], max_count=1, min_count=0)
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
