# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Role mappings of the OpenSearch security plugin (also Amazon OpenSearch Service with fine-grained
access control): the decision what a mapping becomes (pure), and the REST resource (RoleMapping).

The API has no concurrency token (no ETag, If-Match, seq_no or JSON Patch `test`; see
docs/research/issue-15-secured-node.md section 7) and PUT replaces the whole mapping, so the module
reads, merges, writes and reads again to verify (es_security_role_mapping)."""

from __future__ import annotations

from ansible_collections.searchops.snapshots.plugins.module_utils._client import quote_path
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError, HTTPError

# the entry lists the module's options name, and the one it never changes (kept as the server has it)
ENTRY_KEYS = ("users", "backend_roles", "hosts")
KEYS = (*ENTRY_KEYS, "and_backend_roles")
# what the GET answer says of a mapping that only the super admin (admin certificate) may change
IMMUTABLE_FLAGS = ("reserved", "hidden", "static")
API = "_plugins/_security/api"


def validate_role_name(role):
    if not role or role != role.strip() or role in (".", ".."):
        raise ConfigurationError(
            f"role {role!r} is not a valid role name",
            "Give the name of a role of the security plugin, such as manage_snapshots",
        )


def validate_entries(wanted):
    """wanted: {key: list or None}. Empty or blank entries are refused (they name nobody)."""
    for key, entries in wanted.items():
        blank = [e for e in entries or () if not str(e).strip()]
        if blank:
            raise ConfigurationError(f"{key} holds an empty entry", f"Remove the empty entries from {key}")


def mapping_of(entry):
    """The writable part of a GET answer's mapping ({users, backend_roles, hosts, and_backend_roles}
    lists, and description when it has one), or None when entry is not a mapping as the API shows it."""
    if not isinstance(entry, dict):
        return None
    mapping = {}
    for key in KEYS:
        value = entry.get(key) or []
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return None
        mapping[key] = list(value)
    if isinstance(entry.get("description"), str) and entry["description"]:
        mapping["description"] = entry["description"]
    return mapping


def immutable_flag(entry):
    """The first of reserved/hidden/static that the GET answer sets on the mapping, else None."""
    return next((flag for flag in IMMUTABLE_FLAGS if isinstance(entry, dict) and entry.get(flag) is True), None)


def _unique(entries):
    return list(dict.fromkeys(entries))


def desired_mapping(current, wanted, state, exclusive):
    """What the mapping must become: a mapping dict, or None for no mapping. Pure.

    current: the mapping (mapping_of) or None; wanted: {users, backend_roles, hosts: list or None
    (not given)}. present adds the wanted entries after the existing ones (exclusive: each given
    list becomes exactly its entries, the existing order kept); absent removes the wanted entries,
    or the whole mapping when no list is given at all (an empty list is given: it removes nothing).
    Lists not given and and_backend_roles stay as they are."""
    given = {key: _unique(wanted[key]) for key in ENTRY_KEYS if wanted.get(key) is not None}
    if state == "absent":
        if not given or current is None:
            return None
        return dict(current, **{key: [e for e in current[key] if e not in given[key]] for key in given})
    base = current or {key: [] for key in KEYS}
    result = dict(base)
    for key, entries in given.items():
        existing = base[key]
        if exclusive:
            kept = _unique(e for e in existing if e in entries)
            result[key] = kept + [e for e in entries if e not in kept]
        else:
            result[key] = existing + [e for e in entries if e not in existing]
    return result


def changes(before, after):
    """(added, removed): the entries of each key that after has and before has not, and the reverse. Pure."""
    before, after = before or {}, after or {}
    added = {key: [e for e in _unique(after.get(key, [])) if e not in before.get(key, [])] for key in KEYS}
    removed = {key: [e for e in _unique(before.get(key, [])) if e not in after.get(key, [])] for key in KEYS}
    return added, removed


class RoleMapping:
    """The mapping of one role: GET, PUT and DELETE _plugins/_security/api/rolesmapping/<role>."""

    def __init__(self, client, role):
        self.client = client
        self.role = role
        self.path = quote_path(*API.split("/"), "rolesmapping", role)

    def get(self):
        """The mapping as the GET answer has it (with reserved/hidden/...), or None when there is none.
        A 404 that is not the plugin's "not found" (a hidden mapping: "Resource '<role>' is not
        available.") is raised as the error it is."""
        try:
            body = self.client.request("GET", self.path).body
        except HTTPError as err:
            if err.status == 404 and (err.reason or "").endswith(" not found."):
                return None
            raise
        entry = body.get(self.role)
        if mapping_of(entry) is None:
            raise self.client.unexpected_answer("GET", self.path, f"{self.role!r} is not a role mapping")
        return entry

    def put(self, mapping):
        self.client.request("PUT", self.path, body=mapping, expect=(200, 201))

    def delete(self):
        self.client.request("DELETE", self.path, missing_ok=True)
