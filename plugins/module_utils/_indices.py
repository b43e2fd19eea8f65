# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Indices: which exist and whether they are open (cluster state), deleting, closing and opening
them, their health until restored shards are active, and their document counts; the cluster's data
streams, deleting them and counting their documents."""

from __future__ import annotations

import json

from ansible_collections.searchops.snapshots.plugins.module_utils._client import batches, quote_path
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    HTTPError,
    SearchError,
    WaitTimeout,
)


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

    def wait_active(self, names, deadline):
        """Poll index health until every shard of the indices is active (restored_and_active)."""
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
            return True if not pending else None

        def timed_out(elapsed, unreachable):
            states = ", ".join(f"{name}: {health.get(name, {}).get('status', 'not created')}" for name in pending)
            return WaitTimeout(
                f"The restore did not finish within wait_timeout ({states})",
                "Look at GET _cat/recovery and GET _cluster/allocation/explain; the restore goes on on the server",
            )

        self.client.clock.poll(all_active, deadline, timed_out, self.client.warn)

    def doc_counts(self, names, deadline=None):
        """{index: number of documents}, as GET _count counts them, in one search per batch of names: the
        index statistics (_stats/docs) would count every nested object as a document, and need
        indices:monitor/stats where a search needs only the read permission."""
        counts = dict.fromkeys(names, 0)
        for batch in batches(names):
            body = {"size": 0, "aggs": {"per_index": {"terms": {"field": "_index", "size": len(batch)}}}}
            # a GET, with the body as the `source` parameter: read-only for every proxy and retry rule (a
            # POST's lost answer would not be retried)
            query = {"source": json.dumps(body, separators=(",", ":")), "source_content_type": "application/json"}
            path = quote_path(",".join(batch), "_search")
            answer = self.client.request("GET", path, query=query, deadline=deadline)
            for bucket in ((answer.body.get("aggregations") or {}).get("per_index") or {}).get("buckets") or []:
                counts[bucket["key"]] = bucket["doc_count"]
        return counts
