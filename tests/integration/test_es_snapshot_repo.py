"""es_snapshot_repo against the real local stack; server state is read back with plain HTTP."""

import pytest

from tests.integration.helpers import four_steps, path_repo, unique

MODULE = "searchops.snapshots.es_snapshot_repo"


@pytest.fixture
def repo(cleanup):
    name = unique("repo")
    cleanup["repositories"].append(name)
    return name


def connection(stack):
    return {"url": stack["opensearch"]}


def test_create_s3_repository(ansible, stack, opensearch, bucket, repo):
    args = dict(
        connection(stack), repository=repo, settings={"bucket": bucket, "base_path": "nightly", "compress": True}
    )
    check, apply = four_steps(ansible, MODULE, args)[:2]
    assert check["request"]["method"] == "PUT" and "verified_nodes" not in check
    assert apply["verified_nodes"]
    server = opensearch.request("GET", f"_snapshot/{repo}")[repo]
    assert server == {"type": "s3", "settings": {"bucket": bucket, "base_path": "nightly", "compress": "true"}}
    assert apply["repository"] == server


def test_check_mode_leaves_the_cluster_alone(ansible, stack, opensearch, bucket, repo):
    result = ansible(
        MODULE, dict(connection(stack), repository=repo, settings={"bucket": bucket}), check=True, diff=True
    )
    assert result["changed"] and result["diff"]["before"] == {}
    assert opensearch.request("GET", f"_snapshot/{repo}", expect=(404,))


def test_change_of_a_setting(ansible, stack, opensearch, bucket, repo):
    base = dict(connection(stack), repository=repo)
    ansible(MODULE, dict(base, settings={"bucket": bucket, "chunk_size": "1gb"}))
    # the same value spelled differently is no change
    same = ansible(MODULE, dict(base, settings={"bucket": bucket, "chunk_size": "1024mb"}))
    assert not same["changed"]

    four_steps(ansible, MODULE, dict(base, settings={"bucket": bucket, "chunk_size": "512mb"}))
    diff = ansible(MODULE, dict(base, settings={"bucket": bucket, "chunk_size": "256mb"}), diff=True)["diff"]
    assert diff["before"]["settings"]["chunk_size"] == "512mb"
    assert diff["after"]["settings"]["chunk_size"] == "256mb"
    assert opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"]["chunk_size"] == "256mb"


def test_fs_repository(ansible, stack, opensearch, repo):
    folder = path_repo(opensearch)
    args = dict(
        connection(stack), repository=repo, type="fs", settings={"location": f"{folder}/{repo}", "compress": "true"}
    )
    four_steps(ansible, MODULE, args)
    assert opensearch.request("GET", f"_snapshot/{repo}")[repo]["type"] == "fs"


@pytest.mark.s3_repository
def test_verify_false_registers_without_verifying(ansible, stack, opensearch, repo):
    args = dict(connection(stack), repository=repo, verify=False, settings={"bucket": "created-later"})
    result = ansible(MODULE, args)
    assert result["changed"] and "verified_nodes" not in result
    assert opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"]["bucket"] == "created-later"


def test_delete(ansible, stack, opensearch, bucket, repo):
    ansible(MODULE, dict(connection(stack), repository=repo, settings={"bucket": bucket}))
    four_steps(ansible, MODULE, dict(connection(stack), repository=repo, state="absent"))
    assert opensearch.request("GET", f"_snapshot/{repo}", expect=(404,))


def test_delete_when_absent(ansible, stack, repo):
    result = ansible(MODULE, dict(connection(stack), repository=repo, state="absent"))
    assert not result.get("failed") and not result["changed"]


@pytest.mark.s3_repository
def test_wrong_bucket_fails_clearly_and_leaves_nothing(ansible, stack, opensearch, repo):
    result = ansible(MODULE, dict(connection(stack), repository=repo, settings={"bucket": "no-such-bucket-anywhere"}))
    assert result["failed"]
    assert "The bucket does not exist" in result["msg"] and "was not kept" in result["msg"]
    assert result["error"]["type"] == "repository_verification_exception"
    assert opensearch.request("GET", f"_snapshot/{repo}", expect=(404,))


def test_an_engine_without_repository_s3_says_to_install_it(ansible, stack, engine, opensearch, repo):
    if "s3" in engine["repository_types"]:
        pytest.skip(f"{engine['name']} has repository-s3 (the error is that of engines without it)")
    result = ansible(MODULE, dict(connection(stack), repository=repo, settings={"bucket": "any"}))
    assert result["failed"] and result["error"]["type"] == "repository_exception", result
    # the engine's own text, then the fix
    assert "repository type [s3] does not exist" in result["msg"]
    assert "install the repository-s3 plugin on every node" in result["msg"]
    assert opensearch.request("GET", f"_snapshot/{repo}", expect=(404,))


def test_wrong_bucket_on_change_restores_previous(ansible, stack, opensearch, bucket, repo):
    ansible(MODULE, dict(connection(stack), repository=repo, settings={"bucket": bucket}))
    result = ansible(MODULE, dict(connection(stack), repository=repo, settings={"bucket": "no-such-bucket-anywhere"}))
    assert result["failed"] and "previous definition was restored" in result["msg"]
    assert opensearch.request("GET", f"_snapshot/{repo}")[repo]["settings"] == {"bucket": bucket}


def test_connection_refused_says_what_to_check(ansible):
    result = ansible(MODULE, {"url": "http://127.0.0.1:1", "repository": "x", "retries": 0})
    assert result["failed"] and "refused" in result["msg"] and "right port" in result["msg"]


def test_password_never_in_output_even_at_vvvv(ansible, stack, bucket, repo):
    secret = "s3cr3t-Pa55word-never-printed"
    args = dict(connection(stack), repository=repo, username="admin", password=secret, settings={"bucket": bucket})
    output = ansible(MODULE, args, verbosity=4)
    assert "changed: [localhost]" in output or '"changed": true' in output, output[-3000:]
    assert secret not in output


def test_an_html_page_answered_with_200_is_a_clean_error(ansible, stack, s3, bucket):
    """url points at something that is not the cluster (here moto's S3, serving an HTML page
    where the repository should be, as a proxy's login page would): a clean error, no traceback."""
    s3.put_object(
        Bucket=bucket,
        Key="_snapshot/nightly",
        Body=b"<html><body>Sign in</body></html>",
        ContentType="text/html",
        ACL="public-read",
    )
    result = ansible(MODULE, {"url": f"{stack['moto']}/{bucket}", "repository": "nightly", "retries": 0})
    assert result["failed"] and result["status"] == 200
    assert "not the cluster" in result["msg"] and "text/html" in result["msg"]
    assert "Unexpected error" not in result["msg"] and "Traceback" not in result["exception"]
