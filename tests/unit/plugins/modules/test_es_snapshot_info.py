import json

import pytest
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import DRILL_INDEX, MANIFEST_INDEX, digest
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
    (read,) = [r for r in server.sent[-4:] if r["query"].get("verbose") == "true"]
    assert read["path"] in ("_snapshot/nightly/old,new", "_snapshot/nightly/new,old")


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
    assert result["snapshots"] == [dict(automated, last_drill=None)]


# Manifests and last drills (issue 17, item 4)

URL = "http://localhost:9200"
INDICES = {"logs": [3, 2, "0123456789abcdef"]}
INLINE = {"v": 1, "version": "0.1.0", "indices": INDICES}
NOT_FOUND = {
    "error": {"type": "index_not_found_exception", "reason": "no such index [searchops-drills]"},
    "status": 404,
}
REFUSED = {"error": {"type": "security_exception", "reason": "no permissions for [indices:data/read/search]"}}


@pytest.fixture(autouse=True)
def no_earlier_warnings():
    """Ansible keeps a module's warnings in a global: each run here starts without the others'."""
    ansible_warnings._global_warnings.clear()


def warnings(result):
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def pointer(document, indices=None):
    indices = indices or INDICES
    return {"v": 1, "version": "0.1.0", "document": document, "sha256": digest(indices), "count": 1, "docs": 3}


def manifest_document(document, indices=None):
    indices = indices or INDICES
    return {"v": 1, "version": "0.1.0", "indices": indices, "snapshot": document, "create_id": document}


def recorded_snap(name, manifest, start=1):
    info = snap(name, "SUCCESS", start)
    if manifest is not None:
        info["metadata"] = {"searchops.manifest": manifest, "by": "test"}
    return info


def listing_server(server, *infos):
    server.repository("nightly", *infos)
    server.on("GET", "_snapshot", REPOS).on("GET", "_snapshot/nightly/_status", IDLE)


def mget_answer(documents):
    """An _mget answer of searchops-manifests holding documents ({id: source})."""

    def answer(request):
        ids = json.loads(request.body)["ids"]
        docs = [
            {"_index": MANIFEST_INDEX, "_id": i, "found": True, "_source": documents[i]}
            if i in documents
            else {"_index": MANIFEST_INDEX, "_id": i, "found": False}
            for i in ids
        ]
        return (200, {"docs": docs})

    return answer


def drill(uuid, state="passed", started="2026-11-30T00:10:00.000Z", indices=None):
    indices = indices or {"logs": {"target": "searchops-drill-logs", "result": "pass"}}
    return {
        "drill": f"d-{uuid}-{started}",
        "state": state,
        "uuid": uuid,
        "started": started,
        "ended": "2026-11-30T00:11:00.000Z",
        "duration_in_millis": 60000,
        "indices": indices,
        "summary": {"pass": 1, "fail": 0, "unverified": 0},
    }


def hits(*records):
    return (200, {"hits": {"hits": [{"_index": DRILL_INDEX, "_id": r["drill"], "_source": r} for r in records]}})


def searches(server, index):
    return [r for r in server.sent if r["path"] == f"{index}/_search" or r["path"] == f"{index}/_mget"]


def test_verbose_listing_shows_inline_manifests_and_none_without(server, run_module):
    listing_server(server, recorded_snap("with", INLINE, 2), recorded_snap("without", None, 1))
    server.on("POST", f"{DRILL_INDEX}/_search", (404, NOT_FOUND))
    failed, result = run_module(main, {"url": URL, "repository": "nightly", "verbose": True})
    assert not failed, result
    assert [s["manifest"] for s in result["snapshots"]] == [dict(INLINE, stored_in="metadata"), None]
    assert result["snapshots"][0]["metadata"]["searchops.manifest"] == INLINE
    assert not searches(server, MANIFEST_INDEX)  # nothing stored in documents: nothing read
    # the light listing has no metadata: no manifest key at all
    failed, result = run_module(main, {"url": URL, "repository": "nightly"})
    assert not failed and all("manifest" not in s for s in result["snapshots"])


def test_manifests_in_documents_are_read_in_one_mget_and_checked(server, run_module):
    tampered = {"logs": [4, 2, "0123456789abcdef"]}
    listing_server(
        server,
        recorded_snap("good", pointer("id-good"), 3),
        recorded_snap("tampered", pointer("id-tampered"), 2),
        recorded_snap("elsewhere", pointer("id-elsewhere"), 1),
        recorded_snap("inline", INLINE, 0),
    )
    documents = {"id-good": manifest_document("id-good"), "id-tampered": manifest_document("id-tampered", tampered)}
    server.on("POST", f"{MANIFEST_INDEX}/_mget", mget_answer(documents))
    server.on("POST", f"{DRILL_INDEX}/_search", (404, NOT_FOUND))
    failed, result = run_module(main, {"url": URL, "repository": "nightly", "verbose": True})
    assert not failed, result
    good, bad, elsewhere, inline = (s["manifest"] for s in result["snapshots"])
    assert good == dict(
        manifest_document("id-good"), **pointer("id-good"), stored_in="document", document_found=True, authentic=True
    )
    assert bad["authentic"] is False and bad["document_found"] is True and bad["indices"] == tampered
    assert elsewhere == dict(pointer("id-elsewhere"), stored_in="document", document_found=False)
    assert inline["stored_in"] == "metadata"
    (read,) = searches(server, MANIFEST_INDEX)
    assert read["body"] == {"ids": ["id-elsewhere", "id-good", "id-tampered"]}


def test_many_manifest_documents_are_read_in_batches(server, run_module):
    listing_server(server, *(recorded_snap(f"s{n:03}", pointer(f"id-{n:03}"), n) for n in range(150)))
    server.on("POST", f"{MANIFEST_INDEX}/_mget", mget_answer({}))
    failed, result = run_module(main, {"url": URL, "repository": "nightly", "verbose": True, "drills": False})
    assert not failed, result
    reads = searches(server, MANIFEST_INDEX)
    assert [len(r["body"]["ids"]) for r in reads] == [100, 50]
    assert sorted(i for r in reads for i in r["body"]["ids"]) == [f"id-{n:03}" for n in range(150)]
    assert all(s["manifest"]["document_found"] is False for s in result["snapshots"])


def test_manifest_documents_of_a_missing_index_are_not_found(server, run_module):
    """OpenSearch answers an _mget of a missing index with 200 and an error per document."""
    listing_server(server, recorded_snap("s", pointer("id-1")))
    error = {"type": "index_not_found_exception", "reason": "no such index [searchops-manifests]"}
    missing = (200, {"docs": [{"_index": MANIFEST_INDEX, "_id": "id-1", "error": error}]})
    server.on("POST", f"{MANIFEST_INDEX}/_mget", missing)
    failed, result = run_module(main, {"url": URL, "repository": "nightly", "verbose": True, "drills": False})
    assert not failed and result["snapshots"][0]["manifest"]["document_found"] is False
    assert "warnings" not in result


def test_refused_manifest_documents_warn_and_show_the_pointer(server, run_module):
    listing_server(server, recorded_snap("s", pointer("id-1")))
    server.on("POST", f"{MANIFEST_INDEX}/_mget", (403, {"error": dict(REFUSED["error"])}))
    failed, result = run_module(main, {"url": URL, "repository": "nightly", "verbose": True, "drills": False})
    assert not failed, result
    assert result["snapshots"][0]["manifest"] == dict(pointer("id-1"), stored_in="document")
    (warning,) = warnings(result)
    assert (
        "shown as their pointers" in warning
        and "HTTP 403" in warning
        and "Grant read on searchops-manifests" in warning
    )


def test_last_drill_comes_from_one_search_for_all_listed_snapshots(server, run_module):
    listing_server(server, snap("a", "SUCCESS", 3), snap("b", "SUCCESS", 2), snap("never", "SUCCESS", 1))
    failing = {
        "logs": {"target": "searchops-drill-logs", "result": "fail", "reason": "2 documents restored, 3 counted"},
        "metrics": {"target": "searchops-drill-metrics", "result": "pass"},
        "audit": {"target": "searchops-drill-audit", "result": "fail", "reason": "mapping hash"},
        "new": {"target": "searchops-drill-new", "result": "unverified", "reason": "not in the manifest"},
    }
    server.on("POST", f"{DRILL_INDEX}/_search", hits(drill("a"), drill("b", "failed", indices=failing)))
    failed, result = run_module(main, {"url": URL, "repository": "nightly"})
    assert not failed, result
    a, b, never = (s["last_drill"] for s in result["snapshots"])
    assert a == {
        "drill": "d-a-2026-11-30T00:10:00.000Z",
        "state": "passed",
        "started": "2026-11-30T00:10:00.000Z",
        "ended": "2026-11-30T00:11:00.000Z",
        "duration_in_millis": 60000,
        "summary": {"pass": 1, "fail": 0, "unverified": 0},
        "failed": [],
    }
    assert b["state"] == "failed" and b["failed"] == ["audit", "logs"]
    assert never is None
    (search,) = searches(server, DRILL_INDEX)
    query = search["body"]
    assert query["query"]["bool"]["filter"] == [
        {"terms": {"uuid": ["a", "b", "never"]}},
        {"terms": {"state": ["passed", "failed"]}},
    ]
    assert query["collapse"] == {"field": "uuid"} and query["size"] == 3
    assert query["sort"][0] == {"started": {"order": "desc"}}


def test_many_snapshots_are_searched_in_batches_of_uuids(server, run_module):
    listing_server(server, *(snap(f"s{n:04}", "SUCCESS", n) for n in range(1500)))
    server.on("POST", f"{DRILL_INDEX}/_search", hits(drill("s0007")), hits(drill("s1400")))
    failed, result = run_module(main, {"url": URL, "repository": "nightly"})
    assert not failed, result
    batches = [r["body"]["query"]["bool"]["filter"][0]["terms"]["uuid"] for r in searches(server, DRILL_INDEX)]
    assert [len(b) for b in batches] == [1000, 500] and sorted(batches[0] + batches[1]) == sorted(
        set(batches[0] + batches[1])
    )
    drilled = {s["snapshot"]: s["last_drill"]["drill"] for s in result["snapshots"] if s["last_drill"]}
    assert drilled == {"s0007": "d-s0007-2026-11-30T00:10:00.000Z", "s1400": "d-s1400-2026-11-30T00:10:00.000Z"}


def test_without_a_drills_index_no_snapshot_was_drilled(server, run_module):
    listing_server(server, snap("a", "SUCCESS", 1))
    server.on("POST", f"{DRILL_INDEX}/_search", (404, NOT_FOUND))
    failed, result = run_module(main, {"url": URL, "repository": "nightly"})
    assert not failed and result["snapshots"][0]["last_drill"] is None and "warnings" not in result


def test_a_refused_drill_search_warns_and_leaves_last_drill_out(server, run_module):
    listing_server(server, snap("a", "SUCCESS", 1))
    server.on("POST", f"{DRILL_INDEX}/_search", (403, {"error": dict(REFUSED["error"])}))
    failed, result = run_module(main, {"url": URL, "repository": "nightly"})
    assert not failed, result
    assert "last_drill" not in result["snapshots"][0]
    (warning,) = warnings(result)
    assert "last drills are left out" in warning and "no permissions for [indices:data/read/search]" in warning
    assert "Grant read on searchops-drills" in warning and "drills: false" in warning


def test_other_errors_of_the_drill_search_fail_the_module(server, run_module):
    listing_server(server, snap("a", "SUCCESS", 1))
    bad = {"error": {"type": "search_phase_execution_exception", "reason": "all shards failed"}, "status": 400}
    server.on("POST", f"{DRILL_INDEX}/_search", (400, bad))
    failed, result = run_module(main, {"url": URL, "repository": "nightly"})
    assert failed and "searchops-drills/_search returned HTTP 400" in result["msg"] and result["status"] == 400


def test_drills_false_skips_the_search(server, run_module):
    listing_server(server, snap("a", "SUCCESS", 1))
    failed, result = run_module(main, {"url": URL, "repository": "nightly", "drills": False})
    assert not failed and "last_drill" not in result["snapshots"][0]
    assert not searches(server, DRILL_INDEX)
