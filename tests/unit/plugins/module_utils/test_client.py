import datetime
import itertools

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ansible_collections.searchops.snapshots.plugins.module_utils import _client, _sigv4
from ansible_collections.searchops.snapshots.plugins.module_utils._client import (
    Client,
    aws_scope,
    backoff_delay,
    normalize_url,
    select_auth,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    HTTPError,
    WaitTimeout,
)

AWS_HOST = "search-logs-abc123.eu-west-1.es.amazonaws.com"
AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch, tmp_path):
    """No credentials leak in from the machine; no instance metadata lookups."""
    for name in AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def params(**kw):
    base = {"url": "http://localhost:9200", "auth_type": "auto", "validate_certs": True, "retries": 2}
    base.update(kw)
    return base


@pytest.mark.parametrize(
    "url, expected",
    [
        ("localhost:9200", "https://localhost:9200"),
        ("http://localhost:9200/", "http://localhost:9200"),
        ("https://proxy.example.com/opensearch/", "https://proxy.example.com/opensearch"),
        (f"{AWS_HOST}", f"https://{AWS_HOST}"),
        ("HTTPS://Example.com:443//", "https://Example.com:443"),
    ],
)
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    "url, message",
    [
        ("", "not a valid"),
        ("ftp://host", "not a valid"),
        ("http://host:99999", "invalid port"),
        ("https://admin:secret@host", "must not contain credentials"),
        ("https://host/?pretty", "query"),
    ],
)
def test_bad_urls(url, message):
    with pytest.raises(ConfigurationError, match=message) as err:
        normalize_url(url)
    assert "secret" not in str(err.value)


@pytest.mark.parametrize(
    "options, host, expected",
    [
        ({}, AWS_HOST, "aws_sigv4"),
        ({}, "abc123.us-east-1.aoss.amazonaws.com", "aws_sigv4"),
        ({"username": "u"}, "localhost", "basic"),
        ({"api_key": "k"}, "localhost", "api_key"),
        ({}, "localhost", "none"),
        ({"auth_type": "none"}, AWS_HOST, "none"),
        ({"auth_type": "aws_sigv4"}, "127.0.0.1", "aws_sigv4"),
        ({"username": "u"}, AWS_HOST, "aws_sigv4"),
    ],
)
def test_select_auth(options, host, expected):
    assert select_auth(options, host) == expected


@pytest.mark.parametrize(
    "host, expected",
    [
        (AWS_HOST, ("eu-west-1", "es")),
        ("vpc-logs-abc.us-gov-west-1.es.amazonaws.com", ("us-gov-west-1", "es")),
        ("x1y2.ap-southeast-2.aoss.amazonaws.com", ("ap-southeast-2", "aoss")),
        ("search-d.cn-north-1.es.amazonaws.com.cn", ("cn-north-1", "es")),
        ("es.amazonaws.com.evil.example", None),
        ("localhost", None),
    ],
)
def test_aws_endpoint(host, expected):
    assert _sigv4.aws_endpoint(host) == expected


def test_scope_prefers_options_then_host_then_fails():
    assert aws_scope({}, AWS_HOST) == ("eu-west-1", "es")
    assert aws_scope({"region": "us-east-1", "aws_service": "aoss"}, AWS_HOST) == ("us-east-1", "aoss")
    assert aws_scope({"region": "us-east-1"}, "127.0.0.1") == ("us-east-1", "es")
    with pytest.raises(ConfigurationError, match="needs a region"):
        aws_scope({}, "127.0.0.1")


def test_backoff_is_exponential_jittered_and_capped():
    assert [backoff_delay(n, rand=lambda: 0.0) for n in range(4)] == [0.25, 0.5, 1.0, 2.0]
    assert [backoff_delay(n, rand=lambda: 1.0) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delay(30, rand=lambda: 1.0) == _client.BACKOFF_CAP


# --------------------------------------------------------------- credentials


def test_explicit_keys_win(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    creds = _sigv4.credentials(access_key="AKIAEXPLICIT", secret_key="s", session_token="t")
    assert (creds.access_key, creds.secret_key, creds.token) == ("AKIAEXPLICIT", "s", "t")


def test_environment_chain(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    creds = _sigv4.credentials()
    assert (creds.access_key, creds.token) == ("AKIAENV", "env-token")


def test_named_profile(monkeypatch, tmp_path):
    shared = tmp_path / "credentials"
    shared.write_text("[ops]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    assert _sigv4.credentials(profile="ops").access_key == "AKIAPROFILE"
    with pytest.raises(ConfigurationError, match="profile 'missing' was not found"):
        _sigv4.credentials(profile="missing")


def test_no_credentials_says_what_to_set():
    with pytest.raises(ConfigurationError, match="No AWS credentials") as err:
        _sigv4.credentials()
    assert "access_key" in str(err.value)


def test_half_a_key_pair_is_refused():
    with pytest.raises(ConfigurationError, match="together"):
        _sigv4.credentials(access_key="AKIA")


# --------------------------------------------------------------- signing


def test_signature_verifies_with_botocore(server):
    """The client's SigV4 (requests-aws4auth) equals botocore's for the same request."""
    server.on("PUT", "_snapshot/repo", (200, {"acknowledged": True}))
    client = Client(
        params(url=f"https://{AWS_HOST}", access_key="AKIDEXAMPLE", secret_key="wJalrXUtnFEMI", session_token="tok")
    )
    client.request("PUT", "_snapshot/repo", query={"verify": "false"}, body={"type": "s3", "settings": {"b": 1}})
    (sent,) = server.sent
    headers = sent["headers"]
    assert headers["x-amz-security-token"] == "tok"

    check = AWSRequest(
        method="PUT",
        url=f"https://{AWS_HOST}/_snapshot/repo?verify=false",
        data=b'{"type":"s3","settings":{"b":1}}',
        headers={"Content-Type": headers["Content-Type"], "Host": AWS_HOST, "X-Amz-Date": headers["x-amz-date"]},
    )
    signer = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI", "tok"), "es", "eu-west-1")
    # botocore signs the headers it is given; pin its clock to the client's timestamp
    timestamp = datetime.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
    check.context["timestamp"] = timestamp.strftime("%Y%m%dT%H%M%SZ")
    canonical_headers = {
        k.lower() for k in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    }
    for name in list(check.headers.keys()):
        if name.lower() not in canonical_headers:
            del check.headers[name]
    check.headers["x-amz-content-sha256"] = headers["x-amz-content-sha256"]
    check.headers["X-Amz-Security-Token"] = "tok"
    string_to_sign = signer.string_to_sign(check, signer.canonical_request(check))
    expected = signer.signature(string_to_sign, check)
    assert headers["Authorization"].endswith(f"Signature={expected}")
    assert "Credential=AKIDEXAMPLE/" in headers["Authorization"]
    assert "/eu-west-1/es/aws4_request" in headers["Authorization"]


def test_basic_and_api_key_headers(server):
    server.on("GET", "", (200, {}))
    Client(params(username="admin", password="pw")).request("GET", "")
    Client(params(api_key="a2V5")).request("GET", "")
    basic, api_key = server.sent
    assert basic["headers"]["Authorization"].startswith("Basic ")
    assert api_key["headers"]["Authorization"] == "ApiKey a2V5"


def test_tls_options_reach_the_session():
    client = Client(params(url="https://h", ca_path="/ca.pem", client_cert="/c.pem", client_key="/k.pem"))
    assert client.session.verify == "/ca.pem"
    assert client.session.cert == ("/c.pem", "/k.pem")
    assert Client(params(url="https://h", validate_certs=False)).session.verify is False


# --------------------------------------------------------------- retries and errors


def test_retries_503_with_a_warning_each_time(server):
    warnings, sleeps = [], []
    server.on("GET", "x", (503, "busy"), (503, "busy"), (200, {"ok": True}))
    client = Client(params(retries=5), warn=warnings.append, sleep=sleeps.append)
    assert client.request("GET", "x").body == {"ok": True}
    assert len(warnings) == 2 and "retry 1 of 5" in warnings[0] and "HTTP 503" in warnings[0]
    assert len(sleeps) == 2


def test_gives_up_after_retries(server):
    server.on("GET", "x", (429, {"error": {"type": "too_many_requests", "reason": "slow down"}}))
    client = Client(params(retries=2), sleep=lambda s: None)
    with pytest.raises(HTTPError) as err:
        client.request("GET", "x")
    assert err.value.status == 429 and len(server.sent) == 3


def test_post_is_not_repeated_after_a_gateway_timeout(server):
    server.on("POST", "x", (504, "gateway timeout"))
    client = Client(params(retries=5), sleep=lambda s: None)
    with pytest.raises(HTTPError):
        client.request("POST", "x")
    assert len(server.sent) == 1


def test_connection_refused_is_retried_then_explained(server):
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    server.on("GET", "x", refused)
    warnings = []
    client = Client(params(retries=2), warn=warnings.append, sleep=lambda s: None)
    with pytest.raises(ConnectionFailure, match="refused.*right port"):
        client.request("GET", "x")
    assert len(server.sent) == 3 and len(warnings) == 2


@pytest.mark.parametrize(
    "error, message",
    [
        (requests.exceptions.SSLError("certificate verify failed"), "TLS verification.*ca_path"),
        (requests.exceptions.ConnectionError("Failed to resolve 'nope.invalid'"), "does not resolve"),
        (requests.exceptions.ReadTimeout("read timed out"), "did not answer within"),
    ],
)
def test_connection_failures_are_explained(server, error, message):
    server.on("GET", "x", error)
    with pytest.raises(ConnectionFailure, match=message):
        Client(params(retries=0)).request("GET", "x")


def test_missing_ok_and_error_fields(server):
    server.on("GET", "_snapshot/r", (404, {"error": {"type": "repository_missing_exception", "reason": "[r] missing"}}))
    client = Client(params())
    assert client.request("GET", "_snapshot/r", missing_ok=True) is None
    with pytest.raises(HTTPError) as err:
        client.request("GET", "_snapshot/r")
    assert err.value.status == 404
    assert err.value.error_type == "repository_missing_exception"
    assert err.value.reason == "[r] missing"


def test_unsigned_request_to_aws_is_explained(server):
    server.on("GET", "", (403, {"Message": "User: anonymous is not authorized to perform: es:ESHttpGet"}))
    with pytest.raises(HTTPError, match="auth_type: aws_sigv4"):
        Client(params(auth_type="none")).request("GET", "")


def test_secrets_never_in_errors(server):
    server.on("GET", "", (401, "Unauthorized"))
    with pytest.raises(HTTPError) as err:
        Client(params(username="admin", password="hunter2-secret")).request("GET", "")
    assert "hunter2-secret" not in str(err.value) and "check username and password" in str(err.value)


def test_refreshable_credentials_are_renewed_before_expiry(server, monkeypatch):
    """Credentials from the default chain (instance/container roles, assume-role) expire;
    each request signs with the current ones."""
    from botocore.credentials import RefreshableCredentials

    issued = itertools.count(1)

    def refresh():
        # expiring within botocore's refresh window, so it renews before every use
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)
        return {"access_key": f"AKIA{next(issued)}", "secret_key": "s", "token": "t", "expiry_time": expiry.isoformat()}

    chain = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    monkeypatch.setattr(_sigv4, "credentials", lambda **kw: chain)
    server.on("GET", "", (200, {}))
    client = Client(params(auth_type="aws_sigv4", region="us-east-1"))
    client.request("GET", "")
    client.request("GET", "")
    keys = [r["headers"]["Authorization"].split("Credential=")[1].split("/")[0] for r in server.sent]
    assert keys[0] != keys[1] and all(key.startswith("AKIA") for key in keys)
    assert [r["headers"]["x-amz-security-token"] for r in server.sent] == ["t", "t"]


@pytest.mark.parametrize(
    "error, sent_times",
    [
        (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), 3),  # never reached the server
        (requests.exceptions.ConnectTimeout("connect timed out"), 3),
        (requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected())"), 1),  # it may have
        (requests.exceptions.ReadTimeout("read timed out"), 1),
    ],
)
def test_post_is_retried_only_when_it_cannot_have_been_sent(server, error, sent_times):
    server.on("POST", "_bulk", error)
    with pytest.raises(ConnectionFailure):
        Client(params(retries=2), sleep=lambda s: None).request("POST", "_bulk", body="x\n", retry=False)
    assert len(server.sent) == sent_times


# --------------------------------------------------------------- one deadline for a wait


class FakeClock:
    """monotonic() and sleep() on one fake timeline; sleeps advance it."""

    def __init__(self):
        self.now = 100.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_a_deadline_shortens_each_attempt_and_stops_retries(server):
    """wait_timeout is not overshot by (retries + 1) x request_timeout: every attempt's
    timeout ends at the deadline, and no retry starts after it."""
    clock = FakeClock()
    timeouts = []

    def slow(request):
        timeouts.append(server.last_timeout)
        clock.now += server.last_timeout  # the server never answers: the attempt uses its whole timeout
        return requests.exceptions.ReadTimeout("read timed out")

    server.on("GET", "x", slow)
    client = Client(params(retries=5, request_timeout=60), sleep=clock.sleep, clock=clock.monotonic)
    with pytest.raises(WaitTimeout, match="wait_timeout"):
        client.request("GET", "x", deadline=clock.now + 25)
    assert timeouts[0] == 25 and sum(timeouts) <= 25 and clock.now <= 125


def test_a_deadline_already_passed_sends_nothing(server):
    clock = FakeClock()
    server.on("GET", "x", (200, {}))
    client = Client(params(), clock=clock.monotonic, sleep=clock.sleep)
    with pytest.raises(WaitTimeout):
        client.request("GET", "x", deadline=clock.now - 1)
    assert server.sent == []


def test_without_a_deadline_request_timeout_applies(server):
    server.on("GET", "x", (200, {}))
    Client(params(request_timeout=7)).request("GET", "x")
    assert server.last_timeout == 7


@pytest.mark.parametrize("option, value", [("request_timeout", -1), ("request_timeout", 0), ("retries", -2)])
def test_impossible_timeouts_and_retries_are_refused(option, value):
    with pytest.raises(ConfigurationError, match=option):
        Client(params(**{option: value}))
