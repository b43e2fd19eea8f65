# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster the client talks to: who it is (GET /)."""

from __future__ import annotations

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import SearchError
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import CLUSTER_NAME, CLUSTER_UUID


def cluster_identity(client, deadline=None):
    """{CLUSTER_UUID, CLUSTER_NAME}: the metadata es_snapshot records in every snapshot."""
    body = client.request("GET", "", deadline=deadline).body
    uuid = body.get("cluster_uuid")
    if not uuid or uuid == "_na_":
        raise SearchError(
            f"{client.base_url} does not say its cluster_uuid",
            "Is it an Elasticsearch or OpenSearch cluster with an elected cluster manager?",
        )
    return {CLUSTER_UUID: uuid, CLUSTER_NAME: body.get("cluster_name")}
