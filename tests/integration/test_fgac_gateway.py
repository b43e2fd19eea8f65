"""The domain gateway in front of the secured node's fine-grained access control (issue 15, item 3):
the IAM identity that signs reaches the security plugin as AWS names it, and the node itself answers."""

import json

import pytest
import requests

from tests.integration.helpers import SECURITY_API, role_mapping, unique, unmap_user

MODULE = "searchops.snapshots.es_snapshot_repo"


@pytest.fixture
def node(secured_node):
    return secured_node


@pytest.fixture
def repo(node):
    name = unique("fgac-repo")
    yield name
    node.request("DELETE", f"_snapshot/{name}", expect=(200, 404))


@pytest.fixture
def grant(node):
    """grant(role, user): add the user to the role's mapping, keeping what is there; taken back afterwards."""
    granted = []

    def put(role, users):
        current = role_mapping(node, role) or {}
        node.request("PUT", f"{SECURITY_API}/rolesmapping/{role}", expect=(200, 201), json=dict(current, users=users))

    def add(role, user):
        put(role, [*(role_mapping(node, role) or {}).get("users", []), user])
        granted.append((role, user))

    yield add
    for role, user in granted:
        unmap_user(node, role, user)


@pytest.fixture
def repository_reader(security_role):
    """A role that may read repositories and snapshots, not register them."""
    return security_role(cluster_permissions=["cluster:admin/repository/get", "cluster:admin/snapshot/get"])


def failure(ansible, args):
    result = ansible(MODULE, args)
    assert result.get("failed"), result
    return result["msg"]


def registration(secured, stack, identity, repo, bucket, role, **extra):
    return {
        "url": secured["gateway"]["url"],
        "auth_type": "aws_sigv4",
        "region": stack["region"],
        "access_key": identity["key"],
        "secret_key": identity["secret"],
        "repository": repo,
        "settings": {"bucket": bucket, "role_arn": role},
        **extra,
    }


def test_the_node_refuses_an_iam_user_by_its_arn_until_it_is_mapped_to_manage_snapshots(
    ansible, stack, secured, node, iam_factory, bucket, repo, repository_reader, grant
):
    role = iam_factory.role()
    # no es:ESHttp* grant: with FGAC the domain's access policy is open and the security plugin decides
    deployer = iam_factory.user({"Effect": "Allow", "Action": "iam:PassRole", "Resource": role})
    args = registration(secured, stack, deployer, repo, bucket, role)
    user = f"User [name={deployer['arn']}, backend_roles=[], requestedTenant=null]"

    # not mapped at all: the module's first request, reading the repository, is refused
    msg = failure(ansible, args)
    assert f"no permissions for [cluster:admin/repository/get] and {user}" in msg
    assert "map it to the manage_snapshots role" in msg

    # allowed to read repositories only: the registration itself is refused
    grant(repository_reader, deployer["arn"])
    msg = failure(ansible, args)
    assert f"no permissions for [cluster:admin/repository/put] and {user}" in msg
    assert "map it to the manage_snapshots role" in msg
    node.request("GET", f"_snapshot/{repo}", expect=(404,))

    grant("manage_snapshots", deployer["arn"])
    result = ansible(MODULE, args)
    assert result.get("changed") and not result.get("failed"), result
    assert node.request("GET", f"_snapshot/{repo}")[repo]["settings"] == {"bucket": bucket}
    result = ansible(MODULE, args)
    assert not result.get("changed") and not result.get("failed"), result


def test_an_assumed_role_is_its_role_arn_with_its_path(ansible, stack, secured, iam_factory, aws_clients, bucket, repo):
    """The security plugin sees the role's ARN (path kept), as user and as backend role, not the STS session."""
    snapshot_role = iam_factory.role()
    iam = aws_clients["iam"]
    name = unique("deployer")
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{stack['account_id']}:root"},
    }
    pass_role = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": snapshot_role}
    caller = iam.create_role(RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=document(trust))["Role"][
        "Arn"
    ]
    try:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=document(pass_role))
        creds = aws_clients["sts"].assume_role(RoleArn=caller, RoleSessionName="ansible")["Credentials"]
        session = {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"]}
        args = registration(secured, stack, session, repo, bucket, snapshot_role, session_token=creds["SessionToken"])
        assert caller == f"arn:aws:iam::{stack['account_id']}:role/service-role/{name}"
        assert f"User [name={caller}, backend_roles=[{caller}], requestedTenant=null]" in failure(ansible, args)
    finally:
        iam.delete_role_policy(RoleName=name, PolicyName="inline")
        iam.delete_role(RoleName=name)


def document(statement):
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_proxy_headers_from_a_client_never_reach_the_node(secured, stack):
    """Only the gateway speaks for an identity: an unsigned request that claims one gets the node's 401."""
    claimed = f"arn:aws:iam::{stack['account_id']}:user/admin"
    response = requests.get(
        f"{secured['gateway']['url']}/_cluster/health",
        headers={"x-proxy-user": claimed, "x-proxy-roles": "admin", "x-forwarded-for": "127.0.0.2"},
        timeout=60,
    )
    assert (response.status_code, response.text) == (401, "Unauthorized")


def test_unsigned_basic_auth_is_decided_by_the_nodes_internal_users(secured):
    admin = secured["users"]["admin"]
    url = f"{secured['gateway']['url']}/_plugins/_security/authinfo"
    answer = requests.get(url, auth=(admin["username"], admin["password"]), timeout=60)
    assert answer.status_code == 200 and answer.json()["user_name"] == "admin"
    wrong = requests.get(url, auth=(admin["username"], "wrong-password"), timeout=60)
    assert (wrong.status_code, wrong.text) == (401, "Unauthorized")


def test_an_unsigned_registration_is_anonymous_to_iam(ansible, secured, iam_factory, bucket, repo, node):
    admin = secured["users"]["admin"]
    role = iam_factory.role()
    args = {
        "url": secured["gateway"]["url"],
        "username": admin["username"],
        "password": admin["password"],
        "repository": repo,
        "settings": {"bucket": bucket, "role_arn": role},
    }
    msg = failure(ansible, args)
    assert f"User: anonymous is not authorized to perform: iam:PassRole on resource: {role}" in msg
    assert "manage_snapshots" in msg and admin["password"] not in msg
    node.request("GET", f"_snapshot/{repo}", expect=(404,))
