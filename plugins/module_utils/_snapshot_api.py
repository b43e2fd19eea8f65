# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The snapshot REST resources of one repository, over the shared client, with the waiting
and retrying that taking and deleting snapshots need. Shared by the snapshot modules."""

from __future__ import annotations

from ansible_collections.searchops.snapshots.plugins.module_utils._client import backoff_delay, quote_path
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConnectionFailure,
    HTTPError,
    SearchError,
    WaitTimeout,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import (
    CLUSTER_NAME,
    CLUSTER_UUID,
    CREATE_ID,
    created_by,
    poll_interval,
    validate_repository_name,
)

# Answers to a create that mean "a snapshot of that name exists" (OpenSearch and Elasticsearch 7;
# Elasticsearch 8).
EXISTS_TYPES = frozenset(("invalid_snapshot_name_exception", "snapshot_name_already_in_use_exception"))
# Answers that mean "another snapshot operation is in the way; try again shortly".
BUSY_TYPES = frozenset(("concurrent_snapshot_execution_exception", "snapshot_in_progress_exception"))
# A create or delete whose answer was lost may still have been carried out.
LOST_STATUSES = frozenset((502, 504))
# Answers that mean "not carried out; try again shortly".
REFUSED_STATUSES = frozenset((429, 503))
# Answers a wait polls through (a node restarting behind a proxy, or not elected yet).
TRANSIENT_STATUSES = frozenset((502, 503, 504))
# Names to a DELETE request: short enough for a URL.
DELETE_BATCH = 20


def cluster_identity(client, deadline=None):
    """{CLUSTER_UUID, CLUSTER_NAME} of the cluster the client talks to (GET /)."""
    body = client.request("GET", "", deadline=deadline).body
    body = body if isinstance(body, dict) else {}
    uuid = body.get("cluster_uuid")
    if not uuid or uuid == "_na_":
        raise SearchError(
            f"{client.base_url} does not say its cluster_uuid",
            "Is it an Elasticsearch or OpenSearch cluster with an elected cluster manager?",
        )
    return {CLUSTER_UUID: uuid, CLUSTER_NAME: body.get("cluster_name")}


def transient(err):
    """Whether a wait outlives err: nothing answered, or the node or a proxy in front of it is
    unavailable for now (a node restarting: refused connections, 502/503/504)."""
    return isinstance(err, ConnectionFailure) or (isinstance(err, HTTPError) and err.status in TRANSIENT_STATUSES)


class Snapshots:
    def __init__(self, client, name):
        # reading is allowed from any name the server allows (cs-automated on AWS too); only
        # es_snapshot_repo applies the rules for registering one
        validate_repository_name(name, on_aws=False)
        self.client = client
        self.name = name
        self.clock = client.clock
        self.sleep = client.sleep

    def path(self, *parts):
        return quote_path("_snapshot", self.name, *parts)

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

    def _snapshots(self, response, names):
        """The answer's list of snapshot objects; anything else is not the snapshot API answering."""
        snapshots = response.body.get("snapshots") or []
        if not isinstance(snapshots, list) or not all(isinstance(s, dict) and "snapshot" in s for s in snapshots):
            raise self.client.unexpected_answer("GET", self.path(names), "the answer is not a list of snapshots")
        return snapshots

    def _explain_missing_repository(self, err):
        if err.error_type == "repository_missing_exception":
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
            except HTTPError as err:
                if err.error_type in EXISTS_TYPES and "already" in (err.reason or ""):
                    # someone else's, or this call's own earlier attempt whose answer was lost
                    return created_by(self.get(snapshot, deadline) or {}, create_id)
                if err.status in LOST_STATUSES:
                    found = self.get(snapshot, deadline)
                    if found is not None:
                        return created_by(found, create_id)
                elif err.error_type not in BUSY_TYPES and err.status not in REFUSED_STATUSES:
                    raise
                failure = err
            except ConnectionFailure as err:
                found = self.get(snapshot, deadline)
                if found is not None:
                    return created_by(found, create_id)
                failure = err
            attempt = self._back_off(attempt, deadline, failure)

    def delete(self, names, deadline):
        """Delete snapshots, DELETE_BATCH names to a request; returns (deleted, gone): the names
        this call deleted, and those already gone (deleted meanwhile by someone else).

        A batch DELETE is all-or-nothing: a snapshot_missing_exception for one name deletes none
        of them, and a lost answer (502/504, connection dropped) leaves it unknown. Either way the
        batch is listed again: what vanished is gone (after a lost answer: deleted by this call),
        what remains is deleted again. Other 404s (a missing repository) are errors.
        """
        deleted, gone = [], []
        pending = list(names)
        attempt = 0
        while pending:
            batch = pending[:DELETE_BATCH]
            outcome, failure = None, None
            try:
                self.client.request("DELETE", self.path(",".join(batch)), retry=False, deadline=deadline)
            except HTTPError as err:
                if err.status == 404 and err.error_type == "snapshot_missing_exception":
                    outcome = gone
                elif err.status in LOST_STATUSES:
                    outcome = deleted
                elif err.error_type not in BUSY_TYPES and err.status not in REFUSED_STATUSES:
                    raise self._explain_missing_repository(err) from None
                failure = err
            except ConnectionFailure as err:
                outcome, failure = deleted, err
            if failure is None:
                deleted += batch
                pending = pending[len(batch) :]
                continue
            if outcome is not None:
                listed = {s.get("snapshot") for s in self.list(batch, verbose=False, deadline=deadline)}
                vanished = [name for name in batch if name not in listed]
                outcome += vanished
                pending = [name for name in pending if name not in vanished]
                if vanished:
                    continue
                if outcome is gone:
                    raise SearchError(
                        f"DELETE {self.path(','.join(batch))} answered that a snapshot is missing "
                        f"({failure.reason}), but all of them are still listed; nothing was deleted"
                    )
            attempt = self._back_off(attempt, deadline, failure)
        return deleted, gone

    def _back_off(self, attempt, deadline, failure):
        delay = backoff_delay(attempt)
        if self.clock() + delay > deadline:
            raise WaitTimeout(f"{failure.message}; gave up within wait_timeout", failure.hint)
        self.client.warn(f"{failure.message}; retrying in {delay:.1f}s")
        self.sleep(delay)
        return attempt + 1

    def wait(self, snapshot, deadline, started=None):
        """Poll until the snapshot leaves IN_PROGRESS; returns its final info."""
        started = self.clock() if started is None else started
        unreachable = None  # the failure of the last poll, while the node cannot be read
        while True:
            try:
                info = self.get(snapshot, deadline)
                unreachable = None
            except WaitTimeout:
                info = {"state": "IN_PROGRESS"}  # no answer within the deadline: report it as still running
            except SearchError as err:
                if not transient(err):
                    raise
                self.client.warn(f"{err.message}; polling again until wait_timeout")
                info, unreachable = {"state": "IN_PROGRESS"}, err
            if info is None:
                raise SearchError(f"Snapshot {snapshot} disappeared while waiting (deleted or aborted by someone else)")
            if info.get("state") != "IN_PROGRESS":
                return info
            now = self.clock()
            if now >= deadline and unreachable is not None:
                raise WaitTimeout(
                    f"Snapshot {snapshot} could not be read until wait_timeout ({now - started:.0f}s): "
                    f"{unreachable.message}",
                    "The snapshot may go on on the server: run again once the cluster answers",
                )
            if now >= deadline:
                raise WaitTimeout(
                    f"Snapshot {snapshot} is still IN_PROGRESS after {now - started:.0f}s",
                    "It goes on on the server; run again (or raise wait_timeout) to wait for it",
                )
            self.sleep(min(poll_interval(now - started), max(0.0, deadline - now)))
