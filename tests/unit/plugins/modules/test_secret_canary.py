"""Secret canary (issue 11): a random secret in every secret option of every module, with good
and failing answers (401, a 500 that echoes the request, a connection error that quotes the
header values as requests does, an HTML 200), never appears in the module's output, raw or
escaped. The secret carries a marker in its middle, and the marker must not appear either, so
a secret cut in two (a truncated error text) is caught too."""

import json
from urllib.parse import quote, quote_plus

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.plugins.modules.fuzz import MODULES, URL, fake_time, is_unexpected, run_main

MARKER = "zQ7canary"
# secrets the modules must refuse (CR/LF, control characters, non-ASCII in a header) and secrets
# they must send, which then meet the masking: printable ASCII heavy in quotes, backslashes and %
NASTY = ["\\", "'", '"', "%", "%0A", "\\n", "&", "=", "\n", "\r\n", "\t", "é", "€", "\x00", " ", "\u2028"]
SENDABLE = [s for s in NASTY if all("!" <= c <= "~" for c in s)]


def part(snippets, characters):
    return st.lists(st.sampled_from(snippets) | st.text(characters, max_size=3), max_size=4).map("".join)


ANY_PART = part(NASTY, st.characters(codec="utf-8"))
SENDABLE_PART = part(SENDABLE, st.characters(min_codepoint=0x21, max_codepoint=0x7E))
CANARIES = st.builds(lambda a, b: a + MARKER + b, ANY_PART, ANY_PART) | st.builds(
    lambda a, b: a + MARKER + b, SENDABLE_PART, SENDABLE_PART
)
SIGV4 = {"auth_type": "aws_sigv4", "region": "us-east-1", "access_key": "AKIATESTKEY"}


def placements(secret):
    """Where a secret goes: option name -> (module options, environment)."""
    return {
        "password": ({"username": "admin", "password": secret}, {}),
        "api_key": ({"api_key": secret}, {}),
        "secret_key": (dict(SIGV4, secret_key=secret), {}),
        "session_token": (dict(SIGV4, secret_key="fixed-secret-key", session_token=secret), {}),
        "env AWS_SESSION_TOKEN": (
            {"auth_type": "aws_sigv4", "region": "us-east-1"},
            {
                "AWS_ACCESS_KEY_ID": "AKIATESTKEY",
                "AWS_SECRET_ACCESS_KEY": "env-secret-key",
                "AWS_SESSION_TOKEN": secret,
            },
        ),
        "settings.secret_key": ({"settings": {"bucket": "b", "secret_key": secret, "s3": {"access_key": secret}}}, {}),
    }


def echo(request):
    """The request as a careless server or library would quote it."""
    body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
    return f"headers {dict(request.headers)!r} body {body} url {request.url}"


ANSWERS = {
    "good": lambda request: (200, {"acknowledged": True, "snapshots": [], "nodes": {}, "nightly": {"type": "s3"}}),
    "401": lambda request: (401, {"error": {"type": "security_exception", "reason": echo(request)}}),
    "500 echoing the request": lambda request: (500, {"error": {"type": "exception", "reason": echo(request)}}),
    "500 text echoing the request": lambda request: (500, ("x" * 400 + echo(request)).encode()),
    "connection error quoting headers": lambda request: requests.exceptions.ConnectionError(
        f"Invalid header value {echo(request)!r} {str(request.headers).encode()!r}"
    ),
    "HTML 200": lambda request: (200, f"<html>{echo(request)}</html>".encode()),
}


def forms(secret):
    raw_bytes = secret.encode("utf-8", "surrogatepass")
    return {
        secret,
        repr(secret)[1:-1],
        repr(raw_bytes)[2:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }


TRIED = {"secrets": 0}
# modules other helpers own: their crashes on odd answers are listed by test_never_a_traceback
OTHERS = ("es_snapshot", "es_snapshot_prune", "es_restore")


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    secret=CANARIES,
    module_name=st.sampled_from(sorted(MODULES)),
    placement=st.sampled_from(sorted(placements("x"))),
    answer=st.sampled_from(sorted(ANSWERS)),
)
def test_the_canary_never_appears(server, capsys, monkeypatch, secret, module_name, placement, answer):
    module, required = MODULES[module_name]
    if placement == "settings.secret_key" and module_name != "es_snapshot_repo":
        placement = "password"
    options, environ = placements(secret)[placement]
    server.routes.clear()
    server.fallback = ANSWERS[answer]
    args = dict(required, url=URL, retries=1, **options)
    with monkeypatch.context() as patch:
        fake_time(patch)
        for name, value in environ.items():
            patch.setenv(name, value.replace("\x00", ""))  # the environment cannot hold NUL
        code, out, result = run_main(module, args, capsys, diff=True)
    TRIED["secrets"] += 1
    leaked = [form for form in forms(secret) if form in out]
    for text in (out, json.dumps(result, ensure_ascii=False)):
        assert MARKER not in text, (placement, answer, result)
    assert leaked == [], (placement, answer, leaked, result)
    assert not is_unexpected(result) or module_name in OTHERS, result


def test_report_count(request):
    """Runs after the canary test (same file, in order): shows how many secrets were tried."""
    if TRIED["secrets"]:
        print(f"secret canary: {TRIED['secrets']} secrets tried, none leaked")
