import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    flatten,
    normalize_value,
    repository_differs,
    validate_repository_name,
)


@pytest.mark.parametrize(
    "a, b",
    [
        (True, "true"),
        ("TRUE", "true"),
        (False, "false"),
        (5, "5"),
        (5.0, "5"),
        ("1.50", 1.5),
        ("1gb", "1024mb"),
        ("1GB", "1073741824b"),
        ("512kb", "0.5mb"),
        ("60s", "1m"),
        ("1000ms", "1s"),
        ("1d", "24h"),
        (["a", 1], ["a", "1"]),
        ("bucket-A", "bucket-A"),
    ],
)
def test_equal_spellings_normalize_alike(a, b):
    assert normalize_value(a) == normalize_value(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("true", "false"),
        ("5", "50"),
        ("1gb", "1000mb"),
        ("1m", "1mb"),
        ("Logs", "logs"),
        ("", "0"),
    ],
)
def test_different_values_stay_different(a, b):
    assert normalize_value(a) != normalize_value(b)


def test_flatten_nested_settings():
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "e": 2}) == {"a.b": 1, "a.c.d": "x", "e": 2}


S3 = {"type": "s3", "settings": {"bucket": "b", "compress": True, "chunk_size": "1gb", "max_retries": 3}}


@pytest.mark.parametrize(
    "current, differs",
    [
        (None, True),
        (
            {"type": "s3", "settings": {"bucket": "b", "compress": "true", "chunk_size": "1024mb", "max_retries": "3"}},
            False,
        ),
        (
            {"type": "fs", "settings": {"bucket": "b", "compress": "true", "chunk_size": "1gb", "max_retries": "3"}},
            True,
        ),
        (
            {"type": "s3", "settings": {"bucket": "c", "compress": "true", "chunk_size": "1gb", "max_retries": "3"}},
            True,
        ),
        # a setting on the server that the user no longer gives is removed by re-registering
        (
            {
                "type": "s3",
                "settings": {
                    "bucket": "b",
                    "compress": "true",
                    "chunk_size": "1gb",
                    "max_retries": "3",
                    "readonly": "true",
                },
            },
            True,
        ),
        ({"type": "s3", "settings": {"bucket": "b", "compress": "true", "chunk_size": "1gb"}}, True),
    ],
)
def test_repository_differs(current, differs):
    assert repository_differs(S3, current) is differs


def test_nested_and_dotted_settings_are_the_same():
    desired = {"type": "s3", "settings": {"s3": {"client": "x"}}}
    assert not repository_differs(desired, {"type": "s3", "settings": {"s3.client": "x"}})


@pytest.mark.parametrize("name", ["nightly", "logs-2026", "a.b_c", "UPPER", "...", "é"])
def test_valid_repository_names(name):
    validate_repository_name(name, on_aws=True)


@pytest.mark.parametrize(
    "name, on_aws, message",
    [
        ("", False, "empty"),
        ("_all", False, "start with '_'"),
        ("a/b", False, "'/'"),
        ("a b", False, "' '"),
        ("a,b", False, "','"),
        ("*", False, "'\\*'"),
        (".", False, "path segment"),
        ("..", False, "path segment"),
        ("cs-automated", True, "reserved on Amazon OpenSearch Service"),
    ],
)
def test_invalid_repository_names(name, on_aws, message):
    with pytest.raises(ConfigurationError, match=message):
        validate_repository_name(name, on_aws)


def test_cs_prefix_allowed_off_aws():
    validate_repository_name("cs-local", on_aws=False)


from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (  # noqa: E402
    poll_interval,
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


def test_poll_interval_grows_with_elapsed_time_and_is_capped():
    assert poll_interval(0) == 0.2
    assert poll_interval(1) == 0.2
    assert poll_interval(30) == 3.0
    assert poll_interval(3600) == 10.0


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
