from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import digest
from ansible_collections.searchops.snapshots.plugins.module_utils._records import (
    manifest_reads,
    shown_drill,
    shown_manifest,
)

INDICES = {"logs": [3, 2, "0123456789abcdef"]}
POINTER = {"v": 1, "version": "0.1.0", "document": "id-1", "sha256": digest(INDICES), "count": 1, "docs": 3}


def test_the_pointer_and_the_module_have_the_last_word_over_the_document():
    """A document (or metadata) carrying the keys the module sets cannot change them, nor break the merge."""
    document = {"v": 9, "indices": INDICES, "authentic": True, "stored_in": "x", "document_found": "maybe"}
    entry = dict(POINTER, sha256="0" * 64, authentic=True, document_found=True)
    shown = shown_manifest(entry, (True, document))
    assert shown["v"] == 1 and shown["stored_in"] == "document"
    assert shown["authentic"] is False and shown["document_found"] is True and shown["indices"] == INDICES


def test_unread_documents_leave_document_found_out():
    assert shown_manifest(POINTER, None) == dict(POINTER, stored_in="document")
    assert shown_manifest(None, None) is None


def test_mget_answers_of_odd_shapes():
    docs = [
        {"_id": "a", "found": True, "_source": {"indices": INDICES}},
        {"_id": "b", "found": False},
        {"_id": "c", "error": {"type": "index_not_found_exception"}},
        {"_id": "d", "error": {"type": "shard_not_found_exception"}},
        {"_id": "e", "found": True, "_source": "not an object"},
        {"found": True},
        "junk",
    ]
    assert manifest_reads(docs) == {
        "a": (True, {"indices": INDICES}),
        "b": (False, None),
        "c": (False, None),
        "d": None,
        "e": (False, None),
    }


def test_a_drill_record_of_odd_shape_shows_what_it_has():
    assert shown_drill({"drill": "x", "indices": ["not", "a", "map"]}) == {
        "drill": "x",
        "state": None,
        "started": None,
        "ended": None,
        "duration_in_millis": None,
        "summary": None,
        "failed": [],
    }
    assert shown_drill({"indices": {"a": "fail", "b": {"result": "fail"}, "c": {"result": "pass"}}})["failed"] == ["b"]
