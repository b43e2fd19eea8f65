"""es_snapshot_info's manifests and last drills against the real nodes (issue 17, item 4).

Manifests are the ones es_snapshot records; drill records are written here through the REST API in
the documented format of searchops-drills (docs/design.md, "es_snapshot_info: manifests and last
drills"), the format es_snapshot_verify writes."""

import uuid

import pytest

from .helpers import secured_connection, unique
from .test_secured import snapshot  # noqa: F401 pylint: disable=unused-import

SNAPSHOT = "searchops.snapshots.es_snapshot"
INFO = "searchops.snapshots.es_snapshot_info"
MANIFESTS = "searchops-manifests"
DRILLS = "searchops-drills"
# searchops-drills as the collection creates it (_manifest.ensure_own_index): hidden, the searched
# fields mapped, the rest kept in _source
DRILLS_INDEX = {
    "settings": {"index.hidden": True, "index.number_of_shards": 1, "index.auto_expand_replicas": "0-1"},
    "mappings": {
        "dynamic": False,
        "properties": dict(
            {f: {"type": "keyword"} for f in ("drill", "state", "repository", "snapshot", "uuid", "prefix", "targets")},
            started={"type": "date"},
        ),
    },
}


def task(module, **args):
    return {"name": module, module: args, "ignore_errors": True}


def server_snapshot(opensearch, repo, name):
    return opensearch.request("GET", f"_snapshot/{repo}/{name}")["snapshots"][0]


@pytest.fixture
def manifest_documents(opensearch):
    """Ids of searchops-manifests documents a test made (through es_snapshot); deleted after it."""
    made = []
    yield made
    for document in made:
        opensearch.request("DELETE", f"{MANIFESTS}/_doc/{document}", params={"refresh": "true"}, expect=(200, 404))


def test_manifests_inline_and_in_documents_with_their_authenticity(
    ansible, stack, opensearch, index_factory, fs_repo, manifest_documents
):
    prefix = unique("records")
    small = index_factory(f"{prefix}-small", docs=3)
    many = [index_factory(f"{prefix}-many-{n:02}", docs=n % 3) for n in range(25)]  # past the metadata's 1024 bytes
    repo = fs_repo()
    conn = {"url": stack["opensearch"]}
    tasks = [
        task(SNAPSHOT, **conn, repository=repo, snapshot="inline", indices=[small]),
        task(SNAPSHOT, **conn, repository=repo, snapshot="stored-a", indices=[f"{prefix}-many-*"]),
        task(SNAPSHOT, **conn, repository=repo, snapshot="stored-b", indices=[f"{prefix}-many-*"]),
        task(SNAPSHOT, **conn, repository=repo, snapshot="stored-c", indices=[f"{prefix}-many-*"]),
        task(INFO, **conn, repository=repo, verbose=True, drills=False),
    ]
    *taken, info = ansible.play(tasks)
    assert not [r["msg"] for r in taken if r.get("failed")]
    recorded = {
        n: server_snapshot(opensearch, repo, n)["metadata"]["searchops.manifest"] for n in ("inline", "stored-a")
    }
    pointers = {
        n: server_snapshot(opensearch, repo, n)["metadata"]["searchops.manifest"]
        for n in ("stored-a", "stored-b", "stored-c")
    }
    manifest_documents.extend(p["document"] for p in pointers.values())
    assert not info.get("failed") and "warnings" not in info, info
    shown = {s["snapshot"]: s["manifest"] for s in info["snapshots"]}
    # inline: the metadata's manifest, as the server keeps it
    assert shown["inline"] == dict(recorded["inline"], stored_in="metadata")
    assert list(shown["inline"]["indices"]) == [small] and shown["inline"]["indices"][small][0] == 3
    # in a document: the document as the server holds it, with the metadata's pointer
    for name, pointer in pointers.items():
        document = opensearch.request("GET", f"{MANIFESTS}/_doc/{pointer['document']}")["_source"]
        assert sorted(document["indices"]) == sorted(many) and pointer["count"] == 25
        assert shown[name] == dict(document, **pointer, stored_in="document", document_found=True, authentic=True)
        assert shown[name]["snapshot"] == name and shown[name]["repository"] == repo

    # one document changed (a count raised), one deleted: not authentic, not found
    changed = opensearch.request("GET", f"{MANIFESTS}/_doc/{pointers['stored-b']['document']}")["_source"]
    changed["indices"][many[1]][0] += 1
    opensearch.request(
        "PUT", f"{MANIFESTS}/_doc/{pointers['stored-b']['document']}", params={"refresh": "true"}, json=changed
    )
    opensearch.request("DELETE", f"{MANIFESTS}/_doc/{pointers['stored-c']['document']}", params={"refresh": "true"})
    info = ansible(INFO, dict(conn, repository=repo, verbose=True, drills=False))
    shown = {s["snapshot"]: s["manifest"] for s in info["snapshots"]}
    assert shown["stored-a"]["authentic"] is True
    assert shown["stored-b"]["authentic"] is False and shown["stored-b"]["indices"][many[1]][0] == 2
    assert shown["stored-c"] == dict(pointers["stored-c"], stored_in="document", document_found=False)


@pytest.fixture
def drills_index(opensearch):
    """searchops-drills on the node (created as the collection creates it when absent), and a writer of
    drill records: write(uuid, state, started, indices) -> the record; the records are deleted after the
    test, the index too when the test created it."""
    created = opensearch.request("PUT", DRILLS, json=DRILLS_INDEX, expect=(200, 400))
    written = []

    def write(snapshot_uuid, state, started, indices=None):
        drill = uuid.uuid4().hex
        indices = indices or {}
        record = {
            "drill": drill,
            "state": state,
            "repository": "r",
            "snapshot": "s",
            "uuid": snapshot_uuid,
            "cluster_uuid": "c",
            "cluster_name": "n",
            "prefix": "searchops-drill-",
            "targets": [f"searchops-drill-{index}" for index in indices],
            "started": started,
            "indices": indices,
            "queries": [],
            "summary": {r: sum(v["result"] == r for v in indices.values()) for r in ("pass", "fail", "unverified")},
        }
        if state != "running":
            record.update(ended=started.replace("00.000Z", "42.000Z"), duration_in_millis=42000)
        opensearch.request("PUT", f"{DRILLS}/_doc/{drill}", params={"refresh": "true"}, json=record, expect=(201,))
        written.append(drill)
        return record

    yield write
    if "acknowledged" in created:
        opensearch.request("DELETE", DRILLS, expect=(200, 404))
    else:
        for drill in written:
            opensearch.request("DELETE", f"{DRILLS}/_doc/{drill}", params={"refresh": "true"}, expect=(200, 404))


def verdict(result, reason=None):
    found = {"target": "t", "result": result, "docs": 1, "expected_docs": 1, "written_during_snapshot": False}
    return dict(found, reason=reason) if reason else found


def test_last_drill_is_the_newest_finished_one_of_each_snapshot(
    ansible, stack, opensearch, index_factory, fs_repo, drills_index
):
    logs, audit = index_factory(unique("logs")), index_factory(unique("audit"))
    repo = fs_repo()
    for name in ("drilled", "again", "never"):
        opensearch.request(
            "PUT",
            f"_snapshot/{repo}/{name}",
            params={"wait_for_completion": "true"},
            json={"indices": f"{logs},{audit}"},
        )
    uuids = {name: server_snapshot(opensearch, repo, name)["uuid"] for name in ("drilled", "again", "never")}
    drills_index(
        uuids["drilled"], "passed", "2026-11-30T00:10:00.000Z", {logs: verdict("pass"), audit: verdict("pass")}
    )
    newest = drills_index(
        uuids["drilled"],
        "failed",
        "2026-11-30T02:00:00.000Z",
        {logs: verdict("fail", "2 documents restored, 1 counted"), audit: verdict("unverified", "not in the manifest")},
    )
    drills_index(uuids["drilled"], "passed", "2026-11-30T01:00:00.000Z", {logs: verdict("pass")})
    drills_index(uuids["drilled"], "running", "2026-11-30T03:00:00.000Z", {logs: verdict("pass")})  # not finished
    drills_index(uuids["again"], "passed", "2026-11-29T23:00:00.000Z", {logs: verdict("pass"), audit: verdict("pass")})
    again = drills_index(
        uuids["again"], "failed", "2026-11-30T00:00:00.000Z", {logs: verdict("fail"), audit: verdict("fail")}
    )
    drills_index(
        uuid.uuid4().hex[:22], "failed", "2026-12-01T00:00:00.000Z", {logs: verdict("fail")}
    )  # another snapshot

    conn = {"url": stack["opensearch"]}
    light, verbose = ansible.play(
        [task(INFO, **conn, repository=repo), task(INFO, **conn, repository=repo, verbose=True)]
    )
    for info in (light, verbose):
        assert not info.get("failed") and "warnings" not in info, info
        last = {s["snapshot"]: s["last_drill"] for s in info["snapshots"]}
        assert last["drilled"] == {
            "drill": newest["drill"],
            "state": "failed",
            "started": "2026-11-30T02:00:00.000Z",
            "ended": "2026-11-30T02:00:42.000Z",
            "duration_in_millis": 42000,
            "summary": {"pass": 0, "fail": 1, "unverified": 1},
            "failed": [logs],
        }
        assert last["again"]["drill"] == again["drill"] and last["again"]["failed"] == sorted([logs, audit])
        assert last["never"] is None


def test_without_drills_index_none_and_refused_search_warns(ansible, secured, secured_node, snapshot):  # noqa: F811
    """On the secured node (no drill runs there): without searchops-drills no snapshot was drilled; the
    user mapped to manage_snapshots alone may not search it, so the listing warns and goes on."""
    secured_node.request("DELETE", DRILLS, expect=(200, 404))
    repo = snapshot["repository"]
    admin, limited = ansible.play(
        [
            task(INFO, **secured_connection(secured), repository=repo, verbose=True),
            task(INFO, **secured_connection(secured, "snapshots"), repository=repo),
        ]
    )
    assert not admin.get("failed") and "warnings" not in admin, admin
    assert [(s["snapshot"], s["manifest"], s["last_drill"]) for s in admin["snapshots"]] == [("first", None, None)]
    assert not limited.get("failed"), limited
    assert [s["snapshot"] for s in limited["snapshots"]] == ["first"] and "last_drill" not in limited["snapshots"][0]
    (warning,) = limited["warnings"]
    assert "last drills are left out" in warning and "HTTP 403" in warning
    assert "no permissions for [indices:data/read/search] and User [name=snapshots" in warning
