#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_security_role_mapping
short_description: Add or remove the users, backend roles and hosts mapped to a role of the OpenSearch security plugin
version_added: 0.1.0
description:
  - Converges the role mapping of one role of the OpenSearch security plugin (self-managed OpenSearch with the
    C(opensearch-security) plugin, and Amazon OpenSearch Service domains with fine-grained access control) through its
    REST API, C(_plugins/_security/api/rolesmapping/<role>).
  - B(Additive by default.) The entries given are added to those the mapping has (the existing ones and their order are
    kept, new ones are appended), and O(state=absent) with entries removes only those entries; entries this task does not
    name are never dropped, so several tasks (or people) can each map their own identities to the same role.
    O(exclusive=true) makes each list that is given exactly its value instead.
  - The C(and_backend_roles) and C(description) of an existing mapping are always kept.
  - A role without a mapping gets one (the lists not given are empty).
  - The API offers no way to update a mapping only if it has not changed meanwhile (no ETag, no version, no JSON
    Patch C(test) operation), and every write replaces the whole mapping. So the module reads the mapping, writes the
    merged one, and reads it again to verify that the wanted entries are there; when another client changed the mapping
    in between (or the server answers HTTP 409 to a concurrent write), it merges again with what it reads and writes
    again, up to three writes, then fails saying which entries are missing.
  - A reserved, hidden or static mapping (one of the plugin's own) is never changed; when a change would be needed the
    module fails before writing, saying so. One that already matches is reported unchanged.
  - On Amazon OpenSearch Service with fine-grained access control, registering a snapshot repository needs the IAM role
    that signs the requests to be mapped as a backend role to C(manage_snapshots) (see the examples); the task itself must
    be signed by the master user (or an identity mapped to C(security_manager)).
  - The connection must authenticate as a security admin (see O(role)); other users get the plugin's
    C(No permission to access REST API) refusal, and a cluster without the plugin an error saying so.
options:
  role:
    description:
      - Name of the role whose mapping is managed, such as V(manage_snapshots) or V(all_access).
      - The role must exist (a new mapping for an unknown role is refused by the server; create the role first).
      - The user the module connects as needs security admin rights - on Amazon OpenSearch Service the master user or an
        identity mapped to C(security_manager); on a self-managed cluster a user mapped to a role listed in
        C(plugins.security.restapi.roles_enabled) (such as C(all_access)), or the admin certificate as O(client_cert).
    type: str
    required: true
  users:
    description:
      - User names (internal users, certificate subjects' user names, or IAM user or role ARNs passed as user name).
      - Patterns with C(*) are entries like any other (matched by the plugin, not by this module).
      - Not given - the mapping's users are left alone.
    type: list
    elements: str
  backend_roles:
    description:
      - Backend roles, such as LDAP groups or, on Amazon OpenSearch Service, IAM role ARNs
        (C(arn:aws:iam::123456789012:role/snapshots)).
      - Not given - the mapping's backend roles are left alone.
    type: list
    elements: str
  hosts:
    description:
      - Host names or addresses.
      - Not given - the mapping's hosts are left alone.
    type: list
    elements: str
  state:
    description:
      - V(present) adds the entries given (creates the mapping if the role has none).
      - V(absent) removes the entries given from the mapping.
      - B(V(absent) with none of O(users), O(backend_roles), O(hosts) given deletes the whole mapping of the role),
        entries added by anybody included. A list that is given but empty (V([])) counts as given and removes nothing,
        so an empty variable never deletes the mapping.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), each of O(users), O(backend_roles), O(hosts) that is given becomes exactly its value;
        entries not listed are removed (lists not given are still left alone; V([]) empties a list).
      - Ignored with O(state=absent).
    type: bool
    default: false
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: Reads the mapping and reports the change that would be made (RV(mapping), RV(added), RV(removed)); nothing is written.
    support: full
  diff_mode:
    description: Returns the mapping (users, backend roles, hosts, and_backend_roles) before and after.
    support: full
notes:
  - The REST API path is C(_plugins/_security/api), as on OpenSearch 1.0 and later; older Open Distro clusters (only
    C(_opendistro/_security/api)) are not supported.
  - Elasticsearch's own security (X-Pack) has a different role mapping API and is not supported.
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: On Amazon OpenSearch Service (fine-grained access control), let the IAM role that registers repositories do so
  searchops.snapshots.es_security_role_mapping:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com   # signed with SigV4 as the master user
    role: manage_snapshots
    backend_roles:
      - arn:aws:iam::123456789012:role/snapshot-operator

- name: Map an internal user and an LDAP group to a role, keeping what others mapped
  searchops.snapshots.es_security_role_mapping:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_admin_password }}"
    ca_path: /etc/pki/opensearch-ca.pem
    role: readall
    users: [reporting]
    backend_roles: ["cn=analysts,ou=groups,dc=example,dc=com"]

- name: Make the users of the role exactly these (backend roles and hosts are not touched)
  searchops.snapshots.es_security_role_mapping:
    url: https://opensearch.internal:9200
    client_cert: /etc/pki/opensearch/admin.pem
    client_key: /etc/pki/opensearch/admin-key.pem
    ca_path: /etc/pki/opensearch-ca.pem
    role: manage_snapshots
    users: [backup]
    exclusive: true

- name: Remove one backend role from the mapping (the other entries stay)
  searchops.snapshots.es_security_role_mapping:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_admin_password }}"
    role: manage_snapshots
    backend_roles: [arn:aws:iam::123456789012:role/old-operator]
    state: absent

- name: Delete the whole mapping of the role (no users, backend_roles or hosts given)
  searchops.snapshots.es_security_role_mapping:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_admin_password }}"
    role: temporary_access
    state: absent
"""

RETURN = r"""
mapping:
  description:
    - The role's mapping after the module ran (in check mode, what it would be); C(null) when the role has no mapping.
    - C(description) only when the mapping has one.
  returned: success
  type: dict
  sample: {"users": ["backup"], "backend_roles": ["arn:aws:iam::123456789012:role/snapshot-operator"], "hosts": [],
           "and_backend_roles": []}
added:
  description: The entries the mapping gained, by key (C(users), C(backend_roles), C(hosts), C(and_backend_roles)).
  returned: success
  type: dict
  sample: {"users": [], "backend_roles": ["arn:aws:iam::123456789012:role/snapshot-operator"], "hosts": [], "and_backend_roles": []}
removed:
  description: The entries the mapping lost, by key (all of them when the whole mapping was deleted).
  returned: success
  type: dict
  sample: {"users": ["old-operator"], "backend_roles": [], "hosts": [], "and_backend_roles": []}
writes:
  description: How many writes (PUT or DELETE) it took; more than one when another client changed the mapping meanwhile.
  returned: success
  type: int
  sample: 1
diff:
  description: The mapping before and after.
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
  sample: {"type": null, "reason": "role 'manage_snapshot' not found."}
"""

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import HTTPError, SearchError
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, run
from ansible_collections.searchops.snapshots.plugins.module_utils._security import (
    ENTRY_KEYS,
    RoleMapping,
    changes,
    desired_mapping,
    immutable_flag,
    mapping_of,
    validate_entries,
    validate_role_name,
)

# writes before giving up on a mapping that another client keeps changing
WRITES = 3


def ensure(module, client):
    params = module.params
    validate_role_name(params["role"])
    wanted = {key: params[key] for key in ENTRY_KEYS}
    validate_entries(wanted)
    exclusive = params["exclusive"] and params["state"] == "present"
    before, after, writes = converge(
        RoleMapping(client, params["role"]),
        lambda current: desired_mapping(current, wanted, params["state"], exclusive),
        module.check_mode,
    )
    added, removed = changes(before, after)
    result = {"changed": before != after, "mapping": after, "added": added, "removed": removed, "writes": writes}
    if module._diff:
        result["diff"] = {"before": before or {}, "after": after or {}}
    return result


def converge(resource, decide, check_mode):
    """(before, after, writes): read the mapping, decide (current -> desired), write, and read again
    until what is read needs no change; the read-back verifies each write, and a mapping another client
    changed meanwhile is decided on again (merged with what it holds) and written again, WRITES times
    at most. A write answered with 409 (a concurrent write of the security configuration won) too."""
    before, writes = None, 0
    while True:
        entry = resource.get()
        current = None if entry is None else mapping_of(entry)
        if writes == 0:
            before = current
        desired = decide(current)
        if desired == current:
            return before, current, writes
        flag = immutable_flag(entry)
        if flag:
            raise SearchError(
                f"The mapping of role {resource.role!r} is {flag}: it is one of the security plugin's own and this "
                "module does not change it",
                "Map the identities to another role, or change the plugin's configuration files (roles_mapping.yml)",
            )
        if check_mode:
            return before, desired, writes
        if writes == WRITES:
            added, removed = changes(current, desired)
            raise SearchError(
                f"The mapping of role {resource.role!r} was changed by another client after each of {WRITES} "
                f"writes; it still needs: added {_entries(added)}, removed {_entries(removed)}",
                "Find the other writer (another automation, Dashboards, a person) and run the task again",
            )
        writes += 1
        try:
            if desired is None:
                resource.delete()
            else:
                resource.put(desired)
        except HTTPError as err:
            if err.status != 409:
                raise


def _entries(by_key):
    return ", ".join(f"{key} {entries}" for key, entries in by_key.items() if entries) or "nothing"


def main():
    module = build_module(
        dict(
            role=dict(type="str", required=True),
            users=dict(type="list", elements="str"),
            backend_roles=dict(type="list", elements="str"),
            hosts=dict(type="list", elements="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            exclusive=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    run(module, ensure)


if __name__ == "__main__":
    main()
