# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Snapshots: their states, names and metadata, what modules return about them (pure), and the
REST resource of one repository's snapshots (Snapshots), with the waiting and retrying that
taking and deleting snapshots need."""

from __future__ import annotations

from ansible_collections.searchops.snapshots.plugins.module_utils._client import NAMES_PER_URL, batches, quote_path
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    REFUSED_STATUSES,
    ConfigurationError,
    HTTPError,
    SearchError,
    WaitTimeout,
    lost,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._repositories import (
    check_file_name,
    service_managed,
    validate_repository_name,
)

# Metadata keys es_snapshot adds to every snapshot it takes: the cluster that took it, and an id
# of the create request that tells this run's snapshot from a same-named one taken meanwhile.
CLUSTER_UUID = "searchops.cluster_uuid"
CLUSTER_NAME = "searchops.cluster_name"
CREATE_ID = "searchops.create_id"
# The states of a snapshot, as the server reports them; all but IN_PROGRESS are final.
SNAPSHOT_STATES = ("SUCCESS", "PARTIAL", "FAILED", "IN_PROGRESS", "INCOMPATIBLE")
COMPLETED_STATES = tuple(state for state in SNAPSHOT_STATES if state != "IN_PROGRESS")
# Verbose reads of named snapshots in flight at once (Snapshots.details). The engines read a verbose
# listing's snapshots one after another (OpenSearch, Elasticsearch before 7.14): one object read from
# the repository each, a round trip to S3. Batches read side by side cut the wait, and each request
# stays short enough for the proxies and load balancers in front of a cluster.
DETAIL_READERS = 4
# Names a verbose read is given at least before the names are split among more readers: a few names
# go in one request (each reader may open a connection of its own).
NAMES_PER_READER = 50
# Elasticsearch sorts and pages snapshot listings itself from 7.14 (sort, order, size, after, next).
SORTED_LISTINGS_SINCE = (7, 14)
LATEST_PAGE = 25


def validate_snapshot_name(name):
    """The server's rules for a (resolved) snapshot name, checked before any request."""
    if not name:
        raise ConfigurationError("Snapshot name must not be empty")
    if name != name.lower():
        raise ConfigurationError(f"Snapshot name {name!r} must be lowercase")
    check_file_name("Snapshot", name)


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
    if owner is None or cluster is None or owner == cluster[CLUSTER_UUID]:
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
        "feature_states",
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


def sorts_listings(engine):
    """Whether the engine (_cluster.cluster_info) sorts and pages snapshot listings itself."""
    return bool(engine) and engine["distribution"] == "elasticsearch" and engine["version"] >= SORTED_LISTINGS_SINCE


def millis(snapshot, key):
    """A time field of a snapshot's info (start_time_in_millis, ...); 0 when absent or not a number."""
    value = snapshot.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def newest_first(snapshot):
    """Sort key for listings, newest first with reverse=True: start time, then end time."""
    return (millis(snapshot, "start_time_in_millis"), millis(snapshot, "end_time_in_millis"))


# Answers to a create that mean "a snapshot of that name exists" (OpenSearch and Elasticsearch 7;
# Elasticsearch 8).
EXISTS_TYPES = frozenset(("invalid_snapshot_name_exception", "snapshot_name_already_in_use_exception"))
# Answers that mean "another snapshot operation is in the way; try again shortly".
BUSY_TYPES = frozenset(("concurrent_snapshot_execution_exception", "snapshot_in_progress_exception"))


def refused(err):
    """Whether err means "not carried out, try again shortly": another snapshot operation is in
    the way, or the server sheds load (429, 503)."""
    return isinstance(err, HTTPError) and (err.error_type in BUSY_TYPES or err.status in REFUSED_STATUSES)


def running(client):
    """The snapshots running now in every repository, with per-shard progress."""
    return _running(client, quote_path("_snapshot", "_status"))


def _running(client, path):
    snapshots = client.request("GET", path).body.get("snapshots") or []
    if not isinstance(snapshots, list):
        raise client.unexpected_answer("GET", path, "the answer is not a list of snapshots")
    return snapshots


class Snapshots:
    """The snapshots of one repository: _snapshot/<repository>/<snapshot>[/_restore|/_status]."""

    def __init__(self, client, name):
        # reading is allowed from any name the server allows (cs-automated on AWS too); only
        # es_snapshot_repo applies the rules for registering one
        validate_repository_name(name, on_aws=False)
        self.client = client
        self.name = name
        self.clock = client.clock

    def path(self, *parts):
        return quote_path("_snapshot", self.name, *parts)

    def check_writable(self, verb):
        """Refuse, before any request, to take (verb "take") or delete snapshots in a repository of
        Amazon OpenSearch Service's automated snapshots: the service refuses it."""
        if service_managed(self.name, self.client.is_aws):
            raise ConfigurationError(
                f"Repository {self.name!r} holds Amazon OpenSearch Service's automated snapshots: the service takes "
                f"and deletes them itself (it keeps them 14 days), and Amazon OpenSearch Service refuses to {verb} "
                "snapshots in it",
                "Take and prune manual snapshots in a repository of your own (searchops.snapshots.es_snapshot_repo "
                "registers one); es_restore restores from this one",
            )

    def get(self, snapshot, deadline=None):
        """The snapshot's info, or None when it does not exist."""
        try:
            response = self.client.request("GET", self.path(snapshot), deadline=deadline)
        except HTTPError as err:
            if err.status == 404 and err.error_type == "snapshot_missing_exception":
                return None
            raise self._explain_missing_repository(err) from None
        snapshots = self._snapshots(response, snapshot)
        return snapshots[0] if snapshots else None

    def list(self, patterns, verbose, deadline=None):
        query = {"verbose": str(bool(verbose)).lower(), "ignore_unavailable": "true"}
        try:
            response = self.client.request("GET", self.path(",".join(patterns)), query=query, deadline=deadline)
        except HTTPError as err:
            raise self._explain_missing_repository(err) from None
        return self._snapshots(response, ",".join(patterns))

    def details(self, names, deadline=None):
        """The verbose info of the named snapshots (names, not patterns), in the server's words; a
        snapshot deleted meanwhile is left out. Up to DETAIL_READERS requests in flight, the names
        shared out evenly among them (NAMES_PER_READER at least each), no more to a request than
        fit its URL."""
        readers = min(DETAIL_READERS, -(-len(names) // NAMES_PER_READER))
        share = -(-sum(len(quote_path(name)) + 1 for name in names) // max(readers, 1))
        groups = batches(names, min(NAMES_PER_URL, share))
        if len(groups) < 2:
            return [s for group in groups for s in self.list(group, verbose=True, deadline=deadline)]
        # imported here: only large listings need threads, and every module imports this file
        from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel

        with ThreadPoolExecutor(max_workers=min(DETAIL_READERS, len(groups))) as pool:
            found = pool.map(lambda group: self.list(group, verbose=True, deadline=deadline), groups)
            return [s for listed in found for s in listed]

    def listing(self, patterns, states=None, deadline=None):
        """The verbose info of the snapshots matching patterns, in states (None: all): names and
        states from the light listing (the repository's index alone), then details() of those."""
        light = self.list(patterns, verbose=False, deadline=deadline)
        named = [s["snapshot"] for s in light if states is None or s.get("state") in states]
        return [s for s in self.details(named, deadline) if states is None or s.get("state") in states]

    def latest(self, patterns, engine=None, state="SUCCESS"):
        """The newest (by start time) snapshot in state among those matching patterns, or None.
        Elasticsearch 7.14 and later sort and page the listing themselves, newest first; other
        engines have no times in their light listing, so each snapshot in state is read (details())."""
        if not sorts_listings(engine):
            found = self.listing(patterns, (state,))
            return max(found, key=newest_first) if found else None
        path = self.path(",".join(patterns))
        query = {"sort": "start_time", "order": "desc", "size": str(LATEST_PAGE), "ignore_unavailable": "true"}
        while True:
            try:
                response = self.client.request("GET", path, query=query)
            except HTTPError as err:
                raise self._explain_missing_repository(err) from None
            page = self._snapshots(response, ",".join(patterns))
            found = [s for s in page if s.get("state") == state]
            following = response.body.get("next")
            if found or not page or not isinstance(following, str):
                return found[0] if found else None
            query["after"] = following

    def find(self, snapshot, patterns, engine):
        """The snapshot's info: by name, or for "latest" the newest successful one among patterns
        (latest()); raises SearchError when there is none."""
        if snapshot == "latest":
            info = self.latest(patterns, engine)
            if info is None:
                raise SearchError(
                    f"No successful snapshot matching {patterns!r} in repository {self.name!r}",
                    "Take one first (searchops.snapshots.es_snapshot), or check snapshots",
                )
            return info
        info = self.get(snapshot)
        if info is None:
            raise SearchError(f"Snapshot {snapshot!r} does not exist in repository {self.name!r}")
        return info

    def running(self):
        """The repository's snapshots running now, with per-shard progress."""
        try:
            return _running(self.client, self.path("_status"))
        except HTTPError as err:
            raise self._explain_missing_repository(err) from None

    def _snapshots(self, response, names):
        """The answer's list of snapshot objects; anything else is not the snapshot API answering."""
        snapshots = response.body.get("snapshots") or []
        if not isinstance(snapshots, list) or not all(isinstance(s, dict) and "snapshot" in s for s in snapshots):
            raise self.client.unexpected_answer("GET", self.path(names), "the answer is not a list of snapshots")
        return snapshots

    def _explain_missing_repository(self, err):
        if getattr(err, "error_type", None) == "repository_missing_exception":
            err.hint = f"Register the repository {self.name!r} first (searchops.snapshots.es_snapshot_repo)"
        return err

    def create(self, snapshot, body, deadline):
        """Start a snapshot; True when this call created it, False when it already existed.

        Retries while another snapshot operation is in the way. A create whose answer was lost
        (timeout, 502/504) is not sent again blindly: the snapshot is looked up first. A snapshot
        found (or answered "already exists") is this call's when it carries the CREATE_ID of
        body's metadata.
        """
        create_id = (body.get("metadata") or {}).get(CREATE_ID)
        attempt = 0
        while True:
            try:
                self.client.request(
                    "PUT",
                    self.path(snapshot),
                    query={"wait_for_completion": "false"},
                    body=body,
                    retry=False,
                    deadline=deadline,
                )
                return True
            except SearchError as err:
                if isinstance(err, HTTPError) and err.error_type in EXISTS_TYPES and "already" in (err.reason or ""):
                    # someone else's, or this call's own earlier attempt whose answer was lost
                    return created_by(self.get(snapshot, deadline) or {}, create_id)
                if lost(err):
                    found = self.get(snapshot, deadline)
                    if found is not None:
                        return created_by(found, create_id)
                elif not refused(err):
                    raise
                attempt = self.clock.back_off(attempt, deadline, err.message, self.client.warn)

    def delete(self, names, deadline):
        """Delete snapshots, as many names to a request as fit its URL (_client.batches); returns
        (deleted, gone): the names this call deleted, and those already gone (deleted meanwhile by
        someone else).

        A batch DELETE is all-or-nothing: a snapshot_missing_exception for one name deletes none
        of them, and a lost answer (502/504, connection dropped) leaves it unknown. Either way the
        batch is listed again: what vanished is gone (after a lost answer: deleted by this call),
        what remains is deleted again. Other 404s (a missing repository) are errors.
        """
        deleted, gone = [], []
        attempt = 0
        for batch in batches(names):
            while batch:
                try:
                    self.client.request("DELETE", self.path(",".join(batch)), retry=False, deadline=deadline)
                except SearchError as err:
                    missing = isinstance(err, HTTPError) and err.status == 404
                    if missing and err.error_type == "snapshot_missing_exception":
                        outcome = gone
                    elif lost(err):
                        outcome = deleted
                    elif refused(err):
                        outcome = None
                    else:
                        raise self._explain_missing_repository(err) from None
                    if outcome is not None:
                        listed = {s.get("snapshot") for s in self.list(batch, verbose=False, deadline=deadline)}
                        vanished = [name for name in batch if name not in listed]
                        outcome += vanished
                        batch = [name for name in batch if name in listed]
                        if vanished:
                            continue
                        if outcome is gone:
                            raise SearchError(
                                f"DELETE {self.path(','.join(batch))} answered that a snapshot is missing "
                                f"({err.reason}), but all of them are still listed; nothing was deleted"
                            ) from None
                    attempt = self.clock.back_off(attempt, deadline, err.message, self.client.warn)
                else:
                    deleted += batch
                    batch = []
        return deleted, gone

    def restore(self, snapshot, body, deadline, under_way):
        """Send the restore of snapshot once (it may have started when its answer is lost: then
        under_way() says whether it did); while another snapshot operation is in the way (a snapshot
        deletion), back off and send it again within the deadline."""
        attempt = 0
        while True:
            try:
                self.client.request("POST", self.path(snapshot, "_restore"), body=body, retry=False)
                return
            except SearchError as err:
                if lost(err) and under_way():
                    self.client.warn(f"{err.message}; the restore is under way on the server all the same")
                    return
                if not refused(err):
                    raise
                attempt = self.clock.back_off(attempt, deadline, err.message, self.client.warn)

    def shard_sizes(self, snapshot, indices):
        """Bytes of each primary shard of the indices in the snapshot (GET .../_status, which reads each
        shard's metadata from the repository: a missing or unreadable one fails here)."""
        body = self.client.request("GET", self.path(snapshot, "_status")).body
        held = ((body.get("snapshots") or [{}])[0].get("indices")) or {}
        return [
            ((shard.get("stats") or {}).get("total") or {}).get("size_in_bytes", 0)
            for index in indices
            for shard in ((held.get(index) or {}).get("shards") or {}).values()
        ]

    def wait(self, snapshot, deadline):
        """Poll until the snapshot leaves IN_PROGRESS; returns its final info."""

        def ended():
            info = self.get(snapshot, deadline)
            if info is None:
                raise SearchError(f"Snapshot {snapshot} disappeared while waiting (deleted or aborted by someone else)")
            return info if info.get("state") != "IN_PROGRESS" else None

        def timed_out(elapsed, unreachable):
            if unreachable is not None:
                return WaitTimeout(
                    f"Snapshot {snapshot} could not be read until wait_timeout ({elapsed:.0f}s): {unreachable.message}",
                    "The snapshot may go on on the server: run again once the cluster answers",
                )
            return WaitTimeout(
                f"Snapshot {snapshot} is still IN_PROGRESS after {elapsed:.0f}s",
                "It goes on on the server; run again (or raise wait_timeout) to wait for it",
            )

        return self.clock.poll(ended, deadline, timed_out, self.client.warn)
