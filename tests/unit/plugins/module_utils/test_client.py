import datetime
import itertools

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ansible_collections.searchops.snapshots.plugins.module_utils import _sigv4
from ansible_collections.searchops.snapshots.plugins.module_utils._client import (
    Client,
    aws_scope,
    batches,
    normalize_url,
    select_auth,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    HTTPError,
    WaitTimeout,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._wait import Clock

AWS_HOST = "search-logs-abc123.eu-west-1.es.amazonaws.com"


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
        ("http://[::1", "not a valid"),
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
    client = Client(params(retries=5), warn=warnings.append, clock=Clock(sleep=sleeps.append))
    assert client.request("GET", "x").body == {"ok": True}
    assert len(warnings) == 2 and "retry 1 of 5" in warnings[0] and "HTTP 503" in warnings[0]
    assert len(sleeps) == 2


def test_gives_up_after_retries(server):
    server.on("GET", "x", (429, {"error": {"type": "too_many_requests", "reason": "slow down"}}))
    client = Client(params(retries=2), clock=Clock(sleep=lambda s: None))
    with pytest.raises(HTTPError) as err:
        client.request("GET", "x")
    assert err.value.status == 429 and len(server.sent) == 3


def test_post_is_not_repeated_after_a_gateway_timeout(server):
    server.on("POST", "x", (504, "gateway timeout"))
    client = Client(params(retries=5), clock=Clock(sleep=lambda s: None))
    with pytest.raises(HTTPError):
        client.request("POST", "x")
    assert len(server.sent) == 1


def test_connection_refused_is_retried_then_explained(server):
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    server.on("GET", "x", refused)
    warnings = []
    client = Client(params(retries=2), warn=warnings.append, clock=Clock(sleep=lambda s: None))
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
        Client(params(retries=2), clock=Clock(sleep=lambda s: None)).request("POST", "_bulk", body="x\n", retry=False)
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
    client = Client(params(retries=5, request_timeout=60), clock=Clock(now=clock.monotonic, sleep=clock.sleep))
    with pytest.raises(WaitTimeout, match="wait_timeout"):
        client.request("GET", "x", deadline=clock.now + 25)
    assert timeouts[0] == 25 and sum(timeouts) <= 25 and clock.now <= 125


def test_a_deadline_already_passed_sends_nothing(server):
    clock = FakeClock()
    server.on("GET", "x", (200, {}))
    client = Client(params(), clock=Clock(now=clock.monotonic, sleep=clock.sleep))
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


# --------------------------------------------------------------- secrets in header values (issue 11, item 1)


SIGV4 = {"auth_type": "aws_sigv4", "region": "us-east-1", "access_key": "AKIA", "secret_key": "s"}


@pytest.mark.parametrize(
    "option, options",
    [
        ("api_key", {"api_key": "a2V5\n"}),
        ("api_key", {"api_key": " a2V5"}),
        ("api_key", {"api_key": "a2V5\r\nX-Evil: 1"}),
        ("api_key", {"api_key": "kéy"}),
        ("password", {"username": "admin", "password": "pw\n"}),
        ("username", {"username": "adm\nin", "password": "pw"}),
        ("secret_key", dict(SIGV4, secret_key="s3cr3t-value\n")),
        ("session_token", dict(SIGV4, session_token="t0ken-value\n")),
        ("session_token", dict(SIGV4, session_token="t0ken-valüe")),
        ("access_key", dict(SIGV4, access_key="AK\tIA")),
    ],
)
def test_invalid_characters_in_secrets_are_refused_without_echo(server, option, options):
    """A vault value with a trailing newline must fail up front, naming the option, not the value."""
    server.on("GET", "", (200, {}))
    with pytest.raises(ConfigurationError) as err:
        Client(params(**options)).request("GET", "")
    text = str(err.value)
    bad = options[option]
    assert option in text
    assert bad.strip() not in text and repr(bad)[1:-1] not in text
    assert server.sent == []


def test_environment_secrets_are_checked_too(server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "tok\n")
    with pytest.raises(ConfigurationError, match="AWS_SESSION_TOKEN") as err:
        Client(params(auth_type="aws_sigv4", region="us-east-1"))
    assert "tok" not in str(err.value)


def test_non_ascii_password_is_sent_as_utf8(server):
    server.on("GET", "", (200, {}))
    Client(params(username="admin", password="pässwörd€")).request("GET", "")
    (sent,) = server.sent
    import base64

    assert base64.b64decode(sent["headers"]["Authorization"][6:]) == "admin:pässwörd€".encode()


@pytest.mark.parametrize("status", [401, 403])
def test_bad_credentials_are_never_retried(server, status):
    server.on("GET", "", (status, {"error": {"type": "security_exception", "reason": "bad credentials"}}))
    with pytest.raises(HTTPError):
        Client(params(retries=5, username="admin", password="wrong"), clock=Clock(sleep=lambda s: None)).request(
            "GET", ""
        )
    assert len(server.sent) == 1


def test_signature_mismatch_is_never_retried(server):
    server.on("GET", "", (403, {"message": "The request signature we calculated does not match the signature"}))
    client = Client(
        params(url=f"https://{AWS_HOST}", access_key="AKIA", secret_key="wrong", retries=5),
        clock=Clock(sleep=lambda s: None),
    )
    with pytest.raises(HTTPError, match="check secret_key"):
        client.request("GET", "")
    assert len(server.sent) == 1


# --------------------------------------------------------------- answers that are not the cluster's (item 8)


@pytest.mark.parametrize(
    "payload", [b"<!DOCTYPE html><html><body>Please log in</body></html>", b"[1, 2]", b'"text"', b"42", b""]
)
def test_a_200_that_is_not_a_json_object_is_a_clean_error(server, payload):
    server.on("GET", "_snapshot", (200, payload))
    with pytest.raises(HTTPError, match="not the cluster") as err:
        Client(params()).request("GET", "_snapshot")
    assert err.value.status == 200


def test_any_body_is_accepted_when_asked(server):
    server.on("GET", "_cat/indices", (200, b"green open idx\n"))
    assert Client(params()).request("GET", "_cat/indices", any_body=True).body == "green open idx\n"


# --------------------------------------------------------------- the environment does not beat options (item 3)


@pytest.fixture
def ca_env(monkeypatch, tmp_path):
    bundle = tmp_path / "env-ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(bundle))
    return str(bundle)


def verify_sent(server, monkeypatch, client):
    seen = {}
    original = server.send

    def send(request, **kwargs):
        seen.update(kwargs)
        return original(request, **kwargs)

    monkeypatch.setattr(server, "send", send)
    server.on("GET", "", (200, {}))
    client.request("GET", "")
    return seen


def test_ca_bundle_env_does_not_beat_ca_path_or_validate_certs(server, monkeypatch, ca_env):
    assert verify_sent(server, monkeypatch, Client(params(url="https://h", ca_path="/mine.pem")))["verify"] == (
        "/mine.pem"
    )
    assert verify_sent(server, monkeypatch, Client(params(url="https://h", validate_certs=False)))["verify"] is False
    # without an option, the environment's bundle is the fallback
    assert verify_sent(server, monkeypatch, Client(params(url="https://h")))["verify"] == ca_env


def test_netrc_does_not_replace_or_add_credentials(server, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine h login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    server.on("GET", "", (200, {}))
    Client(params(url="https://h", api_key="a2V5")).request("GET", "")
    Client(params(url="https://h", auth_type="none")).request("GET", "")
    with_key, none = server.sent
    assert with_key["headers"]["Authorization"] == "ApiKey a2V5"
    assert "Authorization" not in none["headers"]


def test_proxies_from_the_environment_are_still_used(server, monkeypatch):
    seen = []
    original = server.send
    monkeypatch.setattr(server, "send", lambda request, **kw: seen.append(kw.get("proxies")) or original(request, **kw))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "direct.example")
    server.on("GET", "", (200, {}))
    Client(params(url="https://h")).request("GET", "")
    Client(params(url="https://direct.example")).request("GET", "")
    assert seen[0].get("https") == "http://proxy.example:3128"
    assert not seen[1].get("https")


def test_region_in_the_host_name_beats_aws_region(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert aws_scope({}, AWS_HOST) == ("eu-west-1", "es")
    assert aws_scope({"region": "ap-south-1"}, AWS_HOST) == ("ap-south-1", "es")
    assert aws_scope({}, "127.0.0.1") == ("us-west-2", "es")


@pytest.mark.parametrize(
    "options, warning",
    [
        (
            {"url": f"https://{AWS_HOST}", "username": "u", "password": "p", "access_key": "A", "secret_key": "s"},
            "username, password",
        ),
        ({"url": "https://h", "username": "u", "password": "p", "api_key": "k"}, "api_key"),
        ({"url": "https://h", "validate_certs": False}, "validate_certs"),
        ({"url": "http://h", "username": "u", "password": "p"}, "http://"),
        ({"url": "http://h", "api_key": "k"}, "http://"),
    ],
)
def test_warnings_for_unused_credentials_and_weak_transport(options, warning):
    warnings = []
    Client(params(**options), warn=warnings.append)
    assert any(warning in w for w in warnings), warnings


def test_no_warning_for_plain_options():
    warnings = []
    Client(params(url="https://h", username="u", password="p"), warn=warnings.append)
    Client(params(url="http://localhost:9200"), warn=warnings.append)
    assert warnings == []


def test_a_timeout_that_is_not_a_number_is_refused():
    with pytest.raises(ConfigurationError, match="request_timeout"):
        Client(params(request_timeout=float("nan")))


# --------------------------------------------------------------- names in URLs


def test_batches_fill_each_url_in_order_and_count_encoded_characters():
    assert batches([]) == []
    assert batches(["a", "b", "c"], limit=4) == [["a", "b"], ["c"]]  # "a," + "b," is 4 characters
    assert batches(["abcdef", "a"], limit=4) == [["abcdef"], ["a"]]  # too long for any URL: alone
    assert batches(["<a>", "b"], limit=8) == [["<a>"], ["b"]]  # %3Ca%3E, is 8 characters
    names = [f"index-{n:04}" for n in range(1000)]
    groups = batches(names, limit=300)
    assert [n for g in groups for n in g] == names
    # "index-0000," is 11 characters: 27 to a group of 300
    assert all(len(",".join(g)) <= 300 for g in groups) and {len(g) for g in groups[:-1]} == {27}


def test_query_values_with_spaces_are_sent_and_signed_as_aws_reads_them(server):
    """AWS canonicalizes the query string with spaces as %20 (and a + as %2B): requests' default
    form encoding (a space as +) made every signed request with a space in a query value fail with
    "The request signature we calculated does not match" (a drill's sample query, found by the demo)."""
    server.on("GET", "idx/_count", (200, {"count": 1}))
    client = Client(params(url=f"https://{AWS_HOST}", access_key="AKIDEXAMPLE", secret_key="wJalrXUtnFEMI"))
    source = '{"query":{"match_phrase":{"director":"Bennett Miller+Co"}}}'
    client.request("GET", "idx/_count", query={"source": source})
    (sent,) = server.sent
    assert sent["query"] == {"source": source}
    headers = sent["headers"]
    url = server.urls[-1]
    assert "Bennett%20Miller%2BCo" in url and "+" not in url.split("?", 1)[1]
    check = AWSRequest(method="GET", url=url, headers={"Host": AWS_HOST, "X-Amz-Date": headers["x-amz-date"]})
    check.context["timestamp"] = headers["x-amz-date"]
    check.headers["x-amz-content-sha256"] = headers["x-amz-content-sha256"]
    signer = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI"), "es", "eu-west-1")
    expected = signer.signature(signer.string_to_sign(check, signer.canonical_request(check)), check)
    assert headers["Authorization"].endswith(f"Signature={expected}")
