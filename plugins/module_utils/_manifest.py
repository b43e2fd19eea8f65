# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Snapshot manifests: what es_snapshot records, right before the create, about each index it
snapshots (documents as GET _count counts them, the primaries' sequence numbers, the mapping's
hash), where the record lives (the snapshot's metadata, or a document of the searchops-manifests
index stored in the same snapshot when the metadata would be too large), and the pure comparison a
restore drill makes with it (docs/design.md, "Snapshot manifests and restore drills").

A count read before the create is exact for the snapshot only when nothing was written to the index
between the count and the moment its shards were snapshotted. The primaries' highest sequence
number says so: every write (index, update, delete) takes a new one, and a restored shard has the
highest sequence number of the commit it was restored from. Equal numbers: the count must match
exactly. A higher number in the restored copy: the index was written during the snapshot, and the
user's tolerance applies (appends make the count a lower bound; deletes make it no bound)."""

from __future__ import annotations

import hashlib
import json

from ansible_collections.searchops.snapshots.plugins.module_utils._client import quote_path
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError, HTTPError
from ansible_collections.searchops.snapshots.plugins.module_utils._indices import Indices
from ansible_collections.searchops.snapshots.plugins.module_utils._system import system_reason

# The collection's version, recorded in every manifest (tests/tools check it against galaxy.yml).
COLLECTION_VERSION = "0.1.0"
MANIFEST = "searchops.manifest"
FORMAT = 1
# The collection's own hidden indices: manifests stored beside snapshots, and drill records.
MANIFEST_INDEX = "searchops-manifests"
DRILL_INDEX = "searchops-drills"
# Every engine refuses snapshot metadata whose compact JSON is over 1024 bytes (CreateSnapshotRequest:
# "metadata must be smaller than 1024 bytes, but was [N]"); not configurable.
METADATA_LIMIT = 1024
# The permissions the manifest's reads need, named in the error when the server refuses one.
MANIFEST_PERMISSIONS = "indices:monitor/stats, indices:admin/refresh, indices:admin/mappings/get and read (search)"
# The own indices' settings and mappings: hidden (not matched by * nor shown by dashboards), one
# shard, a replica where there is a node for it; only the fields searched are mapped, the rest is kept
# in _source (a field per index name would grow the mapping without bound).
OWN_INDEX_SETTINGS = {"index.hidden": True, "index.number_of_shards": 1, "index.auto_expand_replicas": "0-1"}
OWN_INDEX_FIELDS = {
    MANIFEST_INDEX: ("snapshot", "repository", "create_id", "cluster_uuid"),
    DRILL_INDEX: ("drill", "state", "repository", "snapshot", "uuid", "prefix", "targets"),
}


def metadata_size(metadata):
    """The size the server measures: bytes of the compact JSON, non-ASCII as UTF-8."""
    return len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def mapping_hash(mapping):
    """The first 16 hex digits of the SHA-256 of the mapping's canonical JSON ({} when empty)."""
    return hashlib.sha256(canonical(mapping or {}).encode()).hexdigest()[:16]


def digest(indices):
    """The SHA-256 of a manifest's indices, as recorded beside a manifest stored in a document."""
    return hashlib.sha256(canonical(indices).encode()).hexdigest()


def entry(docs, seq_no, mapping):
    """One index of a manifest: [documents, primaries' sequence number or None, mapping hash]."""
    return [docs, seq_no, mapping]


class Recorder:
    """Reads the manifest of the indices a snapshot will take, and stores it."""

    def __init__(self, client, deadline=None):
        self.client = client
        self.deadline = deadline

    def read(self, expressions):
        """{"v", "version", "indices": {index: entry}} for the open indices the expressions name (all
        when None), system indices and the collection's own left out. Sequence numbers are read
        before the refresh and the count and again after: a write in between leaves the index's number
        out (None), so it is compared with a tolerance. None, with a warning, when the security plugin
        refuses a read: the snapshot matters more than its manifest."""
        try:
            return self._read(expressions)
        except HTTPError as err:
            if err.status != 403:
                raise
            self.client.warn(
                f"The snapshot is taken without a manifest: {err}. The manifest needs {MANIFEST_PERMISSIONS} on the "
                "indices snapshotted: grant them, or set manifest: false"
            )
            return None

    def _read(self, expressions):
        indices = Indices(self.client)
        # closed and missing indices are left out: the create says whether they may be missing
        before = indices.seq_numbers(expressions or ["_all"], self.deadline)
        names = [n for n in before if not system_reason(n)]
        indices.refresh(names, self.deadline)
        counts = indices.doc_counts(names, self.deadline)
        mappings = indices.mappings(names, self.deadline)
        after = indices.seq_numbers(names, self.deadline)
        manifest = {
            name: entry(
                counts.get(name, 0),
                before[name] if before[name] is not None and before[name] == after.get(name) else None,
                mapping_hash(mappings.get(name)),
            )
            for name in sorted(names)
        }
        return {"v": FORMAT, "version": COLLECTION_VERSION, "indices": manifest}

    def store(self, document_id, document):
        """Write the manifest document (the index created hidden when absent), refreshed so that the
        snapshot that follows holds it."""
        ensure_own_index(self.client, MANIFEST_INDEX, self.deadline)
        self.client.request(
            "PUT",
            quote_path(MANIFEST_INDEX, "_doc", document_id),
            query={"refresh": "true"},
            body=document,
            expect=(200, 201),
            deadline=self.deadline,
        )


def read_manifest(client, index, document_id):
    """The _source of a manifest document in index (a drill's copy of MANIFEST_INDEX), or None."""
    answer = client.request("GET", quote_path(index, "_doc", document_id), missing_ok=True)
    source = (answer.body or {}).get("_source") if answer else None
    return source if isinstance(source, dict) else None


def ensure_own_index(client, name, deadline=None):
    """Create one of the collection's own indices (hidden, searched fields mapped) unless it exists."""
    properties = {field: {"type": "keyword"} for field in OWN_INDEX_FIELDS[name]}
    properties["started"] = {"type": "date"}
    body = {"settings": OWN_INDEX_SETTINGS, "mappings": {"dynamic": False, "properties": properties}}
    try:
        client.request("PUT", quote_path(name), body=body, deadline=deadline)
    except HTTPError as err:
        if err.error_type != "resource_already_exists_exception":
            raise


def place(manifest, metadata, document_id):
    """(metadata with the manifest, the document to store or None). The manifest goes in the
    metadata whole while the metadata stays within the engines' limit; otherwise the metadata holds
    its digest and size and the manifest goes in a document of MANIFEST_INDEX, stored in the same
    snapshot. Raises ConfigurationError when even the digest does not fit next to the user's keys."""
    inline = dict(metadata, **{MANIFEST: manifest})
    if metadata_size(inline) <= METADATA_LIMIT:
        return inline, None
    indices = manifest["indices"]
    pointer = {
        "v": manifest["v"],
        "version": manifest["version"],
        "document": document_id,
        "sha256": digest(indices),
        "count": len(indices),
        "docs": sum(e[0] for e in indices.values()),
    }
    placed = dict(metadata, **{MANIFEST: pointer})
    size = metadata_size(placed)
    if size > METADATA_LIMIT:
        raise ConfigurationError(
            f"The snapshot's metadata would be {size} bytes with the manifest's digest, over the engines' limit "
            f"of {METADATA_LIMIT} bytes (compact JSON)",
            f"Shorten metadata (the manifest's digest takes {size - metadata_size(metadata)} bytes), "
            "or set manifest: false",
        )
    return placed, dict(manifest)


def recorded(info):
    """The manifest a snapshot's metadata records: {"v", "version", "indices"} when inline, or the
    pointer to its document ({"document", "sha256", "count", "docs", ...}); None when there is none."""
    metadata = info.get("metadata")
    manifest = metadata.get(MANIFEST) if isinstance(metadata, dict) else None
    return manifest if isinstance(manifest, dict) else None


def authentic(pointer, document):
    """Whether a manifest document is the one the snapshot's metadata points at (same digest)."""
    indices = (document or {}).get("indices")
    return isinstance(indices, dict) and digest(indices) == pointer.get("sha256")


PASS = "pass"
FAIL = "fail"
UNVERIFIED = "unverified"


def compare(expected, restored_docs, restored_seq_no, restored_mapping, tolerance):
    """The verdict for one index: {"result", "reason", "written_during_snapshot"}.

    expected: the manifest's entry (None when the manifest does not list the index). Counts must be
    equal when the restored copy has the sequence number recorded (nothing was written between the
    count and the snapshot); otherwise they may differ by tolerance (documents). The mapping must
    hash equal when the index was not written (a write may add fields to a dynamic mapping);
    restored_mapping None: not compared."""
    if expected is None:
        return {"result": UNVERIFIED, "reason": "not in the snapshot's manifest: restored and counted only"}
    docs, seq_no, mapping = expected
    written = seq_no is None or restored_seq_no != seq_no
    problems = []
    allowed = tolerance if written else 0
    if abs(restored_docs - docs) > allowed:
        problems.append(
            f"{restored_docs} documents restored, {docs} counted before the snapshot"
            + (
                f" (written during the snapshot; tolerance {tolerance})"
                if written
                else " (not written during the snapshot: they must be equal)"
            )
        )
    if not written and restored_mapping is not None and restored_mapping != mapping:
        problems.append(f"mapping hash {restored_mapping} restored, {mapping} recorded")
    verdict = {"result": FAIL if problems else PASS, "written_during_snapshot": written}
    if problems:
        verdict["reason"] = "; ".join(problems)
    return verdict
