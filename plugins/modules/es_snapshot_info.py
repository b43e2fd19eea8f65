#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_snapshot_info
short_description: List snapshot repositories, snapshots and running snapshots on Elasticsearch or OpenSearch
version_added: 0.1.0
description:
  - Lists the registered snapshot repositories and the snapshots that are running.
  - With O(repository), also lists that repository's snapshots, filtered by name or pattern and by state.
  - On Amazon OpenSearch Service the automated snapshots' repository (C(cs-automated-enc) or C(cs-automated)) is listed
    with its type alone, as the service shows it, and its snapshots can be listed like any other's.
  - Each listed snapshot comes with the result of its last restore drill (C(last_drill)), and with O(verbose=true) with
    its manifest (C(manifest)), the record M(searchops.snapshots.es_snapshot) keeps of what it snapshotted.
  - Read-only; never reports a change.
options:
  repository:
    description:
      - The repository whose snapshots to list. Omitted, no snapshots are listed.
    type: str
  snapshots:
    description:
      - Snapshot names and patterns (C(nightly-*)) to list; names that do not exist are skipped.
    type: list
    elements: str
    default: ['*']
  states:
    description:
      - Only list snapshots in these states.
    type: list
    elements: str
    choices: [SUCCESS, PARTIAL, FAILED, IN_PROGRESS, INCOMPATIBLE]
  verbose:
    description:
      - V(false) lists name, uuid, indices and state of every snapshot in one light request (the server reads only the
        repository's index), in the server's order; large repositories answer quickly.
      - The light listing does not say which data streams a snapshot holds (measured on Elasticsearch 8.19,
        OpenSearch 2.19 and 3.6, which answer C(data_streams) as an empty list even for a snapshot of data streams;
        their backing indices C(.ds-*) are listed under C(indices)); use V(true) to see C(data_streams).
      - V(true) also returns times, durations, shard counts and failures, newest first. The light listing says which
        snapshots are in O(states); only those are read in full, by name, shared out among up to four requests read side
        by side (no more names to a request than fit a URL). The server reads each one's metadata from the repository
        (on S3 one request each), which takes longer on large repositories.
      - V(true) also returns each snapshot's manifest (C(manifest)); the light listing has no metadata. A manifest
        that M(searchops.snapshots.es_snapshot) stored in a document of the hidden index C(searchops-manifests) (when
        it did not fit in the metadata) is read from this cluster, the documents of all listed snapshots in one
        C(_mget) request (one per 100 documents). When reading that index is refused, a warning says so and the
        manifests are shown as their pointers.
    type: bool
    default: false
  drills:
    description:
      - Return each listed snapshot's last restore drill (C(last_drill)), read from the hidden index
        C(searchops-drills) of this cluster, where M(searchops.snapshots.es_snapshot_verify) records its drills, in one
        search for all listed snapshots (one per 1000 snapshots).
      - Drills run on another cluster (a scratch cluster) are recorded there and are not seen here.
      - When the search is refused, a warning says so and C(last_drill) is left out; the listing goes on.
      - V(false) skips the search.
    type: bool
    default: true
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: The module only reads; it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: Repositories and running snapshots of an Amazon OpenSearch Service domain
  searchops.snapshots.es_snapshot_info:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
  register: info

- name: Successful nightly snapshots, newest first, with times
  searchops.snapshots.es_snapshot_info:
    url: https://opensearch.internal:9200
    api_key: "{{ vault_opensearch_api_key }}"
    repository: nightly
    snapshots: ["logs-*"]
    states: [SUCCESS]
    verbose: true
  register: nightly

- name: The newest one
  ansible.builtin.debug:
    msg: "{{ nightly.snapshots[0].snapshot }}"

- name: Snapshots whose last restore drill failed, with the indices that failed
  ansible.builtin.debug:
    msg: "{{ item.snapshot }}: {{ item.last_drill.failed | join(', ') }}"
  loop: "{{ nightly.snapshots | selectattr('last_drill') | selectattr('last_drill.state', '==', 'failed') }}"
  loop_control:
    label: "{{ item.snapshot }}"

- name: Snapshots never drilled
  ansible.builtin.debug:
    msg: "{{ nightly.snapshots | rejectattr('last_drill') | map(attribute='snapshot') }}"

- name: Documents per index, as counted before the newest snapshot was taken
  ansible.builtin.debug:
    msg: "{{ nightly.snapshots[0].manifest.indices | dict2items | map(attribute='value') | map('first') }}"
  when: nightly.snapshots[0].manifest.indices is defined
"""

RETURN = r"""
repositories:
  description:
    - Every registered repository, by name, with its type and settings.
    - The values of secret settings (C(access_key), C(secret_key), C(session_token), ...) are masked.
  returned: always
  type: dict
  sample: {"nightly": {"type": "s3", "settings": {"bucket": "my-snapshots"}}}
snapshots:
  description:
    - The snapshots of O(repository) that match O(snapshots) and O(states). Newest first when O(verbose=true).
    - C(data_streams) is reliable only with O(verbose=true) (see O(verbose)).
  returned: when O(repository) is given
  type: list
  elements: dict
  sample: [{"snapshot": "logs-2026.11.28", "uuid": "X9iYqEHvR2OQ3TtU69q5iQ", "state": "SUCCESS", "indices": ["logs-app"],
            "last_drill": null}]
  contains:
    manifest:
      description:
        - The snapshot's manifest, as M(searchops.snapshots.es_snapshot) recorded it; V(null) when the snapshot has
          none (taken by hand, by another tool, or with O(searchops.snapshots.es_snapshot#module:manifest=false)).
        - C(indices) maps each index to C([documents, sequence number or null, mapping hash]) (see
          M(searchops.snapshots.es_snapshot)); C(v) is the manifest's format and C(version) the collection's version.
        - C(stored_in) says where it is kept. C(metadata) - the snapshot's metadata holds it whole (as its key
          C(searchops.manifest)).
        - C(document) - the metadata holds a pointer (C(document), the id of the document in C(searchops-manifests),
          C(sha256) of its indices, C(count) of indices, C(docs) in all). When that document was read from this
          cluster (C(document_found=true)), the manifest also has its C(indices), C(snapshot), C(repository),
          C(create_id), C(cluster_uuid) and C(cluster_name), and C(authentic) says whether its indices have the
          pointer's digest (V(false) - the document is not the one the snapshot recorded; do not trust its figures).
          C(document_found=false) when this cluster has no such document (the snapshot was taken by another cluster,
          or the index was deleted); the manifest is in the snapshot all the same, in its copy of
          C(searchops-manifests). C(document_found) is absent when the document could not be read (a warning says
          why).
      returned: when O(verbose=true)
      type: dict
      sample: {"v": 1, "version": "0.1.0", "document": "5b0e4f0c2d8e4d2c9a7f1b3e6d8c0a12", "sha256": "9f2c...",
               "count": 24, "docs": 48000, "indices": {"logs-app": [2000, 1999, "3f1a9c0e4b7d2a61"]},
               "snapshot": "logs-2026.11.28", "repository": "nightly", "create_id": "5b0e4f0c2d8e4d2c9a7f1b3e6d8c0a12",
               "cluster_uuid": "Wq1Yb3xXQ4uK2mN5pR7sTg", "cluster_name": "logs", "stored_in": "document",
               "document_found": true, "authentic": true}
    last_drill:
      description:
        - The newest finished restore drill of this snapshot (by its uuid) recorded on this cluster by
          M(searchops.snapshots.es_snapshot_verify), newest by C(started); drills still running are not shown.
          V(null) when none is recorded (also when the cluster has no C(searchops-drills) index).
        - C(state) is V(passed) or V(failed); C(started) and C(ended) are UTC times (ISO 8601);
          C(summary) counts the indices that passed, failed or were restored unverified; C(failed) lists the
          snapshot's indices whose check failed (the drill's record in C(searchops-drills), document C(drill), says
          why).
      returned: when O(drills=true) (the default), unless the search of C(searchops-drills) was refused
      type: dict
      sample: {"drill": "0f3b5c7d9e1a2b4c6d8e0f1a3b5c7d9e", "state": "failed", "started": "2026-11-30T00:10:00.000Z",
               "ended": "2026-11-30T00:11:02.412Z", "duration_in_millis": 62412,
               "summary": {"pass": 11, "fail": 1, "unverified": 0}, "failed": ["logs-app"]}
in_progress:
  description: The snapshots running now (in every repository, or in O(repository) when given), with per-shard progress.
  returned: always
  type: list
  elements: dict
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

from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import recorded
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, run
from ansible_collections.searchops.snapshots.plugins.module_utils._records import (
    Records,
    manifest_pointer,
    shown_drill,
    shown_manifest,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._repositories import mask_repository, registered
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    SNAPSHOT_STATES,
    Snapshots,
    newest_first,
    running,
    snapshot_summary,
)


def shown(client, listed, verbose, drills):
    """The snapshots' summaries; verbose: with their manifests; drills: with their last drills."""
    snapshots = [snapshot_summary(s) for s in listed]
    records = Records(client)
    if verbose:
        entries = [recorded(s) for s in listed]
        reads = records.manifests(entries)
        for snapshot, entry in zip(snapshots, entries):
            snapshot["manifest"] = shown_manifest(entry, reads.get(manifest_pointer(entry)))
    uuids = [s["uuid"] for s in listed if isinstance(s.get("uuid"), str)]
    last = records.last_drills(uuids) if drills and uuids else {}
    if drills and last is not None:
        for snapshot in snapshots:
            record = last.get(snapshot.get("uuid"))
            snapshot["last_drill"] = shown_drill(record) if record else None
    return snapshots


def gather(module, client):
    params = module.params
    result = {"changed": False, "repositories": {name: mask_repository(r) for name, r in registered(client).items()}}
    if params["repository"]:
        repo = Snapshots(client, params["repository"])
        if params["verbose"]:
            listed = sorted(repo.listing(params["snapshots"], params["states"]), key=newest_first, reverse=True)
        else:
            listed = [
                s
                for s in repo.list(params["snapshots"], False)
                if not params["states"] or s.get("state") in params["states"]
            ]
        result["snapshots"] = shown(client, listed, params["verbose"], params["drills"])
        result["in_progress"] = repo.running()
    else:
        result["in_progress"] = running(client)
    return result


def main():
    module = build_module(
        dict(
            repository=dict(type="str"),
            snapshots=dict(type="list", elements="str", default=["*"]),
            states=dict(type="list", elements="str", choices=list(SNAPSHOT_STATES)),
            verbose=dict(type="bool", default=False),
            drills=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    run(module, gather)


if __name__ == "__main__":
    main()
