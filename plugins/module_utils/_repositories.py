# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Snapshot repositories: the rules for their names, settings normalised for comparison, secret
settings kept out of comparisons and output (pure), and the REST resource (Repository)."""

from __future__ import annotations

import re

from ansible_collections.searchops.snapshots.plugins.module_utils._client import quote_path
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError, HTTPError
from ansible_collections.searchops.snapshots.plugins.module_utils._secrets import MASK

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
# repository settings whose value is a credential (older Elasticsearch s3 repositories took keys inline;
# azure/gcs names for completeness); matched on the last segment of a dotted or nested key
SECRET_SETTINGS = frozenset(("access_key", "secret_key", "session_token", "sas_token", "account_key"))
# What a verification failure says when the service cannot use the role yet: STS refusing AssumeRole, or S3
# refusing the role's session (docs/design.md, "IAM propagation after the role was created")
_IAM_REFUSAL = re.compile(r"AccessDenied|Access Denied|sts:AssumeRole")
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


def check_file_name(kind, name):
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


def service_managed(name, on_aws):
    """Whether the repository is one of Amazon OpenSearch Service's own (cs-automated, cs-automated-enc,
    cs-ultrawarm): the service takes and deletes their snapshots; clients may read and restore from them."""
    return on_aws and name.startswith("cs-")


def validate_repository_name(name, on_aws):
    if not name or name != name.strip():
        raise ConfigurationError(f"Repository name {name!r} must not be empty or start or end with spaces")
    check_file_name("Repository", name)
    if service_managed(name, on_aws):
        raise ConfigurationError(
            f"Repository name {name!r} is reserved on Amazon OpenSearch Service (names starting with 'cs-' "
            "belong to its automated snapshots)",
            "Choose a name that does not start with 'cs-'",
        )


def may_be_iam_propagation(err):
    """Whether a failed verification may only mean that a role created or changed moments ago is not
    usable yet (IAM is eventually consistent): a repository_verification_exception whose causes are an
    STS or S3 refusal. A missing bucket, a refusal of the cluster's own security plugin, a failure with
    no cause given: not that."""
    return (
        isinstance(err, HTTPError)
        and err.error_type == "repository_verification_exception"
        and bool(_IAM_REFUSAL.search(err.reason or ""))
    )


def is_secret_setting(name):
    return str(name).rsplit(".", 1)[-1] in SECRET_SETTINGS


def secret_setting_values(settings):
    """The string values of secret settings (nested or dotted keys)."""
    if not isinstance(settings, dict):
        return []
    return [
        str(value) for name, value in flatten(settings).items() if is_secret_setting(name) and value not in (None, "")
    ]


def without_secret_settings(settings):
    """settings without the secret ones (servers hide them on GET, so they cannot be compared)."""
    if not isinstance(settings, dict):
        return settings
    kept = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            inner = without_secret_settings(value)
            if inner or not value:  # a group that held only secrets goes with them
                kept[key] = inner
        elif not is_secret_setting(key):
            kept[key] = value
    return kept


def mask_secret_settings(settings):
    """settings with the value of every secret setting replaced by MASK."""
    if not isinstance(settings, dict):
        return settings
    return {
        key: mask_secret_settings(value)
        if isinstance(value, dict)
        else (MASK if is_secret_setting(key) and value not in (None, "") else value)
        for key, value in settings.items()
    }


def mask_repository(definition):
    """A repository definition ({"type", "settings"}) with its secret settings masked."""
    if not isinstance(definition, dict) or not isinstance(definition.get("settings"), dict):
        return definition
    return dict(definition, settings=mask_secret_settings(definition["settings"]))


class Repository:
    """One registered repository: GET, PUT, DELETE and verify _snapshot/<name>."""

    def __init__(self, client, name):
        self.client = client
        self.name = name
        self.path = quote_path("_snapshot", name)

    def get(self):
        """The definition ({type, settings}), or None when it is not registered."""
        response = self.client.request("GET", self.path, missing_ok=True)
        if response is None:
            return None
        found = response.body.get(self.name)
        if not (found is None or isinstance(found, dict) and isinstance(found.get("settings", {}), dict)):
            raise self.client.unexpected_answer("GET", self.path, f"{self.name!r} is not a repository definition")
        return found

    def put(self, definition):
        """Register (or re-register) it; verification is a separate call (verify)."""
        self.client.request("PUT", self.path, query={"verify": "false"}, body=definition)

    def delete(self):
        self.client.request("DELETE", self.path, missing_ok=True)

    def verify(self, deadline=None):
        """The nodes that could write to and read from the repository ({node id: {name}})."""
        path = quote_path("_snapshot", self.name, "_verify")
        return self.client.request("POST", path, retry=True, deadline=deadline).body.get("nodes", {})


def registered(client):
    """Every registered repository: {name: {type, settings}} (secret settings as the server shows them)."""
    body = client.request("GET", "_snapshot").body
    if not all(isinstance(r, dict) for r in body.values()):
        raise client.unexpected_answer("GET", "_snapshot", "the answer is not a map of repository definitions")
    return body
