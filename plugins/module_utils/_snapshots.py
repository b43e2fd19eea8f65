# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure helpers: normalisation, comparison and validation. No I/O; unit tests reach all of it."""

from __future__ import annotations

import re

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._secrets import without_secret_settings

_SIZE = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>b|kb|mb|gb|tb|pb)$")
_TIME = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>nanos|micros|ms|s|m|h|d)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_SIZE_FACTOR = {"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}
_TIME_NANOS = {
    "nanos": 1,
    "micros": 10**3,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
    "d": 86400 * 10**9,
}
# Metadata keys es_snapshot adds to every snapshot it takes: the cluster that took it, and an id
# of the create request that tells this run's snapshot from a same-named one taken meanwhile.
CLUSTER_UUID = "searchops.cluster_uuid"
CLUSTER_NAME = "searchops.cluster_name"
CREATE_ID = "searchops.create_id"
# The states of a snapshot, as the server reports them; all but IN_PROGRESS are final.
SNAPSHOT_STATES = ("SUCCESS", "PARTIAL", "FAILED", "IN_PROGRESS", "INCOMPATIBLE")
COMPLETED_STATES = tuple(state for state in SNAPSHOT_STATES if state != "IN_PROGRESS")
# Characters the server refuses in repository and snapshot names (Strings.validFileName, plus ',' and '#').
_FORBIDDEN = set('\\/*?"<>| ,#')


def _number(text):
    value = float(text)
    return str(int(value)) if value.is_integer() else repr(value)


def normalize_value(value):
    """One spelling per meaning: true/"true", 5/"5", "1gb"/"1024mb", "60s"/"1m" compare equal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return [normalize_value(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize_value(v) for k, v in flatten(value).items()}
    if not isinstance(value, str):
        return value
    text = value.strip()
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered
    if _NUMBER.match(text):
        return _number(text)
    match = _SIZE.match(lowered)
    if match:
        return f"{int(float(match['n']) * _SIZE_FACTOR[match['unit']])}b"
    match = _TIME.match(lowered)
    if match:
        return f"{int(float(match['n']) * _TIME_NANOS[match['unit']])}nanos"
    return text


def flatten(settings, prefix=""):
    """Nested settings as the server keeps them: {"a": {"b": 1}} -> {"a.b": 1}."""
    flat = {}
    for key, value in (settings or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def normalize_settings(settings):
    return {key: normalize_value(value) for key, value in flatten(settings).items() if value is not None}


def repository_differs(desired, current):
    """True when the repository must be (re-)registered to match desired {type, settings}.
    Secret settings (access_key, secret_key, ...) are left out: servers do not show them."""
    if current is None:
        return True
    if desired["type"] != current.get("type"):
        return True
    return normalize_settings(without_secret_settings(desired.get("settings"))) != normalize_settings(
        without_secret_settings(current.get("settings"))
    )


def _check_file_name(kind, name):
    """Rules the server applies to repository and snapshot names alike, and two of ours: `.` and
    `..` (which the server accepts) would be resolved away as URL path segments by the HTTP client
    (`_snapshot/repo/..` is sent as `_snapshot/`); and a leading `_`, which OpenSearch refuses for
    snapshots but takes for repositories, where `_all`, `_status` and `_current` are API words."""
    if name in (".", ".."):
        raise ConfigurationError(
            f"{kind} name {name!r} is not allowed: as a URL path segment it would address another resource"
        )
    if name.startswith("_"):
        raise ConfigurationError(f"{kind} name {name!r} must not start with '_'")
    bad = sorted(set(name) & _FORBIDDEN)
    if bad:
        raise ConfigurationError(f"{kind} name {name!r} must not contain {' '.join(repr(c) for c in bad)}")


def validate_repository_name(name, on_aws):
    if not name or name != name.strip():
        raise ConfigurationError(f"Repository name {name!r} must not be empty or start or end with spaces")
    _check_file_name("Repository", name)
    if on_aws and name.startswith("cs-"):
        raise ConfigurationError(
            f"Repository name {name!r} is reserved on Amazon OpenSearch Service (names starting with 'cs-' "
            "belong to its automated snapshots)",
            "Choose a name that does not start with 'cs-'",
        )


def validate_snapshot_name(name):
    """The server's rules for a (resolved) snapshot name, checked before any request."""
    if not name:
        raise ConfigurationError("Snapshot name must not be empty")
    if name != name.lower():
        raise ConfigurationError(f"Snapshot name {name!r} must be lowercase")
    _check_file_name("Snapshot", name)


def _metadata(info):
    metadata = info.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def recorded_cluster(info):
    """The UUID of the cluster that took the snapshot, or None when its metadata does not say
    (taken by hand, by another tool or by an older version of this collection)."""
    return _metadata(info).get(CLUSTER_UUID)


def created_by(info, create_id):
    """Whether the snapshot is the one a create request with this create id made."""
    return create_id is not None and _metadata(info).get(CREATE_ID) == create_id


def taken_by_another_cluster(info, cluster):
    """None when the snapshot may be this cluster's (cluster: {CLUSTER_UUID, CLUSTER_NAME}),
    else the message saying whose it is."""
    owner = recorded_cluster(info)
    if owner is None or owner == cluster[CLUSTER_UUID]:
        return None
    return (
        f"Snapshot {info.get('snapshot')} was taken by another cluster ({_metadata(info).get(CLUSTER_NAME)}, "
        f"uuid {owner}), not by this one ({cluster[CLUSTER_NAME]}, uuid {cluster[CLUSTER_UUID]})"
    )


def snapshot_summary(info):
    """What modules return about a snapshot: the server's fields that matter to a user."""
    keys = (
        "snapshot",
        "uuid",
        "state",
        "indices",
        "data_streams",
        "include_global_state",
        "metadata",
        "start_time",
        "end_time",
        "duration_in_millis",
        "shards",
        "failures",
        "version",
    )
    return {key: info[key] for key in keys if key in info}


def snapshot_failure(info, partial_allowed):
    """None when the snapshot ended acceptably, else the message explaining why it did not."""
    state = info.get("state")
    if state == "SUCCESS" or (state == "PARTIAL" and partial_allowed):
        return None
    reasons = [
        f"{f.get('index')}[{f.get('shard_id')}]: {f.get('reason')}"
        for f in info.get("failures") or []
        if isinstance(f, dict)
    ]
    detail = "; ".join(reasons) or info.get("reason") or "no reason given by the server"
    shards = info.get("shards") or {}
    counts = f" ({shards.get('failed', '?')} of {shards.get('total', '?')} shards failed)" if shards else ""
    if state == "PARTIAL":
        return f"Snapshot {info.get('snapshot')} is PARTIAL{counts}: {detail}. Set partial: true to accept partial snapshots"
    return f"Snapshot {info.get('snapshot')} ended {state}{counts}: {detail}"


def millis(snapshot, key):
    """A time field of a snapshot's info (start_time_in_millis, ...); 0 when absent or not a number."""
    value = snapshot.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def newest_first(snapshot):
    """Sort key for listings, newest first with reverse=True: start time, then end time."""
    return (millis(snapshot, "start_time_in_millis"), millis(snapshot, "end_time_in_millis"))


def poll_interval(elapsed, first=0.2, cap=10.0):
    """Seconds to wait before the next status check: short at first (a small snapshot ends in
    well under a second), then a tenth of the time already waited, capped."""
    return min(cap, max(first, elapsed / 10))
