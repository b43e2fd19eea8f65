#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_snapshot_prune
short_description: Delete old manual snapshots from a repository, keeping a floor of good ones
version_added: 0.1.0
description:
  - Retention for snapshots taken by hand or by playbooks (snapshot lifecycle policies have their own).
  - Among the snapshots whose names match O(snapshots) and whose state is in O(states), deletes those older than
    O(max_age) and those beyond the O(max_count) newest. The O(min_count) newest successful snapshots are kept whatever
    their age, and a running snapshot is never touched.
  - Deletes in batches (several names in one request), so a long backlog goes in a few requests.
  - On Amazon OpenSearch Service, a repository whose name starts with C(cs-) holds the service's automated snapshots,
    which it keeps for 14 days and deletes itself; pruning it is refused before any request, in check mode too.
  - Deleting a snapshot removes only the files no other snapshot uses; later snapshots stay complete.
options:
  repository:
    description:
      - The repository to prune.
    type: str
    required: true
  snapshots:
    description:
      - Names or patterns (C(nightly-*)) of the snapshots this retention applies to; other snapshots are never touched.
    type: list
    elements: str
    default: ['*']
  max_age:
    description:
      - Delete snapshots that started longer ago than this, like V(30d), V(12h) or V(2w) (units s, m, h, d, w).
      - At least one of O(max_age) and O(max_count) is required.
    type: str
  max_count:
    description:
      - Keep at most this many of the matching snapshots in O(states), the newest; delete the older ones.
    type: int
  min_count:
    description:
      - Always keep the newest this many successful snapshots, even when O(max_age) or O(max_count) would delete them,
        so that retention never leaves a repository without a good snapshot.
    type: int
    default: 1
  states:
    description:
      - The states of the snapshots that may be deleted; the others are kept (and O(max_count) does not count them).
    type: list
    elements: str
    choices: [SUCCESS, PARTIAL, FAILED, INCOMPATIBLE]
    default: [SUCCESS, PARTIAL, FAILED, INCOMPATIBLE]
  wait_timeout:
    description:
      - Seconds to keep retrying while another snapshot operation is in the way. One deadline bounds every request
        of the deletion, retries included.
    type: int
    default: 600
  include_other_clusters:
    description:
      - Also apply retention to snapshots whose metadata records another cluster (C(searchops.cluster_uuid), written
        by M(searchops.snapshots.es_snapshot)). By default they are left alone, not counted, and listed in
        RV(other_clusters).
      - Snapshots that record no cluster (taken by hand or by older versions) are always this cluster's.
    type: bool
    default: false
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: Lists exactly the snapshots that would be deleted, and deletes nothing.
    support: full
  diff_mode:
    description: The matching snapshots before and after.
    support: full
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: Keep 30 days of nightly snapshots, and always the newest 7 good ones
  searchops.snapshots.es_snapshot_prune:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
    repository: s3-snapshots
    snapshots: ["nightly-*"]
    max_age: 30d
    min_count: 7

- name: Keep the newest 10 snapshots, whatever their age
  searchops.snapshots.es_snapshot_prune:
    url: https://opensearch.internal:9200
    api_key: "{{ vault_opensearch_api_key }}"
    repository: s3-snapshots
    max_count: 10

- name: Clear out failed snapshots older than a day
  searchops.snapshots.es_snapshot_prune:
    url: https://opensearch.internal:9200
    repository: s3-snapshots
    states: [FAILED, PARTIAL]
    max_age: 1d
    min_count: 0
"""

RETURN = r"""
deleted:
  description:
    - The snapshots this run deleted, or that would be deleted in check mode, newest first.
    - Only what is really gone; a deletion the server refused is an error, not an entry here.
  returned: always
  type: list
  elements: str
  sample: ["nightly-2026.10.01", "nightly-2026.09.30"]
already_gone:
  description:
    - Snapshots the plan deleted that were gone when this run deleted them (deleted meanwhile by someone else).
    - A batch delete is all-or-nothing, so the module lists the batch again and deletes what remains.
  returned: always
  type: list
  elements: str
kept:
  description: The matching snapshots that stay, newest first.
  returned: always
  type: list
  elements: str
  sample: ["nightly-2026.11.28", "nightly-2026.11.27"]
protected:
  description: The successful snapshots kept by O(min_count).
  returned: always
  type: list
  elements: str
running:
  description: Matching snapshots that are running, left alone.
  returned: always
  type: list
  elements: str
other_clusters:
  description: Matching snapshots taken by another cluster (their metadata says so), left alone.
  returned: always
  type: list
  elements: str
diff:
  description: The matching snapshots before and after.
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

from ansible_collections.searchops.snapshots.plugins.module_utils._cluster import (
    cluster_identity,
    cluster_info_if_allowed,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, run
from ansible_collections.searchops.snapshots.plugins.module_utils._prune import parse_age, plan
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    CLUSTER_UUID,
    COMPLETED_STATES,
    Snapshots,
)


def prune(module, client):
    params = module.params
    max_age = parse_age(params["max_age"]) if params["max_age"] is not None else None
    repo = Snapshots(client, params["repository"])
    repo.check_writable("delete")
    cluster_uuid = None
    if not params["include_other_clusters"]:
        info = cluster_info_if_allowed(
            client, module.warn, "every snapshot that records a cluster is left alone, as another cluster's"
        )
        # "": this cluster's uuid unknown, so no snapshot that records one is taken for this cluster's
        cluster_uuid = cluster_identity(client, info=info)[CLUSTER_UUID] if info else ""
    listed = repo.listing(params["snapshots"])
    decided = plan(
        listed,
        int(client.clock.time() * 1000),
        max_age,
        params["max_count"],
        params["min_count"],
        params["states"],
        cluster_uuid,
    )
    deleted, gone = decided["delete"], []
    if deleted and not module.check_mode:
        deleted, gone = repo.delete(deleted, client.clock.deadline(params["wait_timeout"]))
    result = {
        "changed": bool(deleted),
        "deleted": deleted,
        "already_gone": gone,
        "kept": decided["keep"],
        "protected": decided["protected"],
        "running": decided["running"],
        "other_clusters": decided["other_clusters"],
    }
    if module._diff:
        removed = set(decided["delete"])
        result["diff"] = {
            "before": {"snapshots": decided["matching"]},
            "after": {"snapshots": [name for name in decided["matching"] if name not in removed]},
        }
    return result


def main():
    module = build_module(
        dict(
            repository=dict(type="str", required=True),
            snapshots=dict(type="list", elements="str", default=["*"]),
            max_age=dict(type="str"),
            max_count=dict(type="int"),
            min_count=dict(type="int", default=1),
            states=dict(type="list", elements="str", choices=list(COMPLETED_STATES), default=list(COMPLETED_STATES)),
            wait_timeout=dict(type="int", default=600),
            include_other_clusters=dict(type="bool", default=False),
        ),
        required_one_of=[("max_age", "max_count")],
        supports_check_mode=True,
    )
    run(module, prune)


if __name__ == "__main__":
    main()
