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
    type: bool
    default: false
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
  sample: [{"snapshot": "logs-2026.11.28", "uuid": "X9iYqEHvR2OQ3TtU69q5iQ", "state": "SUCCESS", "indices": ["logs-app"]}]
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

from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, run
from ansible_collections.searchops.snapshots.plugins.module_utils._repositories import mask_repository, registered
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    SNAPSHOT_STATES,
    Snapshots,
    newest_first,
    running,
    snapshot_summary,
)


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
        result["snapshots"] = [snapshot_summary(s) for s in listed]
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
        ),
        supports_check_mode=True,
    )
    run(module, gather)


if __name__ == "__main__":
    main()
