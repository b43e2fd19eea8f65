"""What differs between the engines (docs/engines.md), against the stack's node whatever its engine:
feature states (Elasticsearch 7.12+), the snapshot metadata where GET / is missing, and snapshots
and repositories written by another engine (copies of real ones in tests/integration/data)."""

import shutil
import time
from pathlib import Path

import pytest

from tests.integration.helpers import path_repo, unique

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
    for _attempt in range(100):
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


DATA = Path(__file__).parent / "data"


@pytest.fixture
def written_by(opensearch, cleanup):
    """A copy of a repository another engine wrote (tests/integration/data: one snapshot of the index
    engine-fixture, 3 documents), registered readonly."""

    def register(engine_name):
        name = unique("other-engine")
        folder = path_repo(opensearch)
        shutil.copytree(DATA / f"repository-{engine_name}", f"{folder}/{name}")
        cleanup["repositories"].append(name)
        settings = {"location": f"{folder}/{name}", "readonly": True}
        opensearch.request("PUT", f"_snapshot/{name}", json={"type": "fs", "settings": settings})
        return name

    return register


def newer_than(engine, distribution, version):
    """Whether a snapshot that engine-version wrote is too new for the stack's engine."""
    if engine["distribution"] == "elasticsearch" and distribution == "opensearch":
        return True
    if engine["distribution"] == "opensearch" and distribution == "elasticsearch":
        return version > (7, 10, 2)
    return version > tuple(int(p) for p in engine["version"].split("."))


def test_a_snapshot_too_new_for_the_cluster_is_refused_before_anything_is_touched(
    ansible, stack, opensearch, engine, written_by, index_factory
):
    # measured: every engine lists such a snapshot as SUCCESS, and refuses its restore only after
    # on_conflict's delete ("the snapshot was created with ... version [...] which is higher than the
    # version of this node")
    repo = written_by("opensearch-3.6.0")
    live = index_factory(name="engine-fixture", docs=1)
    before = opensearch.request("GET", f"{live}/_settings")[live]["settings"]["index"]["uuid"]
    args = {"url": stack["opensearch"], "repository": repo, "snapshot": "by-opensearch-3.6.0", "on_conflict": "delete"}
    result = ansible(RESTORE, args)
    if not newer_than(engine, "opensearch", (3, 6, 0)):
        assert not result.get("failed") and result["restored_indices"] == [
            {"index": live, "source": live, "docs": 3}
        ], result
        return
    assert result["failed"] and "was taken by OpenSearch 3.6.0" in result["msg"], result
    assert "Nothing was changed" in result["msg"] and not result.get("deleted_indices")
    assert opensearch.request("GET", f"{live}/_settings")[live]["settings"]["index"]["uuid"] == before


def test_a_repository_only_a_newer_engine_reads_is_named_as_such(ansible, stack, engine, written_by):
    repo = written_by("elasticsearch-8.19.21")
    info = ansible("searchops.snapshots.es_snapshot_info", {"url": stack["opensearch"], "repository": repo})
    if engine["distribution"] == "elasticsearch" and engine["version"] >= "8":
        assert not info.get("failed") and [s["snapshot"] for s in info["snapshots"]] == ["by-elasticsearch-8.19.21"]
        return
    # Elasticsearch 7.10 and OpenSearch 2 and 3: "Unexpected exception when loading repository data"
    assert info["failed"] and "another engine or a newer version wrote it" in info["msg"], info
