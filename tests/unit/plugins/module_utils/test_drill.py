"""Restore drills, the pure part: prefix, selection, names, capacity, totals."""

import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._drill import (
    byte_size,
    capacity_problems,
    check_prefix,
    choose,
    required_free,
    targets,
    totals,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError

GB = 1 << 30


@pytest.mark.parametrize(
    ("prefix", "problem"),
    [
        ("", "is empty"),
        ("Drill-", "uppercase"),
        ("_drill-", "starts with '_'"),
        (".drill-", "starts with '.'"),
        ("drill*", "forbidden"),
        ("drill$1-", "forbidden"),
        ("dr:ill-", "forbidden"),
    ],
)
def test_prefixes_that_cannot_name_copies_safely_are_refused(prefix, problem):
    with pytest.raises(ConfigurationError) as err:
        check_prefix(prefix)
    assert problem in str(err.value) and "Choose another prefix" in str(err.value)


def test_the_default_prefix_is_accepted():
    check_prefix("searchops-drill-")


INDICES = [
    "orders",
    "logs-a",
    ".ds-web-2026.11.29-000001",
    ".ds-web-2026.11.29-000002",
    ".kibana_1",
    "searchops-manifests",
]
STREAMS = ["web"]


def test_everything_but_system_indices_by_default_streams_as_their_backing_indices():
    assert choose(INDICES, STREAMS, None) == [
        "orders",
        "logs-a",
        ".ds-web-2026.11.29-000001",
        ".ds-web-2026.11.29-000002",
    ]


def test_a_data_stream_named_brings_its_backing_indices_and_exclusions_apply():
    assert choose(INDICES, STREAMS, ["web"]) == [".ds-web-2026.11.29-000001", ".ds-web-2026.11.29-000002"]
    assert choose(INDICES, STREAMS, ["*", "-logs-*"]) == [
        "orders",
        ".ds-web-2026.11.29-000001",
        ".ds-web-2026.11.29-000002",
    ]


def test_a_name_the_snapshot_lacks_or_a_selection_of_nothing_is_refused():
    with pytest.raises(ConfigurationError) as err:
        choose(INDICES, STREAMS, ["nope"])
    assert "no index or data stream named 'nope'" in str(err.value)
    with pytest.raises(ConfigurationError) as err:
        choose(INDICES, STREAMS, [".kibana*"])
    assert "select no index" in str(err.value)


def test_copies_are_the_prefix_and_the_source_name_within_255_bytes():
    assert targets(["orders"], "d-") == {"orders": "d-orders"}
    with pytest.raises(ConfigurationError) as err:
        targets(["x" * 250], "drill-")
    assert "over 255 bytes" in str(err.value)


@pytest.mark.parametrize(
    ("text", "size"), [("1024b", 1024), ("2kb", 2048), ("2k", 2048), ("1.5gb", 3 * GB // 2), ("10GB", 10 * GB)]
)
def test_byte_sizes_read_as_the_engines_read_them(text, size):
    assert byte_size(text) == size


def test_watermarks_as_percentages_ratios_and_bytes():
    assert required_free(1000, "90%") == 100
    assert required_free(1000, "0.9") == 100
    assert required_free(1000, "300b") == 300
    # Elasticsearch 8.5+: a percentage keeps at most max_headroom free
    assert required_free(1000 * GB, "90%", "20gb") == 20 * GB


def node(name, total, available, roles=("data",)):
    return {
        "name": name,
        "roles": list(roles),
        "fs": {"total": {"total_in_bytes": total, "available_in_bytes": available}},
    }


def settings(**flat):
    return {"persistent": {}, "transient": {}, "defaults": flat}


def test_a_drill_that_fits_has_no_problems():
    nodes = {"a": node("a", 100 * GB, 50 * GB)}
    assert capacity_problems([GB, GB], settings(), nodes, open_shards=10) == []


def test_disk_above_the_high_watermark_summed_over_data_nodes():
    # 90 % high watermark on 100 GB: 10 GB kept free; 15 GB available leaves 5 GB; master-only nodes do not count
    nodes = {
        "a": node("a", 100 * GB, 15 * GB),
        "b": node("b", 100 * GB, 15 * GB),
        "m": node("m", 100 * GB, 90 * GB, roles=("cluster_manager",)),
    }
    assert capacity_problems([4 * GB, 4 * GB], settings(), nodes, 0) == []
    (problem,) = capacity_problems([5 * GB, 5 * GB], settings(), nodes, 0)
    assert problem.startswith(f"not enough disk: the copies need {int(10 * GB * 1.1)} bytes")
    assert "cluster.routing.allocation.disk.watermark.high=90%" in problem and f"a: {5 * GB} bytes" in problem


def test_the_largest_shard_must_fit_on_one_node():
    nodes = {"a": node("a", 100 * GB, 15 * GB), "b": node("b", 100 * GB, 15 * GB)}
    (problem,) = capacity_problems([6 * GB], settings(), nodes, 0)
    assert f"largest shard {6 * GB}" in problem


def test_transient_settings_come_before_persistent_and_defaults():
    nodes = {"a": node("a", 100 * GB, 50 * GB)}
    layered = {"transient": {}, "persistent": {"cluster.max_shards_per_node": "5"}, "defaults": {}}
    (problem,) = capacity_problems([1, 1], layered, nodes, open_shards=4)
    assert problem == (
        "not enough shards: the drill adds 2 shards to the 4 open, over the 5 that cluster.max_shards_per_node=5 "
        "allows on 1 data node(s)"
    )
    layered["transient"]["cluster.max_shards_per_node"] = "6"
    assert capacity_problems([1, 1], layered, nodes, open_shards=4) == []


def test_totals_count_each_result():
    verdicts = [{"result": "pass"}, {"result": "fail"}, {"result": "pass"}, {"result": "unverified"}]
    assert totals(verdicts) == {"pass": 2, "fail": 1, "unverified": 1}
