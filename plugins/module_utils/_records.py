# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection recorded about snapshots, as es_snapshot_info shows it: each snapshot's
manifest (in its metadata, or in the searchops-manifests document its metadata points at) and the
last restore drill of it (documents of searchops-drills). The shapes are pure functions; Records
reads the documents of many snapshots in few requests (docs/design.md, "es_snapshot_info:
manifests and last drills")."""

from __future__ import annotations

from ansible_collections.searchops.snapshots.plugins.module_utils._client import quote_path, source_query
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import HTTPError
from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import (
    DRILL_INDEX,
    FAIL,
    MANIFEST_INDEX,
    authentic,
    ensure_own_index,
)

# Manifest documents per _mget: a document holds one entry per index (about 60 bytes each), so a
# hundred manifests of a thousand indices each stay a few megabytes of answer.
DOCUMENTS_PER_READ = 100
# Snapshot uuids per drill search: far below the engines' limits on terms (65536) and hits (10000).
UUIDS_PER_SEARCH = 1000
# A drill that ended; a running one (or one killed while running) says nothing about the snapshot.
FINISHED_DRILLS = ("passed", "failed")
DRILL_FIELDS = ("drill", "state", "started", "ended", "duration_in_millis", "summary")


def manifest_pointer(entry):
    """The document id a manifest entry (_manifest.recorded) points at, or None when it is inline."""
    document = entry.get("document") if isinstance(entry, dict) else None
    return document if isinstance(document, str) and document else None


def shown_manifest(entry, read=None):
    """What a listing shows of a snapshot's manifest (entry: _manifest.recorded(info)).

    None without a manifest. Inline: the entry, with stored_in "metadata". In a document (entry is
    the pointer): read is (found, source) of the document (None: it could not be read, a warning said
    why). Found: the document's manifest with the pointer's keys, stored_in "document",
    document_found true and whether it is authentic (its digest is the pointer's). Not found: the
    pointer with document_found false."""
    if entry is None:
        return None
    if "document" not in entry:
        return dict(entry, stored_in="metadata")
    shown = dict(entry, stored_in="document")
    if read is None:
        return shown
    found, source = read
    if not found:
        return dict(shown, document_found=False)
    found = dict(source)
    found.update(shown)
    found.update(document_found=True, authentic=authentic(entry, source))
    return found


def manifest_reads(docs):
    """{document id: (found, source) or None} from the docs of an _mget answer. A document of a missing
    index is not found; one whose read failed otherwise is None (unknown)."""
    reads = {}
    for doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("_id"), str):
            continue
        error = doc.get("error")
        if isinstance(error, dict) and error.get("type") != "index_not_found_exception":
            reads[doc["_id"]] = None
        elif doc.get("found") is True and isinstance(doc.get("_source"), dict):
            reads[doc["_id"]] = (True, doc["_source"])
        else:
            reads[doc["_id"]] = (False, None)
    return reads


def drill_search(uuids):
    """The search for the newest finished drill of each of these snapshot uuids: one hit per uuid
    (collapse), the newest by started (the drill id breaks ties)."""
    return {
        "size": len(uuids),
        "track_total_hits": False,
        "query": {"bool": {"filter": [{"terms": {"uuid": list(uuids)}}, {"terms": {"state": list(FINISHED_DRILLS)}}]}},
        "collapse": {"field": "uuid"},
        "sort": [{"started": {"order": "desc"}}, {"drill": {"order": "desc"}}],
        "_source": ["uuid", "indices", *DRILL_FIELDS],
    }


def shown_drill(record):
    """What a listing shows of a drill record: DRILL_FIELDS, and failed, the source indices whose
    result is fail (sorted)."""
    shown = {key: record.get(key) for key in DRILL_FIELDS}
    indices = record.get("indices")
    shown["failed"] = sorted(
        name
        for name, verdict in (indices.items() if isinstance(indices, dict) else ())
        if isinstance(verdict, dict) and verdict.get("result") == FAIL
    )
    return shown


def chunks(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


class Records:
    """The collection's records of snapshots on the cluster: manifest documents, and drills (read, and
    written by es_snapshot_verify)."""

    def __init__(self, client):
        self.client = client

    def running_drills(self, prefix):
        """{drill id: its copies} of the drills with this prefix whose record still says running (killed,
        or running now)."""
        query = {"bool": {"filter": [{"term": {"state": "running"}}, {"term": {"prefix": prefix}}]}}
        body = {"size": 1000, "query": query, "_source": ["targets"]}
        path = quote_path(DRILL_INDEX, "_search")
        answer = self.client.request("GET", path, query=source_query(body), missing_ok=True)
        hits = ((answer.body if answer else {}).get("hits") or {}).get("hits") or []
        return {
            hit["_id"]: (hit.get("_source") or {}).get("targets") or []
            for hit in hits
            if isinstance(hit, dict) and isinstance(hit.get("_id"), str)
        }

    def start_drill(self, drill, record):
        """Write a drill's record (the index created hidden when absent), refreshed: a drill killed
        after this is found by the next one."""
        ensure_own_index(self.client, DRILL_INDEX)
        path = quote_path(DRILL_INDEX, "_doc", drill)
        self.client.request("PUT", path, query={"refresh": "true"}, body=record, expect=(200, 201))

    def update_drill(self, drill, fields):
        path = quote_path(DRILL_INDEX, "_update", drill)
        self.client.request("POST", path, query={"refresh": "true"}, body={"doc": fields}, retry=True)

    def manifests(self, entries):
        """{document id: (found, source) or None} for the pointers among entries (_manifest.recorded
        of each snapshot), read in _mget requests of DOCUMENTS_PER_READ ids. Refused (403): a warning,
        and every read is None."""
        ids = sorted({manifest_pointer(entry) for entry in entries} - {None})
        reads = {}
        try:
            for batch in chunks(ids, DOCUMENTS_PER_READ):
                path = quote_path(MANIFEST_INDEX, "_mget")
                answer = self.client.request("POST", path, body={"ids": batch}, retry=True, missing_ok=True)
                docs = answer.body.get("docs") if answer is not None else None
                reads.update(manifest_reads(docs if isinstance(docs, list) else []))
        except HTTPError as err:
            if err.status != 403:
                raise
            self.client.warn(
                f"The manifests stored in {MANIFEST_INDEX} are shown as their pointers (document, sha256): {err}. "
                f"Grant read on {MANIFEST_INDEX} to see them"
            )
            return {}
        unknown = sorted(document for document in ids if reads.get(document, (False, None)) is None)
        if unknown:
            self.client.warn(
                f"The manifest documents {', '.join(unknown)} of {MANIFEST_INDEX} could not be read; "
                "their snapshots' manifests are shown as their pointers"
            )
        return {document: reads.get(document, (False, None)) for document in ids}

    def last_drills(self, uuids):
        """{snapshot uuid: its newest finished drill record} from one search of DRILL_INDEX (one per
        UUIDS_PER_SEARCH uuids); {} when the index does not exist. None, with a warning, when the
        search is refused (403)."""
        found = {}
        for batch in chunks(sorted(set(uuids)), UUIDS_PER_SEARCH):
            try:
                answer = self.client.request(
                    "POST", quote_path(DRILL_INDEX, "_search"), body=drill_search(batch), retry=True
                )
            except HTTPError as err:
                if err.status == 404 and err.error_type == "index_not_found_exception":
                    return {}
                if err.status != 403:
                    raise
                self.client.warn(
                    f"The snapshots' last drills are left out: {err}. Grant read on {DRILL_INDEX} to see them, "
                    "or set drills: false"
                )
                return None
            hits = (answer.body.get("hits") or {}).get("hits") or []
            for hit in hits if isinstance(hits, list) else []:
                source = hit.get("_source") if isinstance(hit, dict) else None
                if isinstance(source, dict) and source.get("uuid") in batch:
                    found.setdefault(source["uuid"], source)
        return found
