# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Indices: which exist and whether they are open (cluster state), deleting, closing and opening
them, their health until restored shards are active, and their document counts; the cluster's data
streams, deleting them and counting their documents."""

from __future__ import annotations

from ansible_collections.searchops.snapshots.plugins.module_utils._client import batches, quote_path, source_query
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    HTTPError,
    SearchError,
    WaitTimeout,
)

# The fields of GET _stats?level=shards that say each shard copy's sequence numbers.
SEQ_NO_FIELDS = "indices.*.shards.*.routing.primary,indices.*.shards.*.seq_no"


def primaries_seq_no(stats):
    """{index: sum of its primaries' highest sequence numbers, or None when an operation was still
    in flight on a primary (local checkpoint behind the highest number)} from GET _stats?level=shards."""
    found = {}
    for index, entry in (stats.get("indices") or {}).items():
        total = 0
        for copies in (entry.get("shards") or {}).values():
            for copy in copies:
                if (copy.get("routing") or {}).get("primary"):
                    seq = copy.get("seq_no") or {}
                    settled = seq.get("max_seq_no") is not None and seq.get("local_checkpoint") == seq["max_seq_no"]
                    total = total + seq["max_seq_no"] if total is not None and settled else None
        found[index] = total
    return found


def failed_primaries(rows):
    """{index: why} for the indices with a primary whose recovery failed (a restore that could not read
    its files: UNASSIGNED, ALLOCATION_FAILED), from GET _cat/shards?format=json rows."""
    failed = {}
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("prirep") == "p" and row.get("unassigned.reason") == "ALLOCATION_FAILED":
            detail = row.get("unassigned.details") or "no details"
            failed.setdefault(row.get("index"), f"shard {row.get('shard')} could not be restored: {detail}")
    return failed


def restored_and_active(health):
    """An index being restored shows yellow with no active primary: done means every primary
    active and no shard initializing (recovering)."""
    return (
        health is not None
        and health["active_primary_shards"] == health["number_of_shards"]
        and health["initializing_shards"] == 0
    )


class Indices:
    """The indices of the cluster. Methods that change indices take the list to record what was
    done in, so that a failure half-way still tells what happened."""

    def __init__(self, client):
        self.client = client

    def state(self):
        """{name: {"open": bool, "uuid": str}} for every index of the cluster (hidden ones too)."""
        body = self.client.request(
            "GET",
            quote_path("_cluster", "state", "metadata"),
            query={
                "filter_path": "metadata.indices.*.state,metadata.indices.*.settings.index.uuid",
                "expand_wildcards": "all",
            },
        ).body
        indices = (body.get("metadata") or {}).get("indices") or {}
        return {
            name: {"open": meta.get("state") == "open", "uuid": meta.get("settings", {}).get("index", {}).get("uuid")}
            for name, meta in indices.items()
        }

    def data_streams(self):
        """{data stream: [backing indices]} of the cluster, from the cluster state (which every engine
        answers; none on an engine without data streams)."""
        body = self.client.request(
            "GET",
            quote_path("_cluster", "state", "metadata"),
            query={"filter_path": "metadata.data_stream.data_stream.*.indices.index_name"},
        ).body
        streams = ((body.get("metadata") or {}).get("data_stream") or {}).get("data_stream") or {}
        return {name: [i.get("index_name") for i in meta.get("indices") or []] for name, meta in streams.items()}

    def check_data_stream_api(self, name):
        """Refuse (before any change) to plan a data stream deletion on a cluster without the data
        stream REST API: Elasticsearch 8's integ-test distribution answers 405 to _data_stream."""
        try:
            self.client.request("GET", quote_path("_data_stream", name))
        except HTTPError as err:
            if err.status != 405:
                raise
            raise ConfigurationError(
                f"This cluster has no data stream API (GET _data_stream/{name} answered 405: {err.reason}), "
                f"so the data stream {name} in the way cannot be deleted",
                "Nothing was changed. Restore under another name (rename_pattern/rename_replacement), or choose "
                "on_conflict: skip",
            ) from None

    def delete_data_streams(self, names, deleted):
        """DELETE _data_stream/<names>, with their backing indices, adding each to deleted once it is
        gone; a failure is reconciled by reading the cluster's data streams (gone is deleted)."""
        for batch in batches(names):
            try:
                self.client.request("DELETE", quote_path("_data_stream", ",".join(batch)))
            except SearchError:
                left = self.data_streams()
                deleted += [n for n in batch if n not in left]
                if any(n in left for n in batch):
                    raise
            else:
                deleted += batch

    def delete(self, names, deleted):
        """Delete the indices, adding each to deleted once it is gone. A DELETE that fails is
        reconciled by reading the cluster state: an index that is gone is deleted (its answer was
        lost: 502/504 or a dropped connection, and the retry saw 404); when another actor deleted
        some of a batch (404), the rest is deleted again."""
        for batch in batches(names):
            pending = batch
            while pending:
                try:
                    self.client.request("DELETE", quote_path(",".join(pending)))
                except SearchError as err:
                    state = self.state()
                    deleted += [n for n in pending if n not in state]
                    still = [n for n in pending if n in state]
                    if still and not (len(still) < len(pending) and getattr(err, "status", None) == 404):
                        raise
                    pending = still
                else:
                    deleted += pending
                    pending = []

    def close(self, names, closed):
        self._each_batch("_close", names, closed)

    def open(self, names, opened):
        self._each_batch("_open", names, opened)

    def _each_batch(self, action, names, done):
        for batch in batches(names):
            self.client.request("POST", quote_path(",".join(batch), action), retry=True)
            done += batch

    def wait_active(self, names, deadline, failed=None):
        """Poll index health until every shard of the indices is active (restored_and_active). failed:
        a dict that, when given, takes the indices whose primary could not be restored ({index: why}),
        which then end the wait for them instead of running into the deadline."""
        pending = list(names)
        health = {}

        def all_active():
            for batch in batches(pending):
                body = self.client.request(
                    "GET",
                    quote_path("_cluster", "health", ",".join(batch)),
                    query={"level": "indices", "timeout": "1s"},
                    expect=(200, 408),
                    deadline=deadline,
                ).body
                health.update(body.get("indices") or {})
            pending[:] = [name for name in pending if not restored_and_active(health.get(name))]
            if failed is not None and pending:
                failed.update(self.failed_primaries(pending, deadline))
                pending[:] = [name for name in pending if name not in failed]
            return True if not pending else None

        def timed_out(elapsed, unreachable):
            states = ", ".join(f"{name}: {health.get(name, {}).get('status', 'not created')}" for name in pending)
            return WaitTimeout(
                f"The restore did not finish within wait_timeout ({states})",
                "Look at GET _cat/recovery and GET _cluster/allocation/explain; the restore goes on on the server",
            )

        self.client.clock.poll(all_active, deadline, timed_out, self.client.warn)

    def failed_primaries(self, names, deadline=None):
        """{index: why} for those of the indices with a primary that could not be restored."""
        failed = {}
        for batch in batches(names):
            rows = self.client.request(
                "GET",
                quote_path("_cat", "shards", ",".join(batch)),
                query={"format": "json", "h": "index,shard,prirep,state,unassigned.reason,unassigned.details"},
                deadline=deadline,
                any_body=True,
            ).body
            failed.update(failed_primaries(rows))
        return failed

    def refresh(self, names, deadline=None):
        for batch in batches(names):
            self.client.request("POST", quote_path(",".join(batch), "_refresh"), retry=True, deadline=deadline)

    def seq_numbers(self, expressions, deadline=None):
        """primaries_seq_no of the open indices the expressions name (hidden ones too); closed and
        missing ones are left out (the statistics of a closed index cannot be read). Names and
        patterns go in URL-sized batches; a list with an exclusion (-name) goes whole, since an
        exclusion applies to what comes before it."""
        query = {"level": "shards", "expand_wildcards": "open,hidden", "filter_path": SEQ_NO_FIELDS}
        query.update(ignore_unavailable="true", allow_no_indices="true")
        groups = [expressions] if any(e.startswith("-") for e in expressions) else batches(expressions)
        found = {}
        for group in groups:
            path = quote_path(",".join(group), "_stats", "docs")
            found.update(primaries_seq_no(self.client.request("GET", path, query=query, deadline=deadline).body))
        return found

    def mappings(self, names, deadline=None):
        """{index: its mapping} (the mappings object of GET <index>/_mapping)."""
        found = {}
        for batch in batches(names):
            body = self.client.request("GET", quote_path(",".join(batch), "_mapping"), deadline=deadline).body
            found.update({name: (entry or {}).get("mappings") for name, entry in body.items()})
        return found

    def count(self, name, query, deadline=None):
        """Documents of the index matching a query (GET _count, the query as the source parameter)."""
        answer = self.client.request(
            "GET", quote_path(name, "_count"), query=source_query({"query": query}), deadline=deadline
        )
        return answer.body.get("count")

    def doc_counts(self, names, deadline=None):
        """{index: number of documents}, as GET _count counts them, in one search per batch of names: the
        index statistics (_stats/docs) would count every nested object as a document, and need
        indices:monitor/stats where a search needs only the read permission."""
        counts = dict.fromkeys(names, 0)
        for batch in batches(names):
            body = {"size": 0, "aggs": {"per_index": {"terms": {"field": "_index", "size": len(batch)}}}}
            path = quote_path(",".join(batch), "_search")
            answer = self.client.request("GET", path, query=source_query(body), deadline=deadline)
            for bucket in ((answer.body.get("aggregations") or {}).get("per_index") or {}).get("buckets") or []:
                counts[bucket["key"]] = bucket["doc_count"]
        return counts
