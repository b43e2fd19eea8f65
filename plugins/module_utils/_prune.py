# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retention for manual snapshots, as a pure plan: which snapshots go, which stay and why.
The module lists, this decides, the module deletes. Unit tests drive it with listings."""

from __future__ import annotations

import re

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    COMPLETED_STATES,
    millis,
    newest_first,
    recorded_cluster,
)

_AGE = re.compile(r"^(?P<n>\d+)\s*(?P<unit>s|m|h|d|w)$")
_AGE_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text):
    """`30d` -> seconds. Units s, m, h, d, w."""
    match = _AGE.match(str(text).strip())
    if not match:
        raise ConfigurationError(
            f"max_age {text!r} is not a duration: use a whole number and a unit, like 30d, 12h or 2w"
        )
    return int(match["n"]) * _AGE_SECONDS[match["unit"]]


def validate(max_age, max_count, min_count):
    if max_age is None and max_count is None:
        raise ConfigurationError("Set max_age, max_count or both: without them no snapshot is old enough to delete")
    if max_count is not None and max_count < 0:
        raise ConfigurationError(f"max_count must be 0 or more, not {max_count}")
    if min_count < 0:
        raise ConfigurationError(f"min_count must be 0 or more, not {min_count}")


def plan(snapshots, now_millis, max_age=None, max_count=None, min_count=1, states=COMPLETED_STATES, cluster_uuid=None):
    """snapshots: the repository's verbose listing of the matching names.

    Deletes the snapshots in `states` that are older than max_age (seconds), or beyond the
    max_count newest of them; keeps the min_count newest SUCCESS snapshots whatever their age
    or rank; never touches a running snapshot. With cluster_uuid, a snapshot whose metadata
    records another cluster is left alone and not counted (other_clusters); one that records no
    cluster is this cluster's. cluster_uuid "" (this cluster's is unknown): every snapshot that records
    a cluster is another's. Returns names, newest first: delete, keep, running, protected,
    other_clusters, and matching (all of them).
    """
    validate(max_age, max_count, min_count)
    snapshots = sorted(snapshots, key=newest_first, reverse=True)
    others = [
        s["snapshot"] for s in snapshots if cluster_uuid is not None and recorded_cluster(s) not in (None, cluster_uuid)
    ]
    ours = [s for s in snapshots if s["snapshot"] not in others]
    running = [s["snapshot"] for s in ours if s.get("state") == "IN_PROGRESS"]
    completed = [s for s in ours if s.get("state") != "IN_PROGRESS"]
    floor = [s["snapshot"] for s in completed if s.get("state") == "SUCCESS"][:min_count]
    candidates = [s for s in completed if s.get("state") in states]
    delete = []
    for rank, snapshot in enumerate(candidates):
        # a snapshot whose start time cannot be read is never taken for an old one
        started = millis(snapshot, "start_time_in_millis")
        expired = max_age is not None and started > 0 and now_millis - started > max_age * 1000
        surplus = max_count is not None and rank >= max_count
        if (expired or surplus) and snapshot["snapshot"] not in floor:
            delete.append(snapshot["snapshot"])
    gone = set(delete)
    return {
        "delete": delete,
        "keep": [s["snapshot"] for s in completed if s["snapshot"] not in gone],
        "running": running,
        "protected": floor,
        "other_clusters": others,
        "matching": [s["snapshot"] for s in snapshots],
    }
