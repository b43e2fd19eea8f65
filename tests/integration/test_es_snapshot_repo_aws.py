"""es_snapshot_repo through the AWS-like domain gateway: every credential source signs, and every
AWS failure users meet comes back with what to fix."""

import pytest

from tests.integration.helpers import four_steps, unique

MODULE = "searchops.snapshots.es_snapshot_repo"
ES_HTTP_ALL = {"Effect": "Allow", "Action": "es:ESHttp*", "Resource": "*"}


@pytest.fixture
def repo(cleanup):
    name = unique("aws-repo")
    cleanup["repositories"].append(name)
    return name


@pytest.fixture
def setup(iam_factory, bucket):
    """A snapshot role trusted by the service, and a deployer allowed to pass it."""
    role = iam_factory.role()
    deployer = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role})
    return {"role": role, "deployer": deployer, "bucket": bucket}


def args(stack, setup, repo, **kw):
    base = {
        "url": stack["gateway"],
        "auth_type": "aws_sigv4",
        "region": stack["region"],
        "repository": repo,
        "settings": {"bucket": setup["bucket"], "role_arn": setup["role"]},
    }
    base.update(kw)
    return base


def keys(identity):
    return {"access_key": identity["key"], "secret_key": identity["secret"]}


def test_iam_user_keys_four_steps(ansible, stack, setup, repo, opensearch):
    results = four_steps(ansible, MODULE, args(stack, setup, repo, **keys(setup["deployer"])))
    assert results[1]["repository"]["settings"]["role_arn"] == setup["role"]
    assert results[1]["verified_nodes"]
    assert opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"] == {"bucket": setup["bucket"]}


def test_assumed_role_session_token(ansible, stack, setup, repo, iam_factory, aws_clients):
    caller = iam_factory.role(
        principal={"AWS": f"arn:aws:iam::{stack['account_id']}:root"},
        statements=[ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": setup["role"]}],
    )
    creds = aws_clients["sts"].assume_role(RoleArn=caller, RoleSessionName="deploy")["Credentials"]
    session = {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "session_token": creds["SessionToken"],
    }
    four_steps(ansible, MODULE, args(stack, setup, repo, **session))


def test_named_profile_from_shared_credentials_file(ansible, stack, setup, repo, tmp_path):
    shared = tmp_path / "credentials"
    deployer = setup["deployer"]
    shared.write_text(
        f"[deploy]\naws_access_key_id = {deployer['key']}\naws_secret_access_key = {deployer['secret']}\n"
    )
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(shared)}
    four_steps(ansible, MODULE, args(stack, setup, repo, profile="deploy"), env=env)


def test_environment_variables(ansible, stack, setup, repo):
    deployer = setup["deployer"]
    env = {"AWS_ACCESS_KEY_ID": deployer["key"], "AWS_SECRET_ACCESS_KEY": deployer["secret"], "AWS_REGION": "us-east-1"}
    base = args(stack, setup, repo)
    del base["region"]  # from AWS_REGION
    four_steps(ansible, MODULE, base, env=env)


def failure(ansible, module_args, env=None):
    result = ansible(MODULE, module_args, env=env)
    assert result.get("failed"), result
    return result["msg"]


def test_no_credentials(ansible, stack, setup, repo):
    msg = failure(ansible, args(stack, setup, repo))
    assert "No AWS credentials were found" in msg and "access_key and secret_key" in msg


def test_unsigned_request(ansible, stack, setup, repo):
    msg = failure(ansible, args(stack, setup, repo, auth_type="none"))
    assert "anonymous is not authorized to perform: es:ESHttpGet because no resource-based policy" in msg
    assert "auth_type: aws_sigv4" in msg


def test_wrong_region(ansible, stack, setup, repo):
    msg = failure(ansible, args(stack, setup, repo, region="eu-west-1", **keys(setup["deployer"])))
    assert "scoped to a valid region" in msg and "set region" in msg


def test_wrong_secret(ansible, stack, setup, repo):
    msg = failure(ansible, args(stack, setup, repo, access_key=setup["deployer"]["key"], secret_key="wrong"))
    assert "HTTP 403" in msg and "The Canonical String for this request should have been" in msg
    assert "check secret_key" in msg


def test_unknown_access_key(ansible, stack, setup, repo):
    msg = failure(ansible, args(stack, setup, repo, access_key="AKIAUNKNOWN000000000", secret_key="x"))
    assert "check the AWS credentials" in msg


def test_caller_without_pass_role(ansible, stack, setup, repo, iam_factory, opensearch):
    outsider = iam_factory.user(ES_HTTP_ALL)
    msg = failure(ansible, args(stack, setup, repo, **keys(outsider)))
    assert (
        f"not authorized to perform: iam:PassRole on resource: {setup['role']} because no identity-based policy "
        "allows the iam:PassRole action" in msg
    )
    assert f"grant it iam:PassRole on {setup['role']}" in msg
    assert opensearch.request("GET", f"_snapshot/{repo}", expect=(404,))


def test_caller_without_es_http_permission(ansible, stack, setup, repo, iam_factory):
    nobody = iam_factory.user()
    msg = failure(ansible, args(stack, setup, repo, **keys(nobody)))
    assert "es:ESHttpGet because no resource-based policy allows the es:ESHttpGet action" in msg
    assert "Allow es:ESHttpGet" in msg


def test_pass_role_is_checked_for_the_role_given(ansible, stack, setup, repo):
    """The deployer may pass only setup["role"]: any other role_arn is refused, like on AWS."""
    other = f"arn:aws:iam::{stack['account_id']}:role/does-not-exist"
    module_args = args(stack, setup, repo, **keys(setup["deployer"]))
    module_args["settings"]["role_arn"] = other
    msg = failure(ansible, module_args)
    assert f"iam:PassRole on resource: {other}" in msg


TRUST_HINT = "check that the role exists and that its trust policy allows es.amazonaws.com sts:AssumeRole"


def test_role_missing_with_pass_role_allowed(ansible, stack, setup, repo, iam_factory):
    admin = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    missing = f"arn:aws:iam::{stack['account_id']}:role/does-not-exist"
    module_args = args(stack, setup, repo, **keys(admin))
    module_args["settings"]["role_arn"] = missing
    msg = failure(ansible, module_args)
    assert "a_w_s_security_token_service_exception" in msg
    assert f"sts:AssumeRole on resource: {missing}" in msg and TRUST_HINT in msg


@pytest.mark.parametrize("trusted", ["ec2.amazonaws.com", "opensearchservice.amazonaws.com"])
def test_role_not_trusting_the_service(ansible, stack, setup, repo, iam_factory, trusted):
    untrusting = iam_factory.role(trusted_service=trusted)
    admin = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    module_args = args(stack, setup, repo, **keys(admin))
    module_args["settings"]["role_arn"] = untrusting
    msg = failure(ansible, module_args)
    assert f"sts:AssumeRole on resource: {untrusting}" in msg and TRUST_HINT in msg


def test_missing_role_arn(ansible, stack, setup, repo, opensearch):
    module_args = args(stack, setup, repo, **keys(setup["deployer"]))
    del module_args["settings"]["role_arn"]
    msg = failure(ansible, module_args)
    assert "HTTP 401" in msg and "settings.role_arn is needed for snapshot registration." in msg
    assert "registers S3 repositories only with settings.role_arn" in msg
    assert "username" not in msg
    assert opensearch.request("GET", f"_snapshot/{repo}", expect=(404,))


def test_explicit_deny_of_pass_role(ansible, stack, setup, repo, iam_factory):
    denied = iam_factory.user(
        ES_HTTP_ALL,
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": setup["role"]},
    )
    msg = failure(ansible, args(stack, setup, repo, **keys(denied)))
    assert "with an explicit deny in an identity-based policy" in msg
    assert "remove or narrow that Deny statement" in msg


def test_reserved_name_refused_before_any_request(ansible, stack, setup):
    msg = failure(ansible, args(stack, setup, "cs-nightly", **keys(setup["deployer"])))
    assert "reserved on Amazon OpenSearch Service" in msg


# ------------------------------------------- IAM propagation after the role was created (issue 13, item 7)


def role_usable_after(iam_factory, aws_clients, seconds):
    """A role the gateway lets the service use only `seconds` after its creation (its stand-in for IAM's
    eventual consistency: tools/gateway.py, PROPAGATION_TAG)."""
    role = iam_factory.role()
    tag = {"Key": "searchops-gateway:propagation-seconds", "Value": str(seconds)}
    aws_clients["iam"].tag_role(RoleName=role.rsplit("/", 1)[1], Tags=[tag])
    return role


def registration(stack, iam_factory, role, bucket, repo, **kw):
    deployer = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role})
    return args(stack, {"role": role, "bucket": bucket}, repo, **keys(deployer), **kw)


def test_registration_right_after_the_role_was_created_waits_for_iam(
    ansible, stack, iam_factory, aws_clients, bucket, repo, opensearch
):
    """AWS may refuse a role created moments ago: the first verification fails although the definition
    was stored (terraform-provider-opensearch#133). The module verifies again until the role works."""
    role = role_usable_after(iam_factory, aws_clients, 15)
    module_args = registration(stack, iam_factory, role, bucket, repo)
    first = ansible(MODULE, module_args)
    assert not first.get("failed") and first["changed"], first
    assert first["verify_retries"] >= 1 and first["verified_nodes"]
    warnings = str(first.get("warnings"))
    assert "is not accessible on cluster-manager node" in warnings and "sts:AssumeRole" in warnings
    assert "verifying again until verify_timeout" in warnings
    assert opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"] == {"bucket": bucket}
    again = ansible(MODULE, module_args)
    assert not again.get("failed") and not again["changed"], again


def test_registration_gives_up_at_verify_timeout_and_keeps_nothing(
    ansible, stack, iam_factory, aws_clients, bucket, repo, opensearch
):
    role = role_usable_after(iam_factory, aws_clients, 600)
    module_args = registration(stack, iam_factory, role, bucket, repo, verify_timeout=3)
    module_args["settings"]["base_path"] = "logs/prod"
    msg = failure(ansible, module_args)
    assert f"[{repo}] path [logs/prod] is not accessible on cluster-manager node" in msg
    assert f"sts:AssumeRole on resource: {role}" in msg
    assert "(verify_timeout: 3s)" in msg and "The repository was not kept" in msg
    assert opensearch.request("GET", f"_snapshot/{repo}", expect=(404,))
