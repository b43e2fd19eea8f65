"""Snapshot manifests: where they go (metadata or document), sequence numbers, the drill's verdicts."""

import json

import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._indices import primaries_seq_no
from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import (
    MANIFEST,
    METADATA_LIMIT,
    authentic,
    compare,
    digest,
    mapping_hash,
    metadata_size,
    place,
    recorded,
)


def manifest(count):
    return {
        "v": 1,
        "version": "0.1.0",
        "indices": {f"logs-{i:04d}": [i, i * 10, "0123456789abcdef"] for i in range(count)},
    }


def test_metadata_size_is_compact_json_in_utf8_as_the_server_measures():
    assert metadata_size({"a": "é"}) == len('{"a":"é"}'.encode()) == 10


def test_a_small_manifest_goes_in_the_metadata_whole():
    placed, document = place(manifest(3), {"by": "ops"}, "id1")
    assert document is None and placed == {"by": "ops", MANIFEST: manifest(3)}
    assert metadata_size(placed) <= METADATA_LIMIT


def test_a_manifest_too_large_for_the_metadata_goes_in_a_document_and_the_metadata_keeps_its_digest():
    big = manifest(40)
    placed, document = place(big, {"by": "ops"}, "id1")
    assert document == big
    pointer = placed[MANIFEST]
    assert pointer == {
        "v": 1,
        "version": "0.1.0",
        "document": "id1",
        "sha256": digest(big["indices"]),
        "count": 40,
        "docs": sum(range(40)),
    }
    assert metadata_size(placed) <= METADATA_LIMIT and placed["by"] == "ops"
    assert authentic(pointer, document) and recorded({"metadata": placed}) == pointer


def test_a_changed_manifest_document_is_not_authentic():
    big = manifest(40)
    placed, document = place(big, {}, "id1")
    document["indices"]["logs-0001"][0] += 1
    assert not authentic(placed[MANIFEST], document)
    assert not authentic(placed[MANIFEST], None)


def test_metadata_that_leaves_no_room_even_for_the_digest_is_refused_with_the_sizes():
    crowded = {"note": "x" * 950}
    with pytest.raises(ConfigurationError) as err:
        place(manifest(40), crowded, "id1")
    assert "over the engines' limit of 1024 bytes" in str(err.value) and "Shorten metadata" in str(err.value)


def test_a_snapshot_without_a_manifest_records_none():
    assert recorded({"metadata": {"by": "ops"}}) is None
    assert recorded({}) is None and recorded({"metadata": None}) is None


def test_mapping_hash_does_not_depend_on_key_order_and_empty_mappings_hash_alike():
    a = json.loads('{"properties": {"a": {"type": "long"}, "b": {"type": "keyword"}}}')
    b = json.loads('{"properties": {"b": {"type": "keyword"}, "a": {"type": "long"}}}')
    assert mapping_hash(a) == mapping_hash(b) and len(mapping_hash(a)) == 16
    assert mapping_hash(None) == mapping_hash({}) != mapping_hash(a)


def shard(primary, max_seq_no, local_checkpoint=None):
    checkpoint = max_seq_no if local_checkpoint is None else local_checkpoint
    return {"routing": {"primary": primary}, "seq_no": {"max_seq_no": max_seq_no, "local_checkpoint": checkpoint}}


def test_sequence_numbers_sum_the_primaries_and_an_operation_in_flight_leaves_the_index_out():
    stats = {
        "indices": {
            "quiet": {"shards": {"0": [shard(True, 5), shard(False, 4)], "1": [shard(True, 7)]}},
            "busy": {"shards": {"0": [shard(True, 9, local_checkpoint=8)], "1": [shard(True, 1)]}},
            "empty": {"shards": {"0": [shard(True, -1)]}},
        }
    }
    assert primaries_seq_no(stats) == {"quiet": 12, "busy": None, "empty": -1}


def test_an_index_not_written_during_the_snapshot_must_match_exactly():
    assert compare([10, 42, "m1"], 10, 42, "m1", tolerance=0) == {"result": "pass", "written_during_snapshot": False}
    verdict = compare([10, 42, "m1"], 9, 42, "m1", tolerance=100)
    assert verdict["result"] == "fail" and "they must be equal" in verdict["reason"]
    verdict = compare([10, 42, "m1"], 10, 42, "m2", tolerance=0)
    assert verdict["result"] == "fail" and "mapping hash m2 restored, m1 recorded" in verdict["reason"]


def test_an_index_written_during_the_snapshot_is_compared_within_the_tolerance():
    verdict = compare([10, 42, "m1"], 13, 45, "m2", tolerance=0)
    assert verdict["result"] == "fail" and verdict["written_during_snapshot"]
    assert (
        "13 documents restored, 10 counted before the snapshot (written during the snapshot; tolerance 0)"
        in (verdict["reason"])
    )
    assert compare([10, 42, "m1"], 13, 45, "m2", tolerance=3)["result"] == "pass"
    # a write between the two reads of the sequence numbers leaves none recorded: written
    assert compare([10, None, "m1"], 10, 42, "m1", tolerance=0)["written_during_snapshot"]


def test_an_index_the_manifest_does_not_list_is_unverified():
    assert compare(None, 10, 42, "m1", tolerance=0)["result"] == "unverified"
