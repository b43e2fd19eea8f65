"""The domain gateway in front of the secured node's fine-grained access control (issue 15, item 3):
the IAM identity that signs reaches the security plugin as AWS names it, and the node itself answers."""

import json

import pytest
import requests

from tests.integration.helpers import unique

MODULE = "searchops.snapshots.es_snapshot_repo"
MAPPINGS = "_plugins/_security/api/rolesmapping"
ROLES = "_plugins/_security/api/roles"


class Secured:
    """Plain HTTPS to the secured node as its admin (the security REST API, reading state back)."""

    def __init__(self, secured):
        self.url = secured["url"]
        self.ca_path = secured["ca_path"]  # per request: REQUESTS_CA_BUNDLE would win over a session's verify
        admin = secured["users"]["admin"]
        self.auth = (admin["username"], admin["password"])

    def request(self, method, path, expect=(200,), **kwargs):
        response = requests.request(
            method, f"{self.url}/{path.lstrip('/')}", auth=self.auth, verify=self.ca_path, timeout=120, **kwargs
        )
        assert response.status_code in expect, f"{method} {path} -> {response.status_code}: {response.text}"
        return response


@pytest.fixture
def node(secured):
    return Secured(secured)


@pytest.fixture
def repo(node):
    name = unique("fgac-repo")
    yield name
    node.request("DELETE", f"_snapshot/{name}", expect=(200, 404))


@pytest.fixture
def grant(node):
    """grant(role, user): add the user to the role's mapping, keeping what is there; taken back afterwards."""
    granted = []

    def mapping(role):
        answer = node.request("GET", f"{MAPPINGS}/{role}", expect=(200, 404))
        found = answer.json()[role] if answer.status_code == 200 else {}
        return {key: found.get(key, []) for key in ("backend_roles", "hosts", "users")}

    def add(role, user):
        current = mapping(role)
        node.request(
            "PUT", f"{MAPPINGS}/{role}", expect=(200, 201), json=dict(current, users=[*current["users"], user])
        )
        granted.append((role, user))

    yield add
    for role, user in granted:
        current = mapping(role)
        node.request(
            "PUT",
            f"{MAPPINGS}/{role}",
            expect=(200, 201),
            json=dict(current, users=[u for u in current["users"] if u != user]),
        )


@pytest.fixture
def repository_reader(node):
    """A role that may read repositories and snapshots, not register them."""
    name = unique("repository-reader")
    permissions = {"cluster_permissions": ["cluster:admin/repository/get", "cluster:admin/snapshot/get"]}
    node.request("PUT", f"{ROLES}/{name}", expect=(201,), json=permissions)
    yield name
    node.request("DELETE", f"{MAPPINGS}/{name}", expect=(200, 404))
    node.request("DELETE", f"{ROLES}/{name}", expect=(200, 404))


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
    assert node.request("GET", f"_snapshot/{repo}").json()[repo]["settings"] == {"bucket": bucket}
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
