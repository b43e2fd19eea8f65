#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_snapshot_repo
short_description: Register, update or remove a snapshot repository on Elasticsearch or OpenSearch
version_added: 0.1.0
description:
  - Registers a snapshot repository (C(s3), C(fs), or any type the cluster supports) and keeps its settings as given.
  - Settings are compared after normalisation (V(true) and V("true"), V(5) and V("5"), V(1gb) and V(1024mb), V(60s) and V(1m)
    are equal), so a repository that already matches is left alone and the module reports no change.
  - On Amazon OpenSearch Service, requests are signed with SigV4 and an C(s3) repository needs C(settings.role_arn),
    the ARN of a role that the service may assume and that the signing identity may pass (C(iam:PassRole)).
options:
  repository:
    description:
      - Name of the repository.
      - Names starting with C(cs-) are reserved on Amazon OpenSearch Service and refused there.
    type: str
    required: true
  state:
    description:
      - V(present) registers the repository or updates its definition; V(absent) removes it (snapshots stay in the storage).
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - Repository type, such as V(s3) or V(fs).
    type: str
    default: s3
  settings:
    description:
      - Repository settings, passed to the cluster as given (for V(s3) C(bucket), C(base_path), C(region) or C(endpoint),
        C(role_arn), C(server_side_encryption), C(readonly), ...; for V(fs) C(location)).
      - Nested dictionaries are the same as dotted keys.
      - The whole definition is managed; settings on the server that are not given here are removed when the repository is updated.
      - Secret settings (a key whose last part is C(access_key), C(secret_key), C(session_token), C(sas_token) or
        C(account_key), as older Elasticsearch C(s3) repositories accept) are masked in everything the module returns
        and left out of the comparison, because servers do not show them; changing only a secret setting is therefore
        not detected (remove and register the repository again, or better, keep credentials in the cluster's keystore).
    type: dict
    default: {}
  verify:
    description:
      - After registering or changing the repository, ask every node to verify that it can write to and read from it.
      - When verification fails, the module fails and puts things back as they were (a new repository is removed,
        a changed one gets its previous definition), so a broken definition is never left behind.
    type: bool
    default: true
  verify_timeout:
    description:
      - Seconds during which a failed verification is tried again (with growing pauses, a warning for each) when the
        failure may only mean that the service cannot use the role yet; after that the repository is put back as it
        was and the module fails.
      - Right after a role is created or changed, Amazon OpenSearch Service may be refused the role for a while
        (IAM is eventually consistent), so the first verification can fail although the definition was stored.
        Only a C(repository_verification_exception) caused by an STS or S3 refusal (C(AccessDenied),
        C(sts:AssumeRole)) is tried again; any other failure fails at once.
      - V(0) verifies once.
    type: int
    default: 60
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: Runs the same reads and comparison; the write is skipped and the request it would send is returned.
    support: full
  diff_mode:
    description: Returns the repository before and after.
    support: full
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: Register an S3 repository on an Amazon OpenSearch Service domain (SigV4, role_arn)
  searchops.snapshots.es_snapshot_repo:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
    repository: nightly
    type: s3
    settings:
      bucket: my-snapshots
      base_path: logs
      region: eu-west-1
      role_arn: arn:aws:iam::123456789012:role/opensearch-snapshots
      server_side_encryption: true

- name: Register an S3 repository on a self-managed cluster with basic authentication
  searchops.snapshots.es_snapshot_repo:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_password }}"
    ca_path: /etc/pki/opensearch-ca.pem
    repository: backups
    settings:
      bucket: my-snapshots
      client: default

- name: Register a read-only repository on a migration target, without verification
  searchops.snapshots.es_snapshot_repo:
    url: https://search-new-def456.eu-west-1.es.amazonaws.com
    repository: from-old-cluster
    verify: false
    settings:
      bucket: my-snapshots
      base_path: logs
      readonly: true
      role_arn: arn:aws:iam::123456789012:role/opensearch-snapshots

- name: Shared file system repository (the location must be under path.repo)
  searchops.snapshots.es_snapshot_repo:
    url: http://localhost:9200
    repository: local
    type: fs
    settings:
      location: /mnt/snapshots/local
      compress: true

- name: Remove a repository (its snapshots stay in the bucket)
  searchops.snapshots.es_snapshot_repo:
    url: http://localhost:9200
    repository: old
    state: absent
"""

RETURN = r"""
repository:
  description: The repository as the cluster has it after the module ran (C(null) when absent). In check mode, what it would have.
  returned: always
  type: dict
  sample: {"type": "s3", "settings": {"bucket": "my-snapshots", "base_path": "logs"}}
request:
  description: The request the module sent, or would send in check mode, to bring the repository to the desired state.
  returned: when changed
  type: dict
  sample: {"method": "PUT", "path": "_snapshot/nightly", "query": {"verify": "false"}, "body": {"type": "s3", "settings": {"bucket": "my-snapshots"}}}
verified_nodes:
  description: The nodes that verified the repository, by node id.
  returned: when the repository was registered or changed and O(verify=true), outside check mode
  type: dict
  sample: {"nU4b3kpKTsSGbkO8gexPjQ": {"name": "node-1"}}
verify_retries:
  description:
    - How many times verification was tried again because the service could not use the role yet (see O(verify_timeout));
      V(0) when the first verification succeeded.
  returned: when the repository was registered or changed and O(verify=true), outside check mode
  type: int
  sample: 2
diff:
  description: The repository before and after.
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

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    SearchError,
    WaitTimeout,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, hide, run
from ansible_collections.searchops.snapshots.plugins.module_utils._repositories import (
    Repository,
    mask_repository,
    may_be_iam_propagation,
    repository_differs,
    secret_setting_values,
    validate_repository_name,
)


def ensure(module, client):
    params = module.params
    hide(module, *secret_setting_values(params["settings"]))
    if params["verify_timeout"] < 0:
        raise ConfigurationError(f"verify_timeout must be 0 or more, not {params['verify_timeout']}")
    validate_repository_name(params["repository"], client.is_aws)
    repo = Repository(client, params["repository"])
    before = repo.get()
    result = {"changed": False}

    if params["state"] == "absent":
        after = None
        if before is not None:
            result.update(changed=True, request={"method": "DELETE", "path": repo.path})
            if not module.check_mode:
                repo.delete()
    else:
        desired = {"type": params["type"], "settings": params["settings"]}
        after = before
        if repository_differs(desired, before):
            result.update(
                changed=True,
                request={
                    "method": "PUT",
                    "path": repo.path,
                    "query": {"verify": "false"},
                    "body": mask_repository(desired),
                },
            )
            after = desired
            if not module.check_mode:
                repo.put(desired)
                if params["verify"]:
                    deadline = client.clock.deadline(params["verify_timeout"])
                    result["verified_nodes"], result["verify_retries"] = verify_or_restore(repo, before, deadline)
                after = repo.get()

    result["repository"] = mask_repository(after)
    if module._diff:
        result["diff"] = {"before": mask_repository(before) or {}, "after": mask_repository(after) or {}}
    return result


def verify_or_restore(repo, before, deadline):
    """Verify the new definition (verify_until); on failure put back what was there, then fail with
    the first error (and the second, when putting back fails too)."""
    try:
        return verify_until(repo, deadline)
    except SearchError as err:
        try:
            if before is None:
                repo.delete()
                outcome = "The repository was not kept."
            else:
                repo.put(before)
                outcome = "The previous definition was restored."
        except SearchError as undo:
            what = "removed" if before is None else "restored"
            outcome = f"The new definition is still registered: it could not be {what} ({undo})."
        err.hint = " ".join(filter(None, [err.hint, outcome]))
        raise


def verify_until(repo, deadline):
    """(nodes, retries): verify, and while verification fails as it does when the service cannot use
    the role yet (may_be_iam_propagation), back off and verify again until the deadline; then raise
    the last failure, saying how long it was tried."""
    clock = repo.client.clock
    retries, started, last = 0, clock.now(), None
    while True:
        try:
            return repo.verify(deadline=deadline if last else None), retries
        except WaitTimeout:
            if last is None:
                raise
            break
        except SearchError as err:
            if not may_be_iam_propagation(err):
                raise
            last = err
        why = (
            f"{last.message}; the role may not be usable yet (IAM takes a while to propagate a role created or "
            "changed moments ago): verifying again until verify_timeout"
        )
        try:
            retries = clock.back_off(retries, deadline, why, repo.client.warn)
        except WaitTimeout:
            break
    times = "once" if retries == 0 else f"{retries + 1} times"
    tried = (
        f"Verification was tried {times} over {clock.now() - started:.0f}s (verify_timeout: "
        f"{deadline - started:.0f}s): if the role was created moments ago, raise verify_timeout"
    )
    last.hint = f"{tried}; otherwise: {last.hint}" if last.hint else tried
    raise last


def main():
    module = build_module(
        dict(
            repository=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            type=dict(type="str", default="s3"),
            settings=dict(type="dict", default={}),
            verify=dict(type="bool", default=True),
            verify_timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    run(module, ensure)


if __name__ == "__main__":
    main()
