import pytest

from ansible_collections.searchops.snapshots.plugins.modules.es_snapshot_info import main

REPOS = (200, {"nightly": {"type": "s3", "settings": {"bucket": "b"}}})
IDLE = (200, {"snapshots": []})


def snap(name, state, start):
    return {"snapshot": name, "uuid": name, "state": state, "indices": ["i"], "start_time_in_millis": start}


def test_repositories_and_running_only(server, run_module):
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/_status", IDLE)
    failed, result = run_module(main, {"url": "http://localhost:9200"})
    assert not failed and not result["changed"]
    assert result["repositories"] == REPOS[1] and result["in_progress"] == [] and "snapshots" not in result


def test_light_listing_filters_states(server, run_module):
    listing = (200, {"snapshots": [snap("a", "SUCCESS", 1), snap("b", "FAILED", 2)]})
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/nightly/a*,b*", listing)
    server.on("GET", "_snapshot/nightly/_status", IDLE)
    failed, result = run_module(
        main,
        {"url": "http://localhost:9200", "repository": "nightly", "snapshots": ["a*", "b*"], "states": ["SUCCESS"]},
    )
    assert not failed and [s["snapshot"] for s in result["snapshots"]] == ["a"]
    listing_request = next(r for r in server.sent if r["path"] == "_snapshot/nightly/a*,b*")
    assert listing_request["query"] == {"verbose": "false", "ignore_unavailable": "true"}


def test_verbose_listing_is_newest_first(server, run_module):
    server.repository("nightly", snap("old", "SUCCESS", 1), snap("new", "SUCCESS", 3), snap("mid", "FAILED", 2))
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/nightly/_status", IDLE)
    failed, result = run_module(main, {"url": "http://localhost:9200", "repository": "nightly", "verbose": True})
    assert [s["snapshot"] for s in result["snapshots"]] == ["new", "mid", "old"]
    # with states, the light listing's states choose which snapshots are read in full
    options = {"url": "http://localhost:9200", "repository": "nightly", "verbose": True, "states": ["SUCCESS"]}
    failed, result = run_module(main, options)
    assert [s["snapshot"] for s in result["snapshots"]] == ["new", "old"]
    assert server.sent[-2]["path"] in ("_snapshot/nightly/old,new", "_snapshot/nightly/new,old")
    assert server.sent[-2]["query"]["verbose"] == "true"


def test_secret_settings_are_masked_in_repositories(server, run_module):
    keys = {"bucket": "b", "access_key": "AKIAREPOKEY", "secret_key": "repo-secret", "client.default.secret_key": "x1"}
    server.on("GET", "_snapshot", (200, {"old": {"type": "s3", "settings": keys}})).on("GET", "_snapshot/_status", IDLE)
    failed, result = run_module(main, {"url": "http://localhost:9200"})
    assert not failed
    assert result["repositories"]["old"]["settings"] == {
        "bucket": "b",
        "access_key": "********",
        "secret_key": "********",
        "client.default.secret_key": "********",
    }


def test_html_login_page_is_a_clean_error(server, run_module):
    server.on("GET", "_snapshot", (200, b"<!DOCTYPE html><title>Login</title>"))
    failed, result = run_module(main, {"url": "http://localhost:9200"})
    assert failed and "not the cluster" in result["msg"] and result["status"] == 200


@pytest.mark.parametrize("listing", [{"snapshots": 1.0}, {"snapshots": [1, 2]}, {"snapshots": "x"}])
def test_a_listing_of_the_wrong_shape_is_a_clean_error(server, run_module, listing):
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/nightly/*", (200, listing))
    failed, result = run_module(main, {"url": "http://localhost:9200", "repository": "nightly"})
    assert failed and "not a list of snapshots" in result["msg"] and "Unexpected" not in result["msg"]


def test_odd_start_times_sort_as_zero(server, run_module):
    server.repository("nightly", snap("a", "SUCCESS", [1]), snap("b", "SUCCESS", 5), snap("c", "SUCCESS", "7"))
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/nightly/_status", IDLE)
    failed, result = run_module(main, {"url": "http://localhost:9200", "repository": "nightly", "verbose": True})
    assert not failed and [s["snapshot"] for s in result["snapshots"]][0] == "b"


@pytest.mark.parametrize("repositories", [{"nightly": "s3"}, {"nightly": [1]}, {"nightly": None}])
def test_repositories_of_the_wrong_shape_are_a_clean_error(server, run_module, repositories):
    server.on("GET", "_snapshot", (200, repositories)).on("GET", "_snapshot/_status", IDLE)
    failed, result = run_module(main, {"url": "http://localhost:9200"})
    assert failed and "not a map of repository definitions" in result["msg"] and "Unexpected" not in result["msg"]


@pytest.mark.parametrize("path", ["_snapshot/_status", "_snapshot/nightly/_status"])
def test_running_snapshots_of_the_wrong_shape_are_a_clean_error(server, run_module, path):
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/nightly/*", IDLE).on("GET", path, (200, {"snapshots": 1}))
    args = (
        {"url": "http://localhost:9200", "repository": "nightly"}
        if "nightly" in path
        else {"url": "http://localhost:9200"}
    )
    failed, result = run_module(main, args)
    assert failed and "not a list of snapshots" in result["msg"] and "Unexpected" not in result["msg"]


def test_a_missing_repository_says_to_register_it(server, run_module):
    missing = {"error": {"type": "repository_missing_exception", "reason": "[gone] missing"}, "status": 404}
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/gone/*", (404, missing))
    failed, result = run_module(main, {"url": "http://localhost:9200", "repository": "gone"})
    assert failed and "Register the repository 'gone' first" in result["msg"]


def test_automated_snapshots_repository_as_aws_lists_it(server, run_module):
    """AWS lists cs-automated-enc with its type alone (no settings), and its snapshots can be listed."""
    automated = {"snapshot": "2026-11-29t01-00-00.17a45474-f514-b725-6c44-bc38e19be2c5", "state": "SUCCESS"}
    server.on("GET", "_snapshot", (200, {"cs-automated-enc": {"type": "s3"}, **REPOS[1]}))
    server.on("GET", "_snapshot/cs-automated-enc/*", (200, {"snapshots": [automated]}))
    server.on("GET", "_snapshot/cs-automated-enc/_status", IDLE)
    aws = {
        "url": "https://search-d-x.us-east-1.es.amazonaws.com",
        "access_key": "AKIDEXAMPLE",
        "secret_key": "secret-key-x",
    }
    failed, result = run_module(main, {"repository": "cs-automated-enc", **aws})
    assert not failed, result
    assert result["repositories"]["cs-automated-enc"] == {"type": "s3"}
    assert result["snapshots"] == [automated]
