"""Fault injection against the real stack (issue 11): the modules run through ansible-playbook
against a fault proxy in front of the node (toxiproxy for TCP faults; nginx in front of it for
HTTP faults), or while the node restarts, moto's S3 fails, or ansible-playbook is killed. What
must hold is then read from the node itself with plain HTTP, never through the proxy: one
snapshot (not two), no index lost, `changed` true to what happened, a clean error (a message
saying what happened, no traceback) in bounded time.

The proxies (tools/stack.py): `faults.opensearch` is toxiproxy's listener in front of the node;
`faults.http` is nginx in front of it, where /lose-<method>/ sends that method through a second
toxiproxy listener (`opensearch_lossy`) so its answer alone can be delayed past nginx's read
timeout (a 504 after the node acted), and /storm-429/ and /storm-503/ are rate limits.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.integration.faults import (
    INJECTED,
    ROOT,
    Background,
    Toxiproxy,
    injected,
    node_healthy,
    restart_node,
    wait_for,
)
from tests.integration.helpers import drill_copies, report, unique

SNAPSHOT = "searchops.snapshots.es_snapshot"
RESTORE = "searchops.snapshots.es_restore"
INFO = "searchops.snapshots.es_snapshot_info"
# A module run ends well within this (seconds) whatever the fault; a run that does not is a hang.
RUN_BOUND = 180


@pytest.fixture
def restored_indices(opensearch, cleanup):
    """Indices deleted before `cleanup` empties the repositories: deleting an index being
    restored ends its restore, and a snapshot cannot be deleted while a restore reads it."""
    names = []
    yield names
    for name in names:
        opensearch.request("DELETE", name, expect=(200, 404))


@pytest.fixture(scope="session")
def toxiproxy(stack, request):
    proxy = Toxiproxy(stack["toxiproxy"])
    proxy.reset()
    yield proxy
    proxy.reset()
    if INJECTED:
        kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(INJECTED.items()))
        report(request, f"faults injected: {sum(INJECTED.values())} ({kinds})")


@pytest.fixture
def faults(toxiproxy, stack, opensearch):
    """The fault proxies' addresses; afterwards (also when the test failed) every toxic is
    removed and the node is healthy again, for the tests that follow in the same run."""
    toxiproxy.reset()
    yield stack["faults"]
    toxiproxy.reset()
    if not node_healthy(opensearch):
        subprocess.run([sys.executable, str(ROOT / "tools" / "stack.py"), "up"], capture_output=True, check=False)
        wait_for(lambda: node_healthy(opensearch), 240, "the node to be healthy again", interval=1)


def snapshots(opensearch, repo):
    """Every snapshot of the repository, as the node lists them."""
    return opensearch.request("GET", f"_snapshot/{repo}/_all")["snapshots"]


def snapshot_state(opensearch, repo, name):
    found = opensearch.request("GET", f"_snapshot/{repo}/{name}", expect=(200, 404)) or {}
    listed = found.get("snapshots") or []
    return listed[0]["state"] if listed else None


def module_calls(opensearch):
    """How often the node served each REST action (GET _nodes/usage; these reads left out)."""
    (usage,) = opensearch.request("GET", "_nodes/usage")["nodes"].values()
    return {action: count for action, count in usage["rest_actions"].items() if action != "nodes_usage_action"}


def next_calls(opensearch, previous):
    """The node's REST usage counters once they moved on from previous (a request arrived)."""

    def moved():
        now = module_calls(opensearch)
        return now if now != previous else None

    return wait_for(moved, 60, "the module's next request")


def reset_the_answer_to(action, toxiproxy, opensearch, calls):
    """Reset the connection of the module's request for `action` (a REST action name) once the
    node has it, whatever the module sends before it. Every request reaches the node 1.5 s
    late (an upstream latency toxic, added by the caller before the module started), and the
    node's usage counters show each arrival: after a request whose answer got through, the
    reset is put in place for the next one; a request reset on the way (a GET, which the module
    retries) takes it away again, so that the retry gets through. Once `action` arrived (its
    answer lost), the module's next request is reset too, then every toxic is removed."""
    armed = hit = False
    while True:
        previous, calls = calls, next_calls(opensearch, calls)
        arrived = {name for name, count in calls.items() if count != previous.get(name, 0)}
        if hit:
            toxiproxy.reset()
            return
        if action in arrived:
            assert armed, f"{action} arrived before the reset was in place"
            hit = True
        elif armed:
            toxiproxy.remove("opensearch", "reset_peer-downstream")
            armed = False
        else:
            time.sleep(0.3)  # this request's answer is on its way; the next one is 1.5 s away
            toxiproxy.add("opensearch", "reset_peer", timeout=0)
            armed = True


def exists(opensearch, index):
    return opensearch.session.head(f"{opensearch.url}/{index}", timeout=30).status_code == 200


def docs(opensearch, index):
    return opensearch.request("GET", f"{index}/_count")["count"]


def take_snapshot(opensearch, repo, index, name=None):
    """Snapshot the index straight on the node (not the module under test); returns the name."""
    name = name or unique("snap")
    opensearch.request(
        "PUT", f"_snapshot/{repo}/{name}", params={"wait_for_completion": "true"}, json={"indices": index}
    )
    return name


def start_slow_restore(ansible, faults, opensearch, index_factory, fs_repo, restored_indices, **args):
    """es_restore of an index, renamed to restored-<index>, from a repository that restores
    slowly, in the background; returns (index, restored name, run) once the restore started."""
    index, repo = slow_snapshot_setup(index_factory, fs_repo, max_restore_bytes_per_sec="250kb")
    snap = take_snapshot(opensearch, repo, index)
    restored = f"restored-{index}"
    restored_indices.append(restored)
    args = dict({"url": faults["opensearch"], "repository": repo, "snapshot": snap, "indices": [index]}, **args)
    args.update(rename_pattern="(.+)", rename_replacement="restored-$1")
    run = Background(ansible, RESTORE, args)
    wait_for(lambda: exists(opensearch, restored), 60, "the restore to start")
    return index, restored, run


def lose_answers(toxiproxy, faults):
    """Answers through /lose-<method>/ come later than nginx waits: it answers 504, the node acted."""
    latency = faults["http_read_timeout"] * 1000 + 2000
    toxiproxy.add("opensearch_lossy", "latency", label="HTTP 504 after the node acted", latency=latency)


def assert_clean(result):
    """A result Ansible got from the module (no crash), without a traceback anywhere."""
    assert result is not None, "ansible-playbook gave no result"
    text = json.dumps(result)
    assert "Traceback" not in text and "module_stderr" not in result, result
    if result.get("failed"):
        assert result.get("msg"), result


def slow_snapshot_setup(index_factory, fs_repo, **repo_settings):
    """An index of about 1 MB on disk and an fs repository throttled so that snapshotting it
    takes seconds: a wait a fault can hit."""
    index = index_factory(docs=100, size=20000)
    repo = fs_repo(**(repo_settings or {"max_snapshot_bytes_per_sec": "250kb"}))
    return index, repo


# ---------------------------------------------------------------- a. connection reset


def test_reset_after_create_was_sent_leaves_one_snapshot(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo
):
    """The PUT reaches the node, which starts the snapshot; its answer never arrives (TCP reset)."""
    if opensearch.session.get(opensearch.url, timeout=30).status_code == 405:
        pytest.skip(
            "the node has no root endpoint (Elasticsearch 8's integ-test-zip: GET / answers 405), and its usage "
            "counters, which time this test's reset, do not count such a request"
        )
    index = index_factory(docs=10)
    repo = fs_repo()
    name = unique("snap")
    toxiproxy.add("opensearch", "latency", stream="upstream", latency=1500)
    calls = module_calls(opensearch)
    run = Background(
        ansible, SNAPSHOT, {"url": faults["opensearch"], "repository": repo, "snapshot": name, "indices": [index]}
    )
    reset_the_answer_to("create_snapshot_action", toxiproxy, opensearch, calls)

    result, _output = run.join(RUN_BOUND)

    assert_clean(result)
    assert [s["snapshot"] for s in snapshots(opensearch, repo)] == [name]
    assert not result.get("failed"), result
    assert result["snapshot"]["state"] == "SUCCESS" == snapshot_state(opensearch, repo, name)
    assert result["changed"] is True, result  # this run created it


# ---------------------------------------------------------------- b. answers later than request_timeout


def test_answers_later_than_request_timeout_fail_cleanly_in_bounded_time(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo
):
    """Every answer 3 s late, request_timeout 1 s: the module gives up after its one retry,
    says the node did not answer in time, and nothing is created."""
    index = index_factory(docs=10)
    repo = fs_repo()
    name = unique("snap")
    toxiproxy.add("opensearch", "latency", latency=3000)
    args = {"url": faults["opensearch"], "repository": repo, "snapshot": name, "indices": [index]}

    result = ansible(SNAPSHOT, dict(args, request_timeout=1, retries=1, wait_timeout=30))
    info = ansible(INFO, {"url": faults["opensearch"], "repository": repo, "request_timeout": 1, "retries": 1})

    for failed in (result, info):
        assert_clean(failed)
        assert failed.get("failed"), failed
        assert "did not answer within 1s" in failed["msg"], failed
    assert snapshots(opensearch, repo) == []


def test_create_answer_later_than_request_timeout_leaves_one_snapshot(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo
):
    """Only the PUT's answer is late (5 s, request_timeout 2 s): the node started the snapshot,
    the module timed out. It must find that snapshot, not take a second one, and say it created it."""
    index = index_factory(docs=10)
    repo = fs_repo()
    name = unique("snap")
    toxiproxy.add("opensearch_lossy", "latency", label="create answered after request_timeout", latency=5000)
    args = {"url": f"{faults['http']}/lose-put", "repository": repo, "snapshot": name, "indices": [index]}

    result = ansible(SNAPSHOT, dict(args, request_timeout=2))

    assert_clean(result)
    assert [s["snapshot"] for s in snapshots(opensearch, repo)] == [name]
    assert not result.get("failed"), result
    assert result["changed"] is True, result


def test_polls_later_than_request_timeout_end_the_wait_in_bounded_time(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo
):
    """The snapshot started; then every answer is later than request_timeout. The wait ends by
    wait_timeout (plus one request) with a clean error; the snapshot goes on, alone."""
    index, repo = slow_snapshot_setup(index_factory, fs_repo)
    name = unique("snap")
    args = {"url": faults["opensearch"], "repository": repo, "snapshot": name, "indices": [index]}
    run = Background(ansible, SNAPSHOT, dict(args, request_timeout=2, retries=2, wait_timeout=20))
    wait_for(lambda: snapshot_state(opensearch, repo, name) == "IN_PROGRESS", 60, "the snapshot to start")
    toxiproxy.add("opensearch", "latency", latency=4000)

    result, took = run.join(RUN_BOUND)

    assert_clean(result)
    assert [s["snapshot"] for s in snapshots(opensearch, repo)] == [name]
    if result.get("failed"):
        assert "within" in result["msg"] or "IN_PROGRESS" in result["msg"], result
    else:
        assert snapshot_state(opensearch, repo, name) == "SUCCESS"
    # wait_timeout 20 s, plus ansible-playbook's start (a few seconds) and one request_timeout
    assert took < 20 + 15 + 2, f"the module ran {took:.0f}s with wait_timeout 20"


def test_restore_polls_later_than_request_timeout_end_the_wait_in_bounded_time(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo, restored_indices
):
    """The restore started; then every answer is 10 s late (request_timeout 8 s, 3 retries).
    wait_timeout 5 s must bound the wait, not (3 + 1) x 8 s per poll."""
    index, restored, run = start_slow_restore(
        ansible,
        faults,
        opensearch,
        index_factory,
        fs_repo,
        restored_indices,
        request_timeout=8,
        retries=3,
        wait_timeout=5,
    )
    toxiproxy.add("opensearch", "latency", latency=10000)

    result, took = run.join(RUN_BOUND)

    assert_clean(result)
    assert result.get("failed") and "wait_timeout" in result["msg"], result
    # wait_timeout 5 s, plus ansible-playbook's start and the planning requests (a few seconds)
    # and one request_timeout; today's overshoot is about 4 x 8 s
    assert took < 5 + 12 + 8, f"the module ran {took:.0f}s with wait_timeout 5"


# ---------------------------------------------------------------- c. 504 after the node acted


def test_create_answered_504_after_the_node_acted(ansible, faults, toxiproxy, opensearch, index_factory, fs_repo):
    index = index_factory(docs=10)
    repo = fs_repo()
    name = unique("snap")
    lose_answers(toxiproxy, faults)

    result = ansible(
        SNAPSHOT, {"url": f"{faults['http']}/lose-put", "repository": repo, "snapshot": name, "indices": [index]}
    )

    assert_clean(result)
    assert [s["snapshot"] for s in snapshots(opensearch, repo)] == [name]
    assert not result.get("failed"), result
    assert result["snapshot"]["state"] == "SUCCESS"
    assert result["changed"] is True, result


def test_restore_delete_answered_504_still_restores(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo, cleanup
):
    """on_conflict: delete; the node deletes the live index but the answer is lost (504). The
    module must read the state, see the index gone, and restore it: no index lost."""
    index = index_factory(docs=10)
    repo = fs_repo()
    snap = take_snapshot(opensearch, repo, index)
    # the live index moves on from the snapshot
    opensearch.request("POST", f"{index}/_doc", params={"refresh": "true"}, json={"n": 99}, expect=(201,))
    assert docs(opensearch, index) == 11
    lose_answers(toxiproxy, faults)

    result = ansible(
        RESTORE,
        {
            "url": f"{faults['http']}/lose-delete",
            "repository": repo,
            "snapshot": snap,
            "indices": [index],
            "on_conflict": "delete",
            "retries": 1,
            "wait_timeout": 60,
        },
    )

    assert_clean(result)
    toxiproxy.reset()
    # no index lost: it is there again, as the snapshot holds it
    assert exists(opensearch, index)
    opensearch.request("GET", "_cluster/health/" + index, params={"wait_for_status": "green", "timeout": "30s"})
    assert docs(opensearch, index) == 10
    assert not result.get("failed"), result
    assert result["changed"] is True and result["deleted_indices"] == [index], result


def test_restore_answered_504_after_the_node_acted(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo, restored_indices
):
    """The restore POST reaches the node, which starts restoring; the answer is lost. The
    module must see the restore under way, wait for it and report it."""
    index = index_factory(docs=10)
    repo = fs_repo()
    snap = take_snapshot(opensearch, repo, index)
    restored = f"restored-{index}"
    restored_indices.append(restored)
    lose_answers(toxiproxy, faults)
    args = {"repository": repo, "snapshot": snap, "indices": [index], "retries": 1, "wait_timeout": 60}
    args.update(url=f"{faults['http']}/lose-post", rename_pattern="(.+)", rename_replacement="restored-$1")

    result = ansible(RESTORE, args)

    assert_clean(result)
    assert exists(opensearch, restored)  # the node restored it
    opensearch.request("GET", f"_cluster/health/{restored}", params={"wait_for_status": "green", "timeout": "30s"})
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["restored_indices"] == [{"index": restored, "source": index, "docs": 10}], result


def test_snapshot_delete_answered_504_after_the_node_acted(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo
):
    """Deleting a large snapshot on S3 often outlasts a proxy's timeout: every DELETE's answer
    is a 504, the retry's too. The snapshot is gone: the module must say so, not fail."""
    index = index_factory(docs=10)
    repo = fs_repo()
    name = take_snapshot(opensearch, repo, index)
    lose_answers(toxiproxy, faults)

    result = ansible(
        SNAPSHOT,
        {"url": f"{faults['http']}/lose-delete", "repository": repo, "snapshot": name, "state": "absent", "retries": 1},
    )

    assert_clean(result)
    assert snapshots(opensearch, repo) == []
    assert not result.get("failed"), result
    assert result["changed"] is True


# ---------------------------------------------------------------- d. 429/503 storms


def prime(faults, storm):
    """Spend the rate limit's allowance, so that the module's requests meet the storm."""
    requests.get(f"{faults['http']}/storm-{storm}/", timeout=10)
    injected(f"HTTP {storm} storm")


def test_429_storm_that_ends_is_retried_with_backoff(ansible, faults, opensearch, index_factory, fs_repo):
    """One request per 3 s gets through: the listing is retried with backoff until it does."""
    index = index_factory(docs=10)
    repo = fs_repo()
    snap = take_snapshot(opensearch, repo, index)
    prime(faults, 429)

    result = ansible(INFO, {"url": f"{faults['http']}/storm-429", "repository": repo})

    assert_clean(result)
    assert not result.get("failed"), result
    assert [s["snapshot"] for s in result["snapshots"]] == [snap]
    assert any("429" in warning for warning in result.get("warnings", [])), result  # the storm was met


def test_429_storm_that_ends_does_not_fail_a_snapshot(ansible, faults, opensearch, index_factory, fs_repo):
    index = index_factory(docs=10)
    repo = fs_repo()
    name = unique("snap")
    prime(faults, 429)

    result = ansible(
        SNAPSHOT, {"url": f"{faults['http']}/storm-429", "repository": repo, "snapshot": name, "indices": [index]}
    )

    assert_clean(result)
    assert [s["snapshot"] for s in snapshots(opensearch, repo)] == [name]
    assert not result.get("failed"), result
    assert result["changed"] is True


def test_503_storm_that_never_ends_fails_cleanly(ansible, faults, opensearch, index_factory, fs_repo):
    """One request a minute gets through: after its retries the module fails, saying 503."""
    index = index_factory(docs=10)
    repo = fs_repo()
    name = unique("snap")
    prime(faults, 503)
    url = f"{faults['http']}/storm-503"

    info = ansible(INFO, {"url": url, "repository": repo, "retries": 2})
    result = ansible(SNAPSHOT, {"url": url, "repository": repo, "snapshot": name, "indices": [index], "retries": 2})

    for failed in (info, result):
        assert_clean(failed)
        assert failed.get("failed") and "HTTP 503" in failed["msg"], failed
    assert snapshots(opensearch, repo) == []


# ---------------------------------------------------------------- e. node restarted during a wait


def test_node_restarted_during_snapshot_wait(ansible, faults, opensearch, index_factory, fs_repo):
    index, repo = slow_snapshot_setup(index_factory, fs_repo)
    name = unique("snap")
    run = Background(
        ansible,
        SNAPSHOT,
        {"url": faults["opensearch"], "repository": repo, "snapshot": name, "indices": [index], "wait_timeout": 150},
    )
    wait_for(lambda: snapshot_state(opensearch, repo, name) == "IN_PROGRESS", 60, "the snapshot to start")

    restart_node(opensearch, index)
    result, _output = run.join(RUN_BOUND)

    assert_clean(result)
    assert docs(opensearch, index) == 100  # no index lost
    listed = snapshots(opensearch, repo)
    assert len(listed) <= 1, listed
    state = listed[0]["state"] if listed else None
    if result.get("failed"):
        # says what happened: the node went away, or what became of the snapshot
        assert faults["opensearch"] in result["msg"] or name in result["msg"], result
    else:
        # success only for a snapshot that really succeeded
        assert state == "SUCCESS" == result["snapshot"]["state"], (result, listed)


def test_node_restarted_during_restore_wait(ansible, faults, opensearch, index_factory, fs_repo, restored_indices):
    index, restored, run = start_slow_restore(
        ansible, faults, opensearch, index_factory, fs_repo, restored_indices, wait_timeout=150
    )

    restart_node(opensearch, index)
    result, _output = run.join(RUN_BOUND)

    assert_clean(result)
    assert docs(opensearch, index) == 100  # the source index is untouched
    if result.get("failed"):
        assert faults["opensearch"] in result["msg"] or restored in result["msg"], result
    else:
        # reported restored: it is, completely
        health = opensearch.request("GET", f"_cluster/health/{restored}")
        assert health["status"] == "green", health
        assert result["restored_indices"] == [{"index": restored, "source": index, "docs": 100}], result
        assert docs(opensearch, restored) == 100


# ---------------------------------------------------------------- f. S3 failing during a snapshot


def snapshot_with_s3_failing(ansible, faults, toxiproxy, opensearch, index_factory, bucket, cleanup):
    """The repository's S3 client talks to moto through toxiproxy (node setting
    s3.client.faults.*), which closes every S3 connection after 64 KiB sent: the small blobs
    (repository metadata) get through, the shard's large data file does not, however often the
    client retries. Returns the index, the module's result and the repository's snapshots."""
    index = index_factory(docs=100, size=20000)
    repo = unique("s3")
    cleanup["repositories"].append(repo)
    opensearch.request(
        "PUT", f"_snapshot/{repo}", json={"type": "s3", "settings": {"bucket": bucket, "client": "faults"}}
    )
    toxiproxy.add("s3", "limit_data", stream="upstream", bytes=64 * 1024)
    args = {"url": faults["opensearch"], "repository": repo, "snapshot": unique("snap"), "indices": [index]}
    result = ansible(SNAPSHOT, dict(args, wait_timeout=150))
    toxiproxy.reset()
    return index, result, snapshots(opensearch, repo)


def test_s3_failing_during_snapshot_is_never_reported_success(
    ansible, faults, toxiproxy, opensearch, index_factory, bucket, cleanup
):
    """The snapshot ends PARTIAL or FAILED, and es_snapshot fails with the per-shard reasons."""
    index, result, listed = snapshot_with_s3_failing(
        ansible, faults, toxiproxy, opensearch, index_factory, bucket, cleanup
    )

    assert_clean(result)
    assert len(listed) == 1 and listed[0]["state"] in ("PARTIAL", "FAILED"), listed
    assert result.get("failed"), result
    assert f"{index}[0]:" in result["msg"], result  # the shard's reason
    assert result["snapshot"]["state"] == listed[0]["state"]


def test_snapshot_taken_then_failed_reports_changed(
    ansible, faults, toxiproxy, opensearch, index_factory, bucket, cleanup
):
    """This run took the snapshot (it is in the repository now, PARTIAL): changed is true."""
    _index, result, listed = snapshot_with_s3_failing(
        ansible, faults, toxiproxy, opensearch, index_factory, bucket, cleanup
    )

    assert len(listed) == 1 and result.get("failed"), (result, listed)
    assert result["changed"] is True, result


# ---------------------------------------------------------------- g. ansible-playbook killed


def test_playbook_killed_during_wait_then_run_again(ansible, faults, opensearch, index_factory, fs_repo):
    index, repo = slow_snapshot_setup(index_factory, fs_repo)
    name = unique("snap")
    args = {"url": faults["opensearch"], "repository": repo, "snapshot": name, "indices": [index], "wait_timeout": 150}
    first = Background(ansible, SNAPSHOT, args)
    wait_for(lambda: snapshot_state(opensearch, repo, name) == "IN_PROGRESS", 60, "the snapshot to start")

    first.kill()
    killed, _output = first.join(60)
    second = ansible(SNAPSHOT, args)

    assert killed is None, killed  # no result from the killed run
    assert_clean(second)
    assert [s["snapshot"] for s in snapshots(opensearch, repo)] == [name]
    assert not second.get("failed"), second
    # the second run attached to the snapshot the first one took: it took none itself
    assert second["changed"] is False, second
    assert second["snapshot"]["state"] == "SUCCESS" == snapshot_state(opensearch, repo, name)


# ---------------------------------------------------------------- restore drills (issue 17)

VERIFY = "searchops.snapshots.es_snapshot_verify"
DRILL_PREFIX = "searchops-drill-"


def running_drills(opensearch):
    query = {"query": {"term": {"state": "running"}}}
    answer = opensearch.request("GET", "searchops-drills/_search", json=query, expect=(200, 404))
    return [hit["_id"] for hit in (answer.get("hits") or {}).get("hits", [])]


def test_a_killed_drill_leaves_copies_the_next_drill_deletes_first(
    ansible, faults, opensearch, index_factory, fs_repo, drills
):
    """ansible-playbook is killed (SIGKILL: no handler runs) while the drill's copy is being restored:
    the copy stays, and its record says running. The next drill deletes that copy first (changed), marks
    the record interrupted, and passes."""
    index, repo = slow_snapshot_setup(index_factory, fs_repo, max_restore_bytes_per_sec="250kb")
    taken = ansible(
        SNAPSHOT, {"url": opensearch.url, "repository": repo, "snapshot": unique("snap"), "indices": [index]}
    )
    assert taken["snapshot"]["state"] == "SUCCESS", taken
    args = {"url": opensearch.url, "repository": repo, "snapshot": taken["snapshot"]["snapshot"]}
    run = Background(ansible, VERIFY, args)
    copy = DRILL_PREFIX + index
    wait_for(lambda: exists(opensearch, copy), 60, "the drill's restore to start")
    run.kill()
    run.join(RUN_BOUND)
    (killed,) = running_drills(opensearch)
    drills.append(killed)
    assert drill_copies(opensearch) == [copy]

    result = ansible(VERIFY, args)
    drills.append(result.get("drill"))
    assert_clean(result)
    assert not result.get("failed") and result["changed"], result
    assert result["deleted_leftovers"] == [copy] and result["plan"]["leftovers"] == [copy]
    assert result["indices"][index]["result"] == "pass"
    assert drill_copies(opensearch) == [] and running_drills(opensearch) == []
    record = opensearch.request("GET", f"searchops-drills/_doc/{killed}")["_source"]
    assert record["state"] == "interrupted"


def test_writes_during_the_snapshot_fail_an_exact_drill_and_pass_within_a_tolerance(
    ansible, faults, toxiproxy, opensearch, index_factory, fs_repo, drills
):
    """A writer indexes into one index all through es_snapshot, whose requests are each 300 ms late
    (toxiproxy): documents land between the manifest's count and the snapshot. The manifest's sequence
    numbers show it: with count_tolerance 0 that index fails, naming both counts; the quiet index in
    the same snapshot passes exactly; a tolerance large enough passes."""
    busy, quiet = index_factory(docs=10), index_factory(docs=10)
    repo = fs_repo()
    written = []
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            opensearch.request("POST", f"{busy}/_doc", json={"n": len(written)}, expect=(201,))
            written.append(1)
            time.sleep(0.02)

    thread = threading.Thread(target=writer, daemon=True)
    toxiproxy.add("opensearch", "latency", latency=300)
    thread.start()
    try:
        taken = ansible(
            SNAPSHOT,
            {"url": faults["opensearch"], "repository": repo, "snapshot": unique("snap"), "indices": [busy, quiet]},
        )
    finally:
        stop.set()
        thread.join(10)
        toxiproxy.reset()
    assert taken["snapshot"]["state"] == "SUCCESS", taken
    args = {"url": opensearch.url, "repository": repo, "snapshot": taken["snapshot"]["snapshot"]}

    exact = ansible(VERIFY, args)
    drills.append(exact.get("drill"))
    assert_clean(exact)
    assert exact["failed"], exact
    verdict = exact["indices"][busy]
    assert verdict["result"] == "fail" and verdict["written_during_snapshot"], verdict
    assert verdict["docs"] > verdict["expected_docs"] >= 10
    assert (
        f"{verdict['docs']} documents restored, {verdict['expected_docs']} counted before the snapshot" in exact["msg"]
    )
    assert exact["indices"][quiet] == {
        "target": DRILL_PREFIX + quiet,
        "result": "pass",
        "docs": 10,
        "expected_docs": 10,
        "written_during_snapshot": False,
    }

    tolerant = ansible(VERIFY, dict(args, count_tolerance=len(written)))
    drills.append(tolerant.get("drill"))
    assert not tolerant.get("failed") and tolerant["summary"]["fail"] == 0, tolerant
    assert tolerant["indices"][busy]["result"] == "pass" and tolerant["indices"][busy]["written_during_snapshot"]
    assert drill_copies(opensearch) == []


def test_a_drill_stopped_with_sigterm_deletes_its_copies_and_records_why(
    ansible, faults, opensearch, index_factory, fs_repo, drills
):
    """SIGTERM to the module (a cancelled job, a stopped container) while its copy is restored: the copy is
    deleted on the way out, the failure says so, and the record says why the drill ended."""
    index, repo = slow_snapshot_setup(index_factory, fs_repo, max_restore_bytes_per_sec="250kb")
    taken = ansible(
        SNAPSHOT, {"url": opensearch.url, "repository": repo, "snapshot": unique("snap"), "indices": [index]}
    )
    run = Background(
        ansible, VERIFY, {"url": opensearch.url, "repository": repo, "snapshot": taken["snapshot"]["snapshot"]}
    )
    wait_for(lambda: exists(opensearch, DRILL_PREFIX + index), 60, "the drill's restore to start")
    (module,) = run.module_processes("es_snapshot_verify")
    injected("module SIGTERM")
    os.kill(module, signal.SIGTERM)
    result = run.join(RUN_BOUND)[0]
    assert_clean(result)
    assert result["failed"] and result["msg"].startswith("The drill was interrupted (signal 15)"), result
    assert drill_copies(opensearch) == []
    answer = opensearch.request(
        "GET", "searchops-drills/_search", json={"query": {"term": {"snapshot": taken["snapshot"]["snapshot"]}}}
    )
    (hit,) = answer["hits"]["hits"]
    drills.append(hit["_id"])
    assert hit["_source"]["state"] == "error" and "interrupted" in hit["_source"]["reason"]
