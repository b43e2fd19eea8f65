"""What differs between the engines (docs/engines.md), against the stack's node whatever its engine:
feature states (Elasticsearch 7.12+), and the snapshot metadata where GET / is missing."""

import time

import pytest

from tests.integration.helpers import unique

SNAPSHOT = "searchops.snapshots.es_snapshot"
RESTORE = "searchops.snapshots.es_restore"


def version(engine):
    return tuple(int(p) for p in engine["version"].split(".")[:2])


@pytest.fixture
def feature_states(engine):
    if engine["distribution"] != "elasticsearch" or version(engine) < (7, 12):
        pytest.skip(f"{engine['name']} has no feature states (Elasticsearch 7.12+)")


def stored_task(opensearch, index):
    """A task whose result the node stores in .tasks (the `tasks` feature's index): an async force-merge."""
    task = opensearch.request("POST", f"{index}/_forcemerge", params={"wait_for_completion": "false"})["task"]
    for _ in range(100):
        if opensearch.request("GET", f"_tasks/{task}", expect=(200, 404)).get("completed"):
            return task
        time.sleep(0.1)
    raise AssertionError(f"task {task} did not complete")


def task_stored(opensearch, task):
    return opensearch.request("GET", f"_tasks/{task}", expect=(200, 404)).get("completed") is True


def test_feature_states_are_restored_only_when_named(
    ansible, stack, opensearch, index_factory, fs_repo, cleanup, feature_states
):
    # Elasticsearch: "If include_global_state is true, the request restores all feature states in the
    # snapshot by default"; restoring one replaces the feature's indices (.tasks here)
    index, repo, snap = index_factory(docs=2), fs_repo(), unique("snap")
    before = stored_task(opensearch, index)
    taken = ansible(
        SNAPSHOT,
        {
            "url": stack["opensearch"],
            "repository": repo,
            "snapshot": snap,
            "indices": [index],
            "include_global_state": True,
            "feature_states": ["tasks"],
        },
    )
    assert not taken.get("failed"), taken
    assert {"feature_name": "tasks", "indices": [".tasks"]} in taken["snapshot"]["feature_states"]
    after = stored_task(opensearch, index)  # a task result the snapshot does not hold
    cleanup["indices"].append(f"r-{index}")

    args = {"url": stack["opensearch"], "repository": repo, "snapshot": snap, "indices": [index]}
    kept = ansible(RESTORE, dict(args, include_global_state=True))
    assert not kept.get("failed") and not kept["changed"], kept  # the index exists: skipped, nothing to do
    kept = ansible(RESTORE, dict(args, include_global_state=True, rename_pattern="(.+)", rename_replacement="r-$1"))
    assert not kept.get("failed") and kept["request"]["body"]["feature_states"] == ["none"], kept
    assert task_stored(opensearch, after), "global state without feature_states overwrote .tasks"

    restored = ansible(RESTORE, dict(args, feature_states=["tasks"]))
    assert not restored.get("failed") and restored["changed"], restored
    assert restored["restored_feature_states"] == ["tasks"] and restored["request"]["body"]["indices"] == "-*"
    assert task_stored(opensearch, before) and not task_stored(opensearch, after)


def test_feature_states_are_refused_where_the_engine_lacks_them(
    ansible, stack, opensearch, index_factory, fs_repo, engine
):
    if engine["distribution"] == "elasticsearch" and version(engine) >= (7, 12):
        pytest.skip(f"{engine['name']} has feature states")
    index, repo, snap = index_factory(), fs_repo(), unique("snap")
    args = {"url": stack["opensearch"], "repository": repo, "snapshot": snap, "indices": [index]}
    result = ansible(SNAPSHOT, dict(args, feature_states=["security"]))
    # the engine would ignore them silently: the module refuses, and takes nothing
    assert result["failed"] and "feature_states is an Elasticsearch 7.12+ feature" in result["msg"], result
    assert opensearch.request("GET", f"_snapshot/{repo}/_all")["snapshots"] == []


def test_snapshot_metadata_names_the_cluster_on_every_engine(ansible, stack, opensearch, index_factory, fs_repo):
    # GET / is missing on Elasticsearch 8's integ-test-zip (its rest-root module): the cluster state names it
    index, repo, snap = index_factory(), fs_repo(), unique("snap")
    result = ansible(SNAPSHOT, {"url": stack["opensearch"], "repository": repo, "snapshot": snap, "indices": [index]})
    assert not result.get("failed"), result
    state = opensearch.request(
        "GET", "_cluster/state/metadata", params={"filter_path": "cluster_name,metadata.cluster_uuid"}
    )
    metadata = result["snapshot"]["metadata"]
    assert metadata["searchops.cluster_uuid"] == state["metadata"]["cluster_uuid"]
    assert metadata["searchops.cluster_name"] == state["cluster_name"]
