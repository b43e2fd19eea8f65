# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of the collection: URL, authentication, TLS, timeouts, retries, errors.

Modules state intent and call Client.request(); they never build HTTP requests themselves.
"""

from __future__ import annotations

import json
import random
import time
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.searchops.snapshots.plugins.module_utils import _sigv4
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    HTTPError,
    WaitTimeout,
    explain,
    parse_error,
)

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
CONNECT_FAILURES = ("Connection refused", "Failed to resolve", "Name or service not known", "NewConnectionError")
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0


def connection_argument_spec():
    """Argument spec of plugins/doc_fragments/connection.py (keep both in step)."""
    return dict(
        url=dict(type="str", required=True, aliases=["host"]),
        auth_type=dict(type="str", default="auto", choices=["auto", "none", "basic", "api_key", "aws_sigv4"]),
        username=dict(type="str"),
        password=dict(type="str", no_log=True),
        api_key=dict(type="str", no_log=True),
        region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
        aws_service=dict(type="str", choices=["es", "aoss"]),
        access_key=dict(
            type="str",
            aliases=["aws_access_key_id", "aws_access_key"],
            fallback=(env_fallback, ["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"]),
            no_log=False,
        ),
        secret_key=dict(
            type="str",
            aliases=["aws_secret_access_key", "aws_secret_key"],
            fallback=(env_fallback, ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"]),
            no_log=True,
        ),
        session_token=dict(
            type="str", aliases=["aws_session_token"], fallback=(env_fallback, ["AWS_SESSION_TOKEN"]), no_log=True
        ),
        profile=dict(
            type="str", aliases=["aws_profile"], fallback=(env_fallback, ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
        ),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        client_cert=dict(type="path"),
        client_key=dict(type="path"),
        request_timeout=dict(type="float", default=60),
        retries=dict(type="int", default=5),
    )


def normalize_url(url):
    """Base URL without trailing slash; https when no scheme is given. Raises ConfigurationError."""
    raw = (url or "").strip()
    if "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
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


def aws_scope(params, host):
    """(region, service) to sign for: explicit options first, then the endpoint's host name."""
    inferred = _sigv4.aws_endpoint(host) or (None, None)
    region = params.get("region") or inferred[0]
    service = params.get("aws_service") or inferred[1] or "es"
    if not region:
        raise ConfigurationError(
            "SigV4 signing needs a region",
            "Set region (or AWS_REGION), or use the domain's *.es.amazonaws.com endpoint",
        )
    return region, service


def quote_path(*segments):
    """Join path segments, percent-encoding each (snapshot names may hold <, >, {, }, /)."""
    return "/".join(quote(str(s), safe=",*") for s in segments)


def backoff_delay(attempt, base=BACKOFF_BASE, cap=BACKOFF_CAP, rand=random.random):
    """Jittered exponential backoff ("equal jitter"): half fixed, half random, capped."""
    ceiling = min(cap, base * (2**attempt))
    return ceiling / 2 + rand() * ceiling / 2


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers


class Client:
    def __init__(self, params, warn=None, sleep=None, clock=None):
        if not HAS_REQUESTS:
            raise ConfigurationError(missing_required_lib("requests"))
        self.base_url = normalize_url(params["url"])
        self.host = urlsplit(self.base_url).hostname
        self.auth_type = select_auth(params, self.host)
        self.is_aws = self.auth_type == "aws_sigv4" or _sigv4.aws_endpoint(self.host) is not None
        self.timeout = params.get("request_timeout")
        self.timeout = 60 if self.timeout is None else self.timeout
        if not self.timeout > 0:
            raise ConfigurationError(f"request_timeout must be more than 0 seconds, not {self.timeout:g}")
        self.retries = 5 if params.get("retries") is None else params["retries"]
        if self.retries < 0:
            raise ConfigurationError(f"retries must be 0 or more, not {self.retries}")
        self.warn = warn or (lambda msg: None)
        # one clock for the request deadlines and the waits built on them (tests inject a fake one)
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.region = self.service = None
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        self.session.auth = self._auth(params)
        self.session.verify = params.get("ca_path") or params.get("validate_certs", True)
        if params.get("client_cert"):
            key = params.get("client_key")
            self.session.cert = (params["client_cert"], key) if key else params["client_cert"]

    def _auth(self, params):
        if self.auth_type == "basic":
            if not params.get("username") or params.get("password") is None:
                raise ConfigurationError("auth_type basic needs username and password")
            return (params["username"], params["password"])
        if self.auth_type == "api_key":
            if not params.get("api_key"):
                raise ConfigurationError("auth_type api_key needs api_key")
            self.session.headers["Authorization"] = f"ApiKey {params['api_key']}"
            return None
        if self.auth_type == "aws_sigv4":
            if not (_sigv4.HAS_BOTO3 and _sigv4.HAS_AWS4AUTH):
                raise ConfigurationError(missing_required_lib("boto3 and requests-aws4auth"))
            region, service = aws_scope(params, self.host)
            self.region, self.service = region, service
            return _sigv4.signer(
                region,
                service,
                access_key=params.get("access_key"),
                secret_key=params.get("secret_key"),
                session_token=params.get("session_token"),
                profile=params.get("profile"),
            )
        return None

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
    ):
        """Send one request; return a Response, or None for 404 when missing_ok.

        body: sent as JSON, or as-is when it is a str (with content_type, default JSON).
        retry: None retries idempotent methods on RETRY_STATUSES and connection errors; False
        retries only failures to connect (the request never left); True retries like idempotent.
        deadline: a value of the client's clock (time.monotonic) that the request and all its
        retries end by: each attempt's timeout is cut to the time left, no retry waits past it,
        and WaitTimeout is raised when it has passed.
        """
        method = method.upper()
        url = f"{self.base_url}/{path.lstrip('/')}"
        data = None
        headers = {}
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = content_type or "application/json"
        may_repeat = (method in IDEMPOTENT) if retry is None else retry
        attempt = 0
        while True:
            timeout = self._time_left(deadline, f"{method} {url}")
            try:
                raw = self.session.request(method, url, params=query, data=data, headers=headers, timeout=timeout)
            except requests.exceptions.RequestException as err:
                failure = self._connection_failure(err, url, timeout)
                if (
                    attempt < self.retries
                    and (may_repeat or never_sent(err))
                    and not isinstance(err, requests.exceptions.SSLError)
                ):
                    attempt = self._wait(attempt, f"{method} {url}: {failure.message}", deadline)
                    continue
                if deadline is not None and isinstance(err, requests.exceptions.Timeout):
                    self._time_left(deadline, f"{method} {url}")
                raise failure from None
            if raw.status_code in RETRY_STATUSES and may_repeat and attempt < self.retries:
                attempt = self._wait(attempt, f"{method} {url} returned HTTP {raw.status_code}", deadline, raw)
                continue
            break
        response = Response(raw.status_code, _decode(raw), raw.headers)
        if response.status == 404 and missing_ok:
            return None
        if response.status not in expect:
            error_type, reason = parse_error(response.body)
            raise HTTPError(
                method,
                url,
                response.status,
                error_type,
                reason,
                response.body,
                explain(response.status, reason, self.auth_type),
            )
        return response

    def _time_left(self, deadline, what):
        """The timeout for the next attempt: request_timeout, cut to what is left before deadline."""
        if deadline is None:
            return self.timeout
        left = deadline - self.clock()
        if left <= 0:
            raise WaitTimeout(
                f"{what} did not succeed within the time left (wait_timeout)",
                "Raise wait_timeout, or check the cluster's health",
            )
        return min(self.timeout, left)

    def _wait(self, attempt, what, deadline, raw=None):
        delay = backoff_delay(attempt)
        retry_after = raw.headers.get("Retry-After") if raw is not None else None
        if retry_after and retry_after.isdigit():
            delay = min(BACKOFF_CAP, max(delay, float(retry_after)))
        if deadline is not None and self.clock() + delay >= deadline:
            raise WaitTimeout(
                f"{what}; no time left for a retry within wait_timeout",
                "Raise wait_timeout, or check the cluster's health",
            )
        self.warn(f"{what}; retry {attempt + 1} of {self.retries} in {delay:.1f}s")
        self.sleep(delay)
        return attempt + 1

    def _connection_failure(self, err, url, timeout):
        text = str(err)
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
        if "Name or service not known" in text or "Failed to resolve" in text or "nodename nor servname" in text:
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


def _short(text, limit=300):
    return text if len(text) <= limit else text[:limit] + "…"
