#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_restore
short_description: Restore indices and data streams from a snapshot on Elasticsearch or OpenSearch, planned first and safe to re-run
version_added: 0.1.0
description:
  - Plans the restore first (which indices and data streams of the snapshot, their names after renaming, which of those
    exist already), then acts, then waits until the restored indices are active and reports their document counts.
  - Data streams are restored whole, as data streams, with all their backing indices (C(.ds-<stream>-<generation>)).
  - A snapshot this cluster cannot restore, taken by a newer version or by an engine whose snapshots it cannot read
    (OpenSearch's on Elasticsearch, Elasticsearch's after 7.10 on OpenSearch), is refused before anything is done,
    although every engine lists it as C(SUCCESS) (the collection's docs/engines.md has the measured cases).
  - Never deletes or closes an existing index unless O(on_conflict) says so. With the default O(on_conflict=skip),
    existing indices are left untouched and reported as skipped, so a second run restores nothing and reports no change.
  - System indices, the names that Elasticsearch, OpenSearch and their common plugins reserve (such as C(.kibana*),
    C(.opendistro*), C(.opensearch-*), C(.plugins-*), C(.security*), C(.tasks); the full table with its sources is in
    the collection's docs/design.md), are left out by default; they break full restores on Amazon OpenSearch Service.
    A name starting with C(.) that no engine reserves (a user's hidden index, a data stream's C(.ds-*) backing index) is
    restored like any other.
  - Works the same from a repository registered C(readonly) on another cluster (migration), and from the automated
    snapshots of Amazon OpenSearch Service (repository C(cs-automated-enc), or C(cs-automated) on domains without
    encryption at rest).
options:
  repository:
    description:
      - Name of the registered repository that holds the snapshot.
    type: str
    required: true
  snapshot:
    description:
      - Name of the snapshot, or V(latest) for the newest successful snapshot among those that match O(snapshots).
      - For V(latest), Elasticsearch 7.14 and later sort the listing by start time and answer a page of 25 at a time,
        newest first, until one is successful. OpenSearch and older Elasticsearch cannot sort it, and their light
        listing has no times; the successful snapshots (and only they) are then read in full, as
        M(searchops.snapshots.es_snapshot_info) does with O(searchops.snapshots.es_snapshot_info#module:verbose=true).
    type: str
    required: true
  snapshots:
    description:
      - With O(snapshot=latest), the snapshot names and patterns (C(nightly-*)) to choose from; the newest
        successful snapshot that matches any of them is restored. Ignored when O(snapshot) names a snapshot.
    type: list
    elements: str
    default: ['*']
  indices:
    description:
      - Indices and data streams of the snapshot to restore, as names and C(*) patterns; a C(-) prefix excludes
        (C(-logs-debug-*)). Expressions match index names and data stream names, as on the server.
      - Omitted means every index and data stream in the snapshot. An empty list is an error (it does not mean every
        index).
      - An index or data stream named exactly (no C(*)) must be in the snapshot, and the selection must match something,
        else the module fails before changing anything, listing what the snapshot holds.
      - A data stream selected (by name or pattern) brings all its backing indices; a pattern matching only backing
        indices selects nothing (select the data stream). A backing index named exactly without its data stream is
        restored alone, as an ordinary index.
      - A system index named exactly (not by a pattern) is restored even when O(exclude_system_indices=true).
    type: list
    elements: str
  exclude_system_indices:
    description:
      - Leave out system indices and data streams, the names the engines and their common plugins reserve (see the
        description). RV(plan.excluded_reasons) says which rule left out each one.
    type: bool
    default: true
  rename_pattern:
    description:
      - Regular expression applied to each index name (as the server does, Java syntax); with O(rename_replacement)
        it gives the name to restore under, for example to restore beside the live index.
      - For a data stream, the server applies it to the data stream's name and to each backing index's name after
        C(.ds-) (which stays), so C(logs) with C(.ds-logs-000001) renamed by C(^(.+\)$) to C(old-$1) becomes C(old-logs)
        with C(.ds-old-logs-000001). The plan computes the names the same way.
      - A rename that would restore two indices under one name is refused before anything is done.
      - An invalid pattern, and a pattern that nests a repetition inside a repetition (like C((a+\)+)), which can
        backtrack for minutes here and on the server, are refused before anything is done; renaming the snapshot's
        index names must end within one second.
    type: str
  rename_replacement:
    description:
      - Replacement for O(rename_pattern); C($1) refers to the first group, C(${name}) to a named group, C(\\$) is
        a literal C($). A reference to a group the pattern lacks is refused before anything is done.
    type: str
  index_settings:
    description:
      - Index settings to override in the restored indices (for example C(index.number_of_replicas)).
      - A domain of Amazon OpenSearch Service with Multi-AZ with Standby refuses restored indices whose copies (primary
        and replicas) are not a multiple of its zones; with three zones set C(index.number_of_replicas) to V(2).
    type: dict
  ignore_index_settings:
    description:
      - Index settings of the snapshot not to restore.
    type: list
    elements: str
  include_global_state:
    description:
      - Also restore the cluster state stored in the snapshot (templates, persistent settings).
    type: bool
    default: false
  include_aliases:
    description:
      - Restore the aliases of the restored indices and data streams (sent to the server as C(include_aliases)).
    type: bool
    default: true
  feature_states:
    description:
      - Elasticsearch 7.12 and later only. The snapshot's feature states to restore (C(feature_states) in RV(snapshot)
        lists them, for example V(tasks) or V(security)).
      - Restoring a feature state deletes the feature's current system indices and puts the snapshot's in their
        place (the server's rule); the feature is named here, so that is asked for. It is done at every run that
        names it (the result's C(changed) is true).
      - Omitted, no feature state is restored, also with O(include_global_state=true), where Elasticsearch would
        restore every one of them (the module sends V(none)).
      - A feature the snapshot does not hold, and the option on OpenSearch or Elasticsearch before 7.12 (which
        have no feature states), are refused before anything is done.
    type: list
    elements: str
  partial:
    description:
      - Allow restoring from a snapshot in which some shards are missing (state C(PARTIAL)); the missing shards are
        created empty.
      - Even then, O(on_conflict=close) and O(on_conflict=delete) never replace an existing index whose shards the
        snapshot lacks.
    type: bool
    default: false
  on_conflict:
    description:
      - What to do when an index with the target name exists already, or, for a data stream, when its target name or
        the target name of one of its backing indices is taken (by a data stream or an index).
      - V(skip) leaves it untouched and restores the others; V(fail) fails before changing anything;
        V(close) closes it and restores over it; V(delete) deletes it and restores it anew.
      - A data stream in the way is skipped whole, or deleted whole with C(DELETE _data_stream/<name>) (its backing
        indices with it). V(close) cannot replace a data stream (its write index cannot be closed), so the module fails
        before changing anything. On a cluster without the data stream API (Elasticsearch 8's integ-test
        distribution answers 405) V(delete) fails before changing anything; restore under another name or skip.
      - Before V(close) or V(delete) touch anything, the snapshot (also one named explicitly) must be C(SUCCESS), or
        C(PARTIAL) with O(partial=true), and hold every shard of each index to be replaced; otherwise the module fails
        saying the snapshot's state, and nothing is changed.
      - With V(close), indices this run closed are reopened when the restore is refused or does not start.
        With V(delete), a restore refused after the deletion leaves the indices deleted (they are in the checked
        snapshot; running again restores them). A failure says what was done (RV(deleted_indices),
        RV(closed_indices), RV(reopened_indices), RV(restored_indices)).
      - A lost answer to the index deletion (a proxy's 502/504 or a dropped connection after the server acted) is
        reconciled by reading the cluster state; an index that is gone counts as deleted.
      - The restore replaces in place; it does not restore under a temporary name and swap (see the collection's
        docs/design.md for why).
    type: str
    choices: [skip, fail, close, delete]
    default: skip
  wait:
    description:
      - Wait until every restored shard is active (those of restored feature states too) and report document counts.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the restore to finish.
    type: int
    default: 3600
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: Computes and returns the plan; closes, deletes and restores nothing.
    support: full
  diff_mode:
    description: No diff; the plan and the lists of restored, skipped, closed and deleted indices and data streams say
      what changes.
    support: none
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: Restore everything from last night's snapshot that is not there already (Amazon OpenSearch Service)
  searchops.snapshots.es_restore:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
    repository: nightly
    snapshot: latest
    snapshots: ["logs-*"]

- name: Restore one index beside the live one, to compare
  searchops.snapshots.es_restore:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_password }}"
    repository: backups
    snapshot: before-upgrade
    indices: [orders]
    rename_pattern: "(.+)"
    rename_replacement: "restored-$1"
    index_settings:
      index.number_of_replicas: 0

- name: Bring a deleted data stream back, with every generation
  searchops.snapshots.es_restore:
    url: http://localhost:9200
    repository: backups
    snapshot: nightly-2026.11.28
    indices: [logs-web]

- name: Put an index back as it was in the snapshot, replacing the current one
  searchops.snapshots.es_restore:
    url: http://localhost:9200
    repository: backups
    snapshot: before-upgrade
    indices: [orders]
    on_conflict: delete
"""

RETURN = r"""
snapshot:
  description:
    - The snapshot restored from (the one chosen when O(snapshot=latest)), as the server reports it; the same keys as
      RV(searchops.snapshots.es_snapshot#module:snapshot).
  returned: success
  type: dict
  sample:
    snapshot: nightly-2026.11.28
    uuid: X9iYqEHvR2OQ3TtU69q5iQ
    state: SUCCESS
    indices: [orders, logs-app]
    start_time: "2026-11-28T01:00:00.000Z"
    end_time: "2026-11-28T01:00:04.210Z"
    duration_in_millis: 4210
    shards: {total: 2, failed: 0, successful: 2}
    failures: []
plan:
  description: The plan, computed before anything is done (the only result in check mode).
  returned: always
  type: dict
  contains:
    selected:
      description: Indices of the snapshot that the selection matches, with the backing indices of the selected data
        streams.
      type: list
      elements: str
    selected_data_streams:
      description: Data streams of the snapshot that the selection matches.
      type: list
      elements: str
    excluded_system:
      description: System indices and data streams left out (never a C(.ds-*) backing index of a data stream that is
        not itself a system one).
      type: list
      elements: str
    excluded_reasons:
      description: Name in RV(plan.excluded_system) -> why it was left out (the reserved pattern and who reserves it).
      type: dict
      sample: {".kibana_1": "system index: .kibana* is reserved by Kibana and OpenSearch Dashboards"}
    backing_indices:
      description: Selected data stream (not left out) -> its backing indices in the snapshot.
      type: dict
    targets:
      description: Source index -> name it is restored under.
      type: dict
    data_stream_targets:
      description: Source data stream -> name it is restored under.
      type: dict
    conflicts:
      description: Source index -> existing index with the target name.
      type: dict
    data_stream_conflicts:
      description: Source data stream -> its target name, when that name or a backing index's target is taken.
      type: dict
    restore:
      description: Source indices that are restored (backing indices of restored data streams included).
      type: list
      elements: str
    restore_data_streams:
      description: Source data streams that are restored.
      type: list
      elements: str
    skipped:
      description: Source indices left out because their target exists (O(on_conflict=skip)).
      type: list
      elements: str
    skipped_data_streams:
      description: Source data streams left out because they are in conflict (O(on_conflict=skip)).
      type: list
      elements: str
    close:
      description: Existing indices closed before the restore (O(on_conflict=close)).
      type: list
      elements: str
    delete:
      description: Existing indices deleted before the restore (O(on_conflict=delete)).
      type: list
      elements: str
    delete_data_streams:
      description: Existing data streams deleted, with their backing indices, before the restore (O(on_conflict=delete)).
      type: list
      elements: str
restored_indices:
  description:
    - The restored indices with their source and document count (counts when O(wait=true)).
    - On failure, the indices whose restore started (it goes on on the server).
  returned: when changed, not in check mode; on failure after the first change
  type: list
  elements: dict
  sample: [{"index": "restored-orders", "source": "orders", "docs": 1204}]
restored_feature_states:
  description: The feature states restored (O(feature_states); Elasticsearch 7.12 and later).
  returned: when feature states were restored
  type: list
  elements: str
  sample: [tasks]
restored_data_streams:
  description:
    - The restored data streams with their source and document count (C(GET <data stream>/_count), when O(wait=true)).
    - On failure, the data streams whose restore started.
  returned: when changed, not in check mode; on failure after the first change
  type: list
  elements: dict
  sample: [{"data_stream": "logs-web", "source": "logs-web", "docs": 52310}]
deleted_data_streams:
  description: Existing data streams deleted with their backing indices (O(on_conflict=delete)).
  returned: when changed, not in check mode; on failure after the first change
  type: list
  elements: str
  sample: [logs-web]
deleted_indices:
  description: Existing indices deleted (O(on_conflict=delete)), including those whose lost deletion answer was
    reconciled from the cluster state.
  returned: when changed, not in check mode; on failure after the first change
  type: list
  elements: str
  sample: [orders]
closed_indices:
  description: Existing indices this run closed (O(on_conflict=close)).
  returned: when changed, not in check mode; on failure after the first change
  type: list
  elements: str
  sample: [orders]
reopened_indices:
  description: Indices this run closed and reopened because the restore was refused or did not start.
  returned: on failure after the first change
  type: list
  elements: str
  sample: [orders]
still_closed_indices:
  description: Indices this run closed and could not reopen (open them with C(POST <names>/_open)).
  returned: on failure, when reopening failed
  type: list
  elements: str
  sample: [orders]
request:
  description: The restore request sent, or that would be sent in check mode.
  returned: when changed
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
    cluster_info,
    has_feature_states,
    require_feature_states,
    restore_refusal,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    FailedAfterChanges,
    SearchError,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._indices import Indices
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, run
from ansible_collections.searchops.snapshots.plugins.module_utils._restore import ON_CONFLICT, plan, replacement_problem
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    Snapshots,
    snapshot_summary,
)


def restore_body(params, decided):
    """The restore request: data streams by name (the server brings their backing indices and
    renames them as part of the stream), other indices by name."""
    backing = {i for s in decided["restore_data_streams"] for i in decided["backing_indices"][s]}
    sources = decided["restore_data_streams"] + [s for s in decided["restore"] if s not in backing]
    body = {
        "indices": ",".join(sources),
        "include_global_state": params["include_global_state"],
        "include_aliases": params["include_aliases"],
        "partial": params["partial"],
    }
    for key in ("rename_pattern", "rename_replacement", "index_settings", "ignore_index_settings"):
        if params[key] is not None:
            body[key] = params[key]
    return body


def restored_features(body):
    """The feature states the restore body restores (none for ["none"])."""
    return [f for f in body.get("feature_states") or [] if f != "none"]


def feature_states(params, info, engine):
    """The restore's feature_states: those named (checked against the engine and the snapshot);
    else ["none"] where the engine would restore them all (include_global_state), else None."""
    named = params["feature_states"]
    if named is None and not params["include_global_state"]:
        return None
    if named is None:
        return ["none"] if has_feature_states(engine) else None
    require_feature_states(engine)
    held = list(held_features(info))
    lacking = [f for f in named if f != "none" and f not in held]
    if lacking:
        raise ConfigurationError(
            f"Snapshot {info['snapshot']} holds no feature state {', '.join(repr(f) for f in lacking)}; "
            f"it holds: {', '.join(held) or 'none'}",
            "Nothing was changed. Name feature states of the snapshot (es_snapshot_info shows them)",
        )
    return named


def execute(module, client):
    params = module.params
    repo = Snapshots(client, params["repository"])
    engine = cluster_info(client)
    info = repo.find(params["snapshot"], params["snapshots"], engine)
    name = info["snapshot"]
    refusal = restore_refusal(info, engine)
    if refusal:
        raise SearchError(
            f"Snapshot {name} {refusal}: this cluster cannot restore it",
            "Nothing was changed. Restore it on a cluster of that engine, at that version or newer",
        )
    indices = Indices(client)
    streams = info.get("data_streams") or []
    decided = plan(
        info.get("indices") or [],
        params["indices"],
        params["exclude_system_indices"],
        params["rename_pattern"],
        params["rename_replacement"],
        indices.state(),
        params["on_conflict"],
        streams,
        indices.data_streams() if streams else {},
    )
    result = {"changed": False, "snapshot": snapshot_summary(info), "plan": decided}
    features = feature_states(params, info, engine)
    if not (
        decided["restore"]
        or decided["close"]
        or decided["delete"]
        or decided["delete_data_streams"]
        or restored_features({"feature_states": features})
    ):
        return result
    problem = replacement_problem(info, decided, params["partial"])
    if problem:
        raise SearchError(
            problem,
            f"Nothing was changed: on_conflict: {params['on_conflict']} replaces existing indices only from a "
            "complete copy (a SUCCESS snapshot, or PARTIAL with partial: true, holding every shard of them)",
        )
    if decided["delete_data_streams"]:
        indices.check_data_stream_api(decided["delete_data_streams"][0])
    body = restore_body(params, decided)
    if features is not None:
        body["feature_states"] = features
        if not body["indices"]:
            body["indices"] = "-*"  # the feature states only (an empty list would mean every index)
    result.update(changed=True, request={"method": "POST", "path": repo.path(name, "_restore"), "body": body})
    if module.check_mode:
        return result
    restore = Restore(client, repo, name, decided, params, feature_indices(info, restored_features(body)))
    result.update(restore.run(body))
    return result


def held_features(info):
    """{feature state: its indices} of the snapshot (Elasticsearch 7.12+; empty elsewhere)."""
    return {
        f.get("feature_name"): f.get("indices") or [] for f in info.get("feature_states") or [] if isinstance(f, dict)
    }


def feature_indices(info, features):
    """The snapshot's indices of the feature states restored (the restore waits for them too)."""
    held = held_features(info)
    return [index for feature in features for index in held.get(feature, [])]


class Restore:
    """Carries out a plan and keeps account of what was done, so that a failure says exactly that,
    and indices this run closed are reopened when the restore does not start."""

    def __init__(self, client, repo, snapshot, decided, params, feature_indices=()):
        self.client = client
        self.feature_indices = list(feature_indices)
        self.indices = Indices(client)
        self.repo = repo
        self.snapshot = snapshot
        self.decided = decided
        self.params = params
        self.done = {
            "deleted_data_streams": [],
            "deleted_indices": [],
            "closed_indices": [],
            "reopened_indices": [],
            "restored_indices": [],
            "restored_data_streams": [],
        }

    def run(self, body):
        deadline = self.client.clock.deadline(self.params["wait_timeout"])
        sent = False
        try:
            self.indices.delete_data_streams(self.decided["delete_data_streams"], self.done["deleted_data_streams"])
            self.indices.delete(self.decided["delete"], self.done["deleted_indices"])
            self.indices.close(self.decided["close"], self.done["closed_indices"])
            if self.decided["restore"] or restored_features(body):
                sent = True
                self.start(body, deadline)
                self.done["restored_indices"] = self.entries(self.decided["restore"])
                self.done["restored_data_streams"] = self.stream_entries()
                if self.params["wait"]:
                    self.wait(deadline)
        except SearchError as err:
            raise self.failure(err, sent) from None
        keys = (
            "deleted_data_streams",
            "deleted_indices",
            "closed_indices",
            "restored_indices",
            "restored_data_streams",
        )
        done = {key: self.done[key] for key in keys}
        if restored_features(body):
            done["restored_feature_states"] = body["feature_states"]
        return done

    def wait(self, deadline):
        """Until every restored shard is active (of the feature states' indices too); then the document
        counts of indices and data streams (one search per batch of indices, GET _count's counts)."""
        targets = [e["index"] for e in self.done["restored_indices"]]
        self.indices.wait_active(targets + self.feature_indices, deadline)
        counts = self.indices.doc_counts(targets, deadline)
        for entry in self.done["restored_indices"]:
            entry["docs"] = counts.get(entry["index"])
        for entry in self.done["restored_data_streams"]:
            # a stream restored whole is its backing indices as restored: counted in the same searches
            backing = [self.decided["targets"][index] for index in self.decided["backing_indices"][entry["source"]]]
            entry["docs"] = sum(counts.get(index) or 0 for index in backing)

    def entries(self, sources):
        return [{"index": self.decided["targets"][s], "source": s} for s in sources]

    def stream_entries(self):
        """The data streams whose backing indices are all among the restored indices."""
        restored = {e["source"] for e in self.done["restored_indices"]}
        return [
            {"data_stream": self.decided["data_stream_targets"][s], "source": s}
            for s in self.decided["restore_data_streams"]
            if set(self.decided["backing_indices"][s]) <= restored
        ]

    def start(self, body, deadline):
        self.repo.restore(self.snapshot, body, deadline, self.under_way)

    def under_way(self):
        """After a lost answer: whether the restore started, i.e. every target exists and is open
        (targets did not exist, were deleted, or were closed by this run before the restore)."""
        state = self.indices.state()
        return all(state.get(self.decided["targets"][s], {}).get("open") for s in self.decided["restore"])

    def failure(self, err, sent):
        """err with what was done. Before the restore was accepted, the cluster state says whether a
        restore whose answer was lost started (its indices exist and are open); indices this run
        closed that are still closed are reopened."""
        hint = None
        if not self.done["restored_indices"] and (sent or self.decided["close"]):
            try:
                state = self.indices.state()
                if sent:
                    self.done["restored_indices"] = self.entries(
                        [s for s in self.decided["restore"] if state.get(self.decided["targets"][s], {}).get("open")]
                    )
                    self.done["restored_data_streams"] = self.stream_entries()
                closed = [n for n in self.decided["close"] if n in state and not state[n]["open"]]
                self.done["closed_indices"] += [n for n in closed if n not in self.done["closed_indices"]]
                self.indices.open(closed, self.done["reopened_indices"])
            except SearchError as second:
                still = [n for n in self.done["closed_indices"] if n not in self.done["reopened_indices"]]
                self.done["still_closed_indices"] = still
                hint = f"Then {second.message}. Reopen them: POST {','.join(still)}/_open" if still else None
        restored = {e["index"] for e in self.done["restored_indices"]}
        restored |= {e["data_stream"] for e in self.done["restored_data_streams"]}
        gone = [n for n in self.done["deleted_data_streams"] + self.done["deleted_indices"] if n not in restored]
        if gone and hint is None:
            hint = (
                f"{', '.join(gone)} are in snapshot {self.snapshot}: run again to restore them "
                "(indices that exist are skipped or replaced as on_conflict says)"
            )
        return FailedAfterChanges(err, self.done, summary(self.done), hint)


def summary(done):
    """What was done, in order, as one sentence for a failure message."""
    parts = (
        [f"deleted the data streams {', '.join(done['deleted_data_streams'])}"] if done["deleted_data_streams"] else []
    )
    parts += [
        f"{verb} {', '.join(done[f'{verb}_indices'])}"
        for verb in ("deleted", "closed", "reopened")
        if done[f"{verb}_indices"]
    ]
    if done["restored_indices"]:
        restored = ", ".join(e["index"] for e in done["restored_indices"])
        parts.append(f"started restoring {restored} (it goes on on the server)")
    if done.get("still_closed_indices"):
        parts.append(f"could not reopen {', '.join(done['still_closed_indices'])}")
    return f"Done before the failure: {'; '.join(parts)}" if parts else "Nothing was changed"


def main():
    module = build_module(
        dict(
            repository=dict(type="str", required=True),
            snapshot=dict(type="str", required=True),
            snapshots=dict(type="list", elements="str", default=["*"]),
            indices=dict(type="list", elements="str"),
            exclude_system_indices=dict(type="bool", default=True),
            rename_pattern=dict(type="str"),
            rename_replacement=dict(type="str"),
            index_settings=dict(type="dict"),
            ignore_index_settings=dict(type="list", elements="str"),
            include_global_state=dict(type="bool", default=False),
            include_aliases=dict(type="bool", default=True),
            feature_states=dict(type="list", elements="str"),
            partial=dict(type="bool", default=False),
            on_conflict=dict(type="str", default="skip", choices=list(ON_CONFLICT)),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=3600),
        ),
        required_together=[("rename_pattern", "rename_replacement")],
        supports_check_mode=True,
    )
    run(module, execute)


if __name__ == "__main__":
    main()
