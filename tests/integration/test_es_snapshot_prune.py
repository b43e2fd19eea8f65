"""es_snapshot_prune against the real node: batch deletes, the min_count floor, running
snapshots left alone. Snapshots are taken and read back with plain HTTP."""

import time

from tests.integration.helpers import four_steps

PRUNE = "searchops.snapshots.es_snapshot_prune"


# what es_snapshot records in a snapshot another cluster took
ANOTHER_CLUSTER = {"searchops.cluster_uuid": "another-cluster-uuid", "searchops.cluster_name": "elsewhere"}


def take(opensearch, repo, name, index, wait=True, metadata=None):
    body = {"indices": index, "include_global_state": False}
    if metadata:
        body["metadata"] = metadata
    opensearch.request("PUT", f"_snapshot/{repo}/{name}", params={"wait_for_completion": str(wait).lower()}, json=body)


def names(opensearch, repo):
    listing = opensearch.request("GET", f"_snapshot/{repo}/_all")["snapshots"]
    return sorted(s["snapshot"] for s in listing)


def test_max_count_deletes_the_oldest_in_one_request_four_steps(ansible, stack, opensearch, index_factory, fs_repo):
    index = index_factory()
    repo = fs_repo()
    for name in ("s1", "s2", "s3", "s4"):
        take(opensearch, repo, name, index)
        time.sleep(0.5)  # the node's snapshot clock ticks every 200 ms: no two start times tie
    take(opensearch, repo, "other-1", index)  # does not match snapshots: never touched

    args = {"url": stack["opensearch"], "repository": repo, "snapshots": ["s*"], "max_count": 2, "min_count": 0}
    check, apply = four_steps(ansible, PRUNE, args)[:2]
    assert check["deleted"] == apply["deleted"] == ["s2", "s1"]
    assert apply["kept"] == ["s4", "s3"]
    assert names(opensearch, repo) == ["other-1", "s3", "s4"]


def test_min_count_floor_and_a_running_snapshot_left_alone(ansible, stack, opensearch, index_factory, fs_repo):
    small, big = index_factory(), index_factory(docs=20, size=50_000)
    repo = fs_repo(max_snapshot_bytes_per_sec="200kb")  # the big one takes a few seconds
    take(opensearch, repo, "old", small)
    time.sleep(2)
    take(opensearch, repo, "slow", big, wait=False)
    args = {"url": stack["opensearch"], "repository": repo, "max_age": "1s"}

    floor = ansible(PRUNE, args)
    assert not floor["changed"] and floor["protected"] == ["old"] and floor["running"] == ["slow"]

    pruned = ansible(PRUNE, dict(args, min_count=0))
    assert pruned["changed"] and pruned["deleted"] == ["old"]
    assert "slow" in names(opensearch, repo) and "old" not in names(opensearch, repo)


def test_a_batch_holding_a_name_deleted_meanwhile_deletes_the_rest_and_says_which(
    stack, opensearch, index_factory, fs_repo
):
    """The race of a prune whose listing went stale: someone deleted `b` after it was listed."""
    from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client
    from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import Snapshots

    index = index_factory()
    repo = fs_repo()
    for name in ("a", "b", "c"):
        take(opensearch, repo, name, index)
    opensearch.request("DELETE", f"_snapshot/{repo}/b")
    # the server's rule this relies on: one missing name and the whole batch is refused
    refused = opensearch.request("DELETE", f"_snapshot/{repo}/a,b,c", expect=(404,))
    assert refused["error"]["type"] == "snapshot_missing_exception" and names(opensearch, repo) == ["a", "c"]

    snapshots = Snapshots(Client({"url": stack["opensearch"]}), repo)
    deleted, gone = snapshots.delete(["a", "b", "c"], time.monotonic() + 60)
    assert (deleted, gone) == (["a", "c"], ["b"])
    assert names(opensearch, repo) == []


def test_a_repository_name_that_is_no_name_fails_before_any_request(ansible, stack, opensearch, fs_repo, index_factory):
    repo = fs_repo()
    take(opensearch, repo, "kept", index_factory())
    for bad in ("..", "*", "_all"):
        result = ansible(PRUNE, {"url": stack["opensearch"], "repository": bad, "max_count": 0, "min_count": 0})
        assert result["failed"] and f"Repository name {bad!r}" in result["msg"]
    assert names(opensearch, repo) == ["kept"]


def test_another_clusters_snapshots_are_left_alone_unless_included(ansible, stack, opensearch, index_factory, fs_repo):
    index = index_factory()
    repo = fs_repo()
    take(opensearch, repo, "theirs", index, metadata=ANOTHER_CLUSTER)
    take(opensearch, repo, "by-hand", index)
    args = {"url": stack["opensearch"], "repository": repo, "max_count": 0, "min_count": 0}

    pruned = ansible(PRUNE, args)
    assert pruned["deleted"] == ["by-hand"] and pruned["other_clusters"] == ["theirs"]
    assert names(opensearch, repo) == ["theirs"]

    included = ansible(PRUNE, dict(args, include_other_clusters=True))
    assert included["deleted"] == ["theirs"] and names(opensearch, repo) == []


def test_a_repository_listed_in_several_requests(ansible, stack, opensearch, index_factory, fs_repo):
    """40 snapshots whose names are 150 characters: no single URL holds all their names, so the
    verbose reads (es_snapshot_info, es_restore latest, es_snapshot_prune) and the deletes go in
    batches; every module still sees the whole repository."""
    index = index_factory()
    repo = fs_repo()
    long_names = [f"long-{i:02d}-".ljust(150, "x") for i in range(40)]
    for name in long_names[:-1]:
        take(opensearch, repo, name, index)
    time.sleep(0.5)  # the node's snapshot clock ticks every 200 ms: the last one is the newest
    take(opensearch, repo, long_names[-1], index)
    url = stack["opensearch"]

    info = ansible("searchops.snapshots.es_snapshot_info", {"url": url, "repository": repo, "verbose": True})
    assert sorted(s["snapshot"] for s in info["snapshots"]) == long_names
    assert info["snapshots"][0]["snapshot"] == long_names[-1]
    assert all(s.get("start_time") for s in info["snapshots"])

    args = {"url": url, "repository": repo, "snapshot": "latest", "snapshots": ["long-*"], "indices": [index]}
    latest = ansible(
        "searchops.snapshots.es_restore", dict(args, rename_pattern="(.+)", rename_replacement="r-$1"), check=True
    )
    assert latest["snapshot"]["snapshot"] == long_names[-1]

    pruned = ansible(PRUNE, {"url": url, "repository": repo, "max_count": 1, "min_count": 0})
    assert sorted(pruned["deleted"]) == long_names[:-1] and pruned["kept"] == [long_names[-1]]
    assert names(opensearch, repo) == [long_names[-1]]
