"""es_snapshot and es_snapshot_info against the real node (fs and S3 repositories)."""

import datetime
import hashlib
import json
import time

import pytest

from tests.integration.helpers import four_steps, unique
from tests.integration.test_es_snapshot_prune import ANOTHER_CLUSTER, take

SNAPSHOT = "searchops.snapshots.es_snapshot"
INFO = "searchops.snapshots.es_snapshot_info"


def conn(stack):
    return {"url": stack["opensearch"]}


def primaries_seq_no(opensearch, index):
    shards = opensearch.request("GET", f"{index}/_stats?level=shards")["indices"][index]["shards"]
    return sum(c["seq_no"]["max_seq_no"] for copies in shards.values() for c in copies if c["routing"]["primary"])


def mapping_sha(opensearch, index):
    mapping = opensearch.request("GET", f"{index}/_mapping")[index]["mappings"]
    canonical = json.dumps(mapping, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def server_snapshot(opensearch, repo, name):
    return opensearch.request("GET", f"_snapshot/{repo}/{name}")["snapshots"][0]


@pytest.mark.parametrize("kind", ["fs", "s3"])
def test_snapshot_one_index_four_steps(ansible, stack, opensearch, index_factory, fs_repo, s3_repo, kind, s3, bucket):
    index = index_factory(docs=3)
    repo = fs_repo() if kind == "fs" else s3_repo
    args = dict(conn(stack), repository=repo, snapshot="one", indices=[index], metadata={"by": "test"})
    check, apply = four_steps(ansible, SNAPSHOT, args)[:2]
    assert check["snapshot"] == {"snapshot": "one"}
    assert apply["snapshot"]["state"] == "SUCCESS" and apply["snapshot"]["indices"] == [index]
    on_server = server_snapshot(opensearch, repo, "one")
    assert on_server["state"] == "SUCCESS" and on_server["include_global_state"] is False
    cluster = opensearch.request("GET", "/")
    create_id = on_server["metadata"].pop("searchops.create_id")
    assert create_id == apply["request"]["body"]["metadata"]["searchops.create_id"]
    # the manifest, from the server's own figures: 3 documents, the primaries' sequence numbers, the mapping
    assert on_server["metadata"].pop("searchops.manifest") == {
        "v": 1,
        "version": "0.1.0",
        "indices": {index: [3, primaries_seq_no(opensearch, index), mapping_sha(opensearch, index)]},
    }
    assert on_server["metadata"] == {
        "by": "test",
        "searchops.cluster_uuid": cluster["cluster_uuid"],
        "searchops.cluster_name": cluster["cluster_name"],
    }
    if kind == "s3":
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert f"snap-{on_server['uuid']}.dat" in keys


def test_patterns_exclusions_and_all(ansible, stack, opensearch, index_factory, fs_repo):
    prefix = unique("pat")
    keep_a, keep_b, skip = index_factory(f"{prefix}-a"), index_factory(f"{prefix}-b"), index_factory(f"{prefix}-debug")
    repo = fs_repo()
    result = ansible(
        SNAPSHOT, dict(conn(stack), repository=repo, snapshot="pattern", indices=[f"{prefix}-*", f"-{prefix}-debug"])
    )
    assert sorted(result["snapshot"]["indices"]) == sorted([keep_a, keep_b])
    everything = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="all"))
    assert {keep_a, keep_b, skip} <= set(everything["snapshot"]["indices"])


def test_date_math_name_matches_the_servers_resolution(ansible, stack, opensearch, index_factory, fs_repo, cleanup):
    expressions = [
        "<dm1-{now/d}>",
        "<dm2-{now/M{yyyy.MM}}>",
        "<dm3-{now/d{yyyy.MM.dd|+12:00}}>",
        "<dm4-{now/d{yyyy.MM.dd|-12:00}}>",
        "<dm5-{now-1d/d{yyyy.MM.dd.HH}}>",
        "<dm6-{now/w{yyyy.MM.dd|Asia/Tokyo}}>",
    ]
    repo = fs_repo()
    index = index_factory()
    for expression in expressions:
        # what the server makes of the same expression as an index name
        created = opensearch.request("PUT", _quote(expression))
        cleanup["indices"].append(created["index"])
        result = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot=expression, indices=[index]))
        assert result["snapshot"]["snapshot"] == created["index"], expression
        assert server_snapshot(opensearch, repo, created["index"])["state"] == "SUCCESS"


def _quote(expression):
    from urllib.parse import quote

    return quote(expression, safe="")


def test_no_wait_then_attach(ansible, stack, opensearch, index_factory, fs_repo):
    index = index_factory(docs=20, size=50_000)  # ~1 MB at 200 kb/s: a few seconds
    repo = fs_repo(max_snapshot_bytes_per_sec="200kb")
    started = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="slow", indices=[index], wait=False))
    assert started["changed"] and started["snapshot"]["state"] == "IN_PROGRESS"
    attached = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="slow", indices=[index]))
    assert not attached["changed"] and attached["snapshot"]["state"] == "SUCCESS"
    assert server_snapshot(opensearch, repo, "slow")["state"] == "SUCCESS"


def test_second_snapshot_while_one_is_running(ansible, stack, opensearch, index_factory, fs_repo):
    index = index_factory(docs=20, size=50_000)
    repo = fs_repo(max_snapshot_bytes_per_sec="200kb")
    ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="first", indices=[index], wait=False))
    running = opensearch.request("GET", f"_snapshot/{repo}/_current")["snapshots"]
    assert [s["snapshot"] for s in running] == ["first"]
    second = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="second", indices=[index]))
    assert second["changed"] and second["snapshot"]["state"] == "SUCCESS"
    first = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="first", indices=[index]))
    assert first["snapshot"]["state"] == "SUCCESS"


def test_delete_running_snapshot_waits_unless_abort(ansible, stack, opensearch, index_factory, fs_repo):
    index = index_factory(docs=20, size=50_000)
    repo = fs_repo(max_snapshot_bytes_per_sec="200kb")
    ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="running", indices=[index], wait=False))
    deleted = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="running", state="absent"))
    assert deleted["changed"]
    assert opensearch.request("GET", f"_snapshot/{repo}/running", expect=(404,))


def test_delete_four_steps_and_absent(ansible, stack, opensearch, index_factory, fs_repo):
    index = index_factory()
    repo = fs_repo()
    ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="gone", indices=[index]))
    four_steps(ansible, SNAPSHOT, dict(conn(stack), repository=repo, snapshot="gone", state="absent"))
    assert opensearch.request("GET", f"_snapshot/{repo}/gone", expect=(404,))


def test_partial_snapshot_of_a_red_index(ansible, stack, opensearch, index_factory, fs_repo):
    red = index_factory(docs=0, settings={"index.routing.allocation.require._name": "no-such-node"})
    repo = fs_repo()
    refused = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="red", indices=[red]))
    # the engine's text (OpenSearch, Elasticsearch 7: "don't have primary shards"; Elasticsearch 8: "have
    # unassigned primary shards"), then the fix
    assert refused["failed"] and "primary shard" in refused["msg"], refused
    assert "no active primary shard (cluster health red)" in refused["msg"] and "partial: true" in refused["msg"]
    accepted = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="red", indices=[red], partial=True))
    assert accepted["changed"] and accepted["snapshot"]["state"] == "PARTIAL"
    assert accepted["snapshot"]["failures"][0]["reason"] == "primary shard is not allocated"
    # the same PARTIAL snapshot is not acceptable to a run that did not ask for partial
    again = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="red", indices=[red]))
    assert again["failed"] and "PARTIAL" in again["msg"] and "primary shard is not allocated" in again["msg"]


def test_missing_repository_says_to_register_it(ansible, stack):
    result = ansible(SNAPSHOT, dict(conn(stack), repository="no-such-repo", snapshot="x"))
    assert result["failed"] and "Register the repository 'no-such-repo' first" in result["msg"]


def test_info_lists_many_snapshots(ansible, stack, opensearch, index_factory, fs_repo):
    index = index_factory()
    repo = fs_repo()
    names = [f"many-{i:02d}" for i in range(25)]
    for name in names:
        opensearch.request(
            "PUT", f"_snapshot/{repo}/{name}", params={"wait_for_completion": "true"}, json={"indices": index}
        )
    # OpenSearch stamps snapshots with its cached clock, which ticks every 200 ms: let one tick
    # pass so that "other" is unambiguously the newest
    time.sleep(0.25)
    opensearch.request(
        "PUT", f"_snapshot/{repo}/other", params={"wait_for_completion": "true"}, json={"indices": index}
    )

    light = ansible(INFO, dict(conn(stack), repository=repo, snapshots=["many-*"]))
    assert not light["changed"] and sorted(s["snapshot"] for s in light["snapshots"]) == names
    assert repo in light["repositories"] and light["in_progress"] == []
    assert "start_time" not in light["snapshots"][0]

    full = ansible(INFO, dict(conn(stack), repository=repo, verbose=True, states=["SUCCESS"]))
    listed = [s["snapshot"] for s in full["snapshots"]]
    assert listed[0] == "other" and set(listed) == set(names) | {"other"}  # newest first
    starts = [s["start_time"] for s in full["snapshots"]]
    assert starts == sorted(starts, reverse=True)

    none = ansible(INFO, dict(conn(stack), repository=repo, states=["FAILED"]))
    assert none["snapshots"] == []
    missing = ansible(INFO, dict(conn(stack), repository=repo, snapshots=["does-not-exist"]))
    assert missing["snapshots"] == []


def test_info_shows_running_snapshots(ansible, stack, index_factory, fs_repo):
    index = index_factory(docs=20, size=50_000)
    repo = fs_repo(max_snapshot_bytes_per_sec="200kb")
    ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="busy", indices=[index], wait=False))
    info = ansible(INFO, dict(conn(stack), repository=repo))
    assert [s["snapshot"] for s in info["in_progress"]] == ["busy"]
    assert info["in_progress"][0]["state"] in ("STARTED", "IN_PROGRESS")
    # let it end so that cleanup does not abort it midway
    ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="busy", indices=[index]))


def test_snapshot_through_the_aws_gateway(ansible, stack, iam_factory, s3_repo, index_factory):
    user = iam_factory.user({"Effect": "Allow", "Action": "es:ESHttp*", "Resource": "*"})
    index = index_factory()
    args = {
        "url": stack["gateway"],
        "region": stack["region"],
        "auth_type": "aws_sigv4",
        "access_key": user["key"],
        "secret_key": user["secret"],
        "repository": s3_repo,
        "snapshot": "<aws-{now/d}>",
        "indices": [index],
    }
    results = four_steps(ansible, SNAPSHOT, args)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y.%m.%d")
    assert results[1]["snapshot"]["snapshot"] == f"aws-{today}"


def test_a_same_named_snapshot_of_another_cluster_is_never_attached_to(
    ansible, stack, opensearch, index_factory, fs_repo
):
    """Two clusters writing one repository: the other one's `shared` is not this cluster's backup."""
    index = index_factory()
    repo = fs_repo()
    take(opensearch, repo, "shared", index, metadata=ANOTHER_CLUSTER)
    refused = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="shared", indices=[index]))
    assert refused["failed"] and "was taken by another cluster (elsewhere, uuid another-cluster-uuid)" in refused["msg"]
    assert server_snapshot(opensearch, repo, "shared")["metadata"] == ANOTHER_CLUSTER

    # taken by hand, no record of the cluster: attached to as before, with a warning
    take(opensearch, repo, "by-hand", index)
    attached = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="by-hand", indices=[index]))
    assert not attached.get("failed") and not attached["changed"]
    assert "does not record which cluster took it" in str(attached["warnings"])


def test_an_empty_index_list_is_refused(ansible, stack, opensearch, index_factory, fs_repo):
    index_factory()
    repo = fs_repo()
    refused = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="empty", indices=[]))
    assert refused["failed"] and "omit indices to snapshot every index" in refused["msg"]
    assert opensearch.request("GET", f"_snapshot/{repo}/_all")["snapshots"] == []


# The name validators against the server's own rules: a table of tricky names and names generated
# by hypothesis (50 snapshot names, 50 repository names), each sent to the real node with plain
# HTTP. Where the validator is deliberately stricter, the rule is listed here (and in docs/design.md).
from urllib.parse import quote  # noqa: E402

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError  # noqa: E402
from ansible_collections.searchops.snapshots.plugins.module_utils._repositories import (  # noqa: E402
    validate_repository_name,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import validate_snapshot_name  # noqa: E402

GENERATED_NAMES = 50
TRICKY_NAMES = [
    ".", "..", "...", ".a", "a.", "-a", "a b", "UPPER", "Upper", "_x", "x_", "a#b", "a,b", "a*b", "a?b", 'a"b',
    "a<b", "a>b", "a|b", "a\\b", "a/b", "é", "ÉTÉ", "日本", "\u212a", "a:b", "a%b", "a+b", "a&b", "{x}", "a\tb",
    "\ta", "a\t", "snap-2026.11.29", "cs-automated",
]  # fmt: skip
# the server accepts these; the validators refuse them on purpose
STRICTER_SNAPSHOT = {".", ".."}  # a URL path segment the HTTP client resolves away


def stricter_repository(name):
    return (
        name in (".", "..")
        or name != name.strip()  # leading/trailing whitespace: a typo, never meant
        or name.startswith("_")  # OpenSearch takes `_x`, but `_all`, `_status`, `_current` are API words
    )


NAME_SETTINGS = settings(
    max_examples=GENERATED_NAMES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
generated_names = st.text(alphabet='abz09-_.+:%&{}éüK日 \t\\/*?"<>|,#A\u212a', min_size=1, max_size=8)


def accepted_by(check, name):
    try:
        check(name)
    except ConfigurationError:
        return False
    return True


def segment(name):
    """The name as one path segment the server decodes back; dots encoded too, or the HTTP
    client would resolve `.` and `..` away."""
    return quote(name, safe="").replace(".", "%2E")


def server_takes_snapshot(opensearch, repo, index, name):
    path = f"_snapshot/{repo}/{segment(name)}"
    answer = opensearch.session.put(
        f"{opensearch.url}/{path}", params={"wait_for_completion": "true"}, json={"indices": index}, timeout=60
    )
    if answer.status_code == 200:
        assert answer.json()["snapshot"]["snapshot"] == name
        opensearch.request("DELETE", path)
        return True
    assert answer.status_code in (400, 500), answer.text
    return False


def server_registers_repository(opensearch, location, name):
    path = f"_snapshot/{segment(name)}"
    answer = opensearch.session.put(
        f"{opensearch.url}/{path}", json={"type": "fs", "settings": {"location": location}}, timeout=60
    )
    if answer.status_code == 200:
        assert name in opensearch.request("GET", path)
        opensearch.request("DELETE", path)
        return True
    assert answer.status_code in (400, 500), answer.text
    return False


def check_snapshot_name(opensearch, repo, index, name):
    ours, server = accepted_by(validate_snapshot_name, name), server_takes_snapshot(opensearch, repo, index, name)
    assert ours == server or (server and name in STRICTER_SNAPSHOT), (name, ours, server)


def check_repository_name(opensearch, location, name):
    ours = accepted_by(lambda n: validate_repository_name(n, on_aws=False), name)
    server = server_registers_repository(opensearch, location, name)
    assert ours == server or (server and stricter_repository(name)), (name, ours, server)


@pytest.fixture
def name_probe(opensearch, index_factory, fs_repo):
    repo = fs_repo()
    location = next(iter(opensearch.request("GET", f"_snapshot/{repo}").values()))["settings"]["location"]
    return repo, f"{location}-names", index_factory()


def test_snapshot_name_rules_agree_with_the_server_on_tricky_names(opensearch, name_probe):
    repo, _location, index = name_probe
    for name in TRICKY_NAMES:
        check_snapshot_name(opensearch, repo, index, name)


def test_repository_name_rules_agree_with_the_server_on_tricky_names(opensearch, name_probe):
    _repo, location, _index = name_probe
    for name in TRICKY_NAMES:
        check_repository_name(opensearch, location, name)


@NAME_SETTINGS
@given(name=generated_names)
def test_snapshot_name_rules_agree_with_the_server_on_generated_names(opensearch, name_probe, name):
    repo, _location, index = name_probe
    check_snapshot_name(opensearch, repo, index, name)


@NAME_SETTINGS
@given(name=generated_names)
def test_repository_name_rules_agree_with_the_server_on_generated_names(opensearch, name_probe, name):
    _repo, location, _index = name_probe
    check_repository_name(opensearch, location, name)


def test_date_math_out_of_range_is_a_clean_failure(ansible, stack, fs_repo):
    repo = fs_repo()
    for name in ("<x-{now-3000y}>", "<x-{now/d{yyyy.MM.dd|+25:00}}>"):
        result = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot=name))
        assert (
            result["failed"] and f"Invalid date math name {name!r}" in result["msg"] and "out of range" in result["msg"]
        )
        assert "module_stderr" not in result and "Traceback" not in str(result)


def test_a_closed_index_named_is_snapshotted_and_left_out_of_the_manifest(
    ansible, stack, opensearch, index_factory, fs_repo
):
    """A closed index can be snapshotted (its files are there); it cannot be counted, so the manifest lists
    the open ones only, and the snapshot is taken as before."""
    open_index, closed = index_factory(docs=2), index_factory(docs=1)
    opensearch.request("POST", f"{closed}/_close")
    repo = fs_repo()
    result = ansible(SNAPSHOT, dict(conn(stack), repository=repo, snapshot="with-closed", indices=[open_index, closed]))
    assert not result.get("failed") and result["snapshot"]["state"] == "SUCCESS", result
    assert sorted(result["snapshot"]["indices"]) == sorted([open_index, closed])
    assert list(result["snapshot"]["metadata"]["searchops.manifest"]["indices"]) == [open_index]
