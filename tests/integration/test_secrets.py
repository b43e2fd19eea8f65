"""Secret canary through ansible-playbook at -vvvv (issue 11): secrets that end in a newline (what
`echo key | ansible-vault encrypt_string` gives; refused up front) and wrong secrets (refused by the
server), against the real node and the AWS-like domain gateway, never appear in stdout or stderr,
raw or escaped. Each secret carries a marker, so a secret cut in two is caught too."""

import json
from pathlib import Path
from urllib.parse import quote

from tests.integration.helpers import unique

MARKER = "zQ7canary"


def canary():
    return f"{MARKER}-{unique('s')}\\'%\""


def leaked(output, *secrets):
    forms = set()
    for secret in secrets:
        forms |= {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], quote(secret, safe="")}
    return [form for form in forms if form in output] + ([MARKER] if MARKER in output else [])


def task(module, **args):
    return {"name": f"canary {module}", f"searchops.snapshots.{module}": args, "ignore_errors": True}


def operator(stack):
    return json.loads(Path(stack["operator"]).read_text())


def test_newline_and_wrong_secrets_on_the_node(ansible, stack):
    secret = canary()
    node = stack["opensearch"]
    output = ansible.play(
        [
            task("es_snapshot_info", url=node, api_key=secret + "\n"),
            task("es_snapshot_info", url=node, username="admin", password=secret + "\n"),
            task("es_request", url=node, path="_cluster/health", username="admin", password=secret),
            task("es_request", url=node, path="_cat/indices", api_key=secret, no_log_body=True),
        ],
        verbosity=4,
    )
    assert "api_key ends with a line break" in output and "password ends with a line break" in output
    assert leaked(output, secret, secret + "\n") == []


def test_newline_and_wrong_secrets_on_the_gateway(ansible, stack):
    secret = canary()
    keys = operator(stack)
    gateway = {"url": stack["gateway"], "auth_type": "aws_sigv4", "region": stack["region"]}
    output = ansible.play(
        [
            # wrong secret key: the gateway refuses the signature
            task("es_request", path="_cluster/health", access_key=keys["access_key"], secret_key=secret, **gateway),
            # a token with a newline: refused before anything is sent
            task(
                "es_snapshot_info",
                access_key=keys["access_key"],
                secret_key=keys["secret_key"],
                session_token=secret + "\n",
                **gateway,
            ),
            # a token the gateway does not know
            task(
                "es_request",
                path="_cluster/health",
                access_key=keys["access_key"],
                secret_key=keys["secret_key"],
                session_token=secret,
                **gateway,
            ),
        ],
        verbosity=4,
    )
    assert "signature we calculated does not match" in output
    assert "session_token ends with a line break" in output
    assert leaked(output, secret, secret + "\n", keys["secret_key"]) == []


def test_newline_in_the_environment_token(ansible, stack):
    secret = canary()
    keys = operator(stack)
    env = {
        "AWS_ACCESS_KEY_ID": keys["access_key"],
        "AWS_SECRET_ACCESS_KEY": keys["secret_key"],
        "AWS_SESSION_TOKEN": secret + "\n",
    }
    output = ansible.play(
        [task("es_snapshot_info", url=stack["gateway"], auth_type="aws_sigv4", region=stack["region"])],
        env=env,
        verbosity=4,
    )
    assert "AWS_SESSION_TOKEN ends with a line break" in output
    assert leaked(output, secret, secret + "\n", keys["secret_key"]) == []


def test_secret_repository_settings(ansible, stack, opensearch, bucket):
    """Keys inside settings (older Elasticsearch s3 repositories; OpenSearch registers them and then
    refuses to use them without allow_insecure_settings): masked in request, repository, diff and
    invocation."""
    secret = canary()
    name = unique("repo")
    settings = {"bucket": bucket, "access_key": f"AKIA{MARKER}", "secret_key": secret}
    try:
        output = ansible.play(
            [task("es_snapshot_repo", url=stack["opensearch"], repository=name, settings=settings, verify=False)],
            diff=True,
            verbosity=4,
        )
        # registered (the conftest cleanup cannot list such a repository, so this test removes it);
        # the server does not show the secret settings back, hence they are not compared
        shown = opensearch.request("GET", f"_snapshot/{name}")[name]["settings"]
        assert shown["bucket"] == bucket and "secret_key" not in shown
        again = ansible.play(
            [task("es_snapshot_repo", url=stack["opensearch"], repository=name, settings=settings, verify=False)]
        )
        assert again[0]["changed"] is False
    finally:
        opensearch.request("DELETE", f"_snapshot/{name}", expect=(200, 404))
    assert "canary es_snapshot_repo" in output and '"changed": true' in output
    assert leaked(output, secret, f"AKIA{MARKER}") == []
