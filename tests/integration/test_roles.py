"""The AWS roles against moto: converge, converge again with no change, and check mode on an
empty account changes nothing (proved by listing S3 and IAM with a separate client)."""

import json

import boto3
import botocore.exceptions
import pytest
import requests
from requests_aws4auth import AWS4Auth

from tests.integration.conftest import remove_snapshot_setup
from tests.integration.helpers import unique


def role_tasks(bucket, role, require_tls=True):
    return [
        {
            "ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_bucket"},
            "vars": {"snapshot_bucket_name": bucket, "snapshot_bucket_require_tls": require_tls},
        },
        {
            "ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_iam"},
            "vars": {
                "snapshot_iam_bucket": bucket,
                "snapshot_iam_base_path": "nightly",
                "snapshot_iam_role_name": role,
            },
        },
    ]


def repository_task(repo, bucket, domain_region):
    variables = {
        "snapshot_repository_name": repo,
        "snapshot_repository_bucket": bucket,
        "snapshot_repository_base_path": "nightly",
        "snapshot_repository_role_arn": "{{ snapshot_iam_role_arn }}",
        "snapshot_repository_domain_region": domain_region,
    }
    return {"ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_repository"}, "vars": variables}


def role_policy(iam, role):
    """The document of the managed policy attached to the role."""
    (attached,) = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]


@pytest.fixture
def admin(iam_factory, stack):
    user = iam_factory.user({"Effect": "Allow", "Action": "*", "Resource": "*"})
    return {
        "group/aws": {
            "endpoint_url": stack["moto"],
            "region": stack["region"],
            "access_key": user["key"],
            "secret_key": user["secret"],
        }
    }, user


@pytest.fixture
def admin_on_domain(admin, stack):
    """The admin's defaults for amazon.aws and for the collection's modules through the domain gateway."""
    defaults, user = admin
    cluster = {
        "url": stack["gateway"],
        "auth_type": "aws_sigv4",
        "region": stack["region"],
        "access_key": user["key"],
        "secret_key": user["secret"],
    }
    return dict(defaults, **{"group/searchops.snapshots.all": cluster}), user


def no_change(ansible, defaults, tasks):
    again = play(ansible, defaults, tasks)
    assert not any(r.get("changed") for r in again), [r for r in again if r.get("changed")]


def play(ansible, defaults, tasks, check=False):
    results = ansible.play([{"block": tasks, "module_defaults": defaults}], check=check)
    for result in results:
        assert not result.get("failed"), result
    return results


def test_bucket_and_iam_converge_idempotently(ansible, admin, aws_names, aws_clients, s3):
    defaults, user = admin
    bucket, role = aws_names
    first = play(ansible, defaults, role_tasks(bucket, role))
    assert any(r.get("changed") for r in first)

    no_change(ansible, defaults, role_tasks(bucket, role))

    iam = aws_clients["iam"]
    assert (
        s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0][
            "ApplyServerSideEncryptionByDefault"
        ]["SSEAlgorithm"]
        == "AES256"
    )
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert "Expiration" not in rule and "Transitions" not in rule
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    statement = trust["Statement"][0]
    assert statement["Principal"] == {"Service": "es.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    resources = [s["Resource"] for s in role_policy(iam, role)["Statement"]]
    # no KMS key: no KMS permission
    assert resources == [[f"arn:aws:s3:::{bucket}"], [f"arn:aws:s3:::{bucket}/nightly/*"]]
    user_name = user["arn"].split("/")[-1]
    grant = iam.get_user_policy(UserName=user_name, PolicyName=f"{role}-pass-role")["PolicyDocument"]
    assert grant["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::123456789012:role/{role}",
            "Condition": {"StringEquals": {"iam:PassedToService": "es.amazonaws.com"}},
        }
    ]


def test_bucket_lifecycle_expires_only_old_versions(ansible, admin, aws_names, s3):
    defaults = admin[0]
    bucket = aws_names[0]

    def bucket_task(**variables):
        return [
            {
                "ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_bucket"},
                "vars": dict({"snapshot_bucket_name": bucket}, **variables),
            }
        ]

    # old versions exist only with versioning: refused before anything is created
    refused = ansible.play([{"block": bucket_task(snapshot_bucket_noncurrent_expiration_days=30)}])
    assert "set snapshot_bucket_versioning to true" in refused[-1]["msg"]
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    versioned = bucket_task(snapshot_bucket_versioning=True, snapshot_bucket_noncurrent_expiration_days=30)
    assert any(r.get("changed") for r in play(ansible, defaults, versioned))
    assert not any(r.get("changed") for r in play(ansible, defaults, versioned))
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert "Expiration" not in rule

    # no rule wanted: removed
    no_rule = bucket_task(snapshot_bucket_versioning=True, snapshot_bucket_abort_incomplete_upload_days=0)
    assert any(r.get("changed") for r in play(ansible, defaults, no_rule))
    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchLifecycleConfiguration"):
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)


def test_full_setup_through_the_domain_gateway(ansible, admin_on_domain, aws_names, stack, cleanup, opensearch):
    """Bucket, IAM and the repository registered through the AWS-like endpoint with role_arn:
    the PassRole grant of snapshot_iam is what lets the caller register it."""
    defaults = admin_on_domain[0]
    bucket, role = aws_names
    repo = unique("setup")
    cleanup["repositories"].append(repo)

    def tasks():
        # the local S3 speaks http: a TLS-only bucket policy would (rightly) refuse the node
        return role_tasks(bucket, role, require_tls=False) + [repository_task(repo, bucket, stack["region"])]

    # the bucket is in the domain's region: `region`, as AWS's example request has it (the node's S3
    # client keeps its own endpoint, moto, so the registration is verified end to end)
    first = [r for r in play(ansible, defaults, tasks()) if "repository" in r]
    assert first[-1]["changed"] and first[-1]["verified_nodes"]
    assert first[-1]["repository"]["settings"]["role_arn"] == f"arn:aws:iam::123456789012:role/{role}"
    settings = opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"]
    assert settings["base_path"] == "nightly" and settings["region"] == stack["region"] and "endpoint" not in settings
    # encryption is left to the bucket's default (docs/design.md)
    assert "server_side_encryption" not in settings
    no_change(ansible, defaults, tasks())


OTHER_REGION = "eu-west-1"


@pytest.mark.parametrize(
    "domain_region, expected",
    [
        # AWS's rule: "When your Amazon S3 bucket is in another AWS Region than your OpenSearch domain, add
        # the parameter "endpoint": "s3.amazonaws.com"" (docs/design.md, "Regions")
        ("us-east-1", {"endpoint": "s3.amazonaws.com"}),
        (OTHER_REGION, {"region": OTHER_REGION}),
        # a self-managed cluster (no domain region): its S3 client is told the bucket's region
        ("", {"region": OTHER_REGION}),
    ],
)
def test_repository_placement_follows_the_buckets_real_region(
    ansible, admin, aws_names, s3, stack, cleanup, opensearch, domain_region, expected
):
    """The bucket's region is read from S3 (moto keeps each bucket's LocationConstraint), not assumed.
    Registered without verification and read-only: the local node cannot reach s3.amazonaws.com, so what
    is proven here is the settings chosen and stored, not that AWS's S3 routes them."""
    defaults = admin[0]
    bucket = aws_names[0]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": OTHER_REGION})
    repo = unique("placement")
    cleanup["repositories"].append(repo)
    defaults = dict(defaults, **{"group/searchops.snapshots.all": {"url": stack["opensearch"], "auth_type": "none"}})
    task = {
        "ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_repository"},
        "vars": {
            "snapshot_repository_name": repo,
            "snapshot_repository_bucket": bucket,
            "snapshot_repository_domain_region": domain_region,
            "snapshot_repository_readonly": True,
            "snapshot_repository_verify": False,
        },
    }
    play(ansible, defaults, [task])
    settings = opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"]
    assert {k: settings.get(k) for k in ("endpoint", "region") if k in settings} == expected


@pytest.mark.s3_repository
def test_repository_takes_the_bucket_region_it_is_given(ansible, admin, stack, cleanup, opensearch):
    """A bucket of another account is not among the caller's (s3_bucket_info lists the caller's own
    buckets): the region given (the migrate playbook reads it with the owner's keys) decides."""
    repo = unique("given-region")
    cleanup["repositories"].append(repo)
    defaults = dict(admin[0], **{"group/searchops.snapshots.all": {"url": stack["opensearch"], "auth_type": "none"}})
    variables = {
        "snapshot_repository_name": repo,
        "snapshot_repository_bucket": unique("elsewhere"),
        "snapshot_repository_bucket_region": OTHER_REGION,
        "snapshot_repository_domain_region": "us-east-1",
        "snapshot_repository_readonly": True,
        "snapshot_repository_verify": False,
    }
    play(
        ansible,
        defaults,
        [{"ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_repository"}, "vars": variables}],
    )
    settings = opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"]
    assert settings.get("endpoint") == "s3.amazonaws.com" and "region" not in settings


def test_bucket_policy_keeps_the_users_statements(ansible, admin, aws_names, s3):
    """Issue 13, item 6: only the role's own statement (by Sid) is replaced or removed."""
    defaults = admin[0]
    bucket = aws_names[0]
    s3.create_bucket(Bucket=bucket)
    users = [
        {
            "Sid": "AuditorsRead",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        },
        # no Sid: the user's too
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutBucketWebsite", "Resource": f"arn:aws:s3:::{bucket}"},
    ]
    # an older version of the role's own statement: replaced
    stale = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": users + [stale]}))

    def tasks(require_tls):
        variables = {"snapshot_bucket_name": bucket, "snapshot_bucket_require_tls": require_tls}
        return [{"ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_bucket"}, "vars": variables}]

    def statements():
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]

    assert any(r.get("changed") for r in play(ansible, defaults, tasks(True)))
    ours = [s for s in statements() if s.get("Sid") == "DenyInsecureTransport"]
    assert ours == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    assert [s for s in statements() if s not in ours] == users
    no_change(ansible, defaults, tasks(True))

    # TLS no longer required: the role's statement goes, the user's stay
    assert any(r.get("changed") for r in play(ansible, defaults, tasks(False)))
    assert statements() == users
    no_change(ansible, defaults, tasks(False))


def test_pass_role_grant_is_for_the_service_and_the_snapshot_api_only(
    ansible, admin, aws_names, aws_clients, iam_factory, bucket, stack, cleanup
):
    """Issue 13, item 6: the grant snapshot_iam gives a deployer lets it register a repository
    through the domain gateway (which evaluates iam:PassedToService), and PUT nothing else."""
    defaults = admin[0]
    role = aws_names[1]
    domain = stack["domain_arn"]
    deployer = iam_factory.user({"Effect": "Allow", "Action": "es:ESHttpGet", "Resource": f"{domain}/*"})
    deployer_name = deployer["arn"].split("/")[-1]
    auth = AWS4Auth(deployer["key"], deployer["secret"], stack["region"], "es")
    role_arn = f"arn:aws:iam::123456789012:role/{role}"

    def grant(**variables):
        variables = dict(
            {
                "snapshot_iam_bucket": bucket,
                "snapshot_iam_role_name": role,
                "snapshot_iam_domain_arns": [domain],
                "snapshot_iam_principal_type": "user",
                "snapshot_iam_principal_name": deployer_name,
            },
            **variables,
        )
        play(
            ansible,
            defaults,
            [{"ansible.builtin.include_role": {"name": "searchops.snapshots.snapshot_iam"}, "vars": variables}],
        )
        return aws_clients["iam"].get_user_policy(UserName=deployer_name, PolicyName=f"{role}-pass-role")[
            "PolicyDocument"
        ]

    def register():
        repo = unique("granted")
        cleanup["repositories"].append(repo)
        body = {"type": "s3", "settings": {"bucket": bucket, "role_arn": role_arn}}
        return requests.put(f"{stack['gateway']}/_snapshot/{repo}", json=body, auth=auth, timeout=120)

    assert grant()["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "es.amazonaws.com"}},
        },
        {"Effect": "Allow", "Action": "es:ESHttpPut", "Resource": [f"{domain}/_snapshot/*"]},
    ]
    registered = register()
    assert registered.status_code == 200, registered.text
    # es:ESHttpPut covers the snapshot API only
    index = requests.put(f"{stack['gateway']}/{unique('idx')}", json={}, auth=auth, timeout=30)
    assert index.status_code == 403 and "not authorized to perform: es:ESHttpPut" in index.json()["Message"]

    # a grant for another service does not let the deployer pass the role to the search service
    grant(snapshot_iam_passed_to_service="ec2.amazonaws.com")
    refused = register()
    assert refused.status_code == 403 and f"iam:PassRole on resource: {role_arn}" in refused.text

    # null drops the condition
    assert "Condition" not in grant(snapshot_iam_passed_to_service=None)["Statement"][0]
    assert register().status_code == 200


def test_arns_take_the_callers_partition(ansible, stack):
    """Issue 13, item 6: in aws-cn (moto answers arn:aws-cn: in cn-north-1) no ARN says arn:aws:."""
    kwargs = dict(
        endpoint_url=stack["moto"],
        region_name="cn-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam, s3 = boto3.client("iam", **kwargs), boto3.client("s3", **kwargs)
    user, bucket, role = unique("cn-admin"), unique("snapshots"), unique("snaprole")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=user, PolicyName="admin", PolicyDocument=json.dumps(admin))
    defaults = {
        "group/aws": {
            "endpoint_url": stack["moto"],
            "region": "cn-north-1",
            "access_key": key["AccessKeyId"],
            "secret_key": key["SecretAccessKey"],
        }
    }
    try:
        play(ansible, defaults, role_tasks(bucket, role))
        no_change(ansible, defaults, role_tasks(bucket, role))
        (tls,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        assert tls["Resource"] == [f"arn:aws-cn:s3:::{bucket}", f"arn:aws-cn:s3:::{bucket}/*"]
        (attached,) = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        assert attached["PolicyArn"] == f"arn:aws-cn:iam::123456789012:policy/{role}-s3"
        resources = [s["Resource"] for s in role_policy(iam, role)["Statement"]]
        assert resources == [[f"arn:aws-cn:s3:::{bucket}"], [f"arn:aws-cn:s3:::{bucket}/nightly/*"]]
        (pass_role,) = iam.get_user_policy(UserName=user, PolicyName=f"{role}-pass-role")["PolicyDocument"]["Statement"]
        assert pass_role["Resource"] == f"arn:aws-cn:iam::123456789012:role/{role}"
    finally:
        remove_snapshot_setup(iam, s3, bucket, role)
        iam.delete_user_policy(UserName=user, PolicyName="admin")
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=user)


def test_check_mode_on_an_empty_account_changes_nothing(ansible, admin, aws_names, aws_clients, s3):
    defaults, user = admin
    bucket, role = aws_names
    results = play(ansible, defaults, role_tasks(bucket, role), check=True)
    assert any(r.get("changed") for r in results)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchEntity|cannot be found"):
        aws_clients["iam"].get_role(RoleName=role)
    policies = aws_clients["iam"].list_policies(Scope="Local")["Policies"]
    assert f"{role}-s3" not in [p["PolicyName"] for p in policies]


@pytest.mark.parametrize(
    "role, missing",
    [
        ("snapshot_bucket", ["snapshot_bucket_name"]),
        ("snapshot_iam", ["snapshot_iam_bucket"]),
        ("snapshot_repository", ["snapshot_repository_name", "snapshot_repository_bucket"]),
    ],
)
def test_a_role_called_without_its_required_variables_fails_before_any_task(ansible, role, missing):
    """meta/argument_specs.yml checks the variables before any task: required ones have no
    default that would satisfy it (issue 12, item 6)."""
    results = ansible.play([{"ansible.builtin.include_role": {"name": f"searchops.snapshots.{role}"}}])
    failed = [r for r in results if r.get("failed")]
    assert failed and "argument" in failed[0]["msg"], results
    assert all(name in failed[0]["msg"] for name in missing), failed[0]["msg"]
    assert not any(str(r.get("action", "")).startswith(("amazon.aws", "community.aws", "searchops")) for r in results)
