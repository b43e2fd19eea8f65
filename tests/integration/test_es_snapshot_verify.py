"""es_snapshot_verify (restore drills) against the real node: fs and S3 (moto) repositories."""

import json

import pytest

from tests.integration.helpers import drill_copies, unique

SNAPSHOT = "searchops.snapshots.es_snapshot"
VERIFY = "searchops.snapshots.es_snapshot_verify"
PREFIX = "searchops-drill-"
DRILLS = "searchops-drills"


def conn(stack):
    return {"url": stack["opensearch"]}


def live_state(opensearch, *indices):
    """What a drill must leave as it was: each index's uuid, documents and aliases, and the data streams."""
    state = {}
    for index in indices:
        settings = opensearch.request("GET", f"{index}/_settings")[index]["settings"]["index"]
        state[index] = {
            "uuid": settings["uuid"],
            "docs": opensearch.request("GET", f"{index}/_count")["count"],
            "aliases": sorted(opensearch.request("GET", f"{index}/_alias")[index]["aliases"]),
        }
    return state


def drill_record(opensearch, drill):
    return opensearch.request("GET", f"{DRILLS}/_doc/{drill}")["_source"]


def snapshot(ansible, stack, repo, indices, **args):
    taken = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot=unique("snap"), indices=indices, **args))
    assert taken["changed"] and taken["snapshot"]["state"] == "SUCCESS", taken
    return taken["snapshot"]


def test_a_drill_of_a_good_snapshot_passes_and_leaves_the_cluster_as_it_was(
    ansible, stack, opensearch, index_factory, fs_repo, drills
):
    orders = index_factory(docs=25, settings={"number_of_shards": 2})
    empty = index_factory(docs=0)
    opensearch.request("POST", "_aliases", json={"actions": [{"add": {"index": orders, "alias": f"{orders}-alias"}}]})
    repo = fs_repo()
    taken = snapshot(ansible, stack, repo, [orders, empty])
    before = live_state(opensearch, orders, empty)
    args = dict(conn(stack), repository=repo, snapshot=taken["snapshot"])
    args["queries"] = [{"name": "first ten", "index": orders, "query": {"range": {"n": {"lt": 10}}}, "hits": 10}]

    plan = ansible(VERIFY, args, check=True)
    assert not plan.get("failed") and not plan["changed"], plan
    assert plan["plan"]["targets"] == {orders: PREFIX + orders, empty: PREFIX + empty}
    assert plan["plan"]["shards"] == 3 and plan["plan"]["bytes"] > 0 and plan["plan"]["capacity"] == []
    assert "indices" not in plan and drill_copies(opensearch) == []

    result = ansible(VERIFY, args)
    assert not result.get("failed") and not result["changed"], result
    drills.append(result["drill"])
    assert result["manifest"] == {"stored_in": "metadata", "indices": 2}
    assert result["indices"][orders] == {
        "target": PREFIX + orders,
        "result": "pass",
        "docs": 25,
        "expected_docs": 25,
        "written_during_snapshot": False,
    }
    assert result["indices"][empty]["result"] == "pass" and result["indices"][empty]["docs"] == 0
    assert result["queries"] == [{"name": "first ten", "index": orders, "hits": 10, "result": "pass"}]
    assert result["summary"] == {"pass": 3, "fail": 0, "unverified": 0}
    # nothing left, nothing live touched, the verdicts recorded
    assert drill_copies(opensearch) == []
    assert live_state(opensearch, orders, empty) == before
    record = drill_record(opensearch, result["drill"])
    assert record["state"] == "passed" and record["uuid"] == taken["uuid"] and record["snapshot"] == taken["snapshot"]
    assert record["indices"] == result["indices"] and record["summary"] == result["summary"]
    assert record["started"] <= record["ended"]
    # a drill again: the same verdicts, nothing changed
    again = ansible(VERIFY, args)
    drills.append(again["drill"])
    assert not again["changed"] and again["summary"] == result["summary"] and again["drill"] != result["drill"]


def test_a_failing_query_fails_the_drill_and_the_copies_are_deleted(
    ansible, stack, opensearch, index_factory, fs_repo, drills
):
    index = index_factory(docs=3)
    repo = fs_repo()
    taken = snapshot(ansible, stack, repo, [index])
    query = {"index": index, "query": {"term": {"n": 99}}}
    result = ansible(VERIFY, dict(conn(stack), repository=repo, snapshot=taken["snapshot"], queries=[query]))
    drills.append(result["drill"])
    assert result["failed"] and result["msg"].startswith(
        f"Restore drill of snapshot {taken['snapshot']} failed for {index} query 1: {index} query 1: 0 hits, at least 1"
    ), result
    assert result["indices"][index]["result"] == "pass" and result["summary"]["fail"] == 1
    assert drill_copies(opensearch) == []
    assert drill_record(opensearch, result["drill"])["state"] == "failed"


def test_an_index_with_the_prefix_that_no_drill_recorded_is_refused_and_left_alone(
    ansible, stack, opensearch, index_factory, fs_repo, drills
):
    index = index_factory(docs=2)
    repo = fs_repo()
    taken = snapshot(ansible, stack, repo, [index])
    users = index_factory(f"{PREFIX}{unique('mine')}", docs=4)
    result = ansible(VERIFY, dict(conn(stack), repository=repo, snapshot=taken["snapshot"]))
    assert result["failed"] and f"no drill record names: {users}" in result["msg"], result
    assert "not this collection's to delete" in result["msg"]
    assert opensearch.request("GET", f"{users}/_count")["count"] == 4


def test_a_snapshot_without_a_manifest_is_restored_and_counted_but_unverified(
    ansible, stack, opensearch, index_factory, fs_repo, drills
):
    index = index_factory(docs=5)
    repo = fs_repo()
    name = unique("bare")
    opensearch.request(
        "PUT", f"_snapshot/{repo}/{name}", params={"wait_for_completion": "true"}, json={"indices": index}
    )
    result = ansible(VERIFY, dict(conn(stack), repository=repo, snapshot=name))
    drills.append(result["drill"])
    assert not result.get("failed"), result
    assert result["manifest"]["stored_in"] == "none"
    verdict = result["indices"][index]
    assert verdict["result"] == "unverified" and verdict["docs"] == 5 and verdict["expected_docs"] is None


def test_many_indices_keep_their_manifest_in_a_document_of_the_snapshot(
    ansible, stack, opensearch, index_factory, fs_repo, drills, cleanup
):
    # names of 150 characters: 30 of them do not fit one request line (4 KB), so every read is batched
    prefix = unique("many") + "-" + "x" * 130
    names = [index_factory(f"{prefix}-{i:02d}", docs=i % 3) for i in range(30)]
    repo = fs_repo()
    taken = snapshot(ansible, stack, repo, [f"{prefix}-*"])
    cleanup["indices"].append("searchops-manifests")
    pointer = taken["metadata"]["searchops.manifest"]
    assert pointer["count"] == 30 and pointer["docs"] == sum(i % 3 for i in range(30))
    assert "searchops-manifests" in taken["indices"]
    # the document the metadata points at is on the cluster and in the snapshot
    document = opensearch.request("GET", f"searchops-manifests/_doc/{pointer['document']}")["_source"]
    assert sorted(document["indices"]) == names and document["snapshot"] == taken["snapshot"]
    # delete the live manifest index: the drill reads the copy restored from the snapshot
    opensearch.request("DELETE", "searchops-manifests")
    result = ansible(VERIFY, dict(conn(stack), repository=repo, snapshot=taken["snapshot"]))
    drills.append(result["drill"])
    assert not result.get("failed"), result
    assert result["manifest"] == {"stored_in": "document", "authentic": True, "indices": 30}
    assert result["summary"] == {"pass": 30, "fail": 0, "unverified": 0}
    assert drill_copies(opensearch) == []


def test_metadata_too_large_for_even_the_digest_is_refused_before_the_snapshot(
    ansible, stack, opensearch, index_factory, fs_repo
):
    prefix = unique("crowd")
    for i in range(30):
        index_factory(f"{prefix}-{i:02d}")
    repo = fs_repo()
    name = unique("snap")
    args = dict(conn(stack), repository=repo, snapshot=name, indices=[f"{prefix}-*"], metadata={"note": "x" * 700})
    result = ansible(SNAPSHOT, args)
    assert result["failed"] and "over the engines' limit of 1024 bytes" in result["msg"], result
    assert opensearch.request("GET", f"_snapshot/{repo}/_all")["snapshots"] == []


@pytest.fixture
def cluster_settings(opensearch):
    """Persistent cluster settings a test sets, reset afterwards."""
    names = []

    def put(**settings):
        names.extend(settings)
        opensearch.request("PUT", "_cluster/settings", json={"persistent": settings})

    yield put
    if names:
        opensearch.request("PUT", "_cluster/settings", json={"persistent": dict.fromkeys(names)})


def test_a_cluster_short_of_shards_is_refused_before_any_change(
    ansible, stack, opensearch, index_factory, fs_repo, drills, cluster_settings
):
    index = index_factory(docs=2, settings={"number_of_shards": 2})
    repo = fs_repo()
    taken = snapshot(ansible, stack, repo, [index])
    health = opensearch.request("GET", "_cluster/health")
    open_shards = health["active_shards"] + health["initializing_shards"] + health["unassigned_shards"]
    cluster_settings(**{"cluster.max_shards_per_node": open_shards + 1})
    result = ansible(VERIFY, dict(conn(stack), repository=repo, snapshot=taken["snapshot"]))
    assert result["failed"], result
    assert (
        f"not enough shards: the drill adds 2 shards to the {open_shards} open, over the {open_shards + 1} that "
        "cluster.max_shards_per_node" in result["msg"]
    )
    assert result["msg"].endswith(
        "Nothing was changed. Drill fewer indices (indices), on a larger or scratch cluster, or free disk and shards"
    )
    assert drill_copies(opensearch) == []


def test_a_cluster_short_of_disk_is_refused_even_on_one_node(
    ansible, stack, opensearch, index_factory, fs_repo, drills, cluster_settings
):
    """One data node: the server would allocate the copies whatever the watermarks say (it ignores them);
    the drill applies them itself."""
    index = index_factory(docs=20, size=2000)
    repo = fs_repo()
    taken = snapshot(ansible, stack, repo, [index])
    (node,) = opensearch.request("GET", "_nodes/stats/fs")["nodes"].values()
    total = node["fs"]["total"]["total_in_bytes"]
    # keep the whole disk free above the high watermark: no room at all (flood stage kept out of reach)
    cluster_settings(
        **{
            "cluster.routing.allocation.disk.watermark.low": f"{total}b",
            "cluster.routing.allocation.disk.watermark.high": f"{total}b",
            "cluster.routing.allocation.disk.watermark.flood_stage": "1b",
        }
    )
    plan = ansible(VERIFY, dict(conn(stack), repository=repo, snapshot=taken["snapshot"]), check=True)
    assert plan["failed"] and "not enough disk: the copies need" in plan["msg"], plan
    assert f"cluster.routing.allocation.disk.watermark.high={total}b" in plan["msg"]
    result = ansible(VERIFY, dict(conn(stack), repository=repo, snapshot=taken["snapshot"]))
    assert result["failed"] and "not enough disk" in result["msg"] and drill_copies(opensearch) == []


@pytest.mark.s3_repository
def test_a_damaged_file_in_s3_fails_that_index_only_and_the_copies_are_deleted(
    ansible, stack, opensearch, index_factory, s3_repo, s3, bucket, drills
):
    good, damaged = index_factory(docs=50, size=400), index_factory(docs=50, size=400)
    taken = snapshot(ansible, stack, s3_repo, [good, damaged])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    generation = max(int(k.split("-")[1]) for k in keys if k.startswith("index-") and k.split("-")[1].isdigit())
    repository_data = json.loads(s3.get_object(Bucket=bucket, Key=f"index-{generation}")["Body"].read())
    index_id = repository_data["indices"][damaged]["id"]
    # data blobs: [<hash prefix>/]indices/<index id>/<shard>/__<uuid> (OpenSearch 3 may prefix the path)
    blobs = [k for k in keys if f"indices/{index_id}/0/__" in k]
    assert blobs, keys
    for key in blobs:  # flip every byte: same size, wrong checksums
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.put_object(Bucket=bucket, Key=key, Body=bytes(b ^ 0xFF for b in data))

    result = ansible(VERIFY, dict(conn(stack), repository=s3_repo, snapshot=taken["snapshot"], wait_timeout=300))
    drills.append(result["drill"])
    assert result["failed"], result
    assert result["indices"][good]["result"] == "pass"
    verdict = result["indices"][damaged]
    assert verdict["result"] == "fail" and verdict["reason"].startswith("shard 0 could not be restored: "), verdict
    assert "CorruptIndexException" in verdict["reason"]  # Lucene's checksum check, as the node reports it
    assert result["msg"].startswith(f"Restore drill of snapshot {taken['snapshot']} failed for {damaged}: ")
    assert drill_copies(opensearch) == []
    assert drill_record(opensearch, result["drill"])["state"] == "failed"
