"""es_restore against the real node: plans, conflicts, renames, latest, partial, system indices,
a read-only second repository; existing data is proved untouched by UUID and documents."""

import time

import pytest

from tests.integration.helpers import four_steps, unique

RESTORE = "searchops.snapshots.es_restore"


def conn(stack):
    return {"url": stack["opensearch"]}


def docs(opensearch, index):
    hits = opensearch.request("GET", f"{index}/_search", params={"size": 100, "sort": "_doc"})["hits"]["hits"]
    return sorted((h["_id"], h["_source"]["n"]) for h in hits)


def uuid(opensearch, index):
    return opensearch.request("GET", f"{index}/_settings")[index]["settings"]["index"]["uuid"]


def take(opensearch, repo, name, indices, **extra):
    body = dict({"indices": ",".join(indices), "include_global_state": False}, **extra)
    result = opensearch.request("PUT", f"_snapshot/{repo}/{name}", params={"wait_for_completion": "true"}, json=body)
    return result["snapshot"]


@pytest.fixture
def setup(opensearch, index_factory, fs_repo):
    """Two indices with documents, a snapshot of both."""
    a, b = index_factory(docs=3), index_factory(docs=5)
    repo = fs_repo()
    take(opensearch, repo, "snap", [a, b])
    return {"repo": repo, "a": a, "b": b, "docs": {a: docs(opensearch, a), b: docs(opensearch, b)}}


def test_restore_into_empty_cluster_four_steps(ansible, stack, opensearch, setup):
    a, b = setup["a"], setup["b"]
    opensearch.request("DELETE", f"{a},{b}")
    args = dict(conn(stack), repository=setup["repo"], snapshot="snap", indices=[a, b])
    check, apply, recheck = four_steps(ansible, RESTORE, args)[:3]
    assert sorted(check["plan"]["restore"]) == sorted([a, b]) and "restored_indices" not in check
    assert sorted((r["index"], r["docs"]) for r in apply["restored_indices"]) == sorted([(a, 3), (b, 5)])
    assert sorted(recheck["plan"]["skipped"]) == sorted([a, b])
    assert docs(opensearch, a) == setup["docs"][a] and docs(opensearch, b) == setup["docs"][b]


def test_check_mode_restores_nothing(ansible, stack, opensearch, setup):
    opensearch.request("DELETE", setup["a"])
    result = ansible(
        RESTORE, dict(conn(stack), repository=setup["repo"], snapshot="snap", indices=[setup["a"]]), check=True
    )
    assert result["changed"] and result["plan"]["restore"] == [setup["a"]]
    assert opensearch.request("HEAD", setup["a"], expect=(404,)) is None


def test_rename_beside_the_live_index(ansible, stack, opensearch, setup):
    a = setup["a"]
    before = uuid(opensearch, a)
    args = dict(
        conn(stack),
        repository=setup["repo"],
        snapshot="snap",
        indices=[a],
        rename_pattern="(.+)",
        rename_replacement="restored-$1",
    )
    result = ansible(RESTORE, args)
    copy = f"restored-{a}"
    assert result["restored_indices"] == [{"index": copy, "source": a, "docs": 3}]
    assert docs(opensearch, copy) == docs(opensearch, a) == setup["docs"][a]
    assert uuid(opensearch, a) == before
    opensearch.request("DELETE", copy)


@pytest.mark.parametrize("mode", ["skip", "fail"])
def test_skip_and_fail_never_touch_existing_indices(ansible, stack, opensearch, setup, mode):
    a, b = setup["a"], setup["b"]
    opensearch.request("POST", f"{a}/_doc/extra", params={"refresh": "true"}, json={"n": 99}, expect=(201,))
    opensearch.request("DELETE", b)
    before_uuid, before_docs = uuid(opensearch, a), docs(opensearch, a)
    result = ansible(RESTORE, dict(conn(stack), repository=setup["repo"], snapshot="snap", on_conflict=mode))
    if mode == "skip":
        assert (
            result["changed"]
            and result["plan"]["skipped"] == [a]
            and [r["index"] for r in result["restored_indices"]] == [b]
        )
    else:
        assert result["failed"] and f"exist already: {a}" in result["msg"] and "Nothing was changed" in result["msg"]
        assert opensearch.request("HEAD", b, expect=(404,)) is None  # fail restores nothing at all
    assert uuid(opensearch, a) == before_uuid and docs(opensearch, a) == before_docs


def test_close_restores_over_the_closed_index(ansible, stack, opensearch, setup):
    a = setup["a"]
    opensearch.request("POST", f"{a}/_doc/extra", params={"refresh": "true"}, json={"n": 99}, expect=(201,))
    result = ansible(
        RESTORE, dict(conn(stack), repository=setup["repo"], snapshot="snap", indices=[a], on_conflict="close")
    )
    assert result["changed"] and result["closed_indices"] == [a] and result["deleted_indices"] == []
    assert docs(opensearch, a) == setup["docs"][a]  # the snapshot's documents, open again


def test_delete_replaces_the_index(ansible, stack, opensearch, setup):
    a = setup["a"]
    before = uuid(opensearch, a)
    result = ansible(
        RESTORE, dict(conn(stack), repository=setup["repo"], snapshot="snap", indices=[a], on_conflict="delete")
    )
    assert result["deleted_indices"] == [a] and result["restored_indices"][0]["docs"] == 3
    assert uuid(opensearch, a) != before and docs(opensearch, a) == setup["docs"][a]


def test_latest_successful_snapshot(ansible, stack, opensearch, setup, index_factory):
    newer = index_factory(docs=2)
    time.sleep(0.25)  # OpenSearch's snapshot clock ticks every 200 ms
    taken = take(opensearch, setup["repo"], "snap-newer", [newer])
    opensearch.request("DELETE", newer)
    result = ansible(RESTORE, dict(conn(stack), repository=setup["repo"], snapshot="latest"))
    assert result["snapshot"]["snapshot"] == "snap-newer" and result["snapshot"]["uuid"] == taken["uuid"]
    assert result["snapshot"]["state"] == "SUCCESS" and result["snapshot"]["indices"] == [newer]
    assert result["restored_indices"] == [{"index": newer, "source": newer, "docs": 2}]
    only_snap = ansible(
        RESTORE,
        dict(
            conn(stack),
            repository=setup["repo"],
            snapshot="latest",
            snapshots=["nothing-*", "snap"],  # the newest matching any of them: not snap-newer
            on_conflict="fail",
            indices=[setup["b"]],
            rename_pattern="(.+)",
            rename_replacement="l-$1",
        ),
    )
    assert only_snap["snapshot"]["snapshot"] == "snap"
    opensearch.request("DELETE", f"l-{setup['b']}")
    none = ansible(RESTORE, dict(conn(stack), repository=setup["repo"], snapshot="latest", snapshots=["nothing-*"]))
    assert none["failed"] and "No successful snapshot matching ['nothing-*']" in none["msg"]


def test_partial_snapshot_needs_partial(ansible, stack, opensearch, index_factory, fs_repo):
    good = index_factory(docs=2)
    red = index_factory(docs=0, settings={"index.routing.allocation.require._name": "no-such-node"})
    repo = fs_repo()
    assert take(opensearch, repo, "partial", [good, red], partial=True)["state"] == "PARTIAL"
    opensearch.request("DELETE", f"{good},{red}")
    refused = ansible(
        RESTORE,
        dict(
            conn(stack),
            repository=repo,
            snapshot="partial",
            indices=[red],
            index_settings={"index.routing.allocation.require._name": None},
        ),
    )
    assert refused["failed"] and red in refused["msg"]
    accepted = ansible(
        RESTORE,
        dict(
            conn(stack),
            repository=repo,
            snapshot="partial",
            partial=True,
            wait=False,
            ignore_index_settings=["index.routing.allocation.require._name"],
        ),
    )
    assert accepted["changed"] and sorted(r["index"] for r in accepted["restored_indices"]) == sorted([good, red])


def test_system_indices_are_left_out_by_default(ansible, stack, opensearch, index_factory, fs_repo, cleanup):
    # a name an engine reserves (.opendistro*) is left out; a dot name no engine reserves is the user's
    user = index_factory(docs=1)
    system, hidden = f".opendistro-searchops-{unique('x')}", f".searchops-hidden-{unique('x')}"
    cleanup["indices"] += [system, hidden]
    for name in (system, hidden):
        opensearch.request("PUT", name, json={"settings": {"number_of_replicas": 0}})
    repo = fs_repo()
    take(opensearch, repo, "with-system", [user, system, hidden])
    opensearch.request("DELETE", f"{user},{system},{hidden}")
    result = ansible(RESTORE, dict(conn(stack), repository=repo, snapshot="with-system"))
    assert result["plan"]["excluded_system"] == [system]
    assert "reserved by OpenSearch and Open Distro plugins" in result["plan"]["excluded_reasons"][system]
    assert sorted(r["index"] for r in result["restored_indices"]) == sorted([user, hidden])
    assert opensearch.request("HEAD", system, expect=(404,)) is None


def test_read_only_second_repository_restores_the_same_snapshot(
    ansible, stack, opensearch, s3, bucket, index_factory, cleanup
):
    index = index_factory(docs=4)
    writer, reader = unique("writer"), unique("reader")
    cleanup["repositories"] += [reader, writer]
    opensearch.request("PUT", f"_snapshot/{writer}", json={"type": "s3", "settings": {"bucket": bucket}})
    take(opensearch, writer, "migrate", [index])
    expected = docs(opensearch, index)
    opensearch.request("DELETE", index)
    ansible(
        "searchops.snapshots.es_snapshot_repo",
        dict(conn(stack), repository=reader, settings={"bucket": bucket, "readonly": True}),
    )
    result = ansible(RESTORE, dict(conn(stack), repository=reader, snapshot="migrate"))
    assert result["restored_indices"] == [{"index": index, "source": index, "docs": 4}]
    assert docs(opensearch, index) == expected


def test_rename_collision_refused_before_any_request(ansible, stack, setup):
    args = dict(conn(stack), repository=setup["repo"], snapshot="snap", rename_pattern=".*", rename_replacement="same")
    result = ansible(RESTORE, args)
    assert result["failed"] and "several indices onto one name" in result["msg"]


def state(opensearch, index):
    """open, close, or None when the index does not exist."""
    body = opensearch.request("GET", f"_cluster/state/metadata/{index}", params={"expand_wildcards": "all"})
    meta = body["metadata"]["indices"].get(index)
    return meta and meta["state"]


def test_a_partial_snapshot_replaces_nothing_unless_the_index_is_complete(
    ansible, stack, opensearch, index_factory, fs_repo
):
    """A PARTIAL snapshot named explicitly: without partial: true neither delete nor close touch
    the live index; with it, an index whose shards the snapshot lacks is not replaced either,
    while a complete one is."""
    live = index_factory(docs=3)
    red = index_factory(docs=0, settings={"index.routing.allocation.require._name": "no-such-node"})
    repo = fs_repo()
    assert take(opensearch, repo, "partial", [live, red], partial=True)["state"] == "PARTIAL"
    opensearch.request("POST", f"{live}/_doc/extra", params={"refresh": "true"}, json={"n": 99}, expect=(201,))
    before = {live: (uuid(opensearch, live), docs(opensearch, live)), red: uuid(opensearch, red)}
    base = dict(conn(stack), repository=repo, snapshot="partial")
    for mode in ("delete", "close"):
        refused = ansible(RESTORE, dict(base, indices=[live], on_conflict=mode))
        assert refused["failed"] and "Snapshot partial is PARTIAL" in refused["msg"], refused
        assert "Nothing was changed" in refused["msg"]
        assert (uuid(opensearch, live), docs(opensearch, live)) == before[live] and state(opensearch, live) == "open"
    lacking = ansible(RESTORE, dict(base, indices=[red], on_conflict="delete", partial=True))
    assert lacking["failed"] and f"lacks shards of {red}" in lacking["msg"] and uuid(opensearch, red) == before[red]
    complete = ansible(RESTORE, dict(base, indices=[live], on_conflict="delete", partial=True))
    assert complete["deleted_indices"] == [live] and complete["restored_indices"][0]["docs"] == 3
    assert uuid(opensearch, live) != before[live][0] and len(docs(opensearch, live)) == 3


def test_a_snapshot_without_the_index_leaves_it_untouched(ansible, stack, opensearch, setup, index_factory):
    other = index_factory(docs=2)
    before = (uuid(opensearch, other), docs(opensearch, other))
    args = dict(conn(stack), repository=setup["repo"], snapshot="snap", indices=[other], on_conflict="delete")
    result = ansible(RESTORE, args)
    assert result["failed"] and f"The snapshot has no index or data stream named {other!r}" in result["msg"]
    assert (uuid(opensearch, other), docs(opensearch, other)) == before


def test_empty_indices_fails_and_changes_nothing(ansible, stack, opensearch, setup):
    a, b = setup["a"], setup["b"]
    before = {i: uuid(opensearch, i) for i in (a, b)}
    args = dict(conn(stack), repository=setup["repo"], snapshot="snap", indices=[], on_conflict="delete")
    result = ansible(RESTORE, args)
    assert result["failed"] and "indices is empty" in result["msg"] and "Omit indices" in result["msg"]
    assert {i: uuid(opensearch, i) for i in (a, b)} == before
    assert docs(opensearch, a) == setup["docs"][a] and docs(opensearch, b) == setup["docs"][b]


def refused_restore(stack, setup, on_conflict):
    """Arguments of a restore of setup's first index that the server refuses once the module has
    closed or deleted it: number_of_shards cannot change on restore."""
    return dict(
        conn(stack),
        repository=setup["repo"],
        snapshot="snap",
        indices=[setup["a"]],
        on_conflict=on_conflict,
        index_settings={"index.number_of_shards": 3},
    )


def test_close_then_a_refused_restore_reopens_the_index(ansible, stack, opensearch, setup):
    """The server refuses the restore after the module closed the index: the index is open again
    with its live documents, and the result says so."""
    a = setup["a"]
    opensearch.request("POST", f"{a}/_doc/extra", params={"refresh": "true"}, json={"n": 99}, expect=(201,))
    before = (uuid(opensearch, a), docs(opensearch, a))
    result = ansible(RESTORE, refused_restore(stack, setup, "close"))
    assert result["failed"] and "number_of_shards" in result["msg"], result
    assert (
        result["closed_indices"] == [a]
        and result["reopened_indices"] == [a]
        and result["deleted_indices"] == []
        and result["restored_indices"] == []
    )
    assert f"Done before the failure: closed {a}; reopened {a}" in result["msg"]
    assert state(opensearch, a) == "open" and (uuid(opensearch, a), docs(opensearch, a)) == before


def test_delete_then_a_refused_restore_says_what_was_deleted(ansible, stack, opensearch, setup):
    a = setup["a"]
    args = refused_restore(stack, setup, "delete")
    result = ansible(RESTORE, args)
    assert result["failed"] and result["deleted_indices"] == [a] and result["restored_indices"] == [], result
    assert f"Done before the failure: deleted {a}" in result["msg"] and "run again" in result["msg"]
    assert state(opensearch, a) is None
    again = ansible(RESTORE, dict(args, index_settings={}))
    assert again["restored_indices"][0]["docs"] == 3 and docs(opensearch, a) == setup["docs"][a]


def test_bad_renames_fail_cleanly_and_in_bounded_time(ansible, stack, opensearch, index_factory, fs_repo):
    """An unknown group, nested quantifiers, and a pattern that backtracks polynomially on a long
    index name: each a clean failure naming the option, before any request that changes anything."""
    long_name = index_factory(name=unique("a" * 200), docs=1)
    repo = fs_repo()
    take(opensearch, repo, "snap", [long_name])
    before = uuid(opensearch, long_name)
    base = dict(conn(stack), repository=repo, snapshot="snap", on_conflict="delete")
    cases = {
        "${nope}": ("(.+)", "rename_replacement '${nope}' refers to group 'nope'"),
        "x": ("(a+)+c", "nests a repetition inside a repetition"),
        "y": ("(.*)(.*)(.*)(.*)x", "took more than 1s on the snapshot's 1 index names (catastrophic backtracking)"),
    }
    for replacement, (pattern, message) in cases.items():
        result = ansible(RESTORE, dict(base, rename_pattern=pattern, rename_replacement=replacement))
        assert result["failed"] and message in result["msg"], result
        assert "Traceback" not in result["msg"]
    assert uuid(opensearch, long_name) == before


def test_restored_documents_are_counted_as_search_counts_them(ansible, stack, opensearch, fs_repo, cleanup):
    """A document with nested objects is one document (GET _count), not one per nested object as the
    index's Lucene statistics count it."""
    index = unique("nested")
    cleanup["indices"].append(index)
    opensearch.request("PUT", index, json={"mappings": {"properties": {"tags": {"type": "nested"}}}})
    for n in range(2):
        body = {"n": n, "tags": [{"t": "a"}, {"t": "b"}, {"t": "c"}]}
        opensearch.request("PUT", f"{index}/_doc/{n}", expect=(201,), params={"refresh": "true"}, json=body)
    repo = fs_repo()
    take(opensearch, repo, "snap", [index])
    opensearch.request("DELETE", index)
    result = ansible(RESTORE, dict(conn(stack), repository=repo, snapshot="snap", indices=[index]))
    assert result["restored_indices"] == [{"index": index, "source": index, "docs": 2}]
    assert opensearch.request("GET", f"{index}/_count")["count"] == 2
