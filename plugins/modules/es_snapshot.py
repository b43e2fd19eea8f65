#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_snapshot
short_description: Take or delete a snapshot on Elasticsearch or OpenSearch
version_added: 0.1.0
description:
  - Takes a snapshot into a registered repository and waits until it ends, or deletes one.
  - Idempotent. A snapshot that already exists and succeeded is left alone; one that is still running is
    attached to and waited for; a snapshot that failed, or ended C(PARTIAL) without O(partial=true), makes the module fail
    with the reasons per shard.
  - On Amazon OpenSearch Service, a repository whose name starts with C(cs-) (C(cs-automated-enc), the automated
    snapshots) is the service's own; taking or deleting snapshots in it is refused before any request.
  - Names may use date math (C(<nightly-{now/d}>)); the module resolves them as the server does, so a re-run on the same
    day finds the same snapshot.
  - Another snapshot or deletion in the way is waited out, and a create request whose answer was lost (timeout,
    HTTP 502/504 from a proxy) is never sent again blindly; the snapshot is looked up first. When the snapshot found
    carries this run's C(searchops.create_id), the run took it and reports C(changed=true); a same-named snapshot
    someone else created meanwhile is attached to with C(changed=false).
  - One repository, several writers. Every snapshot the module takes records in its O(metadata) the cluster that took it
    (C(searchops.cluster_uuid), C(searchops.cluster_name), from C(GET /)). The module never attaches to a same-named
    snapshot that records another cluster; it fails and says whose it is. A snapshot that records no cluster (taken by
    hand, or by an older version of this collection) is attached to as before, with a warning.
options:
  repository:
    description:
      - Name of a registered snapshot repository (see M(searchops.snapshots.es_snapshot_repo)).
    type: str
    required: true
  snapshot:
    description:
      - Name of the snapshot. Date math is supported, for example C(<nightly-{now/d}>) or
        C(<snap-{now/d{yyyy.MM.dd|+01:00}}>); braces in the fixed part are escaped as C(\{) and C(\}).
      - 'The resolved name must be lowercase and must not start with C(_) or contain spaces or any of C(\ / * ? " < > | , #).'
    type: str
    required: true
  state:
    description:
      - V(present) takes the snapshot when it does not exist; V(absent) deletes it when it exists.
    type: str
    choices: [present, absent]
    default: present
  indices:
    description:
      - Indices, data streams, aliases and patterns to snapshot; a C(-) prefix excludes (C(-logs-debug-*)).
      - A data stream named, or matched by a pattern, is snapshotted whole with all its backing indices; the server
        resolves the names (nothing is filtered here), and C(data_streams) in RV(snapshot) lists the data streams
        taken.
      - Omitted means every index. An empty list, or an empty name in it, is an error (the server would read it as
        every index).
    type: list
    elements: str
  ignore_unavailable:
    description:
      - Skip indices in O(indices) that do not exist instead of failing.
    type: bool
    default: false
  include_global_state:
    description:
      - Also store the cluster state (templates, persistent settings, ...).
    type: bool
    default: false
  feature_states:
    description:
      - Elasticsearch 7.12 and later only. The feature states to store (each feature's system indices, as
        C(GET _features) lists them, for example V(tasks) or V(security)); V(none) for none.
      - Omitted, the server decides (Elasticsearch stores every feature state when O(include_global_state=true), none
        otherwise).
      - Refused on OpenSearch and on Elasticsearch before 7.12, which have no feature states (they would ignore the
        option silently); there, system indices are stored as ordinary indices named in O(indices).
    type: list
    elements: str
  partial:
    description:
      - Accept a snapshot in which some shards could not be stored (state C(PARTIAL)), and allow snapshotting indices
        with unavailable primaries. Otherwise such a snapshot makes the module fail.
    type: bool
    default: false
  metadata:
    description:
      - Arbitrary information stored with the snapshot (who took it, why).
      - The module adds C(searchops.cluster_uuid), C(searchops.cluster_name) and C(searchops.create_id) (a new random id
        per create request); they replace keys of the same names given here, as does C(searchops.manifest)
        (O(manifest)). Elasticsearch and OpenSearch limit the metadata to 1024 bytes of compact JSON, these keys
        included.
    type: dict
  manifest:
    description:
      - Record the snapshot's manifest before taking it. For each open index the snapshot takes (the backing indices
        of data streams included; system indices and the collection's own left out), its documents as C(GET _count)
        counts them after a refresh, the sum of its primaries' highest sequence numbers, and a hash of its mapping;
        with the collection's version. The cluster's UUID and name are in the metadata already.
      - The manifest goes in the snapshot's metadata (C(searchops.manifest)) while the metadata stays within the
        engines' 1024 bytes. Beyond that, roughly past 15 indices, the metadata holds the manifest's SHA-256 and
        the manifest goes in a document of the hidden index C(searchops-manifests), written before the create and
        stored in the same snapshot. When even the digest does not fit next to O(metadata), the module fails
        before any request that changes anything.
      - M(searchops.snapshots.es_snapshot_verify) compares a restored copy with the manifest. A count read before
        the create is exact only when nothing writes to the index until its shards are snapshotted; the sequence
        numbers tell whether something did. See the README, "Restore drills".
      - Needs C(indices:monitor/stats), C(indices:admin/refresh), C(indices:admin/mappings/get) and search on the
        indices snapshotted, and writing to C(searchops-manifests) when the manifest goes there.
      - Not read in check mode.
    type: bool
    default: true
  wait:
    description:
      - Wait until the snapshot ends and report its final state. With V(false), return once the server accepted it;
        a later run with V(true) attaches to it.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the snapshot to end, and for other snapshot operations in the way to finish.
      - When it runs out, the module fails; the snapshot goes on on the server.
    type: int
    default: 3600
  abort:
    description:
      - With O(state=absent), delete a snapshot that is still running, which aborts it.
      - Otherwise a running snapshot is waited for (within O(wait_timeout)) and deleted once it has ended.
    type: bool
    default: false
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: Reads the snapshot and reports what would be done and the request that would be sent; writes nothing and does not wait.
    support: full
  diff_mode:
    description: Returns the snapshot before and after.
    support: full
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: Nightly snapshot of the log indices on Amazon OpenSearch Service (SigV4)
  searchops.snapshots.es_snapshot:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
    repository: nightly
    snapshot: "<logs-{now/d}>"
    indices:
      - logs-*
      - -logs-debug-*
    metadata:
      taken_by: ansible

- name: Start a snapshot on a self-managed cluster and return at once
  searchops.snapshots.es_snapshot:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_password }}"
    repository: backups
    snapshot: before-upgrade
    wait: false

- name: Later, wait for it (attaches to the running snapshot)
  searchops.snapshots.es_snapshot:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_password }}"
    repository: backups
    snapshot: before-upgrade
    wait_timeout: 7200

- name: Delete last week's snapshot
  searchops.snapshots.es_snapshot:
    url: http://localhost:9200
    repository: backups
    snapshot: "<logs-{now/d-7d}>"
    state: absent
"""

RETURN = r"""
snapshot:
  description:
    - The snapshot as the server reports it (C(null) when absent), with its resolved name.
    - C(indices) lists the indices taken, the backing indices (C(.ds-*)) of data streams included; C(data_streams)
      the data streams taken.
    - In check mode, for a snapshot that would be taken, only its name.
    - C(indices) lists the backing indices of the data streams stored, C(data_streams) the streams; on
      Elasticsearch 7.12 and later, C(feature_states) lists the feature states stored and their indices.
  returned: always
  type: dict
  sample:
    snapshot: logs-2026.11.28
    uuid: X9iYqEHvR2OQ3TtU69q5iQ
    state: SUCCESS
    indices: [logs-app, .ds-logs-web-2026.11.28-000001]
    data_streams: [logs-web]
    start_time: "2026-11-28T01:00:00.000Z"
    end_time: "2026-11-28T01:00:04.210Z"
    duration_in_millis: 4210
    shards: {total: 1, failed: 0, successful: 1}
    failures: []
request:
  description: The request the module sent, or would send in check mode.
  returned: when changed
  type: dict
  sample: {"method": "PUT", "path": "_snapshot/nightly/logs-2026.11.28", "query": {"wait_for_completion": "false"},
           "body": {"indices": "logs-*", "include_global_state": false}}
diff:
  description: The snapshot before and after.
  returned: when diff mode is on
  type: dict
status:
  description: HTTP status of the server's error answer that made the module fail.
  returned: on failure, when the server answered with an error status
  type: int
  sample: 404
error:
  description: The error type and reason of the server's answer that made the module fail.
  returned: on failure, when the server answered with an error status
  type: dict
  sample: {"type": "repository_missing_exception", "reason": "[nightly] missing"}
"""

import datetime
import uuid

from ansible_collections.searchops.snapshots.plugins.module_utils._cluster import (
    MONITOR_MAIN,
    cluster_identity,
    cluster_info,
    cluster_info_if_allowed,
    require_feature_states,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._datemath import resolve
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    SnapshotFailed,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import MANIFEST_INDEX, Recorder, place
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, run
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    CLUSTER_NAME,
    CLUSTER_UUID,
    CREATE_ID,
    Snapshots,
    recorded_cluster,
    snapshot_failure,
    snapshot_summary,
    taken_by_another_cluster,
    validate_snapshot_name,
)


def create_body(params, cluster, recorder=None, name=None):
    body = {
        "ignore_unavailable": params["ignore_unavailable"],
        "include_global_state": params["include_global_state"],
        "partial": params["partial"],
    }
    if params["indices"] is not None:
        if not params["indices"] or not all(index.strip() for index in params["indices"]):
            raise ConfigurationError(
                f"indices {params['indices']!r} holds no index name: the server would read it as every index",
                "List the indices to snapshot, or omit indices to snapshot every index",
            )
        body["indices"] = ",".join(params["indices"])
    if params["feature_states"] is not None:
        body["feature_states"] = params["feature_states"]
    create_id = uuid.uuid4().hex
    body["metadata"] = dict(params["metadata"] or {}, **(cluster or {}), **{CREATE_ID: create_id})
    manifest = recorder.read(params["indices"]) if recorder else None
    if manifest is not None:
        body["metadata"], document = place(manifest, body["metadata"], create_id)
        if document is not None:
            owner = {
                "cluster_uuid": (cluster or {}).get(CLUSTER_UUID),
                "cluster_name": (cluster or {}).get(CLUSTER_NAME),
            }
            recorder.store(
                create_id,
                dict(document, snapshot=name, repository=params["repository"], create_id=create_id, **owner),
            )
            if "indices" in body:  # every index (hidden ones too) is snapshotted when none are named
                body["indices"] += f",{MANIFEST_INDEX}"
    return body


def ensure(module, client):
    params = module.params
    now = datetime.datetime.fromtimestamp(client.clock.time(), datetime.timezone.utc)
    name = resolve(params["snapshot"], now)
    validate_snapshot_name(name)
    repo = Snapshots(client, params["repository"])
    repo.check_writable("take" if params["state"] == "present" else "delete")
    before = repo.get(name)
    deadline = client.clock.deadline(params["wait_timeout"])
    result = {"changed": False}
    if params["state"] == "present":
        if params["feature_states"] is not None:
            info = cluster_info(client)
            require_feature_states(info)
        else:
            info = cluster_info_if_allowed(
                client,
                module.warn,
                "the snapshot does not record which cluster took it, and a same-named snapshot that records a cluster "
                "is not attached to",
            )
        cluster = cluster_identity(client, info=info) if info else None
        after = present(module, repo, name, before, deadline, result, cluster)
    else:
        after = absent(module, repo, name, before, deadline, result)
    result["snapshot"] = snapshot_summary(after) if after else None
    if module._diff:
        result["diff"] = {"before": snapshot_summary(before) if before else {}, "after": result["snapshot"] or {}}
    return result


def present(module, repo, name, info, deadline, result, cluster):
    params = module.params
    if info is None:
        recorder = Recorder(repo.client, deadline) if params["manifest"] and not module.check_mode else None
        body = create_body(params, cluster, recorder, name)
        result.update(
            changed=True,
            request={"method": "PUT", "path": repo.path(name), "query": {"wait_for_completion": "false"}, "body": body},
        )
        if module.check_mode:
            return {"snapshot": name}
        if not repo.create(name, body, deadline):
            # someone else created it meanwhile: not this run's change
            result.update(changed=False)
            result.pop("request")
        info = repo.get(name, deadline)
    if info is not None and not result["changed"]:
        check_owner(module, info, cluster)
    if info is not None and info.get("state") == "IN_PROGRESS" and params["wait"] and not module.check_mode:
        info = repo.wait(name, deadline)
    if info is not None and info.get("state") != "IN_PROGRESS":
        failure = snapshot_failure(info, params["partial"])
        if failure:
            hint = "Delete it (state: absent) before taking it again" if not result["changed"] else None
            raise SnapshotFailed(failure, hint, snapshot_summary(info), changed=result["changed"])
    return info


def check_owner(module, info, cluster):
    """Attach only to a snapshot this cluster took, or one that does not say who took it. cluster:
    None when the user may not read it (then a snapshot that says who took it is not attached to)."""
    if cluster is None and recorded_cluster(info) is not None:
        raise SnapshotFailed(
            f"Snapshot {info.get('snapshot')} exists and records the cluster that took it "
            f"({recorded_cluster(info)}), and this user may not read this cluster's identity to compare",
            f"Map the user also to a role that grants {MONITOR_MAIN}, or choose another snapshot name",
            snapshot_summary(info),
        )
    foreign = taken_by_another_cluster(info, cluster)
    if foreign:
        raise SnapshotFailed(
            foreign,
            "Two clusters write to this repository, which corrupts it: give each cluster a repository of its own "
            "(its own base_path) or register it readonly on all but one, or choose another snapshot name",
            snapshot_summary(info),
        )
    if recorded_cluster(info) is None:
        module.warn(
            f"Snapshot {info.get('snapshot')} does not record which cluster took it (no {CLUSTER_UUID} in its "
            "metadata: taken by hand or by an older version of this collection); attached to it as it is"
        )


def absent(module, repo, name, info, deadline, result):
    if info is None:
        return None
    result.update(changed=True, request={"method": "DELETE", "path": repo.path(name)})
    if module.check_mode:
        return None
    if info.get("state") == "IN_PROGRESS" and not module.params["abort"]:
        repo.wait(name, deadline)
    deleted, gone = repo.delete([name], deadline)
    if gone:  # deleted meanwhile by someone else
        result.update(changed=False)
        result.pop("request")
    return None


def main():
    module = build_module(
        dict(
            repository=dict(type="str", required=True),
            snapshot=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            indices=dict(type="list", elements="str"),
            ignore_unavailable=dict(type="bool", default=False),
            include_global_state=dict(type="bool", default=False),
            feature_states=dict(type="list", elements="str"),
            partial=dict(type="bool", default=False),
            metadata=dict(type="dict"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=3600),
            abort=dict(type="bool", default=False),
            manifest=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    run(module, ensure)


if __name__ == "__main__":
    main()
