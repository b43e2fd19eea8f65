"""The playbooks, run as a user runs them (`ansible-playbook -i inventories/local
searchops.snapshots.<name>`), against the local stack through the AWS-like domain gateway.
Names are unique per test (extra vars), so the tests never touch what `make demo` built."""

import json
import subprocess
import sys
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
import requests
from requests_aws4auth import AWS4Auth

from tests.collection import ROOT
from tests.integration.conftest import remove_snapshot_setup
from tests.integration.helpers import changed, task_results, unique

INVENTORY = ROOT / "inventories" / "local"


@pytest.fixture
def setup_vars(aws_names, cleanup):
    bucket, role = aws_names
    repository = unique("repo")
    cleanup["repositories"].append(repository)
    return {"searchops_bucket": bucket, "snapshot_iam_role_name": role, "searchops_repository": repository}


def test_demo_prints_the_restored_document_and_its_setup_converges(ansible, setup_vars, cleanup):
    index = unique("demo")
    cleanup["indices"].append(index)
    demo = ansible.playbook("demo", INVENTORY, dict(setup_vars, searchops_demo_index=index))

    (restore,) = task_results(demo, f"Restore from the snapshot {index}")
    assert restore["changed"] and restore["restored_indices"] == [{"index": index, "source": index, "docs": 1}]
    (document,) = task_results(demo, "The restored document")
    assert document["msg"] == {"title": "Moneyball", "director": "Bennett Miller", "year": 2011}
    (drill,) = task_results(
        demo, "Restore drill of the snapshot (a hidden copy, compared with the snapshot's manifest, then deleted)"
    )
    assert drill["summary"] == {"pass": 2, "fail": 0, "unverified": 0}, drill
    assert drill["indices"][index]["docs"] == drill["indices"][index]["expected_docs"] == 1
    (summary,) = task_results(demo, "Summary")
    assert f"role:       arn:aws:iam::123456789012:role/{setup_vars['snapshot_iam_role_name']}" in summary["msg"]

    again = ansible.playbook("setup", INVENTORY, setup_vars)
    assert changed(again) == 0, [t["task"]["name"] for p in again["plays"] for t in p["tasks"] if t["hosts"]]


def test_setup_of_two_domains_sharing_the_role_trusts_both_and_converges(ansible, setup_vars, tmp_path, aws_clients):
    """A second domain in the run (the same gateway under another host name): the role's trust
    and the PassRole grant list both domains, and a second run changes nothing."""
    second = tmp_path / "second.yml"
    other_domain = "arn:aws:es:us-east-1:123456789012:domain/second"
    second.write_text(
        json.dumps(
            {
                "searchops_clusters": {
                    "hosts": {
                        "second_domain": {
                            # group_vars of inventories/local find the stack relative to the
                            # host's own inventory folder: point this one at the same stack
                            "searchops_stack_dir": "{{ hostvars['local_domain'].searchops_stack_dir }}",
                            "searchops_cluster": "{{ hostvars['local_domain'].searchops_cluster }}",
                            "searchops_domain_arns": [other_domain],
                        }
                    }
                }
            }
        )
    )
    inventories = [INVENTORY, second]
    ansible.playbook("setup", inventories, setup_vars)
    assert changed(ansible.playbook("setup", inventories, setup_vars)) == 0
    role = aws_clients["iam"].get_role(RoleName=setup_vars["snapshot_iam_role_name"])["Role"]
    arns = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"]
    assert sorted(arns) == sorted(["arn:aws:es:us-east-1:123456789012:domain/searchops-local", other_domain])


def test_setup_refuses_two_writable_clusters_on_one_bucket_path_before_any_change(
    ansible, setup_vars, tmp_path, stack, s3, opensearch
):
    """The same node reached directly is, by its url, a second cluster: both would register the
    bucket path of the inventory's group_vars writable."""
    second = tmp_path / "second.yml"
    node = {
        "searchops_stack_dir": str(Path(stack["operator"]).parent),
        "searchops_cluster": {"url": stack["opensearch"]},
    }
    second.write_text(json.dumps({"searchops_clusters": {"hosts": {"local_node": node}}}))
    args = ["-i", str(INVENTORY), "-i", str(second), "searchops.snapshots.setup", "-e", json.dumps(setup_vars)]
    proc = ansible._run(args, check=False, diff=False, env=None, verbosity=0)
    output = json.loads(proc.stdout)
    assert proc.returncode != 0 and changed(output) == 0
    (refused,) = task_results(output, "No two clusters write to one repository path")
    assert refused["failed"]
    assert f"s3://{setup_vars['searchops_bucket']}/snapshots (hosts local_domain, local_node)" in refused["msg"]
    assert "its own searchops_base_path" in refused["msg"] and "snapshot_repository_readonly: true" in refused["msg"]
    ran = [task["task"]["name"] for play in output["plays"] for task in play["tasks"]]
    assert ran == ["No two clusters write to one repository path"]
    assert setup_vars["searchops_bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    opensearch.request("GET", f"_snapshot/{setup_vars['searchops_repository']}", expect=(404,))

    # read-only on all but one: the check passes (a check-mode run goes on to the roles)
    node["snapshot_repository_readonly"] = True
    second.write_text(json.dumps({"searchops_clusters": {"hosts": {"local_node": node}}}))
    (passed,) = task_results(
        ansible.playbook("setup", [INVENTORY, second], setup_vars, check=True),
        "No two clusters write to one repository path",
    )
    assert not passed.get("failed")


def test_setup_in_check_mode_on_an_empty_account_changes_nothing(ansible, setup_vars, aws_clients, s3, opensearch):
    output = ansible.playbook("setup", INVENTORY, setup_vars, check=True)
    assert changed(output) > 0

    bucket, role = setup_vars["searchops_bucket"], setup_vars["snapshot_iam_role_name"]
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    iam = aws_clients["iam"]
    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchEntity|cannot be found"):
        iam.get_role(RoleName=role)
    assert f"{role}-s3" not in [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    assert f"{role}-pass-role" not in iam.list_user_policies(UserName="searchops-operator")["PolicyNames"]
    opensearch.request("GET", f"_snapshot/{setup_vars['searchops_repository']}", expect=(404,))


def test_setup_never_shows_the_secret_key_even_at_vvvv(ansible, setup_vars, stack):
    output = ansible.playbook("setup", INVENTORY, setup_vars, check=True, verbosity=4)
    secret = json.loads(Path(stack["operator"]).read_text())["secret_key"]
    assert "searchops.snapshots.snapshot_repository : Snapshot repository is registered" in output
    assert secret not in output


def test_snapshot_restore_migrate_and_prune(ansible, setup_vars, index_factory, cleanup, opensearch):
    index = index_factory(docs=3)
    ansible.playbook("setup", INVENTORY, setup_vars)
    # the bucket is in the domain's region (us-east-1): `region`, by AWS's rule (issue 13, item 4)
    repository = setup_vars["searchops_repository"]
    settings = opensearch.request("GET", f"_snapshot/{repository}")[repository]["settings"]
    assert settings["region"] == "us-east-1" and "endpoint" not in settings
    chosen = dict(setup_vars, searchops_indices=[index])

    snapshot = dict(chosen, searchops_snapshot_name=unique("snap"))
    first = ansible.playbook("snapshot", INVENTORY, snapshot)
    assert changed(first) == 1
    assert changed(ansible.playbook("snapshot", INVENTORY, snapshot)) == 0

    restore = dict(chosen, searchops_restore_snapshot=snapshot["searchops_snapshot_name"])
    # the index is there: skipped, never overwritten
    assert changed(ansible.playbook("restore", INVENTORY, restore)) == 0
    opensearch.request("DELETE", index)
    # index settings overridden in the restore (on AWS: the replica count of a Multi-AZ with Standby domain)
    overridden = dict(restore, searchops_restore_index_settings={"index.refresh_interval": "7s"})
    (restored,) = task_results(ansible.playbook("restore", INVENTORY, overridden), "Restore")
    assert restored["restored_indices"] == [{"index": index, "source": index, "docs": 3}]
    assert opensearch.request("GET", f"{index}/_settings")[index]["settings"]["index"]["refresh_interval"] == "7s"

    # source: the AWS-like domain; target: the same node as a self-managed cluster, reading the
    # bucket through a second, read-only repository
    migrate = dict(chosen, searchops_migrate_snapshot=unique("migrate"), searchops_migrate_repository=unique("ro"))
    cleanup["repositories"].append(migrate["searchops_migrate_repository"])
    cleanup["indices"].append(f"migrated-{index}")
    ansible.playbook("migrate", INVENTORY, migrate)
    target = opensearch.request("GET", f"_snapshot/{migrate['searchops_migrate_repository']}")
    assert next(iter(target.values()))["settings"]["readonly"] == "true"
    # a self-managed target: the bucket's region
    assert next(iter(target.values()))["settings"]["region"] == "us-east-1"
    assert opensearch.request("GET", f"migrated-{index}/_count")["count"] == 3
    assert changed(ansible.playbook("migrate", INVENTORY, migrate)) == 0

    # retention over this test's two snapshots: the older one goes
    prune = dict(
        setup_vars,
        searchops_prune_snapshots=[snapshot["searchops_snapshot_name"], migrate["searchops_migrate_snapshot"]],
        searchops_prune_max_count=1,
        searchops_prune_min_count=0,
    )
    (planned,) = task_results(ansible.playbook("prune", INVENTORY, prune, check=True), "Prune")
    assert planned["deleted"] == [snapshot["searchops_snapshot_name"]]
    assert changed(ansible.playbook("prune", INVENTORY, prune)) == 1
    listing = opensearch.request("GET", f"_snapshot/{setup_vars['searchops_repository']}/_all")["snapshots"]
    assert [s["snapshot"] for s in listing] == [migrate["searchops_migrate_snapshot"]]
    assert changed(ansible.playbook("prune", INVENTORY, prune)) == 0


def test_verify_drills_the_latest_snapshot_on_its_cluster_and_on_a_scratch_cluster(
    ansible, setup_vars, index_factory, cleanup, opensearch
):
    """The verify playbook: a restore drill of the latest snapshot on the cluster that took it (the AWS-like
    domain), then on a scratch cluster (the node reached directly, as a self-managed cluster) that registers
    the bucket read-only first. Both leave nothing behind and report every check passed."""
    index = index_factory(docs=4)
    ansible.playbook("setup", INVENTORY, setup_vars)
    chosen = dict(setup_vars, searchops_indices=[index])
    taken = unique("snap")
    ansible.playbook("snapshot", INVENTORY, dict(chosen, searchops_snapshot_name=taken))
    queries = [{"index": index, "query": {"range": {"n": {"gte": 2}}}, "hits": 2}]
    verify = dict(chosen, searchops_verify_snapshots=[taken], searchops_verify_queries=queries)

    on_domain = ansible.playbook("verify", INVENTORY, verify)
    assert changed(on_domain) == 0
    (drill,) = task_results(on_domain, "Restore drill")
    assert drill["snapshot"]["snapshot"] == taken and drill["summary"] == {"pass": 2, "fail": 0, "unverified": 0}
    (report,) = task_results(on_domain, "Report the drill")
    assert report["msg"][1] == "checks:    2 passed, 0 failed, 0 unverified (indices and queries)"

    scratch = dict(verify, searchops_verify_on="local_node", searchops_verify_register=True)
    scratch["searchops_verify_repository"] = unique("ro")
    cleanup["repositories"].append(scratch["searchops_verify_repository"])
    on_scratch = ansible.playbook("verify", INVENTORY, scratch)
    (drill,) = task_results(on_scratch, "Restore drill")
    assert drill["summary"]["pass"] == 2, drill
    repository = opensearch.request("GET", f"_snapshot/{scratch['searchops_verify_repository']}")
    assert next(iter(repository.values()))["settings"]["readonly"] == "true"
    assert changed(ansible.playbook("verify", INVENTORY, scratch)) == 0
    found = opensearch.request(
        "GET", "_cat/indices/searchops-drill-*", params={"format": "json", "expand_wildcards": "all"}
    )
    assert found == []


@pytest.fixture
def kms_key(aws_clients):
    """A KMS key in moto with an alias; scheduled for deletion afterwards."""
    kms = aws_clients["kms"]
    key = kms.create_key(Description="searchops test")["KeyMetadata"]
    alias = f"alias/{unique('snapshots')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    yield {"arn": key["Arn"], "alias": alias}
    kms.delete_alias(AliasName=alias)
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)


def files_encryption(s3, bucket, prefix):
    """Every object's (ServerSideEncryption, SSEKMSKeyId), as S3 answers HeadObject."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = [obj["Key"] for page in pages for obj in page.get("Contents", [])]
    assert keys, f"no objects under {prefix}"
    heads = [s3.head_object(Bucket=bucket, Key=key) for key in keys]
    return {(head.get("ServerSideEncryption"), head.get("SSEKMSKeyId")) for head in heads}


def test_setup_with_a_kms_key_encrypts_every_snapshot_file_with_it(
    ansible, setup_vars, kms_key, index_factory, aws_clients, s3, stack, opensearch, cleanup
):
    """Issue 13, item 5: the bucket's default encryption with the key encrypts what the cluster
    writes, the role may use exactly that key, and the repository sends no SSE setting that
    would override it. The key is given by alias: the roles resolve it to the key's ARN."""
    index = index_factory(docs=3)
    chosen = dict(setup_vars, snapshot_bucket_kms_key_id=kms_key["alias"], searchops_indices=[index])
    bucket, role, repo = chosen["searchops_bucket"], chosen["snapshot_iam_role_name"], chosen["searchops_repository"]

    assert changed(ansible.playbook("setup", INVENTORY, chosen, check=True)) > 0
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    ansible.playbook("setup", INVENTORY, chosen)
    assert changed(ansible.playbook("setup", INVENTORY, chosen)) == 0

    default = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": kms_key["arn"],
    }
    iam = aws_clients["iam"]
    (attached,) = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
    assert [s for s in document["Statement"] if any(a.startswith("kms:") for a in s["Action"])] == [
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [kms_key["arn"]]}
    ]
    assert "server_side_encryption" not in opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"]

    ansible.playbook("snapshot", INVENTORY, dict(chosen, searchops_snapshot_name=unique("snap")))
    assert files_encryption(s3, bucket, "snapshots/") == {("aws:kms", kms_key["arn"])}

    # the control: a repository that asks for SSE-S3 itself (what server_side_encryption: true
    # does on OpenSearch <= 3.0) overrides the bucket's key, and the check above sees it
    control = unique("aes")
    cleanup["repositories"].append(control)
    endpoint = stack["moto"].split("://")[1]
    settings = {"bucket": bucket, "base_path": "control", "endpoint": endpoint, "server_side_encryption_type": "AES256"}
    opensearch.request("PUT", f"_snapshot/{control}", json={"type": "s3", "settings": settings})
    body = {"indices": index, "include_global_state": False}
    opensearch.request("PUT", f"_snapshot/{control}/one", params={"wait_for_completion": "true"}, json=body)
    assert files_encryption(s3, bucket, "control/") == {("AES256", None)}


def test_setup_refuses_sse_s3_over_a_kms_key_before_any_change(ansible, setup_vars, s3):
    extra = dict(setup_vars, snapshot_bucket_kms_key_id="alias/any", snapshot_repository_server_side_encryption=True)
    args = ["-i", str(INVENTORY), "searchops.snapshots.setup", "-e", json.dumps(extra)]
    proc = ansible._run(args, check=False, diff=False, env=None, verbosity=0)
    output = json.loads(proc.stdout)
    assert proc.returncode != 0 and changed(output) == 0
    (refused,) = task_results(output, "No explicit SSE-S3 on a bucket encrypted with a KMS key")
    assert refused["failed"] and "snapshot_repository_server_side_encryption: true" in refused["msg"]
    assert setup_vars["searchops_bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_the_aws_example_inventory_fits_every_playbook():
    """No AWS here: the example must at least parse and give each playbook what it needs."""
    example = ROOT / "inventories" / "aws.example"
    bin_dir = Path(sys.executable).parent
    listing = json.loads(
        subprocess.run(
            [bin_dir / "ansible-inventory", "-i", example, "--list"], capture_output=True, text=True, check=True
        ).stdout
    )
    hostvars = listing["_meta"]["hostvars"]
    for group in ("searchops_clusters", "searchops_migration_sources", "searchops_migration_targets"):
        for host in listing[group]["hosts"]:
            assert hostvars[host]["searchops_cluster"]["url"].endswith(".es.amazonaws.com"), host
            assert hostvars[host]["searchops_bucket"] and hostvars[host]["searchops_aws"]["region"]
    assert len(listing["searchops_migration_sources"]["hosts"]) == 1
    # by name, and by path from playbooks/
    for name in ("setup", "snapshot", "restore", "migrate", "prune", "verify", "demo"):
        for playbook in (f"searchops.snapshots.{name}", ROOT / "playbooks" / f"{name}.yml"):
            subprocess.run(
                [bin_dir / "ansible-playbook", "--syntax-check", "-i", example, playbook],
                capture_output=True,
                check=True,
            )


@pytest.fixture
def other_account(aws_clients, stack, s3):
    """An administrator (IAM user with keys) in the account of the stack's second domain: moto's STS
    hands out credentials that act in the account of the role ARN assumed (the role need not exist),
    and keys created with them belong to that account. Everything made there is removed afterwards."""
    kwargs = dict(endpoint_url=stack["moto"], region_name=stack["region"])
    account = stack["other_domain"]["account_id"]
    bootstrap = aws_clients["sts"].assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/bootstrap", RoleSessionName="searchops-tests"
    )["Credentials"]
    iam = boto3.client(
        "iam",
        aws_access_key_id=bootstrap["AccessKeyId"],
        aws_secret_access_key=bootstrap["SecretAccessKey"],
        aws_session_token=bootstrap["SessionToken"],
        **kwargs,
    )
    name = unique("admin")
    iam.create_user(UserName=name)
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="admin", PolicyDocument=json.dumps(admin))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    identity = boto3.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], **kwargs
    ).get_caller_identity()
    assert identity["Account"] == account, identity
    role = unique("xacct")
    yield {
        "access_key": key["AccessKeyId"],
        "secret_key": key["SecretAccessKey"],
        "iam": iam,
        "role": role,
        "role_arn": f"arn:aws:iam::{account}:role/{role}",
    }
    remove_snapshot_setup(iam, s3, unique("none"), role)
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=policy)
    iam.delete_user(UserName=name)


def test_migrate_to_another_account_lets_its_own_role_read_the_base_path(
    ansible, setup_vars, other_account, index_factory, cleanup, opensearch, aws_clients, s3, stack, tmp_path
):
    """Issue 13, item 9: the target is the stack's second domain, in another account. Its read-only
    snapshot role is created there with that account's keys, the source bucket's policy (account
    123456789012) gets a statement pair with its own Sids for that role, the user's statements stay,
    the target's identity registers the repository with that role through the second domain (whose
    service assumes roles for that account only), and a second run changes nothing."""
    bucket, index = setup_vars["searchops_bucket"], index_factory(docs=2)
    ansible.playbook("setup", INVENTORY, setup_vars)
    users = {"Sid": "Auditors", "Effect": "Deny", "Principal": "*", "Action": "s3:PutBucketWebsite"}
    users["Resource"] = f"arn:aws:s3:::{bucket}"
    # the local inventory writes no policy (snapshot_bucket_require_tls: false): the user's is the only one
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [users]}))

    other = stack["other_domain"]
    target = tmp_path / "other-account.yml"
    target.write_text(
        json.dumps(
            {
                "searchops_migration_targets": {
                    "hosts": {
                        "other_account": {
                            "searchops_stack_dir": "{{ hostvars['local_domain'].searchops_stack_dir }}",
                            "searchops_cluster": {
                                "url": other["gateway"],
                                "auth_type": "aws_sigv4",
                                "region": stack["region"],
                                "access_key": other_account["access_key"],
                                "secret_key": other_account["secret_key"],
                            },
                            "searchops_domain_arns": [other["domain_arn"]],
                            "searchops_aws": {
                                "endpoint_url": stack["moto"],
                                "region": stack["region"],
                                "access_key": other_account["access_key"],
                                "secret_key": other_account["secret_key"],
                            },
                            "searchops_migrate_cross_account": True,
                            "searchops_migrate_role_name": other_account["role"],
                        }
                    }
                }
            }
        )
    )
    # not setup_vars: its snapshot_iam_role_name (an extra var) would outrank the migration's role name
    migrate = dict(
        searchops_bucket=bucket,
        searchops_repository=setup_vars["searchops_repository"],
        searchops_indices=[index],
        searchops_migrate_to="other_account",
        searchops_migrate_snapshot=unique("migrate"),
        searchops_migrate_repository=unique("ro"),
    )
    cleanup["repositories"].append(migrate["searchops_migrate_repository"])
    cleanup["indices"].append(f"migrated-{index}")
    before = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    # check mode creates nothing, and says why it plans no restore: the read-only repository and the
    # snapshot would only now be registered and taken
    planned = ansible.playbook("migrate", [INVENTORY, target], migrate, check=True)
    (note,) = task_results(planned, "In check mode, say why no restore is planned")
    assert "the restore is planned once they exist" in note["msg"]
    (restore,) = task_results(planned, "Restore the migrated indices")
    assert restore.get("skipped")
    assert other_account["iam"].list_roles()["Roles"] == [] and s3.get_bucket_policy(Bucket=bucket)["Policy"] == before

    ansible.playbook("migrate", [INVENTORY, target], migrate)
    role_arn = other_account["role_arn"]
    role = other_account["iam"].get_role(RoleName=other_account["role"])["Role"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "es.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": other["account_id"]},
        "ArnLike": {"aws:SourceArn": [other["domain_arn"]]},
    }
    with pytest.raises(botocore.exceptions.ClientError):  # not in the bucket's account
        aws_clients["iam"].get_role(RoleName=other_account["role"])
    (attached,) = other_account["iam"].list_attached_role_policies(RoleName=other_account["role"])["AttachedPolicies"]
    document = other_account["iam"].get_policy_version(
        PolicyArn=attached["PolicyArn"],
        VersionId=other_account["iam"].get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"],
    )["PolicyVersion"]["Document"]
    assert [s["Action"] for s in document["Statement"]] == [["s3:ListBucket"], ["s3:GetObject"]]

    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    readers = [s for s in statements if s.get("Principal") == {"AWS": role_arn}]
    assert sorted((s["Action"], s["Resource"], s.get("Condition")) for s in readers) == [
        ("s3:GetObject", f"arn:aws:s3:::{bucket}/snapshots/*", None),
        ("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"StringLike": {"s3:prefix": ["snapshots", "snapshots/*"]}}),
    ]
    assert len({s["Sid"] for s in readers}) == 2 and all(s["Sid"].startswith("SearchopsRead") for s in readers)
    assert users in statements

    # registered through the second domain with the target's role (the gateway adds role_arn back)
    name = migrate["searchops_migrate_repository"]
    auth = AWS4Auth(other_account["access_key"], other_account["secret_key"], stack["region"], "es")
    response = requests.get(f"{other['gateway']}/_snapshot/{name}", auth=auth, timeout=30)
    assert response.status_code == 200, response.text
    settings = response.json()[name]["settings"]
    assert settings["role_arn"] == role_arn and settings["readonly"] == "true"
    # the bucket's region as its owner reads it (the same as the domain's here)
    assert settings["region"] == "us-east-1" and "endpoint" not in settings
    assert opensearch.request("GET", f"migrated-{index}/_count")["count"] == 2

    assert changed(ansible.playbook("migrate", [INVENTORY, target], migrate)) == 0
    # setup of the source again keeps the reader's statements (not its Sids)
    assert changed(ansible.playbook("setup", INVENTORY, setup_vars)) == 0
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"] == statements
