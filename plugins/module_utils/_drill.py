# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restore drills, the pure part: which of a snapshot's indices a drill restores and under which
names, whether the cluster has the disk and the shards for them, and how a drill's verdicts add up
(es_snapshot_verify; docs/design.md, "Snapshot manifests and restore drills")."""

from __future__ import annotations

import re
from fractions import Fraction

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._restore import (
    backing_indices,
    check_named,
    holdings,
    select,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._system import system_reason

DEFAULT_PREFIX = "searchops-drill-"
# What a restored copy needs beyond the bytes the snapshot holds (merges, translog): 10 %.
CAPACITY_MARGIN = 1.1
# Index settings every drill copy gets: no replica (a drill proves the data, not the cluster's
# redundancy), hidden (wildcard searches and dashboards do not count it twice).
COPY_SETTINGS = {"index.number_of_replicas": 0, "index.auto_expand_replicas": "false", "index.hidden": True}
# Settings left behind by default: the lifecycle policies (Elasticsearch ILM would roll over,
# shrink or delete a copy) and allocation filters (a scratch cluster lacks the source's node attributes).
IGNORED_SETTINGS = ["index.lifecycle.*", "index.routing.allocation.*"]
INDEX_NAME_LIMIT = 255
_FORBIDDEN = set('\\/*?"<>| ,#:$')
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30}
_UNITS.update({"t": 1 << 40, "tb": 1 << 40, "p": 1 << 50, "pb": 1 << 50})
WATERMARK = "cluster.routing.allocation.disk.watermark.high"
MAX_HEADROOM = WATERMARK + ".max_headroom"
SHARD_LIMIT = "cluster.max_shards_per_node"
DEFAULT_SHARD_LIMIT = 1000
DEFAULT_WATERMARK = "90%"


def check_prefix(prefix):
    """The prefix must make valid index names of any source name, none of which is a user's
    pattern: lowercase, no wildcard or forbidden character, not starting as the server forbids."""
    problem = None
    if not prefix:
        problem = "is empty: the drill's copies would take the names of the live indices"
    elif prefix != prefix.lower():
        problem = "has uppercase letters (index names are lowercase)"
    elif prefix[0] in "_-+.":
        problem = f"starts with {prefix[0]!r}, which index names must not"
    elif _FORBIDDEN & set(prefix):
        problem = f"holds one of {''.join(sorted(_FORBIDDEN))!r} (forbidden in index names, or a rename reference)"
    if problem:
        raise ConfigurationError(f"prefix {prefix!r} {problem}", f"Choose another prefix (default {DEFAULT_PREFIX})")


def choose(snapshot_indices, snapshot_streams, expressions):
    """The indices a drill restores: those the expressions select (all when None), a data stream
    selected bringing its backing indices (each restored by name, as an ordinary index: no data
    stream is created), system indices and the collection's own left out. Raises ConfigurationError
    for a name the snapshot lacks or a selection of nothing."""
    check_named(snapshot_indices, snapshot_streams, expressions)
    owned = backing_indices(snapshot_indices, snapshot_streams)
    chosen = select(snapshot_indices, expressions)
    chosen += [i for s in select(snapshot_streams, expressions) for i in owned[s] if i not in chosen]
    sources = [n for n in chosen if not system_reason(n)]
    if not sources:
        raise ConfigurationError(
            f"indices {expressions!r} select no index of the snapshot to restore (system indices are left out)",
            f"Nothing was changed. {holdings(snapshot_indices, snapshot_streams)}",
        )
    return sources


def targets(sources, prefix):
    """{source: the drill copy's name}; refuses names over the server's 255 bytes."""
    named = {source: prefix + source for source in sources}
    long = [t for t in named.values() if len(t.encode()) > INDEX_NAME_LIMIT]
    if long:
        raise ConfigurationError(
            f"The drill copy of {long[0][len(prefix) :]!r} would be named {long[0]!r}, over {INDEX_NAME_LIMIT} bytes",
            "Choose a shorter prefix",
        )
    return named


def byte_size(text):
    """Bytes of a size setting (500mb, 10gb, 1024b, 2k), as Elasticsearch and OpenSearch read it."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(text))
    unit = match.group(2).lower() if match else None
    if unit not in _UNITS:
        raise ValueError(text)
    return int(float(match.group(1)) * _UNITS[unit])


def required_free(total, watermark, max_headroom=None):
    """Bytes a node must keep free under the high watermark: a percentage (or ratio) of used disk
    leaves (100 - p) % of total free, at most max_headroom where the engine has one (Elasticsearch
    8.5+); a byte value is the free space itself."""
    text = str(watermark).strip()
    try:  # exact fractions: 90 % of a disk is a whole number of bytes, not a float's approximation
        used = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except ValueError:
        return byte_size(text)
    free = int(total * (1 - used))
    return min(free, byte_size(max_headroom)) if max_headroom not in (None, "", "-1") else free


def effective(settings, key, default=None):
    """A cluster setting as it applies: transient, else persistent, else the default (from GET
    _cluster/settings?include_defaults=true&flat_settings=true)."""
    for scope in ("transient", "persistent", "defaults"):
        value = (settings.get(scope) or {}).get(key)
        if value is not None:
            return value
    return default


def is_data_node(node):
    return any(role == "data" or role.startswith("data_") for role in node.get("roles") or ())


def capacity_problems(shard_sizes, settings, nodes, open_shards):
    """Why the cluster cannot take the drill's copies, or [] when it can.

    shard_sizes: bytes of each primary to restore (one entry per new shard); settings: GET
    _cluster/settings with defaults; nodes: GET _nodes/stats/fs's nodes; open_shards: the cluster's
    shards now (active, initializing and unassigned). Disk: the copies (with CAPACITY_MARGIN) must fit
    above the high watermark, summed over the data nodes, and the largest shard on one node; the engines
    do not check this before a restore (they leave shards unassigned, and ignore the watermarks
    altogether on a single data node). Shards: cluster.max_shards_per_node per data node."""
    problems = []
    new_shards = len(shard_sizes)
    data = [n for n in nodes.values() if is_data_node(n)]
    limit = int(effective(settings, SHARD_LIMIT, DEFAULT_SHARD_LIMIT))
    allowed = limit * len(data)
    if open_shards + new_shards > allowed:
        problems.append(
            f"not enough shards: the drill adds {new_shards} shards to the {open_shards} open, over the "
            f"{allowed} that {SHARD_LIMIT}={limit} allows on {len(data)} data node(s)"
        )
    watermark = effective(settings, WATERMARK, DEFAULT_WATERMARK)
    headroom = {}
    for node in data:
        fs = (node.get("fs") or {}).get("total") or {}
        keep = required_free(fs.get("total_in_bytes", 0), watermark, effective(settings, MAX_HEADROOM))
        headroom[node.get("name")] = fs.get("available_in_bytes", 0) - keep
    need = int(sum(shard_sizes) * CAPACITY_MARGIN)
    largest = max(shard_sizes, default=0)
    room = sum(max(0, h) for h in headroom.values())
    best = max(headroom.values(), default=0)
    if need > room or largest > best:
        per_node = ", ".join(f"{name}: {h} bytes" for name, h in sorted(headroom.items()))
        problems.append(
            f"not enough disk: the copies need {need} bytes ({sum(shard_sizes)} in the snapshot, plus "
            f"{round((CAPACITY_MARGIN - 1) * 100)} %; largest shard {largest}), and the data nodes have {room} "
            f"bytes free above the high watermark ({WATERMARK}={watermark}; {per_node})"
        )
    return problems


def totals(verdicts):
    """{"pass": n, "fail": n, "unverified": n} of the verdicts (dicts with "result")."""
    counted = {"pass": 0, "fail": 0, "unverified": 0}
    for verdict in verdicts:
        counted[verdict["result"]] += 1
    return counted
