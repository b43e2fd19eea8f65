# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of the collection: URL, authentication, TLS, timeouts, retries, errors.

Modules state intent and call Client.request(); they never build HTTP requests themselves.
"""

from __future__ import annotations

import json
import math
import os
from urllib.parse import quote, urlencode, urlsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.searchops.snapshots.plugins.module_utils import _sigv4, _wait
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    HTTPError,
    WaitTimeout,
    explain,
    parse_error,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._secrets import check_secret, mask, secret_forms

try:
    import requests

    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Methods that may be sent twice with the same effect; others are retried only when
# the request cannot have reached the server.
IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE"))
# How requests/urllib3 word failures that happen before anything is sent.
DNS_FAILURES = ("Failed to resolve", "Name or service not known", "nodename nor servname")
CONNECT_FAILURES = (*DNS_FAILURES, "Connection refused", "NewConnectionError")
# The defaults of the connection options request_timeout and retries (_module.CONNECTION_SPEC).
REQUEST_TIMEOUT = 60.0
RETRIES = 5
# Characters of names (index or snapshot names, comma-separated) in one request's URL: the
# servers' default http.max_initial_line_length is 4 KiB, which holds the method, the rest of the
# path and the query too.
NAMES_PER_URL = 3000
# Environment variables read when the options leave them open (options first, then the URL, then these).
ENV_REGION = ("AWS_REGION", "AWS_DEFAULT_REGION")
ENV_ACCESS_KEY = ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
ENV_SECRET_KEY = ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
ENV_SESSION_TOKEN = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
ENV_PROFILE = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
ENV_CA_BUNDLE = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
CREDENTIAL_OPTIONS = ("username", "password", "api_key", "access_key", "secret_key", "session_token", "profile")
USED_BY = {
    "none": (),
    "basic": ("username", "password"),
    "api_key": ("api_key",),
    "aws_sigv4": ("access_key", "secret_key", "session_token", "profile"),
}


def normalize_url(url):
    """Base URL without trailing slash; https when no scheme is given. Raises ConfigurationError."""
    raw = (url or "").strip()
    if "://" not in raw:
        raw = f"https://{raw}"
    try:
        parts = urlsplit(raw)
    except ValueError:  # such as an unclosed [ of an IPv6 address
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"url {url!r} is not a valid cluster address", "Use https://host[:port][/prefix]")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigurationError(f"url {url!r} has an invalid port") from None
    if parts.username or parts.password:
        raise ConfigurationError(
            "url must not contain credentials", "Give them as username and password (they are then kept out of logs)"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"url {url!r} must not contain a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def select_auth(params, host):
    """The effective auth type (none, basic, api_key, aws_sigv4) for the options and host."""
    auth_type = params.get("auth_type") or "auto"
    if auth_type != "auto":
        return auth_type
    if _sigv4.aws_endpoint(host):
        return "aws_sigv4"
    if params.get("username"):
        return "basic"
    if params.get("api_key"):
        return "api_key"
    return "none"


def _env(names, environ=None):
    """(value, name) of the first of the environment variables that is set, else (None, None)."""
    environ = os.environ if environ is None else environ
    for name in names:
        if environ.get(name):
            return environ[name], name
    return None, None


def environment_secrets(environ=None):
    """Secret values in the environment variables the client may read (to be masked in output)."""
    environ = os.environ if environ is None else environ
    return [environ[name] for name in ENV_SECRET_KEY + ENV_SESSION_TOKEN if environ.get(name)]


def aws_scope(params, host, environ=None):
    """(region, service) to sign for: explicit options first, then the endpoint's host name, then
    AWS_REGION / AWS_DEFAULT_REGION."""
    inferred = _sigv4.aws_endpoint(host) or (None, None)
    region = params.get("region") or inferred[0] or _env(ENV_REGION, environ)[0]
    service = params.get("aws_service") or inferred[1] or "es"
    if not region:
        raise ConfigurationError(
            "SigV4 signing needs a region",
            "Set region (or AWS_REGION), or use the domain's *.es.amazonaws.com endpoint",
        )
    return region, service


def aws_credential_options(params, environ=None):
    """(credentials, names): the keys or profile to sign with, and the option or environment variable
    each came from. Explicit keys, else an explicit profile, else the environment's keys (with its
    token), else its profile, else the boto3 default chain (empty credentials)."""
    names = {"access_key": "access_key", "secret_key": "secret_key", "session_token": "session_token"}
    if params.get("access_key") or params.get("secret_key"):
        # explicit long-term keys get only an explicit token, never a stray AWS_SESSION_TOKEN
        keys = {k: params.get(k) for k in names}
        return dict(keys, profile=None), names
    if params.get("profile"):
        return {"profile": params["profile"]}, {}
    access_key, names["access_key"] = _env(ENV_ACCESS_KEY, environ)
    secret_key, names["secret_key"] = _env(ENV_SECRET_KEY, environ)
    if access_key or secret_key:
        token, names["session_token"] = (
            (params["session_token"], "session_token")
            if params.get("session_token")
            else _env(ENV_SESSION_TOKEN, environ)
        )
        return {"access_key": access_key, "secret_key": secret_key, "session_token": token, "profile": None}, names
    return {"profile": _env(ENV_PROFILE, environ)[0]}, {}


def connection_warnings(params, scheme, auth_type):
    """Warnings for credentials given but not used, and for weak transport. Pure."""
    warnings = []
    unused = [o for o in CREDENTIAL_OPTIONS if params.get(o) not in (None, "") and o not in USED_BY[auth_type]]
    if unused:
        why = f"requests use auth_type {auth_type}"
        if (params.get("auth_type") or "auto") == "auto":
            why += " (chosen by auth_type auto"
            why += ": the host is an AWS endpoint)" if auth_type == "aws_sigv4" else ")"
        warnings.append(
            f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} set but not used: {why}; "
            "set auth_type to choose the authentication"
        )
    if scheme == "https" and params.get("validate_certs") is False and not params.get("ca_path"):
        warnings.append(
            "validate_certs is false: the cluster's certificate is not checked, so a man in the middle can read "
            "credentials and data. Set ca_path to the CA that signed it instead"
        )
    if scheme == "http" and auth_type in ("basic", "api_key"):
        warnings.append(
            f"The {'password' if auth_type == 'basic' else 'API key'} is sent unencrypted over http://: use https://"
        )
    return warnings


def tls_verify(params, environ=None):
    """requests' verify: ca_path, else validate_certs: false, else REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, else True."""
    if params.get("ca_path"):
        return params["ca_path"]
    if params.get("validate_certs") is False:
        return False
    return _env(ENV_CA_BUNDLE, environ)[0] or True


def quote_path(*segments):
    """Join path segments, percent-encoding each (snapshot names may hold <, >, {, }, /)."""
    return "/".join(quote(str(s), safe=",*") for s in segments)


def source_query(body):
    """A search body as the query of a GET (source, source_content_type): read-only for every proxy
    and retry rule, where a POST's lost answer would not be retried."""
    return {"source": json.dumps(body, separators=(",", ":")), "source_content_type": "application/json"}


def batches(names, limit=NAMES_PER_URL):
    """names in consecutive groups whose comma-joined, percent-encoded form fits limit characters
    (a name longer than that goes alone)."""
    groups, group, size = [], [], 0
    for name in names:
        length = len(quote_path(name)) + 1
        if group and size + length > limit:
            groups.append(group)
            group, size = [], 0
        group.append(name)
        size += length
    return groups + [group] if group else groups


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers


class Client:
    def __init__(self, params, warn=None, clock=None, secrets=None):
        """secrets: a set of texts to mask in every error text (_module.run passes the module's
        no_log_values); the client adds the forms of the secrets it reads from the environment.
        clock: the _wait.Clock of every deadline, retry and wait of the run (default_clock())."""
        if not HAS_REQUESTS:
            raise ConfigurationError(missing_required_lib("requests"))
        self.secrets = set() if secrets is None else secrets
        self.base_url = normalize_url(params["url"])
        self.host = urlsplit(self.base_url).hostname
        self.auth_type = select_auth(params, self.host)
        self.username = params.get("username") if self.auth_type == "basic" else None
        self.is_aws = self.auth_type == "aws_sigv4" or _sigv4.aws_endpoint(self.host) is not None
        self.timeout = params.get("request_timeout")
        self.timeout = REQUEST_TIMEOUT if self.timeout is None else self.timeout
        if math.isnan(self.timeout) or self.timeout <= 0:
            raise ConfigurationError(f"request_timeout must be more than 0 seconds, not {self.timeout:g}")
        self.retries = RETRIES if params.get("retries") is None else params["retries"]
        if self.retries < 0:
            raise ConfigurationError(f"retries must be 0 or more, not {self.retries}")
        self.warn = warn or (lambda msg: None)
        # one clock for the request deadlines and the waits built on them
        self.clock = clock or _wait.default_clock()
        self.region = self.service = None
        self.session = requests.Session()
        # requests' environment merge would let REQUESTS_CA_BUNDLE beat ca_path and validate_certs,
        # and ~/.netrc replace or add credentials: the options decide, the environment only fills gaps
        self.session.trust_env = False
        self.proxies = requests.utils.get_environ_proxies(self.base_url)
        self.session.headers.update({"Accept": "application/json"})
        self.session.auth = self._auth(params)
        self.session.verify = tls_verify(params)
        for warning in connection_warnings(params, urlsplit(self.base_url).scheme, self.auth_type):
            self.warn(warning)
        if params.get("client_cert"):
            key = params.get("client_key")
            self.session.cert = (params["client_cert"], key) if key else params["client_cert"]

    def _auth(self, params):
        if self.auth_type == "basic":
            if not params.get("username") or params.get("password") is None:
                raise ConfigurationError("auth_type basic needs username and password")
            check_secret("username", params["username"])
            check_secret("password", params["password"])
            # UTF-8, as Elasticsearch and OpenSearch decode it (requests would use latin-1)
            return (params["username"].encode("utf-8"), params["password"].encode("utf-8"))
        if self.auth_type == "api_key":
            if not params.get("api_key"):
                raise ConfigurationError("auth_type api_key needs api_key")
            check_secret("api_key", params["api_key"], header=True)
            self.session.headers["Authorization"] = f"ApiKey {params['api_key']}"
            return None
        if self.auth_type == "aws_sigv4":
            missing = _sigv4.missing_libraries()
            if missing:
                raise ConfigurationError(missing_required_lib(" and ".join(missing)))
            region, service = aws_scope(params, self.host)
            self.region, self.service = region, service
            creds, names = aws_credential_options(params)
            self.hide(creds.get("secret_key"), creds.get("session_token"))
            check_secret(names.get("access_key"), creds.get("access_key"), header=True)
            check_secret(names.get("secret_key"), creds.get("secret_key"))
            check_secret(names.get("session_token"), creds.get("session_token"), header=True)
            found = _sigv4.credentials(**creds)
            frozen = found.get_frozen_credentials()
            self.hide(frozen.secret_key, frozen.token)
            # keys from a profile or the default chain: checked too, named by where they came from
            check_secret("the AWS access key (from the profile or credential chain)", frozen.access_key, header=True)
            check_secret("the AWS session token (from the profile or credential chain)", frozen.token, header=True)
            return _sigv4.signer(region, service, found)
        return None

    def hide(self, *values):
        """Mask these values (in every form) in the client's error texts and in the module's output."""
        for value in values:
            self.secrets.update(secret_forms(value))

    def mask(self, text):
        return mask(text, self.secrets)

    def request(
        self,
        method,
        path,
        query=None,
        body=None,
        expect=(200,),
        missing_ok=False,
        retry=None,
        content_type=None,
        deadline=None,
        any_body=False,
    ):
        """Send one request; return a Response, or None for 404 when missing_ok.

        body: sent as JSON, or as-is when it is a str (with content_type, default JSON).
        retry: None retries idempotent methods on RETRY_STATUSES and connection errors; False
        retries only failures to connect (the request never left); True retries like idempotent.
        deadline: a value of the client's clock (clock.now()) that the request and all its
        retries end by: each attempt's timeout is cut to the time left, no retry waits past it,
        and WaitTimeout is raised when it has passed.
        any_body: accept any answer (text, JSON list, nothing); by default a successful answer must be a
        JSON object (or nothing to a HEAD), and anything else is an HTTPError that says url is probably
        not the cluster.
        """
        method = method.upper()
        url = f"{self.base_url}/{path.lstrip('/')}"
        data = None
        headers = {}
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = content_type or "application/json"
        may_repeat = (method in IDEMPOTENT) if retry is None else retry
        # spaces as %20, not requests' form encoding (+): SigV4 signs the query as AWS reads it
        # (None values left out, as requests leaves them out)
        present = {k: v for k, v in (query or {}).items() if v is not None}
        target = f"{url}?{urlencode(present, quote_via=quote, safe='')}" if present else url
        attempt = 0
        while True:
            timeout = self._time_left(deadline, f"{method} {url}")
            try:
                raw = self.session.request(
                    method, target, data=data, headers=headers, timeout=timeout, proxies=self.proxies
                )
            except requests.exceptions.RequestException as err:
                failure = self._connection_failure(err, url, timeout)
                if (
                    attempt < self.retries
                    and (may_repeat or never_sent(err))
                    and not isinstance(err, requests.exceptions.SSLError)
                ):
                    attempt = self._back_off(attempt, f"{method} {url}: {failure.message}", deadline)
                    continue
                if deadline is not None and isinstance(err, requests.exceptions.Timeout):
                    self._time_left(deadline, f"{method} {url}")
                raise failure from None
            if raw.status_code in RETRY_STATUSES and may_repeat and attempt < self.retries:
                attempt = self._back_off(attempt, f"{method} {url} returned HTTP {raw.status_code}", deadline, raw)
                continue
            break
        response = Response(raw.status_code, _decode(raw), raw.headers)
        if response.status == 404 and missing_ok:
            return None
        if response.status not in expect:
            # a text body is cut to 500 characters by parse_error: mask first, so no secret is cut in two
            body = self.mask(response.body) if isinstance(response.body, str) else response.body
            error_type, reason = parse_error(body)
            raise HTTPError(
                method,
                url,
                response.status,
                error_type,
                reason,
                response.body,
                explain(response.status, reason, self.auth_type, body, self.username),
            )
        if not (any_body or isinstance(response.body, dict) or (method == "HEAD" and response.body is None)):
            raise self.unexpected_answer(
                method, path, f"the answer is {_kind(response)}, not the JSON object the cluster sends", response.status
            )
        return response

    def unexpected_answer(self, method, path, what, status=200):
        """The error for an answer that is not what the API returns (modules check the shapes they read)."""
        return HTTPError(
            method,
            f"{self.base_url}/{path.lstrip('/')}",
            status,
            reason=what,
            hint="url probably points at something that is not the cluster (a proxy, a login page, another service): "
            "check url",
        )

    def _time_left(self, deadline, what):
        """The timeout for the next attempt: request_timeout, cut to what is left before deadline."""
        if deadline is None:
            return self.timeout
        left = deadline - self.clock.now()
        if left <= 0:
            raise WaitTimeout(f"{what} did not succeed within the time left (wait_timeout)", _wait.NO_TIME_LEFT)
        return min(self.timeout, left)

    def _back_off(self, attempt, what, deadline, raw=None):
        retry_after = raw.headers.get("Retry-After") if raw is not None else None
        at_least = float(retry_after) if retry_after and retry_after.isdigit() else 0.0
        return self.clock.back_off(attempt, deadline, what, self.warn, limit=self.retries, at_least=at_least)

    def _connection_failure(self, err, url, timeout):
        # masked before _short: an error text may hold a header value (requests quotes invalid ones)
        text = self.mask(str(err))
        if isinstance(err, requests.exceptions.SSLError):
            return ConnectionFailure(
                f"TLS verification of {self.host} failed: {_short(text)}",
                "Set ca_path to the CA bundle that signed the cluster's certificate "
                "(validate_certs: false only for test clusters)",
            )
        if isinstance(err, requests.exceptions.Timeout):
            return ConnectionFailure(
                f"{url} did not answer within {timeout:g}s", "Check the url, or raise request_timeout"
            )
        if any(marker in text for marker in DNS_FAILURES):
            return ConnectionFailure(f"The host name {self.host} does not resolve", "Check url")
        if "Connection refused" in text:
            return ConnectionFailure(
                f"Connection to {self.base_url} was refused",
                "Check that the cluster runs and that url has the right port",
            )
        return ConnectionFailure(f"Could not connect to {self.base_url}: {_short(text)}")


def never_sent(err):
    """Whether a failed request provably never reached the server: only failures to connect.
    ("Connection aborted" and read timeouts happen after the request went out.)"""
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return True
    text = str(err)
    return isinstance(err, requests.exceptions.ConnectionError) and any(marker in text for marker in CONNECT_FAILURES)


def _decode(raw):
    if not raw.content:
        return None
    try:
        return raw.json()
    except ValueError:
        return raw.text


def _kind(response):
    if response.body is None:
        return "empty"
    if isinstance(response.body, str):
        return (response.headers.get("Content-Type") or "text").split(";")[0]
    # a JSON string is decoded as text above: what is left is a list, number, boolean or null
    return f"a JSON {type(response.body).__name__}".replace(" list", " array")


def _short(text, limit=300):
    return text if len(text) <= limit else text[:limit] + "…"
