"""Connection options through a module's argument spec: explicit options beat what the URL
implies, which beats the environment (issue 11, item 3)."""

from ansible_collections.searchops.snapshots.plugins.modules.es_request import main

AWS_URL = "https://search-logs-abc123.eu-west-1.es.amazonaws.com"


def signed_with(server):
    (sent,) = server.sent
    credential = sent["headers"]["Authorization"].split("Credential=")[1].split(",")[0]
    return credential.split("/")[0], credential.split("/")[2], sent["headers"].get("x-amz-security-token")


def run_get(server, run_module, **options):
    server.on("GET", "", (200, {}))
    failed, result = run_module(main, dict({"url": AWS_URL, "path": ""}, **options))
    assert not failed, result
    return result


def test_region_in_the_host_name_beats_aws_region(server, run_module, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    run_get(server, run_module, access_key="AKIAX", secret_key="s")
    assert signed_with(server)[1] == "eu-west-1"


def test_explicit_region_beats_the_host_name(server, run_module, monkeypatch):
    run_get(server, run_module, access_key="AKIAX", secret_key="s", region="ap-south-1")
    assert signed_with(server)[1] == "ap-south-1"


def test_environment_region_is_the_last_resort(server, run_module, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    run_get(server, run_module, url="https://127.0.0.1", auth_type="aws_sigv4", access_key="AKIAX", secret_key="s")
    assert signed_with(server)[1] == "us-west-2"


def test_explicit_profile_beats_environment_keys(server, run_module, monkeypatch, tmp_path):
    shared = tmp_path / "credentials"
    shared.write_text("[ops]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    run_get(server, run_module, profile="ops")
    assert signed_with(server)[0] == "AKIAPROFILE"


def test_stray_session_token_is_not_attached_to_explicit_keys(server, run_module, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "stray-token")
    run_get(server, run_module, access_key="AKIAX", secret_key="s")
    assert signed_with(server) == ("AKIAX", "eu-west-1", None)


def test_environment_keys_with_their_token_still_work(server, run_module, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    result = run_get(server, run_module)
    assert signed_with(server) == ("AKIAENV", "eu-west-1", "env-token")
    assert "env-secret" not in str(result) and "env-token" not in str(result)


def test_awx_security_token_goes_with_the_environment_keys(server, run_module, monkeypatch):
    """AWX's Amazon Web Services credential injects a temporary token as AWS_SECURITY_TOKEN (the
    name boto and botocore also read); without it, temporary keys are refused."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "awx-token")
    result = run_get(server, run_module)
    assert signed_with(server) == ("ASIAENV", "eu-west-1", "awx-token")
    assert "awx-token" not in str(result)


def test_unused_basic_credentials_on_aws_are_warned_about(server, run_module):
    result = run_get(
        server, run_module, access_key="AKIAX", secret_key="secret-value", username="admin", password="password-value"
    )
    assert "username, password are set but not used" in str(result["warnings"])
