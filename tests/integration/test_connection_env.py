"""The environment does not beat explicit options (issue 11, item 3), against the AWS-like domain
gateway, which checks signatures and session tokens as AWS does."""

import json
from pathlib import Path

MODULE = "searchops.snapshots.es_snapshot_info"


def operator(stack):
    return json.loads(Path(stack["operator"]).read_text())


def gateway(stack, **options):
    return dict({"url": stack["gateway"], "auth_type": "aws_sigv4", "region": stack["region"]}, **options)


def test_a_stray_session_token_is_not_attached_to_explicit_keys(ansible, stack):
    keys = operator(stack)
    result = ansible(
        MODULE,
        gateway(stack, access_key=keys["access_key"], secret_key=keys["secret_key"]),
        env={"AWS_SESSION_TOKEN": "FwoGZXIvYXdzEStrayTokenFromAnotherShell"},
    )
    assert not result.get("failed"), result["msg"]
    assert "repositories" in result


def test_an_explicit_profile_beats_keys_in_the_environment(ansible, stack, tmp_path):
    keys = operator(stack)
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[ops]\naws_access_key_id = {keys['access_key']}\naws_secret_access_key = {keys['secret_key']}\n"
    )
    env = {
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_ACCESS_KEY_ID": "AKIAOTHERACCOUNT0000",
        "AWS_SECRET_ACCESS_KEY": "not-the-operators-secret",
    }
    result = ansible(MODULE, gateway(stack, profile="ops"), env=env)
    assert not result.get("failed"), result["msg"]
    assert keys["secret_key"] not in json.dumps(result)
