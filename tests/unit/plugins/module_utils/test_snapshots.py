import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client, batches
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError, HTTPError
from ansible_collections.searchops.snapshots.plugins.module_utils._repositories import validate_repository_name
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    DETAIL_READERS,
    Snapshots,
    snapshot_failure,
    validate_snapshot_name,
)


@pytest.mark.parametrize("name", ["nightly-2026.11.28", "a_b", "snap{1}", "...", ".a", "a.", "-a", "é"])
def test_valid_snapshot_names(name):
    validate_snapshot_name(name)


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "empty"),
        ("Nightly", "lowercase"),
        ("_x", "start with '_'"),
        ("a b", "' '"),
        ("a#b", "'#'"),
        ("<x>", "'<'"),
        (".", "path segment"),
        ("..", "path segment"),
    ],
)
def test_invalid_snapshot_names(name, message):
    with pytest.raises(ConfigurationError, match=message):
        validate_snapshot_name(name)


FAILURES = [{"index": "logs", "shard_id": 0, "reason": "primary shard is not allocated"}]


@pytest.mark.parametrize(
    "info, partial, expected",
    [
        ({"state": "SUCCESS"}, False, None),
        ({"state": "PARTIAL", "failures": FAILURES}, True, None),
        (
            {"snapshot": "s", "state": "PARTIAL", "failures": FAILURES, "shards": {"total": 2, "failed": 1}},
            False,
            "Snapshot s is PARTIAL (1 of 2 shards failed): logs[0]: primary shard is not allocated. Set partial: true",
        ),
        ({"snapshot": "s", "state": "FAILED", "reason": "disk full"}, True, "Snapshot s ended FAILED: disk full"),
        ({"snapshot": "s", "state": "INCOMPATIBLE"}, False, "Snapshot s ended INCOMPATIBLE: no reason given"),
    ],
)
def test_snapshot_failure(info, partial, expected):
    message = snapshot_failure(info, partial)
    assert message == expected if expected is None else message.startswith(expected)


# Property: the name validators fail only cleanly, and a name they accept is one URL path segment
# that no client normalises away (hypothesis; 300 names each).
from urllib.parse import urlsplit  # noqa: E402

import requests  # noqa: E402
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.searchops.snapshots.plugins.module_utils._client import quote_path  # noqa: E402

NAME_EXAMPLES = 300
names = st.text(max_size=12) | st.text(alphabet="._-/\\ %#,*?<>|\"'aZé\t", max_size=6)


def _one_segment(*segments):
    prepared = requests.Request("GET", f"http://localhost:9200/{quote_path(*segments)}").prepare()
    return len(urlsplit(prepared.url).path.split("/")) == len(segments) + 1


@settings(max_examples=NAME_EXAMPLES, deadline=None, database=None)
@given(names)
@example(".")
@example("..")
def test_snapshot_name_validator_property(name):
    try:
        validate_snapshot_name(name)
    except ConfigurationError:
        return
    assert _one_segment("_snapshot", "repo", name)


@settings(max_examples=NAME_EXAMPLES, deadline=None, database=None)
@given(names, st.booleans())
@example("..", False)
def test_repository_name_validator_property(name, on_aws):
    try:
        validate_repository_name(name, on_aws)
    except ConfigurationError:
        return
    assert _one_segment("_snapshot", name, "snap")


def repository_client():
    return Client({"url": "http://localhost:9200", "auth_type": "none", "retries": 0})


def test_details_reads_each_url_sized_batch_once_side_by_side_and_skips_the_deleted(server):
    names = [f"nightly-{i:04d}-{'x' * 80}" for i in range(200)]
    server.repository("nightly", *({"snapshot": n, "state": "SUCCESS"} for n in names[1:]))  # names[0]: deleted
    found = Snapshots(repository_client(), "nightly").details(names)
    assert sorted(s["snapshot"] for s in found) == names[1:]
    sent = [r["path"].split("/")[-1].split(",") for r in server.requests("GET")]
    assert sorted(n for batch in sent for n in batch) == names and len(sent) == len(batches(names)) > DETAIL_READERS
    assert all(r["query"] == {"verbose": "true", "ignore_unavailable": "true"} for r in server.requests("GET"))


def test_details_of_no_names_sends_nothing(server):
    assert Snapshots(repository_client(), "nightly").details([]) == [] and server.sent == []


def test_an_error_in_one_batch_is_the_error_of_the_read(server):
    names = [f"n{i:03d}-{'x' * 90}" for i in range(100)]
    server.repository("nightly", *({"snapshot": n, "state": "SUCCESS"} for n in names))
    broken = ",".join(batches(names)[2])
    server.on("GET", f"_snapshot/nightly/{broken}", (500, {"error": {"type": "io_exception", "reason": "disk"}}))
    with pytest.raises(HTTPError, match="io_exception"):
        Snapshots(repository_client(), "nightly").details(names)


@pytest.mark.parametrize("count, sizes", [(10, [10]), (120, [40, 40, 40]), (300, [75, 75, 75, 75])])
def test_details_share_the_names_out_evenly_among_the_readers(server, count, sizes):
    """Short names fit one URL by the hundred; they are still read side by side, in even shares."""
    names = [f"snap-{i:05d}" for i in range(count)]
    server.repository("nightly", *({"snapshot": n, "state": "SUCCESS"} for n in names))
    assert len(Snapshots(repository_client(), "nightly").details(names)) == count
    assert sorted(len(r["path"].split("/")[-1].split(",")) for r in server.requests("GET")) == sizes
