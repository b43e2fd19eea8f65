"""Fixtures for tests against the real local stack (tools/stack.py).

The stack is brought up once per run (a no-op when it already runs) and left running
for the next run; each fixture removes what its test created.

The node's engine is the stack's default unless `--engine NAME` (or SEARCHOPS_ENGINE) names
another (tools/stack.py: engines()). Tests that need what the engine lacks are skipped, saying
why: marker `s3_repository` (the node's repository-s3; given to every test that uses the
`bucket` or `aws_names` fixtures, and by hand to those that register S3 repositories otherwise).
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import botocore.exceptions
import pytest

from tests.integration.helpers import SECURITY_API, Ansible, OpenSearch, bulk, drill_copies, path_repo, report, unique

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("SEARCHOPS_STACK", ROOT / ".stack"))

pytestmark = pytest.mark.integration

# fixtures whose tests need the node to reach S3 (a repository of type s3)
S3_FIXTURES = ("bucket", "aws_names")


def stack_tool():
    spec = importlib.util.spec_from_file_location("stack_tool", ROOT / "tools" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_configure(config):
    config.addinivalue_line("markers", "s3_repository: needs the node's repository-s3 plugin (skipped without it)")
    if config.getoption("--engine"):
        os.environ["SEARCHOPS_ENGINE"] = config.getoption("--engine")


def pytest_collection_modifyitems(config, items):
    tool = stack_tool()
    try:
        engine = tool.engine()
    except tool.StackError as err:
        raise pytest.UsageError(str(err)) from None
    if engine != next(iter(tool.engines().values())):
        # the secured node is the same whatever the engine: measured once, in the default engine's run
        elsewhere = pytest.mark.skip(reason="runs on the secured node (OpenSearch 3.4.0), not on this engine")
        for item in items:
            if "secured" in getattr(item, "fixturenames", ()):
                item.add_marker(elsewhere)
    if engine.repository_s3:
        return
    skip = pytest.mark.skip(
        reason=f"{engine.name} has no repository-s3 (no build on Maven Central): fs repositories only"
    )
    for item in items:
        if item.get_closest_marker("s3_repository") or set(S3_FIXTURES) & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def stack(request):
    """Start the stack (idempotent) and return its endpoints."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "stack.py"), "up"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"the local stack did not start:\n{result.stdout}\n{result.stderr}", pytrace=False)
    endpoints = json.loads((STATE / "endpoints.json").read_text())
    report(
        request,
        f"local stack: {endpoints['engine']['name']} at {endpoints['opensearch']} "
        f"(Java {endpoints['engine']['java']}), moto at {endpoints['moto']}",
    )
    return endpoints


@pytest.fixture(scope="session")
def engine(stack):
    """The node's engine: name, distribution (opensearch/elasticsearch), version, repository_types."""
    return stack["engine"]


@pytest.fixture(scope="session")
def s3(stack):
    """A boto3 S3 client on moto (a separate reader from anything under test)."""
    return boto3.client(
        "s3",
        endpoint_url=stack["moto"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def opensearch(stack):
    return OpenSearch(stack["opensearch"])


@pytest.fixture
def bucket(s3):
    """A new, empty bucket on moto; emptied and removed after the test."""
    name = unique("test-bucket")
    s3.create_bucket(Bucket=name)
    yield name
    empty_bucket(s3, name)
    s3.delete_bucket(Bucket=name)


def empty_bucket(s3, name):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=name, Delete={"Objects": keys})


@pytest.fixture
def aws_names(aws_clients, s3):
    """Names for a bucket and a snapshot role that the code under test creates; afterwards the
    bucket (emptied), the role, its managed policies and the PassRole grants for it are removed."""
    bucket, role = unique("snapshots"), unique("snaprole")
    yield bucket, role
    remove_snapshot_setup(aws_clients["iam"], s3, bucket, role)


def remove_snapshot_setup(iam, s3, bucket, role):
    """Remove what the setup roles created for `bucket` and `role` (whatever of it exists)."""
    attached = _ignore_missing(iam.list_attached_role_policies, RoleName=role) or {"AttachedPolicies": []}
    for policy in attached["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
        iam.delete_policy(PolicyArn=policy["PolicyArn"])
    _ignore_missing(iam.delete_role, RoleName=role)
    for user in iam.list_users()["Users"]:
        _ignore_missing(iam.delete_user_policy, UserName=user["UserName"], PolicyName=f"{role}-pass-role")
    if _ignore_missing(s3.head_bucket, Bucket=bucket) is not None:
        empty_bucket(s3, bucket)
        s3.delete_bucket(Bucket=bucket)


def _ignore_missing(call, **kwargs):
    try:
        return call(**kwargs)
    except botocore.exceptions.ClientError:
        return None


@pytest.fixture
def cleanup(opensearch):
    """Register indices and repositories a test creates; deleted after it, repositories first
    emptied of snapshots so nothing lingers in the node's cluster state."""
    created = {"indices": [], "repositories": []}
    yield created
    remove_created(opensearch, created)


def remove_created(node, created):
    for repo in created["repositories"]:
        definition = node.request("GET", f"_snapshot/{repo}", expect=(200, 404)) or {}
        readonly = str(definition.get(repo, {}).get("settings", {}).get("readonly")).lower() == "true"
        # 500: the repository's storage is unreachable (a test registered a missing bucket)
        listing = {} if readonly else node.request("GET", f"_snapshot/{repo}/_all", expect=(200, 404, 500)) or {}
        for snap in listing.get("snapshots", []):
            node.request("DELETE", f"_snapshot/{repo}/{snap['snapshot']}", expect=(200, 404))
        node.request("DELETE", f"_snapshot/{repo}", expect=(200, 404))
        if definition.get(repo, {}).get("type") == "fs":
            shutil.rmtree(definition[repo]["settings"]["location"], ignore_errors=True)
    for index in created["indices"]:
        node.request("DELETE", index, expect=(200, 404))


@pytest.fixture(scope="session")
def secured(stack):
    """The secured node (tools/stack.py): url, ca_path, users ({name: {username, password}}: admin,
    nosnap without snapshot permissions, snapshots mapped to manage_snapshots), client_cert."""
    return stack["secured"]


@pytest.fixture(scope="session")
def secured_node(secured):
    """Plain HTTPS to the secured node as its admin: a reader separate from the modules under test."""
    node = OpenSearch(secured["url"])
    node.session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the CA
    node.session.verify = secured["ca_path"]
    admin = secured["users"]["admin"]
    node.session.auth = (admin["username"], admin["password"])
    return node


@pytest.fixture
def security_role(secured_node):
    """security_role(**permissions): a role of the test's own on the secured node (a unique name);
    it and its mapping are deleted after the test."""
    made = []

    def make(**permissions):
        name = unique("searchops-role")
        secured_node.request("PUT", f"{SECURITY_API}/roles/{name}", expect=(201,), json=permissions)
        made.append(name)
        return name

    yield make
    for name in made:
        secured_node.request("DELETE", f"{SECURITY_API}/rolesmapping/{name}", expect=(200, 404))
        secured_node.request("DELETE", f"{SECURITY_API}/roles/{name}", expect=(200, 404))


@pytest.fixture
def secured_cleanup(secured_node):
    """cleanup's twin on the secured node."""
    created = {"indices": [], "repositories": []}
    yield created
    remove_created(secured_node, created)


@pytest.fixture
def ansible(tmp_path, stack):
    return Ansible(tmp_path)


@pytest.fixture(scope="session")
def aws_clients(stack):
    """boto3 clients on moto, for setting up identities (not the code under test)."""
    kwargs = dict(
        endpoint_url=stack["moto"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return {name: boto3.client(name, **kwargs) for name in ("iam", "sts", "kms")}


ES_HTTP_ALL = {"Effect": "Allow", "Action": "es:ESHttp*", "Resource": "*"}


@pytest.fixture
def iam_factory(aws_clients):
    """Create IAM users (with keys) and roles on moto; everything is deleted after the test."""
    iam = aws_clients["iam"]
    users, roles = [], []

    class Factory:
        @staticmethod
        def user(*statements):
            name = unique("user")
            iam.create_user(UserName=name)
            users.append(name)
            if statements:
                document = {"Version": "2012-10-17", "Statement": list(statements)}
                iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(document))
            key = iam.create_access_key(UserName=name)["AccessKey"]
            return {
                "arn": iam.get_user(UserName=name)["User"]["Arn"],
                "key": key["AccessKeyId"],
                "secret": key["SecretAccessKey"],
            }

        @staticmethod
        def role(trusted_service="es.amazonaws.com", principal=None, statements=()):
            name = unique("role")
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": principal or {"Service": trusted_service},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
            arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            roles.append(name)
            if statements:
                document = {"Version": "2012-10-17", "Statement": list(statements)}
                iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(document))
            return arn

    yield Factory
    for name in users:
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy)
        iam.delete_user(UserName=name)
    for name in roles:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.delete_role(RoleName=name)


@pytest.fixture
def index_factory(opensearch, cleanup):
    """Create indices with documents; deleted after the test."""

    def create(name=None, docs=1, size=0, settings=None):
        name = name or unique("idx")
        cleanup["indices"].append(name)
        body = {"settings": dict({"number_of_shards": 1, "number_of_replicas": 0}, **(settings or {}))}
        # do not wait for shards: a test may create an index whose shards cannot be assigned
        opensearch.request("PUT", name, params={"wait_for_active_shards": "0"}, json=body)
        if docs:
            # random hex does not compress: `size` bytes per document really reach the repository
            person = {"first": "John", "last": "Doe"}
            bulk(
                opensearch,
                name,
                [(str(i), {"n": i, "name": person, "blob": os.urandom(size // 2).hex()}) for i in range(docs)],
            )
        return name

    return create


@pytest.fixture
def drills(opensearch):
    """Restore drills: the ids of the drill records a test made (it appends them); afterwards the records
    and every index with the drill prefix are removed."""
    made = []
    yield made
    for name in drill_copies(opensearch):
        opensearch.request("DELETE", name, expect=(200, 404))
    for drill in made:
        if drill:
            opensearch.request("DELETE", f"searchops-drills/_doc/{drill}", expect=(200, 404))


@pytest.fixture
def fs_repo(opensearch, cleanup):
    """Register an fs repository (optionally throttled, so snapshots take a while)."""

    def register(**settings):
        name = unique("fs")
        cleanup["repositories"].append(name)
        settings = dict({"location": f"{path_repo(opensearch)}/{name}"}, **settings)
        opensearch.request("PUT", f"_snapshot/{name}", json={"type": "fs", "settings": settings})
        return name

    return register


@pytest.fixture
def s3_repo(opensearch, bucket, cleanup):
    name = unique("s3")
    cleanup["repositories"].append(name)
    opensearch.request("PUT", f"_snapshot/{name}", json={"type": "s3", "settings": {"bucket": bucket}})
    return name
