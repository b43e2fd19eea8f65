#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_snapshot_verify
short_description: Restore drill of a snapshot on Elasticsearch or OpenSearch, compared with its manifest
version_added: 0.1.0
description:
  - Proves a snapshot restorable. Restores its indices as hidden copies under O(prefix) with no replica, waits until
    they are active, compares each copy with the manifest that M(searchops.snapshots.es_snapshot) recorded (documents
    as C(GET _count) counts them, and the mapping's hash), runs the sample O(queries), reports pass or fail per index,
    and deletes the copies, also when it fails.
  - Never touches a live index, alias or data stream. Only the names O(prefix) makes are created and deleted, the
    copies get no aliases, the cluster's global state is not restored, a data stream's backing indices are restored
    by name as ordinary indices (no data stream is created). System indices are left out.
  - A copy's count must equal the manifest's when the index was not written between the count and the snapshot (the
    copy's primaries have the sequence numbers the manifest recorded); otherwise it may differ by O(count_tolerance)
    documents. See the README, "Restore drills", for what a drill proves and what it does not.
  - Refuses to run, before any change, when the cluster lacks the disk (above the high watermark, summed over the data
    nodes, the largest shard on one node) or the shards (C(cluster.max_shards_per_node)) for the copies. The engines
    do not check disk before a restore, and ignore the watermarks on a single data node.
  - Each drill is recorded in the hidden index C(searchops-drills) before the restore (with the copies' names) and
    when it ends, with its verdicts; M(searchops.snapshots.es_snapshot_info) shows each snapshot's last drill. A
    drill that was killed leaves a record of C(running) state, and the next drill deletes that record's copies first.
    An index with O(prefix) that no record names is someone else's, and the drill refuses and names it.
  - Fails when any index or query fails, with the report. A snapshot without a manifest (taken by another tool, or
    with O(searchops.snapshots.es_snapshot#module:manifest=false)) is restored and counted; its indices are
    C(unverified).
  - C(changed) is true only when copies left by an earlier drill were deleted; a drill leaves the cluster as it found
    it, apart from its record.
options:
  repository:
    description:
      - The repository that holds the snapshot.
    type: str
    required: true
  snapshot:
    description:
      - Name of the snapshot, or V(latest) for the newest successful snapshot among O(snapshots).
    type: str
    default: latest
  snapshots:
    description:
      - Names and patterns O(snapshot=latest) chooses among.
    type: list
    elements: str
    default: ['*']
  indices:
    description:
      - Indices and data streams of the snapshot to restore, with patterns and C(-) exclusions. Omitted, every index
        of the snapshot but system indices.
    type: list
    elements: str
  prefix:
    description:
      - Prefix of the copies' names. Lowercase, without C($), wildcards or characters forbidden in index names.
      - Reserved for drills on the cluster; run one drill at a time per prefix.
    type: str
    default: searchops-drill-
  count_tolerance:
    description:
      - Documents a copy may differ by from the manifest's count, for indices written during the snapshot. Indices
        not written during the snapshot must match exactly, whatever this says.
    type: int
    default: 0
  compare_mappings:
    description:
      - Compare each copy's mapping hash with the manifest's (for indices not written during the snapshot, since a
        write may add fields). Set V(false) for a drill on a cluster of another engine or version, which may show the
        same mapping differently.
    type: bool
    default: true
  queries:
    description:
      - Sample queries run on the copies; each passes when its hit count meets O(queries[].hits) or
        O(queries[].min_hits).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the query in the report (default C(<index> query <n>)).
        type: str
      index:
        description: Source index (as named in the snapshot) whose copy is queried.
        type: str
        required: true
      query:
        description: The query (the value of C(query) in a search body), run with C(GET <copy>/_count).
        type: dict
        required: true
      hits:
        description: Exact number of hits expected.
        type: int
      min_hits:
        description: Least number of hits expected; 1 when neither this nor O(queries[].hits) is given.
        type: int
  ignore_index_settings:
    description:
      - Index settings of the snapshot not restored on the copies (simple wildcards allowed).
    type: list
    elements: str
    default: ['index.lifecycle.*', 'index.routing.allocation.*']
  wait_timeout:
    description:
      - Seconds to wait for the copies to become active. When it runs out, the drill fails and the copies are deleted.
    type: int
    default: 3600
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: Returns the plan (copies, their size and shards, the capacity check, leftovers that would be deleted); restores and records nothing.
    support: full
  diff_mode:
    description: Not applicable; the drill leaves the cluster as it found it.
    support: none
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: Restore drill of the latest nightly snapshot
  searchops.snapshots.es_snapshot_verify:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
    repository: nightly
    snapshots: ["logs-*"]
  register: drill

- name: Drill of a named snapshot with sample queries, tolerating 100 documents in indices written meanwhile
  searchops.snapshots.es_snapshot_verify:
    url: https://opensearch.internal:9200
    username: admin
    password: "{{ vault_opensearch_password }}"
    repository: backups
    snapshot: before-upgrade
    indices: [orders, logs-*]
    count_tolerance: 100
    queries:
      - name: last year's orders
        index: orders
        query: {range: {created: {gte: "now-1y"}}}
        min_hits: 1000
"""

RETURN = r"""
snapshot:
  description: The snapshot drilled, as the server reports it.
  returned: always
  type: dict
  sample: {"snapshot": "nightly-2026.11.29", "uuid": "X9iYqEHvR2OQ3TtU69q5iQ", "state": "SUCCESS"}
manifest:
  description:
    - Where the snapshot's manifest was found (V(metadata), V(document), or V(none)) and, for a document, whether its
      digest matched the snapshot's metadata.
  returned: always
  type: dict
  sample: {"stored_in": "metadata", "indices": 2}
plan:
  description:
    - The copies (C(targets), source to copy), their bytes and shards, what the capacity check found, and the copies
      of earlier drills that are deleted first (C(leftovers)).
  returned: always
  type: dict
  sample: {"targets": {"orders": "searchops-drill-orders"}, "bytes": 52311, "shards": 1, "capacity": [], "leftovers": []}
drill:
  description: The drill's id (the C(_id) of its record in C(searchops-drills)).
  returned: when the drill ran
  type: str
indices:
  description:
    - Per source index, its verdict (C(result) V(pass), V(fail) or V(unverified), with C(reason) unless it passed),
      the copy's documents (C(docs)) and the manifest's (C(expected_docs)), and whether it was written during the
      snapshot.
  returned: when the drill ran
  type: dict
  sample: {"orders": {"target": "searchops-drill-orders", "result": "pass", "docs": 1200, "expected_docs": 1200,
           "written_during_snapshot": false}}
queries:
  description: Per query, its verdict and hit count.
  returned: when the drill ran
  type: list
  elements: dict
summary:
  description: Indices and queries that passed, failed and were not verified.
  returned: when the drill ran
  type: dict
  sample: {"pass": 3, "fail": 0, "unverified": 0}
duration_in_millis:
  description: Time from the restore request until the copies were compared (what a restore of these indices takes).
  returned: when the drill ran
  type: int
deleted_leftovers:
  description: Copies of earlier, interrupted drills that were deleted first.
  returned: always
  type: list
  elements: str
"""

import contextlib
import datetime
import signal
import uuid

from ansible_collections.searchops.snapshots.plugins.module_utils._cluster import (
    capacity,
    cluster_info,
    restore_refusal,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._drill import (
    COPY_SETTINGS,
    capacity_problems,
    check_prefix,
    choose,
    targets,
    totals,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    DrillFailed,
    HTTPError,
    SearchError,
    WaitTimeout,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._indices import Indices
from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import (
    FAIL,
    MANIFEST_INDEX,
    PASS,
    authentic,
    compare,
    mapping_hash,
    read_manifest,
    recorded,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, run
from ansible_collections.searchops.snapshots.plugins.module_utils._records import Records
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    Snapshots,
    snapshot_summary,
)

RESTORABLE = ("SUCCESS", "PARTIAL")


class Interrupted(SearchError):
    """SIGTERM (ansible-playbook stopped, a job cancelled): the copies are deleted on the way out."""


def _interrupt(signum, frame):
    raise Interrupted(f"The drill was interrupted (signal {signum})")


def find_snapshot(repo, params, engine):
    info = repo.find(params["snapshot"], params["snapshots"], engine)
    if info.get("state") not in RESTORABLE:
        raise ConfigurationError(
            f"Snapshot {info['snapshot']} is {info.get('state')}: there is nothing complete to restore",
            "Drill a SUCCESS (or PARTIAL) snapshot",
        )
    return info


def now_iso(client):
    moment = datetime.datetime.fromtimestamp(client.clock.time(), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def execute(module, client):
    params = module.params
    check_prefix(params["prefix"])
    if params["count_tolerance"] < 0:
        raise ConfigurationError(f"count_tolerance {params['count_tolerance']} is negative", "Give 0 or more documents")
    repo = Snapshots(client, params["repository"])
    engine = cluster_info(client)
    info = find_snapshot(repo, params, engine)
    refusal = restore_refusal(info, engine)
    if refusal:
        raise ConfigurationError(
            f"Snapshot {info['snapshot']} {refusal}: this cluster cannot restore it",
            "Drill it on a cluster of that engine, at that version or newer",
        )
    sources = choose(info.get("indices") or [], info.get("data_streams") or [], params["indices"])
    queried = [q["index"] for q in params["queries"] if q["index"] not in sources]
    if queried:
        raise ConfigurationError(
            f"queries name {', '.join(repr(q) for q in queried)}, which the drill does not restore",
            f"Name one of: {', '.join(sources[:20])}",
        )
    manifest = recorded(info)
    restored = list(sources)
    if manifest and "document" in manifest:
        if MANIFEST_INDEX not in (info.get("indices") or []):
            manifest = dict(manifest, missing=f"the snapshot does not hold {MANIFEST_INDEX}")
        else:
            restored.append(MANIFEST_INDEX)
    names = targets(restored, params["prefix"])
    drill = Drill(client, repo, info, names, params)
    result = {"changed": False, "snapshot": snapshot_summary(info), "plan": drill.plan(), "deleted_leftovers": []}
    problems = result["plan"]["capacity"]
    if problems:
        raise ConfigurationError(
            f"The cluster cannot take the drill of snapshot {info['snapshot']}: {'; '.join(problems)}",
            "Nothing was changed. Drill fewer indices (indices), on a larger or scratch cluster, or free disk and shards",
        )
    unknown = result["plan"]["unrecorded"]
    if unknown:
        raise ConfigurationError(
            f"Indices with the drill prefix {params['prefix']!r} exist that no drill record names: "
            f"{', '.join(unknown[:20])}",
            "Nothing was changed. They are not this collection's to delete: delete or rename them, or choose "
            "another prefix",
        )
    if module.check_mode:
        return result
    result["deleted_leftovers"] = drill.remove_leftovers()
    result["changed"] = bool(result["deleted_leftovers"])
    report = drill.run(manifest, sources)
    result.update(report)
    if report["summary"]["fail"]:
        failures = [(s, v) for s, v in report["indices"].items() if v["result"] == FAIL]
        failures += [(q["name"], q) for q in report["queries"] if q["result"] == FAIL]
        raise DrillFailed(
            f"Restore drill of snapshot {info['snapshot']} failed for {', '.join(name for name, verdict in failures)}: "
            + "; ".join(f"{name}: {verdict['reason']}" for name, verdict in failures),
            "The copies were deleted; the report (indices, queries) says what differed",
            result,
        )
    return result


class Drill:
    """One drill: the copies it makes (names: {source: copy}), its record, and the checks."""

    def __init__(self, client, repo, info, names, params):
        self.client = client
        self.repo = repo
        self.info = info
        self.names = names
        self.params = params
        self.indices = Indices(client)
        self.records = Records(client)
        self.id = uuid.uuid4().hex
        self.leftovers = {}

    def plan(self):
        """What the drill would restore and need, the capacity check, and the prefix's indices: those a
        record of a drill still running names (leftovers) and those none does (unrecorded)."""
        sizes = self.repo.shard_sizes(self.info["snapshot"], self.names)
        existing = [n for n in self.indices.state() if n.startswith(self.params["prefix"])]
        self.leftovers = self.records.running_drills(self.params["prefix"])
        recorded_targets = {t for names in self.leftovers.values() for t in names}
        return {
            "targets": dict(self.names),
            "bytes": sum(sizes),
            "shards": len(sizes),
            "capacity": capacity_problems(sizes, *capacity(self.client)),
            "leftovers": [n for n in existing if n in recorded_targets],
            "unrecorded": [n for n in existing if n not in recorded_targets],
        }

    def remove_leftovers(self):
        """Delete the copies of interrupted drills, then mark their records interrupted."""
        deleted = []
        state = self.indices.state()
        for drill, names in self.leftovers.items():
            self.indices.delete([n for n in names if n in state], deleted)
            self.records.update_drill(drill, {"state": "interrupted", "ended": now_iso(self.client)})
        return deleted

    def run(self, manifest, sources):
        """Record, restore, wait, compare, delete the copies whatever happens, record the verdicts."""
        self.records.start_drill(
            self.id,
            {
                "drill": self.id,
                "state": "running",
                "repository": self.repo.name,
                "snapshot": self.info["snapshot"],
                "uuid": self.info.get("uuid"),
                "prefix": self.params["prefix"],
                "targets": list(self.names.values()),
                "started": now_iso(self.client),
            },
        )
        previous = signal.signal(signal.SIGTERM, _interrupt)
        started = self.client.clock.now()
        try:
            report = self.restore_and_compare(manifest, sources)
            report["duration_in_millis"] = int((self.client.clock.now() - started) * 1000)
        except SearchError as err:
            self.delete_copies(previous)
            # the record says why; when even that fails, it stays running and the next drill ends it
            with contextlib.suppress(SearchError):
                self.records.update_drill(
                    self.id, {"state": "error", "reason": str(err), "ended": now_iso(self.client)}
                )
            raise
        except BaseException:  # KeyboardInterrupt (Ctrl-C reaches the module too)
            self.delete_copies(previous)
            raise
        self.delete_copies(previous)
        report["drill"] = self.id
        final = {k: report[k] for k in ("indices", "queries", "summary", "duration_in_millis", "manifest")}
        state = "failed" if report["summary"]["fail"] else "passed"
        self.records.update_drill(self.id, dict(final, state=state, ended=now_iso(self.client)))
        return report

    def delete_copies(self, previous_handler):
        """Delete every copy that exists (never a wildcard: only the names this drill made)."""
        try:
            self.indices.delete([n for n in self.names.values() if n in self.indices.state()], [])
        finally:
            signal.signal(signal.SIGTERM, previous_handler)

    def restore_and_compare(self, manifest, sources):
        deadline = self.client.clock.deadline(self.params["wait_timeout"])
        body = {
            "indices": ",".join(self.names),
            "include_global_state": False,
            "include_aliases": False,
            "partial": self.info.get("state") == "PARTIAL",
            "rename_pattern": "(.+)",
            "rename_replacement": self.params["prefix"] + "$1",
            "index_settings": COPY_SETTINGS,
            "ignore_index_settings": self.params["ignore_index_settings"],
        }
        self.repo.restore(self.info["snapshot"], body, deadline, self.under_way)
        failed_copies = {}
        try:
            self.indices.wait_active(list(self.names.values()), deadline, failed_copies)
        except WaitTimeout as err:
            raise WaitTimeout(
                f"The drill's copies were not active within wait_timeout: {err.message}",
                "The copies were deleted. Raise wait_timeout for large snapshots, or look at GET _cat/recovery",
            ) from None
        by_copy = {t: s for s, t in self.names.items()}
        failed = {by_copy[t]: why for t, why in failed_copies.items() if t in by_copy}
        active = [t for s, t in self.names.items() if s not in failed]
        expected, manifest_report = self.expected(manifest, failed)
        counts = self.indices.doc_counts(active, deadline)
        seq_no = self.indices.seq_numbers(active, deadline)
        mappings = self.indices.mappings(active, deadline) if self.params["compare_mappings"] else {}
        verdicts = {}
        for source in sources:
            target = self.names[source]
            if source in failed:
                verdicts[source] = {"target": target, "result": FAIL, "reason": failed[source]}
                continue
            entry = (expected or {}).get(source)
            verdict = compare(
                entry,
                counts.get(target, 0),
                seq_no.get(target),
                mapping_hash(mappings[target]) if target in mappings else None,
                self.params["count_tolerance"],
            )
            if expected is None and manifest_report.get("reason"):
                verdict["reason"] = manifest_report["reason"]
            verdicts[source] = dict(verdict, target=target, docs=counts.get(target, 0))
            verdicts[source]["expected_docs"] = entry[0] if entry else None
        queries = self.queries(failed, deadline)
        return {
            "manifest": manifest_report,
            "indices": verdicts,
            "queries": queries,
            "summary": totals(list(verdicts.values()) + queries),
        }

    def under_way(self):
        """After a lost answer to the restore: whether it started (every copy exists)."""
        state = self.indices.state()
        return all(n in state for n in self.names.values())

    def expected(self, manifest, failed):
        """(the manifest's indices or None, what the report says about the manifest)."""
        if manifest is None:
            return None, {"stored_in": "none", "reason": "the snapshot has no manifest: restored and counted only"}
        if "indices" in manifest:
            return manifest["indices"], {"stored_in": "metadata", "indices": len(manifest["indices"])}
        if manifest.get("missing"):
            return None, {"stored_in": "document", "reason": f"manifest unavailable: {manifest['missing']}"}
        if MANIFEST_INDEX in failed:
            return None, {"stored_in": "document", "reason": f"manifest unavailable: {failed[MANIFEST_INDEX]}"}
        document = read_manifest(self.client, self.names[MANIFEST_INDEX], manifest["document"])
        if not authentic(manifest, document):
            why = (
                "its document is not in the snapshot" if document is None else "its document does not match the digest"
            )
            return None, {"stored_in": "document", "authentic": False, "reason": f"manifest unavailable: {why}"}
        return document["indices"], {"stored_in": "document", "authentic": True, "indices": len(document["indices"])}

    def queries(self, failed, deadline):
        verdicts = []
        for n, query in enumerate(self.params["queries"], 1):
            name = query["name"] or f"{query['index']} query {n}"
            verdict = {"name": name, "index": query["index"]}
            if query["index"] in failed:
                verdicts.append(dict(verdict, result=FAIL, reason="its index could not be restored"))
                continue
            try:
                hits = self.indices.count(self.names[query["index"]], query["query"], deadline)
            except HTTPError as err:
                verdicts.append(dict(verdict, result=FAIL, reason=err.message))
                continue
            verdicts.append(dict(verdict, hits=hits, **judge(hits, query)))
        return verdicts


def judge(hits, query):
    if query["hits"] is not None and hits != query["hits"]:
        return {"result": FAIL, "reason": f"{hits} hits, {query['hits']} expected"}
    least = query["min_hits"] if query["min_hits"] is not None else (1 if query["hits"] is None else None)
    if least is not None and hits < least:
        return {"result": FAIL, "reason": f"{hits} hits, at least {least} expected"}
    return {"result": PASS}


def main():
    module = build_module(
        dict(
            repository=dict(type="str", required=True),
            snapshot=dict(type="str", default="latest"),
            snapshots=dict(type="list", elements="str", default=["*"]),
            indices=dict(type="list", elements="str"),
            prefix=dict(type="str", default="searchops-drill-"),
            count_tolerance=dict(type="int", default=0),
            compare_mappings=dict(type="bool", default=True),
            queries=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str"),
                    index=dict(type="str", required=True),
                    query=dict(type="dict", required=True),
                    hits=dict(type="int"),
                    min_hits=dict(type="int"),
                ),
            ),
            ignore_index_settings=dict(
                type="list", elements="str", default=["index.lifecycle.*", "index.routing.allocation.*"]
            ),
            wait_timeout=dict(type="int", default=3600),
        ),
        supports_check_mode=True,
    )
    run(module, execute)


if __name__ == "__main__":
    main()
