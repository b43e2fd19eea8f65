# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster the client talks to: who it is, and which engine (docs/engines.md)."""

from __future__ import annotations

import re

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    HTTPError,
    SearchError,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import CLUSTER_NAME, CLUSTER_UUID

# Statuses of GET / on a cluster without the root endpoint: Elasticsearch 8 serves it from its
# rest-root module, which a minimal build (the integ-test-zip) lacks (405 "Incorrect HTTP method").
NO_ROOT_ENDPOINT = (404, 405)
# Elasticsearch's feature states (system indices snapshotted and restored per feature) appeared in
# 7.12; OpenSearch has none. Elasticsearch 7.10 and OpenSearch refuse them on restore ("Unknown
# parameter feature_states") and ignore them on snapshot creation.
FEATURE_STATES_SINCE = (7, 12)
# The permission GET / needs under the security plugin. AWS's manage_snapshots role (all that AWS
# documents for snapshots under fine-grained access control) lacks it.
MONITOR_MAIN = "cluster:monitor/main"


def cluster_info(client, deadline=None):
    """{"uuid", "name", "distribution" (elasticsearch or opensearch), "version" (a tuple)}.

    GET / (light); where the cluster has no root endpoint (only some Elasticsearch 8 builds),
    the cluster state's header and the local node's version."""
    try:
        body = client.request("GET", "", deadline=deadline).body
        version = body.get("version") or {}
        return {
            "uuid": body.get("cluster_uuid"),
            "name": body.get("cluster_name"),
            "distribution": version.get("distribution") or "elasticsearch",
            "version": version_tuple(version.get("number")),
        }
    except HTTPError as err:
        if err.status not in NO_ROOT_ENDPOINT:
            raise
    state = client.request(
        "GET", "_cluster/state/metadata", query={"filter_path": "cluster_name,metadata.cluster_uuid"}, deadline=deadline
    ).body
    nodes = client.request("GET", "_nodes/_local", query={"filter_path": "nodes.*.version"}, deadline=deadline).body
    number = next(iter((nodes.get("nodes") or {}).values()), {}).get("version")
    return {
        "uuid": (state.get("metadata") or {}).get("cluster_uuid"),
        "name": state.get("cluster_name"),
        "distribution": "elasticsearch",
        "version": version_tuple(number),
    }


def cluster_info_if_allowed(client, warn, without):
    """cluster_info(), or None when the security plugin refuses GET / (MONITOR_MAIN); then warn says
    what the module does without it (`without`) and how to lift that."""
    try:
        return cluster_info(client)
    except HTTPError as err:
        if err.status != 403 or f"[{MONITOR_MAIN}]" not in str(err.reason):
            raise
    warn(
        f"The user may not read the cluster's identity (GET / needs {MONITOR_MAIN}, which the manage_snapshots "
        f"role lacks): {without}. Map the user also to a role that grants {MONITOR_MAIN} to lift this"
    )
    return None


def version_tuple(number):
    """(7, 10, 2) from "7.10.2" or "8.19.9-SNAPSHOT"; () when unknown."""
    return tuple(int(part) for part in re.findall(r"\d+", str(number or ""))[:3])


NAMES = {"opensearch": "OpenSearch", "elasticsearch": "Elasticsearch"}


def describe(info):
    """The engine as users name it: "OpenSearch 2.19.6"."""
    name = NAMES.get(info["distribution"], info["distribution"])
    return f"{name} {'.'.join(str(p) for p in info['version']) or '(version unknown)'}"


def cluster_identity(client, deadline=None, info=None):
    """{CLUSTER_UUID, CLUSTER_NAME}: the metadata es_snapshot records in every snapshot (from info,
    a cluster_info() already read, when given)."""
    info = info or cluster_info(client, deadline)
    if not info["uuid"] or info["uuid"] == "_na_":
        raise SearchError(
            f"{client.base_url} does not say its cluster_uuid",
            "Is it an Elasticsearch or OpenSearch cluster with an elected cluster manager?",
        )
    return {CLUSTER_UUID: info["uuid"], CLUSTER_NAME: info["name"]}


def has_feature_states(info):
    return info["distribution"] == "elasticsearch" and info["version"] >= FEATURE_STATES_SINCE


def require_feature_states(info, option="feature_states"):
    """Refuse feature_states where the engine has none (it would refuse or, worse, ignore them)."""
    if not has_feature_states(info):
        raise ConfigurationError(
            f"{option} is an Elasticsearch 7.12+ feature; this cluster runs {describe(info)}, which has no feature "
            "states (its system indices are ordinary indices in the snapshot)",
            "Remove feature_states; select system indices by name in indices instead",
        )


# OpenSearch's version ids carry this bit (so that they sort after every Elasticsearch id)
OPENSEARCH_ID_MASK = 0x08000000
# the newest Elasticsearch whose snapshots OpenSearch restores
OPENSEARCH_READS_ELASTICSEARCH_UP_TO = (7, 10, 2)


def snapshot_writer(snapshot):
    """(distribution, version) of the engine that took the snapshot, from its version_id and version;
    None when the snapshot does not say. Elasticsearch 8 writes an index-version range as version
    ("8.19.9-8.19.21"): its first release is the oldest that reads the snapshot."""
    version_id = snapshot.get("version_id")
    if isinstance(version_id, int) and version_id & OPENSEARCH_ID_MASK:
        legacy = version_id ^ OPENSEARCH_ID_MASK
        return "opensearch", (legacy // 1000000, legacy // 10000 % 100, legacy // 100 % 100)
    version = version_tuple(snapshot.get("version"))
    return ("elasticsearch", version) if version else None


def restore_refusal(snapshot, info):
    """Why this cluster (a cluster_info) would refuse to restore the snapshot, or None. Every engine
    lists such a snapshot as SUCCESS and refuses it only when the restore is sent ("the snapshot was
    created with ... version [...] which is higher than the version of this node"), too late for a
    restore that deleted or closed indices first."""
    writer = snapshot_writer(snapshot)
    if writer is None or not info["version"]:
        return None
    distribution, version = writer
    taken_by = describe({"distribution": distribution, "version": version})
    if info["distribution"] == "elasticsearch" and distribution == "opensearch":
        return f"was taken by {taken_by}, and Elasticsearch cannot restore snapshots of OpenSearch"
    if info["distribution"] == "opensearch" and distribution == "elasticsearch":
        if version > OPENSEARCH_READS_ELASTICSEARCH_UP_TO:
            return f"was taken by {taken_by}, and OpenSearch restores snapshots of Elasticsearch up to 7.10 only"
        return None
    if version > info["version"]:
        return f"was taken by {taken_by}, newer than this cluster ({describe(info)})"
    return None


def capacity(client):
    """(settings, nodes, open shards): the cluster settings with their defaults (flat), each node's
    name, roles and disk (GET _nodes/stats/fs), and the shards that count against
    cluster.max_shards_per_node (active, initializing and unassigned); for _drill.capacity_problems."""
    settings = client.request("GET", "_cluster/settings", query={"include_defaults": "true", "flat_settings": "true"})
    nodes = client.request(
        "GET", "_nodes/stats/fs", query={"filter_path": "nodes.*.name,nodes.*.roles,nodes.*.fs.total"}
    )
    health = client.request("GET", "_cluster/health").body
    open_shards = sum(health.get(k, 0) for k in ("active_shards", "initializing_shards", "unassigned_shards"))
    return settings.body, nodes.body.get("nodes") or {}, open_shards
