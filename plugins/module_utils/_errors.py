# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Typed errors raised deep in module_utils and turned into fail_json in one place.

explain() turns the errors users meet into the fix, so a failure says what to change.
"""

from __future__ import annotations

import json
import re


class SearchError(Exception):
    """Base of every error the collection raises; str() is the message for the user."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        return f"{self.message}. {self.hint}" if self.hint else self.message

    def result(self):
        """Extra keys for fail_json."""
        return {}


class ConfigurationError(SearchError):
    """The module's options cannot work (bad URL, no credentials, missing region)."""


class ConnectionFailure(SearchError):
    """Nothing answered: refused, DNS, TLS, timeout."""


class WaitTimeout(SearchError):
    """A wait (or a request inside it) reached its deadline."""


class HTTPError(SearchError):
    """The server answered with an error status."""

    def __init__(self, method, url, status, error_type=None, reason=None, body=None, hint=None):
        message = f"{method} {url} returned HTTP {status}"
        if error_type:
            message += f" {error_type}"
        if reason:
            message += f": {reason}"
        super().__init__(message, hint)
        self.method = method
        self.url = url
        self.status = status
        self.error_type = error_type
        self.reason = reason
        self.body = body

    def result(self):
        return {"status": self.status, "error": {"type": self.error_type, "reason": self.reason}}


# Answers after which a request may have been carried out all the same (its answer was lost).
LOST_STATUSES = frozenset((502, 504))
# Answers that mean "not carried out; try again shortly".
REFUSED_STATUSES = frozenset((429, 503))
# Answers a wait polls through (a node restarting behind a proxy, or not elected yet).
TRANSIENT_STATUSES = frozenset((502, 503, 504))


def transient(err):
    """Whether a wait outlives err: nothing answered, or the node or a proxy in front of it is
    unavailable for now (a node restarting: refused connections, 502/503/504)."""
    return isinstance(err, ConnectionFailure) or (isinstance(err, HTTPError) and err.status in TRANSIENT_STATUSES)


def lost(err):
    """Whether the request that failed with err may have been carried out: its answer did not come
    back (a dropped connection, or a proxy's 502/504)."""
    return isinstance(err, ConnectionFailure) or (isinstance(err, HTTPError) and err.status in LOST_STATUSES)


def parse_error(body):
    """(type, reason) as text from an OpenSearch/Elasticsearch or AWS error body (any JSON, or text)."""
    error_type, reason = _parse_error(body)
    return (None if error_type is None else str(error_type)), (None if reason is None else str(reason))


def _parse_error(body):
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            causes = error.get("root_cause")
            cause = causes[0] if isinstance(causes, list) and causes and isinstance(causes[0], dict) else {}
            reason = error.get("reason") or cause.get("reason")
            # verification failures put the useful part in caused_by
            caused_by = error.get("caused_by")
            while isinstance(caused_by, dict):
                if caused_by.get("reason"):
                    reason = f"{reason}: {caused_by['reason']}" if reason else caused_by["reason"]
                caused_by = caused_by.get("caused_by")
            return error.get("type") or cause.get("type"), reason
        if isinstance(error, str):
            return None, error
        message = body.get("Message") or body.get("message")
        if message:
            return body.get("__type") or body.get("code"), message
        return None, None
    text = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    return None, text.strip()[:500] or None


_PASS_ROLE = re.compile(r"User: (?P<user>\S+) is not authorized to perform: iam:PassRole on resource: (?P<role>\S+)")
_ES_HTTP = re.compile(r"User: (?P<user>arn:\S+) is not authorized to perform: (?P<action>es:ESHttp\w+)")
_ASSUME_ROLE = re.compile(r"is not authorized to perform: sts:AssumeRole on resource: (?P<role>[^\s(]+)")
# the engines' answer to a repository type no plugin provides (the same on Elasticsearch 7/8 and OpenSearch 2/3)
_NO_REPOSITORY_TYPE = re.compile(r"repository type \[(?P<type>[^\]]+)\] does not exist")
_BUCKET_REGION = re.compile(r"bucket is in this region: (?P<region>[a-z0-9-]+)", re.IGNORECASE)
_NO_PERMISSION = re.compile(r"no permissions for \[(?P<action>[^\]]*)\]")
_SCOPE_REGION = re.compile(r"Credential should be scoped to a valid region, not '(?P<got>[^']*)'", re.IGNORECASE)
_SCOPE_SERVICE = re.compile(r"Credential should be scoped to correct service: '(?P<service>[^']*)'")
_NOT_ALLOWED = re.compile(r"Your request: '(?P<path>[^']*)'(?: payload)? is not allowed")
# the security plugin's REST API (_plugins/_security/api): its own texts (OpenSearch security 3.4.0.0, measured
# and EndpointValidator.java), and the engines' answer to a path no plugin serves
_NO_ROUTE = re.compile(r"(?:no handler found|Incorrect HTTP method) for uri \[/?_plugins/_security", re.IGNORECASE)
_UNKNOWN_ROLE = re.compile(r"^role '(?P<role>.*)' not found\.$")
_IMMUTABLE = re.compile(r"^Resource '(?P<name>.*)' is (?P<what>reserved|static|not available)\.$")


def _aws_front_end(body):
    """Whether body is an answer of AWS's front end ({"Message": ...}), not of the cluster."""
    return isinstance(body, dict) and "error" not in body and ("Message" in body or "message" in body)


def _caused_by(body):
    """The reasons of the error's causes, joined (the top-level reason often hides the real one)."""
    reasons = []
    cause = (body or {}).get("error") if isinstance(body, dict) else None
    while isinstance(cause, dict) and len(reasons) < 10:
        reasons.append(str(cause.get("reason") or ""))
        cause = cause.get("caused_by")
    return " ".join(reasons)


def _security_api(reason):
    """The fix for a refusal of the security plugin's REST API, or None."""
    if reason.startswith("No permission to access REST API"):
        return (
            "The security plugin's REST API is open only to security admins: connect as a user with security admin "
            "rights (on Amazon OpenSearch Service the master user, or an identity mapped to the security_manager role; "
            "on a self-managed cluster a user mapped to a role listed in plugins.security.restapi.roles_enabled, such "
            "as all_access, or with the admin certificate as client_cert and client_key)"
        )
    if _NO_ROUTE.search(reason):
        return (
            "The cluster does not serve the security plugin's REST API (_plugins/_security/api): the opensearch-security "
            "plugin is not installed or is disabled (on Amazon OpenSearch Service: fine-grained access control is off; "
            "Elasticsearch's own security has other APIs). Role mappings exist only where the plugin runs"
        )
    match = _UNKNOWN_ROLE.match(reason)
    if match:
        return (
            f"The security plugin has no role {match['role']!r}, and a mapping needs its role: create the role first "
            "(PUT _plugins/_security/api/roles/<role>, or roles.yml), or fix the role name"
        )
    match = _IMMUTABLE.match(reason)
    if match:
        what = "hidden" if match["what"] == "not available" else match["what"]
        return (
            f"{match['name']!r} is {what} (or does not exist, for a hidden one): only the super admin (the admin "
            "certificate of plugins.security.authcz.admin_dn) may change it, in the plugin's configuration files"
        )
    return None


def explain(status, reason, auth_type=None, body=None, username=None):
    """The fix for a known failure, or None. Pure: unit tests drive it with server texts (the real
    AWS texts and their sources: docs/design.md, "AWS's answers and their sources"). username: the
    basic-auth user, named in the fix (the password never is)."""
    reason = reason or ""
    fix = _security_api(reason)
    if fix:
        return fix
    if "settings.role_arn is needed for snapshot registration" in reason:
        return (
            "Amazon OpenSearch Service registers S3 repositories only with settings.role_arn: set it to the ARN of the "
            "role the service assumes to write to the bucket (the searchops.snapshots.snapshot_iam role creates it)"
        )
    match = _NOT_ALLOWED.search(reason)
    if match:
        return (
            f"Amazon OpenSearch Service does not allow this request to {match['path']} (it blocks some APIs and "
            "settings on managed domains): it cannot be done on this domain"
        )
    if "User: anonymous is not authorized to perform: iam:PassRole" in reason:
        return (
            "The request reached the domain without an IAM identity (through Dashboards, or with basic auth under "
            "fine-grained access control): register the repository with a request signed (auth_type: aws_sigv4) by "
            "the IAM identity that may pass the role, and map that IAM ARN to the manage_snapshots role (as a "
            "backend role) of the security plugin"
        )
    if "User: anonymous is not authorized" in reason:
        return (
            "The request was not signed. Amazon OpenSearch Service needs SigV4: set auth_type: aws_sigv4 "
            "(auto does this for *.es.amazonaws.com endpoints) and make AWS credentials available "
            "(access_key/secret_key, profile, or the environment)"
        )
    match = _ES_HTTP.search(reason)
    if match:
        return (
            f"Allow {match['action']} for {match['user']} on the domain (resource arn:aws:es:<region>:<account>:domain/<name>/*) "
            "in an IAM policy or in the domain's access policy"
        )
    match = _PASS_ROLE.search(reason)
    if match and "explicit deny" in reason:
        return (
            f"An explicit Deny in a policy of {match['user']} forbids passing the role {match['role']}: remove or "
            "narrow that Deny statement (an Allow cannot override it)"
        )
    if match:
        return (
            f"The identity that signs the request ({match['user']}) may not pass the role {match['role']}: "
            f"grant it iam:PassRole on {match['role']} (the searchops.snapshots.snapshot_iam role does this)"
        )
    if "not authorized to perform: iam:PassRole" in reason:
        return "Grant the identity that signs the request iam:PassRole on the role in settings.role_arn"
    match = _ASSUME_ROLE.search(reason)
    if match:
        return (
            f"The service could not assume the role {match['role']} (AWS does not say whether it is missing or does "
            "not trust the service): check that the role exists and that its trust policy allows es.amazonaws.com "
            "sts:AssumeRole, with aws:SourceAccount / aws:SourceArn conditions (if any) naming this domain's account "
            "and ARN (the searchops.snapshots.snapshot_iam role writes that trust policy)"
        )
    match = _NO_PERMISSION.search(reason)
    if match and not match["action"]:
        return (
            "Under fine-grained access control a restore may not touch the security plugin's index or the cluster's "
            "global state: leave out .opendistro_security (es_restore's exclude_system_indices: true does) and set "
            "include_global_state: false"
        )
    if match:
        if match["action"].startswith("cluster:admin/repository") or "snapshot" in match["action"]:
            return (
                f"The user or IAM role is not allowed {match['action']}: map it to the manage_snapshots role "
                "of the OpenSearch security plugin (on AWS, map the IAM role ARN that signs the requests)"
            )
        if match["action"].startswith("cluster:monitor/"):
            return (
                f"The user or IAM role is not allowed {match['action']}: map it also to a role that grants it "
                "(the security plugin's cluster_monitor action group holds every cluster:monitor/* permission)"
            )
        return f"The user or IAM role is not allowed {match['action']}: map it to a role that grants it"
    match = _BUCKET_REGION.search(reason)
    if match:
        return (
            f"The bucket is in {match['region']}, not in the cluster's region. On Amazon OpenSearch Service add "
            "settings.endpoint: s3.amazonaws.com (AWS's rule for a bucket in another Region); on a self-managed "
            f"cluster set settings.region: {match['region']}"
        )
    # OpenSearch and Elasticsearch 7: "Indices don't have primary shards [x]"; Elasticsearch 8: "the following
    # indices have unassigned primary shards and cannot be included in a snapshot unless [partial] is set to [true]"
    if "don't have primary shards" in reason or "have unassigned primary shards" in reason:
        return (
            "Those indices have no active primary shard (cluster health red): fix their allocation, "
            "or set partial: true to snapshot what is available"
        )
    if "Unexpected exception when loading repository data" in reason and "unknown field" in _caused_by(body):
        # measured: Elasticsearch 7.10.2 and OpenSearch 2.19.6 reading a repository written by Elasticsearch 8.19
        return (
            "This cluster cannot read the repository: another engine or a newer version wrote it in a format this one "
            "does not know (Elasticsearch 7.12+ and 8 repositories are unreadable by Elasticsearch 7.10 and by "
            "OpenSearch). Restore it on a cluster of that engine and a version at least as new; OpenSearch reads "
            "repositories of Elasticsearch up to 7.10"
        )
    match = _NO_REPOSITORY_TYPE.search(reason)
    if match:
        plugin = {"s3": "repository-s3", "azure": "repository-azure", "gcs": "repository-gcs"}.get(match["type"])
        return (
            f"This cluster has no repository type {match['type']}"
            + (
                f": install the {plugin} plugin on every node (bin/opensearch-plugin or bin/elasticsearch-plugin "
                f"install {plugin}; Elasticsearch 8 has it built in) and restart them"
                if plugin
                else ""
            )
            + ", or register a type it has (fs, under the nodes' path.repo)"
        )
    if "The specified bucket does not exist" in reason:
        return "The bucket does not exist: create it first (searchops.snapshots.snapshot_bucket) or fix settings.bucket"
    match = _SCOPE_REGION.search(reason)
    if match:
        return f"The request was signed for region {match['got']!r}, which is not the endpoint's: set region"
    match = _SCOPE_SERVICE.search(reason)
    if match:
        return f"The request was signed for the wrong service: set aws_service: {match['service']}"
    if "The security token included in the request is expired" in reason:
        return "The temporary credentials have expired: get a new session, or let the boto3 chain refresh them"
    if "The security token included in the request is invalid" in reason or "InvalidClientTokenId" in reason:
        return "AWS does not know the access key or the session token: check the AWS credentials"
    if "The request signature we calculated does not match" in reason:
        return "The signature does not match: check secret_key (and that no proxy alters the request)"
    if "Signature expired" in reason:
        return "The request's time is too far from AWS's: synchronise this host's clock"
    if status == 401 and not _aws_front_end(body):
        if auth_type == "basic":
            who = f"user {username!r}" if username else "the user name"
            return f"The cluster rejected {who} or its password: check username and password"
        if auth_type == "api_key":
            return "The cluster rejected the API key: check api_key (base64 of id:key) and that it has not expired"
        return "The cluster requires authentication: set username and password, or api_key"
    return None


class FailedAfterChanges(SearchError):
    """A failure after the module changed something: the cause's message and hint, with what was
    done (done: {key: list}) said in the message and returned as keys of the result."""

    def __init__(self, cause, done, summary, hint=None):
        super().__init__(f"{cause.message}. {summary}", hint or cause.hint)
        self.cause = cause
        self.done = done

    def result(self):
        return dict(self.cause.result(), **self.done)


class SnapshotFailed(SearchError):
    """A snapshot ended FAILED or PARTIAL, or is another cluster's. summary: the snapshot as modules
    return it; changed: whether this run took it."""

    def __init__(self, message, hint, summary, changed=False):
        super().__init__(message, hint)
        self.summary = summary
        self.changed = changed

    def result(self):
        return {"snapshot": self.summary, "changed": self.changed}


class DrillFailed(SearchError):
    """A restore drill found an index or a query that does not match; report: the drill's result
    (per index and query verdicts), returned with the failure."""

    def __init__(self, message, hint, report):
        super().__init__(message, hint)
        self.report = report

    def result(self):
        return dict(self.report)
